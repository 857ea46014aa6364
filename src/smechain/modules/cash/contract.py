"""Cash: a digital cash token per currency, standing for e-CNY or bank deposits, with
interest on real-name wallets.

Only ``cash_issuer`` organisations issue (mint against money received off the
ledger) and redeem (burn what they hold, paying out off the ledger). Holders
transfer between organisations. For every currency, the recorded supply always
equals the sum of all balances, interest minted included. Amounts are integers in
the currency's minor unit (fen, cent).

**Two tiers.** Per currency, a ``cash_issuer`` is an *operating institution* once a
central issuer has appointed it (``appoint_operator``, recorded at ``cash/operators/<cur>``);
the first ``cash_issuer`` to act as the central issuer of a currency (appointing or revoking
an operator, setting its rate or settlement dates: ``cash/central/<cur>``) is its
*central issuer* for good, and no other may act as such. While a currency has no operator
it is one-tier, as before: any cash issuer that operates none issues to any member. Once it has
one, the central issuer issues only to its operators, and operators do not issue: they
distribute to wallets by ``transfer`` from what was issued to them, and redeem what they
hold. Only a central issuer appoints, revokes, sets rates and settlement dates.

**Revoking an operator** (``revoke_operator``, the central issuer) withdraws its licence for
that currency: the org moves from ``cash/operators/<cur>`` to ``cash/revoked/<cur>`` and
is, for that currency, a plain holder from then on. It receives no more issuance and acts
as no issuer (it issues nothing, sets no wallet class, settles no wallet but its own; nor
does it become a central issuer by ceasing to be an operator); it still transfers and
redeems what it holds, so it can wind its holding down (redeeming burns it: the supply
shrinks by as much). What it distributed stays where it is: revocation moves no money,
touches no wallet, accrual or supply; balances are their holders', and issued money stays
valid. A currency that has had operators stays two-tier: revoking its last operator is
refused (``conflict``), since with none the central issuer could issue to no one and
going back to one tier would let it mint straight into any wallet again; appoint the
successor first, then revoke. A revoked org may be appointed again.

**Wallets.** A wallet is an organisation's balance in one currency. Every member's wallet
is ``real_name`` (members are enrolled, identified organisations); a cash issuer, central
or operating, may set a wallet ``anonymous`` (``set_wallet_class``), standing for a wallet
held without identification (e-CNY's class-4 wallets). Anonymous wallets earn nothing: their
rate is 0 and ``set_rate`` refuses another.

**Interest** (``interest.py`` states day, end-of-day balance, the accumulator and the one
half-even rounding): the central issuer sets an annual rate per currency and wallet class
from a day on, today or later (``set_rate``), and the settlement dates (``set_settlement_dates``:
a day 1-28 of given months, e.g. the 20th of March, June, September and December, from a day
on). A wallet's interest is settled, credited and minted for each settlement date it passes,
by the first of its next balance or class change on a later day or a ``settle_interest``
naming it (any cash issuer for any wallets; any member for its own): one ``InterestCredited``
event per wallet and date; settling a wallet twice for a date is refused.

Actions, as declared in ``CONTRACT`` (balances have no status)::

    | action | from | to | by | co-signers | roles |
    |---|---|---|---|---|---|
    | issue | (none) | (none) | (by role) | (none) | cash_issuer |
    | transfer | (none) | (none) | any member | (none) | any |
    | redeem | (none) | (none) | (by role) | (none) | cash_issuer |
    | appoint_operator | (none) | (none) | (by role) | (none) | cash_issuer |
    | revoke_operator | (none) | (none) | (by role) | (none) | cash_issuer |
    | set_wallet_class | (none) | (none) | (by role) | (none) | cash_issuer |
    | set_rate | (none) | (none) | (by role) | (none) | cash_issuer |
    | set_settlement_dates | (none) | (none) | (by role) | (none) | cash_issuer |
    | settle_interest | (none) | (none) | any member | (none) | any |
"""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

