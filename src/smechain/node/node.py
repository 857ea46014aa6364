"""A node: an ordering service, the executor and a store, by composition.

The embedded node runs on the solo orderer, in one process; a consortium
peer (``node.peer``) is a node on the JetStream orderer. Either way one ledger
thread takes work from the ``Orderer``: a cut batch, which it executes, seals
and commits, or a block sealed elsewhere, which it checks, executes and
commits only if its receipts and writes hash are the block's. Each block is
committed with its state changes in one store transaction. While it executes
block *h*, worker processes already check the signatures of block *h+1*.
Clients ``submit`` signed transaction bytes from any thread, then ``wait`` for
the receipt, or ``subscribe`` to every committed block.
"""

from __future__ import annotations

import fcntl
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from smechain.core.block import Block, BlockHeader, Receipt, header_hash, next_writes_hash
from smechain.core.chain import BlockInvalid, check_block, genesis_block, seal_block
from smechain.core.contract import Runtime
from smechain.core.encoding import encode
from smechain.core.errors import DecodeError
from smechain.core.executor import DecodedTx, decode_block_txs, execute_block
from smechain.core.genesis import Genesis
from smechain.core.state import WriteSet
from smechain.core.tx import SignedTx, TxBody, TxHash, decode_tx, tx_digest
from smechain.modules import default_runtime
from smechain.node.keys import KeyPair
from smechain.node.ledger import LedgerView
from smechain.node.sigpool import PendingCheck, SignatureChecker
from smechain.ordering.abc import Batch, FollowedBlock, Orderer, OrdererClosed, Superseded
from smechain.ordering.cutter import CutterConfig
from smechain.ordering.solo import SoloOrderer
from smechain.storage.abc import LedgerStore
from smechain.storage.sqlite import SqliteStore

log = structlog.get_logger("smechain.node")

STORE_FILE = "ledger.sqlite"
PIPELINE_DEPTH = 4


class BadTransaction(ValueError):
    """A submitted transaction was refused at the door; nothing was queued."""


class AlreadyCommitted(BadTransaction):
    """The exact signed bytes are on the chain already: they run once.

    Their receipt is there: ``wait`` on the hash returns it.
    """


class NodeStopped(RuntimeError):
    """The node is not running (stopped, or its ledger thread failed)."""


class FolderInUse(RuntimeError):
    """Another process has this data folder open."""


class Diverged(RuntimeError):
    """Executing a block here gave other receipts or another writes hash than its header.

    The peer stops committing: its store no longer matches the chain.
    """

    def __init__(self, header: BlockHeader, message: str, writes_hash: bytes) -> None:
        super().__init__(f"block {header.height}: {message}")
        self.header = header
        """The header of the block that could not be committed."""
        self.height = header.height
        self.writes_hash = writes_hash
        """The writes hash executing the block here gave."""


@dataclass(frozen=True, slots=True)
class NodeConfig:
    """How the embedded node cuts blocks, checks signatures and syncs to disk."""

    cutter: CutterConfig = field(default_factory=CutterConfig)
    verify_workers: int | None = None
    """Signature worker processes; ``None`` for one per core, 0 to check inline."""
    synchronous: str = "FULL"
    max_pending: int = 200_000
    clock: Callable[[], int] | None = None
    """The orderer's clock in epoch milliseconds; ``None`` for the wall clock (simulations only)."""


@dataclass(frozen=True, slots=True)
class Committed:
    """A committed block as subscribers see it."""

    block: Block
    tx_hashes: list[TxHash]
    items: list[DecodedTx] | None = None
    """The block's transactions as the node decoded them (``decode_block_txs`` of
    ``block.txs``), so subscribers need not decode them again; ``None`` when not at hand."""


class Subscription:
    """Committed blocks, in order, from a height on."""

    def __init__(self, node: Node) -> None:
        self._node = node
        self._queue: queue.Queue[Committed] = queue.Queue()

    def get(self, timeout: float | None = None) -> Committed:
        """The next committed block; ``queue.Empty`` after ``timeout`` seconds."""
        return self._queue.get(timeout=timeout)

    def close(self) -> None:
        """Stop receiving blocks."""
        self._node._unsubscribe(self)


