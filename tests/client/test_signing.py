"""Non-custodial mode: keys stay with the caller, ``Signer`` counts nonces locally, bank
systems submit signed transactions in batches."""

from __future__ import annotations

import pytest

from smechain.client import (
    Backing,
    Conflict,
    DayCount,
    InvalidInput,
    Signer,
    ledger_args,
    sign_tx,
)
from smechain.core.encoding import decode
from smechain.core.tx import SignedTx
from smechain.node.keys import KeyPair, generate_key, load_key, save_key

from .conftest import Net, anchor_invoice


def enrolled_key(net: Net, org: str, name: str) -> KeyPair:
    """A fresh key enrolled for ``org`` by its admin (custodially, with the org key)."""
    key = generate_key("ed25519")
    result = net.login(org, "admin").membership.enrol_key(key.public, name)
    assert result.event("KeyEnrolled").attrs["org"] == org
    return key


def test_signer_counts_nonces_across_sends(net: Net, tmp_path: object) -> None:
    net.login("pboc").cash.issue("CNY", "factor-x", 1_000_000)
    key = enrolled_key(net, "factor-x", "treasury")
    save_key(key, tmp_path / "treasury.json")  # type: ignore[operator]
    loaded = load_key(tmp_path / "treasury.json")  # type: ignore[operator]
    client = net.login("factor-x")
    signer = Signer(loaded, client.chain_id())
    assert signer.nonce is None and signer.public_key == key.public.hex()
    for n in range(1, 6):
        result = client.send(signer, "cash", "transfer", currency="CNY", to="sme-t2",
                             amount=100 * n, memo=f"invoice {n}")
        assert result.ok and signer.nonce == n
        detail = client.transaction(result.tx_hash)
        assert detail.nonce == n and detail.signers[0].org == "factor-x"
        assert detail.signers[0].public_key == key.public.hex()
    assert client.nonce(key.public) == 5 and client.nonce(key.public.hex()) == 5

    # A failure the ledger records uses its nonce; the signer keeps counting from there.
    with pytest.raises(Conflict) as e:
        client.send(signer, "cash", "transfer", currency="CNY", to="sme-t2", amount=10**15)
    assert e.value.code == "insufficient_funds" and e.value.tx_hash
    assert signer.nonce == 6 == client.nonce(key.public)

    # A transaction rejected without using its nonce (here: one skipped): the signer
    # learns the ledger's count again and the next send goes through.
    signer.next_nonce()
    with pytest.raises(Conflict) as e:
        client.send(signer, "cash", "transfer", currency="CNY", to="sme-t2", amount=1)
    assert e.value.code == "bad_nonce" and e.value.field == "nonce"
    assert signer.nonce == 6
    assert client.send(signer, "cash", "transfer", currency="CNY", to="sme-t2", amount=1).ok
    assert signer.nonce == 7


def test_submit_batch_of_200_signed_transfers(net: Net) -> None:
    net.login("pboc").cash.issue("CNY", "bank-b", 1_000_000)
    key = enrolled_key(net, "bank-b", "core-banking")
    bank = net.login("bank-b")
    signer = bank.signer(key)
    assert signer.nonce == 0
    before = bank.balances()["CNY"]
    raws = [signer.sign("cash", "transfer", {"currency": "CNY", "to": "sme-t3", "amount": 7,
                                             "memo": f"batch {i}"}) for i in range(200)]
    results = bank.submit_batch(raws)
    assert len(results) == 200
    assert all(r.status == "committed" and r.ok for r in results)
    assert [r.tx_hash for r in results] == [signer.hash_of(raw) for raw in raws]
    assert bank.balances()["CNY"] == before - 200 * 7
    assert bank.nonce(key.public) == 200 == signer.nonce
    assert {r.height for r in results} <= set(range(bank.health().height + 1))

    # Failures in a batch are results, not exceptions.
    mixed = bank.submit_batch([signer.sign("cash", "transfer", {"currency": "CNY",
                                                                "to": "bank-b", "amount": 1}),
                               b"\x93garbage"])
    assert mixed[0].status == "committed" and mixed[0].ok is False and mixed[0].code == "bad_args"
    assert mixed[1].status == "refused" and mixed[1].code == "malformed"
    queued = bank.submit_batch([signer.sign("cash", "transfer", {"currency": "CNY",
                                                                 "to": "sme-t3", "amount": 1})],
                               wait=False)
    assert queued[0].status == "queued" and queued[0].ok is None


