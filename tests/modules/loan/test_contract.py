"""The loan lifecycle through the executor: apply under consent, decide with reasons,
disburse in cash with a fixed schedule, repay in the order penalty, interest, principal,
prepay, overdue with penalty interest, default and write-off; and the refusals."""

from __future__ import annotations

import pytest

from smechain.core.daycount import block_day, date_of, day_number
from smechain.modules.loan import queries as q
from smechain.modules.loan.contract import Status, defaulted_key
from smechain.modules.loan.schedule import schedule

from ..conftest import Chain, block_timestamp
from .conftest import MAX_RATE_BP, MIN_RATE_BP, Loans, product_id, product_terms


@pytest.fixture
def loans() -> Loans:
    return Loans(Chain())


def test_apply_needs_the_applicants_consent_to_the_bank(loans: Loans) -> None:
    chain = loans.chain
    chain.expect_failed(loans.apply_tx("no-such-consent"), "consent_unknown")
    other = loans.grant("sme-2")
    receipt = chain.expect_failed(loans.apply_tx(other), "consent_other_sme")
    assert receipt.field == "consent_id"
    mine = loans.grant("sme-1", "bank-c")
    assert chain.expect_failed(loans.apply_tx(mine), "consent_wrong_bank").field == "bank"
    wrong_purpose = loans.grant(purpose="post_loan_monitoring")
    chain.expect_failed(loans.apply_tx(wrong_purpose), "consent_purpose")
    review = loans.grant(purpose="loan_review")
    loan_id = loans.apply(review)
    loan = loans.loan(loan_id)
    assert (loan.sme, loan.bank, loan.status, loan.amount) == ("sme-1", "bank-a",
                                                               Status.APPLIED, 12_000_000)
    assert (loan.product_id, loan.product_version) == ("bank-a.working_capital."
                                                       "equal_instalments", 1)
    chain.ok(chain.tx("consent", "revoke", {"id": review}, chain.key("sme-1")))
    chain.expect_failed(loans.apply_tx(review), "consent_revoked")


def test_apply_refuses_bad_arguments(loans: Loans) -> None:
    chain = loans.chain
    consent = loans.grant()
    assert chain.expect_failed(loans.apply_tx(consent, bank="sme-2"), "not_found").field == "bank"
    assert chain.expect_failed(loans.apply_tx(consent, product_id=""),
                               "bad_args").field == "product_id"
    assert chain.expect_failed(loans.apply_tx(consent, currency="cny"),
                               "bad_args").field == "currency"
    unsecured_with_right = {"kind": "unsecured", "registration_number": "ZL1234"}
    assert chain.expect_failed(loans.apply_tx(consent, basis=unsecured_with_right),
                               "bad_args").field == "basis"
    # only SMEs apply
    receipt = chain.run_one(chain.tx("loan", "apply", {
        "bank": "bank-a", "consent_id": consent, "currency": "CNY", "amount": 1,
        "term_months": 1, "product_id": "p", "product_version": 1}, chain.key("bank-c")))
    assert receipt.code == "unauthorised"


def test_decline_is_an_adverse_action_notice_and_cannot_be_disbursed(loans: Loans) -> None:
    chain = loans.chain
    consent = loans.grant()
    loan_id = loans.apply(consent)
    att = loans.score(consent)
    no_reasons = loans.decide_tx(loan_id, att, approve=False, reason_codes=[])
    assert chain.expect_failed(no_reasons, "bad_args").field == "reason_codes"
    assert chain.expect_failed(loans.decide_tx(loan_id, "nope"),
                               "not_found").field == "attestation_id"
    # only the loan's bank decides
    receipt = chain.run_one(loans.decide_tx(loan_id, att, bank="bank-c"))
    assert receipt.code == "unauthorised"
    (receipt,) = chain.ok(loans.decide_tx(loan_id, att, approve=False,
                                          reason_codes=["TAX_ARREARS", "SHORT_HISTORY"]))
    assert receipt.events[-1].name == "LoanDeclined"
    loan = loans.loan(loan_id)
    assert loan.status == Status.DECLINED and loan.terms is None
    assert loan.reason_codes == ["TAX_ARREARS", "SHORT_HISTORY"]
    assert loan.band == "B" and loan.score_attestation.endswith(att)
    assert receipt.events[-1].attrs["report_id"] == loan.score_digest.hex()[:32]
    chain.ok(chain.issue("bank-a", 10**9))
    assert chain.expect_failed(loans.tx("disburse", {"id": loan_id}, "bank-a"),
                               "conflict").field == "id"


