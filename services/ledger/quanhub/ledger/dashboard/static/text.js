// Words and numbers in the page's language, and the minimum-sample rule every figure obeys.
// `ctx` holds the language, the message table (messages.json) and the hub's carrier and
// district names (reference.json); dashboard.js fills it before anything is drawn.

export const ctx = { lang: "zh", messages: {}, reference: { min_sample: 30, carriers: {}, districts: [] } };

export function t(name, params) {
  let text = ctx.messages[name][ctx.lang];
  for (const [k, v] of Object.entries(params || {})) text = text.replaceAll(`{${k}}`, v);
  return text;
}
const locale = () => (ctx.lang === "zh" ? "zh-CN" : "en-US");
export const int = (v) => v.toLocaleString(locale());
export const pct = (v) => t("percent", { value: (v * 100).toFixed(1) });
export const hrs = (v) => (v === null ? "–" : t("hours", { value: v.toFixed(1) }));
export const carrierName = (id) => ctx.reference.carriers[id]?.[ctx.lang] || id;
export const districtName = (code) =>
  ctx.reference.districts.find((d) => d.code === code)?.[ctx.lang] || code;

// A template whose {names} are filled with nodes (marked numbers) or text.
export function fill(node, name, parts) {
  for (const piece of t(name).split(/(\{[a-z0-9_]+\})/)) {
    const part = piece.startsWith("{") ? parts[piece.slice(1, -1)] : piece;
    if (part !== undefined && part !== "") node.append(part);
  }
  return node;
}

// The API's own sample and verdict (`sample`, `sufficient`) when it gives them, else the
// page's minimum over the figure's denominator (shares) or count (durations). A figure
// over nothing is not judged: it says "no data".
export function judge(figure, sample) {
  const n = figure.sample ?? sample;
  if (!n) return {};
  return { sample: n, sufficient: figure.sufficient ?? n >= ctx.reference.min_sample };
}

// A share, or "too little data" below the minimum sample, or "no data".
export function shareText(share, verdict) {
  if (verdict.sufficient === false) return t("too_little");
  return share === null ? t("no_data") : pct(share);
}

// A mean or percentile in hours, on the same rule.
export function durationText(distribution, field, verdict) {
  const v = distribution[field];
  return verdict.sufficient === false ? t("too_little") : v === null ? t("no_data") : hrs(v);
}
