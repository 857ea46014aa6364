// The portal: sign-in, one navigation per organisation role built from the manifest the server serves
// (portal.js), live refresh from server-sent events.

import { get, post, request, getToken, setToken, onUnauthorised, ApiError } from "./api.js";
import { t, getLang, setLang, onLangChange } from "./i18n.js";
import { allowed, exported, getManifest, loadManifest } from "./portal.js";
import { h, tr, clear, translateAll, toast, fill } from "./ui.js";
import { forgetOrgs } from "./views/common.js";

const state = { me: null, views: [], links: [], listeners: [], current: null, active: null, events: null,
  refreshTimer: null };
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
  forgetOrgs();
  // The code of the user's views, of their panels, of links and of event listeners, from their scripts.
  const { views, panels, links, listeners } = getManifest();
  const mine = views.filter((v) => allowed(v.roles, me));
  const theirPanels = mine.map((v) => panels.filter((p) => p.view === v.id));
  const [renders, panelMakers, linkOpeners, handlers] = await Promise.all([exported(mine),
    Promise.all(theirPanels.map(exported)), exported(links), exported(listeners)]);
  state.views = mine.map((v, i) => ({ ...v, render: renders[i], panels: panelMakers[i] }));
  state.links = links.map((l, i) => ({ prefix: l.prefix, open: linkOpeners[i] }));
  state.listeners = listeners.map((l, i) => ({ event: l.event, handle: handlers[i] }));
  state.me = me;
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
  const link = state.links.find((l) => hash.startsWith(`${l.prefix}/`));
  if (link) {
    link.open(hash.slice(link.prefix.length + 1));
    history.replaceState(null, "", `#/${state.current || homeView()}`);
    if (state.active) return;
  }
  const id = state.views.some((v) => v.id === hash) ? hash : homeView();
  renderView(id);
}

/** The first view, in menu order, that one of the organisation's roles lands on; else the first view. */
function homeView() {
  const roles = state.me.org_roles || [];
  const home = state.views.find((v) => (v.home || []).some((r) => roles.includes(r)));
  return (home || state.views[0]).id;
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
  state.active = view.render({ me: state.me, panels: view.panels });
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
  // The stream names each event (`event: <name>`); the manifest lists the names the modules emit.
  for (const name of getManifest().events) es.addEventListener(name, onEvent);
  for (const { event, handle } of state.listeners) {
    es.addEventListener(event, (e) => {
      try {
        handle(JSON.parse(e.data));
      } catch { /* a malformed frame changes nothing */ }
    });
  }
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
loadManifest().then(() => (getToken() ? start() : showLogin()));
