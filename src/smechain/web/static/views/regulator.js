// Regulator views: the chain explorer (blocks, transactions, proofs, verify) and supervision statistics.

import { get, post, page } from "../api.js";
import { lineChart } from "../charts.js";
import { formatAmount } from "../money.js";
import { pagedTable, staticTable } from "../table.js";
import { h, tr, panel, button, clear, short, formatTime, keyValues, todayUtc, fill } from "../ui.js";
import { resultBadge } from "./common.js";

const KNOWN = new Set(["height", "hash", "block_hash", "prev_hash", "parent_hash", "timestamp_ms", "tx_root",
  "writes_hash", "tx_count", "proposer", "orderer", "chain_id", "receipts_root"]);

/** Scalar fields of an object as a definition list; labels translated where known. */
function facts(obj, testid) {
  const rows = Object.entries(obj || {}).filter(([, v]) => v === null || typeof v !== "object");
  return h("dl", { class: "kv", testid }, rows.map(([k, v]) => [
    h("dt", KNOWN.has(k) ? { i18n: `block.${k}` } : {}, KNOWN.has(k) ? null : k),
    h("dd", { class: typeof v === "string" && /^[0-9a-f]{16,}$/.test(v) ? "mono wrap" : "" },
      k.endsWith("_ms") ? `${formatTime(v)} (${v})` : String(v ?? "")),
  ]));
}

const hashOf = (x) => x.tx_hash || x.hash;

/** The transaction `hash`: body, signers, receipt; a button fetches and shows its inclusion proof. */
export function transactionDetail(hash) {
  const box = h("div", { class: "tx-detail", testid: "tx-detail" }, tr("common.loading"));
  const proofBox = h("div", { class: "tx-proof-box" });
  get(`/v1/transactions/${encodeURIComponent(hash)}`).then((tx) => {
    const body = tx.tx || tx.body || {};
    const receipt = tx.receipt || {};
    const signers = tx.signers || tx.signer_orgs || body.signers || [];
    fill(box, 
      keyValues([
        ["tx.hash", h("span", { class: "mono wrap", testid: "tx-hash" }, tx.tx_hash || hash)],
        ["tx.height", String(tx.height ?? receipt.height ?? "")],
        ["tx.action", `${tx.contract ?? body.contract ?? ""}.${tx.action ?? body.action ?? ""}`],
        ["tx.signers", (Array.isArray(signers) ? signers.map((s) => (typeof s === "string" ? s : s.org || JSON.stringify(s))) : [String(signers)]).join(", ")],
        ["tx.result", h("span", { testid: "tx-receipt" }, resultBadge(receipt.ok !== undefined ? receipt : tx),
          " ", receipt.message || "")],
      ]),
      h("details", { class: "raw", open: true }, h("summary", { i18n: "tx.body" }),
        h("pre", { class: "json" }, JSON.stringify(tx.args ?? body.args ?? body, null, 2))),
      h("details", { class: "raw" }, h("summary", { i18n: "tx.receipt" }),
        h("pre", { class: "json" }, JSON.stringify(receipt, null, 2))),
      h("div", { class: "form-actions" }, button("tx.show_proof", () => showProof(hash, proofBox),
        { kind: "primary", testid: "btn-proof" })),
      proofBox,
    );
  }).catch((err) => fill(box, h("div", { class: "form-error" }, err.message)));
  return box;
}