def test_non_custodial_certificate_and_two_party_sale(net: Net) -> None:
    """Tier 1 and the bank each sign with their own keys; one system holds both here."""
    net.login("pboc").cash.issue("CNY", "bank-a", 10_000_000)
    inv = anchor_invoice(net.login("tax-sh"), "sme-t1", "core-a", 300_000)
    t1_key, bank_key = enrolled_key(net, "sme-t1", "erp-2"), enrolled_key(net, "bank-a", "desk")
    t1 = net.login("sme-t1")
    signer = t1.signer(t1_key)
    issued = t1.send(signer, "receivable", "issue", invoices=[Backing(inv, 300_000)],
                     debtor="core-a", currency="CNY", maturity=net.day(120))
    cert = issued.event("CertificateRequested").attrs["id"]
    net.login("core-a").receivable.confirm(cert)
    sold = t1.send(signer, "receivable", "sell", cosigners=[bank_key], id=cert, buyer="bank-a",
                   discount_rate_bp=300, day_count=DayCount.ACT_360, recourse=False)
    attrs = sold.event("CertificateSold").attrs
    assert (attrs["buyer"], attrs["discount_rate_bp"], attrs["day_count"]) == (
        "bank-a", 300, "ACT/360")
    signers = t1.transaction(sold.tx_hash).signers
    assert [(s.org, s.public_key) for s in signers] == [("sme-t1", t1_key.public.hex()),
                                                       ("bank-a", bank_key.public.hex())]
    assert net.login("bank-a").certificate(cert).certificate.holder == "bank-a"


def test_submit_refuses_malformed_bytes(net: Net) -> None:
    client = net.login("sme-t2")
    with pytest.raises(InvalidInput) as e:
        client.submit(b"\x01\x02\x03")
    assert (e.value.code, e.value.field) == ("malformed", "tx")


def test_ledger_args_accepts_json_and_ledger_forms() -> None:
    assert ledger_args("receivable", "issue", {
        "invoices": [{"invoice": "a-1", "amount": 5}, ("a-2", 6), ["a-3", 7], Backing("a-4", 8)],
        "debtor": "core-a", "currency": "CNY", "maturity": "2030-01-01"})["invoices"] == [
        ["a-1", 5], ["a-2", 6], ["a-3", 7], ["a-4", 8]]
    key = b"\x01" * 32
    assert ledger_args("membership", "enrol_key", {"public_key": key.hex(), "name": "k"}) == {
        "public_key": key, "name": "k"}
    assert ledger_args("membership", "enrol_key", {"public_key": key, "name": "k"}) == {
        "public_key": key, "name": "k"}
    assert ledger_args("nosuch", "thing", {"x": "ab"}) == {"x": "ab"}


def test_signer_needs_a_nonce_and_sign_tx_keeps_its_signature() -> None:
    key = generate_key("ed25519")
    signer = Signer(key, "smechain-demo")
    with pytest.raises(RuntimeError, match="nonce"):
        signer.sign("cash", "transfer", {"currency": "CNY", "to": "x", "amount": 1})
    signer = Signer(key, "smechain-demo", nonce=41)
    raw = signer.sign("cash", "transfer", {"currency": "CNY", "to": "x", "amount": 1})
    tx = decode(raw, SignedTx)
    assert (tx.body.nonce, tx.body.signers, tx.body.chain_id) == (42, [key.public],
                                                                  "smechain-demo")
    again = sign_tx("smechain-demo", "cash", "transfer",
                    {"currency": "CNY", "to": "x", "amount": 1}, [key], 42)
    assert again == raw
    with pytest.raises(ValueError, match="signers"):
        sign_tx("smechain-demo", "cash", "transfer", {}, [], 1)


def test_a_transaction_refused_before_ordering_gives_its_nonce_back(net: Net) -> None:
    key = enrolled_key(net, "sme-t4", "wrong-chain")
    client = net.login("sme-t4")
    signer = Signer(key, "another-chain", nonce=0)
    for wait in (False, True):
        with pytest.raises(InvalidInput) as e:
            client.send(signer, "cash", "transfer", currency="CNY", to="sme-t1", amount=1,
                        wait=wait)
        assert (e.value.code, e.value.field) == ("malformed", "tx")
        assert "chain_id" in e.value.message and signer.nonce == 0