from smechain.core.contract import Action, Context, Contract
from smechain.core.daycount import MAX_TENOR_DAYS, block_day, date_of, day_number
from smechain.core.encoding import INT_MAX, shown
from smechain.core.errors import BadArguments, Conflict, InsufficientFunds, NotFound, Unauthorised
from smechain.core.state import TxState
from smechain.modules.cash.interest import (
    ANONYMOUS,
    REAL_NAME,
    WALLET_CLASSES,
    Credit,
    RateEntry,
    ScheduleEntry,
    Terms,
    Wallet,
    catch_up,
    is_settlement_date,
    wallet_or_new,
)
from smechain.modules.membership.contract import read_org

CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_AMOUNT = INT_MAX
Amount = Annotated[int, msgspec.Meta(gt=0, le=MAX_AMOUNT,
                                     description="minor units, positive")]
"""A positive amount of minor units: decoding the arguments checks it (the ledger), and
the API states and checks the same bounds (``api.schemas``)."""

MAX_RATE_BP = 10_000
"""The highest annual rate ``set_rate`` takes, in basis points (100%)."""

SUPPLY_PREFIX = "cash/supply/"
BALANCE_PREFIX = "cash/balance/"
TERMS_PREFIX = "cash/terms/"
WALLET_PREFIX = "cash/wallet/"
OPERATORS_PREFIX = "cash/operators/"
REVOKED_PREFIX = "cash/revoked/"
CENTRAL_PREFIX = "cash/central/"
INTEREST_PREFIX = "cash/interest/"


def supply_key(currency: str) -> str:
    """State key of a currency's total supply."""
    return SUPPLY_PREFIX + currency


def balance_key(currency: str, org: str) -> str:
    """State key of an organisation's balance in a currency."""
    return f"{BALANCE_PREFIX}{currency}/{org}"


def terms_key(currency: str) -> str:
    """State key of a currency's interest terms (``interest.Terms``)."""
    return TERMS_PREFIX + currency


def wallet_key(currency: str, org: str) -> str:
    """State key of a wallet's accumulator and class (``interest.Wallet``)."""
    return f"{WALLET_PREFIX}{currency}/{org}"


def operators_key(currency: str) -> str:
    """State key of a currency's operating institutions (a sorted list of org ids)."""
    return OPERATORS_PREFIX + currency


def central_key(currency: str) -> str:
    """State key of the central issuer of a currency, once one has acted as it."""
    return CENTRAL_PREFIX + currency


def revoked_key(currency: str) -> str:
    """State key of the orgs whose appointment as operator of a currency was revoked (a
    sorted list of org ids; never one that operates it now)."""
    return REVOKED_PREFIX + currency


def interest_key(currency: str, org: str, date: str) -> str:
    """State key of the interest credited to a wallet for a settlement date (``Paid``)."""
    return f"{INTEREST_PREFIX}{currency}/{org}/{date}"


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


class SetRate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    currency: str
    rate_bp: Annotated[int, msgspec.Meta(ge=0, le=MAX_RATE_BP,
                                         description="annual rate, basis points")]
    effective: str
    """``YYYY-MM-DD``: the first day the rate applies to (today or later)."""
    wallet_class: str = REAL_NAME


Month = Annotated[int, msgspec.Meta(ge=1, le=12, description="month, 1 to 12")]


