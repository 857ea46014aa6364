"""``smechain invoice`` on a sealed OFD: each seal reported, a bad one named as such and
never anchored, forged fapiao data refused."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from test_cli import EXAMPLE, smechain

from shared_data import DATA
from smechain.documents.ses import parse_ses_signature

OFD_DIR = DATA / "einvoice" / "china-ofd"
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


def _refused_anchor(chain: Path, file: Path, *fragments: str) -> None:
    """``invoice import --data`` refuses the file naming each fragment, and anchors nothing."""
    code, out = smechain("invoice", "import", file, "--data", chain, "--key",
                         chain / "keys" / "tax.key")
    assert code == 1, out
    for fragment in (*fragments, "not anchored"):
        assert fragment in out, out
    assert '"receipt"' not in out
    code, out = smechain("invoice", "verify", file, "--data", chain)
    assert code == 1 and "is not anchored" in out, out


def _anchor_as_before(chain: Path, file: Path) -> None:
    """Anchor the file's record straight on the ledger, as a file was before its seals were
    checked on import (the ledger has the digest, not the file)."""
    code, out = smechain("invoice", "import", file)  # the chain's suite: ed25519
    assert code == 0, out
    args = json.loads(out)["anchor"]
    args["digest"] = "0x" + args["digest"].removeprefix("0x")  # hex, with or without 0x
    code, out = smechain("tx", "--data", chain, "invoice", "anchor", "--key",
                         chain / "keys" / "tax.key", "--args", json.dumps(args))
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
    _refused_anchor(chain, forged, "seal /Doc_0/Signs/Sign_0/Signature.xml is forged: "
                    "signature_forged")
    _anchor_as_before(chain, forged)  # even anchored as it is, the file fails on its seal
    code, out = smechain("invoice", "verify", forged, "--data", chain)
    assert code == 1
    assert "seal /Doc_0/Signs/Sign_0/Signature.xml: FORGED: signature_forged" in out
    assert "but its seal /Doc_0/Signs/Sign_0/Signature.xml is forged" in out


def test_mismatched_certificate_is_named(chain: Path, tmp_path: Path) -> None:
    value = zipfile.ZipFile(OFD_DIR / "invoice-sample-10.ofd").read(VALUE)
    cert = parse_ses_signature(value, "x").cert
    edited = _edited(tmp_path, "invoice-sample-10.ofd", at=value.rindex(cert) + 300)
    _refused_anchor(chain, edited, "is mismatched: signer_not_in_seal")
    _anchor_as_before(chain, edited)
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
    _refused_anchor(chain, broken, "broken seal:", "SES_Signature: truncated DER")
    _anchor_as_before(chain, broken)
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


def test_tampered_or_unsupported_seal_is_never_anchored(chain: Path, tmp_path: Path) -> None:
    # a signed file other than the invoice data changed: the data imports, the seal fails
    tampered = _edited(tmp_path, "invoice-sample-5.ofd", "Doc_0/Res/image_78.jb2", at=100)
    _refused_anchor(chain, tampered, "is tampered: signed_file_changed")
    sigs = "Doc_0/Signs/Signatures.xml"
    listed = zipfile.ZipFile(OFD_DIR / "invoice-sample-7.ofd").read(sigs)
    sign = _edited(tmp_path, "invoice-sample-7.ofd", sigs, content=listed.replace(
        b"<ofd:Signature ", b'<ofd:Signature Type="Sign" '))
    _refused_anchor(chain, sign, "is unsupported: not_a_seal")


def test_import_without_a_chain_prints_the_record_and_the_seals(tmp_path: Path) -> None:
    if not OFD_DIR.is_dir():
        pytest.skip(f"sample data missing: {OFD_DIR}")
    value = zipfile.ZipFile(OFD_DIR / "invoice-sample-5.ofd").read(VALUE)
    forged = _edited(tmp_path, "invoice-sample-5.ofd", at=len(value) - 1)
    for file, verdict in ((OFD_DIR / "invoice-sample-5.ofd", "ok"), (forged, "forged")):
        code, out = smechain("invoice", "import", file)
        assert code == 0, out
        doc = json.loads(out)
        assert doc["anchor"]["number"] == "83089647"
        (seal,) = doc["seals"]
        assert seal["signature_file"] == "/Doc_0/Signs/Sign_0/Signature.xml"
        assert seal["verdict"] == verdict and seal["ok"] == (verdict == "ok")
        assert seal["seal_name"] == "国家税务总局浙江省税务局"
        assert seal["signed_at"] == "2020-07-23T13:09:07+00:00"
    code, out = smechain("invoice", "import", OFD_DIR / "invoice-sample-9.ofd")  # unsealed
    assert code == 0 and json.loads(out)["seals"] == []


def _added(tmp_path: Path, sample: str, name: str, content: bytes) -> Path:
    data = io.BytesIO((OFD_DIR / sample).read_bytes())
    with zipfile.ZipFile(data, "a") as zf:
        zf.writestr(name, content)
    path = tmp_path / f"added-{sample}"
    path.write_bytes(data.getvalue())
    return path


@pytest.mark.parametrize("entry", ["Doc_0/Attachs/0.xml", "Doc_0/Attachs/Original_invoice.xml"])
def test_forged_fapiao_beside_the_sealed_one_is_refused(chain: Path, tmp_path: Path,
                                                       entry: str) -> None:
    attachment = "Doc_0/Attachs/original_invoice.xml"
    xml = zipfile.ZipFile(OFD_DIR / "invoice-sample-5.ofd").read(attachment)
    xml = xml.replace(b">83089647<", b">83089648<").replace(b">526.00<", b">926.00<")
    xml = xml.replace(b">510.68<", b">910.68<")
    forged = _added(tmp_path, "invoice-sample-5.ofd", entry, xml)
    reason = ("not covered by the seal" if entry.endswith("0.xml")
              else "differ only in case")
    code, out = smechain("invoice", "import", forged, "--data", chain, "--key",
                         chain / "keys" / "tax.key")
    assert code == 1 and reason in out and entry in out, out
    _anchor(chain, OFD_DIR / "invoice-sample-5.ofd")
    code, out = smechain("invoice", "verify", forged, "--data", chain)
    assert code == 1, out
    assert "seal /Doc_0/Signs/Sign_0/Signature.xml: ok" in out  # it never covered the entry
    assert reason in out and "matches" not in out


@pytest.mark.parametrize(("sample", "verdict"), [("invoice-sample-1.ofd", "TAMPERED"),
                                                 ("invoice-sample-6.ofd", "ok"),
                                                 ("invoice-sample-11.ofd", "ok")])
def test_seals_are_reported_before_the_importer_refuses(chain: Path, sample: str,
                                                        verdict: str) -> None:
    code, out = smechain("invoice", "verify", OFD_DIR / sample, "--data", chain)
    assert code == 1, out
    seal_at = out.index(f"seal /Doc_0/Signs/Sign_0/Signature.xml: {verdict}:")
    refusal_at = out.index("not a valid unified social credit code")
    assert seal_at < refusal_at
    assert "error: FILE: " in out[seal_at:]
