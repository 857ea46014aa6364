// The portal: sign-in, one navigation per organisation role, live refresh from server-sent events.

import { get, post, request, getToken, setToken, onUnauthorised, ApiError } from "./api.js";
import { t, getLang, setLang, onLangChange } from "./i18n.js";
import { h, tr, clear, translateAll, toast, fill } from "./ui.js";
import { formatAmount } from "./money.js";
import { forgetOrgs, showCertificate } from "./views/common.js";
import { overviewView } from "./views/overview.js";
import { invoicesView, certificatesView, offersView, paymentsView } from "./views/sme.js";
import { confirmView, outstandingView } from "./views/core.js";
import { marketView, portfolioView, overdueView } from "./views/bank.js";
import { anchorView } from "./views/tax.js";
import { explorerView, statsView } from "./views/regulator.js";
import { usersView, apiKeysView, auditView } from "./views/admin.js";

const has = (...roles) => (me) => (me.org_roles || []).some((r) => roles.includes(r));
const isAdmin = (me) => me.role === "admin";

/** Every view, in menu order, with the organisations (or users) that get it. */
const VIEWS = [
  { id: "overview", key: "view.overview", render: overviewView, when: () => true },
  { id: "invoices", key: "view.invoices", render: invoicesView, when: has("sme") },
  { id: "certificates", key: "view.certificates", render: certificatesView, when: has("sme") },
  { id: "offers", key: "view.offers", render: offersView, when: has("sme") },
  { id: "payments", key: "view.payments", render: paymentsView, when: has("sme") },
  { id: "confirm", key: "view.confirm", render: confirmView, when: has("core_enterprise") },
  { id: "outstanding", key: "view.outstanding", render: outstandingView, when: has("core_enterprise") },
  { id: "market", key: "view.market", render: marketView, when: has("bank", "factor") },
  { id: "portfolio", key: "view.portfolio", render: portfolioView, when: has("bank", "factor") },
  { id: "overdue", key: "view.overdue", render: overdueView, when: has("bank", "factor") },
  { id: "anchor", key: "view.anchor", render: anchorView, when: has("tax_authority") },
  { id: "explorer", key: "view.explorer", render: explorerView, when: has("regulator") },
  { id: "stats", key: "view.stats", render: statsView, when: has("regulator") },
  { id: "users", key: "view.users", render: usersView, when: isAdmin },
  { id: "apikeys", key: "view.apikeys", render: apiKeysView, when: isAdmin },
  { id: "audit", key: "view.audit", render: auditView, when: (me) => isAdmin(me) || has("regulator")(me) },
];

/** The first view each role lands on. */
const HOME = [["sme", "certificates"], ["core_enterprise", "confirm"], ["bank", "market"], ["factor", "market"],
  ["tax_authority", "anchor"], ["regulator", "explorer"]];

const state = { me: null, views: [], current: null, active: null, events: null, refreshTimer: null };
const root = () => document.getElementById("app");

function langButton() {
  return h("button", {
    type: "button", class: "lang-switch", testid: "lang-switch", "aria-label": "language",
    onclick: () => setLang(getLang() === "zh" ? "en" : "zh"),
  }, getLang() === "zh" ? "English" : "中文");
}

// ---------------------------------------------------------------- sign-in

