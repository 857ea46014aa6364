"""OFD signature digests (SM3 CheckValue per signed part) and ZIP safety."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from lxml import etree

from shared_data import DATA
from smechain.core.crypto import get_suite
from smechain.documents import DocumentError, import_invoice, verify_ofd_integrity
from smechain.documents.ofd import ofd_signature_count
from smechain.documents.record import MAX_OFD_UNCOMPRESSED

OFD_DIR = DATA / "einvoice" / "china-ofd"
HASH = get_suite("sm2").hash

# NAMES.txt: seven samples are signed.
SIGNED = ["invoice-sample-1.ofd", "invoice-sample-5.ofd", "invoice-sample-6.ofd",
          "invoice-sample-7.ofd", "invoice-sample-8.ofd", "invoice-sample-10.ofd",
          "invoice-sample-11.ofd"]
UNSIGNED = ["invoice-sample-2.ofd", "invoice-sample-3.ofd", "invoice-sample-4.ofd",
            "invoice-sample-9.ofd"]
# Mismatches already present in the published samples: sample-1 (ofdrw converter test
# file) carries a Document.xml that differs from the one its signature covers.
PRE_EXISTING = {"invoice-sample-1.ofd": ["/Doc_0/Document.xml"]}


@pytest.fixture(autouse=True)
def _need_data() -> None:
    if not OFD_DIR.is_dir():
        pytest.skip(f"sample data missing: {OFD_DIR}")


def _rezip(data: bytes, edit: dict[str, bytes] | None = None) -> bytes:
    """Rewrite an OFD, replacing some entries' contents (valid CRCs)."""
    edit = edit or {}
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, edit.get(info.filename, src.read(info)))
    return out.getvalue()


def _references(data: bytes) -> list[str]:
    zf = zipfile.ZipFile(io.BytesIO(data))
    refs: list[str] = []
    for name in zf.namelist():
        if name.endswith("Signature.xml") and "/Signs/" in name:
            root = etree.fromstring(zf.read(name))
            refs += [el.get("FileRef") for el in root.iter("{*}Reference")]
    return refs


def test_signed_samples_match_names_txt() -> None:
    for name in SIGNED:
        assert ofd_signature_count((OFD_DIR / name).read_bytes()) >= 1, name
    for name in UNSIGNED:
        assert ofd_signature_count((OFD_DIR / name).read_bytes()) == 0, name
    assert len(SIGNED) == 7


@pytest.mark.parametrize("name", SIGNED)
def test_signed_sample_digests(name: str) -> None:
    data = (OFD_DIR / name).read_bytes()
    assert verify_ofd_integrity(data) == PRE_EXISTING.get(name, [])
    # Re-zipping without changes keeps the verdict.
    assert verify_ofd_integrity(_rezip(data)) == PRE_EXISTING.get(name, [])


@pytest.mark.parametrize("name", SIGNED)
def test_flipped_byte_in_signed_part_is_detected(name: str) -> None:
    data = (OFD_DIR / name).read_bytes()
    zf = zipfile.ZipFile(io.BytesIO(data))
    refs = _references(data)
    assert refs
    for ref in refs:
        entry = ref.lstrip("/")
        if ref in PRE_EXISTING.get(name, []) or entry not in zf.namelist():
            continue
        content = bytearray(zf.read(entry))
        content[len(content) // 2] ^= 0x01
        tampered = _rezip(data, {entry: bytes(content)})
        bad = verify_ofd_integrity(tampered)
        assert ref in bad, (name, ref)
        assert set(bad) == {ref, *PRE_EXISTING.get(name, [])}


@pytest.mark.parametrize("name", SIGNED)
def test_removed_signed_part_is_reported(name: str) -> None:
    data = (OFD_DIR / name).read_bytes()
    target = next(r for r in _references(data) if not r.endswith("Signatures.xml"))
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != target.lstrip("/"):
                dst.writestr(info, src.read(info))
    assert target in verify_ofd_integrity(out.getvalue())
    # An OFD missing its root OFD.xml is no longer an OFD at all.
    if target == "/OFD.xml":
        with pytest.raises(DocumentError, match=r"no OFD\.xml"):
            import_invoice(out.getvalue(), HASH)


def test_check_value_is_sm3() -> None:
    data = (OFD_DIR / "invoice-sample-5.ofd").read_bytes()
    zf = zipfile.ZipFile(io.BytesIO(data))
    sig = etree.fromstring(zf.read("Doc_0/Signs/Sign_0/Signature.xml"))
    refs = sig.find(".//{*}References")
    assert refs.get("CheckMethod") == "1.2.156.10197.1.401"
    import base64

    ref = refs[0]
    expected = base64.b64decode(ref.find("{*}CheckValue").text)
    assert hashlib.new("sm3", zf.read(ref.get("FileRef").lstrip("/"))).digest() == expected


@pytest.mark.parametrize("name", UNSIGNED)
def test_unsigned_sample_has_nothing_to_check(name: str) -> None:
    assert verify_ofd_integrity((OFD_DIR / name).read_bytes()) == []


def test_zip_bomb_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("OFD.xml", b"<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
        zf.writestr("Doc_0/Attachs/original_invoice.xml", b" " * (MAX_OFD_UNCOMPRESSED + 1))
    data = out.getvalue()
    assert len(data) < 1_000_000
    with pytest.raises(DocumentError, match="limit"):
        import_invoice(data, HASH, name="bomb.ofd")
    with pytest.raises(DocumentError, match="limit"):
        verify_ofd_integrity(data)


def test_zip_without_ofd_xml_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("hello.txt", b"hi")
    with pytest.raises(DocumentError, match="not an OFD"):
        import_invoice(out.getvalue(), HASH, name="x.zip")


def test_ofd_edit_breaks_record_digest() -> None:
    data = (OFD_DIR / "invoice-sample-5.ofd").read_bytes()
    rec = import_invoice(data, HASH)
    from smechain.documents import verify_file

    assert verify_file(data, rec.digest, HASH)
    edited = _rezip(data)
    assert not verify_file(edited, rec.digest, HASH)
