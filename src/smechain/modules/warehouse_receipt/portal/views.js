// Warehouse receipts in the portal. The warehouse issues receipts and delivers goods against them (the holder
// co-signs the surrender); a holder transfers a receipt or pledges it to a bank (which co-signs); the pledgee
// releases the pledge on repayment or enforces it on default, and consents to a pledged receipt's transfer.

import { get, post, submit, checkTx, page } from "/static/api.js";
import { form } from "/static/form.js";
import { formatMoney } from "/static/money.js";
import { pagedTable } from "/static/table.js";
import { h, badge, modal, panel, button, toast, formatTime, short } from "/static/ui.js";
import { orgOptions, hasRole, offeredControls, txDone } from "/static/views/common.js";

const STATUS_FILTER = { name: "status", key: "receipt.status", value: "",
  options: [["", "common.all"], ["issued", "status.issued"], ["pledged", "status.pledged"],
    ["delivered", "status.delivered"]] };

const UNITS = ["KGM", "TNE", "MTQ", "LTR", "PCE", "MTR", "MTK"];

function receiptColumns(extra = []) {
  return [
    { key: "receipt.id", cell: (r) => h("span", { class: "mono", title: r.id }, short(r.id)) },
    { key: "receipt.goods", cell: (r) => h("span", { title: `HS ${r.commodity_code}` }, r.goods) },
    { key: "receipt.quantity", num: true, cell: (r) => `${r.quantity.toLocaleString()} ${r.unit}` },
    { key: "receipt.value", num: true, cell: (r) => formatMoney(r.value, r.currency) },
    { key: "receipt.warehouse", cell: (r) => r.warehouse },
    { key: "receipt.holder", cell: (r) => r.holder },
    { key: "receipt.pledgee", cell: (r) => r.pledgee || "—" },
    { key: "receipt.status", cell: (r) => badge(r.status) },
    { key: "receipt.issued", cell: (r) => formatTime(r.issued_at_ms) },
    ...extra,
  ];
}

async function act(btn, table, run, doneKey) {
  btn.disabled = true;
  try {
    txDone(doneKey, await run(), () => table.reload());
  } catch (err) {
    toast(null, { text: err.message, kind: "error" });
    btn.disabled = false;
  }
}

const propose = (action, args, cosigner) => post("/v1/proposals", { contract: "warehouse_receipt", action,
  args, cosigners: [cosigner] });

// --- the warehouse -------------------------------------------------------------------------------------------

/** The warehouse's receipts: issue one to a depositor; deliver the goods against a surrendered receipt. */
export function warehouseReceiptsView(ctx) {
  const table = pagedTable({
    name: "warehouse-receipts",
    load: (offset, limit, f) => get("/v1/warehouse-receipts", { role: "warehouse", status: f.status || undefined,
      offset, limit }),
    filters: [STATUS_FILTER],
    empty: "receipt.none",
    columns: receiptColumns([{ key: "common.actions", cell: (r) => offeredControls(r, [
      ["deliver", () => button("receipt.deliver", (e) => act(e.currentTarget, table,
        () => propose("deliver", { id: r.id, holder: r.holder }, r.holder), "receipt.deliver_proposed"),
      { testid: "btn-deliver", action: "warehouse_receipt.deliver" })],
    ]) }]),
  });
  const issue = form({
    name: "receipt-issue",
    action: "warehouse_receipt.issue",
    submitKey: "receipt.issue_submit",
    fields: [
      { name: "depositor", label: "receipt.depositor", type: "select", required: true,
        options: () => orgOptions((o) => o.id !== ctx.me.org && o.status === "active") },
      { name: "goods", label: "receipt.goods", required: true },
      { name: "commodity_code", label: "receipt.commodity_code", required: true, hint: "receipt.commodity_hint" },
      { name: "quantity", label: "receipt.quantity", type: "number", required: true, min: 1 },
      { name: "unit", label: "receipt.unit", type: "select", required: true, value: "KGM",
        options: UNITS.map((u) => [u, `unit.${u}`]) },
      { name: "value", label: "receipt.value", type: "amount", required: true },
      { name: "currency", label: "common.currency", value: "CNY", required: true },
      { name: "location", label: "receipt.location", required: true },
    ],
    submit: (v) => submit("warehouse_receipt", "issue", v),
    onSuccess: (r) => txDone("receipt.issued_done", r, () => {
      issue.reset();
      table.reload();
    }),
  });
  return {
    el: h("div", {}, panel("receipt.issued_title", h("p", { class: "muted", i18n: "receipt.warehouse_intro" }),
      table.el), panel("receipt.issue_title", issue.el)),
    refresh: table.reload,
  };
}

// --- holders and banks -----------------------------------------------------------------------------------------

