// The dashboard's sections, each drawn from the API's answers: the plan's targets, the
// districts compared, carriers, the daily smart-locker share, delivery and clearance times,
// exceptions and rejections. Every number goes through mark() (marks.js).
import { bars, el, trend } from "./charts.js";
import { count, mark } from "./marks.js";
import {
  carrierName, ctx, districtName, durationText, fill, int, judge, pct, shareText, t,
} from "./text.js";

const $ = (id) => document.getElementById(id);
// The district table's order until a column heading is clicked.
export const DEFAULT_SORT = "parcels:desc";

function shareCard(parent, section, label, kpi, figure) {
  const box = el("div", "card");
  box.append(el("h3", "", label));
  const verdict = judge(figure, figure.denominator);
  box.append(mark(el("div", "value"), { section, label, kpi: kpi + ".share", raw: figure.share,
    text: shareText(figure.share, verdict), ...verdict }));
  if (figure.target !== null) {
    const met = figure.meets_target, judged = met !== null && verdict.sufficient;
    const word = verdict.sufficient === false ? t("too_little") : met === null ? t("no_data") : t(met ? "met" : "missed");
    const line = el("div", "target" + (judged ? (met ? " met" : " missed") : ""));
    box.append(mark(line, { section, label, kpi: kpi + ".meets_target", raw: met, ...verdict,
      text: `${t("target", { value: pct(figure.target) })} · ${word}` }));
  }
  box.append(fill(el("div", "basis"), "share_basis", {
    numerator: count(section, label, kpi + ".numerator", figure.numerator),
    denominator: count(section, label, kpi + ".denominator", figure.denominator),
    events: count(section, label, kpi + ".events", figure.events),
  }));
  parent.append(box);
}

export function targets(report) {
  const section = t("section_targets"), parent = $("targets");
  parent.replaceChildren(parent.firstElementChild);
  shareCard(parent, section, t("e_waybill"), "e_waybill_share", report.e_waybill_share);
  shareCard(parent, section, t("recyclable_bag"), "recyclable_bag_share", report.recyclable_bag_share);
  shareCard(parent, section, t("smart_locker"), "smart_locker_share", report.smart_locker_share);
  const volumes = report.carrier_volumes, box = el("div", "card"), label = t("big_carriers");
  box.append(el("h3", "", label));
  box.append(mark(el("div", "value"), { section, label, kpi: "carrier_volumes.carriers_meeting_target",
    raw: volumes.carriers_meeting_target, text: int(volumes.carriers_meeting_target) }));
  box.append(mark(el("div", "target"), { section, label, kpi: "carrier_volumes.target_carriers",
    raw: volumes.target_carriers, text: t("target_firms", { value: volumes.target_carriers }) }));
  box.append(fill(el("div", "basis"), "events_basis",
    { events: count(section, label, "carrier_volumes.events", volumes.events) }));
  parent.append(box);
}

export function carriers(report) {
  const section = t("section_carriers");
  bars($("carriers"), report.carrier_volumes.carriers.map((c) => ({
    label: carrierName(c.carrier_id), value: c.parcels,
    text: t("per_year", { parcels: int(c.parcels), year: int(Math.round(c.parcels_per_year)) }),
    figure: { section, label: carrierName(c.carrier_id), kpi: `carrier_volumes.carriers[${c.carrier_id}].parcels`,
      raw: c.parcels } })), { empty: t("no_data"), mark });
}

