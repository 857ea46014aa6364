// Consents in the portal: an SME grants banks consent to categories of its government data and revokes it,
// and sees who computed on its data under each consent; a bank sees the consents it received.

import { get, submit } from "/static/api.js";
import { form } from "/static/form.js";
import { pagedTable } from "/static/table.js";
import { h, panel, button, toast, formatTime, short } from "/static/ui.js";
import { hasRole, offeredControls, orgOptions, txDone } from "/static/views/common.js";

const CATEGORIES = ["tax", "market_regulation", "social_insurance", "customs", "ip", "courts", "utilities"];
const PURPOSES = ["credit_assessment", "loan_review", "post_loan_monitoring"];
const MS_PER_DAY = 86_400_000;

const standingFilter = { name: "standing", key: "consent.standing", value: "",
  options: [["", "common.all"], ["live", "standing.live"], ["expired", "standing.expired"],
    ["revoked", "standing.revoked"]] };

const categoriesCell = (c) => h("span", {}, ...c.categories.flatMap((x, i) =>
  [i ? ", " : "", h("span", { i18n: `category.${x}` })]));

/** A consent's standing now (live, expired, revoked), as a badge. */
const standingBadge = (c) => h("span", { class: `badge badge-${c.standing}`, i18n: `standing.${c.standing}` });

/** The SME's consents, with revoke; a form to grant one; who used them. */
export function consentsView() {
  const table = pagedTable({
    name: "consents",
    load: (offset, limit, f) => get("/v1/consents", { role: "sme", standing: f.standing || undefined, offset, limit }),
    filters: [standingFilter],
    empty: "consent.none",
    columns: [
      { key: "consent.id", cell: (c) => short(c.id) },
      { key: "consent.bank", cell: (c) => c.bank },
      { key: "consent.categories", cell: categoriesCell },
      { key: "consent.purpose", cell: (c) => h("span", { i18n: `purpose.${c.purpose}` }) },
      { key: "consent.until", cell: (c) => formatTime(c.until_ms) },
      { key: "consent.standing", cell: standingBadge },
      { key: "common.actions", cell: (c) => offeredControls(c, [
        ["revoke", () => button("consent.revoke", (e) => revokeOne(c, e.currentTarget, table),
          { kind: "danger", testid: "btn-revoke-consent", action: "consent.revoke" })],
      ]) },
    ],
  });
  const grant = form({
    name: "consent-grant",
    action: "consent.grant",
    submitKey: "consent.grant_submit",
    fields: [
      { name: "bank", label: "consent.bank", type: "select", required: true,
        options: () => orgOptions((o) => hasRole("bank")(o) && o.status === "active") },
      { name: "categories", label: "consent.categories", type: "checks", min: 1,
        options: CATEGORIES.map((c) => [c, `category.${c}`]) },
      { name: "purpose", label: "consent.purpose", type: "select", required: true, value: PURPOSES[0],
        options: PURPOSES.map((p) => [p, `purpose.${p}`]) },
      { name: "days", label: "consent.days", type: "number", required: true, value: "90", min: 1,
        hint: "consent.days_hint" },
    ],
    submit: (v) => submit("consent", "grant", { bank: v.bank, categories: v.categories, purpose: v.purpose,
      until_ms: Date.now() + v.days * MS_PER_DAY }),
    onSuccess: (r) => txDone("consent.granted", r, () => {
      grant.reset();
      table.reload();
    }),
  });
  const used = usageTable();
  return {
    el: h("div", {}, panel("consent.mine", h("p", { class: "muted", i18n: "consent.intro" }), table.el),
      panel("consent.grant_title", grant.el), panel("consent.usage_title",
        h("p", { class: "muted", i18n: "consent.usage_intro" }), used.el)),
    refresh: () => {
      table.reload();
      used.reload();
    },
  };
}

/** Who computed on the SME's data, under which consent, when. */
function usageTable() {
  return pagedTable({
    name: "consent-usage",
    rowId: (u) => `${u.consent_id}-${u.height}-${u.org}-${u.category}`,
    load: async (offset, limit) => {
      const all = await get("/v1/credit/usage");
      return { items: all.slice(offset, offset + limit), total: all.length, offset, limit };
    },
    empty: "consent.usage_none",
    columns: [
      { key: "consent.when", cell: (u) => formatTime(u.at_ms) },
      { key: "consent.id", cell: (u) => short(u.consent_id) },
      { key: "consent.bank", cell: (u) => u.bank },
      { key: "consent.computed_by", cell: (u) => u.org },
      { key: "consent.category", cell: (u) => u.category ? h("span", { i18n: `category.${u.category}` })
        : h("span", { i18n: "category.all" }) },
      { key: "consent.kind", cell: (u) => h("span", { i18n: `computation.${u.kind}` }) },
      { key: "consent.model", cell: (u) => h("span", { class: "mono" }, u.model_version) },
    ],
  });
}

async function revokeOne(c, btn, table) {
  btn.disabled = true;
  try {
    txDone("consent.revoked", await submit("consent", "revoke", { id: c.id }), () => table.reload());
  } catch (err) {
    toast(null, { text: err.message, kind: "error" });
    btn.disabled = false;
  }
}

/** The consents a bank received: whose data, which categories, for what, until when. */
export function receivedConsentsView() {
  const table = pagedTable({
    name: "received-consents",
    load: (offset, limit, f) => get("/v1/consents", { role: "bank", standing: f.standing || undefined, offset, limit }),
    filters: [standingFilter],
    empty: "consent.none",
    columns: [
      { key: "consent.id", cell: (c) => short(c.id) },
      { key: "consent.sme", cell: (c) => c.sme },
      { key: "consent.categories", cell: categoriesCell },
      { key: "consent.purpose", cell: (c) => h("span", { i18n: `purpose.${c.purpose}` }) },
      { key: "consent.granted_at", cell: (c) => formatTime(c.granted_at_ms) },
      { key: "consent.until", cell: (c) => formatTime(c.until_ms) },
      { key: "consent.standing", cell: standingBadge },
    ],
  });
  return { el: panel(null, h("p", { class: "muted", i18n: "consent.received_intro" }), table.el),
    refresh: table.reload };
}
