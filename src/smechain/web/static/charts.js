// Hand-drawn SVG charts: bars (amount per month) and lines (amount per day), amounts in yuan.

import { t } from "./i18n.js";
import { formatAmount, formatAxisYuan } from "./money.js";

const NS = "http://www.w3.org/2000/svg";
const W = 720;
const H = 280;
const PAD = { left: 84, right: 20, top: 20, bottom: 56 };

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/** A "nice" axis maximum and step for values up to `max`. */
export function niceScale(max, ticks = 5) {
  if (!(max > 0)) return { top: 1, step: 1 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((x) => x >= raw);
  return { top: Math.ceil(max / step) * step, step };
}

function frame(testid, titleKey, points, yLabelKey) {
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "data-testid": testid,
    "aria-label": t(titleKey), preserveAspectRatio: "xMidYMid meet" });
  const max = Math.max(0, ...points.map((p) => Number(p.value) || 0));
  const { top, step } = niceScale(max);
  const plotH = H - PAD.top - PAD.bottom;
  const plotW = W - PAD.left - PAD.right;
  const y = (v) => PAD.top + plotH - (Number(v) / top) * plotH;
  for (let v = 0; v <= top + step / 2; v += step) {
    svg.append(s("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(s("text", { x: PAD.left - 8, y: y(v) + 4, class: "tick", "text-anchor": "end" }, formatAxisYuan(v)));
  }
  svg.append(s("line", { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: PAD.top + plotH, class: "axis" }));
  svg.append(s("line", { x1: PAD.left, x2: W - PAD.right, y1: PAD.top + plotH, y2: PAD.top + plotH, class: "axis" }));
  svg.append(s("text", { x: 14, y: PAD.top + plotH / 2, class: "axis-label", "text-anchor": "middle",
    transform: `rotate(-90 14 ${PAD.top + plotH / 2})` }, t(yLabelKey)));
  return { svg, y, plotW, plotH };
}

function empty(testid, titleKey) {
  const svg = s("svg", { viewBox: `0 0 ${W} 120`, class: "chart", "data-testid": testid, role: "img",
    "aria-label": t(titleKey) });
  svg.append(s("text", { x: W / 2, y: 64, class: "tick", "text-anchor": "middle" }, t("chart.no_data")));
  return svg;
}

function xLabels(svg, points, xAt, every) {
  points.forEach((p, i) => {
    if (i % every !== 0 && i !== points.length - 1) return;
    svg.append(s("text", { x: xAt(i), y: H - PAD.bottom + 18, class: "tick", "text-anchor": "middle" }, p.label));
  });
}

/**
 * Bars of amounts (minor units) per label: points [{label, value, count}].
 * Each bar carries a tooltip with the amount in yuan and the count.
 */
export function barChart(points, { testid = "chart", titleKey = "chart.title", xLabelKey = "chart.month",
  yLabelKey = "chart.amount_yuan" } = {}) {
  if (!points.length) return empty(testid, titleKey);
  const { svg, y, plotW } = frame(testid, titleKey, points, yLabelKey);
  const slot = plotW / points.length;
  const bw = Math.min(56, slot * 0.64);
  const xAt = (i) => PAD.left + slot * i + slot / 2;
  points.forEach((p, i) => {
    const top = y(p.value);
    const bar = s("rect", { x: xAt(i) - bw / 2, y: top, width: bw, height: Math.max(0, y(0) - top),
      class: "bar", rx: 2, "data-label": p.label, "data-value": p.value });
    bar.append(s("title", {}, `${p.tip ?? p.label}: ${formatAmount(p.value)} ${t("chart.yuan")}` +
      (p.count !== undefined ? ` · ${t("chart.count", { n: p.count })}` : "")));
    svg.append(bar);
    if (points.length <= 12) {
      svg.append(s("text", { x: xAt(i), y: top - 6, class: "bar-value", "text-anchor": "middle" },
        formatAxisYuan(p.value)));
    }
  });
  xLabels(svg, points, xAt, Math.ceil(points.length / 12));
  svg.append(s("text", { x: PAD.left + plotW / 2, y: H - 10, class: "axis-label", "text-anchor": "middle" },
    t(xLabelKey)));
  return svg;
}

/** A line of amounts over days, with a dot (and tooltip) per point. */
export function lineChart(points, { testid = "chart", titleKey = "chart.title", xLabelKey = "chart.day",
  yLabelKey = "chart.amount_yuan" } = {}) {
  if (!points.length) return empty(testid, titleKey);
  const { svg, y, plotW } = frame(testid, titleKey, points, yLabelKey);
  const xAt = (i) => PAD.left + (points.length === 1 ? plotW / 2 : (plotW * i) / (points.length - 1));
  const d = points.map((p, i) => `${i ? "L" : "M"}${xAt(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
  const area = `${d} L${xAt(points.length - 1).toFixed(1)},${y(0)} L${xAt(0).toFixed(1)},${y(0)} Z`;
  svg.append(s("path", { d: area, class: "area" }));
  svg.append(s("path", { d, class: "line" }));
  points.forEach((p, i) => {
    const dot = s("circle", { cx: xAt(i), cy: y(p.value), r: 3.5, class: "dot", "data-label": p.label,
      "data-value": p.value });
    dot.append(s("title", {}, `${p.tip ?? p.label}: ${formatAmount(p.value)} ${t("chart.yuan")}` +
      (p.count !== undefined ? ` · ${t("chart.count", { n: p.count })}` : "")));
    svg.append(dot);
  });
  xLabels(svg, points, xAt, Math.ceil(points.length / 8));
  svg.append(s("text", { x: PAD.left + plotW / 2, y: H - 10, class: "axis-label", "text-anchor": "middle" },
    t(xLabelKey)));
  return svg;
}
