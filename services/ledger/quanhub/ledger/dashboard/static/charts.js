// SVG charts for the dashboard: horizontal bars and a daily trend, drawn without a library.
// The caller marks every number it draws (mark(node, figure)), so charts stay free of KPI paths.
// Charts sit in a <figure> whose caption names them; their labels and numbers are SVG text,
// which screen readers read.
const SVG = "http://www.w3.org/2000/svg";

export function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// Width of a label in Latin-letter units: CJK characters are about twice as wide.
const width = (label) => [...label].reduce((n, c) => n + (c > "\u2e80" ? 2 : 1), 0);

// Horizontal bars: rows of {label, value, text, figure, alt}; figure goes to mark().
export function bars(container, rows, { empty, mark }) {
  container.replaceChildren();
  if (!rows.length) return container.append(el("p", "nodata", empty));
  const full = 600, row = 24, right = 170;
  const left = Math.min(300, Math.max(80, Math.max(...rows.map((r) => width(r.label))) * 6.5 + 10));
  const top = Math.max(...rows.map((r) => r.value || 0)) || 1;
  const chart = svg("svg", { viewBox: `0 0 ${full} ${rows.length * row + 4}` });
  rows.forEach((r, i) => {
    const y = i * row + 2;
    const length = ((r.value || 0) / top) * (full - left - right);
    chart.append(svg("text", { x: left - 6, y: y + 15, "text-anchor": "end" }, r.label));
    chart.append(svg("rect", { x: left, y, width: Math.max(length, 1), height: row - 6,
      class: "bar" + (r.alt ? " alt" : "") }));
    chart.append(mark(svg("text", { x: left + length + 6, y: y + 15 }), { ...r.figure, text: r.text }));
  });
  container.append(chart);
}

// A daily line against a target: points of {label, value, scant, title}; scant points are hollow.
export function trend(container, points, { empty, target, targetText }) {
  container.replaceChildren();
  const known = points.filter((p) => p.value !== null);
  if (!known.length) return container.append(el("p", "nodata", empty));
  const full = 600, height = 220, left = 40, bottom = 30, top = 10;
  const ymax = Math.max(target * 2, ...known.map((p) => p.value)) * 1.1;
  const x = (i) => left + (i * (full - left - 10)) / Math.max(points.length - 1, 1);
  const y = (v) => top + (1 - v / ymax) * (height - top - bottom);
  const chart = svg("svg", { viewBox: `0 0 ${full} ${height}` });
  chart.append(svg("line", { x1: left, x2: full - 10, y1: y(0), y2: y(0), class: "axis" }));
  chart.append(svg("line", { x1: left, x2: full - 10, y1: y(target), y2: y(target), class: "target" }));
  chart.append(svg("text", { x: 2, y: y(target) + 4 }, targetText));
  const line = known.map((p) => `${x(points.indexOf(p))},${y(p.value)}`).join(" L");
  chart.append(svg("path", { d: "M" + line, class: "trend" }));
  points.forEach((p, i) => {
    if (p.value !== null) {
      const dot = svg("circle", { cx: x(i), cy: y(p.value), r: 3, class: p.scant ? "dot scant" : "dot" });
      dot.append(svg("title", {}, p.title));
      chart.append(dot);
    }
    if (i % Math.ceil(points.length / 8) === 0) {
      // Month-day under the point, kept inside the chart at its right edge.
      chart.append(svg("text", { x: Math.min(x(i), full - 24), y: height - 8, "text-anchor": "middle" },
        p.label.slice(5)));
    }
  });
  container.append(chart);
}