class _Waiter:
    __slots__ = ("event", "receipt")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.receipt: Receipt | None = None


def lock_folder(folder: Path) -> int:
    """Take the folder's lock file, so two processes never run one ledger."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise FolderInUse(f"data folder {folder} is in use by another process") from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd


class Node(LedgerView):
    """A peer over ``store`` on ``orderer``, sealing blocks with ``orderer_key``.

    Without an ``orderer`` it runs on a solo orderer of its own (the embedded node).
    """

    def __init__(
        self,
        store: LedgerStore,
        orderer_key: KeyPair | None,
        config: NodeConfig | None = None,
        runtime: Runtime | None = None,
        lock_fd: int | None = None,
        orderer: Orderer | None = None,
    ) -> None:
        super().__init__(store)
        self.config = config or NodeConfig()
        self.runtime = runtime or default_runtime()
        self._orderer_key: tuple[bytes, bytes] | None = None
        if orderer_key is not None:
            if orderer_key.public not in self.orderer_keys:
                raise ValueError("orderer_key: not one of the orderer keys named in genesis")
            self._orderer_key = (orderer_key.private, orderer_key.public)
        if orderer is None:
            orderer = SoloOrderer[DecodedTx](self.config.cutter, self.config.max_pending,
                                             self.head.timestamp_ms, self.config.clock)
        self._orderer: Orderer = orderer
        self._checker = SignatureChecker(self.suite, self.config.verify_workers)
        self._lock = threading.Lock()
        self._waiters: dict[bytes, _Waiter] = {}
        self._subscribers: list[Subscription] = []
        self._listeners: list[Callable[[Committed], None]] = []
        self._idle_listeners: list[Callable[[int], None]] = []
        self._failure_listeners: list[Callable[[BaseException], None]] = []
        self._stopping = False
        self._cut_hashes: set[bytes] = set()
        """Transactions cut into blocks not yet committed (the ledger thread's own)."""
        self._in_flight: set[bytes] = set()
        """Transactions handed to ordering here and not yet committed (see ``in_flight``)."""
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._lock_fd = lock_fd

    # --- lifecycle ------------------------------------------------------------

    @classmethod
    def create(
        cls,
        folder: Path,
        genesis: Genesis,
        orderer_key: KeyPair,
        config: NodeConfig | None = None,
    ) -> Node:
        """Start a new chain in ``folder`` from ``genesis``; the folder must hold none yet."""
        folder = Path(folder)
        fd = lock_folder(folder)
        try:
            config = config or NodeConfig()
            store = SqliteStore(folder / STORE_FILE, synchronous=config.synchronous)
            if store.height() >= 0:
                store.close()
                raise FileExistsError(f"{folder} already holds a chain")
            runtime = default_runtime()
            block, writes = genesis_block(
                orderer_key.crypto, runtime, genesis, (orderer_key.private, orderer_key.public)
            )
            store.commit_block(0, encode(block), [], writes)
            return cls(store, orderer_key, config, runtime, fd)
        except BaseException:
            os.close(fd)
            raise

    @classmethod
    def open(cls, folder: Path, orderer_key: KeyPair, config: NodeConfig | None = None) -> Node:
        """Open the chain in ``folder``, recovering exactly what was committed."""
        folder = Path(folder)
        if not (folder / STORE_FILE).exists():
            raise FileNotFoundError(f"{folder} holds no chain (run `smechain init`)")
        fd = lock_folder(folder)
        try:
            config = config or NodeConfig()
            return cls(SqliteStore(folder / STORE_FILE, synchronous=config.synchronous),
                       orderer_key, config, None, fd)
        except BaseException:
            os.close(fd)
            raise

    def start(self) -> Node:
        """Start the ledger thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ledger", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Commit what is queued, stop, and release the store and folder."""
        try:
            self._stop()
        finally:
            self._release()

    def _stop(self) -> None:
        """Stop taking transactions, commit what was cut, and end the ledger thread."""
        self._stopping = True
        try:
            self._orderer.close()
        finally:
            if self._thread is not None:
                self._thread.join()

    def _release(self) -> None:
        """Close the signature workers, the store and the folder's lock."""
        self._checker.close()
        self.store.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> Node:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- submitting -----------------------------------------------------------

    @property
    def failure(self) -> BaseException | None:
        """Why the ledger thread stopped, or ``None`` while it runs."""
        return self._failure

    def submit(self, raw: bytes) -> TxHash:
        """Queue signed transaction bytes for ordering; return the transaction hash.

        Malformed bytes and transactions for another chain are refused here
        with ``BadTransaction``, bytes already committed with
        ``AlreadyCommitted``; everything else gets a receipt in a block (the
        same bytes queued twice get one, in the block that holds the first).
        """
        if self._failure is not None:
            raise NodeStopped(f"the ledger thread failed: {self._failure!r}")
        return self.enqueue(self.check(raw))

    def check(self, raw: bytes) -> DecodedTx:
        """Decode signed transaction bytes for this chain; ``BadTransaction`` otherwise."""
        try:
            tx, tx_hash = decode_tx(raw, self.suite)
        except DecodeError as exc:
            raise BadTransaction(exc.message) from None
        if tx.body.chain_id != self.chain_id:
            raise BadTransaction(f"chain_id: {tx.body.chain_id!r} is not {self.chain_id!r}")
        return DecodedTx(raw, tx_hash, tx)

    def simulate(self, body: TxBody) -> Receipt:
        """Run ``body`` on the committed state as if in the next block; nothing is stored.

        Signatures are assumed valid and the sender's next nonce replaces
        ``body.nonce``, so callers check a transaction before signing it (the
        API's custodial calls, the command line). The nonce and everything the
        transaction reads come from one block (``LedgerView.consistent``): a
        block committing meanwhile would otherwise refuse a good transaction
        with ``bad_nonce``. The timestamp is the orderer's clock (the wall
        clock by default), never before the last block's.
        """

        def run() -> Receipt:
            sim = TxBody(body.chain_id, body.contract, body.action, body.args, body.signers,
                         self.nonce(body.signers[0]) + 1, body.expiry)
            item = DecodedTx(b"", tx_digest(self.suite, sim),
                             SignedTx(sim, [b""] * len(sim.signers)))
            head = self.head
            clock = self.config.clock
            now = clock() if clock is not None else int(time.time() * 1000)
            return execute_block(self.runtime, self.suite, self.store, self.chain_id,
                                 head.height + 1, max(now, head.timestamp_ms),
                                 [item], [True]).receipts[0]

        return self.consistent(run)

    def enqueue(self, item: DecodedTx) -> TxHash:
        """Queue a transaction ``check`` accepted (for callers that look at it first).

        Every way into the ordering service comes through here, so this is
        where bytes already on the chain are refused (``AlreadyCommitted``).
        """
        if self._failure is not None:
            raise NodeStopped(f"the ledger thread failed: {self._failure!r}")
        if self._stopping:
            raise NodeStopped("the node is stopped")
        where = self.store.find_tx(item.tx_hash)
        if where is not None:
            raise AlreadyCommitted(f"tx: {item.tx_hash.hex()} is already committed at height "
                                   f"{where[0]}; signed bytes run once")
        added = item.tx_hash not in self._in_flight
        self._in_flight.add(item.tx_hash)
        try:
            self._orderer.submit(item)
        except BaseException as exc:
            if added:  # the same bytes queued before stay in flight
                self._in_flight.discard(item.tx_hash)
            if isinstance(exc, OrdererClosed):
                raise NodeStopped("the node is stopped") from None
            raise
        return item.tx_hash

    def in_flight(self, tx_hash: bytes) -> bool:
        """Whether ``tx_hash`` may still commit through this node: handed to its ordering
        (queued, or cut into a block) and not yet committed.

        The embedded node's orderer queue lives in this process: what it held
        before a crash or restart is gone for good, so a transaction neither
        committed nor in flight here can never commit (no one else holds the
        bytes of a transaction the peer signed). A transaction leaves this set
        only after its block is stored, so ``not in_flight(h)`` followed by
        ``find_tx(h) is None`` is never a transaction caught in between.

        A durable orderer's log (JetStream) outlives the process, and any
        cutter may still order what was published to it: there a transaction
        is in flight until it commits here.
        """
        if self._orderer.durable:
            return self.store.find_tx(tx_hash) is None
        return tx_hash in self._in_flight

    def wait(self, tx_hash: bytes, timeout: float = 30.0) -> Receipt:
        """The receipt of ``tx_hash`` once its block commits; ``TimeoutError`` otherwise."""
        return self.wait_many([TxHash(tx_hash)], timeout)[0]

    def wait_many(self, tx_hashes: list[TxHash], timeout: float = 30.0) -> list[Receipt]:
        """The receipts of many transactions, in order; reads each committed block once."""
        waiters: list[_Waiter | None] = []
        with self._lock:
            for tx_hash in tx_hashes:
                if self.store.find_tx(tx_hash) is None:
                    waiters.append(self._waiters.setdefault(tx_hash, _Waiter()))
                else:
                    waiters.append(None)
        deadline = time.monotonic() + timeout
        blocks: dict[int, Block] = {}
        out: list[Receipt] = []
        for tx_hash, waiter in zip(tx_hashes, waiters, strict=True):
            if waiter is None:
                height, index = self.locate(tx_hash)
                if height not in blocks:
                    blocks[height] = self.block(height)
                out.append(blocks[height].receipts[index])
                continue
            if not waiter.event.wait(max(deadline - time.monotonic(), 0)) \
                    or waiter.receipt is None:
                with self._lock:
                    for h in tx_hashes:
                        self._waiters.pop(h, None)
                if self._failure is not None:
                    raise NodeStopped(f"the ledger thread failed: {self._failure!r}")
                raise TimeoutError(f"tx {tx_hash.hex()} not committed within {timeout} s")
            out.append(waiter.receipt)
        return out

    def submit_and_wait(self, raw: bytes, timeout: float = 30.0) -> Receipt:
        """Submit and wait for the receipt."""
        return self.wait(self.submit(raw), timeout)

    # --- events ---------------------------------------------------------------

    def subscribe(self, from_height: int | None = None) -> Subscription:
        """Receive every block committed after now, or from ``from_height`` on."""
        sub = Subscription(self)
        with self._lock:
            if from_height is not None:
                for height in range(max(from_height, 0), self.height() + 1):
                    block = self.block(height)
                    items = decode_block_txs(self.suite, block.txs)
                    sub._queue.put(Committed(block, [i.tx_hash for i in items], items))
            self._subscribers.append(sub)
        return sub

    def _unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subscribers:
                self._subscribers.remove(sub)

    def on_commit(self, listener: Callable[[Committed], None]) -> None:
        """Call ``listener`` on the ledger thread after each commit (keep it quick)."""
        self._listeners.append(listener)

    def on_idle(self, listener: Callable[[int], None]) -> None:
        """Call ``listener`` with the height on the ledger thread whenever the orderer had no
        work for it (keep it quick): for work that must run between commits."""
        self._idle_listeners.append(listener)

    def on_failure(self, listener: Callable[[BaseException], None]) -> None:
        """Call ``listener`` on the ledger thread when it stops on an exception (``Diverged``
        among them), before ``failure`` reports it."""
        self._failure_listeners.append(listener)

    # --- the ledger thread ----------------------------------------------------

    def _next_work(self, busy: bool) -> Batch[DecodedTx] | FollowedBlock | None:
        """The next batch to seal or block to follow; ``busy`` when the pipeline holds some."""
        while True:
            work = self._orderer.next_work(self.head, busy)
            if work is None:
                height = self.height()
                for listener in self._idle_listeners:
                    listener(height)
                return None
            if isinstance(work, Batch):
                items = self._uncut(work.items)
                return Batch(items, work.timestamp_ms, work.position) if items else None
            height = work.block.header.height
            if height > self.height():
                return work
            # Committed here already: a cut still in the pipeline when this node stopped
            # cutting was appended and committed after following began from below it.
            if self.store.block_bytes(height) != work.data:
                raise BlockInvalid(height, "differs from the block committed here")

    def _uncut(self, items: list[DecodedTx]) -> list[DecodedTx]:
        """``items`` less those cut before or committed: a transaction is in one block only.

        The only transactions a cutter leaves out: the same bytes again, whose
        waiters get the receipt of the block that holds the first. Everything
        else (a stale nonce included) gets a receipt of its own.
        """
        committed = self.store.find_txs([item.tx_hash for item in items])
        cut = self._cut_hashes
        out: list[DecodedTx] = []
        for item in items:
            if item.tx_hash in cut or item.tx_hash in committed:
                continue
            cut.add(item.tx_hash)
            out.append(item)
        return out

    def _run(self) -> None:
        # Up to PIPELINE_DEPTH cut batches (or followed blocks) have their
        # signatures checked in the worker processes while the oldest one
        # executes and commits.
        pending: deque[tuple[Batch[DecodedTx] | FollowedBlock, PendingCheck]] = deque()
        try:
            while True:
                while len(pending) < PIPELINE_DEPTH:
                    try:
                        work = self._next_work(bool(pending))
                    except OrdererClosed:
                        work = None
                        if not pending:
                            return
                    if work is None:
                        break
                    pending.append((work, self._checker.submit(work.items)))
                if pending:
                    work, check = pending.popleft()
                    try:
                        if isinstance(work, FollowedBlock):
                            self._follow(work, check)
                        else:
                            self._commit(work, check)
                    except Superseded:
                        # Another cutter sealed this height: what this node sealed on top
                        # of it is void, and the orderer follows the log again.
                        pending.clear()
                        self._cut_hashes.clear()
        except BaseException as exc:
            for listener in self._failure_listeners:
                try:
                    listener(exc)
                except Exception as problem:  # the first failure is the one to report
                    log.error("failure listener failed", error=repr(problem))
            self._failure = exc
            log.error("ledger thread failed", error=repr(exc))
            with self._lock:
                for waiter in self._waiters.values():
                    waiter.event.set()

    def _commit(self, batch: Batch[DecodedTx], check: PendingCheck) -> None:
        if self._orderer_key is None:
            raise RuntimeError("this node holds no orderer key: it cannot seal blocks")
        items = batch.items
        head = self.head
        height = head.height + 1
        timestamp = max(batch.timestamp_ms, head.timestamp_ms)
        result = execute_block(self.runtime, self.suite, self.store, self.chain_id, height,
                               timestamp, items, check.result())
        block = seal_block(
            self.suite, self._orderer_key, self.chain_id, height, header_hash(self.suite, head),
            head.writes_hash, timestamp, [item.raw for item in items], result.receipts,
            result.writes,
        )
        data = encode(block)
        self._orderer.sealed(block, data, batch)
        self._store(block, data, [item.tx_hash for item in items], result.writes, items)

    def _follow(self, work: FollowedBlock, check: PendingCheck) -> None:
        block, head = work.block, self.head
        hashes = [item.tx_hash for item in work.items]
        check_block(self.suite, block, head, self.orderer_keys, hashes)
        h = block.header
        result = execute_block(self.runtime, self.suite, self.store, self.chain_id, h.height,
                               h.timestamp_ms, work.items, check.result())
        root = next_writes_hash(self.suite, head.writes_hash, result.writes)
        for i, (theirs, ours) in enumerate(zip(block.receipts, result.receipts, strict=True)):
            if theirs != ours:
                raise Diverged(h, f"receipts[{i}]: executed here as {ours.code!r}, "
                                         f"the block says {theirs.code!r}", root)
        if root != h.writes_hash:
            raise Diverged(h, f"writes_hash: {root.hex()[:16]}… here, "
                                     f"{h.writes_hash.hex()[:16]}… in the block", root)
        self._store(block, work.data, hashes, result.writes, work.items)

    def _store(self, block: Block, data: bytes, hashes: list[TxHash], writes: WriteSet,
               items: list[DecodedTx] | None = None) -> None:
        self.store.commit_block(block.header.height, data, hashes, writes)
        self._cut_hashes.difference_update(hashes)
        if self._in_flight:
            self._in_flight.difference_update(hashes)
        committed = Committed(block, hashes, items)
        with self._lock:
            self._head = block.header
            if self._waiters:
                for tx_hash, receipt in zip(hashes, block.receipts, strict=True):
                    waiter = self._waiters.pop(tx_hash, None)
                    if waiter is not None:
                        waiter.receipt = receipt
                        waiter.event.set()
            for sub in self._subscribers:
                sub._queue.put(committed)
        for listener in self._listeners:
            listener(committed)
