// Pieces several views share: certificate columns and detail, balances, organisations, tx results.

import { get, txHashOf, page } from "../api.js";
import { barChart } from "../charts.js";
import { t } from "../i18n.js";
import { lineageTree } from "../lineage.js";
import { formatAmount, formatMoney } from "../money.js";
import { pagedTable } from "../table.js";
import { h, tr, badge, short, modal, keyValues, toast, formatTime, panel, button, daysUntil, fill } from "../ui.js";

let orgsCache = null;

/** Every organisation (public), fetched once per session. */
export async function orgs() {
  if (!orgsCache) {
    orgsCache = get("/v1/orgs", { limit: 200 }).then((d) => page(d).items).catch((err) => {
      orgsCache = null;
      throw err;
    });
  }
  return orgsCache;
}

export function forgetOrgs() {
  orgsCache = null;
}

const rolesOf = (o) => o.roles || o.org_roles || [];

/** Options [value, label, raw] for a select of organisations that pass `keep`. */
export async function orgOptions(keep = () => true, { blank = true } = {}) {
  let list = [];
  try {
    list = (await orgs()).filter(keep);
  } catch {
    list = [];
  }
  const opts = list.map((o) => [o.id, o.name ? `${o.id} — ${o.name}` : o.id, true]);
  return blank ? [["", t("form.choose"), true], ...opts] : opts;
}

export const hasRole = (role) => (o) => rolesOf(o).includes(role);
export const hasAnyRole = (...roles) => (o) => rolesOf(o).some((r) => roles.includes(r));

/** Toast a committed transaction and run `after` (reloads, closing a dialog…). */
export function txDone(key, result, after) {
  toast(key, { txHash: txHashOf(result) });
  if (after) after(result);
}

/** Columns of a certificate list; `extra` columns (actions) go last. */
export function certColumns(me, extra = []) {
  return [
    { key: "cert.id", cell: (c) => h("a", { href: `#/cert/${encodeURIComponent(c.id)}`, class: "mono link",
      testid: `cert-link-${c.id}`, title: c.id, onclick: (e) => {
        e.preventDefault();
        showCertificate(c.id, me);
      } }, shortCertId(c.id)) },
    { key: "cert.debtor", cell: (c) => c.debtor },
    { key: "cert.holder", cell: (c) => c.holder },
    { key: "cert.face", num: true, cell: (c) => formatMoney(c.face, c.currency) },
    { key: "cert.maturity", cell: (c) => maturityCell(c) },
    { key: "cert.status", cell: (c) => badge(c.status) },
    ...extra,
  ];
}

/** "3f9a0c…e1.2": the head of a certificate id and its part suffix. */
export function shortCertId(id) {
  const [head, ...rest] = String(id).split(".");
  const tail = rest.length ? `.${rest.join(".")}` : "";
  return head.length > 12 ? `${head.slice(0, 10)}…${tail}` : `${head}${tail}`;
}

function maturityCell(c) {
  if (!c.maturity) return "";
  const days = daysUntil(c.maturity);
  const live = c.status === "confirmed" || c.status === "requested";
  const note = !live ? null : days < 0
    ? h("span", { class: "due past", i18n: "cert.days_past", params: { n: -days } })
    : h("span", { class: "due", i18n: "cert.days_left", params: { n: days } });
  return h("span", {}, c.maturity, note ? " " : null, note);
}

