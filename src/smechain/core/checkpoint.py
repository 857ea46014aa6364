"""Checkpoints: an organisation's signed statement of what its peer committed.

After committing block *h* a peer signs ``(chain, h, block hash, writes hash)``
with its organisation's key and publishes it. Peers compare each other's
checkpoints to find one that diverged, and a transaction proof can carry the
checkpoints of several organisations, so a third party who trusts no single
peer (nor the orderer) can check that a quorum committed the same block.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from smechain.core.block import BlockHeader, header_hash
from smechain.core.crypto import CryptoSuite
from smechain.core.encoding import encode

_DOMAIN = b"smechain/checkpoint/v1\x00"


class Checkpoint(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """What one organisation's peer committed at one height."""

    chain_id: str
    height: int
    block_hash: bytes
    writes_hash: bytes
    org: str
    signer: bytes


class SignedCheckpoint(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """A checkpoint and its signer's signature over ``checkpoint_digest``."""

    checkpoint: Checkpoint
    signature: bytes


def checkpoint_digest(suite: CryptoSuite, checkpoint: Checkpoint) -> bytes:
    return suite.hash(_DOMAIN + encode(checkpoint))


def sign_checkpoint(
    suite: CryptoSuite, key: tuple[bytes, bytes], org: str, header: BlockHeader
) -> SignedCheckpoint:
    """``org``'s checkpoint of ``header``, signed with ``key`` (private, public)."""
    private, public = key
    checkpoint = Checkpoint(header.chain_id, header.height, header_hash(suite, header),
                            header.writes_hash, org, public)
    return SignedCheckpoint(checkpoint, suite.sign(private, checkpoint_digest(suite, checkpoint)))


def checkpoint_problem(
    suite: CryptoSuite, signed: SignedCheckpoint, org_keys: Mapping[str, Sequence[bytes]]
) -> str:
    """``""`` when ``signed`` is validly signed by a key of its organisation, else why not."""
    cp = signed.checkpoint
    if cp.signer not in org_keys.get(cp.org, ()):
        return f"checkpoint.signer: not a key of organisation {cp.org!r}"
    if not suite.verify(cp.signer, checkpoint_digest(suite, cp), signed.signature):
        return f"checkpoint.signature: {cp.org!r}'s signature does not verify"
    return ""


def quorum_problem(
    suite: CryptoSuite,
    header: BlockHeader,
    checkpoints: Sequence[SignedCheckpoint],
    org_keys: Mapping[str, Sequence[bytes]],
    quorum: int,
) -> str:
    """``""`` when at least ``quorum`` organisations signed exactly ``header``, else why not."""
    block_hash = header_hash(suite, header)
    orgs: set[str] = set()
    for i, signed in enumerate(checkpoints):
        cp = signed.checkpoint
        problem = checkpoint_problem(suite, signed, org_keys)
        if problem:
            return f"checkpoints[{i}]: {problem}"
        if (cp.chain_id, cp.height, cp.block_hash, cp.writes_hash) != (
            header.chain_id, header.height, block_hash, header.writes_hash
        ):
            return f"checkpoints[{i}]: {cp.org!r} signed another block or state at this height"
        orgs.add(cp.org)
    if len(orgs) < quorum:
        return f"checkpoints: {len(orgs)} organisations signed, {quorum} needed"
    return ""
