"""Electronic bills of lading (DCSA eBL 3.0): issue, transfer by endorsement, surrender.

A carrier issues a bill from its transport document: the ledger fixes the
document's SHA-256 digest (of its RFC 8785 canonical form, as DCSA PINT's
``transportDocumentChecksum``; the document never changes after issue) and the
facts a financier relies on (reference, type, shipped-on-board or
received-for-shipment date, ports, originals, goods, declared value), and
hands the bill to the shipper, its first possessor. Every move after that
appends one entry to the bill's transfer chain (:class:`ChainEntry`, PINT
``EnvelopeTransferChainEntry`` semantics): who acted, to whom, the action
code, the endorsement, the digest of the document, the checksum of the
previous entry and the ledger transaction that the sending organisation
signed. At every height a live bill has exactly one possessor.

Transitions, as declared in ``CONTRACT``::

    | action | from | to | by | co-signers | roles |
    |---|---|---|---|---|---|
    | issue | (none) | issued | (by role) | (none) | carrier |
    | transfer | issued | (same) | possessor | (none) | any |
    | surrender | issued | surrender_requested | possessor | (none) | any |
    | answer_surrender | pending | (same) | carrier | (none) | any |

The rules, from DCSA eBL 3.0 (``TransportDocument.isToOrder``, the PINT
``Transaction.actionCode`` definitions and ``SurrenderRequestDetails``):

- **issue**: only a carrier; one transport document reference per carrier and
  one digest on the ledger; only a bill of lading (``BOL``): a sea waybill
  (``SWB``) is no document of title. A *straight* bill (``to_order`` false)
  names its consignee organisation; a *to-order* bill (negotiable) names no
  consignee but may name the party to whose order it is made out
  (``endorsee``, which may be the shipper itself: "to order of shipper");
  naming none, it is endorsed in blank (a bearer bill), as DCSA reads
  ``isToOrder`` without an ``Endorsee``. The shipper is the first possessor.
- **transfer**: by the one possessor, to another member (never back to the
  carrier: that is a surrender). A straight bill cannot be endorsed and goes
  only to its named consignee. A to-order bill passes by endorsement of its
  holder (the possessor who is its named endorsee): ``to_order`` (PINT
  ``ENDORSE_TO_ORDER``: the endorsee may endorse again), ``named`` (PINT
  ``ENDORSE``: the endorsee may not endorse it further, only surrender it) or
  ``blank`` (``BLANK_ENDORSE``: it becomes a bearer bill, and each later
  possessor is its holder by transfer alone, or may endorse it to a named
  party again). A possessor who is not the named endorsee can only deliver
  the bill, unendorsed, to that endorsee.
- **surrender**: by the possessor, for ``delivery`` of the goods or for
  ``amendment``; a to-order bill only by its holder (the named endorsee, or
  any possessor of a bearer bill). The carrier holds the bill until it
  answers.
- **answer_surrender**: by the carrier that issued the bill, exactly once per
  request. Accepting a surrender for delivery accomplishes the bill
  (``surrendered``: void, no further move); accepting one for amendment
  replaces it with the amended document, issued as a new bill (new digest,
  same reference, ``replaces`` the old one) to the party that surrendered it,
  with a chain of its own; rejecting it (with a reason) gives possession back
  to the surrendering party.
"""

from __future__ import annotations

import hashlib
import re
from enum import StrEnum
from typing import Annotated

import msgspec

from smechain.core.contract import Action, Context, Contract, Party, Subject, Transition
from smechain.core.daycount import day_number
from smechain.core.encoding import decode, encode, shown
from smechain.core.errors import BadArguments, Conflict, NotFound
from smechain.core.state import StateReader, TxState
from smechain.modules.cash.contract import CURRENCY, MAX_AMOUNT
from smechain.modules.membership.contract import OrgStatus, read_org

BILL_PREFIX = "bill_of_lading/bill/"
REFERENCE_PREFIX = "bill_of_lading/reference/"
DIGEST_PREFIX = "bill_of_lading/digest/"
CHAIN_PREFIX = "bill_of_lading/chain/"
REQUEST_PREFIX = "bill_of_lading/surrender/"

