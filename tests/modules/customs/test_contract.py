"""Customs declarations through the executor: register, amend, cancel, each refusal naming
its field and changing nothing; and the real follow-up pairs of the shared samples."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from shared_data import DATA
from smechain.modules.customs import queries as q
from smechain.modules.customs.contract import Declaration, Status, read_declaration
from smechain.modules.customs.wco import import_declaration

from ..conftest import Chain, block_timestamp

DECLARATIONS = DATA / "trade" / "wco-customs" / "declarations"
needs_data = pytest.mark.skipif(not DECLARATIONS.is_dir(), reason="no shared WCO samples")
MRN = "24GBDIRIGZ7QLCPAA8"


def digest(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


def register_args(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "id": MRN, "lrn": "U.7867523JNCOL", "type_code": "EXA",
        "declarant": "EORI:GB150454489082", "exporter": "EORI:GB417869120000",
        "exporter_org": "sme-1", "invoice_amount": 950_000, "invoice_currency": "GBP",
        "goods_items": [{"sequence": 1, "commodity_code": "93063030", "procedure": "1040",
                         "net_mass": "15", "statistical_value": 95_000,
                         "statistical_currency": "GBP"}],
        "digest": digest("declaration"), "issue_date": "2024-01-25"}
    args.update(changes)
    return args


class Customs:
    """The chain with a second customs office, and the declarations' transactions."""

    def __init__(self) -> None:
        self.chain = Chain()
        self.other = self.chain.new_key()
        self.chain.ok(self.chain.tx("membership", "add_org", {
            "id": "customs-gz", "name": "Guangzhou Customs", "roles": ["customs"],
            "admin_key": self.other.public}, [self.chain.key("pboc"), self.chain.key("bank-a")]))
        self.chain.keys["customs-gz"] = self.other

    def tx(self, action: str, args: dict[str, Any], org: str = "customs-sh") -> bytes:
        return self.chain.tx("customs", action, args, self.chain.key(org))

    def register(self, **changes: Any) -> Declaration:
        self.chain.ok(self.tx("register", register_args(**changes)))
        return self.declaration(changes.get("id", MRN))

    def declaration(self, mrn: str = MRN) -> Declaration:
        found = read_declaration(self.chain.store, mrn)
        assert found is not None
        return found


@pytest.fixture
def customs() -> Customs:
    return Customs()


def test_register_records_the_declaration_for_export_finance(customs: Customs) -> None:
    (receipt,) = customs.chain.ok(customs.tx("register", register_args()))
    decl = customs.declaration()
    assert (decl.status, decl.direction, decl.customs, decl.exporter_org) == (
        Status.REGISTERED, "export", "customs-sh", "sme-1")
    assert (decl.value, decl.currency, decl.value_basis, decl.goods_count) == (
        950_000, "GBP", "invoice", 1)
    assert (decl.procedure_codes, decl.amended_at_ms, decl.amendments, decl.cancellation) == (
        ["1040"], 0, [], None)
    assert decl.registered_at_ms == block_timestamp(customs.chain.height)
    assert [(e.name, e.attrs["value"]) for e in receipt.events] == [
        ("DeclarationRegistered", 950_000)]
    assert q.parties(decl) == {"customs-sh", "sme-1"}
    assert q.unlent_value(decl) == 950_000
    assert q.declarations_of([decl], "sme-1") == [decl]
    assert q.declarations_of([decl], "sme-2") == []


def test_without_an_invoice_amount_the_value_is_the_items_declared_values(
        customs: Customs) -> None:
    items = [{"sequence": 2, "item_price": 300, "item_currency": "EUR",
              "statistical_value": 250, "statistical_currency": "GBP"},
             {"sequence": 1, "item_price": 700, "item_currency": "EUR",
              "statistical_value": 600, "statistical_currency": "GBP"}]
    decl = customs.register(invoice_amount=None, invoice_currency="", goods_items=items)
    assert (decl.value, decl.currency, decl.value_basis) == (1000, "EUR", "item_price")
    assert [i.sequence for i in decl.goods_items] == [1, 2]
    mixed = [{**items[0], "item_currency": "USD"}, items[1]]
    decl = customs.register(id="24GB0YVJ3EXXES8AA0", lrn="L2", digest=digest("2"),
                            invoice_amount=None, invoice_currency="", goods_items=mixed)
    assert (decl.value, decl.currency, decl.value_basis) == (850, "GBP", "statistical")
    bare = [{"sequence": 1}]
    decl = customs.register(id="23GB6W3GLSX9Z5JAR4", lrn="L3", digest=digest("3"),
                            invoice_amount=None, invoice_currency="", goods_items=bare)
    assert (decl.value, decl.currency, decl.value_basis) == (0, "", "none")


