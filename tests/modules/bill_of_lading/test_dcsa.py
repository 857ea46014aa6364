"""The DCSA importer: every shared DCSA message is what it says or is refused with the
reason; hostile input is refused naming the path; a transport document becomes the facts
``issue`` records, its digest its PINT checksum."""

from __future__ import annotations

import copy
import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest
import rfc8785

from smechain.modules.bill_of_lading import dcsa
from smechain.modules.bill_of_lading.dcsa import DcsaError, Kind

from .dcsa_samples import (
    ISSUANCE,
    PINT_TD,
    SURRENDER,
    checksum,
    dumps,
    envelope,
    issuance_request,
    jws,
    shared,
    surrender_request,
    transport_document,
)

SHIPPING_INSTRUCTIONS = ["2c1u", "2c2u", "amf", "clad", "dg", "negotiable-bl",
                         "no-commodity-subreference", "request", "soc-references",
                         "straight-bl"]
"""The shared ``ebl__…`` examples: every one is a shipper's CreateShippingInstructions
(no transport document reference, status, carrier code or terms), though some are named
after the bill they ask for."""
ERROR_RESPONSES = ["ebl__v3.0.0__ebl-api-3.0.0-error-message.json",
                   "eblissuance__v3.0.0__eblissuance-v3.0.0-error-message.json",
                   "eblsurrender__v3.0.0__eblsurrender-api-v3.0.0-error-message.json",
                   "pint__v3.0.0__pint-3.0.0-error-message.json"]


@pytest.mark.parametrize("name", SHIPPING_INSTRUCTIONS)
def test_the_shared_ebl_examples_are_valid_shipping_instructions(name: str) -> None:
    data = shared(f"ebl__v3.0.0__ebl-api-3.0.0-{name}.json")
    message = dcsa.read_message(data)
    assert message.kind is Kind.SHIPPING_INSTRUCTIONS
    # validated against CreateShippingInstructions, not merely recognised
    assert dcsa.schema_problems(Kind.SHIPPING_INSTRUCTIONS, message.body) == []
    with pytest.raises(DcsaError) as refused:  # and no transport document to issue
        dcsa.import_transport_document(data)
    assert "shipping instructions" in refused.value.reason
    with pytest.raises(DcsaError) as as_td:  # read as a transport document: what it lacks
        dcsa.read_message(data, Kind.TRANSPORT_DOCUMENT)
    paths = {p.path for p in as_td.value.problems}
    assert {"transportDocumentReference", "transportDocumentStatus", "carrierCode"} <= paths


def test_the_negotiable_example_asks_for_a_to_order_bill_with_an_endorsee() -> None:
    body = dcsa.read_message(shared("ebl__v3.0.0__ebl-api-3.0.0-negotiable-bl.json")).body
    assert body["transportDocumentTypeCode"] == "BOL" and body["isToOrder"] is True
    assert body["documentParties"]["endorsee"]["partyName"] == "Bank of America"
    straight = dcsa.read_message(shared("ebl__v3.0.0__ebl-api-3.0.0-straight-bl.json")).body
    assert straight["isToOrder"] is False and "consignee" in straight["documentParties"]


@pytest.mark.parametrize("name", ERROR_RESPONSES)
def test_the_error_examples_are_error_responses_with_placeholders(name: str) -> None:
    """A different schema (ErrorResponse): an API's answer, not a document. The examples
    keep the conformance kit's placeholders, which that schema's enum refuses."""
    with pytest.raises(DcsaError) as refused:
        dcsa.read_message(shared(name))
    assert refused.value.path == "httpMethod"
    assert "'HTTP_METHOD_PLACEHOLDER' is not one of GET" in refused.value.reason
    body = json.loads(shared(name))
    assert dcsa.detect(body) is Kind.ERROR_RESPONSE
    filled = {**body, "httpMethod": "POST", "requestUri": "/v3/ebl-issuance-requests",
              "errorDateTime": "2024-09-04T09:41:00Z"}
    assert dcsa.read_message(dumps(filled)).kind is Kind.ERROR_RESPONSE
    with pytest.raises(DcsaError) as no_document:
        dcsa.import_transport_document(dumps(filled))
    assert "error response, not a document" in no_document.value.reason


