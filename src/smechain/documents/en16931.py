"""EN 16931 e-invoices in their two syntaxes: OASIS UBL 2.1 and UN/CEFACT CII D16B."""

from __future__ import annotations

import re

from lxml import etree

from smechain.documents.record import (
    CAC,
    CBC,
    CII_NS,
    CREDIT_NOTE_TYPE_CODES,
    RAM,
    UBL_CREDIT_NOTE_NS,
    UDT,
    DocumentError,
    InvoiceRecord,
    check_currency,
    check_date,
    parse_amount,
    require,
    text_of,
)

_UBL_NS = {"cbc": CBC, "cac": CAC}


def _x(el: etree._Element, path: str, ns: dict[str, str]) -> list[etree._Element]:
    return list(el.xpath(path, namespaces=ns))


def _first_text(el: etree._Element, path: str, ns: dict[str, str]) -> str:
    for found in _x(el, path, ns):
        text = text_of(found)
        if text:
            return text
    return ""


def _ubl_party_id(
    root: etree._Element, party: str, source: str, notes: list[str]
) -> str:
    base = f"cac:{party}/cac:Party"
    # A VAT registration first; a PartyTaxScheme of another scheme may hold free text
    # (Swedish "Godkänd för F-skatt"), so it ranks below the registration ids.
    for path, label in (
        (f"{base}/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID", "tax id"),
        (f"{base}/cac:PartyTaxScheme[not(cac:TaxScheme/cbc:ID)]/cbc:CompanyID", "tax id"),
        (f"{base}/cac:PartyLegalEntity/cbc:CompanyID", "legal registration id"),
        (f"{base}/cbc:EndpointID", "endpoint id"),
        (f"{base}/cac:PartyTaxScheme/cbc:CompanyID", "non-VAT tax registration"),
        (f"{base}/cac:PartyIdentification/cbc:ID", "party identifier"),
        (f"{base}/cac:PartyLegalEntity/cbc:RegistrationName", "registration name"),
        (f"{base}/cac:PartyName/cbc:Name", "name"),
    ):
        value = _first_text(root, path, _UBL_NS)
        if value:
            if label != "tax id":
                notes.append(f"{party}: no tax id, used {label}")
            return value
    raise DocumentError(source, f"missing field {party}/Party/PartyTaxScheme/CompanyID")


