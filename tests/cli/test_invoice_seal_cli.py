"""``smechain invoice verify`` on a sealed OFD: each seal reported, a bad one named as such."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from test_cli import EXAMPLE, smechain

from smechain.documents.ses import parse_ses_signature

OFD_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "einvoice" / "china-ofd"
VALUE = "Doc_0/Signs/Sign_0/SignedValue.dat"


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    if not OFD_DIR.is_dir():
        pytest.skip(f"sample data missing: {OFD_DIR}")
    data = tmp_path / "chain"
    code, out = smechain("init", "--config", EXAMPLE, "--data", data)
    assert code == 0, out
    return data


def _anchor(chain: Path, file: Path) -> None:
    code, out = smechain("invoice", "import", file, "--data", chain, "--key",
                         chain / "keys" / "tax.key")
    assert code == 0, out


def _edited(tmp_path: Path, sample: str, entry: str = VALUE, at: int = -1,
            content: bytes | None = None) -> Path:
    """The sample with ``entry`` replaced by ``content``, or with its byte ``at`` flipped."""
    src = zipfile.ZipFile(OFD_DIR / sample)
    if content is None:
        edited = bytearray(src.read(entry))
        edited[at] ^= 0x01
        content = bytes(edited)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, content if info.filename == entry else src.read(info))
    path = tmp_path / f"edited-{sample}"
    path.write_bytes(out.getvalue())
    return path


def test_sealed_invoice_verifies(chain: Path) -> None:
    sample = OFD_DIR / "invoice-sample-5.ofd"
    _anchor(chain, sample)
    code, out = smechain("invoice", "verify", sample, "--data", chain)
    assert code == 0, out
    assert "seal /Doc_0/Signs/Sign_0/Signature.xml: ok: seal '国家税务总局浙江省税务局'" in out
    assert "CN=浙江省税务监制章电子证书" in out and "signed 2020-07-23T13:09:07+00:00" in out
    assert "matches the anchor" in out


def test_forged_signature_is_named(chain: Path, tmp_path: Path) -> None:
    value = zipfile.ZipFile(OFD_DIR / "invoice-sample-5.ofd").read(VALUE)
    forged = _edited(tmp_path, "invoice-sample-5.ofd", at=len(value) - 1)
    _anchor(chain, forged)  # even anchored as it is, the file fails on its seal
    code, out = smechain("invoice", "verify", forged, "--data", chain)
    assert code == 1
    assert "seal /Doc_0/Signs/Sign_0/Signature.xml: FORGED: signature_forged" in out
    assert "but its seal /Doc_0/Signs/Sign_0/Signature.xml is forged" in out


def test_mismatched_certificate_is_named(chain: Path, tmp_path: Path) -> None:
    value = zipfile.ZipFile(OFD_DIR / "invoice-sample-10.ofd").read(VALUE)
    cert = parse_ses_signature(value, "x").cert
    edited = _edited(tmp_path, "invoice-sample-10.ofd", at=value.rindex(cert) + 300)
    _anchor(chain, edited)
    code, out = smechain("invoice", "verify", edited, "--data", chain)
    assert code == 1 and "MISMATCHED: signer_not_in_seal" in out
    assert "is mismatched" in out


def test_tampered_signed_file_is_named(chain: Path, tmp_path: Path) -> None:
    sample = OFD_DIR / "invoice-sample-5.ofd"
    _anchor(chain, sample)
    tampered = _edited(tmp_path, sample.name, "Doc_0/Res/image_78.jb2", at=100)
    code, out = smechain("invoice", "verify", tampered, "--data", chain)
    assert code == 1
    assert ("TAMPERED: signed_file_changed: signed file /Doc_0/Res/image_78.jb2 changed "
            "after sealing") in out
    assert "does not match the anchor" in out


def test_broken_seal_is_named(chain: Path, tmp_path: Path) -> None:
    broken = _edited(tmp_path, "invoice-sample-5.ofd", content=b"\x30\x82\x10\x00garbage")
    _anchor(chain, broken)
    code, out = smechain("invoice", "verify", broken, "--data", chain)
    assert code == 1
    assert "seal: BROKEN:" in out and "SignedValue.dat: SES_Signature: truncated DER" in out
    assert "Traceback" not in out


def test_unsealed_ofd_is_reported(chain: Path) -> None:
    sample = OFD_DIR / "invoice-sample-2.ofd"
    _anchor(chain, sample)
    code, out = smechain("invoice", "verify", sample, "--data", chain)
    assert code == 0, out
    assert "seal: none" in out and "matches the anchor" in out
