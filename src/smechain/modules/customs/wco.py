"""Import WCO DEC-DMS declaration files (WCO Data Model 3.6, UK CDS profile) into the
arguments of ``customs.register``, ``customs.amend`` and ``customs.cancel``.

Off the ledger: customs runs this where it receives declarations; it reads files and
uses ``xmlschema``. One file is one ``MetaData`` document wrapping one ``Declaration``.
What it is follows from the declaration's ``FunctionCode`` (UN/EDIFACT 1225, WCO ID 017)
and ``TypeCode`` (WCO ID D013):

| FunctionCode | TypeCode | what | ledger action | XSD (``SCHEMA_FILES``) |
|---|---|---|---|---|
| 9 (original) | EX?, IM?, CO? (DE 1/1, 1/2) | a declaration | register | declaration |
| 13 (request) | COR | an amendment of the declaration ``ID`` | amend | declaration |
| 13 (request) | INV | a cancellation (invalidation) of ``ID`` | cancel | cancellation |

Anything else (e.g. ``GPR``, a goods presentation notification, or ``FunctionCode`` 14,
an advance notification) is refused: it is not a declaration the ledger records.

Every file is checked in this order, and the first problem is a :class:`DocumentError`
naming the element path and the reason: size; well-formed XML with no ``DOCTYPE``
(external entities are never resolved, internal ones never expanded: a ``DOCTYPE`` is
refused outright, as the e-invoice importer does); root element; XSD validation with
``xmlschema`` (schemas built once per process, :func:`schema`); then the fields the
ledger needs. Amounts are exact decimals turned into minor units with the currency's
ISO 4217 exponent; an amount with a non-zero digit past it is refused. The record keeps
the digest of the file's bytes (SHA-256 unless the chain's suite hashes otherwise).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import xmlschema
from lxml import etree

from smechain.core.currency import minor_digits
from smechain.core.daycount import day_number
from smechain.core.errors import BadArguments
from smechain.documents.record import DocumentError
from smechain.modules.cash.contract import MAX_AMOUNT
from smechain.modules.customs.contract import (
    MAX_TEXT,
    TYPE_CODE,
    GoodsItem,
    Register,
    check_mrn,
    check_register,
    direction_of,
)

Hasher = Callable[[bytes], bytes]
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "declaration"
SCHEMA_FILES = {
    "declaration": ("DocumentMetaData_2_DMS.xsd", "WCO_DEC_2_DMS.xsd"),
    "cancellation": ("CANCEL_METADATA.xsd", "CANCEL.xsd"),
}
"""The XSDs each kind of file is validated against (``schemas/README.md``)."""
MD = "urn:wco:datamodel:WCO:DocumentMetaData-DMS:2"
DEC = "urn:wco:datamodel:WCO:DEC-DMS:2"
DS = "urn:wco:datamodel:WCO:Declaration_DS:DMS:2"
MAX_BYTES = 16 * 2**20
"""No declaration file is 16 MiB (CDS caps a declaration at 999 goods items)."""
EORI = re.compile(r"^[A-Z]{2}[0-9A-Z]{1,15}$")
EU_MRN = re.compile(r"^[0-9]{2}[A-Z]{2}[0-9A-Z]{13}[0-9]$")
"""An EU/UK movement reference number: year, country, 13 characters, check digit."""
_DECIMAL = Context(prec=60)
NO_MINOR_UNIT = frozenset({"XAU", "XAG", "XPT", "XPD", "XDR", "XBA", "XBB", "XBC", "XBD",
                           "XSU", "XUA", "XTS", "XXX"})
"""ISO 4217 codes whose minor unit is "N.A." (precious metals, units of account, testing,
no currency): no amount in them is held in minor units. Other codes take their ISO 4217
exponent (``core.currency.minor_digits``: 0, 3 or 4 where it is not 2)."""
_DOCTYPE = ("XML with a DOCTYPE is refused: no WCO declaration uses one, and its entities "
            "could change what the declaration says")
_DOCTYPE_MARKS = tuple("<!DOCTYPE".encode(codec) for codec in ("utf-8", "utf-16-le",
                                                               "utf-16-be"))
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          dtd_validation=False, huge_tree=False)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class GoodsLine:
    """One goods item as the file declares it; amounts in minor units, masses in kg."""

    sequence: int
    description: str
    commodity_code: str
    """DE 6/14 combined nomenclature code, with the DE 6/15 TARIC code when given."""
    procedure: str
    """DE 1/10: requested and previous procedure, e.g. ``1040``."""
    additional_procedures: tuple[str, ...]
    """DE 1/11, e.g. ``000``, ``1CS``."""
    net_mass: str
    gross_mass: str
    tariff_quantity: str
    """DE 6/2 supplementary units, decimal text."""
    item_price: int | None
    item_currency: str
    statistical_value: int | None
    statistical_currency: str

    def ledger_item(self) -> GoodsItem:
        """The item as the ledger keeps it (no description: commercial text stays here)."""
        return GoodsItem(self.sequence, self.commodity_code, self.procedure, self.net_mass,
                         self.item_price, self.item_currency, self.statistical_value,
                         self.statistical_currency)


@dataclass(frozen=True, slots=True)
class CustomsDeclaration:
    """One imported file: a declaration, an amendment or a cancellation."""

    source: str
    function: str
    """``original``, ``amendment`` or ``cancellation``."""
    function_code: str
    type_code: str
    schema: str
    """Which XSDs validated it: ``declaration`` or ``cancellation`` (``SCHEMA_FILES``)."""
    lrn: str
    """The declarant's reference of this message (``FunctionalReferenceID``, DE 2/5)."""
    mrn: str
    """``Declaration/ID``: the MRN of the declaration an amendment or cancellation
    concerns; of an original, ``""`` unless the file carries it."""
    direction: str
    """``export`` or ``import`` for an original; ``""`` for the others."""
    procedure_codes: tuple[str, ...]
    declarant: str
    """``EORI:<number>`` (DE 3/18); ``""`` when not given."""
    exporter: str
    importer: str
    submitter: str
    goods: tuple[GoodsLine, ...]
    goods_item_quantity: int
    """DE 1/9 as stated; 0 when not."""
    invoice_amount: int | None
    invoice_currency: str
    value: int
    currency: str
    value_basis: str
    acceptance_date: str
    issue_date: str
    change_reasons: tuple[str, ...]
    reason: str
    """The first ``AdditionalInformation/StatementDescription`` (why it is amended or
    cancelled)."""
    digest: bytes

    @property
    def described(self) -> str:
        """What the file is, in words: ``an original (EXA)``, ``a cancellation (INV)``."""
        article = "an" if self.function[0] in "ao" else "a"
        return f"{article} {self.function} ({self.type_code})"

    @property
    def action(self) -> str:
        """The ledger action this file is: ``register``, ``amend`` or ``cancel``."""
        return {"original": "register", "amendment": "amend"}.get(self.function, "cancel")

    def ledger_args(self, mrn: str = "", exporter_org: str = "",
                    importer_org: str = "") -> dict[str, Any]:
        """The arguments of :attr:`action` in ledger form (``digest`` as bytes).

        ``mrn`` is the number customs assigned to an original that does not carry one
        (it must match the file's when both are given); ``exporter_org`` /
        ``importer_org`` the ledger organisations of an original's traders. Raises
        ``BadArguments`` naming ``mrn``, ``exporter_org`` or ``importer_org``.
        """
        if mrn:
            check_mrn(mrn, "mrn")
            check_digit(mrn, "mrn")
        if mrn and self.mrn and mrn != self.mrn:
            raise BadArguments("mrn", f"{mrn!r} is not the file's Declaration/ID {self.mrn!r}")
        number = self.mrn or mrn
        if self.function != "original":
            for field, org in (("exporter_org", exporter_org), ("importer_org", importer_org)):
                if org:
                    raise BadArguments(field, f"{self.described} concerns the declaration "
                                       f"{number!r}, whose organisations are registered")
            common = {"id": number, "digest": self.digest, "lrn": self.lrn}
            if self.function == "cancellation":
                return {**common, "reason": self.reason,
                        "reason_code": self.change_reasons[0] if self.change_reasons else ""}
            return {**common, "change_reasons": list(self.change_reasons),
                    "invoice_amount": self.invoice_amount,
                    "invoice_currency": self.invoice_currency,
                    "goods_items": [_plain(g.ledger_item()) for g in self.goods],
                    "goods_item_quantity": self.goods_item_quantity}
        if not number:
            raise BadArguments("mrn", "the declaration carries no MRN (Declaration/ID): give "
                               "the number customs assigned on acceptance")
        return {"id": number, "lrn": self.lrn, "type_code": self.type_code,
                "declarant": self.declarant, "exporter": self.exporter,
                "importer": self.importer, "exporter_org": exporter_org,
                "importer_org": importer_org, "invoice_amount": self.invoice_amount,
                "invoice_currency": self.invoice_currency,
                "goods_items": [_plain(g.ledger_item()) for g in self.goods],
                "acceptance_date": self.acceptance_date, "issue_date": self.issue_date,
                "digest": self.digest}


