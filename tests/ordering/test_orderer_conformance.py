"""One ordering contract, two orderers: the solo orderer and the NATS JetStream orderer.

The conformance tests run the same body against ``SoloOrderer[bytes]`` and
``JetStreamOrderer``. The JetStream ones use one real ``nats-server`` for the
whole module (stopped by its PID at the end) and a chain of their own on it.
Tests further down are JetStream's own: resuming from ``Batch.position``,
junk in the ``TXS`` stream, ``Position``, ``BlockLog`` and ``Lease``.

Every loop is bounded both in iterations and in time.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec
import nats.errors
import pytest

from smechain.ordering.abc import Batch, OrdererClosed
from smechain.ordering.access import OPERATOR, Identity
from smechain.ordering.cutter import CutterConfig
from smechain.ordering.jetstream import (
    POSITION_HEADER,
    BlockLog,
    JetStreamConfig,
    JetStreamOrderer,
    Lease,
    Names,
    NatsLink,
    Position,
    StreamReader,
    Superseded,
    ensure_streams,
)
from smechain.ordering.natsserver import NatsProcess, secured_server
from smechain.ordering.solo import SoloOrderer

KINDS = ["solo", "jetstream"]
MESSAGE_TXS = 16
"""Transactions per TXS message in the conformance tests: many items span many messages."""
DRAIN_S = 20.0


def items(n: int, prefix: str = "tx") -> list[bytes]:
    return [f"{prefix}-{i:05d}".encode() for i in range(n)]


def submitted(orderer: Any) -> None:
    """Wait until what was submitted can be ordered (JetStream publishes asynchronously)."""
    getattr(orderer, "flush", lambda: None)()


def drain(orderer: Any, count: int, timeout_s: float = DRAIN_S) -> list[Batch[bytes]]:
    """Batches until ``count`` items came out; bounded in calls and in time."""
    batches: list[Batch[bytes]] = []
    got = 0
    deadline = time.monotonic() + timeout_s
    for _ in range(count + 200):
        if got >= count:
            break
        assert time.monotonic() < deadline, f"only {got} of {count} items in {timeout_s} s"
        batch = orderer.next_batch(timeout=0.25)
        if batch is None:
            continue
        batches.append(batch)
        got += len(batch.items)
    else:
        pytest.fail(f"only {got} of {count} items after {count + 200} calls")
    return batches


def flat(batches: list[Batch[bytes]]) -> list[bytes]:
    return [item for batch in batches for item in batch.items]


# --- the server and each test's chain --------------------------------------------------


@pytest.fixture(scope="module")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Identity]]:
    """One single-server JetStream on 127.0.0.1 for this module, admitting only its operator
    (TLS with a CA of its own, and an NKey): its URL, and the operator's identity."""
    spec, kit = secured_server(tmp_path_factory.mktemp("nats"))
    server = NatsProcess(spec).start()
    try:
        yield spec.url, kit.identity(OPERATOR)
    finally:
        server.stop()  # by PID


@pytest.fixture(scope="module")
def nats_url(nats_server: tuple[str, Identity]) -> str:
    return nats_server[0]


@pytest.fixture(scope="module")
def operator(nats_server: tuple[str, Identity]) -> Identity:
    """Each test's chain is new, so the tests connect as the operator (every subject)."""
    return nats_server[1]


@dataclass
class Chain:
    """One test's chain on the module's server, and the link it talks through."""

    link: NatsLink
    names: Names

    def publish_raw(self, payload: bytes) -> None:
        self.link.call(self.link.js.publish(self.names.txs_subject, payload))


@pytest.fixture
def chain(nats_url: str, operator: Identity) -> Iterator[Chain]:
    link = NatsLink([nats_url], name="conformance", identity=operator)
    try:
        names = Names(f"t{uuid.uuid4().hex}")
        ensure_streams(link, names, replicas=1)
        yield Chain(link, names)
    finally:
        link.close()