def test_the_pint_transport_document_example_has_a_placeholder_reference() -> None:
    with pytest.raises(DcsaError) as refused:
        dcsa.read_message(shared(PINT_TD))
    assert refused.value.problems == [dcsa.Problem("transportDocumentReference",
                                                   "40 characters; maximum 20")]
    body = json.loads(shared(PINT_TD))
    body["transportDocumentReference"] = "HMM0000123"
    record = dcsa.import_transport_document(dumps(body))
    assert (record.kind, record.reference, record.document_type, record.to_order) == (
        Kind.TRANSPORT_DOCUMENT, "HMM0000123", "BOL", False)
    assert (record.carrier_code, record.carrier_code_list) == ("HMM", "SMDG")
    assert record.shipper.name == "DCSA CTK SHIPPER"
    assert record.consignee is not None and record.consignee.codes == ("ZZZ/:CONSIGNEE",)
    assert (record.shipped_on_board_date, record.received_for_shipment_date) == (
        "2023-12-19", "")
    assert (record.port_of_loading, record.port_of_discharge) == ("DKAAR", "DEBRV")
    assert record.place_of_receipt == ""  # given as a facility, not a UN/LOCODE
    assert record.originals == 1 and record.gross_weight_g == 12_000_000
    assert record.goods[0].description == "Shoes - black, 400 boxes"
    assert record.goods[0].hs_codes == ("640510",) and record.goods[0].packages == 400
    assert record.declared_value == 0 and record.declared_value_currency == ""
    assert record.digest == hashlib.sha256(rfc8785.dumps(body)).digest()


def test_the_issuance_request_example_is_a_template() -> None:
    with pytest.raises(DcsaError) as refused:
        dcsa.read_message(shared(ISSUANCE))
    paths = [p.path for p in refused.value.problems]
    assert paths == ["document.transportDocumentReference", "issuanceManifestSignedContent",
                     "issueTo.sendToPlatform"]
    record = dcsa.import_transport_document(dumps(issuance_request()))
    assert record.kind is Kind.ISSUANCE_REQUEST and record.path == "document"
    assert record.reference == "COSU6112349999" and record.carrier_code == "MMCU"
    # declaredValue 1231.1 DKK, read exactly: 123110 øre
    assert (record.declared_value, record.declared_value_currency) == (123_110, "DKK")
    assert (record.place_of_receipt, record.place_of_delivery) == ("DEHAM", "DEHAM")
    assert record.digest.hex() == checksum(json.loads(dumps(issuance_request()))["document"])


def test_the_surrender_request_example_is_not_json() -> None:
    """Its parties are unquoted placeholders (``CARRIER_PARTY``)."""
    with pytest.raises(DcsaError) as refused:
        dcsa.read_message(shared(SURRENDER))
    assert refused.value.path == ""
    assert refused.value.reason == "not JSON: Expecting value at line 11 column 16"
    message = dcsa.read_message(surrender_request())
    assert message.kind is Kind.SURRENDER_REQUEST
    assert message.body["endorsementChain"][0]["actionCode"] == "ISSUE"
    bad = json.loads(surrender_request())
    bad["surrenderRequestCode"] = "SURRENDER_REQUEST_CODE_PLACEHOLDER"
    with pytest.raises(DcsaError) as placeholder:
        dcsa.read_message(dumps(bad))
    assert placeholder.value.path == "surrenderRequestCode"
    assert "is not one of SREQ, AREQ" in placeholder.value.reason


def test_a_to_order_bill_and_its_issue_arguments() -> None:
    record = dcsa.import_transport_document(dumps(transport_document()))
    assert record.to_order and record.endorsee is not None
    assert record.endorsee.name == "DCSA CTK SHIPPER" and record.consignee is None
    assert record.declared_value == 123_110  # 1231.1 USD in cents
    args = record.issue_args("sme-t4", endorsee="sme-t4")
    assert args["shipper"] == "sme-t4" and args["endorsee"] == "sme-t4"
    assert args["document"]["digest"] == record.digest.hex()
    assert args["document"]["carrier_code"] == "COSU"
    with pytest.raises(DcsaError) as no_endorsee:
        record.issue_args("sme-t4")
    assert no_endorsee.value.path == "documentParties.endorsee"
    with pytest.raises(DcsaError) as consignee:
        record.issue_args("sme-t4", consignee="bank-a", endorsee="sme-t4")
    assert consignee.value.path == "isToOrder"
    blank = dcsa.import_transport_document(dumps(transport_document(endorsee=None)))
    assert blank.endorsee is None and blank.issue_args("sme-t4")["endorsee"] == ""
    with pytest.raises(DcsaError) as named:
        blank.issue_args("sme-t4", endorsee="bank-a")
    assert named.value.path == "documentParties.endorsee"
    straight = dcsa.import_transport_document(dumps(transport_document(to_order=False)))
    with pytest.raises(DcsaError) as unnamed:
        straight.issue_args("sme-t4")
    assert unnamed.value.path == "documentParties.consignee"
    assert straight.issue_args("sme-t4", consignee="bank-a")["consignee"] == "bank-a"


