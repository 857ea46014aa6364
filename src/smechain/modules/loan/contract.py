"""Loans to SMEs: application under consent, decision with reasons, disbursement in cash,
repayment on a fixed schedule, overdue, default and write-off; and the loan bases banks
could not use before: a pledged patent or trademark, customs-attested export value, and a
confirmed debt certificate (DESIGN §1 "Credit from government data", §5a "Loans").

Transitions, as declared in ``CONTRACT`` (``by``: the party of the loan or pledge who may
call it)::

    | action | from | to | by | co-signers | roles |
    |---|---|---|---|---|---|
    | apply | (none) | applied | (by role) | (none) | sme |
    | decide | applied | (same) | bank | (none) | any |
    | withdraw | applied or approved | withdrawn | sme | (none) | any |
    | pledge_ip | applied or approved | (same) | (by role) | (none) | ip_office |
    | disburse | approved | active | bank | (none) | any |
    | repay | active or overdue | (same) | sme | (none) | any |
    | repay_early | active | (same) | sme | (none) | any |
    | mark_overdue | active | overdue | bank | (none) | any |
    | default | overdue | defaulted | bank | (none) | any |
    | write_off | defaulted | written_off | bank | (none) | any |
    | recover | defaulted or written_off | (same) | bank | (none) | any |
    | release_pledge | registered | released | bank | (none) | any |
    | attest_export | (none) | (none) | (by role) | (none) | customs |

Besides the declaration:

- ``apply`` cites a live consent the applicant granted to the bank for
  ``credit_assessment`` or ``loan_review`` (``consent.queries.check_consent`` with
  ``sme=``), covering ``ip`` for an IP pledge and ``customs`` for an export record. An
  SME with a defaulted or written-off loan on the ledger is not eligible.
- ``apply`` is checked against the product it cites (the product module's records): the
  product must be the bank's and live, and ``product_version`` its live version (404 /
  409 on ``product_id`` or ``product_version``); the currency must be the product's, the
  amount and the term within its ranges (422 on ``currency``, ``amount``,
  ``term_months``); the basis must fit the product's kind (422 on ``basis.kind``,
  ``PRODUCT_BASES``): ``ip_pledge`` takes an IP pledge, ``export_record`` an export
  record, ``receivable_financing`` a debt certificate, and ``working_capital`` and
  ``guarantee_backed`` are unsecured on the ledger (a guarantee is the guarantor's
  contract with the bank, not a basis this module holds; a loan on a pledge, a record
  or a certificate is made under the product that prices that security).
- ``decide`` moves the loan to ``approved`` (with terms) or ``declined`` (an adverse-action
  notice: at least one reason code); the consent the application cites must still be
  live. Either way it records the score band and reason codes the bank got from the
  private score, and the score's attestation (``credit.attest`` of kind ``score`` on this
  SME for this bank) with its result digest; a decline may cite no score (``band`` and
  ``attestation_id`` empty) when the bank could not score the SME (its consent does not
  cover the model's categories, say). A decline releases a registered IP pledge; an
  approval of an IP-pledge loan stays within the pledged value (``terms.amount``), and
  only an export-record loan states ``export_share_bp``.
- ``withdraw``: the SME withdraws an application, approved or not, before disbursement;
  a registered pledge is released.
  The band must be one of the scorecards' ``A``–``E`` (``product.contract.BANDS``); the
  ledger holds only the digest of the score's report, not its band, so the band cannot
  be checked against the report here: the attestation is checked to be a score of this
  SME for this bank, and the band to be a scorecard band. An approval's terms are
  checked against the cited product version: the rate within its rate range
  (``terms.rate_bp``), the term within its term range (``terms.term_months``), the
  amount at least its minimum (``terms.amount``) and the style its repayment
  (``terms.style``; styles are the product module's ``REPAYMENTS``).
- ``disburse``: the bank pays the approved amount in the cash token in the same
  transaction; the schedule is fixed from the block's day. An IP-pledge loan needs its
  pledge registered and the amount within the pledge's value; a receivable loan takes
  the debt certificate from the SME to the bank as security until repaid in full.
- **The export-record limit.** Each bank sets in its approval ``export_share_bp`` (1 to
  10,000), the share of the record's value it lends against, counting what every bank
  has lent: the principal lent against the record and not yet repaid, across all banks
  (``ExportRecord.lent``), with this loan, at most ``value × export_share_bp // 10,000``
  (rounded down), checked at ``decide`` and again at ``disburse``. So a bank's own
  running total stays within its share, another bank's loans count against it too, and
  the total never passes the value (``apply`` already refuses an amount that would). A
  record is unique per SME and period: ``attest_export`` refuses (409) a record whose
  twelve months overlap those of a record of the same SME in the same currency
  (``period_end``; records never lapse, so every earlier record counts) and a digest
  already attested (``digest``), so re-attesting cannot make a fresh record with nothing
  lent against it.
- ``repay`` pays any amount up to what is due (``balance``): penalty interest, then
  interest, then principal; the principal repaid of an export-record loan (here or by
  ``repay_early``) is no longer lent against the record. Paying the last of it closes the
  loan (``repaid``): the pledge is released, the certificate goes back to the SME.
  Clearing the arrears of an overdue loan makes it ``active`` again.
- ``repay_early`` (prepayment) works only when nothing is due: the SME pays the principal
  prepaid (all by default), the interest on it from the current period's start to today
  and a fee of ``prepayment_fee_bp`` of it; the remaining instalments are rebuilt on the
  lower principal (same dates, same style: lower instalments, same term).
- ``mark_overdue`` from ``grace_days`` after an unpaid due date; penalty interest then
  runs from that due date. ``default`` from ``DEFAULT_DAYS`` past due; it enforces the
  pledge; what is owed then is fixed as the loan's ``exposure`` (exposure at default:
  principal outstanding, interest due and unpaid, the current period's interest accrued
  to that day, penalty unpaid); penalty stops accruing and the SME no longer repays on
  the schedule. ``write_off`` records what is lost: the exposure less what was recovered.
- ``recover``: the bank records what it recovers of a defaulted or written-off loan from
  outside the schedule (``RecoverySource``): the proceeds of its enforced pledge or the
  collected debt certificate (``collateral``, only on a loan with one), a guarantor's
  payment, collection, or the borrower's own late payment. Amounts are minor units; all
  recoveries together never pass the exposure (409 on ``amount``). Recovered after a
  write-off, they reduce the loss without reopening the loan; the portfolio shows the
  exposure at default, what was recovered and the loss given default.
- ``pledge_ip``: the IP office registers a pledge of the loan's patent or trademark to its
  bank; a right backs one live pledge at a time, across banks; a loan whose pledge was
  released may be pledged again. An enforced pledge frees the right (the bank has taken
  it; its next owner may pledge it).
- A loan on a debt certificate puts a lien on it (``receivable.contract.lien_key``) from
  disbursement: the bank holds it and may not split, transfer, sell or guarantee it until
  the loan is repaid (the certificate goes back to the SME) or defaults (the lien is
  lifted: the bank collects or sells it, a ``collateral`` recovery). ``release_pledge``: the
  pledgee bank gives up its security.
- ``attest_export``: customs records an SME's export value of the twelve months to
  ``period_end`` and the digest of the declarations, under a live consent of that SME
  covering ``customs`` (unique per SME, currency and period, and per digest: above).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

import msgspec

from smechain.core.contract import Action, Context, Contract, Party, Subject, Transition
from smechain.core.daycount import (
    DayCount,
    accrued,
    block_day,
    date_of,
    day_number,
    div_half_even,
)
from smechain.core.encoding import decode, shown
from smechain.core.errors import BadArguments, Conflict, NotFound, Unauthorised
from smechain.core.state import TxState
from smechain.modules.cash import contract as cash
from smechain.modules.consent.queries import check_consent, read_consent
from smechain.modules.credit.contract import Attestation, Computation, attestation_key
from smechain.modules.loan import balance
from smechain.modules.loan.schedule import (
    MAX_RATE_BP,
    MAX_TERM_MONTHS,
    Instalment,
    Style,
    add_months,
    build,
    schedule,
)
from smechain.modules.membership.contract import read_org
from smechain.modules.product.contract import BANDS, KINDS, Product, product_key, version_key
from smechain.modules.product.contract import Status as ProductStatus
from smechain.modules.receivable.contract import Certificate, cert_key, lien_key
from smechain.modules.receivable.contract import Status as CertStatus

LOAN_PREFIX = "loan/loan/"
PLEDGE_PREFIX = "loan/pledge/"
RIGHT_PREFIX = "loan/right/"
EXPORT_PREFIX = "loan/export/"
EXPORT_PERIODS_PREFIX = "loan/export-periods/"
EXPORT_DIGEST_PREFIX = "loan/export-digest/"
DEFAULTED_PREFIX = "loan/defaulted/"

PURPOSES = ("credit_assessment", "loan_review")
"""What the consent an application cites may be for."""
DEFAULT_DAYS = 90
"""Days past due from which a loan may be declared in default (Basel's 90 days)."""
MAX_GRACE_DAYS = 90
MAX_REASONS = 20
EXPORT_MAX_AGE_DAYS = 92
"""An export attestation covers twelve months ending at most this many days ago."""
DIGEST_SIZE = 32
PRODUCT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
REASON = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,31}$")
REGISTRATION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{2,31}$")
"""A patent or trademark registration number (``ZL202310123456.7``, ``12345678``)."""


