"""Loan bases: an IP pledge backs one lender at a time and is released on repayment or
enforced on default; export-record loans stay within a bank-set share of the
customs-attested value across banks; a receivable loan holds a confirmed certificate."""

from __future__ import annotations

from typing import Any

import pytest

from smechain.core.daycount import block_day, date_of
from smechain.modules.loan.contract import PledgeStatus, Status, right_key

from ..conftest import Chain, block_timestamp
from ..receivable.test_contract import cert, setup
from .conftest import Loans, digest
from .test_contract import days_to

PATENT = {"kind": "ip_pledge", "right_kind": "patent", "registration_number": "ZL202310123456.7"}


@pytest.fixture
def loans() -> Loans:
    return Loans(Chain())


def approved(loans: Loans, basis: dict[str, Any], sme: str = "sme-1", bank: str = "bank-a",
             amount: int = 12_000_000, **terms: Any) -> str:
    consent = loans.grant(sme, bank)
    loan_id = loans.apply(consent, sme, bank, amount, basis=basis,
                          style=terms.get("style", "equal_instalments"))
    loans.chain.ok(loans.chain.tx("loan", "decide", {
        "id": loan_id, "approve": True, "band": "B", "reason_codes": ["IP_STRONG"],
        "attestation_id": loans.score(consent, bank),
        "terms": loans.terms(amount=amount, **terms)}, loans.chain.key(bank)))
    return loan_id


def pledge_args(loan_id: str, value: int = 20_000_000, **changes: Any) -> dict[str, Any]:
    return {"id": loan_id, "right_kind": "patent",
            "registration_number": PATENT["registration_number"], "value": value, **changes}


def test_ip_pledge_loan_from_pledge_to_release(loans: Loans) -> None:
    chain = loans.chain
    chain.ok(chain.issue("bank-a", 10**9), chain.issue("sme-1", 10**9))
    loan_id = approved(loans, PATENT)
    # no disbursement before the pledge is registered
    assert chain.expect_failed(loans.tx("disburse", {"id": loan_id}, "bank-a"),
                               "conflict").field == "id"
    # only the IP office registers pledges
    assert chain.run_one(loans.tx("pledge_ip", pledge_args(loan_id),
                                  "bank-a")).code == "unauthorised"
    wrong = loans.tx("pledge_ip", pledge_args(loan_id, registration_number="ZL999"), "cnipa")
    assert chain.expect_failed(wrong, "bad_args").field == "registration_number"
    trademark = loans.tx("pledge_ip", pledge_args(loan_id, right_kind="trademark"), "cnipa")
    assert chain.expect_failed(trademark, "bad_args").field == "right_kind"
    receipt = loans.ok("pledge_ip", pledge_args(loan_id), "cnipa")
    pledge_id = receipt.events[-1].attrs["pledge"]
    pledge = loans.pledge(pledge_id)
    assert (pledge.owner, pledge.bank, pledge.status) == ("sme-1", "bank-a",
                                                          PledgeStatus.REGISTERED)
    assert chain.expect_failed(loans.tx("pledge_ip", pledge_args(loan_id), "cnipa"),
                               "conflict").field == "id"
    loans.ok("disburse", {"id": loan_id}, "bank-a")
    for row in loans.loan(loan_id).schedule:
        days_to(loans, row.due)
        loans.ok("repay", {"id": loan_id, "amount": row.payment}, "sme-1")
    assert loans.loan(loan_id).status == Status.REPAID
    assert loans.pledge(pledge_id).status == PledgeStatus.RELEASED
    assert chain.store.get(right_key("patent", PATENT["registration_number"])) is None
    # released: the right may back a new loan at another bank
    approved(loans, PATENT, bank="bank-c")


def test_a_right_is_never_pledged_twice(loans: Loans) -> None:
    chain = loans.chain
    first = approved(loans, PATENT)
    second = approved(loans, PATENT, bank="bank-c")  # applying is not pledging
    loans.ok("pledge_ip", pledge_args(first), "cnipa")
    assert chain.expect_failed(loans.tx("pledge_ip", pledge_args(second), "cnipa"),
                               "conflict").field == "registration_number"
    consent = loans.grant("sme-1", "bank-c")
    assert chain.expect_failed(loans.apply_tx(consent, bank="bank-c", basis=PATENT),
                               "conflict").field == "basis.registration_number"


def test_two_pledges_of_one_right_in_one_block(loans: Loans) -> None:
    chain = loans.chain
    first = approved(loans, PATENT)
    second = approved(loans, PATENT, bank="bank-c")
    receipts = chain.run(loans.tx("pledge_ip", pledge_args(first), "cnipa"),
                         loans.tx("pledge_ip", pledge_args(second), "cnipa"))
    assert [r.code for r in receipts] == ["ok", "conflict"]


