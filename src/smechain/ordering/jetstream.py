"""The consortium ordering service: a NATS JetStream cluster's replicated log.

Three streams per chain, each replicated (R3 on a three-server cluster):

``TXS``
    Signed transactions as peers submit them, many per message (a msgpack
    list of raw transactions); publishers retry with a ``Nats-Msg-Id`` so a
    retried message is stored once.
``BLOCKS``
    The chain: the block at height *h* is the stream's message *h + 1*, its
    payload the block's canonical bytes. A cutter appends with
    ``Nats-Expected-Last-Sequence``, so of two cutters only one can add a
    given height: the chain never forks. Each block records in a header where
    in ``TXS`` its cutter stopped reading, so a standby that takes over goes on
    from exactly there: nothing lost, nothing included twice.
``CKPT``
    Peers' signed checkpoints, one subject per organisation, kept as long as
    the blocks; peers read it from where they left off (``ckptlog``).

``JetStreamOrderer`` is the ordering interface the solo orderer also has
(``submit``, ``next_batch``, ``close``). ``BlockLog`` reads and appends the
chain; ``Lease`` is the cutters' leadership lease in a key-value bucket with a
time-to-live. Everything is blocking, for the peer's threads: the nats-py
client runs on an event loop thread of its own (``NatsLink``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

import msgspec
import nats
import nats.errors
import nats.js.errors
from nats.js import api

from smechain.ordering.cutter import BlockCutter, CutterConfig
from smechain.ordering.solo import Batch, OrdererClosed, OrdererFull, wall_clock_ms

R = TypeVar("R")

WRONG_LAST_SEQUENCE = (10071, 10164)
POSITION_HEADER = "Smechain-Tx-Position"
TRANSIENT = (
    nats.errors.TimeoutError, nats.errors.ConnectionClosedError, nats.errors.NoRespondersError,
    nats.js.errors.ServiceUnavailableError, nats.js.errors.NoStreamResponseError,
    asyncio.TimeoutError, TimeoutError,
)


class Superseded(Exception):
    """Another cutter appended the height this one tried to append."""


class OrderingUnavailable(Exception):
    """The NATS cluster did not answer in time (too few servers up, or none reachable)."""


@dataclass(frozen=True, slots=True)
class Position:
    """Where a cutter is in the transaction stream: message ``seq``, transaction ``index``."""

    seq: int = 1
    index: int = 0

    def header(self) -> str:
        return f"{self.seq}:{self.index}"

    @classmethod
    def parse(cls, text: str) -> Position:
        seq, _, index = text.partition(":")
        digits = seq.isascii() and seq.isdecimal() and index.isascii() and index.isdecimal()
        if not digits or int(seq) < 1:
            raise ValueError(f"{POSITION_HEADER}: {text!r} is not SEQ:INDEX")
        return cls(int(seq), int(index))


@dataclass(frozen=True, slots=True)
class Names:
    """Stream, subject and bucket names of one chain."""

    chain_id: str
    token: str = field(init=False)

    def __post_init__(self) -> None:
        token = re.sub(r"[^A-Za-z0-9_-]", "_", self.chain_id)
        object.__setattr__(self, "token", token)

    @property
    def txs_stream(self) -> str:
        return f"SMECHAIN_{self.token}_TXS"

    @property
    def txs_subject(self) -> str:
        return f"smechain.{self.token}.txs"

    @property
    def blocks_stream(self) -> str:
        return f"SMECHAIN_{self.token}_BLOCKS"

    @property
    def blocks_subject(self) -> str:
        return f"smechain.{self.token}.blocks"

    @property
    def ckpt_stream(self) -> str:
        return f"SMECHAIN_{self.token}_CKPT"

    def ckpt_subject(self, org: str = "*") -> str:
        return f"smechain.{self.token}.ckpt.{org}"

    @property
    def status_subject(self) -> str:
        return f"smechain.{self.token}.status"

    @property
    def lease_bucket(self) -> str:
        return f"smechain_{self.token}_cutter"


class NatsLink:
    """A nats-py connection on an event-loop thread of its own, with blocking calls."""

    def __init__(self, servers: list[str], name: str = "smechain", timeout: float = 5.0) -> None:
        self.servers = list(servers)
        self.timeout = timeout
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=f"nats-{name}",
                                        daemon=True)
        self._thread.start()
        try:
            self.nc = self.call(nats.connect(
                self.servers, name=name, connect_timeout=2, reconnect_time_wait=0.2,
                max_reconnect_attempts=-1, allow_reconnect=True, ping_interval=5,
                max_outstanding_pings=3, error_cb=_quiet, disconnected_cb=_quiet_event,
            ), timeout + 5)
        except Exception as exc:
            self._stop_loop()
            raise OrderingUnavailable(f"servers: cannot connect to {', '.join(servers)} "
                                      f"({exc!r})") from None
        self.js = self.nc.jetstream(timeout=timeout)

    def call(self, coro: Coroutine[Any, Any, R], timeout: float | None = None) -> R:
        """Run ``coro`` on the link's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(
            timeout if timeout is not None else self.timeout + 5
        )

    def spawn(self, coro: Coroutine[Any, Any, R]) -> Future[R]:
        """Run ``coro`` on the link's loop without waiting."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call(self.nc.close(), 5)
        self._stop_loop()

    def _stop_loop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


async def _quiet(exc: Exception) -> None:
    """Connection errors are retried by the callers; nats-py's default prints them."""


