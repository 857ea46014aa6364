"""The loan module's pure reads over records: the bank's portfolio, figure by figure."""

from __future__ import annotations

import msgspec

from smechain.core.daycount import DayCount, day_number
from smechain.modules.loan.contract import Basis, Loan, Status, Terms
from smechain.modules.loan.queries import portfolio
from smechain.modules.loan.schedule import Style, schedule

START = "2026-01-15"


def loan(loan_id: str, status: Status, amount: int, lent: int = 0, repaid: int = 0,
         currency: str = "CNY", bank: str = "bank-a") -> Loan:
    """A loan asking ``amount``; with ``lent``, disbursed on ``START``, ``repaid`` of the
    first instalment's principal paid (and then its interest)."""
    record = Loan(loan_id, "sme-1", bank, currency, amount, 12, "p", 1, Basis(), "c", status,
                  1_000)
    if not lent:
        return record
    rows = schedule(lent, 480, 12, START, Style.EQUAL_PRINCIPAL, DayCount.ACT_360)
    if repaid:
        rows[0] = msgspec.structs.replace(rows[0], principal_paid=repaid,
                                          interest_paid=rows[0].interest)
    terms = Terms(lent, 480, 12, Style.EQUAL_PRINCIPAL, DayCount.ACT_360, 720)
    return msgspec.structs.replace(record, terms=terms, schedule=rows, disbursed_at_ms=5_000,
                                   time_to_cash_ms=4_000)


def test_portfolio_amount_is_principal_lent_or_asked_and_outstanding_what_is_owed() -> None:
    loans = [
        loan("applied", Status.APPLIED, 5_000_000),
        loan("approved", Status.APPROVED, 7_000_000),
        loan("current", Status.ACTIVE, 12_000_000, lent=12_000_000, repaid=1_000_000),
        loan("late", Status.OVERDUE, 6_000_000, lent=6_000_000),
        loan("repaid", Status.REPAID, 3_000_000, lent=2_400_000, repaid=2_400_000),
        loan("usd", Status.ACTIVE, 9_000, lent=9_000, currency="USD"),
        loan("other-bank", Status.ACTIVE, 1_000_000, lent=1_000_000, bank="bank-b"),
    ]
    # the repaid loan: everything paid back
    loans[4] = msgspec.structs.replace(loans[4], schedule=[
        msgspec.structs.replace(i, principal_paid=i.principal) for i in loans[4].schedule])
    today = day_number("2026-03-01")  # the overdue loan's first due date was 2026-02-15
    p = portfolio(loans, "bank-a", today)
    assert p["currency"] == "CNY" and p["currencies"] == ["CNY", "USD"]
    status = p["by_status"]
    assert status["applied"] == {"count": 1, "amount": 5_000_000, "outstanding": 0}
    assert status["approved"] == {"count": 1, "amount": 7_000_000, "outstanding": 0}
    assert status["active"] == {"count": 1, "amount": 12_000_000, "outstanding": 11_000_000}
    assert status["overdue"] == {"count": 1, "amount": 6_000_000, "outstanding": 6_000_000}
    assert status["repaid"] == {"count": 1, "amount": 2_400_000, "outstanding": 0}
    bucket = p["by_bucket"]
    # the active loan's first instalment (10,000.00 and its interest) is paid: current
    assert bucket["current"] == {"count": 1, "amount": 12_000_000, "outstanding": 11_000_000}
    assert bucket["1-30"] == {"count": 1, "amount": 6_000_000, "outstanding": 6_000_000}
    assert p["time_to_cash_ms"] == 4_000
    usd = portfolio(loans, "bank-a", today, "USD")
    assert usd["by_status"]["active"] == {"count": 1, "amount": 9_000, "outstanding": 9_000}
    assert usd["by_status"]["applied"]["count"] == 0


def test_portfolio_losses_give_exposure_recoveries_and_loss_given_default() -> None:
    """Two loans in default: 4,000,000 + 2,000,000 exposed, 1,500,000 recovered; the net
    loss 4,500,000 is 7,500 bp of the exposure. Loans of other statuses count nothing."""
    loans = [
        msgspec.structs.replace(loan("d", Status.DEFAULTED, 4_000_000, lent=4_000_000),
                                exposure=4_000_000, recovered=1_000_000),
        msgspec.structs.replace(loan("w", Status.WRITTEN_OFF, 2_000_000, lent=2_000_000),
                                exposure=2_000_000, recovered=500_000, written_off=1_500_000),
        loan("current", Status.ACTIVE, 1_000_000, lent=1_000_000),
    ]
    losses = portfolio(loans, "bank-a", day_number("2026-06-01"))["losses"]
    assert losses == {"count": 2, "exposure": 6_000_000, "recovered": 1_500_000,
                      "net_loss": 4_500_000, "lgd_bp": 7_500}
    none = portfolio(loans[2:], "bank-a", day_number("2026-06-01"))["losses"]
    assert none == {"count": 0, "exposure": 0, "recovered": 0, "net_loss": 0, "lgd_bp": 0}
