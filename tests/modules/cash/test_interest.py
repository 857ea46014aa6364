"""Interest on digital cash: the ledger against a plain day-by-day reference, two tiers,
wallet classes, and the refusals of rates, dates and settlements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smechain.core.block import Receipt
from smechain.core.encoding import decode
from smechain.modules.cash.contract import BALANCE_PREFIX, SUPPLY_PREFIX

from ..conftest import ORG_ROLES, Chain, block_timestamp

MS_PER_DAY = 86_400_000
ORGS = sorted(ORG_ROLES)
EPOCH = dt.date(1970, 1, 1)


def date_of(day: int) -> str:
    return (EPOCH + dt.timedelta(days=day)).isoformat()


def next_day(chain: Chain) -> int:
    """The UTC day of the next block ``chain`` commits."""
    return (block_timestamp(chain.height + 1) + chain.days_later * MS_PER_DAY) // MS_PER_DAY


# --- the reference: a day-by-day loop ------------------------------------------------------


def half_even(numerator: int, denominator: int) -> int:
    q, r = divmod(numerator, denominator)
    return q + (1 if 2 * r > denominator or (2 * r == denominator and q % 2) else 0)


def floor_div(numerator: int, denominator: int) -> int:
    return numerator // denominator


@dataclass
class Log:
    """What happened on the ledger, by day, for the reference to replay."""

    start: int = 0
    opening: dict[str, int] = field(default_factory=dict)
    ops: dict[int, list[tuple[str, str, int]]] = field(default_factory=dict)
    """day -> ("delta", org, amount) | ("anonymous", org, 0 or 1), in ledger order."""
    rates: dict[int, int] = field(default_factory=dict)
    """effective day -> real-name rate (bp); the last set for a day wins."""
    months: tuple[int, ...] = (3, 6, 9, 12)
    dom: int = 20

    def op(self, day: int, kind: str, org: str, value: int) -> None:
        self.ops.setdefault(day, []).append((kind, org, value))


def reference(log: Log, end: int, *, end_of_day: bool = True,
              rounding: Callable[[int, int], int] = half_even
              ) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Balances at the end of day ``end - 1`` and the interest credited per (wallet, date):
    each day's balance × the day's rate / 365, summed over a period, rounded once."""
    balance = dict(log.opening)
    anonymous: dict[str, bool] = {}
    acc: dict[str, int] = {}
    credited: dict[tuple[str, str], int] = {}
    rate = 0
    for day in range(log.start, end):
        rate = log.rates.get(day, rate)
        before = dict(balance)
        for kind, org, value in log.ops.get(day, []):
            if kind == "delta":
                balance[org] = balance.get(org, 0) + value
            else:
                anonymous[org] = bool(value)
        counted = balance if end_of_day else before
        for org in ORGS:
            if not anonymous.get(org):
                acc[org] = acc.get(org, 0) + counted.get(org, 0) * rate
        date = EPOCH + dt.timedelta(days=day)
        if date.month in log.months and date.day == log.dom:
            for org in ORGS:
                interest = rounding(acc.get(org, 0), 365 * 10_000)
                credited[org, date.isoformat()] = interest
                balance[org] = balance.get(org, 0) + interest  # value day: tomorrow
                acc[org] = 0
    return balance, credited


# --- driving the ledger ----------------------------------------------------------------------


def check_supply(chain: Chain, currency: str = "CNY") -> None:
    """The recorded supply of ``currency`` is the sum of its balances."""
    total = sum(decode(v, int) for k, v, _ in chain.store.iter_state(BALANCE_PREFIX)
                if k.startswith(f"{BALANCE_PREFIX}{currency}/"))
    assert chain.supply(currency) == total


