"""OFD electronic seals: SES signatures (GB/T 38540 v4, GM/T 0031 v1) verified, not only digests."""

from __future__ import annotations

import base64
import datetime
import hashlib
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyasn1.codec.der import decoder, encoder
from pyasn1.type import char, univ, useful

from shared_data import DATA
from smechain.core.crypto import get_suite
from smechain.documents import import_invoice
from smechain.documents.record import DocumentError, InvoiceRecord
from smechain.documents.seal import SealCheck, verify_ofd_seals
from smechain.documents.ses import parse_ses_signature
from smechain.documents.ses_asn1 import EcSignature

OFD_DIR = DATA / "einvoice" / "china-ofd"
SIGNED = ["invoice-sample-1.ofd", "invoice-sample-5.ofd", "invoice-sample-6.ofd",
          "invoice-sample-7.ofd", "invoice-sample-8.ofd", "invoice-sample-10.ofd",
          "invoice-sample-11.ofd"]
UNSIGNED = ["invoice-sample-2.ofd", "invoice-sample-3.ofd", "invoice-sample-4.ofd",
            "invoice-sample-9.ofd"]
SIG_XML = "Doc_0/Signs/Sign_0/Signature.xml"
VALUE = "Doc_0/Signs/Sign_0/SignedValue.dat"
SM2 = get_suite("sm2")
UTC = datetime.UTC

# What each signed sample is: (seal name, signer CN, signing time UTC, problems).
EXPECTED: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    # sample-1 is sample-11 with Doc_0/Document.xml edited after sealing (TemplatePage
    # BaseLoc "TPLS/..." became "Tpls/..."): its seal and signatures hold, a signed file not.
    "invoice-sample-1.ofd": ("测试全国统一发票监制章国家税务总局重庆市税务局",
                             "全国统一发票监制章国家税务总局重庆市税务局",
                             "2020-10-10T07:11:20", ("signed_file_changed",)),
    "invoice-sample-5.ofd": ("国家税务总局浙江省税务局", "浙江省税务监制章电子证书",
                             "2020-07-23T13:09:07", ()),
    "invoice-sample-6.ofd": ("测试全国统一发票监制章国家税务总局重庆市税务局",
                             "全国统一发票监制章国家税务总局重庆市税务局",
                             "2020-08-17T11:13:29", ()),
    "invoice-sample-7.ofd": ("浙江省电子发票(票据)综合服务平台专用章", "国家税务总局浙江省税务局",
                             "2022-10-31T06:16:35", ()),
    "invoice-sample-8.ofd": ("测试全国统一发票监制章国家税务总局重庆市税务局",
                             "全国统一发票监制章国家税务总局重庆市税务局测试",
                             "2020-03-05T03:21:31", ()),
    "invoice-sample-10.ofd": ("国家税务总局江苏省税务局", "国家税务总局江苏省税务局",
                              "2020-10-04T07:28:55", ()),
    "invoice-sample-11.ofd": ("测试全国统一发票监制章国家税务总局重庆市税务局",
                              "全国统一发票监制章国家税务总局重庆市税务局",
                              "2020-10-10T07:11:20", ()),
}


def _need_data() -> None:
    if not OFD_DIR.is_dir():
        pytest.skip(f"sample data missing: {OFD_DIR}")


def _sample(name: str) -> bytes:
    _need_data()
    return (OFD_DIR / name).read_bytes()


