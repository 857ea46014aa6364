"""Warehouse receipts through the executor: every action, and every refusal changes
nothing but the sender's nonce."""

from __future__ import annotations

from typing import Any

import pytest

from smechain.core.encoding import decode
from smechain.modules.warehouse_receipt import queries as q
from smechain.modules.warehouse_receipt.contract import Receipt, Status, receipt_key

from ..conftest import Chain, block_timestamp


def issue_args(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "depositor": "sme-1", "goods": "Electrolytic copper cathodes, grade A",
        "commodity_code": "7403110000", "quantity": 25_000, "unit": "KGM",
        "value": 182_500_000, "currency": "CNY",
        "location": "Waigaoqiao bonded zone, warehouse 3, bay 12"}
    return {**args, **changes}


def issue(chain: Chain, **changes: Any) -> str:
    (receipt,) = chain.ok(chain.tx("warehouse_receipt", "issue", issue_args(**changes),
                                   chain.key("wh-1")))
    return str(receipt.events[0].attrs["id"])


def read(chain: Chain, receipt_id: str) -> Receipt:
    raw = chain.store.get(receipt_key(receipt_id))
    assert raw is not None
    return decode(raw, Receipt)


def pledged(chain: Chain, bank: str = "bank-a") -> str:
    """A receipt sme-1 holds, pledged to ``bank``."""
    rid = issue(chain)
    chain.ok(chain.tx("warehouse_receipt", "pledge", {"id": rid, "bank": bank,
                                                      "reference": "WC-2026-001"},
                      [chain.key("sme-1"), chain.key(bank)]))
    return rid


def test_a_warehouse_issues_a_receipt_to_its_depositor(chain: Chain) -> None:
    rid = issue(chain)
    r = read(chain, rid)
    assert (r.warehouse, r.depositor, r.holder, r.status) == ("wh-1", "sme-1", "sme-1",
                                                              Status.ISSUED)
    assert (r.quantity, r.unit, r.value, r.currency) == (25_000, "KGM", 182_500_000, "CNY")
    assert r.issued_at_ms == block_timestamp(1) and r.pledgee == ""
    assert q.collateral(chain.store, rid) == q.Collateral(rid, 182_500_000, "CNY", "sme-1",
                                                          "issued", "", 182_500_000)


def test_the_holder_transfers_a_free_receipt(chain: Chain) -> None:
    rid = issue(chain)
    (receipt,) = chain.ok(chain.tx("warehouse_receipt", "transfer", {"id": rid, "to": "sme-2"},
                                   chain.key("sme-1")))
    assert receipt.events[0].attrs == {"id": rid, "sender": "sme-1", "to": "sme-2",
                                       "pledgee": ""}
    assert read(chain, rid).holder == "sme-2"


def test_a_pledge_to_a_bank_which_co_signs(chain: Chain) -> None:
    rid = pledged(chain)
    r = read(chain, rid)
    assert (r.status, r.pledgee, r.pledgor, r.reference) == (Status.PLEDGED, "bank-a",
                                                             "sme-1", "WC-2026-001")
    c = q.collateral(chain.store, rid)
    assert c.pledged and c.pledgee == "bank-a" and c.free_value == 0 and c.value == 182_500_000


def test_a_pledged_receipt_moves_with_the_pledgee_co_signing_and_the_pledge_goes_with_it(
        chain: Chain) -> None:
    rid = pledged(chain)
    chain.ok(chain.tx("warehouse_receipt", "transfer",
                      {"id": rid, "to": "sme-2", "pledgee": "bank-a"},
                      [chain.key("sme-1"), chain.key("bank-a")]))
    r = read(chain, rid)
    assert (r.holder, r.status, r.pledgee, r.pledgor) == ("sme-2", Status.PLEDGED, "bank-a",
                                                          "sme-1")


def test_the_pledgee_releases_on_repayment(chain: Chain) -> None:
    rid = pledged(chain)
    (receipt,) = chain.ok(chain.tx("warehouse_receipt", "release", {"id": rid},
                                   chain.key("bank-a")))
    assert receipt.events[0].name == "ReceiptReleased"
    r = read(chain, rid)
    assert (r.status, r.pledgee, r.pledgor, r.holder) == (Status.ISSUED, "", "", "sme-1")
    assert q.collateral(chain.store, rid).free_value == 182_500_000
    # free again: it may go to another bank
    chain.ok(chain.tx("warehouse_receipt", "pledge", {"id": rid, "bank": "bank-c"},
                      [chain.key("sme-1"), chain.key("bank-c")]))
    assert read(chain, rid).pledgee == "bank-c"