def test_approval_terms_are_checked(loans: Loans) -> None:
    chain = loans.chain
    consent = loans.grant()
    loan_id = loans.apply(consent)
    att = loans.score(consent)
    over = loans.decide_tx(loan_id, att, terms=loans.terms(amount=12_000_001))
    assert chain.expect_failed(over, "bad_args").field == "terms.amount"
    assert chain.expect_failed(loans.decide_tx(loan_id, att, terms=None),
                               "bad_args").field == "terms"


def test_disburse_pays_in_cash_once_and_fixes_the_schedule(loans: Loans) -> None:
    chain = loans.chain
    chain.ok(chain.issue("bank-a", 10**9))
    consent = loans.grant()
    loan_id = loans.apply(consent)
    chain.ok(loans.decide_tx(loan_id, loans.score(consent)))
    chain.days_later = 2
    loans.ok("disburse", {"id": loan_id}, "bank-a")
    loan = loans.loan(loan_id)
    assert loan.status == Status.ACTIVE
    assert chain.balance("CNY", "sme-1") == 12_000_000
    assert chain.balance("CNY", "bank-a") == 10**9 - 12_000_000
    assert loan.time_to_cash_ms == loan.disbursed_at_ms - loan.applied_at_ms > 2 * 86_400_000
    start = date_of(block_day(loan.disbursed_at_ms))
    assert loan.schedule == schedule(12_000_000, 480, 12, start, loan.terms.style,  # type: ignore[union-attr]
                                     loan.terms.day_count)  # type: ignore[union-attr]
    assert sum(i.principal for i in loan.schedule) == 12_000_000
    assert chain.expect_failed(loans.tx("disburse", {"id": loan_id}, "bank-a"),
                               "conflict").field == "id"


def test_disburse_needs_the_banks_cash(loans: Loans) -> None:
    chain = loans.chain
    consent = loans.grant()
    loan_id = loans.apply(consent)
    chain.ok(loans.decide_tx(loan_id, loans.score(consent)))
    assert chain.expect_failed(loans.tx("disburse", {"id": loan_id}, "bank-a"),
                               "insufficient_funds").field == "id"


def days_to(loans: Loans, date: str, extra: int = 0) -> None:
    """Move the chain's clock so the next block falls ``extra`` days after ``date``."""
    chain = loans.chain
    now = block_day(block_timestamp(chain.height + 1) + chain.days_later * 86_400_000)
    chain.days_later += day_number(date) - now + extra


def test_repay_what_is_due_and_no_more(loans: Loans) -> None:
    chain = loans.chain
    loan_id = loans.active()
    first = loans.loan(loan_id).schedule[0]
    nothing = loans.tx("repay", {"id": loan_id, "amount": 1}, "sme-1")
    assert chain.expect_failed(nothing, "conflict").field == "amount"
    days_to(loans, first.due)
    too_much = loans.tx("repay", {"id": loan_id, "amount": first.payment + 1}, "sme-1")
    assert chain.expect_failed(too_much, "conflict").field == "amount"
    # part of it goes to interest first
    (receipt,) = chain.ok(loans.tx("repay", {"id": loan_id, "amount": first.interest + 5},
                                   "sme-1"))
    assert receipt.events[-1].attrs == {
        "id": loan_id, "sme": "sme-1", "bank": "bank-a", "amount": first.interest + 5,
        "penalty": 0, "interest": first.interest, "principal": 5}
    loans.ok("repay", {"id": loan_id, "amount": first.payment - first.interest - 5}, "sme-1")
    row = loans.loan(loan_id).schedule[0]
    assert (row.interest_paid, row.principal_paid) == (row.interest, row.principal)
    # only the SME repays
    assert chain.run_one(loans.tx("repay", {"id": loan_id, "amount": 1},
                                  "bank-a")).code == "unauthorised"


