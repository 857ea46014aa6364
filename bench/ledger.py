"""Ledger throughput and latency: N signed cash transfers among M accounts.

Builds a fresh consortium (one cash issuer, M SMEs), funds every account,
pre-signs N transfers (not timed), then submits them to the embedded node with
at most ``--window`` transactions in flight and times every commit.

    python bench/ledger.py --txs 50000 --json
    python bench/ledger.py --txs 20000 --suite sm2 --json
    python bench/ledger.py --txs 20000 --rate-bp 150 --json

``--rate-bp N`` (default 0: off) measures the transfers with interest accrual on:
once the accounts are funded, the cash issuer sets CNY's annual rate for real-name
wallets (every account's) to N bp and quarterly settlement dates, both from today,
and the orderer's clock moves one day on. The measured run is then that next day,
as on any day of a currency with interest: each account's first transfer of the
day accrues the day before into its accumulator (one more write each side), the
others read it (one more read each side, and the terms once per transfer).

``--json`` prints one line: committed_tps, p50_ms, p99_ms, verify_per_core
(signature verifications per second on one core, measured in the same run),
suite, rate_bp, and the settings used.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from smechain.client import sign_tx
from smechain.core.crypto import get_suite
from smechain.core.daycount import block_day, date_of
from smechain.core.genesis import Genesis, Governance, OrgSpec
from smechain.modules.cash.contract import MAX_RATE_BP
from smechain.node.keys import KeyPair
from smechain.node.node import Committed, Node, NodeConfig
from smechain.ordering.abc import OrdererFull
from smechain.ordering.cutter import CutterConfig

CHAIN = "bench"
DAY_MS = 86_400_000


def _key(suite: str, i: int) -> KeyPair:
    private, public = get_suite(suite).keypair_from_seed(i.to_bytes(32, "big"))
    return KeyPair(suite, private, public)


def _sign_range(args: tuple[str, int, int, int]) -> list[bytes]:
    suite, accounts, start, stop = args
    keys = [_key(suite, i + 1) for i in range(accounts)]
    out = []
    for i in range(start, stop):
        sender, nonce = i % accounts, i // accounts + 1
        body = {"currency": "CNY", "to": f"sme-{(sender + 1) % accounts}", "amount": 1}
        out.append(sign_tx(CHAIN, "cash", "transfer", body, [keys[sender]], nonce))
    return out


def presign(suite: str, accounts: int, txs: int) -> list[bytes]:
    """Sign all transfers up front, in parallel; senders' nonces stay in order."""
    procs = os.cpu_count() or 1
    step = -(-txs // procs)
    ranges = [(suite, accounts, s, min(s + step, txs)) for s in range(0, txs, step)]
    with multiprocessing.get_context("spawn").Pool(procs) as pool:
        return [tx for part in pool.map(_sign_range, ranges) for tx in part]


def verify_per_core(suite_name: str, n: int) -> float:
    """Signature verifications per second on one core."""
    suite = get_suite(suite_name)
    key = _key(suite_name, 10**6)
    digests = [suite.hash(i.to_bytes(8, "big")) for i in range(n)]
    sigs = [suite.sign(key.private, d) for d in digests]
    start = time.perf_counter()
    for d, s in zip(digests, sigs, strict=True):
        suite.verify(key.public, d, s)
    return n / (time.perf_counter() - start)


def drive(node: Node, txs: list[bytes], window: int) -> tuple[float, list[float], int]:
    """Submit ``txs`` with at most ``window`` in flight; return seconds, latencies, failures."""
    submitted: dict[bytes, float] = {}
    latencies: list[float] = []
    failed = [0]
    done = threading.Condition()
    in_flight = [0]

    def on_commit(c: Committed) -> None:
        now = time.perf_counter()
        n = 0
        for h, r in zip(c.tx_hashes, c.block.receipts, strict=True):
            t = submitted.pop(h, None)
            if t is not None:
                latencies.append(now - t)
                n += 1
                if not r.ok:
                    failed[0] += 1
                    if failed[0] <= 3:
                        print(f"failed: {r.code}: {r.message}", file=sys.stderr)
        with done:
            in_flight[0] -= n
            done.notify_all()

    node.on_commit(on_commit)
    start = time.perf_counter()
    for tx in txs:
        with done:
            while in_flight[0] >= window:
                done.wait()
            in_flight[0] += 1
        t = time.perf_counter()
        while True:
            try:
                submitted[node.submit(tx)] = t
                break
            except OrdererFull:
                time.sleep(0.001)
    with done:
        while in_flight[0] > 0:
            done.wait()
    return time.perf_counter() - start, latencies, failed[0]


def percentiles(values_ms: list[float]) -> tuple[float, float]:
    """p50 and p99 of ``values_ms``, to 0.1 ms (a single value is both)."""
    if len(values_ms) < 2:
        only = round(values_ms[0], 1) if values_ms else 0.0
        return only, only
    q = statistics.quantiles(values_ms, n=100)
    return round(q[49], 1), round(q[98], 1)


def set_interest(node: Node, issuer: KeyPair, rate_bp: int, nonce: int) -> None:
    """The issuer sets CNY's real-name rate and quarterly settlement dates from today
    (``nonce`` and the next are its nonces), and waits until both took effect."""
    today = date_of(block_day(int(time.time() * 1000)))
    terms = [sign_tx(CHAIN, "cash", "set_rate", {"currency": "CNY", "rate_bp": rate_bp,
                                                 "effective": today}, [issuer], nonce),
             sign_tx(CHAIN, "cash", "set_settlement_dates",
                     {"currency": "CNY", "months": [3, 6, 9, 12], "day": 20,
                      "effective": today}, [issuer], nonce + 1)]
    hashes = [node.submit(tx) for tx in terms]
    for h in hashes:
        receipt = node.wait(h, 60)
        assert receipt.ok, f"{receipt.code}: {receipt.message}"


def main(argv: list[str] | None = None) -> int:
    return report(main_result(argv), argv)


def report(result: dict[str, Any], argv: list[str] | None) -> int:
    """Print ``result`` (one JSON line with ``--json``); exit status 1 if anything failed."""
    if "--json" in (argv if argv is not None else sys.argv[1:]):
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>16}: {v}")
    return 0 if result["failed"] == 0 else 1


