"""The read side through the SDK: organisations, invoices and their files, certificates,
proposals, the chain explorer and operations endpoints."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared_data import DATA
from smechain.api.demo import ORGS
from smechain.client import Client, Conflict, DayCount, Forbidden, InvalidInput, NotFound, Page
from smechain.core.crypto import get_suite
from smechain.modules.invoice.contract import invoice_id

from .conftest import Net, anchor_invoice

EINVOICES = DATA / "einvoice" / "en16931" / "ubl"


def test_orgs_health_and_metrics(net: Net) -> None:
    client = net.login("sme-t1")
    orgs = {o.id: o for o in client.orgs()}
    assert set(orgs) == {org_id for org_id, _, _ in ORGS} and orgs["bank-a"].roles == ("bank",)
    assert client.org("regulator") == orgs["regulator"]
    assert len(bytes.fromhex(orgs["pboc"].admin_key)) == 32
    with Client(net.url) as anonymous:
        health = anonymous.health()
        assert health.status == "ok" and health.chain_id == "smechain-demo"
        assert "smechain_http_requests" in anonymous.metrics()


def test_invoices_list_get_and_verify(net: Net) -> None:
    tax = net.login("tax-sh")
    inv = anchor_invoice(tax, "sme-t3", "sme-t2", 77_000)
    t3, t2, t4 = net.login("sme-t3"), net.login("sme-t2"), net.login("sme-t4")
    got = t3.get_invoice(inv)
    assert (got.id, got.total_amount, got.status, got.anchored_by) == (inv, 77_000, "valid",
                                                                        "tax-sh")
    assert inv in [i.id for i in t2.invoices(limit=200)]
    assert inv not in [i.id for i in t4.invoices(limit=200)]
    page = tax.invoices(limit=1)
    assert isinstance(page, Page) and len(page) == 1 and page.total >= 1
    assert all(i.status == "valid" for i in tax.invoices(status="valid", limit=200))
    # Any signed-in caller may check a digest against the anchor (a public fact).
    check = t4.verify_invoice(inv, got.digest)
    assert check.match and check.total_amount == 77_000
    assert not t4.verify_invoice(inv, "00" * 32).match
    with pytest.raises(InvalidInput) as e:
        t4.verify_invoice(inv, "xyz")
    assert e.value.field == "digest"


@pytest.mark.skipif(not EINVOICES.is_dir(), reason=f"sample data missing: {EINVOICES}")
def test_anchor_and_verify_an_e_invoice_file(net: Net, tmp_path: Path) -> None:
    tax = net.login("tax-sh")
    sample = EINVOICES / "issue116.xml"
    anchored = tax.anchor_file(sample)
    inv = anchored.event("InvoiceAnchored").attrs["invoice"]
    assert inv == invoice_id("VAT:SE123456789001", "", "2018210")
    assert tax.get_invoice(inv).total_amount == 83_000
    check = tax.verify_file(sample)
    assert (check.invoice, check.match, check.currency) == (inv, True, "SEK")
    digest = get_suite("ed25519").hash(sample.read_bytes())
    assert tax.verify_invoice(inv, digest).match
    altered = tmp_path / "issue116.xml"
    altered.write_bytes(sample.read_bytes() + b"\n<!-- edited -->\n")
    assert net.login("sme-t1").verify_file(altered).match is False
    with pytest.raises(Conflict) as e:
        tax.anchor_file(sample)
    assert e.value.field == "number"
    junk = tmp_path / "junk.xml"
    junk.write_bytes(b"<not-an-invoice/>")
    with pytest.raises(InvalidInput) as e:
        tax.anchor_file(junk)
    assert (e.value.code, e.value.field) == ("bad_document", "file")
    with pytest.raises(Forbidden):
        net.login("sme-t1").anchor_file(EINVOICES / "guide-example2.xml")
    with pytest.raises(NotFound) as e:
        tax.verify_file(EINVOICES / "guide-example2.xml")
    assert e.value.field == "file"


def test_certificates_price_and_proposal_lifecycle(net: Net) -> None:
    inv = anchor_invoice(net.login("tax-sh"), "sme-t1", "core-a", 200_000)
    t1, core, bank = net.login("sme-t1"), net.login("core-a"), net.login("bank-b")
    net.login("pboc").cash.issue("CNY", "bank-b", 1_000_000)
    cert = t1.receivable.issue([{"invoice": inv, "amount": 150_000}], "core-a", "CNY",
                               net.day(61)).event("CertificateRequested").attrs["id"]
    detail = t1.certificate(cert)
    assert detail.certificate.invoices[0].invoice == inv
    assert detail.certificate.invoices[0].amount == 150_000
    assert detail.lineage.find(cert).face == 150_000 and detail.lineage.parts == ()
    core.receivable.confirm(cert)
    assert cert in [c.id for c in t1.certificates(role="supplier", status="confirmed",
                                                  limit=200)]
    price = t1.price(cert, 365, day_count=DayCount.ACT_365F, on=net.day(0))
    assert (price.days, price.discount, price.price) == (61, 915, 149_085)
    assert price.day_count == DayCount.ACT_365F and price.discount_rate_bp == 365
    assert t1.price(cert, 365, "ACT/360", on=net.day(0)).discount == 928  # 927.71 rounded
    with pytest.raises(InvalidInput) as e:
        t1.price(cert, 100, day_count="ACT/300")
    assert e.value.field == "day_count"
    with pytest.raises(Forbidden):
        bank.certificate(cert)  # not a party, not offered

    offer = t1.offer_to_sell(cert, "bank-b", 500)
    assert bank.certificate(cert).certificate.id == cert  # offered: the buyer may look
    assert offer.id in [p.id for p in t1.proposals(role="sender", status="open")]
    assert offer.id in [p.id for p in net.login("regulator").proposals(limit=200)]
    with pytest.raises(NotFound):
        net.login("sme-t4").proposal(offer.id)
    with pytest.raises(Forbidden):
        t1.sign_proposal(offer.id)  # the sender is not a co-signer
    assert offer.expires_ms - offer.created_ms == 7 * 86_400_000  # the default deadline
    rejected = bank.reject_proposal(offer.id)
    assert rejected.status == "rejected" and rejected.result is None
    assert rejected.reason == "declined by bank-b"
    with pytest.raises(Conflict) as e:
        bank.sign_proposal(offer.id)
    assert e.value.field == "id" and "rejected" in e.value.message
    hour = t1.offer_to_sell(cert, "bank-b", 600, expires_ms=offer.created_ms + 3_600_000)
    assert hour.expires_ms == offer.created_ms + 3_600_000
    withdrawn = t1.reject_proposal(hour.id)
    assert withdrawn.status == "rejected" and withdrawn.reason == "withdrawn by sme-t1"
    with pytest.raises(InvalidInput) as e:
        t1.offer_to_sell(cert, "sme-t1", 600)
    assert e.value.field == "cosigners[0]"
    with pytest.raises(NotFound) as e:
        t1.offer_to_sell(cert, "bank-z", 600)
    assert e.value.field == "cosigners[0]"
    with pytest.raises(Forbidden) as e:
        t1.offer_to_sell(cert, "sme-t2", 600)  # the ledger's own reason, at the door
    assert e.value.field == "buyer"


def test_explorer_blocks_and_transactions(net: Net) -> None:
    issuer = net.login("pboc")
    issued = issuer.cash.issue("CNY", "sme-t2", 9)
    assert issued.height is not None and issued.index is not None
    t2, t4 = net.login("sme-t2"), net.login("sme-t4")
    blocks = t2.blocks(limit=3)
    assert blocks.total == t2.health().height + 1 and len(blocks) == 3
    assert [b.height for b in blocks] == sorted((b.height for b in blocks), reverse=True)
    assert blocks.items[0].prev_hash == t2.blocks(offset=1, limit=1).items[0].hash
    block = t2.block(issued.height)
    assert block.header.height == issued.height and block.header.tx_count >= 1
    assert issued.tx_hash in [t.tx_hash for t in block.transactions]
    hidden = t4.block(issued.height)
    assert issued.tx_hash not in [t.tx_hash for t in hidden.transactions] and hidden.hidden >= 1
    txs = t2.transactions(limit=200, contract="cash")
    assert issued.tx_hash in [t.tx_hash for t in txs] and all(t.contract == "cash" for t in txs)
    detail = t2.transaction(issued.tx_hash)
    assert (detail.contract, detail.action, detail.args["amount"]) == ("cash", "issue", 9)
    assert detail.signers[0].org == "pboc" and detail.receipt.ok
    assert detail.receipt.event("Issued").attrs["to"] == "sme-t2"
    with pytest.raises(Forbidden):
        t4.transaction(issued.tx_hash)
    proof = t2.proof(issued.tx_hash)
    assert proof.valid and proof.verify(net.orderer_keys) == ""
    assert proof.proof.index == issued.index and proof.path_length == len(proof.proof.tx_path)
    with pytest.raises(InvalidInput) as e:
        t2.blocks(limit=0)
    assert e.value.field == "limit"
    with pytest.raises(InvalidInput) as e:
        t2.transaction("not-hex")
    assert e.value.field == "tx_hash"


def test_queued_custodial_call(net: Net) -> None:
    queued = net.login("pboc").cash.issue("CNY", "sme-t1", 3, wait=False)
    assert queued.status == "queued" and queued.height is None and queued.ok is None
