"""What a disbursed loan owes on a day, penalty interest, and how a repayment is allocated
(pure: schedules and day numbers in, integers out).

- **Due** on day ``today``: the unpaid interest and principal of every instalment whose
  due date is on or before ``today`` (the *arrears*), plus penalty interest not yet paid.
- **Days past due**: days from the earliest due date with something unpaid to ``today``
  (0 when nothing due before ``today`` is unpaid).
- **Penalty interest** (罚息) runs on the unpaid part of each instalment past its due
  date, at the terms' ``penalty_rate_bp`` a year under the loan's day count, from the
  due date (or the day it was last accrued) to ``today``, rounded half-even per
  instalment; it is accrued whenever the loan is touched while overdue.
- **Allocation** of a repayment: penalty interest first, then interest of the due
  instalments oldest first, then their principal oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from smechain.core.daycount import DayCount, accrued, day_number
from smechain.modules.loan.schedule import Instalment


@dataclass(frozen=True, slots=True)
class Allocation:
    """How one repayment was split."""

    penalty: int
    interest: int
    principal: int


def arrears(instalments: list[Instalment], today: int) -> int:
    """Unpaid interest and principal of the instalments due on or before ``today``."""
    return sum(i.unpaid for i in instalments if day_number(i.due) <= today)


def outstanding_principal(instalments: list[Instalment]) -> int:
    """Principal not yet repaid."""
    return sum(i.principal - i.principal_paid for i in instalments)


def unpaid_interest(instalments: list[Instalment]) -> int:
    """Scheduled interest not yet paid (due or not)."""
    return sum(i.interest - i.interest_paid for i in instalments)


def accrued_interest(instalments: list[Instalment], rate_bp: int, today: int,
                     day_count: DayCount) -> int:
    """Interest of the current period (the first instalment due after ``today``) accrued
    from its start to ``today`` on its opening principal, at most its scheduled interest,
    less what was paid of it; 0 before the period starts or with no period left."""
    for i in instalments:
        start, due = day_number(i.start), day_number(i.due)
        if due > today:
            if start >= today:
                return 0
            earned = min(accrued(i.opening, rate_bp, start, today, day_count), i.interest)
            return max(0, earned - i.interest_paid)
    return 0


def exposure_at_default(instalments: list[Instalment], penalty_due: int, rate_bp: int,
                        today: int, day_count: DayCount) -> int:
    """What a loan owes on ``today`` when accelerated: principal outstanding, the interest
    of the instalments due by ``today`` unpaid, the current period's interest accrued to
    ``today`` (``accrued_interest``) and ``penalty_due``. Interest of later periods is
    not earned and not counted."""
    due_interest = sum(i.interest - i.interest_paid for i in instalments
                       if day_number(i.due) <= today)
    return (outstanding_principal(instalments) + due_interest
            + accrued_interest(instalments, rate_bp, today, day_count) + penalty_due)


def days_past_due(instalments: list[Instalment], today: int) -> int:
    """Days since the earliest due date before ``today`` with something unpaid; 0 if none."""
    late = [day_number(i.due) for i in instalments
            if i.unpaid > 0 and day_number(i.due) < today]
    return today - min(late) if late else 0


def first_late(instalments: list[Instalment], today: int, grace_days: int) -> Instalment | None:
    """The earliest instalment unpaid more than ``grace_days`` after its due date."""
    for i in instalments:
        if i.unpaid > 0 and day_number(i.due) + grace_days < today:
            return i
    return None


def penalty_accrual(instalments: list[Instalment], penalty_rate_bp: int, through: int,
                    today: int, day_count: DayCount) -> int:
    """Penalty interest from ``through`` (the day last accrued; 0: never) to ``today`` on
    the unpaid part of each instalment past due, each from no earlier than its due date."""
    total = 0
    for i in instalments:
        start = max(day_number(i.due), through)
        if i.unpaid > 0 and start < today:
            total += accrued(i.unpaid, penalty_rate_bp, start, today, day_count)
    return total


def allocate(instalments: list[Instalment], penalty_due: int, amount: int, today: int
             ) -> tuple[list[Instalment], Allocation]:
    """Apply ``amount`` (at most the penalty due plus the arrears) in the order penalty,
    interest, principal, each over the due instalments oldest first; the schedule with
    the payments recorded, and the split."""
    rest = amount
    penalty = min(rest, penalty_due)
    rest -= penalty
    rows = list(instalments)
    due = [k for k, i in enumerate(rows) if day_number(i.due) <= today]
    interest = principal = 0
    for k in due:
        part = min(rest, rows[k].interest - rows[k].interest_paid)
        if part:
            rows[k] = msgspec.structs.replace(rows[k], interest_paid=rows[k].interest_paid + part)
            rest, interest = rest - part, interest + part
    for k in due:
        part = min(rest, rows[k].principal - rows[k].principal_paid)
        if part:
            rows[k] = msgspec.structs.replace(rows[k],
                                              principal_paid=rows[k].principal_paid + part)
            rest, principal = rest - part, principal + part
    if rest:
        raise ValueError(f"{amount} is more than is due")
    return rows, Allocation(penalty, interest, principal)