@dataclass
class Orderers:
    """Makes orderers of one kind; the fixture closes every one it made."""

    kind: str
    chain: Chain | None
    made: list[Any] = field(default_factory=list)

    def new(self, config: CutterConfig, last_timestamp_ms: int = 0,
            clock: Callable[[], int] | None = None) -> Any:
        orderer: Any
        if self.kind == "solo":
            orderer = SoloOrderer[bytes](config, last_timestamp_ms=last_timestamp_ms,
                                         clock=clock)
        else:
            assert self.chain is not None
            orderer = JetStreamOrderer(
                self.chain.link, self.chain.names,
                JetStreamConfig(cutter=config, message_txs=MESSAGE_TXS),
                last_timestamp_ms=last_timestamp_ms, clock=clock,
            )
        self.made.append(orderer)
        return orderer


@pytest.fixture(params=KINDS)
def orderers(request: pytest.FixtureRequest) -> Iterator[Orderers]:
    chain = request.getfixturevalue("chain") if request.param == "jetstream" else None
    made = Orderers(request.param, chain)
    yield made
    for orderer in made.made:
        orderer.close()


def js_orderer(chain: Chain, made: list[JetStreamOrderer], max_txs: int, max_wait_ms: int = 5,
               start: Position | None = None, message_txs: int = MESSAGE_TXS,
               linger_ms: int = 2) -> JetStreamOrderer:
    config = JetStreamConfig(cutter=CutterConfig(max_txs=max_txs, max_wait_ms=max_wait_ms),
                             message_txs=message_txs, linger_ms=linger_ms)
    orderer = JetStreamOrderer(chain.link, chain.names, config, start=start)
    made.append(orderer)
    return orderer


@pytest.fixture
def js_made() -> Iterator[list[JetStreamOrderer]]:
    made: list[JetStreamOrderer] = []
    yield made
    for orderer in made:
        orderer.close()


# --- conformance: both orderers --------------------------------------------------------


def test_items_come_out_in_submission_order_exactly_once(orderers: Orderers) -> None:
    orderer = orderers.new(CutterConfig(max_txs=7, max_wait_ms=5))
    sent = items(200)
    for item in sent:
        orderer.submit(item)
    submitted(orderer)
    batches = drain(orderer, len(sent))
    assert flat(batches) == sent
    assert len(batches) >= len(sent) // 7
    assert all(1 <= len(b.items) <= 7 for b in batches)
    stamps = [b.timestamp_ms for b in batches]
    assert stamps == sorted(stamps) and stamps[0] > 0
    assert orderer.next_batch(timeout=0.1) is None  # nothing more, nothing twice


@pytest.mark.parametrize("max_txs", [1, 4])
def test_no_batch_exceeds_max_txs(orderers: Orderers, max_txs: int) -> None:
    orderer = orderers.new(CutterConfig(max_txs=max_txs, max_wait_ms=0))
    sent = items(10)
    for item in sent:
        orderer.submit(item)
    submitted(orderer)
    batches = drain(orderer, len(sent))
    assert [len(b.items) for b in batches if len(b.items) > max_txs] == []
    assert all(b.items for b in batches)
    assert flat(batches) == sent


def test_full_batches_are_cut_without_waiting_for_max_wait(orderers: Orderers) -> None:
    orderer = orderers.new(CutterConfig(max_txs=4, max_wait_ms=60_000))
    sent = items(8)
    for item in sent:
        orderer.submit(item)
    submitted(orderer)
    started = time.monotonic()
    # max_wait is a minute: only reaching max_txs can cut a batch within the timeout.
    first = orderer.next_batch(timeout=10)
    second = orderer.next_batch(timeout=10)
    assert time.monotonic() - started < 10
    assert first is not None and second is not None
    assert first.items == sent[:4]
    assert second.items == sent[4:]


