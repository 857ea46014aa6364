"""The transaction stream (``TXS``): submitting transactions to it and cutting batches from it.

``JetStreamOrderer`` batches submitted transactions into messages (a msgpack
list of raw transactions, retried with one ``Nats-Msg-Id`` so a retry is
stored once), and, for the cutter, reads the stream from a ``Position`` on and
cuts batches with a ``BlockCutter``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

import msgspec
import nats.js.errors

from smechain.ordering.abc import Batch, OrdererClosed, OrdererFull, wall_clock_ms
from smechain.ordering.cutter import BlockCutter, CutterConfig
from smechain.ordering.jetstream.link import TRANSIENT, NatsLink, OrderingUnavailable
from smechain.ordering.jetstream.names import Names, Position
from smechain.ordering.jetstream.reader import StreamReader


@dataclass(frozen=True, slots=True)
class JetStreamConfig:
    """How transactions are batched into messages and cut into blocks."""

    cutter: CutterConfig = field(default_factory=CutterConfig)
    message_txs: int = 256
    """Transactions per ``TXS`` message at most (the hot path batches)."""
    linger_ms: int = 2
    """How long a submitted transaction waits for others to share its message."""
    max_pending: int = 200_000


class JetStreamOrderer:
    """Submit transactions to ``TXS``; cut batches from it, starting at ``start``.

    Items are raw transaction bytes. ``next_batch`` returns batches whose
    ``position`` is where the next batch starts, for the block header that
    lets a standby cutter resume.
    """

    def __init__(self, link: NatsLink, names: Names, config: JetStreamConfig | None = None,
                 start: Position | None = None, last_timestamp_ms: int = 0,
                 clock: Callable[[], int] | None = None) -> None:
        self.link = link
        self.names = names
        self.config = config or JetStreamConfig()
        self._clock = clock or wall_clock_ms
        self._last_ts = last_timestamp_ms
        self._closed = False
        # Submitting.
        self._outbox: list[bytes] = []
        self._outbox_lock = threading.Lock()
        self._inflight = 0
        self._flusher: Future[None] | None = None
        self._wake = asyncio.Event()
        # Cutting.
        self._position = start or Position()
        self._buffer: deque[tuple[float, bytes, Position]] = deque()
        self._reader: StreamReader | None = None
        self._restart = True
        self._start = self._position
        self._fetched = 0

    # --- submitting -------------------------------------------------------------

    def submit(self, item: bytes) -> None:
        """Queue ``item`` to be published to the transaction stream."""
        if self._closed:
            raise OrdererClosed("the orderer is stopped")
        with self._outbox_lock:
            if len(self._outbox) + self._inflight >= self.config.max_pending:
                raise OrdererFull(f"{self.config.max_pending} transactions are already waiting")
            self._outbox.append(item)
            first = len(self._outbox) == 1
            if self._flusher is None:
                self._flusher = self.link.spawn(self._flush_loop())
        if first or len(self._outbox) >= self.config.message_txs:
            self.link.loop.call_soon_threadsafe(self._wake.set)

    def unpublished(self) -> int:
        """Transactions submitted here and not yet stored by the stream."""
        return len(self._outbox) + self._inflight

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until every submitted transaction is stored in the stream."""
        deadline = time.monotonic() + timeout
        while self.unpublished():
            if time.monotonic() > deadline:
                raise OrderingUnavailable(f"{self.unpublished()} transactions unpublished "
                                          f"after {timeout} s")
            time.sleep(0.005)

    async def _flush_loop(self) -> None:
        # One message at a time, each retried until stored: the stream keeps
        # this publisher's order, so one sender's nonces arrive in sequence.
        linger = self.config.linger_ms / 1000
        while not (self._closed and not self._outbox):
            if not self._outbox:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), 0.2)
                except TimeoutError:
                    continue
            if len(self._outbox) < self.config.message_txs and linger:
                await asyncio.sleep(linger)
            with self._outbox_lock:
                batch = self._outbox[: self.config.message_txs]
                del self._outbox[: len(batch)]
                self._inflight += len(batch)
            if batch:
                await self._publish(batch)

    async def _publish(self, batch: list[bytes]) -> None:
        payload = msgspec.msgpack.encode(batch)
        headers = {"Nats-Msg-Id": hashlib.sha256(payload).hexdigest()}
        try:
            while True:
                try:
                    await self.link.js.publish(self.names.txs_subject, payload,
                                               headers=dict(headers))
                    return
                except TRANSIENT:
                    # The same message id again: the stream stores it once.
                    await asyncio.sleep(0.2)
        finally:
            with self._outbox_lock:
                self._inflight -= len(batch)

    # --- cutting ----------------------------------------------------------------

    @property
    def position(self) -> Position:
        """Where the next batch starts in the transaction stream."""
        return self._position

    def next_batch(self, timeout: float) -> Batch[bytes] | None:
        """Wait up to ``timeout`` seconds for the next batch to be cut."""
        deadline = time.monotonic() + timeout
        max_wait = self.config.cutter.max_wait_ms / 1000
        while True:
            now = time.monotonic()
            if self._buffer:
                full = len(self._buffer) >= self.config.cutter.max_txs
                if full or now - self._buffer[0][0] >= max_wait:
                    return self._cut()
            elif self._closed:
                raise OrdererClosed("the orderer is stopped")
            if now >= deadline:
                return None
            cut_at = self._buffer[0][0] + max_wait if self._buffer else deadline
            self._fill(min(cut_at, deadline) - now)

    def _cut(self) -> Batch[bytes]:
        cutter: BlockCutter[tuple[bytes, Position]] = BlockCutter(self.config.cutter)
        batch: list[tuple[bytes, Position]] | None = None
        while self._buffer and batch is None:
            _, raw, after = self._buffer.popleft()
            batch = cutter.ordered((raw, after))
        items = batch if batch is not None else cutter.cut()
        self._position = items[-1][1]
        self._last_ts = max(self._last_ts, self._clock())
        return Batch([raw for raw, _ in items], self._last_ts, items[-1][1])

    def _fill(self, timeout: float) -> None:
        try:
            self.link.call(self._fetch(timeout), timeout + 5)
        except (*TRANSIENT, nats.js.errors.Error):
            self._restart = True
            time.sleep(min(0.1, max(timeout, 0.0)))

    async def _fetch(self, timeout: float) -> None:
        if self._reader is None:
            self._reader = StreamReader(self.link, self.names.txs_stream,
                                        self.names.heads_subject(self.names.txs_stream))
        if self._restart:
            # (Re)start reading right after the last transaction cut; what was
            # buffered is read again.
            self._buffer.clear()
            self._start = self._position
            self._fetched = self._start.seq - 1
            self._restart = False
        msgs = await self._reader.read(self._fetched + 1, 64, timeout)
        arrived = time.monotonic()
        start = self._start
        for msg in msgs:
            seq = msg.seq
            if seq != self._fetched + 1:
                self._restart = True
                return
            self._fetched = seq
            try:
                txs = msgspec.msgpack.decode(msg.data, type=list[bytes])
            except msgspec.DecodeError:
                txs = []  # not a transaction batch: nothing in it is ordered
            skip = start.index if seq == start.seq else 0
            for index in range(skip, len(txs)):
                after = Position(seq, index + 1) if index + 1 < len(txs) else Position(seq + 1)
                self._buffer.append((arrived, txs[index], after))
            if skip >= len(txs) and not self._buffer:
                # Nothing (more) to take from this message: the position moves past it.
                self._position = Position(seq + 1)

    def close(self) -> None:
        """Stop taking transactions; publish what was submitted; then batches end."""
        self._closed = True
        if self._flusher is not None:
            self.link.loop.call_soon_threadsafe(self._wake.set)
            with contextlib.suppress(Exception):
                self._flusher.result(30)
        if self._reader is not None:
            with contextlib.suppress(Exception):
                self.link.call(self._reader.close(), 5)
