// Customs declarations in the portal: customs imports WCO declaration files (a declaration, an
// amendment or a cancellation) and lists what it registered; an exporter or importer sees its own
// declarations, their value and status; regulators see all.

import { get, request, checkTx, txHashOf } from "/static/api.js";
import { form } from "/static/form.js";
import { t } from "/static/i18n.js";
import { pagedTable, staticTable } from "/static/table.js";
import { h, panel, button, keyValues, toast, fill, modal, formatTime, short } from "/static/ui.js";
import { hasAnyRole, offeredControls, orgOptions } from "/static/views/common.js";

/** ISO 4217 minor units where they are not 2 (as the importer reads amounts). */
const EXPONENTS = { BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0,
  UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0, BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4 };

/** An amount in minor units of `currency`, shown with the currency's decimals (exact, BigInt). */
export function declaredMoney(minor, currency) {
  if (minor === null || minor === undefined) return "";
  if (!currency) return t("customs.no_value");
  const digits = EXPONENTS[currency] ?? 2;
  const n = BigInt(minor);
  const unit = 10n ** BigInt(digits);
  const whole = (n / unit).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = digits ? `.${(n % unit).toString().padStart(digits, "0")}` : "";
  return `${whole}${frac} ${currency}`;
}

const statusBadge = (d) => h("span", { class: `badge badge-${d.status}`, testid: "declaration-status",
  i18n: `customs.status.${d.status}` });

function columns() {
  return [
    { key: "customs.mrn", cell: (d) => h("a", { href: `#/declaration/${encodeURIComponent(d.id)}`,
      class: "link mono", testid: "declaration-link" }, d.id) },
    { key: "customs.lrn", cell: (d) => h("span", { class: "mono" }, d.lrn) },
    { key: "customs.type", cell: (d) => `${d.type_code} · ${t(`customs.direction.${d.direction}`)}` },
    { key: "customs.trader", cell: (d) => d.exporter_org || d.importer_org },
    { key: "customs.goods", num: true, cell: (d) => d.goods_count },
    { key: "customs.value", num: true, cell: (d) => declaredMoney(d.value, d.currency) },
    { key: "customs.amended", cell: (d) => d.amended_at_ms ? formatTime(d.amended_at_ms) : "" },
    { key: "customs.status", cell: statusBadge },
  ];
}

function declarationTable(name, extra = []) {
  return pagedTable({
    name,
    load: (offset, limit, f) => get("/v1/customs/declarations", { offset, limit,
      status: f.status || undefined, direction: f.direction || undefined }),
    filters: [
      { name: "status", key: "customs.status", options: [["", "common.all"],
        ["registered", "customs.status.registered"], ["cancelled", "customs.status.cancelled"]] },
      { name: "direction", key: "customs.direction", options: [["", "common.all"],
        ["export", "customs.direction.export"], ["import", "customs.direction.import"]] },
    ],
    columns: [...columns(), ...extra],
  });
}

/** Send a WCO file to the import route; `fields` are its form fields (mrn, orgs, the expected action). */
async function importFile(file, fields) {
  const data = new FormData();
  data.append("file", file, file.name);
  for (const [name, value] of Object.entries(fields)) if (value) data.append(name, value);
  return checkTx(await request("POST", "/v1/customs/declarations/import", { form: data, query: { wait: "true" } }));
}

/** What a committed import did, as its event says: toast it, and show it in `outcome` when given. */
function imported(r, outcome) {
  const event = ((r && r.events) || []).find((e) => e.name.startsWith("Declaration")) || { name: "", attrs: {} };
  const a = event.attrs;
  toast(`customs.done.${event.name}`, { params: { id: a.id }, txHash: txHashOf(r) });
  if (outcome) {
    fill(outcome, keyValues([
      ["customs.mrn", h("span", { class: "mono", testid: "declaration-id" }, a.id || "")],
      ["customs.action", t(`customs.event.${event.name}`)],
      a.value !== undefined ? ["customs.value", declaredMoney(a.value, a.currency)] : null,
      ["tx.hash", h("span", { class: "mono" }, txHashOf(r))],
    ]));
  }
}

/** Customs imports the amendment or the cancellation of declaration `d` from its file. */
function followUpDialog(d, action, table) {
  modal(`customs.${action}_title`, (close) => form({
    name: `declaration-${action}`,
    action: `customs.${action}`,
    submitKey: `customs.${action}_submit`,
    fields: [
      { name: "mrn", label: "customs.mrn", value: d.id, readonly: true, required: true },
      { name: "file", label: "customs.file", type: "file", required: true, accept: ".xml,application/xml,text/xml",
        hint: `customs.${action}_hint` },
    ],
    submit: (v) => importFile(v.file, { mrn: v.mrn, action }),
    onSuccess: (r) => {
      imported(r);
      close();
      table.reload();
    },
  }).el);
}

/** Customs: import a WCO DEC-DMS file and see the declarations it registered, amend or cancel them
 * from their follow-up files. */
