"""Two tiers: revoking an operating institution's licence — who may, what it leaves as it
was (balances, accrual, supply), what the revoked org may still do, and every refusal."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smechain.modules.cash import queries as q
from smechain.modules.cash.contract import operators_key, revoked_key

from ..conftest import Chain
from .test_interest import chain_with_operators, check_supply, date_of, next_day


def _tx(chain: Chain, sender: str, action: str, /, **args: Any) -> bytes:
    return chain.tx("cash", action, args, chain.key(sender))


def _revoke(chain: Chain, sender: str, org: str, currency: str = "CNY") -> bytes:
    return _tx(chain, sender, "revoke_operator", currency=currency, org=org)


def _written(before: list[tuple[str, bytes, int]], after: list[tuple[str, bytes, int]]
             ) -> set[str]:
    """Keys whose value a block added, changed or removed."""
    old = {k: v for k, v, _ in before}
    new = {k: v for k, v, _ in after}
    return {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}


def _distributed() -> Chain:
    """Two operators; ``op-a`` was issued 1,000,000 and passed 400,000 on to ``sme-1``;
    real-name wallets earn 150 bp from today, settled quarterly."""
    chain = chain_with_operators("op-a", "op-b")
    today = date_of(next_day(chain))
    chain.ok(_tx(chain, "pboc", "set_rate", currency="CNY", rate_bp=150, effective=today),
             _tx(chain, "pboc", "set_settlement_dates", currency="CNY", months=[3, 6, 9, 12],
                 day=20, effective=today))
    chain.ok(chain.issue("op-a", 1_000_000), chain.issue("op-b", 50_000))
    chain.ok(chain.transfer(chain.key("op-a"), "sme-1", 400_000))
    return chain


def test_revocation_moves_no_money_and_leaves_the_currency_two_tier() -> None:
    chain = _distributed()
    chain.days_later += 30  # a month of accrual, not yet touched
    balances = {o: chain.balance("CNY", o) for o in ("op-a", "op-b", "sme-1", "pboc")}
    supply = chain.supply("CNY")
    before = chain.state()
    (receipt,) = chain.ok(_revoke(chain, "pboc", "op-a"))
    assert [(e.name, e.attrs) for e in receipt.events] == [
        ("OperatorRevoked", {"currency": "CNY", "org": "op-a", "issuer": "pboc"})]
    # it writes the two lists and pboc's nonce, nothing else: no balance, wallet or supply
    nonce = {k for k in _written(before, chain.state()) if not k.startswith("cash/")}
    assert _written(before, chain.state()) - nonce == {operators_key("CNY"), revoked_key("CNY")}
    assert len(nonce) == 1
    assert {o: chain.balance("CNY", o) for o in balances} == balances
    assert chain.supply("CNY") == supply
    check_supply(chain)
    assert q.read_operators(chain.store, "CNY") == ["op-b"]
    assert q.read_revoked(chain.store, "CNY") == ["op-a"]
    # still two-tier: the central issuer issues to the remaining operator only
    chain.ok(chain.issue("op-b", 10))
    chain.expect_failed(chain.issue("sme-1", 10), "bad_args")
    # what op-a distributed stays its holders' and keeps earning
    chain.ok(chain.transfer(chain.key("sme-1"), "sme-2", 1))
    assert chain.balance("CNY", "sme-2") == 1
    check_supply(chain)
    chain.days_later += 90  # past 20 March/June/...: a settlement date
    credited = [e.attrs for r in chain.ok(chain.transfer(chain.key("sme-1"), "sme-2", 1))
                for e in r.events if e.name == "InterestCredited"]
    assert credited and credited[0]["wallet"] == "sme-1" and credited[0]["interest"] > 0
    check_supply(chain)


def test_a_revoked_operator_winds_down_what_it_holds_and_issues_nothing() -> None:
    chain = _distributed()
    chain.ok(_revoke(chain, "pboc", "op-a"))
    chain.days_later += 40  # past 2023-12-20, a settlement date
    today = date_of(next_day(chain))
    # it acts as no issuer of CNY any more, nor as its central issuer
    for raw, code, field in (
            (chain.issue("sme-2", 5, signer=chain.key("op-a")), "unauthorised", ""),
            (chain.issue("op-a", 5), "bad_args", "to"),
            (_tx(chain, "op-a", "set_rate", currency="CNY", rate_bp=1, effective=today),
             "unauthorised", ""),
            (_tx(chain, "op-a", "set_settlement_dates", currency="CNY", months=[6], day=1,
                 effective=today), "unauthorised", ""),
            (_tx(chain, "op-a", "appoint_operator", currency="CNY", org="op-b"), "unauthorised",
             ""),
            (_revoke(chain, "op-a", "op-b"), "unauthorised", ""),
            (_tx(chain, "op-a", "set_wallet_class", currency="CNY", org="sme-1",
                 wallet_class="anonymous"), "unauthorised", ""),
            (_tx(chain, "op-a", "settle_interest", currency="CNY", date="2023-12-20",
                 wallets=["sme-1"]), "unauthorised", "wallets")):
        receipt = chain.expect_failed(raw, code)
        assert receipt.field == field, receipt.message
    # it still pays out of its holding and redeems the rest: the supply shrinks by as much
    chain.ok(chain.transfer(chain.key("op-a"), "sme-2", 100_000))
    held, supply = chain.balance("CNY", "op-a"), chain.supply("CNY")
    assert held > 500_000  # its wallet is a real-name wallet like any: it earned interest
    (redeemed,) = chain.ok(_tx(chain, "op-a", "redeem", currency="CNY", amount=held))
    assert [e.name for e in redeemed.events] == ["Redeemed"]
    assert (chain.balance("CNY", "op-a"), chain.supply("CNY")) == (0, supply - held)
    check_supply(chain)
    # revoked for CNY only: a currency it was never an operator of is unchanged (one tier)
    chain.ok(chain.issue("sme-1", 7, currency="USD", signer=chain.key("op-a")))
    check_supply(chain, "USD")


def test_a_revoked_org_may_be_appointed_again() -> None:
    chain = chain_with_operators("op-a", "op-b")
    chain.ok(_revoke(chain, "pboc", "op-a"))
    chain.ok(_tx(chain, "pboc", "appoint_operator", currency="CNY", org="op-a"))
    assert q.read_operators(chain.store, "CNY") == ["op-a", "op-b"]
    assert q.read_revoked(chain.store, "CNY") == []
    chain.ok(chain.issue("op-a", 10))
    chain.ok(chain.transfer(chain.key("op-a"), "sme-1", 10))


REFUSALS: list[tuple[str, str, str, str, str, str]] = [
    # (id, sender, org, currency, code, field)
    ("by a member", "sme-1", "op-a", "CNY", "unauthorised", ""),  # no cash_issuer role
    ("by an operator", "op-b", "op-a", "CNY", "unauthorised", ""),
    ("by a revoked operator", "op-c", "op-a", "CNY", "unauthorised", ""),
    ("unknown org", "pboc", "nobody", "CNY", "not_found", "org"),
    ("a member that operates nothing", "pboc", "sme-1", "CNY", "conflict", "org"),
    ("the central issuer itself", "pboc", "pboc", "CNY", "conflict", "org"),
    ("already revoked", "pboc", "op-c", "CNY", "conflict", "org"),
    ("an operator of another currency", "pboc", "op-a", "USD", "conflict", "org"),
    ("bad currency", "pboc", "op-a", "cny", "bad_args", "currency"),
]


@pytest.mark.parametrize(("sender", "org", "currency", "code", "field"),
                         [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_refusals_name_their_field_and_change_nothing(sender: str, org: str, currency: str,
                                                       code: str, field: str) -> None:
    chain = chain_with_operators("op-a", "op-b", "op-c")
    chain.ok(_revoke(chain, "pboc", "op-c"))
    # expect_failed: no event, no state change but the sender's nonce
    receipt = chain.expect_failed(_revoke(chain, sender, org, currency), code)
    assert receipt.field == field, receipt.message
    if org == "op-c" and sender == "pboc":
        assert "already revoked" in receipt.message
    assert q.read_operators(chain.store, "CNY") == ["op-a", "op-b"]


def test_the_last_operator_is_not_revoked_a_two_tier_currency_stays_two_tier() -> None:
    chain = chain_with_operators("op-a", "op-b")
    chain.ok(_revoke(chain, "pboc", "op-a"))
    receipt = chain.expect_failed(_revoke(chain, "pboc", "op-b"), "conflict")
    assert receipt.field == "org" and "last operating institution" in receipt.message
    # the way out: appoint the successor first, then revoke
    chain.ok(_tx(chain, "pboc", "appoint_operator", currency="CNY", org="op-a"))
    chain.ok(_revoke(chain, "pboc", "op-b"))
    assert q.read_operators(chain.store, "CNY") == ["op-a"]


# --- a property: any order of appointments, revocations and payments ---------------------------

OPS = ["op-a", "op-b"]
HOLDERS = [*OPS, "sme-1", "sme-2", "pboc"]

moves = st.lists(st.tuples(
    st.sampled_from(["appoint", "revoke", "issue", "transfer", "redeem"]),
    st.sampled_from(HOLDERS), st.sampled_from(HOLDERS), st.integers(1, 10**6)),
    max_size=20)


@settings(max_examples=25, deadline=None)
@given(plan=moves)
def test_tiers_follow_a_model_and_money_is_conserved(plan: list[tuple[str, str, str, int]]
                                                      ) -> None:
    """Each action succeeds exactly when a plain model of who operates says it may; a
    revocation moves no money; the supply is always the sum of balances."""
    chain = chain_with_operators(*OPS)
    operating, gone = set(OPS), set()
    for kind, a, b, amount in plan:
        if kind == "appoint":
            ok = a in OPS and a not in operating
            raw = _tx(chain, "pboc", "appoint_operator", currency="CNY", org=a)
        elif kind == "revoke":
            ok = a in operating and len(operating) > 1
            raw = _revoke(chain, "pboc", a)
        elif kind == "issue":  # by pboc (central) or by any of the operators, revoked or not
            sender = a if a in OPS else "pboc"
            ok = sender == "pboc" and b in operating
            raw = chain.issue(b, amount, signer=chain.key(sender))
        elif kind == "transfer":
            ok = a != b and chain.balance("CNY", a) >= amount
            raw = chain.transfer(chain.key(a), b, amount)
        else:  # any cash issuer redeems what it holds, revoked or not
            if a not in [*OPS, "pboc"]:
                continue
            ok = chain.balance("CNY", a) >= amount
            raw = _tx(chain, a, "redeem", currency="CNY", amount=amount)
        balances = {o: chain.balance("CNY", o) for o in HOLDERS}
        (receipt,) = chain.run(raw)
        assert receipt.ok == ok, (kind, a, b, amount, receipt.code, receipt.message)
        if ok and kind == "appoint":
            operating.add(a)
            gone.discard(a)
        elif ok and kind == "revoke":
            operating.discard(a)
            gone.add(a)
            assert {o: chain.balance("CNY", o) for o in HOLDERS} == balances
        check_supply(chain)
        assert q.read_operators(chain.store, "CNY") == sorted(operating)
        assert q.read_revoked(chain.store, "CNY") == sorted(gone)


def test_the_central_issuer_is_the_first_to_act_as_it_and_no_other_cash_issuer_becomes_it(
        ) -> None:
    """With operators op-1 (appointed by pboc) and op-2 (a cash issuer never appointed),
    op-2 can neither demote pboc by appointing it an operator, nor set rates, nor issue;
    pboc still acts as the central issuer."""
    chain = chain_with_operators("op-1")
    from smechain.node.keys import generate_key

    key = generate_key("ed25519")
    chain.ok(chain.tx("membership", "add_org", {
        "id": "op-2", "name": "Another issuer", "roles": ["bank", "cash_issuer"],
        "admin_key": key.public}, [chain.key("pboc"), chain.key("bank-a")]))
    chain.keys["op-2"] = key
    for action, args in (("appoint_operator", {"currency": "CNY", "org": "pboc"}),
                         ("revoke_operator", {"currency": "CNY", "org": "op-1"}),
                         ("set_rate", {"currency": "CNY", "wallet_class": "real_name",
                                       "rate_bp": 35, "effective": date_of(next_day(chain))}),
                         ("issue", {"currency": "CNY", "to": "op-1", "amount": 1})):
        refused = chain.expect_failed(chain.tx("cash", action, args, chain.key("op-2")),
                                      "unauthorised")
        assert "the central issuer of CNY is 'pboc'" in refused.message, action
    chain.ok(chain.tx("cash", "issue", {"currency": "CNY", "to": "op-1", "amount": 5},
                      chain.key("pboc")))
