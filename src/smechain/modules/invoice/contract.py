"""E-invoice anchors: the tax authority's record that makes double financing impossible.

The tax authority anchors each invoice document: its kind (UNTDID 1001 code,
as EN 16931 BT-3 uses it), seller and buyer identifiers (``SCHEME:value``,
:mod:`smechain.modules.invoice.identifiers`), amounts, amount due (BT-115), the
invoice it corrects (BT-25), and the digest of the file.

**Where the identity of an invoice lives.** Three records, three questions:

* *Which document is this?* The **document id**, ``seller/number`` (or
  ``seller/code/number`` for a China fapiao code), each part escaped
  (:func:`escape`: ``/``, ``~``, spaces and every character outside
  ``[A-Za-z0-9.-_:@+]`` become ``~XX``), so two different documents never
  share an id whatever their parts hold.
* *Has this file been anchored?* The **digest index**: one file, one id; the
  same bytes anchored under another id are refused.
* *Which commercial invoice is it, and how much of it is financed?* The
  **seller organisation and number**, resolved through the **identifier
  registry** when financing happens. A tax authority registers each
  identifier of an organisation (VAT id, tax number, USCC, GLN, e-mail
  address); all identifiers of one organisation are aliases. The financing
  record ``invoice/financing/<org>/<number>`` holds what is financed against
  that commercial invoice, whichever of its documents and identifiers were
  used, so the limit holds in whatever order anchors, registrations and
  financing arrive.

**Amount due.** Only invoices (``invoice``, ``self_billed``, ``prepayment``)
with a positive amount due back financing. The financeable amount of a
commercial invoice is the least amount due among its valid invoice documents,
less the credit notes and corrective invoices that reference it (BT-25)
under any of its seller's identifiers. Where financing already exceeds a
lowered amount due, the shortfall is recorded as **dilution** on the
financing record and ``InvoiceDiluted`` names the holders of the affected
financing (e.g. certificate holders) and the amounts.

Transitions, as declared in ``CONTRACT``::

    | action | from | to | by | co-signers | roles |
    |---|---|---|---|---|---|
    | anchor | (none) | valid | (by role) | (none) | tax_authority |
    | void | valid | voided | (by role) | (none) | tax_authority |
    | register_party | (none) | (none) | (by role) | (none) | tax_authority |

A voided document backs no new financing; past financing stays. Financing
(``reserve``, called by other contracts) leaves a valid document valid:
financed += amount, at most the amount due.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from enum import StrEnum

import msgspec

from smechain.core.contract import Action, Context, Contract, Subject, Transition
from smechain.core.daycount import day_number
from smechain.core.encoding import decode, shown
from smechain.core.errors import BadArguments, Conflict, NotFound
from smechain.core.state import StateReader, TxState
from smechain.modules.cash.contract import CURRENCY, MAX_AMOUNT
from smechain.modules.invoice.identifiers import check_identifier
from smechain.modules.membership.contract import read_org

INVOICE_PREFIX = "invoice/doc/"
PARTY_PREFIX = "invoice/party/"
ALIASES_PREFIX = "invoice/aliases/"
DIGEST_PREFIX = "invoice/digest/"
CREDITS_PREFIX = "invoice/credits/"
CREDITED_PREFIX = "invoice/credited/"
FINANCING_PREFIX = "invoice/financing/"

TAX_AUTHORITIES = frozenset({"tax_authority"})
MAX_NUMBER = 128
_CODE = re.compile(r"^[0-9A-Za-z]{1,20}$")
_TYPE_CODE = re.compile(r"^[0-9]{1,3}$")
_PLAIN = re.compile(r"[A-Za-z0-9.\-_:@+]")


class InvoiceStatus(StrEnum):
    """Lifecycle of an anchored document."""

    VALID = "valid"
    VOIDED = "voided"


class Kind(StrEnum):
    """What a document is, from its UNTDID 1001 type code (EN 16931 BT-3)."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    CORRECTIVE = "corrective"
    SELF_BILLED = "self_billed"
    PREPAYMENT = "prepayment"


CREDIT_NOTE_CODES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420",
                               "458", "532"})
"""UNTDID 1001 codes of credit notes (EN 16931 code list for BT-3)."""
FINANCEABLE = frozenset({Kind.INVOICE, Kind.SELF_BILLED, Kind.PREPAYMENT})


