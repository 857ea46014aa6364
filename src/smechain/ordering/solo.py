"""The solo orderer: one in-process ordering service for the embedded node.

Submitters on any thread hand transactions in; the node's ledger thread takes
batches out. A batch is cut when ``max_txs`` are pending, or when the oldest
pending transaction has waited ``max_wait_ms``. Each batch gets a timestamp
from the orderer's clock that never goes backwards.

A ``SoloOrderer[DecodedTx]`` is the embedded node's ``Orderer`` (``abc``):
every batch it cuts is sealed by that node, and nothing it holds outlives the
process.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

from smechain.core.block import Block, BlockHeader
from smechain.ordering.abc import Batch, OrdererClosed, OrdererFull, wall_clock_ms
from smechain.ordering.cutter import BlockCutter, CutterConfig

T = TypeVar("T")


class SoloOrderer(Generic[T]):
    """A thread-safe queue with a block cutter on its output."""

    durable = False
    """The queue lives in this process: what it held when the process stopped is gone."""

    def __init__(self, config: CutterConfig | None = None, max_pending: int = 200_000,
                 last_timestamp_ms: int = 0, clock: Callable[[], int] | None = None) -> None:
        self.config = config or CutterConfig()
        self.max_pending = max_pending
        self._queue: deque[tuple[float, T]] = deque()
        self._cond = threading.Condition()
        self._last_ts = last_timestamp_ms
        self._closed = False
        self._clock = clock or wall_clock_ms

    def submit(self, item: T) -> None:
        """Queue ``item`` for ordering."""
        with self._cond:
            if self._closed:
                raise OrdererClosed("the orderer is stopped")
            if len(self._queue) >= self.max_pending:
                raise OrdererFull(f"{self.max_pending} transactions are already waiting")
            self._queue.append((time.monotonic(), item))
            if len(self._queue) == 1 or len(self._queue) >= self.config.max_txs:
                self._cond.notify()

    def pending(self) -> int:
        """How many transactions wait to be ordered."""
        return len(self._queue)

    def next_batch(self, timeout: float) -> Batch[T] | None:
        """Wait up to ``timeout`` seconds for the next batch to be cut."""
        deadline = time.monotonic() + timeout
        max_wait = self.config.max_wait_ms / 1000
        with self._cond:
            while True:
                now = time.monotonic()
                if self._closed:
                    if self._queue:
                        return self._cut()
                    raise OrdererClosed("the orderer is stopped")
                if self._queue:
                    full = len(self._queue) >= self.config.max_txs
                    if full or now - self._queue[0][0] >= max_wait:
                        return self._cut()
                    wake = min(deadline, self._queue[0][0] + max_wait)
                else:
                    wake = deadline
                if now >= deadline:
                    return None
                self._cond.wait(wake - now)

    def next_work(self, head: BlockHeader, busy: bool) -> Batch[T] | None:
        """The next batch for the node to seal (``Orderer.next_work``): the solo orderer's node
        seals every batch, and there are no blocks from elsewhere to follow."""
        return self.next_batch(0.0 if busy else 0.05)

    def sealed(self, block: Block, data: bytes, batch: Batch[T]) -> None:
        """Nothing to record: the embedded node's store is the only copy of its chain."""

    def _cut(self) -> Batch[T]:
        cutter: BlockCutter[T] = BlockCutter(self.config)
        queue = self._queue
        batch: list[T] | None = None
        while queue and batch is None:
            batch = cutter.ordered(queue.popleft()[1])
        items = batch if batch is not None else cutter.cut()
        self._last_ts = max(self._last_ts, self._clock())
        return Batch(items, self._last_ts)

    def close(self) -> None:
        """Stop taking transactions; the consumer drains the queue, then gets ``OrdererClosed``."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