function showLogin(messageKey) {
  closeEvents();
  state.me = null;
  document.title = t("app.title");
  const error = h("div", { class: "form-error", testid: "error-form", role: "alert", hidden: !messageKey,
    i18n: messageKey || undefined });
  const fieldError = (name) => h("div", { class: "field-error", testid: `error-${name}`, hidden: true });
  const errs = { org: fieldError("org"), username: fieldError("username"), password: fieldError("password") };
  const org = h("input", { id: "login-org", name: "org", testid: "login-org", autocomplete: "organization",
    value: localStorage.getItem("smechain.lastOrg") || "" });
  const user = h("input", { id: "login-user", name: "username", testid: "login-user", autocomplete: "username" });
  const pass = h("input", { id: "login-pass", name: "password", type: "password", testid: "login-pass",
    autocomplete: "current-password" });
  const submitBtn = h("button", { type: "submit", class: "btn btn-primary btn-block", testid: "login-submit", i18n: "login.submit" });
  const field = (id, key, input, err) => h("div", { class: "field" },
    h("label", { class: "field-label", for: id, i18n: key }), input, err);
  const formEl = h("form", { class: "login-form", testid: "form-login", novalidate: true },
    field("login-org", "login.org", org, errs.org), field("login-user", "login.user", user, errs.username),
    field("login-pass", "login.pass", pass, errs.password), error, submitBtn);
  formEl.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.hidden = true;
    let ok = true;
    for (const [name, input] of [["org", org], ["username", user], ["password", pass]]) {
      const empty = !input.value.trim();
      errs[name].hidden = !empty;
      if (empty) errs[name].dataset.i18n = "err.required";
      else delete errs[name].dataset.i18n;
      errs[name].textContent = empty ? t("err.required") : "";
      input.classList.toggle("invalid", empty);
      ok &&= !empty;
    }
    if (!ok) return;
    submitBtn.disabled = true;
    try {
      const r = await post("/v1/auth/login", { org: org.value.trim(), username: user.value.trim(), password: pass.value });
      setToken(r.token);
      localStorage.setItem("smechain.lastOrg", org.value.trim());
      await start();
    } catch (err) {
      const box = (err instanceof ApiError && errs[err.field]) || error;
      if (err.status === 401) {
        box.dataset.i18n = "login.failed";
        box.textContent = t("login.failed");
      } else {
        delete box.dataset.i18n;
        box.textContent = err.message;
      }
      box.hidden = false;
    } finally {
      submitBtn.disabled = false;
    }
  });
  clear(root()).append(h("div", { class: "login-page" },
    h("div", { class: "login-top" }, langButton()),
    h("div", { class: "login-card" },
      h("div", { class: "brand brand-lg" }, h("span", { class: "logo" }, "◆"), h("span", { i18n: "app.name" })),
      h("p", { class: "muted", i18n: "login.intro" }), formEl),
    h("footer", { class: "login-foot muted small", i18n: "app.footer" })));
  (org.value ? user : org).focus();
}

// ---------------------------------------------------------------- the signed-in shell

async function start() {
  let me;
  try {
    me = await get("/v1/me");
  } catch (err) {
    setToken(null);
    showLogin(err.status === 401 ? "login.expired" : undefined);
    return;
  }
  state.me = me;
  forgetOrgs();
  state.views = VIEWS.filter((v) => v.when(me));
  renderShell();
  openEvents();
  route();
}

function renderShell() {
  const me = state.me;
  const nav = h("nav", { class: "sidenav", "aria-label": "main" }, state.views.map((v) =>
    h("a", { href: `#/${v.id}`, class: "nav-item", testid: `nav-${v.id}`, dataset: { view: v.id }, i18n: v.key })));
  clear(root()).append(
    h("header", { class: "topbar" },
      h("div", { class: "brand" }, h("span", { class: "logo" }, "◆"), h("span", { i18n: "app.name" })),
      h("div", { class: "topbar-right" },
        h("span", { class: "live", testid: "live-status", title: "" }, h("span", { class: "dot" }), tr("live.connecting")),
        h("span", { class: "who", testid: "whoami" },
          h("strong", {}, me.org_name || me.org), ` · ${me.username} `,
          h("span", { class: "role-tag", i18n: `user.role_${me.role}` })),
        langButton(),
        h("button", { type: "button", class: "btn btn-sm btn-ghost", testid: "logout", i18n: "login.logout", onclick: logout }))),
    h("div", { class: "layout" }, nav, h("main", { id: "main", class: "main", tabindex: "-1" })));
}

function route() {
  if (!state.me) return;
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
  if (hash.startsWith("cert/")) {
    showCertificate(hash.slice(5));
    history.replaceState(null, "", `#/${state.current || homeView()}`);
    if (state.active) return;
  }
  const id = state.views.some((v) => v.id === hash) ? hash : homeView();
  renderView(id);
}

function homeView() {
  const roles = state.me.org_roles || [];
  const home = HOME.find(([role]) => roles.includes(role));
  return home && state.views.some((v) => v.id === home[1]) ? home[1] : "overview";
}