def kind_of(type_code: str) -> Kind:
    """The kind of a UNTDID 1001 document type code: 384 corrective, 389 self-billed, 386
    prepayment, the credit-note codes, every other code an invoice."""
    if type_code in CREDIT_NOTE_CODES:
        return Kind.CREDIT_NOTE
    return {"384": Kind.CORRECTIVE, "389": Kind.SELF_BILLED,
            "386": Kind.PREPAYMENT}.get(type_code, Kind.INVOICE)


class Invoice(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """An anchored document as the ledger records it; amounts in signed minor units."""

    id: str
    code: str
    number: str
    kind: str
    type_code: str
    seller: str
    buyer: str
    """``SCHEME:value``, or empty: a buyer with no identifier (it cannot back a certificate)."""
    currency: str
    net_amount: int
    tax_amount: int
    total_amount: int
    """BT-112, net + tax."""
    prepaid_amount: int
    """BT-113."""
    rounding_amount: int
    """BT-114."""
    amount_due: int
    """BT-115 = total − prepaid + rounding."""
    preceding: str
    """BT-25: the number of the invoice a credit note or corrective invoice refers to."""
    issue_date: str
    digest: bytes
    status: InvoiceStatus
    financed: int
    """How much financing was reserved through this document."""
    anchored_by: str
    anchored_at: int


class Reservation(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """One financing against a commercial invoice: through which document, for whom."""

    document: str
    ref: str
    """``contract:id`` of what the financing created, e.g. ``receivable:<certificate>``."""
    amount: int


class Financing(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """What is financed against one commercial invoice (seller organisation + number)."""

    id: str
    seller_org: str
    code: str
    number: str
    financed: int
    dilution: int
    """Financing above the current amount due (after credit notes), 0 when none."""
    reservations: list[Reservation]


class FinancingView(msgspec.Struct, frozen=True):
    """A commercial invoice as its documents and financing add up now."""

    id: str
    seller_org: str
    amount_due: int
    financed: int
    dilution: int
    documents: list[str]
    credits: list[str]


# --------------------------------------------------------------------------- ids and keys


def escape(part: str) -> str:
    """``part`` with every character outside ``[A-Za-z0-9.-_:@+]`` written ``~XX`` (UTF-8 hex)."""
    return "".join(ch if _PLAIN.match(ch) else "".join(f"~{b:02X}" for b in ch.encode())
                   for ch in part)


def _join(*parts: str) -> str:
    return "/".join(escape(p) for p in parts)


def invoice_id(seller: str, code: str, number: str) -> str:
    """The ledger id of a document: escaped ``seller/number``, or ``seller/code/number``."""
    return _join(seller, code, number) if code else _join(seller, number)


def financing_id(org: str, code: str, number: str) -> str:
    """The id of a commercial invoice: escaped ``org/number``, or ``org/code/number``."""
    return invoice_id(org, code, number)


def invoice_key(inv_id: str) -> str:
    """State key of an anchored document."""
    return INVOICE_PREFIX + inv_id


def party_key(identifier: str) -> str:
    """State key of the organisation that holds an identifier."""
    return PARTY_PREFIX + escape(identifier)


DOCUMENTS = Subject("invoice document", Invoice, invoice_key, "invoice",
                    missing="{id!r} is not anchored", wrong_status="{id!r} is already {status}")


def read_invoice(state: StateReader, inv_id: str) -> Invoice | None:
    """The anchored document ``inv_id``, or ``None``."""
    raw = state.get(invoice_key(inv_id))
    return None if raw is None else decode(raw, Invoice)


def read_financing(state: StateReader, fid: str) -> Financing | None:
    """The financing record of commercial invoice ``fid``, or ``None``."""
    raw = state.get(FINANCING_PREFIX + fid)
    return None if raw is None else decode(raw, Financing)


def org_of_party(state: StateReader, identifier: str) -> str | None:
    """The organisation a tax authority registered for ``identifier`` (``None``: nobody, or
    an empty identifier)."""
    if not identifier:
        return None
    raw = state.get(party_key(identifier))
    return None if raw is None else decode(raw, str)


def aliases(state: StateReader, org: str) -> list[str]:
    """Every identifier registered to ``org``, in registration order."""
    return _str_list(state, ALIASES_PREFIX + escape(org))


def _str_list(state: StateReader, key: str) -> list[str]:
    raw = state.get(key)
    return [] if raw is None else decode(raw, list[str])


def matches_file(invoice: Invoice, file_digest: bytes) -> bool:
    """True when a file's digest is the one anchored."""
    return invoice.digest == file_digest


def credit_of(doc: Invoice) -> int:
    """How much ``doc`` lowers the invoice it references: a credit note its whole amount
    due, any other document a negative amount due; 0 without a BT-25 reference."""
    return _credit_amount(doc) if doc.status == InvoiceStatus.VALID else 0


def _credit_amount(doc: Invoice) -> int:
    """What ``doc`` lowers its referenced invoice by while valid, whatever its status now."""
    if not doc.preceding:
        return 0
    if doc.kind == Kind.CREDIT_NOTE:
        return abs(doc.amount_due)
    return max(0, -doc.amount_due)


# --------------------------------------------------------------------------- commercial view


def financing_view(state: StateReader, org: str | None, seller: str, code: str,
                   number: str) -> FinancingView:
    """The commercial invoice ``number`` of ``org`` (or, unregistered, of identifier ``seller``).

    Its documents are those anchored under any identifier of the organisation.
    The amount due is the least amount due (never above the total) among its
    invoice documents, voided ones included, less the credits that reference
    it, never below 0; it is 0 when none of them is valid, or when they and
    their credits are not all in one currency (no rate is assumed).
    ``financed`` and ``dilution`` come from its financing record.
    """
    docs, credits = _documents(state, aliases(state, org) if org else [seller], code, number)
    fid = financing_id(org, code, number) if org else ""
    record = read_financing(state, fid) if org else None
    return FinancingView(fid, org or "", _amount_due(docs, credits),
                         record.financed if record else 0, record.dilution if record else 0,
                         [d.id for d in docs], [c.id for c in credits])


def _documents(state: StateReader, idents: list[str], code: str, number: str
               ) -> tuple[list[Invoice], list[Invoice]]:
    """The documents numbered ``number`` under ``idents``, and the credits referencing them."""
    docs: list[Invoice] = []
    credits: list[Invoice] = []
    for ident in idents:
        doc_id = invoice_id(ident, code, number)
        doc = read_invoice(state, doc_id)
        if doc is not None:
            docs.append(doc)
        for credit_id in _str_list(state, CREDITS_PREFIX + doc_id):
            credit = read_invoice(state, credit_id)
            if credit is not None:
                credits.append(credit)
    return docs, credits


def _amount_due(docs: list[Invoice], credits: list[Invoice]) -> int:
    """The amount due of a commercial invoice from its documents and credits
    (:func:`financing_view` says how)."""
    invoices = [d for d in docs if d.kind in FINANCEABLE]
    valid_credits = [c for c in credits if credit_of(c)]
    if not any(d.status == InvoiceStatus.VALID for d in invoices) or len(
            {d.currency for d in invoices} | {c.currency for c in valid_credits}) != 1:
        return 0
    # Voided documents still cap it: voiding never raises what can be financed; nor can
    # rounding or a bad prepaid amount lift it above an invoice's total.
    base = min(min(d.amount_due, d.total_amount) for d in invoices)
    return max(0, base - sum(credit_of(c) for c in valid_credits))


def _org_amount_due(state: StateReader, org: str, code: str, number: str) -> int:
    return _amount_due(*_documents(state, aliases(state, org), code, number))


def financing_of(state: StateReader, doc: Invoice) -> FinancingView:
    """The commercial invoice a document belongs to (the invoice it credits, for a credit)."""
    number = doc.preceding if credit_of(doc) else doc.number
    return financing_view(state, org_of_party(state, doc.seller), doc.seller, doc.code, number)


# --------------------------------------------------------------------------- financing

PartiesOf = Callable[[StateReader, str], list[str]]
_PARTIES: dict[str, PartiesOf] = {}


def notify_parties(contract: str, parties: PartiesOf) -> None:
    """Declare who holds what ``contract`` financed (``parties(state, id)``): they are named
    in ``InvoiceDiluted`` events. Contracts call this once, at import."""
    _PARTIES[contract] = parties


def reserve(state: TxState, inv_id: str, amount: int, field: str = "invoices",
            ref: str = "") -> Invoice:
    """Mark ``amount`` of an invoice as financed; refuse anything that would finance it twice.

    Other contracts (certificates, factoring, loans) call this in the same
    transaction that creates the financing, so the check and the record are
    one atomic step in block order: whichever transaction comes first wins,
    and later ones get a ``conflict`` receipt naming the invoice. ``ref`` is
    ``contract:id`` of what the financing created.

    Raises ``NotFound`` (not anchored), ``Conflict`` (voided, a credit note or
    corrective invoice, seller identifier not registered, more than the amount
    due left unfinanced), ``BadArguments`` (amount not positive).
    """
    doc = state.get_as(invoice_key(inv_id), Invoice)
    if doc is None:
        raise NotFound(field, f"invoice {shown(inv_id)!r} is not anchored")
    if doc.status != InvoiceStatus.VALID:
        raise Conflict(field, f"invoice {inv_id!r} is {doc.status} and cannot back financing")
    if doc.kind not in FINANCEABLE:
        raise Conflict(field, f"invoice {inv_id!r} is a {doc.kind} (type {doc.type_code}); "
                       "only invoices back financing")
    if amount <= 0:
        raise BadArguments(f"{field}.amount", f"{amount} must be positive")
    org = org_of_party(state, doc.seller)
    if org is None:
        raise Conflict(field, f"invoice {inv_id!r}: seller {doc.seller!r} is not registered "
                       "to an organisation")
    due = _org_amount_due(state, org, doc.code, doc.number)
    record = _financing(state, org, doc)
    free = max(0, due - record.financed)
    if amount > free:
        raise Conflict(
            field, f"invoice {inv_id!r} has {free} of its amount due {due} "
            f"{doc.currency} unfinanced; {amount} asked (already financed: {record.financed})")
    state.put(FINANCING_PREFIX + record.id, msgspec.structs.replace(
        record, financed=record.financed + amount,
        reservations=[*record.reservations, Reservation(inv_id, ref, amount)]))
    updated = msgspec.structs.replace(doc, financed=doc.financed + amount)
    state.put(invoice_key(inv_id), updated)
    state.emit("InvoiceFinanced", invoice=inv_id, amount=amount,
               financed=record.financed + amount, amount_due=due)
    return updated


def _financing(state: StateReader, org: str, doc: Invoice) -> Financing:
    fid = financing_id(org, doc.code, doc.number)
    return read_financing(state, fid) or Financing(fid, org, doc.code, doc.number, 0, 0, [])


def release(state: TxState, inv_id: str, amount: int, ref: str = "") -> None:
    """Give back ``amount`` reserved by financing ``ref`` that did not go ahead (a dispute)."""
    doc = state.get_as(invoice_key(inv_id), Invoice)
    org = org_of_party(state, doc.seller) if doc is not None else None
    record = _financing(state, org, doc) if doc is not None and org else None
    held = Reservation(inv_id, ref, amount)
    if doc is None or record is None or held not in record.reservations:
        raise Conflict("invoices", f"cannot release {amount} of invoice {inv_id!r}")
    rest = list(record.reservations)
    rest.remove(held)
    state.put(FINANCING_PREFIX + record.id, msgspec.structs.replace(
        record, financed=record.financed - amount, reservations=rest))
    state.put(invoice_key(inv_id), msgspec.structs.replace(doc, financed=doc.financed - amount))
    state.emit("InvoiceReleased", invoice=inv_id, amount=amount)
    _refresh_dilution(state, record.seller_org, doc.code, doc.number, inv_id)


def _refresh_dilution(state: TxState, org: str, code: str, number: str, cause: str) -> None:
    """Record financing above the amount due as dilution; announce it when it grows."""
    if not org:
        return
    record = read_financing(state, financing_id(org, code, number))
    if record is None:
        return
    due = _org_amount_due(state, org, code, number)
    shortfall = max(0, record.financed - due)
    if shortfall == record.dilution:
        return
    state.put(FINANCING_PREFIX + record.id, msgspec.structs.replace(record, dilution=shortfall))
    if shortfall > record.dilution:
        holders: set[str] = set()
        for r in record.reservations:
            contract, _, ref_id = r.ref.partition(":")
            if contract in _PARTIES:
                holders.update(_PARTIES[contract](state, ref_id))
        state.emit("InvoiceDiluted", commercial_invoice=record.id, seller=org, cause=cause,
                   amount_due=due, financed=record.financed, dilution=shortfall,
                   financings=sorted({r.ref for r in record.reservations}),
                   holders=sorted(holders))


# --------------------------------------------------------------------------- actions


class Anchor(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One e-invoice document. Amounts are signed minor units; ``amount_due`` defaults to
    total − prepaid + rounding; ``buyer`` may be empty."""

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
    type_code: str = "380"
    prepaid_amount: int = 0
    rounding_amount: int = 0
    amount_due: int | None = None
    preceding: str = ""


class Void(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    invoice: str
    reason: str = ""


class RegisterParty(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    identifier: str
    """``SCHEME:value`` (:mod:`smechain.modules.invoice.identifiers`)."""
    org: str


def check_anchor(args: Anchor) -> int:
    """Validate one document; return its amount due. ``BadArguments`` names the field.

    The importer runs this on every file it reads, so a file it accepts is
    never refused by the ledger for its contents. Rules: identifiers as
    :func:`~smechain.modules.invoice.identifiers.check_identifier`; every amount
    within ±(2^63 − 1); numbers in :func:`canonical_number` form; prepaid
    between 0 and the total; BR-CO-15 total = net + tax; BR-CO-16 amount due =
    total − prepaid + rounding (EN 16931).
    """
    _check_text(args.number, "number")
    check_identifier(args.seller, "seller")
    if args.buyer:
        check_identifier(args.buyer, "buyer")
    if args.code and not _CODE.match(args.code):
        raise BadArguments("code", f"{shown(args.code)!r} is not 1-20 letters and digits")
    if not _TYPE_CODE.match(args.type_code):
        raise BadArguments("type_code", f"{shown(args.type_code)!r} is not a UNTDID 1001 code")
    if args.preceding:
        _check_text(args.preceding, "preceding")
    if not CURRENCY.match(args.currency):
        raise BadArguments("currency", f"{shown(args.currency)!r} is not an ISO 4217 code")
    day_number(args.issue_date, "issue_date")
    if len(args.digest) != 32:
        raise BadArguments("digest", "must be the 32-byte digest of the invoice file")
    due = (args.total_amount - args.prepaid_amount + args.rounding_amount
           if args.amount_due is None else args.amount_due)
    for name, value in (("net_amount", args.net_amount), ("tax_amount", args.tax_amount),
                        ("total_amount", args.total_amount),
                        ("prepaid_amount", args.prepaid_amount),
                        ("rounding_amount", args.rounding_amount), ("amount_due", due)):
        if not -MAX_AMOUNT <= value <= MAX_AMOUNT:
            raise BadArguments(name, f"{value} is beyond ±{MAX_AMOUNT} minor units")
    if args.net_amount + args.tax_amount != args.total_amount:
        raise BadArguments("total_amount", f"{args.total_amount} is not net {args.net_amount} + "
                           f"tax {args.tax_amount} (EN 16931 BR-CO-15)")
    if not min(0, args.total_amount) <= args.prepaid_amount <= max(0, args.total_amount):
        raise BadArguments("prepaid_amount", f"{args.prepaid_amount} is not between 0 and the "
                           f"total {args.total_amount}")
    if args.total_amount - args.prepaid_amount + args.rounding_amount != due:
        raise BadArguments("amount_due", f"{due} is not total {args.total_amount} − prepaid "
                           f"{args.prepaid_amount} + rounding {args.rounding_amount} "
                           "(EN 16931 BR-CO-16)")
    return due


def canonical_number(value: str) -> str:
    """An invoice number as the ledger keeps it: Unicode NFKC (full-width forms folded),
    format characters (zero-width spaces, joiners) removed, each run of white space one
    ASCII space, none at the ends. Numbers that look alike are one number."""
    folded = unicodedata.normalize("NFKC", value)
    visible = "".join(c for c in folded if unicodedata.category(c) != "Cf")
    return " ".join(visible.split())


def _check_text(value: str, field: str) -> None:
    if not value:
        raise BadArguments(field, "must not be empty")
    if len(value) > MAX_NUMBER or any(unicodedata.category(c) == "Cc" for c in value):
        raise BadArguments(field, f"at most {MAX_NUMBER} characters, no control characters")
    if value != canonical_number(value):
        raise BadArguments(field, f"{value!r} is not in canonical form "
                           f"({canonical_number(value)!r}: NFKC, single spaces, no format "
                           "characters)")


def anchor(state: TxState, ctx: Context, args: Anchor) -> None:
    """A tax authority anchors a document it has registered; a credit lowers what it credits."""
    due = check_anchor(args)
    inv_id = invoice_id(args.seller, args.code, args.number)
    if state.get(invoice_key(inv_id)) is not None:
        raise Conflict("number", f"invoice {inv_id!r} is already anchored")
    digest_key = DIGEST_PREFIX + args.digest.hex()
    earlier = state.get_as(digest_key, str)
    if earlier is not None:
        raise Conflict("digest", f"this file is already anchored as {earlier!r}")
    kind = kind_of(args.type_code)
    doc = Invoice(
        inv_id, args.code, args.number, kind, args.type_code, args.seller, args.buyer,
        args.currency, args.net_amount, args.tax_amount, args.total_amount, args.prepaid_amount,
        args.rounding_amount, due, args.preceding, args.issue_date, args.digest,
        InvoiceStatus.VALID, 0, ctx.sender.org, ctx.height)
    state.put(invoice_key(inv_id), doc)
    state.put(digest_key, inv_id)
    state.emit("InvoiceAnchored", invoice=inv_id, kind=kind, seller=args.seller,
               buyer=args.buyer, total_amount=args.total_amount, amount_due=due,
               currency=args.currency, preceding=args.preceding)
    if credit_of(doc):
        credited = invoice_id(args.seller, args.code, args.preceding)
        credits_key = CREDITS_PREFIX + credited
        state.put(credits_key, [*_str_list(state, credits_key), inv_id])
        credited_key = CREDITED_PREFIX + escape(args.seller)
        raw = state.get(credited_key)
        refs = [] if raw is None else decode(raw, list[tuple[str, str]])
        if (args.code, args.preceding) not in refs:
            state.put(credited_key, [*refs, (args.code, args.preceding)])
        org = org_of_party(state, args.seller)
        _refresh_dilution(state, org or "", args.code, args.preceding, inv_id)


def void(state: TxState, ctx: Context, args: Void, doc: Invoice) -> None:
    """A tax authority voids (red-letters) a document; it can back no new financing.

    A voided credit no longer lowers the invoice it referenced (``doc`` is already voided
    here), so that invoice's dilution is worked out again."""
    state.emit("InvoiceVoided", invoice=args.invoice, financed=doc.financed,
               reason=args.reason)
    org = org_of_party(state, doc.seller) or ""
    number = doc.preceding if _credit_amount(doc) else doc.number
    _refresh_dilution(state, org, doc.code, number, args.invoice)


def register_party(state: TxState, ctx: Context, args: RegisterParty) -> None:
    """A tax authority attests that ledger organisation ``org`` holds ``identifier``.

    Registrations are permanent: an identifier never moves to another
    organisation, so what was financed stays attributed. Credits already
    anchored under the identifier now lower the organisation's invoices.
    """
    check_identifier(args.identifier, "identifier")
    if read_org(state, args.org) is None:
        raise NotFound("org", f"no organisation {shown(args.org)!r}")
    holder = org_of_party(state, args.identifier)
    if holder is not None:
        raise Conflict("identifier", f"{shown(args.identifier)!r} is already registered to "
                       f"{holder!r}")
    state.put(party_key(args.identifier), args.org)
    state.put(ALIASES_PREFIX + escape(args.org), [*aliases(state, args.org), args.identifier])
    state.emit("PartyRegistered", identifier=args.identifier, org=args.org)
    raw = state.get(CREDITED_PREFIX + escape(args.identifier))
    for code, number in [] if raw is None else decode(raw, list[tuple[str, str]]):
        _refresh_dilution(state, args.org, code, number, args.identifier)


CONTRACT = Contract(
    "invoice",
    {
        "anchor": Action(anchor, Anchor, roles=TAX_AUTHORITIES, to=InvoiceStatus.VALID),
        "void": Transition(void, Void, DOCUMENTS, {InvoiceStatus.VALID}, InvoiceStatus.VOIDED,
                           roles=TAX_AUTHORITIES),
        "register_party": Action(register_party, RegisterParty, roles=TAX_AUTHORITIES),
    },
)