def _rezip(data: bytes, edit: dict[str, bytes | None]) -> bytes:
    """Rewrite an OFD with some entries replaced (valid CRCs) or, for ``None``, removed."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = edit.get(info.filename, src.read(info))
            if content is not None:
                dst.writestr(info, content)
    return out.getvalue()


def _entry(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def _flip(blob: bytes, at: int, bit: int = 0x01) -> bytes:
    out = bytearray(blob)
    out[at] ^= bit
    return bytes(out)


def _with_value(data: bytes, value: bytes) -> bytes:
    return _rezip(data, {VALUE: value})


def _one(data: bytes) -> SealCheck:
    checks = verify_ofd_seals(data, "x.ofd")
    assert len(checks) == 1
    return checks[0]


# --------------------------------------------------------------------------- the samples


@pytest.mark.parametrize("name", SIGNED)
def test_signed_sample(name: str) -> None:
    check = _one(_sample(name))
    seal_name, signer_cn, when, problems = EXPECTED[name]
    assert check.version == 4
    assert check.seal_name == seal_name
    assert f"CN={signer_cn}" in check.signer
    assert check.maker.startswith("C=CN")
    assert check.signing_time == datetime.datetime.fromisoformat(when).replace(tzinfo=UTC)
    assert check.signature_file == "/" + SIG_XML and check.signed_value == "/" + VALUE
    assert check.problems == problems
    assert check.ok == (not problems)
    assert check.verdict == ("tampered" if problems else "ok")
    if problems:
        assert "/Doc_0/Document.xml" in check.reason and "changed after sealing" in check.reason


def test_sample_1_is_sample_11_with_document_xml_edited() -> None:
    one, eleven = _sample("invoice-sample-1.ofd"), _sample("invoice-sample-11.ofd")
    assert _entry(one, VALUE) == _entry(eleven, VALUE)
    assert _entry(one, SIG_XML) == _entry(eleven, SIG_XML)
    fixed = _rezip(one, {"Doc_0/Document.xml": _entry(eleven, "Doc_0/Document.xml")})
    assert _one(fixed).ok


@pytest.mark.parametrize("name", UNSIGNED)
def test_unsigned_sample_has_no_seal(name: str) -> None:
    assert verify_ofd_seals(_sample(name)) == []


def test_seal_esl_is_the_signed_seal() -> None:
    data = _sample("invoice-sample-8.ofd")
    esl = "Doc_0/Signs/Sign_0/Seal.esl"
    assert _one(data).ok
    other = parse_ses_signature(_entry(_sample("invoice-sample-6.ofd"), VALUE), "x").seal.der
    # Seal.esl is also one of the signed files.
    check = _one(_rezip(data, {esl: other}))
    assert check.problems == ("seal_file_mismatch", "signed_file_changed")
    assert check.verdict == "mismatched"
    check = _one(_rezip(data, {esl: None}))
    assert check.problems == ("seal_file_mismatch", "signed_file_changed")
    assert "Seal.esl is missing" in check.reason


# --------------------------------------------------------------------------- one byte flipped


@pytest.mark.parametrize("name", SIGNED)
def test_flipped_signature_byte_is_forged(name: str) -> None:
    data = _sample(name)
    value = _entry(data, VALUE)
    ses = parse_ses_signature(value, "x")
    at = value.rindex(ses.signature) + len(ses.signature) - 1  # the signature's last byte
    check = _one(_with_value(data, _flip(value, at)))
    assert "signature_forged" in check.problems and "seal_forged" not in check.problems
    assert check.verdict == "forged" and not check.ok
    assert "signer's SM2 signature over TBS_Sign does not verify" in check.reason


@pytest.mark.parametrize("name", SIGNED)
def test_flipped_certificate_byte_is_mismatched(name: str) -> None:
    data = _sample(name)
    value = _entry(data, VALUE)
    ses = parse_ses_signature(value, "x")
    start = value.rindex(ses.cert)  # the signer's certificate, after TBS_Sign
    for at in (start + len(ses.cert) // 3, start + len(ses.cert) - 1):
        check = _one(_with_value(data, _flip(value, at)))
        assert check.problems[0] == "signer_not_in_seal", check.reason
        assert check.verdict == "mismatched"


@pytest.mark.parametrize("name", SIGNED)
def test_flipped_seal_maker_signature_is_forged_seal(name: str) -> None:
    data = _sample(name)
    value = _entry(data, VALUE)
    seal = parse_ses_signature(value, "x").seal
    at = value.index(seal.signature) + len(seal.signature) - 1
    check = _one(_with_value(data, _flip(value, at)))
    # The seal lies inside TBS_Sign, so the signer's signature breaks with it (and a
    # Seal.esl beside it, in sample-8, is no longer the same seal).
    assert check.problems[:2] == ("seal_forged", "signature_forged")
    assert set(check.problems[2:]) <= {"seal_file_mismatch", *EXPECTED[name][3]}
    assert "seal maker's SM2 signature" in check.reason and check.verdict == "forged"


def test_renamed_seal_is_forged() -> None:
    data = _sample("invoice-sample-5.ofd")
    value = _entry(data, VALUE)
    name = "国家税务总局浙江省税务局".encode()
    at = value.index(name) + 2  # a UTF-8 continuation byte: still UTF-8, another character
    check = _one(_with_value(data, _flip(value, at)))
    assert check.seal_name != "国家税务总局浙江省税务局"
    assert check.problems == ("seal_forged", "signature_forged")


@pytest.mark.parametrize("name", SIGNED)
def test_flipped_signed_file_is_tampered(name: str) -> None:
    data = _sample(name)
    check = _one(data)
    target = next(p for p in check.signed_files
                  if p != "/Doc_0/Document.xml" and p.lstrip("/") in
                  zipfile.ZipFile(io.BytesIO(data)).namelist())
    entry = target.lstrip("/")
    content = _entry(data, entry)
    tampered = _one(_rezip(data, {entry: _flip(content, len(content) // 2)}))
    assert tampered.problems == ("signed_file_changed",)
    assert target in tampered.reason and tampered.verdict == "tampered"
    removed = _one(_rezip(data, {entry: None}))
    assert f"{target} (missing)" in removed.reason


@pytest.mark.parametrize("name", SIGNED)
def test_edited_signature_xml_is_mismatched(name: str) -> None:
    data = _sample(name)
    xml = _entry(data, SIG_XML)
    at = xml.index(b"SignatureDateTime>") + len(b"SignatureDateTime>") + 3
    check = _one(_rezip(data, {SIG_XML: _flip(xml, at)}))
    assert "data_hash_mismatch" in check.problems and check.verdict == "mismatched"
    assert "for another Signature.xml" in check.reason


def test_seal_moved_from_another_invoice_is_mismatched() -> None:
    other = _entry(_sample("invoice-sample-5.ofd"), VALUE)
    check = _one(_with_value(_sample("invoice-sample-10.ofd"), other))
    assert check.problems == ("data_hash_mismatch",)
    assert check.seal_name == "国家税务总局浙江省税务局"  # the moved seal, reported as it is


def test_every_single_byte_change_is_caught() -> None:
    """No byte of a SignedValue.dat changes unnoticed: a problem, or a DocumentError."""
    data = _sample("invoice-sample-10.ofd")
    value = _entry(data, VALUE)
    for at in range(0, len(value), 97):
        try:
            check = _one(_with_value(data, _flip(value, at, 0x10)))
        except DocumentError as exc:
            assert "SignedValue.dat" in str(exc)
        else:
            assert not check.ok, at


# --------------------------------------------------------------------------- malformed input


@pytest.mark.parametrize("cut", [0, 1, 3, 4, 100, 1000, 3000, 5100, 6000, -1])
def test_truncated_der_is_a_document_error(cut: int) -> None:
    data = _sample("invoice-sample-5.ofd")
    value = _entry(data, VALUE)
    with pytest.raises(DocumentError) as err:
        verify_ofd_seals(_with_value(data, value[:cut]), "x.ofd")
    assert "x.ofd!Doc_0/Signs/Sign_0/SignedValue.dat" in str(err.value)
    if cut not in (0, -1):
        assert "truncated DER" in err.value.reason


@pytest.mark.parametrize(("blob", "reason"), [
    (b"garbage, not DER at all", "SES_Signature"),
    (b"\x30\x03\x02\x01\x04", "SES_Signature: 1 fields"),
    (b"\x04\x03abc", "SES_Signature: wrong ASN.1 type"),
])
def test_garbage_is_a_document_error(blob: bytes, reason: str) -> None:
    with pytest.raises(DocumentError, match=reason):
        verify_ofd_seals(_with_value(_sample("invoice-sample-5.ofd"), blob), "x.ofd")


def test_wrong_types_and_trailing_bytes_are_document_errors() -> None:
    data = _sample("invoice-sample-5.ofd")
    value = _entry(data, VALUE)
    # TBS_Sign.version INTEGER (02 01 04 at offset 8) made a UTF8String.
    assert value[8:11] == b"\x02\x01\x04"
    wrong = value[:8] + b"\x0c" + value[9:]
    with pytest.raises(DocumentError, match=r"TBS_Sign \(GB/T 38540\): wrong ASN.1 type"):
        verify_ofd_seals(_with_value(data, wrong))
    with pytest.raises(DocumentError, match="2 bytes after its end"):
        verify_ofd_seals(_with_value(data, value + b"\x00\x00"))
    # The seal's ID "ES" is required.
    at = value.index(b"\x16\x02ES") + 2
    with pytest.raises(DocumentError, match="not 'ES'"):
        verify_ofd_seals(_with_value(data, _flip(value, at)))


def test_missing_signed_value_is_a_document_error() -> None:
    data = _sample("invoice-sample-5.ofd")
    with pytest.raises(DocumentError, match=r"SignedValue /Doc_0/Signs/Sign_0/SignedValue.dat "
                                            "missing"):
        verify_ofd_seals(_rezip(data, {VALUE: None}))
    with pytest.raises(DocumentError, match="not a valid OFD/ZIP"):
        verify_ofd_seals(b"PK\x03\x04 not really")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzzed_signed_value_never_escapes(draw: st.DataObject) -> None:
    data = _sample("invoice-sample-7.ofd")
    value = bytearray(_entry(data, VALUE))
    for _ in range(draw.draw(st.integers(1, 4))):
        at = draw.draw(st.integers(0, len(value) - 1))
        value[at] = draw.draw(st.integers(0, 255))
    cut = draw.draw(st.integers(0, len(value)))
    try:
        checks = verify_ofd_seals(_with_value(data, bytes(value[:cut])), "f.ofd")
    except DocumentError as exc:
        assert "f.ofd!" in str(exc)
    else:
        assert len(checks) == 1


# --------------------------------------------------------------------------- made here: v1, v4


def _enc(value: object) -> bytes:
    return bytes(encoder.encode(value))


def _tlv(tag: int, *items: bytes) -> bytes:
    body = b"".join(items)
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def _seq(*items: bytes) -> bytes:
    return _tlv(0x30, *items)


def _oid(dotted: str) -> bytes:
    return _enc(univ.ObjectIdentifier(dotted))


def _gt(when: datetime.datetime) -> bytes:
    return _enc(useful.GeneralizedTime(when.strftime("%Y%m%d%H%M%SZ")))


def _utc(when: datetime.datetime) -> bytes:
    return _enc(useful.UTCTime(when.strftime("%y%m%d%H%M%SZ")))


SM3_SM2 = "1.2.156.10197.1.501"
T0 = datetime.datetime(2024, 1, 1, tzinfo=UTC)


def _sign(private: bytes, message: bytes, raw: bool = False) -> bytes:
    sig = SM2.sign(private, message)
    if not raw:
        return sig
    rs, _ = decoder.decode(sig, asn1Spec=EcSignature())
    return int(rs["r"]).to_bytes(32, "big") + int(rs["s"]).to_bytes(32, "big")


def _cert(seed: bytes, cn: str, start: datetime.datetime, end: datetime.datetime
          ) -> tuple[bytes, bytes]:
    """(private key, DER X.509 certificate with an SM2 key), self-signed."""
    private, public = SM2.keypair_from_seed(seed)
    name = _seq(_tlv(0x31, _seq(_oid("2.5.4.3"), _enc(char.UTF8String(cn)))))
    spki = _seq(_seq(_oid("1.2.840.10045.2.1"), _oid("1.2.156.10197.1.301")),
                _enc(univ.BitString(hexValue=public.hex())))
    tbs = _seq(b"\xa0\x03\x02\x01\x02", _enc(univ.Integer(7)), _seq(_oid(SM3_SM2)), name,
               _seq(_utc(start), _utc(end)), name, spki)
    return private, _seq(tbs, _seq(_oid(SM3_SM2)),
                         _enc(univ.BitString(hexValue=_sign(private, tbs).hex())))


def _bits(blob: bytes) -> bytes:
    return _enc(univ.BitString(hexValue=blob.hex()))


def _octets(blob: bytes) -> bytes:
    return _enc(univ.OctetString(blob))


def make_ses(signature_xml: bytes, *, version: int = 4, when: datetime.datetime = T0,
             seal_window: tuple[datetime.datetime, datetime.datetime] | None = None,
             cert_window: tuple[datetime.datetime, datetime.datetime] | None = None,
             digest_list: bool = False, raw_signatures: bool = False,
             algorithm: str = SM3_SM2) -> bytes:
    """A SignedValue.dat made here, sealing ``signature_xml``."""
    start, end = seal_window or (T0 - datetime.timedelta(days=30), T0 + datetime.timedelta(days=30))
    c_start, c_end = cert_window or (T0 - datetime.timedelta(days=365),
                                     T0 + datetime.timedelta(days=365))
    maker_key, maker = _cert(b"maker", "Test Seal Maker", c_start, c_end)
    signer_key, signer = _cert(b"signer", "测试税务局", c_start, c_end)
    header = _seq(_enc(char.IA5String("ES")), _enc(univ.Integer(version)),
                  _enc(char.IA5String("TEST")))
    picture = _seq(_enc(char.IA5String("png")), _octets(b"\x89PNG"), _enc(univ.Integer(40)),
                   _enc(univ.Integer(40)))
    name = _enc(char.UTF8String("测试发票专用章"))
    if version == 4:
        cert_list = (_seq(_seq(_enc(char.PrintableString("sm3")),
                               _octets(hashlib.new("sm3", signer).digest())))
                     if digest_list else _seq(_octets(signer)))
        prop = _seq(_enc(univ.Integer(1)), name, _enc(univ.Integer(2 if digest_list else 1)),
                    cert_list, _gt(start), _gt(start), _gt(end))
        info = _seq(header, _enc(char.IA5String("T0001")), prop, picture)
        seal = _seq(info, _octets(maker), _oid(algorithm),
                    _bits(_sign(maker_key, info, raw_signatures)))
        tbs = _seq(_enc(univ.Integer(4)), seal, _gt(when),
                   _bits(hashlib.new("sm3", signature_xml).digest()),
                   _enc(char.IA5String("/" + SIG_XML)))
        return _seq(tbs, _octets(signer), _oid(algorithm),
                    _bits(_sign(signer_key, tbs, raw_signatures)))
    prop = _seq(_enc(univ.Integer(1)), name, _seq(_octets(signer)), _utc(start), _utc(start),
                _utc(end))
    info = _seq(header, _enc(char.IA5String("T0001")), prop, picture)
    maker_tbs = _seq(info, _octets(maker), _oid(algorithm))
    seal = _seq(info, _seq(_octets(maker), _oid(algorithm),
                           _bits(_sign(maker_key, maker_tbs, raw_signatures))))
    # ofdrw writes v1 timeInfo as local time text in a BIT STRING.
    local = when.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    tbs = _seq(_enc(univ.Integer(1)), seal, _bits(local.strftime("%Y-%m-%d %H:%M:%S").encode()),
               _bits(hashlib.new("sm3", signature_xml).digest()),
               _enc(char.IA5String("/" + SIG_XML)), _octets(signer), _oid(algorithm))
    return _seq(tbs, _bits(_sign(signer_key, tbs, raw_signatures)))


def _resealed(**kwargs: object) -> SealCheck:
    data = _sample("invoice-sample-5.ofd")
    return _one(_with_value(data, make_ses(_entry(data, SIG_XML), **kwargs)))  # type: ignore[arg-type]


@pytest.mark.parametrize("version", [4, 1])
@pytest.mark.parametrize("raw", [False, True], ids=["der-signatures", "r||s-signatures"])
def test_seal_made_here_verifies(version: int, raw: bool) -> None:
    check = _resealed(version=version, raw_signatures=raw)
    assert check.ok, check.reason
    assert check.version == version
    assert check.seal_name == "测试发票专用章" and check.seal_id == "T0001"
    assert check.signer == "CN=测试税务局" and check.maker == "CN=Test Seal Maker"
    assert check.signing_time == T0


def test_certificate_digest_list_binds_the_signer() -> None:
    assert _resealed(digest_list=True).ok


@pytest.mark.parametrize("version", [4, 1])
def test_v1_and_v4_flips_are_named(version: int) -> None:
    data = _sample("invoice-sample-5.ofd")
    value = make_ses(_entry(data, SIG_XML), version=version)
    ses = parse_ses_signature(value, "x")
    sig_at = value.rindex(ses.signature) + len(ses.signature) - 1
    assert _one(_with_value(data, _flip(value, sig_at))).problems == ("signature_forged",)
    cert_at = value.rindex(ses.cert) + 40
    assert _one(_with_value(data, _flip(value, cert_at))).problems[0] == "signer_not_in_seal"
    seal_at = value.index(ses.seal.signature) + len(ses.seal.signature) - 1
    assert _one(_with_value(data, _flip(value, seal_at))).problems == ("seal_forged",
                                                                       "signature_forged")


def test_signed_outside_the_seal_validity_is_expired() -> None:
    late = T0 + datetime.timedelta(days=60)
    check = _resealed(when=late)
    assert check.problems == ("seal_not_valid_at_signing",) and check.verdict == "expired"
    check = _resealed(cert_window=(T0 + datetime.timedelta(days=1),
                                   T0 + datetime.timedelta(days=2)))
    assert check.problems == ("cert_not_valid_at_signing",)


def test_other_algorithm_is_unsupported() -> None:
    check = _resealed(algorithm="1.2.840.113549.1.1.11")  # sha256WithRSAEncryption
    assert check.problems == ("unsupported_algorithm",) and check.verdict == "unsupported"
    assert "1.2.840.113549.1.1.11" in check.reason


def test_digital_signature_type_sign_is_not_a_seal() -> None:
    data = _sample("invoice-sample-5.ofd")
    sigs = "Doc_0/Signs/Signatures.xml"
    listed = _entry(data, sigs).replace(b"<ofd:Signature ", b'<ofd:Signature Type="Sign" ')
    check = _one(_rezip(data, {sigs: listed}))
    assert check.problems == ("not_a_seal",) and check.version == 0


# --------------------------------------------------------------------------- sealed data only

ATTACHMENT = "Doc_0/Attachs/original_invoice.xml"


def _hash(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _import(data: bytes) -> InvoiceRecord:
    return import_invoice(data, _hash, "f.ofd")


def _added(data: bytes, entries: dict[str, bytes]) -> bytes:
    """``data`` with new ZIP entries appended (the originals untouched)."""
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a") as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    return buf.getvalue()


def _forged_fapiao(data: bytes) -> bytes:
    """The sample's original_invoice.xml with another number and a total of 926.00."""
    xml = _entry(data, ATTACHMENT)
    for old, new in ((b">83089647<", b">83089648<"), (b">526.00<", b">926.00<"),
                     (b">510.68<", b">910.68<")):
        assert old in xml
        xml = xml.replace(old, new)
    return xml


