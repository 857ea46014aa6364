"""HTTP routes of the loan module: loans with their schedules and standing, the bank's
application queue and portfolio, IP pledges and export records.

Every action (apply, decide, disburse, repay...) is a generated
``/v1/contracts/loan/*`` route; these are the reads.
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from smechain.api import schemas as s
from smechain.api.caller import Caller
from smechain.api.deps import Auth, Limit, Offset, new_router, page, with_actions
from smechain.api.errors import forbidden, not_found
from smechain.api.platform import Platform
from smechain.core.daycount import block_day
from smechain.core.encoding import decode, plain, shown
from smechain.modules.credit.contract import ATTESTATION_PREFIX, Attestation, Computation
from smechain.modules.loan import queries as q
from smechain.modules.loan.contract import (
    CONTRACT,
    EXPORT_PREFIX,
    LOAN_PREFIX,
    PLEDGE_PREFIX,
    ExportRecord,
    Loan,
    Pledge,
    Status,
)

ACTIONS_DOC = ("Transitions the caller's organisation may start on it now "
               "(core.transitions.offered).")


class Standing(BaseModel):
    """What a loan owes today (``queries.standing``)."""

    outstanding: int
    arrears: int
    penalty_due: int
    days_past_due: int
    bucket: str
    next_due: str


class Score(BaseModel):
    """The newest score the bank attested on the applicant under the loan's consent: its
    credit report id (``GET /v1/credit/reports/{report_id}`` gives band and reasons)."""

    attestation_id: str
    report_id: str
    at_ms: int


LoanOut = s.record_model(
    Loan, "LoanOut", "A loan (contract.Loan) with its schedule, its standing today and the "
    "actions the caller's organisation may start on it.",
    standing=(Standing, ...), actions=(list[str], Field(description=ACTIONS_DOC)))
LoanPage = s.page_model(LoanOut, "LoanPage")
QueueItem = s.record_model(
    Loan, "QueueItem", "An application awaiting the bank's decision, with the score it "
    "may decide on.", score=(Score | None, None),
    actions=(list[str], Field(description=ACTIONS_DOC)))
PledgeOut = s.record_model(Pledge, "PledgeOut", "An IP pledge (contract.Pledge).",
                           actions=(list[str], Field(description=ACTIONS_DOC)))
ExportOut = s.record_model(ExportRecord, "ExportOut", "A customs export attestation "
                           "(contract.ExportRecord) and what is lent against it.")


class Cell(BaseModel):
    """Loans in one status or bucket: how many, their principal lent (or asked, before
    disbursement) and the principal still owed."""

    count: int
    amount: int
    outstanding: int


class Losses(BaseModel):
    """Defaulted and written-off loans: exposure at default, recovered since, the net loss
    and the loss given default (basis points of the exposure), minor units."""

    count: int
    exposure: int
    recovered: int
    net_loss: int
    lgd_bp: int


class Portfolio(BaseModel):
    """A bank's loans in one currency by status and by days past due
    (``queries.portfolio``)."""

    bank: str
    currency: str
    currencies: list[str]
    by_status: dict[str, Cell]
    by_bucket: dict[str, Cell]
    time_to_cash_ms: int
    losses: Losses


class KindCell(BaseModel):
    count: int
    amount: int


class RegionCell(BaseModel):
    count: int
    amount: int
    by_kind: dict[str, int]


class WaitBin(BaseModel):
    label: str
    upto_ms: int
    count: int


class Waits(BaseModel):
    """Application to disbursement: counts per bin, median and 90th percentile."""

    bins: list[WaitBin]
    count: int
    median_ms: int
    p90_ms: int


class Lending(BaseModel):
    """Disbursed principal by product kind and by the borrower's province, applications
    awaiting a decision, and the time to disbursement (``queries.lending``)."""

    currency: str
    loans: int
    amount: int
    pending: KindCell
    by_kind: dict[str, KindCell]
    by_region: dict[str, RegionCell]
    waits: Waits


def router(platform: Platform) -> APIRouter:
    """``/v1/loans[/{loan_id}]``, ``/v1/loans/queue``, ``/v1/loans/portfolio``,
    ``/v1/loans/pledges``, ``/v1/loans/export-records`` and ``/v1/stats/lending``."""
    node = platform.node
    r = new_router()

    def today() -> int:
        return block_day(platform.now_ms())

    def loans() -> list[Loan]:
        return [decode(raw, Loan) for _, raw, _ in node.store.iter_state(LOAN_PREFIX)]

    def out(caller: Caller, loan: Loan) -> dict[str, Any]:
        doc = {**plain(loan), "standing": q.standing(loan, today())}
        return with_actions(caller, CONTRACT, loan, doc)

    def own_org(caller: Caller, org: str | None) -> str:
        org = org or caller.org_id
        if org != caller.org_id and not caller.reads_all:
            raise forbidden("org", f"loans of {shown(org)!r} are its own business")
        return org

    def score_of(loan: Loan) -> dict[str, Any] | None:
        found = [decode(raw, Attestation) for _, raw, _ in
                 node.store.iter_state(f"{ATTESTATION_PREFIX}{loan.consent_id}/")]
        scores = sorted((a for a in found if a.kind == Computation.SCORE
                         and a.sme == loan.sme and a.bank == loan.bank),
                        key=lambda a: (-a.height, a.id))
        if not scores:
            return None
        return {"attestation_id": scores[0].id,
                "report_id": scores[0].result_digest.hex()[:32], "at_ms": scores[0].at_ms}

    @r.get("/v1/loans", response_model=LoanPage, tags=["loans"])
    def list_loans(caller: Auth, role: str = Query("any", pattern="^(sme|bank|any)$"),
                   status: Status | None = Query(None),
                   org: str | None = Query(None, max_length=64),
                   offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        """Loans the caller's organisation borrows (``role=sme``) or lends (``bank``), each
        with its schedule and standing today; regulators may name another ``org``."""
        found = [out(caller, loan) for loan in q.loans_of(loans(), own_org(caller, org), role)
                 if status is None or loan.status == status]
        return page(found, offset, limit)

    @r.get("/v1/loans/queue", response_model=list[QueueItem],  # type: ignore[valid-type]
           tags=["loans"])
    def application_queue(caller: Auth) -> list[dict[str, Any]]:
        """The caller's bank's applications awaiting a decision, oldest first, each with
        the newest score it attested on the applicant under the loan's consent."""
        if "bank" not in caller.org.roles:
            raise forbidden("org", "only a bank has an application queue")
        return [with_actions(caller, CONTRACT, loan, {**plain(loan), "score": score_of(loan)})
                for loan in q.queue(loans(), caller.org_id)]

    @r.get("/v1/loans/portfolio", response_model=Portfolio, tags=["loans"])
    def portfolio(caller: Auth, org: str | None = Query(None, max_length=64),
                  currency: str = Query("CNY", pattern="^[A-Z]{3}$")) -> dict[str, Any]:
        """A bank's loans in a currency by status and by days past due, today.

        Each cell: count, ``amount`` (principal lent, or asked before disbursement) and
        ``outstanding`` (principal still owed). A bank sees its own; regulators name
        any bank with ``org``; others are refused (403)."""
        if not caller.reads_all and "bank" not in caller.org.roles:
            raise forbidden("org", "only a bank has a loan portfolio")
        bank = own_org(caller, org)
        found = platform.org(bank)
        if found is None or "bank" not in found.roles:
            raise not_found("org", f"no bank {shown(bank)!r}")
        return {"bank": bank, **q.portfolio(loans(), bank, today(), currency)}

    @r.get("/v1/loans/pledges", response_model=list[PledgeOut],  # type: ignore[valid-type]
           tags=["loans"])
    def pledges(caller: Auth) -> list[dict[str, Any]]:
        """IP pledges the caller's organisation registered (IP office), holds (bank) or
        gave (SME); regulators: all. Newest first."""
        found = [decode(raw, Pledge) for _, raw, _ in node.store.iter_state(PLEDGE_PREFIX)]
        return [with_actions(caller, CONTRACT, p, plain(p))
                for p in sorted(found, key=lambda p: (-p.registered_at_ms, p.id))
                if caller.may_see(q.pledge_parties(p))]

    @r.get("/v1/loans/export-records", response_model=list[ExportOut],  # type: ignore[valid-type]
           tags=["loans"])
    def export_records(caller: Auth) -> list[dict[str, Any]]:
        """Customs export attestations concerning the caller's organisation (the SME, the
        customs office, the consent's bank, a bank lending against one); newest first."""
        lenders: dict[str, set[str]] = {}
        for loan in loans():
            if loan.basis.export_record:
                lenders.setdefault(loan.basis.export_record, set()).add(loan.bank)
        found = [decode(raw, ExportRecord) for _, raw, _ in node.store.iter_state(EXPORT_PREFIX)]
        return [plain(e) for e in sorted(found, key=lambda e: (-e.attested_at_ms, e.id))
                if caller.may_see(q.export_parties(e) | lenders.get(e.id, set()))]

    @r.get("/v1/stats/lending", response_model=Lending, tags=["stats"])
    def lending(caller: Auth, currency: str = Query("CNY", pattern="^[A-Z]{3}$")
                ) -> dict[str, Any]:
        """Loans disbursed in ``currency`` by product kind and by the borrower's province
        (its registered USCC's division), applications pending, and the distribution of
        the time from application to disbursement: the regulators' of every loan, a
        bank's or an SME's of its own."""
        seen = [loan for loan in loans() if caller.may_see(q.parties(loan))]
        return q.lending(node, seen, currency)

    @r.get("/v1/loans/{loan_id}", response_model=LoanOut, tags=["loans"])
    def get_loan(loan_id: str, caller: Auth) -> dict[str, Any]:
        """One loan with its schedule: its SME's, its bank's and the regulators'."""
        loan = q.read_loan(node, loan_id[:64])
        if loan is None or not caller.may_see(q.parties(loan)):
            raise not_found("loan_id", f"no loan {shown(loan_id)!r}")
        return out(caller, loan)

    return r
