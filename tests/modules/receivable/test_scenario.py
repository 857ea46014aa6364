"""The acceptance scenario: a core enterprise, four tiers of suppliers, a factor and a bank."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from smechain.core.encoding import decode
from smechain.modules.receivable.contract import Certificate, cert_key

from ..conftest import Chain
from .test_contract import FACE, setup

ORGS = ("core-a", "sme-1", "sme-2", "sme-3", "sme-4", "factor-a", "bank-a", "guar")


def cert(chain: Chain, cert_id: str) -> Certificate:
    raw = chain.store.get(cert_key(cert_id))
    assert raw is not None
    return decode(raw, Certificate)


def test_four_tiers_factor_bank_recourse_and_guarantee(chain: Chain) -> None:
    k = chain.key
    root = setup(chain)  # sme-1 holds 100,000.00 on core-a, confirmed; core-a and bank-a funded
    chain.ok(chain.issue("factor-a", 200_000_00), chain.issue("guar", 100_000_00),
             chain.issue("sme-2", 1_000_00))
    start = {o: chain.balance("CNY", o) for o in ORGS}

    def tx(action: str, args: dict[str, object], *orgs: str) -> bytes:
        return chain.tx("receivable", action, args, [k(o) for o in orgs])

    # tier 1 splits three ways and passes one part down to tier 2
    chain.ok(tx("split", {"id": root, "amounts": [50_000_00, 30_000_00, 20_000_00]}, "sme-1"))
    p1, p2, p3 = (f"{root}.{i}" for i in (1, 2, 3))
    chain.ok(tx("transfer", {"id": p2, "to": "sme-2"}, "sme-1"))
    # tier 2 splits again; one piece goes to tier 3 and on to tier 4
    chain.ok(tx("split", {"id": p2, "amounts": [20_000_00, 10_000_00]}, "sme-2"))
    p21, p22 = f"{p2}.1", f"{p2}.2"
    chain.ok(tx("transfer", {"id": p21, "to": "sme-3"}, "sme-2"))
    chain.ok(tx("transfer", {"id": p21, "to": "sme-4"}, "sme-3"))
    assert cert(chain, p21).root == root and cert(chain, p21).parent == p2
    # two parts sold to the factor: p3 with recourse, p2.2 guaranteed first, without recourse
    chain.ok(tx("sell", {"id": p3, "buyer": "factor-a", "discount_rate_bp": 600,
                         "day_count": "ACT/365F", "recourse": True}, "sme-1", "factor-a"))
    chain.ok(tx("guarantee", {"id": p22, "guarantor": "guar", "fee": 50_00}, "sme-2", "guar"))
    chain.ok(tx("sell", {"id": p22, "buyer": "factor-a", "discount_rate_bp": 500,
                         "day_count": "ACT/360", "recourse": False}, "sme-2", "factor-a"))
    price3 = 20_000_00 - 98_63  # 20,000.00 × 6% × 30/365 = 98.630…
    price22 = 10_000_00 - 41_67  # 10,000.00 × 5% × 30/360 = 41.666…
    # ten days later the factor resells p3 to the bank, with recourse
    chain.days_later = 10
    chain.ok(tx("sell", {"id": p3, "buyer": "bank-a", "discount_rate_bp": 400,
                         "day_count": "ACT/360", "recourse": True}, "factor-a", "bank-a"))
    resale = 20_000_00 - 44_44  # 20,000.00 × 4% × 20/360 = 44.444…
    assert cert(chain, p3).holder == "bank-a" and cert(chain, p3).recourse_to == "factor-a"

    # maturity: the debtor pays p1 and p2.1; p3 and p2.2 go unpaid past the grace days
    chain.days_later = 34
    chain.ok(tx("settle", {"id": p1}, "core-a"), tx("settle", {"id": p21}, "core-a"))
    chain.ok(tx("mark_overdue", {"id": p3}, "bank-a"), tx("mark_overdue", {"id": p22}, "factor-a"))
    chain.expect_failed(tx("claim", {"id": p22, "source": "recourse"}, "factor-a"), "conflict")
    chain.ok(tx("claim", {"id": p3, "source": "recourse"}, "bank-a"),
             tx("claim", {"id": p22, "source": "guarantor"}, "factor-a"))

    expected = {
        "core-a": -(50_000_00 + 20_000_00),
        "sme-1": 50_000_00 + price3,
        "sme-2": -50_00 + price22,
        "sme-3": 0,
        "sme-4": 20_000_00,
        "factor-a": -price3 - price22 + resale - 20_000_00 + 10_000_00,
        "bank-a": -resale + 20_000_00,
        "guar": 50_00 - 10_000_00,
    }
    assert {o: chain.balance("CNY", o) - start[o] for o in ORGS} == expected
    assert sum(expected.values()) == 0  # cash only moved between holders
    statuses = {p: cert(chain, p).status for p in (root, p1, p2, p3, p21, p22)}
    assert statuses == {root: "split", p1: "settled", p2: "split", p3: "claimed",
                        p21: "settled", p22: "claimed"}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.lists(st.integers(0, 99), min_size=1,
                                                       max_size=4),
                          st.sampled_from(["sme-1", "sme-2", "sme-3"]), st.integers(-1, 1)),
                min_size=1, max_size=12))
def test_parts_always_sum_to_the_face_value(ops: list[tuple[int, list[int], str, int]]) -> None:
    """Random splits and transfers: live parts always add up to the face value exactly."""
    chain = Chain()
    root = setup(chain)
    supply = chain.supply("CNY")
    for pick, weights, to, error in ops:
        live = [key.removeprefix("receivable/cert/") for key, raw, _ in
                chain.store.iter_state("receivable/cert/")
                if decode(raw, Certificate).status == "confirmed"]
        target = cert(chain, live[pick % len(live)])
        holder = chain.key(target.holder)
        if len(weights) >= 2:
            # amounts in proportion to the weights; ``error`` makes some splits wrong
            total = sum(weights) or 1
            amounts = [target.face * w // total for w in weights[:-1]]
            amounts.append(target.face - sum(amounts) + error)
            chain.run(chain.tx("receivable", "split", {"id": target.id, "amounts": amounts},
                               holder))
        else:
            chain.run(chain.tx("receivable", "transfer", {"id": target.id, "to": to}, holder))
        parts = [decode(raw, Certificate) for _, raw, _ in chain.store.iter_state(
            "receivable/cert/")]
        assert sum(c.face for c in parts if c.status == "confirmed") == FACE
        assert all(c.root == root for c in parts)
        assert chain.supply("CNY") == supply
