// Loans in the portal: an SME applies and repays and sees its schedules; a bank works its application
// queue, decides and disburses, and watches its portfolio by days past due; the IP office registers pledges;
// customs attests export records.

import { get, submit } from "/static/api.js";
import { barChart } from "/static/charts.js";
import { form } from "/static/form.js";
import { getLang } from "/static/i18n.js";
import { formatMoney, formatRate } from "/static/money.js";
import { pagedTable, staticTable } from "/static/table.js";
import { h, panel, button, toast, formatTime, short, fill, modal, keyValues } from "/static/ui.js";
import { hasRole, offeredControls, orgOptions, txDone } from "/static/views/common.js";

const STYLES = ["equal_instalments", "equal_principal", "interest_only_balloon"];
const DAY_COUNTS = ["ACT/360", "ACT/365F", "30/360", "ACT/ACT"];
const BASES = ["unsecured", "ip_pledge", "export_record", "receivable"];
const BUCKETS = ["current", "1-30", "31-60", "61-90", "90+"];

const statusBadge = (l) => h("span", { class: `badge badge-${l.status}`, i18n: `loan.status.${l.status}` });
const money = (l, amount) => formatMoney(amount, l.currency || "CNY");

async function act(action, args, key, btn, after) {
  if (btn) btn.disabled = true;
  try {
    txDone(key, await submit("loan", action, args), after);
  } catch (err) {
    toast(null, { text: err.message, kind: "error" });
    if (btn) btn.disabled = false;
  }
}

/** A loan's schedule: each instalment's dates, principal, interest and what is paid. */
function scheduleTable(loan) {
  return staticTable(`schedule-${loan.id}`, [
    { key: "loan.no", cell: (i) => String(i.number) },
    { key: "loan.due", cell: (i) => i.due },
    { key: "loan.opening", cell: (i) => money(loan, i.opening) },
    { key: "loan.principal", cell: (i) => money(loan, i.principal) },
    { key: "loan.interest", cell: (i) => money(loan, i.interest) },
    { key: "loan.paid", cell: (i) => money(loan, i.principal_paid + i.interest_paid) },
  ], loan.schedule, (i) => `${loan.id}-${i.number}`);
}

function showLoan(loan) {
  modal("loan.detail", () => h("div", {},
    keyValues([
      ["loan.id", loan.id], ["loan.bank", loan.bank], ["loan.sme", loan.sme],
      ["loan.basis", loan.basis.kind], ["loan.product", `${loan.product_id} v${loan.product_version}`],
      ["loan.band", loan.band || "—"], ["loan.reasons", (loan.reason_codes || []).join(", ") || "—"],
      ["loan.outstanding", money(loan, loan.standing.outstanding)],
      ["loan.arrears", money(loan, loan.standing.arrears)],
      ["loan.penalty_due", money(loan, loan.standing.penalty_due)],
      ["loan.dpd", String(loan.standing.days_past_due)],
    ].map(([k, v]) => [k, v]), "loan-detail"),
    loan.schedule.length ? scheduleTable(loan) : h("p", { class: "muted", i18n: "loan.no_schedule" })),
  { testid: "modal-loan", wide: true });
}

function loanColumns(extra) {
  return [
    { key: "loan.id", cell: (l) => h("a", { href: "#", onclick: (e) => { e.preventDefault(); showLoan(l); } },
      short(l.id)) },
    { key: "loan.counterparty", cell: (l) => `${l.sme} → ${l.bank}` },
    { key: "loan.basis", cell: (l) => h("span", { i18n: `loan.basis.${l.basis.kind}` }) },
    { key: "loan.amount", cell: (l) => money(l, l.terms ? l.terms.amount : l.amount) },
    { key: "loan.outstanding", cell: (l) => money(l, l.standing.outstanding) },
    { key: "loan.next_due", cell: (l) => l.standing.next_due || "—" },
    { key: "loan.dpd", cell: (l) => String(l.standing.days_past_due) },
    { key: "loan.status", cell: statusBadge },
    { key: "common.actions", cell: extra },
  ];
}

/**
 * Reason codes in words, from the credit report the decision cites (its id is the first 32 hex digits of the
 * score's digest): each code with its text in the portal's language, or the code alone when the report is not
 * readable here (it is kept at the scoring peer) or does not list it.
 */
