// Bank and factor views: offers to buy (priced, bought or rejected), portfolio, overdue and claims.

import { get, post, checkTx, submit, page } from "/static/api.js";
import { form } from "/static/form.js";
import { formatMoney, formatRate } from "/static/money.js";
import { pagedTable } from "/static/table.js";
import { h, modal, panel, button, keyValues, daysUntil, toast, fill } from "/static/ui.js";
import { offeredControls, offers, txDone } from "/static/views/common.js";
import { DAY_COUNTS, certColumns, maturitiesChart, priceOf } from "./certificate.js";
import { proposalColumns } from "./supplier.js";

/** Certificates offered to me, with a price calculator. */
export function marketView(ctx) {
  const result = h("div", { class: "price-result", testid: "price-result" });
  let calc;
  const table = pagedTable({
    name: "offered",
    // Offers to sell only: a bank may co-sign other proposals too (governance, guarantees).
    load: async (offset, limit) => salesOnly(await get("/v1/proposals", { role: "cosigner", status: "open",
      limit: 200 }), offset, limit),
    empty: "market.none",
    columns: proposalColumns([{ key: "common.actions", cell: (p) => h("div", { class: "actions" },
      button("market.price", () => {
        calc.inputs.id.el.value = p.args.id;
        calc.inputs.discount_rate_bp.el.value = formatRate(p.args.discount_rate_bp).replace("%", "");
        calc.inputs.day_count.el.value = p.args.day_count || "ACT/365F";
        calc.el.requestSubmit();
        calc.el.scrollIntoView({ block: "nearest" });
      }, { testid: "btn-price" }),
      button("market.buy", () => buyDialog(p, table), { kind: "primary", testid: "btn-buy",
        action: "receivable.sell" }),
      button("market.reject", (e) => rejectOne(p, e.currentTarget, table), { kind: "danger", testid: "btn-reject" })) }]),
  });
  calc = form({
    name: "price",
    submitKey: "market.calculate",
    aliases: { cert_id: "id" },
    layout: "inline",
    fields: [
      { name: "id", label: "cert.id", required: true },
      { name: "discount_rate_bp", label: "sell.rate", type: "rate", required: true, value: "4.50" },
      { name: "day_count", label: "sell.day_count", type: "select", value: "ACT/365F", options: DAY_COUNTS },
    ],
    submit: (v) => priceOf(v.id, v.discount_rate_bp, v.day_count),
    onSuccess: (p) => fill(result, priceFacts(p)),
  });
  return {
    el: h("div", {}, panel(null, h("p", { class: "muted", i18n: "market.intro" }), table.el),
      panel("market.calculator", calc.el, result)),
    refresh: table.reload,
  };
}

/** The offers to sell among a page of proposals, paged again. */
export function salesOnly(data, offset, limit) {
  return page(page(data, 0, 200).items.filter((p) => p.contract === "receivable" && p.action === "sell"),
    offset, limit);
}

function priceFacts(p, currency) {
  return keyValues([
    ["price.face", formatMoney(p.face, currency)],
    ["price.days", String(p.days)],
    ["price.discount", formatMoney(p.discount, currency)],
    ["price.price", h("strong", { testid: "price-value" }, formatMoney(p.price, currency))],
  ], "price-facts");
}

/** Buying is co-signing the seller's proposal: the cash and the certificate move together. */
function buyDialog(p, table) {
  modal("market.buy_title", (close) => {
    const facts = h("div", {}, h("p", { class: "muted", i18n: "common.loading" }));
    const error = h("div", { class: "form-error", testid: "error-form", hidden: true });
    const go = h("button", { type: "button", class: "btn btn-primary", testid: "confirm-buy", i18n: "market.confirm_buy",
      dataset: { action: "receivable.sell" },
      onclick: async () => {
        go.disabled = true;
        error.hidden = true;
        try {
          const r = checkTx(await post(`/v1/proposals/${encodeURIComponent(p.id)}/sign`, {}));
          txDone("market.bought", r, () => {
            close();
            table.reload();
          });
        } catch (err) {
          error.textContent = err.message;
          error.hidden = false;
          go.disabled = false;
        }
      } });
    priceOf(p.args.id, p.args.discount_rate_bp, p.args.day_count)
      .then((price) => fill(facts, keyValues([
        ["proposal.certificate", h("span", { class: "mono" }, p.args.id)],
        ["proposal.seller", p.sender_org],
        ["sell.rate", formatRate(p.args.discount_rate_bp)],
        ["sell.day_count", p.args.day_count],
        ["sell.recourse", h("span", { i18n: p.args.recourse ? "common.yes" : "common.no" })],
      ]), priceFacts(price)))
      .catch((err) => fill(facts, h("div", { class: "form-error" }, err.message)));
    return h("div", {}, facts, error, h("div", { class: "form-actions" }, go));
  }, { testid: "modal-buy" });
}

