"""The WCO DEC-DMS importer on every shared declaration file and on hostile ones: what each
real file is (figures read from the XML by hand for several), and every refusal naming the
element path and the reason."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from lxml import etree

from shared_data import DATA
from smechain.core.errors import BadArguments
from smechain.documents.record import DocumentError
from smechain.modules.customs.wco import (
    SCHEMA_DIR,
    check_digit,
    import_declaration,
    schema,
)

DECLARATIONS = DATA / "trade" / "wco-customs" / "declarations"
PACKAGED = SCHEMA_DIR.parent.parent / "samples" / "TT_EX005a.xml"
needs_data = pytest.mark.skipif(not DECLARATIONS.is_dir(), reason="no shared WCO samples")

# (file, action, type code, value in minor units, currency, value basis, goods items)
EXPECTED = [
    ("CUS_Code__New_Export_CUS_Code_Sample.xml", "register", "EXA", 950_000, "GBP", "invoice", 1),
    ("Export_Sample_With_Consignor_Declared__New_Export_C21e_Consignor_Sample.xml", "register",
     "EXJ", 0, "", "none", 1),
    ("IMY_Aggregated_Supplementary_Declaration__IMY_Aggregated_Supplementary_Declaration.xml",
     "register", "IMY", 1_300_000, "GBP", "item_price", 2),
    ("TT_Add_Item_Scenario_v1__Step1_Declaration.xml", "register", "IMA", 110_000, "GBP",
     "item_price", 2),
    ("TT_Add_Item_Scenario_v1__Step2_Amendment.xml", "amend", "COR", 0, "", "none", 1),
    ("TT_EX001a__TT_EX001a.xml", "register", "EXD", 20_000, "GBP", "statistical", 1),
    ("TT_EX002b__TT_EX002b.xml", "register", "EXC", 0, "", "none", 1),
    ("TT_EX004a__TT_EX004a.xml", "register", "EXY", 10_000_000, "GBP", "invoice", 2),
    ("TT_EX005a__TT_EX005a.xml", "register", "EXA", 950_000, "GBP", "invoice", 1),
    ("TT_EX006a__TT_EX006a.xml", "register", "EXF", 0, "", "none", 1),
    ("TT_EX007a__TT_EX007a.xml", "register", "EXK", 0, "", "none", 1),
    ("TT_EX009a__Step5_TT_EX009a_Amendment.xml", "amend", "COR", 0, "", "none", 1),
    ("TT_EX009a__TT_EX009a.xml", "register", "EXD", 1_204_000, "GBP", "statistical", 1),
    ("TT_EX010a__TT_EX010a.xml", "register", "EXA", 950_000, "GBP", "invoice", 1),
    ("TT_EX010a__TT_EX010a_Cancellation.xml", "cancel", "INV", 0, "", "none", 0),
    ("TT_EX015a__Step1_TT_EX015a.xml", "register", "EXD", 60_000, "GBP", "statistical", 1),
    ("TT_EX016a__TT_EX016a.xml", "register", "EXK", 0, "", "none", 1),
    ("TT_EX023a__Step1_TT_EX023a.xml", "register", "EXA", 15_000, "JPY", "invoice", 1),
    ("TT_EX024a__Step1_TT_EX024a.xml", "register", "COD", 20_000, "GBP", "statistical", 1),
    ("TT_EX025a__Step1_TT_EX025a.xml", "register", "EXZ", 600_000, "GBP", "statistical", 1),
    ("TT_EX034a__Step1_TT_EX034a.xml", "register", "EXE", 0, "", "none", 1),
    ("TT_EX039a__TT_EX039a.xml", "register", "EXD", 73_000, "GBP", "statistical", 2),
    ("TT_EX041a__TT_EX041a.xml", "register", "EXD", 40_000, "GBP", "statistical", 2),
    ("TT_EX043a__TT_EX043a.xml", "register", "EXD", 6_000_000, "GBP", "statistical", 1),
    ("TT_EX046a__TT_EX046a.xml", "register", "EXD", 6_000_000, "GBP", "statistical", 1),
    ("TT_EX048a__Step1_TT_EX048a.xml", "register", "EXC", 0, "", "none", 1),
    ("TT_EX049a__Step1_TT_EX049a.xml", "register", "EXD", 6_000_000, "GBP", "statistical", 1),
    ("TT_EX051a__Step1_TT_EX051a.xml", "register", "EXD", 20_000, "GBP", "statistical", 1),
    ("TT_EX056a__Step1_TT_EX056a.xml", "register", "EXD", 600_000, "GBP", "statistical", 1),
    ("TT_EX057a__Step1_TT_EX057a.xml", "register", "EXA", 950_000, "GBP", "invoice", 1),
    ("TT_FI002a__TT_FI002a.xml", "register", "IMA", 2_500_000, "GBP", "invoice", 1),
    ("TT_IM004a__TT_IM004a.xml", "register", "IMA", 40_000, "GBP", "item_price", 1),
    ("TT_IM005a__TT_IM005a.xml", "register", "IMJ", 0, "", "none", 1),
    ("TT_IM012a__TT_IM012a.xml", "register", "IMD", 500_000, "GBP", "statistical", 1),
    ("TT_IM083a__Step1_TT_IM083a.xml", "register", "IMA", 600_000, "GBP", "item_price", 3),
    ("TT_IM090a__TT_IM090a.xml", "register", "IMA", 100_000, "GBP", "item_price", 1),
    ("TT_IM094a__TT_IM094a.xml", "register", "IMA", 1_250_000, "GBP", "item_price", 1),
    ("TT_IM146a__Step1_TT_IM146a.xml", "register", "IMA", 250_000, "GBP", "invoice", 1),
    ("TT_IM184a__Step1_TT_IM184a.xml", "register", "IMZ", 1_210_000, "GBP", "item_price", 4),
]
REFUSED = {
    "TT_IM026a__Movement_Messages__Step1_GPN.xml":
        "/MetaData/Declaration/TypeCode: FunctionCode '13' with TypeCode 'GPR' is a goods "
        "presentation notification",
}


@needs_data
def test_every_shared_file_is_in_the_table() -> None:
    assert sorted(p.name for p in DECLARATIONS.glob("*.xml")) == sorted(
        [e[0] for e in EXPECTED] + list(REFUSED))


@needs_data
@pytest.mark.parametrize(("name", "action", "type_code", "value", "currency", "basis", "goods"),
                         EXPECTED, ids=[e[0][:40] for e in EXPECTED])
def test_each_shared_file_imports_with_its_figures(name: str, action: str, type_code: str,
                                                  value: int, currency: str, basis: str,
                                                  goods: int) -> None:
    path = DECLARATIONS / name
    record = import_declaration(path)
    assert (record.action, record.type_code, record.value, record.currency,
            record.value_basis, len(record.goods)) == (action, type_code, value, currency,
                                                       basis, goods)
    assert record.digest == hashlib.sha256(path.read_bytes()).digest()
    assert record.schema == ("cancellation" if action == "cancel" else "declaration")
    if action == "register":
        assert record.direction == ("import" if type_code.startswith("IM") else "export")
        assert record.lrn and record.declarant.startswith("EORI:")
        assert record.exporter.startswith("EORI:") or record.direction == "import"
    else:
        assert re.fullmatch(r"2[34]GB[0-9A-Z]{14}", record.mrn)


@needs_data
@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_shared_file_that_is_no_declaration_is_refused_with_the_reason(name: str) -> None:
    with pytest.raises(DocumentError) as exc:
        import_declaration(DECLARATIONS / name)
    assert REFUSED[name] in str(exc.value)


@needs_data
def test_three_declarations_read_by_hand() -> None:
    # TT_EX005a: <InvoiceAmount currencyID="GBP">9500</InvoiceAmount>, one item 73181631.
    ex5 = import_declaration(DECLARATIONS / "TT_EX005a__TT_EX005a.xml")
    assert (ex5.lrn, ex5.mrn, ex5.declarant, ex5.exporter) == (
        "7849431GVYMC", "", "EORI:GB427168118378", "EORI:GB150454489082")
    assert (ex5.invoice_amount, ex5.invoice_currency) == (950_000, "GBP")
    (item,) = ex5.goods
    assert (item.sequence, item.commodity_code, item.procedure, item.additional_procedures,
            item.net_mass, item.gross_mass) == (1, "73181631", "1040", ("1CS",), "43", "48")
    assert (item.statistical_value, item.statistical_currency) == (950_000, "GBP")
    assert item.description.startswith("Blind Rivet Nuts")
    # TT_EX023a: invoiced in yen, whose ISO 4217 exponent is 0: 15000 JPY is 15000 units.
    ex23 = import_declaration(DECLARATIONS / "TT_EX023a__Step1_TT_EX023a.xml")
    assert (ex23.invoice_amount, ex23.invoice_currency, ex23.procedure_codes) == (
        15_000, "JPY", ("2100",))
    assert (ex23.acceptance_date, ex23.issue_date) == ("2024-04-25", "2024-04-25")
    assert ex23.goods[0].statistical_value == 100_000  # GBP 1000, pence
    # TT_IM184a: no invoice amount; four item prices 1000 + 100 + 1000 + 10000 GBP.
    im = import_declaration(DECLARATIONS / "TT_IM184a__Step1_TT_IM184a.xml")
    assert [g.item_price for g in im.goods] == [100_000, 10_000, 100_000, 1_000_000]
    assert (im.value, im.currency, im.direction, im.goods_item_quantity) == (
        1_210_000, "GBP", "import", 4)
    assert [g.commodity_code for g in im.goods] == ["1804000000", "8510100000", "8510900000",
                                                    "0101900000"]


@needs_data
def test_follow_ups_name_the_declaration_they_concern() -> None:
    amendment = import_declaration(DECLARATIONS / "TT_Add_Item_Scenario_v1__Step2_Amendment.xml")
    assert (amendment.function, amendment.mrn, amendment.goods_item_quantity,
            amendment.change_reasons) == ("amendment", "23GB6W3GLSX9Z5JAR4", 3,
                                          ("28", "28", "32"))
    (added,) = amendment.goods
    assert (added.sequence, added.item_price, added.commodity_code) == (3, 10_000, "8510200000")
    args = amendment.ledger_args()
    assert args["id"] == "23GB6W3GLSX9Z5JAR4" and args["goods_item_quantity"] == 3
    cancellation = import_declaration(DECLARATIONS / "TT_EX010a__TT_EX010a_Cancellation.xml")
    assert cancellation.ledger_args() == {
        "id": "24GBDIRIGZ7QLCPAA8", "digest": cancellation.digest, "lrn": "U.7867523JNCOL",
        "reason": "This is a duplicate, please can", "reason_code": "1"}
    assert cancellation.submitter == "EORI:GB150454489082"


@needs_data
def test_an_original_needs_the_mrn_customs_assigned_and_its_check_digit() -> None:
    record = import_declaration(DECLARATIONS / "TT_EX010a__TT_EX010a.xml")
    with pytest.raises(BadArguments) as exc:
        record.ledger_args(exporter_org="sme-1")
    assert exc.value.field == "mrn"
    with pytest.raises(BadArguments) as exc:
        record.ledger_args("24GBDIRIGZ7QLCPAA9", exporter_org="sme-1")
    assert exc.value.field == "mrn" and "check digit is 8" in exc.value.message
    args = record.ledger_args("24GBDIRIGZ7QLCPAA8", exporter_org="sme-1")
    assert (args["id"], args["exporter_org"], args["invoice_amount"], args["exporter"]) == (
        "24GBDIRIGZ7QLCPAA8", "sme-1", 950_000, "EORI:GB417869120000")
    follow_up = import_declaration(DECLARATIONS / "TT_EX010a__TT_EX010a_Cancellation.xml")
    with pytest.raises(BadArguments) as exc:
        follow_up.ledger_args(exporter_org="sme-1")
    assert exc.value.field == "exporter_org"
    with pytest.raises(BadArguments) as exc:
        follow_up.ledger_args("24GB0YVJ3EXXES8AA0")
    assert exc.value.field == "mrn"


def test_mrn_check_digits_of_the_samples() -> None:
    for mrn in ("24GB0YVJ3EXXES8AA0", "24GBDIRIGZ7QLCPAA8", "23GB6W3GLSX9Z5JAR4",
                "23GBDFSUDLJ2X59AR7"):
        check_digit(mrn, "mrn")
    check_digit("220100220241234567", "mrn")  # a China customs number: not an EU/UK MRN
    with pytest.raises(BadArguments):
        check_digit("24GB0YVJ3EXXES8AA1", "mrn")


def test_the_packaged_demo_sample_is_the_shared_one() -> None:
    record = import_declaration(PACKAGED)
    assert (record.lrn, record.value, record.currency) == ("7849431GVYMC", 950_000, "GBP")
    shared = DECLARATIONS / "TT_EX005a__TT_EX005a.xml"
    if shared.is_file():
        assert shared.read_bytes() == PACKAGED.read_bytes()


# --- hostile and broken files --------------------------------------------------------------

SAMPLE = PACKAGED.read_bytes()


def refusal(data: bytes) -> str:
    with pytest.raises(DocumentError) as exc:
        import_declaration(data, name="upload.xml")
    assert str(exc.value).startswith("upload.xml: ")
    return exc.value.reason


def edited(old: bytes, new: bytes, data: bytes = SAMPLE) -> bytes:
    assert old in data, old
    return data.replace(old, new, 1)


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty file"),
    (b"   \n", "empty file"),
    (b"%PDF-1.7 not xml", "not well-formed XML"),
    (b"<MetaData><Declaration>", "not well-formed XML"),
    (b"\xff\xfe\x00garbage", "not well-formed XML"),
])
def test_what_is_not_xml_is_refused(data: bytes, reason: str) -> None:
    assert reason in refusal(data)


def test_an_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-EORI")
    xxe = edited(b"<md:MetaData", f'<!DOCTYPE md:MetaData [<!ENTITY xxe SYSTEM '
                 f'"file://{secret}">]>\n<md:MetaData'.encode())
    xxe = edited(b"<FunctionalReferenceID>7849431GVYMC<",
                 b"<FunctionalReferenceID>&xxe;<", xxe)
    reason = refusal(xxe)
    assert "DOCTYPE is refused" in reason and "TOP-SECRET" not in reason
    # The libraries' own defaults, beneath that refusal: lxml as the importer configures it
    # leaves the entity unresolved, and xmlschema refuses entity declarations outright.
    from smechain.modules.customs import wco

    tree = etree.fromstring(xxe, wco._PARSER)
    assert "TOP-SECRET" not in etree.tostring(tree).decode()
    with pytest.raises(Exception) as exc:
        schema("declaration").validate(xxe.decode())
    assert "TOP-SECRET" not in str(exc.value)


def test_a_billion_laughs_is_refused_without_expanding() -> None:
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = edited(b"<md:MetaData", f'<!DOCTYPE md:MetaData [<!ENTITY l0 "lol">{laughs}]>\n'
                  f'<md:MetaData'.encode())
    bomb = edited(b"<FunctionalReferenceID>7849431GVYMC<",
                  b"<FunctionalReferenceID>&l9;<", bomb)
    assert "DOCTYPE is refused" in refusal(bomb)
    undeclared = edited(b"<FunctionalReferenceID>7849431GVYMC<",
                        b"<FunctionalReferenceID>&nope;<", edited(
                            b"<md:MetaData", b"<!DOCTYPE md:MetaData [ <!ENTITY % p 'x'> ]>"
                            b"\n<md:MetaData"))
    assert "DOCTYPE is refused" in refusal(undeclared)


def test_a_file_that_is_not_a_wco_declaration_is_refused_naming_its_root() -> None:
    ubl = (b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'
           b"<ID>1</ID></Invoice>")
    reason = refusal(ubl)
    assert reason.startswith("/Invoice: not a WCO declaration") and "MetaData" in reason
    no_declaration = (b'<md:MetaData xmlns:md="urn:wco:datamodel:WCO:DocumentMetaData-DMS:2">'
                      b"<md:WCOTypeName>DEC</md:WCOTypeName></md:MetaData>")
    assert refusal(no_declaration) == "/MetaData/Declaration: missing"


@pytest.mark.parametrize(("old", "new", "reason"), [
    # XSD: an element the schema does not allow, a currency not in ISO 4217, a bad code
    (b"<FunctionalReferenceID>", b"<Bogus>1</Bogus><FunctionalReferenceID>",
     "/MetaData/Declaration: Unexpected child with tag '{urn:wco:datamodel:WCO:DEC-DMS:2}"
     "Bogus'"),
    (b'<InvoiceAmount currencyID="GBP">', b'<InvoiceAmount currencyID="gbp">',
     "/MetaData/Declaration/InvoiceAmount"),
    (b"<FunctionCode>9</FunctionCode>", b"<FunctionCode>5</FunctionCode>",
     "/MetaData/Declaration/FunctionCode"),
    (b"<InvoiceAmount currencyID=\"GBP\">9500<", b"<InvoiceAmount currencyID=\"GBP\">95x<",
     "/MetaData/Declaration/InvoiceAmount"),
])
def test_a_file_failing_the_xsd_is_refused_naming_the_element(old: bytes, new: bytes,
                                                              reason: str) -> None:
    found = refusal(edited(old, new))
    assert found.startswith(reason), found
    assert "XSD DocumentMetaData_2_DMS.xsd + WCO_DEC_2_DMS.xsd" in found


@pytest.mark.parametrize(("old", "new", "reason"), [
    (b"<FunctionalReferenceID>7849431GVYMC</FunctionalReferenceID>", b"",
     "/MetaData/Declaration/FunctionalReferenceID: missing"),
    (b"<Declarant>\n\t\t\t<ID>GB427168118378</ID>", b"<Declarant>\n\t\t\t<Name>D</Name>",
     "/MetaData/Declaration/Declarant/ID: missing"),
    (b"<Exporter>\n\t\t\t<ID>GB150454489082</ID>", b"<Exporter>\n\t\t\t<Name>E</Name>",
     "/MetaData/Declaration/Exporter/ID: missing: an export declaration names its exporter"),
    (b"<Exporter>\n\t\t\t<ID>GB150454489082</ID>", b"<Exporter>\n\t\t\t<ID>gb15045</ID>",
     "/MetaData/Declaration/Exporter/ID: 'gb15045' is not an EORI number"),
    (b"<GoodsItemQuantity>1<", b"<GoodsItemQuantity>2<",
     "/MetaData/Declaration/GoodsItemQuantity: 2, but the declaration holds 1 goods items"),
    (b"<FunctionCode>9</FunctionCode>", b"<FunctionCode>14</FunctionCode>",
     "/MetaData/Declaration/TypeCode: FunctionCode '14' with TypeCode 'EXA' is not a "
     "declaration"),
    (b"<TypeCode>EXA</TypeCode>", b"<TypeCode>XXA</TypeCode>",
     "/MetaData/Declaration/TypeCode: 'XXA' is not a declaration type"),
])
def test_a_file_lacking_what_the_ledger_needs_is_refused_naming_the_element(
        old: bytes, new: bytes, reason: str) -> None:
    found = refusal(edited(old, new))
    assert found.startswith(reason), found


@pytest.mark.parametrize(("amount", "currency", "minor", "reason"), [
    ("9500.10", "GBP", 950_010, ""),
    ("9500.000", "GBP", 950_000, ""),  # exact: the zeros past the pence change nothing
    ("9500.001", "GBP", None, "9500.001 GBP has more decimals than GBP's 2 (ISO 4217"),
    ("15000.5", "JPY", None, "15000.5 JPY has more decimals than JPY's 0"),
    ("12.345", "KWD", 12_345, ""),
    ("-5", "GBP", None, "-5 GBP is negative"),
    ("9999999999999999", "KWD", None, "beyond the ledger's range"),
    ("10", "XAU", None, "XAU has no minor unit (ISO 4217)"),
])
def test_amounts_are_exact_minor_units_of_the_currency(amount: str, currency: str,
                                                       minor: int | None, reason: str) -> None:
    data = edited(b'<InvoiceAmount currencyID="GBP">9500<',
                  f'<InvoiceAmount currencyID="{currency}">{amount}<'.encode())
    if minor is not None:
        record = import_declaration(data)
        assert (record.invoice_amount, record.invoice_currency, record.value) == (
            minor, currency, minor)
        return
    found = refusal(data)
    assert found.startswith("/MetaData/Declaration/InvoiceAmount") and reason in found, found


def test_an_amount_without_its_currency_is_refused_naming_the_attribute() -> None:
    data = edited(b'<InvoiceAmount currencyID="GBP">', b"<InvoiceAmount>")
    assert refusal(data) == ("/MetaData/Declaration/InvoiceAmount/@currencyID: missing: an "
                             "amount needs its currency")
    stat = edited(b'<StatisticalValueAmount currencyID="GBP">',
                  b"<StatisticalValueAmount>")
    assert refusal(stat).startswith("/MetaData/Declaration/GoodsShipment/"
                                    "GovernmentAgencyGoodsItem[1]/StatisticalValueAmount/"
                                    "@currencyID: missing")


@needs_data
def test_follow_ups_need_the_mrn_and_its_check_digit() -> None:
    amendment = (DECLARATIONS / "TT_EX009a__Step5_TT_EX009a_Amendment.xml").read_bytes()
    found = refusal(edited(b"<ID>24GB0YVJ3EXXES8AA0</ID>", b"", amendment))
    assert found.startswith("/MetaData/Declaration/ID: missing: an amendment names the MRN")
    found = refusal(edited(b"<ID>24GB0YVJ3EXXES8AA0</ID>", b"<ID>24GB0YVJ3EXXES8AA1</ID>",
                           amendment))
    assert found.startswith("/MetaData/Declaration/ID: '24GB0YVJ3EXXES8AA1'") and \
        "check digit is 0" in found
    cancellation = (DECLARATIONS / "TT_EX010a__TT_EX010a_Cancellation.xml").read_bytes()
    found = refusal(edited(b"<TypeCode>INV</TypeCode>",
                           b"<TypeCode>INV</TypeCode><GoodsItemQuantity>1</GoodsItemQuantity>",
                           cancellation))
    assert "XSD CANCEL_METADATA.xsd + CANCEL.xsd" in found


def test_a_file_is_read_from_a_path_or_refused_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "none.xml"
    with pytest.raises(DocumentError) as exc:
        import_declaration(missing)
    assert str(exc.value) == f"{missing}: cannot read file (No such file or directory)"
    with pytest.raises(DocumentError) as exc:
        import_declaration(tmp_path)
    assert str(tmp_path) in str(exc.value)


def test_the_digest_is_the_chains_hash_of_the_bytes() -> None:
    record = import_declaration(SAMPLE, lambda b: hashlib.sha3_256(b).digest())
    assert record.digest == hashlib.sha3_256(SAMPLE).digest()


def test_a_deeply_nested_file_is_refused_not_crashed_on() -> None:
    deep = b"<a>" * 5000 + b"</a>" * 5000
    assert "Excessive depth" in refusal(edited(b"<Description>", b"<Description>" + deep))
    shallow = b"<a>" * 200 + b"</a>" * 200
    assert refusal(edited(b"<Description>", b"<Description>" + shallow)).startswith(
        "/MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem/Commodity/Description:")
