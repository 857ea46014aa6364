// Supplier (SME) views: invoices (request a certificate), certificates (split, transfer, offer to sell),
// offers, payments due.

import { get, post, submit, page } from "/static/api.js";
import { form } from "/static/form.js";
import { formatAmount, formatMoney, formatRate } from "/static/money.js";
import { pagedTable } from "/static/table.js";
import { h, badge, modal, panel, button, toast, formatTime, short, clear, fill } from "/static/ui.js";
import { orgOptions, hasRole, hasAnyRole, offeredControls, txDone } from "/static/views/common.js";
import { invoiceColumns, unfinanced } from "/portal/modules/invoice/views.js";
import { DAY_COUNTS, certColumns, maturitiesChart, priceOf, shortCertId } from "./certificate.js";
import { salesOnly } from "./financier.js";

const STATUS_FILTER = [["", "common.all"], ["requested", "status.requested"], ["confirmed", "status.confirmed"],
  ["split", "status.split"], ["settled", "status.settled"], ["overdue", "status.overdue"],
  ["claimed", "status.claimed"], ["disputed", "status.disputed"]];

/** My invoices; each valid one with an unfinanced remainder can back a certificate request. */
export function invoicesView(ctx) {
  const table = pagedTable({
    name: "invoices",
    load: (offset, limit, f) => get("/v1/invoices", { offset, limit, status: f.status }),
    filters: [{ name: "status", key: "invoice.status", options: [["", "common.all"], ["valid", "status.valid"],
      ["voided", "status.voided"]] }],
    // Requesting a certificate is `receivable.issue`, which creates one rather than acting on the invoice, so
    // no invoice offers it: what an invoice can still back (its unfinanced remainder) decides instead.
    columns: invoiceColumns([{ key: "common.actions", cell: (inv) => {
      return unfinanced(inv) > 0
        ? button("invoice.request", () => requestCertificate(inv, ctx, table), { kind: "primary", testid: "btn-request",
          action: "receivable.issue" })
        : "";
    } }]),
  });
  return { el: h("div", {}, panel(null, h("p", { class: "muted", i18n: "invoice.intro_sme" }), table.el)),
    refresh: table.reload };
}

function requestCertificate(inv, ctx, table) {
  const free = unfinanced(inv);
  modal("issue.title", (close) => form({
    name: "issue",
    aliases: { invoices: "amount", invoice: "invoice" },
    submitKey: "issue.submit",
    fields: [
      { name: "invoice", label: "invoice.id", value: inv.id, readonly: true, required: true },
      { name: "amount", label: "issue.amount", type: "amount", value: free, required: true,
        validate: (v) => (v > free ? "err.over_unfinanced" : null) },
      { name: "debtor", label: "cert.debtor", type: "select", required: true, value: inv.buyer_org,
        options: () => orgOptions(hasRole("core_enterprise")) },
      { name: "currency", label: "common.currency", value: inv.currency || "CNY", readonly: true, required: true },
      { name: "maturity", label: "cert.maturity", type: "date", required: true, future: true },
    ],
    submit: (v) => submit("receivable", "issue", { invoices: [{ invoice: v.invoice, amount: v.amount }],
      debtor: v.debtor, currency: v.currency, maturity: v.maturity }),
    onSuccess: (r) => txDone("issue.done", r, () => {
      close();
      table.reload();
    }),
  }).el);
}

