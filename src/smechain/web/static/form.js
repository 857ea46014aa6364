// Forms that check their fields in the browser and show every error next to its field.

import { ApiError } from "./api.js";
import { t } from "./i18n.js";
import { parseAmount, parseRateBp, formatAmount } from "./money.js";
import { h, tr, setI18n, todayUtc, errorBox } from "./ui.js";

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function validDate(s) {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/**
 * form({name, fields, submit, submitKey, aliases, onSuccess, layout, action})
 * Field: {name, label, type, required, value, readonly, options, hint, hintParams, future, validate, placeholder}
 * types: text, password, textarea, number, amount (yuan → fen), amounts (several), rate (% → bp),
 *        date, select, checkbox, checks (several of `options`; an array, `min` of them at least), file.
 * submit(values) runs after the browser checks pass; an ApiError lands next to its field.
 * action: the contract action the form's submit button takes ("invoice.anchor"), as its data-action.
 */
export function form({ name, fields, submit, submitKey = "form.submit", aliases = {}, onSuccess,
  layout = "grid", extra, action }) {
  const inputs = {};
  const errors = {};
  const formError = errorBox("error-form");
  const submitBtn = h("button", { type: "submit", class: "btn btn-primary", testid: `submit-${name}`, i18n: submitKey,
    dataset: action ? { action } : undefined });

  const rows = fields.map((f) => {
    const err = h("div", { class: "field-error", testid: `error-${f.name}`, role: "alert", hidden: true });
    errors[f.name] = err;
    const control = buildControl(f, name);
    inputs[f.name] = control;
    const label = f.type === "checkbox"
      ? h("label", { class: "check" }, control.el, tr(f.label))
      : h("label", { class: "field-label", for: `${name}-${f.name}` }, tr(f.label),
        f.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null);
    return h("div", { class: `field field-${f.type || "text"}`, testid: `field-wrap-${f.name}` },
      label, f.type === "checkbox" ? null : control.el,
      f.hint ? h("div", { class: "hint", testid: `hint-${f.name}`, i18n: f.hint, params: f.hintParams }) : null, err);
  });

  const el = h("form", { class: `form form-${layout}`, testid: `form-${name}`, novalidate: true },
    h("div", { class: "fields" }, rows), extra || null, formError,
    h("div", { class: "form-actions" }, submitBtn));

  function setError(field, keyOrText, { raw = false, params } = {}) {
    const target = errors[field];
    if (!target) return false;
    if (raw) {
      delete target.dataset.i18n;
      target.textContent = keyOrText;
    } else {
      setI18n(target, keyOrText, params);
    }
    target.hidden = false;
    inputs[field].el.classList.add("invalid");
    inputs[field].el.setAttribute("aria-invalid", "true");
    return true;
  }

  function clearErrors() {
    for (const [k, e] of Object.entries(errors)) {
      e.hidden = true;
      e.textContent = "";
      delete e.dataset.i18n;
      inputs[k].el.classList.remove("invalid");
      inputs[k].el.removeAttribute("aria-invalid");
    }
    formError.hidden = true;
    formError.textContent = "";
  }

  function collect() {
    const values = {};
    let ok = true;
    for (const f of fields) {
      const { value, error, params } = inputs[f.name].read(f);
      if (error) {
        setError(f.name, error, { params });
        ok = false;
        continue;
      }
      const custom = f.validate ? f.validate(value, values) : null;
      if (custom) {
        setError(f.name, custom);
        ok = false;
        continue;
      }
      values[f.name] = value;
    }
    return ok ? values : null;
  }

  /** The input a server field names: "amounts[1]" → amounts, "args.day_count" → day_count. */
  function fieldFor(field) {
    if (!field) return null;
    const plain = String(field).replace(/\[\d+\]/g, "");
    const last = plain.split(".").pop();
    for (const name of [field, plain, last, plain.split(".")[0]]) {
      if (aliases[name]) return aliases[name];
      if (errors[name]) return name;
    }
    return null;
  }

  function showServerError(err) {
    const target = err instanceof ApiError ? fieldFor(err.field) : null;
    const text = err.message || String(err);
    if (target && setError(target, text, { raw: true })) return;
    formError.textContent = text + (err.txHash ? ` (tx ${err.txHash})` : "");
    formError.hidden = false;
  }

  el.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors();
    const values = collect();
    if (!values) {
      const bad = el.querySelector(".invalid");
      if (bad && bad.focus) bad.focus();
      return;
    }
    submitBtn.disabled = true;
    el.classList.add("busy");
    try {
      const result = await submit(values);
      if (onSuccess) onSuccess(result, values);
    } catch (err) {
      showServerError(err);
    } finally {
      submitBtn.disabled = false;
      el.classList.remove("busy");
    }
  });

  return { el, inputs, setError, clearErrors, reset: () => el.reset() };
}

