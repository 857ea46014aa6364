"""Inclusion proofs from a real chain: they verify, and no altered byte does."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smechain.client import sign_tx
from smechain.core.block import Receipt
from smechain.core.chain import seal_block
from smechain.core.crypto import SUITES
from smechain.core.encoding import decode, encode
from smechain.core.errors import DecodeError
from smechain.core.proof import TxProof, build_tx_proof, verify_tx_proof
from smechain.core.tx import SignedTx, TxBody, make_tx, tx_digest
from smechain.node.consortium import consortium_from_dict
from smechain.node.keys import generate_key
from smechain.node.node import Node, NodeConfig
from smechain.ordering.cutter import CutterConfig

CHAIN_ID = "proof-test"
TIMESTAMP_MS = 1_700_000_000_000
MASKS = (0x01, 0x80, 0xFF)


def consortium_doc(suite: str) -> dict:
    return {
        "chain_id": CHAIN_ID,
        "suite": suite,
        "orgs": [
            {"id": "issuer", "roles": ["cash_issuer"]},
            {"id": "sme-1", "roles": ["sme"]},
            {"id": "sme-2", "roles": ["sme"]},
        ],
        "governance": {"admins": ["issuer"], "add_org": 1, "suspend_org": 1,
                       "readmit_org": 1, "rekey_org": 1},
    }


@dataclass(frozen=True)
class Chain:
    suite: object
    orderer_keys: list[bytes]
    proofs: list[TxProof]
    receipts: list[Receipt]
    later: TxProof
    """A proof from a later block than ``proofs``."""


@pytest.fixture(scope="module", params=["ed25519", "sm2"])
def chain(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Chain:
    consortium = consortium_from_dict(consortium_doc(request.param), TIMESTAMP_MS)
    issuer, sme = consortium.keys["issuer"], consortium.keys["sme-1"]
    folder = tmp_path_factory.mktemp(f"chain-{request.param}")
    config = NodeConfig(cutter=CutterConfig(max_wait_ms=5), verify_workers=0)
    node = Node.create(folder, consortium.genesis, consortium.orderer, config)
    try:
        # Queue a batch before the ledger thread starts, so it lands in one block.
        raws = [
            sign_tx(CHAIN_ID, "cash", "issue",
                    {"currency": "CNY", "to": "sme-1", "amount": 100 * n}, [issuer], n)
            for n in range(1, 7)
        ]
        # More than sme-1 holds: fails, and its receipt says so.
        raws.append(sign_tx(CHAIN_ID, "cash", "transfer",
                            {"currency": "CNY", "to": "sme-2", "amount": 10**9}, [sme], 1))
        hashes = [node.submit(raw) for raw in raws]
        node.start()
        receipts = [node.wait(h, timeout=30) for h in hashes]
        later = node.submit_and_wait(
            sign_tx(CHAIN_ID, "cash", "transfer",
                    {"currency": "CNY", "to": "sme-2", "amount": 5}, [sme], 2),
            timeout=30,
        )
        proofs = [node.proof(h) for h in hashes]
        later_proof = node.proof(later.tx_hash)
        orderer_keys = list(node.orderer_keys)
        suite = node.suite
    finally:
        node.close()
    assert [r.code for r in receipts] == ["ok"] * 6 + ["insufficient_funds"]
    assert later.code == "ok"
    assert orderer_keys == [consortium.orderer.public]
    return Chain(suite, orderer_keys, proofs, receipts, later_proof)


def outcome(chain: Chain, data: bytes) -> str:
    """``"decode"`` or ``"refused"`` for a rejected proof, ``"accepted"`` otherwise.

    Exceptions other than ``DecodeError`` propagate.
    """
    try:
        proof = decode(data, TxProof)
    except DecodeError:
        return "decode"
    return "refused" if verify_tx_proof(chain.suite, proof, chain.orderer_keys) else "accepted"


def outcome_any_error(chain: Chain, data: bytes) -> str:
    """Like ``outcome``, but any exception counts as refusal (soundness only)."""
    try:
        return outcome(chain, data)
    except Exception:
        return "raised"


def flipped(data: bytes, pos: int, mask: int) -> bytes:
    out = bytearray(data)
    out[pos] ^= mask
    return bytes(out)


def signature_spans(proof: TxProof, encoded: bytes) -> set[int]:
    """Positions in ``encoded`` of the signature bytes inside the embedded tx."""
    start = encoded.find(proof.tx)
    assert start >= 0 and encoded.rfind(proof.tx) == start
    signatures = decode(proof.tx, SignedTx).signatures
    positions: set[int] = set()
    for sig in signatures:
        at = proof.tx.rfind(sig)
        assert at >= 0
        positions.update(range(start + at, start + at + len(sig)))
    return positions


def flip_targets(chain: Chain) -> list[TxProof]:
    """The first and last proofs of the big block (longest and carried-up paths)."""
    return [chain.proofs[0], chain.proofs[6]]


# --- valid proofs ------------------------------------------------------------------------


def test_every_proof_verifies(chain: Chain) -> None:
    for proof, receipt in zip(chain.proofs, chain.receipts, strict=True):
        assert proof.receipt == receipt
        assert verify_tx_proof(chain.suite, proof, chain.orderer_keys) == ""
        raw = encode(proof)
        assert decode(raw, TxProof) == proof
        assert outcome(chain, raw) == "accepted"
    assert verify_tx_proof(chain.suite, chain.later, chain.orderer_keys) == ""


def test_the_batch_shares_one_block_with_real_paths(chain: Chain) -> None:
    """Guard: the flip tests below need a multi-transaction block."""
    headers = {encode(p.header) for p in chain.proofs}
    assert len(headers) == 1
    assert chain.proofs[0].header.tx_count == 7
    assert [p.index for p in chain.proofs] == list(range(7))
    assert all(len(p.tx_path) >= 2 for p in chain.proofs)
    assert chain.later.header.height > chain.proofs[0].header.height


def test_failed_transaction_has_a_proof_of_its_failure(chain: Chain) -> None:
    proof = chain.proofs[6]
    assert proof.receipt.code == "insufficient_funds"
    assert verify_tx_proof(chain.suite, proof, chain.orderer_keys) == ""


# --- wrong keys, mixed parts ---------------------------------------------------------------


def test_other_orderer_keys_refuse(chain: Chain) -> None:
    proof = chain.proofs[0]
    stranger = generate_key(chain.suite.name).public
    for keys in ([], [stranger], [stranger, stranger]):
        reason = verify_tx_proof(chain.suite, proof, keys)
        assert reason.startswith("header.orderer:"), reason
    assert verify_tx_proof(chain.suite, proof, [stranger, *chain.orderer_keys]) == ""


def test_orderer_key_in_header_swapped_for_a_listed_one_fails(chain: Chain) -> None:
    """Naming a listed orderer in the header does not help without its signature."""
    proof = chain.proofs[0]
    impostor = generate_key(chain.suite.name)
    header = msgspec.structs.replace(proof.header, orderer=impostor.public)
    forged = msgspec.structs.replace(proof, header=header)
    reason = verify_tx_proof(chain.suite, forged, [*chain.orderer_keys, impostor.public])
    assert reason.startswith("signature:"), reason


def test_parts_of_proofs_do_not_mix(chain: Chain) -> None:
    a, b = chain.proofs[1], chain.proofs[4]
    r = msgspec.structs.replace
    cases = {
        "tx": r(a, tx=b.tx),
        "receipt": r(a, receipt=b.receipt),
        "tx_path": r(a, tx_path=b.tx_path),
        "receipt_path": r(a, receipt_path=b.receipt_path),
        "index": r(a, index=b.index),
        "index+paths": r(a, index=b.index, tx_path=b.tx_path, receipt_path=b.receipt_path),
        "header": r(a, header=chain.later.header, signature=chain.later.signature),
        "signature": r(a, signature=chain.later.signature),
        "out of range": r(a, index=a.header.tx_count),
        "negative": r(a, index=-1),
        "short path": r(a, tx_path=a.tx_path[:-1]),
        "long path": r(a, receipt_path=[*a.receipt_path, a.receipt_path[0]]),
        "receipt code": r(a, receipt=r(a.receipt, code="insufficient_funds")),
        "receipt events": r(a, receipt=r(a.receipt, events=[])),
    }
    for name, proof in cases.items():
        assert verify_tx_proof(chain.suite, proof, chain.orderer_keys) != "", name


def test_header_fields_are_signed(chain: Chain) -> None:
    proof = chain.proofs[2]
    h = proof.header
    r = msgspec.structs.replace
    for changes in ({"tx_count": h.tx_count + 1}, {"height": h.height + 1},
                    {"chain_id": "other"}, {"timestamp_ms": h.timestamp_ms + 1},
                    {"writes_hash": bytes(32)}, {"prev_hash": bytes(32)}):
        forged = r(proof, header=r(h, **changes))
        reason = verify_tx_proof(chain.suite, forged, chain.orderer_keys)
        assert reason.startswith("signature:"), (changes, reason)


# --- byte flips ----------------------------------------------------------------------------


def test_no_byte_flip_outside_embedded_signatures_verifies(chain: Chain) -> None:
    """Soundness: every flipped byte (outside the tx's own signatures) is refused."""
    for proof in flip_targets(chain):
        raw = encode(proof)
        skip = signature_spans(proof, raw)
        assert 0 < len(skip) < len(raw) // 4
        checked = 0
        for pos in range(len(raw)):
            if pos in skip:
                continue
            for mask in MASKS:
                assert outcome_any_error(chain, flipped(raw, pos, mask)) != "accepted", (pos, mask)
                checked += 1
        assert checked >= 3 * 200


def test_byte_flips_in_embedded_signatures_are_refused(chain: Chain) -> None:
    """The proof's tx bytes are what was submitted, signatures included.

    The header's ``tx_root`` commits to body-only hashes, so nothing binds the
    signatures carried in ``proof.tx``; a proof should still not verify once
    they are altered.
    """
    proof = chain.proofs[0]
    raw = encode(proof)
    accepted = [pos for pos in sorted(signature_spans(proof, raw))
                if outcome_any_error(chain, flipped(raw, pos, 0x01)) == "accepted"]
    assert accepted == [], f"{len(accepted)} flipped signature bytes still verify"


def test_byte_flips_are_refused_with_decode_error_or_reason(chain: Chain) -> None:
    """``decode`` raises only DecodeError and ``verify_tx_proof`` never raises."""
    problems: list[tuple[int, int, str]] = []
    for proof in flip_targets(chain):
        raw = encode(proof)
        for pos in range(len(raw)):
            for mask in MASKS:
                try:
                    outcome(chain, flipped(raw, pos, mask))
                except Exception as exc:
                    problems.append((pos, mask, type(exc).__name__))
    kinds = sorted({kind for _, _, kind in problems})
    assert problems == [], f"{len(problems)} flips raised {kinds}, first {problems[:3]}"


@settings(max_examples=250, deadline=None)
@given(data=st.data())
def test_sampled_byte_changes_never_verify(chain: Chain, data: st.DataObject) -> None:
    """Any new value at any position outside the embedded signatures is refused."""
    proof = data.draw(st.sampled_from(chain.proofs))
    raw = encode(proof)
    skip = signature_spans(proof, raw)
    pos = data.draw(st.integers(0, len(raw) - 1).filter(lambda p: p not in skip))
    value = data.draw(st.integers(0, 255).filter(lambda v: v != raw[pos]))
    changed = bytearray(raw)
    changed[pos] = value
    assert outcome_any_error(chain, bytes(changed)) != "accepted"


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_inserted_or_deleted_bytes_never_verify(chain: Chain, data: st.DataObject) -> None:
    raw = bytearray(encode(data.draw(st.sampled_from(chain.proofs))))
    pos = data.draw(st.integers(0, len(raw) - 1))
    if data.draw(st.booleans()):
        raw.insert(pos, data.draw(st.integers(0, 255)))
    else:
        del raw[pos]
    assert outcome_any_error(chain, bytes(raw)) != "accepted"


def test_truncated_or_extended_proof_is_a_decode_error(chain: Chain) -> None:
    raw = encode(chain.proofs[3])
    for cut in range(len(raw)):
        with pytest.raises(DecodeError):
            decode(raw[:cut], TxProof)
    with pytest.raises(DecodeError):
        decode(raw + b"\x00", TxProof)


# --- hand-sealed blocks (core only, no node) ------------------------------------------------


def _sealed_block(suite_name: str, n: int, swap_receipts: bool = False):
    suite = SUITES[suite_name]
    orderer = suite.keypair_from_seed(b"\x07" * 32)
    private, public = suite.keypair_from_seed(b"\x08" * 32)
    txs = [make_tx(suite, TxBody(CHAIN_ID, "cash", "issue", {"n": i}, [public], i + 1),
                   [private]) for i in range(n)]
    hashes = [tx_digest(suite, tx.body) for tx in txs]
    receipt_hashes = list(reversed(hashes)) if swap_receipts else hashes
    receipts = [Receipt(h, "ok") for h in receipt_hashes]
    block = seal_block(suite, orderer, CHAIN_ID, 1, bytes(32), bytes(32), TIMESTAMP_MS,
                       [encode(tx) for tx in txs], receipts, {})
    return suite, orderer[1], block, hashes


@pytest.mark.parametrize("suite_name", ["ed25519", "sm2"])
def test_built_proofs_verify_for_every_block_size(suite_name: str) -> None:
    for n in range(1, 10):
        suite, orderer, block, _ = _sealed_block(suite_name, n)
        for i in range(n):
            proof = build_tx_proof(suite, block, i)
            assert verify_tx_proof(suite, proof, [orderer]) == "", (n, i)
            assert decode(encode(proof), TxProof) == proof


def test_receipt_for_another_transaction_is_refused() -> None:
    """Even in a block its orderer signed, a receipt must name the proven transaction."""
    suite, orderer, block, _ = _sealed_block("ed25519", 4, swap_receipts=True)
    proof = build_tx_proof(suite, block, 0)
    reason = verify_tx_proof(suite, proof, [orderer])
    assert reason.startswith("receipt.tx_hash:"), reason


def test_malformed_embedded_tx_is_refused_with_a_reason() -> None:
    suite, orderer, block, _ = _sealed_block("ed25519", 3)
    proof = build_tx_proof(suite, block, 1)
    for bad in (b"", b"\xc0", proof.tx[:-1], proof.tx + b"\x00"):
        reason = verify_tx_proof(suite, msgspec.structs.replace(proof, tx=bad), [orderer])
        assert reason.startswith("tx:"), reason