/** Certificates I hold, owe or supplied; the actions the API offers me on each (`c.actions`). */
export function certificatesView(ctx) {
  const table = pagedTable({
    name: "certificates",
    load: (offset, limit, f) => get("/v1/certificates", { role: "any", offset, limit, status: f.status }),
    filters: [{ name: "status", key: "cert.status", options: STATUS_FILTER }],
    columns: certColumns(ctx.me, [{ key: "common.actions", cell: (c) => offeredControls(c, [
      ["split", () => button("cert.split", () => splitDialog(c, table), { testid: "btn-split",
        action: "receivable.split" })],
      ["transfer", () => button("cert.transfer", () => transferDialog(c, ctx, table), { testid: "btn-transfer",
        action: "receivable.transfer" })],
      ["sell", () => button("cert.sell", () => sellDialog(c, ctx, table), { kind: "primary", testid: "btn-sell",
        action: "receivable.sell" })],
      // The declaration lets a holder ask for a guarantee on any confirmed certificate; the handler
      // refuses a second one, which the declaration cannot see, so an already guaranteed one gets no control.
      ["guarantee", () => c.guarantor ? null : button("cert.guarantee", () => guaranteeDialog(c, ctx, table),
        { testid: "btn-guarantee", action: "receivable.guarantee" })],
    ]) }]),
  });
  return { el: panel(null, h("p", { class: "muted", i18n: "cert.intro" }), table.el),
    refresh: table.reload };
}

function splitDialog(c, table) {
  const half = Math.floor(c.face / 2);
  modal("split.title", (close) => form({
    name: "split",
    submitKey: "split.submit",
    fields: [
      { name: "id", label: "cert.id", value: c.id, readonly: true, required: true },
      { name: "face", label: "cert.face", value: formatMoney(c.face, c.currency), readonly: true },
      { name: "amounts", label: "split.amounts", type: "amounts", hint: "split.hint",
        value: [formatAmount(half), formatAmount(c.face - half)] },
    ],
    submit: (v) => submit("receivable", "split", { id: v.id, amounts: v.amounts }),
    onSuccess: (r) => txDone("split.done", r, () => {
      close();
      table.reload();
    }),
  }).el);
}

function transferDialog(c, ctx, table) {
  modal("transfer.title", (close) => form({
    name: "transfer",
    submitKey: "transfer.submit",
    fields: [
      { name: "id", label: "cert.id", value: c.id, readonly: true, required: true },
      { name: "to", label: "transfer.to", type: "select", required: true,
        options: () => orgOptions((o) => o.id !== ctx.me.org) },
    ],
    submit: (v) => submit("receivable", "transfer", { id: v.id, to: v.to }),
    onSuccess: (r) => txDone("transfer.done", r, () => {
      close();
      table.reload();
    }),
  }).el);
}

function sellDialog(c, ctx, table) {
  const estimate = h("div", { class: "estimate", testid: "sell-estimate" });
  modal("sell.title", (close) => {
    const f = form({
      name: "sell",
      submitKey: "sell.submit",
      aliases: { cosigners: "buyer", cert_id: "id" },
      fields: [
        { name: "id", label: "cert.id", value: c.id, readonly: true, required: true },
        { name: "buyer", label: "sell.buyer", type: "select", required: true,
          options: () => orgOptions((o) => o.id !== ctx.me.org && hasAnyRole("bank", "factor")(o)) },
        { name: "discount_rate_bp", label: "sell.rate", type: "rate", required: true, value: "4.50",
          hint: "sell.rate_hint" },
        { name: "day_count", label: "sell.day_count", type: "select", value: "ACT/365F", options: DAY_COUNTS },
        { name: "recourse", label: "sell.recourse", type: "checkbox", value: false },
      ],
      extra: estimate,
      submit: (v) => post("/v1/proposals", { contract: "receivable", action: "sell",
        args: { id: v.id, buyer: v.buyer, discount_rate_bp: v.discount_rate_bp, day_count: v.day_count,
          recourse: v.recourse },
        cosigners: [v.buyer] }),
      onSuccess: (r) => {
        toast("sell.done", { params: { id: r && (r.id || (r.proposal && r.proposal.id)) || "" } });
        close();
        table.reload();
      },
    });
    const update = async () => {
      const { value: bp } = f.inputs.discount_rate_bp.read({ required: true });
      if (bp === undefined) return clear(estimate);
      try {
        const p = await priceOf(c.id, bp, f.inputs.day_count.el.value);
        fill(estimate, h("span", { i18n: "sell.estimate", params: { price: formatMoney(p.price, c.currency),
          days: p.days, discount: formatAmount(p.discount) } }));
      } catch {
        clear(estimate);
      }
    };
    f.inputs.discount_rate_bp.el.addEventListener("change", update);
    f.inputs.day_count.el.addEventListener("change", update);
    update();
    return f.el;
  });
}

