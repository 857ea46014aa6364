// Electronic bills of lading (DCSA eBL 3.0) in the portal: a carrier issues bills from its DCSA transport
// documents and answers surrenders; a holder (exporter, bank, buyer) transfers or endorses the bills it possesses
// and surrenders them; anyone party to a bill reads its transfer chain, checked link by link.

import { get, request, submit, checkTx, txHashOf } from "/static/api.js";
import { form } from "/static/form.js";
import { formatMoney } from "/static/money.js";
import { pagedTable, staticTable } from "/static/table.js";
import { h, panel, button, toast, formatTime, short, fill, modal, keyValues } from "/static/ui.js";
import { offeredControls, orgOptions, txDone } from "/static/views/common.js";

const ENDORSEMENTS = ["to_order", "named", "blank"];
const KINDS = ["delivery", "amendment"];

const statusBadge = (b) => h("span", { class: `badge badge-${b.status}`, i18n: `bill.status.${b.status}` });
const kindOf = (b) => h("span", { i18n: b.document.to_order ? "bill.to_order" : "bill.straight" });

function billColumns(extra) {
  return [
    { key: "bill.reference", cell: (b) => h("a", { href: `#/bill/${b.id}`, class: "mono", testid: "bill-link" },
      b.document.reference) },
    { key: "bill.kind", cell: kindOf },
    { key: "bill.route", cell: (b) => `${b.document.port_of_loading || "—"} → ${b.document.port_of_discharge || "—"}` },
    { key: "bill.shipper", cell: (b) => b.shipper },
    { key: "bill.possessor", cell: (b) => b.possessor },
    { key: "bill.endorsee", cell: (b) => (b.document.to_order ? b.endorsee || h("span", { i18n: "bill.bearer" })
      : b.consignee) },
    { key: "bill.status", cell: statusBadge },
    { key: "common.actions", cell: extra },
  ];
}

/** A bill and its transfer chain, as the ledger records it and as PINT transactions. */
export async function showBill(id) {
  const [bill, chain] = await Promise.all([get(`/v1/bills-of-lading/${encodeURIComponent(id)}`),
    get(`/v1/bills-of-lading/${encodeURIComponent(id)}/chain`)]);
  const d = bill.document;
  modal("bill.detail", () => h("div", {},
    keyValues([
      ["bill.reference", d.reference], ["bill.carrier", `${bill.carrier} (${d.carrier_code})`],
      ["bill.kind", kindOf(bill)], ["bill.shipper", bill.shipper],
      ["bill.possessor", bill.possessor], ["bill.holder", bill.holder || "—"],
      ["bill.endorsee", bill.endorsee || bill.consignee || "—"],
      ["bill.shipped", d.shipped_on_board_date || d.received_for_shipment_date],
      ["bill.route", `${d.port_of_loading || "—"} → ${d.port_of_discharge || "—"}`],
      ["bill.goods", d.goods || "—"],
      ["bill.declared_value", d.declared_value ? formatMoney(d.declared_value, d.declared_value_currency) : "—"],
      ["bill.digest", h("span", { class: "mono" }, d.digest)], ["bill.status", statusBadge(bill)],
    ], "bill-detail"),
    h("p", { testid: "chain-verified", class: chain.verified ? "ok" : "form-error",
      i18n: chain.verified ? "bill.chain_verified" : "bill.chain_broken" }),
    staticTable(`chain-${bill.id}`, [
      { key: "bill.seq", cell: (e) => String(e.seq) },
      { key: "bill.action", cell: (e) => h("span", { class: "mono" }, e.action) },
      { key: "bill.from", cell: (e) => e.actor },
      { key: "bill.to", cell: (e) => e.recipient },
      { key: "bill.endorsement", cell: (e) => (e.endorsement ? h("span", { i18n: `bill.endorse.${e.endorsement}` }) : "—") },
      { key: "bill.previous", cell: (e) => h("span", { class: "mono", title: e.previous }, short(e.previous || "—")) },
      { key: "bill.signed", cell: (e) => h("span", { class: "mono", title: e.tx_hash }, short(e.tx_hash)) },
      { key: "bill.at", cell: (e) => formatTime(e.at_ms) },
    ], chain.entries, (e) => `${bill.id}-${e.seq}`)),
  { testid: "modal-bill", wide: true });
}