def test_partial_batch_is_cut_once_the_oldest_item_waited_max_wait(orderers: Orderers) -> None:
    orderer = orderers.new(CutterConfig(max_txs=10_000, max_wait_ms=20))
    sent = items(3)
    for item in sent:
        orderer.submit(item)
    submitted(orderer)
    batch = orderer.next_batch(timeout=5)
    assert batch is not None
    assert 1 <= len(batch.items) < 10_000
    assert batch.items == sent[: len(batch.items)]
    rest = drain(orderer, len(sent) - len(batch.items))
    assert batch.items + flat(rest) == sent


def test_pending_partial_batch_does_not_hold_next_batch_past_its_timeout(
    orderers: Orderers,
) -> None:
    orderer = orderers.new(CutterConfig(max_txs=100, max_wait_ms=1_500))
    orderer.submit(b"only")
    submitted(orderer)
    started = time.monotonic()
    batch = orderer.next_batch(timeout=0.1)
    elapsed = time.monotonic() - started
    assert batch is None
    assert elapsed < 1.0, f"next_batch(timeout=0.1) took {elapsed:.2f} s"


@pytest.mark.parametrize(("last_ts", "expected"), [
    (0, [100, 100, 200, 200]),
    (150, [150, 150, 200, 200]),
    (10**6, [10**6] * 4),
])
def test_timestamps_never_go_back_nor_below_last_timestamp(
    orderers: Orderers, last_ts: int, expected: list[int]
) -> None:
    readings = iter([100, 50, 200, 150])
    orderer = orderers.new(CutterConfig(max_txs=1, max_wait_ms=0), last_timestamp_ms=last_ts,
                           clock=lambda: next(readings))
    sent = items(4)
    for item in sent:
        orderer.submit(item)
    submitted(orderer)
    batches = drain(orderer, len(sent))
    assert flat(batches) == sent
    assert [b.timestamp_ms for b in batches] == expected


def test_wall_clock_timestamps_stay_at_a_last_timestamp_ahead_of_it(
    orderers: Orderers,
) -> None:
    future = 2**53  # far ahead of the wall clock
    orderer = orderers.new(CutterConfig(max_txs=2, max_wait_ms=0), last_timestamp_ms=future)
    for item in items(10):
        orderer.submit(item)
    submitted(orderer)
    batches = drain(orderer, 10)
    assert flat(batches) == items(10)
    assert {b.timestamp_ms for b in batches} == {future}


def test_next_batch_returns_none_after_its_timeout_when_idle(orderers: Orderers) -> None:
    orderer = orderers.new(CutterConfig(max_txs=10, max_wait_ms=0))
    started = time.monotonic()
    assert orderer.next_batch(timeout=0.1) is None
    elapsed = time.monotonic() - started
    assert 0.09 <= elapsed < 2.0
    started = time.monotonic()
    assert orderer.next_batch(timeout=0) is None
    assert time.monotonic() - started < 1.0


def test_submit_after_close_raises(orderers: Orderers) -> None:
    orderer = orderers.new(CutterConfig(max_txs=10, max_wait_ms=0))
    orderer.close()
    with pytest.raises(OrdererClosed):
        orderer.submit(b"late")
    with pytest.raises(OrdererClosed):
        orderer.next_batch(timeout=0.1)


def test_many_producers_lose_nothing_and_keep_each_ones_order(orderers: Orderers) -> None:
    orderer = orderers.new(CutterConfig(max_txs=9, max_wait_ms=2))
    names = [f"p{n}" for n in range(4)]
    start = threading.Barrier(len(names))

    def produce(prefix: str) -> None:
        start.wait(10)
        for item in items(50, prefix):
            orderer.submit(item)

    producers = [threading.Thread(target=produce, args=(p,)) for p in names]
    for t in producers:
        t.start()
    for t in producers:
        t.join(timeout=20)
        assert not t.is_alive()
    submitted(orderer)
    seen = flat(drain(orderer, 200))
    assert sorted(seen) == sorted(x for p in names for x in items(50, p))
    for p in names:
        assert [x for x in seen if x.startswith(p.encode() + b"-")] == items(50, p)