class Status(StrEnum):
    """Lifecycle of a loan."""

    APPLIED = "applied"
    APPROVED = "approved"
    DECLINED = "declined"
    ACTIVE = "active"
    """Disbursed and current."""
    OVERDUE = "overdue"
    WITHDRAWN = "withdrawn"
    """By the SME before disbursement."""
    REPAID = "repaid"
    DEFAULTED = "defaulted"
    WRITTEN_OFF = "written_off"


class PledgeStatus(StrEnum):
    """Lifecycle of an IP pledge."""

    REGISTERED = "registered"
    RELEASED = "released"
    ENFORCED = "enforced"


class BasisKind(StrEnum):
    """What a loan rests on besides the SME's score."""

    UNSECURED = "unsecured"
    IP_PLEDGE = "ip_pledge"
    EXPORT_RECORD = "export_record"
    RECEIVABLE = "receivable"


class RightKind(StrEnum):
    """An intellectual-property right the IP office registers."""

    PATENT = "patent"
    TRADEMARK = "trademark"


class RecoverySource(StrEnum):
    """Where a recovery on a defaulted loan came from."""

    COLLATERAL = "collateral"
    """Sale of the enforced IP pledge, or the debt certificate collected from its debtor."""
    GUARANTEE = "guarantee"
    COLLECTION = "collection"
    """A collection agency, a court enforcement or a settlement."""
    BORROWER = "borrower"
    """The SME's own payment after default."""


class Basis(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The loan base: ``kind`` and the one field that kind names."""

    kind: BasisKind = BasisKind.UNSECURED
    right_kind: str = ""
    """``patent`` or ``trademark`` (``ip_pledge``)."""
    registration_number: str = ""
    """The right's registration number (``ip_pledge``)."""
    export_record: str = ""
    """The id of a customs export attestation (``export_record``)."""
    certificate: str = ""
    """The id of a confirmed debt certificate the SME holds (``receivable``)."""


PRODUCT_BASES = {
    "working_capital": BasisKind.UNSECURED,
    "guarantee_backed": BasisKind.UNSECURED,
    "ip_pledge": BasisKind.IP_PLEDGE,
    "export_record": BasisKind.EXPORT_RECORD,
    "receivable_financing": BasisKind.RECEIVABLE,
}
"""The basis a loan of each product kind (``product.contract.KINDS``) rests on."""
if set(PRODUCT_BASES) != set(KINDS):  # a new product kind needs its basis decided here
    raise ImportError(f"loan bases {sorted(PRODUCT_BASES)} differ from product kinds {KINDS}")

MAX_LOAN = 10**15
"""The largest principal a loan may have (minor units: ten trillion yuan): far above any SME
loan, and low enough that every sum of principal, interest and penalty interest the module
keeps stays within the ledger's 64-bit integers."""
Amount = Annotated[int, msgspec.Meta(gt=0, le=MAX_LOAN, description=(
    "Minor units (fen, cent), 1 to 10^15."))]
Rate = Annotated[int, msgspec.Meta(ge=0, le=MAX_RATE_BP)]
Months = Annotated[int, msgspec.Meta(ge=1, le=MAX_TERM_MONTHS)]
ProductVersion = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]


