// Membership in the portal: governance (propose to admit, suspend, readmit or re-key an organisation, and
// vote on the open proposals) and the organisation's signing keys on the ledger (revoke one).
//
// The contract counts a governed action's votes as the admin signatures of distinct governing
// organisations on one transaction, the proposer's included. A proposal names the co-signers whose votes
// it needs; the peer signs and submits the transaction when the last of them votes for it, and the ledger
// refuses it, naming the governing organisations, when too few of them signed.

import { get, post, page, submit } from "/static/api.js";
import { form } from "/static/form.js";
import { t } from "/static/i18n.js";
import { pagedTable } from "/static/table.js";
import { h, badge, modal, panel, button, toast, short, formatTime } from "/static/ui.js";
import { orgs, forgetOrgs, txDone } from "/static/views/common.js";

const ORG_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const ROLES = ["sme", "core_enterprise", "bank", "factor", "guarantor", "tax_authority", "regulator", "cash_issuer"];
const GOVERNED = ["add_org", "suspend_org", "readmit_org", "rekey_org"];
/** A quorum refusal is led by the action's name ("suspend_org: needs the admin signatures of 2 …"): it
 * is about who co-signs. */
const QUORUM_ALIASES = Object.fromEntries([...GOVERNED.map((a) => [a, "cosigners"]), ["signers", "cosigners"]]);

const hexKey = (v) => (HEX.test(v) ? null : "err.hex_key");

/** The other active organisations, as co-signer choices. */
const cosignerOptions = (me) => async () => {
  let list = [];
  try {
    list = await orgs();
  } catch {
    list = [];
  }
  return list.filter((o) => o.id !== me && o.status === "active").map((o) => [o.id, `${o.id} — ${o.name}`, true]);
};

const cosignersField = (me) => ({ name: "cosigners", label: "gov.cosigners", type: "checks", required: true,
  hint: "gov.cosigners_hint", options: cosignerOptions(me) });

/** Open a governance proposal; answers the proposal. */
const propose = (action, args, cosigners) =>
  post("/v1/proposals", { contract: "membership", action, args, cosigners });

function proposed(r, after) {
  toast("gov.proposed", { params: { id: (r && r.id) || "" } });
  if (after) after(r);
}

