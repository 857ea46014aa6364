// Debt certificates as every view shows them: columns, the detail with its lineage, prices, maturities.

import { get } from "/static/api.js";
import { barChart } from "/static/charts.js";
import { lineageTree } from "/static/lineage.js";
import { formatAmount, formatMoney } from "/static/money.js";
import { h, badge, modal, keyValues, panel, daysUntil, fill } from "/static/ui.js";

/** The day-count conventions a sale may use: [value, message key] options, ACT/365F first (the default). */
export const DAY_COUNTS = [["ACT/365F", "day_count.act_365f"], ["ACT/360", "day_count.act_360"],
  ["30/360", "day_count.30_360"], ["ACT/ACT", "day_count.act_act"]];

/** The API's price of certificate `certId` sold at `discountRateBp` a year on `dayCount` (default ACT/365F). */
export const priceOf = (certId, discountRateBp, dayCount) =>
  get(`/v1/certificates/${encodeURIComponent(certId)}/price`,
    { discount_rate_bp: discountRateBp, day_count: dayCount || "ACT/365F" });

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
