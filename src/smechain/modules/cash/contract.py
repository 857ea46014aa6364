"""Cash: a digital cash token per currency, standing for e-CNY or bank deposits.

Only ``cash_issuer`` organisations issue (mint against money received off the
ledger) and redeem (burn what they hold, paying out off the ledger). Holders
transfer between organisations. For every currency, the recorded supply always
equals the sum of all balances. Amounts are integers in the currency's minor
unit (fen, cent).

Actions, as declared in ``CONTRACT`` (balances have no status)::

    | action | from | to | by | co-signers | roles |
    |---|---|---|---|---|---|
    | issue | (none) | (none) | (by role) | (none) | cash_issuer |
    | transfer | (none) | (none) | any member | (none) | any |
    | redeem | (none) | (none) | (by role) | (none) | cash_issuer |
"""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

from smechain.core.contract import Action, Context, Contract
from smechain.core.encoding import INT_MAX, shown
from smechain.core.errors import BadArguments, InsufficientFunds, NotFound
from smechain.core.state import TxState
from smechain.modules.membership.contract import read_org

CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_AMOUNT = INT_MAX
Amount = Annotated[int, msgspec.Meta(gt=0, le=MAX_AMOUNT,
                                     description="minor units, positive")]
"""A positive amount of minor units: decoding the arguments checks it (the ledger), and
the API states and checks the same bounds (``api.schemas``)."""

SUPPLY_PREFIX = "cash/supply/"
BALANCE_PREFIX = "cash/balance/"


def supply_key(currency: str) -> str:
    """State key of a currency's total supply."""
    return SUPPLY_PREFIX + currency


def balance_key(currency: str, org: str) -> str:
    """State key of an organisation's balance in a currency."""
    return f"{BALANCE_PREFIX}{currency}/{org}"


class Issue(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    currency: str
    to: str
    amount: Amount


class Transfer(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    currency: str
    to: str
    amount: Amount
    memo: str = ""


class Redeem(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    currency: str
    amount: Amount


def _check(currency: str, amount: int, field: str = "amount") -> None:
    if not CURRENCY.match(currency):
        raise BadArguments("currency", f"{shown(currency)!r} is not an ISO 4217 code")
    if not 0 < amount <= MAX_AMOUNT:
        raise BadArguments(field, f"{amount} must be a positive number of minor units "
                           f"(at most {MAX_AMOUNT})")


def _require_member(state: TxState, org: str, field: str = "to") -> None:
    if read_org(state, org) is None:
        raise NotFound(field, f"no organisation {shown(org)!r}")


def _debit(state: TxState, currency: str, org: str, amount: int, field: str = "amount") -> None:
    source = balance_key(currency, org)
    balance = state.get_int(source)
    if balance < amount:
        raise InsufficientFunds(field, f"{org!r} holds {balance} {currency}, {amount} asked")
    state.put(source, balance - amount)


def move(state: TxState, currency: str, sender: str, to: str, amount: int,
         field: str = "amount", to_field: str = "to") -> None:
    """Move ``amount`` (minor units) from ``sender`` to ``to``; other contracts settle
    through this. Errors name ``field`` for the amount and ``to_field`` for the payee: the
    argument the caller sent (``fee``, ``guarantor``), not this function's own names."""
    _check(currency, amount, field)
    if to == sender:
        raise BadArguments(to_field, "must differ from the sender")
    _require_member(state, to, to_field)
    _debit(state, currency, sender, amount, field)
    target = balance_key(currency, to)
    state.put(target, state.get_int(target) + amount)


def issue(state: TxState, ctx: Context, args: Issue) -> None:
    """A cash issuer mints ``amount`` into an organisation's account."""
    _check(args.currency, args.amount)
    _require_member(state, args.to)
    supply = state.get_int(supply_key(args.currency))
    if supply + args.amount > MAX_AMOUNT:
        raise BadArguments("amount", f"the {args.currency} supply would pass {MAX_AMOUNT}")
    target = balance_key(args.currency, args.to)
    state.put(supply_key(args.currency), supply + args.amount)
    state.put(target, state.get_int(target) + args.amount)
    state.emit("Issued", currency=args.currency, to=args.to, amount=args.amount,
               issuer=ctx.sender.org)


def transfer(state: TxState, ctx: Context, args: Transfer) -> None:
    """The sender's organisation pays ``amount`` to another organisation."""
    if len(args.memo) > 140:
        raise BadArguments("memo", "at most 140 characters")
    move(state, args.currency, ctx.sender.org, args.to, args.amount)
    state.emit("Transferred", currency=args.currency, sender=ctx.sender.org, to=args.to,
               amount=args.amount)


def redeem(state: TxState, ctx: Context, args: Redeem) -> None:
    """A cash issuer burns ``amount`` of its own holding."""
    _check(args.currency, args.amount)
    _debit(state, args.currency, ctx.sender.org, args.amount)
    state.put(supply_key(args.currency), state.get_int(supply_key(args.currency)) - args.amount)
    state.emit("Redeemed", currency=args.currency, issuer=ctx.sender.org, amount=args.amount)


ISSUERS = frozenset({"cash_issuer"})

CONTRACT = Contract(
    "cash",
    {
        "issue": Action(issue, Issue, roles=ISSUERS),
        "transfer": Action(transfer, Transfer),
        "redeem": Action(redeem, Redeem, roles=ISSUERS),
    },
)
