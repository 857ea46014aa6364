// Pieces the views of every module share: organisations, transaction results, the transactions table.

import { get, txHashOf, page } from "../api.js";
import { t } from "../i18n.js";
import { getManifest } from "../portal.js";
import { pagedTable } from "../table.js";
import { h, short, toast, formatTime, button } from "../ui.js";

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

/** Whether the API offers the signed-in organisation `action` on `obj` now: `obj.actions`, which the API
 * reads from the contract's declaration (status, party, roles; `core.transitions.offered`). */
export const offers = (obj, action) => Array.isArray(obj && obj.actions) && obj.actions.includes(action);

/** A row's action controls, `[[action, make]]` in order, for the actions the API offers on `obj` (`offers`);
 * `make()` may still return null for a reason the declaration cannot know. "" when none is left. */
export function offeredControls(obj, controls) {
  const els = controls.filter(([action]) => offers(obj, action)).map(([, make]) => make()).filter(Boolean);
  return els.length ? h("div", { class: "actions" }, ...els) : "";
}

/** Toast a committed transaction and run `after` (reloads, closing a dialog…). */
export function txDone(key, result, after) {
  toast(key, { txHash: txHashOf(result) });
  if (after) after(result);
}

/** Recent transactions the caller may see, newest first. */
export function transactionsTable(onOpen) {
  return pagedTable({
    name: "transactions",
    limit: 15,
    load: (offset, limit, f) => get("/v1/transactions", { offset, limit, contract: f.contract }),
    rowId: (x) => x.tx_hash || x.hash,
    filters: [{ name: "contract", key: "tx.contract",
      options: [["", "common.all"], ...getManifest().modules.map((m) => [m.name, m.key])] }],
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

export { button };
