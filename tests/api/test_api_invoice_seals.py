"""OFD e-fapiao over the API: a file whose seal is not ok is never anchored, verify-file
reports each seal beside the digest's answer, and a document numbered ``verify`` is read."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from api_support import DATA, Api, covers, error, seeded_api

from demo_template import DemoTemplate
from smechain.client.models import from_json
from smechain.documents import import_invoice
from smechain.modules.invoice.contract import invoice_id
from smechain.modules.invoice.sdk import InvoiceCheck

OFD_DIR = DATA / "einvoice" / "china-ofd"
SAMPLE = "invoice-sample-5.ofd"  # sealed, ok; data in Doc_0/Attachs/original_invoice.xml
VALUE = "Doc_0/Signs/Sign_0/SignedValue.dat"
SIG_XML = "/Doc_0/Signs/Sign_0/Signature.xml"
ATTACHMENT = "Doc_0/Attachs/original_invoice.xml"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory,
           demo_template: DemoTemplate) -> Iterator[Api]:
    """A demo of this module's own: each test anchors different invoices."""
    api = seeded_api(tmp_path_factory.mktemp("seals-demo") / "demo", demo_template)
    yield api
    api.close()


def _sample() -> bytes:
    path = OFD_DIR / SAMPLE
    if not path.is_file():
        pytest.skip(f"shared sample data not present: {path}")
    return path.read_bytes()


def _edited(data: bytes, entry: str, content: bytes | None = None) -> bytes:
    """``data`` with ``entry`` replaced by ``content``, or with its last byte flipped."""
    src = zipfile.ZipFile(io.BytesIO(data))
    if content is None:
        edited = bytearray(src.read(entry))
        edited[-1] ^= 0x01
        content = bytes(edited)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, content if info.filename == entry else src.read(info))
    return out.getvalue()


def _files(data: bytes) -> dict[str, Any]:
    return {"file": ("fapiao.ofd", data, "application/ofd")}


def _anchor_on_the_ledger(api: Api, data: bytes) -> str:
    """Anchor a file's record straight through the contract, as one was before anchor-file
    checked seals (the ledger holds the digest, not the file); its invoice id."""
    record = import_invoice(data, api.demo.node.suite.hash, "x.ofd")
    args = {k: v.hex() if isinstance(v, bytes) else v for k, v in record.anchor_args().items()}
    api.ok("POST", "/v1/contracts/invoice/anchor", "tax-sh/operator", json=args)
    return invoice_id(record.seller_id, record.code, record.number)


@covers("POST /v1/invoices/anchor-file", "POST /v1/invoices/verify-file")
def test_a_file_whose_seal_fails_is_not_anchored(ledger: Api) -> None:
    data = _sample()
    forged = _edited(data, VALUE)  # the signer's SM2 signature no longer verifies
    tampered = _edited(data, "Doc_0/Res/image_78.jb2")  # a signed file changed
    broken = _edited(data, VALUE, b"\x30\x82\x10\x00garbage")
    stored = ledger.stored()
    for file, said in ((forged, f"seal {SIG_XML} is forged: signature_forged"),
                       (tampered, f"seal {SIG_XML} is tampered: signed_file_changed"),
                       (broken, "its seals are broken: fapiao.ofd!Doc_0/Signs/Sign_0/"
                                "SignedValue.dat: SES_Signature: truncated DER")):
        detail = error(ledger.post("/v1/invoices/anchor-file", "tax-sh/operator",
                                   files=_files(file)), 422, field="file", code="bad_document")
        assert said in detail["message"] and detail["message"].endswith("; not anchored")
    assert ledger.stored() == stored
    error(ledger.post("/v1/invoices/verify-file", "bank-b/viewer", files=_files(data)), 404,
          field="file")

    # the genuine file is anchored, and checks out: match, and its one seal ok
    result = ledger.ok("POST", "/v1/invoices/anchor-file", "tax-sh/operator", files=_files(data))
    (anchored,) = [e for e in result["events"] if e["name"] == "InvoiceAnchored"]
    inv = anchored["attrs"]["invoice"]
    check = ledger.ok("POST", "/v1/invoices/verify-file", "bank-b/viewer", files=_files(data))
    assert (check["invoice"], check["match"], check["total_amount"]) == (inv, True, 52_600)
    (seal,) = check["seals"]
    assert seal == {"signature_file": SIG_XML, "ok": True, "verdict": "ok", "problems": [],
                    "reason": "", "signer": seal["signer"], "seal_name": "国家税务总局浙江省税务局",
                    "seal_id": seal["seal_id"], "version": 4,
                    "signed_at": "2020-07-23T13:09:07+00:00"}
    assert "CN=浙江省税务监制章电子证书" in seal["signer"]
    assert from_json(InvoiceCheck, check).genuine

    # a forged copy: another digest, and the seal says why
    check = ledger.ok("POST", "/v1/invoices/verify-file", "bank-b/viewer", files=_files(forged))
    assert check["match"] is False
    assert [(s["verdict"], s["problems"]) for s in check["seals"]] == [
        ("forged", ["signature_forged"])]


