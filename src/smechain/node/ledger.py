"""Read access to a peer's ledger: blocks, receipts, proofs and state.

``LedgerView`` needs only a store; the CLI's ``query``, ``block`` and
``proof`` use it without starting a node, and ``Node`` builds on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import msgspec

from smechain.core.block import Block, BlockHeader, Receipt, header_hash
from smechain.core.crypto import CryptoSuite, get_suite
from smechain.core.encoding import decode
from smechain.core.executor import nonce_key
from smechain.core.genesis import Genesis, decode_genesis
from smechain.core.proof import TxProof, build_tx_proof
from smechain.storage.abc import LedgerStore

T = TypeVar("T")


class LedgerEmpty(Exception):
    """The store holds no genesis block: run ``smechain init`` first."""


class NotCommitted(LookupError):
    """No committed transaction or block has that hash or height."""


class StateMoving(RuntimeError):
    """Blocks kept committing during every try of a ``LedgerView.consistent`` read."""


class LedgerView:
    """Queries over a store that holds a chain starting at its genesis block."""

    def __init__(self, store: LedgerStore) -> None:
        self.store = store
        raw = store.block_bytes(0)
        if raw is None:
            raise LedgerEmpty("the ledger has no genesis block")
        block0 = decode(raw, Block)
        self.genesis: Genesis = decode_genesis(block0.genesis)
        self.suite: CryptoSuite = get_suite(self.genesis.suite)
        self.chain_id = self.genesis.chain_id
        self.orderer_keys = list(self.genesis.orderer_keys)
        self._head = self.block(store.height()).header

    @property
    def head(self) -> BlockHeader:
        """The header of the last committed block."""
        return self._head

    def height(self) -> int:
        """Height of the last committed block."""
        return self._head.height

    def head_hash(self) -> bytes:
        """Hash of the last committed block."""
        return header_hash(self.suite, self._head)

    def consistent(self, read: Callable[[], T], tries: int = 16) -> T:
        """``read()``, several reads of committed state, as of one block.

        Blocks commit while other threads read; a read that spans a commit
        could mix state from before it with state after it (a nonce read
        before a block and a balance after). A store's ``height()`` advances
        only once every read already sees the block (``LedgerStore``'s rule),
        so a ``read`` during which the height did not change saw one state;
        otherwise it is run again, up to ``tries`` times. ``read`` must not
        write. Raises ``StateMoving`` when every try spanned a commit.
        """
        for _ in range(tries):
            before = self.store.height()
            value = read()
            if self.store.height() == before:
                return value
        raise StateMoving(f"blocks committed during each of {tries} tries of one read")

    def block(self, height: int) -> Block:
        """Committed block ``height``."""
        raw = self.store.block_bytes(height)
        if raw is None:
            raise NotCommitted(f"height: no block {height} (the chain is at {self.store.height()})")
        return decode(raw, Block)

    def locate(self, tx_hash: bytes) -> tuple[int, int]:
        """``(height, index)`` of a committed transaction."""
        where = self.store.find_tx(tx_hash)
        if where is None:
            raise NotCommitted(f"tx_hash: {tx_hash.hex()} is not committed")
        return where

    def receipt(self, tx_hash: bytes) -> Receipt:
        """The receipt of a committed transaction."""
        height, index = self.locate(tx_hash)
        return self.block(height).receipts[index]

    def proof(self, tx_hash: bytes) -> TxProof:
        """An inclusion proof for a committed transaction and its receipt."""
        height, index = self.locate(tx_hash)
        return build_tx_proof(self.suite, self.block(height), index)

    def get(self, key: str) -> bytes | None:
        """Raw committed state at ``key``."""
        return self.store.get(key)

    def query(self, key: str) -> Any:
        """Committed state at ``key``, decoded to plain values (``None`` when absent)."""
        raw = self.store.get(key)
        return None if raw is None else msgspec.msgpack.decode(raw)

    def scan(self, prefix: str) -> Iterator[tuple[str, Any]]:
        """Every key under ``prefix`` with its decoded value, in key order."""
        for key, raw, _ in self.store.iter_state(prefix):
            yield key, msgspec.msgpack.decode(raw)

    def nonce(self, public_key: bytes) -> int:
        """The last nonce ``public_key`` used; the next transaction uses this plus one."""
        raw = self.store.get(nonce_key(public_key))
        return 0 if raw is None else decode(raw, int)