def main_result(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark and return its figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--txs", type=int, default=50_000)
    p.add_argument("--accounts", type=int, default=1000)
    p.add_argument("--suite", choices=["ed25519", "sm2"], default="ed25519")
    p.add_argument("--window", type=int, default=3000, help="most transactions in flight")
    p.add_argument("--max-txs", type=int, default=CutterConfig().max_txs)
    p.add_argument("--max-wait-ms", type=int, default=CutterConfig().max_wait_ms)
    p.add_argument("--workers", type=int, default=None, help="signature worker processes")
    p.add_argument("--rate-bp", type=int, default=0,
                   help=f"annual rate on real-name wallets, 0 to {MAX_RATE_BP} bp; 0: no "
                        "interest terms at all")
    p.add_argument("--data", type=Path, help="keep the chain in this folder")
    p.add_argument("--json", action="store_true", help="print one JSON line")
    a = p.parse_args(argv)
    if a.txs < 1 or a.accounts < 2 or a.window < 1:
        p.error("--txs must be >= 1, --accounts >= 2, --window >= 1")
    if not 0 <= a.rate_bp <= MAX_RATE_BP:
        p.error(f"--rate-bp must be 0 (off) to {MAX_RATE_BP}, not {a.rate_bp}")

    per_core = verify_per_core(a.suite, 3000 if a.suite == "ed25519" else 600)
    issuer = _key(a.suite, 0)
    keys = [_key(a.suite, i + 1) for i in range(a.accounts)]
    orderer = _key(a.suite, 10**7)
    orgs = [OrgSpec("issuer", "Cash issuer", ["cash_issuer"], issuer.public)]
    orgs += [OrgSpec(f"sme-{i}", f"SME {i}", ["sme"], k.public) for i, k in enumerate(keys)]
    admins = ["issuer", "sme-0", "sme-1"]
    genesis = Genesis(CHAIN, a.suite, int(time.time() * 1000), orgs,
                      Governance(admins, dict.fromkeys(
                          ("add_org", "suspend_org", "readmit_org", "rekey_org"), 2)),
                      [orderer.public])
    if a.data and a.data.exists() and any(a.data.iterdir()):
        p.error(f"--data: {a.data} is not empty; give a new folder")
    folder = a.data or Path(tempfile.mkdtemp(prefix="smechain-bench-"))
    txs = presign(a.suite, a.accounts, a.txs)
    offset = [0]
    clock = (lambda: int(time.time() * 1000) + offset[0]) if a.rate_bp else None
    config = NodeConfig(CutterConfig(a.max_txs, a.max_wait_ms), a.workers, clock=clock)
    node = Node.create(folder, genesis, orderer, config).start()
    try:
        funding = [sign_tx(CHAIN, "cash", "issue",
                           {"currency": "CNY", "to": f"sme-{i}", "amount": 10**9}, [issuer], i + 1)
                   for i in range(a.accounts)]
        hashes = [node.submit(tx) for tx in funding]
        assert node.wait(hashes[-1], 120).ok
        if a.rate_bp:
            set_interest(node, issuer, a.rate_bp, a.accounts + 1)
            offset[0] = DAY_MS

        elapsed, latencies, failed = drive(node, txs, a.window)
    finally:
        node.close()
        if not a.data:
            shutil.rmtree(folder, ignore_errors=True)

    p50, p99 = percentiles([x * 1000 for x in latencies])
    result = {
        "bench": "ledger",
        "suite": a.suite,
        "txs": a.txs,
        "accounts": a.accounts,
        "committed_tps": round(a.txs / elapsed),
        "p50_ms": p50,
        "p99_ms": p99,
        "verify_per_core": round(per_core),
        "failed": failed,
        "rate_bp": a.rate_bp,
        "window": a.window,
        "max_txs": a.max_txs,
        "max_wait_ms": a.max_wait_ms,
        "cores": os.cpu_count(),
    }
    return result


if __name__ == "__main__":
    sys.exit(main())