async function reasonTexts(loan) {
  if (!loan.score_digest) return {};
  try {
    const report = await get(`/v1/credit/reports/${loan.score_digest.slice(0, 32)}`);
    return Object.fromEntries(report.reasons.map((r) => [r.code, r]));
  } catch {
    return {};
  }
}

const reasonsList = (codes, texts) => h("ul", { class: "reasons" }, ...codes.map((code) =>
  h("li", { testid: `reason-${code}` }, h("span", { class: "mono" }, code),
    texts[code] ? ` ${getLang() === "zh" ? texts[code].zh : texts[code].en}` : "")));

/** The SME's declined applications, each an adverse-action notice: the bank, when, the band and its reasons. */
function noticesPanel() {
  const list = h("div", { testid: "loan-notices" });
  const el = panel("loan.notices", h("p", { class: "muted", i18n: "loan.notices_intro" }), list);
  el.hidden = true;
  async function load() {
    try {
      const { items } = await get("/v1/loans", { role: "sme", status: "declined", limit: 200 });
      const texts = new Map(await Promise.all(items.map(async (l) => [l.id, await reasonTexts(l)])));
      el.hidden = !items.length;
      fill(list, staticTable("loan-notices", [
        { key: "loan.id", cell: (l) => short(l.id) },
        { key: "loan.bank", cell: (l) => l.bank },
        { key: "loan.amount", cell: (l) => money(l, l.amount) },
        { key: "loan.decided_at", cell: (l) => formatTime(l.decided_at_ms) },
        { key: "loan.status", cell: statusBadge },
        { key: "loan.band", cell: (l) => l.band || "—" },
        { key: "loan.reasons", cell: (l) => reasonsList(l.reason_codes || [], texts.get(l.id)) },
      ], items));
    } catch (err) {
      el.hidden = false;
      fill(list, h("div", { class: "form-error" }, err.message));
    }
  }
  load();
  return { el, reload: load };
}

/** The SME's loans with their schedules; repay and prepay; a form to apply. */
export function loansView() {
  const table = pagedTable({
    name: "my-loans",
    load: (offset, limit) => get("/v1/loans", { role: "sme", offset, limit }),
    empty: "loan.none",
    columns: loanColumns((l) => offeredControls(l, [
      ["repay", () => l.standing.arrears + l.standing.penalty_due > 0 ? button("loan.repay_due", (e) =>
        act("repay", { id: l.id, amount: l.standing.arrears + l.standing.penalty_due }, "loan.repaid",
          e.currentTarget, () => table.reload()), { kind: "primary", testid: "btn-repay", action: "loan.repay" })
        : null],
      ["repay_early", () => button("loan.repay_early", (e) => act("repay_early", { id: l.id }, "loan.prepaid",
        e.currentTarget, () => table.reload()), { testid: "btn-repay-early", action: "loan.repay_early" })],
      ["withdraw", () => button("loan.withdraw", (e) => act("withdraw", { id: l.id }, "loan.withdrawn",
        e.currentTarget, () => table.reload()), { kind: "danger", testid: "btn-withdraw", action: "loan.withdraw" })],
    ])),
  });
  const apply = form({
    name: "loan-apply",
    action: "loan.apply",
    submitKey: "loan.apply_submit",
    fields: [
      { name: "bank", label: "loan.bank", type: "select", required: true,
        options: () => orgOptions((o) => hasRole("bank")(o) && o.status === "active") },
      { name: "consent_id", label: "loan.consent", required: true, hint: "loan.consent_hint" },
      { name: "amount", label: "loan.amount_yuan", type: "amount", required: true },
      { name: "term_months", label: "loan.term_months", type: "number", value: "12", min: 1, required: true },
      { name: "product_id", label: "loan.product_id", required: true },
      { name: "product_version", label: "loan.product_version", type: "number", value: "1", min: 1, required: true },
      { name: "kind", label: "loan.basis", type: "select", value: "unsecured",
        options: BASES.map((b) => [b, `loan.basis.${b}`]) },
      { name: "ref", label: "loan.basis_ref", hint: "loan.basis_ref_hint" },
    ],
    submit: (v) => {
      const basis = { kind: v.kind };
      if (v.kind === "ip_pledge") Object.assign(basis, { right_kind: "patent", registration_number: v.ref });
      if (v.kind === "export_record") basis.export_record = v.ref;
      if (v.kind === "receivable") basis.certificate = v.ref;
      return submit("loan", "apply", { bank: v.bank, consent_id: v.consent_id, currency: "CNY",
        amount: v.amount, term_months: v.term_months, product_id: v.product_id,
        product_version: v.product_version, basis });
    },
    onSuccess: (r) => txDone("loan.applied", r, () => { apply.reset(); table.reload(); }),
  });
  const notices = noticesPanel();
  return {
    el: h("div", {}, notices.el, panel("loan.mine", table.el), panel("loan.apply_title", apply.el)),
    refresh: () => {
      table.reload();
      notices.reload();
    },
  };
}

