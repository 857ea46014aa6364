"""EN 16931 e-invoices in their two syntaxes: OASIS UBL 2.1 and UN/CEFACT CII D16B.

Business terms read (EN 16931-1): BT-1 number, BT-2 issue date, BT-3 type
code, BT-5 currency, BT-25 preceding invoice, BT-29..BT-34 seller and
BT-46..BT-49 buyer identifiers, BT-109 net, BT-110 tax, BT-112 total,
BT-113 prepaid, BT-114 rounding, BT-115 amount due.
"""

from __future__ import annotations

import re

from lxml import etree

from smechain.documents.record import (
    CAC,
    CBC,
    CII_NS,
    RAM,
    UBL_CREDIT_NOTE_NS,
    UDT,
    DocumentError,
    InvoiceRecord,
    check_currency,
    check_date,
    make_record,
    parse_amount,
    pick_party,
    require,
    text_of,
)

_UBL_NS = {"cbc": CBC, "cac": CAC}
_CII_NS = {"rsm": CII_NS, "ram": RAM, "udt": UDT}


def _x(el: etree._Element, path: str, ns: dict[str, str]) -> list[etree._Element]:
    return list(el.xpath(path, namespaces=ns))


def _first_text(el: etree._Element, path: str, ns: dict[str, str]) -> str:
    for found in _x(el, path, ns):
        text = text_of(found)
        if text:
            return text
    return ""


def _candidates(root: etree._Element, ns: dict[str, str],
                paths: list[tuple[str, str | None, str]]) -> list[tuple[str, str, str]]:
    """``(scheme, value, label)`` for each element found; ``scheme`` None: the element's
    ``schemeID`` (elements without one are left out, as their ids are no identity)."""
    out: list[tuple[str, str, str]] = []
    for path, scheme, label in paths:
        for el in _x(root, path, ns):
            given = scheme if scheme is not None else (el.get("schemeID") or "").strip()
            if given:
                out.append((given, text_of(el), label))
    return out


def _money(el: etree._Element, path: str, ns: dict[str, str], currency: str, source: str,
           field: str, required: bool = True) -> int | None:
    text = _first_text(el, path, ns)
    if not text and not required:
        return None
    return parse_amount(require(text, source, field), currency, source, field)


def _tax_in(els: list[etree._Element], currency: str, source: str, field: str,
            notes: list[str]) -> int:
    """BT-110: the tax total in the document currency (BT-111, in another currency, skipped)."""
    in_cur = [t for t in els if t.get("currencyID", currency) == currency and text_of(t)]
    if in_cur:
        return parse_amount(text_of(in_cur[0]), currency, source, field)
    if els:
        raise DocumentError(source, f"missing field {field} in {currency}")
    notes.append(f"no {field}: tax taken as 0")
    return 0


# --------------------------------------------------------------------------- UBL


def _ubl_party(root: etree._Element, party: str, source: str, notes: list[str],
               required: bool) -> str:
    base = f"cac:{party}/cac:Party"
    return pick_party(_candidates(root, _UBL_NS, [
        (f"{base}/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID", "VAT", "VAT id"),
        (f"{base}/cac:PartyTaxScheme[not(cac:TaxScheme/cbc:ID='VAT')]/cbc:CompanyID", "TAX",
         "tax id"),
        (f"{base}/cac:PartyLegalEntity/cbc:CompanyID[@schemeID]", None,
         "legal registration id"),
        (f"{base}/cac:PartyLegalEntity/cbc:CompanyID[not(@schemeID)]", "LEGAL",
         "legal registration id"),
        (f"{base}/cac:PartyIdentification/cbc:ID", None, "party identifier"),
        (f"{base}/cbc:EndpointID", None, "electronic address"),
    ]), party, source, notes, required)


def parse_ubl(root: etree._Element, source: str, digest: bytes) -> InvoiceRecord:
    """An EN 16931 UBL ``Invoice`` or ``CreditNote``."""
    notes: list[str] = []
    number = require(_first_text(root, "cbc:ID", _UBL_NS), source, "ID")
    issue = check_date(require(_first_text(root, "cbc:IssueDate", _UBL_NS), source,
                               "IssueDate"), source, "IssueDate")
    currency = check_currency(require(_first_text(root, "cbc:DocumentCurrencyCode", _UBL_NS),
                                      source, "DocumentCurrencyCode"),
                              source, "DocumentCurrencyCode")
    is_credit = etree.QName(root).namespace == UBL_CREDIT_NOTE_NS
    type_code = (_first_text(root, "cbc:InvoiceTypeCode|cbc:CreditNoteTypeCode", _UBL_NS)
                 or ("381" if is_credit else "380"))
    seller = _ubl_party(root, "AccountingSupplierParty", source, notes, required=True)
    buyer = _ubl_party(root, "AccountingCustomerParty", source, notes, required=False)
    totals = _x(root, "cac:LegalMonetaryTotal", _UBL_NS)
    if not totals:
        raise DocumentError(source, "missing field LegalMonetaryTotal")

    def money(name: str, required: bool = True) -> int | None:
        return _money(totals[0], f"cbc:{name}", _UBL_NS, currency, source,
                      f"LegalMonetaryTotal/{name}", required)

    net, total = money("TaxExclusiveAmount"), money("TaxInclusiveAmount")
    assert net is not None and total is not None
    tax = _tax_in(_x(root, "cac:TaxTotal/cbc:TaxAmount", _UBL_NS), currency, source,
                  "TaxTotal/TaxAmount", notes)
    return make_record(
        source, "ubl", number=number, type_code=type_code, seller_id=seller, buyer_id=buyer,
        currency=currency, net_amount=net, tax_amount=tax, total_amount=total,
        prepaid_amount=money("PrepaidAmount", False) or 0,
        rounding_amount=money("PayableRoundingAmount", False) or 0,
        amount_due=money("PayableAmount", False),
        preceding=_first_text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID",
                              _UBL_NS),
        issue_date=issue, digest=digest, notes=notes)


