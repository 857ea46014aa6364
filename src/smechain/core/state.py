"""The state interface: what contracts read and write, and how writes are staged.

Committed state is a map from text keys to canonical bytes. A block runs on a
``BlockState`` staged over the committed state; each transaction runs on a
``TxState`` staged over the block. A transaction's writes reach the block only
when it succeeds, and the block's writes reach the store only when the whole
block commits: a failed transaction changes nothing, and the executor knows
each block's exact write set.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

import msgspec

from smechain.core.block import Event
from smechain.core.encoding import decode, encode
from smechain.core.errors import BadArguments

T = TypeVar("T")

WriteSet = dict[str, bytes | None]
"""A block's writes: key to new value, ``None`` for a deletion."""


class StateReader(Protocol):
    """Read access to committed state."""

    def get(self, key: str) -> bytes | None:
        """The value stored at ``key``, or ``None``."""
        ...


class BlockState:
    """A block's staged writes over committed state."""

    __slots__ = ("base", "writes")

    def __init__(self, base: StateReader) -> None:
        self.base = base
        self.writes: WriteSet = {}

    def get(self, key: str) -> bytes | None:
        """The value as of the transactions already applied in this block."""
        writes = self.writes
        if key in writes:
            return writes[key]
        return self.base.get(key)


class TxState:
    """One transaction's view: typed reads and staged writes, plus its events."""

    __slots__ = ("_block", "_writes", "contract", "events")

    def __init__(self, block: BlockState, contract: str) -> None:
        self._block = block
        self._writes: WriteSet = {}
        self.events: list[Event] = []
        self.contract = contract

    def get(self, key: str) -> bytes | None:
        """Raw bytes at ``key`` as this transaction sees them."""
        writes = self._writes
        if key in writes:
            return writes[key]
        return self._block.get(key)

    def get_as(self, key: str, type_: type[T]) -> T | None:
        """Decode the value at ``key`` as ``type_``, or ``None`` when absent."""
        raw = self.get(key)
        return None if raw is None else decode(raw, type_)

    def get_int(self, key: str) -> int:
        """An integer value, 0 when absent."""
        raw = self.get(key)
        return 0 if raw is None else decode(raw, int)

    def put(self, key: str, value: Any) -> None:
        """Stage ``value`` (any encodable record) at ``key``.

        Raises ``BadArguments`` when the value cannot be stored (an integer past
        64 bits), so one transaction's arithmetic can never stop the ledger.
        """
        try:
            self._writes[key] = encode(value)
        except (OverflowError, msgspec.EncodeError) as exc:
            raise BadArguments("", f"{key}: the result cannot be stored ({exc})") from None

    def delete(self, key: str) -> None:
        """Stage the removal of ``key``."""
        self._writes[key] = None

    def emit(self, event: str, /, **attrs: Any) -> None:
        """Announce an event of this transaction's contract; ``BadArguments`` when an
        attribute cannot be encoded (an integer past 64 bits)."""
        try:
            encode(attrs)
        except (OverflowError, msgspec.EncodeError) as exc:
            raise BadArguments("", f"{event}: an attribute cannot be recorded ({exc})") from None
        self.events.append(Event(self.contract, event, attrs))

    def commit(self) -> None:
        """Move the staged writes into the block."""
        self._block.writes.update(self._writes)