async function rejectOne(p, btn, table) {
  btn.disabled = true;
  try {
    await post(`/v1/proposals/${encodeURIComponent(p.id)}/reject`, {});
    toast("market.rejected");
    table.reload();
  } catch (err) {
    toast(null, { text: err.message, kind: "error" });
    btn.disabled = false;
  }
}

/** Certificates I hold, and what falls due each month. */
export function portfolioView(ctx) {
  const chart = maturitiesChart("holder");
  const table = pagedTable({
    name: "portfolio",
    load: (offset, limit, f) => get("/v1/certificates", { role: "holder", status: f.status, offset, limit }),
    filters: [{ name: "status", key: "cert.status", value: "", options: [["", "common.all"],
      ["confirmed", "status.confirmed"], ["overdue", "status.overdue"], ["settled", "status.settled"],
      ["claimed", "status.claimed"]] }],
    columns: certColumns(ctx.me, [{ key: "cert.recourse_to", cell: (c) => c.recourse_to || "—" }]),
  });
  return { el: h("div", {}, chart.el, panel("portfolio.list", table.el)),
    refresh: () => {
      chart.refresh();
      table.reload();
    } };
}

/** Overdue parts to claim, and confirmed ones past maturity plus grace to mark overdue. */
export function overdueView(ctx) {
  // Who may be claimed from (the recourse seller, the guarantor) is the handler's rule, not the declaration's.
  const claimBtn = (c, source, table) => button(`claim.${source}`, async (e) => {
    e.currentTarget.disabled = true;
    try {
      txDone("claim.done", await submit("receivable", "claim", { id: c.id, source }), () => table.reload());
    } catch (err) {
      toast(null, { text: err.message, kind: "error" });
    }
  }, { kind: "primary", testid: `btn-claim-${source}`, action: "receivable.claim",
    disabled: source === "recourse" ? !c.recourse_to : !c.guarantor });
  const overdue = pagedTable({
    name: "overdue",
    load: (offset, limit) => get("/v1/certificates", { role: "holder", status: "overdue", offset, limit }),
    columns: certColumns(ctx.me, [
      { key: "cert.recourse_to", cell: (c) => c.recourse_to || "—" },
      { key: "cert.guarantor", cell: (c) => c.guarantor || "—" },
      { key: "common.actions", cell: (c) => offeredControls(c, [
        ["claim", () => claimBtn(c, "recourse", overdue)], ["claim", () => claimBtn(c, "guarantor", overdue)]]) },
    ]),
  });
  const pastDue = pagedTable({
    name: "pastdue",
    load: (offset, limit) => get("/v1/certificates", { role: "holder", status: "confirmed", offset, limit }),
    columns: certColumns(ctx.me, [{ key: "common.actions", cell: (c) => {
      if (!offers(c, "mark_overdue")) return "";
      // Marking overdue works from GRACE_DAYS (3) after maturity, a rule of the handler the declaration
      // does not state.
      const late = daysUntil(c.maturity) < -3;
      return button("overdue.mark", async (e) => {
        e.currentTarget.disabled = true;
        try {
        txDone("overdue.done", await submit("receivable", "mark_overdue", { id: c.id }), () => {
            pastDue.reload();
            overdue.reload();
          });
        } catch (err) {
          toast(null, { text: err.message, kind: "error" });
        }
      }, { testid: "btn-mark-overdue", action: "receivable.mark_overdue", disabled: !late });
    } }]),
  });
  return {
    el: h("div", {}, panel("overdue.list", h("p", { class: "muted", i18n: "overdue.intro" }), overdue.el),
      panel("overdue.past_due", h("p", { class: "muted", i18n: "overdue.grace" }), pastDue.el)),
    refresh: () => {
      overdue.reload();
      pastDue.reload();
    },
  };
}