def parse_ubl(root: etree._Element, source: str, digest: bytes) -> InvoiceRecord:
    ns_uri = etree.QName(root).namespace
    is_credit = ns_uri == UBL_CREDIT_NOTE_NS
    notes: list[str] = []
    number = require(_first_text(root, "cbc:ID", _UBL_NS), source, "ID")
    issue = check_date(
        require(_first_text(root, "cbc:IssueDate", _UBL_NS), source, "IssueDate"),
        source, "IssueDate",
    )
    currency = check_currency(
        require(
            _first_text(root, "cbc:DocumentCurrencyCode", _UBL_NS), source,
            "DocumentCurrencyCode",
        ),
        source, "DocumentCurrencyCode",
    )
    type_code = _first_text(root, "cbc:InvoiceTypeCode|cbc:CreditNoteTypeCode", _UBL_NS)
    if type_code in CREDIT_NOTE_TYPE_CODES:
        is_credit = True
    seller = _ubl_party_id(root, "AccountingSupplierParty", source, notes)
    buyer = _ubl_party_id(root, "AccountingCustomerParty", source, notes)

    totals = _x(root, "cac:LegalMonetaryTotal", _UBL_NS)
    if not totals:
        raise DocumentError(source, "missing field LegalMonetaryTotal")
    total_el = totals[0]

    def money(name: str) -> int:
        text = _first_text(total_el, f"cbc:{name}", _UBL_NS)
        field = f"LegalMonetaryTotal/{name}"
        return parse_amount(require(text, source, field), currency, source, field)

    net = money("TaxExclusiveAmount")
    total = money("TaxInclusiveAmount")

    tax_amounts = _x(root, "cac:TaxTotal/cbc:TaxAmount", _UBL_NS)
    in_doc_currency = [t for t in tax_amounts if t.get("currencyID", currency) == currency]
    if in_doc_currency:
        tax = sum(
            parse_amount(text_of(t), currency, source, "TaxTotal/TaxAmount")
            for t in in_doc_currency
        )
    elif tax_amounts:
        raise DocumentError(source, f"missing field TaxTotal/TaxAmount in {currency}")
    else:
        tax = 0
        notes.append("no TaxTotal: tax taken as 0")
    return InvoiceRecord(
        syntax="ubl", code="", number=number, seller_id=seller, buyer_id=buyer,
        currency=currency, net_amount=net, tax_amount=tax, total_amount=total,
        issue_date=issue, digest=digest, kind="credit_note" if is_credit else "invoice",
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- CII

_CII_NS = {"rsm": CII_NS, "ram": RAM, "udt": UDT}


def _cii_party_id(
    trade: etree._Element, party: str, source: str, notes: list[str]
) -> str:
    regs = _x(trade, f"ram:ApplicableHeaderTradeAgreement/ram:{party}/"
                     "ram:SpecifiedTaxRegistration/ram:ID", _CII_NS)
    # Prefer the VAT id (schemeID VA) over a local tax number (FC).
    for reg in sorted(regs, key=lambda r: r.get("schemeID") != "VA"):
        if text_of(reg):
            return text_of(reg)
    base = f"ram:ApplicableHeaderTradeAgreement/ram:{party}"
    for path, label in (
        (f"{base}/ram:SpecifiedLegalOrganization/ram:ID", "legal registration id"),
        (f"{base}/ram:URIUniversalCommunication/ram:URIID", "endpoint id"),
        (f"{base}/ram:GlobalID", "global id"),
        (f"{base}/ram:ID", "party identifier"),
        (f"{base}/ram:Name", "name"),
    ):
        value = _first_text(trade, path, _CII_NS)
        if value:
            notes.append(f"{party}: no tax id, used {label}")
            return value
    raise DocumentError(source, f"missing field {party}/SpecifiedTaxRegistration/ID")


def parse_cii(root: etree._Element, source: str, digest: bytes) -> InvoiceRecord:
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
    type_code = _first_text(root, "rsm:ExchangedDocument/ram:TypeCode", _CII_NS)

    trades = _x(root, "rsm:SupplyChainTradeTransaction", _CII_NS)
    if not trades:
        raise DocumentError(source, "missing field SupplyChainTradeTransaction")
    trade = trades[0]
    settle = "ram:ApplicableHeaderTradeSettlement"
    currency = check_currency(
        require(_first_text(trade, f"{settle}/ram:InvoiceCurrencyCode", _CII_NS), source,
                 "ApplicableHeaderTradeSettlement/InvoiceCurrencyCode"),
        source, "InvoiceCurrencyCode",
    )
    seller = _cii_party_id(trade, "SellerTradeParty", source, notes)
    buyer = _cii_party_id(trade, "BuyerTradeParty", source, notes)

    sums = _x(trade, f"{settle}/ram:SpecifiedTradeSettlementHeaderMonetarySummation", _CII_NS)
    if not sums:
        raise DocumentError(source, "missing field SpecifiedTradeSettlementHeaderMonetarySummation")
    summ = sums[0]
    prefix = "SpecifiedTradeSettlementHeaderMonetarySummation"

    def money(name: str) -> int:
        field = f"{prefix}/{name}"
        text = require(_first_text(summ, f"ram:{name}", _CII_NS), source, field)
        return parse_amount(text, currency, source, field)

    net = money("TaxBasisTotalAmount")
    total = money("GrandTotalAmount")
    tax_els = _x(summ, "ram:TaxTotalAmount", _CII_NS)
    in_cur = [t for t in tax_els if t.get("currencyID", currency) == currency]
    if in_cur:
        tax = parse_amount(text_of(in_cur[0]), currency, source, f"{prefix}/TaxTotalAmount")
    elif tax_els:
        raise DocumentError(source, f"missing field {prefix}/TaxTotalAmount in {currency}")
    else:
        tax = 0
        notes.append("no TaxTotalAmount: tax taken as 0")
    return InvoiceRecord(
        syntax="cii", code="", number=number, seller_id=seller, buyer_id=buyer,
        currency=currency, net_amount=net, tax_amount=tax, total_amount=total,
        issue_date=issue, digest=digest,
        kind="credit_note" if type_code in CREDIT_NOTE_TYPE_CODES else "invoice",
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- OFD


