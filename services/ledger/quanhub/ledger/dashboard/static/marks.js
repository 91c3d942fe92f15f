// Every number on screen is marked (data-kpi, data-value) and recorded once; the records
// are what the CSV and JSON exports write, so an export holds exactly what is shown.
import { el } from "./charts.js";
import { ctx, int, t } from "./text.js";

let records = [];

export function clearMarks() {
  records = [];
}

export function mark(node, figure) {
  node.setAttribute("data-kpi", figure.kpi);
  node.setAttribute("data-value", JSON.stringify(figure.raw));
  if (figure.derived) node.setAttribute("data-derived", figure.derived);
  if (figure.sufficient === false) {
    node.setAttribute("data-sufficient", "false");
    node.classList.add("scant");
    node.setAttribute("title", t("too_little_note", { sample: figure.sample, min: ctx.reference.min_sample }));
  }
  node.textContent = figure.text;
  records.push({ section: figure.section, figure: figure.label, district: figure.district || "",
    kpi: figure.kpi + (figure.derived ? "#" + figure.derived : ""), value: figure.raw,
    shown: figure.text, sample: figure.sample ?? null, sufficient: figure.sufficient ?? null });
  return node;
}

// A count (numerator, denominator, events) as a marked span.
export function count(section, label, kpi, raw) {
  return mark(el("span"), { section, label, kpi, raw, text: int(raw) });
}

export function toCsv() {
  const columns = ["section", "figure", "district", "kpi", "value", "shown", "sample", "sufficient"];
  const cell = (v) => {
    const text = v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v);
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = [columns.map((c) => cell(t("csv_" + c))).join(",")];
  for (const row of records) {
    // A value below the minimum sample is not exported as if it were one.
    const value = row.sufficient === false ? null : row.value;
    lines.push(columns.map((c) => cell(c === "value" ? value : row[c])).join(","));
  }
  return "\ufeff" + lines.join("\r\n") + "\r\n"; // the BOM lets spreadsheet programs read UTF-8
}

export function toJson(period, answers) {
  return JSON.stringify({
    period, language: t("lang"), exported_at: new Date().toISOString(),
    min_sample: ctx.reference.min_sample, figures: records, answers,
  }, null, 2);
}
