"""Reads over loans, IP pledges and export records: who a record concerns, what a loan owes
today, the bank's queue and portfolio by status and days past due, lending by product kind
and region and the time from application to disbursement.

Pure: each function takes a state reader (``StateReader``) or records already read, and
plain values; none reads the clock (the caller passes ``today``, a day number).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from smechain.core.daycount import day_number, div_half_even
from smechain.core.encoding import decode, shown
from smechain.core.state import StateReader
from smechain.modules.invoice.queries import registered_uscc
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
from smechain.modules.product.queries import read_product

NAMES = frozenset({"id", "pledge", "export_record"})
"""Argument and event fields ``tx_orgs`` reads (loan, pledge and export record ids)."""
BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")
"""Days-past-due buckets of the portfolio."""
LIVE = frozenset({Status.ACTIVE, Status.OVERDUE, Status.DEFAULTED})
UNLISTED = "unlisted"
"""The product kind of a loan whose cited product version is not on the ledger."""
UNREGISTERED = "unregistered"
"""The region of an SME with no USCC in the invoice module's identifier registry."""
HOUR_MS = 3_600_000
WAIT_BINS: tuple[tuple[str, int], ...] = (
    ("<1h", HOUR_MS), ("1-6h", 6 * HOUR_MS), ("6-24h", 24 * HOUR_MS),
    ("1-3d", 72 * HOUR_MS), ("3-7d", 168 * HOUR_MS), ("7-14d", 336 * HOUR_MS),
    ("14-30d", 720 * HOUR_MS), ("30d+", 0))
"""Bins of the time from application to disbursement: label and exclusive upper bound
in ms (0: none)."""


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
    unpaid), ``penalty_due`` (unpaid, with what an overdue loan has accrued to ``today``:
    what ``repay`` would charge), ``days_past_due``, its ``bucket`` and the ``next_due``
    date (``""``: none, and none once the loan is no longer active or overdue)."""
    dpd = balance.days_past_due(loan.schedule, today)
    upcoming = [i.due for i in loan.schedule if i.unpaid and day_number(i.due) > today
                and loan.status in (Status.ACTIVE, Status.OVERDUE)]
    penalty = loan.penalty_accrued - loan.penalty_paid
    if loan.status == Status.OVERDUE and loan.terms is not None \
            and loan.penalty_through < today:
        penalty += balance.penalty_accrual(loan.schedule, loan.terms.penalty_rate_bp,
                                           loan.penalty_through, today, loan.terms.day_count)
    return {"outstanding": balance.outstanding_principal(loan.schedule),
            "arrears": balance.arrears(loan.schedule, today),
            "penalty_due": penalty,
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


def portfolio(loans: Iterable[Loan], bank: str, today: int, currency: str = "CNY"
              ) -> dict[str, Any]:
    """A bank's loans in ``currency`` on day ``today``. Every cell is ``{count, amount,
    outstanding}``: ``amount`` is the principal lent (``terms.amount``) once disbursed,
    else the amount applied for; ``outstanding`` is the principal still owed (0 before
    disbursement and once repaid). ``by_status`` has every status; ``by_bucket`` the
    disbursed loans not yet closed (active, overdue, defaulted) by days past due;
    ``time_to_cash_ms`` is the median time from application to disbursement;
    ``currencies`` every currency the bank has loans in, sorted; ``losses`` the defaulted
    and written-off loans' ``count``, ``exposure`` at default, ``recovered``, ``net_loss``
    and ``lgd_bp``, the loss given default in basis points of the exposure (rounded half
    even; 0 with no exposure)."""
    by_status = {s.value: {"count": 0, "amount": 0, "outstanding": 0} for s in Status}
    by_bucket = {b: {"count": 0, "amount": 0, "outstanding": 0} for b in BUCKETS}
    currencies: set[str] = set()
    waits = []
    losses = {"count": 0, "exposure": 0, "recovered": 0}
    for loan in loans:
        if loan.bank != bank:
            continue
        currencies.add(loan.currency)
        if loan.currency != currency:
            continue
        lent = loan.terms.amount if loan.disbursed_at_ms and loan.terms else 0
        amount = lent if loan.disbursed_at_ms else loan.amount
        owed = balance.outstanding_principal(loan.schedule)
        cells = [by_status[loan.status.value]]
        if loan.disbursed_at_ms:
            waits.append(loan.time_to_cash_ms)
        if loan.status in (Status.DEFAULTED, Status.WRITTEN_OFF):
            losses["count"] += 1
            losses["exposure"] += loan.exposure
            losses["recovered"] += loan.recovered
        if loan.status in LIVE:
            cells.append(by_bucket[bucket(balance.days_past_due(loan.schedule, today))])
        for cell in cells:
            cell["count"] += 1
            cell["amount"] += amount
            cell["outstanding"] += owed
    waits.sort()
    net = losses["exposure"] - losses["recovered"]
    lgd = div_half_even(net * 10_000, losses["exposure"]) if losses["exposure"] else 0
    return {"currency": currency, "currencies": sorted(currencies), "by_status": by_status,
            "by_bucket": by_bucket,
            "time_to_cash_ms": waits[len(waits) // 2] if waits else 0,
            "losses": {**losses, "net_loss": net, "lgd_bp": lgd}}


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


def product_kind(state: StateReader, loan: Loan) -> str:
    """The kind (``product.contract.KINDS``) of the product version the loan cites, as the
    product module recorded it; ``UNLISTED`` when that version is not on the ledger."""
    product = read_product(state, loan.product_id, loan.product_version)
    return UNLISTED if product is None else product.terms.kind


def region(state: StateReader, org: str) -> str:
    """The province (GB/T 2260, two digits) of ``org``'s registered unified social credit
    code: characters 3-8 of a USCC are its administrative division, the first two of them
    its province. ``UNREGISTERED`` without a USCC in the invoice module's registry."""
    uscc = registered_uscc(state, org)
    if uscc is not None and len(uscc) == 18 and uscc[2:4].isdigit():
        return uscc[2:4]
    return UNREGISTERED


