"""Consortium throughput and latency: signed cash transfers into a local network.

Starts three NATS servers (JetStream, R3 streams) and four peer processes on
this machine with ``smechain.node.cluster``, reads the chain's height and the
senders' nonces (peers enrol their API admins at start-up, so neither is
zero), funds ``--accounts`` member organisations, pre-signs ``--txs``
transfers among them (not timed), then publishes them to the transaction
stream with at most ``--window`` not yet committed at every peer. A
transaction counts as committed when the slowest peer's signed checkpoint for
its block arrives.

Then, with the network stopped, the same signed funding and transfers run
through the embedded node (solo orderer, one process) on a copy of a peer's
ledger taken before the funding, for the ratio: absolute figures differ
between machines, the ratio much less.

    python bench/cluster.py --json

``--json`` prints one line: committed_tps (at the slowest peer), p50_ms and
p99_ms (submit to commit at that peer), peer_cpu_us (CPU time per transfer
of the busiest peer process while the transfers ran; peer_cpu_us_mean over
the four), nats_cpu_us (the three servers' together), blocks (how many the
transfers took), embedded_tps, embedded_p50_ms, embedded_p99_ms, ratio
(cluster / embedded), failed, and the settings used. CPU per transfer varies
much less between runs than throughput on a shared machine.
Exit status 1 if any transaction failed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from ledger import drive, percentiles, report  # bench/ is on the path when run as a script
from smechain.client import sign_tx
from smechain.core.block import Block
from smechain.core.checkpoint import SignedCheckpoint
from smechain.core.encoding import decode
from smechain.core.tx import decode_tx
from smechain.node.cluster import (
    ClusterLayout,
    create_cluster,
    read_pid,
    start_cluster,
    stop_cluster,
)
from smechain.node.keys import KeyPair, load_key
from smechain.node.ledger import LedgerView
from smechain.node.node import Node, NodeConfig
from smechain.ordering.access import OPERATOR
from smechain.ordering.cutter import CutterConfig
from smechain.ordering.jetstream import BlockLog, JetStreamOrderer, Names, NatsLink
from smechain.storage.sqlite import SqliteStore

PEERS = 4
STORE = "ledger.sqlite"


def _sign_range(args: tuple[str, list[tuple[str, str]], list[int], int, int]
                ) -> list[tuple[bytes, bytes]]:
    chain, keys_hex, nonces, start, stop = args
    keys = [KeyPair("ed25519", bytes.fromhex(p), bytes.fromhex(q)) for p, q in keys_hex]
    n = len(keys)
    out = []
    for i in range(start, stop):
        sender = i % n
        body = {"currency": "CNY", "to": f"org-{2 + (sender + 1) % n}", "amount": 1}
        raw = sign_tx(chain, "cash", "transfer", body, [keys[sender]], nonces[sender] + i // n + 1)
        out.append((raw, decode_tx(raw, keys[0].crypto)[1]))
    return out


def presign(chain: str, keys: list[KeyPair], nonces: list[int], txs: int
            ) -> list[tuple[bytes, bytes]]:
    """``txs`` transfers round the senders, each sender's nonces on from ``nonces``."""
    procs = os.cpu_count() or 1
    step = -(-txs // procs)
    keys_hex = [(k.private.hex(), k.public.hex()) for k in keys]
    ranges = [(chain, keys_hex, nonces, s, min(s + step, txs)) for s in range(0, txs, step)]
    with multiprocessing.get_context("spawn").Pool(procs) as pool:
        return [tx for part in pool.map(_sign_range, ranges) for tx in part]


def cpu_seconds(pid: int | None) -> float:
    """User and system CPU time a process has used so far (0 when it is gone)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cluster_cpu(layout: ClusterLayout) -> tuple[list[float], float]:
    """CPU seconds so far of each peer process, and of the NATS servers together."""
    peers = [cpu_seconds(read_pid(p.folder, "peer.pid")) for p in layout.peers]
    return peers, sum(cpu_seconds(read_pid(s.folder, "nats.pid")) for s in layout.servers)


class Tracker:
    """When every peer's checkpoint of the block holding each watched transaction arrived."""

    def __init__(self, link: NatsLink, names: Names, orgs: list[str], height: int) -> None:
        self.link, self.names, self.orgs = link, names, orgs
        self.lock = threading.Condition()
        self.watched: set[bytes] = set()
        self.block_of: dict[bytes, int] = {}
        self.size: dict[int, int] = {}
        self.seen: dict[int, dict[str, float]] = {}
        self.all_at: dict[int, float] = {}
        self.committed = 0
        self.failed = 0
        self.failures: list[str] = []
        self.top = height
        self._stop = threading.Event()
        link.call(link.nc.subscribe(names.ckpt_subject("*"), cb=self._checkpoint))
        self._reader = threading.Thread(target=self._read_blocks, args=(height + 1,),
                                        daemon=True)
        self._reader.start()

    def watch(self, hashes: list[bytes]) -> None:
        with self.lock:
            self.watched.update(hashes)

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

    def _read_blocks(self, height: int) -> None:
        log = BlockLog(self.link, self.names)
        while not self._stop.is_set():
            for logged in log.read(height, 16, 0.2):
                block = decode(logged.data, Block)
                with self.lock:
                    n = 0
                    for r in block.receipts:
                        if r.tx_hash not in self.watched:
                            continue
                        n += 1
                        self.block_of[r.tx_hash] = logged.height
                        if not r.ok:
                            self.failed += 1
                            if len(self.failures) < 3:
                                self.failures.append(f"{r.code}: {r.message}")
                    self.size[logged.height] = n
                    self._advance()
                height = logged.height + 1

    def wait_committed(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self.lock:
            while self.committed < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{self.committed} of {count} committed at every peer "
                                       f"within {timeout:.0f} s ({self.failed} failed: "
                                       f"{self.failures})")
                self.lock.wait(left)

    def close(self) -> None:
        self._stop.set()
        self._reader.join(5)


def main_result(argv: list[str] | None = None) -> dict[str, Any]:
    """Run both measurements and return the figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--txs", type=int, default=40_000)
    p.add_argument("--accounts", type=int, default=200)
    p.add_argument("--window", type=int, default=1500,
                   help="most transactions in flight (1,500: p99 under 1 s, throughput "
                        "as with 3,000)")
    p.add_argument("--max-txs", type=int, default=1000, help="transactions per block at most")
    p.add_argument("--max-wait-ms", type=int, default=CutterConfig().max_wait_ms)
    p.add_argument("--workers", type=int, default=0, help="signature worker processes per peer")
    p.add_argument("--synchronous", choices=["FULL", "NORMAL"], default="FULL")
    p.add_argument("--json", action="store_true", help="print one JSON line")
    a = p.parse_args(argv)
    if a.txs < 2 or a.accounts < 2 or a.window < 1:
        p.error("--txs must be >= 2, --accounts >= 2, --window >= 1")

    folder = Path(tempfile.mkdtemp(prefix="smechain-cluster-bench-"))
    try:
        settings = {"verify_workers": a.workers, "synchronous": a.synchronous,
                    "cutter": {"max_txs": a.max_txs, "max_wait_ms": a.max_wait_ms}}
        layout = create_cluster(folder / "net", orgs=a.accounts + 1, peers=PEERS,
                                chain_id="bench", peer_settings=settings)
        snapshot = folder / "embedded" / STORE
        try:
            start_cluster(layout)
            cluster, funding, txs = run_cluster(layout, a, snapshot)
        finally:
            stop_cluster(layout)
        embedded = run_embedded(layout, snapshot, funding, [raw for raw, _ in txs], a)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    failed = cluster.pop("failed") + embedded.pop("failed")
    return {
        "bench": "cluster",
        "txs": a.txs,
        **cluster,
        **embedded,
        "ratio": round(cluster["committed_tps"] / embedded["embedded_tps"], 2),
        "failed": failed,
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


def run_cluster(layout: ClusterLayout, a: argparse.Namespace, snapshot: Path
                ) -> tuple[dict[str, Any], list[bytes], list[tuple[bytes, bytes]]]:
    """Copy the cutter's ledger to ``snapshot``, fund the accounts, time the transfers.

    Returns the figures, the funding and the transfers (bytes and hash).
    """
    issuer = load_key(layout.folder / "keys" / "org-1.key")
    keys = [load_key(layout.folder / "keys" / f"org-{i + 2}.key") for i in range(a.accounts)]
    # The chain as the peers left it at start-up. The cutter (org-1's peer) commits
    # every block before the others, each of which waited for its own enrolment.
    cutter_store = layout.peers[0].folder / STORE
    view = LedgerView(SqliteStore(cutter_store, readonly=True))
    try:
        start_height = view.height()
        issued = view.nonce(issuer.public)
        nonces = [view.nonce(k.public) for k in keys]
    finally:
        view.store.close()
    _copy_sqlite(cutter_store, snapshot)
    funding = [sign_tx(layout.chain_id, "cash", "issue",
                       {"currency": "CNY", "to": f"org-{i + 2}", "amount": 10**9},
                       [issuer], issued + i + 1) for i in range(a.accounts)]
    txs = presign(layout.chain_id, keys, nonces, a.txs)

    names = Names(layout.chain_id)
    # The bench reads everything and publishes transactions: the operator's identity.
    link = NatsLink(layout.urls, name="bench", identity=layout.identity(OPERATOR))
    tracker = Tracker(link, names, [peer.org for peer in layout.peers], start_height)
    publisher = JetStreamOrderer(link, names)
    try:
        tracker.watch([decode_tx(raw, issuer.crypto)[1] for raw in funding])
        tracker.watch([h for _, h in txs])
        for raw in funding:
            publisher.submit(raw)
        tracker.wait_committed(len(funding), 120)
        base = tracker.committed
        submitted: list[float] = []
        peers_cpu, nats_cpu = cluster_cpu(layout)
        first = tracker.top
        start = time.perf_counter()
        for i, (raw, _) in enumerate(txs):
            if i - (tracker.committed - base) >= a.window:
                with tracker.lock:
                    while i - (tracker.committed - base) >= a.window:
                        tracker.lock.wait(1)
            submitted.append(time.perf_counter())
            publisher.submit(raw)
        tracker.wait_committed(base + a.txs, 300)
        peers_after, nats_after = cluster_cpu(layout)
        with tracker.lock:
            done = [tracker.all_at[tracker.block_of[h]] for _, h in txs]
            failed = tracker.failed
            blocks = tracker.top - first
            for failure in tracker.failures:
                print(f"failed: {failure}", file=sys.stderr)
    finally:
        publisher.close()
        tracker.close()
        link.close()
    elapsed = max(done) - start
    p50, p99 = percentiles([(d - s) * 1000 for d, s in zip(done, submitted, strict=True)])
    per_tx = [(after - before) * 1e6 / a.txs
              for before, after in zip(peers_cpu, peers_after, strict=True)]
    return ({"committed_tps": round(a.txs / elapsed), "p50_ms": p50, "p99_ms": p99,
             "peer_cpu_us": round(max(per_tx), 1),
             "peer_cpu_us_mean": round(sum(per_tx) / len(per_tx), 1),
             "nats_cpu_us": round((nats_after - nats_cpu) * 1e6 / a.txs, 1),
             "blocks": blocks, "start_height": start_height, "failed": failed}, funding, txs)


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite ledger (the backup API, not a file copy)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def run_embedded(layout: ClusterLayout, snapshot: Path, funding: list[bytes],
                 txs: list[bytes], a: argparse.Namespace) -> dict[str, Any]:
    """The same funding (not timed) and transfers through the embedded node."""
    config = NodeConfig(cutter=CutterConfig(a.max_txs, a.max_wait_ms),
                        synchronous=a.synchronous)
    store = SqliteStore(snapshot, synchronous=a.synchronous)
    node = Node(store, load_key(layout.folder / "keys" / "orderer.key"), config).start()
    try:
        _, _, failed = drive(node, funding, len(funding))
        elapsed, latencies, failed_transfers = drive(node, txs, a.window)
        failed += failed_transfers
    finally:
        node.close()
    p50, p99 = percentiles([x * 1000 for x in latencies])
    return {"embedded_tps": round(len(txs) / elapsed), "embedded_p50_ms": p50,
            "embedded_p99_ms": p99, "failed": failed}


def main(argv: list[str] | None = None) -> int:
    return report(main_result(argv), argv)


if __name__ == "__main__":
    sys.exit(main())
