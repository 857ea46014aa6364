// Organisation administration: users, API keys for systems, and the audit trail.

import { get, post, patch, del } from "../api.js";
import { form } from "../form.js";
import { pagedTable } from "../table.js";
import { h, modal, panel, button, toast, formatTime, badge, short, fill } from "../ui.js";

const ROLES = [["viewer", "user.role_viewer"], ["operator", "user.role_operator"], ["admin", "user.role_admin"]];

export function usersView(ctx) {
  const table = pagedTable({
    name: "users",
    rowId: (u) => u.username,
    load: (offset, limit) => get("/v1/users", { offset, limit }),
    columns: [
      { key: "user.username", cell: (u) => u.username },
      { key: "user.role", cell: (u) => {
        const sel = h("select", { testid: `role-${u.username}`, disabled: u.username === ctx.me.username,
          onchange: () => change(u, { role: sel.value }, "user.role_changed") },
        ROLES.map(([v, key]) => {
          const o = h("option", { value: v, i18n: key });
          if (v === u.role) o.selected = true;
          return o;
        }));
        return sel;
      } },
      { key: "user.state", cell: (u) => badge(u.disabled ? "disabled" : "active") },
      { key: "common.created", cell: (u) => formatTime(u.created_ms ?? u.created_at) },
      { key: "common.actions", cell: (u) => h("div", { class: "actions" },
        u.username === ctx.me.username ? null : button(u.disabled ? "user.enable" : "user.disable",
          () => change(u, { disabled: !u.disabled }, u.disabled ? "user.enabled" : "user.disabled_done"),
          { testid: "btn-toggle-user" }),
        button("user.reset_password", () => passwordDialog(u), { testid: "btn-reset-password" })) },
    ],
  });
  async function change(u, body, doneKey) {
    try {
      await patch(`/v1/users/${encodeURIComponent(u.username)}`, body);
      toast(doneKey, { params: { user: u.username } });
    } catch (err) {
      toast(null, { text: err.message, kind: "error" });
    }
    table.reload();
  }
  const create = form({
    name: "user",
    // A new user gets a signing key its organisation enrols on the ledger.
    action: "membership.enrol_key",
    submitKey: "user.create",
    layout: "inline",
    fields: [
      { name: "username", label: "user.username", required: true },
      { name: "password", label: "user.password", type: "password", required: true, minLength: 8, autocomplete: "new-password" },
      { name: "role", label: "user.role", type: "select", value: "viewer", options: ROLES },
    ],
    submit: (v) => post("/v1/users", v),
    onSuccess: (_r, v) => {
      toast("user.created", { params: { user: v.username } });
      create.reset();
      table.reload();
    },
  });
  return { el: h("div", {}, panel("user.new", create.el), panel("user.list", table.el)), refresh: table.reload };
}

function passwordDialog(u) {
  modal("user.reset_password", (close) => form({
    name: "password",
    submitKey: "form.save",
    fields: [
      { name: "username", label: "user.username", value: u.username, readonly: true },
      { name: "password", label: "user.password", type: "password", required: true, minLength: 8, autocomplete: "new-password" },
    ],
    submit: (v) => patch(`/v1/users/${encodeURIComponent(u.username)}`, { password: v.password }),
    onSuccess: () => {
      toast("user.password_changed", { params: { user: u.username } });
      close();
    },
  }).el);
}

export function apiKeysView() {
  const secretBox = h("div", { class: "secret-box", hidden: true, testid: "apikey-secret-box" });
  const table = pagedTable({
    name: "apikeys",
    rowId: (k) => k.key_id,
    load: (offset, limit) => get("/v1/api-keys", { offset, limit }),
    columns: [
      { key: "apikey.name", cell: (k) => k.name },
      { key: "apikey.key_id", cell: (k) => short(k.key_id, 12) },
      { key: "user.role", cell: (k) => h("span", { i18n: `user.role_${k.role}` }) },
      { key: "common.created", cell: (k) => formatTime(k.created_ms ?? k.created_at) },
      { key: "user.state", cell: (k) => badge(k.revoked ? "revoked" : "active") },
      { key: "common.actions", cell: (k) => k.revoked ? "" : button("apikey.delete", () => modal("apikey.delete_title", (close) =>
        h("div", {}, h("p", { i18n: "apikey.delete_confirm", params: { name: k.name } }),
          h("div", { class: "form-actions" }, button("apikey.delete", async () => {
            try {
              await del(`/v1/api-keys/${encodeURIComponent(k.key_id)}`);
              toast("apikey.deleted", { params: { name: k.name } });
            } catch (err) {
              toast(null, { text: err.message, kind: "error" });
            }
            close();
            table.reload();
          }, { kind: "danger", testid: "confirm-delete", small: false })))), { kind: "danger", testid: "btn-delete-key" }) },
    ],
  });
  const create = form({
    name: "apikey",
    action: "membership.enrol_key",
    submitKey: "apikey.create",
    layout: "inline",
    fields: [
      { name: "name", label: "apikey.name", required: true },
      { name: "role", label: "user.role", type: "select", value: "operator", options: ROLES },
    ],
    submit: (v) => post("/v1/api-keys", v),
    onSuccess: (r) => {
      fill(secretBox, h("p", { i18n: "apikey.secret_once" }),
        h("code", { class: "mono wrap", testid: "apikey-secret" }, r.secret),
        h("p", { class: "small muted" }, `key_id: ${r.key_id}`));
      secretBox.hidden = false;
      create.reset();
      table.reload();
    },
  });
  return { el: h("div", {}, panel("apikey.new", create.el, secretBox), panel("apikey.list", table.el)),
    refresh: table.reload };
}

/** Every state-changing call: who, when, what, outcome. */
export function auditView() {
  const table = pagedTable({
    name: "audit",
    rowId: (a) => a.id,
    load: (offset, limit) => get("/v1/audit", { offset, limit }),
    columns: [
      { key: "tx.time", cell: (a) => formatTime(a.ts_ms ?? a.timestamp_ms) },
      { key: "audit.who", cell: (a) => [a.org, a.actor].filter(Boolean).join(" / ") },
      { key: "audit.what", cell: (a) => h("span", { class: "mono small" }, `${a.method ?? ""} ${a.path ?? ""}`) },
      { key: "audit.detail", cell: (a) => h("span", { class: "small wrap" }, a.detail ?? "") },
      { key: "audit.outcome", cell: (a) => h("span", {
        class: `badge ${Number(a.status) >= 400 ? "badge-disputed" : "badge-confirmed"}` }, String(a.status ?? "")) },
    ],
  });
  return { el: panel(null, table.el), refresh: table.reload };
}