@pytest.mark.parametrize(("changes", "path", "reason"), [
    ({"transportDocumentStatus": "DRAFT"}, "transportDocumentStatus", "only an ISSUED"),
    ({"isElectronic": False}, "isElectronic", "paper"),
    ({"transportDocumentTypeCode": "SWB", "isToOrder": False}, "transportDocumentTypeCode",
     "sea waybill"),
])
def test_documents_that_cannot_be_issued_name_the_field(changes: dict[str, Any], path: str,
                                                        reason: str) -> None:
    td = transport_document(to_order=False)
    td.update(changes)
    record = dcsa.import_transport_document(dumps(td))
    with pytest.raises(DcsaError) as refused:
        record.issue_args("sme-t4", consignee="bank-a")
    assert refused.value.path == path and reason in refused.value.reason


@pytest.mark.parametrize(("changes", "path", "reason"), [
    ({"receivedForShipmentDate": "2023-12-18"}, "shippedOnBoardDate", "exactly one"),
    ({"declaredValue": 12.345}, "declaredValue", "finer than the currency's minor unit"),
])
def test_self_contradicting_documents_are_refused(changes: dict[str, Any], path: str,
                                                  reason: str) -> None:
    with pytest.raises(DcsaError) as refused:
        dcsa.import_transport_document(dumps(transport_document(**changes)))
    assert refused.value.path == path and reason in refused.value.reason


def test_weights_in_pounds_become_grams_exactly() -> None:
    td = transport_document()
    td["consignmentItems"][0]["cargoItems"][0]["cargoGrossWeight"] = {"value": 1000.5,
                                                                     "unit": "LBR"}
    record = dcsa.import_transport_document(dumps(td))
    assert record.gross_weight_g == 453_819  # 1000.5 × 453.59237 g = 453819.166… g


def test_the_digest_is_of_the_canonical_form_whatever_the_layout() -> None:
    td = transport_document()
    pretty = json.dumps(td, indent=4, sort_keys=True).encode()
    assert dcsa.import_transport_document(pretty).digest == \
        dcsa.import_transport_document(dumps(td)).digest
    changed = transport_document(issueDate="2023-12-20")
    assert dcsa.import_transport_document(dumps(changed)).digest != \
        dcsa.import_transport_document(dumps(td)).digest


# --------------------------------------------------------------------------- hostile input


def _refused(data: bytes, kind: Kind | None = None) -> DcsaError:
    with pytest.raises(DcsaError) as refused:
        dcsa.read_message(data, kind)
    return refused.value


def _td_with(path: list[str | int], value: Any) -> bytes:
    td = transport_document()
    target: Any = td
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return dumps(td)


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "not JSON: Expecting value at line 1 column 1"),
    (b"<xml/>", "not JSON"),
    (b'{"a": 1,}', "not JSON"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[]", "expected a JSON object, got array"),
    (b'"text"', "expected a JSON object, got string"),
    (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 64"),
    (b'{"a":' * 65 + b"1" + b"}" * 65, "nested deeper than 64"),
    (b'{"isToOrder": true, "isToOrder": false}', "duplicate key 'isToOrder'"),
    (b'{"declaredValue": NaN}', "NaN is not a JSON number"),
    (b'{"declaredValue": Infinity}', "Infinity is not a JSON number"),
    (b" " * (dcsa.MAX_DOCUMENT + 1), "bytes; at most"),
])
def test_hostile_bytes_are_refused_whole(data: bytes, reason: str) -> None:
    refused = _refused(data)
    assert refused.path == "" and reason in refused.reason


@pytest.mark.parametrize(("path", "value", "where", "reason"), [
    (["isToOrder"], "yes", "isToOrder", "expected boolean, got string"),
    (["transportDocumentTypeCode"], "XYZ", "transportDocumentTypeCode",
     "'XYZ' is not one of BOL, SWB"),
    (["transports", "portOfLoading", "UNLocationCode"], "shanghai",
     "transports.portOfLoading.UNLocationCode", "does not match"),
    (["consignmentItems", 0, "cargoItems", 0, "cargoGrossWeight", "unit"], "TON",
     "consignmentItems[0].cargoItems[0].cargoGrossWeight.unit", "'TON' is not one of KGM"),
    (["consignmentItems", 0, "cargoItems", 0, "cargoGrossWeight", "value"], 0,
     "consignmentItems[0].cargoItems[0].cargoGrossWeight.value", "0 is less than or equal"),
    (["consignmentItems", 0, "HSCodes"], [], "consignmentItems[0].HSCodes",
     "0 items; minimum 1"),
    (["shippedOnBoardDate"], "2023-02-30", "shippedOnBoardDate", "is not a valid date"),
    (["documentParties", "shipper", "partyName"], "x" * 10_000,
     "documentParties.shipper.partyName", "10000 characters; maximum 70"),
    (["documentParties"], {}, "documentParties.issuingParty", "missing"),
    (["transportDocumentReference"], 42, "transportDocumentReference",
     "expected string, got integer"),
    (["declaredValue"], "1231.10", "declaredValue", "expected number, got string"),
])
def test_schema_errors_name_the_path(path: list[str | int], value: Any, where: str,
                                     reason: str) -> None:
    refused = _refused(_td_with(path, value))
    assert refused.path == where and reason in refused.reason
    assert len(refused.reason) < 300  # never the whole value