def test_the_pledgee_enforces_on_default_and_holds_the_receipt(chain: Chain) -> None:
    rid = pledged(chain)
    (receipt,) = chain.ok(chain.tx("warehouse_receipt", "enforce", {"id": rid},
                                   chain.key("bank-a")))
    assert receipt.events[0].attrs == {"id": rid, "bank": "bank-a", "pledgor": "sme-1",
                                       "sender": "sme-1"}
    r = read(chain, rid)
    assert (r.holder, r.status, r.pledgee) == ("bank-a", Status.ISSUED, "")
    # the bank takes the goods out against the receipt
    chain.ok(chain.tx("warehouse_receipt", "deliver", {"id": rid, "holder": "bank-a"},
                      [chain.key("wh-1"), chain.key("bank-a")]))
    assert read(chain, rid).status == Status.DELIVERED


def test_the_warehouse_delivers_against_the_holders_surrender(chain: Chain) -> None:
    rid = issue(chain)
    (receipt,) = chain.ok(chain.tx("warehouse_receipt", "deliver", {"id": rid,
                                                                    "holder": "sme-1"},
                                   [chain.key("wh-1"), chain.key("sme-1")]))
    assert receipt.events[0].name == "ReceiptDelivered"
    r = read(chain, rid)
    assert (r.status, r.delivered_at_ms) == (Status.DELIVERED, block_timestamp(2))
    assert q.collateral(chain.store, rid).free_value == 0


# --- refusals -------------------------------------------------------------------------


@pytest.mark.parametrize(("changes", "field"), [
    ({"depositor": "nobody"}, "depositor"),
    ({"depositor": "wh-1"}, "depositor"),
    ({"goods": " "}, "goods"),
    ({"commodity_code": "74031"}, "commodity_code"),
    ({"commodity_code": "740311000"}, "commodity_code"),
    ({"commodity_code": "7403.11"}, "commodity_code"),
    ({"quantity": 0}, "quantity"),
    ({"unit": "kg"}, "unit"),
    ({"value": 0}, "value"),
    ({"value": -5}, "value"),
    ({"currency": "yuan"}, "currency"),
    ({"location": ""}, "location"),
    ({"location": "x" * 201}, "location"),
])
def test_a_bad_issue_is_refused_naming_the_field(chain: Chain, changes: dict[str, Any],
                                                 field: str) -> None:
    receipt = chain.expect_failed(chain.tx("warehouse_receipt", "issue", issue_args(**changes),
                                           chain.key("wh-1")),
                                  "not_found" if changes.get("depositor") == "nobody"
                                  else "bad_args")
    assert receipt.field.removeprefix("args.") == field


@pytest.mark.parametrize("org", ["sme-1", "bank-a", "customs-sh", "pboc"])
def test_only_a_warehouse_issues(chain: Chain, org: str) -> None:
    receipt = chain.expect_failed(chain.tx("warehouse_receipt", "issue", issue_args(
        depositor="sme-2"), chain.key(org)), "unauthorised")
    assert "warehouse" in receipt.message


def test_a_receipt_is_pledged_to_one_bank_at_a_time(chain: Chain) -> None:
    rid = pledged(chain)
    receipt = chain.expect_failed(chain.tx("warehouse_receipt", "pledge",
                                           {"id": rid, "bank": "bank-c"},
                                           [chain.key("sme-1"), chain.key("bank-c")]),
                                  "conflict")
    assert receipt.field == "id" and "is pledged" in receipt.message
    assert read(chain, rid).pledgee == "bank-a"


def test_a_pledge_needs_the_bank_co_signing_and_a_bank(chain: Chain) -> None:
    rid = issue(chain)
    alone = chain.expect_failed(chain.tx("warehouse_receipt", "pledge",
                                         {"id": rid, "bank": "bank-a"}, chain.key("sme-1")),
                                "unauthorised")
    assert alone.field == "bank" and "must co-sign" in alone.message
    factor = chain.expect_failed(chain.tx("warehouse_receipt", "pledge",
                                          {"id": rid, "bank": "factor-a"},
                                          [chain.key("sme-1"), chain.key("factor-a")]),
                                 "unauthorised")
    assert factor.field == "bank" and "is not a bank" in factor.message
    stranger = chain.expect_failed(chain.tx("warehouse_receipt", "pledge",
                                            {"id": rid, "bank": "bank-a"},
                                            [chain.key("sme-2"), chain.key("bank-a")]),
                                   "unauthorised")
    assert "only the holder" in stranger.message
    long_ref = chain.expect_failed(chain.tx("warehouse_receipt", "pledge",
                                            {"id": rid, "bank": "bank-a",
                                             "reference": "r" * 65},
                                            [chain.key("sme-1"), chain.key("bank-a")]),
                                   "bad_args")
    assert long_ref.field == "reference"


