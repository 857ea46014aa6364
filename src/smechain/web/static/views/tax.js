// Tax authority view: anchor an e-invoice from its file (UBL, CII or OFD), list and void invoices.

import { get, request, submit, checkTx, txHashOf } from "../api.js";
import { form } from "../form.js";
import { pagedTable } from "../table.js";
import { h, modal, panel, button, keyValues, toast, fill } from "../ui.js";
import { formatMoney } from "../money.js";
import { txDone } from "./common.js";
import { invoiceColumns } from "./sme.js";

export function anchorView() {
  const outcome = h("div", { class: "anchor-result", testid: "anchor-result" });
  const table = pagedTable({
    name: "invoices",
    load: (offset, limit, f) => get("/v1/invoices", { offset, limit, status: f.status }),
    filters: [{ name: "status", key: "invoice.status", options: [["", "common.all"], ["valid", "status.valid"],
      ["voided", "status.voided"]] }],
    columns: invoiceColumns([{ key: "common.actions", cell: (inv) => inv.status === "valid"
      ? button("void.void", () => voidDialog(inv, table), { kind: "danger", testid: "btn-void" }) : "" }]),
  });
  const upload = form({
    name: "anchor",
    submitKey: "anchor.submit",
    layout: "inline",
    fields: [{ name: "file", label: "anchor.file", type: "file", required: true,
      accept: ".xml,.ofd,application/xml,text/xml,application/zip", hint: "anchor.hint" }],
    submit: async (v) => {
      const data = new FormData();
      data.append("file", v.file, v.file.name);
      return checkTx(await request("POST", "/v1/invoices/anchor-file", { form: data, query: { wait: "true" } }));
    },
    onSuccess: (r) => {
      // The TxResult's InvoiceAnchored event names the invoice and its parties.
      const event = ((r && r.events) || []).find((e) => e.name === "InvoiceAnchored");
      const inv = (event && event.attrs) || {};
      const id = inv.invoice || "";
      toast("anchor.done", { params: { id }, txHash: txHashOf(r) });
      fill(outcome, keyValues([
        ["invoice.id", h("span", { class: "mono", testid: "anchored-id" }, id)],
        inv.seller ? ["invoice.seller", inv.seller] : null,
        inv.buyer ? ["invoice.buyer", inv.buyer] : null,
        inv.total_amount !== undefined ? ["invoice.total", formatMoney(inv.total_amount, inv.currency)] : null,
        ["tx.hash", h("span", { class: "mono" }, txHashOf(r))],
      ]));
      upload.reset();
      table.first();
    },
  });
  return {
    el: h("div", {}, panel("anchor.title", h("p", { class: "muted", i18n: "anchor.intro" }), upload.el, outcome),
      panel("view.anchored", table.el)),
    refresh: table.reload,
  };
}

function voidDialog(inv, table) {
  modal("void.title", (close) => form({
    name: "void",
    submitKey: "void.submit",
    fields: [
      { name: "invoice", label: "invoice.id", value: inv.id, readonly: true, required: true },
      { name: "reason", label: "void.reason", type: "textarea", required: true },
    ],
    submit: (v) => submit("invoice", "void", { invoice: v.invoice, reason: v.reason }),
    onSuccess: (r) => txDone("void.done", r, () => {
      close();
      table.reload();
    }),
  }).el);
}
