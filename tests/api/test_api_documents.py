"""E-invoice files: a tax authority anchors a real UBL invoice; anyone checks a file."""

from __future__ import annotations

from api_support import Api, covers, error, ubl_invoice


@covers("POST /v1/invoices/anchor-file", "POST /v1/invoices/verify-file",
        "GET /v1/invoices/{invoice_id}", "GET /v1/invoices/{invoice_id}/verify")
def test_tax_authority_anchors_a_ubl_invoice_and_anyone_verifies_it(api: Api) -> None:
    name, data = ubl_invoice()
    files = {"file": (name, data, "application/xml")}
    result = api.ok("POST", "/v1/invoices/anchor-file", as_="tax-sh/operator", files=files)
    assert result["status"] == "committed" and result["ok"] is True
    (anchored,) = [e for e in result["events"] if e["name"] == "InvoiceAnchored"]
    attrs = anchored["attrs"]
    # issue116.xml: seller VAT SE123456789001, invoice 2018210, 830.00 SEK
    assert (attrs["seller"], attrs["currency"], attrs["total_amount"]) == (
        "VAT:SE123456789001", "SEK", 83_000)
    inv = attrs["invoice"]
    assert "2018210" in inv

    stored = api.ok("GET", f"/v1/invoices/{inv}", as_="tax-sh/viewer")
    assert stored["total_amount"] == 83_000 and stored["anchored_by"] == "tax-sh"
    assert stored["net_amount"] + stored["tax_amount"] == stored["total_amount"]

    for who in ("tax-sh/viewer", "sme-t1/viewer", "bank-b/viewer"):
        check = api.ok("POST", "/v1/invoices/verify-file", as_=who, files=files)
        assert check == {"invoice": inv, "match": True, "status": "valid", "kind": "invoice",
                         "currency": "SEK", "total_amount": 83_000, "amount_due": 83_000,
                         "financed": 0, "dilution": 0, "seals": None}  # not an OFD
    by_digest = api.ok("GET", f"/v1/invoices/{inv}/verify?digest={stored['digest']}",
                       as_="bank-b/viewer")
    assert by_digest["match"] is True

    # the same invoice with one byte changed outside its fields no longer matches
    tampered = data + b"\n<!-- edited -->\n"
    check = api.ok("POST", "/v1/invoices/verify-file", as_="bank-b/viewer",
                   files={"file": (name, tampered, "application/xml")})
    assert check["invoice"] == inv and check["match"] is False

    # anchoring the same invoice again conflicts, and stores nothing
    stored = api.stored()
    error(api.post("/v1/invoices/anchor-file", "tax-sh/operator", files=files), 409,
          field="number", code="conflict")
    assert api.stored() == stored


@covers("POST /v1/invoices/anchor-file")
def test_only_a_tax_authority_operator_anchors_files(shared: Api) -> None:
    name, data = ubl_invoice()
    files = {"file": (name, data, "application/xml")}
    stored = shared.stored()
    error(shared.post("/v1/invoices/anchor-file", "sme-t1/operator", files=files), 403,
          field="org", code="forbidden")
    error(shared.post("/v1/invoices/anchor-file", "sme-t1/admin", files=files), 403, field="org")
    error(shared.post("/v1/invoices/anchor-file", "tax-sh/viewer", files=files), 403,
          field="role")
    error(shared.post("/v1/invoices/anchor-file", "regulator/admin", files=files), 403,
          field="org")
    error(shared.post("/v1/invoices/anchor-file", files=files), 401)
    assert shared.stored() == stored


@covers("POST /v1/invoices/anchor-file", "POST /v1/invoices/verify-file")
def test_files_that_are_not_invoices_are_422_naming_file(shared: Api) -> None:
    stored = shared.stored()
    for path in ("/v1/invoices/anchor-file", "/v1/invoices/verify-file"):
        for name, data in [("notes.txt", b"hello, not XML"), ("empty.xml", b""),
                           ("other.xml", b"<?xml version='1.0'?><order><id>1</id></order>")]:
            r = shared.post(path, "tax-sh/operator", files={"file": (name, data, "text/plain")})
            error(r, 422, field="file")
        error(shared.post(path, "tax-sh/operator"), 422, field="file", code="bad_args")
    assert shared.stored() == stored


@covers("POST /v1/invoices/verify-file")
def test_verifying_a_file_that_was_never_anchored_is_404(shared: Api) -> None:
    name, data = ubl_invoice()
    error(shared.post("/v1/invoices/verify-file", "bank-b/viewer",
                      files={"file": (name, data, "application/xml")}), 404, field="file",
          code="not_found")
    error(shared.post("/v1/invoices/verify-file",
                      files={"file": (name, data, "application/xml")}), 401)


@covers("POST /v1/invoices/verify-file")
def test_oversized_upload_is_422(shared: Api) -> None:
    data = b"<x>" + b" " * (4 * 1024 * 1024) + b"</x>"
    error(shared.post("/v1/invoices/verify-file", "bank-b/viewer",
                      files={"file": ("big.xml", data, "application/xml")}), 422, field="file")