def test_a_pledged_receipt_does_not_move_without_the_pledgee(chain: Chain) -> None:
    rid = pledged(chain)
    unnamed = chain.expect_failed(chain.tx("warehouse_receipt", "transfer",
                                           {"id": rid, "to": "sme-2"}, chain.key("sme-1")),
                                  "unauthorised")
    assert unnamed.field == "pledgee" and "pledged to 'bank-a'" in unnamed.message
    alone = chain.expect_failed(chain.tx("warehouse_receipt", "transfer",
                                         {"id": rid, "to": "sme-2", "pledgee": "bank-a"},
                                         chain.key("sme-1")), "unauthorised")
    assert alone.field == "pledgee" and "must co-sign" in alone.message
    other = chain.expect_failed(chain.tx("warehouse_receipt", "transfer",
                                         {"id": rid, "to": "sme-2", "pledgee": "bank-c"},
                                         [chain.key("sme-1"), chain.key("bank-c")]),
                                "bad_args")
    assert other.field == "pledgee" and "not 'bank-c'" in other.message
    to_pledgee = chain.expect_failed(chain.tx("warehouse_receipt", "transfer",
                                              {"id": rid, "to": "bank-a",
                                               "pledgee": "bank-a"},
                                              [chain.key("sme-1"), chain.key("bank-a")]),
                                     "bad_args")
    assert to_pledgee.field == "to" and "enforce" in to_pledgee.message
    assert read(chain, rid).holder == "sme-1"


@pytest.mark.parametrize(("to", "code", "reason"), [
    ("sme-1", "bad_args", "already holds"),
    ("wh-1", "bad_args", "deliver"),
    ("nobody", "not_found", "no organisation"),
])
def test_a_transfer_goes_to_another_member(chain: Chain, to: str, code: str,
                                           reason: str) -> None:
    rid = issue(chain)
    receipt = chain.expect_failed(chain.tx("warehouse_receipt", "transfer",
                                           {"id": rid, "to": to}, chain.key("sme-1")), code)
    assert receipt.field == "to" and reason in receipt.message


def test_a_free_receipt_names_no_pledgee(chain: Chain) -> None:
    rid = issue(chain)
    receipt = chain.expect_failed(chain.tx("warehouse_receipt", "transfer",
                                           {"id": rid, "to": "sme-2", "pledgee": "bank-a"},
                                           [chain.key("sme-1"), chain.key("bank-a")]),
                                  "bad_args")
    assert receipt.field == "pledgee" and "not pledged" in receipt.message


def test_only_the_pledgee_releases_or_enforces(chain: Chain) -> None:
    rid = pledged(chain)
    for org in ("bank-c", "sme-1", "wh-1"):
        for action in ("release", "enforce"):
            receipt = chain.expect_failed(chain.tx("warehouse_receipt", action, {"id": rid},
                                                   chain.key(org)), "unauthorised")
            assert "only the pledgee 'bank-a'" in receipt.message
    free = issue(chain)
    chain.expect_failed(chain.tx("warehouse_receipt", "release", {"id": free},
                                 chain.key("bank-a")), "unauthorised")
    assert read(chain, rid).pledgee == "bank-a"


def test_no_delivery_while_pledged_nor_without_the_holder(chain: Chain) -> None:
    rid = pledged(chain)
    receipt = chain.expect_failed(chain.tx("warehouse_receipt", "deliver",
                                           {"id": rid, "holder": "sme-1"},
                                           [chain.key("wh-1"), chain.key("sme-1")]),
                                  "conflict")
    assert receipt.field == "id" and "is pledged; deliver needs issued" in receipt.message
    free = issue(chain)
    alone = chain.expect_failed(chain.tx("warehouse_receipt", "deliver",
                                         {"id": free, "holder": "sme-1"}, chain.key("wh-1")),
                                "unauthorised")
    assert alone.field == "holder" and "must co-sign" in alone.message
    wrong = chain.expect_failed(chain.tx("warehouse_receipt", "deliver",
                                         {"id": free, "holder": "sme-2"},
                                         [chain.key("wh-1"), chain.key("sme-2")]), "bad_args")
    assert wrong.field == "holder" and "does not hold" in wrong.message
    by_holder = chain.expect_failed(chain.tx("warehouse_receipt", "deliver",
                                             {"id": free, "holder": "sme-1"},
                                             chain.key("sme-1")), "unauthorised")
    assert "only the warehouse" in by_holder.message


def test_a_delivered_receipt_is_done(chain: Chain) -> None:
    rid = issue(chain)
    chain.ok(chain.tx("warehouse_receipt", "deliver", {"id": rid, "holder": "sme-1"},
                      [chain.key("wh-1"), chain.key("sme-1")]))
    for action, args, signers in [
            ("transfer", {"id": rid, "to": "sme-2"}, ["sme-1"]),
            ("pledge", {"id": rid, "bank": "bank-a"}, ["sme-1", "bank-a"]),
            ("deliver", {"id": rid, "holder": "sme-1"}, ["wh-1", "sme-1"])]:
        receipt = chain.expect_failed(chain.tx("warehouse_receipt", action, args,
                                               [chain.key(o) for o in signers]), "conflict")
        assert "is delivered" in receipt.message


def test_an_unknown_receipt_is_not_found(chain: Chain) -> None:
    receipt = chain.expect_failed(chain.tx("warehouse_receipt", "transfer",
                                           {"id": "nope", "to": "sme-2"}, chain.key("sme-1")),
                                  "not_found")
    assert receipt.field == "id"
