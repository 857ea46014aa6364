// Digital cash in the portal: the organisation's balances, a panel of the overview.

import { get } from "/static/api.js";
import { formatAmount } from "/static/money.js";
import { h, tr, panel, fill } from "/static/ui.js";

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
