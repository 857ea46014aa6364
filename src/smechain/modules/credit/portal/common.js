// What the credit views share: the attestations table, the models table and the PSI chart.

import { get } from "/static/api.js";
import { t } from "/static/i18n.js";
import { pagedTable, staticTable } from "/static/table.js";
import { h, formatTime, short } from "/static/ui.js";

const NS = "http://www.w3.org/2000/svg";
const W = 720;
const H = 280;
const PAD = { left: 64, right: 140, top: 20, bottom: 48 };
const COLOURS = ["#0b5cad", "#c2410c", "#15803d", "#7c3aed", "#be123c", "#0e7490"];
export const PSI_WATCH_BP = 1000;
export const PSI_SHIFT_BP = 2500;

/** PSI in basis points as the index it is: 1,000 bp is 0.100. */
export const formatPsi = (bp) => (bp / 10000).toFixed(3);

export const categoryCell = (category) => h("span", { i18n: category ? `category.${category}` : "category.all" });

/** A model's status (active, retired), as a badge. */
export const modelStatus = (m) => h("span", { class: `badge badge-${m.status}`, i18n: `model_status.${m.status}` });

/** Attestations the caller may see, as `role` (sme, bank, org, any), newest first. */
export function attestationsTable(name, role) {
  return pagedTable({
    name,
    load: (offset, limit) => get("/v1/credit/attestations", { role, offset, limit }),
    empty: "attest.none",
    columns: [
      { key: "attest.when", cell: (a) => formatTime(a.at_ms) },
      { key: "attest.consent", cell: (a) => short(a.consent_id) },
      { key: "attest.sme", cell: (a) => a.sme },
      { key: "attest.bank", cell: (a) => a.bank },
      { key: "attest.org", cell: (a) => a.org },
      { key: "attest.category", cell: (a) => categoryCell(a.category) },
      { key: "attest.kind", cell: (a) => h("span", { i18n: `computation.${a.kind}` }) },
      { key: "attest.model", cell: (a) => h("span", { class: "mono" }, a.model_version) },
      { key: "attest.result", cell: (a) => short(a.result_digest, 12) },
    ],
  });
}

/** The model registry as a table; `controls(model)` adds a row's actions. */
export function modelsTable(name, models, controls) {
  const columns = [
    { key: "model.version", cell: (m) => h("span", { class: "mono" }, m.version) },
    { key: "model.bank", cell: (m) => m.bank },
    { key: "model.categories", cell: (m) => h("span", {}, ...m.categories.flatMap((c, i) =>
      [i ? ", " : "", categoryCell(c.category)])) },
    { key: "model.scaling", cell: (m) => t("model.scaling_value", { base: m.base_score,
      good: m.base_odds_good, bad: m.base_odds_bad, pdo: m.pdo }) },
    { key: "model.bands", cell: (m) => m.band_cutoffs.join(" / ") },
    { key: "model.digest", cell: (m) => short(m.artefact_digest, 12) },
    { key: "model.registered", cell: (m) => formatTime(m.registered_at_ms) },
    { key: "model.last_psi", num: true, cell: (m) => (m.psi.length ? formatPsi(m.psi[m.psi.length - 1].psi_bp) : "") },
    { key: "model.status", cell: modelStatus },
  ];
  if (controls) columns.push({ key: "common.actions", cell: controls });
  return staticTable(name, columns, models, (m) => m.version);
}

/** The model registry (each model with its PSI history), newest first; `query`: `{bank}`. */
export const loadModels = (query) => get("/v1/credit/models", query);

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/** PSI over time, one line per model, with the watch (0.10) and shift (0.25) levels dashed. */
export function psiChart(models, testid = "psi-chart") {
  const periods = [...new Set(models.flatMap((m) => m.psi.map((p) => p.period)))].sort();
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "data-testid": testid,
    "aria-label": t("psi.chart_title") });
  if (!periods.length) {
    svg.append(s("text", { x: W / 2, y: H / 2, class: "tick", "text-anchor": "middle" }, t("psi.none")));
    return svg;
  }
  const max = Math.max(PSI_SHIFT_BP * 1.2, ...models.flatMap((m) => m.psi.map((p) => p.psi_bp)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (period) => PAD.left + (periods.length === 1 ? plotW / 2
    : (plotW * periods.indexOf(period)) / (periods.length - 1));
  const y = (bp) => PAD.top + plotH - (bp / max) * plotH;
  for (const level of [0, PSI_WATCH_BP, PSI_SHIFT_BP]) {
    svg.append(s("line", { x1: PAD.left, x2: PAD.left + plotW, y1: y(level), y2: y(level),
      class: level ? "axis" : "grid", "stroke-dasharray": level ? "4 4" : "" }));
    svg.append(s("text", { x: PAD.left - 8, y: y(level) + 4, class: "tick", "text-anchor": "end" },
      formatPsi(level)));
  }
  periods.forEach((p) => svg.append(s("text", { x: x(p), y: H - PAD.bottom + 18, class: "tick",
    "text-anchor": "middle" }, p)));
  // The levels are named inside the plot, on the left; the right margin holds the legend.
  svg.append(s("text", { x: PAD.left + 6, y: y(PSI_WATCH_BP) - 5, class: "tick" }, t("psi.watch")));
  svg.append(s("text", { x: PAD.left + 6, y: y(PSI_SHIFT_BP) - 5, class: "tick" }, t("psi.shift")));
  models.filter((m) => m.psi.length).forEach((m, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const d = m.psi.map((p, j) => `${j ? "L" : "M"}${x(p.period).toFixed(1)},${y(p.psi_bp).toFixed(1)}`).join(" ");
    svg.append(s("path", { d, fill: "none", stroke: colour, "stroke-width": 2.5, "data-model": m.version }));
    m.psi.forEach((p) => {
      const dot = s("circle", { cx: x(p.period), cy: y(p.psi_bp), r: 3.5, fill: "#fff", stroke: colour,
        "stroke-width": 2, "data-model": m.version, "data-period": p.period, "data-psi-bp": p.psi_bp });
      dot.append(s("title", {}, `${m.version} ${p.period}: PSI ${formatPsi(p.psi_bp)} · n=${p.population}`));
      svg.append(dot);
    });
    svg.append(s("text", { x: PAD.left + plotW + 6, y: PAD.top + 14 + 16 * i, class: "tick", fill: colour },
      m.version));
  });
  svg.append(s("text", { x: PAD.left + plotW / 2, y: H - 8, class: "axis-label", "text-anchor": "middle" },
    t("psi.period")));
  return svg;
}
