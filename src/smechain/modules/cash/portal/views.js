// Digital cash in the portal: the organisation's balances (a panel of the overview), a treasurer's view
// to pay another organisation, and the issuer's view to issue cash into an account and redeem its own.

import { get, submit } from "/static/api.js";
import { form } from "/static/form.js";
import { formatAmount, formatRate } from "/static/money.js";
import { h, tr, panel, fill, keyValues, button, todayUtc } from "/static/ui.js";
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
  const interest = interestPanel(ctx);
  const refresh = () => { balances.refresh(); interest.refresh(); };
  return { el: h("div", {}, balances.el, interest.el, panel("cash.transfer_title", h("p", { class: "muted", i18n: "cash.transfer_intro" }),
    pay.el)), refresh };
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
  const terms = termsPanel();
  return {
    el: h("div", {}, balances.el,
      panel("cash.issue_title", h("p", { class: "muted", i18n: "cash.issue_intro" }), issue.el),
      panel("cash.redeem_title", h("p", { class: "muted", i18n: "cash.redeem_intro" }), redeem.el),
      terms.el),
    refresh: () => { balances.refresh(); terms.refresh(); },
  };
}

/** The organisation's CNY wallet: interest earned (credited at settlements) and accrued since. */
export function interestPanel() {
  const box = h("div", { testid: "interest" });
  const refresh = async () => {
    try {
      const d = await get("/v1/cash/interest?currency=CNY");
      const due = d.due.reduce((sum, p) => sum + p.interest, 0);
      fill(box, keyValues([
        ["interest.class", tr(`interest.class_${d.wallet_class}`)],
        ["interest.rate", formatRate(d.rate_bp)],
        ["interest.earned", formatAmount(d.earned)],
        ["interest.accrued", `${formatAmount(d.accrued + due)} (${tr("interest.since")} ${d.since})`],
      ], "interest-summary"),
      d.history.length ? h("table", { class: "table", testid: "interest-history" },
        h("thead", {}, h("tr", {}, h("th", { i18n: "interest.date" }), h("th", { i18n: "interest.amount" }))),
        h("tbody", {}, ...d.history.map((p) => h("tr", {}, h("td", {}, p.date), h("td", {}, formatAmount(p.interest))))))
        : h("p", { class: "muted", i18n: "interest.none" }));
    } catch (err) {
      fill(box, h("div", { class: "form-error" }, err.message));
    }
  };
  refresh();
  return { el: panel("interest.title", box), refresh };
}

/** The issuer's interest desk: rates, settlement dates, operators (appoint, revoke), wallet classes,
 * settlement. */
export function termsPanel() {
  const box = h("div", { testid: "cash-terms" });
  const refresh = async () => {
    try {
      const t = await get("/v1/cash/terms/CNY");
      const settle = button("interest.settle_submit", async () => {
        const r = await submit("cash", "settle_interest", { currency: "CNY", date: t.last_date, wallets: t.unsettled });
        txDone("interest.settled", r, refresh);
      }, { action: "cash.settle_interest", testid: "settle-interest", disabled: !t.unsettled.length, kind: "primary" });
      fill(box, keyValues([
        ["interest.rate_real", formatRate(t.current.real_name)],
        ["interest.rate_anonymous", formatRate(t.current.anonymous)],
        ["interest.schedules", t.schedules.map((s) => `${s.months.join(",")} / ${s.day} (${s.effective})`).join("; ")],
        ["interest.next_dates", t.next_dates.join(", ")],
        ["interest.operators", t.operators.join(", ")],
        ["interest.revoked", t.revoked.join(", ")],
        ["interest.last_date", t.last_date || ""],
        ["interest.unsettled", String(t.unsettled.length)],
      ], "terms-summary"), settle);
    } catch (err) {
      fill(box, h("div", { class: "form-error" }, err.message));
    }
  };
  const rate = form({
    name: "cash-set-rate", action: "cash.set_rate", submitKey: "interest.rate_submit",
    fields: [currencyField(),
      { name: "wallet_class", label: "interest.class", type: "select", required: true, value: "real_name",
        options: [["real_name", "interest.class_real_name"], ["anonymous", "interest.class_anonymous"]] },
      { name: "rate_bp", label: "interest.rate", type: "rate", required: true },
      { name: "effective", label: "interest.effective", type: "date", required: true, value: todayUtc() }],
    submit: (v) => submit("cash", "set_rate", v),
    onSuccess: (r) => txDone("interest.rate_set", r, () => { rate.reset(); refresh(); }),
  });
  const dates = form({
    name: "cash-set-settlement-dates", action: "cash.set_settlement_dates", submitKey: "interest.dates_submit",
    fields: [currencyField(),
      { name: "months", label: "interest.months", required: true, value: "3,6,9,12",
        validate: (v) => (/^\d{1,2}(,\d{1,2})*$/.test(v) ? null : "err.months") },
      { name: "day", label: "interest.day", type: "number", required: true, value: "20", min: 1 },
      { name: "effective", label: "interest.effective", type: "date", required: true, value: todayUtc() }],
    submit: (v) => submit("cash", "set_settlement_dates", { currency: v.currency, day: v.day, effective: v.effective,
      months: v.months.split(",").map(Number) }),
    onSuccess: (r) => txDone("interest.dates_set", r, refresh),
  });
  const operator = form({
    name: "cash-appoint-operator", action: "cash.appoint_operator", submitKey: "interest.operator_submit",
    fields: [currencyField(), { name: "org", label: "interest.operator", type: "select", required: true,
      options: () => orgOptions((o) => o.status === "active" && (o.roles || []).includes("cash_issuer")) }],
    submit: (v) => submit("cash", "appoint_operator", v),
    onSuccess: (r) => txDone("interest.operator_appointed", r, refresh),
  });
  // The ledger refuses one that operates nothing, or the last operator (a two-tier currency stays two-tier).
  const revoke = form({
    name: "cash-revoke-operator", action: "cash.revoke_operator", submitKey: "interest.revoke_submit",
    fields: [currencyField(), { name: "org", label: "interest.revoke_org", type: "select", required: true,
      options: () => orgOptions((o) => (o.roles || []).includes("cash_issuer")) }],
    submit: (v) => submit("cash", "revoke_operator", v),
    onSuccess: (r) => txDone("interest.operator_revoked", r, refresh),
  });
  const walletClass = form({
    name: "cash-set-wallet-class", action: "cash.set_wallet_class", submitKey: "interest.class_submit",
    fields: [currencyField(),
      { name: "org", label: "interest.wallet", type: "select", required: true, options: () => orgOptions((o) => o.status === "active") },
      { name: "wallet_class", label: "interest.class", type: "select", required: true, value: "anonymous",
        options: [["real_name", "interest.class_real_name"], ["anonymous", "interest.class_anonymous"]] }],
    submit: (v) => submit("cash", "set_wallet_class", v),
    onSuccess: (r) => txDone("interest.class_set", r, refresh),
  });
  refresh();
  return {
    el: h("div", {}, panel("interest.terms_title", h("p", { class: "muted", i18n: "interest.terms_intro" }), box),
      panel("interest.rate_title", rate.el), panel("interest.dates_title", dates.el),
      panel("interest.operator_title", operator.el), panel("interest.revoke_title", revoke.el),
      panel("interest.class_title", walletClass.el)),
    refresh,
  };
}
