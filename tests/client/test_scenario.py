"""Acceptance: the SDK drives the whole receivables scenario over HTTP.

Every step is a call an organisation's own system would make through
``smechain.client``; the test checks what each party then sees.
"""

from __future__ import annotations

import hashlib

import pytest

from smechain.client import Conflict, Signer
from smechain.core.crypto import get_suite
from smechain.modules.invoice.contract import invoice_id
from smechain.node.keys import generate_key

from .conftest import Net, fresh_identifier

FACE = 1_000_000
PARTS = [400_000, 600_000]
RATE_BP = 450


def test_receivables_scenario_over_http(net: Net) -> None:
    tax = net.login("tax-sh")
    issuer = net.login("pboc")
    t1 = net.login("sme-t1")
    t1_admin = net.login("sme-t1", "admin")
    t2 = net.login("sme-t2")
    core = net.login("core-a")
    bank = net.login("bank-a")
    guarantor = net.login("guar-g")
    regulator = net.login("regulator")

    # The tax authority registers the parties' identifiers and anchors two invoices.
    t1_tax, t2_tax, core_tax = (fresh_identifier() for _ in range(3))
    for tax_id, org in ((t1_tax, "sme-t1"), (t2_tax, "sme-t2"), (core_tax, "core-a")):
        assert tax.invoice.register_party(tax_id, org).ok
    invoice_ids = []
    for number in ("S0001", "S0002"):
        digest = hashlib.sha256(f"scenario e-invoice {number}".encode()).digest()
        anchored = tax.invoice.anchor(
            code="0310099", number=number, seller=t1_tax, buyer=core_tax, currency="CNY",
            net_amount=884_956, tax_amount=FACE - 884_956, total_amount=FACE,
            issue_date=net.day(-10), digest=digest)
        assert anchored.status == "committed" and anchored.ok
        invoice_ids.append(anchored.event("InvoiceAnchored").attrs["invoice"])
    inv, inv_voided = invoice_ids
    assert inv == invoice_id(t1_tax, "0310099", "S0001")
    check = t1.verify_invoice(inv, hashlib.sha256(b"scenario e-invoice S0001").digest())
    assert (check.match, check.status, check.financed) == (True, "valid", 0)

    # The cash issuer issues cash to the bank and to tier 2 (for a guarantee fee).
    assert issuer.cash.issue("CNY", "bank-a", 50_000_000).event("Issued").attrs["amount"] \
        == 50_000_000
    issuer.cash.issue("CNY", "sme-t2", 100_000)

    # Tier 1 requests a certificate on the invoice; the core enterprise confirms.
    requested = t1.receivable.issue([(inv, FACE)], "core-a", "CNY", net.day(90))
    cert = requested.event("CertificateRequested").attrs["id"]
    assert t1.certificate(cert).certificate.status == "requested"
    assert cert in [c.id for c in core.certificates(role="debtor", status="requested")]
    core.receivable.confirm(cert)
    assert t1.get_invoice(inv).financed == FACE

    # Tier 1 splits it and pays tier 2 with the first part.
    split = t1.receivable.split(cert, PARTS)
    part1, part2 = split.event("CertificateSplit").attrs["parts"]
    assert (part1, part2) == (f"{cert}.1", f"{cert}.2")
    t1.receivable.transfer(part1, "sme-t2")
    assert part1 in [c.id for c in t2.certificates(role="holder", limit=200)]

    # Tier 1 offers the second part to the bank; the bank prices it and buys it.
    offer = t1.offer_to_sell(part2, "bank-a", RATE_BP)
    assert (offer.status, offer.cosigners, offer.sender_org) == ("open", ("bank-a",), "sme-t1")
    assert offer.id in [p.id for p in bank.proposals(role="cosigner", status="open")]
    quote = bank.price(part2, RATE_BP)
    assert quote.face == PARTS[1] and quote.discount > 0 and quote.price == PARTS[1] - \
        quote.discount
    bank_before, t1_before = bank.balances()["CNY"], t1.balances()["CNY"]
    financed_before = sum(v.amount for v in regulator.volumes())
    signed = bank.sign_proposal(offer.id)
    assert signed.status == "done" and signed.result is not None and signed.result.ok
    sold = signed.result.event("CertificateSold").attrs
    assert (sold["price"], sold["buyer"], sold["seller"]) == (quote.price, "bank-a", "sme-t1")
    assert bank.balances()["CNY"] == bank_before - quote.price
    assert t1.balances()["CNY"] == t1_before + quote.price
    assert bank.certificate(part2).certificate.holder == "bank-a"
    assert bank.certificate(part2).certificate.recourse_to == "sme-t1"
    assert bank.proposal(offer.id).status == "done"
    assert sum(v.amount for v in regulator.volumes()) == financed_before + quote.price

    # Tier 2 asks a guarantor to guarantee its part; the guarantor co-signs.
    fees_before = guarantor.balances()["CNY"]
    ask = t2.offer_guarantee(part1, "guar-g", 2_000)
    done = guarantor.sign_proposal(ask.id)
    assert done.result is not None and done.result.event("CertificateGuaranteed").attrs["fee"] \
        == 2_000
    assert t2.certificate(part1).certificate.guarantor == "guar-g"
    assert guarantor.balances()["CNY"] == fees_before + 2_000

    # A second financing of the same invoice is refused at the door; nothing is stored.
    height = regulator.health().height
    root = regulator.block(height).header.writes_hash
    certs_before = regulator.certificates().total
    with pytest.raises(Conflict) as refused:
        t1.receivable.issue([(inv, FACE)], "core-a", "CNY", net.day(90))
    assert refused.value.field == "invoices[0]" and refused.value.tx_hash is None
    assert "invoices[0]" in refused.value.message and inv in refused.value.message
    assert regulator.health().height == height
    assert regulator.block(height).header.writes_hash == root
    assert regulator.certificates().total == certs_before
    assert t1.get_invoice(inv).financed == FACE

    # ...and signed by tier 1's own system, the ledger refuses it with a receipt.
    key = generate_key("ed25519")
    t1_admin.membership.enrol_key(key.public, "t1-erp")
    erp = Signer(key, t1.chain_id())
    with pytest.raises(Conflict) as on_chain:
        t1.send(erp, "receivable", "issue", invoices=[[inv, FACE]], debtor="core-a",
                currency="CNY", maturity=net.day(90))
    receipt = on_chain.value
    assert receipt.field == "invoices[0]" and receipt.code == "conflict"
    assert receipt.tx_hash and receipt.height is not None and receipt.height > height
    assert t1.transaction(receipt.tx_hash).receipt.ok is False
    assert t1.get_invoice(inv).financed == FACE

    # A voided invoice cannot back a certificate.
    tax.invoice.void(inv_voided, "red-letter reissue")
    assert t1.get_invoice(inv_voided).status == "voided"
    with pytest.raises(Conflict) as voided:
        t1.receivable.issue([(inv_voided, FACE)], "core-a", "CNY", net.day(60))
    assert voided.value.field == "invoices[0]" and "voided" in voided.value.message

    # Tier 2 sees the lineage of its part from the root; who holds the sibling part
    # (sold to the bank) is not its business.
    seen = t2.certificate(part1)
    assert seen.lineage.id == cert and seen.lineage.status == "split"
    assert [(p.id, p.holder, p.face) for p in seen.lineage.parts] == [
        (part1, "sme-t2", PARTS[0]), (part2, "", PARTS[1])]
    assert {n.id for n in seen.lineage.walk()} == {cert, part1, part2}

    # The regulator sees the refused attempt, verifies the chain and checks a proof.
    refusals = regulator.refusals()
    assert receipt.tx_hash in [r.tx_hash for r in refusals]
    row = next(r for r in refusals if r.tx_hash == receipt.tx_hash)
    assert (row.sender_org, row.ok, row.code) == ("sme-t1", False, "conflict")
    report = net.login("regulator", "admin").verify_chain()
    assert report.ok and report.problem == "" and report.height is None
    assert report.blocks == regulator.health().height + 1
    proof = regulator.proof(sold_tx := signed.result.tx_hash)
    assert proof.valid and proof.problem == "" and proof.tx_hash == sold_tx
    assert proof.proof.receipt.ok and proof.proof.header.height == signed.result.height
    assert proof.verify(net.orderer_keys) == ""
    assert proof.verify([get_suite("ed25519").keypair_from_seed(b"\1" * 32)[1]]) != ""

    # An event stream receives the events of a new transaction.
    with regulator.events(read_timeout=10) as stream:
        paid = t2.cash.transfer("CNY", "sme-t3", 1_000, memo="for bolts")
        event = next(stream)
    assert (event.name, event.tx_hash, event.contract, event.action) == (
        "Transferred", paid.tx_hash, "cash", "transfer")
    assert event.attrs == {"currency": "CNY", "sender": "sme-t2", "to": "sme-t3",
                           "amount": 1_000}
    assert event.height == paid.height and event.ok
