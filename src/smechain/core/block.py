"""Blocks, receipts and the hashes that chain them.

A block header commits to everything a peer did with the block: the ordered
transactions (``tx_root``), what each one did (``receipts_root``) and the state
it left (``writes_hash``). The orderer signs the header hash. Failed
transactions stay in the block; their receipts say why.
"""

from __future__ import annotations

from typing import Any, NewType

import msgspec

from smechain.core.crypto import CryptoSuite
from smechain.core.encoding import encode
from smechain.core.merkle import merkle_root

BlockHash = NewType("BlockHash", bytes)
Height = NewType("Height", int)

OK = "ok"
"""The receipt code of a transaction that took effect."""

_HEADER_DOMAIN = b"smechain/block/v1\x00"
_RECEIPT_DOMAIN = b"smechain/receipt/v2\x00"
"""v2: receipts carry ``field`` (issue 12); a v1 store does not decode, re-create it."""
_STATE_DOMAIN = b"smechain/state/v1\x00"
_GENESIS_DOMAIN = b"smechain/genesis/v1\x00"
_TX_BYTES_DOMAIN = b"smechain/tx-bytes/v1\x00"

EMPTY_ROOT = bytes(32)


class Event(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """Something a contract announces when an action succeeds."""

    contract: str
    name: str
    attrs: dict[str, Any]


class Receipt(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """What one transaction did: ``code`` is ``ok`` or the name of the failure.

    A failure names the field at fault (``field``) and why (``message``, which
    starts with the field when there is one). ``field`` comes last, so the other
    fields keep their positions in the encoding; ``receipt_hash`` covers it, as
    every peer must agree on it. (Blocks written before it existed hold
    four-element receipts, which are not canonical now: such a store is
    re-created, not read.)
    """

    tx_hash: bytes
    code: str
    message: str = ""
    events: list[Event] = msgspec.field(default_factory=list)
    field: str = ""
    """The argument or transaction field at fault (``amount``, ``invoices[0]``,
    ``nonce``); ``""`` on success and for a failure of the whole transaction."""

    @property
    def ok(self) -> bool:
        """True when the transaction took effect."""
        return self.code == OK


class BlockHeader(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """The signed summary of a block."""

    chain_id: str
    height: int
    prev_hash: bytes
    """Hash of the previous header; for block 0, the digest of the genesis document."""
    timestamp_ms: int
    """Milliseconds since the Unix epoch, set by the orderer; never decreases."""
    tx_count: int
    tx_root: bytes
    receipts_root: bytes
    writes_hash: bytes
    orderer: bytes
    """Public key of the orderer that signed this header."""


class Block(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """A header, its signature, the transactions as submitted and their receipts."""

    header: BlockHeader
    signature: bytes
    txs: list[bytes]
    receipts: list[Receipt]
    genesis: bytes = b""
    """Block 0 only: the canonical genesis document."""


def header_hash(suite: CryptoSuite, header: BlockHeader) -> BlockHash:
    """The block hash, which the orderer signs and the next block links to."""
    return BlockHash(suite.hash(_HEADER_DOMAIN + encode(header)))


def receipt_hash(suite: CryptoSuite, receipt: Receipt) -> bytes:
    """The leaf hashed into ``receipts_root``."""
    return suite.hash(_RECEIPT_DOMAIN + encode(receipt))


def genesis_digest(suite: CryptoSuite, genesis_bytes: bytes) -> bytes:
    """What block 0 links to in place of a previous block."""
    return suite.hash(_GENESIS_DOMAIN + genesis_bytes)


def receipts_root(suite: CryptoSuite, receipts: list[Receipt]) -> bytes:
    """Merkle root over the receipts, in block order."""
    return merkle_root(suite.hash, [receipt_hash(suite, r) for r in receipts])


def tx_leaf(suite: CryptoSuite, raw_tx: bytes) -> bytes:
    """The leaf hashed into ``tx_root``: a digest of the whole signed transaction.

    The transaction hash covers the body only (so co-signing never changes a
    transaction's identity); the block commits to the signatures as well.
    """
    return suite.hash(_TX_BYTES_DOMAIN + raw_tx)


def tx_root(suite: CryptoSuite, raw_txs: list[bytes]) -> bytes:
    """Merkle root over the signed transactions' bytes, in block order."""
    return merkle_root(suite.hash, [tx_leaf(suite, raw) for raw in raw_txs])


def next_writes_hash(
    suite: CryptoSuite, prev_hash: bytes, writes: dict[str, bytes | None]
) -> bytes:
    """Chain the block's write set onto the previous block's ``writes_hash``.

    A hash chain over write sets, not a Merkle root of the state: it commits to
    the whole history of writes (two peers agree on it exactly when they made
    the same writes in every block) but proves no single key's value. Deletions
    are written as ``None``. (It was called ``state_root`` before; the bytes
    are the same.)
    """
    entries = sorted(writes.items())
    return suite.hash(_STATE_DOMAIN + prev_hash + encode(entries))