class Ledger:
    """A chain with interest terms, and a log of what it did, checked after every block."""

    def __init__(self, months: list[int], dom: int, rate_bp: int) -> None:
        self.chain = Chain()
        self.log = Log(months=tuple(months), dom=dom)
        self.credited: dict[tuple[str, str], int] = {}
        for org, amount in (("sme-1", 1_000_000), ("bank-a", 5_000_000), ("pboc", 800_000)):
            self.block(self.chain.issue(org, amount))
        self.log.opening = {o: self.chain.balance("CNY", o) for o in ORGS}
        self.chain.days_later += 1
        self.log.start = day = next_day(self.chain)
        self.block(self.tx("pboc", "set_settlement_dates", currency="CNY", months=months,
                           day=dom, effective=date_of(day)),
                   self.tx("pboc", "set_rate", currency="CNY", rate_bp=rate_bp,
                           effective=date_of(day)))
        self.log.rates[day] = rate_bp

    def tx(self, sender: str, action: str, /, **args: Any) -> bytes:
        return self.chain.tx("cash", action, args, self.chain.key(sender))

    def block(self, *raws: bytes, codes: tuple[str, ...] | None = None) -> list[Receipt]:
        receipts = self.chain.run(*raws)
        assert [r.code for r in receipts] == list(codes or ["ok"] * len(raws)), [
            (r.code, r.message) for r in receipts]
        for r in receipts:
            for e in r.events:
                if e.name == "InterestCredited":
                    key = (e.attrs["wallet"], e.attrs["date"])
                    assert key not in self.credited, f"credited twice: {key}"
                    self.credited[key] = e.attrs["interest"]
        check_supply(self.chain)
        return receipts

    def last_settlement_date(self, before: int) -> int | None:
        for day in range(before - 1, self.log.start - 1, -1):
            date = EPOCH + dt.timedelta(days=day)
            if date.month in self.log.months and date.day == self.log.dom:
                return day
        return None

    def settle_all(self) -> None:
        """Settle every wallet for the last settlement date (those not yet settled for it)."""
        day = self.last_settlement_date(next_day(self.chain))
        if day is None:
            return
        pending = [o for o in ORGS if (o, date_of(day)) not in self.credited]
        if pending:
            self.block(self.tx("pboc", "settle_interest", currency="CNY", date=date_of(day),
                               wallets=pending))


steps = st.lists(st.tuples(
    st.integers(0, 40),  # days to move on first
    st.sampled_from(["issue", "transfer", "transfer", "transfer", "redeem", "rate", "class",
                     "settle", "same_day_round_trip"]),
    st.sampled_from(ORGS), st.sampled_from(ORGS),
    st.integers(1, 10**9), st.integers(0, 20), st.integers(0, 200)), max_size=18)


@settings(max_examples=60, deadline=None)
@given(months=st.lists(st.integers(1, 12), min_size=1, max_size=12, unique=True).map(sorted),
       dom=st.integers(1, 28), rate=st.integers(0, 500), plan=steps)
def test_interest_equals_the_day_by_day_reference(months: list[int], dom: int, rate: int,
                                                  plan: list[tuple[Any, ...]]) -> None:
    ledger = Ledger(months, dom, rate)
    chain, log = ledger.chain, ledger.log
    for days, kind, a, b, amount, offset, bp in plan:
        chain.days_later += days
        day = next_day(chain)
        held = chain.balance("CNY", a)  # settlement only adds: this much can always move
        if kind == "issue":
            ledger.block(chain.issue(a, amount % 10**7 + 1))
            log.op(day, "delta", a, amount % 10**7 + 1)
        elif kind == "transfer" and a != b and held:
            amount = amount % held + 1
            ledger.block(ledger.tx(a, "transfer", currency="CNY", to=b, amount=amount))
            log.op(day, "delta", a, -amount)
            log.op(day, "delta", b, amount)
        elif kind == "same_day_round_trip" and a != b and held:
            # in and out on one day: only the end-of-day figure counts
            amount = amount % held + 1
            ledger.block(ledger.tx(a, "transfer", currency="CNY", to=b, amount=amount),
                         ledger.tx(b, "transfer", currency="CNY", to=a, amount=amount))
        elif kind == "redeem" and chain.balance("CNY", "pboc"):
            amount = amount % chain.balance("CNY", "pboc") + 1
            ledger.block(ledger.tx("pboc", "redeem", currency="CNY", amount=amount))
            log.op(day, "delta", "pboc", -amount)
        elif kind == "rate":
            ledger.block(ledger.tx("pboc", "set_rate", currency="CNY", rate_bp=bp,
                                   effective=date_of(day + offset)))
            log.rates[day + offset] = bp
        elif kind == "class":
            anonymous = amount % 2 == 1
            ledger.block(ledger.tx("pboc", "set_wallet_class", currency="CNY", org=a,
                                   wallet_class="anonymous" if anonymous else "real_name"))
            log.op(day, "anonymous", a, int(anonymous))
        elif kind == "settle":
            settled = ledger.last_settlement_date(day)
            if settled is not None:
                done = (a, date_of(settled)) in ledger.credited
                ledger.block(ledger.tx(a, "settle_interest", currency="CNY",
                                       date=date_of(settled), wallets=[a]),
                             codes=("conflict",) if done else None)
    chain.days_later += 1
    ledger.settle_all()
    end = next_day(chain)
    balances, credited = reference(log, end)
    # the reference's balances at the end of yesterday (interest credited today included)
    assert {o: chain.balance("CNY", o) for o in ORGS} == {o: balances.get(o, 0) for o in ORGS}
    assert ledger.credited == credited


