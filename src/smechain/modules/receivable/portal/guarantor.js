// Guarantor views: holders' requests to guarantee a certificate for a fee; accepting co-signs the
// holder's proposal, and the fee moves to the guarantor in the same transaction.

import { get, post, checkTx, page } from "/static/api.js";
import { formatMoney } from "/static/money.js";
import { pagedTable } from "/static/table.js";
import { h, badge, panel, button, toast, formatTime } from "/static/ui.js";
import { txDone } from "/static/views/common.js";
import { showCertificate, shortCertId } from "./certificate.js";

/** Requests to guarantee, open by default, each accepted or declined here. */
export function guaranteesView() {
  const table = pagedTable({
    name: "guarantees",
    load: async (offset, limit, f) => {
      const all = page(await get("/v1/proposals", { role: "cosigner", status: f.status, limit: 200 }), 0, 200).items
        .filter((p) => p.contract === "receivable" && p.action === "guarantee");
      return page(all, offset, limit);
    },
    filters: [{ name: "status", key: "proposal.status", value: "open", options: [["open", "status.open"],
      ["", "common.all"], ["done", "status.done"], ["rejected", "status.rejected"], ["expired", "status.expired"],
      ["stale", "status.stale"], ["failed", "status.failed"]] }],
    empty: "guarantee.none",
    columns: [
      { key: "proposal.certificate", cell: (p) => h("a", { href: "#", class: "mono link", title: p.args.id,
        testid: `cert-link-${p.args.id}`, onclick: (e) => {
          e.preventDefault();
          showCertificate(p.args.id);
        } }, shortCertId(p.args.id)) },
      { key: "cert.holder", cell: (p) => p.sender_org },
      { key: "guarantee.fee", num: true, cell: (p) => formatMoney(p.args.fee) },
      { key: "proposal.status", cell: (p) => badge(p.status) },
      { key: "proposal.created", cell: (p) => formatTime(p.created_ms) },
      { key: "common.actions", cell: (p) => p.status !== "open" ? "" : h("div", { class: "actions" },
        button("guarantee.accept", (e) => decide(p, "sign", e.currentTarget, table), { kind: "primary",
          testid: "btn-accept-guarantee", action: "receivable.guarantee" }),
        button("guarantee.decline", (e) => decide(p, "reject", e.currentTarget, table), { kind: "danger",
          testid: "btn-decline-guarantee" })) },
    ],
  });
  return { el: panel(null, h("p", { class: "muted", i18n: "guarantee.intro" }), table.el), refresh: table.reload };
}

async function decide(p, verdict, btn, table) {
  btn.disabled = true;
  try {
    const r = checkTx(await post(`/v1/proposals/${encodeURIComponent(p.id)}/${verdict}`, {}));
    if (verdict === "sign") txDone("guarantee.accepted", r);
    else toast("guarantee.declined");
    table.reload();
  } catch (err) {
    toast(null, { text: err.message, kind: "error" });
    btn.disabled = false;
  }
}