@covers("POST /v1/invoices/verify-file")
def test_a_match_with_a_failed_seal_shows_the_failure(ledger: Api) -> None:
    # Sample 10 with a signed image changed after sealing, its invoice data untouched: the
    # seal is tampered. Anchored straight on the ledger, its digest matches; its seal not.
    path = OFD_DIR / "invoice-sample-10.ofd"
    if not path.is_file():
        pytest.skip(f"shared sample data not present: {path}")
    data = _edited(path.read_bytes(), "Doc_0/Res/image_80.jb2")
    inv = _anchor_on_the_ledger(ledger, data)
    check = ledger.ok("POST", "/v1/invoices/verify-file", "sme-t1/viewer", files=_files(data))
    assert (check["invoice"], check["match"], check["total_amount"]) == (inv, True, 20_000)
    (seal,) = check["seals"]
    assert (seal["ok"], seal["verdict"], seal["problems"]) == (False, "tampered",
                                                                ["signed_file_changed"])
    assert "/Doc_0/Res/image_80.jb2 changed after sealing" in seal["reason"]
    sdk = from_json(InvoiceCheck, check)
    assert sdk.match and not sdk.genuine and sdk.seals is not None
    assert (sdk.seals[0].verdict, sdk.seals[0].problems) == ("tampered", ("signed_file_changed",))


@covers("POST /v1/invoices/verify-file")
def test_a_forged_fapiao_beside_the_sealed_one_is_refused(ledger: Api) -> None:
    data = _sample()
    xml = zipfile.ZipFile(io.BytesIO(data)).read(ATTACHMENT).replace(b">526.00<", b">926.00<")
    xml = xml.replace(b">510.68<", b">910.68<").replace(b">83089647<", b">83089648<")
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a") as zf:
        zf.writestr("Doc_0/Attachs/0.xml", xml)
    for path, who in (("/v1/invoices/verify-file", "bank-b/viewer"),
                      ("/v1/invoices/anchor-file", "tax-sh/operator")):
        detail = error(ledger.post(path, who, files=_files(buf.getvalue())), 422, field="file",
                       code="bad_document")
        assert "Doc_0/Attachs/0.xml is not covered by the seal" in detail["message"]


@covers("POST /v1/invoices/verify-file")
def test_an_unsealed_ofd_has_an_empty_seal_list(ledger: Api) -> None:
    path = OFD_DIR / "invoice-sample-9.ofd"  # unsigned
    if not path.is_file():
        pytest.skip(f"shared sample data not present: {path}")
    data = path.read_bytes()
    inv = _anchor_on_the_ledger(ledger, data)
    check = ledger.ok("POST", "/v1/invoices/verify-file", "bank-b/viewer", files=_files(data))
    assert (check["invoice"], check["match"], check["seals"]) == (inv, True, [])
    assert from_json(InvoiceCheck, check).genuine


@covers("GET /v1/invoices/{invoice_id}/verify")
def test_a_document_numbered_verify_is_read(ledger: Api) -> None:
    # Its path is the verify route's (a %2F is a / by the time routes are matched): without
    # a digest, that route reads the document whose id ends in /verify.
    seller = "VAT:DE300000001"
    args = {"number": "verify", "seller": seller, "buyer": "", "currency": "EUR",
            "net_amount": 1000, "tax_amount": 190, "total_amount": 1190,
            "issue_date": "2026-01-05", "digest": "cd" * 32}
    ledger.ok("POST", "/v1/contracts/invoice/anchor", "tax-sh/operator", json=args)
    inv = invoice_id(seller, "", "verify")
    assert inv == f"{seller}/verify"
    for path in (f"/v1/invoices/{inv}", "/v1/invoices/VAT%3ADE300000001%2Fverify"):
        doc = ledger.ok("GET", path, "tax-sh/viewer")
        assert (doc["id"], doc["number"], doc["total_amount"]) == (inv, "verify", 1190)
        assert doc["financing"]["amount_due"] == 1190
    # the verify route still verifies it, and other documents
    check = ledger.ok("GET", f"/v1/invoices/{inv}/verify?digest={'cd' * 32}", "bank-b/viewer")
    assert (check["invoice"], check["match"]) == (inv, True) and "seals" not in check
    # need-to-know holds on the way through the verify route too
    error(ledger.get(f"/v1/invoices/{inv}", "sme-t4/viewer"), 403, field="invoice_id")
    # a verify without a digest, where no document ends in /verify, is still refused
    error(ledger.get(f"/v1/invoices/{seller}/20260001/verify", "bank-b/viewer"), 422,
          field="digest", code="bad_args")
