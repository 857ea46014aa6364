"""Checkpoints: organisations' signed statements of a committed block, and proof quorums."""

from __future__ import annotations

import msgspec
import pytest

from smechain.core.block import BlockHeader, Receipt, header_hash
from smechain.core.chain import seal_block
from smechain.core.checkpoint import (
    Checkpoint,
    SignedCheckpoint,
    checkpoint_digest,
    checkpoint_problem,
    quorum_problem,
    sign_checkpoint,
)
from smechain.core.crypto import CryptoSuite, get_suite
from smechain.core.encoding import decode, encode
from smechain.core.proof import TxProof, build_tx_proof, verify_tx_proof
from smechain.core.tx import TxBody, make_tx, tx_digest

CHAIN_ID = "checkpoint-test"
TIMESTAMP_MS = 1_700_000_000_000
ORGS = ("org-a", "org-b", "org-c", "org-d")
SUITE_NAMES = ["ed25519", "sm2"]
r = msgspec.structs.replace


@pytest.fixture(params=SUITE_NAMES)
def suite(request: pytest.FixtureRequest) -> CryptoSuite:
    return get_suite(request.param)


def org_key(suite: CryptoSuite, org: str, n: int = 0) -> tuple[bytes, bytes]:
    """A deterministic key pair for ``org`` (``n`` picks another key of the same org)."""
    return suite.keypair_from_seed((org.encode() + bytes([n]) * 32)[:32])


def org_keys(suite: CryptoSuite, orgs: tuple[str, ...] = ORGS) -> dict[str, list[bytes]]:
    return {org: [org_key(suite, org)[1]] for org in orgs}


def sealed(suite: CryptoSuite, n: int = 3, height: int = 5, state: bytes = b"\x11" * 32):
    """A signed block of ``n`` transactions and its orderer's public key."""
    orderer = suite.keypair_from_seed(b"\x07" * 32)
    private, public = suite.keypair_from_seed(b"\x08" * 32)
    txs = [make_tx(suite, TxBody(CHAIN_ID, "cash", "issue", {"n": i}, [public], i + 1),
                   [private]) for i in range(n)]
    receipts = [Receipt(tx_digest(suite, tx.body), "ok") for tx in txs]
    block = seal_block(suite, orderer, CHAIN_ID, height, b"\x22" * 32, state, TIMESTAMP_MS,
                       [encode(tx) for tx in txs], receipts, {})
    return block, orderer[1]


def header(suite: CryptoSuite, **changes: object) -> BlockHeader:
    block, _ = sealed(suite)
    return r(block.header, **changes) if changes else block.header


def signed_by(suite: CryptoSuite, hdr: BlockHeader, orgs: tuple[str, ...] = ORGS):
    return [sign_checkpoint(suite, org_key(suite, org), org, hdr) for org in orgs]


# --- sign_checkpoint / checkpoint_problem --------------------------------------------------


def test_signed_checkpoint_states_the_header_and_verifies(suite: CryptoSuite) -> None:
    hdr = header(suite)
    key = org_key(suite, "org-a")
    signed = sign_checkpoint(suite, key, "org-a", hdr)
    cp = signed.checkpoint
    assert (cp.chain_id, cp.height, cp.block_hash, cp.writes_hash, cp.org, cp.signer) == (
        CHAIN_ID, hdr.height, header_hash(suite, hdr), hdr.writes_hash, "org-a", key[1]
    )
    assert suite.verify(key[1], checkpoint_digest(suite, cp), signed.signature)
    assert checkpoint_problem(suite, signed, org_keys(suite)) == ""
    # Any of the organisation's keys will do.
    assert checkpoint_problem(suite, signed, {"org-a": [org_key(suite, "org-a", 9)[1], key[1]]}) \
        == ""


def test_signed_checkpoint_round_trips_through_the_encoding(suite: CryptoSuite) -> None:
    signed = sign_checkpoint(suite, org_key(suite, "org-b"), "org-b", header(suite))
    raw = encode(signed)
    again = decode(raw, SignedCheckpoint)
    assert again == signed
    assert checkpoint_problem(suite, again, org_keys(suite)) == ""


def test_checkpoint_digest_depends_on_the_suite_and_every_field() -> None:
    ed = get_suite("ed25519")
    cp = sign_checkpoint(ed, org_key(ed, "org-a"), "org-a", header(ed)).checkpoint
    digests = {checkpoint_digest(ed, cp), checkpoint_digest(get_suite("sm2"), cp)}
    for change in ({"chain_id": "other"}, {"height": cp.height + 1},
                   {"block_hash": bytes(32)}, {"writes_hash": bytes(32)}, {"org": "org-b"},
                   {"signer": org_key(ed, "org-b")[1]}):
        digests.add(checkpoint_digest(ed, r(cp, **change)))
    assert len(digests) == 8
    assert all(len(d) == 32 for d in digests)