def test_a_oneof_error_names_the_field_of_the_closest_alternative() -> None:
    refused = _refused(_td_with(["utilizedTransportEquipments", 0, "equipment",
                                 "ISOEquipmentCode"], "TOO-LONG-CODE"))
    assert refused.path == "utilizedTransportEquipments[0].equipment.ISOEquipmentCode"


def test_every_problem_is_reported_by_path() -> None:
    td = transport_document(isToOrder="no", transportDocumentTypeCode="X")
    refused = _refused(dumps(td))
    assert [p.path for p in refused.problems] == ["isToOrder", "transportDocumentTypeCode"]
    assert "(and 1 more)" in str(refused)


def test_an_unknown_kind_is_refused() -> None:
    refused = _refused(dumps(transport_document()), "bill")  # type: ignore[arg-type]
    assert "kind 'bill' is none of" in refused.reason


# --------------------------------------------------------------------------- PINT envelopes


def test_a_pint_envelope_validates_link_by_link() -> None:
    env = envelope(moves=3)
    message = dcsa.read_message(dumps(env))
    assert message.kind is Kind.PINT_ENVELOPE
    entries = dcsa.check_envelope(message)
    assert [e["transactions"][0]["actionCode"] for e in entries] == [
        "ISSUE", "ENDORSE_TO_ORDER", "ENDORSE_TO_ORDER", "ENDORSE_TO_ORDER"]
    record = dcsa.import_transport_document(dumps(env))
    assert record.path == "transportDocument" and record.digest.hex() == checksum(
        env["transportDocument"])


def test_a_broken_envelope_names_the_link() -> None:
    env = envelope(moves=2)
    tampered = copy.deepcopy(env)
    tampered["transportDocument"]["issueDate"] = "2023-12-31"  # the document changed
    refused = _refused(dumps(tampered))
    assert refused.path == "envelopeManifestSignedContent.transportDocumentChecksum"
    swapped = {**env, "envelopeTransferChain": [env["envelopeTransferChain"][0],
                                                env["envelopeTransferChain"][2],
                                                env["envelopeTransferChain"][1]]}
    refused = _refused(dumps(swapped))
    assert refused.path == ("envelopeTransferChain[1]."
                            "previousEnvelopeTransferChainEntrySignedContentChecksum")
    no_issue = envelope(moves=0)
    first = json.loads(dcsa.base64.urlsafe_b64decode(
        no_issue["envelopeTransferChain"][0].split(".")[1] + "=="))
    first["transactions"][0]["actionCode"] = "TRANSFER"
    no_issue["envelopeTransferChain"] = [jws(first)]
    refused = _refused(dumps(no_issue))
    assert refused.path == "envelopeTransferChain[0].transactions[0].actionCode"
    bad_entry = envelope(moves=0)
    bad_entry["envelopeTransferChain"] = [jws({"eblPlatform": "BOLE"})]
    refused = _refused(dumps(bad_entry))
    assert refused.path == "envelopeTransferChain[0].transactions"
    not_jws = {**env, "envelopeManifestSignedContent": "a.b!.c"}
    refused = _refused(dumps(not_jws))
    assert refused.path == "envelopeManifestSignedContent"


def test_validators_are_built_once_per_process() -> None:
    assert dcsa.validator(Kind.TRANSPORT_DOCUMENT) is dcsa.validator(Kind.TRANSPORT_DOCUMENT)
    assert dcsa.registry() is dcsa.registry()
    before = dcsa.validator.cache_info().misses
    for _ in range(3):
        dcsa.import_transport_document(dumps(transport_document()))
    assert dcsa.validator.cache_info().misses == before


def test_remote_refs_resolve_to_the_local_domain_files() -> None:
    """The location domain refers to the DCSA domain by its SwaggerHub URL."""
    url = dcsa.SPEC_URLS["dcsa_location_v4.0.0.yaml"]
    resolved = dcsa.registry().resolver().lookup(f"{url}#/components/schemas/unLocationLocation")
    code = resolved.contents["properties"]["UNLocationCode"]
    inner = resolved.resolver.lookup(code["$ref"]).contents
    assert inner["pattern"] == "^[A-Z]{2}[A-Z2-9]{3}$"
    assert Decimal("1") == 1  # numbers read exactly compare as numbers
