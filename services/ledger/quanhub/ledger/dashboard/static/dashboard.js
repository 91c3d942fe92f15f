// The city dashboard: what to show (period, district, language, the table's order, all in
// the URL fragment), fetching GET /v1/kpis and GET /v1/kpis/delivery-times for it (and per
// district for the comparison, per day for the trend), GET /v1/edd/accuracy, /v1/alerts and
// /v1/incidents, drawing (sections.js, decisions.js) and exporting (marks.js). Words come from the message table and the hub's names (text.js).
//
// Every rendered number carries data-kpi (its path in the API answer, list items by their
// key; `delivery_times.` for the delivery-times answer, `districts[code].` for a district's
// own), data-value (the raw JSON value) and, when the page computes it from the answer,
// data-derived, so a test can check the page and its exports against the API.
import { el } from "./charts.js";
import { clearMarks, toCsv, toJson } from "./marks.js";
import {
  carriers, clearance, delivery, districtTable, DEFAULT_SORT, lockerTrend, onTime, rates, targets,
} from "./sections.js";
import { accuracy, alerts, incidents } from "./decisions.js";
import { ctx, districtName, t } from "./text.js";

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

// What the page shows (and ctx.lang its language); mirrored in the URL fragment so a view
// can be shared.
const view = { from: "", to: "", district: "", sort: "" };
let data = null;        // the last answers: {city, times, districtTimes, districts, daily, at}
let generation = 0;     // answers of an older request are dropped

function readFragment() {
  const f = new URLSearchParams(location.hash.slice(1));
  view.from = f.get("from") || "";
  view.to = f.get("to") || "";
  view.district = f.get("district") || "";
  view.sort = f.get("sort") || "";
  const lang = f.get("lang") || localStorage.getItem("quanhub.lang") || "zh";
  ctx.lang = lang === "en" ? "en" : "zh";
}

function writeFragment() {
  const f = new URLSearchParams();
  for (const name of ["from", "to", "district", "sort"]) if (view[name]) f.set(name, view[name]);
  if (ctx.lang !== "zh") f.set("lang", ctx.lang);
  history.replaceState(null, "", location.pathname + (f.size ? "#" + f : ""));
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

// Incidents of the period's CST days (its last 31 at most: the API's longest span).
function incidentWindow(from, to) {
  const end = Date.parse(to) + DAY_MS, start = Math.max(Date.parse(from), end - 31 * DAY_MS);
  const at = (ms) => new Date(ms).toISOString().slice(0, 10) + "T00:00:00+08:00";
  return { from: at(start), to: at(end) };
}

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
    const [times, districtTimes, districts, daily, accuracyReport, alertsPage, incidentsReport] = await Promise.all([
      deliveryTimes(from, to, view.district),
      deliveryTimes(from, to, "", "district"),
      Promise.all(ctx.reference.districts.map((d) => kpis(from, to, d.code).then((r) => [d.code, r]))),
      Promise.all(windows(from, to).map(([a, b]) =>
        kpis(a, b, view.district).then((r) => [a, r.smart_locker_share]))),
      get("/v1/edd/accuracy", { from, to, district: view.district }),
      get("/v1/alerts", { district: view.district }),
      get("/v1/incidents", { ...incidentWindow(from, to), district: view.district }),
    ]);
    if (mine !== generation) return;
    data = { city, times, districtTimes, districts, daily, accuracy: accuracyReport, alerts: alertsPage,
      incidents: incidentsReport, at: new Date().toISOString() };
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
  $("lang").lang = ctx.lang === "zh" ? "en" : "zh-CN";
  $("lang").setAttribute("aria-label", t("switch_label"));
  for (const button of document.querySelectorAll("button.range")) {
    button.textContent = t("last_days", { days: button.dataset.days });
  }
  // Rebuilt only when its words change, so a refresh does not close a list being picked from.
  const select = $("district"), codes = ctx.reference.districts.map((d) => d.code);
  if (select.dataset.built !== ctx.lang + view.district) {
    select.replaceChildren(new Option(t("all_city"), ""),
      ...ctx.reference.districts.map((d) => new Option(d[ctx.lang], d.code)));
    if (view.district && !codes.includes(view.district)) select.append(new Option(view.district, view.district));
    select.dataset.built = ctx.lang + view.district;
  }
  select.value = view.district;
  $("districts-hint").textContent = t("districts_hint", { min: ctx.reference.min_sample });
  $("footer").textContent = t("footer", { min: ctx.reference.min_sample });
}

function render() {
  words();
  if (!data) return;
  clearMarks();
  const report = data.city, p = report.period;
  $("from").value = p.from_date;
  $("to").value = p.to_date;
  $("period").textContent = t("period", { from: p.from_date, to: p.to_date, days: p.days,
    where: p.district ? districtName(p.district) : t("all_city") });
  $("updated").textContent = t("updated", { time: data.at.slice(0, 19).replace("T", " ") });
  targets(report);
  districtTable(data.districts, data.districtTimes, view.district, view.sort);
  accuracy(data.accuracy);
  alerts(data.alerts);
  incidents(data.incidents);
  carriers(report);
  lockerTrend(data.daily, report.smart_locker_share.target);
  onTime(data.times);
  delivery(report);
  clearance(report);
  rates(report);
  $("board").hidden = false;
  $("controls").hidden = false;
}

// ---- exports: the figures on screen (marks.js), as CSV and as JSON -----------------------

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

// ---- wiring ------------------------------------------------------------------------------

// A view costs about 18 + one request per day (up to 49) of the analyst's request budget
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
    ctx.lang = ctx.lang === "zh" ? "en" : "zh";
    localStorage.setItem("quanhub.lang", ctx.lang);
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
    const [id, dir] = (view.sort || DEFAULT_SORT).split(":");
    view.sort = `${button.dataset.column}:${id === button.dataset.column && dir === "desc" ? "asc" : "desc"}`;
    writeFragment();
    render();
    document.querySelector(`button.sort[data-column="${button.dataset.column}"]`).focus();
  });
  $("export-csv").addEventListener("click", () => download(exportName("csv"), "text/csv;charset=utf-8", toCsv()));
  $("export-json").addEventListener("click", () => download(exportName("json"), "application/json",
    toJson(data.city.period, { kpis: data.city, delivery_times: data.times,
      districts: Object.fromEntries(data.districts), delivery_times_by_district: data.districtTimes,
      edd_accuracy: data.accuracy, alerts: data.alerts, incidents: data.incidents })));
  window.addEventListener("hashchange", () => {
    readFragment();
    load();
  });
}

async function start() {
  readFragment();
  const [m, r] = await Promise.all([fetch("/dashboard/messages.json"), fetch("/dashboard/reference.json")]);
  ctx.messages = await m.json();
  ctx.reference = await r.json();
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
