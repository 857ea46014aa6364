// Products in the portal: an SME sees the live products it fits and every reason the others do not;
// a bank lists its products, publishes, revises (a new version) and withdraws them.

import { get, submit } from "/static/api.js";
import { form } from "/static/form.js";
import { getLang } from "/static/i18n.js";
import { pagedTable, staticTable } from "/static/table.js";
import { h, panel, button, toast, modal, fill, formatTime } from "/static/ui.js";
import { offeredControls, txDone } from "/static/views/common.js";

const EXAMPLE_TERMS = {
  name: "Working capital 流动资金贷", institution: "", kind: "working_capital", currency: "CNY",
  min_amount: 10000000, max_amount: 500000000, min_term_months: 6, max_term_months: 36,
  min_rate_bp: 350, max_rate_bp: 600, repayment: "equal_instalments",
  eligibility: { min_band: "C", regions: [], industries: [], min_years: 1, revenue_bands: [],
    min_headcount: 0, max_headcount: 0, tax_grades: ["A", "B"], collateral: [] },
};

const parseTerms = (text) => {
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
};

const reasonText = (r) => (getLang() === "zh" ? r.zh : r.en);
const rates = (p) => `${p.terms.min_rate_bp}–${p.terms.max_rate_bp} bp`;

/** The SME's match: products that fit, then the others with every reason. */
export function smeProductsView() {
  const fitting = h("div", {});
  const others = h("div", {});
  const refresh = async () => {
    try {
      const m = await get("/v1/products/match");
      const fit = m.products.filter((p) => p.fits);
      const not = m.products.filter((p) => !p.fits);
      fill(fitting, h("p", { class: "muted", i18n: "product.fits_count", params: { n: fit.length, band: m.profile.band || "—" } }),
        staticTable("products-fit", [
          { key: "product.name", cell: (p) => p.name },
          { key: "product.institution", cell: (p) => p.institution },
          { key: "product.kind", cell: (p) => h("span", { i18n: `product_kind.${p.kind}` }) },
          { key: "product.version", cell: (p) => String(p.version) },
        ], fit));
      fill(others, staticTable("products-unfit", [
        { key: "product.name", cell: (p) => p.name },
        { key: "product.institution", cell: (p) => p.institution },
        { key: "product.reasons", cell: (p) => h("ul", {}, ...p.reasons.map((r) => h("li", {}, reasonText(r)))) },
      ], not));
    } catch (err) {
      fill(fitting, h("div", { class: "form-error" }, err.message));
    }
  };
  refresh();
  return {
    el: h("div", {}, panel("product.matched", fitting), panel("product.unmatched", others)),
    refresh,
  };
}

/** The bank's products with revise and withdraw; a form to publish one. */
export function bankProductsView(ctx) {
  const table = pagedTable({
    name: "bank-products",
    load: (offset, limit) => get("/v1/products", { bank: ctx.me.org, offset, limit }),
    empty: "product.none",
    columns: [
      { key: "product.id", cell: (p) => h("span", { class: "mono" }, p.id) },
      { key: "product.name", cell: (p) => p.terms.name },
      { key: "product.version", cell: (p) => String(p.version) },
      { key: "product.rates", cell: rates },
      { key: "product.status", cell: (p) => h("span", { i18n: `product_status.${p.status}` }) },
      { key: "product.published", cell: (p) => formatTime(p.published_at_ms) },
      { key: "common.actions", cell: (p) => offeredControls(p, [
        ["revise", () => button("product.revise", () => reviseDialog(p, table),
          { testid: "btn-revise-product", action: "product.revise" })],
        ["withdraw", () => button("product.withdraw", (e) => withdrawOne(p, e.currentTarget, table),
          { kind: "danger", testid: "btn-withdraw-product", action: "product.withdraw" })],
      ]) },
    ],
  });
  const publish = form({
    name: "product-publish",
    action: "product.publish",
    submitKey: "product.publish_submit",
    fields: [
      { name: "id", label: "product.id", required: true, placeholder: `${ctx.me.org}.wc-01` },
      { name: "terms", label: "product.terms", type: "textarea", required: true, hint: "product.terms_hint",
        value: JSON.stringify(EXAMPLE_TERMS, null, 1), validate: (v) => (parseTerms(v) ? null : "err.terms") },
    ],
    submit: (v) => submit("product", "publish", { id: v.id, terms: parseTerms(v.terms) }),
    onSuccess: (r) => txDone("product.published_done", r, () => table.reload()),
  });
  return {
    el: h("div", {}, panel("product.mine", table.el), panel("product.publish_title", publish.el)),
    refresh: () => table.reload(),
  };
}

function reviseDialog(p, table) {
  modal("product.revise_title", (close) => form({
    name: "product-revise",
    action: "product.revise",
    submitKey: "product.revise_submit",
    fields: [
      { name: "terms", label: "product.terms", type: "textarea", required: true,
        value: JSON.stringify(p.terms, null, 1), validate: (v) => (parseTerms(v) ? null : "err.terms") },
    ],
    submit: (v) => submit("product", "revise", { id: p.id, terms: parseTerms(v.terms) }),
    onSuccess: (r) => txDone("product.revised_done", r, () => {
      close();
      table.reload();
    }),
  }).el, { testid: "modal-revise-product", wide: true });
}

async function withdrawOne(p, btn, table) {
  btn.disabled = true;
  try {
    txDone("product.withdrawn_done", await submit("product", "withdraw", { id: p.id }), () => table.reload());
  } catch (err) {
    toast(null, { text: err.message, kind: "error" });
    btn.disabled = false;
  }
}
