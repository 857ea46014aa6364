"""Import e-invoices into a normalised :class:`InvoiceRecord`.

Supported syntaxes:

* ``ubl``: OASIS UBL 2.1 Invoice / CreditNote as profiled by EN 16931.
* ``cii``: UN/CEFACT Cross Industry Invoice D16B as profiled by EN 16931.
* ``ofd``: a Chinese OFD (GB/T 33190) e-fapiao: a ZIP package that carries the
  invoice data as an XML attachment (``original_invoice.xml``, the MOF XBRL
  ``inv`` taxonomy) or as custom tags pointing at text objects on the page.

Amounts are parsed exactly with :class:`decimal.Decimal` and stored as integers
in minor units; floats are never used. The record keeps a digest of the
original file bytes, computed with a caller-supplied hash function.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from smechain.documents.en16931 import (
    parse_cii,
    parse_ubl,
)
from smechain.documents.ofd import (
    parse_ofd,
)
from smechain.documents.record import (
    CII_NS,
    UBL_CREDIT_NOTE_NS,
    UBL_INVOICE_NS,
    DocumentError,
    Hasher,
    InvoiceRecord,
    local_name,
    parse_xml,
)

# --------------------------------------------------------------------------- API


def _load(path_or_bytes: str | Path | bytes, name: str | None) -> tuple[bytes, str]:
    if isinstance(path_or_bytes, bytes | bytearray | memoryview):
        return bytes(path_or_bytes), name or "<bytes>"
    path = Path(path_or_bytes)
    source = name or str(path)
    try:
        return path.read_bytes(), source
    except OSError as exc:
        raise DocumentError(source, f"cannot read file ({exc.strerror})") from None


def import_invoice(
    path_or_bytes: str | Path | bytes, hasher: Hasher, name: str | None = None
) -> InvoiceRecord:
    """Detect the syntax of an e-invoice, parse it and return its record.

    Raises :class:`DocumentError` naming the file and what is wrong.
    """
    data, source = _load(path_or_bytes, name)
    if not data.strip():
        raise DocumentError(source, "empty file")
    return _parse(data, source, hasher(data))


def _parse(data: bytes, source: str, digest: bytes) -> InvoiceRecord:
    if data[:4] == b"PK\x03\x04":
        return parse_ofd(data, source, digest)
    root = parse_xml(data, source)
    ns = etree.QName(root).namespace
    local = local_name(root)
    if ns in (UBL_INVOICE_NS, UBL_CREDIT_NOTE_NS) and local in ("Invoice", "CreditNote"):
        return parse_ubl(root, source, digest)
    if ns == CII_NS and local == "CrossIndustryInvoice":
        return parse_cii(root, source, digest)
    shown = f"{{{ns}}}{local}" if ns else local
    raise DocumentError(source, f"not an invoice: root element {shown}")


def verify_file(data: bytes, digest: bytes, hasher: Hasher) -> bool:
    """Whether ``data`` hashes to ``digest`` (constant-time comparison)."""
    return hmac.compare_digest(hasher(bytes(data)), digest)


def import_many(
    paths: Iterable[str | Path], hasher: Hasher
) -> list[InvoiceRecord | DocumentError]:
    """Import several files; failures are returned in place rather than raised."""
    out: list[InvoiceRecord | DocumentError] = []
    for p in paths:
        try:
            out.append(import_invoice(p, hasher))
        except DocumentError as exc:
            out.append(exc)
    return out

