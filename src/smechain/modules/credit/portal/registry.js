// The regulator's view of the model registry: every bank's models and their stability over time.

import { h, panel, fill } from "/static/ui.js";
import { attestationsTable, loadModels, modelsTable, psiChart } from "./common.js";

/** Every registered model, PSI over time, and every attestation. */
export function registryView() {
  const chart = h("div", {});
  const registry = h("div", {});
  const attested = attestationsTable("registry-attestations", "any");
  const refresh = async () => {
    try {
      const models = await loadModels();
      fill(chart, psiChart(models));
      fill(registry, modelsTable("registry-models", models));
    } catch (err) {
      fill(registry, h("div", { class: "form-error" }, err.message));
    }
  };
  refresh();
  return {
    el: h("div", {}, panel("psi.chart_title", h("p", { class: "muted", i18n: "psi.intro" }), chart),
      panel("model.registry", registry), panel("attest.all", attested.el)),
    refresh: () => {
      refresh();
      attested.reload();
    },
  };
}