async function showProof(hash, box) {
  fill(box, tr("common.loading"));
  try {
    const p = await get(`/v1/transactions/${encodeURIComponent(hash)}/proof`);
    const checks = p.checks ?? {};
    const list = Array.isArray(checks)
      ? checks.map((c) => (typeof c === "string" ? [c, true] : [c.name || c.check || "", c.ok ?? c.passed ?? c.result]))
      : Object.entries(checks);
    const okAll = p.valid ?? p.ok ?? list.every(([, v]) => v === true || v === "ok");
    const hex = p.proof || p.hex || p.bytes || "";
    fill(box, h("div", { class: "proof", testid: "tx-proof" },
      h("h4", {}, tr("proof.title"), " ", h("span", { class: `badge ${okAll ? "badge-confirmed" : "badge-disputed"}`,
        testid: "proof-status", i18n: okAll ? "proof.holds" : "proof.fails" })),
      list.length ? h("ul", { class: "checks" }, list.map(([name, v]) => h("li",
        { class: v === true || v === "ok" ? "pass" : "fail" }, `${v === true || v === "ok" ? "✓" : "✗"} ${name}`,
        typeof v === "string" && v !== "ok" ? `: ${v}` : ""))) : null,
      keyValues([
        ["tx.height", String(p.height ?? "")],
        p.path_length !== undefined ? ["proof.path_length", String(p.path_length)] : null,
        p.checkpoints !== undefined ? ["proof.checkpoints", String(p.checkpoints)] : null,
        p.problem ? ["proof.problem", h("span", { class: "problem" }, p.problem)] : null,
      ], "proof-facts"),
      hex ? h("label", { class: "field-label", i18n: "proof.hex" }) : null,
      hex ? h("textarea", { class: "mono hex", readOnly: true, rows: 4, testid: "proof-hex" }, hex) : null));
  } catch (err) {
    fill(box, h("div", { class: "form-error" }, err.message));
  }
}

export function explorerView() {
  const verifyResult = h("div", { class: "verify-result", testid: "verify-result", role: "status" });
  const verifyBtn = h("button", { type: "button", class: "btn btn-primary", testid: "verify-chain", i18n: "verify.button",
    onclick: async () => {
      verifyBtn.disabled = true;
      fill(verifyResult, tr("verify.running"));
      try {
        const r = await post("/v1/chain/verify", {});
        verifyResult.className = `verify-result ${r.ok ? "ok" : "bad"}`;
        fill(verifyResult, 
          h("strong", { i18n: r.ok ? "verify.intact" : "verify.broken", testid: "verify-status" }), " ",
          tr("verify.counts", { blocks: r.blocks, transactions: r.transactions }),
          r.problem ? h("div", { class: "problem" }, r.problem) : null);
      } catch (err) {
        verifyResult.className = "verify-result bad";
        fill(verifyResult, err.message);
      } finally {
        verifyBtn.disabled = false;
      }
    } });
  const blockBox = h("div", { class: "block-detail-box" });
  const txBox = h("div", { class: "tx-detail-box" });

  const openTx = (hash) => {
    fill(txBox, panel("tx.title", transactionDetail(hash)));
    txBox.scrollIntoView({ block: "nearest" });
  };
  const openBlock = async (height) => {
    clear(txBox);
    fill(blockBox, panel("block.title", tr("common.loading")));
    try {
      const b = await get(`/v1/blocks/${height}`);
      const header = b.header || b;
      const txs = page(b.transactions || b.txs || []).items;
      fill(blockBox, h("section", { class: "panel", testid: "block-detail" },
        h("h2", { i18n: "block.title_n", params: { n: header.height ?? height } }),
        facts(header, "block-header"),
        h("h3", { i18n: "block.transactions" }),
        staticTable("block-txs", [
          { key: "tx.index", num: true, cell: (x) => String(x.index ?? "") },
          { key: "tx.hash", cell: (x) => h("a", { href: "#", class: "link mono", testid: `tx-link-${hashOf(x)}`,
            title: hashOf(x), onclick: (e) => {
              e.preventDefault();
              openTx(hashOf(x));
            } }, `${String(hashOf(x)).slice(0, 16)}…`) },
          { key: "tx.action", cell: (x) => `${x.contract ?? ""}.${x.action ?? ""}` },
          { key: "tx.sender", cell: (x) => x.sender_org ?? "" },
          { key: "tx.result", cell: (x) => resultBadge(x.receipt || x) },
        ], txs, hashOf)));
      blockBox.scrollIntoView({ block: "nearest" });
    } catch (err) {
      fill(blockBox, h("div", { class: "form-error" }, err.message));
    }
  };

  const blocks = pagedTable({
    name: "blocks",
    limit: 10,
    load: (offset, limit) => get("/v1/blocks", { offset, limit }),
    rowId: (b) => (b.header || b).height,
    onRow: (b) => openBlock((b.header || b).height),
    columns: [
      { key: "block.height", num: true, cell: (b) => h("a", { href: "#", class: "link", testid: `block-link-${(b.header || b).height}`,
        onclick: (e) => {
          e.preventDefault();
          openBlock((b.header || b).height);
        } }, String((b.header || b).height)) },
      { key: "block.hash", cell: (b) => short((b.header || b).hash || b.block_hash, 16) },
      { key: "block.timestamp_ms", cell: (b) => formatTime((b.header || b).timestamp_ms) },
      { key: "block.tx_count", num: true, cell: (b) => String(b.tx_count ?? (b.header || b).tx_count ?? "") },
    ],
  });
  return {
    el: h("div", {}, panel("verify.title", h("p", { class: "muted", i18n: "verify.intro" }),
      h("div", { class: "verify-row" }, verifyBtn, verifyResult)),
    panel("block.list", blocks.el), blockBox, txBox),
    refresh: blocks.reload,
  };
}