/** Governance: the organisations, a proposal to admit one, and the votes open to the caller. */
export function governanceView(ctx) {
  const me = ctx.me.org;
  const votes = pagedTable({
    name: "votes",
    limit: 10,
    load: async (offset, limit, f) => {
      const all = page(await get("/v1/proposals", { status: f.status, limit: 200 }), 0, 200).items
        .filter((p) => p.contract === "membership");
      return { items: all.slice(offset, offset + limit), total: all.length, offset, limit };
    },
    filters: [{ name: "status", key: "gov.state", value: "open", options: [["open", "status.open"],
      ["", "common.all"], ["done", "status.done"], ["rejected", "status.rejected"], ["expired", "status.expired"],
      ["failed", "status.failed"]] }],
    columns: [
      { key: "gov.proposal", cell: (p) => short(p.id, 10) },
      { key: "gov.action", cell: (p) => h("span", { i18n: `gov.action_${p.action}` }) },
      { key: "gov.org", cell: (p) => (p.args && (p.args.org || p.args.id)) || "" },
      { key: "gov.proposer", cell: (p) => p.sender_org },
      { key: "gov.votes", cell: (p) => h("span", { testid: "votes", title: (p.signers || []).join(", ") },
        t("gov.votes_of", { n: 1 + (p.signed_by || []).length, of: (p.signers || []).length })) },
      { key: "gov.state", cell: (p) => badge(p.status) },
      { key: "gov.created", cell: (p) => formatTime(p.created_ms) },
      { key: "common.actions", cell: (p) => voteButtons(p, me, votes, refreshOrgs) },
    ],
  });
  const orgTable = pagedTable({
    name: "orgs",
    limit: 50,
    load: async (offset, limit) => {
      forgetOrgs();
      return page(await orgs(), offset, limit);
    },
    columns: [
      { key: "gov.org", cell: (o) => o.id },
      { key: "gov.name", cell: (o) => o.name },
      { key: "gov.roles", cell: (o) => (o.roles || []).map((r) => t(`role.${r}`)).join(", ") },
      { key: "gov.status", cell: (o) => badge(o.status) },
      { key: "gov.admin_key", cell: (o) => short(o.admin_key, 12) },
      { key: "common.actions", cell: (o) => h("div", { class: "actions" },
        o.id !== me && o.status === "active"
          ? button("gov.suspend", () => statusDialog("suspend_org", o, me, votes), { kind: "danger",
            testid: "btn-suspend", action: "membership.suspend_org" }) : null,
        o.status === "suspended"
          ? button("gov.readmit", () => statusDialog("readmit_org", o, me, votes), { testid: "btn-readmit",
            action: "membership.readmit_org" }) : null,
        button("gov.rekey", () => rekeyDialog(o, me, votes), { testid: "btn-rekey",
          action: "membership.rekey_org" })) },
    ],
  });
  function refreshOrgs() {
    orgTable.reload();
  }
  const admit = form({
    name: "add-org",
    action: "membership.add_org",
    submitKey: "gov.propose",
    aliases: QUORUM_ALIASES,
    fields: [
      { name: "id", label: "gov.org", required: true, placeholder: "factor-y",
        validate: (v) => (ORG_ID.test(v) ? null : "err.org_id") },
      { name: "name", label: "gov.name", required: true },
      { name: "roles", label: "gov.roles", type: "checks", required: true,
        options: ROLES.map((r) => [r, `role.${r}`]) },
      { name: "admin_key", label: "gov.admin_key", required: true, hint: "gov.admin_key_hint", validate: hexKey },
      cosignersField(me),
    ],
    submit: (v) => propose("add_org", { id: v.id, name: v.name, roles: v.roles, admin_key: v.admin_key.toLowerCase() },
      v.cosigners),
    onSuccess: (r) => proposed(r, () => {
      admit.reset();
      votes.reload();
    }),
  });
  return {
    el: h("div", {},
      panel("gov.votes_title", h("p", { class: "muted", i18n: "gov.intro" }), votes.el),
      panel("gov.orgs_title", orgTable.el),
      panel("gov.add_title", admit.el)),
    refresh: () => {
      votes.reload();
      orgTable.reload();
    },
  };
}

/** Vote for (sign) or against (reject) a proposal the caller co-signs; its sender may withdraw it. */
function voteButtons(p, me, votes, refreshOrgs) {
  if (p.status !== "open") return "";
  const mine = (p.cosigners || []).includes(me) && !(p.signed_by || []).includes(me);
  const act = async (btn, path, done) => {
    btn.disabled = true;
    try {
      const r = await post(`/v1/proposals/${encodeURIComponent(p.id)}/${path}`);
      if (path === "sign" && r.result) txDone(done, r.result);
      else toast(done);
      votes.reload();
      refreshOrgs();
    } catch (err) {
      toast(null, { text: err.message, kind: "error" });
      btn.disabled = false;
    }
  };
  return h("div", { class: "actions" },
    mine ? button("gov.vote_for", (e) => act(e.currentTarget, "sign",
      (p.signed_by || []).length + 1 === (p.cosigners || []).length ? "gov.carried" : "gov.voted"),
    { kind: "primary", testid: "btn-vote-for", action: `membership.${p.action}` }) : null,
    mine ? button("gov.vote_against", (e) => act(e.currentTarget, "reject", "gov.rejected"),
      { kind: "danger", testid: "btn-vote-against" }) : null,
    p.sender_org === me ? button("gov.withdraw", (e) => act(e.currentTarget, "reject", "gov.withdrawn"),
      { testid: "btn-withdraw" }) : null);
}

