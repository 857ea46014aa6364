"""An in-memory store: for tests, and for re-executing a chain during ``verify``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from smechain.core.state import WriteSet


class MemoryStore:
    """A ``LedgerStore`` held in dictionaries."""

    def __init__(self) -> None:
        self._blocks: list[bytes] = []
        self._txs: dict[bytes, tuple[int, int]] = {}
        self._state: dict[str, tuple[bytes, int]] = {}
        self._checkpoints: dict[int, dict[str, bytes]] = {}
        self._cursors: dict[str, int] = {}

    def height(self) -> int:
        return len(self._blocks) - 1

    def block_bytes(self, height: int) -> bytes | None:
        return self._blocks[height] if 0 <= height < len(self._blocks) else None

    def find_tx(self, tx_hash: bytes) -> tuple[int, int] | None:
        return self._txs.get(tx_hash)

    def find_txs(self, tx_hashes: Sequence[bytes]) -> dict[bytes, tuple[int, int]]:
        txs = self._txs
        return {bytes(h): txs[h] for h in tx_hashes if h in txs}

    def get(self, key: str) -> bytes | None:
        entry = self._state.get(key)
        return None if entry is None else entry[0]

    def commit_block(
        self, height: int, block: bytes, tx_hashes: Sequence[bytes], writes: WriteSet
    ) -> None:
        if height != len(self._blocks):
            raise ValueError(f"height: expected {len(self._blocks)}, got {height}")
        for index, tx_hash in enumerate(tx_hashes):
            self._txs.setdefault(tx_hash, (height, index))
        for key, value in writes.items():
            if value is None:
                self._state.pop(key, None)
            else:
                self._state[key] = (value, height)
        self._blocks.append(block)  # last: height() moves now (see LedgerStore)

    def iter_state(self, prefix: str = "") -> Iterator[tuple[str, bytes, int]]:
        for key in sorted(k for k in self._state if k.startswith(prefix)):
            value, height = self._state[key]
            yield key, value, height

    def put_checkpoint(self, height: int, org: str, data: bytes) -> None:
        self._checkpoints.setdefault(height, {})[org] = bytes(data)

    def checkpoints(self, height: int) -> dict[str, bytes]:
        return dict(self._checkpoints.get(height, {}))

    def cursor(self, name: str) -> int | None:
        return self._cursors.get(name)

    def put_cursor(self, name: str, position: int) -> None:
        self._cursors[name] = position

    def close(self) -> None:
        pass
