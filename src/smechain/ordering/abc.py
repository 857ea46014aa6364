"""The ordering service's interface: ``Orderer``, what a node needs from it, documented once.

A node hands each checked transaction to its orderer (``submit``) and, on its
ledger thread, asks it for the next piece of work (``next_work``): either a
``Batch`` the orderer cut, which the node executes and seals into the next
block, or a ``FollowedBlock`` someone else sealed, which the node checks and
executes. A block the node sealed goes back to the orderer (``sealed``)
before the node commits it, so a shared log holds it first; ``Superseded``
there means another cutter took that height and the node drops what it had
sealed. ``durable`` says whether what was submitted survives this process.

Implementations: ``solo.SoloOrderer`` (embedded: an in-process queue and a
block cutter) and ``jetstream.ConsortiumOrderer`` (consortium: the NATS
JetStream log, with cutters taking turns under a lease).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from smechain.core.block import Block, BlockHeader
from smechain.core.executor import DecodedTx

T = TypeVar("T")


def wall_clock_ms() -> int:
    """Milliseconds since the Unix epoch: the orderer's clock unless a simulation sets one."""
    return int(time.time() * 1000)


class OrdererFull(Exception):
    """The orderer holds ``max_pending`` transactions already; try again shortly."""


class OrdererClosed(Exception):
    """The orderer was stopped."""


class Superseded(Exception):
    """Another cutter appended the height this one tried to append."""


@dataclass(frozen=True, slots=True)
class Batch(Generic[T]):
    """An ordered batch of transactions and the time the orderer cut it."""

    items: list[T]
    timestamp_ms: int
    position: Any = None
    """Where the orderer's log goes on after this batch (consortium orderers only)."""


@dataclass(frozen=True, slots=True)
class FollowedBlock:
    """A block sealed elsewhere (read from the ordering log), to check and execute here."""

    block: Block
    data: bytes
    items: list[DecodedTx]


class Orderer(Protocol):
    """What a node needs from its ordering service.

    ``submit`` may be called from any thread; ``next_work`` and ``sealed`` only
    from the node's ledger thread; ``close`` once, from the thread that stops
    the node.
    """

    @property
    def durable(self) -> bool:
        """Whether what was submitted survives a restart of this process.

        False (solo): a transaction submitted and not yet committed when the
        process stopped is gone for good. True (a replicated log): it may
        still be ordered and commit, by any cutter, before or after a restart.
        """
        ...

    def submit(self, item: DecodedTx) -> None:
        """Hand a checked transaction to ordering.

        ``OrdererFull`` when too many wait already; ``OrdererClosed`` after ``close``.
        """
        ...

    def next_work(self, head: BlockHeader, busy: bool) -> Batch[DecodedTx] | FollowedBlock | None:
        """The next batch to seal on top of ``head``, or block to follow; ``None`` if none yet.

        ``busy`` when the node's pipeline holds work already (then this does
        not wait). A batch may hold transactions cut or committed before; the
        node leaves those out. ``OrdererClosed`` once closed and drained.
        """
        ...

    def sealed(self, block: Block, data: bytes, batch: Batch[DecodedTx]) -> None:
        """The node sealed ``batch`` into ``block`` (canonical bytes ``data``) and commits it next.

        ``Superseded`` if another cutter sealed that height: the node then
        drops the blocks it sealed and not yet committed.
        """
        ...

    def close(self) -> None:
        """Stop taking transactions; ``next_work`` hands out what was cut, then raises
        ``OrdererClosed``."""
        ...