class SetSettlementDates(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    currency: str
    months: Annotated[list[Month], msgspec.Meta(min_length=1, max_length=12)]
    """Ascending, each once."""
    day: Annotated[int, msgspec.Meta(ge=1, le=28, description="day of the month, 1 to 28 "
                                     "(in every month)")]
    effective: str


class AppointOperator(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    currency: str
    org: str


class RevokeOperator(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    currency: str
    org: str


class SetWalletClass(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    currency: str
    org: str
    wallet_class: str


class SettleInterest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    currency: str
    date: str
    wallets: list[str]


class Paid(msgspec.Struct, frozen=True):
    """Interest credited to a wallet for one settlement date."""

    date: str
    interest: int
    product: str
    """The accumulated product it was computed from (balance × bp × days)."""


MAX_SETTLE_WALLETS = 500
"""Wallets one ``settle_interest`` may name: a settlement over more is several transactions."""


def _check(currency: str, amount: int, field: str = "amount") -> None:
    _check_currency(currency)
    if not 0 < amount <= MAX_AMOUNT:
        raise BadArguments(field, f"{amount} must be a positive number of minor units "
                           f"(at most {MAX_AMOUNT})")


def _check_currency(currency: str) -> None:
    if not CURRENCY.match(currency):
        raise BadArguments("currency", f"{shown(currency)!r} is not an ISO 4217 code")


def _require_member(state: TxState, org: str, field: str = "to") -> None:
    if read_org(state, org) is None:
        raise NotFound(field, f"no organisation {shown(org)!r}")


def read_terms(state: TxState, currency: str) -> Terms | None:
    """A currency's interest terms, ``None`` while none were set (then nothing accrues)."""
    return state.get_as(terms_key(currency), Terms)


def _post_credits(state: TxState, currency: str, org: str, credits: list[Credit]) -> None:
    """Mint settled interest: the supply grows by exactly what the wallet is credited."""
    total = sum(c.interest for c in credits)
    if total:
        supply = state.get_int(supply_key(currency))
        if supply + total > MAX_AMOUNT:
            raise BadArguments("currency", f"interest would take the {currency} supply past "
                               f"{MAX_AMOUNT}")
        state.put(supply_key(currency), supply + total)
    for c in credits:
        date = date_of(c.date_day)
        if c.interest:
            state.put(interest_key(currency, org, date), Paid(date, c.interest, str(c.product)))
        state.emit("InterestCredited", currency=currency, wallet=org, date=date,
                   interest=c.interest)


def _touch(state: TxState, terms: Terms | None, currency: str, org: str, today: int) -> int:
    """The wallet's balance once its days before ``today`` are accrued and any settlement
    date it passed is settled (see ``interest``): call before changing the balance."""
    key = balance_key(currency, org)
    balance = state.get_int(key)
    if terms is None:
        return balance
    raw = state.get_as(wallet_key(currency, org), Wallet)
    if raw is not None and raw.since >= today:
        return balance
    wallet, after, credits = catch_up(terms, wallet_or_new(terms, raw), balance, today)
    if credits:
        _post_credits(state, currency, org, credits)
        if after != balance:  # a settlement that credits nothing writes no balance
            state.put(key, after)
    state.put(wallet_key(currency, org), wallet)
    return after


def _debit(state: TxState, terms: Terms | None, today: int, currency: str, org: str,
           amount: int, field: str = "amount") -> None:
    balance = _touch(state, terms, currency, org, today)
    if balance < amount:
        raise InsufficientFunds(field, f"{org!r} holds {balance} {currency}, {amount} asked")
    state.put(balance_key(currency, org), balance - amount)


def move(state: TxState, currency: str, sender: str, to: str, amount: int,
         field: str = "amount", to_field: str = "to", *, ctx: Context) -> None:
    """Move ``amount`` (minor units) from ``sender`` to ``to`` on the day of ``ctx``'s block;
    other contracts settle through this. Errors name ``field`` for the amount and
    ``to_field`` for the payee: the argument the caller sent (``fee``, ``guarantor``), not
    this function's own names. Interest terms cost one read; with terms, each side one read
    of its accumulator and a write only on its first change of the day."""
    _check(currency, amount, field)
    if to == sender:
        raise BadArguments(to_field, "must differ from the sender")
    _require_member(state, to, to_field)
    terms = read_terms(state, currency)
    today = block_day(ctx.timestamp_ms)
    _debit(state, terms, today, currency, sender, amount, field)
    balance = _touch(state, terms, currency, to, today)
    state.put(balance_key(currency, to), balance + amount)


def operators(state: TxState, currency: str) -> list[str]:
    """The operating institutions of a currency (sorted); none: one tier."""
    return state.get_as(operators_key(currency), list[str]) or []


def revoked(state: TxState, currency: str) -> list[str]:
    """The orgs whose appointment as operator of a currency was revoked (sorted). Never
    empty while ``operators`` is: the last operator cannot be revoked."""
    return state.get_as(revoked_key(currency), list[str]) or []


def _require_central(state: TxState, ctx: Context, currency: str, action: str) -> None:
    ops = operators(state, currency)
    if ctx.sender.org in ops:
        raise Unauthorised("", f"cash.{action}: {ctx.sender.org!r} is an operating institution "
                               f"of {currency}; only the central issuer may")
    _require_not_revoked(state, ctx, currency, action, ops)
    central = state.get_as(central_key(currency), str)
    if central is None:  # the first central act claims the currency for good
        state.put(central_key(currency), ctx.sender.org)
    elif central != ctx.sender.org:
        raise Unauthorised("", f"cash.{action}: the central issuer of {currency} is "
                               f"{central!r}")


def _require_not_revoked(state: TxState, ctx: Context, currency: str, action: str,
                         ops: list[str]) -> None:
    # a revoked org is listed only while the currency has operators: one-tier reads no more
    if ops and ctx.sender.org in revoked(state, currency):
        raise Unauthorised("", f"cash.{action}: {ctx.sender.org!r} no longer operates "
                               f"{currency} (revoked); it only holds, transfers and redeems")


def issue(state: TxState, ctx: Context, args: Issue) -> None:
    """A cash issuer mints an amount into an organisation's account.

    Two tiers: once the currency has operating institutions, the central issuer mints
    only into theirs."""
    _check(args.currency, args.amount)
    _require_member(state, args.to)
    ops = operators(state, args.currency)
    if ctx.sender.org in ops:
        raise Unauthorised("", f"cash.issue: {ctx.sender.org!r} is an operating institution of "
                               f"{args.currency}; it distributes by transfer what the central "
                               "issuer issued to it")
    if ops:  # two tiers: only the central issuer (neither revoked nor another issuer)
        _require_central(state, ctx, args.currency, "issue")
    if ops and args.to not in ops:
        raise BadArguments("to", f"{shown(args.to)!r} is no operating institution of "
                           f"{args.currency}; the central issuer issues to {ops}")
    terms = read_terms(state, args.currency)
    balance = _touch(state, terms, args.currency, args.to, block_day(ctx.timestamp_ms))
    supply = state.get_int(supply_key(args.currency))
    if supply + args.amount > MAX_AMOUNT:
        raise BadArguments("amount", f"the {args.currency} supply would pass {MAX_AMOUNT}")
    state.put(supply_key(args.currency), supply + args.amount)
    state.put(balance_key(args.currency, args.to), balance + args.amount)
    state.emit("Issued", currency=args.currency, to=args.to, amount=args.amount,
               issuer=ctx.sender.org)


def transfer(state: TxState, ctx: Context, args: Transfer) -> None:
    """The sender's organisation pays an amount to another organisation."""
    if len(args.memo) > 140:
        raise BadArguments("memo", "at most 140 characters")
    move(state, args.currency, ctx.sender.org, args.to, args.amount, ctx=ctx)
    state.emit("Transferred", currency=args.currency, sender=ctx.sender.org, to=args.to,
               amount=args.amount)


def redeem(state: TxState, ctx: Context, args: Redeem) -> None:
    """A cash issuer burns an amount of its own holding."""
    _check(args.currency, args.amount)
    terms = read_terms(state, args.currency)
    _debit(state, terms, block_day(ctx.timestamp_ms), args.currency, ctx.sender.org,
           args.amount)
    state.put(supply_key(args.currency), state.get_int(supply_key(args.currency)) - args.amount)
    state.emit("Redeemed", currency=args.currency, issuer=ctx.sender.org, amount=args.amount)


def _future_day(date: str, field: str, today: int) -> int:
    day = day_number(date, field)
    if day < today:
        raise BadArguments(field, f"{date} is past; a change applies from today "
                           f"({date_of(today)}) on, never retroactively")
    if day > today + MAX_TENOR_DAYS:
        raise BadArguments(field, f"{date} is more than {MAX_TENOR_DAYS} days ahead")
    return day


def _class(value: str) -> str:
    if value not in WALLET_CLASSES:
        raise BadArguments("wallet_class", f"{shown(value)!r} is not one of "
                           f"{list(WALLET_CLASSES)}")
    return value


def set_rate(state: TxState, ctx: Context, args: SetRate) -> None:
    """The central issuer sets the annual rate of a wallet class from a day on."""
    _check_currency(args.currency)
    _require_central(state, ctx, args.currency, "set_rate")
    cls = _class(args.wallet_class)
    if cls == ANONYMOUS and args.rate_bp:
        raise BadArguments("rate_bp", "anonymous wallets earn nothing; their rate is 0")
    today = block_day(ctx.timestamp_ms)
    day = _future_day(args.effective, "effective", today)
    terms = read_terms(state, args.currency) or Terms(today)
    rates = [r for r in terms.rates if (r.wallet_class, r.effective_day) != (cls, day)]
    rates.append(RateEntry(cls, day, args.rate_bp))
    rates.sort(key=lambda r: (r.effective_day, r.wallet_class))
    state.put(terms_key(args.currency), msgspec.structs.replace(terms, rates=rates))
    state.emit("RateSet", currency=args.currency, wallet_class=cls, rate_bp=args.rate_bp,
               effective=args.effective, issuer=ctx.sender.org)


def set_settlement_dates(state: TxState, ctx: Context, args: SetSettlementDates) -> None:
    """The central issuer sets the interest settlement dates from a day on."""
    _check_currency(args.currency)
    _require_central(state, ctx, args.currency, "set_settlement_dates")
    if not args.months or sorted(set(args.months)) != args.months or not all(
            1 <= m <= 12 for m in args.months):
        raise BadArguments("months", "list months 1 to 12, ascending, each once")
    if not 1 <= args.day <= 28:
        raise BadArguments("day", f"{args.day} is not a day from 1 to 28 (in every month)")
    today = block_day(ctx.timestamp_ms)
    day = _future_day(args.effective, "effective", today)
    terms = read_terms(state, args.currency) or Terms(today)
    schedules = [s for s in terms.schedules if s.effective_day != day]
    schedules.append(ScheduleEntry(day, list(args.months), args.day))
    schedules.sort(key=lambda s: s.effective_day)
    state.put(terms_key(args.currency), msgspec.structs.replace(terms, schedules=schedules))
    state.emit("SettlementDatesSet", currency=args.currency, months=list(args.months),
               day=args.day, effective=args.effective, issuer=ctx.sender.org)


def appoint_operator(state: TxState, ctx: Context, args: AppointOperator) -> None:
    """The central issuer appoints another cash issuer as an operating institution."""
    _check_currency(args.currency)
    _require_central(state, ctx, args.currency, "appoint_operator")
    org = read_org(state, args.org)
    if org is None:
        raise NotFound("org", f"no organisation {shown(args.org)!r}")
    if "cash_issuer" not in org.roles:
        raise BadArguments("org", f"{args.org!r} is no cash issuer")
    if args.org == ctx.sender.org:
        raise BadArguments("org", "the central issuer cannot be its own operator")
    ops = operators(state, args.currency)
    if args.org in ops:
        raise Conflict("org", f"{args.org!r} already operates {args.currency}")
    state.put(operators_key(args.currency), sorted([*ops, args.org]))
    gone = revoked(state, args.currency)
    if args.org in gone:  # appointed again
        state.put(revoked_key(args.currency), [o for o in gone if o != args.org])
    state.emit("OperatorAppointed", currency=args.currency, org=args.org,
               issuer=ctx.sender.org)


def revoke_operator(state: TxState, ctx: Context, args: RevokeOperator) -> None:
    """The central issuer withdraws an operating institution's licence for a currency.

    It then is a plain holder of that currency: what it holds and what it distributed stay
    where they are (no balance, accrual or supply changes). The last operator cannot be
    revoked: a currency that has had operators stays two-tier."""
    _check_currency(args.currency)
    _require_central(state, ctx, args.currency, "revoke_operator")
    if read_org(state, args.org) is None:
        raise NotFound("org", f"no organisation {shown(args.org)!r}")
    ops = operators(state, args.currency)
    if args.org not in ops:
        was = " (already revoked)" if args.org in revoked(state, args.currency) else ""
        raise Conflict("org", f"{args.org!r} is no operating institution of "
                              f"{args.currency}{was}")
    if ops == [args.org]:
        raise Conflict("org", f"{args.org!r} is the last operating institution of "
                              f"{args.currency}; a currency that has had operators stays "
                              "two-tier: appoint its successor first")
    state.put(operators_key(args.currency), [o for o in ops if o != args.org])
    state.put(revoked_key(args.currency), sorted([*revoked(state, args.currency), args.org]))
    state.emit("OperatorRevoked", currency=args.currency, org=args.org,
               issuer=ctx.sender.org)


def set_wallet_class(state: TxState, ctx: Context, args: SetWalletClass) -> None:
    """A cash issuer sets a wallet real-name or anonymous.

    Any cash issuer, central or operating, but not one whose appointment was revoked; the
    class applies from today's end-of-day on (earlier days keep the class they had)."""
    _check_currency(args.currency)
    _require_not_revoked(state, ctx, args.currency, "set_wallet_class",
                         operators(state, args.currency))
    _require_member(state, args.org, "org")
    anonymous = _class(args.wallet_class) == ANONYMOUS
    today = block_day(ctx.timestamp_ms)
    terms = read_terms(state, args.currency)
    _touch(state, terms, args.currency, args.org, today)
    wallet = state.get_as(wallet_key(args.currency, args.org), Wallet) or Wallet(today)
    state.put(wallet_key(args.currency, args.org),
              msgspec.structs.replace(wallet, anonymous=anonymous))
    state.emit("WalletClassSet", currency=args.currency, org=args.org,
               wallet_class=args.wallet_class, by=ctx.sender.org)


def settle_interest(state: TxState, ctx: Context, args: SettleInterest) -> None:
    """Credit the interest of the period a settlement date closes to the named wallets."""
    _check_currency(args.currency)
    terms = read_terms(state, args.currency)
    if terms is None:
        raise NotFound("currency", f"{args.currency} has no interest terms")
    day = day_number(args.date, "date")
    today = block_day(ctx.timestamp_ms)
    if day >= today:
        raise BadArguments("date", f"{args.date} has not ended; settle it from "
                           f"{date_of(day + 1)} on")
    if not is_settlement_date(terms, day):
        raise BadArguments("date", f"{args.date} is no {args.currency} settlement date")
    if not 0 < len(args.wallets) <= MAX_SETTLE_WALLETS:
        raise BadArguments("wallets", f"name 1 to {MAX_SETTLE_WALLETS} wallets")
    seen: set[str] = set()
    for i, org in enumerate(args.wallets):  # before any wallet's own refusal: the duplicate
        if org in seen:
            raise BadArguments(f"wallets[{i}]", f"{shown(org)!r} is named twice")
        seen.add(org)
    if args.wallets != [ctx.sender.org]:
        if "cash_issuer" not in ctx.sender.roles:
            raise Unauthorised("wallets", "a member settles only its own wallet; cash issuers "
                                          "settle any")
        if operators(state, args.currency) and ctx.sender.org in revoked(state, args.currency):
            raise Unauthorised("wallets", f"{ctx.sender.org!r} no longer operates "
                                          f"{args.currency} (revoked); it settles only its "
                                          "own wallet")
    for i, org in enumerate(args.wallets):
        field = f"wallets[{i}]"
        _require_member(state, org, field)
        wallet = wallet_or_new(terms, state.get_as(wallet_key(args.currency, org), Wallet))
        if wallet.since > day:
            raise Conflict(field, f"{org!r} is already settled for {args.date}")
        balance = state.get_int(balance_key(args.currency, org))
        wallet, after, credits = catch_up(terms, wallet, balance, day + 1)
        _post_credits(state, args.currency, org, credits)
        if after != balance:  # nothing credited, no balance written
            state.put(balance_key(args.currency, org), after)
        state.put(wallet_key(args.currency, org), wallet)


ISSUERS = frozenset({"cash_issuer"})

CONTRACT = Contract(
    "cash",
    {
        "issue": Action(issue, Issue, roles=ISSUERS),
        "transfer": Action(transfer, Transfer),
        "redeem": Action(redeem, Redeem, roles=ISSUERS),
        "appoint_operator": Action(appoint_operator, AppointOperator, roles=ISSUERS),
        "revoke_operator": Action(revoke_operator, RevokeOperator, roles=ISSUERS),
        "set_wallet_class": Action(set_wallet_class, SetWalletClass, roles=ISSUERS),
        "set_rate": Action(set_rate, SetRate, roles=ISSUERS),
        "set_settlement_dates": Action(set_settlement_dates, SetSettlementDates, roles=ISSUERS),
        "settle_interest": Action(settle_interest, SettleInterest),
    },
)