CARRIERS = frozenset({"carrier"})
DIGEST_SIZE = 32
MAX_GOODS = 512
MAX_COMMENTS = 255
"""DCSA ``comments`` (surrender request and answer): at most 255 characters."""
UN_LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
"""A UN/LOCODE: country code and three letters or digits 2-9 (DCSA ``UNLocationCode``)."""
REFERENCE = r"^\S(?:.*\S)?$"
"""DCSA ``transportDocumentReference``: no space at either end; at most 20 characters."""


class Status(StrEnum):
    """Lifecycle of a bill on the ledger (DCSA ``transportDocumentStatus`` after issue)."""

    ISSUED = "issued"
    SURRENDER_REQUESTED = "surrender_requested"
    """DCSA ``PENDING_SURRENDER_FOR_DELIVERY`` or ``…_FOR_AMENDMENT``: the carrier holds it."""
    SURRENDERED = "surrendered"
    """Surrendered for delivery and accepted: accomplished, void."""
    AMENDED = "amended"
    """Surrendered for amendment and accepted: replaced by the amended bill."""


LIVE = frozenset({Status.ISSUED, Status.SURRENDER_REQUESTED})


class RequestStatus(StrEnum):
    """A surrender request: open until the carrier answers it, once."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Endorsement(StrEnum):
    """How a transfer of a to-order bill is endorsed (PINT action codes in brackets)."""

    NONE = ""
    """No endorsement: a straight bill, a bearer bill, or delivery to the named endorsee."""
    TO_ORDER = "to_order"
    """``ENDORSE_TO_ORDER``: to the order of the recipient, who may endorse it again."""
    NAMED = "named"
    """``ENDORSE``: to the recipient, who may not endorse it further."""
    BLANK = "blank"
    """``BLANK_ENDORSE``: in blank; the bill becomes a bearer bill."""


class SurrenderKind(StrEnum):
    """Why a bill is surrendered (DCSA ``surrenderRequestCode``: ``SREQ``, ``AREQ``)."""

    DELIVERY = "delivery"
    AMENDMENT = "amendment"


class Code(StrEnum):
    """PINT ``Transaction.actionCode`` of a chain entry."""

    ISSUE = "ISSUE"
    TRANSFER = "TRANSFER"
    ENDORSE = "ENDORSE"
    ENDORSE_TO_ORDER = "ENDORSE_TO_ORDER"
    BLANK_ENDORSE = "BLANK_ENDORSE"
    SURRENDER_FOR_DELIVERY = "SURRENDER_FOR_DELIVERY"
    SURRENDER_FOR_AMENDMENT = "SURRENDER_FOR_AMENDMENT"
    SACC = "SACC"
    """The carrier accepted the surrender."""
    SREJ = "SREJ"
    """The carrier rejected the surrender; possession goes back."""


ENDORSE_CODES = {Endorsement.TO_ORDER: Code.ENDORSE_TO_ORDER, Endorsement.NAMED: Code.ENDORSE,
                 Endorsement.BLANK: Code.BLANK_ENDORSE}
AMENDMENT_REASONS = frozenset({"SWTP", "COD", "SWI"})
"""PINT ``reasonCode`` of a surrender for amendment: switch to paper, change of destination,
switch B/L."""

Text = Annotated[str, msgspec.Meta(max_length=64)]
Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_AMOUNT)]


class Document(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What the ledger keeps of a DCSA transport document (``dcsa.py`` reads it from one).

    Dates are ``YYYY-MM-DD``; places are UN/LOCODEs (``""``: not given); weight in grams;
    the declared value in minor units of its currency.
    """

    reference: Annotated[str, msgspec.Meta(min_length=1, max_length=20, pattern=REFERENCE)]
    """DCSA ``transportDocumentReference``: unique per carrier."""
    to_order: bool
    """DCSA ``isToOrder``: negotiable (to order) or straight."""
    digest: bytes
    """SHA-256 of the document's RFC 8785 canonical JSON (PINT ``transportDocumentChecksum``)."""
    carrier_code: Annotated[str, msgspec.Meta(min_length=1, max_length=4, pattern=r"^\S+$")]
    """DCSA ``carrierCode``: the carrier's SCAC (NMFTA) or SMDG code."""
    shipped_on_board_date: str = ""
    received_for_shipment_date: str = ""
    """Exactly one of the two dates (DCSA: on an issued bill)."""
    document_type: str = "BOL"
    """DCSA ``transportDocumentTypeCode``: ``BOL``; ``SWB`` is refused."""
    carrier_code_list: str = "NMFTA"
    """DCSA ``carrierCodeListProvider``: ``NMFTA`` (SCAC) or ``SMDG``."""
    issue_date: str = ""
    place_of_receipt: str = ""
    port_of_loading: str = ""
    port_of_discharge: str = ""
    place_of_delivery: str = ""
    originals: Annotated[int, msgspec.Meta(ge=1, le=1)] = 1
    """Originals issued: an eBL is one original (DCSA: 1 when ``isElectronic``)."""
    goods: Annotated[str, msgspec.Meta(max_length=MAX_GOODS)] = ""
    """The descriptions of goods, joined by ``; ``."""
    gross_weight_g: Count = 0
    """Total cargo gross weight, grams."""
    declared_value: Count = 0
    """DCSA ``declaredValue`` in minor units of ``declared_value_currency``; 0: none."""
    declared_value_currency: str = ""


