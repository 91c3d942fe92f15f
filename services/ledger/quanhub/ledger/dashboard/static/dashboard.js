// The city dashboard: GET /v1/kpis and GET /v1/kpis/delivery-times for the chosen period and
// district (and per district for the comparison table), drawn in Chinese or English from one
// message table (messages.json) and the hub's carrier and district names (reference.json).
//
// Every rendered number carries data-kpi (its path in the API answer, list items by their
// key; `delivery_times.` for the delivery-times answer, `districts[code].` for a district's
// own), data-value (the raw JSON value) and, when the page computes it from the answer,
// data-derived. The same records feed the CSV and JSON exports, so what is exported is what
// is on screen, and a test can check both against the API. A figure whose sample is below
// the minimum says "too little data", never a share or a verdict on its target.
import { bars, el, trend } from "./charts.js";

const REFRESH_MS = 30000;
const PICK_SETTLE_MS = 200;
const DAY_MS = 86400000;
const $ = (id) => document.getElementById(id);

const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.get("key")) {
  sessionStorage.setItem("quanhub.key", fragment.get("key"));
  fragment.delete("key"); // keep the key out of the address bar and history
  history.replaceState(null, "", location.pathname + (fragment.size ? "#" + fragment : ""));
}
const key = sessionStorage.getItem("quanhub.key");

// What the page shows; mirrored in the URL fragment so a view can be shared.
const view = { from: "", to: "", district: "", lang: "zh", sort: "" };
let messages = {}, reference = { min_sample: 30, carriers: {}, districts: [] };
let data = null;        // the last answers: {city, times, districtTimes, districts, daily, at}
let shown = [];         // every figure on screen, in order: what the exports write
let generation = 0;     // answers of an older request are dropped

function readFragment() {
  const f = new URLSearchParams(location.hash.slice(1));
  view.from = f.get("from") || "";
  view.to = f.get("to") || "";
  view.district = f.get("district") || "";
  view.sort = f.get("sort") || "";
  const lang = f.get("lang") || localStorage.getItem("quanhub.lang") || "zh";
  view.lang = lang === "en" ? "en" : "zh";
}

function writeFragment() {
  const f = new URLSearchParams();
  for (const name of ["from", "to", "district", "sort"]) if (view[name]) f.set(name, view[name]);
  if (view.lang !== "zh") f.set("lang", view.lang);
  history.replaceState(null, "", location.pathname + (f.size ? "#" + f : ""));
}

// ---- words and numbers -------------------------------------------------------------------

function t(name, params) {
  let text = messages[name][view.lang];
  for (const [k, v] of Object.entries(params || {})) text = text.replaceAll(`{${k}}`, v);
  return text;
}
const locale = () => (view.lang === "zh" ? "zh-CN" : "en-US");
const int = (v) => v.toLocaleString(locale());
const pct = (v) => t("percent", { value: (v * 100).toFixed(1) });
const hrs = (v) => (v === null ? "–" : t("hours", { value: v.toFixed(1) }));
const carrierName = (id) => reference.carriers[id]?.[view.lang] || id;
const districtName = (code) => reference.districts.find((d) => d.code === code)?.[view.lang] || code;

// A template whose {names} are filled with nodes (marked numbers) or text.
function fill(node, name, parts) {
  for (const piece of t(name).split(/(\{[a-z0-9_]+\})/)) {
    const part = piece.startsWith("{") ? parts[piece.slice(1, -1)] : piece;
    if (part !== undefined && part !== "") node.append(part);
  }
  return node;
}

// ---- the minimum sample ------------------------------------------------------------------

// The API's own sample and verdict (`sample`, `sufficient`) when it gives them, else the
// page's minimum over the figure's denominator (shares) or count (durations). A figure
// over nothing is not judged: it says "no data".
function judge(figure, sample) {
  const n = figure.sample ?? sample;
  if (!n) return {};
  return { sample: n, sufficient: figure.sufficient ?? n >= reference.min_sample };
}

function shareText(share, verdict) {
  if (verdict.sufficient === false) return t("too_little");
  return share === null ? t("no_data") : pct(share);
}

// ---- marking: every number on screen is recorded once ------------------------------------

function mark(node, figure) {
  node.setAttribute("data-kpi", figure.kpi);
  node.setAttribute("data-value", JSON.stringify(figure.raw));
  if (figure.derived) node.setAttribute("data-derived", figure.derived);
  if (figure.sufficient === false) {
    node.setAttribute("data-sufficient", "false");
    node.classList.add("scant");
    node.setAttribute("title", t("too_little_note", { sample: figure.sample, min: reference.min_sample }));
  }
  node.textContent = figure.text;
  shown.push({ section: figure.section, figure: figure.label, district: figure.district || "",
    kpi: figure.kpi + (figure.derived ? "#" + figure.derived : ""), value: figure.raw,
    shown: figure.text, sample: figure.sample ?? null, sufficient: figure.sufficient ?? null });
  return node;
}

function count(section, label, kpi, raw) {
  return mark(el("span"), { section, label, kpi, raw, text: int(raw) });
}

