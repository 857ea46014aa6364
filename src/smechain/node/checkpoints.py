"""A peer's checkpoints: its own published, every other organisation's read, checked and kept.

Each peer signs a checkpoint (height, block hash, writes hash) of every block
it commits and publishes it to the checkpoint stream. Every peer reads that
stream from where it left off (a cursor kept in its store), so checkpoints
published while it was down, or before it first started, reach it too. A
checkpoint for a block this peer has not committed yet waits until it has;
then it is checked (signed by a key of that organisation, for the block and
writes hash this peer committed) and kept, so proofs from this peer carry the
signatures of every organisation that agreed. One that differs is an alarm
(``mismatches``).

The peer also remembers up to which height its own checkpoints are stored in
the stream, and on start publishes again those that were not (a peer killed
right after a commit).
"""

from __future__ import annotations

import functools
import heapq
import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

import structlog

from smechain.core.block import header_hash
from smechain.core.checkpoint import SignedCheckpoint, checkpoint_digest
from smechain.core.encoding import decode, encode
from smechain.core.errors import DecodeError, TxRejected
from smechain.modules.membership.contract import resolve_signer
from smechain.ordering.ckptlog import CheckpointLog

if TYPE_CHECKING:
    from smechain.node.peer import Peer

log = structlog.get_logger("smechain.peer")

READ_CURSOR = "checkpoints.read"
"""Store cursor: every checkpoint-stream message up to this sequence has been filed."""
PUBLISHED_CURSOR = "checkpoints.published"
"""Store cursor: this peer's own checkpoints up to this height are stored in the stream."""
READ_BATCH = 256
MAX_HELD = 50_000
"""Checkpoints read but not yet filed (for blocks not committed here) before reading pauses."""
READ_PAUSE_S = 0.2
SAVE_EVERY_S = 1.0