def _sealed_over(data: bytes, files: list[str]) -> bytes:
    """An unsigned OFD sealed here: one seal (made by ``make_ses``) whose References
    list ``files`` with their SM3 digests."""
    refs = "".join(
        f'<ofd:Reference FileRef="/{f}"><ofd:CheckValue>'
        f'{base64.b64encode(hashlib.new("sm3", _entry(data, f)).digest()).decode()}'
        "</ofd:CheckValue></ofd:Reference>" for f in files)
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    signature = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Signature {ns}><ofd:SignedInfo>'
                 '<ofd:References CheckMethod="1.2.156.10197.1.401">'
                 f"{refs}</ofd:References></ofd:SignedInfo>"
                 "<ofd:SignedValue>/Doc_0/Signs/Sign_0/SignedValue.dat</ofd:SignedValue>"
                 "</ofd:Signature>").encode()
    signatures = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Signatures {ns}>'
                  '<ofd:Signature ID="1" BaseLoc="/Doc_0/Signs/Sign_0/Signature.xml"/>'
                  "</ofd:Signatures>").encode()
    return _added(data, {"Doc_0/Signs/Signatures.xml": signatures, SIG_XML: signature,
                         VALUE: make_ses(signature)})


TAGS = ["Doc_0/Tags/CustomTags.xml", "Doc_0/Tags/CustomTag.xml"]
PAGE = "Doc_0/Pages/Page_0/Content.xml"
TEMPLATE = "Doc_0/Tpls/Tpl_0/Content.xml"


