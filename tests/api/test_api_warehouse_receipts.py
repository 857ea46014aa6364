"""Warehouse receipts over HTTP on the demo: each party sees its receipts and no stranger
does; a pledge and the transfer of a pledged receipt are proposals the bank co-signs; the
collateral view says what a receipt may still secure."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_support import Api, covers, error, seeded_api

from demo_template import DemoTemplate


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory,
           demo_template: DemoTemplate) -> Iterator[Api]:
    api = seeded_api(tmp_path_factory.mktemp("receipts-demo") / "demo", demo_template)
    yield api
    api.close()


@covers("GET /v1/warehouse-receipts", "GET /v1/warehouse-receipts/{receipt_id}",
        "GET /v1/warehouse-receipts/{receipt_id}/collateral")
def test_each_party_sees_its_receipts_and_strangers_none(ledger: Api) -> None:
    pledged, free = ledger.ids["pledged_receipt"], ledger.ids["free_receipt"]
    held = ledger.ok("GET", "/v1/warehouse-receipts", as_="sme-t4/viewer",
                     params={"role": "holder"})
    assert [r["id"] for r in held["items"]] == [free, pledged]  # newest first
    by_id = {r["id"]: r for r in held["items"]}
    assert by_id[pledged]["status"] == "pledged" and by_id[pledged]["pledgee"] == "bank-b"
    assert by_id[pledged]["reference"] == "BB-WC-2026-017"
    assert by_id[pledged]["actions"] == ["transfer"]
    assert by_id[free]["actions"] == ["transfer", "pledge"]
    issued = ledger.ok("GET", "/v1/warehouse-receipts", as_="warehouse-sh/viewer",
                       params={"role": "warehouse", "status": "issued"})
    assert [r["id"] for r in issued["items"]] == [free]
    assert issued["items"][0]["actions"] == ["deliver"]
    in_pledge = ledger.ok("GET", "/v1/warehouse-receipts", as_="bank-b/viewer",
                          params={"role": "pledgee"})
    assert [(r["id"], r["actions"]) for r in in_pledge["items"]] == [
        (pledged, ["release", "enforce"])]
    one = ledger.ok("GET", f"/v1/warehouse-receipts/{pledged}", as_="bank-b/viewer")
    assert (one["goods"], one["unit"], one["value"]) == (
        "Electrolytic copper cathodes, grade A (GB/T 467-2010)", "KGM", 182_500_000)
    c = ledger.ok("GET", f"/v1/warehouse-receipts/{pledged}/collateral", as_="bank-b/viewer")
    assert c == {"id": pledged, "value": 182_500_000, "currency": "CNY", "holder": "sme-t4",
                 "status": "pledged", "pledgee": "bank-b", "pledged": True, "free_value": 0}
    assert ledger.ok("GET", f"/v1/warehouse-receipts/{free}/collateral",
                     as_="sme-t4/viewer")["free_value"] == 24_600_000
    # strangers are told nothing; regulators read everything
    for path in (f"/v1/warehouse-receipts/{pledged}",
                 f"/v1/warehouse-receipts/{pledged}/collateral"):
        error(ledger.get(path, "bank-a/viewer"), 404, field="receipt_id")
    assert ledger.ok("GET", "/v1/warehouse-receipts", as_="bank-a/viewer")["total"] == 0
    error(ledger.get("/v1/warehouse-receipts", "bank-a/viewer", params={"org": "sme-t4"}),
          403, field="org")
    assert ledger.ok("GET", "/v1/warehouse-receipts", as_="regulator/viewer",
                     params={"org": "sme-t4"})["total"] == 2
    error(ledger.get("/v1/warehouse-receipts", "sme-t4/viewer", params={"role": "owner"}), 422)
    error(ledger.get("/v1/warehouse-receipts", "sme-t4/viewer", params={"status": "lost"}), 422)


@covers("POST /v1/contracts/warehouse_receipt/transfer",
        "POST /v1/contracts/warehouse_receipt/release",
        "POST /v1/contracts/warehouse_receipt/deliver", "POST /v1/proposals")
def test_a_pledged_receipt_moves_with_the_banks_consent(ledger: Api) -> None:
    pledged = ledger.ids["pledged_receipt"]
    # alone, the holder is told who must co-sign and where such transactions go
    refused = error(ledger.post("/v1/contracts/warehouse_receipt/transfer", "sme-t4/operator",
                                json={"id": pledged, "to": "sme-t3", "pledgee": "bank-b"}),
                    403, field="pledgee", code="unauthorised")
    assert "/v1/proposals" in refused["message"] and "bank-b" in refused["message"]
    proposal = ledger.ok("POST", "/v1/proposals", as_="sme-t4/operator", status=201, json={
        "contract": "warehouse_receipt", "action": "transfer",
        "args": {"id": pledged, "to": "sme-t3", "pledgee": "bank-b"}, "cosigners": ["bank-b"]})
    signed = ledger.ok("POST", f"/v1/proposals/{proposal['id']}/sign", as_="bank-b/operator")
    assert signed["status"] == "done"
    r = ledger.ok("GET", f"/v1/warehouse-receipts/{pledged}", as_="sme-t3/viewer")
    assert (r["holder"], r["pledgee"], r["pledgor"]) == ("sme-t3", "bank-b", "sme-t4")
    # the bank releases on repayment; the new holder then takes the goods out, which the
    # warehouse records only with the holder co-signing its surrender
    ledger.ok("POST", "/v1/contracts/warehouse_receipt/release", as_="bank-b/operator",
              json={"id": pledged})
    error(ledger.post("/v1/contracts/warehouse_receipt/deliver", "warehouse-sh/operator",
                      json={"id": pledged, "holder": "sme-t3"}), 403, field="holder",
          code="unauthorised")
    out = ledger.ok("POST", "/v1/proposals", as_="warehouse-sh/operator", status=201, json={
        "contract": "warehouse_receipt", "action": "deliver",
        "args": {"id": pledged, "holder": "sme-t3"}, "cosigners": ["sme-t3"]})
    ledger.ok("POST", f"/v1/proposals/{out['id']}/sign", as_="sme-t3/operator")
    assert ledger.ok("GET", f"/v1/warehouse-receipts/{pledged}",
                     as_="warehouse-sh/viewer")["status"] == "delivered"