function buildControl(f, formName) {
  const id = `${formName}-${f.name}`;
  const common = { id, name: f.name, testid: `input-${f.name}`, readOnly: f.readonly, placeholder: f.placeholder };
  switch (f.type) {
    case "select": {
      const el = h("select", { ...common, disabled: f.readonly });
      const fill = (options) => {
        const real = options.filter(([v]) => v !== "");
        const pick = f.value ?? (real.length === 1 ? real[0][0] : "");
        el.replaceChildren(...options.map(([v, label, raw]) => {
          const o = raw ? h("option", { value: v }, label) : h("option", { value: v, i18n: label });
          if (String(v) === String(pick)) o.selected = true;
          return o;
        }));
      };
      fill(typeof f.options === "function" ? [] : f.options || []);
      if (typeof f.options === "function") f.options().then(fill);
      return { el, read: () => required(f, el.value) ?? { value: el.value }, fill };
    }
    case "checkbox": {
      const el = h("input", { ...common, type: "checkbox", checked: f.value });
      return { el, read: () => ({ value: el.checked }) };
    }
    case "textarea": {
      const el = h("textarea", { ...common, rows: 3 });
      el.value = f.value ?? "";
      return { el, read: () => required(f, el.value.trim()) ?? { value: el.value.trim() } };
    }
    case "file": {
      const el = h("input", { ...common, type: "file", accept: f.accept });
      return { el, read: () => (el.files && el.files[0] ? { value: el.files[0] } : { error: "err.file_required" }) };
    }
    case "amounts":
      return amountsControl(f, common);
    case "checks":
      return checksControl(f, common);
    default:
      return scalarControl(f, common);
  }
}

function required(f, raw) {
  if (f.required && (raw === "" || raw === undefined || raw === null)) return { error: "err.required" };
  return null;
}

function scalarControl(f, common) {
  const type = { date: "date", password: "password", number: "text" }[f.type] || "text";
  const el = h("input", {
    ...common, type, autocomplete: f.autocomplete || (type === "password" ? "current-password" : "off"),
    inputmode: ["amount", "rate", "number"].includes(f.type) ? "decimal" : undefined,
  });
  if (f.value !== undefined && f.value !== null) {
    el.value = f.type === "amount" && typeof f.value === "number" ? formatAmount(f.value) : f.value;
  }
  const read = () => {
    const raw = el.value.trim();
    if (!raw) return f.required ? { error: "err.required" } : { value: f.type === "amount" ? null : "" };
    if (f.type === "amount") return parseAmount(raw);
    if (f.type === "rate") return parseRateBp(raw);
    if (f.type === "number") {
      if (!/^\d+$/.test(raw)) return { error: "err.integer" };
      const n = Number(raw);
      if (f.min !== undefined && n < f.min) return { error: "err.min", params: { min: f.min } };
      return { value: n };
    }
    if (f.type === "date") {
      if (!validDate(raw)) return { error: "err.date" };
      if (f.future && raw <= todayUtc()) return { error: "err.future_date" };
      return { value: raw };
    }
    if (f.minLength && raw.length < f.minLength) return { error: "err.min_length", params: { n: f.minLength } };
    return { value: raw };
  };
  return { el, read };
}

/** Several of `options` ([value, key] or [value, label, raw]; or a function answering them), as checkboxes. */
function checksControl(f, common) {
  const el = h("div", { class: "check-list", id: common.id, testid: common.testid, tabindex: "-1" });
  const chosen = new Set(f.value || []);
  const fill = (options) => el.replaceChildren(...options.filter(([v]) => v !== "").map(([v, label, raw]) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", name: f.name, value: v, checked: chosen.has(v),
      testid: `${common.testid}-${v}` }), raw ? label : tr(label))));
  if (typeof f.options === "function") f.options().then(fill);
  else fill(f.options || []);
  const read = () => {
    const values = [...el.querySelectorAll("input:checked")].map((i) => i.value);
    const min = f.min ?? (f.required ? 1 : 0);
    if (values.length < min) return { error: min > 1 ? "err.choose_n" : "err.choose_one", params: { n: min } };
    return { value: values };
  };
  return { el, read, fill };
}

/** Several yuan amounts (parts of a split): one input each, with add/remove. */
function amountsControl(f, common) {
  const list = h("div", { class: "amounts-list" });
  const el = h("div", { class: "amounts", id: common.id, testid: `input-${f.name}`, tabindex: "-1" }, list);
  const sum = h("div", { class: "hint", testid: `sum-${f.name}` });
  const update = () => {
    let total = 0n;
    for (const input of list.querySelectorAll("input")) {
      const p = parseAmount(input.value);
      if (p.value) total += BigInt(p.value);
    }
    sum.textContent = `${t("form.sum")}: ${formatAmount(total)}`;
  };
  const addRow = (value = "") => {
    const i = list.children.length;
    const input = h("input", { type: "text", name: f.name, inputmode: "decimal", value,
      testid: `input-${f.name}-${i}`, "aria-label": `${t(f.label)} ${i + 1}`, oninput: update });
    const remove = h("button", { type: "button", class: "icon-btn", "aria-label": "remove", onclick: () => {
      if (list.children.length > 2) {
        row.remove();
        update();
      }
    } }, "−");
    const row = h("div", { class: "amount-row" }, input, remove);
    list.append(row);
  };
  (f.value && f.value.length ? f.value : ["", ""]).forEach((v) => addRow(v));
  el.append(h("button", { type: "button", class: "btn btn-sm btn-secondary", testid: `add-${f.name}`,
    i18n: "form.add_part", onclick: () => addRow() }), sum);
  update();
  const read = () => {
    const values = [];
    for (const input of list.querySelectorAll("input")) {
      const p = parseAmount(input.value);
      if (p.error) return { error: p.error === "err.required" ? "err.all_amounts" : p.error };
      values.push(p.value);
    }
    if (values.length < 2) return { error: "err.two_parts" };
    return { value: values };
  };
  return { el, read };
}