/** "3.48" for 348 bp: a rate input's text (percent a year). */
const percent = (bp) => formatRate(bp).slice(0, -1);

/** The product version a loan cites, whose terms bound an approval: {product} or {error}. */
async function citedProduct(loan) {
  try {
    return { product: await get(`/v1/products/${encodeURIComponent(loan.product_id)}`,
      { version: loan.product_version }) };
  } catch (err) {
    return { error: err.message };
  }
}

/**
 * The decide dialog's fields, pre-filled from the application and the product version it cites
 * (`p`, its terms; null when unreadable): the amount and term applied for, the product's lowest
 * rate, its repayment style (the only one the contract takes), penalty interest half as much
 * again as the rate, ACT/360 (products set no day count; it is how RMB loan rates are quoted),
 * and for an export-record loan 30% of the record's value. Each shows the product's range.
 */
function decideFields(loan, p) {
  const cur = (p && p.currency) || loan.currency || "CNY";
  const rate = p ? p.min_rate_bp : 420;
  const fields = [
    { name: "approve", label: "loan.approve", type: "checkbox", value: true },
    { name: "band", label: "loan.band", required: true, value: loan.band_hint || "" },
    { name: "reason_codes", label: "loan.reasons", value: (loan.reasons_hint || []).join(","),
      hint: "loan.reasons_hint" },
    { name: "amount", label: "loan.amount_yuan", type: "amount", value: loan.amount,
      ...(p ? { hint: "loan.range_amount", hintParams: { min: formatMoney(p.min_amount, cur),
        max: formatMoney(p.max_amount, cur), applied: formatMoney(loan.amount, cur) } } : {}) },
    { name: "rate", label: "loan.rate", type: "rate", value: percent(rate),
      ...(p ? { hint: "loan.range_rate", hintParams: { min: percent(p.min_rate_bp), max: percent(p.max_rate_bp),
        min_bp: p.min_rate_bp, max_bp: p.max_rate_bp } } : { hint: "loan.rate_hint" }) },
    { name: "term_months", label: "loan.term_months", type: "number", value: String(loan.term_months), min: 1,
      required: true,
      ...(p ? { hint: "loan.range_term", hintParams: { min: p.min_term_months, max: p.max_term_months } } : {}) },
    { name: "style", label: "loan.style", type: "select", value: p ? p.repayment : "equal_instalments",
      readonly: Boolean(p), options: STYLES.map((s) => [s, `loan.style.${s}`]),
      ...(p ? { hint: "loan.style_fixed" } : {}) },
    { name: "day_count", label: "loan.day_count", type: "select", value: "ACT/360",
      options: DAY_COUNTS.map((d) => [d, d]), hint: "loan.day_count_hint" },
    { name: "penalty", label: "loan.penalty_rate", type: "rate", value: percent(Math.floor(rate * 3 / 2)),
      hint: "loan.penalty_hint" },
  ];
  if (loan.basis.kind === "export_record") {
    fields.push({ name: "share", label: "loan.export_share", type: "rate", value: "30.00",
      hint: "loan.export_share_hint" });
  }
  return fields;
}

