"""Warehouse receipts: a warehouse's receipt for goods it stores, which can be pledged.

A warehouse issues a receipt to the organisation that deposited the goods (the
depositor, its first holder), stating the goods, their commodity code, quantity, value
and where they are stored. The holder may transfer it, or pledge it to one bank at a
time as security for a credit; while it is pledged it moves only with the pledgee's
consent (the pledgee co-signs the transfer, and the pledge goes with the receipt). The
pledgee releases the pledge on repayment, or on default enforces it: the receipt is
then the pledgee's. The warehouse records the goods delivered out against the holder's
surrender of the receipt (the holder co-signs); a pledged receipt is not delivered on.

As the Civil Code of the PRC has it for pledged warehouse receipts (arts. 440, 443):
the pledge is of the receipt, one pledgee at a time, and the pledged right is not
transferred without the pledgee's consent.

Transitions, as declared in ``CONTRACT`` (``by``: the party of the receipt who may call
it)::

    | action | from | to | by | co-signers | roles |
    |---|---|---|---|---|---|
    | issue | (none) | issued | (by role) | (none) | warehouse |
    | transfer | issued or pledged | (same) | holder | pledgee (bank; when named) | any |
    | pledge | issued | pledged | holder | bank (bank) | any |
    | release | pledged | issued | pledgee | (none) | any |
    | enforce | pledged | issued | pledgee | (none) | any |
    | deliver | issued | delivered | warehouse | holder (any role) | any |

Besides the declaration: ``issue`` names an active organisation other than the
warehouse as depositor, a 6-, 8- or 10-digit HS commodity code, a positive quantity in
a UN/ECE Recommendation 20 unit (``KGM``, ``TNE``), a positive value in minor units of
an ISO 4217 currency, and the location; a transfer goes to an active organisation other
than the holder, the warehouse and the pledgee, and names the receipt's pledgee exactly
while it is pledged (none while it is not); a pledge goes to a bank other than the
holder; ``deliver`` names the receipt's holder, who co-signs the surrender.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

import msgspec

from smechain.core.contract import Action, Context, Contract, Cosign, Party, Subject, Transition
from smechain.core.encoding import INT_MAX, decode, shown
from smechain.core.errors import BadArguments, NotFound, Unauthorised
from smechain.core.genesis import ROLES
from smechain.core.state import StateReader, TxState
from smechain.modules.cash import contract as cash
from smechain.modules.membership.contract import OrgStatus, read_org

RECEIPT_PREFIX = "warehouse_receipt/"
WAREHOUSES = frozenset({"warehouse"})
BANKS = frozenset({"bank"})
COMMODITY_CODE = re.compile(r"^\d{6}(\d{2}){0,2}$")
"""An HS code: 6 digits (the WCO Harmonized System), or China's 8-digit tariff or
10-digit statistical code."""
UNIT = re.compile(r"^[A-Z0-9]{2,3}$")
"""A UN/ECE Recommendation 20 unit code (KGM kilogram, TNE tonne, MTQ cubic metre,
PCE piece, LTR litre)."""
MAX_TEXT = 200
MAX_REFERENCE = 64


class Status(StrEnum):
    """Lifecycle of a warehouse receipt."""

    ISSUED = "issued"
    """Held free of any pledge."""
    PLEDGED = "pledged"
    DELIVERED = "delivered"
    """The goods went out against the surrendered receipt; nothing more happens to it."""


class Receipt(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """A warehouse receipt."""

    id: str
    warehouse: str
    """The organisation that issued it and stores the goods."""
    depositor: str
    """The organisation that deposited the goods and first held the receipt."""
    holder: str
    goods: str
    """What is stored, as the receipt describes it."""
    commodity_code: str
    """HS code (6, 8 or 10 digits)."""
    quantity: int
    """How much, in ``unit``s."""
    unit: str
    """UN/ECE Recommendation 20 code."""
    value: int
    """Minor units of ``currency``: the goods' value the warehouse states."""
    currency: str
    location: str
    """Where in the warehouse the goods are."""
    issued_at_ms: int
    status: Status
    pledgee: str = ""
    """The bank it is pledged to; ``""`` when not pledged."""
    pledgor: str = ""
    """Who pledged it (the holder then); the pledge secures its credit and stays with the
    receipt when it moves with the pledgee's consent."""
    pledged_at_ms: int = 0
    reference: str = ""
    """The pledgee's reference for the credit the pledge secures."""
    delivered_at_ms: int = 0


