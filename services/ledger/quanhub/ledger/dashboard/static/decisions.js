// The decision sections: the predicted delivery's accuracy (GET /v1/edd/accuracy), alerts
// (GET /v1/alerts) and incidents (GET /v1/incidents). Every number goes through mark()
// (marks.js); accuracy figures obey the sample rule, alerts and incidents are counts of
// objects each judged against its own learned norm or baseline, so they carry no sample.
import { el } from "./charts.js";
import { count, mark } from "./marks.js";
import { carrierName, ctx, districtName, durationText, fill, int, judge, pct, shareText, t } from "./text.js";

const $ = (id) => document.getElementById(id);
export const ALERT_KINDS = ["stalled", "uncollected", "customs_stuck"];

// An instant in China Standard Time, "MM-DD HH:mm".
export const cst = (iso) => new Date(Date.parse(iso) + 8 * 3600000).toISOString().slice(5, 16).replace("T", " ");

function table(node, columns, rows) {
  node.replaceChildren();
  if (!rows.length) return;
  const head = el("tr");
  for (const name of columns) {
    const th = el("th", "", t(name));
    th.setAttribute("scope", "col");
    head.append(th);
  }
  node.append(el("thead"), el("tbody"));
  node.tHead.append(head);
  for (const cells of rows) {
    const tr = el("tr");
    cells.forEach((cell, i) => {
      const td = i === 0 ? el("th") : el("td", typeof cell === "string" ? "" : "num");
      if (i === 0) td.setAttribute("scope", "row");
      td.append(cell);
      tr.append(td);
    });
    node.tBodies[0].append(tr);
  }
}

// A ratio of two errors, on the sample rule.
function ratioText(ratio, verdict) {
  if (verdict.sufficient === false) return t("too_little");
  return ratio === null ? t("no_data") : ratio.toFixed(2);
}

function targetLine(met, text) {
  const line = el("div", "target" + (met === null ? "" : met ? " met" : " missed"));
  line.textContent = `${text} · ${met === null ? "–" : t(met ? "met" : "missed")}`;
  return line;
}

export function accuracy(report) {
  const section = t("section_accuracy"), parent = $("accuracy"), o = report.overall;
  const verdict = judge(o, o.sample), path = "edd_accuracy.overall";
  parent.replaceChildren();
  let box = el("div", "card"), label = t("acc_by_latest");
  box.append(el("h3", "", label));
  box.append(mark(el("div", "value"), { section, label, kpi: `${path}.delivered_by_latest`,
    raw: o.delivered_by_latest, text: shareText(o.delivered_by_latest, verdict), ...verdict }));
  box.append(targetLine(o.meets_latest_target, t("target", { value: pct(report.latest_target) })));
  box.append(fill(el("div", "basis"), "acc_basis", {
    by_latest: count(section, label, `${path}.by_latest`, o.by_latest),
    predicted: count(section, label, `${path}.predicted`, o.predicted),
    delivered: count(section, label, `${path}.delivered`, o.delivered),
  }));
  parent.append(box);
  box = el("div", "card");
  label = t("acc_mae");
  box.append(el("h3", "", label));
  box.append(mark(el("div", "value"), { section, label, kpi: `${path}.mae_hours`, raw: o.mae_hours,
    text: durationText(o, "mae_hours", verdict), ...verdict }));
  box.append(fill(el("div", "basis"), "acc_baseline", {
    baseline: mark(el("span"), { section, label, kpi: `${path}.baseline_mae_hours`, raw: o.baseline_mae_hours,
      text: durationText(o, "baseline_mae_hours", verdict), ...verdict }),
  }));
  parent.append(box);
  box = el("div", "card");
  label = t("acc_ratio");
  box.append(el("h3", "", label));
  box.append(mark(el("div", "value"), { section, label, kpi: `${path}.mae_ratio`, raw: o.mae_ratio,
    text: ratioText(o.mae_ratio, verdict), ...verdict }));
  box.append(targetLine(o.meets_mae_target, t("target_at_most", { value: report.mae_ratio_target.toFixed(2) })));
  parent.append(box);

  const p = report.period;
  $("accuracy-hint").textContent = p.through_date
    ? t("acc_hint", { through: p.through_date, min: report.minimum_sample }) : t("acc_none");
  table($("accuracy-carriers"), ["col_carrier", "col_predicted", "col_by_latest", "col_mae", "col_baseline", "col_ratio"],
    report.carriers.map((c) => {
      const v = judge(c, c.sample), at = `edd_accuracy.carriers[${c.carrier_id}]`, name = carrierName(c.carrier_id);
      const cell = (field, text) => mark(el("span"), { section, label: name, kpi: `${at}.${field}`, raw: c[field], text, ...v });
      return [name, count(section, name, `${at}.predicted`, c.predicted),
        cell("delivered_by_latest", shareText(c.delivered_by_latest, v)),
        cell("mae_hours", durationText(c, "mae_hours", v)),
        cell("baseline_mae_hours", durationText(c, "baseline_mae_hours", v)),
        cell("mae_ratio", ratioText(c.mae_ratio, v))];
    }));
}