function statusDialog(action, o, me, votes) {
  modal(`gov.action_${action}`, (close) => form({
    name: action.replace("_", "-"),
    action: `membership.${action}`,
    submitKey: "gov.propose",
    aliases: QUORUM_ALIASES,
    fields: [{ name: "org", label: "gov.org", value: o.id, readonly: true, required: true }, cosignersField(me)],
    submit: (v) => propose(action, { org: v.org }, v.cosigners),
    onSuccess: (r) => proposed(r, () => {
      close();
      votes.reload();
    }),
  }).el);
}

function rekeyDialog(o, me, votes) {
  modal("gov.action_rekey_org", (close) => form({
    name: "rekey-org",
    action: "membership.rekey_org",
    submitKey: "gov.propose",
    aliases: QUORUM_ALIASES,
    fields: [
      { name: "org", label: "gov.org", value: o.id, readonly: true, required: true },
      { name: "admin_key", label: "gov.new_admin_key", required: true, hint: "gov.admin_key_hint", validate: hexKey },
      cosignersField(me),
    ],
    submit: (v) => propose("rekey_org", { org: v.org, admin_key: v.admin_key.toLowerCase() }, v.cosigners),
    onSuccess: (r) => proposed(r, () => {
      close();
      votes.reload();
    }),
  }).el);
}

// ---------------------------------------------------------------- signing keys

/** The organisation's user keys as its membership transactions enrolled and revoked them. */
async function ledgerKeys(me) {
  const txs = page(await get("/v1/transactions", { contract: "membership", limit: 200 }), 0, 200).items
    .filter((x) => x.sender_org === me && x.ok !== false && (x.action === "enrol_key" || x.action === "revoke_key"));
  const details = await Promise.all(txs.map((x) => get(`/v1/transactions/${x.tx_hash}`)));
  const keys = new Map();
  for (const d of details.sort((a, b) => a.height - b.height || a.index - b.index)) {
    for (const e of (d.receipt && d.receipt.events) || []) {
      if (e.name === "KeyEnrolled") keys.set(e.attrs.key, { key: e.attrs.key, name: e.attrs.name, height: d.height });
      if (e.name === "KeyRevoked" && keys.has(e.attrs.key)) keys.get(e.attrs.key).revoked_at = e.attrs.at_height;
    }
  }
  return [...keys.values()].reverse();
}

/** The organisation's enrolled signing keys; its admin revokes one from a height on. */
export function keysView(ctx) {
  const me = ctx.me.org;
  const table = pagedTable({
    name: "keys",
    rowId: (k) => k.key,
    load: async (offset, limit) => page(await ledgerKeys(me), offset, limit),
    columns: [
      { key: "keys.name", cell: (k) => k.name },
      { key: "keys.public_key", cell: (k) => short(k.key, 16) },
      { key: "keys.enrolled", num: true, cell: (k) => String(k.height) },
      { key: "keys.state", cell: (k) => k.revoked_at
        ? h("span", {}, badge("revoked"), " ", h("span", { class: "small muted", i18n: "keys.from_height",
          params: { n: k.revoked_at } }))
        : badge("active") },
      { key: "common.actions", cell: (k) => k.revoked_at ? "" : button("keys.revoke", () => revokeDialog(k, table),
        { kind: "danger", testid: "btn-revoke-key", action: "membership.revoke_key" }) },
    ],
  });
  return { el: panel(null, h("p", { class: "muted", i18n: "keys.intro" }), table.el), refresh: table.reload };
}

function revokeDialog(k, table) {
  modal("keys.revoke_title", (close) => form({
    name: "revoke-key",
    action: "membership.revoke_key",
    submitKey: "keys.revoke",
    fields: [
      { name: "name", label: "keys.name", value: k.name, readonly: true },
      { name: "public_key", label: "keys.public_key", value: k.key, readonly: true, required: true },
      { name: "at_height", label: "keys.at_height", type: "number", hint: "keys.at_height_hint" },
    ],
    submit: (v) => submit("membership", "revoke_key", { public_key: v.public_key,
      at_height: v.at_height === "" ? 0 : v.at_height }),
    onSuccess: (r) => txDone("keys.revoked", r, () => {
      close();
      table.reload();
    }),
  }).el);
}