/** The carrier's view: issue a bill from a DCSA transport document, its bills, and surrenders to answer. */
export function carrierView() {
  const table = pagedTable({
    name: "bills-issued",
    load: (offset, limit) => get("/v1/bills-of-lading", { role: "carrier", offset, limit }),
    empty: "bill.none",
    // A surrender request is answered by the carrier of the bill: every bill listed here is its own.
    columns: billColumns((b) => (b.request && b.status === "surrender_requested"
        ? button("bill.answer", () => answerDialog(b, () => table.reload()),
          { kind: "primary", testid: "btn-answer", action: "bill_of_lading.answer_surrender" })
        : "")),
  });
  const outcome = h("div", { testid: "bill-import-result" });
  const upload = form({
    name: "bill-import",
    action: "bill_of_lading.issue",
    submitKey: "bill.import_submit",
    fields: [
      { name: "file", label: "bill.file", type: "file", required: true, accept: ".json,application/json",
        hint: "bill.file_hint" },
      { name: "shipper", label: "bill.shipper", type: "select", required: true,
        options: () => orgOptions((o) => o.status === "active") },
      { name: "consignee", label: "bill.consignee", type: "select", hint: "bill.consignee_hint",
        options: () => orgOptions((o) => o.status === "active") },
      { name: "endorsee", label: "bill.endorsee", type: "select", hint: "bill.endorsee_hint",
        options: () => orgOptions((o) => o.status === "active") },
    ],
    submit: async (v) => {
      const data = new FormData();
      data.append("file", v.file, v.file.name);
      for (const k of ["shipper", "consignee", "endorsee"]) data.append(k, v[k] || "");
      return checkTx(await request("POST", "/v1/bills-of-lading/import", { form: data }));
    },
    onSuccess: (r) => {
      const event = ((r && r.events) || []).find((e) => e.name === "BillOfLadingIssued");
      const a = (event && event.attrs) || {};
      toast("bill.issued", { params: { reference: a.reference || "" }, txHash: txHashOf(r) });
      fill(outcome, keyValues([["bill.reference", a.reference], ["bill.id", h("span", { class: "mono" }, a.id)],
        ["bill.possessor", a.possessor], ["tx.hash", h("span", { class: "mono" }, txHashOf(r))]]));
      upload.reset();
      table.first();
    },
  });
  return {
    el: h("div", {}, panel("bill.import_title", h("p", { class: "muted", i18n: "bill.import_intro" }), upload.el,
      outcome), panel("view.bills_issued", table.el)),
    refresh: table.reload,
  };
}

function answerDialog(bill, after) {
  const req = bill.request;
  modal("bill.answer_title", (close) => {
    const f = form({
      name: "bill-answer",
      action: "bill_of_lading.answer_surrender",
      submitKey: "bill.answer_submit",
      fields: [
        { name: "accept", label: "bill.accept", type: "checkbox", value: true },
        { name: "comments", label: "bill.comments", type: "textarea", hint: "bill.comments_hint" },
        ...(req.kind === "amendment" ? [{ name: "amended", label: "bill.amended", type: "file",
          accept: ".json,application/json", hint: "bill.amended_hint" }] : []),
      ],
      submit: async (v) => {
        const args = { request: req.id, accept: v.accept, comments: v.comments || "" };
        if (v.accept && req.kind === "amendment" && v.amended) {
          const data = new FormData();
          data.append("file", v.amended, v.amended.name);
          const checked = await request("POST", "/v1/bills-of-lading/validate", { form: data });
          args.amended = checked.document;
        }
        return submit("bill_of_lading", "answer_surrender", args);
      },
      onSuccess: (r) => txDone("bill.answered", r, () => { close(); after(); }),
    });
    return h("div", {}, keyValues([["bill.reference", bill.document.reference], ["bill.surrendered_by", req.by],
      ["bill.surrender_kind", h("span", { i18n: `bill.kind.${req.kind}` })], ["bill.comments", req.comments || "—"]]),
    f.el);
  }, { testid: "modal-answer" });
}

