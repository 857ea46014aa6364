"""``client.loan``: loans, IP pledges and export records through the SDK."""
# The bodies of ``@action`` methods are their signatures (see smechain.client.actions).
# mypy: disable-error-code="empty-body"

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from smechain.client.actions import Binary, LedgerForms, ModuleSdk, action, binary
from smechain.client.http import segment
from smechain.client.models import Page, TxResult, from_json, page_of

__all__ = ["ExportRecord", "Instalment", "Loan", "LoanSdk", "Pledge", "Portfolio"]


@dataclass(frozen=True, slots=True)
class Instalment:
    """One period of a loan's schedule and what has been paid of it (minor units)."""

    number: int
    start: str
    due: str
    opening: int
    principal: int
    interest: int
    principal_paid: int = 0
    interest_paid: int = 0


@dataclass(frozen=True, slots=True)
class Loan:
    """A loan from application to close, with its schedule and its standing today."""

    id: str
    sme: str
    bank: str
    currency: str
    amount: int
    term_months: int
    product_id: str
    product_version: int
    basis: Mapping[str, Any]
    """``kind`` and the right, export record or certificate it names."""
    consent_id: str
    status: str
    applied_at_ms: int
    decided_at_ms: int = 0
    band: str = ""
    reason_codes: tuple[str, ...] = ()
    score_attestation: str = ""
    score_digest: str = ""
    terms: Mapping[str, Any] | None = None
    pledge: str = ""
    disbursed_at_ms: int = 0
    time_to_cash_ms: int = 0
    schedule: tuple[Instalment, ...] = ()
    penalty_accrued: int = 0
    penalty_paid: int = 0
    prepaid_principal: int = 0
    written_off: int = 0
    exposure: int = 0
    """Exposure at default (minor units)."""
    recovered: int = 0
    """Recovered since default (minor units)."""
    standing: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """``outstanding``, ``arrears``, ``penalty_due``, ``days_past_due``, ``bucket``,
    ``next_due`` today."""
    score: Mapping[str, Any] | None = None
    """In the queue: the newest attested score (``report_id``)."""
    actions: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Loan:
        base = from_json(cls, {**doc, "schedule": ()})
        return dataclasses.replace(base, basis=dict(doc["basis"]),
                                   schedule=tuple(from_json(Instalment, i)
                                                  for i in doc.get("schedule") or ()))


@dataclass(frozen=True, slots=True)
class Pledge:
    """A patent or trademark pledged to a bank for a loan."""

    id: str
    right_kind: str
    registration_number: str
    owner: str
    bank: str
    loan: str
    ip_office: str
    value: int
    currency: str
    status: str
    registered_at_ms: int
    closed_at_ms: int = 0
    actions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ExportRecord:
    """Customs' attestation of an SME's twelve months of exports, and what is lent on it."""

    id: str
    sme: str
    customs: str
    consent_id: str
    bank: str
    currency: str
    value: int
    period_start: str
    period_end: str
    digest: str
    attested_at_ms: int
    lent: int = 0


@dataclass(frozen=True, slots=True)
class Portfolio:
    """A bank's loans in one currency by status and days past due: each cell ``count``,
    ``amount`` (principal lent, or asked before disbursement), ``outstanding`` (principal
    still owed)."""

    bank: str
    currency: str
    currencies: tuple[str, ...]
    by_status: Mapping[str, Any]
    by_bucket: Mapping[str, Any]
    time_to_cash_ms: int
    losses: Mapping[str, int] = dataclasses.field(default_factory=dict)
    """Defaulted and written-off loans: ``count``, ``exposure`` at default, ``recovered``,
    ``net_loss`` and ``lgd_bp`` (loss given default, basis points of the exposure)."""