def receipt_key(receipt_id: str) -> str:
    """State key of a receipt."""
    return RECEIPT_PREFIX + receipt_id


def read_receipt(state: StateReader, receipt_id: str) -> Receipt | None:
    """The receipt ``receipt_id``, or ``None``."""
    raw = state.get(receipt_key(receipt_id))
    return None if raw is None else decode(raw, Receipt)


HOLDER: Party[Receipt] = Party("holder", lambda r: r.holder)
PLEDGEE: Party[Receipt] = Party("pledgee", lambda r: r.pledgee)
WAREHOUSE: Party[Receipt] = Party("warehouse", lambda r: r.warehouse)
RECEIPTS = Subject(
    "receipt", Receipt, receipt_key, "id", missing="no warehouse receipt {id!r}",
    wrong_status="receipt {id!r} is {status}; {action} needs {expected}",
    parties=(HOLDER, PLEDGEE, WAREHOUSE, Party("depositor", lambda r: r.depositor),
             Party("pledgor", lambda r: r.pledgor)))

Positive = Annotated[int, msgspec.Meta(gt=0, le=INT_MAX)]


class Issue(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    depositor: str
    goods: str
    commodity_code: str
    quantity: Positive
    unit: str
    value: cash.Amount
    currency: str
    location: str


class ReceiptRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str


class Transfer(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    to: str
    pledgee: str = ""
    """The bank the receipt is pledged to, which co-signs; ``""`` for a free receipt."""


class Pledge(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    bank: str
    """The pledgee, which co-signs."""
    reference: str = ""
    """The bank's reference for the credit secured (at most 64 characters)."""


class Deliver(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    holder: str
    """The receipt's holder, which co-signs its surrender."""


def _text(value: str, field: str, limit: int = MAX_TEXT) -> None:
    if not value.strip() or len(value) > limit:
        raise BadArguments(field, f"give 1 to {limit} characters")


def _active_org(state: StateReader, org_id: str, field: str) -> None:
    org = read_org(state, org_id)
    if org is None:
        raise NotFound(field, f"no organisation {shown(org_id)!r}")
    if org.status != OrgStatus.ACTIVE:
        raise BadArguments(field, f"{org_id!r} is {org.status}, not active")


def issue(state: TxState, ctx: Context, args: Issue) -> None:
    """The warehouse issues a receipt for goods it stores to their depositor."""
    _active_org(state, args.depositor, "depositor")
    if args.depositor == ctx.sender.org:
        raise BadArguments("depositor", "a warehouse does not issue receipts to itself")
    _text(args.goods, "goods")
    if not COMMODITY_CODE.match(args.commodity_code):
        raise BadArguments("commodity_code", f"{shown(args.commodity_code)!r} is not an HS "
                           "code of 6, 8 or 10 digits")
    if not UNIT.match(args.unit):
        raise BadArguments("unit", f"{shown(args.unit)!r} is not a UN/ECE Recommendation 20 "
                           "unit code (KGM, TNE, MTQ, PCE...)")
    if not cash.CURRENCY.match(args.currency):
        raise BadArguments("currency", f"{shown(args.currency)!r} is not an ISO 4217 code")
    _text(args.location, "location")
    receipt_id = ctx.tx_hash.hex()[:32]
    state.put(receipt_key(receipt_id), Receipt(
        receipt_id, ctx.sender.org, args.depositor, args.depositor, args.goods,
        args.commodity_code, args.quantity, args.unit, args.value, args.currency,
        args.location, ctx.timestamp_ms, Status.ISSUED))
    state.emit("ReceiptIssued", id=receipt_id, warehouse=ctx.sender.org,
               depositor=args.depositor, value=args.value, currency=args.currency)


def transfer(state: TxState, ctx: Context, args: Transfer, receipt: Receipt) -> None:
    """The holder transfers the receipt; a pledged one only with its pledgee co-signing,
    and the pledge goes with it."""
    if receipt.pledgee and args.pledgee != receipt.pledgee:
        if not args.pledgee:
            raise Unauthorised("pledgee", f"receipt {receipt.id!r} is pledged to "
                               f"{receipt.pledgee!r}; it moves only with the pledgee's "
                               "consent: name it as pledgee, and it co-signs")
        raise BadArguments("pledgee", f"receipt {receipt.id!r} is pledged to "
                           f"{receipt.pledgee!r}, not {shown(args.pledgee)!r}")
    if not receipt.pledgee and args.pledgee:
        raise BadArguments("pledgee", f"receipt {receipt.id!r} is not pledged; name no "
                           "pledgee")
    _active_org(state, args.to, "to")
    if args.to == receipt.holder:
        raise BadArguments("to", f"{args.to!r} already holds receipt {receipt.id!r}")
    if args.to == receipt.warehouse:
        raise BadArguments("to", f"{args.to!r} issued receipt {receipt.id!r}; the goods "
                           "leave the warehouse by deliver")
    if args.to == receipt.pledgee:
        raise BadArguments("to", f"{args.to!r} is the pledgee; a pledgee takes the receipt "
                           "by enforce, or releases it first")
    state.put(receipt_key(receipt.id), msgspec.structs.replace(receipt, holder=args.to))
    state.emit("ReceiptTransferred", id=receipt.id, sender=receipt.holder, to=args.to,
               pledgee=receipt.pledgee)


def pledge(state: TxState, ctx: Context, args: Pledge, receipt: Receipt) -> None:
    """The holder pledges the receipt to a bank, which co-signs; one bank at a time."""
    if args.bank == receipt.holder:
        raise BadArguments("bank", f"{args.bank!r} holds receipt {receipt.id!r}; a holder "
                           "does not pledge to itself")
    if len(args.reference) > MAX_REFERENCE:
        raise BadArguments("reference", f"at most {MAX_REFERENCE} characters")
    state.put(receipt_key(receipt.id), msgspec.structs.replace(
        receipt, pledgee=args.bank, pledgor=receipt.holder, pledged_at_ms=ctx.timestamp_ms,
        reference=args.reference))
    state.emit("ReceiptPledged", id=receipt.id, holder=receipt.holder, bank=args.bank,
               value=receipt.value, currency=receipt.currency)


def release(state: TxState, ctx: Context, args: ReceiptRef, receipt: Receipt) -> None:
    """The pledgee releases the pledge (the credit it secured is repaid)."""
    state.put(receipt_key(receipt.id), msgspec.structs.replace(
        receipt, pledgee="", pledgor="", pledged_at_ms=0, reference=""))
    state.emit("ReceiptReleased", id=receipt.id, bank=receipt.pledgee, holder=receipt.holder)


def enforce(state: TxState, ctx: Context, args: ReceiptRef, receipt: Receipt) -> None:
    """The pledgee enforces the pledge on the pledgor's default: the receipt is its own,
    free of the pledge."""
    state.put(receipt_key(receipt.id), msgspec.structs.replace(
        receipt, holder=receipt.pledgee, pledgee="", pledgor="", pledged_at_ms=0,
        reference=""))
    state.emit("ReceiptEnforced", id=receipt.id, bank=receipt.pledgee,
               pledgor=receipt.pledgor, sender=receipt.holder)


def deliver(state: TxState, ctx: Context, args: Deliver, receipt: Receipt) -> None:
    """The warehouse records the goods delivered out against the holder's surrender of
    the receipt (the holder co-signs)."""
    if args.holder != receipt.holder:
        raise BadArguments("holder", f"{shown(args.holder)!r} does not hold receipt "
                           f"{receipt.id!r}; its holder surrenders it")
    state.put(receipt_key(receipt.id), msgspec.structs.replace(
        receipt, delivered_at_ms=ctx.timestamp_ms))
    state.emit("ReceiptDelivered", id=receipt.id, warehouse=receipt.warehouse,
               holder=receipt.holder)


CONTRACT = Contract(
    "warehouse_receipt",
    {
        "issue": Action(issue, Issue, roles=WAREHOUSES, to=Status.ISSUED),
        "transfer": Transition(transfer, Transfer, RECEIPTS, {Status.ISSUED, Status.PLEDGED},
                               by=HOLDER, cosign=(Cosign("pledgee", BANKS, "is not a bank",
                                                         optional=True),)),
        "pledge": Transition(pledge, Pledge, RECEIPTS, {Status.ISSUED}, Status.PLEDGED,
                             by=HOLDER, cosign=(Cosign("bank", BANKS, "is not a bank"),)),
        "release": Transition(release, ReceiptRef, RECEIPTS, {Status.PLEDGED}, Status.ISSUED,
                              by=PLEDGEE),
        "enforce": Transition(enforce, ReceiptRef, RECEIPTS, {Status.PLEDGED}, Status.ISSUED,
                              by=PLEDGEE),
        "deliver": Transition(deliver, Deliver, RECEIPTS, {Status.ISSUED}, Status.DELIVERED,
                              by=WAREHOUSE, cosign=(Cosign("holder", ROLES),)),
    },
)