def _plain(item: GoodsItem) -> dict[str, Any]:
    return {f: getattr(item, f) for f in item.__struct_fields__}


# --------------------------------------------------------------------------- schemas

_SCHEMAS: dict[str, xmlschema.XMLSchema] = {}
_SCHEMA_LOCK = threading.Lock()


def schema(kind: str) -> xmlschema.XMLSchema:
    """The XSD of ``kind`` (``SCHEMA_FILES``), built once per process: building the DEC
    schema takes about half a second, validating a file a few milliseconds."""
    found = _SCHEMAS.get(kind)
    if found is None:
        with _SCHEMA_LOCK:
            found = _SCHEMAS.get(kind)
            if found is None:
                found = xmlschema.XMLSchema([str(SCHEMA_DIR / f) for f in SCHEMA_FILES[kind]])
                _SCHEMAS[kind] = found
    return found


def check_digit(mrn: str, field: str) -> None:
    """``BadArguments`` naming ``field`` when an EU/UK-form MRN's last character is not its
    ISO 6346 check digit (UCC Delegated Regulation 2015/2446 Annex B, DE 2/... MRN); MRNs
    of other forms are left to their customs."""
    if not EU_MRN.match(mrn):
        return
    total = sum(_iso6346(c) << n for n, c in enumerate(mrn[:17]))
    if str(total % 11 % 10) != mrn[17]:
        raise BadArguments(field, f"{mrn!r}: the check digit is {total % 11 % 10}, not "
                           f"{mrn[17]} (ISO 6346)")


