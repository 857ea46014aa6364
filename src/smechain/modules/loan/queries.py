"""Reads over loans, IP pledges and export records: who a record concerns, what a loan owes
today, the bank's queue and portfolio by status and days past due.

Pure: each function takes a state reader (``StateReader``) or records already read, and
plain values; none reads the clock (the caller passes ``today``, a day number).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from smechain.core.daycount import day_number
from smechain.core.encoding import decode, shown
from smechain.core.state import StateReader
from smechain.modules.loan import balance
from smechain.modules.loan.contract import (
    ExportRecord,
    Loan,
    Pledge,
    Status,
    export_key,
    loan_key,
    pledge_key,
)

NAMES = frozenset({"id", "pledge", "export_record"})
"""Argument and event fields ``tx_orgs`` reads (loan, pledge and export record ids)."""
BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")
"""Days-past-due buckets of the portfolio."""
LIVE = frozenset({Status.ACTIVE, Status.OVERDUE, Status.DEFAULTED})


def read_loan(state: StateReader, loan_id: str) -> Loan | None:
    """The loan ``loan_id``, or ``None``."""
    raw = state.get(loan_key(loan_id))
    return None if raw is None else decode(raw, Loan)


def read_pledge(state: StateReader, pledge_id: str) -> Pledge | None:
    """The pledge ``pledge_id``, or ``None``."""
    raw = state.get(pledge_key(pledge_id))
    return None if raw is None else decode(raw, Pledge)


def read_export(state: StateReader, record_id: str) -> ExportRecord | None:
    """The export record ``record_id``, or ``None``."""
    raw = state.get(export_key(record_id))
    return None if raw is None else decode(raw, ExportRecord)


def parties(loan: Loan) -> set[str]:
    """The organisations a loan concerns: its SME and its bank."""
    return {loan.sme, loan.bank}


def pledge_parties(pledge: Pledge) -> set[str]:
    """The organisations a pledge concerns: the right's owner, the bank, the IP office."""
    return {pledge.owner, pledge.bank, pledge.ip_office}


def export_parties(record: ExportRecord) -> set[str]:
    """The organisations an export record concerns: the SME, customs, the consent's bank."""
    return {record.sme, record.customs, record.bank}


def bucket(days_past_due: int) -> str:
    """The days-past-due bucket (``BUCKETS``)."""
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "1-30"
    if days_past_due <= 60:
        return "31-60"
    return "61-90" if days_past_due <= 90 else "90+"


def standing(loan: Loan, today: int) -> dict[str, Any]:
    """What a loan owes on day ``today``: ``outstanding`` principal, ``arrears`` (due and
    unpaid), ``penalty_due`` (accrued and unpaid; more accrues while it is overdue),
    ``days_past_due``, its ``bucket`` and the ``next_due`` date (``""``: none)."""
    dpd = balance.days_past_due(loan.schedule, today)
    upcoming = [i.due for i in loan.schedule if i.unpaid and day_number(i.due) > today]
    return {"outstanding": balance.outstanding_principal(loan.schedule),
            "arrears": balance.arrears(loan.schedule, today),
            "penalty_due": loan.penalty_accrued - loan.penalty_paid,
            "days_past_due": dpd, "bucket": bucket(dpd) if loan.status in LIVE else "",
            "next_due": upcoming[0] if upcoming else ""}


def loans_of(loans: Iterable[Loan], org: str, role: str = "any") -> list[Loan]:
    """The loans ``org`` borrows (``role="sme"``), lends (``"bank"``) or either, newest
    application first."""
    found = [loan for loan in loans
             if (role in ("sme", "any") and loan.sme == org)
             or (role in ("bank", "any") and loan.bank == org)]
    return sorted(found, key=lambda loan: (-loan.applied_at_ms, loan.id))


def queue(loans: Iterable[Loan], bank: str) -> list[Loan]:
    """The bank's applications awaiting a decision, oldest first."""
    return sorted((loan for loan in loans if loan.bank == bank and loan.status == Status.APPLIED),
                  key=lambda loan: (loan.applied_at_ms, loan.id))


def portfolio(loans: Iterable[Loan], bank: str, today: int) -> dict[str, Any]:
    """A bank's loans on day ``today``: ``by_status`` ``{status: {count, amount}}``
    (amount: principal outstanding once disbursed, else the amount asked) and
    ``by_bucket`` ``{bucket: {count, outstanding}}`` of the disbursed loans not yet
    closed; ``time_to_cash_ms``: the median time from application to disbursement."""
    by_status = {s.value: {"count": 0, "amount": 0} for s in Status}
    by_bucket = {b: {"count": 0, "outstanding": 0} for b in BUCKETS}
    waits = []
    for loan in loans:
        if loan.bank != bank:
            continue
        owed = balance.outstanding_principal(loan.schedule) if loan.schedule else loan.amount
        by_status[loan.status.value]["count"] += 1
        by_status[loan.status.value]["amount"] += owed
        if loan.disbursed_at_ms:
            waits.append(loan.time_to_cash_ms)
        if loan.status in LIVE:
            cell = by_bucket[bucket(balance.days_past_due(loan.schedule, today))]
            cell["count"] += 1
            cell["outstanding"] += owed
    waits.sort()
    return {"by_status": by_status, "by_bucket": by_bucket,
            "time_to_cash_ms": waits[len(waits) // 2] if waits else 0}


def unknown_to(state: StateReader, org: str, args: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(field, reason)`` to refuse, as for an unknown id, ``org``'s action on the loan or
    pledge ``args["id"]`` when it is no party to it; ``None`` when it may act. The IP
    office registering a pledge (``registration_number`` given) is left to the contract,
    which checks its role."""
    obj_id = args.get("id")
    if not isinstance(obj_id, str) or "registration_number" in args:
        return None
    loan = read_loan(state, obj_id)
    if loan is not None and org in parties(loan):
        return None
    pledge = read_pledge(state, obj_id) if loan is None else None
    if pledge is not None and org in pledge_parties(pledge):
        return None
    return "id", f"no loan {shown(obj_id)!r}"


def tx_orgs(state: StateReader, contract: str, action: str, named: Mapping[str, set[str]]
            ) -> set[str]:
    """The organisations a ``loan`` transaction concerns from state: the parties of each
    loan, pledge and export record it names."""
    if contract != "loan":
        return set()
    found: set[str] = set()
    for obj_id in named.get("id", set()) | named.get("pledge", set()):
        loan = read_loan(state, obj_id)
        if loan is not None:
            found |= parties(loan)
        pledge = read_pledge(state, obj_id)
        if pledge is not None:
            found |= pledge_parties(pledge)
    for record_id in named.get("export_record", ()):
        record = read_export(state, record_id)
        if record is not None:
            found |= export_parties(record)
    return found
