"""Inclusion proofs a third party checks from a block header alone.

A ``TxProof`` carries the signed header, the transaction's bytes, its receipt
and the two Merkle audit paths. The checker recomputes the transaction hash,
walks both paths to the header's roots and checks the orderer's signature;
with checkpoint signatures from several organisations (see the node) it does
not have to trust any single peer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from smechain.core.block import Block, BlockHeader, Receipt, header_hash, receipt_hash, tx_leaf
from smechain.core.checkpoint import SignedCheckpoint, quorum_problem
from smechain.core.crypto import CryptoSuite
from smechain.core.errors import DecodeError
from smechain.core.merkle import merkle_path, verify_merkle_path
from smechain.core.tx import decode_tx


class TxProof(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True,
              omit_defaults=True):
    """Everything needed to show that a transaction and its receipt are in a block."""

    header: BlockHeader
    signature: bytes
    index: int
    tx: bytes
    tx_path: list[bytes]
    receipt: Receipt
    receipt_path: list[bytes]
    checkpoints: list[SignedCheckpoint] = msgspec.field(default_factory=list)
    """Organisations' signed checkpoints of this block (consortium peers add them)."""


def build_tx_proof(
    suite: CryptoSuite, block: Block, index: int,
    checkpoints: Sequence[SignedCheckpoint] = (),
) -> TxProof:
    """The proof for transaction ``index`` of ``block``, with any ``checkpoints`` of it."""
    receipt_leaves = [receipt_hash(suite, r) for r in block.receipts]
    return TxProof(
        header=block.header,
        signature=block.signature,
        index=index,
        tx=block.txs[index],
        tx_path=merkle_path(suite.hash, [tx_leaf(suite, raw) for raw in block.txs], index),
        receipt=block.receipts[index],
        receipt_path=merkle_path(suite.hash, receipt_leaves, index),
        checkpoints=list(checkpoints),
    )


def verify_tx_proof(
    suite: CryptoSuite,
    proof: TxProof,
    orderer_keys: Sequence[bytes],
    org_keys: Mapping[str, Sequence[bytes]] | None = None,
    quorum: int = 0,
) -> str:
    """Return ``""`` when the proof holds, else the reason it does not.

    With ``quorum`` > 0 the proof must also carry checkpoints of the block
    signed by at least ``quorum`` organisations, with keys from ``org_keys``.
    """
    header = proof.header
    if header.orderer not in orderer_keys:
        return "header.orderer: not a known orderer key"
    if not suite.verify(header.orderer, header_hash(suite, header), proof.signature):
        return "signature: the orderer's signature over the header does not verify"
    try:
        _, tx_hash = decode_tx(proof.tx, suite)
    except DecodeError as exc:
        return f"tx: {exc.message}"
    size = header.tx_count
    if not verify_merkle_path(suite.hash, tx_leaf(suite, proof.tx), proof.index, size,
                              proof.tx_path, header.tx_root):
        return "tx_path: the transaction is not under the header's tx_root"
    if proof.receipt.tx_hash != tx_hash:
        return "receipt.tx_hash: the receipt is for another transaction"
    if not verify_merkle_path(suite.hash, receipt_hash(suite, proof.receipt), proof.index, size,
                              proof.receipt_path, header.receipts_root):
        return "receipt_path: the receipt is not under the header's receipts_root"
    if quorum > 0:
        return quorum_problem(suite, header, proof.checkpoints, org_keys or {}, quorum)
    return ""
