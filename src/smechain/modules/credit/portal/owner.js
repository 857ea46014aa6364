// Data owner views: attest a computation made on the owner's own data under an SME's consent, and the
// computations it attested.

import { submit } from "/static/api.js";
import { form } from "/static/form.js";
import { h, panel } from "/static/ui.js";
import { txDone } from "/static/views/common.js";
import { attestationsTable } from "./common.js";

const HEX32 = /^[0-9a-f]{64}$/;
const OWNED = { tax_authority: "tax", market_regulator: "market_regulation", social_insurance: "social_insurance",
  customs: "customs", ip_office: "ip", court: "courts", utility: "utilities" };

/** The computations the owner attested, and a form to attest one. */
export function attestedView(ctx) {
  const mine = (ctx.me.org_roles || []).map((r) => OWNED[r]).filter(Boolean);
  const table = attestationsTable("owner-attestations", "org");
  const attest = form({
    name: "credit-attest",
    action: "credit.attest",
    submitKey: "attest.submit",
    fields: [
      { name: "consent_id", label: "attest.consent", required: true },
      { name: "model_version", label: "model.version", required: true },
      { name: "category", label: "attest.category", type: "select", required: true,
        options: mine.map((c) => [c, `category.${c}`]) },
      { name: "kind", label: "attest.kind", type: "select", required: true, value: "partial_score",
        options: [["partial_score", "computation.partial_score"], ["binning", "computation.binning"]] },
      { name: "inputs", label: "attest.inputs", type: "textarea", required: true, hint: "attest.inputs_hint",
        validate: (v) => (v.split(/\s+/).filter(Boolean).every((d) => HEX32.test(d)) ? null : "err.digest") },
      { name: "result_digest", label: "attest.result", required: true,
        validate: (v) => (HEX32.test(v) ? null : "err.digest") },
    ],
    submit: (v) => submit("credit", "attest", { consent_id: v.consent_id, model_version: v.model_version,
      category: v.category, input_digests: v.inputs.split(/\s+/).filter(Boolean), result_digest: v.result_digest,
      kind: v.kind }),
    onSuccess: (r) => txDone("attest.done", r, () => {
      attest.reset();
      table.reload();
    }),
  });
  return {
    el: h("div", {}, panel("attest.mine", h("p", { class: "muted", i18n: "attest.owner_intro" }), table.el),
      panel("attest.title", attest.el)),
    refresh: table.reload,
  };
}
