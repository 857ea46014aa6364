"""Supply-chain finance throughput: anchor, issue, confirm, split, transfer, sell, settle.

Each workflow is eight transactions: the tax authority anchors an invoice; the
tier-1 supplier issues a certificate on it; the core enterprise confirms; the
supplier splits it in two and passes one part to its own supplier, who sells
it to the bank (two signatures, cash leg in the same transaction); at maturity
the core enterprise settles both parts. All transactions are signed up front;
the orderer's clock is moved 31 days on (a simulation clock) before the
settlements. The same run measures plain cash transfers (bench/ledger.py) for
the ratio.

    python bench/receivables.py --workflows 4000 --json
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import ledger
from smechain.client import sign_tx
from smechain.core.genesis import Genesis, Governance, OrgSpec
from smechain.core.tx import decode_tx
from smechain.node.keys import KeyPair
from smechain.node.node import Node, NodeConfig
from smechain.ordering.cutter import CutterConfig

CHAIN = ledger.CHAIN
DAY_MS = 86_400_000


class Signer:
    """Pre-signs transactions, keeping every key's nonces in submission order."""

    def __init__(self) -> None:
        self.nonces: dict[bytes, int] = {}

    def __call__(self, contract: str, action: str, args: dict[str, object],
                 *keys: KeyPair) -> bytes:
        n = self.nonces.get(keys[0].public, 0) + 1
        self.nonces[keys[0].public] = n
        return sign_tx(CHAIN, contract, action, args, list(keys), n)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workflows", type=int, default=4000, help="eight transactions each")
    p.add_argument("--pairs", type=int, default=200, help="tier-1/tier-2 supplier pairs")
    p.add_argument("--window", type=int, default=3000)
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    if a.workflows < 1 or a.pairs < 1:
        p.error("--workflows and --pairs must be at least 1")

    key = {name: ledger._key("ed25519", i) for i, name in
           enumerate(["tax", "core", "bank", "pboc", "orderer"])}
    for j in range(a.pairs):
        key[f"sa-{j}"] = ledger._key("ed25519", 1000 + j)
        key[f"sb-{j}"] = ledger._key("ed25519", 100_000 + j)
    roles = {"tax": ["tax_authority"], "core": ["core_enterprise"], "bank": ["bank"],
             "pboc": ["cash_issuer"]}
    orgs = [OrgSpec(o, o, roles.get(o, ["sme"]), k.public) for o, k in key.items()
            if o != "orderer"]
    now_ms = int(time.time() * 1000)
    genesis = Genesis(CHAIN, "ed25519", now_ms, orgs, Governance(
        ["tax", "core", "bank"], dict.fromkeys(
            ("add_org", "suspend_org", "readmit_org", "rekey_org"), 2)), [key["orderer"].public])
    offset = [0]
    config = NodeConfig(CutterConfig(), clock=lambda: int(time.time() * 1000) + offset[0])
    folder = Path(tempfile.mkdtemp(prefix="smechain-recv-"))
    sign = Signer()
    setup = [sign("invoice", "register_party", {"identifier": "LEGAL:core", "org": "core"},
                  key["tax"])]
    setup += [sign("invoice", "register_party",
                   {"identifier": f"LEGAL:sa-{j}", "org": f"sa-{j}"}, key["tax"])
              for j in range(a.pairs)]
    setup += [sign("cash", "issue", {"currency": "CNY", "to": o, "amount": 10**12}, key["pboc"])
              for o in ("core", "bank")]

    today = datetime.datetime.fromtimestamp(now_ms / 1000, datetime.UTC).date()
    maturity = (today + datetime.timedelta(days=30)).isoformat()
    # Signed phase by phase, in the order they are submitted, so each key's
    # nonces arrive in sequence.
    flows = [(i, key[f"sa-{i % a.pairs}"], key[f"sb-{i % a.pairs}"], i % a.pairs)
             for i in range(a.workflows)]
    phases: list[list[bytes]] = [[] for _ in range(7)]
    certs: list[str] = []
    for i, _, _, j in flows:
        phases[0].append(sign("invoice", "anchor", {
            "number": f"INV{i}", "seller": f"LEGAL:sa-{j}", "buyer": "LEGAL:core",
            "currency": "CNY",
            "net_amount": 1000_00, "tax_amount": 130_00, "total_amount": 1130_00,
            "issue_date": today.isoformat(), "digest": i.to_bytes(32, "big")}, key["tax"]))
    for i, sa, _, j in flows:
        issue = sign("receivable", "issue", {"invoices": [[f"LEGAL:sa-{j}/INV{i}", 1130_00]],
                                             "debtor": "core", "currency": "CNY",
                                             "maturity": maturity}, sa)
        phases[1].append(issue)
        certs.append(decode_tx(issue, key["tax"].crypto)[1].hex()[:32])
    for cert in certs:
        phases[2].append(sign("receivable", "confirm", {"id": cert}, key["core"]))
    for (_, sa, _, _), cert in zip(flows, certs, strict=True):
        phases[3].append(sign("receivable", "split", {"id": cert, "amounts": [565_00, 565_00]},
                              sa))
    for (_, sa, _, j), cert in zip(flows, certs, strict=True):
        phases[4].append(sign("receivable", "transfer", {"id": f"{cert}.2", "to": f"sb-{j}"}, sa))
    for (_, _, sb, _), cert in zip(flows, certs, strict=True):
        phases[5].append(sign("receivable", "sell", {"id": f"{cert}.2", "buyer": "bank",
                                                     "discount_rate_bp": 400,
                                                     "day_count": "ACT/360",
                                                     "recourse": True}, sb, key["bank"]))
    for cert in certs:
        phases[6].append(sign("receivable", "settle", {"id": f"{cert}.1"}, key["core"]))
        phases[6].append(sign("receivable", "settle", {"id": f"{cert}.2"}, key["core"]))

    node = Node.create(folder, genesis, key["orderer"], config).start()
    try:
        for raw in setup:
            node.submit(raw)
        assert node.wait(decode_tx(setup[-1], key["tax"].crypto)[1], 60).ok
        before = sum(len(ph) for ph in phases[:6])
        elapsed, _, failed = ledger.drive(node, [tx for ph in phases[:6] for tx in ph], a.window)
        offset[0] = 31 * DAY_MS
        elapsed2, _, failed2 = ledger.drive(node, phases[6], a.window)
        failed += failed2
        paid = node.query("cash/balance/CNY/bank")
    finally:
        node.close()
        shutil.rmtree(folder, ignore_errors=True)
    total = before + len(phases[6])
    tps = round(total / (elapsed + elapsed2))
    plain = ledger.main_result(["--txs", str(total), "--window", str(a.window)])
    result = {"bench": "receivables", "workflows": a.workflows, "txs": total,
              "committed_tps": tps, "plain_transfer_tps": plain["committed_tps"],
              "ratio_to_transfers": round(tps / plain["committed_tps"], 2),
              "failed": failed, "bank_discount_earned": paid - 10**12, "cores": plain["cores"]}
    print(json.dumps(result) if a.json else result)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
