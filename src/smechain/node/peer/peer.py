"""A running consortium peer: one organisation's node on the JetStream orderer, with checkpoints.

The node follows the ``BLOCKS`` stream through its ``ConsortiumOrderer``: it
checks each block (orderer signature, links, Merkle roots), checks the
transactions' signatures in its worker processes, executes the block, and
commits it only if its receipts and writes hash are exactly the block's. Then
the peer signs a checkpoint with its organisation's key and publishes it. A
peer whose result differs stops on ``Diverged``: it publishes the checkpoint
of what it computed (the alarm the others see) and stops committing.

A peer given an orderer key may also cut blocks (``ConsortiumOrderer``: one
cutter at a time holds the lease; the others stand by).
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

import msgspec
import structlog

from smechain.core.block import header_hash
from smechain.core.checkpoint import SignedCheckpoint, sign_checkpoint
from smechain.core.contract import Runtime
from smechain.core.encoding import decode, encode
from smechain.core.executor import DecodedTx
from smechain.core.genesis import decode_genesis
from smechain.core.proof import TxProof
from smechain.core.tx import TxHash
from smechain.modules import default_runtime
from smechain.node.checkpoints import Checkpoints
from smechain.node.keys import KeyPair, load_key
from smechain.node.ledger import LedgerView
from smechain.node.node import (
    BadTransaction,
    Committed,
    Diverged,
    Node,
    NodeConfig,
    lock_folder,
)
from smechain.node.peer.config import PeerConfig, PeerConfigError, genesis_from_file
from smechain.ordering.abc import OrdererFull
from smechain.ordering.access import AccessError
from smechain.ordering.ckptlog import CheckpointLog
from smechain.ordering.jetstream import (
    BlockLog,
    ConsortiumOrderer,
    JetStreamConfig,
    Names,
    NatsLink,
)
from smechain.storage.abc import LedgerStore
from smechain.storage.select import open_store

log = structlog.get_logger("smechain.peer")


def connect(config: PeerConfig) -> NatsLink:
    """The peer's connection to the ordering service, as its organisation."""
    try:
        return NatsLink(config.servers, name=f"peer-{config.org}", identity=config.nats)
    except AccessError as exc:
        raise PeerConfigError(str(exc)) from None


def check_ordering(link: NatsLink, names: Names, genesis: bytes) -> None:
    """Refuse to start on an ordering service without this chain's block 0.

    Peers do not manage streams: the operator sets them up (``smechain
    ordering setup``, or ``cluster up``) before any peer starts.
    """
    block0 = BlockLog(link, names).get(0)
    if block0 is None:
        raise PeerConfigError(
            f"servers: the ordering service holds no block 0 of chain {names.chain_id!r}: "
            "its operator sets the streams up first (`smechain ordering setup`)")
    if block0.data != genesis:
        raise PeerConfigError("genesis: the ordering service holds another chain's block 0")