class LoanSdk(ModuleSdk):
    """Loans: ``apply``, ``decide``, ``withdraw``, ``pledge_ip``, ``disburse``, ``repay``,
    ``repay_early``, ``mark_overdue``, ``default``, ``write_off``, ``recover``,
    ``release_pledge``,
    ``attest_export``; ``loans``, ``loan``, ``queue``, ``portfolio``, ``pledges``,
    ``export_records``."""

    wire_names: ClassVar[Mapping[str, str]] = {"loan_id": "id", "pledge_id": "id"}
    ledger_forms: ClassVar[LedgerForms] = {"attest_export": {"digest": binary}}

    @action
    def apply(self, bank: str, consent_id: str, currency: str, amount: int, term_months: int,
              product_id: str, product_version: int,
              basis: Mapping[str, Any] | None = None, *, wait: bool = True) -> TxResult:
        """``loan.apply``: the SME applies under its consent; ``basis``: ``{"kind":
        "ip_pledge", "right_kind", "registration_number"}``, ``{"kind": "export_record",
        "export_record"}``, ``{"kind": "receivable", "certificate"}`` or unsecured. The
        loan's id is ``result.event("LoanApplied").attrs["id"]``."""

    @action
    def decide(self, loan_id: str, approve: bool, band: str, reason_codes: Sequence[str],
               attestation_id: str, score_consent_id: str = "",
               terms: Mapping[str, Any] | None = None, *, wait: bool = True) -> TxResult:
        """``loan.decide``: approve with ``terms`` (amount, rate_bp, term_months, style,
        day_count, penalty_rate_bp, grace_days, prepayment_fee_bp, export_share_bp) or
        decline listing the reason codes."""

    @action
    def withdraw(self, loan_id: str, *, wait: bool = True) -> TxResult:
        """``loan.withdraw``: the SME withdraws its application before disbursement."""

    @action
    def pledge_ip(self, loan_id: str, right_kind: str, registration_number: str, value: int,
                  *, wait: bool = True) -> TxResult:
        """``loan.pledge_ip``: the IP office registers the loan's right pledged to its bank."""

    @action
    def disburse(self, loan_id: str, *, wait: bool = True) -> TxResult:
        """``loan.disburse``: the bank pays the loan in cash; the schedule is fixed."""

    @action
    def repay(self, loan_id: str, amount: int, *, wait: bool = True) -> TxResult:
        """``loan.repay``: up to what is due; penalty, then interest, then principal."""

    @action
    def repay_early(self, loan_id: str, principal: int = 0, *, wait: bool = True
                    ) -> TxResult:
        """``loan.repay_early``: prepay ``principal`` (0: all) with its interest to date and
        the prepayment fee."""

    @action
    def mark_overdue(self, loan_id: str, *, wait: bool = True) -> TxResult:
        """``loan.mark_overdue``: after the grace days; penalty interest runs."""

    @action
    def default(self, loan_id: str, *, wait: bool = True) -> TxResult:
        """``loan.default``: from 90 days past due; the pledge is enforced."""

    @action
    def write_off(self, loan_id: str, *, wait: bool = True) -> TxResult:
        """``loan.write_off``: the bank writes off a defaulted loan."""

    @action
    def recover(self, loan_id: str, amount: int, source: str, reference: str = "", *,
                wait: bool = True) -> TxResult:
        """``loan.recover``: the bank records ``amount`` recovered of a defaulted or
        written-off loan; ``source``: ``collateral``, ``guarantee``, ``collection`` or
        ``borrower``."""

    @action
    def release_pledge(self, pledge_id: str, *, wait: bool = True) -> TxResult:
        """``loan.release_pledge``: the pledgee bank releases its pledge."""

    @action
    def attest_export(self, sme: str, consent_id: str, currency: str, value: int,
                      period_end: str, digest: Binary, *, wait: bool = True) -> TxResult:
        """``loan.attest_export``: customs records an SME's twelve months of exports."""

    def loans(self, role: str = "any", status: str | None = None, org: str | None = None,
              offset: int = 0, limit: int = 50) -> Page[Loan]:
        """``GET /v1/loans``: borrowed (``role="sme"``), lent (``"bank"``) or both."""
        return page_of(self._get("/v1/loans", role=role, status=status, org=org,
                                 offset=offset, limit=limit), Loan)

    def loan(self, loan_id: str) -> Loan:
        """``GET /v1/loans/{id}``."""
        return Loan.from_json(self._get(f"/v1/loans/{segment(loan_id)}"))

    def queue(self) -> list[Loan]:
        """``GET /v1/loans/queue``: the bank's applications awaiting a decision."""
        return [Loan.from_json(d) for d in self._get("/v1/loans/queue")]

    def portfolio(self, org: str | None = None, currency: str = "CNY") -> Portfolio:
        """``GET /v1/loans/portfolio``: by status and days past due, in ``currency``."""
        return from_json(Portfolio, self._get("/v1/loans/portfolio", org=org,
                                              currency=currency))

    def pledges(self) -> list[Pledge]:
        """``GET /v1/loans/pledges``."""
        return [from_json(Pledge, d) for d in self._get("/v1/loans/pledges")]

    def export_records(self) -> list[ExportRecord]:
        """``GET /v1/loans/export-records``."""
        return [from_json(ExportRecord, d) for d in self._get("/v1/loans/export-records")]


SDK = LoanSdk
