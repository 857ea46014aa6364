// The lineage of a certificate as an SVG tree: the root, its parts, their parts…

import { t } from "./i18n.js";
import { formatAmount } from "./money.js";

const NS = "http://www.w3.org/2000/svg";
const BOX_W = 168;
const BOX_H = 76;
const GAP_X = 18;
const GAP_Y = 44;
const MARGIN = 12;

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Place each node: x by the leaves to its left, y by depth. Answers the laid-out nodes and size. */
export function layout(root) {
  const placed = [];
  let leaves = 0;
  let depthMax = 0;
  const walk = (node, depth, parent) => {
    const parts = node.parts || [];
    const me = { node, depth, parent, x: 0, y: depth * (BOX_H + GAP_Y) + MARGIN };
    placed.push(me);
    depthMax = Math.max(depthMax, depth);
    if (!parts.length) {
      me.x = MARGIN + leaves * (BOX_W + GAP_X);
      leaves += 1;
    } else {
      const kids = parts.map((p) => walk(p, depth + 1, me));
      me.x = (kids[0].x + kids[kids.length - 1].x) / 2;
    }
    return me;
  };
  walk(root, 0, null);
  return {
    placed,
    width: MARGIN * 2 + leaves * BOX_W + (leaves - 1) * GAP_X,
    height: MARGIN * 2 + (depthMax + 1) * BOX_H + depthMax * GAP_Y,
  };
}

const shortId = (id) => {
  const [head, ...rest] = String(id).split(".");
  const tail = rest.length ? `.${rest.join(".")}` : "";
  return head.length > 10 ? `${head.slice(0, 8)}…${tail}` : `${head}${tail}`;
};

/** The tree as SVG; the node `selected` is highlighted, `onPick(id)` fires on a click. */
export function lineageTree(root, { selected, currency = "", onPick } = {}) {
  const { placed, width, height } = layout(root);
  const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "lineage", role: "img",
    "data-testid": "lineage", "aria-label": t("cert.lineage") });
  for (const p of placed) {
    if (!p.parent) continue;
    const x1 = p.parent.x + BOX_W / 2;
    const y1 = p.parent.y + BOX_H;
    const x2 = p.x + BOX_W / 2;
    const y2 = p.y;
    const my = (y1 + y2) / 2;
    svg.append(s("path", { d: `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`, class: "edge" }));
  }
  for (const p of placed) {
    const n = p.node;
    const g = s("g", { class: `node status-${n.status}${n.id === selected ? " selected" : ""}`,
      transform: `translate(${p.x},${p.y})`, "data-testid": `lineage-node-${n.id}`, "data-id": n.id });
    const holder = n.holder || t("cert.holderHidden");
    g.append(s("title", {}, `${n.id}\n${t("cert.holder")}: ${holder}\n${t("cert.maturity")}: ${n.maturity ?? ""}`));
    g.append(s("rect", { width: BOX_W, height: BOX_H, rx: 6, class: "box" }));
    g.append(s("rect", { width: 5, height: BOX_H, rx: 2, class: "stripe" }));
    g.append(s("text", { x: 14, y: 18, class: "node-id" }, shortId(n.id)));
    g.append(s("text", { x: 14, y: 36, class: "node-face" }, `${formatAmount(n.face)} ${currency}`.trim()));
    g.append(s("text", { x: 14, y: 53, class: "node-holder" }, `${t("cert.holder")}: ${holder}`));
    g.append(s("text", { x: 14, y: 69, class: "node-status" },
      `${t(`status.${n.status}`)}${n.maturity ? ` · ${n.maturity}` : ""}`));
    if (onPick) {
      g.style.cursor = "pointer";
      g.addEventListener("click", () => onPick(n.id));
    }
    svg.append(g);
  }
  return svg;
}
