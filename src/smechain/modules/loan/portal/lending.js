// The regulator's lending view: principal disbursed by product kind and by the borrower's province (stacked
// bars, one colour per kind), and how long applications wait for their money (a histogram).

import { get } from "/static/api.js";
import { niceScale } from "/static/charts.js";
import { t } from "/static/i18n.js";
import { formatAmount, formatAxisYuan, formatMoney } from "/static/money.js";
import { staticTable } from "/static/table.js";
import { h, panel, fill } from "/static/ui.js";

const NS = "http://www.w3.org/2000/svg";
const W = 720;
const H = 280;
const PAD = { left: 84, right: 160, top: 20, bottom: 56 };
const COLOURS = ["#0b5cad", "#c2410c", "#15803d", "#7c3aed", "#be123c", "#0e7490"];
const HOUR_MS = 3_600_000;

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/** A product kind's name: the product module's message, or "not on the ledger". */
const kindName = (kind) => t(kind === "unlisted" ? "lending.kind_unlisted" : `product_kind.${kind}`);
/** A province's name from its GB/T 2260 code, with the code. */
const regionName = (code) => (code === "unregistered" ? t("lending.region_unregistered")
  : `${t(`province.${code}`)} (${code})`);

function hours(ms) {
  if (ms < 60_000) return t("lending.seconds", { n: (ms / 1000).toFixed(1) });
  return ms < HOUR_MS ? t("lending.minutes", { n: Math.round(ms / 60_000) })
    : ms < 48 * HOUR_MS ? t("lending.hours", { n: (ms / HOUR_MS).toFixed(1) })
      : t("lending.days", { n: (ms / (24 * HOUR_MS)).toFixed(1) });
}