def test_a_forged_unsigned_attachment_in_a_sealed_ofd_is_refused() -> None:
    data = _sample("invoice-sample-5.ofd")
    assert _import(data).total_amount == 52_600
    forged = _forged_fapiao(data)
    # wherever its name sorts: before the sealed attachment, or after it
    for name in ("Doc_0/Attachs/0.xml", "Doc_0/Attachs/zz.xml", "Doc_0/Attachs/a/b.xml"):
        edited = _added(data, {name: forged})
        assert _one(edited).ok  # the seal itself still holds: it never covered the entry
        with pytest.raises(DocumentError, match=f"f.ofd: fapiao data in {name} is not covered "
                           "by the seal"):
            _import(edited)


def test_an_entry_differing_only_in_case_is_refused_as_ambiguous() -> None:
    data = _sample("invoice-sample-5.ofd")
    twin = "Doc_0/Attachs/Original_invoice.xml"
    with pytest.raises(DocumentError, match=f"OFD entries {twin} and {ATTACHMENT} differ only "
                       "in case"):
        _import(_added(data, {twin: _forged_fapiao(data)}))
    # the same in an unsigned OFD: which one is the document's is left to chance either way
    plain = _sample("invoice-sample-9.ofd")
    with pytest.raises(DocumentError, match="differ only in case"):
        _import(_added(plain, {twin: _entry(plain, ATTACHMENT)}))


