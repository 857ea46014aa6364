"""The bill-of-lading contract through the executor: every action and every refusal, each
refusal naming its field and changing nothing (``Chain.expect_failed``)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from smechain.modules.bill_of_lading.contract import Code, Endorsement, RequestStatus, Status
from smechain.modules.bill_of_lading.queries import holder, pint_chain, possessor

from .conftest import Bills, document


def test_issue_a_to_order_bill_to_the_shipper(bills: Bills) -> None:
    bill_id = bills.issue(endorsee="sme-1")
    bill = bills.check(bill_id)
    assert (bill.status, bill.possessor, bill.endorsee, bill.endorsable) == (
        Status.ISSUED, "sme-1", "sme-1", True)
    assert bill.carrier == "carrier-a" and bill.document.reference == "COSU6112345670"
    assert holder(bill) == "sme-1" and possessor(bill) == "sme-1"
    (entry,) = bills.chain_of(bill_id)
    assert (entry.action, entry.actor, entry.recipient, entry.previous) == (
        Code.ISSUE, "carrier-a", "sme-1", b"")
    assert entry.document_checksum == bill.document.digest


def test_a_to_order_bill_naming_no_endorsee_is_a_bearer_bill(bills: Bills) -> None:
    bill_id = bills.issue()
    assert bills.bill(bill_id).endorsee == ""
    bills.transfer("sme-1", bill_id, "bank-a")  # holder by transfer, no endorsement needed
    bills.transfer("bank-a", bill_id, "sme-2")
    bill = bills.check(bill_id)
    assert (bill.possessor, holder(bill)) == ("sme-2", "sme-2")
    assert [e.action for e in bills.chain_of(bill_id)] == [Code.ISSUE, Code.TRANSFER,
                                                          Code.TRANSFER]


def test_endorse_to_order_named_and_blank(bills: Bills) -> None:
    bill_id = bills.issue(endorsee="sme-1")
    bills.transfer("sme-1", bill_id, "bank-a", "to_order")
    assert (bills.bill(bill_id).possessor, bills.bill(bill_id).endorsee) == ("bank-a", "bank-a")
    bills.transfer("bank-a", bill_id, "sme-2", "blank")
    assert (bills.bill(bill_id).possessor, bills.bill(bill_id).endorsee) == ("sme-2", "")
    bills.transfer("sme-2", bill_id, "bank-c", "named")  # a bearer bill endorsed again
    bill = bills.check(bill_id)
    assert (bill.possessor, bill.endorsee, bill.endorsable) == ("bank-c", "bank-c", False)
    assert [(e.action, e.endorsement) for e in bills.chain_of(bill_id)[1:]] == [
        (Code.ENDORSE_TO_ORDER, Endorsement.TO_ORDER), (Code.BLANK_ENDORSE, Endorsement.BLANK),
        (Code.ENDORSE, Endorsement.NAMED)]
    pint = pint_chain(bills.chain_of(bill_id))
    assert [t["actionCode"] for t in pint[2]["transactions"]] == ["BLANK_ENDORSE", "TRANSFER"]
    assert "recipient" not in pint[2]["transactions"][0]
    assert pint[1]["previousEnvelopeTransferChainEntrySignedContentChecksum"] == pint[0][
        "checksum"]
    assert bill.parties == ["bank-a", "bank-c", "carrier-a", "sme-1", "sme-2"]


def test_a_named_endorsee_may_only_surrender(bills: Bills) -> None:
    bill_id = bills.issue(endorsee="sme-1")
    bills.transfer("sme-1", bill_id, "bank-a", "named")
    for endorsement in ("", "to_order"):
        r = bills.chain.expect_failed(bills.tx("bank-a", "transfer", {
            "id": bill_id, "to": "sme-2", "endorsement": endorsement}), "conflict")
        assert r.field == "id" and "may not endorse it further" in r.message
    bills.surrender("bank-a", bill_id)


def test_a_possessor_who_is_not_the_endorsee_only_delivers_it_to_the_endorsee(
        bills: Bills) -> None:
    bill_id = bills.issue(endorsee="bank-a")  # to the order of the bank, held by the shipper
    assert holder(bills.bill(bill_id)) == ""
    r = bills.chain.expect_failed(bills.tx("sme-1", "transfer", {
        "id": bill_id, "to": "sme-2", "endorsement": "to_order"}), "conflict")
    assert r.field == "to"
    r = bills.chain.expect_failed(bills.tx("sme-1", "transfer", {
        "id": bill_id, "to": "bank-a", "endorsement": "blank"}), "conflict")
    assert r.field == "endorsement"
    r = bills.chain.expect_failed(bills.tx("sme-1", "surrender", {
        "id": bill_id, "kind": "delivery"}), "conflict")
    assert r.field == "id" and "only the holder" in r.message
    bills.transfer("sme-1", bill_id, "bank-a")
    assert holder(bills.check(bill_id)) == "bank-a"


def test_a_holder_must_endorse_and_a_bearer_bill_is_not_blank_endorsed_twice(
        bills: Bills) -> None:
    bill_id = bills.issue(endorsee="sme-1")
    r = bills.chain.expect_failed(bills.tx("sme-1", "transfer", {"id": bill_id, "to": "bank-a"}),
                                  "conflict")
    assert r.field == "endorsement"
    bills.transfer("sme-1", bill_id, "bank-a", "blank")
    r = bills.chain.expect_failed(bills.tx("bank-a", "transfer", {
        "id": bill_id, "to": "sme-2", "endorsement": "blank"}), "conflict")
    assert r.field == "endorsement"


def test_straight_bill_goes_only_to_its_consignee_unendorsed(bills: Bills) -> None:
    bill_id = bills.issue(document=document("STRAIGHT1", to_order=False), consignee="sme-2")
    bill = bills.bill(bill_id)
    assert (bill.consignee, bill.endorsee, bill.endorsable) == ("sme-2", "", False)
    r = bills.chain.expect_failed(bills.tx("sme-1", "transfer", {
        "id": bill_id, "to": "sme-2", "endorsement": "to_order"}), "conflict")
    assert r.field == "endorsement" and "cannot be endorsed" in r.message
    r = bills.chain.expect_failed(bills.tx("sme-1", "transfer", {
        "id": bill_id, "to": "bank-a"}), "conflict")
    assert r.field == "to" and "'sme-2'" in r.message
    bills.transfer("sme-1", bill_id, "sme-2")
    assert bills.check(bill_id).possessor == "sme-2"
    request = bills.surrender("sme-2", bill_id)
    bills.answer("carrier-a", request, True)
    assert bills.check(bill_id).status == Status.SURRENDERED


def test_transfer_by_a_non_possessor_is_unauthorised(bills: Bills) -> None:
    bill_id = bills.issue(endorsee="sme-1")
    bills.transfer("sme-1", bill_id, "bank-a", "to_order")
    for org in ("sme-1", "carrier-a", "sme-2"):
        r = bills.chain.expect_failed(bills.tx(org, "transfer", {
            "id": bill_id, "to": "sme-3", "endorsement": "to_order"}), "unauthorised")
        assert "only the possessor 'bank-a'" in r.message


BAD_TRANSFERS: list[tuple[dict[str, Any], str, str]] = [
    ({"to": "sme-1"}, "bad_args", "to"),  # itself
    ({"to": "carrier-a"}, "bad_args", "to"),  # back to the carrier: surrender it
    ({"to": "nobody"}, "not_found", "to"),
    ({"to": "bank-a", "endorsement": "sideways"}, "bad_args", "args.endorsement"),
    ({"to": "bank-a", "endorsement": "to_order", "fee": 1}, "bad_args", "args.fee"),
]


@pytest.mark.parametrize(("args", "code", "field"), BAD_TRANSFERS)
def test_bad_transfers_name_the_field(bills: Bills, args: dict[str, Any], code: str,
                                      field: str) -> None:
    bill_id = bills.issue(endorsee="sme-1")
    r = bills.chain.expect_failed(bills.tx("sme-1", "transfer", {"id": bill_id, **args}), code)
    assert r.field == field


def test_unknown_bill_is_not_found(bills: Bills) -> None:
    r = bills.chain.expect_failed(bills.tx("sme-1", "transfer", {"id": "f" * 32, "to": "bank-a"}),
                                  "not_found")
    assert r.field == "id"


BAD_ISSUES: list[tuple[str, dict[str, Any], str, str]] = [
    ("sme-1", {}, "unauthorised", ""),  # only a carrier issues
    ("carrier-a", {"document": document(document_type="SWB")}, "bad_args",
     "document.document_type"),
    ("carrier-a", {"document": document(digest=b"short")}, "bad_args", "document.digest"),
    ("carrier-a", {"document": document(received_for_shipment_date="2026-03-01")}, "bad_args",
     "document.shipped_on_board_date"),
    ("carrier-a", {"document": document(shipped_on_board_date="")}, "bad_args",
     "document.shipped_on_board_date"),
    ("carrier-a", {"document": document(shipped_on_board_date="2026-02-30")}, "bad_args",
     "document.shipped_on_board_date"),
    ("carrier-a", {"document": document(port_of_loading="Shanghai")}, "bad_args",
     "document.port_of_loading"),
    ("carrier-a", {"document": document(reference=" COSU1")}, "bad_args",
     "args.document.reference"),
    ("carrier-a", {"document": document(reference="R" * 21)}, "bad_args",
     "args.document.reference"),
    ("carrier-a", {"document": document(originals=3)}, "bad_args", "args.document.originals"),
    ("carrier-a", {"document": document(declared_value_currency="")}, "bad_args",
     "document.declared_value_currency"),
    ("carrier-a", {"document": document(declared_value=-1)}, "bad_args",
     "args.document.declared_value"),
    ("carrier-a", {"document": document(carrier_code_list="IATA")}, "bad_args",
     "document.carrier_code_list"),
    ("carrier-a", {"shipper": "nobody"}, "not_found", "shipper"),
    ("carrier-a", {"shipper": "carrier-a"}, "bad_args", "shipper"),
    ("carrier-a", {"consignee": "sme-2"}, "bad_args", "consignee"),  # to order: no consignee
    ("carrier-a", {"endorsee": "nobody"}, "not_found", "endorsee"),
    ("carrier-a", {"document": document(to_order=False)}, "bad_args", "consignee"),
    ("carrier-a", {"document": document(to_order=False), "consignee": "sme-2",
                   "endorsee": "sme-2"}, "bad_args", "endorsee"),
]


@pytest.mark.parametrize(("org", "args", "code", "field"), BAD_ISSUES)
def test_bad_issues_name_the_field(bills: Bills, org: str, args: dict[str, Any], code: str,
                                   field: str) -> None:
    body = {"document": document(), "shipper": "sme-1", **args}
    r = bills.chain.expect_failed(bills.tx(org, "issue", body), code)
    assert r.field == field


def test_reference_unique_per_carrier_and_digest_unique(bills: Bills) -> None:
    bills.issue()
    r = bills.chain.expect_failed(bills.tx("carrier-a", "issue", {
        "document": document(digest=hashlib.sha256(b"other").digest()), "shipper": "sme-2"}),
        "conflict")
    assert r.field == "document.reference"
    r = bills.chain.expect_failed(bills.tx("carrier-a", "issue", {
        "document": document(reference="OTHER1", digest=document()["digest"]),
        "shipper": "sme-2"}), "conflict")
    assert r.field == "document.digest"
    # another carrier may use the same reference (its own numbering)
    bills.issue("carrier-b", document=document(digest=hashlib.sha256(b"b").digest()))


def test_surrender_for_delivery_accepted_accomplishes_the_bill(bills: Bills) -> None:
    bill_id = bills.issue(endorsee="sme-1")
    bills.transfer("sme-1", bill_id, "bank-a", "to_order")
    request = bills.surrender("bank-a", bill_id, comments="release the cargo")
    bill = bills.check(bill_id)
    assert (bill.status, bill.possessor, bill.surrender) == (
        Status.SURRENDER_REQUESTED, "carrier-a", request)
    assert bills.request(bill_id).by == "bank-a"  # type: ignore[union-attr]
    bills.answer("carrier-a", request, True)
    bill = bills.check(bill_id)
    assert (bill.status, bill.possessor, bill.surrender) == (Status.SURRENDERED, "carrier-a", "")
    assert possessor(bill) == "" and holder(bill) == ""
    assert [e.action for e in bills.chain_of(bill_id)][-2:] == [Code.SURRENDER_FOR_DELIVERY,
                                                               Code.SACC]
    # nothing moves after it is accomplished
    r = bills.chain.expect_failed(bills.tx("carrier-a", "transfer", {"id": bill_id,
                                                                    "to": "sme-2"}), "conflict")
    assert r.field == "id"
    r = bills.chain.expect_failed(bills.tx("carrier-a", "answer_surrender", {
        "request": request, "accept": False, "comments": "again"}), "conflict")
    assert r.field == "request" and "answered once" in r.message


def test_surrender_rejected_gives_possession_back(bills: Bills) -> None:
    bill_id = bills.issue()
    bills.transfer("sme-1", bill_id, "bank-a")
    request = bills.surrender("bank-a", bill_id)
    r = bills.chain.expect_failed(bills.tx("carrier-a", "answer_surrender", {
        "request": request, "accept": False}), "bad_args")
    assert r.field == "comments"
    bills.answer("carrier-a", request, False, comments="freight unpaid")
    bill = bills.check(bill_id)
    assert (bill.status, bill.possessor, bill.surrender) == (Status.ISSUED, "bank-a", "")
    assert bills.chain_of(bill_id)[-1].action is Code.SREJ
    # the old request stays answered; a new one can be made
    r = bills.chain.expect_failed(bills.tx("carrier-a", "answer_surrender", {
        "request": request, "accept": True}), "conflict")
    assert r.field == "request"
    second = bills.surrender("bank-a", bill_id)
    assert second != request


def test_transfer_after_surrender_is_refused(bills: Bills) -> None:
    bill_id = bills.issue()
    bills.surrender("sme-1", bill_id)
    r = bills.chain.expect_failed(bills.tx("sme-1", "transfer", {"id": bill_id, "to": "bank-a"}),
                                  "unauthorised")
    assert "only the possessor 'carrier-a'" in r.message
    r = bills.chain.expect_failed(bills.tx("carrier-a", "transfer", {"id": bill_id,
                                                                    "to": "bank-a"}), "conflict")
    assert r.field == "id" and "surrender_requested" in r.message


def test_surrender_by_a_non_possessor_is_unauthorised(bills: Bills) -> None:
    bill_id = bills.issue()
    bills.transfer("sme-1", bill_id, "bank-a")
    for org in ("sme-1", "carrier-a"):
        bills.chain.expect_failed(bills.tx(org, "surrender", {"id": bill_id,
                                                              "kind": "delivery"}),
                                  "unauthorised")
    r = bills.chain.expect_failed(bills.tx("bank-a", "surrender", {
        "id": bill_id, "kind": "delivery", "reason_code": "SWTP"}), "bad_args")
    assert r.field == "reason_code"
    r = bills.chain.expect_failed(bills.tx("bank-a", "surrender", {"id": bill_id,
                                                                   "kind": "pickup"}), "bad_args")
    assert r.field == "args.kind"


def test_answer_by_another_carrier_is_unauthorised(bills: Bills) -> None:
    bill_id = bills.issue()
    request = bills.surrender("sme-1", bill_id)
    r = bills.chain.expect_failed(bills.tx("carrier-b", "answer_surrender", {
        "request": request, "accept": True}), "unauthorised")
    assert "only the carrier 'carrier-a'" in r.message
    bills.chain.expect_failed(bills.tx("sme-1", "answer_surrender", {
        "request": request, "accept": True}), "unauthorised")
    r = bills.chain.expect_failed(bills.tx("carrier-a", "answer_surrender", {
        "request": "0" * 32, "accept": True}), "not_found")
    assert r.field == "request"
    r = bills.chain.expect_failed(bills.tx("carrier-a", "answer_surrender", {
        "request": request, "accept": True, "amended": document(reference="COSU6112345670",
                                                                digest=b"n" * 32)}), "bad_args")
    assert r.field == "amended"  # a surrender for delivery issues nothing new


def test_surrender_for_amendment_replaces_the_bill(bills: Bills) -> None:
    bill_id = bills.issue(endorsee="sme-1")
    bills.transfer("sme-1", bill_id, "bank-a", "to_order")
    request = bills.surrender("bank-a", bill_id, "amendment", reason_code="COD",
                              comments="discharge at Hamburg")
    old_doc = document()
    amended = {**old_doc, "port_of_discharge": "DEHAM",
               "digest": hashlib.sha256(b"amended").digest()}
    r = bills.chain.expect_failed(bills.tx("carrier-a", "answer_surrender", {
        "request": request, "accept": True}), "bad_args")
    assert r.field == "amended"
    for change, field in (({"reference": "OTHER"}, "amended.reference"),
                          ({"to_order": False}, "amended.to_order"),
                          ({"digest": old_doc["digest"]}, "amended.digest"),
                          ({"port_of_discharge": "Hamburg"}, "amended.port_of_discharge")):
        r = bills.chain.expect_failed(bills.tx("carrier-a", "answer_surrender", {
            "request": request, "accept": True, "amended": {**amended, **change}}), "bad_args")
        assert r.field == field
    receipt = bills.answer("carrier-a", request, True, amended=amended)
    (event,) = [e for e in receipt.events if e.name == "BillOfLadingAmended"]
    new_id = event.attrs["amended"]
    old, new = bills.check(bill_id), bills.check(new_id)
    assert (old.status, old.replaced_by) == (Status.AMENDED, new_id)
    assert (new.status, new.replaces, new.possessor, new.endorsee) == (
        Status.ISSUED, bill_id, "bank-a", "bank-a")
    assert new.document.port_of_discharge == "DEHAM" and new.document.reference == \
        old.document.reference
    assert [e.action for e in bills.chain_of(new_id)] == [Code.ISSUE]
    assert bills.chain_of(new_id)[0].recipient == "bank-a"
    req = bills.request(bill_id)
    assert req is None
    bills.transfer("bank-a", new_id, "sme-2", "to_order")  # the amended bill lives on


def test_request_records_the_answer(bills: Bills) -> None:
    from smechain.modules.bill_of_lading.contract import read_request

    bill_id = bills.issue()
    request = bills.surrender("sme-1", bill_id, comments="please")
    bills.answer("carrier-a", request, False, comments="no")
    found = read_request(bills.chain.store, request)
    assert found is not None
    assert (found.status, found.by, found.answer_comments) == (RequestStatus.REJECTED, "sme-1",
                                                               "no")
