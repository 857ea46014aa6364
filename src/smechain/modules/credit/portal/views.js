// The credit module's views, by who uses them; the manifest names each one's export.

export { bankModelsView } from "./bank.js";
export { attestedView } from "./owner.js";
export { registryView } from "./registry.js";
export { smeReportsView } from "./reports.js";
