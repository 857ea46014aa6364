"""Transactions: what a client signs and the orderer puts in a block.

A transaction names one contract action with its arguments. ``signers`` lists
the public keys whose signatures it carries, in order; the first signer is the
sender, whose per-signer ``nonce`` must be exactly one more than its last, so
the same signed bytes never run twice. Multi-party actions (a debtor's
confirmation, a governance vote) simply list more signers. ``expiry`` is the
last block height at which the transaction may be included (0: none).

The transaction hash covers the body only, so adding signatures never changes
a transaction's identity; each signer signs that hash.
"""

from __future__ import annotations

from typing import Any, NewType

import msgspec

from smechain.core.crypto import CryptoSuite
from smechain.core.encoding import decode, encode
from smechain.core.errors import DecodeError
from smechain.core.keys import KeyPair

TxHash = NewType("TxHash", bytes)

MAX_TX_BYTES = 64 * 1024
MAX_SIGNERS = 16

_TX_DOMAIN = b"smechain/tx/v1\x00"


class TxBody(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """The signed part of a transaction."""

    chain_id: str
    """The chain this transaction is for; any other chain refuses it."""
    contract: str
    """Contract name, e.g. ``cash``."""
    action: str
    """Action of that contract, e.g. ``transfer``."""
    args: dict[str, Any]
    """The action's arguments; each contract checks them against its own types."""
    signers: list[bytes]
    """Public keys of every signer; the first is the sender."""
    nonce: int
    """The sender's sequence number: one more than its last committed one."""
    expiry: int = 0
    """Last block height that may include this transaction; 0 for no limit."""


class SignedTx(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """A body and one signature per signer, in the same order."""

    body: TxBody
    signatures: list[bytes]


def tx_digest(suite: CryptoSuite, body: TxBody) -> TxHash:
    """The transaction hash: the digest every signer signs."""
    return TxHash(suite.hash(_TX_DOMAIN + encode(body)))


def make_tx(
    suite: CryptoSuite,
    body: TxBody,
    private_keys: list[bytes],
) -> SignedTx:
    """Sign ``body`` with one private key per signer, in the signers' order."""
    if len(private_keys) != len(body.signers):
        raise ValueError(f"signers: {len(body.signers)} listed but {len(private_keys)} keys given")
    digest = tx_digest(suite, body)
    return SignedTx(body, [suite.sign(key, digest) for key in private_keys])


def check_shape(tx: SignedTx, public_key_size: int) -> None:
    """Refuse a transaction whose fields are out of range, naming the field."""
    body = tx.body
    if not body.signers:
        raise DecodeError("signers: at least one signer is required")
    if len(body.signers) > MAX_SIGNERS:
        raise DecodeError(f"signers: at most {MAX_SIGNERS} signers")
    if len(set(body.signers)) != len(body.signers):
        raise DecodeError("signers: a key is listed twice")
    if any(len(key) != public_key_size for key in body.signers):
        raise DecodeError(f"signers: each public key is {public_key_size} bytes")
    if len(tx.signatures) != len(body.signers):
        raise DecodeError(
            f"signatures: {len(tx.signatures)} given for {len(body.signers)} signers"
        )
    if not 0 < body.nonce < 2**63:
        raise DecodeError("nonce: must be a positive 63-bit integer")
    if not 0 <= body.expiry < 2**63:
        raise DecodeError("expiry: must be a non-negative 63-bit integer")
    if not body.contract or not body.action:
        raise DecodeError("contract/action: must not be empty")


def decode_tx(data: bytes, suite: CryptoSuite) -> tuple[SignedTx, TxHash]:
    """Decode canonical transaction bytes and return the transaction and its hash."""
    if len(data) > MAX_TX_BYTES:
        raise DecodeError(f"transaction: {len(data)} bytes is over the {MAX_TX_BYTES} limit")
    tx = decode(data, SignedTx)
    check_shape(tx, suite.public_key_size)
    return tx, tx_digest(suite, tx.body)


def sign_tx(
    chain_id: str,
    contract: str,
    action: str,
    args: dict[str, Any],
    signers: list[KeyPair],
    nonce: int,
    expiry: int = 0,
) -> bytes:
    """Canonical bytes of a transaction signed by ``signers`` (the first one sends);
    ``ValueError`` when no signer is given."""
    if not signers:
        raise ValueError("signers: at least one key is needed")
    suite = signers[0].crypto
    body = TxBody(chain_id, contract, action, args, [k.public for k in signers], nonce, expiry)
    return encode(make_tx(suite, body, [k.private for k in signers]))
