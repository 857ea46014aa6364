"""Fuzzing the importers with mutated real samples: only ``DocumentError``s come out.

Real UBL, CII and OFD samples (``shared/data/einvoice``) and the product's wrong-answer
cases (``shared/data/cases/einvoice``) are mutated the ways bad input arrives: bytes
flipped, files cut short, element text replaced by huge or odd numbers, a DOCTYPE
added, and OFD ZIP entries flagged encrypted, named with backslashes, given wrong sizes,
CRCs or compression methods. ``import_invoice``, ``verify_ofd_integrity`` and
``ofd_signature_count`` must then succeed or raise a ``DocumentError``; anything else is a
traceback a user would see. A record that does come out holds only amounts the ledger
can encode.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ofd_zip import entries, rezip, set_flags, set_method, set_sizes, with_backslashes

from shared_data import DATA
from smechain.core.crypto import get_suite
from smechain.documents import DocumentError, InvoiceRecord, import_invoice, verify_ofd_integrity
from smechain.documents.ofd import ofd_signature_count
from smechain.modules.cash.contract import MAX_AMOUNT

SHARED = DATA
HASH = get_suite("sm2").hash


def _load(folder: Path, suffixes: tuple[str, ...]) -> list[tuple[str, bytes]]:
    if not folder.is_dir():
        return []
    return [(p.name, p.read_bytes()) for p in sorted(folder.iterdir())
            if p.suffix.lower() in suffixes or p.name.lower().endswith(suffixes)]


XML_SAMPLES = [
    *_load(SHARED / "einvoice/en16931/ubl", (".xml",)),
    *_load(SHARED / "einvoice/en16931/cii", (".xml",)),
    *_load(SHARED / "einvoice/en16931/testfiles", (".xml",)),
    *_load(SHARED / "cases/einvoice", (".xml",)),
]
# Large samples slow every example down without adding a kind of input.
XML_SAMPLES = [(n, d) for n, d in XML_SAMPLES if len(d) <= 200_000]
OFD_SAMPLES = [*_load(SHARED / "einvoice/china-ofd", (".ofd",)),
               *_load(SHARED / "cases/einvoice", (".ofd",))]

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])

# --------------------------------------------------------------------------- mutations

ODD_NUMBERS = st.one_of(
    st.sampled_from([
        "100000000000000000000000000000.00", "1" + "0" * 27, "-" + "9" * 40,
        "18446744073709551616", "-9223372036854775809", "92233720368547758.08",
        "-92233720368547758.08", "92233720368547758.07", "9" * 5000, "1E+30", "1e-400",
        "-1.5e400", "NaN", "sNaN", "Infinity", "-inf", "0x10", "1_000", "12,50", "--1",
        "+.5", ".", "", " ", "１２３", "١٢٣", "***", "¥1.00", "0." + "0" * 3000 + "1",
    ]),
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.builds(lambda sign, n, frac: sign + "9" * n + frac, st.sampled_from(["", "-", "+"]),
              st.integers(17, 40), st.sampled_from(["", ".5", ".005", ".99999"])),
    st.text(max_size=12),
)
DOCTYPES = st.sampled_from([
    b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>',
    b"<!DOCTYPE x>",
    b'<!DOCTYPE x [<!ENTITY a "b">]>',
    b'<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd">',
])
_TEXT = re.compile(rb">([^<>]{0,80})</")


def _xml_edit(draw: st.DrawFn, data: bytes) -> bytes:
    """Replace element texts with odd numbers, or add a DOCTYPE."""
    texts = list(_TEXT.finditer(data))
    if texts and draw(st.integers(0, 4)):
        for _ in range(draw(st.integers(1, 3))):
            m = draw(st.sampled_from(texts))
            value = draw(ODD_NUMBERS).encode("utf-8", "surrogatepass")
            data = data[:m.start(1)] + value + data[m.end(1):]
            texts = list(_TEXT.finditer(data))
            if not texts:
                break
        return data
    doctype = draw(DOCTYPES)
    if data.startswith(b"<?xml") and b"?>" in data:
        end = data.index(b"?>") + 2
        return data[:end] + doctype + data[end:]
    return doctype + data


def _bytes_edit(draw: st.DrawFn, data: bytes) -> bytes:
    """Flip some bytes (anywhere, or in the last 2 kB, where a ZIP keeps its central
    directory), or cut the file short."""
    if not data:
        return data
    mode = draw(st.sampled_from(["cut", "anywhere", "tail"]))
    if mode == "cut":
        return data[:draw(st.integers(0, len(data) - 1))]
    buf = bytearray(data)
    low = max(0, len(buf) - 2048) if mode == "tail" else 0
    for _ in range(draw(st.integers(1, 8))):
        buf[draw(st.integers(low, len(buf) - 1))] ^= draw(st.integers(1, 255))
    return bytes(buf)


@st.composite
def mutated_xml(draw: st.DrawFn) -> tuple[str, bytes]:
    name, data = draw(st.sampled_from(XML_SAMPLES))
    data = _xml_edit(draw, data) if draw(st.integers(0, 3)) else data
    if draw(st.integers(0, 3)) == 0:
        data = _bytes_edit(draw, data)
    return name, data


@st.composite
def mutated_ofd(draw: st.DrawFn) -> tuple[str, bytes]:
    name, data = draw(st.sampled_from(OFD_SAMPLES))
    names = [e.name for e in entries(data) if not e.name.endswith(b"/")]
    readable = not any(flags & 1 for flags in _flags(data))
    # 1. what an entry holds (the package rewritten with valid sizes and CRCs)
    if readable and draw(st.booleans()):
        xml = [n for n in names if n.lower().endswith(b".xml")]
        target = draw(st.sampled_from(xml)).decode()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            content = zf.read(target)
        data = rezip(data, {target: _xml_edit(draw, content)})
        names = [e.name for e in entries(data)]
    # 2. the ZIP headers
    for _ in range(draw(st.integers(0, 3))):
        entry = draw(st.sampled_from(names))
        op = draw(st.sampled_from(["encrypt", "backslash", "size", "method"]))
        if op == "encrypt":
            data = set_flags(data, entry, draw(st.sampled_from([0x01, 0x40, 0x08, 0x20, 0x800])),
                             central=draw(st.booleans()), local=draw(st.booleans()))
        elif op == "backslash":
            data = with_backslashes(data, only=entry if draw(st.booleans()) else None)
            names = [e.name for e in entries(data)]
        elif op == "size":
            data = set_sizes(data, entry, draw(st.sampled_from([-1, 1, -100, 10**6, 2**31])),
                             field=draw(st.sampled_from(["file_size", "compress_size", "crc"])),
                             central=draw(st.booleans()), local=draw(st.booleans()))
        else:
            data = set_method(data, entry, draw(st.sampled_from([0, 8, 12, 14, 99, 1])))
    # 3. the bytes themselves
    if draw(st.integers(0, 3)) == 0:
        data = _bytes_edit(draw, data)
    return name, data


def _flags(data: bytes) -> list[int]:
    return [info.flag_bits for info in zipfile.ZipFile(io.BytesIO(data)).infolist()]


# --------------------------------------------------------------------------- checks


def _import_or_refuse(name: str, data: bytes) -> None:
    try:
        record = import_invoice(data, HASH, name=name)
    except DocumentError as exc:
        assert exc.source == name or exc.source.startswith(name + "!")  # ! names the entry
        return
    assert isinstance(record, InvoiceRecord)
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if isinstance(value, int) and not isinstance(value, bool):
            assert -MAX_AMOUNT <= value <= MAX_AMOUNT, (field.name, value)


def _verify_or_refuse(name: str, data: bytes) -> None:
    try:
        assert all(isinstance(p, str) for p in verify_ofd_integrity(data, name))
    except DocumentError as exc:
        assert exc.source == name or exc.source.startswith(name + "!")
    try:
        assert ofd_signature_count(data, name) >= 0
    except DocumentError as exc:
        assert exc.source == name or exc.source.startswith(name + "!")


@pytest.mark.skipif(not XML_SAMPLES, reason="no UBL/CII sample data in shared/data")
@FUZZ
@given(mutated_xml())
def test_xml_importers_raise_only_document_errors(sample: tuple[str, bytes]) -> None:
    _import_or_refuse(*sample)


@pytest.mark.skipif(not OFD_SAMPLES, reason="no OFD sample data in shared/data")
@FUZZ
@given(mutated_ofd())
def test_ofd_importer_and_integrity_check_raise_only_document_errors(
        sample: tuple[str, bytes]) -> None:
    name, data = sample
    _import_or_refuse(name, data)
    _verify_or_refuse(name, data)


@st.composite
def damaged_ofd(draw: st.DrawFn) -> tuple[str, bytes]:
    """Blind damage anywhere in a package: headers, central directory, compressed data."""
    name, data = draw(st.sampled_from(OFD_SAMPLES))
    return name, _bytes_edit(draw, data)


@pytest.mark.skipif(not OFD_SAMPLES, reason="no OFD sample data in shared/data")
@FUZZ
@given(damaged_ofd())
def test_ofd_byte_damage_raises_only_document_errors(sample: tuple[str, bytes]) -> None:
    name, data = sample
    _import_or_refuse(name, data)
    _verify_or_refuse(name, data)