def test_repaying_every_instalment_closes_the_loan(loans: Loans) -> None:
    chain = loans.chain
    loan_id = loans.active(term_months=3, amount=3_000_000)
    paid = 0
    for row in loans.loan(loan_id).schedule:
        days_to(loans, row.due)
        loans.ok("repay", {"id": loan_id, "amount": row.payment}, "sme-1")
        paid += row.payment
    loan = loans.loan(loan_id)
    assert loan.status == Status.REPAID and loan.closed_at_ms
    assert paid == 3_000_000 + sum(i.interest for i in loan.schedule)
    assert chain.run_one(loans.tx("repay", {"id": loan_id, "amount": 1},
                                  "sme-1")).code == "conflict"


def test_overdue_penalty_is_paid_first_and_clearing_arrears_makes_it_current(
        loans: Loans) -> None:
    chain = loans.chain
    loan_id = loans.active()
    first = loans.loan(loan_id).schedule[0]
    days_to(loans, first.due, 3)
    early = loans.tx("mark_overdue", {"id": loan_id}, "bank-a")
    assert chain.expect_failed(early, "conflict").field == "id"
    days_to(loans, first.due, 10)
    (receipt,) = chain.ok(loans.tx("mark_overdue", {"id": loan_id}, "bank-a"))
    loan = loans.loan(loan_id)
    assert loan.status == Status.OVERDUE
    # 10 days at 7.20% ACT/360 on the unpaid instalment, half-even
    expected = (first.payment * 720 * 10 * 2 + 360 * 10_000) // (360 * 10_000 * 2)
    assert loan.penalty_accrued == expected == receipt.events[-1].attrs["penalty_accrued"]
    assert receipt.events[-1].attrs["days_past_due"] == 10
    (receipt,) = chain.ok(loans.tx("repay", {"id": loan_id, "amount": expected + 1},
                                   "sme-1"))
    assert (receipt.events[-1].attrs["penalty"], receipt.events[-1].attrs["interest"]) == (
        expected, 1)
    loans.ok("repay", {"id": loan_id, "amount": first.payment - 1}, "sme-1")
    assert loans.loan(loan_id).status == Status.ACTIVE


def test_default_after_90_days_then_write_off_and_no_new_loans(loans: Loans) -> None:
    chain = loans.chain
    loan_id = loans.active()
    first = loans.loan(loan_id).schedule[0]
    assert chain.run_one(loans.tx("default", {"id": loan_id}, "bank-a")).code == "conflict"
    days_to(loans, first.due, 30)
    loans.ok("mark_overdue", {"id": loan_id}, "bank-a")
    assert chain.expect_failed(loans.tx("default", {"id": loan_id}, "bank-a"),
                               "conflict").field == "id"
    days_to(loans, first.due, 90)
    loans.ok("default", {"id": loan_id}, "bank-a")
    assert loans.loan(loan_id).status == Status.DEFAULTED
    assert chain.store.get(defaulted_key("sme-1")) is not None
    receipt = loans.ok("write_off", {"id": loan_id}, "bank-a")
    loan = loans.loan(loan_id)
    assert loan.status == Status.WRITTEN_OFF
    assert loan.written_off == receipt.events[-1].attrs["amount"] == loan.exposure
    consent = loans.grant()
    assert chain.run_one(loans.apply_tx(consent)).code == "unauthorised"


def half_even(numerator: int, denominator: int) -> int:
    q, r = divmod(numerator, denominator)
    return q + (2 * r > denominator or (2 * r == denominator and q % 2 == 1))


