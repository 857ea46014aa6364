"""Consortium throughput and latency: signed cash transfers into a local network.

Starts three NATS servers (JetStream, R3 streams) and four peer processes on
this machine with ``smechain.node.cluster``, funds ``--accounts`` member
organisations, pre-signs ``--txs`` transfers among them (not timed), then
publishes them to the transaction stream with at most ``--window`` not yet
committed at every peer. A transaction counts as committed when the slowest
peer's signed checkpoint for its block arrives.

    python bench/cluster.py --json

``--json`` prints one line: committed_tps (at the slowest peer), p50_ms and
p99_ms (submit to commit at that peer), and the settings used.
"""

from __future__ import annotations

import argparse
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

from ledger import report  # bench/ is on the path when run as a script
from smechain.client import sign_tx
from smechain.core.block import Block
from smechain.core.checkpoint import SignedCheckpoint
from smechain.core.encoding import decode
from smechain.core.tx import decode_tx
from smechain.node.cluster import ClusterLayout, create_cluster, start_cluster, stop_cluster
from smechain.node.keys import KeyPair, load_key
from smechain.ordering.cutter import CutterConfig
from smechain.ordering.jetstream import BlockLog, JetStreamOrderer, Names, NatsLink

PEERS = 4


def _sign_range(args: tuple[str, list[tuple[str, str]], int, int]) -> list[tuple[bytes, bytes]]:
    chain, keys_hex, start, stop = args
    keys = [KeyPair("ed25519", bytes.fromhex(p), bytes.fromhex(q)) for p, q in keys_hex]
    n = len(keys)
    out = []
    for i in range(start, stop):
        sender, nonce = i % n, i // n + 1
        body = {"currency": "CNY", "to": f"org-{2 + (sender + 1) % n}", "amount": 1}
        raw = sign_tx(chain, "cash", "transfer", body, [keys[sender]], nonce)
        out.append((raw, decode_tx(raw, keys[0].crypto)[1]))
    return out


