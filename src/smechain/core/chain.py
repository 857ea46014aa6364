"""Making and checking blocks: sealing, genesis, structural checks.

``seal_block`` turns an executed batch into a signed block. ``check_block``
is what any party (a peer catching up, ``verify``, an auditor) runs to see
that a block is well-formed, links to its predecessor, and was signed by an
orderer named in genesis. Re-execution, which checks receipts and the state
root, is the caller's second step.
"""

from __future__ import annotations

from collections.abc import Sequence

from smechain.core.block import (
    EMPTY_ROOT,
    Block,
    BlockHeader,
    Receipt,
    genesis_digest,
    header_hash,
    next_writes_hash,
    receipts_root,
    tx_root,
)
from smechain.core.contract import Runtime
from smechain.core.crypto import CryptoSuite
from smechain.core.genesis import Genesis, encode_genesis
from smechain.core.state import WriteSet


class BlockInvalid(Exception):
    """A block fails a structural check; the message names the field."""

    def __init__(self, height: int, message: str) -> None:
        super().__init__(f"block {height}: {message}")
        self.height = height
        self.message = message


def seal_block(
    suite: CryptoSuite,
    orderer_key: tuple[bytes, bytes],
    chain_id: str,
    height: int,
    prev_hash: bytes,
    prev_writes_hash: bytes,
    timestamp_ms: int,
    raw_txs: list[bytes],
    receipts: list[Receipt],
    writes: WriteSet,
    genesis: bytes = b"",
) -> Block:
    """Build and sign the block for an executed batch."""
    private, public = orderer_key
    header = BlockHeader(
        chain_id=chain_id,
        height=height,
        prev_hash=prev_hash,
        timestamp_ms=timestamp_ms,
        tx_count=len(raw_txs),
        tx_root=tx_root(suite, raw_txs),
        receipts_root=receipts_root(suite, receipts),
        writes_hash=next_writes_hash(suite, prev_writes_hash, writes),
        orderer=public,
    )
    signature = suite.sign(private, header_hash(suite, header))
    return Block(header, signature, raw_txs, receipts, genesis)


def genesis_block(
    suite: CryptoSuite, runtime: Runtime, genesis: Genesis, orderer_key: tuple[bytes, bytes]
) -> tuple[Block, WriteSet]:
    """Block 0 and the initial state it establishes."""
    doc = encode_genesis(genesis)
    writes = runtime.genesis_writes(genesis)
    block = seal_block(
        suite, orderer_key, genesis.chain_id, 0, genesis_digest(suite, doc), EMPTY_ROOT,
        genesis.timestamp_ms, [], [], writes, genesis=doc,
    )
    return block, writes


def check_block(
    suite: CryptoSuite,
    block: Block,
    prev: BlockHeader | None,
    orderer_keys: Sequence[bytes],
    tx_hashes: Sequence[bytes],
) -> None:
    """Raise ``BlockInvalid`` unless ``block`` follows ``prev`` and is correctly signed.

    ``tx_hashes`` are the hashes of ``block.txs`` as the caller decoded them.
    """
    h = block.header
    height = h.height
    if prev is None:
        if height != 0:
            raise BlockInvalid(height, "height: the first block must be 0")
        if h.prev_hash != genesis_digest(suite, block.genesis):
            raise BlockInvalid(height, "prev_hash: does not match the genesis document")
    else:
        if height != prev.height + 1:
            raise BlockInvalid(height, f"height: expected {prev.height + 1}")
        if h.prev_hash != header_hash(suite, prev):
            raise BlockInvalid(height, "prev_hash: does not match the previous header")
        if h.chain_id != prev.chain_id:
            raise BlockInvalid(height, "chain_id: differs from the previous block")
        if h.timestamp_ms < prev.timestamp_ms:
            raise BlockInvalid(height, "timestamp_ms: earlier than the previous block")
        if block.genesis:
            raise BlockInvalid(height, "genesis: only block 0 carries a genesis document")
    if h.orderer not in orderer_keys:
        raise BlockInvalid(height, "orderer: key is not an orderer named in genesis")
    if not suite.verify(h.orderer, header_hash(suite, h), block.signature):
        raise BlockInvalid(height, "signature: the orderer's signature does not verify")
    if h.tx_count != len(block.txs) or len(block.receipts) != len(block.txs):
        raise BlockInvalid(height, "tx_count: transactions, receipts and count disagree")
    if len(tx_hashes) != len(block.txs):
        raise BlockInvalid(height, "txs: not every transaction decodes")
    if h.tx_root != tx_root(suite, block.txs):
        raise BlockInvalid(height, "tx_root: does not match the transactions")
    if h.receipts_root != receipts_root(suite, block.receipts):
        raise BlockInvalid(height, "receipts_root: does not match the receipts")
    for i, (receipt, tx_hash) in enumerate(zip(block.receipts, tx_hashes, strict=True)):
        if receipt.tx_hash != tx_hash:
            raise BlockInvalid(height, f"receipts[{i}].tx_hash: not the hash of txs[{i}]")