async function decideDialog(loan, after) {
  const { product, error } = await citedProduct(loan);
  const p = product ? product.terms : null;
  modal("loan.decide_title", (close) => {
    const f = form({
      name: "loan-decide",
      action: "loan.decide",
      submitKey: "loan.decide_submit",
      fields: decideFields(loan, p),
      // The contract names terms.rate_bp, terms.penalty_rate_bp, terms.export_share_bp.
      aliases: { rate_bp: "rate", penalty_rate_bp: "penalty", export_share_bp: "share" },
      submit: (v) => {
        const args = { id: loan.id, approve: v.approve, band: v.band,
          reason_codes: v.reason_codes.split(",").map((x) => x.trim()).filter(Boolean),
          attestation_id: loan.score ? loan.score.attestation_id : "" };
        if (v.approve) {
          args.terms = { amount: v.amount ?? loan.amount, rate_bp: v.rate, term_months: v.term_months,
            style: v.style, day_count: v.day_count, penalty_rate_bp: v.penalty,
            export_share_bp: loan.basis.kind === "export_record" ? v.share : 0 };
        }
        return submit("loan", "decide", args);
      },
      onSuccess: (r) => txDone("loan.decided", r, () => { close(); after(); }),
    });
    const about = p
      ? h("p", { class: "muted", testid: "decide-product", i18n: "loan.decide_product",
        params: { name: p.name, id: loan.product_id, version: loan.product_version } })
      : h("div", { class: "form-error", testid: "decide-product" },
        h("span", { i18n: "loan.decide_no_product", params: { id: loan.product_id, version: loan.product_version } }),
        ` ${error}`);
    return h("div", {}, about, f.el);
  }, { testid: "modal-decide", wide: true });
}

/** The bank's queue: each application with the score it may decide on; decide; disburse approved loans. */
export function queueView() {
  const list = h("div", { testid: "loan-queue" });
  const approved = pagedTable({
    name: "approved-loans",
    load: (offset, limit) => get("/v1/loans", { role: "bank", status: "approved", offset, limit }),
    empty: "loan.none",
    columns: loanColumns((l) => offeredControls(l, [
      ["disburse", () => button("loan.disburse", (e) => act("disburse", { id: l.id }, "loan.disbursed",
        e.currentTarget, () => approved.reload()), { kind: "primary", testid: "btn-disburse", action: "loan.disburse" })],
    ])),
  });
  async function load() {
    const items = await get("/v1/loans/queue");
    for (const l of items) {
      if (l.score) {
        try {
          const report = await get(`/v1/credit/reports/${l.score.report_id}`);
          l.band_hint = report.band;
          l.reasons_hint = report.reasons.map((r) => r.code);
        } catch { /* the report is kept at the scoring peer only */ }
      }
    }
    fill(list, staticTable("queue", [
      { key: "loan.id", cell: (l) => short(l.id) },
      { key: "loan.sme", cell: (l) => l.sme },
      { key: "loan.basis", cell: (l) => h("span", { i18n: `loan.basis.${l.basis.kind}` }) },
      { key: "loan.amount", cell: (l) => money(l, l.amount) },
      { key: "loan.applied", cell: (l) => formatTime(l.applied_at_ms) },
      { key: "loan.band", cell: (l) => l.band_hint || (l.score ? short(l.score.report_id) : "—") },
      { key: "loan.reasons", cell: (l) => (l.reasons_hint || []).join(", ") || "—" },
      { key: "common.actions", cell: (l) => offeredControls(l, [
        ["decide", () => button("loan.decide", (e) => openDecide(e.currentTarget, l),
          { kind: "primary", testid: "btn-decide", action: "loan.decide" })],
      ]) },
    ], items));
  }
  /** The decide dialog once the cited product's terms are read; the button waits meanwhile. */
  function openDecide(btn, loan) {
    btn.disabled = true;
    decideDialog(loan, refresh).finally(() => { btn.disabled = false; });
  }
  function refresh() {
    load();
    approved.reload();
  }
  load();
  return { el: h("div", {}, panel("loan.queue", list), panel("loan.approved", approved.el)), refresh };
}

const RECOVERY_SOURCES = ["collateral", "guarantee", "collection", "borrower"];

