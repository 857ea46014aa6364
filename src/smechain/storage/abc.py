"""The store a peer keeps: blocks, a transaction index and committed state.

Every implementation passes ``tests/storage/test_conformance.py``. The one
rule that matters most: ``commit_block`` stores the block, its index entries
and its state writes in one atomic step; a crash leaves either all of it or
none of it. And to readers in other threads, ``height()`` moves to the new
block last, once every other read (``get``, ``find_tx``, ``block_bytes``)
already answers from it, so a series of reads between which ``height()`` did
not change saw one state (``LedgerView.consistent``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from smechain.core.state import WriteSet


class LedgerStore(Protocol):
    """Blocks by height, transactions by hash, and state by key."""

    def height(self) -> int:
        """Height of the last committed block; -1 when the store is empty."""
        ...

    def block_bytes(self, height: int) -> bytes | None:
        """The canonical bytes of block ``height``."""
        ...

    def find_tx(self, tx_hash: bytes) -> tuple[int, int] | None:
        """``(height, index)`` of a committed transaction."""
        ...

    def find_txs(self, tx_hashes: Sequence[bytes]) -> dict[bytes, tuple[int, int]]:
        """``find_tx`` for many hashes in one query: the committed ones, by hash."""
        ...

    def get(self, key: str) -> bytes | None:
        """Committed state at ``key``."""
        ...

    def commit_block(
        self, height: int, block: bytes, tx_hashes: Sequence[bytes], writes: WriteSet
    ) -> None:
        """Atomically store block ``height`` with its index entries and state writes;
        ``height()`` answers ``height`` only after the rest is readable."""
        ...

    def iter_state(self, prefix: str = "") -> Iterator[tuple[str, bytes, int]]:
        """``(key, value, height last written)`` in key order, for keys under ``prefix``."""
        ...

    def put_checkpoint(self, height: int, org: str, data: bytes) -> None:
        """Keep ``org``'s signed checkpoint of block ``height`` (the latest one wins)."""
        ...

    def checkpoints(self, height: int) -> dict[str, bytes]:
        """The signed checkpoints kept for block ``height``, by organisation."""
        ...

    def cursor(self, name: str) -> int | None:
        """Where the reader ``name`` of an outside log got to; ``None`` if it never said."""
        ...

    def put_cursor(self, name: str, position: int) -> None:
        """Keep the reader ``name``'s position (not part of any block; the latest one wins)."""
        ...

    def close(self) -> None:
        """Release the store."""
        ...
