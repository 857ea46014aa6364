// Digital cash in the portal: the organisation's balances (a panel of the overview), a treasurer's view
// to pay another organisation, and the issuer's view to issue cash into an account and redeem its own.

import { get, submit } from "/static/api.js";
import { form } from "/static/form.js";
import { formatAmount } from "/static/money.js";
import { h, tr, panel, fill } from "/static/ui.js";
import { orgOptions, txDone } from "/static/views/common.js";

const CURRENCY = /^[A-Z]{3}$/;

/** Balances of the caller's organisation, as cards. */
export function balancesPanel() {
  const box = h("div", { class: "cards", testid: "balances" });
  const refresh = async () => {
    try {
      const data = await get("/v1/balances");
      const entries = Object.entries((data && data.balances) || {});
      fill(box, ...(entries.length ? entries.map(([cur, amount]) =>
        h("div", { class: "card", testid: `balance-${cur}` },
          h("div", { class: "card-label" }, tr("balance.cash"), ` · ${cur}`),
          h("div", { class: "card-value" }, formatAmount(amount)),
          h("div", { class: "card-sub", i18n: "balance.unit", params: { cur } })))
        : [h("div", { class: "card" }, h("div", { class: "card-label", i18n: "balance.cash" }),
          h("div", { class: "card-value" }, "0.00"))]));
    } catch (err) {
      fill(box, h("div", { class: "form-error" }, err.message));
    }
  };
  refresh();
  return { el: panel("balance.title", box), refresh };
}

/** An ISO 4217 code, upper case: the ledger keeps one balance per code. */
const currencyField = () => ({ name: "currency", label: "common.currency", value: "CNY", required: true,
  validate: (v) => (CURRENCY.test(v) ? null : "err.currency") });

/** A treasurer pays another organisation from its balance. */
export function cashView(ctx) {
  const balances = balancesPanel();
  const pay = form({
    name: "cash-transfer",
    action: "cash.transfer",
    submitKey: "cash.transfer_submit",
    fields: [
      { name: "to", label: "cash.to", type: "select", required: true,
        options: () => orgOptions((o) => o.id !== ctx.me.org && o.status === "active") },
      currencyField(),
      { name: "amount", label: "cash.amount", type: "amount", required: true },
      { name: "memo", label: "cash.memo", hint: "cash.memo_hint",
        validate: (v) => (v.length > 140 ? "err.memo_length" : null) },
    ],
    submit: (v) => submit("cash", "transfer", { currency: v.currency, to: v.to, amount: v.amount, memo: v.memo }),
    onSuccess: (r) => txDone("cash.transferred", r, () => {
      pay.reset();
      balances.refresh();
    }),
  });
  return { el: h("div", {}, balances.el, panel("cash.transfer_title", h("p", { class: "muted", i18n: "cash.transfer_intro" }),
    pay.el)), refresh: balances.refresh };
}

/** The cash issuer mints cash into an organisation's account (money received off the ledger) and
 * redeems what it holds (paying out off the ledger). */
export function issuanceView() {
  const balances = balancesPanel();
  const issue = form({
    name: "cash-issue",
    action: "cash.issue",
    submitKey: "cash.issue_submit",
    fields: [
      { name: "to", label: "cash.to", type: "select", required: true,
        options: () => orgOptions((o) => o.status === "active") },
      currencyField(),
      { name: "amount", label: "cash.amount", type: "amount", required: true },
    ],
    submit: (v) => submit("cash", "issue", { currency: v.currency, to: v.to, amount: v.amount }),
    onSuccess: (r) => txDone("cash.issued", r, () => {
      issue.reset();
      balances.refresh();
    }),
  });
  const redeem = form({
    name: "cash-redeem",
    action: "cash.redeem",
    submitKey: "cash.redeem_submit",
    fields: [currencyField(), { name: "amount", label: "cash.amount", type: "amount", required: true }],
    submit: (v) => submit("cash", "redeem", { currency: v.currency, amount: v.amount }),
    onSuccess: (r) => txDone("cash.redeemed", r, () => {
      redeem.reset();
      balances.refresh();
    }),
  });
  return {
    el: h("div", {}, balances.el,
      panel("cash.issue_title", h("p", { class: "muted", i18n: "cash.issue_intro" }), issue.el),
      panel("cash.redeem_title", h("p", { class: "muted", i18n: "cash.redeem_intro" }), redeem.el)),
    refresh: balances.refresh,
  };
}