/** A recovery on a defaulted or written-off loan: amount (at most what is left), source, reference. */
function recoverDialog(loan, after) {
  const left = loan.exposure - loan.recovered;
  modal("loan.recover_title", (close) => form({
    name: "loan-recover",
    action: "loan.recover",
    submitKey: "loan.recover_submit",
    fields: [
      { name: "amount", label: "loan.amount_yuan", type: "amount", required: true, value: left,
        hint: "loan.recover_left", hintParams: { left: money(loan, left), exposure: money(loan, loan.exposure) } },
      { name: "source", label: "loan.recovery_source", type: "select", value: "collection",
        options: RECOVERY_SOURCES.map((s) => [s, `loan.recovery.${s}`]) },
      { name: "reference", label: "loan.recovery_reference" },
    ],
    submit: (v) => submit("loan", "recover", { id: loan.id, amount: v.amount, source: v.source,
      reference: v.reference }),
    onSuccess: (r) => txDone("loan.recovered", r, () => { close(); after(); }),
  }).el, { testid: "modal-recover" });
}

/** The bank's portfolio: by status, a days-past-due chart, and its loans with overdue/default/write-off. */
export function portfolioView() {
  const summary = h("div", { testid: "loan-portfolio" });
  const table = pagedTable({
    name: "bank-loans",
    load: (offset, limit) => get("/v1/loans", { role: "bank", offset, limit }),
    empty: "loan.none",
    columns: loanColumns((l) => offeredControls(l, [
      ["mark_overdue", () => l.standing.days_past_due > 0 ? button("loan.mark_overdue", (e) =>
        act("mark_overdue", { id: l.id }, "loan.marked_overdue", e.currentTarget, refresh),
      { testid: "btn-mark-overdue", action: "loan.mark_overdue" }) : null],
      ["default", () => button("loan.default", (e) => act("default", { id: l.id }, "loan.defaulted",
        e.currentTarget, refresh), { kind: "danger", testid: "btn-default", action: "loan.default" })],
      ["write_off", () => button("loan.write_off", (e) => act("write_off", { id: l.id }, "loan.written_off",
        e.currentTarget, refresh), { kind: "danger", testid: "btn-write-off", action: "loan.write_off" })],
      ["recover", () => button("loan.recover", () => recoverDialog(l, refresh),
        { testid: "btn-recover", action: "loan.recover" })],
    ])),
  });
  async function load() {
    const p = await get("/v1/loans/portfolio");
    const rows = Object.entries(p.by_status).filter(([, c]) => c.count)
      .map(([status, c]) => ({ id: status, status, count: c.count, amount: c.amount, outstanding: c.outstanding }));
    fill(summary,
      barChart(BUCKETS.map((b) => ({ label: b, value: p.by_bucket[b].outstanding, count: p.by_bucket[b].count })),
        { testid: "chart-dpd", titleKey: "loan.dpd_chart", xLabelKey: "loan.dpd_bucket" }),
      staticTable("portfolio-status", [
        { key: "loan.status", cell: (r) => h("span", { i18n: `loan.status.${r.status}` }) },
        { key: "loan.count", cell: (r) => String(r.count) },
        { key: "loan.amount", cell: (r) => formatMoney(r.amount, p.currency) },
        { key: "loan.outstanding", cell: (r) => formatMoney(r.outstanding, p.currency) },
      ], rows),
      h("p", { class: "muted", i18n: "loan.time_to_cash", params: { hours: (p.time_to_cash_ms / 3_600_000).toFixed(1) } }),
      p.losses.count ? h("p", { testid: "portfolio-losses", i18n: "loan.losses", params: {
        count: p.losses.count, exposure: formatMoney(p.losses.exposure, p.currency),
        recovered: formatMoney(p.losses.recovered, p.currency), net: formatMoney(p.losses.net_loss, p.currency),
        lgd: (p.losses.lgd_bp / 100).toFixed(2) } }) : null);
  }
  function refresh() {
    load();
    table.reload();
  }
  load();
  return { el: h("div", {}, panel("loan.portfolio", summary), panel("loan.book", table.el)), refresh };
}

