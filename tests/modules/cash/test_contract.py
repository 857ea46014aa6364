"""Cash: issue, transfer and redeem, their failures, and supply conservation."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)

from smechain.core.block import Event
from smechain.core.encoding import decode
from smechain.modules.cash.contract import BALANCE_PREFIX, MAX_AMOUNT, SUPPLY_PREFIX

from ..conftest import ORG_ROLES, Chain

# --- happy paths ----------------------------------------------------------------


def test_issue_mints_into_the_recipient(chain: Chain) -> None:
    (receipt,) = chain.ok(chain.issue("bank-a", 1_000))
    assert chain.balance("CNY", "bank-a") == 1_000
    assert chain.supply("CNY") == 1_000
    assert receipt.events == [
        Event("cash", "Issued", {"currency": "CNY", "to": "bank-a", "amount": 1_000,
                                 "issuer": "pboc"})
    ]
    chain.ok(chain.issue("bank-a", 1))
    assert chain.balance("CNY", "bank-a") == 1_001
    assert chain.supply("CNY") == 1_001


def test_currencies_are_separate(chain: Chain) -> None:
    chain.ok(chain.issue("sme-1", 10, "CNY"), chain.issue("sme-1", 7, "USD"))
    assert (chain.balance("CNY", "sme-1"), chain.balance("USD", "sme-1")) == (10, 7)
    assert (chain.supply("CNY"), chain.supply("USD")) == (10, 7)
    chain.expect_failed(chain.transfer(chain.key("sme-1"), "sme-2", 8, "USD"),
                        "insufficient_funds")
    chain.ok(chain.transfer(chain.key("sme-1"), "sme-2", 8, "CNY"))
    assert chain.balance("USD", "sme-2") == 0
    assert chain.balance("CNY", "sme-2") == 8


def test_transfer_moves_money(chain: Chain) -> None:
    chain.ok(chain.issue("bank-a", 1_000))
    (receipt,) = chain.ok(chain.transfer(chain.key("bank-a"), "core-a", 400))
    assert chain.balance("CNY", "bank-a") == 600
    assert chain.balance("CNY", "core-a") == 400
    assert chain.supply("CNY") == 1_000
    assert receipt.events == [
        Event("cash", "Transferred", {"currency": "CNY", "sender": "bank-a", "to": "core-a",
                                      "amount": 400})
    ]


def test_transfer_of_the_whole_balance(chain: Chain) -> None:
    chain.ok(chain.issue("sme-1", 50))
    chain.ok(chain.transfer(chain.key("sme-1"), "sme-2", 50))
    assert chain.balance("CNY", "sme-1") == 0
    assert chain.balance("CNY", "sme-2") == 50


def test_transfer_with_memo(chain: Chain) -> None:
    chain.ok(chain.issue("sme-1", 50))
    args = {"currency": "CNY", "to": "sme-2", "amount": 5, "memo": "invoice 42"}
    chain.ok(chain.tx("cash", "transfer", args, chain.key("sme-1")))
    assert chain.balance("CNY", "sme-2") == 5


def test_redeem_burns_the_issuers_holding(chain: Chain) -> None:
    chain.ok(chain.issue("bank-a", 300))
    chain.ok(chain.transfer(chain.key("bank-a"), "pboc", 120))
    redeem = chain.tx("cash", "redeem", {"currency": "CNY", "amount": 100}, chain.key("pboc"))
    (receipt,) = chain.ok(redeem)
    assert chain.balance("CNY", "pboc") == 20
    assert chain.supply("CNY") == 200
    assert receipt.events == [
        Event("cash", "Redeemed", {"currency": "CNY", "issuer": "pboc", "amount": 100})
    ]


def test_several_transfers_in_one_block_see_each_other(chain: Chain) -> None:
    chain.ok(chain.issue("sme-1", 10))
    sme1, sme2 = chain.key("sme-1"), chain.key("sme-2")
    receipts = chain.run(
        chain.transfer(sme1, "sme-2", 10),
        chain.transfer(sme2, "core-a", 6),
        chain.transfer(sme1, "core-a", 1),  # sme-1 is empty by now
    )
    assert [r.code for r in receipts] == ["ok", "ok", "insufficient_funds"]
    assert [chain.balance("CNY", o) for o in ("sme-1", "sme-2", "core-a")] == [0, 4, 6]


def test_supply_cap(chain: Chain) -> None:
    chain.ok(chain.issue("bank-a", MAX_AMOUNT))
    chain.expect_failed(chain.issue("bank-a", 1), "bad_args")
    assert chain.supply("CNY") == MAX_AMOUNT


# --- failures ----------------------------------------------------------------------

Build = Callable[[Chain], bytes]


def _tx(action: str, org: str, **args: Any) -> Build:
    return lambda c: c.tx("cash", action, args, c.key(org))


ISSUE = {"currency": "CNY", "to": "sme-1", "amount": 100}
PAY = {"currency": "CNY", "to": "sme-2", "amount": 100}

FAILURES: list[tuple[str, Build, str]] = [
    ("issue by sme", _tx("issue", "sme-1", **ISSUE), "unauthorised"),
    ("issue by bank", _tx("issue", "bank-a", **ISSUE), "unauthorised"),
    ("redeem by non-issuer", _tx("redeem", "sme-1", currency="CNY", amount=1), "unauthorised"),
    ("transfer too much", _tx("transfer", "sme-1", **{**PAY, "amount": 1_001}),
     "insufficient_funds"),
    ("transfer from empty", _tx("transfer", "sme-2", **{**PAY, "to": "sme-1", "amount": 1}),
     "insufficient_funds"),
    ("redeem too much", _tx("redeem", "pboc", currency="CNY", amount=501),
     "insufficient_funds"),
    ("redeem other currency", _tx("redeem", "pboc", currency="USD", amount=1),
     "insufficient_funds"),
    ("issue cny", _tx("issue", "pboc", **{**ISSUE, "currency": "cny"}), "bad_args"),
    ("issue CNYX", _tx("issue", "pboc", **{**ISSUE, "currency": "CNYX"}), "bad_args"),
    ("transfer cny", _tx("transfer", "sme-1", **{**PAY, "currency": "cny"}), "bad_args"),
    ("redeem cny", _tx("redeem", "pboc", currency="cny", amount=1), "bad_args"),
    ("issue 0", _tx("issue", "pboc", **{**ISSUE, "amount": 0}), "bad_args"),
    ("issue -5", _tx("issue", "pboc", **{**ISSUE, "amount": -5}), "bad_args"),
    ("issue over max", _tx("issue", "pboc", **{**ISSUE, "amount": MAX_AMOUNT + 1}), "bad_args"),
    ("transfer 0", _tx("transfer", "sme-1", **{**PAY, "amount": 0}), "bad_args"),
    ("transfer -1", _tx("transfer", "sme-1", **{**PAY, "amount": -1}), "bad_args"),
    ("redeem 0", _tx("redeem", "pboc", currency="CNY", amount=0), "bad_args"),
    ("redeem -1", _tx("redeem", "pboc", currency="CNY", amount=-1), "bad_args"),
    ("issue 1.5", _tx("issue", "pboc", **{**ISSUE, "amount": 1.5}), "bad_args"),
    ("issue 5.0", _tx("issue", "pboc", **{**ISSUE, "amount": 5.0}), "bad_args"),
    ("transfer 1.5", _tx("transfer", "sme-1", **{**PAY, "amount": 1.5}), "bad_args"),
    ("redeem 1.5", _tx("redeem", "pboc", currency="CNY", amount=1.5), "bad_args"),
    ("issue '5'", _tx("issue", "pboc", **{**ISSUE, "amount": "5"}), "bad_args"),
    ("issue True", _tx("issue", "pboc", **{**ISSUE, "amount": True}), "bad_args"),
    ("issue to unknown", _tx("issue", "pboc", **{**ISSUE, "to": "nobody"}), "not_found"),
    ("transfer to unknown", _tx("transfer", "sme-1", **{**PAY, "to": "nobody"}), "not_found"),
    ("self-transfer", _tx("transfer", "sme-1", **{**PAY, "to": "sme-1"}), "bad_args"),
    ("issue unknown field", _tx("issue", "pboc", **ISSUE, bonus=1), "bad_args"),
    ("transfer unknown field", _tx("transfer", "sme-1", **PAY, fee=1), "bad_args"),
    ("redeem unknown field", _tx("redeem", "pboc", currency="CNY", amount=1, to="sme-1"),
     "bad_args"),
    ("issue missing amount", _tx("issue", "pboc", currency="CNY", to="sme-1"), "bad_args"),
    ("transfer missing to", _tx("transfer", "sme-1", currency="CNY", amount=1), "bad_args"),
    ("memo too long", _tx("transfer", "sme-1", **PAY, memo="x" * 141), "bad_args"),
]


@pytest.fixture
def funded_chain(chain: Chain) -> Chain:
    """sme-1 holds 1,000 CNY and pboc 500 CNY; nothing in USD."""
    chain.ok(chain.issue("sme-1", 1_000), chain.issue("pboc", 500))
    return chain


@pytest.mark.parametrize(("build", "code"), [(b, c) for _, b, c in FAILURES],
                         ids=[label for label, _, _ in FAILURES])
def test_failure_changes_nothing_but_the_nonce(funded_chain: Chain, build: Build,
                                               code: str) -> None:
    chain = funded_chain
    chain.expect_failed(build(chain), code)
    assert chain.balance("CNY", "sme-1") == 1_000
    assert chain.balance("CNY", "pboc") == 500
    assert chain.supply("CNY") == 1_500


# --- conservation, by random sequences ---------------------------------------------

ORGS = sorted(ORG_ROLES)
ISSUERS = frozenset(o for o, roles in ORG_ROLES.items() if "cash_issuer" in roles)
CURRENCIES = ["CNY", "USD"]
CURRENCY = re.compile(r"^[A-Z]{3}$")

orgs = st.sampled_from(ORGS)
issuers = st.one_of(st.just("pboc"), st.just("pboc"), st.just("pboc"), orgs)
recipients = st.one_of(orgs, orgs, orgs, st.just("nobody"))
currencies = st.one_of(*[st.sampled_from(CURRENCIES)] * 4, st.just("cny"))
amounts = st.one_of(
    *[st.integers(min_value=1, max_value=300)] * 6,
    st.integers(min_value=1, max_value=5_000),
    st.integers(min_value=-3, max_value=0),
    st.just(MAX_AMOUNT),
)


def _bad_args(currency: str, amount: int) -> bool:
    return not CURRENCY.match(currency) or not 0 < amount <= MAX_AMOUNT


class CashMachine(RuleBasedStateMachine):
    """Random issue/transfer/redeem, valid or not, run alone or in small batches.

    The model applies each transaction as it is queued (blocks run in order) and
    predicts its receipt code; ``committed`` is the model as of the last block.
    """

    def __init__(self) -> None:
        super().__init__()
        self.chain = Chain()
        self.model: dict[tuple[str, str], int] = {}
        self.supply: dict[str, int] = {}
        self.sent: dict[str, int] = {}
        self.committed: tuple[dict[tuple[str, str], int], dict[str, int], dict[str, int]] = (
            {}, {}, {})
        self.pending: list[tuple[bytes, str]] = []
        self.executed: list[bytes] = []

    # --- the model ---

    def _bal(self, currency: str, org: str) -> int:
        return self.model.get((currency, org), 0)

    def _queue(self, sender: str, action: str, args: dict[str, Any], expected: str,
               flush: bool) -> None:
        raw = self.chain.tx("cash", action, args, self.chain.key(sender))
        self.sent[sender] = self.sent.get(sender, 0) + 1
        self.pending.append((raw, expected))
        if flush or len(self.pending) >= 4:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        raws = [raw for raw, _ in self.pending]
        receipts = self.chain.run(*raws)
        got = [(r.code, r.message) for r in receipts]
        want = [code for _, code in self.pending]
        assert [code for code, _ in got] == want, got
        for code in want:
            event(f"receipt {code}")
        self.executed.extend(raws)
        self.pending.clear()
        self.committed = (dict(self.model), dict(self.supply), dict(self.sent))

    # --- rules ---

    @rule(sender=issuers, to=recipients, currency=currencies, amount=amounts,
          flush=st.booleans())
    def issue(self, sender: str, to: str, currency: str, amount: int, flush: bool) -> None:
        if sender not in ISSUERS:
            expected = "unauthorised"
        elif _bad_args(currency, amount):
            expected = "bad_args"
        elif to not in ORG_ROLES:
            expected = "not_found"
        elif self.supply.get(currency, 0) + amount > MAX_AMOUNT:
            expected = "bad_args"
        else:
            expected = "ok"
            self.supply[currency] = self.supply.get(currency, 0) + amount
            self.model[currency, to] = self._bal(currency, to) + amount
        self._queue(sender, "issue", {"currency": currency, "to": to, "amount": amount},
                    expected, flush)

    @rule(sender=orgs, to=recipients, currency=currencies, amount=amounts, flush=st.booleans())
    def transfer(self, sender: str, to: str, currency: str, amount: int, flush: bool) -> None:
        if _bad_args(currency, amount) or to == sender:
            expected = "bad_args"
        elif to not in ORG_ROLES:
            expected = "not_found"
        elif self._bal(currency, sender) < amount:
            expected = "insufficient_funds"
        else:
            expected = "ok"
            self.model[currency, sender] = self._bal(currency, sender) - amount
            self.model[currency, to] = self._bal(currency, to) + amount
        self._queue(sender, "transfer", {"currency": currency, "to": to, "amount": amount},
                    expected, flush)

    @rule(sender=issuers, currency=currencies, amount=amounts, flush=st.booleans())
    def redeem(self, sender: str, currency: str, amount: int, flush: bool) -> None:
        if sender not in ISSUERS:
            expected = "unauthorised"
        elif _bad_args(currency, amount):
            expected = "bad_args"
        elif self._bal(currency, sender) < amount:
            expected = "insufficient_funds"
        else:
            expected = "ok"
            self.model[currency, sender] = self._bal(currency, sender) - amount
            self.supply[currency] -= amount
        self._queue(sender, "redeem", {"currency": currency, "amount": amount}, expected, flush)

    @rule(to=orgs, currency=st.sampled_from(CURRENCIES),
          amount=st.integers(min_value=1, max_value=1_000), flush=st.booleans())
    def fund(self, to: str, currency: str, amount: int, flush: bool) -> None:
        """pboc issues a valid amount (a likely success, so money flows)."""
        self.issue("pboc", to, currency, amount, flush)

    @rule(data=st.data(), flush=st.booleans())
    def pay_from_a_holder(self, data: st.DataObject, flush: bool) -> None:
        """Someone who holds money pays part, all or a bit more than it to another org."""
        holders = sorted(k for k, v in self.model.items() if v > 0)
        if not holders:
            return
        currency, sender = data.draw(st.sampled_from(holders))
        to = data.draw(st.sampled_from([o for o in ORGS if o != sender]))
        held = self._bal(currency, sender)
        amount = data.draw(st.one_of(st.integers(1, held), st.just(held), st.just(held + 1)))
        self.transfer(sender, to, currency, amount, flush)

    @rule(currency=st.sampled_from(CURRENCIES), flush=st.booleans())
    def redeem_everything(self, currency: str, flush: bool) -> None:
        """pboc redeems exactly its whole holding (when it has any)."""
        amount = self._bal(currency, "pboc")
        if amount > 0:
            self.redeem("pboc", currency, amount, flush)

    @rule()
    def flush(self) -> None:
        self._flush()

    @precondition(lambda self: bool(self.executed))
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        """Any transaction already in a block is refused again, changing nothing."""
        self._flush()
        raw = data.draw(st.sampled_from(self.executed))
        self.chain.expect_rejected(raw, "bad_nonce")

    # --- invariants, on committed state ---

    @invariant()
    def supply_is_the_sum_of_balances(self) -> None:
        supplies: dict[str, int] = {}
        sums: dict[str, int] = {}
        for key, value, _ in self.chain.store.iter_state("cash/"):
            amount = decode(value, int)
            if key.startswith(SUPPLY_PREFIX):
                supplies[key.removeprefix(SUPPLY_PREFIX)] = amount
            else:
                assert key.startswith(BALANCE_PREFIX), key
                currency = key.removeprefix(BALANCE_PREFIX).split("/")[0]
                assert amount >= 0, (key, amount)
                sums[currency] = sums.get(currency, 0) + amount
        for currency in set(supplies) | set(sums) | set(CURRENCIES):
            assert supplies.get(currency, 0) == sums.get(currency, 0), currency
            assert 0 <= supplies.get(currency, 0) <= MAX_AMOUNT

    @invariant()
    def balances_match_the_model(self) -> None:
        model, supply, sent = self.committed
        stored = {
            tuple(key.removeprefix(BALANCE_PREFIX).split("/", 1)): decode(value, int)
            for key, value, _ in self.chain.store.iter_state(BALANCE_PREFIX)
        }
        assert {k: v for k, v in stored.items() if v} == {k: v for k, v in model.items() if v}
        for currency in CURRENCIES:
            assert self.chain.supply(currency) == supply.get(currency, 0)
        for org in ORGS:
            assert self.chain.committed_nonce(self.chain.key(org)) == sent.get(org, 0)

    @invariant()
    def only_valid_currencies_exist(self) -> None:
        for key, _, _ in self.chain.store.iter_state("cash/"):
            assert key.split("/")[2] in CURRENCIES, key


CashMachine.TestCase.settings = settings(max_examples=50, stateful_step_count=30,
                                         deadline=None)
TestCashMachine = CashMachine.TestCase


def test_bad_values_are_named_and_not_echoed_in_full(chain: Chain) -> None:
    receipt = chain.expect_failed(chain.issue("sme-1", 1, currency="A" * 5000), "bad_args")
    assert receipt.field == "currency" and len(receipt.message) < 200
    assert "5000 characters" in receipt.message
    for amount in (0, -1):  # out of the bounds its type declares: refused as decoded
        receipt = chain.expect_failed(chain.issue("sme-1", amount), "bad_args")
        assert receipt.field == "args.amount"