class Tracker:
    """Which block holds each transaction, and when each peer's checkpoint of it arrived."""

    def __init__(self, link: NatsLink, names: Names, orgs: list[str]) -> None:
        self.link, self.names, self.orgs = link, names, orgs
        self.lock = threading.Condition()
        self.block_of: dict[bytes, int] = {}
        self.size: dict[int, int] = {}
        self.seen: dict[int, dict[str, float]] = {}
        self.all_at: dict[int, float] = {}
        self.committed = 0
        self.failed = 0
        self.top = 0
        self._stop = threading.Event()
        link.call(link.nc.subscribe(names.ckpt_subject("*"), cb=self._checkpoint))
        self._reader = threading.Thread(target=self._read_blocks, daemon=True)
        self._reader.start()

    async def _checkpoint(self, msg: Any) -> None:
        now = time.perf_counter()
        cp = decode(msg.data, SignedCheckpoint).checkpoint
        with self.lock:
            at = self.seen.setdefault(cp.height, {})
            at.setdefault(cp.org, now)
            if len(at) == len(self.orgs) and cp.height not in self.all_at:
                self.all_at[cp.height] = now
                self._advance()

    def _advance(self) -> None:
        while self.top + 1 in self.all_at and self.top + 1 in self.size:
            self.top += 1
            self.committed += self.size[self.top]
        self.lock.notify_all()

    def _read_blocks(self) -> None:
        log = BlockLog(self.link, self.names)
        height = 1
        while not self._stop.is_set():
            for logged in log.read(height, 16, 0.2):
                block = decode(logged.data, Block)
                with self.lock:
                    for r in block.receipts:
                        self.block_of[r.tx_hash] = logged.height
                        self.failed += not r.ok
                    self.size[logged.height] = len(block.receipts)
                    self._advance()
                height = logged.height + 1

    def wait_committed(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self.lock:
            while self.committed < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{self.committed} of {count} committed at every peer")
                self.lock.wait(left)

    def close(self) -> None:
        self._stop.set()
        self._reader.join(5)


def main_result(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--txs", type=int, default=40_000)
    p.add_argument("--accounts", type=int, default=200)
    p.add_argument("--window", type=int, default=3000, help="most transactions in flight")
    p.add_argument("--max-txs", type=int, default=1000, help="transactions per block at most")
    p.add_argument("--max-wait-ms", type=int, default=CutterConfig().max_wait_ms)
    p.add_argument("--workers", type=int, default=0, help="signature worker processes per peer")
    p.add_argument("--synchronous", choices=["FULL", "NORMAL"], default="FULL")
    p.add_argument("--json", action="store_true", help="print one JSON line")
    a = p.parse_args(argv)
    if a.txs < 1 or a.accounts < 2 or a.window < 1:
        p.error("--txs must be >= 1, --accounts >= 2, --window >= 1")

    folder = Path(tempfile.mkdtemp(prefix="smechain-cluster-bench-"))
    settings = {"verify_workers": a.workers, "synchronous": a.synchronous,
                "cutter": {"max_txs": a.max_txs, "max_wait_ms": a.max_wait_ms}}
    layout = create_cluster(folder, orgs=a.accounts + 1, peers=PEERS, chain_id="bench",
                            peer_settings=settings)
    try:
        return run(layout, a)
    finally:
        stop_cluster(layout)
        shutil.rmtree(folder, ignore_errors=True)


def run(layout: ClusterLayout, a: argparse.Namespace) -> dict[str, Any]:
    keys = [load_key(layout.folder / "keys" / f"org-{i + 2}.key") for i in range(a.accounts)]
    issuer = load_key(layout.folder / "keys" / "org-1.key")
    procs = os.cpu_count() or 1
    step = -(-a.txs // procs)
    keys_hex = [(k.private.hex(), k.public.hex()) for k in keys]
    ranges = [(layout.chain_id, keys_hex, s, min(s + step, a.txs)) for s in range(0, a.txs, step)]
    with multiprocessing.get_context("spawn").Pool(procs) as pool:
        txs = [tx for part in pool.map(_sign_range, ranges) for tx in part]

    start_cluster(layout)
    names = Names(layout.chain_id)
    link = NatsLink(layout.urls, name="bench")
    tracker = Tracker(link, names, [peer.org for peer in layout.peers])
    publisher = JetStreamOrderer(link, names)
    try:
        for i in range(a.accounts):
            publisher.submit(sign_tx(layout.chain_id, "cash", "issue",
                                     {"currency": "CNY", "to": f"org-{i + 2}", "amount": 10**9},
                                     [issuer], i + 1))
        tracker.wait_committed(a.accounts, 120)
        base = tracker.committed
        submitted: list[float] = []
        start = time.perf_counter()
        for i, (raw, _) in enumerate(txs):
            if i - (tracker.committed - base) >= a.window:
                with tracker.lock:
                    while i - (tracker.committed - base) >= a.window:
                        tracker.lock.wait(1)
            submitted.append(time.perf_counter())
            publisher.submit(raw)
        tracker.wait_committed(base + a.txs, 300)
        with tracker.lock:
            done = [tracker.all_at[tracker.block_of[h]] for _, h in txs]
        elapsed = max(done) - start
        latencies = [(d - s) * 1000 for d, s in zip(done, submitted, strict=True)]
    finally:
        publisher.close()
        tracker.close()
        link.close()
    q = statistics.quantiles(latencies, n=100)
    return {
        "bench": "cluster",
        "txs": a.txs,
        "committed_tps": round(a.txs / elapsed),
        "p50_ms": round(q[49], 1),
        "p99_ms": round(q[98], 1),
        "failed": tracker.failed,
        "peers": PEERS,
        "nats_servers": len(layout.servers),
        "accounts": a.accounts,
        "window": a.window,
        "max_txs": a.max_txs,
        "max_wait_ms": a.max_wait_ms,
        "verify_workers": a.workers,
        "synchronous": a.synchronous,
        "cores": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    return report(main_result(argv), argv)


if __name__ == "__main__":
    sys.exit(main())