/** IP pledges: the IP office registers them; the pledgee bank may release them. */
export function pledgesView(ctx) {
  const list = h("div", { testid: "pledges" });
  async function load() {
    const items = await get("/v1/loans/pledges");
    fill(list, staticTable("pledge-list", [
      { key: "pledge.right", cell: (p) => `${p.right_kind} ${p.registration_number}` },
      { key: "pledge.owner", cell: (p) => p.owner },
      { key: "pledge.bank", cell: (p) => p.bank },
      { key: "pledge.loan", cell: (p) => short(p.loan) },
      { key: "pledge.value", cell: (p) => formatMoney(p.value, p.currency) },
      { key: "pledge.registered", cell: (p) => formatTime(p.registered_at_ms) },
      { key: "pledge.status", cell: (p) => h("span", { class: `badge badge-${p.status}`, i18n: `pledge.status.${p.status}` }) },
      { key: "common.actions", cell: (p) => offeredControls(p, [
        ["release_pledge", () => button("pledge.release", (e) => act("release_pledge", { id: p.id }, "pledge.released",
          e.currentTarget, load), { kind: "danger", testid: "btn-release-pledge", action: "loan.release_pledge" })],
      ]) },
    ], items));
  }
  load();
  const parts = [panel("pledge.list", list)];
  if (ctx && ctx.me && (ctx.me.org_roles || ctx.me.roles || []).includes("ip_office")) {
    const register = form({
      name: "pledge-ip",
      action: "loan.pledge_ip",
      submitKey: "pledge.register",
      fields: [
        { name: "id", label: "pledge.loan", required: true },
        { name: "right_kind", label: "pledge.right_kind", type: "select", value: "patent",
          options: [["patent", "pledge.patent"], ["trademark", "pledge.trademark"]] },
        { name: "registration_number", label: "pledge.number", required: true },
        { name: "value", label: "pledge.value_yuan", type: "amount", required: true },
      ],
      submit: (v) => submit("loan", "pledge_ip", { id: v.id, right_kind: v.right_kind,
        registration_number: v.registration_number, value: v.value }),
      onSuccess: (r) => txDone("pledge.registered_ok", r, () => { register.reset(); load(); }),
    });
    parts.push(panel("pledge.register_title", register.el));
  }
  return { el: h("div", {}, ...parts), refresh: load };
}

async function sha256Hex(text) {
  const bytes = new TextEncoder().encode(text);
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Export records: customs attests an SME's twelve months of exports; banks and SMEs see theirs. */
export function exportRecordsView(ctx) {
  const list = h("div", { testid: "export-records" });
  async function load() {
    const items = await get("/v1/loans/export-records");
    fill(list, staticTable("export-list", [
      { key: "export.sme", cell: (e) => e.sme },
      { key: "export.period", cell: (e) => `${e.period_start} – ${e.period_end}` },
      { key: "export.value", cell: (e) => formatMoney(e.value, e.currency) },
      { key: "export.lent", cell: (e) => formatMoney(e.lent, e.currency) },
      { key: "export.digest", cell: (e) => h("span", { class: "mono" }, short(e.digest, 16)) },
      { key: "export.attested", cell: (e) => formatTime(e.attested_at_ms) },
    ], items));
  }
  load();
  const parts = [panel("export.list", list)];
  if (ctx && ctx.me && (ctx.me.org_roles || ctx.me.roles || []).includes("customs")) {
    const attest = form({
      name: "attest-export",
      action: "loan.attest_export",
      submitKey: "export.attest",
      fields: [
        { name: "sme", label: "export.sme", type: "select", required: true,
          options: () => orgOptions((o) => hasRole("sme")(o)) },
        { name: "consent_id", label: "export.consent", required: true },
        { name: "value", label: "export.value_yuan", type: "amount", required: true },
        { name: "period_end", label: "export.period_end", type: "date", required: true },
        { name: "declarations", label: "export.declarations", hint: "export.declarations_hint", required: true },
      ],
      submit: async (v) => submit("loan", "attest_export", { sme: v.sme, consent_id: v.consent_id,
        currency: "CNY", value: v.value, period_end: v.period_end,
        digest: await sha256Hex(v.declarations) }),
      onSuccess: (r) => txDone("export.attested_ok", r, () => { attest.reset(); load(); }),
    });
    parts.push(panel("export.attest_title", attest.el));
  }
  return { el: h("div", {}, ...parts), refresh: load };
}


export { lendingView } from "./lending.js";
