"""A property of the whole lifecycle: whatever sequence of issues, transfers, endorsements,
surrenders and answers members send, in blocks of several, after every block each live
bill has exactly one possessor, every bill's chain is whole and replays to the bill, and a
refused transaction leaves its bill as it was."""

from __future__ import annotations

import hashlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smechain.core.encoding import decode
from smechain.modules.bill_of_lading.contract import (
    BILL_PREFIX,
    LIVE,
    Bill,
    Status,
    read_bill,
)
from smechain.modules.bill_of_lading.queries import chain, chain_problems, holder

from ..conftest import Chain
from .conftest import document

CARRIERS = ["carrier-a", "carrier-b"]
MEMBERS = ["sme-1", "sme-2", "bank-a", "bank-c"]
ORGS = CARRIERS + MEMBERS

ops = st.one_of(
    st.tuples(st.just("issue"), st.sampled_from(CARRIERS), st.sampled_from(MEMBERS),
              st.booleans(), st.sampled_from(["", *MEMBERS]), st.integers(0, 3)),
    st.tuples(st.just("transfer"), st.sampled_from(ORGS), st.integers(0, 5),
              st.sampled_from(ORGS), st.sampled_from(["", "to_order", "named", "blank"])),
    st.tuples(st.just("surrender"), st.sampled_from(ORGS), st.integers(0, 5),
              st.sampled_from(["delivery", "amendment"])),
    st.tuples(st.just("answer"), st.sampled_from(ORGS), st.integers(0, 5), st.booleans()),
)


def _bills(c: Chain) -> dict[str, Bill]:
    return {k[len(BILL_PREFIX):]: decode(v, Bill) for k, v, _ in c.store.iter_state(BILL_PREFIX)}


def _tx(c: Chain, op: tuple[Any, ...], bills: list[str], requests: list[str], n: int
        ) -> tuple[bytes, str]:
    """The transaction of ``op`` and the bill it concerns (``""``: a new one)."""
    kind, org = op[0], op[1]
    key = c.key(org)
    if kind == "issue":
        _, _, shipper, to_order, other, ref = op
        doc = document(f"REF{ref}", to_order,
                       digest=hashlib.sha256(f"{n}".encode()).digest())
        args: dict[str, Any] = {"document": doc, "shipper": shipper}
        args["endorsee" if to_order else "consignee"] = other or (shipper if not to_order
                                                                  else "")
        return c.tx("bill_of_lading", "issue", args, key), ""
    bill = bills[op[2] % len(bills)] if bills else "none"
    if kind == "transfer":
        return c.tx("bill_of_lading", "transfer", {"id": bill, "to": op[3],
                                                  "endorsement": op[4]}, key), bill
    if kind == "surrender":
        return c.tx("bill_of_lading", "surrender", {"id": bill, "kind": op[3]}, key), bill
    request = requests[op[2] % len(requests)] if requests else "none"
    args = {"request": request, "accept": op[3], "comments": "" if op[3] else "no"}
    return c.tx("bill_of_lading", "answer_surrender", args, key), ""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(ops, min_size=1, max_size=3), min_size=1, max_size=12))
def test_one_possessor_and_a_consistent_chain_after_every_block(
        blocks: list[list[tuple[Any, ...]]]) -> None:
    c = Chain()
    requests: list[str] = []
    n = 0
    for block in blocks:
        known = sorted(_bills(c))
        txs, concerned = [], []
        for op in block:
            n += 1
            raw, bill = _tx(c, op, known, requests, n)
            txs.append(raw)
            concerned.append(bill)
        before = _bills(c)
        receipts = c.run(*txs)
        after = _bills(c)
        for receipt, bill in zip(receipts, concerned, strict=True):
            for event in receipt.events:
                if event.name == "BillOfLadingSurrenderRequested":
                    requests.append(event.attrs["request"])
            if not receipt.ok and bill and len(block) == 1:
                assert after.get(bill) == before.get(bill)  # refused: nothing moved
        for bill_id, bill in after.items():
            entries = chain(c.store, bill)
            assert chain_problems(bill, entries) == [], bill_id
            if bill.status in LIVE:
                assert bill.possessor in ORGS  # exactly one, a member
                assert (bill.possessor == bill.carrier) == (
                    bill.status == Status.SURRENDER_REQUESTED)
                assert (bill.surrender != "") == (bill.status == Status.SURRENDER_REQUESTED)
                h = holder(bill)
                assert h in ("", bill.possessor)
                if not bill.document.to_order:
                    assert bill.possessor in (bill.shipper, bill.consignee, bill.carrier)
            else:
                assert bill.possessor == bill.carrier and bill.surrender == ""
            if bill.status == Status.AMENDED:
                successor = read_bill(c.store, bill.replaced_by)
                assert successor is not None and successor.replaces == bill_id
            assert entries[-1].possessor == bill.possessor