// ---- sections ----------------------------------------------------------------------------

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

function targets(report) {
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

function carriers(report) {
  const section = t("section_carriers");
  bars($("carriers"), report.carrier_volumes.carriers.map((c) => ({
    label: carrierName(c.carrier_id), value: c.parcels,
    text: t("per_year", { parcels: int(c.parcels), year: int(Math.round(c.parcels_per_year)) }),
    figure: { section, label: carrierName(c.carrier_id), kpi: `carrier_volumes.carriers[${c.carrier_id}].parcels`,
      raw: c.parcels } })), { empty: t("no_data"), mark });
}

// Mean and percentiles of a distribution, or "too little data" below the minimum sample.
function durationText(distribution, field, verdict) {
  const v = distribution[field];
  return verdict.sufficient === false ? t("too_little") : v === null ? t("no_data") : hrs(v);
}

// The Post Bureau's 48 h and 72 h on-time rates (GET /v1/kpis/delivery-times).
function onTime(times) {
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

function delivery(report) {
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

function clearance(report) {
  const section = t("section_clearance"), names = messages.trade_mode[view.lang];
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

function rates(report) {
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

function lockerTrend(daily, target) {
  trend($("locker-trend"), daily.map(([day, figure]) => {
    const verdict = judge(figure, figure.denominator);
    return { label: day, value: figure.share, scant: !verdict.sufficient,
      title: `${day}: ${figure.share === null ? t("no_data") : pct(figure.share)}`
        + (verdict.sufficient ? "" : ` (${t("too_little_note", { sample: verdict.sample, min: reference.min_sample })})`) };
  }), { empty: t("no_data"), target, targetText: pct(target) });
}

// ---- the district comparison -------------------------------------------------------------

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

function districtTable(rows, times) {
  const section = t("section_districts"), table = $("districts");
  const [sortId, sortDir] = (view.sort || "parcels:desc").split(":");
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
    const tr = el("tr", code === view.district ? "picked" : "");
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

// ---- fetching ----------------------------------------------------------------------------

async function get(route, params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) query.set(name, value);
  const response = await fetch(`${route}?${query}`, { headers: { Authorization: "Bearer " + key } });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(t("error_api", { route: "GET " + route, status: response.status,
      detail: body.detail || response.statusText }));
  }
  return response.json();
}
const kpis = (from, to, district) => get("/v1/kpis", { from, to, district });
const deliveryTimes = (from, to, district, groupBy) =>
  get("/v1/kpis/delivery-times", { from, to, district, group_by: groupBy });

// Days of the period, in at most 31 windows (a window per day up to a month).
function windows(from, to) {
  const start = Date.parse(from), days = (Date.parse(to) - start) / DAY_MS + 1;
  const step = Math.ceil(days / 31), out = [];
  for (let i = 0; i < days; i += step) {
    const a = new Date(start + i * DAY_MS), b = new Date(start + Math.min(i + step - 1, days - 1) * DAY_MS);
    out.push([a.toISOString().slice(0, 10), b.toISOString().slice(0, 10)]);
  }
  return out;
}

async function load() {
  const mine = ++generation;
  document.body.dataset.state = "loading";
  try {
    if (view.from && view.to && view.from > view.to) throw new Error(t("error_period"));
    const city = await kpis(view.from, view.to, view.district);
    const { from_date: from, to_date: to } = city.period;
    const [times, districtTimes, districts, daily] = await Promise.all([
      deliveryTimes(from, to, view.district),
      deliveryTimes(from, to, "", "district"),
      Promise.all(reference.districts.map((d) => kpis(from, to, d.code).then((r) => [d.code, r]))),
      Promise.all(windows(from, to).map(([a, b]) =>
        kpis(a, b, view.district).then((r) => [a, r.smart_locker_share]))),
    ]);
    if (mine !== generation) return;
    data = { city, times, districtTimes, districts, daily, at: new Date().toISOString() };
    render();
    $("error").hidden = true;
    document.body.dataset.state = "ready";
  } catch (error) {
    if (mine !== generation) return;
    $("error").textContent = error.message;
    $("error").hidden = false;
    document.body.dataset.state = "error";
  }
}

// ---- drawing -----------------------------------------------------------------------------

function words() {
  document.documentElement.lang = t("lang");
  document.title = t("title") + " · Quanhub";
  for (const node of document.querySelectorAll("[data-msg]")) node.textContent = t(node.dataset.msg);
  $("lang").textContent = t("switch");
  $("lang").lang = view.lang === "zh" ? "en" : "zh-CN";
  $("lang").setAttribute("aria-label", t("switch_label"));
  for (const button of document.querySelectorAll("button.range")) {
    button.textContent = t("last_days", { days: button.dataset.days });
  }
  // Rebuilt only when its words change, so a refresh does not close a list being picked from.
  const select = $("district"), codes = reference.districts.map((d) => d.code);
  if (select.dataset.built !== view.lang + view.district) {
    select.replaceChildren(new Option(t("all_city"), ""),
      ...reference.districts.map((d) => new Option(d[view.lang], d.code)));
    if (view.district && !codes.includes(view.district)) select.append(new Option(view.district, view.district));
    select.dataset.built = view.lang + view.district;
  }
  select.value = view.district;
  $("districts-hint").textContent = t("districts_hint", { min: reference.min_sample });
  $("footer").textContent = t("footer", { min: reference.min_sample });
}

function render() {
  words();
  if (!data) return;
  shown = [];
  const report = data.city, p = report.period;
  $("from").value = p.from_date;
  $("to").value = p.to_date;
  $("period").textContent = t("period", { from: p.from_date, to: p.to_date, days: p.days,
    where: p.district ? districtName(p.district) : t("all_city") });
  $("updated").textContent = t("updated", { time: data.at.slice(0, 19).replace("T", " ") });
  targets(report);
  districtTable(data.districts, data.districtTimes);
  carriers(report);
  lockerTrend(data.daily, report.smart_locker_share.target);
  onTime(data.times);
  delivery(report);
  clearance(report);
  rates(report);
  $("board").hidden = false;
  $("controls").hidden = false;
}

// ---- exports: the figures on screen, as CSV and as JSON ----------------------------------

function download(name, type, text) {
  const link = el("a");
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60000);
}

function exportName(ext) {
  const p = data.city.period;
  return `quanhub-kpis-${p.from_date}-${p.to_date}-${p.district || "jinan"}.${ext}`;
}

function toCsv() {
  const columns = ["section", "figure", "district", "kpi", "value", "shown", "sample", "sufficient"];
  const cell = (v) => {
    const text = v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v);
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = [columns.map((c) => cell(t("csv_" + c))).join(",")];
  for (const row of shown) {
    // A value below the minimum sample is not exported as if it were one.
    const value = row.sufficient === false ? null : row.value;
    lines.push(columns.map((c) => cell(c === "value" ? value : row[c])).join(","));
  }
  return "\ufeff" + lines.join("\r\n") + "\r\n"; // the BOM lets spreadsheet programs read UTF-8
}

function toJson() {
  return JSON.stringify({
    period: data.city.period, language: t("lang"), exported_at: new Date().toISOString(),
    min_sample: reference.min_sample, figures: shown,
    answers: { kpis: data.city, delivery_times: data.times, districts: Object.fromEntries(data.districts),
      delivery_times_by_district: data.districtTimes },
  }, null, 2);
}

// ---- wiring ------------------------------------------------------------------------------

// A view costs about 15 + one request per day (up to 46) of the analyst's request budget
// (50 a second, bursts of 100): picks made in quick succession load once.
let pending = 0;
function pick(change) {
  Object.assign(view, change);
  writeFragment();
  document.body.dataset.state = "loading";
  clearTimeout(pending);
  pending = setTimeout(load, PICK_SETTLE_MS);
}

function wire() {
  $("lang").addEventListener("click", () => {
    view.lang = view.lang === "zh" ? "en" : "zh";
    localStorage.setItem("quanhub.lang", view.lang);
    writeFragment();
    render();
  });
  $("from").addEventListener("change", () => pick({ from: $("from").value, to: $("to").value }));
  $("to").addEventListener("change", () => pick({ from: $("from").value, to: $("to").value }));
  $("district").addEventListener("change", () => pick({ district: $("district").value }));
  for (const button of document.querySelectorAll("button.range")) {
    button.addEventListener("click", () => {
      const today = new Date(Date.now() + 8 * 3600000); // the day in China Standard Time
      const first = new Date(today - (Number(button.dataset.days) - 1) * DAY_MS);
      pick({ from: first.toISOString().slice(0, 10), to: today.toISOString().slice(0, 10) });
    });
  }
  $("districts").addEventListener("click", (event) => {
    const button = event.target.closest("button.sort");
    if (!button) return;
    const [id, dir] = (view.sort || "parcels:desc").split(":");
    view.sort = `${button.dataset.column}:${id === button.dataset.column && dir === "desc" ? "asc" : "desc"}`;
    writeFragment();
    render();
    document.querySelector(`button.sort[data-column="${button.dataset.column}"]`).focus();
  });
  $("export-csv").addEventListener("click", () => download(exportName("csv"), "text/csv;charset=utf-8", toCsv()));
  $("export-json").addEventListener("click", () => download(exportName("json"), "application/json", toJson()));
  window.addEventListener("hashchange", () => {
    readFragment();
    load();
  });
}

async function start() {
  readFragment();
  const [m, r] = await Promise.all([fetch("/dashboard/messages.json"), fetch("/dashboard/reference.json")]);
  messages = await m.json();
  reference = await r.json();
  words();
  wire();
  if (!key) {
    $("login").hidden = false;
    $("login").addEventListener("submit", (event) => {
      event.preventDefault();
      sessionStorage.setItem("quanhub.key", $("key").value.trim());
      location.reload();
    });
    document.body.dataset.state = "login";
    return;
  }
  await load();
  setInterval(load, REFRESH_MS);
}

start();
