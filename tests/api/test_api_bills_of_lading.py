"""Bills of lading over HTTP on the demo: the carrier imports DCSA documents (a bad one is
422 naming its JSON path and stores nothing), holders see the bills they are party to and
their chains, strangers see nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from api_support import Api, covers, error, events, seeded_api

from demo_template import DemoTemplate
from modules.bill_of_lading.dcsa_samples import PINT_TD, shared, transport_document


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory,
           demo_template: DemoTemplate) -> Iterator[Api]:
    api = seeded_api(tmp_path_factory.mktemp("bills-demo") / "demo", demo_template)
    yield api
    api.close()


def upload(doc: Any, **fields: str) -> dict[str, Any]:
    """A multipart body: the DCSA file and form fields."""
    content = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return {"files": {"file": ("td.json", content, "application/json")}, "data": fields}


def bills(ledger: Api, who: str, **params: str) -> list[dict[str, Any]]:
    return list(ledger.ok("GET", "/v1/bills-of-lading", as_=who, params=params)["items"])


@covers("GET /v1/bills-of-lading", "GET /v1/bills-of-lading/{bill_id}")
def test_the_demo_bill_is_seen_by_its_parties_only(ledger: Api) -> None:
    bill_id = ledger.ids["bill_of_lading"]
    (held,) = bills(ledger, "bank-a/viewer", role="possessor")
    assert held["id"] == bill_id and held["holder"] == "bank-a"
    assert (held["carrier"], held["shipper"], held["endorsee"]) == ("carrier-cosco", "sme-t4",
                                                                    "bank-a")
    assert held["document"]["reference"] == "COSU6112345670"
    assert held["document"]["port_of_loading"] == "CNSHA" and held["document"]["to_order"]
    assert set(held["actions"]) == {"transfer", "surrender"}
    issued = bills(ledger, "carrier-cosco/viewer", role="carrier")
    assert bill_id in [b["id"] for b in issued]
    former = ledger.ok("GET", f"/v1/bills-of-lading/{bill_id}", as_="sme-t4/viewer")
    assert former["possessor"] == "bank-a" and former["actions"] == []
    assert bills(ledger, "sme-t4/viewer", role="possessor") == []
    error(ledger.get(f"/v1/bills-of-lading/{bill_id}", "sme-t2/viewer"), 404, field="bill_id")
    assert bill_id not in [b["id"] for b in bills(ledger, "sme-t2/viewer")]
    assert bill_id in [b["id"] for b in bills(ledger, "regulator/viewer")]
    error(ledger.get("/v1/bills-of-lading", "bank-a/viewer", params={"role": "owner"}), 422,
          field="role")


@covers("GET /v1/bills-of-lading/{bill_id}/chain")
def test_the_chain_is_verified_and_shown_as_pint(ledger: Api) -> None:
    bill_id = ledger.ids["bill_of_lading"]
    chain = ledger.ok("GET", f"/v1/bills-of-lading/{bill_id}/chain", as_="bank-a/viewer")
    assert chain["verified"] is True and chain["problems"] == []
    assert [(e["action"], e["actor"], e["recipient"]) for e in chain["entries"]] == [
        ("ISSUE", "carrier-cosco", "sme-t4"), ("ENDORSE_TO_ORDER", "sme-t4", "bank-a")]
    first, second = chain["pint"]
    assert second["previousEnvelopeTransferChainEntrySignedContentChecksum"] == first["checksum"]
    assert [t["actionCode"] for t in second["transactions"]] == ["ENDORSE_TO_ORDER", "TRANSFER"]
    assert second["signedBy"]["org"] == "sme-t4"
    detail = ledger.ok("GET", f"/v1/transactions/{second['signedBy']['tx_hash']}",
                       as_="regulator/viewer")
    assert (detail["contract"], detail["action"]) == ("bill_of_lading", "transfer")
    error(ledger.get(f"/v1/bills-of-lading/{bill_id}/chain", "sme-t1/viewer"), 404,
          field="bill_id")


@covers("POST /v1/bills-of-lading/validate")
def test_validate_names_what_a_message_is(ledger: Api) -> None:
    si = shared("ebl__v3.0.0__ebl-api-3.0.0-negotiable-bl.json")
    checked = ledger.ok("POST", "/v1/bills-of-lading/validate", as_="sme-t1/viewer",
                        **upload(si))
    assert checked == {"kind": "shipping_instructions", "document": None, "parties": None}
    td = ledger.ok("POST", "/v1/bills-of-lading/validate", as_="sme-t1/viewer",
                   **upload(transport_document()))
    assert td["kind"] == "transport_document"
    assert td["document"]["reference"] == "COSU6112345670"
    assert td["parties"]["endorsee"]["name"] == "DCSA CTK SHIPPER"
    bad = error(ledger.post("/v1/bills-of-lading/validate", "sme-t1/viewer",
                            **upload(shared(PINT_TD))), 422,
                field="file.transportDocumentReference", code="bad_document")
    assert "40 characters; maximum 20" in bad["message"]


@covers("POST /v1/bills-of-lading/import")
def test_a_carrier_imports_a_dcsa_document_and_issues_the_bill(ledger: Api) -> None:
    doc = transport_document("COSU6112345999", to_order=False)
    result = ledger.ok("POST", "/v1/bills-of-lading/import", as_="carrier-cosco/operator",
                       **upload(doc, shipper="sme-t1", consignee="sme-t2"))
    assert result["status"] == "committed" and events(result) == ["BillOfLadingIssued"]
    bill_id = result["events"][0]["attrs"]["id"]
    bill = ledger.ok("GET", f"/v1/bills-of-lading/{bill_id}", as_="sme-t2/viewer")
    assert (bill["possessor"], bill["consignee"], bill["endorsee"]) == ("sme-t1", "sme-t2", "")
    assert bill["document"]["declared_value"] == 123_110
    assert bill["document"]["declared_value_currency"] == "USD"
    assert bill["document"]["gross_weight_g"] == 12_000_000
    # the same reference again: one reference per carrier
    again = transport_document("COSU6112345999", to_order=False, issueDate="2023-12-20")
    error(ledger.post("/v1/bills-of-lading/import", "carrier-cosco/operator",
                      **upload(again, shipper="sme-t1", consignee="sme-t2")), 409,
          field="document.reference")


def _with_port_of_loading(code: str) -> dict[str, Any]:
    doc = transport_document()
    doc["transports"]["portOfLoading"]["UNLocationCode"] = code
    return doc


BAD_UPLOADS = [
    (b"{not json", {}, "file"),
    (json.dumps(transport_document(isToOrder="yes")).encode(), {}, "file.isToOrder"),
    (json.dumps(_with_port_of_loading("shanghai")).encode(), {},
     "file.transports.portOfLoading.UNLocationCode"),
    (json.dumps(transport_document("COSU6112340001", transportDocumentStatus="DRAFT")).encode(),
     {}, "file.transportDocumentStatus"),
    (json.dumps(transport_document("COSU6112340002")).encode(), {"endorsee": ""},
     "file.documentParties.endorsee"),
    (shared("ebl__v3.0.0__ebl-api-3.0.0-straight-bl.json"), {}, "file"),
]


@covers("POST /v1/bills-of-lading/import")
@pytest.mark.parametrize(("content", "fields", "field"), BAD_UPLOADS)
def test_an_invalid_document_is_422_naming_the_path_and_stores_nothing(
        ledger: Api, content: bytes, fields: dict[str, str], field: str) -> None:
    before = ledger.snapshot("carrier-cosco/operator")
    count = len(bills(ledger, "carrier-cosco/viewer", role="carrier"))
    body = upload(content, **{"shipper": "sme-t4", "endorsee": "sme-t4", **fields})
    detail = error(ledger.post("/v1/bills-of-lading/import", "carrier-cosco/operator", **body),
                   422, field=field, code="bad_document")
    assert "tx_hash" not in detail
    ledger.assert_unchanged(before, "carrier-cosco/operator")
    assert len(bills(ledger, "carrier-cosco/viewer", role="carrier")) == count


@covers("POST /v1/bills-of-lading/import")
def test_only_a_carrier_imports(ledger: Api) -> None:
    doc = transport_document("COSU6112340003")
    error(ledger.post("/v1/bills-of-lading/import", "sme-t1/operator",
                      **upload(doc, shipper="sme-t1", endorsee="sme-t1")), 403, field="org")
    error(ledger.post("/v1/bills-of-lading/import", "carrier-cosco/viewer",
                      **upload(doc, shipper="sme-t1", endorsee="sme-t1")), 403, field="role")
    error(ledger.post("/v1/bills-of-lading/import", "carrier-cosco/operator",
                      **upload(doc, shipper="nobody", endorsee="sme-t1")), 404, field="shipper")
