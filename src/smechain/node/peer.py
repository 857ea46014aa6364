"""A consortium peer: one organisation's node on the NATS JetStream ordering service.

Every peer follows the ``BLOCKS`` stream: it checks each block (orderer
signature, links, Merkle roots), checks the transactions' signatures in its
worker processes, executes the block, and commits it only if its receipts and
state root are exactly the block's. Then it signs a checkpoint with its
organisation's key and publishes it. A peer whose result differs raises
``Diverged``: it publishes the checkpoint of what it computed (the alarm the
others see) and stops committing.

A peer given an orderer key may also cut blocks. Such peers compete for a
lease; the holder reads ``TXS`` from where the last block's cutter stopped,
executes and seals each batch, appends the block to ``BLOCKS`` (only if the
stream's last block is its predecessor) and commits it. The others stand by;
when the holder dies its lease expires and one of them takes over.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import threading
import time
import tomllib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import structlog

from smechain.core.block import Block, header_hash
from smechain.core.chain import BlockInvalid, check_block
from smechain.core.checkpoint import SignedCheckpoint, sign_checkpoint
from smechain.core.contract import Runtime
from smechain.core.crypto import get_suite
from smechain.core.encoding import decode, encode
from smechain.core.errors import DecodeError
from smechain.core.executor import DecodedTx, decode_block_txs
from smechain.core.genesis import decode_genesis
from smechain.core.proof import TxProof
from smechain.core.tx import TxHash, decode_tx
from smechain.modules import default_runtime
from smechain.node.checkpoints import Checkpoints
from smechain.node.keys import KeyPair, load_key
from smechain.node.node import (
    BadTransaction,
    Diverged,
    FollowedBlock,
    Node,
    NodeConfig,
    lock_folder,
)
from smechain.node.sigpool import PendingCheck
from smechain.ordering.access import OPERATOR, AccessError, Identity
from smechain.ordering.ckptlog import CheckpointLog
from smechain.ordering.cutter import CutterConfig
from smechain.ordering.jetstream import (
    BlockLog,
    JetStreamConfig,
    JetStreamOrderer,
    Lease,
    LoggedBlock,
    Names,
    NatsLink,
    OrdererClosed,
    Position,
    Superseded,
)
from smechain.ordering.solo import Batch, OrdererFull
from smechain.storage.abc import LedgerStore
from smechain.storage.select import open_store

log = structlog.get_logger("smechain.peer")

READ_AHEAD = 8
"""Blocks fetched from the log per request while following."""


class PeerConfigError(ValueError):
    """A peer config file that cannot be used; the message names the field."""


def read_toml(path: Path) -> dict[str, Any]:
    """The table of a TOML file; ``PeerConfigError`` naming the file and why otherwise."""
    try:
        return tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise PeerConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PeerConfigError(f"{path}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise PeerConfigError(f"{path}: not valid TOML ({exc})") from None


@dataclass(frozen=True, slots=True)
class PeerConfig:
    """One organisation's peer: who it is, where its data is, which servers order."""

    org: str
    data: Path
    servers: list[str]
    org_key: Path
    genesis: Path
    orderer_key: Path | None = None
    """With an orderer key the peer also cuts blocks (active or standby)."""
    store: str = "sqlite"
    replicas: int = 3
    cutter: CutterConfig = field(default_factory=CutterConfig)
    verify_workers: int | None = 1
    synchronous: str = "FULL"
    api: str = ""
    """``host:port`` where the peer serves its organisation's HTTP API and portal; "" for none."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses or networks of reverse proxies in front of the API whose X-Forwarded-For
    names the client (sign-in limits count per client address); none by default."""
    nats: Identity | None = None
    """The organisation's TLS certificate and NKey (the ``[nats]`` table); None: connect in the
    clear and anonymously, which servers that admit only the consortium refuse."""

    @classmethod
    def load(cls, path: Path) -> PeerConfig:
        """Read a peer's TOML config; relative paths are relative to the file."""
        path = Path(path)
        return cls.from_dict(read_toml(path), path.parent)

    @classmethod
    def from_dict(cls, doc: dict[str, Any], base: Path) -> PeerConfig:
        def need(name: str, kind: type) -> Any:
            if name not in doc:
                raise PeerConfigError(f"{name}: missing")
            value = doc[name]
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise PeerConfigError(f"{name}: expected {kind.__name__}, "
                                      f"got {type(value).__name__}")
            return value

        def where(name: str) -> Path:
            return base / Path(need(name, str))

        servers = _servers(need("servers", list))
        org = need("org", str)
        try:
            nats = Identity.from_dict(doc["nats"], base, org) if "nats" in doc else None
        except AccessError as exc:
            raise PeerConfigError(str(exc)) from None
        cut = doc.get("cutter", {})
        if not isinstance(cut, dict):
            raise PeerConfigError("cutter: expected a table")
        try:
            cutter = CutterConfig(**cut)
        except (TypeError, ValueError) as exc:
            raise PeerConfigError(f"cutter: {exc}") from None
        replicas = _replicas(doc)
        workers = doc.get("verify_workers", 1)
        if not isinstance(workers, int) or isinstance(workers, bool) or not 0 <= workers <= 64:
            raise PeerConfigError(f"verify_workers: {workers!r} is not between 0 and 64")
        store = doc.get("store", "sqlite")
        if not isinstance(store, str) or not (
            store == "sqlite" or store.startswith(("postgresql://", "postgres://"))
        ):
            raise PeerConfigError(f"store: {store!r} is not 'sqlite' or a postgresql:// URL")
        synchronous = doc.get("synchronous", "FULL")
        if synchronous not in ("FULL", "NORMAL"):
            raise PeerConfigError(f"synchronous: {synchronous!r} is not FULL or NORMAL")
        api = doc.get("api", "")
        m = re.fullmatch(r"[\w.-]+:(\d{1,5})", api) if isinstance(api, str) else None
        if api != "" and (m is None or not 0 < int(m.group(1)) < 65536):
            raise PeerConfigError(f"api: {api!r} is not host:port")
        proxies = doc.get("trusted_proxies", [])
        if not isinstance(proxies, list) or not all(isinstance(p, str) for p in proxies):
            raise PeerConfigError("trusted_proxies: expected a list of IP addresses or networks")
        for proxy in proxies:
            try:
                ipaddress.ip_network(proxy)
            except ValueError:
                raise PeerConfigError(f"trusted_proxies: {proxy!r} is not an IP address or "
                                      "network") from None
        return cls(
            org=org, data=where("data"), servers=list(servers),
            org_key=where("org_key"), genesis=where("genesis"),
            orderer_key=where("orderer_key") if "orderer_key" in doc else None,
            store=store, replicas=replicas, cutter=cutter, verify_workers=workers,
            synchronous=synchronous, api=api, trusted_proxies=tuple(proxies), nats=nats,
        )