def test_signer_not_a_key_of_the_org_is_refused(suite: CryptoSuite) -> None:
    signed = sign_checkpoint(suite, org_key(suite, "org-a"), "org-a", header(suite))
    keys = org_keys(suite)
    for listed in ({**keys, "org-a": [org_key(suite, "org-a", 1)[1]]},  # another key of org-a
                   {**keys, "org-a": []},
                   {k: v for k, v in keys.items() if k != "org-a"},  # an unknown org
                   {"org-a": keys["org-b"]},
                   {}):
        reason = checkpoint_problem(suite, signed, listed)
        assert reason.startswith("checkpoint.signer:"), reason
        assert "org-a" in reason


def test_a_key_of_another_org_cannot_sign_for_this_org(suite: CryptoSuite) -> None:
    # org-b's key, claiming to be org-a: the signer is not one of org-a's keys.
    signed = sign_checkpoint(suite, org_key(suite, "org-b"), "org-a", header(suite))
    reason = checkpoint_problem(suite, signed, org_keys(suite))
    assert reason.startswith("checkpoint.signer:"), reason


def test_signature_by_another_key_is_refused(suite: CryptoSuite) -> None:
    hdr = header(suite)
    good = sign_checkpoint(suite, org_key(suite, "org-a"), "org-a", hdr)
    # Signed with org-b's key, but naming org-a's key as the signer.
    forged = sign_checkpoint(suite, org_key(suite, "org-b"), "org-a", hdr)
    forged = SignedCheckpoint(good.checkpoint, forged.signature)
    reason = checkpoint_problem(suite, forged, org_keys(suite))
    assert reason.startswith("checkpoint.signature:"), reason
    assert "org-a" in reason
    # A signature by the right key over another checkpoint does not transfer either.
    other = sign_checkpoint(suite, org_key(suite, "org-a"), "org-a",
                            r(hdr, height=hdr.height + 1))
    reason = checkpoint_problem(suite, SignedCheckpoint(good.checkpoint, other.signature),
                                org_keys(suite))
    assert reason.startswith("checkpoint.signature:"), reason


@pytest.mark.parametrize("signature", [b"", b"\x00", bytes(64), bytes(72), b"\xff" * 100])
def test_malformed_signatures_are_refused_with_a_reason(suite: CryptoSuite,
                                                        signature: bytes) -> None:
    good = sign_checkpoint(suite, org_key(suite, "org-a"), "org-a", header(suite))
    reason = checkpoint_problem(suite, SignedCheckpoint(good.checkpoint, signature),
                                org_keys(suite))
    assert reason.startswith("checkpoint.signature:"), reason


@pytest.mark.parametrize("field", ["chain_id", "height", "block_hash", "writes_hash", "org"])
def test_a_tampered_field_is_refused(suite: CryptoSuite, field: str) -> None:
    signed = sign_checkpoint(suite, org_key(suite, "org-a"), "org-a", header(suite))
    cp = signed.checkpoint
    value = {"chain_id": "other-chain", "height": cp.height + 1, "block_hash": b"\x33" * 32,
             "writes_hash": b"\x44" * 32, "org": "org-b"}[field]
    tampered = SignedCheckpoint(r(cp, **{field: value}), signed.signature)
    # org-b also lists org-a's key, so an org change is caught by the signature too.
    keys = {**org_keys(suite), "org-b": [org_key(suite, "org-b")[1], cp.signer]}
    reason = checkpoint_problem(suite, tampered, keys)
    assert reason.startswith("checkpoint.signature:"), (field, reason)
    if field == "org":
        reason = checkpoint_problem(suite, tampered, org_keys(suite))
        assert reason.startswith("checkpoint.signer:"), reason
        assert "org-b" in reason


# --- quorum_problem --------------------------------------------------------------------


def test_three_distinct_orgs_make_a_quorum_of_three(suite: CryptoSuite) -> None:
    hdr = header(suite)
    checkpoints = signed_by(suite, hdr, ORGS[:3])
    assert quorum_problem(suite, hdr, checkpoints, org_keys(suite), 3) == ""
    assert quorum_problem(suite, hdr, checkpoints, org_keys(suite), 2) == ""
    reason = quorum_problem(suite, hdr, checkpoints, org_keys(suite), 4)
    assert reason.startswith("checkpoints:"), reason
    assert "3" in reason and "4" in reason


def test_no_checkpoints_meet_only_a_zero_quorum(suite: CryptoSuite) -> None:
    hdr = header(suite)
    assert quorum_problem(suite, hdr, [], org_keys(suite), 0) == ""
    reason = quorum_problem(suite, hdr, [], org_keys(suite), 1)
    assert reason.startswith("checkpoints:"), reason


def test_the_same_org_twice_counts_once(suite: CryptoSuite) -> None:
    hdr = header(suite)
    a1, a2 = org_key(suite, "org-a"), org_key(suite, "org-a", 1)
    keys = {**org_keys(suite), "org-a": [a1[1], a2[1]]}
    twice = [sign_checkpoint(suite, a1, "org-a", hdr), sign_checkpoint(suite, a1, "org-a", hdr)]
    two_keys = [sign_checkpoint(suite, a1, "org-a", hdr), sign_checkpoint(suite, a2, "org-a", hdr)]
    b = sign_checkpoint(suite, org_key(suite, "org-b"), "org-b", hdr)
    for checkpoints in ([*twice, b], [*two_keys, b]):
        reason = quorum_problem(suite, hdr, checkpoints, keys, 3)
        assert reason.startswith("checkpoints:"), reason
        assert "2 organisations" in reason
        assert quorum_problem(suite, hdr, checkpoints, keys, 2) == ""