@pytest.mark.parametrize(("changes", "code", "field"), [
    ({"id": "24gb-lower"}, "bad_args", "id"),
    ({"lrn": ""}, "bad_args", "lrn"),
    ({"lrn": " padded"}, "bad_args", "lrn"),
    ({"type_code": "COR"}, "bad_args", "type_code"),
    ({"declarant": "GB150454489082"}, "bad_args", "declarant"),
    ({"exporter": "EORI:gb1"}, "bad_args", "exporter"),
    ({"goods_items": []}, "bad_args", "goods_items"),
    ({"goods_items": [{"sequence": 1}, {"sequence": 1}]}, "bad_args", "goods_items[1].sequence"),
    ({"goods_items": [{"sequence": 0}]}, "bad_args", "goods_items[0].sequence"),
    ({"goods_items": [{"sequence": 1, "item_price": 5}]}, "bad_args",
     "goods_items[0].item_currency"),
    ({"goods_items": [{"sequence": 1, "item_price": -5, "item_currency": "GBP"}]}, "bad_args",
     "goods_items[0].item_price"),
    ({"goods_items": [{"sequence": 1, "commodity_code": "85x"}]}, "bad_args",
     "goods_items[0].commodity_code"),
    ({"goods_items": [{"sequence": 1, "net_mass": "1.1234567"}]}, "bad_args",
     "goods_items[0].net_mass"),
    ({"invoice_amount": None}, "bad_args", "invoice_currency"),
    ({"invoice_currency": "gbp"}, "bad_args", "invoice_currency"),
    ({"issue_date": "2024-02-30"}, "bad_args", "issue_date"),
    ({"digest": b"short"}, "bad_args", "digest"),
    ({"exporter_org": ""}, "bad_args", "exporter_org"),
    ({"exporter_org": "no-such-org"}, "not_found", "exporter_org"),
    ({"exporter_org": "bank-a"}, "bad_args", "exporter_org"),
    ({"type_code": "IMA"}, "bad_args", "importer_org"),
])
def test_register_refuses_bad_arguments(customs: Customs, changes: dict[str, Any], code: str,
                                        field: str) -> None:
    receipt = customs.chain.expect_failed(customs.tx("register", register_args(**changes)), code)
    assert receipt.field == field
    assert read_declaration(customs.chain.store, MRN) is None


def test_an_import_declaration_names_its_importer_org(customs: Customs) -> None:
    decl = customs.register(type_code="IMA", exporter="", exporter_org="",
                            importer_org="core-a")
    assert (decl.direction, decl.importer_org) == ("import", "core-a")
    assert q.parties(decl) == {"customs-sh", "core-a"}


def test_a_co_declaration_is_export_under_an_export_procedure(customs: Customs) -> None:
    assert customs.register(type_code="COD").direction == "export"
    receipt = customs.chain.expect_failed(customs.tx("register", register_args(
        id="24GB0YVJ3EXXES8AA0", lrn="L2", digest=digest("2"), type_code="COD",
        goods_items=[{"sequence": 1, "procedure": "4000"}])), "bad_args")
    assert receipt.field == "importer_org"


def test_only_customs_registers(customs: Customs) -> None:
    receipt = customs.chain.expect_failed(customs.tx("register", register_args(), "sme-1"),
                                          "unauthorised")
    assert "customs" in receipt.message


def test_one_declaration_one_registration(customs: Customs) -> None:
    customs.register()
    chain = customs.chain
    same_file = register_args(id="24GB0YVJ3EXXES8AA0", lrn="OTHER")
    assert chain.expect_failed(customs.tx("register", same_file), "conflict").field == "digest"
    same_mrn = register_args(lrn="OTHER", digest=digest("other"))
    assert chain.expect_failed(customs.tx("register", same_mrn), "conflict").field == "id"
    # the same declaration (declarant and LRN) under a second MRN would double its value
    again = register_args(id="24GB0YVJ3EXXES8AA0", digest=digest("again"))
    receipt = chain.expect_failed(customs.tx("register", again, "customs-gz"), "conflict")
    assert receipt.field == "lrn" and MRN in receipt.message
    # another declarant may use the same reference
    customs.register(id="24GB0YVJ3EXXES8AA0", digest=digest("again"),
                     declarant="EORI:GB427168118378")