def test_exposure_at_default_counts_interest_earned_not_interest_scheduled(
        loans: Loans) -> None:
    """Exposure at default: the principal outstanding, the unpaid interest of the
    instalments due by then, the current period's interest to that day on its opening
    principal (ACT/360, 4.80%) and the penalty unpaid; not the interest of later periods."""
    chain = loans.chain
    loan_id = loans.active()
    rows = loans.loan(loan_id).schedule
    days_to(loans, rows[0].due, 95)
    default_day = day_number(rows[0].due) + 95
    loans.ok("mark_overdue", {"id": loan_id}, "bank-a")
    (receipt,) = chain.ok(loans.tx("default", {"id": loan_id}, "bank-a"))
    loan = loans.loan(loan_id)
    due = [i for i in rows if day_number(i.due) <= default_day]
    current = next(i for i in rows if day_number(i.due) > default_day)
    earned = half_even(current.opening * 480 * (default_day - day_number(current.start)),
                       360 * 10_000)
    expected = (12_000_000 + sum(i.interest for i in due) + earned
                + loan.penalty_accrued - loan.penalty_paid)
    assert len(due) == 4 and 0 < earned < current.interest and loan.penalty_accrued > 0
    assert loan.exposure == expected == receipt.events[-1].attrs["exposure"]
    assert loan.exposure < 12_000_000 + sum(i.interest for i in rows) + loan.penalty_accrued


def test_recoveries_after_default_reduce_the_loss_and_never_pass_the_exposure(
        loans: Loans) -> None:
    chain = loans.chain
    loan_id = loans.active()
    first = loans.loan(loan_id).schedule[0]

    def recover(amount: int, source: str = "collection", org: str = "bank-a") -> bytes:
        return loans.tx("recover", {"id": loan_id, "amount": amount, "source": source,
                                    "reference": "case 2026-17"}, org)

    assert chain.expect_failed(recover(1), "conflict").field == "id"  # not in default
    days_to(loans, first.due, 91)
    loans.ok("mark_overdue", {"id": loan_id}, "bank-a")
    loans.ok("default", {"id": loan_id}, "bank-a")
    exposure = loans.loan(loan_id).exposure
    # refused, changing nothing: no security to sell, more than owed, not the bank's loan,
    # an unknown source
    assert chain.expect_failed(recover(1, "collateral"), "bad_args").field == "source"
    assert chain.expect_failed(recover(exposure + 1), "conflict").field == "amount"
    assert "only the bank 'bank-a'" in chain.expect_failed(recover(1, org="bank-c"),
                                                           "unauthorised").message
    chain.expect_failed(recover(1, org="sme-1"), "unauthorised")
    assert chain.expect_failed(recover(1, "lottery"), "bad_args").field == "args.source"
    (receipt,) = chain.ok(recover(2_000_000, "guarantee"))
    assert receipt.events[-1].attrs["left"] == exposure - 2_000_000
    written = loans.ok("write_off", {"id": loan_id}, "bank-a").events[-1].attrs["amount"]
    assert written == exposure - 2_000_000 == loans.loan(loan_id).written_off
    # recovered after the write-off: the loss shrinks, the loan stays written off
    loans.ok("recover", {"id": loan_id, "amount": written, "source": "borrower"}, "bank-a")
    loan = loans.loan(loan_id)
    assert (loan.status, loan.recovered) == (Status.WRITTEN_OFF, exposure)
    assert chain.expect_failed(recover(1), "conflict").field == "amount"