// The Post Bureau's 48 h and 72 h on-time rates (GET /v1/kpis/delivery-times).
export function onTime(times) {
  const section = t("section_delivery"), cards = $("on-time");
  cards.replaceChildren();
  for (const hours of [48, 72]) {
    const rate = times.overall[`on_time_${hours}h`], label = t("on_time", { hours });
    const verdict = judge(rate, rate.sample), box = el("div", "card");
    box.append(el("h3", "", label));
    box.append(mark(el("div", "value"), { section, label, kpi: `delivery_times.overall.on_time_${hours}h.rate`,
      raw: rate.rate, text: shareText(rate.rate, verdict), ...verdict }));
    box.append(fill(el("div", "basis"), "share_basis", {
      numerator: count(section, label, `delivery_times.overall.on_time_${hours}h.within`, rate.within),
      denominator: count(section, label, `delivery_times.overall.on_time_${hours}h.sample`, rate.sample),
      events: count(section, label, "delivery_times.overall.events", times.overall.events),
    }));
    cards.append(box);
  }
}

export function delivery(report) {
  const section = t("section_delivery"), d = report.pickup_to_delivery.overall, path = "pickup_to_delivery.overall";
  const verdict = judge(d, d.count);
  const bucket = (b) => (b.upper_hours === null ? t("bucket_open", { lower: b.lower_hours })
    : t("bucket", { lower: b.lower_hours, upper: b.upper_hours }));
  bars($("delivery"), d.buckets.map((b) => ({ label: bucket(b), value: b.count, text: int(b.count),
    figure: { section, label: bucket(b), kpi: `${path}.buckets[${b.lower_hours}].count`, raw: b.count } })),
    { empty: t("no_data"), mark });
  const stat = (field) => mark(el("span"), { section, label: t("chart_delivery"), kpi: `${path}.${field}`,
    raw: d[field], text: durationText(d, field, verdict), ...verdict });
  $("delivery").append(fill(el("p", "basis"), "distribution_basis", {
    count: count(section, t("chart_delivery"), path + ".count", d.count),
    mean: stat("mean_hours"), p50: stat("p50_hours"), p90: stat("p90_hours"), p99: stat("p99_hours"),
    events: count(section, t("chart_delivery"), path + ".events", d.events),
  }));
}

export function clearance(report) {
  const section = t("section_clearance"), names = ctx.messages.trade_mode[ctx.lang];
  bars($("clearance"), report.customs_clearance.by_trade_mode.flatMap((m) => {
    const verdict = judge(m.distribution, m.distribution.count);
    return ["mean_hours", "p50_hours", "p90_hours"].map((field, i) => {
      const label = t("clearance_row", { mode: names[m.trade_mode] || m.trade_mode,
        stat: t("stat_" + field.split("_")[0]) });
      const text = durationText(m.distribution, field, verdict)
        + (i === 0 ? " · " + t("released", { count: int(m.distribution.count) }) : "");
      return { label, value: verdict.sufficient ? m.distribution[field] : 0, alt: i > 0, text,
        figure: { section, label, kpi: `customs_clearance.by_trade_mode[${m.trade_mode}].distribution.${field}`,
          raw: m.distribution[field], ...verdict } };
    });
  }), { empty: t("no_data"), mark });
}

export function rates(report) {
  const section = t("section_rates"), parent = $("rates");
  parent.replaceChildren();
  shareCard(parent, section, t("exception_rate"), "exception_rate", report.exception_rate);
  shareCard(parent, section, t("return_rate"), "return_rate", report.return_rate);
  shareCard(parent, section, t("rejection_rate"), "customs_rejection.rate", report.customs_rejection.rate);
  bars($("reasons"), report.customs_rejection.top_reasons.map((r) => ({ label: r.reason,
    value: r.declarations, text: int(r.declarations), figure: { section, label: r.reason,
      kpi: `customs_rejection.top_reasons[${r.reason}].declarations`, raw: r.declarations } })),
  { empty: t("no_data"), mark });
}

export function lockerTrend(daily, target) {
  trend($("locker-trend"), daily.map(([day, figure]) => {
    const verdict = judge(figure, figure.denominator);
    return { label: day, value: figure.share, scant: !verdict.sufficient,
      title: `${day}: ${figure.share === null ? t("no_data") : pct(figure.share)}`
        + (verdict.sufficient ? "" : ` (${t("too_little_note", { sample: verdict.sample, min: ctx.reference.min_sample })})`) };
  }), { empty: t("no_data"), target, targetText: pct(target) });
}