/** The certificate detail dialog: its fields and the lineage tree from the root. */
export async function showCertificate(id) {
  const body = h("div", { class: "cert-detail", testid: "cert-detail" }, h("p", { class: "muted", i18n: "common.loading" }));
  modal("cert.detail_title", () => body, { testid: "modal-cert", wide: true });
  const render = async (certId) => {
    let data;
    try {
      data = await get(`/v1/certificates/${encodeURIComponent(certId)}`);
    } catch (err) {
      fill(body, h("div", { class: "form-error" }, err.message));
      return;
    }
    const c = data.certificate || data;
    const invoices = (c.invoices || []).map((b) => `${b.invoice ?? b[0]} (${formatAmount(b.amount ?? b[1])})`).join(", ");
    fill(body, 
      keyValues([
        ["cert.id", h("span", { class: "mono", testid: "cert-detail-id" }, c.id)],
        ["cert.status", badge(c.status)],
        ["cert.face", formatMoney(c.face, c.currency)],
        ["cert.maturity", c.maturity],
        ["cert.debtor", c.debtor],
        ["cert.supplier", c.supplier],
        ["cert.holder", c.holder],
        c.root && c.root !== c.id ? ["cert.root", h("span", { class: "mono" }, c.root)] : null,
        c.parent ? ["cert.parent", h("span", { class: "mono" }, c.parent)] : null,
        invoices ? ["cert.invoices", invoices] : null,
        c.recourse_to ? ["cert.recourse_to", c.recourse_to] : null,
        c.guarantor ? ["cert.guarantor", c.guarantor] : null,
      ]),
      h("h4", { i18n: "cert.lineage" }),
      h("p", { class: "muted small", i18n: "cert.lineage_hint" }),
      data.lineage
        ? h("div", { class: "lineage-wrap" }, lineageTree(data.lineage, { selected: c.id, currency: c.currency,
          onPick: (pick) => pick !== c.id && render(pick) }))
        : h("p", { class: "muted", i18n: "table.empty" }),
    );
  };
  await render(id);
}

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

/** Recent transactions the caller may see, newest first. */
export function transactionsTable(onOpen) {
  return pagedTable({
    name: "transactions",
    limit: 15,
    load: (offset, limit, f) => get("/v1/transactions", { offset, limit, contract: f.contract }),
    rowId: (x) => x.tx_hash || x.hash,
    filters: [{ name: "contract", key: "tx.contract", options: [["", "common.all"], ["cash", "contract.cash"],
      ["invoice", "contract.invoice"], ["receivable", "contract.receivable"], ["membership", "contract.membership"]] }],
    columns: [
      { key: "tx.hash", cell: (x) => onOpen
        ? h("a", { href: "#", class: "link mono", title: x.tx_hash || x.hash, onclick: (e) => {
          e.preventDefault();
          onOpen(x.tx_hash || x.hash);
        } }, `${String(x.tx_hash || x.hash).slice(0, 12)}…`)
        : short(x.tx_hash || x.hash, 12) },
      { key: "tx.height", num: true, cell: (x) => x.height ?? "" },
      { key: "tx.action", cell: (x) => `${x.contract ?? ""}.${x.action ?? ""}` },
      { key: "tx.sender", cell: (x) => x.sender_org ?? (x.signers || [])[0] ?? "" },
      { key: "tx.time", cell: (x) => formatTime(x.timestamp_ms) },
      { key: "tx.result", cell: (x) => resultBadge(x) },
    ],
  });
}

/** ok / the failure code of a transaction's receipt. */
export function resultBadge(x) {
  const r = x.receipt || x;
  if (r.ok === undefined) return "";
  return r.ok ? h("span", { class: "badge badge-confirmed", i18n: "tx.ok" })
    : h("span", { class: "badge badge-disputed", title: r.message || "" }, r.code || t("tx.failed"));
}

/** The holder's (or debtor's) amounts falling due per month, as bars. */
export function maturitiesChart(role, testid = "chart-maturities") {
  const box = h("div", { class: "chart-box" });
  const refresh = async () => {
    try {
      const data = await get("/v1/stats/maturities", { role });
      const rows = Array.isArray(data) ? data : (data && data.items) || [];
      fill(box, barChart(rows.map((r) => ({ label: r.month, value: r.amount, count: r.count })),
        { testid, titleKey: "chart.maturities", xLabelKey: "chart.month" }));
    } catch (err) {
      fill(box, h("div", { class: "form-error" }, err.message));
    }
  };
  refresh();
  return { el: panel("chart.maturities", box), refresh };
}

export { button };
