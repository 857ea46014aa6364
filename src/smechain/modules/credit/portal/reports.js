// Credit reports: a bank scores an SME under its consent; the bank and the SME read the reports.

import { get, post } from "/static/api.js";
import { form } from "/static/form.js";
import { getLang } from "/static/i18n.js";
import { pagedTable } from "/static/table.js";
import { h, panel, formatTime, short, toast } from "/static/ui.js";

/** A report's reason codes, each with its text in the portal's language. */
const reasonsCell = (r) => h("ul", { class: "reasons" }, ...r.reasons.map((x) =>
  h("li", {}, h("span", { class: "mono" }, x.code), " ", getLang() === "zh" ? x.zh : x.en)));

/** Reports where the caller's organisation is the bank or the SME, newest first. */
export function reportsTable(name) {
  return pagedTable({
    name,
    load: (offset, limit) => get("/v1/credit/reports", { offset, limit }),
    empty: "report.none",
    columns: [
      { key: "attest.when", cell: (r) => formatTime(r.computed_at_ms) },
      { key: "attest.sme", cell: (r) => r.sme },
      { key: "attest.bank", cell: (r) => r.bank },
      { key: "attest.model", cell: (r) => h("span", { class: "mono" }, r.model_version) },
      { key: "report.score", num: true, cell: (r) => h("strong", { testid: "report-score" }, String(r.score)) },
      { key: "report.band", cell: (r) => h("span", { class: `badge band-${r.band}` }, r.band) },
      { key: "report.reasons", cell: reasonsCell },
      { key: "model.categories", cell: (r) => r.categories.map((c) => h("span", { i18n: `category.${c}` }))
        .flatMap((el, i) => (i ? [", ", el] : [el])) },
      { key: "attest.consent", cell: (r) => short(r.consent_id) },
      { key: "report.digest", cell: (r) => short(r.result_digest, 12) },
    ],
  });
}

/** The bank's form to score an SME under the consent the SME granted it. */
export function scoreForm(after) {
  const f = form({
    name: "credit-request-score",
    submitKey: "report.request",
    fields: [
      { name: "consent_id", label: "attest.consent", required: true },
      { name: "model_version", label: "model.version", required: true },
      { name: "sme", label: "attest.sme", required: true, placeholder: "sme-t1" },
    ],
    submit: (v) => post("/v1/credit/scores", { consent_id: v.consent_id, model_version: v.model_version,
      sme: v.sme }),
    onSuccess: (r) => {
      toast("report.done", { params: { score: r.score, band: r.band } });
      f.reset();
      after();
    },
  });
  return f;
}

/** An SME's credit reports: what banks it consented to learned, and how to check it. */
export function smeReportsView() {
  const reports = reportsTable("sme-reports");
  return {
    el: h("div", {}, panel("report.mine", h("p", { class: "muted", i18n: "report.sme_intro" }), reports.el)),
    refresh: () => reports.reload(),
  };
}