// A share figure of one district's answer, judged on its sample.
const share = (figure) => ({ raw: figure.share, ...judge(figure, figure.denominator) });

// Columns: how to read a figure from one district's /v1/kpis answer (r) and its measures
// in /v1/kpis/delivery-times grouped by district (m, undefined without deliveries).
const COLUMNS = [
  { id: "parcels", msg: "col_parcels", kpi: "carrier_volumes", derived: "parcels",
    read: (r) => ({ raw: r.carrier_volumes.carriers.reduce((n, c) => n + c.parcels, 0) }) },
  { id: "e_waybill", msg: "col_e_waybill", kpi: "e_waybill_share.share", read: (r) => share(r.e_waybill_share) },
  { id: "smart_locker", msg: "col_smart_locker", kpi: "smart_locker_share.share",
    read: (r) => share(r.smart_locker_share) },
  { id: "recyclable_bag", msg: "col_recyclable_bag", kpi: "recyclable_bag_share.share",
    read: (r) => share(r.recyclable_bag_share) },
  { id: "on_time_48", msg: "col_on_time_48", kpi: "delivery_times.on_time_48h.rate",
    read: (r, m) => (m ? { raw: m.on_time_48h.rate, ...judge(m.on_time_48h, m.on_time_48h.sample) } : { raw: null }) },
  { id: "exception", msg: "col_exception", kpi: "exception_rate.share", read: (r) => share(r.exception_rate) },
];

export function districtTable(rows, times, picked, sort) {
  const section = t("section_districts"), table = $("districts");
  const [sortId, sortDir] = (sort || DEFAULT_SORT).split(":");
  const measures = Object.fromEntries(times.groups.map((g) => [g.district_code, g.measures]));
  const cells = rows.map(([code, report]) => ({ code, figures: COLUMNS.map((c) => c.read(report, measures[code])) }));
  const at = COLUMNS.findIndex((c) => c.id === sortId);
  if (at >= 0) {
    // Figures without a usable number go last in either direction.
    const usable = (f) => f.raw !== null && f.sufficient !== false;
    cells.sort((a, b) => {
      const x = a.figures[at], y = b.figures[at];
      if (!usable(x) || !usable(y)) return usable(y) - usable(x);
      return (sortDir === "asc" ? 1 : -1) * (x.raw - y.raw);
    });
  }
  table.replaceChildren();
  const head = el("tr");
  head.append(el("th", "", t("col_district")));
  head.firstChild.setAttribute("scope", "col");
  COLUMNS.forEach((c) => {
    const th = el("th"), button = el("button", "sort", t(c.msg));
    th.setAttribute("scope", "col");
    button.type = "button";
    button.dataset.column = c.id;
    if (c.id === sortId) {
      th.setAttribute("aria-sort", sortDir === "asc" ? "ascending" : "descending");
      button.append(sortDir === "asc" ? " ▲" : " ▼");
    }
    th.append(button);
    head.append(th);
  });
  table.append(el("caption", "hidden", t("districts_title")), el("thead"), el("tbody"));
  table.tHead.append(head);
  for (const { code, figures } of cells) {
    const tr = el("tr", code === picked ? "picked" : "");
    const name = el("th", "", districtName(code));
    name.setAttribute("scope", "row");
    tr.append(name);
    COLUMNS.forEach((c, i) => {
      const f = figures[i], label = t(c.msg);
      const text = c.id === "parcels" ? int(f.raw) : shareText(f.raw, f);
      tr.append(mark(el("td", "num"), { section, label, district: districtName(code),
        kpi: `districts[${code}].${c.kpi}`, derived: c.derived, raw: f.raw, text,
        sample: f.sample, sufficient: f.sufficient }));
    });
    table.tBodies[0].append(tr);
  }
}