def test_prepayment_in_full_pays_interest_to_date_and_the_fee(loans: Loans) -> None:
    chain = loans.chain
    loan_id = loans.active()
    first = loans.loan(loan_id).schedule[0]
    days_to(loans, first.due)
    due = loans.tx("repay_early", {"id": loan_id}, "sme-1")
    assert chain.expect_failed(due, "conflict").field == "id"
    loans.ok("repay", {"id": loan_id, "amount": first.payment}, "sme-1")
    days_to(loans, first.due, 10)
    outstanding = 12_000_000 - first.principal
    assert chain.expect_failed(loans.tx("repay_early", {"id": loan_id,
                                                        "principal": outstanding + 1},
                                        "sme-1"), "conflict").field == "principal"
    before = chain.balance("CNY", "sme-1")
    receipt = loans.ok("repay_early", {"id": loan_id}, "sme-1")
    prepaid = next(e for e in receipt.events if e.name == "LoanPrepaid").attrs
    interest = (outstanding * 480 * 10 * 2 + 360 * 10_000) // (360 * 10_000 * 2)
    fee = outstanding * 100 // 10_000
    assert (prepaid["principal"], prepaid["interest"], prepaid["fee"]) == (
        outstanding, interest, fee)
    assert before - chain.balance("CNY", "sme-1") == outstanding + interest + fee
    loan = loans.loan(loan_id)
    assert loan.status == Status.REPAID
    assert sum(i.principal for i in loan.schedule) == first.principal


def test_partial_prepayment_rebuilds_the_rest(loans: Loans) -> None:
    loan_id = loans.active(style="equal_principal")
    loans.ok("repay_early", {"id": loan_id, "principal": 6_000_000}, "sme-1")
    loan = loans.loan(loan_id)
    assert loan.status == Status.ACTIVE
    assert sum(i.principal for i in loan.schedule) == 6_000_000
    assert [i.principal for i in loan.schedule[:-1]] == [500_000] * 11
    assert loan.prepaid_principal == 6_000_000


def test_apply_is_checked_against_the_product_it_cites(loans: Loans) -> None:
    chain = loans.chain
    consent = loans.grant()

    def refused(code: str, **changes: object) -> str:
        return chain.expect_failed(loans.apply_tx(consent, **changes), code).field

    assert refused("not_found", product_id="nope") == "product_id"
    assert refused("conflict", product_id=product_id("bank-c", "working_capital")) == \
        "product_id"
    assert refused("conflict", product_version=2) == "product_version"
    narrow = "bank-a.narrow"
    chain.ok(chain.tx("product", "publish", {"id": narrow, "terms": product_terms(
        "working_capital", "equal_instalments", min_amount=1_000_000, max_amount=50_000_000,
        min_term_months=6, max_term_months=24)}, chain.key("bank-a")))
    assert refused("bad_args", product_id=narrow, amount=999_999) == "amount"
    assert refused("bad_args", product_id=narrow, amount=50_000_001) == "amount"
    assert refused("bad_args", product_id=narrow, term_months=5) == "term_months"
    assert refused("bad_args", product_id=narrow, term_months=25) == "term_months"
    assert refused("bad_args", product_id=narrow, currency="USD") == "currency"
    # the basis fits the product's kind, and working capital is unsecured
    assert refused("bad_args", product_id=product_id("bank-a", "ip_pledge")) == "basis.kind"
    patent = {"kind": "ip_pledge", "right_kind": "patent",
              "registration_number": "ZL202310123456.7"}
    assert refused("bad_args", product_id=narrow, basis=patent) == "basis.kind"
    # a revised product is cited at its live version; a withdrawn one not at all
    revised = product_terms("working_capital", "equal_instalments", max_amount=60_000_000)
    chain.ok(chain.tx("product", "revise", {"id": narrow, "terms": revised},
                      chain.key("bank-a")))
    assert refused("conflict", product_id=narrow, product_version=1) == "product_version"
    loan_id = loans.apply(consent, product_id=narrow, product_version=2, amount=55_000_000)
    assert loans.loan(loan_id).product_version == 2
    chain.ok(chain.tx("product", "withdraw", {"id": narrow}, chain.key("bank-a")))
    assert refused("conflict", product_id=narrow, product_version=2) == "product_id"