# --------------------------------------------------------------------------- CII


def _cii_party(trade: etree._Element, party: str, source: str, notes: list[str],
               required: bool) -> str:
    base = f"ram:ApplicableHeaderTradeAgreement/ram:{party}"
    return pick_party(_candidates(trade, _CII_NS, [
        (f"{base}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']", "VAT", "VAT id"),
        (f"{base}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='FC']", "TAX", "tax id"),
        (f"{base}/ram:SpecifiedLegalOrganization/ram:ID[@schemeID]", None,
         "legal registration id"),
        (f"{base}/ram:SpecifiedLegalOrganization/ram:ID[not(@schemeID)]", "LEGAL",
         "legal registration id"),
        (f"{base}/ram:GlobalID", None, "global id"),
        (f"{base}/ram:ID", None, "party identifier"),
        (f"{base}/ram:URIUniversalCommunication/ram:URIID", None, "electronic address"),
    ]), party, source, notes, required)


def parse_cii(root: etree._Element, source: str, digest: bytes) -> InvoiceRecord:
    """An EN 16931 UN/CEFACT ``CrossIndustryInvoice``."""
    notes: list[str] = []
    number = require(_first_text(root, "rsm:ExchangedDocument/ram:ID", _CII_NS), source,
                     "ExchangedDocument/ID")
    date_els = _x(root, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", _CII_NS)
    if not date_els or not text_of(date_els[0]):
        raise DocumentError(source, "missing field ExchangedDocument/IssueDateTime/DateTimeString")
    raw_date = text_of(date_els[0])
    fmt = date_els[0].get("format", "102")
    if fmt != "102" or not re.fullmatch(r"\d{8}", raw_date):
        raise DocumentError(source, f"bad date {raw_date!r} (format {fmt}) in IssueDateTime")
    issue = check_date(f"{raw_date[:4]}-{raw_date[4:6]}-{raw_date[6:]}", source,
                       "IssueDateTime")
    type_code = _first_text(root, "rsm:ExchangedDocument/ram:TypeCode", _CII_NS) or "380"
    trades = _x(root, "rsm:SupplyChainTradeTransaction", _CII_NS)
    if not trades:
        raise DocumentError(source, "missing field SupplyChainTradeTransaction")
    trade = trades[0]
    settle = "ram:ApplicableHeaderTradeSettlement"
    currency = check_currency(
        require(_first_text(trade, f"{settle}/ram:InvoiceCurrencyCode", _CII_NS), source,
                f"{settle[4:]}/InvoiceCurrencyCode"),
        source, "InvoiceCurrencyCode")
    seller = _cii_party(trade, "SellerTradeParty", source, notes, required=True)
    buyer = _cii_party(trade, "BuyerTradeParty", source, notes, required=False)
    prefix = "SpecifiedTradeSettlementHeaderMonetarySummation"
    sums = _x(trade, f"{settle}/ram:{prefix}", _CII_NS)
    if not sums:
        raise DocumentError(source, f"missing field {prefix}")

    def money(name: str, required: bool = True) -> int | None:
        return _money(sums[0], f"ram:{name}", _CII_NS, currency, source, f"{prefix}/{name}",
                      required)

    net, total = money("TaxBasisTotalAmount"), money("GrandTotalAmount")
    assert net is not None and total is not None
    tax = _tax_in(_x(sums[0], "ram:TaxTotalAmount", _CII_NS), currency, source,
                  f"{prefix}/TaxTotalAmount", notes)
    return make_record(
        source, "cii", number=number, type_code=type_code, seller_id=seller, buyer_id=buyer,
        currency=currency, net_amount=net, tax_amount=tax, total_amount=total,
        prepaid_amount=money("TotalPrepaidAmount", False) or 0,
        rounding_amount=money("RoundingAmount", False) or 0,
        amount_due=money("DuePayableAmount", False),
        preceding=_first_text(trade, f"{settle}/ram:InvoiceReferencedDocument/"
                              "ram:IssuerAssignedID", _CII_NS),
        issue_date=issue, digest=digest, notes=notes)