@dataclass(frozen=True, slots=True)
class OperatorConfig:
    """The ordering service's operator: the servers, the chain's genesis, its credentials.

    ``ordering.toml``: ``servers``, ``genesis`` and ``replicas`` as in a peer's
    config, and a ``[nats]`` table naming the operator's certificate and NKey.
    """

    servers: list[str]
    genesis: Path
    nats: Identity
    replicas: int = 3

    @classmethod
    def load(cls, path: Path) -> OperatorConfig:
        path = Path(path)
        doc = read_toml(path)
        base = path.parent
        servers = _servers(doc.get("servers"))
        genesis = doc.get("genesis")
        if not isinstance(genesis, str) or not genesis:
            raise PeerConfigError("genesis: expected the genesis block's file")
        replicas = _replicas(doc)
        if "nats" not in doc:
            raise PeerConfigError("nats: missing (the operator's ca, cert, key and seed)")
        try:
            nats = Identity.from_dict(doc["nats"], base, OPERATOR)
        except AccessError as exc:
            raise PeerConfigError(str(exc)) from None
        return cls(list(servers), base / genesis, nats, replicas)


def _servers(servers: Any) -> list[str]:
    """The ``servers`` of a config: a non-empty list of ``nats://`` or ``tls://`` URLs."""
    if not isinstance(servers, list) or not servers or not all(
            isinstance(s, str) and s.startswith(("nats://", "tls://")) for s in servers):
        raise PeerConfigError("servers: expected a list of nats://host:port URLs")
    return servers