def test_disbursement_within_the_pledged_value_and_enforced_on_default(loans: Loans) -> None:
    chain = loans.chain
    chain.ok(chain.issue("bank-a", 10**9))
    loan_id = approved(loans, PATENT)
    receipt = loans.ok("pledge_ip", pledge_args(loan_id, value=11_000_000), "cnipa")
    pledge_id = receipt.events[-1].attrs["pledge"]
    assert chain.expect_failed(loans.tx("disburse", {"id": loan_id}, "bank-a"),
                               "conflict").field == "id"
    loans.ok("release_pledge", {"id": pledge_id}, "bank-a")
    assert loans.pledge(pledge_id).status == PledgeStatus.RELEASED
    other = approved(loans, PATENT)
    pledge_id = loans.ok("pledge_ip", pledge_args(other), "cnipa").events[-1].attrs["pledge"]
    loans.ok("disburse", {"id": other}, "bank-a")
    first = loans.loan(other).schedule[0]
    days_to(loans, first.due, 91)
    loans.ok("mark_overdue", {"id": other}, "bank-a")
    loans.ok("default", {"id": other}, "bank-a")
    assert loans.pledge(pledge_id).status == PledgeStatus.ENFORCED
    # the patent sold at auction: a recovery from the collateral
    loans.ok("recover", {"id": other, "amount": 9_000_000, "source": "collateral",
                         "reference": "auction lot 42"}, "bank-a")
    assert loans.loan(other).recovered == 9_000_000


def export_args(loans: Loans, value: int = 100_000_000, sme: str = "sme-1",
                bank: str = "bank-a", consent: str | None = None, **changes: Any
                ) -> dict[str, Any]:
    """``attest_export`` of the twelve months to yesterday."""
    chain = loans.chain
    consent = consent or loans.grant(sme, bank)
    today = block_day(block_timestamp(chain.height + 1) + chain.days_later * 86_400_000)
    return {"sme": sme, "consent_id": consent, "currency": "CNY", "value": value,
            "period_end": date_of(today - 1), "digest": digest(f"{sme} declarations"),
            **changes}


def attest_export(loans: Loans, value: int = 100_000_000, sme: str = "sme-1",
                  bank: str = "bank-a", consent: str | None = None) -> str:
    receipt = loans.ok("attest_export", export_args(loans, value, sme, bank, consent),
                       "customs-sh")
    return str(receipt.events[-1].attrs["export_record"])


def test_export_attestation_needs_the_smes_consent(loans: Loans) -> None:
    chain = loans.chain
    consent = loans.grant("sme-2")
    today = block_day(block_timestamp(chain.height + 1))
    args = {"sme": "sme-1", "consent_id": consent, "currency": "CNY", "value": 1,
            "period_end": date_of(today - 1), "digest": digest("d")}
    chain.expect_failed(loans.tx("attest_export", args, "customs-sh"), "consent_other_sme")
    no_customs = loans.grant(categories=("tax",))
    chain.expect_failed(loans.tx("attest_export", {**args, "consent_id": no_customs},
                                 "customs-sh"), "consent_category")
    assert chain.run_one(loans.tx("attest_export", args, "bank-a")).code == "unauthorised"
    unknown = {**args, "sme": "sme-404"}
    assert chain.expect_failed(loans.tx("attest_export", unknown, "customs-sh"),
                               "not_found").field == "sme"
    mine = loans.grant()
    old = {**args, "consent_id": mine, "period_end": date_of(today - 200)}
    assert chain.expect_failed(loans.tx("attest_export", old, "customs-sh"),
                               "bad_args").field == "period_end"


def test_an_export_record_is_unique_per_sme_currency_period_and_digest(loans: Loans) -> None:
    """Re-attesting the same twelve months (or overlapping ones, or the same declarations)
    would make a record with nothing lent against it, and a fresh limit: refused."""
    chain = loans.chain
    first = attest_export(loans)
    again = export_args(loans, digest=digest("other declarations"))
    receipt = chain.expect_failed(loans.tx("attest_export", again, "customs-sh"), "conflict")
    assert receipt.field == "period_end" and first in receipt.message
    today = block_day(block_timestamp(chain.height + 1) + chain.days_later * 86_400_000)
    overlapping = {**again, "period_end": date_of(today - 60)}
    assert chain.expect_failed(loans.tx("attest_export", overlapping, "customs-sh"),
                               "conflict").field == "period_end"
    same_digest = export_args(loans, sme="sme-2")
    same_digest["digest"] = digest("sme-1 declarations")
    assert chain.expect_failed(loans.tx("attest_export", same_digest, "customs-sh"),
                               "conflict").field == "digest"
    # another SME, or the same SME in another currency, has its own records
    attest_export(loans, sme="sme-2")
    loans.ok("attest_export", {**again, "currency": "USD"}, "customs-sh")
    # a year on, the next twelve months do not overlap
    chain.days_later += 366
    loans.ok("attest_export", export_args(loans, digest=digest("next year")), "customs-sh")


