"""The consortium's ``Orderer``: follow the chain in ``BLOCKS``, cut blocks while holding the lease.

A node on this orderer publishes what is submitted to it to ``TXS`` and, as
every peer does, follows ``BLOCKS``: each block there comes out of
``next_work`` as a ``FollowedBlock`` to check and execute. A node given an
orderer key may also cut blocks: when it has followed the log to its end it
competes for the lease; the holder reads ``TXS`` from where the last block's
cutter stopped, hands out batches to seal, and appends each sealed block to
``BLOCKS`` (only if the stream's last block is its predecessor) before the node
commits it. The others stand by; when the holder dies its lease expires and
one of them takes over.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

import structlog

from smechain.core.block import Block, BlockHeader
from smechain.core.chain import BlockInvalid
from smechain.core.crypto import CryptoSuite
from smechain.core.encoding import decode
from smechain.core.errors import DecodeError
from smechain.core.executor import DecodedTx, decode_block_txs
from smechain.core.tx import decode_tx
from smechain.ordering.abc import Batch, FollowedBlock, OrdererClosed, Superseded
from smechain.ordering.jetstream.blocklog import BlockLog, LoggedBlock
from smechain.ordering.jetstream.lease import Lease
from smechain.ordering.jetstream.link import NatsLink
from smechain.ordering.jetstream.names import Names, Position
from smechain.ordering.jetstream.txlog import JetStreamConfig, JetStreamOrderer

log = structlog.get_logger("smechain.peer")

READ_AHEAD = 8
"""Blocks fetched from the log per request while following."""


class ConsortiumOrderer:
    """One organisation's way into the JetStream ordering service, as a node's ``Orderer``.

    ``holder`` names the organisation in the cutters' lease; ``may_cut`` when
    it holds an orderer key. ``suite`` and ``chain_id`` decode the transactions
    read from ``TXS``; ``height`` is the node's last committed block.
    """

    durable = True
    """``TXS`` is replicated: anything published to it may still be ordered, by any cutter,
    before or after this process restarts."""

    def __init__(self, link: NatsLink, names: Names, suite: CryptoSuite, holder: str,
                 may_cut: bool, height: int, config: JetStreamConfig | None = None,
                 clock: Callable[[], int] | None = None) -> None:
        self.link = link
        self.names = names
        self.suite = suite
        self.holder = holder
        self.may_cut = may_cut
        self.config = config or JetStreamConfig()
        self.blocks = BlockLog(link, names)
        self._clock = clock
        self._publisher = JetStreamOrderer(link, names, self.config)
        self._cutter: JetStreamOrderer | None = None
        self._lease = Lease(link, names, holder)
        self._lease_due = 0.0
        self._next_follow = height + 1
        self._followed: deque[LoggedBlock] = deque()
        self._closed = False

    @property
    def role(self) -> str:
        """``cutter`` while holding the lease, ``standby`` if it may cut, else ``peer``."""
        if self._cutter is not None:
            return "cutter"
        return "standby" if self.may_cut else "peer"

    # --- submitting -------------------------------------------------------------

    def submit(self, item: DecodedTx) -> None:
        """Publish the transaction to ``TXS`` (``OrdererFull``, ``OrdererClosed``)."""
        self._publisher.submit(item.raw)

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until every transaction submitted here is stored by the ordering service."""
        self._publisher.flush(timeout)

    # --- the node's ledger thread -------------------------------------------------

    def next_work(self, head: BlockHeader, busy: bool) -> Batch[DecodedTx] | FollowedBlock | None:
        """A batch to seal while cutting; otherwise the next block of the log to follow."""
        if self._closed:
            raise OrdererClosed("the peer is stopping")
        now = time.monotonic()
        if self._cutter is not None:
            if now >= self._lease_due:
                if not self._lease.renew():
                    log.warning("lost the cutter lease", org=self.holder)
                    self._stop_cutting(head.height)
                    return None
                self._lease_due = now + Lease.RENEW_S
            batch = self._cutter.next_batch(0.0 if busy else 0.05)
            return None if batch is None else self._decoded(batch)
        if (self.may_cut and not busy and not self._followed
                and now >= self._lease_due and self._next_follow > self.blocks.last_height()):
            self._lease_due = now + Lease.RENEW_S / 2
            if self._lease.acquire():
                self._start_cutting(head)
                return None
        if not self._followed:
            self._followed.extend(
                self.blocks.read(self._next_follow, READ_AHEAD, 0.0 if busy else 0.05)
            )
            if not self._followed:
                return None
            self._next_follow = self._followed[-1].height + 1
        logged = self._followed.popleft()
        try:
            block = decode(logged.data, Block)
        except DecodeError as exc:
            raise BlockInvalid(logged.height, f"does not decode ({exc.message})") from None
        return FollowedBlock(block, logged.data, decode_block_txs(self.suite, block.txs))

    def sealed(self, block: Block, data: bytes, batch: Batch[DecodedTx]) -> None:
        """Append the block to ``BLOCKS``; ``Superseded`` (and following again) if another
        cutter appended that height first."""
        try:
            self.blocks.append(block.header.height, data, batch.position)
        except Superseded as exc:
            log.warning("another cutter appended first; following again", org=self.holder,
                        error=str(exc))
            self._lease.release()
            self._stop_cutting(block.header.height - 1)
            raise

    def _start_cutting(self, head: BlockHeader) -> None:
        last = self.blocks.last_height()
        if last != head.height:
            self._lease.release()  # blocks to follow first
            return
        logged = self.blocks.get(last)
        start = (logged.position if logged is not None else None) or Position()
        self._cutter = JetStreamOrderer(self.link, self.names, self.config, start=start,
                                        last_timestamp_ms=head.timestamp_ms, clock=self._clock)
        self._lease_due = time.monotonic() + Lease.RENEW_S
        log.info("cutting blocks", org=self.holder, height=last, tx_position=start.header())

    def _stop_cutting(self, height: int) -> None:
        """Follow the log again from above ``height``, the node's last committed block.

        What the node cut and has not committed either commits (its block was
        appended) or is dropped with ``Superseded``.
        """
        if self._cutter is not None:
            self._cutter.close()
        self._cutter = None
        self._followed.clear()
        self._next_follow = height + 1
        self._lease_due = time.monotonic() + Lease.TTL_S

    def _decoded(self, batch: Batch[bytes]) -> Batch[DecodedTx]:
        """The batch's transactions for this chain.

        Bytes that are no transaction of this chain (published to the stream
        by something other than a peer, which refuses them at the door) have
        no hash here that anyone could wait on: they are left out. An empty
        batch still moves the position on: the next block records it.
        """
        decoded: list[DecodedTx] = []
        for raw in batch.items:
            try:
                tx, tx_hash = decode_tx(raw, self.suite)
            except DecodeError:
                continue
            if tx.body.chain_id == self.names.chain_id:
                decoded.append(DecodedTx(raw, tx_hash, tx))
        return Batch(decoded, batch.timestamp_ms, batch.position)

    # --- stopping -----------------------------------------------------------------

    def close(self) -> None:
        """Publish what was submitted here; then ``next_work`` raises ``OrdererClosed``."""
        try:
            self._publisher.close()
        finally:
            self._closed = True

    def release(self) -> None:
        """Once the node's ledger thread has ended: stop cutting and give the lease up, so a
        standby need not wait for it to expire."""
        if self._cutter is not None:
            self._cutter.close()
        self._lease.release()