@pytest.mark.parametrize("other", [
    {"height": 6}, {"writes_hash": b"\x55" * 32}, {"chain_id": "other-chain"},
    {"tx_root": b"\x66" * 32}, {"timestamp_ms": TIMESTAMP_MS + 1},
])
def test_a_checkpoint_of_another_block_or_state_fails_naming_its_index(
    suite: CryptoSuite, other: dict[str, object]
) -> None:
    hdr = header(suite)
    checkpoints = signed_by(suite, hdr, ORGS[:3])
    # org-b correctly signed, but another header: another block, or another state.
    checkpoints[1] = sign_checkpoint(suite, org_key(suite, "org-b"), "org-b", r(hdr, **other))
    reason = quorum_problem(suite, hdr, checkpoints, org_keys(suite), 2)
    assert reason.startswith("checkpoints[1]:"), reason
    assert "org-b" in reason


def test_a_badly_signed_checkpoint_fails_naming_its_index(suite: CryptoSuite) -> None:
    hdr = header(suite)
    checkpoints = signed_by(suite, hdr, ORGS)
    checkpoints[2] = SignedCheckpoint(checkpoints[2].checkpoint, checkpoints[0].signature)
    reason = quorum_problem(suite, hdr, checkpoints, org_keys(suite), 1)
    assert reason.startswith("checkpoints[2]: checkpoint.signature:"), reason
    stranger = sign_checkpoint(suite, org_key(suite, "org-z"), "org-z", hdr)
    reason = quorum_problem(suite, hdr, [*checkpoints[:2], stranger], org_keys(suite), 1)
    assert reason.startswith("checkpoints[2]: checkpoint.signer:"), reason


# --- verify_tx_proof with a quorum -----------------------------------------------------------


def test_proof_with_quorum_needs_checkpoints(suite: CryptoSuite) -> None:
    block, orderer = sealed(suite)
    proof = build_tx_proof(suite, block, 1)
    assert proof.checkpoints == []
    assert verify_tx_proof(suite, proof, [orderer]) == ""
    reason = verify_tx_proof(suite, proof, [orderer], org_keys(suite), quorum=2)
    assert reason.startswith("checkpoints:"), reason
    reason = verify_tx_proof(suite, proof, [orderer], None, quorum=1)
    assert reason.startswith("checkpoints:"), reason


def test_proof_with_enough_checkpoints_verifies(suite: CryptoSuite) -> None:
    block, orderer = sealed(suite)
    checkpoints = signed_by(suite, block.header, ORGS[:3])
    for index in range(len(block.txs)):
        proof = build_tx_proof(suite, block, index, checkpoints)
        assert proof.checkpoints == checkpoints
        assert verify_tx_proof(suite, proof, [orderer], org_keys(suite), quorum=3) == ""
        reason = verify_tx_proof(suite, proof, [orderer], org_keys(suite), quorum=4)
        assert reason.startswith("checkpoints:"), reason
    # Checkpoints do not rescue a proof that fails on its own.
    bad = build_tx_proof(suite, block, 0, checkpoints)
    reason = verify_tx_proof(suite, r(bad, index=1), [orderer], org_keys(suite), quorum=3)
    assert reason.startswith("tx_path:"), reason
    # Without the org keys, nobody's checkpoint counts.
    reason = verify_tx_proof(suite, bad, [orderer], None, quorum=1)
    assert reason.startswith("checkpoints[0]: checkpoint.signer:"), reason


def test_checkpoints_of_another_block_do_not_count_for_a_proof(suite: CryptoSuite) -> None:
    block, orderer = sealed(suite)
    later, _ = sealed(suite, height=6, state=b"\x12" * 32)
    checkpoints = signed_by(suite, block.header, ORGS[:2])
    checkpoints.append(sign_checkpoint(suite, org_key(suite, "org-c"), "org-c", later.header))
    proof = build_tx_proof(suite, block, 0, checkpoints)
    reason = verify_tx_proof(suite, proof, [orderer], org_keys(suite), quorum=3)
    assert reason.startswith("checkpoints[2]:"), reason


def test_encoded_proof_with_checkpoints_round_trips(suite: CryptoSuite) -> None:
    block, orderer = sealed(suite)
    proof = build_tx_proof(suite, block, 2, signed_by(suite, block.header, ORGS[:3]))
    raw = encode(proof)
    again = decode(raw, TxProof)
    assert again == proof
    assert encode(again) == raw
    assert len(again.checkpoints) == 3
    assert all(isinstance(c.checkpoint, Checkpoint) for c in again.checkpoints)
    assert verify_tx_proof(suite, again, [orderer], org_keys(suite), quorum=3) == ""
    # And one without checkpoints.
    bare = build_tx_proof(suite, block, 2)
    assert decode(encode(bare), TxProof) == bare
