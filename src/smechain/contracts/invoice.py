"""E-invoice anchors: the tax authority's record that makes double financing impossible.

The tax authority anchors each invoice: its id, seller and buyer (unified
social credit codes or VAT ids), amounts with and without tax, currency, issue
date, and the digest of the invoice file. Anyone can check a file against its
anchor. Each anchor tracks how much of it already backs certificates or
financing — across all institutions and blocks, never more than its total.

States and transitions::

    (none) --anchor (tax_authority)--> valid --void (tax_authority)--> voided

| from  | action  | to     | who            | effect                                   |
|-------|---------|--------|----------------|------------------------------------------|
| none  | anchor  | valid  | tax_authority  | records the invoice; financed = 0        |
| valid | void    | voided | tax_authority  | red-letter: no new financing; past stays |
| valid | finance | valid  | other contracts (``reserve``) | financed += amount, <= total |

``register_party`` lets a tax authority attest which ledger organisation holds
a tax id, so contracts can tell that a signer is an invoice's seller or buyer.
"""

from __future__ import annotations

import re
from enum import StrEnum

import msgspec

from smechain.contracts.cash import CURRENCY, MAX_AMOUNT
from smechain.contracts.daycount import day_number
from smechain.contracts.membership import read_org
from smechain.core.contract import Action, Context, Contract
from smechain.core.encoding import decode
from smechain.core.errors import BadArguments, Conflict, NotFound
from smechain.core.state import StateReader, TxState

INVOICE_PREFIX = "invoice/doc/"
PARTY_PREFIX = "invoice/party/"

TAX_AUTHORITIES = frozenset({"tax_authority"})
TEXT_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._/-]{0,63}$")


class InvoiceStatus(StrEnum):
    """Lifecycle of an anchored invoice."""

    VALID = "valid"
    VOIDED = "voided"


