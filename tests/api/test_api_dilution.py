"""Credit notes and dilution over the API: the demo's credit note on invoice 2, which was
already financed in full, is seen as dilution by the holders and the regulator only."""

from __future__ import annotations

from typing import Any

from api_support import Api, covers, error

from smechain.modules.invoice.contract import invoice_id


def _dilution_tx(api: Api) -> dict[str, Any]:
    page = api.ok("GET", "/v1/transactions?contract=invoice&limit=200", "regulator/viewer")
    for item in page["items"]:
        detail = api.ok("GET", f"/v1/transactions/{item['tx_hash']}", "regulator/viewer")
        if any(e["name"] == "InvoiceDiluted" for e in detail["receipt"]["events"]):
            return detail
    raise AssertionError("the demo's credit note recorded no dilution")


@covers("GET /v1/transactions", "GET /v1/transactions/{tx_hash}")
def test_holders_and_the_regulator_see_the_dilution(shared: Api) -> None:
    detail = _dilution_tx(shared)
    assert (detail["action"], detail["args"]["type_code"]) == ("anchor", "381")
    (diluted,) = [e for e in detail["receipt"]["events"] if e["name"] == "InvoiceDiluted"]
    attrs = diluted["attrs"]
    assert (attrs["amount_due"], attrs["financed"], attrs["dilution"]) == (
        114_000_000, 120_000_000, 6_000_000)
    assert attrs["holders"] == ["sme-t1"] and attrs["seller"] == "sme-t1"
    seen = shared.ok("GET", f"/v1/transactions/{detail['tx_hash']}", "sme-t1/viewer")
    assert seen["receipt"]["events"] == detail["receipt"]["events"]
    error(shared.get(f"/v1/transactions/{detail['tx_hash']}", "sme-t4/viewer"), 403,
          field="tx_hash")


@covers("GET /v1/invoices/{invoice_id}", "GET /v1/invoices/{invoice_id}/verify")
def test_the_invoice_shows_its_amount_due_after_credits_and_the_dilution(shared: Api) -> None:
    inv_id = shared.ids["invoices"][1]
    doc = shared.ok("GET", f"/v1/invoices/{inv_id}", "sme-t1/viewer")
    assert (doc["kind"], doc["total_amount"], doc["amount_due"]) == ("invoice", 120_000_000,
                                                                      120_000_000)
    financing = doc["financing"]
    assert (financing["amount_due"], financing["financed"], financing["dilution"]) == (
        114_000_000, 120_000_000, 6_000_000)
    credit = invoice_id(doc["seller"], "031002600111", "20269001")
    assert financing["credits"] == [credit]
    check = shared.ok("GET", f"/v1/invoices/{inv_id}/verify?digest={doc['digest']}",
                      "bank-b/viewer")
    assert (check["match"], check["amount_due"], check["dilution"]) == (True, 114_000_000,
                                                                        6_000_000)
    note = shared.ok("GET", f"/v1/invoices/{credit}", "core-a/viewer")
    assert (note["kind"], note["preceding"]) == ("credit_note", "20260002")


@covers("GET /healthz")
def test_health_says_failed_once_the_ledger_thread_has_stopped(api: Api) -> None:
    assert api.ok("GET", "/healthz")["status"] == "ok"
    api.demo.node._failure = RuntimeError("disk full")  # what the ledger thread records
    r = api.client.get("/healthz")
    assert r.status_code == 503
    assert r.json()["status"] == "failed" and "disk full" in r.json()["problem"]
    api.demo.node._failure = None