# --- the reference itself tells the rules apart ----------------------------------------------


def test_the_ledger_counts_end_of_day_balances_not_start_of_day() -> None:
    """A payment held overnight counts from its day (end of day), not from the next (start
    of day); money in and out on one day counts for nothing."""
    ledger = Ledger([3, 6, 9, 12], 20, 35)
    chain, log = ledger.chain, ledger.log
    for days, amount in ((1, 600_000), (9, 250_000)):
        chain.days_later += days
        day = next_day(chain)
        ledger.block(ledger.tx("sme-1", "transfer", currency="CNY", to="sme-2", amount=amount),
                     ledger.tx("bank-a", "transfer", currency="CNY", to="sme-3", amount=amount),
                     ledger.tx("sme-3", "transfer", currency="CNY", to="bank-a", amount=amount))
        log.op(day, "delta", "sme-1", -amount)
        log.op(day, "delta", "sme-2", amount)
    chain.days_later += 130
    ledger.settle_all()
    end = next_day(chain)
    _, eod = reference(log, end)
    _, sod = reference(log, end, end_of_day=False)
    assert ledger.credited == eod
    assert ledger.credited != sod
    assert all(v == 0 for (org, _), v in ledger.credited.items() if org == "sme-3")


def test_the_ledger_rounds_half_even_once_per_settlement() -> None:
    ledger = Ledger([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 20, 35)
    chain = ledger.chain
    chain.days_later += 70
    ledger.settle_all()
    end = next_day(chain)
    _, credited = reference(ledger.log, end)
    assert ledger.credited == credited
    assert ledger.credited != reference(ledger.log, end, rounding=floor_div)[1]


# --- tiers, classes and refusals -------------------------------------------------------------


def _tx(chain: Chain, sender: str, action: str, /, **args: Any) -> bytes:
    return chain.tx("cash", action, args, chain.key(sender))


def _today(chain: Chain) -> str:
    return date_of(next_day(chain))


def test_anonymous_wallets_earn_nothing(chain: Chain) -> None:
    chain.ok(chain.issue("sme-1", 10_000_000), chain.issue("sme-2", 10_000_000))
    chain.ok(_tx(chain, "pboc", "set_wallet_class", currency="CNY", org="sme-2",
                 wallet_class="anonymous"),
             _tx(chain, "pboc", "set_rate", currency="CNY", rate_bp=35, effective=_today(chain)),
             _tx(chain, "pboc", "set_settlement_dates", currency="CNY", months=[3, 6, 9, 12],
                 day=20, effective=_today(chain)))
    chain.days_later += 100
    receipts = chain.ok(chain.transfer(chain.key("sme-1"), "sme-3", 1),
                        chain.transfer(chain.key("sme-2"), "sme-3", 1))
    earned = {e.attrs["wallet"]: e.attrs["interest"] for r in receipts for e in r.events
              if e.name == "InterestCredited"}
    assert earned["sme-1"] > 0 and earned["sme-2"] == 0
    assert chain.balance("CNY", "sme-2") == 10_000_000 - 1


def test_only_another_cash_issuer_may_be_appointed(chain: Chain) -> None:
    # bank-a is no cash issuer; pboc cannot operate for itself
    chain.expect_failed(_tx(chain, "pboc", "appoint_operator", currency="CNY", org="bank-a"),
                        "bad_args")
    chain.expect_failed(_tx(chain, "pboc", "appoint_operator", currency="CNY", org="pboc"),
                        "bad_args")


def test_operators_distribute_and_the_central_issuer_issues_only_to_them() -> None:
    chain = chain_with_operators()
    chain.ok(chain.issue("op-bank", 1_000))
    chain.expect_failed(chain.issue("sme-1", 1_000), "bad_args")
    chain.expect_failed(chain.issue("sme-1", 10, signer=chain.key("op-bank")), "unauthorised")
    chain.ok(chain.transfer(chain.key("op-bank"), "sme-1", 400))
    assert chain.balance("CNY", "sme-1") == 400
    # an operator sets wallet classes but no rates and appoints nobody
    chain.ok(_tx(chain, "op-bank", "set_wallet_class", currency="CNY", org="sme-1",
                 wallet_class="anonymous"))
    chain.expect_failed(_tx(chain, "op-bank", "set_rate", currency="CNY", rate_bp=35,
                            effective=_today(chain)), "unauthorised")
    chain.expect_failed(_tx(chain, "pboc", "appoint_operator", currency="CNY", org="op-bank"),
                        "conflict")
    # USD has no operator: one tier, as before
    chain.ok(chain.issue("sme-1", 5, currency="USD"))


def chain_with_operators(*orgs: str) -> Chain:
    """A chain where each of ``orgs`` (default ``op-bank``) is a new cash issuer the central
    issuer ``pboc`` appointed to operate CNY, in that order."""
    from smechain.node.keys import generate_key

    chain = Chain()
    for org in orgs or ("op-bank",):
        key = generate_key("ed25519")
        args = {"id": org, "name": f"Operating Bank {org}", "roles": ["bank", "cash_issuer"],
                "admin_key": key.public}
        chain.ok(chain.tx("membership", "add_org", args,
                          [chain.key("pboc"), chain.key("bank-a")]))
        chain.keys[org] = key
        chain.ok(_tx(chain, "pboc", "appoint_operator", currency="CNY", org=org))
    return chain


def _terms(chain: Chain) -> None:
    chain.ok(_tx(chain, "pboc", "set_rate", currency="CNY", rate_bp=35, effective=_today(chain)),
             _tx(chain, "pboc", "set_settlement_dates", currency="CNY", months=[3, 6, 9, 12],
                 day=20, effective=_today(chain)))


REFUSALS: list[tuple[str, str, dict[str, Any], str, str]] = [
    ("rate by sme", "sme-1", {"action": "set_rate", "rate_bp": 35}, "unauthorised", ""),
    ("rate by bank", "bank-a", {"action": "set_rate", "rate_bp": 35}, "unauthorised", ""),
    ("negative rate", "pboc", {"action": "set_rate", "rate_bp": -1}, "bad_args", "args.rate_bp"),
    ("rate over 100%", "pboc", {"action": "set_rate", "rate_bp": 10_001}, "bad_args",
     "args.rate_bp"),
    ("rate 1.5", "pboc", {"action": "set_rate", "rate_bp": 1.5}, "bad_args", "args.rate_bp"),
    ("anonymous rate", "pboc", {"action": "set_rate", "rate_bp": 5, "wallet_class": "anonymous"},
     "bad_args", "rate_bp"),
    ("unknown class", "pboc", {"action": "set_rate", "rate_bp": 5, "wallet_class": "vip"},
     "bad_args", "wallet_class"),
    ("retroactive rate", "pboc", {"action": "set_rate", "rate_bp": 5, "effective": -1},
     "bad_args", "effective"),
    ("bad effective", "pboc", {"action": "set_rate", "rate_bp": 5, "effective": "2026-02-30"},
     "bad_args", "effective"),
    ("rate bad currency", "pboc", {"action": "set_rate", "rate_bp": 5, "currency": "cny"},
     "bad_args", "currency"),
    ("dates by sme", "sme-1", {"action": "set_settlement_dates", "months": [6], "day": 20},
     "unauthorised", ""),
    ("day 31", "pboc", {"action": "set_settlement_dates", "months": [6], "day": 31}, "bad_args",
     "args.day"),  # out of its type's bounds, as decoded
    ("month 13", "pboc", {"action": "set_settlement_dates", "months": [13], "day": 20},
     "bad_args", "args.months[0]"),
    ("no months", "pboc", {"action": "set_settlement_dates", "months": [], "day": 20},
     "bad_args", "args.months"),
    ("months not ascending", "pboc", {"action": "set_settlement_dates", "months": [9, 3],
                                      "day": 20}, "bad_args", "months"),
    ("past schedule", "pboc", {"action": "set_settlement_dates", "months": [6], "day": 20,
                               "effective": -3}, "bad_args", "effective"),
    ("class by sme", "sme-1", {"action": "set_wallet_class", "org": "sme-2",
                               "wallet_class": "anonymous"}, "unauthorised", ""),
    ("class of nobody", "pboc", {"action": "set_wallet_class", "org": "nobody",
                                 "wallet_class": "anonymous"}, "not_found", "org"),
    ("appoint by sme", "sme-1", {"action": "appoint_operator", "org": "pboc"}, "unauthorised", ""),
    ("appoint nobody", "pboc", {"action": "appoint_operator", "org": "nobody"}, "not_found",
     "org"),
    ("settle a date not yet ended", "pboc", {"action": "settle_interest", "date": 0,
                                             "wallets": ["sme-1"]}, "bad_args", "date"),
    ("settle no settlement date", "pboc", {"action": "settle_interest", "date": "2024-03-21",
                                           "wallets": ["sme-1"]}, "bad_args", "date"),
    ("settle no wallets", "pboc", {"action": "settle_interest", "wallets": []}, "bad_args",
     "wallets"),
    ("settle twice in one", "pboc", {"action": "settle_interest", "wallets": ["sme-1", "sme-1"]},
     "bad_args", "wallets[1]"),
    ("settle unknown wallet", "pboc", {"action": "settle_interest", "wallets": ["nobody"]},
     "not_found", "wallets[0]"),
    ("sme settles another", "sme-1", {"action": "settle_interest", "wallets": ["sme-2"]},
     "unauthorised", "wallets"),
    ("settle USD", "pboc", {"action": "settle_interest", "currency": "USD",
                            "wallets": ["sme-1"]}, "not_found", "currency"),
]


@pytest.mark.parametrize(("sender", "args", "code", "field"),
                         [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_refusals_change_nothing(chain: Chain, sender: str, args: dict[str, Any], code: str,
                                 field: str) -> None:
    chain.ok(chain.issue("sme-1", 1_000_000))
    chain.days_later = -200  # terms from 2023-04-28: 2023-06-20 is a settlement date
    _terms(chain)
    chain.days_later = 0
    today = next_day(chain)
    body = {"currency": "CNY", "effective": date_of(today), "date": "2023-06-20", **args}
    for name in ("effective", "date"):
        if isinstance(body[name], int):
            body[name] = date_of(today + body[name])
    action = body.pop("action")
    if action != "set_rate":
        body.pop("effective") if action != "set_settlement_dates" else None
    if action not in ("settle_interest",):
        body.pop("date")
    if action in ("set_wallet_class", "appoint_operator"):
        body.pop("effective", None)
    receipt = chain.expect_failed(chain.tx("cash", action, body, chain.key(sender)), code)
    assert receipt.field == field, receipt.message


def test_settling_twice_for_a_date_is_refused_and_lazy_equals_explicit(chain: Chain) -> None:
    chain.ok(chain.issue("sme-1", 7_654_321), chain.issue("sme-2", 7_654_321))
    chain.days_later = -200
    _terms(chain)
    chain.days_later = 0
    settle = {"currency": "CNY", "date": "2023-06-20", "wallets": ["sme-1"]}
    (explicit,) = chain.ok(chain.tx("cash", "settle_interest", settle, chain.key("sme-1")))
    chain.expect_failed(chain.tx("cash", "settle_interest", settle, chain.key("pboc")),
                        "conflict")
    # a wallet named twice is refused as named twice, before its first mention's own
    # refusal (already settled)
    twice = {**settle, "wallets": ["sme-1", "sme-1"]}
    receipt = chain.expect_failed(chain.tx("cash", "settle_interest", twice,
                                           chain.key("pboc")), "bad_args")
    assert (receipt.field, "named twice" in receipt.message) == ("wallets[1]", True)
    # sme-2 is settled lazily by its next payment, for every date it passed
    (lazy,) = chain.ok(chain.transfer(chain.key("sme-2"), "sme-3", 1))
    one = [e.attrs for e in explicit.events]
    two = [e.attrs for e in lazy.events
           if e.name == "InterestCredited" and e.attrs["wallet"] == "sme-2"]
    assert one[0]["interest"] == two[0]["interest"] > 0
    assert [a["date"] for a in two] == ["2023-06-20", "2023-09-20"]
    supply = sum(decode(v, int) for k, v, _ in chain.store.iter_state(BALANCE_PREFIX))
    assert chain.supply("CNY") == supply
    assert SUPPLY_PREFIX
