// Paged tables over list answers {items, total, offset, limit}, with prev/next.

import { page } from "./api.js";
import { t } from "./i18n.js";
import { h, clear, tr } from "./ui.js";

/**
 * pagedTable({name, columns, load, rowId, limit, filters, empty, onRow})
 * - columns: [{key: i18n key, cell: (item) => node|string, num: bool}]
 * - load(offset, limit, filterValues) → a list answer (or a bare array)
 * - filters: [{name, key, options: [[value, i18nKey]…], value}] shown above the table
 * Answers {el, reload(), items()}.
 */
export function pagedTable({ name, columns, load, rowId = (it) => it.id, limit = 20, filters = [],
  empty = "table.empty", onRow, toolbar }) {
  let offset = 0;
  let current = { items: [], total: 0, offset: 0, limit };
  let seq = 0;
  const values = Object.fromEntries(filters.map((f) => [f.name, f.value ?? ""]));

  const tbody = h("tbody");
  const info = h("span", { class: "pager-info", testid: `page-info-${name}` });
  const prev = h("button", { type: "button", class: "btn btn-sm btn-secondary", testid: `page-prev-${name}`,
    i18n: "table.prev", onclick: () => go(offset - limit) });
  const next = h("button", { type: "button", class: "btn btn-sm btn-secondary", testid: `page-next-${name}`,
    i18n: "table.next", onclick: () => go(offset + limit) });
  const status = h("div", { class: "table-status", role: "status" });
  const filterBar = filters.length || toolbar ? h("div", { class: "table-tools" },
    filters.map((f) => h("label", { class: "inline-field" }, tr(f.key),
      h("select", {
        testid: `filter-${name}-${f.name}`,
        onchange: (e) => {
          values[f.name] = e.target.value;
          go(0);
        },
      }, f.options.map(([v, key]) => {
        const o = h("option", { value: v, i18n: key });
        if (v === values[f.name]) o.selected = true;
        return o;
      })))),
    toolbar || null) : null;

  const table = h("table", { class: "data", testid: `table-${name}` },
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { class: c.num ? "num" : "", i18n: c.key })))),
    tbody);
  const el = h("div", { class: "table-wrap" }, filterBar, h("div", { class: "table-scroll" }, table), status,
    h("div", { class: "pager" }, prev, info, next));

  async function go(to) {
    offset = Math.max(0, to);
    const mine = ++seq;
    status.textContent = "";
    el.classList.add("loading");
    try {
      const data = page(await load(offset, limit, { ...values }), offset, limit);
      if (mine !== seq) return;
      current = data;
      render();
    } catch (err) {
      if (mine !== seq) return;
      status.textContent = `${t("table.load_failed")}: ${err.message}`;
      status.className = "table-status error";
    } finally {
      if (mine === seq) el.classList.remove("loading");
    }
  }

  function render() {
    clear(tbody);
    if (!current.items.length) {
      tbody.append(h("tr", { class: "empty" }, h("td", { colspan: columns.length, i18n: empty })));
    }
    for (const item of current.items) {
      const id = rowId(item);
      const tr_ = h("tr", { testid: `row-${id}`, dataset: { id } },
        columns.map((c) => h("td", { class: c.num ? "num" : "" }, c.cell(item))));
      if (onRow) {
        tr_.classList.add("clickable");
        tr_.addEventListener("click", (e) => {
          if (!e.target.closest("button, a, input, select")) onRow(item);
        });
      }
      tbody.append(tr_);
    }
    const total = Number(current.total) || 0;
    const first = total ? current.offset + 1 : 0;
    const last = current.offset + current.items.length;
    info.dataset.i18n = "table.range";
    info.dataset.i18nParams = JSON.stringify({ first, last, total });
    info.textContent = t("table.range", { first, last, total });
    prev.disabled = current.offset <= 0;
    next.disabled = last >= total;
  }

  go(0);
  return { el, reload: () => go(offset), items: () => current.items, first: () => go(0) };
}

/** A static table of rows already at hand (no paging). */
export function staticTable(name, columns, items, rowId = (it) => it.id) {
  return h("table", { class: "data", testid: `table-${name}` },
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { class: c.num ? "num" : "", i18n: c.key })))),
    h("tbody", {}, items.length ? items.map((item) => h("tr", { testid: `row-${rowId(item)}` },
      columns.map((c) => h("td", { class: c.num ? "num" : "" }, c.cell(item)))))
      : h("tr", { class: "empty" }, h("td", { colspan: columns.length, i18n: "table.empty" }))));
}
