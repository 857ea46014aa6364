"""Maturity through the SDK: settle, mark_overdue and claim (recourse and guarantor), on a
network whose orderer clock the test moves forward."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from smechain.client import Client, Conflict, Forbidden

from .conftest import Net, anchor_invoice, start_net

FACE = 100_000


@pytest.fixture(scope="module")
def clock_net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    """A network whose orderer reads ``clock[0]`` (starting at the wall clock)."""
    served = start_net(tmp_path_factory.mktemp("clock"), clock=[int(time.time() * 1000)])
    try:
        tax, issuer = served.login("tax-sh"), served.login("pboc")
        for org in ("core-a", "bank-a", "sme-t1", "guar-g"):
            issuer.cash.issue("CNY", org, 10_000_000)
        served.clients.append(tax)
        yield served
    finally:
        served.close()


def confirmed(net: Net, supplier: Client, days: int) -> str:
    """A certificate of ``FACE`` on core-a, maturing ``days`` from the ledger's today."""
    inv = anchor_invoice(net.login("tax-sh"), "sme-t1", "core-a", FACE, issue_date=net.day(-5))
    result = supplier.receivable.issue([(inv, FACE)], "core-a", "CNY", net.day(days))
    cert = str(result.event("CertificateRequested").attrs["id"])
    net.login("core-a").receivable.confirm(cert)
    return cert


def test_settle_overdue_and_claims(clock_net: Net) -> None:
    net = clock_net
    t1, core, bank, guarantor = (net.login(o) for o in ("sme-t1", "core-a", "bank-a",
                                                        "guar-g"))
    paid, recourse, guaranteed, late = (confirmed(net, t1, 30) for _ in range(4))
    offer = t1.offer_to_sell(recourse, "bank-a", 500, recourse=True)
    assert bank.sign_proposal(offer.id).status == "done"
    assert guarantor.sign_proposal(t1.offer_guarantee(guaranteed, "guar-g", 500).id).result
    month = net.day(30)[:7]
    bucket = next(b for b in core.maturities(role="debtor") if b.month == month)
    assert bucket.count >= 4 and bucket.amount >= 4 * FACE

    with pytest.raises(Conflict) as early:
        core.receivable.settle(paid)
    assert early.value.field == "id" and "matures on" in early.value.message

    # At maturity the debtor pays the holder.
    net.advance(30)
    t1_before = t1.balances()["CNY"]
    settled = core.receivable.settle(paid)
    assert settled.event("CertificateSettled").attrs == {"id": paid, "holder": "sme-t1",
                                                         "amount": FACE}
    assert t1.balances()["CNY"] == t1_before + FACE
    assert t1.certificate(paid).certificate.status == "settled"
    with pytest.raises(Conflict) as grace:
        bank.receivable.mark_overdue(recourse)
    assert grace.value.field == "id" and "not overdue" in grace.value.message

    # After the grace days the holder marks parts overdue and claims.
    net.advance(4)
    assert bank.receivable.mark_overdue(recourse).event("CertificateOverdue").attrs["holder"] \
        == "bank-a"
    bank_before, t1_before = bank.balances()["CNY"], t1.balances()["CNY"]
    claimed = bank.receivable.claim(recourse, "recourse")
    assert claimed.event("CertificateClaimed").attrs["payer"] == "sme-t1"
    assert bank.balances()["CNY"] == bank_before + FACE
    assert t1.balances()["CNY"] == t1_before - FACE
    assert bank.certificate(recourse).certificate.status == "claimed"

    t1.receivable.mark_overdue(guaranteed)
    with pytest.raises(Conflict) as none:
        t1.receivable.claim(guaranteed, "recourse")
    assert none.value.field == "source"
    g_before = guarantor.balances()["CNY"]
    t1.receivable.claim(guaranteed, "guarantor")
    assert guarantor.balances()["CNY"] == g_before - FACE

    # An overdue part can still be settled, late.
    t1.receivable.mark_overdue(late)
    assert core.receivable.settle(late).ok
    assert t1.certificate(late).certificate.status == "settled"
    with pytest.raises(Forbidden):  # re-walking the chain is for admins and regulators
        core.verify_chain()
    assert net.login("core-a", "admin").verify_chain().ok
    assert net.login("regulator", "admin").verify_chain().ok


def test_quoted_price_is_what_the_ledger_charges_on_a_moved_clock(clock_net: Net) -> None:
    net = clock_net
    t1, bank = net.login("sme-t1"), net.login("bank-a")
    cert = confirmed(net, t1, 60)
    net.advance(10)
    offer = t1.offer_to_sell(cert, "bank-a", 800)
    quote = bank.price(cert, 800)
    result = bank.sign_proposal(offer.id).result
    assert result is not None
    sold = result.event("CertificateSold").attrs
    assert (sold["days"], sold["price"]) == (quote.days, quote.price)
