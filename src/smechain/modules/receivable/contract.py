"""Digital debt certificates backed by anchored invoices (supply-chain finance).

A supplier asks for a certificate against invoices on which it is the seller;
the debtor (the invoices' buyer, a core enterprise) confirms it. The holder
can split it into parts, transfer parts down its supply chain, or sell them at
a discount to a factor or bank for cash in the same transaction (delivery
versus payment). At maturity the debtor pays every current holder.

Transitions, as declared in ``CONTRACT`` (``by``: the party of the certificate
who may call it)::

    | action | from | to | by | co-signers | roles |
    |---|---|---|---|---|---|
    | issue | (none) | requested | any member | (none) | any |
    | confirm | requested | confirmed | debtor | (none) | any |
    | dispute | requested | disputed | debtor | (none) | any |
    | split | confirmed | split | holder | (none) | any |
    | transfer | confirmed | confirmed | holder | (none) | any |
    | sell | confirmed | confirmed | holder | buyer (bank or factor) | any |
    | settle | confirmed or overdue | settled | debtor | (none) | any |
    | guarantee | confirmed | confirmed | holder | guarantor (guarantor) | any |
    | mark_overdue | confirmed | overdue | holder | (none) | any |
    | claim | overdue | claimed | holder | (none) | any |

Besides the declaration: ``issue`` is open to the seller of every invoice it
names; a dispute frees the invoices; a split's parts are
confirmed; a guarantee's holder pays the fee to the guarantor; ``settle``
works from maturity on, ``mark_overdue`` from ``GRACE_DAYS`` after it, and
``claim`` is paid by the recourse seller or the guarantor.

A confirmed certificate cannot be disputed away. Every part keeps its
``root`` (the original certificate, which names the invoices) and ``parent``.
A certificate under a lien (``lien_key``: it secures a loan) is not split, transferred,
sold or guaranteed until the lien is lifted (409 on ``id``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import msgspec

from smechain.core.contract import (
    Action,
    Context,
    Contract,
    Cosign,
    Party,
    Subject,
    Transition,
)
from smechain.core.daycount import (
    MAX_TENOR_DAYS,
    DayCount,
    accrued,
    block_day,
    date_of,
    day_number,
)
from smechain.core.encoding import decode, shown
from smechain.core.errors import BadArguments, Conflict, NotFound, Unauthorised
from smechain.core.state import StateReader, TxState
from smechain.modules.cash import contract as cash
from smechain.modules.invoice.contract import (
    notify_parties,
    org_of_party,
    read_invoice,
    release,
    reserve,
)
from smechain.modules.membership.contract import read_org

CERT_PREFIX = "receivable/cert/"
MAX_PARTS = 50
BUYERS = frozenset({"factor", "bank"})
GUARANTORS = frozenset({"guarantor"})
GRACE_DAYS = 3
"""Days after maturity before an unpaid part may be marked overdue."""


class Status(StrEnum):
    """Lifecycle of a certificate or part."""

    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    SPLIT = "split"
    SETTLED = "settled"
    OVERDUE = "overdue"
    CLAIMED = "claimed"


class Backing(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """How much of one invoice a certificate is backed by."""

    invoice: str
    amount: cash.Amount


class Certificate(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """A digital debt certificate, or a part split from one."""

    id: str
    root: str
    parent: str
    debtor: str
    supplier: str
    holder: str
    face: int
    currency: str
    maturity: str
    status: Status
    invoices: list[Backing]
    """Only on the original certificate; parts point to it through ``root``."""
    recourse_to: str = ""
    """With-recourse sale: the seller the holder may claim from if unpaid."""
    guarantor: str = ""
    """The organisation that guaranteed payment; parts inherit it."""


def cert_key(cert_id: str) -> str:
    """State key of a certificate."""
    return CERT_PREFIX + cert_id


LIEN_PREFIX = "receivable/lien/"


def lien_key(cert_id: str) -> str:
    """State key naming what a certificate secures (a loan's ``"loan:<id>"``), if anything.

    Another module that takes a certificate as security (the loan module) writes it while
    the security lasts and deletes it on release; meanwhile the holder may not split,
    transfer, sell or guarantee it (409 on ``id``)."""
    return LIEN_PREFIX + cert_id


def _unencumbered(state: StateReader, cert: Certificate) -> None:
    lien = state.get(lien_key(cert.id))
    if lien is not None:
        raise Conflict("id", f"certificate {cert.id!r} secures {decode(lien, str)}; it moves "
                       "only once released")


HOLDER: Party[Certificate] = Party("holder", lambda c: c.holder)
DEBTOR: Party[Certificate] = Party("debtor", lambda c: c.debtor)
CERTIFICATES = Subject(
    "certificate", Certificate, cert_key, "id", missing="no certificate {id!r}",
    wrong_status="certificate {id!r} is {status}; {action} needs {expected}",
    parties=(HOLDER, DEBTOR,
             Party("supplier", lambda c: c.supplier),
             Party("recourse seller", lambda c: c.recourse_to),
             Party("guarantor", lambda c: c.guarantor)))


class Issue(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    invoices: list[Backing]
    debtor: str
    currency: str
    maturity: str


class CertRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str


class Dispute(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    reason: str


class Split(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    amounts: list[cash.Amount]


class Transfer(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    to: str


class Guarantee(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    guarantor: str
    fee: Annotated[int, msgspec.Meta(ge=0, le=cash.MAX_AMOUNT)]
    """Minor units the holder pays the guarantor; never negative (checked as the
    arguments are read, before the guard: a bad fee is the caller's mistake whoever
    co-signs)."""


class Claim(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    source: str
    """``recourse`` (the seller it was bought from) or ``guarantor``."""


class Sell(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    buyer: str
    discount_rate_bp: Annotated[int, msgspec.Meta(ge=0, le=10_000)]
    """Annual discount rate, basis points (0 to 10,000)."""
    day_count: DayCount
    """How the days to maturity count as a fraction of a year."""
    recourse: bool


def discounted_price(face: int, discount_rate_bp: int, sale_day: int, maturity_day: int,
                     day_count: DayCount) -> tuple[int, int]:
    """``(discount, price)`` of ``face`` minor units sold on day ``sale_day`` and paid on
    ``maturity_day``, at a simple discount of ``discount_rate_bp`` a year on ``day_count``
    (``core.daycount.accrued``: half-even to the minor unit). ``BadArguments`` naming
    ``discount_rate_bp`` when the discount would take the whole face (a price is never
    zero or negative)."""
    cut = accrued(face, discount_rate_bp, sale_day, maturity_day, day_count)
    if cut >= face:
        raise BadArguments("discount_rate_bp", f"{discount_rate_bp} bp a year over "
                           f"{maturity_day - sale_day} days discounts the whole face value "
                           f"{face}; no price is left")
    return cut, face - cut


def issue(state: TxState, ctx: Context, args: Issue) -> None:
    """The invoices' seller requests a certificate on their buyer, reserving the invoices."""
    if not 1 <= len(args.invoices) <= MAX_PARTS:
        raise BadArguments("invoices", f"give 1 to {MAX_PARTS} invoices")
    if len({b.invoice for b in args.invoices}) != len(args.invoices):
        raise BadArguments("invoices", "an invoice is listed twice")
    maturity = day_number(args.maturity, "maturity")
    today = block_day(ctx.timestamp_ms)
    if maturity <= today:
        raise BadArguments("maturity", f"{args.maturity} is not in the future")
    if maturity - today > MAX_TENOR_DAYS:
        raise BadArguments("maturity", f"{args.maturity} is more than {MAX_TENOR_DAYS} days "
                           "(ten years) ahead")
    if read_org(state, args.debtor) is None:
        raise NotFound("debtor", f"no organisation {shown(args.debtor)!r}")
    face = sum(b.amount for b in args.invoices)
    if face > cash.MAX_AMOUNT:
        raise BadArguments("invoices", f"face value {face} is beyond {cash.MAX_AMOUNT} minor units")
    cert_id = ctx.tx_hash.hex()[:32]
    for i, backing in enumerate(args.invoices):
        where = f"invoices[{i}]"
        inv = read_invoice(state, backing.invoice)
        if inv is None:
            raise NotFound(where, f"invoice {backing.invoice!r} is not anchored")
        if org_of_party(state, inv.seller) != ctx.sender.org:
            raise Unauthorised(where, f"{ctx.sender.org!r} is not the seller of "
                               f"{backing.invoice!r}")
        if not inv.buyer:
            raise Conflict(where, f"invoice {backing.invoice!r} names no buyer identifier, "
                           "so no debtor can confirm it; it cannot back a certificate")
        if org_of_party(state, inv.buyer) != args.debtor:
            # The invoice is as anchored; the debtor is what the caller chose.
            raise BadArguments("debtor", f"{shown(args.debtor)!r} is not the buyer of "
                               f"{backing.invoice!r} ({where})")
        if args.debtor == ctx.sender.org:
            raise BadArguments("debtor", f"{args.debtor!r} is the seller of "
                               f"{backing.invoice!r} ({where}) and also its buyer")
        if inv.currency != args.currency:
            raise BadArguments("currency", f"{where} is in {inv.currency}, not "
                               f"{shown(args.currency)}")
        reserve(state, backing.invoice, backing.amount, where, f"receivable:{cert_id}")
    state.put(cert_key(cert_id), Certificate(
        cert_id, cert_id, "", args.debtor, ctx.sender.org, ctx.sender.org, face, args.currency,
        args.maturity, Status.REQUESTED, list(args.invoices)))
    state.emit("CertificateRequested", id=cert_id, debtor=args.debtor, face=face)


def confirm(state: TxState, ctx: Context, args: CertRef, cert: Certificate) -> None:
    """The debtor confirms it owes the face value at maturity."""
    state.emit("CertificateConfirmed", id=cert.id, debtor=cert.debtor)


def dispute(state: TxState, ctx: Context, args: Dispute, cert: Certificate) -> None:
    """Before confirming, the debtor disputes a request; its invoices are freed."""
    for backing in cert.invoices:
        release(state, backing.invoice, backing.amount, f"receivable:{cert.id}")
    state.emit("CertificateDisputed", id=cert.id, reason=args.reason)


def split(state: TxState, ctx: Context, args: Split, cert: Certificate) -> None:
    """The holder splits a confirmed certificate into parts summing to its face value."""
    _unencumbered(state, cert)
    if not 2 <= len(args.amounts) <= MAX_PARTS or any(a <= 0 for a in args.amounts):
        raise BadArguments("amounts", f"give 2 to {MAX_PARTS} positive amounts")
    if sum(args.amounts) != cert.face:
        raise BadArguments("amounts", f"sum {sum(args.amounts)} is not the face value {cert.face}")
    parts = []
    for i, amount in enumerate(args.amounts):
        part_id = f"{cert.id}.{i + 1}"
        parts.append(part_id)
        state.put(cert_key(part_id), msgspec.structs.replace(
            cert, id=part_id, parent=cert.id, face=amount, status=Status.CONFIRMED, invoices=[]))
    state.emit("CertificateSplit", id=cert.id, parts=parts, amounts=list(args.amounts))


def transfer(state: TxState, ctx: Context, args: Transfer, cert: Certificate) -> None:
    """The holder passes a certificate to another organisation (e.g. to pay a supplier)."""
    _unencumbered(state, cert)
    if args.to == cert.holder:
        raise BadArguments("to", "must differ from the holder")
    if read_org(state, args.to) is None:
        raise NotFound("to", f"no organisation {shown(args.to)!r}")
    state.put(cert_key(cert.id), msgspec.structs.replace(cert, holder=args.to, recourse_to=""))
    state.emit("CertificateTransferred", id=cert.id, holder=cert.holder, to=args.to)


def sell(state: TxState, ctx: Context, args: Sell, cert: Certificate) -> None:
    """Factoring: the holder sells to a factor or bank, which pays face − discount now.

    Both sign the one transaction; the certificate and the cash move together.
    """
    _unencumbered(state, cert)
    if args.buyer == cert.holder:
        raise BadArguments("buyer", "must differ from the holder")
    today, maturity = block_day(ctx.timestamp_ms), day_number(cert.maturity)
    days = maturity - today
    if days <= 0:
        raise Conflict("id", f"certificate {cert.id!r} has matured; it can no longer be sold")
    _, price = discounted_price(cert.face, args.discount_rate_bp, today, maturity,
                                args.day_count)
    cash.move(state, cert.currency, args.buyer, cert.holder, price, "buyer", ctx=ctx)
    state.put(cert_key(cert.id), msgspec.structs.replace(
        cert, holder=args.buyer, recourse_to=cert.holder if args.recourse else ""))
    state.emit("CertificateSold", id=cert.id, seller=cert.holder, buyer=args.buyer,
               price=price, days=days, discount_rate_bp=args.discount_rate_bp,
               day_count=args.day_count.value, recourse=args.recourse)


def guarantee(state: TxState, ctx: Context, args: Guarantee, cert: Certificate) -> None:
    """A guarantor guarantees a certificate for a fee the holder pays in the same transaction."""
    _unencumbered(state, cert)
    if cert.guarantor:
        raise Conflict("id", f"certificate {cert.id!r} is already guaranteed by {cert.guarantor!r}")
    if args.fee:
        cash.move(state, cert.currency, cert.holder, args.guarantor, args.fee, "fee",
                  "guarantor", ctx=ctx)
    state.put(cert_key(cert.id), msgspec.structs.replace(cert, guarantor=args.guarantor))
    state.emit("CertificateGuaranteed", id=cert.id, guarantor=args.guarantor, fee=args.fee)


def mark_overdue(state: TxState, ctx: Context, args: CertRef, cert: Certificate) -> None:
    """The holder marks a part unpaid ``GRACE_DAYS`` after maturity as overdue."""
    due = day_number(cert.maturity) + GRACE_DAYS
    if block_day(ctx.timestamp_ms) <= due:
        raise Conflict("id", f"certificate {cert.id!r} is not overdue until {date_of(due + 1)} "
                       f"({GRACE_DAYS} days after its maturity {cert.maturity})")
    state.emit("CertificateOverdue", id=cert.id, holder=cert.holder)


def claim(state: TxState, ctx: Context, args: Claim, cert: Certificate) -> None:
    """The holder of an overdue part is paid by the recourse seller or the guarantor."""
    if args.source == "recourse":
        payer = cert.recourse_to
    elif args.source == "guarantor":
        payer = cert.guarantor
    else:
        raise BadArguments("source", f"{args.source!r} is not recourse or guarantor")
    if not payer:
        raise Conflict("source", f"certificate {cert.id!r} has no {args.source} to claim from")
    cash.move(state, cert.currency, payer, cert.holder, cert.face, "source", ctx=ctx)
    state.emit("CertificateClaimed", id=cert.id, payer=payer, holder=cert.holder,
               amount=cert.face)


def settle(state: TxState, ctx: Context, args: CertRef, cert: Certificate) -> None:
    """From maturity on, the debtor pays the holder the face value in cash."""
    if block_day(ctx.timestamp_ms) < day_number(cert.maturity):
        raise Conflict("id", f"certificate {cert.id!r} matures on {cert.maturity}")
    if cert.holder != cert.debtor:
        cash.move(state, cert.currency, cert.debtor, cert.holder, cert.face, "id", ctx=ctx)
    state.emit("CertificateSettled", id=cert.id, holder=cert.holder, amount=cert.face)


def holders(state: StateReader, cert_id: str) -> list[str]:
    """The current holders of a certificate and of every part split from it."""
    cert = state.get(cert_key(cert_id))
    if cert is None:
        return []
    found = decode(cert, Certificate)
    if found.status != Status.SPLIT:
        return [found.holder]
    out: list[str] = []
    part = 1
    while state.get(cert_key(f"{cert_id}.{part}")) is not None:
        out += holders(state, f"{cert_id}.{part}")
        part += 1
    return out


notify_parties("receivable", holders)

LIVE = frozenset({Status.CONFIRMED})

CONTRACT = Contract(
    "receivable",
    {
        "issue": Action(issue, Issue, to=Status.REQUESTED),
        "confirm": Transition(confirm, CertRef, CERTIFICATES, {Status.REQUESTED},
                              Status.CONFIRMED, by=DEBTOR),
        "dispute": Transition(dispute, Dispute, CERTIFICATES, {Status.REQUESTED},
                              Status.DISPUTED, by=DEBTOR),
        "split": Transition(split, Split, CERTIFICATES, LIVE, Status.SPLIT, by=HOLDER),
        "transfer": Transition(transfer, Transfer, CERTIFICATES, LIVE, Status.CONFIRMED,
                               by=HOLDER),
        "sell": Transition(sell, Sell, CERTIFICATES, LIVE, Status.CONFIRMED, by=HOLDER,
                           cosign=(Cosign("buyer", BUYERS, "is neither a factor nor a bank"),)),
        "settle": Transition(settle, CertRef, CERTIFICATES, {Status.CONFIRMED, Status.OVERDUE},
                             Status.SETTLED, by=DEBTOR),
        "guarantee": Transition(
            guarantee, Guarantee, CERTIFICATES, LIVE, Status.CONFIRMED, by=HOLDER,
            cosign=(Cosign("guarantor", GUARANTORS, "does not hold the guarantor role"),)),
        "mark_overdue": Transition(mark_overdue, CertRef, CERTIFICATES, LIVE, Status.OVERDUE,
                                   by=HOLDER),
        "claim": Transition(claim, Claim, CERTIFICATES, {Status.OVERDUE}, Status.CLAIMED,
                            by=HOLDER),
    },
)
