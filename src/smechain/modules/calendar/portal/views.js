// The China banking-day calendar in the portal: the years the ledger holds, one year's days off and
// weekend working days, a banking-day calculator for everyone; the central bank (cash issuer) uploads a year's data file.

import { ApiError, get, submit } from "/static/api.js";
import { form } from "/static/form.js";
import { staticTable } from "/static/table.js";
import { h, panel, fill, clear, formatTime, keyValues } from "/static/ui.js";
import { txDone } from "/static/views/common.js";

/** Runs of consecutive dates with the same name: [{name, first, last, days}]. */
function runs(days) {
  const out = [];
  for (const d of days) {
    const prev = out[out.length - 1];
    const next = prev && new Date(`${prev.last}T00:00:00Z`).getTime() + 86_400_000;
    if (prev && prev.name === d.name && next === new Date(`${d.date}T00:00:00Z`).getTime()) {
      prev.last = d.date;
      prev.days += 1;
    } else {
      out.push({ name: d.name, first: d.date, last: d.date, days: 1 });
    }
  }
  return out;
}

/** A holiday's name in the reader's language; a name the portal does not know (a one-off holiday) as it is. */
const holidayName = (name) => (HOLIDAYS.includes(name) ? h("span", { i18n: `holiday.${name}`, title: name })
  : h("span", {}, name));

const HOLIDAYS = ["new_years_day", "spring_festival", "qingming", "labour_day", "dragon_boat", "mid_autumn",
  "national_day"];

/** Everyone: the years, one year's days, a calculator; the central bank also loads a year. */
export function calendarView(ctx) {
  const years = h("div", { testid: "calendar-years" });
  const detail = h("div", { testid: "calendar-year" });
  const centralBank = (ctx.me.org_roles || []).includes("cash_issuer");

  async function showYear(year) {
    try {
      const y = await get(`/v1/calendar/${year}`);
      fill(detail, keyValues([
        ["calendar.year", String(y.year)],
        ["calendar.source", y.source],
        ["calendar.revision", String(y.revision)],
        ["calendar.banking_days", String(y.banking_days)],
        ["calendar.set", `${y.set_by} · ${formatTime(y.set_at_ms)}`],
      ], "calendar-facts"),
      h("h3", { i18n: "calendar.holidays" }),
      staticTable("calendar-holidays", [
        { key: "calendar.holiday", cell: (r) => holidayName(r.name) },
        { key: "calendar.from", cell: (r) => r.first },
        { key: "calendar.to", cell: (r) => r.last },
        { key: "calendar.days", num: true, cell: (r) => String(r.days) },
      ], runs(y.holidays), (r) => r.first),
      h("h3", { i18n: "calendar.working_days" }),
      staticTable("calendar-working-days", [
        { key: "calendar.date", cell: (d) => d.date },
        { key: "calendar.weekday", cell: (d) => h("span", { i18n: `weekday.${new Date(`${d.date}T00:00:00Z`).getUTCDay()}` }) },
        { key: "calendar.holiday", cell: (d) => holidayName(d.name) },
      ], y.working_days, (d) => d.date),
      y.earlier.length ? h("p", { class: "muted", i18n: "calendar.replaced", params: { n: y.earlier.length } }) : null);
    } catch (err) {
      fill(detail, h("p", { class: "form-error" }, err.message));
    }
  }

  async function loadYears() {
    const list = await get("/v1/calendar");
    fill(years, staticTable("calendar", [
      { key: "calendar.year", cell: (y) => h("a", { href: "#", class: "link", testid: `calendar-open-${y.year}`,
        onclick: (e) => {
          e.preventDefault();
          showYear(y.year);
        } }, String(y.year)) },
      { key: "calendar.holidays", num: true, cell: (y) => String(y.holidays) },
      { key: "calendar.working_days", num: true, cell: (y) => String(y.working_days) },
      { key: "calendar.banking_days", num: true, cell: (y) => String(y.banking_days) },
      { key: "calendar.revision", num: true, cell: (y) => String(y.revision) },
      { key: "calendar.source", cell: (y) => y.source },
    ], list, (y) => String(y.year)));
    if (list.length && !detail.firstChild) showYear(list[list.length - 1].year);
  }

  const answer = h("div", { class: "estimate", testid: "calendar-answer" });
  const calc = form({
    name: "calendar-add",
    submitKey: "calendar.count",
    fields: [
      { name: "date", label: "calendar.date", type: "date", required: true },
      { name: "days", label: "calendar.days_to_add", type: "number", required: true, value: "5", min: 0,
        hint: "calendar.days_hint" },
    ],
    extra: answer,
    submit: (v) => {
      clear(answer);
      return get("/v1/calendar/add", { date: v.date, days: v.days });
    },
    onSuccess: (r) => fill(answer, h("span", { i18n: "calendar.answer", params: r })),
  });

  const parts = [panel("calendar.years", h("p", { class: "muted", i18n: "calendar.intro" }), years, detail),
    panel("calendar.calculator", calc.el)];
  if (centralBank) parts.push(panel("calendar.load_title", h("p", { class: "muted", i18n: "calendar.load_intro" }),
    loadForm(() => {
      clear(detail);
      loadYears();
    }).el));
  loadYears();
  return { el: h("div", {}, ...parts), refresh: loadYears };
}

/** The central bank uploads a year's data file (cn-YYYY.json); the ledger checks it and names a bad entry. */
function loadForm(after) {
  const f = form({
    name: "calendar-load",
    action: "calendar.set_year",
    submitKey: "calendar.load_submit",
    aliases: { holidays: "file", working_days: "file", year: "file", source: "file", args: "file" },
    fields: [{ name: "file", label: "calendar.file", type: "file", accept: ".json,application/json",
      required: true, hint: "calendar.file_hint" }],
    submit: async (v) => {
      let doc;
      try {
        doc = JSON.parse(await v.file.text());
      } catch (err) {
        throw new ApiError({ status: 422, code: "bad_args", field: "file", message: `file: not JSON (${err.message})` });
      }
      return submit("calendar", "set_year", doc);
    },
    onSuccess: (r) => txDone("calendar.loaded", r, () => {
      f.reset();
      after();
    }),
  });
  return f;
}