export function customsView() {
  const outcome = h("div", { class: "anchor-result", testid: "declaration-result" });
  const table = declarationTable("customs-declarations", [{ key: "common.actions", cell: (d) => offeredControls(d, [
    ["amend", () => button("customs.amend", () => followUpDialog(d, "amend", table),
      { testid: "btn-amend", action: "customs.amend" })],
    ["cancel", () => button("customs.cancel", () => followUpDialog(d, "cancel", table),
      { kind: "danger", testid: "btn-cancel", action: "customs.cancel" })],
  ]) }]);
  const traders = () => orgOptions((o) => o.status === "active" && hasAnyRole("sme", "core_enterprise")(o));
  const upload = form({
    name: "declaration-import",
    // A file is a declaration, an amendment or a cancellation: the server reads which.
    action: "customs.register",
    submitKey: "customs.import_submit",
    fields: [
      { name: "file", label: "customs.file", type: "file", required: true, accept: ".xml,application/xml,text/xml",
        hint: "customs.file_hint" },
      { name: "mrn", label: "customs.mrn", hint: "customs.mrn_hint" },
      { name: "exporter_org", label: "customs.exporter_org", type: "select", options: traders },
      { name: "importer_org", label: "customs.importer_org", type: "select", options: traders },
    ],
    submit: (v) => importFile(v.file, { mrn: v.mrn, exporter_org: v.exporter_org, importer_org: v.importer_org }),
    onSuccess: (r) => {
      imported(r, outcome);
      upload.reset();
      table.first();
    },
  });
  return {
    el: h("div", {}, panel("customs.import_title", h("p", { class: "muted", i18n: "customs.import_intro" }),
      upload.el, outcome), panel("customs.registered", table.el)),
    refresh: table.reload,
  };
}

/** An exporter or importer: its declarations as customs registered them. */
export function traderView() {
  const table = declarationTable("my-declarations");
  return { el: panel("customs.mine", h("p", { class: "muted", i18n: "customs.mine_intro" }), table.el),
    refresh: table.reload };
}

/** Regulators: every declaration. */
export function regulatorView() {
  const table = declarationTable("all-declarations");
  return { el: panel("customs.all", table.el), refresh: table.reload };
}

/** One declaration: parties, value, goods items, amendments and cancellation. */
export async function showDeclaration(mrn) {
  const body = h("div", { testid: "declaration-detail" }, h("p", { class: "muted", i18n: "common.loading" }));
  modal("customs.declaration", () => body, { testid: "modal-declaration", wide: true });
  try {
    fill(body, detail(await get(`/v1/customs/declarations/${encodeURIComponent(mrn)}`)));
  } catch (err) {
    fill(body, h("div", { class: "form-error" }, err.message));
  }
}

function detail(d) {
  const money = (amount, currency) => (amount === null || amount === undefined ? "" : declaredMoney(amount, currency));
  const amendments = d.amendments || [];
  return h("div", {},
    keyValues([
      ["customs.mrn", h("span", { class: "mono" }, d.id)],
      ["customs.lrn", h("span", { class: "mono" }, d.lrn)],
      ["customs.type", `${d.type_code} · ${t(`customs.direction.${d.direction}`)}`],
      ["customs.procedures", (d.procedure_codes || []).join(", ")],
      ["customs.declarant", d.declarant],
      d.exporter || d.exporter_org ? ["customs.exporter", `${d.exporter || "—"} (${d.exporter_org || "—"})`] : null,
      d.importer || d.importer_org ? ["customs.importer", `${d.importer || "—"} (${d.importer_org || "—"})`] : null,
      ["customs.office", d.customs],
      ["customs.value", `${declaredMoney(d.value, d.currency)} (${t(`customs.basis.${d.value_basis}`)})`],
      ["customs.unlent", declaredMoney(d.unlent_value, d.currency)],
      ["customs.status", statusBadge(d)],
      ["customs.registered_at", formatTime(d.registered_at_ms)],
      ["customs.digest", h("span", { class: "mono", title: d.digest }, short(d.digest, 16))],
    ]),
    h("h4", { i18n: "customs.goods_items" }),
    staticTable("declaration-goods", [
      { key: "customs.sequence", num: true, cell: (g) => g.sequence },
      { key: "customs.commodity", cell: (g) => h("span", { class: "mono" }, g.commodity_code) },
      { key: "customs.procedure", cell: (g) => g.procedure },
      { key: "customs.net_mass", num: true, cell: (g) => g.net_mass },
      { key: "customs.item_price", num: true, cell: (g) => money(g.item_price, g.item_currency) },
      { key: "customs.statistical", num: true, cell: (g) => money(g.statistical_value, g.statistical_currency) },
    ], d.goods_items, (g) => String(g.sequence)),
    amendments.length ? h("h4", { i18n: "customs.amendments" }) : "",
    amendments.length ? staticTable("declaration-amendments", [
      { key: "customs.amended", cell: (a) => formatTime(a.at_ms) },
      { key: "customs.value_before", num: true, cell: (a) => declaredMoney(a.value_before, a.currency) },
      { key: "customs.value", num: true, cell: (a) => declaredMoney(a.value, a.currency) },
      { key: "customs.goods", num: true, cell: (a) => a.goods_count },
      { key: "customs.reasons", cell: (a) => (a.change_reasons || []).join(", ") },
    ], amendments, (a) => a.digest) : "",
    d.cancellation ? keyValues([["customs.cancelled_at", formatTime(d.cancellation.at_ms)],
      ["customs.reason", d.cancellation.reason]]) : "");
}
