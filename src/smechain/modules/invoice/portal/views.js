// E-invoices in the portal: their columns and financing remainder (other modules' views show them too),
// and the tax authority's view: anchor an e-invoice from its file (UBL, CII or OFD), list and void invoices.

import { get, request, submit, checkTx, txHashOf } from "/static/api.js";
import { form } from "/static/form.js";
import { t } from "/static/i18n.js";
import { formatAmount, formatMoney } from "/static/money.js";
import { pagedTable } from "/static/table.js";
import { h, badge, modal, panel, button, keyValues, toast, fill } from "/static/ui.js";
import { offers, orgOptions, txDone } from "/static/views/common.js";

export function invoiceColumns(extra = []) {
  return [
    { key: "invoice.id", cell: (i) => h("span", { class: "mono", title: i.id },
      i.code ? `${i.code} ${i.number}` : i.number) },
    { key: "invoice.seller", cell: (i) => {
      const org = (i.financing && i.financing.seller_org) || i.seller_org;
      return h("span", { title: i.seller }, org || i.seller);
    } },
    { key: "invoice.buyer", cell: (i) => i.buyer_org ? `${i.buyer} (${i.buyer_org})` : i.buyer },
    { key: "invoice.issue_date", cell: (i) => i.issue_date },
    { key: "invoice.kind", cell: (i) => t(`kind.${i.kind || "invoice"}`) },
    { key: "invoice.total", num: true, cell: (i) => formatMoney(i.total_amount, i.currency) },
    { key: "invoice.amount_due", num: true, cell: (i) => formatAmount(commercial(i).amount_due) },
    { key: "invoice.financed", num: true, cell: (i) => {
      const c = commercial(i);
      return c.dilution > 0
        ? h("span", {}, formatAmount(c.financed), " ",
          h("span", { class: "badge badge-warn", "data-testid": "dilution", title: t("invoice.dilution_hint") },
            `${t("invoice.dilution")} ${formatAmount(c.dilution)}`))
        : formatAmount(c.financed);
    } },
    { key: "invoice.status", cell: (i) => badge(i.status) },
    ...extra,
  ];
}

const FINANCEABLE = new Set(["invoice", "self_billed", "prepayment"]);

/** The commercial invoice a document belongs to (amount due after credits, financed, dilution). */
export function commercial(inv) {
  if (!FINANCEABLE.has(inv.kind || "invoice")) return { amount_due: inv.amount_due ?? 0, financed: 0, dilution: 0 };
  const f = inv.financing || {};
  return { amount_due: f.amount_due ?? inv.amount_due ?? 0, financed: f.financed ?? inv.financed ?? 0,
    dilution: f.dilution ?? 0 };
}

/** What is left to finance: only a valid invoice with a buyer identifier can back a certificate. */
export function unfinanced(inv) {
  if (inv.status !== "valid" || !FINANCEABLE.has(inv.kind || "invoice") || !inv.buyer) return 0;
  const c = commercial(inv);
  return Math.max(0, c.amount_due - c.financed);
}


export function anchorView() {
  const outcome = h("div", { class: "anchor-result", testid: "anchor-result" });
  const table = pagedTable({
    name: "invoices",
    load: (offset, limit, f) => get("/v1/invoices", { offset, limit, status: f.status }),
    filters: [{ name: "status", key: "invoice.status", options: [["", "common.all"], ["valid", "status.valid"],
      ["voided", "status.voided"]] }],
    columns: invoiceColumns([{ key: "common.actions", cell: (inv) => offers(inv, "void")
      ? button("void.void", () => voidDialog(inv, table), { kind: "danger", testid: "btn-void", action: "invoice.void" })
      : "" }]),
  });
  const upload = form({
    name: "anchor",
    action: "invoice.anchor",
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
      registerPanel(), panel("view.anchored", table.el)),
    refresh: table.reload,
  };
}

/** Identifier schemes the tax authority registers, with the form of their values (the ledger checks
 * the rest, e.g. a USCC's or GLN's check character, and its refusal names the identifier). */
const SCHEMES = [
  ["USCC", /^[0-9A-Z]{18}$/], ["CN-TIN", /^(?:[0-9A-Z]{15}|[0-9A-Z]{17}|[0-9A-Z]{20})$/],
  ["VAT", /^[A-Z]{2}[0-9A-Z+*]{2,13}$/], ["TAX", /^(?=.*\d)[0-9A-Za-z][0-9A-Za-z/.\-]{1,39}$/],
  ["LEGAL", /^[\x21-\x7e]{1,80}$/], ["0088", /^\d{13}$/], ["EM", /^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$/],
];

/** Register that an organisation holds an identifier (USCC, VAT id, GLN…), so its invoices are its own. */
function registerPanel() {
  const outcome = h("div", { class: "anchor-result", testid: "register-result" });
  const f = form({
    name: "register-party",
    action: "invoice.register_party",
    submitKey: "party.submit",
    aliases: { identifier: "value" },
    fields: [
      { name: "org", label: "party.org", type: "select", required: true,
        options: () => orgOptions((o) => o.status === "active") },
      { name: "scheme", label: "party.scheme", type: "select", value: "USCC",
        options: SCHEMES.map(([s]) => [s, `scheme.${s}`]) },
      { name: "value", label: "party.value", required: true, hint: "party.value_hint",
        validate: (v, values) => {
          const rule = SCHEMES.find(([s]) => s === values.scheme);
          return rule && !rule[1].test(v) ? "err.identifier_format" : null;
        } },
    ],
    submit: (v) => submit("invoice", "register_party", { identifier: `${v.scheme}:${v.value}`, org: v.org }),
    onSuccess: (r, v) => txDone("party.done", r, () => {
      fill(outcome, keyValues([
        ["party.identifier", h("span", { class: "mono", testid: "registered-identifier" }, `${v.scheme}:${v.value}`)],
        ["party.org", v.org],
        ["tx.hash", h("span", { class: "mono" }, txHashOf(r))],
      ]));
      f.inputs.value.el.value = "";
    }),
  });
  return panel("party.title", h("p", { class: "muted", i18n: "party.intro" }), f.el, outcome);
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

/** A credit note lowered an invoice below what is financed: tell the holders at once. */
export function dilutedToast(event) {
  const a = event.attrs;
  toast(null, { kind: "error", text: t("invoice.diluted_toast", { id: a.commercial_invoice,
    dilution: formatAmount(a.dilution), due: formatAmount(a.amount_due) }) });
}
