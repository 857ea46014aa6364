"""The block cutter and the solo orderer: where batches end and what they carry."""

from __future__ import annotations

import threading
import time

import pytest

from smechain.ordering.abc import Batch, OrdererClosed, OrdererFull
from smechain.ordering.cutter import BlockCutter, CutterConfig
from smechain.ordering.solo import SoloOrderer

# --- CutterConfig ------------------------------------------------------------------


def test_config_defaults() -> None:
    config = CutterConfig()
    assert config.max_txs >= 1
    assert config.max_wait_ms >= 0


@pytest.mark.parametrize("max_txs", [0, -1, 100_001])
def test_config_rejects_bad_max_txs(max_txs: int) -> None:
    with pytest.raises(ValueError, match="max_txs"):
        CutterConfig(max_txs=max_txs)


@pytest.mark.parametrize("max_wait_ms", [-1, -1000, 60_001])
def test_config_rejects_bad_waits(max_wait_ms: int) -> None:
    with pytest.raises(ValueError, match="max_wait_ms"):
        CutterConfig(max_wait_ms=max_wait_ms)


@pytest.mark.parametrize(("max_txs", "max_wait_ms"), [(1, 0), (100_000, 60_000), (7, 5)])
def test_config_accepts_bounds(max_txs: int, max_wait_ms: int) -> None:
    config = CutterConfig(max_txs=max_txs, max_wait_ms=max_wait_ms)
    assert (config.max_txs, config.max_wait_ms) == (max_txs, max_wait_ms)


# --- BlockCutter ---------------------------------------------------------------------


def test_cutter_cuts_at_max_txs() -> None:
    cutter: BlockCutter[int] = BlockCutter(CutterConfig(max_txs=3))
    assert cutter.ordered(1) is None
    assert cutter.ordered(2) is None
    assert cutter.ordered(3) == [1, 2, 3]
    assert cutter.pending == []
    assert cutter.ordered(4) is None
    assert cutter.ordered(5) is None
    assert cutter.ordered(6) == [4, 5, 6]
    assert cutter.ordered(7) is None
    assert cutter.cut() == [7]
    assert cutter.cut() == []


def test_cutter_max_txs_one_cuts_every_item() -> None:
    cutter: BlockCutter[str] = BlockCutter(CutterConfig(max_txs=1))
    assert [cutter.ordered(x) for x in "abc"] == [["a"], ["b"], ["c"]]


def test_cutter_cut_returns_pending_in_order() -> None:
    cutter: BlockCutter[int] = BlockCutter(CutterConfig(max_txs=10))
    for i in range(4):
        assert cutter.ordered(i) is None
    batch = cutter.cut()
    assert batch == [0, 1, 2, 3]
    assert cutter.pending == []
    cutter.ordered(9)
    assert batch == [0, 1, 2, 3]  # a cut batch is not touched by later items


# --- SoloOrderer ---------------------------------------------------------------------


def _orderer(max_txs: int = 3, max_wait_ms: int = 60_000, **kw: int) -> SoloOrderer[int]:
    return SoloOrderer(CutterConfig(max_txs=max_txs, max_wait_ms=max_wait_ms), **kw)


def test_full_batch_is_cut_without_waiting_for_max_wait() -> None:
    orderer = _orderer(max_txs=3, max_wait_ms=60_000)
    for i in range(5):
        orderer.submit(i)
    # max_wait is a minute: only reaching max_txs can produce a batch within 10 s.
    batch = orderer.next_batch(timeout=10)
    assert batch is not None
    assert batch.items == [0, 1, 2]
    assert orderer.pending() == 2
    # The remaining two are not a full batch, so nothing is cut before the timeout.
    assert orderer.next_batch(timeout=0.05) is None
    assert orderer.pending() == 2


def test_batches_never_exceed_max_txs() -> None:
    orderer = _orderer(max_txs=4, max_wait_ms=0)
    for i in range(10):
        orderer.submit(i)
    batches = []
    while orderer.pending():
        batch = orderer.next_batch(timeout=5)
        assert batch is not None
        batches.append(batch.items)
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_partial_batch_after_max_wait() -> None:
    orderer = _orderer(max_txs=100, max_wait_ms=20)
    orderer.submit(1)
    orderer.submit(2)
    batch = orderer.next_batch(timeout=10)
    assert batch is not None
    assert batch.items == [1, 2]
    assert orderer.pending() == 0


def test_partial_batch_not_cut_before_timeout_when_max_wait_is_long() -> None:
    orderer = _orderer(max_txs=100, max_wait_ms=60_000)
    orderer.submit(1)
    assert orderer.next_batch(timeout=0.05) is None
    assert orderer.pending() == 1


def test_timeout_when_empty() -> None:
    orderer = _orderer(max_wait_ms=0)
    assert orderer.next_batch(timeout=0.05) is None
    assert orderer.next_batch(timeout=0) is None
    assert orderer.pending() == 0


