// Core enterprise views: confirm or dispute requested certificates; outstanding debts and settling them.

import { get, submit } from "/static/api.js";
import { form } from "/static/form.js";
import { pagedTable } from "/static/table.js";
import { h, modal, panel, button, daysUntil, toast } from "/static/ui.js";
import { offeredControls, offers, txDone } from "/static/views/common.js";
import { certColumns, maturitiesChart } from "./certificate.js";

/** Certificates my suppliers asked me to confirm. */
export function confirmView(ctx) {
  const table = pagedTable({
    name: "requested",
    load: (offset, limit) => get("/v1/certificates", { role: "debtor", status: "requested", offset, limit }),
    columns: certColumns(ctx.me, [
      { key: "cert.supplier", cell: (c) => c.supplier },
      { key: "common.actions", cell: (c) => offeredControls(c, [
        ["confirm", () => button("confirm.confirm", (e) => confirmOne(c, e.currentTarget, table), { kind: "primary",
          testid: "btn-confirm", action: "receivable.confirm" })],
        ["dispute", () => button("confirm.dispute", () => disputeDialog(c, table), { kind: "danger",
          testid: "btn-dispute", action: "receivable.dispute" })],
      ]) },
    ]),
    empty: "confirm.none",
  });
  return { el: panel(null, h("p", { class: "muted", i18n: "confirm.intro" }), table.el),
    refresh: table.reload };
}

async function confirmOne(c, btn, table) {
  btn.disabled = true;
  try {
    txDone("confirm.done", await submit("receivable", "confirm", { id: c.id }), () => table.reload());
  } catch (err) {
    toast(null, { text: err.message, kind: "error" });
    btn.disabled = false;
  }
}

function disputeDialog(c, table) {
  modal("dispute.title", (close) => form({
    name: "dispute",
    submitKey: "dispute.submit",
    fields: [
      { name: "id", label: "cert.id", value: c.id, readonly: true, required: true },
      { name: "reason", label: "dispute.reason", type: "textarea", required: true },
    ],
    submit: (v) => submit("receivable", "dispute", { id: v.id, reason: v.reason }),
    onSuccess: (r) => txDone("dispute.done", r, () => {
      close();
      table.reload();
    }),
  }).el);
}

/** What I owe, by month, and the certificates I can settle now (from maturity on). */
export function outstandingView(ctx) {
  const chart = maturitiesChart("debtor");
  const table = pagedTable({
    name: "outstanding",
    load: (offset, limit, f) => get("/v1/certificates", { role: "debtor", status: f.status, offset, limit }),
    filters: [{ name: "status", key: "cert.status", value: "confirmed",
      options: [["confirmed", "status.confirmed"], ["overdue", "status.overdue"], ["settled", "status.settled"]] }],
    columns: certColumns(ctx.me, [{ key: "common.actions", cell: (c) => {
      if (!offers(c, "settle")) return "";
      // Settling works from maturity on, a rule of the handler the declaration does not state.
      const due = daysUntil(c.maturity) <= 0;
      const b = button("settle.settle", (e) => settleOne(c, e.currentTarget, table),
        { kind: due ? "primary" : "secondary", testid: "btn-settle", action: "receivable.settle", disabled: !due });
      if (!due) b.dataset.i18nTitle = "settle.not_due";
      return b;
    } }]),
  });
  return { el: h("div", {}, chart.el, panel("outstanding.list", h("p", { class: "muted", i18n: "settle.intro" }), table.el)),
    refresh: () => {
      chart.refresh();
      table.reload();
    } };
}

async function settleOne(c, btn, table) {
  btn.disabled = true;
  try {
    txDone("settle.done", await submit("receivable", "settle", { id: c.id }), () => table.reload());
  } catch (err) {
    toast(null, { text: err.message, kind: "error" });
    btn.disabled = false;
  }
}
