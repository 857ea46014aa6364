"""The block cutter: a small pure unit deciding where one block ends.

``ordered(item)`` appends to the pending batch and returns a full batch once
``max_txs`` are pending (Fabric's ``Ordered``); ``cut()`` returns whatever is
pending, which the orderer calls when the oldest pending item has waited
``max_wait_ms``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CutterConfig:
    """When a block is cut: at ``max_txs`` transactions or after ``max_wait_ms``."""

    max_txs: int = 500
    max_wait_ms: int = 50

    def __post_init__(self) -> None:
        for name in ("max_txs", "max_wait_ms"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"{name}: {value!r} is not a whole number")
        if not 1 <= self.max_txs <= 100_000:
            raise ValueError(f"max_txs: {self.max_txs} is not between 1 and 100000")
        if not 0 <= self.max_wait_ms <= 60_000:
            raise ValueError(f"max_wait_ms: {self.max_wait_ms} is not between 0 and 60000")


@dataclass(slots=True)
class BlockCutter(Generic[T]):
    """Collects ordered items into batches of at most ``config.max_txs``."""

    config: CutterConfig
    pending: list[T] = field(default_factory=list)

    def ordered(self, item: T) -> list[T] | None:
        """Add ``item``; return a full batch when this fills one."""
        self.pending.append(item)
        if len(self.pending) >= self.config.max_txs:
            return self.cut()
        return None

    def cut(self) -> list[T]:
        """Take everything pending as one batch."""
        batch, self.pending = self.pending, []
        return batch
