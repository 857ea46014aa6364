"""Properties of a declaration under random amendments (Hypothesis, through the executor),
what export finance relies on:

(a) the value is always the declared value of the invoice amount and goods items the
    declaration holds after the amendments (``declared_value``), and ``goods_count`` is
    the number of its items;
(b) the history is a chain: each amendment's ``value_before`` is the value the one
    before it left (the first: the registered value), and the last one's ``value`` is
    the declaration's; ``amended_at_ms`` is the last amendment's time;
(c) a refused amendment (a quantity that does not match) changes nothing.
"""

from __future__ import annotations

import hashlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smechain.modules.customs.contract import GoodsItem, declared_value, read_declaration

from ..conftest import Chain

MRN = "24GBDIRIGZ7QLCPAA8"
CURRENCIES = st.sampled_from(["GBP", "EUR"])
ITEMS = st.builds(
    lambda seq, price, cur, stat: {"sequence": seq, "item_price": price,
                                   "item_currency": cur if price is not None else "",
                                   "statistical_value": stat,
                                   "statistical_currency": "GBP" if stat is not None else ""},
    st.integers(1, 4), st.none() | st.integers(0, 10**9), CURRENCIES,
    st.none() | st.integers(0, 10**9))
AMENDMENTS = st.lists(st.tuples(
    st.none() | st.tuples(st.integers(0, 10**12), CURRENCIES),
    st.lists(ITEMS, max_size=3, unique_by=lambda i: i["sequence"]),
    st.booleans()), min_size=1, max_size=5)


def _digest(n: int) -> bytes:
    return hashlib.sha256(f"file {n}".encode()).digest()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.lists(ITEMS, min_size=1, max_size=3, unique_by=lambda i: i["sequence"]),
       amendments=AMENDMENTS)
def test_the_value_and_its_history_follow_every_amendment(
        first: list[dict[str, Any]], amendments: list[Any]) -> None:
    chain = Chain()
    customs = chain.key("customs-sh")
    chain.ok(chain.tx("customs", "register", {
        "id": MRN, "lrn": "L", "type_code": "EXA", "declarant": "EORI:GB1",
        "exporter_org": "sme-1", "goods_items": first, "digest": _digest(0)}, customs))
    registered = read_declaration(chain.store, MRN)
    assert registered is not None
    values = [registered.value]
    for n, (invoice, items, wrong_count) in enumerate(amendments, start=1):
        before = read_declaration(chain.store, MRN)
        assert before is not None
        args: dict[str, Any] = {"id": MRN, "digest": _digest(n), "goods_items": items}
        if invoice is not None:
            args["invoice_amount"], args["invoice_currency"] = invoice
        if wrong_count:  # (c)
            merged = {i.sequence for i in before.goods_items} | {i["sequence"] for i in items}
            args["goods_item_quantity"] = len(merged) + 1
            chain.expect_failed(chain.tx("customs", "amend", args, customs), "conflict")
            continue
        (receipt,) = chain.ok(chain.tx("customs", "amend", args, customs))
        decl = read_declaration(chain.store, MRN)
        assert decl is not None
        # (a)
        assert (decl.value, decl.currency, decl.value_basis) == declared_value(
            decl.invoice_amount, decl.invoice_currency, decl.goods_items)
        assert decl.goods_count == len(decl.goods_items)
        assert all(isinstance(i, GoodsItem) for i in decl.goods_items)
        assert [i.sequence for i in decl.goods_items] == sorted(
            {i.sequence for i in before.goods_items} | {i["sequence"] for i in items})
        if invoice is not None:
            assert (decl.value, decl.currency) == invoice
        values.append(decl.value)
        assert receipt.events[0].attrs["value"] == decl.value
    decl = read_declaration(chain.store, MRN)
    assert decl is not None
    # (b)
    assert [a.value_before for a in decl.amendments] == values[:-1]
    assert [a.value for a in decl.amendments] == values[1:]
    assert decl.value == values[-1]
    assert decl.amended_at_ms == (decl.amendments[-1].at_ms if decl.amendments else 0)
