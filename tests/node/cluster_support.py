"""What the cluster tests share: a load of transfers, views of peers' stores, waiting."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import msgspec

from smechain.client import sign_tx
from smechain.core.checkpoint import SignedCheckpoint
from smechain.core.encoding import decode
from smechain.core.proof import TxProof
from smechain.core.tx import decode_tx
from smechain.node.cluster import ClusterLayout, gather_status
from smechain.node.keys import KeyPair, load_key
from smechain.node.ledger import LedgerView
from smechain.ordering.access import OPERATOR
from smechain.ordering.jetstream import JetStreamOrderer, Names, NatsLink
from smechain.storage.sqlite import SqliteStore

SETTINGS = {"verify_workers": 0, "synchronous": "NORMAL", "cutter": {"max_wait_ms": 20}}
ORGS = ["org-1", "org-2", "org-3", "org-4"]


class Load:
    """Transfers among the four organisations from one client, in a background thread.

    ``view_org`` names a running peer whose store gives the starting nonces.
    """

    def __init__(self, layout: ClusterLayout, view_org: str = "org-3") -> None:
        self.layout = layout
        self.keys: dict[str, KeyPair] = {o: load_key(layout.folder / "keys" / f"{o}.key")
                                         for o in ORGS}
        # An organisation's client may publish transactions (what a peer's door would pass).
        self.link = NatsLink(layout.urls, name="test-load", identity=layout.identity(view_org))
        self.orderer = JetStreamOrderer(self.link, Names(layout.chain_id))
        self.view = view(peer_folder(layout, view_org))
        self.nonces = {o: self.view.nonce(self.keys[o].public) for o in ORGS}
        self.hashes: list[bytes] = []
        self.raws: list[bytes] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self.view.query("cash/balance/CNY/org-2") is None:
            for org in ORGS:
                self.send("org-1", "issue", {"currency": "CNY", "to": org, "amount": 10**12})

    def sign(self, sender: str, action: str, args: dict[str, object], nonce: int) -> bytes:
        return sign_tx(self.layout.chain_id, "cash", action, args, [self.keys[sender]], nonce)

    def send(self, sender: str, action: str, args: dict[str, object]) -> None:
        self.nonces[sender] += 1
        raw = self.sign(sender, action, args, self.nonces[sender])
        self.orderer.submit(raw)
        self.raws.append(raw)
        self.hashes.append(tx_hash(self.view, raw))

    def _run(self, per_tick: int) -> None:
        i = 0
        while not self._stop.wait(0.02):
            for _ in range(per_tick):
                sender, to = ORGS[i % 4], ORGS[(i + 1) % 4]
                self.send(sender, "transfer", {"currency": "CNY", "to": to, "amount": 1})
                i += 1

    def __enter__(self) -> Load:
        self._thread = threading.Thread(target=self._run, args=(8,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop sending and wait until the stream holds everything sent."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        self.orderer.flush(60)

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.orderer.close()
        self.link.close()
        self.view.store.close()


def tx_hash(view: LedgerView, raw: bytes) -> bytes:
    return decode_tx(raw, view.suite)[1]


def peer_folder(layout: ClusterLayout, org: str) -> Path:
    return next(p.folder for p in layout.peers if p.org == org)


def view(folder: Path) -> LedgerView:
    """A read-only view of a peer's store (the peer process keeps writing it)."""
    return LedgerView(SqliteStore(folder / "ledger.sqlite", readonly=True))


def settled(layout: ClusterLayout, hashes: list[bytes], orgs: list[str] | None = None,
            timeout: float = 90.0, failed: dict[bytes, str] | None = None) -> tuple[int, bytes]:
    """Wait until the peers hold every transaction; check exactly once, same root.

    Every receipt is ``ok`` but those of ``failed``, which carry the code given.
    """
    failed = failed or {}
    folders = [p.folder for p in layout.peers if orgs is None or p.org in orgs]
    deadline = time.monotonic() + timeout
    while True:
        views = [view(f) for f in folders]
        try:
            missing = sum(1 for v in views for h in hashes if v.store.find_tx(h) is None)
        finally:
            for v in views:
                v.store.close()
        # Open again: the heads read now are at or after every transaction's commit.
        views = [view(f) for f in folders]
        try:
            heads = {(v.height(), v.head.writes_hash) for v in views}
            if missing == 0 and len(heads) == 1:
                height, root = heads.pop()
                for v in views:
                    counted: dict[bytes, int] = {}
                    for h in range(1, height + 1):
                        block = v.block(h)
                        for receipt in block.receipts:
                            counted[receipt.tx_hash] = counted.get(receipt.tx_hash, 0) + 1
                            want = failed.get(receipt.tx_hash, "ok")
                            assert receipt.code == want, (want, receipt.code, receipt.message)
                    assert set(hashes) <= set(counted)
                    assert all(n == 1 for n in counted.values()), "a transaction twice"
                return height, root
        finally:
            for v in views:
                v.store.close()
        assert time.monotonic() < deadline, f"not settled: heads {heads}, {missing} missing"
        time.sleep(0.5)


def peer_status(layout: ClusterLayout) -> dict[str, dict[str, object]]:
    return {str(r["org"]): r for r in gather_status(layout.urls, layout.chain_id,
                                                    identity=layout.identity(OPERATOR))}


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def checkpoint_orgs(v: LedgerView, height: int) -> set[str]:
    """The organisations whose checkpoints of ``height`` this peer keeps."""
    return set(v.store.checkpoints(height))


def has_every_checkpoint(layout: ClusterLayout, orgs: list[str], top: int) -> bool:
    """Whether each of ``orgs``' peers keeps every one of ``orgs``' checkpoints of 1..top."""
    for org in orgs:
        v = view(peer_folder(layout, org))
        try:
            if v.height() < top or any(not set(orgs) <= checkpoint_orgs(v, h)
                                       for h in range(1, top + 1)):
                return False
        finally:
            v.store.close()
    return True


def proof_with_checkpoints(v: LedgerView, tx: bytes) -> TxProof:
    """What ``Peer.proof`` answers, read from the peer's store."""
    proof = v.proof(tx)
    kept = v.store.checkpoints(proof.header.height).values()
    return msgspec.structs.replace(proof, checkpoints=[decode(c, SignedCheckpoint)
                                                       for c in kept])