/** Ask a guarantor to guarantee a certificate I hold, for a fee I pay when it co-signs. */
function guaranteeDialog(c, ctx, table) {
  modal("guarantee.title", (close) => form({
    name: "guarantee",
    action: "receivable.guarantee",
    submitKey: "guarantee.submit",
    aliases: { cosigners: "guarantor", cert_id: "id" },
    fields: [
      { name: "id", label: "cert.id", value: c.id, readonly: true, required: true },
      { name: "guarantor", label: "cert.guarantor", type: "select", required: true,
        options: () => orgOptions((o) => o.id !== ctx.me.org && hasRole("guarantor")(o)) },
      { name: "fee", label: "guarantee.fee", type: "amount", required: true, hint: "guarantee.fee_hint" },
    ],
    submit: (v) => post("/v1/proposals", { contract: "receivable", action: "guarantee",
      args: { id: v.id, guarantor: v.guarantor, fee: v.fee }, cosigners: [v.guarantor] }),
    onSuccess: (r) => {
      toast("guarantee.proposed", { params: { id: (r && r.id) || "" } });
      close();
      table.reload();
    },
  }).el);
}

/** Proposals I sent (offers to sell), open by default. */
export function offersView() {
  const table = pagedTable({
    name: "offers",
    load: async (offset, limit, f) => salesOnly(await get("/v1/proposals", { role: "sender", status: f.status,
      limit: 200 }), offset, limit),
    filters: [{ name: "status", key: "proposal.status", value: "open", options: [["open", "status.open"],
      ["", "common.all"], ["done", "status.done"], ["submitted", "status.submitted"],
      ["rejected", "status.rejected"], ["expired", "status.expired"], ["stale", "status.stale"],
      ["failed", "status.failed"]] }],
    columns: proposalColumns(),
  });
  return { el: panel(null, table.el), refresh: table.reload };
}

export function proposalColumns(extra = []) {
  return [
    { key: "proposal.id", cell: (p) => short(p.id, 10) },
    { key: "proposal.certificate", cell: (p) => h("span", { class: "mono", title: p.args && p.args.id },
      shortCertId((p.args && p.args.id) || "")) },
    { key: "proposal.seller", cell: (p) => p.sender_org },
    { key: "sell.buyer", cell: (p) => (p.args && p.args.buyer) || (p.cosigners || []).join(", ") },
    { key: "sell.rate", num: true, cell: (p) => formatRate(p.args && p.args.discount_rate_bp) },
    { key: "sell.day_count", cell: (p) => String((p.args && p.args.day_count) ?? "") },
    { key: "sell.recourse", cell: (p) => h("span", { i18n: p.args && p.args.recourse ? "common.yes" : "common.no" }) },
    { key: "proposal.status", cell: (p) => badge(p.status) },
    { key: "proposal.created", cell: (p) => formatTime(p.created_ms ?? p.created_at) },
    ...extra,
  ];
}

/** Confirmed certificates I hold: what each debtor will pay me, by maturity. */
export function paymentsView(ctx) {
  const chart = maturitiesChart("holder");
  const table = pagedTable({
    name: "payments",
    load: async (offset, limit) => {
      const data = page(await get("/v1/certificates", { role: "holder", status: "confirmed", offset, limit }));
      data.items = [...data.items].sort((a, b) => String(a.maturity).localeCompare(String(b.maturity)));
      return data;
    },
    columns: certColumns(ctx.me),
  });
  return { el: h("div", {}, chart.el, panel("payments.list", table.el)),
    refresh: () => {
      chart.refresh();
      table.reload();
    } };
}