class Invoice(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """An anchored invoice as the ledger records it."""

    id: str
    code: str
    number: str
    seller: str
    buyer: str
    currency: str
    net_amount: int
    tax_amount: int
    total_amount: int
    issue_date: str
    digest: bytes
    status: str
    financed: int
    """How much of ``total_amount`` already backs certificates or financing."""
    anchored_by: str
    anchored_at: int


def invoice_id(seller: str, code: str, number: str) -> str:
    """The ledger id of an invoice: code-number where a code exists (China), else seller/number."""
    return f"{code}-{number}" if code else f"{seller}/{number}"


def invoice_key(inv_id: str) -> str:
    """State key of an anchored invoice."""
    return INVOICE_PREFIX + inv_id


def party_key(tax_id: str) -> str:
    """State key of the organisation that holds a tax id."""
    return PARTY_PREFIX + tax_id


def read_invoice(state: StateReader, inv_id: str) -> Invoice | None:
    """The anchored invoice ``inv_id``, or ``None``."""
    raw = state.get(invoice_key(inv_id))
    return None if raw is None else decode(raw, Invoice)


def org_of_party(state: StateReader, tax_id: str) -> str | None:
    """The organisation a tax authority registered for ``tax_id``."""
    raw = state.get(party_key(tax_id))
    return None if raw is None else decode(raw, str)


def matches_file(invoice: Invoice, file_digest: bytes) -> bool:
    """True when a file's digest is the one anchored."""
    return invoice.digest == file_digest


def reserve(state: TxState, inv_id: str, amount: int, field: str = "invoices") -> Invoice:
    """Mark ``amount`` of an invoice as financed; refuse anything that would finance it twice.

    Other contracts (certificates, factoring, loans) call this in the same
    transaction that creates the financing, so the check and the record are
    one atomic step in block order: whichever transaction comes first wins,
    and later ones get a ``conflict`` receipt naming the invoice.
    """
    invoice = state.get_as(invoice_key(inv_id), Invoice)
    if invoice is None:
        raise NotFound(f"{field}: invoice {inv_id!r} is not anchored")
    if invoice.status != InvoiceStatus.VALID:
        raise Conflict(f"{field}: invoice {inv_id!r} is {invoice.status} and cannot back financing")
    if amount <= 0:
        raise BadArguments(f"{field}: amount {amount} must be positive")
    free = invoice.total_amount - invoice.financed
    if amount > free:
        raise Conflict(
            f"{field}: invoice {inv_id!r} has {free} of {invoice.total_amount} "
            f"{invoice.currency} unfinanced; {amount} asked (already financed: "
            f"{invoice.financed})"
        )
    updated = msgspec.structs.replace(invoice, financed=invoice.financed + amount)
    state.put(invoice_key(inv_id), updated)
    state.emit("InvoiceFinanced", invoice=inv_id, amount=amount, financed=updated.financed)
    return updated


def release(state: TxState, inv_id: str, amount: int) -> None:
    """Give back ``amount`` reserved by financing that did not go ahead (e.g. a dispute)."""
    invoice = state.get_as(invoice_key(inv_id), Invoice)
    if invoice is None or not 0 < amount <= invoice.financed:
        raise Conflict(f"invoices: cannot release {amount} of invoice {inv_id!r}")
    remaining = invoice.financed - amount
    state.put(invoice_key(inv_id), msgspec.structs.replace(invoice, financed=remaining))
    state.emit("InvoiceReleased", invoice=inv_id, amount=amount)


class Anchor(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    number: str
    seller: str
    buyer: str
    currency: str
    net_amount: int
    tax_amount: int
    total_amount: int
    issue_date: str
    digest: bytes
    code: str = ""


class Void(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    invoice: str
    reason: str = ""


class RegisterParty(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    tax_id: str
    org: str


def anchor(state: TxState, ctx: Context, args: Anchor) -> None:
    """A tax authority anchors an invoice it has registered."""
    for name in ("number", "seller", "buyer"):
        if not TEXT_ID.match(getattr(args, name)):
            raise BadArguments(f"{name}: {getattr(args, name)!r} is not a valid identifier")
    if args.code and not TEXT_ID.match(args.code):
        raise BadArguments(f"code: {args.code!r} is not a valid identifier")
    if args.seller == args.buyer:
        raise BadArguments("buyer: must differ from the seller")
    if not CURRENCY.match(args.currency):
        raise BadArguments(f"currency: {args.currency!r} is not an ISO 4217 code")
    day_number(args.issue_date, "issue_date")
    if len(args.digest) != 32:
        raise BadArguments("digest: must be the 32-byte digest of the invoice file")
    for name in ("net_amount", "tax_amount"):
        if not 0 <= getattr(args, name) <= MAX_AMOUNT:
            raise BadArguments(f"{name}: must be between 0 and {MAX_AMOUNT} minor units")
    if not 0 < args.total_amount <= MAX_AMOUNT:
        raise BadArguments("total_amount: must be a positive number of minor units")
    if args.net_amount + args.tax_amount != args.total_amount:
        raise BadArguments(
            f"total_amount: {args.total_amount} is not net {args.net_amount} + "
            f"tax {args.tax_amount}"
        )
    inv_id = invoice_id(args.seller, args.code, args.number)
    if state.get(invoice_key(inv_id)) is not None:
        raise Conflict(f"number: invoice {inv_id!r} is already anchored")
    state.put(invoice_key(inv_id), Invoice(
        inv_id, args.code, args.number, args.seller, args.buyer, args.currency, args.net_amount,
        args.tax_amount, args.total_amount, args.issue_date, args.digest, InvoiceStatus.VALID, 0,
        ctx.sender.org, ctx.height,
    ))
    state.emit("InvoiceAnchored", invoice=inv_id, seller=args.seller, buyer=args.buyer,
               total_amount=args.total_amount, currency=args.currency)


def void(state: TxState, ctx: Context, args: Void) -> None:
    """A tax authority voids (red-letters) an invoice; it can back no new financing."""
    invoice = state.get_as(invoice_key(args.invoice), Invoice)
    if invoice is None:
        raise NotFound(f"invoice: {args.invoice!r} is not anchored")
    if invoice.status == InvoiceStatus.VOIDED:
        raise Conflict(f"invoice: {args.invoice!r} is already voided")
    state.put(invoice_key(args.invoice),
              msgspec.structs.replace(invoice, status=InvoiceStatus.VOIDED))
    state.emit("InvoiceVoided", invoice=args.invoice, financed=invoice.financed,
               reason=args.reason)


def register_party(state: TxState, ctx: Context, args: RegisterParty) -> None:
    """A tax authority attests that ledger organisation ``org`` holds ``tax_id``."""
    if not TEXT_ID.match(args.tax_id):
        raise BadArguments(f"tax_id: {args.tax_id!r} is not a valid identifier")
    if read_org(state, args.org) is None:
        raise NotFound(f"org: no organisation {args.org!r}")
    holder = org_of_party(state, args.tax_id)
    if holder is not None:
        raise Conflict(f"tax_id: {args.tax_id!r} is already registered to {holder!r}")
    state.put(party_key(args.tax_id), args.org)
    state.emit("PartyRegistered", tax_id=args.tax_id, org=args.org)


CONTRACT = Contract(
    "invoice",
    {
        "anchor": Action(anchor, Anchor, roles=TAX_AUTHORITIES),
        "void": Action(void, Void, roles=TAX_AUTHORITIES),
        "register_party": Action(register_party, RegisterParty, roles=TAX_AUTHORITIES),
    },
)