def test_export_loans_stay_within_each_banks_share_of_what_all_banks_lent(
        loans: Loans) -> None:
    chain = loans.chain
    chain.ok(chain.issue("bank-a", 10**9), chain.issue("bank-c", 10**9),
             chain.issue("sme-1", 10**9))
    record = attest_export(loans)  # 1,000,000.00 exported in twelve months
    basis = {"kind": "export_record", "export_record": record}
    first = approved(loans, basis, amount=20_000_000, export_share_bp=3_000)
    loans.ok("disburse", {"id": first}, "bank-a")
    assert loans.export(record).lent == 20_000_000
    # bank-c's share is 30%: one loan of its own reaches 300,000.00 at most
    consent = loans.grant("sme-1", "bank-c")
    loan_id = loans.apply(consent, "sme-1", "bank-c", 40_000_000, basis=basis)
    att = loans.score(consent, "bank-c")

    def decide(**terms: Any) -> bytes:
        return chain.tx("loan", "decide", {
            "id": loan_id, "approve": True, "band": "B", "reason_codes": [],
            "attestation_id": att, "terms": loans.terms(**terms)}, chain.key("bank-c"))

    over = decide(amount=40_000_000, export_share_bp=3_000)
    assert chain.expect_failed(over, "conflict").field == "terms.export_share_bp"
    missing = chain.expect_failed(decide(amount=30_000_000), "bad_args")
    assert missing.field == "terms.export_share_bp" and "passes 0 bp" not in missing.message
    assert "states export_share_bp" in missing.message
    above_all = chain.expect_failed(decide(amount=1, export_share_bp=10_001), "bad_args")
    assert "export_share_bp" in above_all.message  # decoding refuses above 10,000
    # across banks the loans stay within the whole value: 200,000.00 lent already
    too_big = loans.apply_tx(consent, "sme-1", "bank-c", 80_000_001, basis=basis)
    assert chain.expect_failed(too_big, "conflict").field == "amount"
    second = approved(loans, basis, bank="bank-c", amount=80_000_000, export_share_bp=10_000)
    third = approved(loans, basis, bank="bank-c", amount=1, export_share_bp=10_000)
    loans.ok("disburse", {"id": second}, "bank-c")
    assert loans.export(record).lent == 100_000_000
    assert chain.expect_failed(loans.tx("disburse", {"id": third}, "bank-c"),
                               "conflict").field == "id"
    # repaid in full: the value is free again
    loans.ok("repay_early", {"id": first}, "sme-1")
    assert loans.export(record).lent == 80_000_000
    loans.ok("disburse", {"id": third}, "bank-c")
    assert loans.export(record).lent == 80_000_001


def test_export_record_of_another_sme_is_unknown(loans: Loans) -> None:
    record = attest_export(loans, sme="sme-2")
    consent = loans.grant()
    raw = loans.apply_tx(consent, basis={"kind": "export_record", "export_record": record})
    assert loans.chain.expect_failed(raw, "not_found").field == "basis.export_record"


def test_receivable_loan_holds_the_certificate_until_repaid(loans: Loans) -> None:
    chain = loans.chain
    cert_id = setup(chain)  # sme-1 holds a confirmed certificate of 100,000.00
    chain.ok(chain.issue("sme-1", 10**9))
    basis = {"kind": "receivable", "certificate": cert_id}
    consent = loans.grant()
    over = loans.apply_tx(consent, amount=10_000_001, basis=basis)
    assert chain.expect_failed(over, "conflict").field == "amount"
    loan_id = approved(loans, basis, amount=8_000_000, term_months=1,
                       style="interest_only_balloon")
    loans.ok("disburse", {"id": loan_id}, "bank-a")
    assert cert(chain, cert_id).holder == "bank-a"
    # the SME can no longer sell, split or pledge it again
    assert chain.run_one(chain.tx("receivable", "split", {"id": cert_id, "amounts": [1, 9_999_999]},
                                  chain.key("sme-1"))).code == "unauthorised"
    again = loans.apply_tx(loans.grant(), amount=1, basis=basis)
    assert chain.expect_failed(again, "not_found").field == "basis.certificate"
    # nor can the bank give it away while it secures the loan: a lien holds it
    for action, args in (("transfer", {"id": cert_id, "to": "bank-c"}),
                         ("split", {"id": cert_id, "amounts": [1, 9_999_999]})):
        refused = chain.expect_failed(chain.tx("receivable", action, args,
                                               chain.key("bank-a")), "conflict")
        assert refused.field == "id" and f"loan {loan_id}" in refused.message
    loans.ok("repay_early", {"id": loan_id}, "sme-1")
    assert loans.loan(loan_id).status == Status.REPAID
    assert cert(chain, cert_id).holder == "sme-1"
    # the lien is lifted with the loan: the SME's certificate moves again
    chain.ok(chain.tx("receivable", "transfer", {"id": cert_id, "to": "bank-c"},
                      chain.key("sme-1")))