class Peer(Node):
    """One organisation's peer in a consortium ordered by NATS JetStream."""

    def __init__(
        self,
        store: LedgerStore,
        config: PeerConfig,
        org_key: KeyPair,
        orderer_key: KeyPair | None = None,
        link: NatsLink | None = None,
        runtime: Runtime | None = None,
        lock_fd: int | None = None,
    ) -> None:
        node_config = NodeConfig(cutter=config.cutter, verify_workers=config.verify_workers,
                                 synchronous=config.synchronous)
        view = LedgerView(store)
        names = Names(view.chain_id)
        link = link or NatsLink(config.servers, name=f"peer-{config.org}", identity=config.nats)
        ordering = ConsortiumOrderer(link, names, view.suite, config.org,
                                     may_cut=orderer_key is not None, height=view.height(),
                                     config=JetStreamConfig(cutter=config.cutter),
                                     clock=node_config.clock)
        super().__init__(store, orderer_key, node_config, runtime, lock_fd, ordering)
        self.ordering = ordering
        self.peer_config = config
        self.org = config.org
        self._org_key = (org_key.private, org_key.public)
        self.names = names
        self.link = link
        self.log = ordering.blocks
        self.diverged: Diverged | None = None
        self.checkpoints = Checkpoints(self, CheckpointLog(self.link, self.names))
        self._subs: list[Any] = []
        self.on_commit(self._sign_checkpoint)
        self.on_idle(self.checkpoints.drain)
        self.on_failure(self._alarm)

    # --- lifecycle ------------------------------------------------------------

    @classmethod
    def open(cls, config: PeerConfig) -> Peer:  # type: ignore[override]
        """Open (or create from the genesis file) this peer's store and connect to the cluster."""
        if config.nats is not None:
            try:
                config.nats.check()
            except AccessError as exc:
                raise PeerConfigError(str(exc)) from None
        fd = lock_folder(config.data)
        try:
            org_key = load_key(config.org_key)
            orderer_key = load_key(config.orderer_key) if config.orderer_key else None
            genesis, genesis_data = genesis_from_file(config.genesis)
            store = open_store(config.store, config.data, synchronous=config.synchronous)
            if store.height() < 0:
                writes = default_runtime().genesis_writes(decode_genesis(genesis.genesis))
                store.commit_block(0, genesis_data, [], writes)
            elif store.block_bytes(0) != genesis_data:
                store.close()
                raise PeerConfigError(f"genesis: {config.data} holds another chain")
            try:
                link = connect(config)
            except BaseException:
                store.close()
                raise
            try:
                check_ordering(link, Names(genesis.header.chain_id), genesis_data)
                return cls(store, config, org_key, orderer_key, link, None, fd)
            except BaseException:
                link.close()
                store.close()
                raise
        except BaseException:
            os.close(fd)
            raise

    def start(self) -> Peer:
        """Read the checkpoint stream, answer status requests, start the ledger thread."""
        self.checkpoints.start()
        self.link.call(self._subscribe())
        super().start()
        return self

    async def _subscribe(self) -> None:
        async def on_status(msg: Any) -> None:
            if msg.reply:
                await self.link.nc.publish(msg.reply, json.dumps(self.status()).encode())

        self._subs = [await self.link.nc.subscribe(self.names.status_subject, cb=on_status)]

    def close(self) -> None:
        """Publish what was submitted here, stop, give the lease up, release everything."""
        try:
            self._stop()
        finally:
            self.ordering.release()
            self.checkpoints.close()
            self.link.close()
            self._release()

    # --- submitting -----------------------------------------------------------

    def enqueue(self, item: DecodedTx) -> TxHash:
        """Queue a transaction ``check`` accepted; a full publishing queue refuses it at the
        door (``BadTransaction``), as the peer's API reports it."""
        try:
            return super().enqueue(item)
        except OrdererFull as exc:
            raise BadTransaction(str(exc)) from None

    def catch_up(self, stop: threading.Event | None = None) -> bool:
        """Wait until this peer has committed every block the log held when called.

        False if it stopped committing first (``Diverged``: ``status`` says why)
        or ``stop`` was set.
        """
        target = self.log.last_height()
        while self.height() < target:
            if self._failure is not None or (stop is not None and stop.is_set()):
                return False
            time.sleep(0.05)
        return True

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until every transaction submitted here is stored by the ordering service."""
        self.ordering.flush(timeout)

    # --- status ---------------------------------------------------------------

    @property
    def role(self) -> str:
        """``cutter``, ``standby`` or ``peer`` (``ConsortiumOrderer.role``)."""
        return self.ordering.role

    def status(self) -> dict[str, Any]:
        """What this peer reports to ``cluster status``."""
        head = self.head
        return {
            "org": self.org,
            "pid": os.getpid(),
            "role": self.role,
            "api": f"http://{self.peer_config.api}" if self.peer_config.api else "",
            "height": head.height,
            "block_hash": header_hash(self.suite, head).hex(),
            "writes_hash": head.writes_hash.hex(),
            "diverged": str(self.diverged) if self.diverged else None,
            "failure": repr(self._failure) if self._failure and not self.diverged else None,
            "mismatches": dict(self.checkpoints.mismatches),
            "checkpoints_seen": dict(self.checkpoints.latest),
        }

    def proof(self, tx_hash: bytes) -> TxProof:
        """An inclusion proof carrying the checkpoints of every organisation that agreed."""
        proof = super().proof(tx_hash)
        height = proof.header.height
        kept = [decode(v, SignedCheckpoint) for v in self.store.checkpoints(height).values()]
        return msgspec.structs.replace(proof, checkpoints=kept)

    # --- on the ledger thread -------------------------------------------------

    def _sign_checkpoint(self, committed: Committed) -> None:
        """Sign, keep and publish this organisation's checkpoint of a block just committed."""
        header = committed.block.header
        block_hash = header_hash(self.suite, header)
        signed = sign_checkpoint(self.suite, self._org_key, self.org, header)
        self.store.put_checkpoint(header.height, self.org, encode(signed))
        self.checkpoints.publish(signed)
        self.checkpoints.committed(header.height, block_hash, header.writes_hash)

    def _alarm(self, exc: BaseException) -> None:
        """A block executed here gave another result than its header: publish the checkpoint
        of what this peer computed, which the others see as a mismatch."""
        if not isinstance(exc, Diverged):
            return
        self.diverged = exc
        log.error("state diverged: this peer stops committing", org=self.org,
                  height=exc.height, problem=str(exc))
        mine = msgspec.structs.replace(exc.header, writes_hash=exc.writes_hash)
        self.checkpoints.publish(sign_checkpoint(self.suite, self._org_key, self.org, mine),
                                 committed=False)