/** The invoice a refusal's message names ("invoices[0]: invoice '…' has …"). */
function invoiceIn(message) {
  const m = /invoice '([^']+)'/.exec(message || "");
  return m ? m[1] : "";
}

/** Days without financing count as zero: a continuous axis from two weeks back (or the first day) to today. */
function everyDay(rows) {
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const DAY = 86_400_000;
  const today = Date.parse(`${todayUtc()}T00:00:00Z`);
  const first = rows.length ? Math.min(Date.parse(`${rows[0].day}T00:00:00Z`), today - 13 * DAY) : today - 13 * DAY;
  const last = rows.length ? Math.max(Date.parse(`${rows[rows.length - 1].day}T00:00:00Z`), today) : today;
  if (!Number.isFinite(first) || (last - first) / DAY > 731) return rows;
  const out = [];
  for (let d = first; d <= last; d += DAY) {
    const day = new Date(d).toISOString().slice(0, 10);
    out.push(byDay.get(day) || { day, count: 0, amount: 0 });
  }
  return out;
}

/** Financed volume per day, and double-financing attempts the ledger refused. */
export function statsView() {
  const chartBox = h("div", { class: "chart-box" });
  const summary = h("div", { class: "cards", testid: "volume-summary" });
  const loadChart = async () => {
    try {
      const data = await get("/v1/stats/volumes");
      const rows = Array.isArray(data) ? data : (data && data.items) || [];
      const points = everyDay(rows).map((r) => ({ label: r.day.slice(5), tip: r.day, value: r.amount, count: r.count }));
      const total = rows.reduce((a, r) => a + BigInt(r.amount ?? 0), 0n);
      const count = rows.reduce((a, r) => a + Number(r.count ?? 0), 0);
      fill(chartBox, lineChart(points, { testid: "chart-volumes", titleKey: "stats.volumes", xLabelKey: "chart.day" }));
      fill(summary, 
        h("div", { class: "card" }, h("div", { class: "card-label", i18n: "stats.total_financed" }),
          h("div", { class: "card-value" }, formatAmount(total))),
        h("div", { class: "card" }, h("div", { class: "card-label", i18n: "stats.total_count" }),
          h("div", { class: "card-value" }, String(count))));
    } catch (err) {
      fill(chartBox, h("div", { class: "form-error" }, err.message));
    }
  };
  const refusals = pagedTable({
    name: "refusals",
    load: (offset, limit) => get("/v1/stats/refusals", { offset, limit }),
    rowId: (r) => r.tx_hash,
    empty: "stats.no_refusals",
    columns: [
      { key: "tx.time", cell: (r) => formatTime(r.timestamp_ms) },
      { key: "tx.height", num: true, cell: (r) => String(r.height ?? "") },
      { key: "tx.sender", cell: (r) => r.sender_org },
      { key: "stats.invoice", cell: (r) => h("span", { class: "mono" }, r.invoice ?? invoiceIn(r.message)) },
      { key: "stats.code", cell: (r) => h("span", { class: "badge badge-disputed" }, r.code ?? "") },
      { key: "stats.message", cell: (r) => h("span", { class: "small" }, r.message ?? "") },
      { key: "tx.hash", cell: (r) => short(r.tx_hash, 12) },
    ],
  });
  loadChart();
  return {
    el: h("div", {}, panel("stats.volumes", summary, chartBox),
      panel("stats.refusals", h("p", { class: "muted", i18n: "stats.refusals_intro" }), refusals.el)),
    refresh: () => {
      loadChart();
      refusals.reload();
    },
  };
}