async def _quiet_event() -> None:
    pass


def ensure_streams(link: NatsLink, names: Names, replicas: int = 3) -> None:
    """Create the chain's streams and lease bucket if they are missing (idempotent)."""

    async def go() -> None:
        js = link.js
        specs = [
            api.StreamConfig(name=names.txs_stream, subjects=[names.txs_subject],
                             num_replicas=replicas, storage=api.StorageType.FILE,
                             retention=api.RetentionPolicy.LIMITS, duplicate_window=120,
                             max_age=7 * 24 * 3600),
            api.StreamConfig(name=names.blocks_stream, subjects=[names.blocks_subject],
                             num_replicas=replicas, storage=api.StorageType.FILE,
                             retention=api.RetentionPolicy.LIMITS, duplicate_window=120,
                             allow_direct=True),
            # Kept as long as the blocks: a peer that joins or returns later reads them all.
            api.StreamConfig(name=names.ckpt_stream, subjects=[names.ckpt_subject("*")],
                             num_replicas=replicas, storage=api.StorageType.FILE,
                             retention=api.RetentionPolicy.LIMITS, duplicate_window=120),
        ]
        for spec in specs:
            try:
                info = await js.stream_info(spec.name or "")
            except nats.js.errors.NotFoundError:
                await js.add_stream(spec)
                continue
            if spec.name == names.ckpt_stream and info.config.max_age:
                # Streams made before checkpoints were read back expired them after a day.
                await js.update_stream(dataclasses.replace(info.config, max_age=0))
        await js.create_key_value(bucket=names.lease_bucket, ttl=Lease.TTL_S, history=1,
                                  replicas=replicas)

    retry(link, go, what="create the streams", deadline_s=30)


def read_or_reset(link: NatsLink, reading: Coroutine[Any, Any, list[R]], timeout: float,
                  reset: Callable[[], None]) -> list[R]:
    """Run a reader's ``reading`` on the link; after a lost connection or a JetStream error
    ``reset`` the reader and answer nothing, so the caller simply reads again."""
    try:
        return link.call(reading, timeout + 5)
    except TRANSIENT:
        reset()
        return []
    except nats.js.errors.Error:
        reset()
        time.sleep(0.1)
        return []


async def pull_from(link: NatsLink, subject: str, stream: str, start_seq: int) -> Any:
    """A pull subscription reading ``stream`` from sequence ``start_seq`` on, unacknowledged
    (the reader keeps its own position), held in memory and gone 30 s after its last use."""
    return await link.js.pull_subscribe(subject, stream=stream, config=api.ConsumerConfig(
        ack_policy=api.AckPolicy.NONE, deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE,
        opt_start_seq=start_seq, inactive_threshold=30.0, mem_storage=True, num_replicas=1))


