"""The normalised invoice record, its errors, and the parsing helpers every syntax shares."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import Literal

from lxml import etree

from smechain.core.currency import minor_digits
from smechain.core.errors import BadArguments
from smechain.modules.cash.contract import MAX_AMOUNT
from smechain.modules.invoice.contract import Anchor, canonical_number, check_anchor, kind_of
from smechain.modules.invoice.identifiers import normalise

Hasher = Callable[[bytes], bytes]
Syntax = Literal["ubl", "cii", "ofd"]

UBL_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
OFD_NS = "http://www.ofdspec.org/2016"

MAX_OFD_UNCOMPRESSED = 50 * 1024 * 1024
MAX_OFD_ENTRIES = 10_000
MAX_XML_BYTES = 50 * 1024 * 1024

_AMOUNT_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_CURRENCY_RE = re.compile(r"[A-Z]{3}")

# Hash algorithms an OFD signature may name in References/@CheckMethod.
CHECK_METHODS = {
    "1.2.156.10197.1.401": "sm3",
    "sm3": "sm3",
    "1.3.14.3.2.26": "sha1",
    "sha1": "sha1",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "sha256": "sha256",
    "1.2.840.113549.2.5": "md5",
    "md5": "md5",
}


class DocumentError(ValueError):
    """A file is not an importable invoice; the message names the file and the reason."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


@dataclass(frozen=True)
class InvoiceRecord:
    """One e-invoice document as the ledger anchors it; amounts in signed minor units.

    ``seller_id``/``buyer_id`` are canonical ``SCHEME:value`` identifiers
    (:mod:`smechain.modules.invoice.identifiers`); ``buyer_id`` is empty when the
    document names no identifier for the buyer. ``kind`` follows from
    ``type_code`` (UNTDID 1001, EN 16931 BT-3); ``amount_due`` is BT-115,
    ``preceding`` BT-25.
    """

    syntax: Syntax
    code: str
    number: str
    type_code: str
    kind: str
    seller_id: str
    buyer_id: str
    currency: str
    net_amount: int
    tax_amount: int
    total_amount: int
    prepaid_amount: int
    rounding_amount: int
    amount_due: int
    preceding: str
    issue_date: str
    digest: bytes
    notes: tuple[str, ...] = ()

    def anchor_args(self) -> dict[str, object]:
        """The arguments of ``invoice.anchor`` for this document."""
        return {"code": self.code, "number": self.number, "type_code": self.type_code,
                "seller": self.seller_id, "buyer": self.buyer_id, "currency": self.currency,
                "net_amount": self.net_amount, "tax_amount": self.tax_amount,
                "total_amount": self.total_amount, "prepaid_amount": self.prepaid_amount,
                "rounding_amount": self.rounding_amount, "amount_due": self.amount_due,
                "preceding": self.preceding, "issue_date": self.issue_date,
                "digest": self.digest}


def make_record(source: str, syntax: Syntax, *, code: str = "", number: str, type_code: str,
                seller_id: str, buyer_id: str, currency: str, net_amount: int,
                tax_amount: int, total_amount: int, prepaid_amount: int = 0,
                rounding_amount: int = 0, amount_due: int | None = None, preceding: str = "",
                issue_date: str, digest: bytes, notes: list[str]) -> InvoiceRecord:
    """Build a record and check it with the ledger's own rules (``invoice.check_anchor``).

    Raises :class:`DocumentError` with the ledger's reason, so a file that
    imports is never refused by the ledger for its contents.
    """
    if abs(rounding_amount) >= 10 ** minor_digits(currency):
        raise DocumentError(source, f"rounding amount {rounding_amount} minor units is not "
                                    f"less than one {currency} (EN 16931 BT-114)")
    number, preceding = canonical_number(number), canonical_number(preceding)
    due = total_amount - prepaid_amount + rounding_amount if amount_due is None else amount_due
    args = Anchor(number=number, seller=seller_id, buyer=buyer_id, currency=currency,
                  net_amount=net_amount, tax_amount=tax_amount, total_amount=total_amount,
                  issue_date=issue_date, digest=digest, code=code, type_code=type_code,
                  prepaid_amount=prepaid_amount, rounding_amount=rounding_amount,
                  amount_due=due, preceding=preceding)
    try:
        check_anchor(args)
    except BadArguments as exc:
        raise DocumentError(source, exc.message) from None
    return InvoiceRecord(syntax, code, number, type_code, kind_of(type_code), seller_id,
                         buyer_id, currency, net_amount, tax_amount, total_amount,
                         prepaid_amount, rounding_amount, due, preceding, issue_date, digest,
                         tuple(notes))