# --- JetStream: resuming from Batch.position ---------------------------------------------


def test_a_new_orderer_at_batch_position_continues_exactly(
    chain: Chain, js_made: list[JetStreamOrderer]
) -> None:
    # Messages of up to 10 transactions, batches of 3: most batches end mid-message.
    first = js_orderer(chain, js_made, max_txs=3, message_txs=10, linger_ms=50)
    sent = items(23)
    for item in sent:
        first.submit(item)
    first.flush()
    batches = drain(first, len(sent))
    assert flat(batches) == sent
    positions = [b.position for b in batches]
    assert all(isinstance(p, Position) for p in positions)
    assert any(p.index > 0 for p in positions), "guard: no batch ended mid-message"
    assert positions == sorted(positions, key=lambda p: (p.seq, p.index))
    assert len(set(positions)) == len(positions)
    first.close()

    done = 0
    for batch in batches:
        done += len(batch.items)
        resumed = js_orderer(chain, js_made, max_txs=3, start=batch.position)
        rest = sent[done:]
        assert flat(drain(resumed, len(rest))) == rest, batch.position
        assert resumed.next_batch(timeout=0.05) is None
        resumed.close()


def test_resumed_orderer_takes_new_items_after_the_old_ones(
    chain: Chain, js_made: list[JetStreamOrderer]
) -> None:
    first = js_orderer(chain, js_made, max_txs=4, message_txs=10, linger_ms=50)
    for item in items(6, "old"):
        first.submit(item)
    first.flush()
    batch = first.next_batch(timeout=5)
    assert batch is not None and batch.items == items(4, "old")
    assert batch.position == Position(1, 4)
    first.close()
    second = js_orderer(chain, js_made, max_txs=4, start=batch.position)
    for item in items(3, "new"):
        second.submit(item)
    second.flush()
    assert flat(drain(second, 5)) == items(6, "old")[4:] + items(3, "new")


def test_close_publishes_what_was_submitted(chain: Chain,
                                            js_made: list[JetStreamOrderer]) -> None:
    orderer = js_orderer(chain, js_made, max_txs=100, linger_ms=20)
    sent = items(5)
    for item in sent:
        orderer.submit(item)
    orderer.close()  # no flush: close publishes what is waiting
    assert orderer.unpublished() == 0
    reader = js_orderer(chain, js_made, max_txs=100)
    assert flat(drain(reader, len(sent))) == sent


def test_orderer_position_after_a_batch_is_that_batchs_position(
    chain: Chain, js_made: list[JetStreamOrderer]
) -> None:
    """``position`` is documented as "where the next batch starts"."""
    chain.publish_raw(msgspec.msgpack.encode(items(5)))
    orderer = js_orderer(chain, js_made, max_txs=3, max_wait_ms=60_000)
    batch = orderer.next_batch(timeout=5)
    assert batch is not None and batch.items == items(3)
    assert batch.position == Position(1, 3)
    assert orderer.position == batch.position


