"""Customs declarations over HTTP on the demo: customs imports WCO files (declaration,
amendment, cancellation), bad files are refused naming the element and store nothing, and
each declaration is visible to its customs office, its trader and the regulators only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import Api, covers, error, events, seeded_api

from demo_template import DemoTemplate
from shared_data import DATA
from smechain.modules.customs.demo import MRN as DEMO_MRN
from smechain.modules.customs.demo import SAMPLE

DECLARATIONS = DATA / "trade" / "wco-customs" / "declarations"
needs_data = pytest.mark.skipif(not DECLARATIONS.is_dir(), reason="no shared WCO samples")
IMPORT = "/v1/customs/declarations/import"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory,
           demo_template: DemoTemplate) -> Iterator[Api]:
    api = seeded_api(tmp_path_factory.mktemp("customs-demo") / "demo", demo_template)
    yield api
    api.close()


def upload(ledger: Api, who: str, data: bytes, name: str = "declaration.xml",
           **fields: str) -> Any:
    files: dict[str, Any] = {"file": (name, data, "application/xml")}
    files.update({k: (None, v) for k, v in fields.items()})
    return ledger.post(IMPORT, who, files=files)


@covers("GET /v1/customs/declarations", "GET /v1/customs/declarations/{mrn}")
def test_the_demo_exporter_sees_its_declaration(ledger: Api) -> None:
    assert ledger.ids["declarations"] == [DEMO_MRN]
    page = ledger.ok("GET", "/v1/customs/declarations", as_="sme-t4/viewer")
    (decl,) = page["items"]
    assert (decl["id"], decl["exporter_org"], decl["customs"], decl["status"]) == (
        DEMO_MRN, "sme-t4", "customs-sh", "registered")
    assert (decl["value"], decl["currency"], decl["value_basis"], decl["unlent_value"]) == (
        950_000, "GBP", "invoice", 950_000)
    assert decl["goods_items"][0]["commodity_code"] == "73181631"
    assert decl["actions"] == []  # the exporter reads; customs amends and cancels
    mine = ledger.ok("GET", f"/v1/customs/declarations/{DEMO_MRN}", as_="customs-sh/viewer")
    assert mine["actions"] == ["amend", "cancel"] and mine["lrn"] == "7849431GVYMC"
    assert ledger.ok("GET", f"/v1/customs/declarations/{DEMO_MRN}",
                     as_="regulator/viewer")["id"] == DEMO_MRN
    for stranger in ("sme-t1/viewer", "bank-a/viewer"):
        error(ledger.get(f"/v1/customs/declarations/{DEMO_MRN}", stranger), 404, field="mrn")
        assert ledger.ok("GET", "/v1/customs/declarations", as_=stranger)["total"] == 0
    regulator = ledger.ok("GET", "/v1/customs/declarations", as_="regulator/viewer",
                          params={"org": "sme-t4", "direction": "export"})
    assert [d["id"] for d in regulator["items"]] == [DEMO_MRN]
    assert ledger.ok("GET", "/v1/customs/declarations", as_="regulator/viewer",
                     params={"status": "cancelled"})["total"] == 0


@covers("POST /v1/customs/declarations/import")
def test_a_bad_file_is_422_naming_the_element_and_stores_nothing(ledger: Api) -> None:
    before = ledger.snapshot("customs-sh/operator")
    bad_amount = SAMPLE.read_bytes().replace(b'currencyID="GBP">9500<',
                                             b'currencyID="GBP">9500.005<', 1)
    cases = [
        (b"not xml at all", "not well-formed XML"),
        (bad_amount, "/MetaData/Declaration/InvoiceAmount: 9500.005 GBP has more decimals"),
        (SAMPLE.read_bytes().replace(b"<FunctionalReferenceID>", b"<Bogus/>"
                                     b"<FunctionalReferenceID>", 1),
         "/MetaData/Declaration: Unexpected child with tag"),
        (b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
         "DOCTYPE is refused"),
    ]
    for data, reason in cases:
        detail = error(upload(ledger, "customs-sh/operator", data, mrn="24GBDIRIGZ7QLCPAA8",
                              exporter_org="sme-t4"), 422, field="file", code="bad_document")
        assert detail["message"].startswith("file: declaration.xml: ")
        assert reason in detail["message"], detail
        assert "root:" not in detail["message"]
    ledger.assert_unchanged(before, "customs-sh/operator")


@covers("POST /v1/customs/declarations/import")
def test_what_the_ledger_refuses_is_refused_at_the_door(ledger: Api) -> None:
    before = ledger.snapshot("customs-sh/operator")
    sample = SAMPLE.read_bytes()
    # the same file again: one file, one registration
    error(upload(ledger, "customs-sh/operator", sample, mrn="24GBDIRIGZ7QLCPAA8",
                 exporter_org="sme-t4"), 409, field="digest", code="conflict")
    error(upload(ledger, "customs-sh/operator", sample + b"\n", mrn="24GBDIRIGZ7QLCPAA8",
                 exporter_org="sme-t4"), 409, field="lrn", code="conflict")
    error(upload(ledger, "customs-sh/operator", sample + b"\n"), 422, field="mrn",
          code="bad_args")
    error(upload(ledger, "customs-sh/operator", sample + b"\n", mrn="24GBDIRIGZ7QLCPAA1",
                 exporter_org="sme-t4"), 422, field="mrn", code="bad_args")
    error(upload(ledger, "customs-sh/operator", sample + b"\n", mrn="24GBDIRIGZ7QLCPAA8"),
          422, field="exporter_org", code="bad_args")
    error(upload(ledger, "customs-sh/operator", sample + b"\n", mrn="24GBDIRIGZ7QLCPAA8",
                 exporter_org="bank-a"), 422, field="exporter_org", code="bad_args")
    detail = error(upload(ledger, "customs-sh/operator", sample, action="cancel"), 422,
                   field="file", code="bad_document")
    assert "it is an original (EXA), to register; cancel expected" in detail["message"]
    error(upload(ledger, "customs-sh/viewer", sample), 403, field="role")
    error(upload(ledger, "sme-t4/operator", sample), 403, field="org")
    ledger.assert_unchanged(before, "customs-sh/operator")
    error(ledger.post(IMPORT, "customs-sh/operator", files={"file": (
        "big.xml", b"<" * (4 * 2**20 + 1))}), 422, field="file")


@needs_data
@covers("POST /v1/customs/declarations/import", "GET /v1/customs/declarations/{mrn}")
def test_customs_imports_a_declaration_then_its_cancellation(ledger: Api) -> None:
    original = (DECLARATIONS / "TT_EX010a__TT_EX010a.xml").read_bytes()
    result = ledger.ok("POST", IMPORT, as_="customs-sh/operator", files={
        "file": ("TT_EX010a.xml", original), "mrn": (None, "24GBDIRIGZ7QLCPAA8"),
        "exporter_org": (None, "sme-t4")})
    assert result["ok"] and events(result) == ["DeclarationRegistered"]
    assert result["events"][0]["attrs"]["value"] == 950_000
    cancellation = (DECLARATIONS / "TT_EX010a__TT_EX010a_Cancellation.xml").read_bytes()
    # the exporter may read the declaration, not cancel it
    detail = error(upload(ledger, "sme-t4/operator", cancellation), 403, field="org")
    assert "customs" in detail["message"]
    result = ledger.ok("POST", IMPORT, as_="customs-sh/operator", files={
        "file": ("cancel.xml", cancellation), "action": (None, "cancel")})
    assert events(result) == ["DeclarationCancelled"]
    decl = ledger.ok("GET", "/v1/customs/declarations/24GBDIRIGZ7QLCPAA8",
                     as_="sme-t4/viewer")
    assert (decl["status"], decl["unlent_value"], decl["value"]) == ("cancelled", 0, 950_000)
    assert decl["cancellation"]["reason"] == "This is a duplicate, please can"
    before = ledger.snapshot("customs-sh/operator")
    error(upload(ledger, "customs-sh/operator", cancellation.replace(b"please can",
                                                                       b"please cancel")),
          409, field="id", code="conflict")
    ledger.assert_unchanged(before, "customs-sh/operator")


@needs_data
@covers("POST /v1/customs/declarations/import")
def test_the_add_item_amendment_over_http(ledger: Api, tmp_path: Path) -> None:
    step1 = (DECLARATIONS / "TT_Add_Item_Scenario_v1__Step1_Declaration.xml").read_bytes()
    ledger.ok("POST", IMPORT, as_="customs-sh/operator", files={
        "file": ("step1.xml", step1), "mrn": (None, "23GB6W3GLSX9Z5JAR4"),
        "importer_org": (None, "core-a")})
    step2 = (DECLARATIONS / "TT_Add_Item_Scenario_v1__Step2_Amendment.xml").read_bytes()
    result = ledger.ok("POST", IMPORT, as_="customs-sh/operator",
                       files={"file": ("step2.xml", step2)})
    assert events(result) == ["DeclarationAmended"]
    assert (result["events"][0]["attrs"]["value_before"],
            result["events"][0]["attrs"]["value"]) == (110_000, 120_000)
    decl = ledger.ok("GET", "/v1/customs/declarations/23GB6W3GLSX9Z5JAR4", as_="core-a/viewer")
    assert decl["goods_count"] == 3 and decl["amended_at_ms"] > decl["registered_at_ms"]
    assert [a["goods_count"] for a in decl["amendments"]] == [3]
    page = ledger.ok("GET", "/v1/customs/declarations", as_="core-a/viewer",
                     params={"direction": "import"})
    assert [d["id"] for d in page["items"]] == ["23GB6W3GLSX9Z5JAR4"]