def pick_party(candidates: list[tuple[str, str, str]], party: str, source: str,
               notes: list[str], required: bool) -> str:
    """The first candidate ``(scheme, value, label)`` the ledger accepts, as ``SCHEME:value``.

    Candidates come in the document's order of authority: legal or tax
    identity first, electronic address last; names are never offered. Each
    one skipped is noted with the reason. With none left, a seller is a
    :class:`DocumentError`; a buyer is ``""`` (it anchors, but cannot back a
    certificate).
    """
    skipped: list[str] = []
    for scheme, value, label in candidates:
        if not value.strip():
            continue
        try:
            identifier = normalise(scheme, value)
        except BadArguments as exc:
            skipped.append(f"{label} skipped: {exc.reason}")
            notes.append(f"{party}: {skipped[-1]}")
            continue
        if label not in ("VAT id", "tax id"):
            notes.append(f"{party}: no tax id, used {label} {identifier}")
        return identifier
    if required:
        raise DocumentError(source, f"{party}: no identifier the ledger accepts (VAT id, tax "
                                    "number, legal registration id, scheme-qualified party id "
                                    "or electronic address); a name is not an identifier"
                                    + "".join(f"; {r}" for r in skipped))
    notes.append(f"{party}: no identifier; the invoice anchors but cannot back a certificate")
    return ""


# --------------------------------------------------------------------------- helpers


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


_DOCTYPE_REFUSED = (
    "XML with a DOCTYPE is refused: no e-invoice syntax uses one, and its entities "
    "could change what the document says"
)
_DOCTYPE_MARKS = tuple("<!DOCTYPE".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))


def refuse_doctype(data: bytes, source: str) -> None:
    """Refuse XML bytes that hold a DOCTYPE declaration, without parsing them (for the
    parts of a package an importer does not otherwise read)."""
    if any(mark in data for mark in _DOCTYPE_MARKS):
        raise DocumentError(source, _DOCTYPE_REFUSED)


def parse_xml(data: bytes, source: str) -> etree._Element:
    """Parse one XML document; refuse anything with a DOCTYPE, and name ``source`` in errors."""
    if len(data) > MAX_XML_BYTES:
        raise DocumentError(source, f"XML larger than {MAX_XML_BYTES} bytes")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        # An undeclared entity or a broken internal subset makes the parse fail; the
        # DOCTYPE is still the reason to give.
        refuse_doctype(data, source)
        raise DocumentError(source, f"not XML ({exc})") from None
    if root is None:
        raise DocumentError(source, "not XML (no root element)")
    if root.getroottree().docinfo.doctype:
        raise DocumentError(source, _DOCTYPE_REFUSED)
    return root


def local_name(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return etree.QName(tag).localname


def text_of(el: etree._Element | None) -> str:
    if el is None:
        return ""
    return "".join(el.itertext()).strip()


# Room for every amount the ledger holds (19 whole digits) and four minor digits, so
# rounding never depends on the thread's decimal context (28 digits by default).
_DECIMAL = Context(prec=40, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation])
_MAX_WHOLE_DIGITS = len(str(MAX_AMOUNT))


def _shown(raw: str) -> str:
    """A value as an error message quotes it: whole when short, its start when long."""
    if len(raw) <= 48:
        return repr(raw)
    return f"{raw[:40]!r}... ({len(raw)} characters)"


def check_amount(value: int, source: str, field: str, shown: str = "") -> int:
    """``value`` when the ledger can hold it (a signed 64-bit word either way), else
    a :class:`DocumentError` naming ``field`` and the value."""
    if -MAX_AMOUNT <= value <= MAX_AMOUNT:
        return value
    raise DocumentError(
        source, f"amount {shown or value} in {field} is beyond the ledger's range "
        f"(at most {MAX_AMOUNT} minor units either way)",
    )


def parse_amount(text: str, currency: str, source: str, field: str) -> int:
    """Exact decimal string -> integer minor units (half-even rounding), within the
    ledger's range; anything else is a :class:`DocumentError` naming ``field``."""
    raw = text.strip()
    if not _AMOUNT_RE.fullmatch(raw):
        raise DocumentError(source, f"bad amount {_shown(raw)} in {field}")
    try:
        value = Decimal(raw)
        if value.adjusted() >= _MAX_WHOLE_DIGITS:
            return check_amount(MAX_AMOUNT + 1, source, field, _shown(raw))
        digits = minor_digits(currency)
        scaled = value.quantize(Decimal(1).scaleb(-digits), context=_DECIMAL)
        minor = int(scaled.scaleb(digits, context=_DECIMAL))
    except InvalidOperation:  # pragma: no cover - the regex and the digit count guard
        raise DocumentError(source, f"bad amount {_shown(raw)} in {field}") from None
    return check_amount(minor, source, field, _shown(raw))


def check_date(value: str, source: str, field: str) -> str:
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise DocumentError(source, f"bad date {value!r} in {field}") from None


def check_currency(value: str, source: str, field: str) -> str:
    value = value.strip()
    if not _CURRENCY_RE.fullmatch(value):
        raise DocumentError(source, f"bad currency code {value!r} in {field}")
    return value


def require(value: str, source: str, field: str) -> str:
    if not value:
        raise DocumentError(source, f"missing field {field}")
    return value


# --------------------------------------------------------------------------- UBL