function renderView(id) {
  const view = state.views.find((v) => v.id === id);
  state.current = id;
  for (const a of document.querySelectorAll(".nav-item")) {
    a.classList.toggle("active", a.dataset.view === id);
    if (a.dataset.view === id) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const main = document.getElementById("main");
  state.active = view.render({ me: state.me });
  fill(main, h("h1", { class: "view-title", i18n: view.key, testid: "view-title" }), state.active.el);
  document.title = `${t(view.key)} · ${t("app.name")}`;
  if (location.hash !== `#/${id}`) history.replaceState(null, "", `#/${id}`);
}

async function logout() {
  closeEvents();
  // Forget the token first: the session ends here whatever the server answers.
  const token = getToken();
  setToken(null);
  try {
    await request("POST", "/v1/auth/logout", { body: {}, token });
  } catch {
    // Already expired or revoked: nothing more to end.
  }
  history.replaceState(null, "", "#/");
  showLogin("login.signed_out");
}

// ---------------------------------------------------------------- live updates

/** Event names the contracts emit; the stream names each event (`event: <name>`). */
const EVENT_NAMES = ["CertificateRequested", "CertificateConfirmed", "CertificateDisputed", "CertificateSplit",
  "CertificateTransferred", "CertificateSold", "CertificateGuaranteed", "CertificateSettled", "CertificateOverdue",
  "CertificateClaimed", "InvoiceAnchored", "InvoiceFinanced", "InvoiceReleased", "InvoiceVoided", "InvoiceDiluted", "PartyRegistered",
  "Issued", "Transferred", "Redeemed", "OrgAdded", "OrgRekeyed", "KeyEnrolled", "KeyRevoked",
  "TxCommitted", "TxFailed", "message"];

function openEvents() {
  closeEvents();
  const token = getToken();
  if (!token || typeof EventSource === "undefined") return;
  const es = new EventSource(`/v1/events?token=${encodeURIComponent(token)}`);
  state.events = es;
  const live = (key, cls) => {
    const el = document.querySelector("[data-testid=live-status]");
    if (!el) return;
    el.className = `live ${cls}`;
    fill(el, h("span", { class: "dot" }), tr(key));
  };
  let dropped = false;
  const onEvent = () => {
    live("live.on", "on");
    clearTimeout(state.refreshTimer);
    state.refreshTimer = setTimeout(() => state.active && state.active.refresh && state.active.refresh(), 500);
  };
  // After a dropped connection, catch up on whatever was committed meanwhile.
  es.onopen = () => {
    live("live.on", "on");
    if (dropped) onEvent();
    dropped = false;
  };
  es.onerror = () => {
    dropped = true;
    live(es.readyState === EventSource.CLOSED ? "live.off" : "live.connecting", "off");
  };
  for (const name of EVENT_NAMES) es.addEventListener(name, onEvent);
  // A credit note lowered an invoice below what is financed: tell the holders at once.
  es.addEventListener("InvoiceDiluted", (e) => {
    try {
      const a = JSON.parse(e.data).attrs;
      toast(null, { kind: "error", text: t("invoice.diluted_toast", { id: a.commercial_invoice,
        dilution: formatAmount(a.dilution), due: formatAmount(a.amount_due) }) });
    } catch { /* a malformed frame changes nothing */ }
  });
}

function closeEvents() {
  if (state.events) state.events.close();
  state.events = null;
  clearTimeout(state.refreshTimer);
}

// ---------------------------------------------------------------- boot

onUnauthorised(() => {
  if (state.me) {
    setToken(null);
    showLogin("login.expired");
  }
});

onLangChange(() => {
  document.documentElement.lang = getLang() === "zh" ? "zh-CN" : "en";
  for (const b of document.querySelectorAll("[data-testid=lang-switch]")) b.textContent = getLang() === "zh" ? "English" : "中文";
  translateAll();
  if (state.me && state.current) renderView(state.current);
  else document.title = t("app.title");
});

window.addEventListener("hashchange", route);
window.addEventListener("unhandledrejection", (e) => {
  if (e.reason instanceof ApiError) toast(null, { text: e.reason.message, kind: "error" });
});

document.documentElement.lang = getLang() === "zh" ? "zh-CN" : "en";
if (getToken()) start();
else showLogin();
