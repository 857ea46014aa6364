"""Additive secret sharing of int64 vectors over the ring of integers mod 2^64.

A value ``v`` (int64, read as its two's-complement uint64) is split into
``a = r`` and ``b = v - r (mod 2^64)`` with ``r`` uniform on [0, 2^64) from the
operating system's CSPRNG. Either share alone is uniform and independent of
``v``; the sum of any number of shares reconstructs the sum of the values, and
reading the result back as int64 is exact while the true total fits in int64.
"""

from __future__ import annotations

import os

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]


def random_u64(n: int) -> U64:
    """``n`` words uniform on [0, 2^64), from ``os.urandom`` (a CSPRNG)."""
    return np.frombuffer(os.urandom(8 * n), dtype=np.uint64).copy()


def split(values: I64) -> tuple[U64, U64]:
    """Two shares of ``values``: each alone uniform, their sum mod 2^64 ``values``."""
    v = np.ascontiguousarray(values, dtype=np.int64).view(np.uint64)
    a = random_u64(v.size).reshape(v.shape)
    b = v - a  # uint64 arithmetic wraps: mod 2^64
    return a, b


def add(total: U64 | None, share: U64) -> U64:
    """``total + share`` mod 2^64 (``total`` None starts a sum); adds in place when it can."""
    if total is None:
        return np.array(share, dtype=np.uint64, copy=True)
    np.add(total, share, out=total)
    return total


def reconstruct(sum_a: U64, sum_b: U64) -> I64:
    """The signed totals from the two aggregators' sums."""
    return (np.asarray(sum_a, dtype=np.uint64) + np.asarray(sum_b, dtype=np.uint64)).view(np.int64)