class Terms(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What the bank approves."""

    amount: Amount
    """Minor units to disburse: at most the amount applied for."""
    rate_bp: Rate
    """Annual interest rate in basis points."""
    term_months: Months
    style: Style
    day_count: DayCount
    penalty_rate_bp: Rate
    """Annual rate of penalty interest on amounts past due."""
    grace_days: Annotated[int, msgspec.Meta(ge=0, le=MAX_GRACE_DAYS)] = 3
    prepayment_fee_bp: Annotated[int, msgspec.Meta(ge=0, le=1_000)] = 0
    """Fee on principal prepaid, in basis points of it."""
    export_share_bp: Annotated[int, msgspec.Meta(ge=0, le=10_000)] = 0
    """Export-record loans (required, 1 to 10,000): the share of the attested export value
    that all loans against the record, across banks and with this one, may reach."""


class Loan(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """A loan from application to close."""

    id: str
    sme: str
    bank: str
    currency: str
    amount: int
    """Minor units applied for."""
    term_months: int
    """Months applied for."""
    product_id: str
    product_version: int
    basis: Basis
    consent_id: str
    status: Status
    applied_at_ms: int
    decided_at_ms: int = 0
    band: str = ""
    """The score band the bank got from the private score."""
    reason_codes: list[str] = msgspec.field(default_factory=list)
    """The score's reason codes; on a decline, the adverse-action notice's."""
    score_attestation: str = ""
    """``<consent id>/<attestation id>`` of the ``credit.attest`` score it decided on."""
    score_digest: bytes = b""
    """The attested result digest; its first 32 hex digits are the credit report's id."""
    terms: Terms | None = None
    pledge: str = ""
    """The IP pledge securing it, once registered."""
    disbursed_at_ms: int = 0
    time_to_cash_ms: int = 0
    """From application to disbursement."""
    schedule: list[Instalment] = msgspec.field(default_factory=list)
    penalty_accrued: int = 0
    penalty_paid: int = 0
    penalty_through: int = 0
    """The day number penalty interest was last accrued to (0: never)."""
    prepaid_principal: int = 0
    prepayment_interest: int = 0
    prepayment_fees: int = 0
    closed_at_ms: int = 0
    """When it was repaid in full or written off."""
    written_off: int = 0
    """What was lost at write-off: the exposure less what was recovered by then."""
    exposure: int = 0
    """Exposure at default (minor units): principal outstanding, interest due and unpaid,
    the current period's interest accrued to the day of default, penalty unpaid."""
    recovered: int = 0
    """Minor units recovered since default (``recover``), all sources."""


class Pledge(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """A patent or trademark pledged to a bank for a loan, as the IP office registered it."""

    id: str
    right_kind: str
    registration_number: str
    owner: str
    bank: str
    loan: str
    ip_office: str
    value: int
    """The appraised value (minor units) the loan may reach."""
    currency: str
    status: PledgeStatus
    registered_at_ms: int
    closed_at_ms: int = 0


class ExportRecord(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """Customs' attestation of an SME's export value over twelve months, and what is lent
    against it across banks."""

    id: str
    sme: str
    customs: str
    consent_id: str
    bank: str
    """The bank of the consent it was attested under."""
    currency: str
    value: int
    period_start: str
    period_end: str
    digest: bytes
    """SHA-256 of the declarations summed (customs keeps them)."""
    attested_at_ms: int
    lent: int = 0
    """Principal of the loans disbursed against it and not yet repaid, all banks: never
    above ``value``."""


class ExportPeriod(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """One export record's twelve months, in the list kept per SME and currency."""

    id: str
    period_start: str
    period_end: str


def loan_key(loan_id: str) -> str:
    """State key of a loan."""
    return LOAN_PREFIX + loan_id


def pledge_key(pledge_id: str) -> str:
    """State key of an IP pledge."""
    return PLEDGE_PREFIX + pledge_id


def right_key(right_kind: str, number: str) -> str:
    """State key holding the live pledge of a right, if any."""
    return f"{RIGHT_PREFIX}{right_kind}/{number}"


def export_key(record_id: str) -> str:
    """State key of an export attestation."""
    return EXPORT_PREFIX + record_id


def export_periods_key(sme: str, currency: str) -> str:
    """State key of the periods (``ExportPeriod``) of an SME's export records in a currency."""
    return f"{EXPORT_PERIODS_PREFIX}{sme}/{currency}"


def export_digest_key(digest: bytes) -> str:
    """State key holding the export record that attested a declarations digest."""
    return EXPORT_DIGEST_PREFIX + digest.hex()


def defaulted_key(sme: str) -> str:
    """State key counting an SME's loans declared in default."""
    return DEFAULTED_PREFIX + sme


SME: Party[Loan] = Party("sme", lambda loan: loan.sme)
BANK: Party[Loan] = Party("bank", lambda loan: loan.bank)
LOANS = Subject("loan", Loan, loan_key, "id", missing="no loan {id!r}",
                wrong_status="loan {id!r} is {status}; {action} needs {expected}",
                parties=(SME, BANK))
PLEDGEE: Party[Pledge] = Party("bank", lambda p: p.bank)
PLEDGES = Subject("pledge", Pledge, pledge_key, "id", missing="no pledge {id!r}",
                  wrong_status="pledge {id!r} is {status}; {action} needs {expected}",
                  parties=(PLEDGEE, Party("owner", lambda p: p.owner),
                           Party("ip office", lambda p: p.ip_office)))


class Apply(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    bank: str
    consent_id: str
    """A consent the applicant granted to ``bank`` for ``credit_assessment`` or
    ``loan_review``."""
    currency: str
    amount: Amount
    term_months: Months
    product_id: str
    """A live product of ``bank`` (``product.publish``)."""
    product_version: ProductVersion
    """Its live version."""
    basis: Basis | None = None
    """The loan base; ``None``: unsecured."""


class Decide(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    approve: bool
    band: str
    reason_codes: list[str]
    attestation_id: str
    """The ``credit.attest`` of kind ``score`` the decision rests on."""
    score_consent_id: str = ""
    """The consent that score was computed under (``""``: the loan's)."""
    terms: Terms | None = None
    """Required to approve; none on a decline."""


class LoanRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str


class Repay(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    amount: Amount


class RepayEarly(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    principal: Annotated[int, msgspec.Meta(ge=0, le=cash.MAX_AMOUNT)] = 0
    """Principal to prepay; 0: all that is outstanding."""


class Recover(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    amount: Amount
    """Minor units recovered."""
    source: RecoverySource
    reference: Annotated[str, msgspec.Meta(max_length=64)] = ""
    """The bank's reference for it: auction lot, guarantee claim, court case."""


class PledgeIp(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    """The loan the right secures."""
    right_kind: str
    registration_number: str
    value: Amount
    """The appraised value the loan may reach."""


class AttestExport(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    sme: str
    consent_id: str
    currency: str
    value: Amount
    period_end: str
    """Last day of the twelve months summed."""
    digest: bytes


def _today(ctx: Context) -> int:
    return block_day(ctx.timestamp_ms)


def _put(state: TxState, loan: Loan) -> None:
    state.put(loan_key(loan.id), loan)


def _text(value: str, pattern: re.Pattern[str], field: str) -> None:
    if not pattern.match(value):
        raise BadArguments(field, f"{shown(value)!r} must match {pattern.pattern}")


def _check_consent(state: TxState, ctx: Context, consent_id: str, bank: str, sme: str,
                   category: str, field: str = "consent_id") -> None:
    """A live consent of ``sme`` to ``bank`` for one of ``PURPOSES``, covering
    ``category`` (``""``: any)."""
    consent = read_consent(state, consent_id)
    purpose = consent.purpose if consent and consent.purpose in PURPOSES else PURPOSES[0]
    if not category:
        category = consent.categories[0] if consent and consent.categories else ""
    check_consent(state, consent_id, bank, category, purpose, ctx.timestamp_ms, sme=sme,
                  fields={"consent_id": field, "sme": field, "category": field,
                          "purpose": field})


_CATEGORY = {BasisKind.IP_PLEDGE: "ip", BasisKind.EXPORT_RECORD: "customs"}
"""The data category a loan's consent must cover for its basis."""


def _read_export(state: TxState, record_id: str, field: str) -> ExportRecord:
    record = state.get_as(export_key(record_id), ExportRecord)
    if record is None:
        raise NotFound(field, f"no export record {shown(record_id)!r}")
    return record


def _check_basis(state: TxState, sme: str, currency: str, amount: int, basis: Basis) -> None:
    if basis.kind is BasisKind.IP_PLEDGE:
        if basis.right_kind not in tuple(RightKind):
            raise BadArguments("basis.right_kind", f"{shown(basis.right_kind)!r} is not "
                               "patent or trademark")
        _text(basis.registration_number, REGISTRATION, "basis.registration_number")
        if state.get(right_key(basis.right_kind, basis.registration_number)) is not None:
            raise Conflict("basis.registration_number", f"{basis.right_kind} "
                           f"{basis.registration_number} is already pledged")
    elif basis.kind is BasisKind.EXPORT_RECORD:
        record = _read_export(state, basis.export_record, "basis.export_record")
        if record.sme != sme:
            raise NotFound("basis.export_record", f"no export record "
                           f"{shown(basis.export_record)!r}")
        if record.currency != currency:
            raise BadArguments("currency", f"export record {record.id!r} is in "
                               f"{record.currency}, not {shown(currency)}")
        if record.lent + amount > record.value:
            raise Conflict("amount", f"{amount} with {record.lent} already lent passes the "
                           f"export value {record.value} of record {record.id!r}")
    elif basis.kind is BasisKind.RECEIVABLE:
        cert = state.get_as(cert_key(basis.certificate), Certificate)
        if cert is None or cert.holder != sme:
            raise NotFound("basis.certificate", f"{sme!r} holds no certificate "
                           f"{shown(basis.certificate)!r}")
        if cert.status != CertStatus.CONFIRMED:
            raise Conflict("basis.certificate", f"certificate {cert.id!r} is {cert.status}; "
                           "a loan needs a confirmed one")
        if cert.currency != currency:
            raise BadArguments("currency", f"certificate {cert.id!r} is in {cert.currency}")
        if amount > cert.face:
            raise Conflict("amount", f"{amount} is above the certificate's face value "
                           f"{cert.face}")
    elif basis.right_kind or basis.registration_number or basis.export_record \
            or basis.certificate:
        raise BadArguments("basis", "an unsecured loan names no right, record or certificate")


def _check_product(state: TxState, args: Apply, basis: Basis) -> None:
    """The cited product: ``args.bank``'s, live, at its live version, and the application
    within its currency, ranges and kind."""
    product = state.get_as(product_key(args.product_id), Product)
    if product is None:
        raise NotFound("product_id", f"no product {shown(args.product_id)!r}")
    if product.bank != args.bank:
        raise Conflict("product_id", f"product {product.id!r} is {product.bank}'s, not "
                       f"{args.bank}'s")
    if product.status != ProductStatus.LIVE:
        raise Conflict("product_id", f"product {product.id!r} is withdrawn")
    if args.product_version != product.version:
        raise Conflict("product_version", f"product {product.id!r} is live at version "
                       f"{product.version}, not {args.product_version}")
    t = product.terms
    if args.currency != t.currency:
        raise BadArguments("currency", f"product {product.id!r} lends in {t.currency}, not "
                           f"{shown(args.currency)}")
    if not t.min_amount <= args.amount <= t.max_amount:
        raise BadArguments("amount", f"{args.amount} is outside product {product.id!r}'s "
                           f"amounts {t.min_amount} to {t.max_amount}")
    if not t.min_term_months <= args.term_months <= t.max_term_months:
        raise BadArguments("term_months", f"{args.term_months} months is outside product "
                           f"{product.id!r}'s terms {t.min_term_months} to "
                           f"{t.max_term_months} months")
    wanted = PRODUCT_BASES[t.kind]
    if basis.kind is not wanted:
        raise BadArguments("basis.kind", f"product {product.id!r} is {t.kind}: its loans "
                           f"rest on {wanted.value}, not {basis.kind.value}")


def _check_product_terms(state: TxState, loan: Loan, terms: Terms) -> None:
    """An approval's terms within the cited product version's rate and term ranges, from
    its minimum amount, in its repayment style."""
    product = state.get_as(version_key(loan.product_id, loan.product_version), Product)
    if product is None:  # apply checked it; versions are never deleted
        raise NotFound("id", f"loan {loan.id!r} cites no product on the ledger")
    t, name = product.terms, f"product {product.id!r} v{product.version}"
    if not t.min_rate_bp <= terms.rate_bp <= t.max_rate_bp:
        raise BadArguments("terms.rate_bp", f"{terms.rate_bp} bp is outside {name}'s rates "
                           f"{t.min_rate_bp} to {t.max_rate_bp} bp")
    if not t.min_term_months <= terms.term_months <= t.max_term_months:
        raise BadArguments("terms.term_months", f"{terms.term_months} months is outside "
                           f"{name}'s terms {t.min_term_months} to {t.max_term_months}")
    if terms.amount < t.min_amount:
        raise BadArguments("terms.amount", f"{terms.amount} is below {name}'s minimum "
                           f"{t.min_amount}")
    if terms.style != t.repayment:
        raise BadArguments("terms.style", f"{name} is repaid {t.repayment}, not "
                           f"{terms.style.value}")


def apply(state: TxState, ctx: Context, args: Apply) -> None:
    """An SME applies to a bank for a loan, under its consent."""
    sme, basis = ctx.sender.org, args.basis or Basis()
    bank = read_org(state, args.bank)
    if bank is None or "bank" not in bank.roles:
        raise NotFound("bank", f"no bank {shown(args.bank)!r}")
    if not cash.CURRENCY.match(args.currency):
        raise BadArguments("currency", f"{shown(args.currency)!r} is not an ISO 4217 code")
    _text(args.product_id, PRODUCT, "product_id")
    _check_consent(state, ctx, args.consent_id, args.bank, sme, _CATEGORY.get(basis.kind, ""))
    if state.get_int(defaulted_key(sme)):
        raise Unauthorised("", f"{sme!r} is not eligible: it has a loan in default")
    _check_product(state, args, basis)
    _check_basis(state, sme, args.currency, args.amount, basis)
    loan_id = ctx.tx_hash.hex()[:32]
    _put(state, Loan(loan_id, sme, args.bank, args.currency, args.amount, args.term_months,
                     args.product_id, args.product_version, basis, args.consent_id,
                     Status.APPLIED, ctx.timestamp_ms))
    state.emit("LoanApplied", id=loan_id, sme=sme, bank=args.bank, amount=args.amount,
               currency=args.currency, basis=basis.kind.value,
               product_id=args.product_id, product_version=args.product_version)


def _check_score(state: TxState, loan: Loan, args: Decide) -> Attestation:
    consent_id = args.score_consent_id or loan.consent_id
    found = state.get_as(attestation_key(consent_id, args.attestation_id), Attestation)
    if found is None or found.kind != Computation.SCORE:
        raise NotFound("attestation_id", f"no score attestation {shown(args.attestation_id)!r}"
                       f" under consent {shown(consent_id)!r}")
    if found.sme != loan.sme or found.bank != loan.bank:
        raise Conflict("attestation_id", f"attestation {found.id!r} scored {found.sme!r} for "
                       f"{found.bank!r}, not this loan's SME and bank")
    return found


def _pledge_of(state: TxState, loan: Loan) -> Pledge | None:
    """The loan's registered pledge, if any."""
    pledge = state.get_as(pledge_key(loan.pledge), Pledge) if loan.pledge else None
    return pledge if pledge is not None and pledge.status == PledgeStatus.REGISTERED else None


def decide(state: TxState, ctx: Context, args: Decide, loan: Loan) -> None:
    """The bank approves with terms or declines with an adverse-action notice."""
    unscored = not args.approve and not args.attestation_id
    if args.band not in BANDS and not (unscored and args.band == ""):
        raise BadArguments("band", f"{shown(args.band)!r} is not a scorecard band "
                           f"({', '.join(BANDS)})")
    if len(args.reason_codes) > MAX_REASONS:
        raise BadArguments("reason_codes", f"at most {MAX_REASONS} reason codes")
    for i, code in enumerate(args.reason_codes):
        _text(code, REASON, f"reason_codes[{i}]")
    _check_consent(state, ctx, loan.consent_id, loan.bank, loan.sme,
                   _CATEGORY.get(loan.basis.kind, ""), "id")
    score = None if unscored else _check_score(state, loan, args)
    pledge = _pledge_of(state, loan)
    if args.approve:
        terms = args.terms
        if terms is None:
            raise BadArguments("terms", "an approval states its terms")
        if terms.amount > loan.amount:
            raise BadArguments("terms.amount", f"{terms.amount} is above the {loan.amount} "
                               "applied for")
        _check_product_terms(state, loan, terms)
        if loan.basis.kind is BasisKind.EXPORT_RECORD:
            _check_export_share(state, loan, terms, "terms.")
        elif terms.export_share_bp:
            raise BadArguments("terms.export_share_bp", "only an export-record loan has an "
                               "export share")
        if pledge is not None and terms.amount > pledge.value:
            raise BadArguments("terms.amount", f"{terms.amount} is above the value "
                               f"{pledge.value} of the pledged {pledge.right_kind}")
        status = Status.APPROVED
    else:
        if args.terms is not None:
            raise BadArguments("terms", "a decline has no terms")
        if not args.reason_codes:
            raise BadArguments("reason_codes", "an adverse-action notice lists its reasons")
        terms, status = None, Status.DECLINED
        if pledge is not None:
            _release(state, ctx, pledge)
    _put(state, msgspec.structs.replace(
        loan, status=status, decided_at_ms=ctx.timestamp_ms, band=args.band,
        reason_codes=list(args.reason_codes),
        score_attestation=f"{score.consent_id}/{score.id}" if score else "",
        score_digest=score.result_digest if score else b"", terms=terms))
    state.emit("LoanApproved" if args.approve else "LoanDeclined", id=loan.id, sme=loan.sme,
               bank=loan.bank, band=args.band, reason_codes=list(args.reason_codes),
               report_id=score.result_digest.hex()[:32] if score else "")


def withdraw(state: TxState, ctx: Context, args: LoanRef, loan: Loan) -> None:
    """The SME withdraws its application before disbursement, releasing its pledge."""
    pledge = _pledge_of(state, loan)
    if pledge is not None:
        _release(state, ctx, pledge)
    _put(state, msgspec.structs.replace(loan, closed_at_ms=ctx.timestamp_ms))
    state.emit("LoanWithdrawn", id=loan.id, sme=loan.sme, bank=loan.bank)


def _check_export_share(state: TxState, loan: Loan, terms: Terms, prefix: str
                        ) -> ExportRecord:
    """The export-record limit (module docstring): all loans against the record, across
    banks and with this one, within this bank's ``export_share_bp`` of the record's value.
    Refusals name ``<prefix>export_share_bp`` and ``<prefix>amount`` (``"terms."`` at
    decide), or ``id`` (``prefix=""``, at disburse)."""
    record = _read_export(state, loan.basis.export_record, "id")
    share_field = f"{prefix}export_share_bp" if prefix else "id"
    amount_field = f"{prefix}amount" if prefix else "id"
    if not terms.export_share_bp:
        raise BadArguments(share_field, "an export-record loan states export_share_bp, the "
                           "share of the export value it may reach, 1 to 10,000 bp")
    cap = record.value * terms.export_share_bp // 10_000  # a limit is never rounded up
    if terms.amount > cap:
        raise Conflict(share_field, f"{terms.amount} is above the {cap} that "
                       f"export_share_bp {terms.export_share_bp} allows of export record "
                       f"{record.id!r}'s value {record.value}")
    if record.lent + terms.amount > cap:
        raise Conflict(amount_field, f"{terms.amount} with {record.lent} already lent "
                       f"against export record {record.id!r}, across banks, passes the "
                       f"{cap} that export_share_bp {terms.export_share_bp} allows of its "
                       f"value {record.value}")
    return record


def disburse(state: TxState, ctx: Context, args: LoanRef, loan: Loan) -> None:
    """The bank pays the loan in cash; the schedule is fixed from today."""
    terms = loan.terms
    assert terms is not None  # approved loans have terms
    if loan.basis.kind is BasisKind.IP_PLEDGE:
        pledge = _pledge_of(state, loan)
        if pledge is None:
            raise Conflict("id", f"loan {loan.id!r} waits for the IP office to register its "
                           "pledge")
        if terms.amount > pledge.value:
            raise Conflict("id", f"{terms.amount} is above the pledged right's value "
                           f"{pledge.value}")
    elif loan.basis.kind is BasisKind.EXPORT_RECORD:
        record = _check_export_share(state, loan, terms, "")
        state.put(export_key(record.id),
                  msgspec.structs.replace(record, lent=record.lent + terms.amount))
    elif loan.basis.kind is BasisKind.RECEIVABLE:
        cert = state.get_as(cert_key(loan.basis.certificate), Certificate)
        if cert is None or cert.holder != loan.sme or cert.status != CertStatus.CONFIRMED:
            raise Conflict("id", f"{loan.sme!r} no longer holds confirmed certificate "
                           f"{loan.basis.certificate!r}")
        state.put(cert_key(cert.id), msgspec.structs.replace(cert, holder=loan.bank,
                                                             recourse_to=""))
        state.put(lien_key(cert.id), f"loan {loan.id}")
    cash.move(state, loan.currency, loan.bank, loan.sme, terms.amount, "id", "id", ctx=ctx)
    start = date_of(_today(ctx))
    rows = schedule(terms.amount, terms.rate_bp, terms.term_months, start, terms.style,
                    terms.day_count)
    _put(state, msgspec.structs.replace(
        loan, disbursed_at_ms=ctx.timestamp_ms,
        time_to_cash_ms=ctx.timestamp_ms - loan.applied_at_ms, schedule=rows))
    state.emit("LoanDisbursed", id=loan.id, sme=loan.sme, bank=loan.bank,
               amount=terms.amount, first_due=rows[0].due, last_due=rows[-1].due,
               time_to_cash_ms=ctx.timestamp_ms - loan.applied_at_ms)


def _accrue(loan: Loan, today: int) -> Loan:
    """The loan with penalty interest accrued to ``today`` (only while overdue)."""
    terms = loan.terms
    if loan.status != Status.OVERDUE or terms is None or loan.penalty_through >= today:
        return loan
    more = balance.penalty_accrual(loan.schedule, terms.penalty_rate_bp, loan.penalty_through,
                                   today, terms.day_count)
    return msgspec.structs.replace(loan, penalty_accrued=loan.penalty_accrued + more,
                                   penalty_through=today)


def _close(state: TxState, ctx: Context, loan: Loan) -> Loan:
    """Repaid in full: release the pledge, the export share and the certificate."""
    pledge = _pledge_of(state, loan)
    if pledge is not None:
        _release(state, ctx, pledge)
    if loan.basis.kind is BasisKind.RECEIVABLE:
        state.delete(lien_key(loan.basis.certificate))
        cert = state.get_as(cert_key(loan.basis.certificate), Certificate)
        if cert is not None and cert.holder == loan.bank and cert.status == CertStatus.CONFIRMED:
            state.put(cert_key(cert.id), msgspec.structs.replace(cert, holder=loan.sme))
    state.emit("LoanRepaid", id=loan.id, sme=loan.sme, bank=loan.bank)
    return msgspec.structs.replace(loan, status=Status.REPAID, closed_at_ms=ctx.timestamp_ms)


def _repaid_principal(state: TxState, loan: Loan, principal: int) -> None:
    """Principal repaid on an export-record loan is no longer lent against the record."""
    if principal and loan.basis.kind is BasisKind.EXPORT_RECORD:
        record = state.get_as(export_key(loan.basis.export_record), ExportRecord)
        if record is not None:
            state.put(export_key(record.id), msgspec.structs.replace(
                record, lent=max(0, record.lent - principal)))


def _settled(loan: Loan) -> bool:
    return (balance.outstanding_principal(loan.schedule) == 0
            and balance.unpaid_interest(loan.schedule) == 0
            and loan.penalty_paid == loan.penalty_accrued)


def repay(state: TxState, ctx: Context, args: Repay, loan: Loan) -> None:
    """The SME pays up to what is due: penalty interest, then interest, then principal."""
    today = _today(ctx)
    loan = _accrue(loan, today)
    penalty_due = loan.penalty_accrued - loan.penalty_paid
    owed = penalty_due + balance.arrears(loan.schedule, today)
    if owed == 0:
        upcoming = next(i.due for i in loan.schedule if i.unpaid)
        raise Conflict("amount", f"nothing of loan {loan.id!r} is due before {upcoming}; "
                       "repay_early prepays")
    if args.amount > owed:
        raise Conflict("amount", f"{args.amount} is more than the {owed} {loan.currency} due "
                       f"on loan {loan.id!r}")
    cash.move(state, loan.currency, loan.sme, loan.bank, args.amount, "amount", "id", ctx=ctx)
    rows, split = balance.allocate(loan.schedule, penalty_due, args.amount, today)
    loan = msgspec.structs.replace(loan, schedule=rows,
                                   penalty_paid=loan.penalty_paid + split.penalty)
    _repaid_principal(state, loan, split.principal)
    state.emit("LoanRepayment", id=loan.id, sme=loan.sme, bank=loan.bank, amount=args.amount,
               penalty=split.penalty, interest=split.interest, principal=split.principal)
    if _settled(loan):
        loan = _close(state, ctx, loan)
    elif (loan.status == Status.OVERDUE and balance.arrears(rows, today) == 0
          and loan.penalty_paid == loan.penalty_accrued):
        loan = msgspec.structs.replace(loan, status=Status.ACTIVE)
        state.emit("LoanCurrent", id=loan.id, sme=loan.sme, bank=loan.bank)
    _put(state, loan)


def repay_early(state: TxState, ctx: Context, args: RepayEarly, loan: Loan) -> None:
    """Prepayment: principal, its interest since the period began, and the fee."""
    terms = loan.terms
    assert terms is not None
    today = _today(ctx)
    due = balance.arrears(loan.schedule, today)
    if due:
        raise Conflict("id", f"{due} {loan.currency} of loan {loan.id!r} is due; repay it "
                       "before prepaying")
    future = [i for i in loan.schedule if day_number(i.due) > today]
    outstanding = balance.outstanding_principal(future)
    principal = args.principal or outstanding
    if principal > outstanding:
        raise Conflict("principal", f"{principal} is more than the {outstanding} outstanding")
    start = day_number(future[0].start)
    interest = accrued(principal, terms.rate_bp, start, today, terms.day_count)
    fee = div_half_even(principal * terms.prepayment_fee_bp, 10_000)
    cash.move(state, loan.currency, loan.sme, loan.bank, principal + interest + fee,
              "principal", "id", ctx=ctx)
    past = loan.schedule[:len(loan.schedule) - len(future)]
    rest = outstanding - principal
    rebuilt = build(rest, terms.rate_bp, start, [day_number(i.due) for i in future],
                    terms.style, terms.day_count, future[0].number) if rest else []
    loan = msgspec.structs.replace(
        loan, schedule=past + rebuilt, prepaid_principal=loan.prepaid_principal + principal,
        prepayment_interest=loan.prepayment_interest + interest,
        prepayment_fees=loan.prepayment_fees + fee)
    _repaid_principal(state, loan, principal)
    state.emit("LoanPrepaid", id=loan.id, sme=loan.sme, bank=loan.bank, principal=principal,
               interest=interest, fee=fee, outstanding=rest)
    if _settled(loan):
        loan = _close(state, ctx, loan)
    _put(state, loan)


def mark_overdue(state: TxState, ctx: Context, args: LoanRef, loan: Loan) -> None:
    """The bank marks the loan overdue when an instalment is unpaid past its grace days."""
    terms = loan.terms
    assert terms is not None
    today = _today(ctx)
    late = balance.first_late(loan.schedule, today, terms.grace_days)
    if late is None:
        raise Conflict("id", f"loan {loan.id!r} has nothing unpaid more than "
                       f"{terms.grace_days} days after its due date")
    loan = _accrue(loan, today)
    _put(state, loan)
    state.emit("LoanOverdue", id=loan.id, sme=loan.sme, bank=loan.bank, due=late.due,
               days_past_due=balance.days_past_due(loan.schedule, today),
               penalty_accrued=loan.penalty_accrued)


def default(state: TxState, ctx: Context, args: LoanRef, loan: Loan) -> None:
    """The bank declares the loan in default once 90 days past due, enforcing its pledge.

    From ``DEFAULT_DAYS`` past due; a registered pledge is enforced."""
    today = _today(ctx)
    dpd = balance.days_past_due(loan.schedule, today)
    if dpd < DEFAULT_DAYS:
        raise Conflict("id", f"loan {loan.id!r} is {dpd} days past due; default needs "
                       f"{DEFAULT_DAYS}")
    terms = loan.terms
    assert terms is not None
    loan = _accrue(msgspec.structs.replace(loan, status=Status.OVERDUE), today)
    loan = msgspec.structs.replace(loan, status=Status.DEFAULTED, exposure=(
        balance.exposure_at_default(loan.schedule, loan.penalty_accrued - loan.penalty_paid,
                                    terms.rate_bp, today, terms.day_count)))
    pledge = _pledge_of(state, loan)
    if pledge is not None:
        state.put(pledge_key(pledge.id), msgspec.structs.replace(
            pledge, status=PledgeStatus.ENFORCED, closed_at_ms=ctx.timestamp_ms))
        state.delete(right_key(pledge.right_kind, pledge.registration_number))
        state.emit("PledgeEnforced", id=pledge.id, loan=loan.id, bank=pledge.bank,
                   right_kind=pledge.right_kind, registration_number=pledge.registration_number)
    if loan.basis.kind is BasisKind.RECEIVABLE:
        state.delete(lien_key(loan.basis.certificate))  # enforced: the bank may sell it
    state.put(defaulted_key(loan.sme), state.get_int(defaulted_key(loan.sme)) + 1)
    _put(state, loan)
    state.emit("LoanDefaulted", id=loan.id, sme=loan.sme, bank=loan.bank,
               days_past_due=dpd, outstanding=balance.outstanding_principal(loan.schedule),
               exposure=loan.exposure)


def write_off(state: TxState, ctx: Context, args: LoanRef, loan: Loan) -> None:
    """The bank writes off a defaulted loan: its exposure less what was recovered."""
    lost = loan.exposure - loan.recovered
    _put(state, msgspec.structs.replace(loan, written_off=lost,
                                        closed_at_ms=ctx.timestamp_ms))
    state.emit("LoanWrittenOff", id=loan.id, sme=loan.sme, bank=loan.bank, amount=lost)


def _has_collateral(state: TxState, loan: Loan) -> bool:
    if loan.basis.kind is BasisKind.RECEIVABLE:
        return True  # the bank holds the certificate from disbursement
    pledge = state.get_as(pledge_key(loan.pledge), Pledge) if loan.pledge else None
    return pledge is not None and pledge.status == PledgeStatus.ENFORCED


def recover(state: TxState, ctx: Context, args: Recover, loan: Loan) -> None:
    """The bank records a recovery on a defaulted or written-off loan."""
    if args.source is RecoverySource.COLLATERAL and not _has_collateral(state, loan):
        raise BadArguments("source", f"loan {loan.id!r} has no enforced pledge or debt "
                           "certificate to recover from")
    left = loan.exposure - loan.recovered
    if args.amount > left:
        raise Conflict("amount", f"{args.amount} is more than the {left} {loan.currency} "
                       f"left to recover of loan {loan.id!r}")
    _put(state, msgspec.structs.replace(loan, recovered=loan.recovered + args.amount))
    state.emit("LoanRecovery", id=loan.id, sme=loan.sme, bank=loan.bank, amount=args.amount,
               source=args.source.value, reference=args.reference, left=left - args.amount)


def pledge_ip(state: TxState, ctx: Context, args: PledgeIp, loan: Loan) -> None:
    """The IP office registers the pledge of the loan's patent or trademark to its bank."""
    basis = loan.basis
    if basis.kind is not BasisKind.IP_PLEDGE:
        raise Conflict("id", f"loan {loan.id!r} rests on {basis.kind}, not an IP pledge")
    if args.right_kind != basis.right_kind:
        raise BadArguments("right_kind", f"loan {loan.id!r} cites a {basis.right_kind}, not "
                           f"a {shown(args.right_kind)}")
    if args.registration_number != basis.registration_number:
        raise BadArguments("registration_number", f"loan {loan.id!r} cites "
                           f"{basis.right_kind} {basis.registration_number}")
    if _pledge_of(state, loan) is not None:
        raise Conflict("id", f"loan {loan.id!r} is already secured by pledge {loan.pledge!r}")
    key = right_key(args.right_kind, args.registration_number)
    if state.get(key) is not None:
        raise Conflict("registration_number", f"{args.right_kind} "
                       f"{args.registration_number} is already pledged")
    pledge_id = ctx.tx_hash.hex()[:32]
    state.put(pledge_key(pledge_id), Pledge(
        pledge_id, args.right_kind, args.registration_number, loan.sme, loan.bank, loan.id,
        ctx.sender.org, args.value, loan.currency, PledgeStatus.REGISTERED, ctx.timestamp_ms))
    state.put(key, pledge_id)
    _put(state, msgspec.structs.replace(loan, pledge=pledge_id))
    state.emit("IpPledged", id=loan.id, pledge=pledge_id, sme=loan.sme, bank=loan.bank,
               right_kind=args.right_kind, registration_number=args.registration_number,
               value=args.value)


def _release(state: TxState, ctx: Context, pledge: Pledge) -> None:
    state.put(pledge_key(pledge.id), msgspec.structs.replace(
        pledge, status=PledgeStatus.RELEASED, closed_at_ms=ctx.timestamp_ms))
    state.delete(right_key(pledge.right_kind, pledge.registration_number))
    state.emit("PledgeReleased", pledge=pledge.id, loan=pledge.loan, bank=pledge.bank,
               right_kind=pledge.right_kind, registration_number=pledge.registration_number)


def release_pledge(state: TxState, ctx: Context, args: LoanRef, pledge: Pledge) -> None:
    """The pledgee bank releases the pledge (the loan's security goes with it)."""
    _release(state, ctx, pledge)


def attest_export(state: TxState, ctx: Context, args: AttestExport) -> None:
    """Customs records an SME's export value of the last twelve months, under its consent."""
    sme = read_org(state, args.sme)
    if sme is None or "sme" not in sme.roles:
        raise NotFound("sme", f"no SME {shown(args.sme)!r}")
    consent = read_consent(state, args.consent_id)
    bank = consent.bank if consent else ""
    _check_consent(state, ctx, args.consent_id, bank, args.sme, "customs")
    if not cash.CURRENCY.match(args.currency):
        raise BadArguments("currency", f"{shown(args.currency)!r} is not an ISO 4217 code")
    if len(args.digest) != DIGEST_SIZE:
        raise BadArguments("digest", f"a digest is {DIGEST_SIZE} bytes, not {len(args.digest)}")
    end, today = day_number(args.period_end, "period_end"), _today(ctx)
    if not today - EXPORT_MAX_AGE_DAYS <= end <= today:
        raise BadArguments("period_end", f"{args.period_end} must be within the "
                           f"{EXPORT_MAX_AGE_DAYS} days up to today ({date_of(today)})")
    record_id = ctx.tx_hash.hex()[:32]
    start = date_of(add_months(end, -12) + 1)
    used = state.get(export_digest_key(args.digest))
    if used is not None:
        raise Conflict("digest", f"these declarations are already attested (export record "
                       f"{decode(used, str)!r})")
    periods_key = export_periods_key(args.sme, args.currency)
    periods = state.get_as(periods_key, list[ExportPeriod]) or []
    for p in periods:
        if start <= p.period_end and p.period_start <= args.period_end:
            raise Conflict("period_end", f"export record {p.id!r} of {args.sme!r} in "
                           f"{args.currency} already covers {p.period_start} to "
                           f"{p.period_end}; the twelve months to {args.period_end} overlap it")
    state.put(periods_key, [*periods, ExportPeriod(record_id, start, args.period_end)])
    state.put(export_digest_key(args.digest), record_id)
    state.put(export_key(record_id), ExportRecord(
        record_id, args.sme, ctx.sender.org, args.consent_id, bank, args.currency, args.value,
        start, args.period_end, args.digest, ctx.timestamp_ms))
    state.emit("ExportAttested", export_record=record_id, sme=args.sme, bank=bank,
               customs=ctx.sender.org, value=args.value, currency=args.currency,
               period_start=start, period_end=args.period_end)


SMES = frozenset({"sme"})
IP_OFFICES = frozenset({"ip_office"})
CUSTOMS = frozenset({"customs"})
LIVE = {Status.ACTIVE, Status.OVERDUE}

CONTRACT = Contract(
    "loan",
    {
        "apply": Action(apply, Apply, roles=SMES, to=Status.APPLIED),
        "decide": Transition(decide, Decide, LOANS, {Status.APPLIED}, by=BANK),
        "withdraw": Transition(withdraw, LoanRef, LOANS, {Status.APPLIED, Status.APPROVED},
                               Status.WITHDRAWN, by=SME),
        "pledge_ip": Transition(pledge_ip, PledgeIp, LOANS, {Status.APPLIED, Status.APPROVED},
                                roles=IP_OFFICES),
        "disburse": Transition(disburse, LoanRef, LOANS, {Status.APPROVED}, Status.ACTIVE,
                               by=BANK),
        "repay": Transition(repay, Repay, LOANS, LIVE, by=SME),
        "repay_early": Transition(repay_early, RepayEarly, LOANS, {Status.ACTIVE}, by=SME),
        "mark_overdue": Transition(mark_overdue, LoanRef, LOANS, {Status.ACTIVE},
                                   Status.OVERDUE, by=BANK),
        "default": Transition(default, LoanRef, LOANS, {Status.OVERDUE}, Status.DEFAULTED,
                              by=BANK),
        "write_off": Transition(write_off, LoanRef, LOANS, {Status.DEFAULTED},
                                Status.WRITTEN_OFF, by=BANK),
        "recover": Transition(recover, Recover, LOANS, {Status.DEFAULTED, Status.WRITTEN_OFF},
                              by=BANK),
        "release_pledge": Transition(release_pledge, LoanRef, PLEDGES,
                                     {PledgeStatus.REGISTERED}, PledgeStatus.RELEASED,
                                     by=PLEDGEE),
        "attest_export": Action(attest_export, AttestExport, roles=CUSTOMS),
    },
)