def test_a_sealed_attachment_edited_after_sealing_is_refused() -> None:
    data = _sample("invoice-sample-5.ofd")
    edited = _rezip(data, {ATTACHMENT: _forged_fapiao(data)})
    assert _one(edited).verdict == "tampered"
    with pytest.raises(DocumentError, match=f"fapiao data in {ATTACHMENT} changed after "
                       f"sealing .* CheckValue in /{SIG_XML}"):
        _import(edited)


@pytest.mark.parametrize("name", ["invoice-sample-5.ofd", "invoice-sample-7.ofd",
                                  "invoice-sample-8.ofd", "invoice-sample-10.ofd"])
def test_sealed_samples_still_import_noting_the_seal(name: str) -> None:
    record = _import(_sample(name))
    assert any(n.startswith("sealed: ") for n in record.notes)


@pytest.mark.parametrize("name", UNSIGNED)
def test_unsigned_samples_import_as_before(name: str) -> None:
    data = _sample(name)
    try:
        record = _import(data)
    except DocumentError as exc:
        assert "carries no invoice data" in str(exc)  # samples 3 and 4
        return
    assert not any(n.startswith("sealed: ") for n in record.notes)
    # an added attachment is read as it always was: nothing vouches for any of them
    if name == "invoice-sample-9.ofd":
        forged = _entry(data, ATTACHMENT).replace(b">04875996<", b">04875997<")
        assert _import(_added(data, {"Doc_0/Attachs/0.xml": forged})).number == "04875997"


