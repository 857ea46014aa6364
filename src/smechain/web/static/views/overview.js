// The overview every organisation gets: the panels modules add to it (cash balances) and the
// transactions it may see.

import { t } from "../i18n.js";
import { h, panel, modal } from "../ui.js";
import { transactionsTable } from "./common.js";
import { transactionDetail } from "./regulator.js";

export function overviewView(ctx) {
  const panels = ctx.panels.map((make) => make(ctx));
  const txs = transactionsTable((hash) => modal("tx.title", () => transactionDetail(hash), { testid: "modal-tx", wide: true }));
  const roles = (ctx.me.org_roles || []).map((r) => t(`role.${r}`)).join(", ");
  const role = t(`user.role_${ctx.me.role}`);
  return {
    el: h("div", {},
      h("section", { class: "welcome" },
        h("h2", { i18n: "overview.welcome", params: { name: ctx.me.org_name || ctx.me.org } }),
        h("p", { class: "muted", i18n: "overview.roles", params: { roles, role } })),
      panels.map((p) => p.el), panel("overview.transactions", txs.el)),
    refresh: () => {
      for (const p of panels) p.refresh();
      txs.reload();
    },
  };
}
