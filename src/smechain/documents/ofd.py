"""China OFD (GB/T 33190) e-fapiao: the invoice data inside, and its signed parts' SM3 digests."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import io
import lzma
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable

from lxml import etree

from smechain.documents.record import (
    CHECK_METHODS,
    MAX_OFD_ENTRIES,
    MAX_OFD_UNCOMPRESSED,
    DocumentError,
    InvoiceRecord,
    check_amount,
    check_date,
    local_name,
    make_record,
    parse_amount,
    parse_xml,
    pick_party,
    refuse_doctype,
    require,
    text_of,
)

# ZIP general-purpose flag bits 0 (traditional encryption) and 6 (strong encryption).
_ZIP_ENCRYPTED = 0x01 | 0x40


def _entry_name(name: str) -> str:
    """A ZIP entry name or OFD path as entries are known here: ``/`` for ``\\``, relative."""
    return name.replace("\\", "/").lstrip("/")


class _SafeZip:
    """A ZIP opened with limits on entry count and total uncompressed size.

    Entries are known by their names with backslashes read as slashes (some
    producers write Windows paths). Encrypted entries, and two entries that would
    share a name, are refused with that reason.
    """

    def __init__(self, data: bytes, source: str) -> None:
        self.source = source
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
            # NotImplementedError: an entry needs a newer ZIP version than zipfile reads.
            raise DocumentError(source, f"not a valid OFD/ZIP package ({exc})") from None
        infos = self.zf.infolist()
        if len(infos) > MAX_OFD_ENTRIES:
            raise DocumentError(source, f"OFD has too many entries ({len(infos)})")
        declared = sum(i.file_size for i in infos)
        if declared > MAX_OFD_UNCOMPRESSED:
            raise DocumentError(
                source, f"OFD expands to {declared} bytes (limit {MAX_OFD_UNCOMPRESSED})"
            )
        self.names: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = _entry_name(info.filename)
            if not name or name.endswith("/"):
                continue
            if name in self.names:
                raise DocumentError(source, f"OFD has two entries named {name} ("
                                    f"{self.names[name].filename!r} and {info.filename!r})")
            if info.flag_bits & _ZIP_ENCRYPTED:
                raise DocumentError(source, f"OFD entry {name} is encrypted (ZIP encryption "
                                    "flag): an encrypted entry can be neither read nor checked")
            self.names[name] = info
        self._lower = {n.lower(): n for n in self.names}
        self._budget = MAX_OFD_UNCOMPRESSED
        self._read: dict[str, bytes] = {}
        # A DOCTYPE refuses the package wherever it sits, in the parts the importer
        # reads and in those it does not; an unreadable part is refused when it is used.
        for name in sorted(self.names):
            if name.lower().endswith(".xml"):
                try:
                    data = self.read(name)
                except DocumentError:
                    continue
                refuse_doctype(data, f"{source}!{name}")

    def find(self, path: str) -> str | None:
        path = posixpath.normpath(_entry_name(path))
        if path in self.names:
            return path
        return self._lower.get(path.lower())

    def read(self, name: str) -> bytes:
        if name in self._read:
            return self._read[name]
        info = self.names[name]
        out = bytearray()
        try:
            with self.zf.open(info) as fh:
                while True:
                    chunk = fh.read(65536)
                    if not chunk:
                        break
                    out += chunk
                    if len(out) > info.file_size or len(out) > self._budget:
                        raise DocumentError(
                            self.source, f"OFD entry {name} expands beyond its declared size"
                        )
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError,
                RuntimeError, zlib.error, lzma.LZMAError) as exc:
            # Damaged headers, a bad CRC, corrupt compressed data, an unknown method.
            raise DocumentError(self.source, f"OFD entry {name} unreadable ({exc})") from None
        self._budget -= len(out)
        self._read[name] = bytes(out)
        return self._read[name]

    def xml(self, name: str) -> etree._Element:
        return parse_xml(self.read(name), f"{self.source}!{name}")


def _find_local(root: etree._Element, *names: str) -> etree._Element | None:
    wanted = set(names)
    for el in root.iter():
        if local_name(el) in wanted:
            return el
    return None


def _fp_date(value: str, source: str, field: str) -> str:
    value = value.strip()
    m = re.fullmatch(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?", value)
    if m:
        y, mo, d = m.groups()
        return check_date(f"{y}-{int(mo):02d}-{int(d):02d}", source, field)
    if re.fullmatch(r"\d{8}", value):
        return check_date(f"{value[:4]}-{value[4:6]}-{value[6:]}", source, field)
    return check_date(value[:10], source, field)


_FAPIAO_FIELDS = {
    # record field -> candidate element local names (original_invoice.xml, custom tags, XBRL)
    "code": ("InvoiceCode", "CodeOfInvoice"),
    "number": ("InvoiceNo", "NumberOfInvoice"),
    "date": ("IssueDate", "DateOfIssue"),
    "seller_id": ("SellerTaxID", "TaxpayerIdentificationNumberUnifiedSocialCreditCodeOfSeller"),
    "seller_name": ("SellerName", "NameOfSeller"),
    "buyer_id": ("BuyerTaxID", "TaxpayerIdentificationNumberUnifiedSocialCreditCodeOfPurchaser"),
    "buyer_name": ("BuyerName", "NameOfPurchaser"),
    "net": ("TaxExclusiveTotalAmount", "TotalAmountExcludingTax"),
    "tax": ("TaxTotalAmount", "TotalTaxAmount"),
    "total": ("TaxInclusiveTotalAmount", "TaxIncludedAmountInFigures"),
}


def _fapiao_amount(raw: str, source: str, field: str, notes: list[str]) -> int | None:
    value = raw.replace("¥", "").replace("￥", "").replace(" ", "").strip()
    if value in {"***", "*", "-", "—", "免税", "不征税"}:
        return None
    return parse_amount(value, "CNY", source, field)


def _record_from_fapiao(
    values: dict[str, str], source: str, digest: bytes, notes: list[str]
) -> InvoiceRecord:
    number = values.get("number", "")
    if not number:
        raise DocumentError(source, "missing field InvoiceNo in the fapiao data")
    issue = _fp_date(require(values.get("date", ""), source, "IssueDate"), source, "IssueDate")

    def party(key: str, label: str, required: bool) -> str:
        if not values.get(f"{key}_id") and values.get(f"{key}_name"):
            notes.append(f"{label}: only a name ({values[f'{key}_name']}), which is no identifier")
        candidates = [("USCC", values.get(f"{key}_id", ""), "tax id")]
        return pick_party(candidates, label, source, notes, required)

    seller = party("seller", "Seller", required=True)
    buyer = party("buyer", "Buyer", required=False)
    amounts: dict[str, int | None] = {}
    for key, field in (("net", "TaxExclusiveTotalAmount"), ("tax", "TaxTotalAmount"),
                       ("total", "TaxInclusiveTotalAmount")):
        raw = values.get(key, "")
        amounts[key] = _fapiao_amount(raw, source, field, notes) if raw else None
    net, tax, total = amounts["net"], amounts["tax"], amounts["total"]
    if tax is None and net is not None and total is not None:
        tax = total - net
        notes.append(f"TaxTotalAmount {values.get('tax', '')!r}: taken as total - net")
    elif net is None and tax is not None and total is not None:
        net = total - tax
        notes.append("TaxExclusiveTotalAmount absent: taken as total - tax")
    elif total is None and net is not None and tax is not None:
        total = net + tax
        notes.append("TaxInclusiveTotalAmount absent: taken as net + tax")
    for key, field in (("net", "TaxExclusiveTotalAmount"), ("tax", "TaxTotalAmount"),
                       ("total", "TaxInclusiveTotalAmount/价税合计")):
        if {"net": net, "tax": tax, "total": total}[key] is None:
            raise DocumentError(source, f"missing field {field}")
    assert net is not None and tax is not None and total is not None
    # A red-letter (negative) fapiao is the Chinese credit note.
    return make_record(
        source, "ofd", code=values.get("code", ""), number=number,
        type_code="381" if total < 0 else "380", seller_id=seller, buyer_id=buyer,
        currency="CNY", net_amount=net, tax_amount=tax, total_amount=total, issue_date=issue,
        digest=digest, notes=notes)


def _values_from_tree(root: etree._Element, resolve: Callable[[etree._Element], str]
                      ) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, names in _FAPIAO_FIELDS.items():
        # Prefer the header-level fact over line-level ones: first in document order.
        el = _find_local(root, *names)
        if el is not None:
            text = resolve(el)
            if text:
                values[key] = text
    return values


def _text_objects(zf: _SafeZip, doc_dir: str) -> dict[str, list[tuple[str, str]]]:
    """ID -> (entry, text) of every TextObject with that ID on the pages and templates of
    one OFD document, in entry order (the first is the one read)."""
    found: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(zf.names):
        if not name.startswith(doc_dir + "/") or not name.lower().endswith(".xml"):
            continue
        if "/Signs/" in name or "/Tags/" in name or "/Attachs/" in name:
            continue
        try:
            root = zf.xml(name)
        except DocumentError:
            continue
        for el in root.iter():
            if local_name(el) == "TextObject" and el.get("ID"):
                codes = [text_of(c) for c in el if local_name(c) == "TextCode"]
                found.setdefault(el.get("ID", ""), []).append((name, "".join(codes)))
    return found


def _refuse_case_twins(zf: _SafeZip) -> None:
    """Refuse two entries whose names are equal ignoring case: paths are looked up
    ignoring case, so which one a reader (or a seal check) takes would be left to chance."""
    seen: dict[str, str] = {}
    for name in sorted(zf.names):
        first = seen.setdefault(name.lower(), name)
        if first != name:
            raise DocumentError(zf.source, f"OFD entries {first} and {name} differ only in "
                                "case: which one is the document's is ambiguous")


def _first_child(el: etree._Element, *path: str) -> etree._Element | None:
    found: etree._Element | None = el
    for step in path:
        if found is None:
            return None
        found = next((c for c in found if local_name(c) == step), None)
    return found


@dataclasses.dataclass(frozen=True)
class SignedReference:
    """One ``Reference`` of a ``Signature.xml``: the ``FileRef`` as written, the entry it
    names (``None``: missing from the package) and its ``CheckValue`` (empty when it is
    not base64)."""

    path: str
    entry: str | None
    expected: bytes

    def holds(self, zf: _SafeZip, algo: str) -> bool:
        """Whether the entry is there and still hashes (``algo``) to the ``CheckValue``."""
        return self.entry is not None and bool(self.expected) and hmac.compare_digest(
            hashlib.new(algo, zf.read(self.entry)).digest(), self.expected)


def signed_references(zf: _SafeZip, root: etree._Element
                      ) -> tuple[str, list[SignedReference]] | None:
    """The ``SignedInfo/References`` of one ``Signature.xml``: its ``CheckMethod``
    (lower-case; SM3's OID when absent, GB/T 33190) and its references; ``None``
    when it lists none."""
    refs = _first_child(root, "SignedInfo", "References")
    if refs is None:
        return None
    method = refs.get("CheckMethod", "1.2.156.10197.1.401").strip().lower()
    out = []
    for ref in refs:
        if local_name(ref) != "Reference":
            continue
        path = ref.get("FileRef", "")
        try:
            expected = base64.b64decode(text_of(_first_child(ref, "CheckValue")),
                                        validate=True)
        except (binascii.Error, ValueError):
            expected = b""
        out.append(SignedReference(path, zf.find(path), expected))
    return method, out


class _SealCover:
    """Which entries of an OFD its signatures cover: listed in a ``Signature.xml``'s
    ``SignedInfo/References`` with a ``CheckValue`` the entry still hashes to.

    Only the digests are checked here (as :func:`verify_ofd_integrity` does); whether
    each seal's signatures hold is :func:`smechain.documents.seal.verify_ofd_seals`'s
    business. An OFD whose ``Signatures.xml`` lists no signature is unsigned.
    """

    def __init__(self, zf: _SafeZip) -> None:
        self.zf = zf
        self.signatures: list[str] = []
        for sigs_name in _signature_lists(zf):
            self.signatures += _signature_files(zf, sigs_name)
        self.listed: dict[str, list[tuple[str | None, SignedReference, str]]] = {}
        """Entry -> (hash name or None when unsupported, its reference, Signature.xml)."""
        for sig_name in dict.fromkeys(self.signatures):
            found = signed_references(zf, zf.xml(sig_name))
            for ref in found[1] if found else []:
                if ref.entry is not None:
                    self.listed.setdefault(ref.entry, []).append(
                        (CHECK_METHODS.get(found[0] if found else ""), ref, sig_name))

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    def require(self, entries: list[str]) -> None:
        """Refuse, naming the first entry at fault, unless the OFD is unsigned or a
        signature lists each of ``entries`` with a digest it still hashes to."""
        if not self.signed:
            return
        for name in dict.fromkeys(entries):
            listed = self.listed.get(name)
            if not listed:
                raise DocumentError(self.zf.source, f"fapiao data in {name} is not covered "
                                    "by the seal (no signature's References list it): refused")
            if not any(algo and ref.holds(self.zf, algo) for algo, ref, _ in listed):
                raise DocumentError(self.zf.source, f"fapiao data in {name} changed after "
                                    "sealing (its digest differs from the CheckValue in "
                                    f"/{listed[0][2]}): refused")


def _sealed_record(record: InvoiceRecord, source: str, cover: _SealCover,
                   entries: list[str]) -> InvoiceRecord:
    """The record, once every entry its data came from is covered by the seal.

    The record's own faults (and amounts beyond the ledger's range, as
    ``import_invoice`` checks them) are reported first, as for an unsigned OFD; a
    file that would import is then refused when it is sealed and its data is not
    what was sealed.
    """
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if type(value) is int:
            check_amount(value, source, field.name)
    if not cover.signed:
        return record
    cover.require(entries)
    note = ("sealed: the fapiao data comes only from parts a signature covers with "
            "matching digests (whether the seals hold is checked apart)")
    return dataclasses.replace(record, notes=(*record.notes, note))


def parse_ofd(data: bytes, source: str, digest: bytes) -> InvoiceRecord:
    """The invoice record of an OFD e-fapiao.

    The data comes from an invoice XML attachment, or else from custom tags (inline,
    or pointing at text objects on the pages). When the OFD is signed, every entry the
    data is read from (the attachment; the custom tags list, the tag file and every
    entry holding a text object they point to) must be listed in a signature's
    References with a digest that still matches; otherwise it is refused naming the
    entry, "not covered by the seal" or "changed after sealing". Two entries whose
    names differ only in case are refused.
    """
    zf = _SafeZip(data, source)
    if zf.find("OFD.xml") is None:
        raise DocumentError(source, "ZIP package is not an OFD (no OFD.xml)")
    _refuse_case_twins(zf)
    cover = _SealCover(zf)
    notes: list[str] = []

    # 1. An invoice XML attachment (original_invoice.xml, XBRL inv taxonomy, ...).
    attachments = [
        n for n in sorted(zf.names)
        if n.lower().endswith(".xml")
        and ("/attachs/" in n.lower() or posixpath.basename(n) == "original_invoice.xml")
        and posixpath.basename(n).lower() != "attachments.xml"
    ]
    for at, name in enumerate(attachments):
        root = zf.xml(name)
        values = _values_from_tree(root, text_of)
        if values.get("number"):
            notes.append(f"fapiao data from {name}")
            record = _record_from_fapiao(values, source, digest, notes)
            # When sealed, no other attachment may carry fapiao data the seal does not
            # cover either, wherever its name sorts.
            also = [n for n in attachments[at + 1:] if cover.signed
                    and _values_from_tree(zf.xml(n), text_of).get("number")]
            return _sealed_record(record, source, cover, [name, *also])

    # 2. Custom tags: inline values or ObjectRef pointers to page text objects.
    for tags_name in sorted(n for n in zf.names if n.lower().endswith("customtags.xml")):
        doc_dir = tags_name.split("/", 1)[0]
        tags_root = zf.xml(tags_name)
        for loc in tags_root.iter():
            if local_name(loc) != "FileLoc":
                continue
            target = posixpath.join(posixpath.dirname(tags_name), text_of(loc))
            if text_of(loc).startswith("/"):
                target = text_of(loc)
            tag_file = zf.find(target)
            if tag_file is None:
                continue
            tag_root = zf.xml(tag_file)
            objects: dict[str, list[tuple[str, str]]] | None = None
            used = [tags_name, tag_file]

            def resolve(el: etree._Element, _doc: str = doc_dir,
                        _used: list[str] = used) -> str:
                nonlocal objects
                refs = [r for r in el.iter() if local_name(r) == "ObjectRef"]
                if not refs:
                    return text_of(el)
                if objects is None:
                    objects = _text_objects(zf, _doc)
                texts = []
                for ref in refs:
                    found = objects.get(text_of(ref), [])
                    # Every entry that holds the object counts: a second copy anywhere
                    # could be the one a reader shows.
                    _used.extend(entry for entry, _ in found)
                    texts.append(found[0][1] if found else "")
                return "".join(texts).strip()

            values = _values_from_tree(tag_root, resolve)
            if values.get("number"):
                notes.append(f"fapiao data from custom tags {tag_file}")
                record = _record_from_fapiao(values, source, digest, notes)
                return _sealed_record(record, source, cover, used)

    raise DocumentError(
        source,
        "OFD carries no invoice data: no e-invoice XML attachment and no custom tags "
        "with an invoice number (e.g. a seal page or a blank template)",
    )


def verify_ofd_integrity(data: bytes, source: str = "<bytes>") -> list[str]:
    """Recompute the digests an OFD's signatures record; return the mismatching paths.

    Every ``ofd:Reference`` in every signature listed in a ``Signatures.xml`` is
    checked: its ``CheckValue`` (base64) must equal the hash (SM3 for OID
    1.2.156.10197.1.401) of the referenced file. A referenced file that is
    missing counts as a mismatch. An unsigned OFD yields an empty list; use
    :func:`ofd_signature_count` to tell the two apart.
    """
    zf = _SafeZip(data, source)
    bad: list[str] = []
    sig_names: list[str] = []
    for sigs_name in _signature_lists(zf):
        try:
            sig_names += _signature_files(zf, sigs_name)
        except DocumentError:
            # The signature list is itself a signed part: when it is damaged, report it
            # and still check the signature files that sit beside it.
            bad.append("/" + sigs_name)
            prefix = posixpath.dirname(sigs_name) + "/"
            sig_names += sorted(
                n for n in zf.names
                if n.startswith(prefix) and posixpath.basename(n).lower() == "signature.xml"
            )
    for sig_name in dict.fromkeys(sig_names):
        found = signed_references(zf, zf.xml(sig_name))
        if found is None:
            continue
        algo = CHECK_METHODS.get(found[0])
        if algo is None:
            raise DocumentError(source, f"{sig_name}: unsupported CheckMethod {found[0]}")
        bad += [ref.path for ref in found[1] if not ref.holds(zf, algo)]
    return list(dict.fromkeys(bad))


def ofd_signature_count(data: bytes, source: str = "<bytes>") -> int:
    """How many signature files an OFD's Signatures.xml lists (0 when unsigned)."""
    zf = _SafeZip(data, source)
    return sum(len(_signature_files(zf, s)) for s in _signature_lists(zf))


def _signature_lists(zf: _SafeZip) -> list[str]:
    return sorted(n for n in zf.names if posixpath.basename(n).lower() == "signatures.xml")


def _signature_files(zf: _SafeZip, sigs_name: str) -> list[str]:
    root = zf.xml(sigs_name)
    out: list[str] = []
    for el in root.iter():
        if local_name(el) == "Signature" and el.get("BaseLoc"):
            loc = el.get("BaseLoc", "")
            target = loc if loc.startswith("/") else posixpath.join(
                posixpath.dirname(sigs_name), loc)
            name = zf.find(target)
            if name is None:
                raise DocumentError(zf.source, f"{sigs_name}: signature file {loc} missing")
            out.append(name)
    return out