def amend_args(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"id": MRN, "digest": digest("amendment"), "lrn": "U.7867523JNCOL",
                            "change_reasons": ["25"]}
    args.update(changes)
    return args


def test_an_amendment_that_lowers_the_value_is_visible(customs: Customs) -> None:
    customs.register()
    chain = customs.chain
    (receipt,) = chain.ok(customs.tx("amend", amend_args(invoice_amount=600_000,
                                                         invoice_currency="GBP")))
    decl = customs.declaration()
    assert (decl.status, decl.value, decl.invoice_amount) == (Status.REGISTERED, 600_000,
                                                              600_000)
    assert decl.amended_at_ms == block_timestamp(chain.height) > decl.registered_at_ms
    (change,) = decl.amendments
    assert (change.value_before, change.value, change.change_reasons, change.digest) == (
        950_000, 600_000, ["25"], digest("amendment"))
    assert decl.digest == digest("declaration")  # the original's digest is kept
    assert [(e.name, e.attrs["value_before"], e.attrs["value"]) for e in receipt.events] == [
        ("DeclarationAmended", 950_000, 600_000)]


def test_an_amendment_changes_and_adds_goods_items_by_sequence(customs: Customs) -> None:
    customs.register(invoice_amount=None, invoice_currency="", goods_items=[
        {"sequence": 1, "commodity_code": "85109000", "item_price": 100_000,
         "item_currency": "GBP", "net_mass": "100"}])
    chain = customs.chain
    chain.ok(customs.tx("amend", amend_args(goods_item_quantity=2, goods_items=[
        {"sequence": 1, "net_mass": "90"},
        {"sequence": 2, "commodity_code": "85101000", "item_price": 10_000,
         "item_currency": "GBP"}])))
    decl = customs.declaration()
    assert [(i.sequence, i.commodity_code, i.net_mass, i.item_price)
            for i in decl.goods_items] == [(1, "85109000", "90", 100_000),
                                           (2, "85101000", "", 10_000)]
    assert (decl.goods_count, decl.value, decl.value_basis) == (2, 110_000, "item_price")
    assert decl.amendments[0].sequences == [1, 2]
    receipt = chain.expect_failed(customs.tx("amend", amend_args(
        digest=digest("third"), goods_item_quantity=5, goods_items=[{"sequence": 3}])),
        "conflict")
    assert receipt.field == "goods_item_quantity" and "has 3" in receipt.message


@pytest.mark.parametrize(("changes", "code", "field"), [
    ({"id": "NOSUCHMRN"}, "not_found", "id"),
    ({"digest": digest("declaration")}, "conflict", "digest"),
    ({"digest": b"x"}, "bad_args", "digest"),
    ({"change_reasons": ["too long"]}, "bad_args", "change_reasons[0]"),
    ({"goods_items": [{"sequence": 1, "item_price": 1}]}, "bad_args",
     "goods_items[0].item_currency"),
    ({"invoice_amount": 5}, "bad_args", "invoice_currency"),
])
def test_amend_refuses(customs: Customs, changes: dict[str, Any], code: str,
                       field: str) -> None:
    customs.register()
    receipt = customs.chain.expect_failed(customs.tx("amend", amend_args(**changes)), code)
    assert receipt.field == field


def test_only_the_registering_customs_office_amends_or_cancels(customs: Customs) -> None:
    customs.register()
    chain = customs.chain
    for action, args in (("amend", amend_args()), ("cancel", {"id": MRN,
                                                              "digest": digest("cancel")})):
        receipt = chain.expect_failed(customs.tx(action, args, "customs-gz"), "unauthorised")
        assert "customs-sh" in receipt.message
        receipt = chain.expect_failed(customs.tx(action, args, "sme-1"), "unauthorised")
        assert "customs" in receipt.message
    assert customs.declaration().status == Status.REGISTERED