def _iso6346(c: str) -> int:
    if c.isdigit():
        return int(c)
    value = 10 + ord(c) - ord("A")
    return value + (value - 1) // 10  # 11, 22, 33 are skipped


# --------------------------------------------------------------------------- import


def import_declaration(path_or_bytes: str | Path | bytes, hasher: Hasher | None = None,
                       name: str | None = None) -> CustomsDeclaration:
    """Read, validate and extract one DEC-DMS file; :class:`DocumentError` naming the
    file, the element path and the reason when it is not an importable declaration."""
    if isinstance(path_or_bytes, bytes | bytearray | memoryview):
        data, source = bytes(path_or_bytes), name or "<bytes>"
    else:
        source = name or str(path_or_bytes)
        try:
            with open(path_or_bytes, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            raise DocumentError(source, f"cannot read file ({exc.strerror})") from None
    if len(data) > MAX_BYTES:
        raise DocumentError(source, f"larger than {MAX_BYTES} bytes")
    if not data.strip():
        raise DocumentError(source, "empty file")
    digest = (hasher or _sha256)(data)
    try:
        gate = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        if any(mark in data for mark in _DOCTYPE_MARKS):
            raise DocumentError(source, _DOCTYPE) from None
        raise DocumentError(source, f"not well-formed XML ({exc})") from None
    if gate.getroottree().docinfo.doctype:
        raise DocumentError(source, _DOCTYPE)
    root_tag = etree.QName(gate)
    if (root_tag.namespace, root_tag.localname) != (MD, "MetaData"):
        raise DocumentError(source, f"/{root_tag.localname}: not a WCO declaration (root "
                            f"element {{{root_tag.namespace or ''}}}{root_tag.localname}; "
                            f"expected {{{MD}}}MetaData)")
    # No DOCTYPE, so nothing to expand: ElementTree reads the same document (and xmlschema
    # validates its trees fastest).
    root = ET.fromstring(data)
    return _Reader(source, root).read(digest)


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _tag(path: str) -> str:
    """``GoodsShipment/Importer/ID`` as ElementTree tags (DateTimeString is ``DS``'s)."""
    return "/".join(f"{{{DS if p == 'DateTimeString' else DEC}}}{p}" for p in path.split("/"))


def _path(error_path: str | None) -> str:
    """An xmlschema path with its namespaces dropped: ``/MetaData/Declaration/...``."""
    return re.sub(r"\{[^}]*\}", "", error_path or "/")


class _Reader:
    """Reads one validated ``MetaData`` tree; errors name ``/MetaData/Declaration/...``."""

    def __init__(self, source: str, root: ET.Element) -> None:
        self.source = source
        self.root = root
        found = root.find(f"{{{DEC}}}Declaration")
        if found is None:
            raise DocumentError(source, "/MetaData/Declaration: missing")
        self.decl: ET.Element = found

    def fail(self, where: str, reason: str) -> Any:
        raise DocumentError(self.source, f"/MetaData/{where}: {reason}")

    def text(self, path: str, at: ET.Element | None = None) -> str:
        el = (self.decl if at is None else at).find(_tag(path))
        return "" if el is None or el.text is None else el.text.strip()

    def read(self, digest: bytes) -> CustomsDeclaration:
        type_code = self.text("TypeCode")
        kind = "cancellation" if type_code == "INV" else "declaration"
        error = next(schema(kind).iter_errors(self.root), None)
        if error is not None:
            raise DocumentError(self.source, f"{_path(error.path)}: {error.reason} (XSD "
                                f"{' + '.join(SCHEMA_FILES[kind])})")
        function_code = self.text("FunctionCode")
        function = self.function(function_code, type_code)
        lrn = self.text("FunctionalReferenceID")
        mrn = self.text("ID")
        goods = tuple(self.goods_line(n, el) for n, el in enumerate(
            self.decl.findall(_tag("GoodsShipment/GovernmentAgencyGoodsItem")), start=1))
        quantity = self.text("GoodsItemQuantity")
        invoice = self.decl.find(_tag("InvoiceAmount"))
        invoice_amount, invoice_currency = (
            (None, "") if invoice is None else self.amount(invoice, "Declaration/InvoiceAmount"))
        changes = tuple(c for c in (
            (e.text or "").strip() for e in self.decl.findall(_tag("Amendment/ChangeReasonCode")))
            if c)
        parties = {field: self.party(path) for field, path in (
            ("declarant", "Declarant/ID"), ("exporter", "Exporter/ID"),
            ("importer", "GoodsShipment/Importer/ID"), ("submitter", "Submitter/ID"))}
        if mrn and not re.fullmatch(r"[0-9A-Z]{1,35}", mrn):
            self.fail("Declaration/ID", f"{mrn!r} is not a declaration number (MRN)")
        if mrn:
            self.guard("Declaration/ID", lambda: check_digit(mrn, "id"))
        record = CustomsDeclaration(
            self.source, function, function_code, type_code, kind, lrn, mrn, "",
            tuple(sorted({g.procedure for g in goods if g.procedure})), parties["declarant"],
            parties["exporter"], parties["importer"], parties["submitter"], goods,
            int(quantity) if quantity else 0, invoice_amount, invoice_currency, 0, "", "none",
            self.date("AcceptanceDateTime"), self.date("IssueDateTime"), changes,
            self.text("AdditionalInformation/StatementDescription")[:MAX_TEXT], digest)
        if function == "original":
            return self.original(record)
        if not mrn:
            self.fail("Declaration/ID", f"missing: {'an' if function[0] == 'a' else 'a'} "
                      f"{function} names the MRN of the declaration it concerns")
        return record

    def function(self, function_code: str, type_code: str) -> str:
        if function_code == "9":
            return "original"
        if function_code == "13" and type_code in ("COR", "INV"):
            return "amendment" if type_code == "COR" else "cancellation"
        what = {"GPR": "a goods presentation notification"}.get(type_code, "not a declaration")
        self.fail("Declaration/TypeCode", f"FunctionCode {function_code!r} with TypeCode "
                  f"{type_code!r} is {what}; the ledger records declarations (FunctionCode 9), "
                  "amendments (13, COR) and cancellations (13, INV)")
        return ""

    def original(self, record: CustomsDeclaration) -> CustomsDeclaration:
        """An original declaration: the fields the ledger needs, checked as it checks them."""
        if not record.lrn:
            self.fail("Declaration/FunctionalReferenceID", "missing: the declarant's "
                      "reference (LRN, DE 2/5)")
        if not record.declarant:
            self.fail("Declaration/Declarant/ID", "missing: the declarant's EORI (DE 3/18)")
        if not record.goods:
            self.fail("Declaration/GoodsShipment/GovernmentAgencyGoodsItem", "missing: a "
                      "declaration has at least one goods item")
        if record.goods_item_quantity and record.goods_item_quantity != len(record.goods):
            self.fail("Declaration/GoodsItemQuantity", f"{record.goods_item_quantity}, but the "
                      f"declaration holds {len(record.goods)} goods items (DE 1/9)")
        if not TYPE_CODE.match(record.type_code):
            self.fail("Declaration/TypeCode", f"{record.type_code!r} is not a declaration "
                      "type: EX, IM or CO and A-F, J, K, X, Y or Z (DE 1/1, 1/2)")
        direction = direction_of(record.type_code, list(record.procedure_codes))
        if direction == "export" and not record.exporter:
            self.fail("Declaration/Exporter/ID", "missing: an export declaration names its "
                      "exporter's EORI (DE 3/2)")
        args = Register("", record.lrn, record.type_code, record.declarant,
                        [g.ledger_item() for g in record.goods], record.digest,
                        record.exporter, record.importer, "", "", record.invoice_amount,
                        record.invoice_currency, record.acceptance_date, record.issue_date)
        value, currency, basis = self.guard("Declaration", lambda: check_register(args))
        return dataclasses.replace(record, direction=direction, value=value, currency=currency,
                        value_basis=str(basis))

    def guard(self, where: str, check: Callable[[], Any]) -> Any:
        """``check()``, with the ledger's refusal turned into a DocumentError at ``where``."""
        try:
            return check()
        except BadArguments as exc:
            self.fail(where, exc.reason if where != "Declaration" else exc.message)

    def party(self, path: str) -> str:
        value = self.text(path)
        if not value:
            return ""
        if not EORI.match(value):
            self.fail(f"Declaration/{path}", f"{value!r} is not an EORI number (country code "
                      "and up to 15 letters and digits)")
        return f"EORI:{value}"

    def goods_line(self, n: int, item: ET.Element) -> GoodsLine:
        where = f"Declaration/GoodsShipment/GovernmentAgencyGoodsItem[{n}]"
        sequence = self.text("SequenceNumeric", item)
        if not sequence:
            self.fail(f"{where}/SequenceNumeric", "missing: the goods item number (DE 1/6)")
        codes = {(c.findtext(_tag("IdentificationTypeCode")) or "").strip():
                 (c.findtext(_tag("ID")) or "").strip()
                 for c in item.findall(_tag("Commodity/Classification"))}
        commodity = codes.get("TSP", "")
        if commodity and codes.get("TRC"):
            commodity += codes["TRC"]
        if commodity and not re.fullmatch(r"[0-9]{4,10}", commodity):
            self.fail(f"{where}/Commodity/Classification/ID", f"{commodity!r} is not a "
                      "commodity code of 4 to 10 digits (DE 6/14, 6/15)")
        procedure, additional = "", []
        for k, proc in enumerate(item.findall(_tag("GovernmentProcedure")), start=1):
            current = self.text("CurrentCode", proc)
            if len(current) == 3:
                additional.append(current)
                continue
            previous = self.text("PreviousCode", proc)
            if not re.fullmatch(r"[0-9]{2}", current) or not re.fullmatch(r"[0-9]{2}",
                                                                           previous):
                self.fail(f"{where}/GovernmentProcedure[{k}]", f"{current!r}/{previous!r} is "
                          "not a requested and a previous procedure of two digits each "
                          "(DE 1/10)")
            procedure = current + previous
        price = item.find(_tag("Commodity/InvoiceLine/ItemChargeAmount"))
        stat = item.find(_tag("StatisticalValueAmount"))
        item_price, item_currency = (None, "") if price is None else self.amount(
            price, f"{where}/Commodity/InvoiceLine/ItemChargeAmount")
        stat_value, stat_currency = (None, "") if stat is None else self.amount(
            stat, f"{where}/StatisticalValueAmount")
        measures = f"{where}/Commodity/GoodsMeasure"
        return GoodsLine(
            int(sequence), self.text("Commodity/Description", item), commodity, procedure,
            tuple(additional),
            self.mass(item, "NetNetWeightMeasure", measures),
            self.mass(item, "GrossMassMeasure", measures),
            self.mass(item, "TariffQuantity", measures),
            item_price, item_currency, stat_value, stat_currency)

    def mass(self, item: ET.Element, name: str, where: str) -> str:
        text = self.text(f"Commodity/GoodsMeasure/{name}", item)
        if not text:
            return ""
        value = Decimal(text)
        if value < 0:
            self.fail(f"{where}/{name}", f"{text} is negative")
        shown = format(value.normalize(_DECIMAL), "f")
        if not re.fullmatch(r"[0-9]{1,16}(\.[0-9]{1,6})?", shown):
            self.fail(f"{where}/{name}", f"{text} has more than 16 digits or 6 decimals")
        return shown

    def amount(self, el: ET.Element, where: str) -> tuple[int, str]:
        """``(minor units, currency)`` of an amount element; exact or refused."""
        text = (el.text or "").strip()
        currency = (el.get("currencyID") or "").strip()
        if not currency:
            self.fail(f"{where}/@currencyID", "missing: an amount needs its currency")
        if currency in NO_MINOR_UNIT:
            self.fail(f"{where}/@currencyID", f"{currency} has no minor unit (ISO 4217): not "
                      "a currency the ledger holds amounts in")
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.fail(where, f"{text!r} is not an amount")
        if value < 0:
            self.fail(where, f"{text} {currency} is negative")
        digits = minor_digits(currency)
        minor = value.scaleb(digits, _DECIMAL)
        if minor != minor.to_integral_value():
            self.fail(where, f"{text} {currency} has more decimals than {currency}'s {digits} "
                      "(ISO 4217 minor unit)")
        if minor > MAX_AMOUNT:
            self.fail(where, f"{text} {currency} is beyond the ledger's range ({MAX_AMOUNT} "
                      "minor units)")
        return int(minor), currency

    def date(self, name: str) -> str:
        el = self.decl.find(_tag(f"{name}/DateTimeString"))
        if el is None:
            return ""
        text, code = (el.text or "").strip(), el.get("formatCode", "")
        where = f"Declaration/{name}/DateTimeString"
        if code not in ("102", "304") or not re.match(r"[0-9]{8}", text):
            self.fail(where, f"{text!r} (formatCode {code!r}) is not a date of format 102 "
                      "(CCYYMMDD) or 304 (CCYYMMDDHHMMSS and zone)")
        iso = f"{text[:4]}-{text[4:6]}-{text[6:8]}"
        self.guard(where, lambda: day_number(iso, "date"))
        return iso