def test_decide_is_checked_against_the_product_and_the_scorecard_bands(loans: Loans) -> None:
    chain = loans.chain
    consent = loans.grant()
    loan_id = loans.apply(consent)
    att = loans.score(consent)

    def refused(code: str, terms: dict[str, object] | None = None, **changes: object) -> str:
        args = {"terms": loans.terms(**terms)} if terms is not None else {}
        return chain.expect_failed(loans.decide_tx(loan_id, att, **args, **changes),
                                   code).field

    assert refused("bad_args", {"rate_bp": MIN_RATE_BP - 1}) == "terms.rate_bp"
    assert refused("bad_args", {"rate_bp": MAX_RATE_BP + 1}) == "terms.rate_bp"
    assert refused("bad_args", {"style": "equal_principal"}) == "terms.style"
    assert refused("bad_args", {"term_months": 61}) == "terms.term_months"
    for band in ("Z", "", "a", "F", "AA"):
        assert refused("bad_args", band=band) == "band"
        assert refused("bad_args", band=band, approve=False) == "band"
    chain.ok(loans.decide_tx(loan_id, att, band="E",
                             terms=loans.terms(rate_bp=MAX_RATE_BP, style="equal_instalments")))
    assert loans.loan(loan_id).band == "E"


def test_a_decision_needs_the_applications_consent_still_live(loans: Loans) -> None:
    chain = loans.chain
    consent = loans.grant()
    loan_id = loans.apply(consent)
    attestation = loans.score(consent)
    chain.ok(chain.tx("consent", "revoke", {"id": consent}, chain.key("sme-1")))
    refused = chain.expect_failed(loans.tx("decide", {
        "id": loan_id, "approve": False, "band": "C", "reason_codes": ["TAX_LOW"],
        "attestation_id": attestation}, "bank-a"), "consent_revoked")
    assert refused.field == "id"


def test_a_decline_without_a_score_still_lists_its_reasons(loans: Loans) -> None:
    chain = loans.chain
    loan_id = loans.apply(loans.grant())
    no_reason = loans.tx("decide", {"id": loan_id, "approve": False, "band": "",
                                    "reason_codes": [], "attestation_id": ""}, "bank-a")
    assert chain.expect_failed(no_reason, "bad_args").field == "reason_codes"
    unscored_approval = loans.tx("decide", {"id": loan_id, "approve": True, "band": "",
                                            "reason_codes": [], "attestation_id": "",
                                            "terms": loans.terms()}, "bank-a")
    assert chain.expect_failed(unscored_approval, "bad_args").field == "band"
    loans.ok("decide", {"id": loan_id, "approve": False, "band": "",
                        "reason_codes": ["CONSENT_SCOPE"], "attestation_id": ""}, "bank-a")
    loan = loans.loan(loan_id)
    assert (loan.status, loan.score_attestation, loan.reason_codes) == (
        Status.DECLINED, "", ["CONSENT_SCOPE"])


def test_an_overdue_loans_standing_is_what_repay_charges_today(loans: Loans) -> None:
    """``standing`` accrues penalty interest to the day it is read: arrears plus the penalty
    it shows is exactly the most ``repay`` takes that day."""
    chain = loans.chain
    loan_id = loans.active()
    first = loans.loan(loan_id).schedule[0]
    days_to(loans, first.due, 10)
    loans.ok("mark_overdue", {"id": loan_id}, "bank-a")
    days_to(loans, first.due, 40)
    today = block_day(block_timestamp(chain.height + 1) + chain.days_later * 86_400_000)
    standing = q.standing(loans.loan(loan_id), today)
    owed = standing["arrears"] + standing["penalty_due"]
    assert standing["penalty_due"] > loans.loan(loan_id).penalty_accrued > 0
    assert chain.expect_failed(loans.tx("repay", {"id": loan_id, "amount": owed + 1},
                                        "sme-1"), "conflict").field == "amount"
    loans.ok("repay", {"id": loan_id, "amount": owed}, "sme-1")
    assert loans.loan(loan_id).status == Status.ACTIVE
