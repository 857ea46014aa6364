"""Signature checks in parallel, in worker processes.

libsodium and Tongsuo release the GIL, but a thread that must take the GIL
back after every 40 µs call waits behind the busy ledger thread (CPython's
switch interval is 5 ms), so verifier threads crawl. Worker processes verify
whole chunks in a tight loop instead: one message each way per chunk.
Small batches are checked inline, where a round trip would cost more than the
work.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor

import msgspec

from smechain.core.crypto import CryptoSuite, get_suite
from smechain.core.executor import DecodedTx

INLINE_BELOW = 64
"""Batches with fewer signatures than this are verified in the calling thread."""

Job = tuple[bytes, bytes, bytes]


def _verify_chunk(suite_name: str, blob: bytes) -> bytes:
    suite = get_suite(suite_name)
    jobs = msgspec.msgpack.decode(blob, type=list[tuple[bytes, bytes, bytes]])
    return bytes(suite.verify(key, digest, sig) for key, digest, sig in jobs)


def _jobs(items: Sequence[DecodedTx]) -> tuple[list[Job], list[int]]:
    """All signature checks of a batch, and how many belong to each transaction."""
    jobs: list[Job] = []
    counts: list[int] = []
    for item in items:
        if item.tx is None:
            counts.append(-1)
            continue
        pairs = zip(item.tx.body.signers, item.tx.signatures, strict=True)
        jobs.extend((key, item.tx_hash, sig) for key, sig in pairs)
        counts.append(len(item.tx.signatures))
    return jobs, counts


def _per_tx(results: bytes, counts: list[int]) -> list[bool]:
    out: list[bool] = []
    pos = 0
    for n in counts:
        if n < 0:
            out.append(False)
            continue
        out.append(all(results[pos : pos + n]))
        pos += n
    return out


class PendingCheck:
    """Signature checks under way; ``result()`` waits for them."""

    def __init__(self, parts: list[Future[bytes]], counts: list[int], flags: bytes = b"") -> None:
        self._parts = parts
        self._counts = counts
        self._flags = flags

    def result(self) -> list[bool]:
        """One flag per transaction: every one of its signatures verified."""
        flags = self._flags + b"".join(part.result() for part in self._parts)
        return _per_tx(flags, self._counts)


class SignatureChecker:
    """Checks every signature of a batch; ``submit`` returns a future of one flag per tx."""

    def __init__(self, suite: CryptoSuite, workers: int | None = None) -> None:
        self.suite = suite
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self._pool: ProcessPoolExecutor | None = None

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn")
            )
        return self._pool

    def submit(self, items: Sequence[DecodedTx]) -> PendingCheck:
        """Start checking ``items``; the result holds ``True`` per fully signed tx."""
        jobs, counts = _jobs(items)
        if self.workers < 1 or len(jobs) < INLINE_BELOW:
            return PendingCheck([], counts, bytes(self.suite.verify(*job) for job in jobs))
        pool = self._ensure_pool()
        size = -(-len(jobs) // self.workers)
        parts = [
            pool.submit(_verify_chunk, self.suite.name, msgspec.msgpack.encode(jobs[i : i + size]))
            for i in range(0, len(jobs), size)
        ]
        return PendingCheck(parts, counts)

    def check(self, items: Sequence[DecodedTx]) -> list[bool]:
        """Check ``items`` and wait for the answer."""
        return self.submit(items).result()

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