def retry(link: NatsLink, make: Callable[[], Coroutine[Any, Any, R]], *, what: str,
          deadline_s: float = 20.0) -> R:
    """Run ``make()`` on the link, retrying transient failures until ``deadline_s``."""
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            return link.call(make(), link.timeout + 5)
        except TRANSIENT as exc:
            if time.monotonic() >= deadline:
                raise OrderingUnavailable(f"could not {what} within {deadline_s:.0f} s "
                                          f"({exc!r})") from None
            time.sleep(0.2)


# --- the chain: appending and reading blocks -----------------------------------------


@dataclass(frozen=True, slots=True)
class LoggedBlock:
    """A block as the log holds it: height, canonical bytes, and where its cutter stopped."""

    height: int
    data: bytes
    position: Position | None


class BlockLog:
    """The ``BLOCKS`` stream: append with a single-writer check; read from any height."""

    def __init__(self, link: NatsLink, names: Names) -> None:
        self.link = link
        self.names = names
        self._sub: Any = None
        self._next = -1

    def last_height(self) -> int:
        """Height of the last block in the log; -1 when it is empty."""

        async def go() -> int:
            info = await self.link.js.stream_info(self.names.blocks_stream)
            return int(info.state.last_seq) - 1

        return retry(self.link, go, what="read the blocks stream")

    def get(self, height: int) -> LoggedBlock | None:
        """The block at ``height``, or ``None`` if the log does not hold it."""

        async def go() -> LoggedBlock | None:
            try:
                msg = await self.link.js.get_msg(self.names.blocks_stream, seq=height + 1)
            except nats.js.errors.NotFoundError:
                return None
            return _logged(height, msg.data or b"", msg.headers)

        return retry(self.link, go, what=f"read block {height}")

    def append(self, height: int, data: bytes, position: Position | None) -> None:
        """Append block ``height``; ``Superseded`` if the log does not end at ``height - 1``."""
        headers = {
            "Nats-Expected-Last-Sequence": str(height),
            "Nats-Msg-Id": f"{height}:{hashlib.sha256(data).hexdigest()}",
        }
        if position is not None:
            headers[POSITION_HEADER] = position.header()

        async def go() -> int:
            try:
                ack = await self.link.js.publish(self.names.blocks_subject, data,
                                                 headers=dict(headers))
            except nats.js.errors.APIError as exc:
                if exc.err_code in WRONG_LAST_SEQUENCE:
                    return -1
                raise
            return int(ack.seq)

        seq = retry(self.link, go, what=f"append block {height}")
        if seq == height + 1:
            return
        # Either another cutter won, or our own earlier try landed before a timeout.
        existing = self.get(height)
        if existing is None or existing.data != data:
            raise Superseded(f"height {height} was appended by another cutter")

    def read(self, from_height: int, max_blocks: int, timeout: float) -> list[LoggedBlock]:
        """Up to ``max_blocks`` blocks from ``from_height`` on; waits up to ``timeout`` for one."""
        return read_or_reset(self.link, self._read(from_height, max_blocks, timeout), timeout,
                             self._reset)

    async def _read(self, from_height: int, max_blocks: int, timeout: float) -> list[LoggedBlock]:
        if self._sub is None or self._next != from_height:
            await self._close_sub()
            self._sub = await pull_from(self.link, self.names.blocks_subject,
                                        self.names.blocks_stream, from_height + 1)
            self._next = from_height
        try:
            msgs = await self._sub.fetch(max_blocks, timeout=max(timeout, 0.005))
        except nats.errors.TimeoutError:
            return []
        out = []
        for msg in msgs:
            seq = msg.metadata.sequence.stream
            if seq - 1 != self._next:
                await self._close_sub()  # a gap: start over from where we are
                break
            out.append(_logged(seq - 1, msg.data, msg.headers))
            self._next += 1
        return out

    async def _close_sub(self) -> None:
        sub, self._sub, self._next = self._sub, None, -1
        if sub is not None:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    def _reset(self) -> None:
        try:
            self.link.call(self._close_sub(), 5)
        except Exception:
            self._sub, self._next = None, -1


def _logged(height: int, data: bytes, headers: dict[str, str] | None) -> LoggedBlock:
    text = (headers or {}).get(POSITION_HEADER)
    return LoggedBlock(height, bytes(data), Position.parse(text) if text else None)