def test_sealed_custom_tags_import_only_from_sealed_pages() -> None:
    data = _sample("invoice-sample-2.ofd")  # unsigned; custom tags -> page text objects
    sealed = _sealed_over(data, [*TAGS, PAGE, TEMPLATE])
    assert _one(sealed).ok
    record = _import(sealed)
    assert (record.number, record.total_amount) == ("24112000000048542163", 444_900)
    assert any(n.startswith("sealed: ") for n in record.notes)

    page = _entry(data, PAGE)
    # the number's text object edited on the sealed page
    assert b">24112000000048542163<" in page
    edited = _rezip(sealed, {PAGE: page.replace(b">24112000000048542163<",
                                                b">24112000000048542164<")})
    assert _one(edited).verdict == "tampered"
    with pytest.raises(DocumentError, match=f"fapiao data in {PAGE} changed after sealing"):
        _import(edited)
    # a second copy of the text object in an entry the seal does not cover
    stray = "Doc_0/Pages/Page_0/A.xml"
    copy = (b'<?xml version="1.0"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016">'
            b'<ofd:TextObject ID="6922"><ofd:TextCode>24112000000048542164</ofd:TextCode>'
            b"</ofd:TextObject></ofd:Page>")
    # unsigned, the copy is read as before (it sorts first)
    assert _import(_added(data, {stray: copy})).number == "24112000000048542164"
    with pytest.raises(DocumentError, match=f"fapiao data in {stray} is not covered by the "
                       "seal"):
        _import(_added(sealed, {stray: copy}))
    # the tags themselves, or the page, left out of the seal
    for left_out in (TAGS[0], TAGS[1], PAGE):
        partly = _sealed_over(data, [f for f in (*TAGS, PAGE, TEMPLATE) if f != left_out])
        with pytest.raises(DocumentError, match=f"fapiao data in {left_out} is not covered"):
            _import(partly)


def test_a_sealed_ofd_whose_signature_list_is_broken_is_refused() -> None:
    data = _sample("invoice-sample-5.ofd")
    with pytest.raises(DocumentError, match=r"Signatures\.xml"):
        _import(_rezip(data, {"Doc_0/Signs/Signatures.xml": b"<not xml"}))