/** A holder's view: the bills it possesses; transfer or endorse them, surrender them to the carrier. */
export function holderView() {
  const table = pagedTable({
    name: "bills-held",
    load: (offset, limit) => get("/v1/bills-of-lading", { role: "any", offset, limit }),
    empty: "bill.none",
    columns: billColumns((b) => offeredControls(b, [
      ["transfer", () => button(b.document.to_order && b.endorsee === b.possessor ? "bill.endorse" : "bill.transfer",
        () => transferDialog(b, () => table.reload()),
        { kind: "primary", testid: "btn-transfer", action: "bill_of_lading.transfer" })],
      ["surrender", () => (b.holder ? button("bill.surrender", () => surrenderDialog(b, () => table.reload()),
        { testid: "btn-surrender", action: "bill_of_lading.surrender" }) : null)],
    ])),
  });
  return { el: h("div", {}, panel("view.bills_of_lading", h("p", { class: "muted", i18n: "bill.held_intro" }),
    table.el)), refresh: table.reload };
}

function transferDialog(bill, after) {
  const holder = bill.document.to_order && bill.endorsee === bill.possessor;
  const bearer = bill.document.to_order && !bill.endorsee;
  const choices = holder ? ENDORSEMENTS : bearer ? ["", "to_order", "named"] : [""];
  modal("bill.transfer_title", (close) => form({
    name: "bill-transfer",
    action: "bill_of_lading.transfer",
    submitKey: "bill.transfer_submit",
    fields: [
      { name: "to", label: "bill.to", type: "select", required: true,
        value: bill.document.to_order ? "" : bill.consignee,
        options: () => orgOptions((o) => o.status === "active" && o.id !== bill.possessor && o.id !== bill.carrier) },
      { name: "endorsement", label: "bill.endorsement", type: "select", value: choices[0],
        options: choices.map((c) => [c, c ? `bill.endorse.${c}` : "bill.endorse.none"]), hint: "bill.endorsement_hint" },
    ],
    submit: (v) => submit("bill_of_lading", "transfer", { id: bill.id, to: v.to, endorsement: v.endorsement || "" }),
    onSuccess: (r) => txDone("bill.transferred", r, () => { close(); after(); }),
  }).el, { testid: "modal-transfer" });
}

function surrenderDialog(bill, after) {
  modal("bill.surrender_title", (close) => form({
    name: "bill-surrender",
    action: "bill_of_lading.surrender",
    submitKey: "bill.surrender_submit",
    fields: [
      { name: "kind", label: "bill.surrender_kind", type: "select", value: "delivery",
        options: KINDS.map((k) => [k, `bill.kind.${k}`]) },
      { name: "reason_code", label: "bill.reason_code", type: "select", value: "",
        options: [["", "bill.reason.none"], ["SWTP", "bill.reason.SWTP"], ["COD", "bill.reason.COD"],
          ["SWI", "bill.reason.SWI"]] },
      { name: "comments", label: "bill.comments", type: "textarea" },
    ],
    submit: (v) => submit("bill_of_lading", "surrender", { id: bill.id, kind: v.kind,
      reason_code: v.kind === "amendment" ? v.reason_code || "" : "", comments: v.comments || "" }),
    onSuccess: (r) => txDone("bill.surrendered", r, () => { close(); after(); }),
  }).el, { testid: "modal-surrender" });
}