# --- the orderer: submitting transactions and cutting batches ------------------------


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
        self._sub: Any = None
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
            self.link.call(self._drop_sub(), 5)
            time.sleep(min(0.1, max(timeout, 0.0)))

    async def _fetch(self, timeout: float) -> None:
        if self._sub is None:
            # (Re)start reading right after the last transaction cut; what was
            # buffered from the old subscription is read again.
            self._buffer.clear()
            self._start = start = self._position
            self._sub = await self.link.js.pull_subscribe(
                self.names.txs_subject, stream=self.names.txs_stream,
                config=api.ConsumerConfig(
                    ack_policy=api.AckPolicy.NONE,
                    deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE,
                    opt_start_seq=start.seq, inactive_threshold=30.0,
                    mem_storage=True, num_replicas=1,
                ),
            )
            self._fetched = start.seq - 1
        try:
            msgs = await self._sub.fetch(64, timeout=max(timeout, 0.005))
        except nats.errors.TimeoutError:
            return
        arrived = time.monotonic()
        start = self._start
        for msg in msgs:
            seq = msg.metadata.sequence.stream
            if seq != self._fetched + 1:
                await self._drop_sub()
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

    async def _drop_sub(self) -> None:
        sub, self._sub = self._sub, None
        if sub is not None:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    def close(self) -> None:
        """Stop taking transactions; publish what was submitted; then batches end."""
        self._closed = True
        if self._flusher is not None:
            self.link.loop.call_soon_threadsafe(self._wake.set)
            with contextlib.suppress(Exception):
                self._flusher.result(30)
        with contextlib.suppress(Exception):
            self.link.call(self._drop_sub(), 5)


# --- the cutters' lease ------------------------------------------------------------


class Lease:
    """Who cuts blocks: a key in a bucket whose entries live ``TTL_S`` seconds.

    The holder renews it every ``RENEW_S``; when it stops (it died, or lost
    the cluster), the key expires and a standby's ``acquire`` succeeds. The
    lease only keeps two cutters from wasting work: the blocks stream's
    expected-last-sequence is what keeps the chain from forking.
    """

    TTL_S = 3.0
    RENEW_S = 1.0
    KEY = "holder"

    def __init__(self, link: NatsLink, names: Names, holder: str) -> None:
        self.link = link
        self.names = names
        self.holder = holder
        self._revision: int | None = None

    @property
    def held(self) -> bool:
        return self._revision is not None

    def acquire(self) -> bool:
        """Take the lease if nobody holds it."""

        async def go() -> int | None:
            kv = await self.link.js.key_value(self.names.lease_bucket)
            try:
                return int(await kv.create(self.KEY, self.holder.encode()))
            except nats.js.errors.KeyWrongLastSequenceError:
                return None

        try:
            self._revision = self.link.call(go())
        except (*TRANSIENT, nats.js.errors.Error):
            self._revision = None
        return self.held

    def renew(self) -> bool:
        """Extend the lease; ``False`` if it was lost."""
        if self._revision is None:
            return False
        revision = self._revision

        async def go() -> int | None:
            kv = await self.link.js.key_value(self.names.lease_bucket)
            try:
                return int(await kv.update(self.KEY, self.holder.encode(), last=revision))
            except nats.js.errors.KeyWrongLastSequenceError:
                return None

        try:
            self._revision = self.link.call(go())
        except (*TRANSIENT, nats.js.errors.Error):
            self._revision = None
        return self.held

    def current(self) -> str | None:
        """Who holds the lease now, if anyone."""

        async def go() -> str | None:
            kv = await self.link.js.key_value(self.names.lease_bucket)
            try:
                entry = await kv.get(self.KEY)
            except nats.js.errors.KeyNotFoundError:
                return None
            return (entry.value or b"").decode() or None

        try:
            return self.link.call(go())
        except (*TRANSIENT, nats.js.errors.Error):
            return None

    def release(self) -> None:
        """Give the lease up at once (a clean shutdown), so a standby need not wait."""
        revision, self._revision = self._revision, None
        if revision is None:
            return

        async def go() -> None:
            kv = await self.link.js.key_value(self.names.lease_bucket)
            await kv.purge(self.KEY)

        try:
            self.link.call(go())
        except (*TRANSIENT, nats.js.errors.Error):
            pass