def test_cancel_once_and_nothing_follows(customs: Customs) -> None:
    customs.register()
    chain = customs.chain
    cancel = {"id": MRN, "digest": digest("cancel"), "lrn": "U.7867523JNCOL",
              "reason": "duplicate", "reason_code": "1"}
    assert chain.expect_failed(customs.tx("cancel", {**cancel, "reason_code": "x y"}),
                               "bad_args").field == "reason_code"
    (receipt,) = chain.ok(customs.tx("cancel", cancel))
    decl = customs.declaration()
    assert decl.status == Status.CANCELLED and q.unlent_value(decl) == 0
    assert decl.value == 950_000  # what it was declared at stays readable
    assert decl.cancellation is not None
    assert (decl.cancellation.reason, decl.cancellation.reason_code) == ("duplicate", "1")
    assert [e.name for e in receipt.events] == ["DeclarationCancelled"]
    again = {**cancel, "digest": digest("cancel again")}
    receipt = chain.expect_failed(customs.tx("cancel", again), "conflict")
    assert receipt.field == "id" and "cancelled" in receipt.message
    receipt = chain.expect_failed(customs.tx("amend", amend_args()), "conflict")
    assert receipt.field == "id"
    assert chain.expect_failed(customs.tx("cancel", {**again, "id": "NOSUCH"}),
                               "not_found").field == "id"


def test_unknown_to_hides_a_declaration_from_strangers(customs: Customs) -> None:
    customs.register()
    store = customs.chain.store
    assert q.unknown_to(store, "customs-sh", {"id": MRN}) is None
    assert q.unknown_to(store, "sme-1", {"id": MRN}) is None
    assert q.unknown_to(store, "customs-gz", {"id": MRN}) == ("id", f"no declaration {MRN!r}")
    assert q.unknown_to(store, "customs-gz", register_args()) is None
    assert q.tx_orgs(store, "customs", "amend", {"id": {MRN, "NOSUCH"}}) == {"customs-sh",
                                                                          "sme-1"}
    assert q.tx_orgs(store, "loan", "repay", {"id": {MRN}}) == set()


# --- the shared samples' follow-up pairs ------------------------------------------------------


def imported(name: str, mrn: str = "", **orgs: str) -> dict[str, Any]:
    return import_declaration(DECLARATIONS / name).ledger_args(mrn, **orgs)


@needs_data
def test_the_cancellation_sample_cancels_its_declaration(customs: Customs) -> None:
    chain = customs.chain
    chain.ok(customs.tx("register", imported("TT_EX010a__TT_EX010a.xml", MRN,
                                             exporter_org="sme-1")))
    chain.ok(customs.tx("cancel", imported("TT_EX010a__TT_EX010a_Cancellation.xml")))
    decl = customs.declaration()
    assert (decl.status, decl.value, decl.currency) == (Status.CANCELLED, 950_000, "GBP")
    assert decl.cancellation is not None
    assert decl.cancellation.reason == "This is a duplicate, please can"


@needs_data
def test_the_add_item_amendment_adds_the_third_item(customs: Customs) -> None:
    chain = customs.chain
    mrn = "23GB6W3GLSX9Z5JAR4"
    chain.ok(customs.tx("register", imported("TT_Add_Item_Scenario_v1__Step1_Declaration.xml",
                                             mrn, importer_org="core-a")))
    before = customs.declaration(mrn)
    assert (before.goods_count, before.value, before.direction) == (2, 110_000, "import")
    chain.ok(customs.tx("amend", imported("TT_Add_Item_Scenario_v1__Step2_Amendment.xml")))
    after = customs.declaration(mrn)
    assert (after.goods_count, after.value, after.currency) == (3, 120_000, "GBP")
    assert [i.commodity_code for i in after.goods_items] == ["8510900000", "8510100000",
                                                             "8510200000"]
    assert after.amendments[0].lrn == "CCDP-4108_AME_20230621-01"


@needs_data
def test_the_licence_amendment_keeps_the_value_and_records_the_history(
        customs: Customs) -> None:
    chain = customs.chain
    mrn = "24GB0YVJ3EXXES8AA0"
    chain.ok(customs.tx("register", imported("TT_EX009a__TT_EX009a.xml", mrn,
                                             exporter_org="sme-2")))
    chain.ok(customs.tx("amend", imported("TT_EX009a__Step5_TT_EX009a_Amendment.xml")))
    decl = customs.declaration(mrn)
    assert (decl.value, decl.goods_count, decl.goods_items[0].commodity_code) == (
        1_204_000, 1, "85176200")
    (change,) = decl.amendments
    assert (change.value_before, change.value, change.change_reasons) == (1_204_000,
                                                                          1_204_000, ["25"])
    # the same amendment file again is refused
    receipt = chain.expect_failed(customs.tx("amend", imported(
        "TT_EX009a__Step5_TT_EX009a_Amendment.xml")), "conflict")
    assert receipt.field == "digest"