def test_a_pledge_follows_its_loan_declined_withdrawn_released_or_enforced(
        loans: Loans) -> None:
    """A decline or a withdrawal releases the pledge; a loan whose pledge was released may
    be pledged anew; an approval stays within the pledged value; an enforced pledge frees
    the right for its next owner."""
    chain = loans.chain
    chain.ok(chain.issue("bank-a", 10**9))
    consent = loans.grant()
    declined = loans.apply(consent, basis=PATENT)
    pledge = loans.ok("pledge_ip", pledge_args(declined), "cnipa").events[-1].attrs["pledge"]
    loans.ok("decide", {"id": declined, "approve": False, "band": "D",
                        "reason_codes": ["IP_WEAK"], "attestation_id": ""}, "bank-a")
    assert loans.pledge(pledge).status == PledgeStatus.RELEASED
    withdrawn = loans.apply(consent, basis=PATENT)
    pledge = loans.ok("pledge_ip", pledge_args(withdrawn), "cnipa").events[-1].attrs["pledge"]
    assert chain.expect_failed(loans.tx("withdraw", {"id": withdrawn}, "bank-a"),
                               "unauthorised")
    loans.ok("withdraw", {"id": withdrawn}, "sme-1")
    assert loans.loan(withdrawn).status == Status.WITHDRAWN
    assert loans.pledge(pledge).status == PledgeStatus.RELEASED
    assert chain.expect_failed(loans.tx("withdraw", {"id": withdrawn}, "sme-1"),
                               "conflict").field == "id"
    # pledged at 10,000,000: an approval of 12,000,000 is above it
    loan_id = loans.apply(consent, basis=PATENT)
    pledge = loans.ok("pledge_ip", pledge_args(loan_id, value=10_000_000),
                      "cnipa").events[-1].attrs["pledge"]
    too_much = chain.tx("loan", "decide", {
        "id": loan_id, "approve": True, "band": "B", "reason_codes": [],
        "attestation_id": loans.score(consent), "terms": loans.terms(amount=12_000_000)},
        chain.key("bank-a"))
    assert chain.expect_failed(too_much, "bad_args").field == "terms.amount"
    loans.ok("release_pledge", {"id": pledge}, "bank-a")
    pledge = loans.ok("pledge_ip", pledge_args(loan_id, value=20_000_000),
                      "cnipa").events[-1].attrs["pledge"]
    loans.ok("decide", {"id": loan_id, "approve": True, "band": "B", "reason_codes": [],
                        "attestation_id": loans.score(consent),
                        "terms": loans.terms(amount=12_000_000)}, "bank-a")
    loans.ok("disburse", {"id": loan_id}, "bank-a")
    days_to(loans, loans.loan(loan_id).schedule[0].due, 91)
    loans.ok("mark_overdue", {"id": loan_id}, "bank-a")
    loans.ok("default", {"id": loan_id}, "bank-a")
    assert loans.pledge(pledge).status == PledgeStatus.ENFORCED
    assert chain.store.get(right_key("patent", PATENT["registration_number"])) is None


def test_principal_repaid_is_no_longer_lent_against_the_export_record(loans: Loans) -> None:
    chain = loans.chain
    chain.ok(chain.issue("bank-a", 10**9), chain.issue("sme-1", 10**9))
    record = attest_export(loans)
    loan_id = approved(loans, {"kind": "export_record", "export_record": record},
                       amount=30_000_000, export_share_bp=3_000)
    loans.ok("disburse", {"id": loan_id}, "bank-a")
    assert loans.export(record).lent == 30_000_000
    loans.ok("repay_early", {"id": loan_id, "principal": 10_000_000}, "sme-1")
    assert loans.export(record).lent == 20_000_000
    first = loans.loan(loan_id).schedule[0]
    days_to(loans, first.due)
    loans.ok("repay", {"id": loan_id, "amount": first.payment}, "sme-1")
    assert loans.export(record).lent == 20_000_000 - first.principal
