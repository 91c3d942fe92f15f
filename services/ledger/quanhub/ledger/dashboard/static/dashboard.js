// The city dashboard: draws GET /v1/kpis as target cards and SVG charts, every 30 seconds.
// Every rendered number carries data-kpi (its path in the report, list items by their key)
// and data-value (the raw JSON value), so a test can check the page against the API.
"use strict";
(() => {
  const SVG = "http://www.w3.org/2000/svg";
  const REFRESH_MS = 30000;
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("key")) {
    sessionStorage.setItem("quanhub.key", fragment.get("key"));
    fragment.delete("key"); // keep the key out of the address bar and history
    history.replaceState(null, "", location.pathname + (fragment.size ? "#" + fragment : ""));
  }
  const key = sessionStorage.getItem("quanhub.key");
  const want = { from: fragment.get("from"), to: fragment.get("to"), district: fragment.get("district") };
  const $ = (id) => document.getElementById(id);

  const pct = (v) => (v === null || v === undefined ? "no data" : (v * 100).toFixed(1) + "%");
  const hrs = (v) => (v === null || v === undefined ? "–" : v.toFixed(1) + " h");
  const num = (v) => String(v);

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function mark(node, path, raw, text) {
    node.setAttribute("data-kpi", path);
    node.setAttribute("data-value", JSON.stringify(raw));
    node.textContent = text;
    return node;
  }

  async function kpis(from, to) {
    const query = new URLSearchParams();
    if (from) query.set("from", from);
    if (to) query.set("to", to);
    if (want.district) query.set("district", want.district);
    const response = await fetch("/v1/kpis?" + query, { headers: { Authorization: "Bearer " + key } });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(`GET /v1/kpis answered ${response.status}: ${body.detail || response.statusText}`);
    }
    return response.json();
  }

  function card(parent, title, path, figure, extra) {
    const box = el("div", "card");
    box.append(el("h2", "", title));
    box.append(mark(el("div", "value"), path + ".share", figure.share, pct(figure.share)));
    if (figure.target !== null) {
      const met = figure.meets_target;
      const line = el("div", "target " + (met ? "met" : met === false ? "missed" : ""));
      const verdict = met === null ? "no data" : met ? "met" : "not met";
      box.append(mark(line, path + ".meets_target", met, `target ${pct(figure.target)} · ${verdict}`));
    }
    const basis = el("div", "basis");
    basis.append(mark(el("span"), path + ".numerator", figure.numerator, num(figure.numerator)), " of ",
      mark(el("span"), path + ".denominator", figure.denominator, num(figure.denominator)), " · ",
      mark(el("span"), path + ".events", figure.events, num(figure.events)), " events");
    if (extra) basis.append(extra);
    box.append(basis);
    parent.append(box);
  }

  // Horizontal bars: rows of {label, value, text, path, raw, alt}.
  function bars(container, rows, max) {
    container.replaceChildren();
    if (!rows.length) return container.append(el("p", "nodata", "no data"));
    // Room for the longest label (CJK characters are about twice as wide as Latin ones).
    const chars = Math.max(...rows.map((r) => [...r.label].reduce((n, c) => n + (c > "\u2e80" ? 2 : 1), 0)));
    const width = 600, row = 24, right = 120, left = Math.min(300, Math.max(80, chars * 6.5 + 10));
    const top = Math.max(max || 0, ...rows.map((r) => r.value || 0)) || 1;
    const chart = svg("svg", { viewBox: `0 0 ${width} ${rows.length * row + 4}` });
    rows.forEach((r, i) => {
      const y = i * row + 2;
      const length = ((r.value || 0) / top) * (width - left - right);
      chart.append(svg("text", { x: left - 6, y: y + 15, "text-anchor": "end" }, r.label));
      chart.append(svg("rect", { x: left, y, width: Math.max(length, 1), height: row - 6,
        class: "bar" + (r.alt ? " alt" : "") }));
      chart.append(mark(svg("text", { x: left + length + 6, y: y + 15 }), r.path, r.raw, r.text));
    });
    container.append(chart);
  }

  function trend(container, points, target) {
    container.replaceChildren();
    const known = points.filter((p) => p.value !== null);
    if (!known.length) return container.append(el("p", "nodata", "no data"));
    const width = 600, height = 220, left = 40, bottom = 30, top = 10;
    const ymax = Math.max(target * 2, ...known.map((p) => p.value)) * 1.1;
    const x = (i) => left + (i * (width - left - 10)) / Math.max(points.length - 1, 1);
    const y = (v) => top + (1 - v / ymax) * (height - top - bottom);
    const chart = svg("svg", { viewBox: `0 0 ${width} ${height}` });
    chart.append(svg("line", { x1: left, x2: width - 10, y1: y(0), y2: y(0), class: "axis" }));
    chart.append(svg("line", { x1: left, x2: width - 10, y1: y(target), y2: y(target), class: "target" }));
    chart.append(svg("text", { x: 2, y: y(target) + 4 }, pct(target)));
    const path = known.map((p) => `${x(points.indexOf(p))},${y(p.value)}`).join(" L");
    chart.append(svg("path", { d: "M" + path, class: "trend" }));
    points.forEach((p, i) => {
      if (p.value !== null) {
        const dot = svg("circle", { cx: x(i), cy: y(p.value), r: 3, class: "bar" });
        dot.append(svg("title", {}, `${p.label}: ${pct(p.value)}`));
        chart.append(dot);
      }
      if (i % Math.ceil(points.length / 8) === 0) {
        chart.append(svg("text", { x: x(i), y: height - 8, "text-anchor": "middle" }, p.label.slice(5)));
      }
    });
    container.append(chart);
  }

  function distribution(container, path, d) {
    const label = (b) => (b.upper_hours === null ? `${b.lower_hours}+ h` : `${b.lower_hours}–${b.upper_hours} h`);
    bars(container, d.buckets.map((b) => ({ label: label(b), value: b.count, text: num(b.count),
      raw: b.count, path: `${path}.buckets[${b.lower_hours}].count` })));
    const note = el("p", "basis");
    note.append(mark(el("span"), path + ".count", d.count, num(d.count)), " parcels · mean ",
      mark(el("span"), path + ".mean_hours", d.mean_hours, hrs(d.mean_hours)), " · p50 ",
      mark(el("span"), path + ".p50_hours", d.p50_hours, hrs(d.p50_hours)), " · p90 ",
      mark(el("span"), path + ".p90_hours", d.p90_hours, hrs(d.p90_hours)), " · ",
      mark(el("span"), path + ".events", d.events, num(d.events)), " events");
    container.append(note);
  }

  function windows(from, to) {
    const day = 86400000, start = Date.parse(from), days = (Date.parse(to) - start) / day + 1;
    const step = Math.ceil(days / 31), out = [];
    for (let i = 0; i < days; i += step) {
      const a = new Date(start + i * day), b = new Date(start + Math.min(i + step - 1, days - 1) * day);
      out.push([a.toISOString().slice(0, 10), b.toISOString().slice(0, 10)]);
    }
    return out;
  }

  function render(report) {
    const p = report.period;
    $("period").textContent = `Period ${p.from_date} – ${p.to_date} (${p.days} days, CST)` +
      (p.district ? `, district ${p.district}` : ", all of Jinan") + ".";
    const targets = $("targets");
    targets.replaceChildren();
    card(targets, "Electronic waybills (电子运单)", "e_waybill_share", report.e_waybill_share);
    card(targets, "Recyclable transit bags (循环中转袋)", "recyclable_bag_share", report.recyclable_bag_share);
    card(targets, "Smart-locker deliveries (箱递率)", "smart_locker_share", report.smart_locker_share);
    const volumes = report.carrier_volumes, box = el("div", "card");
    box.append(el("h2", "", "Express firms above 10 million parcels a year"));
    box.append(mark(el("div", "value"), "carrier_volumes.carriers_meeting_target",
      volumes.carriers_meeting_target, num(volumes.carriers_meeting_target)));
    box.append(mark(el("div", "target"), "carrier_volumes.target_carriers", volumes.target_carriers,
      `target ${volumes.target_carriers} firms`));
    box.append(mark(el("div", "basis"), "carrier_volumes.events", volumes.events, `${volumes.events}`));
    box.lastChild.append(" events");
    targets.append(box);
    bars($("carriers"), volumes.carriers.map((c) => ({ label: c.carrier_id, value: c.parcels,
      raw: c.parcels, path: `carrier_volumes.carriers[${c.carrier_id}].parcels`,
      text: `${c.parcels} (${Math.round(c.parcels_per_year).toLocaleString("en-US")}/yr)` })));
    distribution($("delivery"), "pickup_to_delivery.overall", report.pickup_to_delivery.overall);
    const modes = report.customs_clearance.by_trade_mode;
    bars($("clearance"), modes.flatMap((m) => ["mean_hours", "p50_hours", "p90_hours"].map((f, i) => ({
      label: `${m.trade_mode} ${f.split("_")[0]}`, value: m.distribution[f], raw: m.distribution[f],
      text: hrs(m.distribution[f]) + (i === 0 ? ` · ${m.distribution.count} released` : ""),
      path: `customs_clearance.by_trade_mode[${m.trade_mode}].distribution.${f}`, alt: i > 0 }))));
    const rates = $("rates");
    rates.replaceChildren();
    card(rates, "Parcels with an exception", "exception_rate", report.exception_rate);
    card(rates, "Parcels returned", "return_rate", report.return_rate);
    card(rates, "Declarations rejected by customs", "customs_rejection.rate", report.customs_rejection.rate);
    bars($("reasons"), report.customs_rejection.top_reasons.map((r) => ({ label: r.reason,
      value: r.declarations, raw: r.declarations, text: num(r.declarations),
      path: `customs_rejection.top_reasons[${r.reason}].declarations` })));
    return p;
  }

  async function refresh() {
    try {
      const report = await kpis(want.from, want.to);
      const p = render(report);
      const daily = await Promise.all(windows(p.from_date, p.to_date).map(([a, b]) =>
        kpis(a, b).then((r) => ({ label: a, value: r.smart_locker_share.share }))));
      trend($("locker-trend"), daily, report.smart_locker_share.target);
      $("updated").textContent = `Updated ${new Date().toISOString().slice(0, 19).replace("T", " ")} UTC.`;
      $("board").hidden = false;
      $("error").hidden = true;
      document.body.dataset.state = "ready";
    } catch (error) {
      $("error").textContent = error.message;
      $("error").hidden = false;
      document.body.dataset.state = "error";
    }
  }

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
  refresh();
  setInterval(refresh, REFRESH_MS);
})();
