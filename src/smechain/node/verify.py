"""``verify_chain``: re-walk a stored chain and find the first thing that is wrong.

For every block: it must decode canonically, link to the previous header,
carry a valid orderer signature and Merkle roots that match its transactions
and receipts. Then every block is executed again from genesis on a fresh
in-memory state; the receipts and writes hash must come out the same, no
transaction may be in the chain twice, and the transaction index must come
out the same too. Finally the store's state table is compared with
the re-executed state row by row. Any edited byte in a block or state row is
found and named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from smechain.core.block import Block, BlockHeader, next_writes_hash
from smechain.core.chain import BlockInvalid, check_block
from smechain.core.contract import Runtime
from smechain.core.crypto import get_suite
from smechain.core.encoding import decode
from smechain.core.errors import DecodeError
from smechain.core.executor import decode_block_txs, execute_block
from smechain.core.genesis import decode_genesis
from smechain.modules import default_runtime
from smechain.node.sigpool import SignatureChecker
from smechain.storage.abc import LedgerStore
from smechain.storage.memory import MemoryStore


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of ``verify_chain``."""

    ok: bool
    blocks: int
    transactions: int
    height: int | None = None
    """Height of the first bad block (or of the block that last wrote a bad state row)."""
    problem: str = ""


def verify_chain(
    store: LedgerStore,
    runtime: Runtime | None = None,
    workers: int | None = 0,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyReport:
    """Check the whole chain in ``store``; see the module docstring."""
    runtime = runtime or default_runtime()
    top = store.height()
    if top < 0:
        return VerifyReport(False, 0, 0, None, "the store holds no blocks")
    replay = MemoryStore()
    prev: BlockHeader | None = None
    txs = 0
    checker: SignatureChecker | None = None
    try:
        for height in range(top + 1):
            raw = store.block_bytes(height)
            if raw is None:
                return VerifyReport(False, height, txs, height, f"block {height}: missing")
            try:
                block = decode(raw, Block)
                if height == 0:
                    genesis = decode_genesis(block.genesis)
                    suite = get_suite(genesis.suite)
                    checker = SignatureChecker(suite, workers)
            except DecodeError as exc:
                return VerifyReport(False, height, txs, height,
                                    f"block {height}: does not decode ({exc.message})")
            assert checker is not None
            items = decode_block_txs(suite, block.txs)
            hashes = [item.tx_hash for item in items]
            try:
                check_block(suite, block, prev, genesis.orderer_keys, hashes)
            except BlockInvalid as exc:
                return VerifyReport(False, height, txs, height, str(exc))
            h = block.header
            if height == 0:
                writes = runtime.genesis_writes(genesis)
            else:
                result = execute_block(runtime, suite, replay, h.chain_id, height,
                                       h.timestamp_ms, items, checker.check(items))
                for i, (stored, again) in enumerate(zip(block.receipts, result.receipts,
                                                        strict=True)):
                    if stored != again:
                        return VerifyReport(
                            False, height, txs, height,
                            f"block {height}: receipts[{i}] differs on re-execution "
                            f"(stored {stored.code!r}, re-executed {again.code!r})",
                        )
                writes = result.writes
            prev_root = prev.writes_hash if prev is not None else bytes(32)
            root = next_writes_hash(suite, prev_root, writes)
            if root != h.writes_hash:
                return VerifyReport(
                    False, height, txs, height,
                    f"block {height}: writes_hash differs on re-execution "
                    f"(stored {h.writes_hash.hex()[:16]}…, recomputed {root.hex()[:16]}…)",
                )
            replay.commit_block(height, raw, hashes, writes)
            for i, tx_hash in enumerate(hashes):
                first = replay.find_tx(tx_hash)
                if first != (height, i):
                    assert first is not None
                    return VerifyReport(False, height, txs, height,
                                        f"block {height}: txs[{i}] is {tx_hash.hex()} again "
                                        f"(first at height {first[0]}); a transaction is in "
                                        f"the chain once")
                if store.find_tx(tx_hash) != first:
                    return VerifyReport(False, height, txs, height,
                                        f"block {height}: tx index entry of txs[{i}] is wrong")
            txs += len(block.txs)
            prev = h
            if progress is not None:
                progress(height, top)
    finally:
        if checker is not None:
            checker.close()
    return _compare_state(store, replay, top + 1, txs)


def _compare_state(store: LedgerStore, replay: MemoryStore, blocks: int, txs: int) -> VerifyReport:
    stored = store.iter_state()
    again = replay.iter_state()
    for a, b in _zip_by_key(stored, again):
        if a is None:
            assert b is not None
            return VerifyReport(False, blocks, txs, b[2],
                                f"state row {b[0]!r} (written by block {b[2]}) is missing")
        if b is None:
            return VerifyReport(False, blocks, txs, a[2],
                                f"state row {a[0]!r} exists but no block wrote it")
        if a[1] != b[1] or a[2] != b[2]:
            return VerifyReport(
                False, blocks, txs, b[2],
                f"state row {a[0]!r} (written by block {b[2]}) differs from re-execution",
            )
    return VerifyReport(True, blocks, txs)


Row = tuple[str, bytes, int]


def _zip_by_key(
    left: Iterator[Row], right: Iterator[Row]
) -> Iterator[tuple[Row | None, Row | None]]:
    a, b = next(left, None), next(right, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[0] < b[0]):
            yield a, None
            a = next(left, None)
        elif a is None or b[0] < a[0]:
            yield None, b
            b = next(right, None)
        else:
            yield a, b
            a, b = next(left, None), next(right, None)