class Bill(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """A bill of lading on the ledger."""

    id: str
    carrier: str
    """The organisation that issued it (and answers its surrenders)."""
    document: Document
    shipper: str
    consignee: str
    """A straight bill's named consignee organisation; ``""`` for a to-order bill."""
    endorsee: str
    """A to-order bill's named endorsee (its holder when it possesses it); ``""`` for a
    bearer (blank-endorsed) bill and for a straight bill."""
    endorsable: bool
    """Whether the endorsee may endorse it further (``False`` after a ``named`` endorsement)."""
    possessor: str
    """Who possesses it: exactly one organisation; the carrier while a surrender is open
    and after it is accepted."""
    status: Status
    issued_at_ms: int
    chain_length: int
    chain_head: bytes
    """Checksum of the last chain entry."""
    parties: list[str]
    """Every organisation that has been named on it or held it, sorted."""
    surrender: str = ""
    """The open surrender request, while ``surrender_requested``."""
    replaces: str = ""
    """For an amended bill: the bill it replaced."""
    replaced_by: str = ""
    closed_at_ms: int = 0


class ChainEntry(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """One move of a bill, as PINT's ``EnvelopeTransferChainEntry`` records it.

    ``previous`` is the checksum (:func:`entry_checksum`) of the entry before (empty for
    the first); ``tx_hash`` is the ledger transaction the acting organisation signed: the
    entry's signature reference.
    """

    bill: str
    seq: int
    action: Code
    actor: str
    recipient: str
    """``""`` for none (never: every move has a recipient; a blank endorsement's is the
    next possessor)."""
    endorsement: Endorsement
    endorsee: str
    """The bill's endorsee after this move."""
    possessor: str
    """The bill's possessor after this move."""
    document_checksum: bytes
    previous: bytes
    tx_hash: bytes
    height: int
    at_ms: int


class Request(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """A surrender request (DCSA ``SurrenderRequestDetails``) and the carrier's answer."""

    id: str
    """The surrender request reference (never reused)."""
    bill: str
    carrier: str
    by: str
    """The party that surrendered the bill."""
    kind: SurrenderKind
    reason_code: str
    comments: str
    status: RequestStatus
    requested_at_ms: int
    answered_at_ms: int = 0
    answer_comments: str = ""
    amended_bill: str = ""
    """On an accepted amendment: the bill issued in its place."""


# --------------------------------------------------------------------------- keys


def bill_key(bill_id: str) -> str:
    """State key of a bill."""
    return BILL_PREFIX + bill_id


def entry_key(bill_id: str, seq: int) -> str:
    """State key of entry ``seq`` (from 0) of a bill's transfer chain."""
    return f"{CHAIN_PREFIX}{bill_id}/{seq:08d}"


def request_key(request_id: str) -> str:
    """State key of a surrender request."""
    return REQUEST_PREFIX + request_id


def reference_key(carrier: str, reference: str) -> str:
    """State key holding the bill a carrier issued under a transport document reference
    (the newest, after amendments)."""
    return f"{REFERENCE_PREFIX}{carrier}/{reference.encode().hex()}"


def digest_key(digest: bytes) -> str:
    """State key holding the bill whose document has ``digest``."""
    return DIGEST_PREFIX + digest.hex()


def entry_checksum(entry: ChainEntry) -> bytes:
    """SHA-256 of the entry's canonical encoding: what the next entry's ``previous`` holds."""
    return hashlib.sha256(encode(entry)).digest()


def read_bill(state: StateReader, bill_id: str) -> Bill | None:
    """The bill ``bill_id``, or ``None``."""
    raw = state.get(bill_key(bill_id))
    return None if raw is None else decode(raw, Bill)


def read_request(state: StateReader, request_id: str) -> Request | None:
    """The surrender request ``request_id``, or ``None``."""
    raw = state.get(request_key(request_id))
    return None if raw is None else decode(raw, Request)


def read_entry(state: StateReader, bill_id: str, seq: int) -> ChainEntry | None:
    """Entry ``seq`` of a bill's chain, or ``None``."""
    raw = state.get(entry_key(bill_id, seq))
    return None if raw is None else decode(raw, ChainEntry)


# --------------------------------------------------------------------------- arguments


class Issue(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A carrier issues a bill of lading to the shipper."""

    document: Document
    shipper: Text
    """The first possessor: the shipper organisation (DCSA ``issueTo``)."""
    consignee: Text = ""
    """A straight bill's named consignee organisation (required there; none on a
    to-order bill)."""
    endorsee: Text = ""
    """A to-order bill's first endorsee, the party to whose order it is made out (may be
    the shipper); ``""``: endorsed in blank. None on a straight bill."""


class Transfer(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    to: Text
    endorsement: Endorsement = Endorsement.NONE


class Surrender(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    kind: SurrenderKind
    reason_code: Annotated[str, msgspec.Meta(max_length=4)] = ""
    """For an amendment: ``SWTP``, ``COD`` or ``SWI`` (or ``""``, saying why in
    ``comments``)."""
    comments: Annotated[str, msgspec.Meta(max_length=MAX_COMMENTS)] = ""


class AnswerSurrender(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    request: str
    accept: bool
    comments: Annotated[str, msgspec.Meta(max_length=MAX_COMMENTS)] = ""
    """Required to reject (DCSA ``SurrenderRequestAnswer``)."""
    amended: Document | None = None
    """Accepting a surrender for amendment: the amended document (same reference)."""


POSSESSOR: Party[Bill] = Party("possessor", lambda b: b.possessor)
BILLS = Subject("bill of lading", Bill, bill_key, "id", missing="no bill of lading {id!r}",
                wrong_status="bill of lading {id!r} is {status}; {action} needs {expected}",
                parties=(POSSESSOR, Party("carrier", lambda b: b.carrier),
                         Party("endorsee", lambda b: b.endorsee)))
REQUEST_CARRIER: Party[Request] = Party("carrier", lambda r: r.carrier)
REQUESTS = Subject("surrender request", Request, request_key, "request",
                   missing="no surrender request {id!r}",
                   wrong_status="surrender request {id!r} is already {status}: a request is "
                   "answered once",
                   parties=(REQUEST_CARRIER, Party("surrendering party", lambda r: r.by)))


# --------------------------------------------------------------------------- checks


def check_document(doc: Document, field: str = "document") -> None:
    """The rules on a transport document's facts beyond their types; ``BadArguments``
    naming ``<field>.<fact>``. The importer runs this too, so a document it accepts is
    never refused for its facts."""
    if doc.document_type != "BOL":
        reason = ("a sea waybill (SWB) is no document of title: delivery is to the named "
                  "consignee, with nothing to transfer or surrender" if doc.document_type
                  == "SWB" else f"{shown(doc.document_type)!r} is not BOL")
        raise BadArguments(f"{field}.document_type", reason)
    if len(doc.digest) != DIGEST_SIZE:
        raise BadArguments(f"{field}.digest", f"a SHA-256 digest is {DIGEST_SIZE} bytes, "
                           f"not {len(doc.digest)}")
    if doc.carrier_code_list not in ("NMFTA", "SMDG"):
        raise BadArguments(f"{field}.carrier_code_list",
                           f"{shown(doc.carrier_code_list)!r} is not NMFTA or SMDG")
    if bool(doc.shipped_on_board_date) == bool(doc.received_for_shipment_date):
        raise BadArguments(f"{field}.shipped_on_board_date", "an issued bill carries exactly "
                           "one of shipped_on_board_date and received_for_shipment_date")
    for name in ("shipped_on_board_date", "received_for_shipment_date", "issue_date"):
        value = getattr(doc, name)
        if value:
            day_number(value, f"{field}.{name}")
    for name in ("place_of_receipt", "port_of_loading", "port_of_discharge",
                 "place_of_delivery"):
        value = getattr(doc, name)
        if value and not UN_LOCODE.match(value):
            raise BadArguments(f"{field}.{name}", f"{shown(value)!r} is not a UN/LOCODE")
    if doc.declared_value and not CURRENCY.match(doc.declared_value_currency):
        raise BadArguments(f"{field}.declared_value_currency", "a declared value needs its "
                           "ISO 4217 currency")
    if not doc.declared_value and doc.declared_value_currency:
        raise BadArguments(f"{field}.declared_value_currency", "given without a declared value")


def _member(state: StateReader, org: str, field: str, carrier: str) -> None:
    found = read_org(state, org)
    if found is None or found.status != OrgStatus.ACTIVE:
        raise NotFound(field, f"no active organisation {shown(org)!r}")
    if org == carrier:
        raise BadArguments(field, f"{org!r} is the carrier: it takes a bill back only by "
                           "surrender")


# --------------------------------------------------------------------------- the chain


def _append(state: TxState, ctx: Context, bill: Bill, action: Code, actor: str,
            recipient: str, endorsement: Endorsement = Endorsement.NONE) -> Bill:
    """Record one move on ``bill`` (already in its new state) and store the bill with its
    chain head, length and parties updated."""
    entry = ChainEntry(bill.id, bill.chain_length, action, actor, recipient, endorsement,
                       bill.endorsee, bill.possessor, bill.document.digest, bill.chain_head,
                       ctx.tx_hash, ctx.height, ctx.timestamp_ms)
    state.put(entry_key(bill.id, entry.seq), entry)
    named = {bill.carrier, bill.shipper, bill.consignee, bill.endorsee, bill.possessor,
             actor, recipient, *bill.parties}
    updated = msgspec.structs.replace(bill, chain_length=entry.seq + 1,
                                      chain_head=entry_checksum(entry),
                                      parties=sorted(o for o in named if o))
    state.put(bill_key(bill.id), updated)
    return updated


def _new_bill(state: TxState, ctx: Context, bill_id: str, carrier: str, doc: Document,
              shipper: str, consignee: str, endorsee: str, endorsable: bool, possessor: str,
              replaces: str = "") -> Bill:
    """Issue ``doc`` as bill ``bill_id`` to ``possessor``: unique reference and digest."""
    ref_key = reference_key(carrier, doc.reference)
    earlier = state.get_as(ref_key, str)
    if earlier is not None and earlier != replaces:
        raise Conflict("document.reference", f"{carrier!r} already issued "
                       f"{doc.reference!r} (bill {earlier!r})")
    used = state.get_as(digest_key(doc.digest), str)
    if used is not None:
        raise Conflict("document.digest", f"this document is already bill {used!r}")
    bill = Bill(bill_id, carrier, doc, shipper, consignee, endorsee, endorsable, possessor,
                Status.ISSUED, ctx.timestamp_ms, 0, b"", [], replaces=replaces)
    state.put(ref_key, bill_id)
    state.put(digest_key(doc.digest), bill_id)
    return _append(state, ctx, bill, Code.ISSUE, carrier, possessor)


# --------------------------------------------------------------------------- handlers


def issue(state: TxState, ctx: Context, args: Issue) -> None:
    """A carrier issues a bill to the shipper (the rules: the module's docstring)."""
    doc, carrier = args.document, ctx.sender.org
    check_document(doc)
    _member(state, args.shipper, "shipper", carrier)
    if doc.to_order:
        if args.consignee:
            raise BadArguments("consignee", "a to-order bill names no consignee: name the "
                               "party to whose order it is made out as its endorsee")
        if args.endorsee:
            _member(state, args.endorsee, "endorsee", carrier)
    else:
        if args.endorsee:
            raise BadArguments("endorsee", "a straight bill cannot be endorsed")
        if not args.consignee:
            raise BadArguments("consignee", "a straight bill names its consignee")
        _member(state, args.consignee, "consignee", carrier)
    bill = _new_bill(state, ctx, ctx.tx_hash.hex()[:32], carrier, doc, args.shipper,
                     args.consignee, args.endorsee, doc.to_order, args.shipper)
    state.emit("BillOfLadingIssued", id=bill.id, carrier=carrier, reference=doc.reference,
               to_order=doc.to_order, shipper=bill.shipper, consignee=bill.consignee,
               endorsee=bill.endorsee, possessor=bill.possessor)


def transfer(state: TxState, ctx: Context, args: Transfer, bill: Bill) -> None:
    """The possessor passes the bill on: a straight bill to its consignee, a to-order bill
    by its holder's endorsement (or as a bearer bill, or delivered to its endorsee)."""
    sender, to, how = ctx.sender.org, args.to, args.endorsement
    if to == sender:
        raise BadArguments("to", f"{sender!r} already possesses {bill.id!r}")
    _member(state, to, "to", bill.carrier)
    endorsee, endorsable = bill.endorsee, bill.endorsable
    if not bill.document.to_order:
        if how is not Endorsement.NONE:
            raise Conflict("endorsement", "a straight (non-negotiable) bill cannot be endorsed")
        if to != bill.consignee:
            raise Conflict("to", f"a straight bill goes only to its named consignee "
                           f"{bill.consignee!r}")
    elif endorsee and endorsee != sender:
        if to != endorsee or how is not Endorsement.NONE:
            raise Conflict("to" if to != endorsee else "endorsement",
                           f"the bill is made out to the order of {endorsee!r}: its possessor "
                           f"may only deliver it, unendorsed, to {endorsee!r}")
    elif endorsee:  # the holder: a named endorsee in possession
        if not endorsable:
            raise Conflict("id", f"{endorsee!r} holds {bill.id!r} by a named endorsement and "
                           "may not endorse it further: it may only surrender it")
        if how is Endorsement.NONE:
            raise Conflict("endorsement", "a to-order bill passes by its holder's "
                           "endorsement: to_order, named or blank")
        endorsee = "" if how is Endorsement.BLANK else to
        endorsable = how is not Endorsement.NAMED
    elif how is Endorsement.BLANK:  # a bearer bill
        raise Conflict("endorsement", "the bill is already endorsed in blank: transfer it "
                       "without endorsement, or endorse it to a named party")
    elif how is not Endorsement.NONE:
        endorsee, endorsable = to, how is not Endorsement.NAMED
    moved = msgspec.structs.replace(bill, possessor=to, endorsee=endorsee,
                                    endorsable=endorsable)
    code = ENDORSE_CODES.get(how, Code.TRANSFER)
    _append(state, ctx, moved, code, sender, to, how)
    state.emit("BillOfLadingTransferred", id=bill.id, carrier=bill.carrier, sender=sender,
               to=to, endorsement=how.value, endorsee=endorsee)


def surrender(state: TxState, ctx: Context, args: Surrender, bill: Bill) -> None:
    """The possessor (a to-order bill's holder) surrenders the bill to its carrier."""
    sender = ctx.sender.org
    if bill.document.to_order and bill.endorsee not in ("", sender):
        raise Conflict("id", f"only the holder surrenders a to-order bill: {bill.id!r} is made "
                       f"out to the order of {bill.endorsee!r}")
    if args.reason_code and (args.kind is not SurrenderKind.AMENDMENT
                             or args.reason_code not in AMENDMENT_REASONS):
        raise BadArguments("reason_code", f"{shown(args.reason_code)!r}: a surrender for "
                           f"amendment gives one of {sorted(AMENDMENT_REASONS)}, a surrender "
                           "for delivery none")
    request_id = ctx.tx_hash.hex()[:32]
    state.put(request_key(request_id), Request(
        request_id, bill.id, bill.carrier, sender, args.kind, args.reason_code, args.comments,
        RequestStatus.PENDING, ctx.timestamp_ms))
    held = msgspec.structs.replace(bill, possessor=bill.carrier, surrender=request_id)
    code = (Code.SURRENDER_FOR_DELIVERY if args.kind is SurrenderKind.DELIVERY
            else Code.SURRENDER_FOR_AMENDMENT)
    _append(state, ctx, held, code, sender, bill.carrier)
    state.emit("BillOfLadingSurrenderRequested", id=bill.id, request=request_id,
               carrier=bill.carrier, sender=sender, kind=args.kind.value)


def answer_surrender(state: TxState, ctx: Context, args: AnswerSurrender,
                     request: Request) -> None:
    """The carrier accepts or rejects a surrender request, once."""
    bill = read_bill(state, request.bill)
    if bill is None or bill.surrender != request.id:  # cannot happen: a request holds its bill
        raise Conflict("request", f"surrender request {request.id!r} is not open on its bill")
    if not args.accept and not args.comments:
        raise BadArguments("comments", "a rejection says why (DCSA SurrenderRequestAnswer)")
    amendment = request.kind is SurrenderKind.AMENDMENT
    if args.amended is not None and not (args.accept and amendment):
        raise BadArguments("amended", "only accepting a surrender for amendment issues an "
                           "amended document")
    if args.accept and amendment and args.amended is None:
        raise BadArguments("amended", "accepting a surrender for amendment issues the "
                           "amended document")
    answered = {"answered_at_ms": ctx.timestamp_ms, "answer_comments": args.comments}
    if not args.accept:
        back = msgspec.structs.replace(bill, status=Status.ISSUED, possessor=request.by,
                                       surrender="")
        _append(state, ctx, back, Code.SREJ, bill.carrier, request.by)
        state.put(request_key(request.id), msgspec.structs.replace(
            request, status=RequestStatus.REJECTED, **answered))
        state.emit("BillOfLadingSurrenderRejected", id=bill.id, request=request.id,
                   carrier=bill.carrier, to=request.by)
        return
    closed = {"surrender": "", "closed_at_ms": ctx.timestamp_ms}
    if args.amended is None:
        done = msgspec.structs.replace(bill, status=Status.SURRENDERED, **closed)
        _append(state, ctx, done, Code.SACC, bill.carrier, request.by)
        state.put(request_key(request.id), msgspec.structs.replace(
            request, status=RequestStatus.ACCEPTED, **answered))
        state.emit("BillOfLadingSurrendered", id=bill.id, request=request.id,
                   carrier=bill.carrier, sender=request.by)
        return
    new = _amend(state, ctx, bill, request, args.amended)
    old = msgspec.structs.replace(bill, status=Status.AMENDED, replaced_by=new.id, **closed)
    _append(state, ctx, old, Code.SACC, bill.carrier, request.by)
    state.put(request_key(request.id), msgspec.structs.replace(
        request, status=RequestStatus.ACCEPTED, amended_bill=new.id, **answered))
    state.emit("BillOfLadingAmended", id=bill.id, request=request.id, carrier=bill.carrier,
               amended=new.id, possessor=new.possessor)


def _amend(state: TxState, ctx: Context, bill: Bill, request: Request, doc: Document
           ) -> Bill:
    """Issue the amended document as a new bill to the party that surrendered the old one,
    keeping its parties (a holder stays the holder: the endorsee carries over)."""
    check_document(doc, "amended")
    old = bill.document
    for name in ("reference", "carrier_code", "to_order"):
        if getattr(doc, name) != getattr(old, name):
            raise BadArguments(f"amended.{name}", f"an amendment keeps the {name} "
                               f"{getattr(old, name)!r}")
    if doc.digest == old.digest:
        raise BadArguments("amended.digest", "the amended document is the one surrendered")
    try:
        return _new_bill(state, ctx, ctx.tx_hash.hex()[:32], bill.carrier, doc, bill.shipper,
                         bill.consignee, bill.endorsee, bill.endorsable, request.by,
                         replaces=bill.id)
    except Conflict as exc:
        raise Conflict(exc.field.replace("document.", "amended.", 1), exc.reason) from None


CONTRACT = Contract(
    "bill_of_lading",
    {
        "issue": Action(issue, Issue, roles=CARRIERS, to=Status.ISSUED),
        "transfer": Transition(transfer, Transfer, BILLS, {Status.ISSUED}, by=POSSESSOR),
        "surrender": Transition(surrender, Surrender, BILLS, {Status.ISSUED},
                                Status.SURRENDER_REQUESTED, by=POSSESSOR),
        "answer_surrender": Transition(answer_surrender, AnswerSurrender, REQUESTS,
                                       {RequestStatus.PENDING}, by=REQUEST_CARRIER),
    },
)