export function alerts(report) {
  const section = t("section_alerts"), kinds = ctx.messages.alert_kind[ctx.lang], parent = $("alerts");
  parent.replaceChildren();
  for (const kind of ALERT_KINDS) {
    const box = el("div", "card"), label = kinds[kind];
    const total = report.counts.filter((c) => c.kind === kind).reduce((n, c) => n + c.alerts, 0);
    box.append(el("h3", "", label));
    box.append(mark(el("div", "value"), { section, label, kpi: "alerts.counts", derived: kind, raw: total, text: int(total) }));
    parent.append(box);
  }
  $("alerts-hint").textContent = t("alerts_hint", { as_of: cst(report.as_of) });
  const counts = [...report.counts].sort((a, b) => b.alerts - a.alerts
    || a.carrier.localeCompare(b.carrier) || a.district.localeCompare(b.district) || a.kind.localeCompare(b.kind));
  if (!counts.length) {
    $("alert-counts").replaceChildren();
    $("alerts-note").textContent = t("no_alerts");
  } else {
    $("alerts-note").textContent = report.items.length ? "" : t("alerts_counts_only");
    table($("alert-counts"), ["col_carrier", "col_district", "col_kind", "col_alerts"], counts.map((c) => {
      const name = c.carrier ? carrierName(c.carrier) : t("declarations");
      return [name, districtName(c.district), kinds[c.kind],
        mark(el("span"), { section, label: `${name} · ${kinds[c.kind]}`, district: districtName(c.district),
          kpi: `alerts.counts[${c.carrier}|${c.district}|${c.kind}].alerts`, raw: c.alerts, text: int(c.alerts) })];
    }));
  }
  table($("alert-items"), report.items.length ? ["col_carrier", "col_object", "col_district", "col_since", "col_silent"] : [],
    report.items.map((a) => [a.carrier ? carrierName(a.carrier) : t("declarations"), a.waybill_no || a.cop_no,
      districtName(a.district), cst(a.since),
      mark(el("span"), { section, label: a.key, kpi: `alerts.items[${a.key}].silent_hours`, raw: a.silent_hours,
        text: t("hours", { value: a.silent_hours.toFixed(1) }) })]));
}

export function incidents(report) {
  const section = t("section_incidents"), parent = $("incidents");
  parent.replaceChildren();
  const box = el("div", "card"), label = t("incident_count");
  box.append(el("h3", "", label));
  box.append(mark(el("div", "value"), { section, label, kpi: "incidents.incidents", derived: "count",
    raw: report.incidents.length, text: int(report.incidents.length) }));
  parent.append(box);
  $("incidents-hint").textContent = t("incidents_hint", { from: cst(report.since), to: cst(report.until) });
  $("incidents-note").textContent = report.incidents.length ? "" : t("no_incidents");
  table($("incident-list"), report.incidents.length
    ? ["col_carrier", "col_district", "col_start", "col_end", "col_missing", "col_delay"] : [],
  report.incidents.map((i) => {
    const at = `incidents.incidents[${i.carrier}|${i.district}|${i.start}]`, name = carrierName(i.carrier);
    const cell = (field) => mark(el("span"), { section, label: name, district: districtName(i.district),
      kpi: `${at}.${field}`, raw: i[field], text: i[field].toLocaleString(ctx.lang === "zh" ? "zh-CN" : "en-US") });
    return [name, districtName(i.district), cst(i.start), i.end ? cst(i.end) : t("incident_open"),
      cell("missing_scans"), cell("delay_hours")];
  }));
}
