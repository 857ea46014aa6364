// Small DOM building blocks: elements, translated labels, toast, modal, badges, key-value lists.

import { t } from "./i18n.js";

/**
 * h("button", {class: "btn", testid: "login-submit", onclick}, "text", child…)
 * Props: class, testid, i18n (a key: the text follows the language), title, dataset, on…, others as attributes.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "testid") el.dataset.testid = v;
    else if (k === "i18n") setI18n(el, v, props.params);
    else if (k === "params") continue;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "value") el.value = v;
    else if (k === "checked" || k === "disabled" || k === "readOnly" || k === "hidden") el[k] = Boolean(v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** An element whose text is the translation of `key` and changes with the language. */
export function setI18n(el, key, params) {
  el.dataset.i18n = key;
  if (params) el.dataset.i18nParams = JSON.stringify(params);
  else delete el.dataset.i18nParams;
  el.textContent = t(key, params);
}

/** A text span translated from `key`. */
export const tr = (key, params) => h("span", { i18n: key, params });

/** Re-translate every labelled element below `root`. */
export function translateAll(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) {
    const params = el.dataset.i18nParams ? JSON.parse(el.dataset.i18nParams) : undefined;
    el.textContent = t(el.dataset.i18n, params);
  }
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll("[data-i18n-title]")) {
    el.title = t(el.dataset.i18nTitle);
  }
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** Replace what `el` holds with `children` (nodes, strings; null and false are skipped). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A status badge, coloured by status, translated. */
export function badge(status) {
  const key = `status.${status}`;
  const label = t(key);
  return h("span", { class: `badge badge-${status}`, i18n: label === key ? undefined : key },
    label === key ? status : null);
}

/** Shorten a hash or id for tables; the full value stays in the title. */
export function short(value, n = 10) {
  const s = String(value ?? "");
  if (s.length <= n + 2) return h("span", { class: "mono" }, s);
  return h("span", { class: "mono", title: s }, `${s.slice(0, n)}…`);
}

export function formatTime(ms) {
  if (ms === null || ms === undefined || ms === "") return "";
  const d = new Date(Number(ms));
  if (Number.isNaN(d.getTime())) return String(ms);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Today's UTC date, YYYY-MM-DD: ledger days are UTC days of block time. */
export function todayUtc() {
  return new Date().toISOString().slice(0, 10);
}

/** Days from today (UTC) to a YYYY-MM-DD date; negative when past. */
export function daysUntil(date) {
  const target = Date.parse(`${date}T00:00:00Z`);
  const today = Date.parse(`${todayUtc()}T00:00:00Z`);
  return Math.round((target - today) / 86_400_000);
}

let toastTimer = null;

/** One toast at a time (data-testid="toast"): a message and, for transactions, the tx hash. */
export function toast(key, { params, txHash, kind = "ok", text } = {}) {
  const el = document.querySelector("[data-testid=toast]");
  clear(el);
  el.className = `toast toast-${kind} show`;
  el.append(text !== undefined ? h("span", {}, text) : tr(key, params));
  if (txHash) {
    el.append(h("div", { class: "toast-hash" }, tr("toast.tx_hash"), " ",
      h("span", { class: "mono", testid: "toast-tx-hash" }, txHash)));
  }
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove("show"), 8000);
}

/** A modal dialog; answers {el, close}. The body is built by `build(close)`. */
export function modal(titleKey, build, { testid = "modal", wide = false, params } = {}) {
  const backdrop = h("div", { class: "modal-backdrop" });
  const close = () => {
    backdrop.remove();
    document.removeEventListener("keydown", onKey);
  };
  const onKey = (e) => {
    if (e.key === "Escape") close();
  };
  const box = h("div", { class: wide ? "modal wide" : "modal", role: "dialog", "aria-modal": "true", testid },
    h("div", { class: "modal-head" },
      h("h3", { i18n: titleKey, params }),
      h("button", { class: "icon-btn", type: "button", testid: "modal-close", "aria-label": "close", onclick: close }, "×")),
    h("div", { class: "modal-body" }, build(close)));
  backdrop.append(box);
  backdrop.addEventListener("click", (e) => {
    if (e.target === backdrop) close();
  });
  document.addEventListener("keydown", onKey);
  document.body.append(backdrop);
  const first = box.querySelector("input:not([readonly]), select, textarea");
  if (first) first.focus();
  return { el: box, close };
}

/** A definition list of [labelKey, value] pairs. */
export function keyValues(pairs, testid) {
  return h("dl", { class: "kv", testid },
    pairs.filter(Boolean).map(([key, value]) => [h("dt", { i18n: key }), h("dd", {}, value ?? "")]));
}

/** A panel (card) with a title and content. */
export function panel(titleKey, ...content) {
  return h("section", { class: "panel" }, titleKey ? h("h2", { i18n: titleKey }) : null, ...content);
}

/** A button labelled by `key`; `action` ("<contract>.<action>") names the contract action it takes. */
export function button(key, onclick, { kind = "secondary", testid, action, disabled, small = true } = {}) {
  return h("button", {
    type: "button", class: `btn btn-${kind}${small ? " btn-sm" : ""}`, i18n: key, testid, disabled, onclick,
    dataset: action ? { action } : undefined,
  });
}

/** Report an error in the form-level box when no field can show it. */
export function errorBox(testid = "error-form") {
  return h("div", { class: "form-error", testid, role: "alert", hidden: true });
}
