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
import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
import nats
import nats.errors
import nats.js.errors
import uvloop
from nats.js import api

from smechain.ordering.cutter import BlockCutter, CutterConfig
from smechain.ordering.solo import Batch, OrdererClosed, OrdererFull, wall_clock_ms

if TYPE_CHECKING:
    from smechain.ordering.access import Identity


class _SslEofNoise(logging.Filter):
    """nats-py upgrades a plain connection to TLS, so asyncio's stream protocol still asks to
    stay open at end of file and asyncio warns on every closed TLS connection: noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "eof_received() has no effect when using ssl" not in record.getMessage()


logging.getLogger("asyncio").addFilter(_SslEofNoise())

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

    def heads_subject(self, stream: str) -> str:
        """Where ``stream`` announces each message it stores (its headers only)."""
        kind = stream.rsplit("_", 1)[-1].lower()
        return f"smechain.{self.token}.heads.{kind}"

    @property
    def status_subject(self) -> str:
        return f"smechain.{self.token}.status"

    @property
    def lease_bucket(self) -> str:
        return f"smechain_{self.token}_cutter"


class NatsLink:
    """A nats-py connection on an event-loop thread of its own, with blocking calls.

    With an ``identity`` it connects over TLS with that party's certificate and
    logs in with its NKey (``access.Identity``; ``AccessError`` naming the file
    that cannot be used); without one, in the clear and anonymously.
    """

    def __init__(self, servers: list[str], name: str = "smechain", timeout: float = 5.0,
                 identity: Identity | None = None) -> None:
        self.servers = list(servers)
        self.timeout = timeout
        options = identity.connect_options() if identity is not None else {}
        self.errors: deque[str] = deque(maxlen=32)
        """The latest errors the servers reported (a refused login, a denied subject)."""
        # uvloop: its TLS and socket I/O cost the peers' threads less than asyncio's own.
        self.loop = uvloop.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=f"nats-{name}",
                                        daemon=True)
        self._thread.start()
        connecting = self.spawn(nats.connect(
            self.servers, name=name, connect_timeout=2, reconnect_time_wait=0.2,
            max_reconnect_attempts=-1, allow_reconnect=True, ping_interval=5,
            max_outstanding_pings=3, error_cb=self._on_error, disconnected_cb=_quiet_event,
            **options,
        ))
        try:
            self.nc = connecting.result(timeout + 5)
        except Exception as exc:
            connecting.cancel()  # it would go on retrying
            with contextlib.suppress(Exception):
                self.call(asyncio.sleep(0.05), 2)
            self._stop_loop()
            why = self.errors[-1] if self.errors else repr(exc)
            raise OrderingUnavailable(f"servers: cannot connect to {', '.join(servers)} "
                                      f"({why})") from None
        self.js = self.nc.jetstream(timeout=timeout)

    async def _on_error(self, exc: Exception) -> None:
        # Connection errors are retried by the callers; nats-py's default prints them.
        self.errors.append(str(exc) or repr(exc))

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


async def _quiet_event() -> None:
    pass


def stream_configs(names: Names, replicas: int = 3) -> list[api.StreamConfig]:
    """The chain's three streams. Each is read by direct gets (``allow_direct``) and announces
    what it stores on its heads subject (``republish``, headers only): readers need no
    consumer (see ``StreamReader``)."""

    def heads(stream: str, subject: str) -> api.RePublish:
        return api.RePublish(src=subject, dest=names.heads_subject(stream), headers_only=True)

    return [
        api.StreamConfig(name=names.txs_stream, subjects=[names.txs_subject],
                         num_replicas=replicas, storage=api.StorageType.FILE,
                         retention=api.RetentionPolicy.LIMITS, duplicate_window=120,
                         max_age=7 * 24 * 3600, allow_direct=True,
                         republish=heads(names.txs_stream, names.txs_subject)),
        api.StreamConfig(name=names.blocks_stream, subjects=[names.blocks_subject],
                         num_replicas=replicas, storage=api.StorageType.FILE,
                         retention=api.RetentionPolicy.LIMITS, duplicate_window=120,
                         allow_direct=True,
                         republish=heads(names.blocks_stream, names.blocks_subject)),
        # Kept as long as the blocks: a peer that joins or returns later reads them all.
        api.StreamConfig(name=names.ckpt_stream, subjects=[names.ckpt_subject("*")],
                         num_replicas=replicas, storage=api.StorageType.FILE,
                         retention=api.RetentionPolicy.LIMITS, duplicate_window=120,
                         allow_direct=True,
                         republish=heads(names.ckpt_stream, names.ckpt_subject("*"))),
    ]


def ensure_streams(link: NatsLink, names: Names, replicas: int = 3) -> None:
    """Create the chain's streams and lease bucket if they are missing (idempotent).

    The operator's job (``smechain ordering setup``, ``cluster up``): members may
    not manage streams. Streams made by earlier versions are brought up to date.
    """

    async def go() -> None:
        js = link.js
        for spec in stream_configs(names, replicas):
            try:
                info = await js.stream_info(spec.name or "")
            except nats.js.errors.NotFoundError:
                await js.add_stream(spec)
                continue
            config = info.config
            if spec.name == names.ckpt_stream and config.max_age:
                # Streams made before checkpoints were read back expired them after a day.
                config = dataclasses.replace(config, max_age=0)
            if not config.allow_direct or config.republish != spec.republish:
                # Streams made before readers used direct gets.
                config = dataclasses.replace(config, allow_direct=True, republish=spec.republish)
            if config is not info.config:
                await js.update_stream(config)
        await js.create_key_value(bucket=names.lease_bucket, ttl=Lease.TTL_S, history=1,
                                  replicas=replicas)

    retry(link, go, what="create the streams", deadline_s=30)


def setup_chain(link: NatsLink, names: Names, genesis: bytes, replicas: int = 3) -> None:
    """The operator's setup of a chain: its streams, lease bucket and block 0 (idempotent).

    ``ValueError`` if the blocks stream already holds another block 0.
    """
    ensure_streams(link, names, replicas)
    try:
        BlockLog(link, names).append(0, genesis, None)
    except Superseded:
        raise ValueError(f"genesis: the ordering service holds another block 0 for chain "
                         f"{names.chain_id!r}") from None


def read_or_reset(link: NatsLink, reading: Coroutine[Any, Any, list[R]], timeout: float
                  ) -> list[R]:
    """Run a reader's ``reading`` on the link; after a lost connection or a JetStream error
    answer nothing, so the caller simply reads again."""
    try:
        return link.call(reading, timeout + 5)
    except TRANSIENT:
        return []
    except nats.js.errors.Error:
        time.sleep(0.1)
        return []


@dataclass(frozen=True, slots=True)
class Stored:
    """One message as a stream holds it: its sequence number, payload and headers."""

    seq: int
    data: bytes
    headers: dict[str, str]


class StreamReader:
    """Reads one stream from any sequence number on, by batched direct gets.

    A reader holds nothing on the servers (no consumer: members of the
    consortium may not create consumers, whose push deliveries could write
    into another stream). Each read asks for up to a batch of messages from a
    sequence on (``$JS.API.DIRECT.GET``); when there are none yet it waits for
    the stream to announce a new one on its heads subject (``republish``,
    headers only), up to the read's timeout. Everything here runs on the
    link's event loop; one thread reads through a reader at a time.
    """

    MAX_BYTES = 16 * 1024 * 1024
    """What one batch carries at most (it holds at least one message)."""

    def __init__(self, link: NatsLink, stream: str, heads: str) -> None:
        self.link = link
        self.stream = stream
        self.heads = heads
        self._subs: list[Any] = []
        self._inbox = ""
        self._asks = 0
        self._reply = ""
        self._got: list[Stored] = []
        self._status: tuple[str, str] | None = None
        self._answered: asyncio.Event | None = None
        self._announced: asyncio.Event | None = None
        self._last_announced = 0

    async def _start(self) -> None:
        if self._subs:
            return
        self._answered, self._announced = asyncio.Event(), asyncio.Event()
        self._inbox = self.link.nc.new_inbox()
        self._subs = [
            await self.link.nc.subscribe(f"{self._inbox}.*", cb=self._on_reply),
            await self.link.nc.subscribe(self.heads, cb=self._on_head),
        ]

    async def _on_head(self, msg: Any) -> None:
        seq = (msg.headers or {}).get("Nats-Sequence", "")
        if seq.isdecimal():
            self._last_announced = max(self._last_announced, int(seq))
        assert self._announced is not None
        self._announced.set()

    async def _on_reply(self, msg: Any) -> None:
        if msg.subject != self._reply:
            return  # the answer to an earlier request that timed out
        headers = msg.headers or {}
        status = headers.get("Status")
        if status is None:
            seq = headers.get("Nats-Sequence", "")
            if seq.isdecimal():
                self._got.append(Stored(int(seq), bytes(msg.data), headers))
            return
        self._status = (status, str(headers.get("Description", "")))
        assert self._answered is not None
        self._answered.set()

    async def read(self, from_seq: int, max_msgs: int, timeout: float) -> list[Stored]:
        """Up to ``max_msgs`` messages from sequence ``from_seq`` on (those the stream still
        holds); waits up to ``timeout`` seconds for one."""
        await self._start()
        assert self._announced is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._announced.clear()
            got = await self._get(max(from_seq, 1), max_msgs)
            if got:
                return got
            left = deadline - loop.time()
            if left <= 0:
                return []
            if self._last_announced >= from_seq:
                # Stored, but the replica that answered does not hold it yet.
                await asyncio.sleep(min(0.002, left))
                continue
            try:
                await asyncio.wait_for(self._announced.wait(), left)
            except TimeoutError:
                return []

    async def _get(self, from_seq: int, batch: int) -> list[Stored]:
        assert self._answered is not None
        self._asks += 1
        self._reply = f"{self._inbox}.{self._asks}"
        self._got, self._status = [], None
        self._answered.clear()
        request = json.dumps({"seq": from_seq, "batch": batch, "max_bytes": self.MAX_BYTES})
        await self.link.nc.publish(f"$JS.API.DIRECT.GET.{self.stream}", request.encode(),
                                   reply=self._reply)
        try:
            await asyncio.wait_for(self._answered.wait(), self.link.timeout)
        except TimeoutError:
            self._reply = ""
            raise nats.errors.TimeoutError from None
        got, (status, description) = self._got, self._status or ("", "")
        if status in ("204", "404"):  # the end of the batch; nothing (more) there
            return got
        if status == "503":
            raise nats.errors.NoRespondersError
        raise nats.js.errors.Error(description=f"direct get from {self.stream}: "
                                               f"{status} {description}")

    async def close(self) -> None:
        subs, self._subs = self._subs, []
        for sub in subs:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()


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
        self._reader = StreamReader(link, names.blocks_stream,
                                    names.heads_subject(names.blocks_stream))

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
        return read_or_reset(self.link, self._read(from_height, max_blocks, timeout), timeout)

    async def _read(self, from_height: int, max_blocks: int, timeout: float) -> list[LoggedBlock]:
        out = []
        for msg in await self._reader.read(from_height + 1, max_blocks, timeout):
            if msg.seq - 1 != from_height + len(out):
                break  # a gap: only what follows on from ``from_height``
            out.append(_logged(msg.seq - 1, msg.data, msg.headers))
        return out

    def close(self) -> None:
        """Stop reading (the log's subscriptions end)."""
        with contextlib.suppress(Exception):
            self.link.call(self._reader.close(), 5)


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