class Checkpoints:
    """The checkpoints of one peer; ``drain`` and ``committed`` run on its ledger thread."""

    def __init__(self, peer: Peer, stream: CheckpointLog) -> None:
        self.peer = peer
        self.stream = stream
        self.lock = threading.Lock()
        # Reading (the reader thread appends; the ledger thread files).
        self.read_to = peer.store.cursor(READ_CURSOR) or 0
        self.inbox: list[tuple[int, SignedCheckpoint]] = []
        self.held: dict[int, None] = {}
        """Sequences read and not yet filed, in stream order."""
        self.waiting: dict[int, list[tuple[int, SignedCheckpoint]]] = {}
        self._heights: list[int] = []
        self.latest: dict[str, int] = {}
        self.mismatches: dict[str, str] = {}
        self.ours: OrderedDict[int, tuple[bytes, bytes]] = OrderedDict()
        # Publishing.
        published = peer.store.cursor(PUBLISHED_CURSOR)
        # A store from before the cursor existed: its checkpoints went out live.
        self.published = peer.height() if published is None else published
        self.acked: set[int] = set()
        self._saved = (self.read_to, published)
        self._saved_at = 0.0
        self._stop = threading.Event()
        self._reader: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------

    def start(self) -> None:
        """Publish again what the stream may lack of ours; start reading the others'."""
        peer = self.peer
        for height in range(self.published + 1, peer.height() + 1):
            data = peer.store.checkpoints(height).get(peer.org)
            if data is None:
                self._acked(height)  # none was signed here (committed before checkpoints)
            else:
                self.stream.publish(peer.org, height, data, functools.partial(self._acked, height))
        self._reader = threading.Thread(target=self._read, name="checkpoints", daemon=True)
        self._reader.start()

    def close(self) -> None:
        """Stop reading; give our last checkpoints a moment to be stored; save the cursors."""
        self._stop.set()
        if self._reader is not None:
            self._reader.join(10)
        self.stream.flush(5.0)
        self.stream.close()
        self.save(force=True)

    # --- publishing -------------------------------------------------------------

    def publish(self, signed: SignedCheckpoint, committed: bool = True) -> None:
        """Send our checkpoint; ``committed`` False for the alarm of a block we could not commit."""
        height = signed.checkpoint.height
        self.stream.publish(self.peer.org, height, encode(signed),
                            functools.partial(self._acked, height) if committed else None)

    def _acked(self, height: int) -> None:
        with self.lock:
            self.acked.add(height)

    # --- reading ----------------------------------------------------------------

    def _read(self) -> None:
        """The reader thread: the stream from where this peer left off, into the inbox."""
        peer = self.peer
        while not self._stop.is_set():
            with self.lock:
                full = len(self.held) >= MAX_HELD
                next_seq = self.read_to + 1
            if full:
                self._stop.wait(0.05)
                continue
            got = self.stream.read(next_seq, READ_BATCH, 0.5)
            for seq, data in got:
                signed = self._decode(data)
                with self.lock:
                    self.read_to = seq
                    if signed is not None and signed.checkpoint.org != peer.org:
                        self.held[seq] = None
                        self.inbox.append((seq, signed))
            if len(got) < READ_BATCH:
                # Each read is a request to the server: let a few blocks' worth gather
                # rather than ask once per checkpoint (the ledger thread is busy meanwhile).
                self._stop.wait(READ_PAUSE_S)

    def _decode(self, data: bytes) -> SignedCheckpoint | None:
        try:
            signed = decode(data, SignedCheckpoint)
        except DecodeError:
            return None
        cp = signed.checkpoint
        return signed if cp.chain_id == self.peer.chain_id and cp.height >= 1 else None

    def committed(self, height: int, block_hash: bytes, writes_hash: bytes) -> None:
        """Called on the ledger thread after each commit."""
        self.ours[height] = (block_hash, writes_hash)
        while len(self.ours) > 4096:
            self.ours.popitem(last=False)
        self.drain(height)

    def drain(self, height: int) -> None:
        """File the checkpoints read so far for blocks up to ``height``; save the cursors."""
        with self.lock:
            inbox, self.inbox = self.inbox, []
        for seq, signed in inbox:
            h = signed.checkpoint.height
            if h not in self.waiting:
                self.waiting[h] = []
                heapq.heappush(self._heights, h)
            self.waiting[h].append((seq, signed))
        filed: list[int] = []
        while self._heights and self._heights[0] <= height:
            for seq, signed in self.waiting.pop(heapq.heappop(self._heights)):
                self._check(signed)
                filed.append(seq)
        if filed:
            with self.lock:
                for seq in filed:
                    self.held.pop(seq, None)
        self.save()

    def save(self, force: bool = False) -> None:
        """Keep both cursors in the store (at most once a second unless ``force``)."""
        now = time.monotonic()
        if not force and now - self._saved_at < SAVE_EVERY_S:
            return
        self._saved_at = now
        with self.lock:
            read = next(iter(self.held)) - 1 if self.held else self.read_to
            while self.published + 1 in self.acked:
                self.published += 1
                self.acked.discard(self.published)
            published = self.published
        store = self.peer.store
        if read != self._saved[0]:
            store.put_cursor(READ_CURSOR, read)
        if published != self._saved[1]:
            store.put_cursor(PUBLISHED_CURSOR, published)
        self._saved = (read, published)

    def _check(self, signed: SignedCheckpoint) -> None:
        peer, cp = self.peer, signed.checkpoint
        try:
            signer = resolve_signer(peer.store, cp.signer, cp.height)
        except TxRejected:
            return
        if signer.org != cp.org or not peer.suite.verify(
            cp.signer, checkpoint_digest(peer.suite, cp), signed.signature
        ):
            log.warning("checkpoint with a bad signature", org=cp.org, height=cp.height)
            return
        ours = self.ours.get(cp.height)
        if ours is None:
            block = peer.block(cp.height)
            ours = (header_hash(peer.suite, block.header), block.header.writes_hash)
        self.latest[cp.org] = max(self.latest.get(cp.org, -1), cp.height)
        if (cp.block_hash, cp.writes_hash) != ours:
            what = "block hash" if cp.block_hash != ours[0] else "writes hash"
            message = f"height {cp.height}: {cp.org}'s {what} differs from ours"
            if cp.org not in self.mismatches:
                log.error("checkpoint mismatch", org=cp.org, height=cp.height, field=what)
            self.mismatches.setdefault(cp.org, message)
            return
        peer.store.put_checkpoint(cp.height, cp.org, encode(signed))