/** Receipts the organisation holds or has in pledge, with what it may do on each; requests awaiting it. */
export function receiptsView(ctx) {
  const table = pagedTable({
    name: "receipts",
    load: (offset, limit, f) => get("/v1/warehouse-receipts", { role: "any", status: f.status || undefined,
      offset, limit }),
    filters: [STATUS_FILTER],
    empty: "receipt.none",
    columns: receiptColumns([{ key: "common.actions", cell: (r) => offeredControls(r, [
      ["transfer", () => button("receipt.transfer", () => transferDialog(r, ctx, table),
        { testid: "btn-transfer-receipt", action: "warehouse_receipt.transfer" })],
      ["pledge", () => button("receipt.pledge", () => pledgeDialog(r, ctx, table),
        { kind: "primary", testid: "btn-pledge-receipt", action: "warehouse_receipt.pledge" })],
      ["release", () => button("receipt.release", (e) => act(e.currentTarget, table,
        () => submit("warehouse_receipt", "release", { id: r.id }), "receipt.released"),
      { kind: "primary", testid: "btn-release-receipt", action: "warehouse_receipt.release" })],
      ["enforce", () => button("receipt.enforce", (e) => act(e.currentTarget, table,
        () => submit("warehouse_receipt", "enforce", { id: r.id }), "receipt.enforced"),
      { kind: "danger", testid: "btn-enforce-receipt", action: "warehouse_receipt.enforce" })],
    ]) }]),
  });
  const requests = requestsTable(table);
  return {
    el: h("div", {}, panel("receipt.mine", h("p", { class: "muted", i18n: "receipt.intro" }), table.el),
      panel("receipt.requests", h("p", { class: "muted", i18n: "receipt.requests_intro" }), requests.el)),
    refresh: () => {
      table.reload();
      requests.reload();
    },
  };
}

/** Transfer a receipt I hold: a free one at once; a pledged one as a proposal its pledgee co-signs. */
function transferDialog(r, ctx, table) {
  modal("receipt.transfer_title", (close) => form({
    name: "receipt-transfer",
    submitKey: r.pledgee ? "receipt.transfer_propose" : "receipt.transfer_submit",
    aliases: { cosigners: "to" },
    fields: [
      { name: "id", label: "receipt.id", value: r.id, readonly: true, required: true },
      { name: "to", label: "receipt.to", type: "select", required: true,
        options: () => orgOptions((o) => ![ctx.me.org, r.warehouse, r.pledgee].includes(o.id)
          && o.status === "active") },
      r.pledgee ? { name: "pledgee", label: "receipt.pledgee", value: r.pledgee, readonly: true, required: true,
        hint: "receipt.pledgee_consents" } : null,
    ].filter(Boolean),
    submit: (v) => r.pledgee
      ? propose("transfer", { id: v.id, to: v.to, pledgee: r.pledgee }, r.pledgee)
      : submit("warehouse_receipt", "transfer", { id: v.id, to: v.to }),
    onSuccess: (res) => {
      if (r.pledgee) toast("receipt.transfer_proposed");
      else txDone("receipt.transferred", res);
      close();
      table.reload();
    },
  }).el);
}

/** Pledge a receipt I hold to a bank: a proposal the bank co-signs. */
function pledgeDialog(r, ctx, table) {
  modal("receipt.pledge_title", (close) => form({
    name: "receipt-pledge",
    submitKey: "receipt.pledge_submit",
    aliases: { cosigners: "bank" },
    fields: [
      { name: "id", label: "receipt.id", value: r.id, readonly: true, required: true },
      { name: "bank", label: "receipt.bank", type: "select", required: true,
        options: () => orgOptions((o) => o.id !== ctx.me.org && hasRole("bank")(o) && o.status === "active") },
      { name: "reference", label: "receipt.reference", hint: "receipt.reference_hint" },
    ],
    submit: (v) => propose("pledge", { id: v.id, bank: v.bank, reference: v.reference || "" }, v.bank),
    onSuccess: () => {
      toast("receipt.pledge_proposed");
      close();
      table.reload();
    },
  }).el);
}

/** Open proposals on receipts that wait for my organisation's co-signature: a pledge to my bank, a transfer of a
 * receipt pledged to me, a delivery against a receipt I hold. Accepting signs and submits it. */
function requestsTable(receipts) {
  const table = pagedTable({
    name: "receipt-requests",
    load: async (offset, limit) => {
      const all = page(await get("/v1/proposals", { role: "cosigner", status: "open", limit: 200 }), 0, 200).items
        .filter((p) => p.contract === "warehouse_receipt");
      return page(all, offset, limit);
    },
    empty: "receipt.requests_none",
    columns: [
      { key: "receipt.request", cell: (p) => h("span", { i18n: `receipt.request_${p.action}` }) },
      { key: "receipt.id", cell: (p) => h("span", { class: "mono", title: p.args.id }, short(p.args.id)) },
      { key: "receipt.from", cell: (p) => p.sender_org },
      { key: "receipt.to", cell: (p) => p.args.to || p.args.bank || "" },
      { key: "proposal.created", cell: (p) => formatTime(p.created_ms) },
      { key: "common.actions", cell: (p) => h("div", { class: "actions" },
        button("receipt.accept", (e) => decide(p, "sign", e.currentTarget, table, receipts),
          { kind: "primary", testid: "btn-accept-receipt", action: `warehouse_receipt.${p.action}` }),
        button("receipt.decline", (e) => decide(p, "reject", e.currentTarget, table, receipts),
          { kind: "danger", testid: "btn-decline-receipt" })) },
    ],
  });
  return table;
}

async function decide(p, verdict, btn, table, receipts) {
  btn.disabled = true;
  try {
    const r = checkTx(await post(`/v1/proposals/${encodeURIComponent(p.id)}/${verdict}`, {}));
    if (verdict === "sign") txDone("receipt.accepted", r);
    else toast("receipt.declined");
    table.reload();
    receipts.reload();
  } catch (err) {
    toast(null, { text: err.message, kind: "error" });
    btn.disabled = false;
  }
}