def test_submit_from_another_thread_wakes_waiter() -> None:
    orderer = _orderer(max_txs=2, max_wait_ms=60_000)
    result: list[Batch[int] | None] = []
    waiter = threading.Thread(target=lambda: result.append(orderer.next_batch(timeout=20)))
    waiter.start()
    orderer.submit(1)
    orderer.submit(2)
    waiter.join(timeout=30)
    assert not waiter.is_alive()
    assert result[0] is not None
    assert result[0].items == [1, 2]


def test_timestamps_never_decrease() -> None:
    orderer = _orderer(max_txs=1, max_wait_ms=0)
    previous = 0
    for i in range(50):
        orderer.submit(i)
        batch = orderer.next_batch(timeout=5)
        assert batch is not None
        assert batch.timestamp_ms >= previous
        previous = batch.timestamp_ms
    assert previous > 0


def test_timestamps_do_not_go_below_last_timestamp() -> None:
    future = 2**53  # far ahead of any wall clock
    orderer: SoloOrderer[int] = SoloOrderer(
        CutterConfig(max_txs=1, max_wait_ms=0), last_timestamp_ms=future
    )
    for i in range(3):
        orderer.submit(i)
        batch = orderer.next_batch(timeout=5)
        assert batch is not None
        assert batch.timestamp_ms == future


def test_submit_after_close_raises() -> None:
    orderer = _orderer()
    orderer.close()
    with pytest.raises(OrdererClosed):
        orderer.submit(1)
    assert orderer.pending() == 0


def test_queue_is_drained_after_close() -> None:
    orderer = _orderer(max_txs=2, max_wait_ms=60_000)
    for i in range(5):
        orderer.submit(i)
    orderer.close()
    drained = []
    for _ in range(3):
        batch = orderer.next_batch(timeout=5)
        assert batch is not None
        drained.append(batch.items)
    # After close, partial batches are cut at once; batches still respect max_txs.
    assert drained == [[0, 1], [2, 3], [4]]
    with pytest.raises(OrdererClosed):
        orderer.next_batch(timeout=5)
    with pytest.raises(OrdererClosed):
        orderer.next_batch(timeout=0)


def test_close_wakes_a_waiting_consumer() -> None:
    orderer = _orderer(max_wait_ms=60_000)
    errors: list[BaseException] = []

    def consume() -> None:
        try:
            orderer.next_batch(timeout=30)
        except BaseException as exc:
            errors.append(exc)

    consumer = threading.Thread(target=consume)
    consumer.start()
    orderer.close()
    consumer.join(timeout=20)
    assert not consumer.is_alive()
    assert len(errors) == 1
    assert isinstance(errors[0], OrdererClosed)


def test_orderer_full_at_max_pending() -> None:
    orderer = _orderer(max_txs=100, max_pending=3)
    for i in range(3):
        orderer.submit(i)
    with pytest.raises(OrdererFull):
        orderer.submit(3)
    assert orderer.pending() == 3
    # Taking a batch makes room again.
    orderer.close()
    batch = orderer.next_batch(timeout=5)
    assert batch is not None
    assert batch.items == [0, 1, 2]
    assert orderer.pending() == 0


def test_orderer_accepts_again_after_draining() -> None:
    orderer = _orderer(max_txs=2, max_pending=2)
    orderer.submit(1)
    orderer.submit(2)
    with pytest.raises(OrdererFull):
        orderer.submit(3)
    batch = orderer.next_batch(timeout=5)
    assert batch is not None
    assert batch.items == [1, 2]
    orderer.submit(3)
    assert orderer.pending() == 1


def test_many_producers_lose_nothing() -> None:
    orderer = _orderer(max_txs=7, max_wait_ms=1)
    producers = [
        threading.Thread(target=lambda base=base: [orderer.submit(base + i) for i in range(200)])
        for base in range(0, 1000, 200)
    ]
    for t in producers:
        t.start()
    seen: list[int] = []
    last_ts = 0
    closed = False
    deadline = time.monotonic() + 30
    while True:
        assert time.monotonic() < deadline
        if not closed and not any(t.is_alive() for t in producers):
            orderer.close()  # consume while producing, then drain what is left
            closed = True
        try:
            batch = orderer.next_batch(timeout=0.5)
        except OrdererClosed:
            break
        if batch is None:
            continue
        assert 1 <= len(batch.items) <= 7
        assert batch.timestamp_ms >= last_ts
        last_ts = batch.timestamp_ms
        seen.extend(batch.items)
    for t in producers:
        t.join(timeout=30)
    assert sorted(seen) == list(range(1000))
    # Each producer's items stay in its submission order.
    for base in range(0, 1000, 200):
        mine = [x for x in seen if base <= x < base + 200]
        assert mine == list(range(base, base + 200))