/** The axes of a chart up to `max` with `format`ted ticks; answers the plot's y and width. */
function frame(svg, max, format, yLabelKey) {
  const { top, step } = niceScale(max);
  const plotH = H - PAD.top - PAD.bottom;
  const plotW = W - PAD.left - PAD.right;
  const y = (v) => PAD.top + plotH - (Number(v) / top) * plotH;
  for (let v = 0; v <= top + step / 2; v += step) {
    svg.append(s("line", { x1: PAD.left, x2: PAD.left + plotW, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(s("text", { x: PAD.left - 8, y: y(v) + 4, class: "tick", "text-anchor": "end" }, format(v)));
  }
  svg.append(s("line", { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: PAD.top + plotH, class: "axis" }));
  svg.append(s("line", { x1: PAD.left, x2: PAD.left + plotW, y1: y(0), y2: y(0), class: "axis" }));
  svg.append(s("text", { x: 14, y: PAD.top + plotH / 2, class: "axis-label", "text-anchor": "middle",
    transform: `rotate(-90 14 ${PAD.top + plotH / 2})` }, t(yLabelKey)));
  return { y, plotW };
}

function chart(testid, titleKey, empty) {
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "data-testid": testid,
    "aria-label": t(titleKey) });
  if (empty) svg.append(s("text", { x: W / 2, y: H / 2, class: "tick", "text-anchor": "middle" }, t("chart.no_data")));
  return svg;
}

/**
 * Stacked bars of principal (minor units): one bar per group `[{key, label, parts: {kind: amount}}]`,
 * one segment per kind of `kinds`, coloured alike in every bar and named in the legend.
 */
export function stackedBars(groups, kinds, { testid, titleKey, xLabelKey }) {
  const svg = chart(testid, titleKey, !groups.length);
  if (!groups.length) return svg;
  const totals = groups.map((g) => kinds.reduce((sum, k) => sum + (g.parts[k] || 0), 0));
  const { y, plotW } = frame(svg, Math.max(0, ...totals), formatAxisYuan, "chart.amount_yuan");
  const slot = plotW / groups.length;
  const bw = Math.min(64, slot * 0.64);
  groups.forEach((g, i) => {
    const x = PAD.left + slot * i + slot / 2;
    let base = 0;
    kinds.forEach((kind, j) => {
      const amount = g.parts[kind] || 0;
      if (!amount) return;
      const rect = s("rect", { x: x - bw / 2, y: y(base + amount), width: bw, height: y(base) - y(base + amount),
        fill: COLOURS[j % COLOURS.length], "data-group": g.key, "data-kind": kind, "data-value": amount });
      rect.append(s("title", {}, `${g.label} · ${kindName(kind)}: ${formatAmount(amount)} ${t("chart.yuan")}`));
      svg.append(rect);
      base += amount;
    });
    svg.append(s("text", { x, y: y(totals[i]) - 6, class: "bar-value", "text-anchor": "middle" },
      formatAxisYuan(totals[i])));
    svg.append(s("text", { x, y: H - PAD.bottom + 18, class: "tick", "text-anchor": "middle" }, g.label));
  });
  kinds.forEach((kind, j) => {
    const ly = PAD.top + 8 + 18 * j;
    svg.append(s("rect", { x: PAD.left + plotW + 12, y: ly - 9, width: 10, height: 10,
      fill: COLOURS[j % COLOURS.length] }));
    svg.append(s("text", { x: PAD.left + plotW + 28, y: ly, class: "tick", "data-legend": kind }, kindName(kind)));
  });
  svg.append(s("text", { x: PAD.left + plotW / 2, y: H - 10, class: "axis-label", "text-anchor": "middle" },
    t(xLabelKey)));
  return svg;
}

/** A histogram of loans per bin of time from application to disbursement: `bins` [{label, count}]. */
export function waitHistogram(bins, testid = "chart-time-to-cash") {
  const total = bins.reduce((sum, b) => sum + b.count, 0);
  const svg = chart(testid, "lending.waits_title", !total);
  if (!total) return svg;
  const { y, plotW } = frame(svg, Math.max(...bins.map((b) => b.count)), (v) => String(v), "lending.loans");
  const slot = plotW / bins.length;
  bins.forEach((b, i) => {
    const x = PAD.left + slot * i;
    const rect = s("rect", { x: x + 1, y: y(b.count), width: slot - 2, height: y(0) - y(b.count), class: "bar",
      "data-bin": b.label, "data-count": b.count });
    rect.append(s("title", {}, `${t(`lending.bin.${b.label}`)}: ${t("chart.count", { n: b.count })}`));
    svg.append(rect);
    if (b.count) {
      svg.append(s("text", { x: x + slot / 2, y: y(b.count) - 6, class: "bar-value", "text-anchor": "middle" },
        String(b.count)));
    }
    svg.append(s("text", { x: x + slot / 2, y: H - PAD.bottom + 18, class: "tick", "text-anchor": "middle" },
      t(`lending.bin.${b.label}`)));
  });
  svg.append(s("text", { x: PAD.left + plotW / 2, y: H - 10, class: "axis-label", "text-anchor": "middle" },
    t("lending.wait_axis")));
  return svg;
}

const card = (labelKey, value, testid) => h("div", { class: "card", testid },
  h("div", { class: "card-label", i18n: labelKey }), h("div", { class: "card-value" }, value));

/** Lending by product kind and by region, and the time to disbursement (`GET /v1/stats/lending`). */
export function lendingView() {
  const summary = h("div", { class: "cards", testid: "lending-summary" });
  const byKind = h("div", { class: "chart-box" });
  const byRegion = h("div", { class: "chart-box" });
  const waits = h("div", { class: "chart-box" });
  async function refresh() {
    try {
      const d = await get("/v1/stats/lending");
      const kinds = Object.keys(d.by_kind);
      fill(summary,
        card("lending.total", formatMoney(d.amount, d.currency), "lending-total"),
        card("lending.count", String(d.loans), "lending-count"),
        card("lending.pending", `${d.pending.count} · ${formatMoney(d.pending.amount, d.currency)}`, "lending-pending"),
        card("lending.median", d.waits.count ? hours(d.waits.median_ms) : "—", "lending-median"),
        card("lending.p90", d.waits.count ? hours(d.waits.p90_ms) : "—", "lending-p90"));
      fill(byKind, stackedBars(kinds.map((k) => ({ key: k, label: kindName(k), parts: { [k]: d.by_kind[k].amount } })),
        kinds, { testid: "chart-lending-kind", titleKey: "lending.by_kind", xLabelKey: "lending.kind" }),
      staticTable("lending-kind", [
        { key: "lending.kind", cell: (r) => kindName(r.id) },
        { key: "lending.count", num: true, cell: (r) => String(r.count) },
        { key: "lending.amount", num: true, cell: (r) => formatMoney(r.amount, d.currency) },
      ], kinds.map((k) => ({ id: k, ...d.by_kind[k] }))));
      const regions = Object.keys(d.by_region);
      fill(byRegion, stackedBars(regions.map((r) => ({ key: r, label: regionName(r), parts: d.by_region[r].by_kind })),
        kinds, { testid: "chart-lending-region", titleKey: "lending.by_region", xLabelKey: "lending.region" }),
      staticTable("lending-region", [
        { key: "lending.region", cell: (r) => regionName(r.id) },
        { key: "lending.count", num: true, cell: (r) => String(r.count) },
        { key: "lending.amount", num: true, cell: (r) => formatMoney(r.amount, d.currency) },
      ], regions.map((r) => ({ id: r, ...d.by_region[r] }))));
      fill(waits, waitHistogram(d.waits.bins),
        h("p", { class: "muted", i18n: "lending.waits_note" }));
    } catch (err) {
      fill(summary, h("div", { class: "form-error" }, err.message));
    }
  }
  refresh();
  return {
    el: h("div", {}, panel("lending.title", summary),
      panel("lending.by_kind", byKind),
      panel("lending.by_region", h("p", { class: "muted", i18n: "lending.region_note" }), byRegion),
      panel("lending.waits_title", waits)),
    refresh,
  };
}
