// Bank views: its scorecard models (register, retire, report PSI), the combined score it attests, and the
// attestations of computations made for it.

import { submit } from "/static/api.js";
import { form } from "/static/form.js";
import { h, panel, button, toast, fill, modal } from "/static/ui.js";
import { offeredControls, txDone } from "/static/views/common.js";
import { attestationsTable, loadModels, modelsTable, psiChart } from "./common.js";
import { reportsTable, scoreForm } from "./reports.js";

const CATEGORIES = ["tax", "market_regulation", "social_insurance", "customs", "ip", "courts", "utilities"];
const HEX32 = /^[0-9a-f]{64}$/;
const PERIOD = /^[0-9]{4}Q[1-4]$/;
const hexField = (name, label) => ({ name, label, required: true, placeholder: "sha-256, 64 hex digits",
  validate: (v) => (HEX32.test(v) ? null : "err.digest") });

/** The bank's models with retire and PSI controls, a form to register one, the score it attests. */
export function bankModelsView(ctx) {
  const registry = h("div", {});
  const chart = h("div", {});
  const refresh = async () => {
    try {
      const models = await loadModels({ bank: ctx.me.org });
      fill(chart, psiChart(models));
      fill(registry, modelsTable("bank-models", models, (m) => offeredControls(m, [
        ["report_psi", () => button("model.report_psi", () => psiDialog(m, refresh),
          { testid: "btn-report-psi", action: "credit.report_psi" })],
        ["retire_model", () => button("model.retire", (e) => retire(m, e.currentTarget, refresh),
          { kind: "danger", testid: "btn-retire-model", action: "credit.retire_model" })],
      ])));
    } catch (err) {
      fill(registry, h("div", { class: "form-error" }, err.message));
    }
  };
  const register = form({
    name: "credit-register",
    action: "credit.register_model",
    submitKey: "model.register_submit",
    fields: [
      { name: "model_version", label: "model.version", required: true, placeholder: "sba-2026.12-1" },
      hexField("artefact_digest", "model.digest"),
      { name: "features", label: "model.features", type: "textarea", required: true, hint: "model.features_hint",
        validate: (v) => (parseFeatures(v) ? null : "err.features") },
      { name: "base_score", label: "model.base_score", type: "number", required: true, value: "600", min: 1 },
      { name: "base_odds_good", label: "model.base_odds_good", type: "number", required: true, value: "50", min: 1 },
      { name: "base_odds_bad", label: "model.base_odds_bad", type: "number", required: true, value: "1", min: 1 },
      { name: "pdo", label: "model.pdo", type: "number", required: true, value: "20", min: 1 },
      { name: "band_cutoffs", label: "model.bands", required: true, value: "520, 580, 640, 700",
        validate: (v) => (parseCutoffs(v) ? null : "err.cutoffs") },
    ],
    submit: (v) => submit("credit", "register_model", { model_version: v.model_version, kind: "scorecard",
      artefact_digest: v.artefact_digest, categories: parseFeatures(v.features), base_score: v.base_score,
      base_odds_good: v.base_odds_good, base_odds_bad: v.base_odds_bad, pdo: v.pdo,
      band_cutoffs: parseCutoffs(v.band_cutoffs) }),
    onSuccess: (r) => txDone("model.registered_done", r, () => {
      register.reset();
      refresh();
    }),
  });
  const score = form({
    name: "credit-score",
    action: "credit.attest",
    submitKey: "attest.submit",
    fields: [
      { name: "consent_id", label: "attest.consent", required: true },
      { name: "model_version", label: "model.version", required: true },
      hexField("inputs", "attest.inputs"),
      hexField("result_digest", "attest.result"),
    ],
    submit: (v) => submit("credit", "attest", { consent_id: v.consent_id, model_version: v.model_version,
      category: "", input_digests: [v.inputs], result_digest: v.result_digest, kind: "score" }),
    onSuccess: (r) => txDone("attest.done", r, () => {
      score.reset();
      attested.reload();
    }),
  });
  const attested = attestationsTable("bank-attestations", "bank");
  const reports = reportsTable("bank-reports");
  const request = scoreForm(() => {
    reports.reload();
    attested.reload();
  });
  refresh();
  return {
    el: h("div", {}, panel("report.request_title", h("p", { class: "muted", i18n: "report.request_intro" }),
      request.el), panel("report.for_bank", reports.el),
      panel("model.mine", chart, registry), panel("model.register_title", register.el),
      panel("attest.score_title", h("p", { class: "muted", i18n: "attest.score_intro" }), score.el),
      panel("attest.for_bank", attested.el)),
    refresh: () => {
      refresh();
      attested.reload();
      reports.reload();
    },
  };
}

/** "tax: vat_paid_12m, tax_grade" lines as [{category, features}]; null when a line is not one. */
function parseFeatures(text) {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  const out = [];
  for (const line of lines) {
    const m = /^([a-z_]+)\s*:\s*(.+)$/.exec(line);
    if (!m || !CATEGORIES.includes(m[1])) return null;
    out.push({ category: m[1], features: m[2].split(",").map((f) => f.trim()).filter(Boolean) });
  }
  return out.length ? out : null;
}

function parseCutoffs(text) {
  const parts = text.split(",").map((p) => p.trim());
  if (!parts.every((p) => /^\d+$/.test(p))) return null;
  const cut = parts.map(Number);
  return cut.every((c, i) => i === 0 || c > cut[i - 1]) ? cut : null;
}

function psiDialog(m, after) {
  modal("model.report_psi", (close) => form({
    name: "credit-psi",
    action: "credit.report_psi",
    submitKey: "model.report_psi",
    fields: [
      { name: "model_version", label: "model.version", value: m.version, readonly: true, required: true },
      { name: "period", label: "psi.period", required: true, placeholder: "2026Q3",
        validate: (v) => (PERIOD.test(v) ? null : "err.period") },
      { name: "psi_bp", label: "psi.bp", type: "number", required: true, hint: "psi.bp_hint" },
      { name: "population", label: "psi.population", type: "number", required: true, min: 1 },
    ],
    submit: (v) => submit("credit", "report_psi", { model_version: v.model_version, period: v.period,
      psi_bp: v.psi_bp, population: v.population }),
    onSuccess: (r) => txDone("psi.reported", r, () => {
      close();
      after();
    }),
  }).el);
}

async function retire(m, btn, after) {
  btn.disabled = true;
  try {
    txDone("model.retired", await submit("credit", "retire_model", { model_version: m.version }), after);
  } catch (err) {
    toast(null, { text: err.message, kind: "error" });
    btn.disabled = false;
  }
}