def test_a_failed_read_neither_loses_nor_repeats_items(
    chain: Chain, js_made: list[JetStreamOrderer], monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = items(5)
    chain.publish_raw(msgspec.msgpack.encode(sent))
    orderer = js_orderer(chain, js_made, max_txs=3, max_wait_ms=300)
    first = orderer.next_batch(timeout=5)
    assert first is not None and first.items == sent[:3]

    # A reader holds nothing on the servers: no consumer to lose.
    infos = chain.link.call(chain.link.js.consumers_info(chain.names.txs_stream))
    assert infos == []
    # What a reader sees when its server goes away mid-read: the read fails once.
    failures = [nats.errors.TimeoutError()]
    real_get = StreamReader._get

    async def failing_get(self: StreamReader, from_seq: int, batch: int) -> Any:
        if failures:
            raise failures.pop()
        return await real_get(self, from_seq, batch)

    monkeypatch.setattr(StreamReader, "_get", failing_get)
    rest: list[bytes] = []
    deadline = time.monotonic() + 5
    for _ in range(40):
        if time.monotonic() > deadline:
            break
        batch = orderer.next_batch(timeout=0.1)
        if batch is not None:
            rest.extend(batch.items)
        elif len(rest) >= 2:
            break
    assert not failures
    assert rest == sent[3:]


# --- JetStream: junk in the TXS stream ---------------------------------------------------

JUNK = {
    "text": b"junk",
    "empty": b"",
    "ints": msgspec.msgpack.encode([1, 2, 3]),
    "map": msgspec.msgpack.encode({"txs": [b"x"]}),
    "string": msgspec.msgpack.encode("tx"),
    "strings": msgspec.msgpack.encode(["a", "b"]),
    "no txs": msgspec.msgpack.encode([]),
}


@pytest.mark.parametrize("junk", list(JUNK.values()), ids=list(JUNK))
def test_junk_messages_are_skipped_and_later_items_arrive(
    chain: Chain, js_made: list[JetStreamOrderer], junk: bytes
) -> None:
    writer = js_orderer(chain, js_made, max_txs=4)
    chain.publish_raw(junk)  # the stream's first message
    for item in items(3, "a"):
        writer.submit(item)
    writer.flush()
    chain.publish_raw(b"junk")
    chain.publish_raw(junk)  # two in a row
    for item in items(3, "b"):
        writer.submit(item)
    writer.flush()
    chain.publish_raw(junk)  # and the last

    reader = js_orderer(chain, js_made, max_txs=4)
    batches = drain(reader, 6)
    assert flat(batches) == items(3, "a") + items(3, "b")
    assert reader.next_batch(timeout=0.1) is None
    # Resuming after the last batch skips the trailing junk and takes only new items.
    resumed = js_orderer(chain, js_made, max_txs=4, start=batches[-1].position)
    assert resumed.next_batch(timeout=0.1) is None
    resumed.submit(b"c")
    resumed.flush()
    assert flat(drain(resumed, 1)) == [b"c"]


# --- JetStream: Position -------------------------------------------------------------------


@pytest.mark.parametrize("position", [Position(), Position(1, 0), Position(7, 3),
                                      Position(2**40, 255)])
def test_position_header_round_trips(position: Position) -> None:
    assert Position.parse(position.header()) == position


@pytest.mark.parametrize("text", [
    "", "junk", "1", "1:", ":1", ":", "0:0", "0:5", "-1:0", "1:-1", "a:b", "1:2:3", "1.0:2",
    " 1:2", "1:2 ", "1;2", "0x1:0",
    "²:0",
    "1:²",
])
def test_position_parse_rejects_junk_naming_the_header(text: str) -> None:
    with pytest.raises(ValueError, match=POSITION_HEADER):
        Position.parse(text)


# --- JetStream: BlockLog ---------------------------------------------------------------


def block(height: int, tag: str = "") -> bytes:
    return f"block {height}{tag}".encode()


def test_block_log_appends_only_the_next_height(chain: Chain) -> None:
    log = BlockLog(chain.link, chain.names)
    assert log.last_height() == -1
    with pytest.raises(Superseded):
        log.append(1, block(1), None)  # the log holds nothing: only 0 may go
    assert log.last_height() == -1
    log.append(0, block(0), Position(1, 0))
    log.append(0, block(0), Position(1, 0))  # the same bytes again: an idempotent retry
    assert log.last_height() == 0
    with pytest.raises(Superseded):
        log.append(0, block(0, "-other"), None)  # another cutter's block 0
    with pytest.raises(Superseded):
        log.append(2, block(2), None)  # a gap
    assert log.last_height() == 0
    log.append(1, block(1), Position(3, 2))
    log.append(2, block(2), None)
    log.append(2, block(2), None)
    with pytest.raises(Superseded):
        log.append(1, block(1, "-late"), None)
    assert log.last_height() == 2
    assert [log.get(h) for h in range(3)] == log.read(0, 3, 1.0)
    got = log.get(1)
    assert got is not None
    assert (got.height, got.data, got.position) == (1, block(1), Position(3, 2))
    assert log.get(3) is None


def test_two_logs_racing_for_a_height_leave_one_block(chain: Chain, nats_url: str,
                                                      operator: Identity) -> None:
    other_link = NatsLink([nats_url], name="other-cutter", identity=operator)
    try:
        mine, theirs = BlockLog(chain.link, chain.names), BlockLog(other_link, chain.names)
        mine.append(0, block(0), None)
        theirs.append(1, block(1, "-theirs"), None)
        with pytest.raises(Superseded):
            mine.append(1, block(1, "-mine"), None)
        mine.append(1, block(1, "-theirs"), None)  # what the log holds: not an error
        assert mine.last_height() == theirs.last_height() == 1
        got = mine.get(1)
        assert got is not None and got.data == block(1, "-theirs")
    finally:
        other_link.close()


def test_block_log_reads_in_order_with_positions(chain: Chain) -> None:
    log = BlockLog(chain.link, chain.names)
    started = time.monotonic()
    assert log.read(0, 10, 0.1) == []  # empty log: nothing, after the timeout
    assert time.monotonic() - started < 5
    positions = [Position(2, 0), None, Position(5, 7), Position(9, 0)]
    for h, p in enumerate(positions):
        log.append(h, block(h), p)
    whole = log.read(0, 10, 1.0)
    assert [(b.height, b.data, b.position) for b in whole] == [
        (h, block(h), p) for h, p in enumerate(positions)
    ]
    # A limited read, then going on from where it stopped.
    assert [b.height for b in log.read(0, 2, 1.0)] == [0, 1]
    assert [b.height for b in log.read(2, 10, 1.0)] == [2, 3]
    assert [b.height for b in log.read(1, 1, 1.0)] == [1]
    # Past the end: [] once the timeout passes.
    started = time.monotonic()
    assert log.read(4, 10, 0.2) == []
    assert 0.15 <= time.monotonic() - started < 5
    # A block appended later is read by the same reader.
    log.append(4, block(4), None)
    later = log.read(4, 10, 2.0)
    assert [(b.height, b.data) for b in later] == [(4, block(4))]


# --- JetStream: Lease --------------------------------------------------------------------


def test_lease_has_one_holder_and_changes_hands_on_release(chain: Chain) -> None:
    a = Lease(chain.link, chain.names, "cutter-a")
    b = Lease(chain.link, chain.names, "cutter-b")
    assert a.current() is None
    assert a.acquire() and a.held
    assert not b.acquire() and not b.held
    assert a.current() == b.current() == "cutter-a"
    assert a.renew() and a.held
    assert not b.renew()  # never held
    assert not b.acquire()
    a.release()
    assert not a.held
    assert a.current() is None
    assert b.acquire() and b.held
    assert b.current() == "cutter-b"
    assert not a.acquire()
    assert not a.renew()
    assert b.renew()


def test_lease_expires_after_its_ttl_without_renewal(chain: Chain) -> None:
    a = Lease(chain.link, chain.names, "cutter-a")
    b = Lease(chain.link, chain.names, "cutter-b")
    assert a.acquire()
    taken_at = time.monotonic()
    assert not b.acquire()
    acquired = False
    for _ in range(80):  # ~8 s at most
        if time.monotonic() - taken_at > 8.0:
            break
        if b.acquire():
            acquired = True
            break
        time.sleep(0.1)
    waited = time.monotonic() - taken_at
    assert acquired, f"the lease did not expire within {waited:.1f} s"
    assert waited >= Lease.TTL_S - 0.5  # not before the TTL
    assert b.current() == "cutter-b"
    assert not a.renew()  # the old holder learns it lost the lease
    assert not a.held
