// The manifest the server gathers from the shell and the modules (GET /portal/manifest.json): views,
// panels, links, live events and the modules' messages; each item's code is imported from its script.

import { request } from "./api.js";
import { addMessages } from "./i18n.js";

let manifest = { modules: [], views: [], panels: [], links: [], listeners: [], events: [] };

/** Fetch the manifest and add the modules' messages to the dictionaries. */
export async function loadManifest() {
  manifest = await request("GET", "/portal/manifest.json", { auth: false });
  addMessages(manifest.messages);
  return manifest;
}

export const getManifest = () => manifest;

/** The functions `items` export, in their order (the browser imports each script once). */
export function exported(items) {
  return Promise.all(items.map(async (item) => {
    const f = (await import(item.script))[item.export];
    if (typeof f !== "function") throw new Error(`${item.script} exports no function ${item.export}`);
    return f;
  }));
}

/** Whether the signed-in user `me` (GET /v1/me) gets an item declared for `roles`. */
export function allowed(roles, me) {
  return roles.some((r) => r === "*" || (r === "admin" ? me.role === "admin" : (me.org_roles || []).includes(r)));
}
