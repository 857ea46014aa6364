"""The chain explorer's records: blocks, transactions, inclusion proofs, chain checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from smechain.client.models import TxResult, from_json
from smechain.core.crypto import get_suite
from smechain.core.encoding import decode
from smechain.core.proof import TxProof, verify_tx_proof


@dataclass(frozen=True, slots=True)
class TxSummary:
    """A committed transaction in a list (explorer, refusals)."""

    height: int
    index: int
    tx_hash: str
    contract: str
    action: str
    sender_org: str
    ok: bool
    code: str
    message: str
    timestamp_ms: int


@dataclass(frozen=True, slots=True)
class BlockHeader:
    """A block's header (hashes and roots in hex)."""

    height: int
    hash: str
    prev_hash: str
    timestamp_ms: int
    tx_count: int
    tx_root: str
    receipts_root: str
    writes_hash: str
    orderer: str


@dataclass(frozen=True, slots=True)
class BlockDetail:
    """A header and the block's transactions the caller may see."""

    header: BlockHeader
    transactions: tuple[TxSummary, ...]
    hidden: int
    """Transactions in the block the caller may not see."""

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> BlockDetail:
        return cls(from_json(BlockHeader, doc["header"]),
                   tuple(from_json(TxSummary, t) for t in doc["transactions"]), doc["hidden"])


@dataclass(frozen=True, slots=True)
class TxSigner:
    """A transaction's signer and the organisation its key belongs to."""

    public_key: str
    org: str


@dataclass(frozen=True, slots=True)
class TxDetail:
    """A committed transaction: body, signers and receipt."""

    tx_hash: str
    height: int
    index: int
    timestamp_ms: int
    contract: str
    action: str
    args: dict[str, Any]
    signers: tuple[TxSigner, ...]
    nonce: int
    receipt: TxResult

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> TxDetail:
        return cls(doc["tx_hash"], doc["height"], doc["index"], doc["timestamp_ms"],
                   doc["contract"], doc["action"], doc["args"],
                   tuple(from_json(TxSigner, s) for s in doc["signers"]), doc["nonce"],
                   TxResult.from_json(doc["receipt"]))


@dataclass(frozen=True, slots=True)
class ProofResult:
    """A transaction's inclusion proof, decoded, with the server's own verdict on it."""

    tx_hash: str
    height: int
    proof: TxProof
    """The decoded proof: header, orderer signature, transaction, receipt, Merkle paths."""
    valid: bool
    """The server's verdict."""
    problem: str
    path_length: int
    checkpoints: int

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> ProofResult:
        proof = decode(bytes.fromhex(doc["proof"]), TxProof)
        return cls(doc["tx_hash"], doc["height"], proof, doc["valid"], doc["problem"],
                   doc["path_length"], doc["checkpoints"])

    def verify(self, orderer_keys: Sequence[bytes | str], suite: str = "ed25519",
               org_keys: Mapping[str, Sequence[bytes]] | None = None, quorum: int = 0) -> str:
        """Check the proof here, trusting only ``orderer_keys`` (from the consortium file):
        ``""`` when it holds, else the reason. Also checks it is for ``tx_hash``."""
        keys = [bytes.fromhex(k) if isinstance(k, str) else k for k in orderer_keys]
        crypto = get_suite(suite)
        problem = verify_tx_proof(crypto, self.proof, keys, org_keys, quorum)
        if not problem and self.proof.receipt.tx_hash.hex() != self.tx_hash:
            return f"tx_hash: the proof is for {self.proof.receipt.tx_hash.hex()}"
        return problem


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The result of re-walking the whole chain."""

    ok: bool
    blocks: int
    transactions: int
    height: int | None
    """Height of the first bad block; ``None`` when the chain is sound."""
    problem: str


@dataclass(frozen=True, slots=True)
class Health:
    """The peer's liveness and heights."""

    status: str
    chain_id: str
    height: int
    indexed_height: int