def wait_bin(wait_ms: int) -> str:
    """The ``WAIT_BINS`` label of a time from application to disbursement."""
    for label, upper in WAIT_BINS:
        if not upper or wait_ms < upper:
            return label
    return WAIT_BINS[-1][0]


def lending(state: StateReader, loans: Iterable[Loan], currency: str = "CNY"
            ) -> dict[str, Any]:
    """Lending in ``currency``: the disbursed loans' principal (``terms.amount``) and count,
    in all (``loans``, ``amount``), ``by_kind`` of product and ``by_region`` of the
    borrower (each region also ``by_kind``); the applications still awaiting a decision
    (``pending``); and the distribution of the time from application to disbursement
    (``waits``: ``WAIT_BINS`` with their counts, ``median_ms``, ``p90_ms``, the nearest
    rank). Kinds and regions are sorted by amount lent, largest first."""
    kinds: dict[tuple[str, int], str] = {}
    regions: dict[str, str] = {}
    by_kind: dict[str, dict[str, int]] = {}
    by_region: dict[str, dict[str, Any]] = {}
    pending = {"count": 0, "amount": 0}
    waits: list[int] = []
    total = {"count": 0, "amount": 0}
    for loan in loans:
        if loan.currency != currency:
            continue
        if loan.status == Status.APPLIED:
            pending["count"] += 1
            pending["amount"] += loan.amount
        if not loan.disbursed_at_ms or loan.terms is None:
            continue
        ref = (loan.product_id, loan.product_version)
        if ref not in kinds:
            kinds[ref] = product_kind(state, loan)
        if loan.sme not in regions:
            regions[loan.sme] = region(state, loan.sme)
        kind, where = kinds[ref], regions[loan.sme]
        amount = loan.terms.amount
        total["count"] += 1
        total["amount"] += amount
        cell = by_kind.setdefault(kind, {"count": 0, "amount": 0})
        cell["count"] += 1
        cell["amount"] += amount
        place = by_region.setdefault(where, {"count": 0, "amount": 0, "by_kind": {}})
        place["count"] += 1
        place["amount"] += amount
        place["by_kind"][kind] = place["by_kind"].get(kind, 0) + amount
        waits.append(loan.time_to_cash_ms)
    counts = dict.fromkeys((label for label, _ in WAIT_BINS), 0)
    for wait in waits:
        counts[wait_bin(wait)] += 1
    waits.sort()

    def rank(share: int) -> int:
        return waits[max(0, -(-len(waits) * share // 100) - 1)] if waits else 0

    def largest(cells: dict[str, Any]) -> dict[str, Any]:
        return dict(sorted(cells.items(), key=lambda kv: (-kv[1]["amount"], kv[0])))

    return {"currency": currency, "loans": total["count"], "amount": total["amount"],
            "pending": pending, "by_kind": largest(by_kind), "by_region": largest(by_region),
            "waits": {"bins": [{"label": label, "upto_ms": upper, "count": counts[label]}
                               for label, upper in WAIT_BINS],
                      "count": len(waits), "median_ms": rank(50), "p90_ms": rank(90)}}