def _replicas(doc: dict[str, Any]) -> int:
    """The ``replicas`` of a config (1, 3 or 5; 3 when not given)."""
    replicas = doc.get("replicas", 3)
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas not in (1, 3, 5):
        raise PeerConfigError(f"replicas: {replicas!r} is not 1, 3 or 5")
    return replicas


def genesis_from_file(path: Path) -> tuple[Block, bytes]:
    """The genesis block in ``path``, checked to be a well-formed, signed block 0."""
    try:
        data = Path(path).read_bytes()
        block = decode(data, Block)
        genesis = decode_genesis(block.genesis)
    except FileNotFoundError:
        raise PeerConfigError(f"genesis: {path} does not exist") from None
    except OSError as exc:
        raise PeerConfigError(f"genesis: {path} cannot be read ({exc})") from None
    except DecodeError as exc:
        raise PeerConfigError(f"genesis: {path} is not a genesis block ({exc.message})") from None
    try:
        check_block(get_suite(genesis.suite), block, None, genesis.orderer_keys, [])
    except BlockInvalid as exc:
        raise PeerConfigError(f"genesis: {exc}") from None
    return block, data


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
        super().__init__(store, orderer_key, node_config, runtime, lock_fd)
        self.peer_config = config
        self.org = config.org
        self._org_key = (org_key.private, org_key.public)
        self.names = Names(self.chain_id)
        self.link = link or NatsLink(config.servers, name=f"peer-{config.org}",
                                     identity=config.nats)
        self.log = BlockLog(self.link, self.names)
        self._publisher = JetStreamOrderer(self.link, self.names, self._ordering_config())
        self._cutter: JetStreamOrderer | None = None
        self._lease = Lease(self.link, self.names, config.org)
        self._lease_due = 0.0
        self._next_follow = self.height() + 1
        self._followed: deque[LoggedBlock] = deque()
        self.diverged: Diverged | None = None
        self.checkpoints = Checkpoints(self, CheckpointLog(self.link, self.names))
        self._subs: list[Any] = []

    def _ordering_config(self) -> JetStreamConfig:
        return JetStreamConfig(cutter=self.config.cutter)

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
        self._stopping = True
        try:
            self._publisher.close()
        finally:
            self._orderer.close()
            if self._thread is not None:
                self._thread.join()
            if self._cutter is not None:
                self._cutter.close()
            self._lease.release()
            self.checkpoints.close()
            self.link.close()
            self._release()

    # --- submitting -----------------------------------------------------------

    def _enqueue(self, item: DecodedTx) -> None:
        """Publish the transaction to the ordering service's transaction stream."""
        try:
            self._publisher.submit(item.raw)
        except OrdererFull as exc:
            raise BadTransaction(str(exc)) from None

    def in_flight(self, tx_hash: bytes) -> bool:
        """True until ``tx_hash`` commits here: the transaction stream is durable and any
        cutter may still order what was published to it, before or after a restart."""
        return self.store.find_tx(tx_hash) is None

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
        self._publisher.flush(timeout)

    # --- status ---------------------------------------------------------------

    @property
    def role(self) -> str:
        if self._cutter is not None:
            return "cutter"
        return "standby" if self._orderer_key is not None else "peer"

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
            "state_root": head.state_root.hex(),
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

    # --- the ledger thread ----------------------------------------------------

    def _next_work(self, busy: bool) -> Batch[DecodedTx] | FollowedBlock | None:
        if self._orderer._closed:
            raise OrdererClosed("the peer is stopping")
        now = time.monotonic()
        if self._cutter is not None:
            if now >= self._lease_due:
                if not self._lease.renew():
                    log.warning("lost the cutter lease", org=self.org)
                    self._stop_cutting()
                    return None
                self._lease_due = now + Lease.RENEW_S
            batch = self._cutter.next_batch(0.0 if busy else 0.05)
            if batch is None:
                self.checkpoints.drain(self.height())
                return None
            return self._decoded(batch)
        if (self._orderer_key is not None and not busy and not self._followed
                and now >= self._lease_due and self._next_follow > self.log.last_height()):
            self._lease_due = now + Lease.RENEW_S / 2
            if self._lease.acquire():
                self._start_cutting()
                return None
        while True:
            if not self._followed:
                self._followed.extend(
                    self.log.read(self._next_follow, READ_AHEAD, 0.0 if busy else 0.05)
                )
                if not self._followed:
                    self.checkpoints.drain(self.height())
                    return None
                self._next_follow = self._followed[-1].height + 1
            logged = self._followed.popleft()
            if logged.height > self.height():
                break
            # Committed here already: a cut still in the pipeline when this peer stopped
            # cutting was appended and committed after following began from below it.
            if self.store.block_bytes(logged.height) != logged.data:
                raise BlockInvalid(logged.height, "differs from the block committed here")
        try:
            block = decode(logged.data, Block)
        except DecodeError as exc:
            raise BlockInvalid(logged.height, f"does not decode ({exc.message})") from None
        return FollowedBlock(block, logged.data, decode_block_txs(self.suite, block.txs))

    def _start_cutting(self) -> None:
        last = self.log.last_height()
        if last != self.height():
            self._lease.release()  # blocks to follow first
            return
        logged = self.log.get(last)
        start = (logged.position if logged is not None else None) or Position()
        self._cutter = JetStreamOrderer(self.link, self.names, self._ordering_config(),
                                        start=start, last_timestamp_ms=self.head.timestamp_ms,
                                        clock=self.config.clock)
        self._lease_due = time.monotonic() + Lease.RENEW_S
        log.info("cutting blocks", org=self.org, height=last, tx_position=start.header())

    def _stop_cutting(self) -> None:
        if self._cutter is not None:
            self._cutter.close()
        self._cutter = None
        self._cut_hashes.clear()
        self._followed.clear()
        self._next_follow = self.height() + 1
        self._lease_due = time.monotonic() + Lease.TTL_S

    def _decoded(self, batch: Batch[bytes]) -> Batch[DecodedTx] | None:
        """The batch's transactions for this chain, less those already cut or committed.

        Bytes that are no transaction of this chain (published to the stream
        by something other than a peer, which refuses them at the door) have
        no hash here that anyone could wait on: they are left out too.
        """
        decoded: list[DecodedTx] = []
        for raw in batch.items:
            try:
                tx, tx_hash = decode_tx(raw, self.suite)
            except DecodeError:
                continue
            if tx.body.chain_id == self.chain_id:
                decoded.append(DecodedTx(raw, tx_hash, tx))
        items = self._uncut(decoded)
        if not items:
            return None  # the next block records the position past these
        return Batch(items, batch.timestamp_ms, batch.position)

    def _publish(self, block: Block, data: bytes, batch: Batch[DecodedTx]) -> None:
        self.log.append(block.header.height, data, batch.position)

    def _superseded(self, exc: Superseded) -> None:
        log.warning("another cutter appended first; following again", org=self.org,
                    error=str(exc))
        self._lease.release()
        self._stop_cutting()

    def _follow(self, work: FollowedBlock, check: PendingCheck) -> None:
        try:
            super()._follow(work, check)
        except Diverged as exc:
            self.diverged = exc
            log.error("state diverged: this peer stops committing", org=self.org,
                      height=exc.height, problem=str(exc))
            mine = msgspec.structs.replace(work.block.header, state_root=exc.state_root)
            self.checkpoints.publish(sign_checkpoint(self.suite, self._org_key, self.org, mine),
                                     committed=False)
            raise

    def _store(self, block: Block, data: bytes, hashes: list[TxHash], writes: Any,
               items: list[DecodedTx] | None = None) -> None:
        super()._store(block, data, hashes, writes, items)
        header = block.header
        block_hash = header_hash(self.suite, header)
        signed = sign_checkpoint(self.suite, self._org_key, self.org, header)
        self.store.put_checkpoint(header.height, self.org, encode(signed))
        self.checkpoints.publish(signed)
        self.checkpoints.committed(header.height, block_hash, header.state_root)
