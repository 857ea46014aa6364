"""A committed cash transfer as ISO 20022 XML over HTTP: the demo's payment from core-a to
sme-t1 as pacs.008 and pain.001, valid against the official XSDs and carrying what the
ledger recorded; to its two parties only; bad arguments named."""

from __future__ import annotations

import pytest
from api_support import Api, covers, error

from smechain.payments.iso20022 import PACS008, PAIN001, Party, iso_date, iso_datetime, uetr
from smechain.payments.reader import read_message

PACS = "/v1/cash/transfers/{tx}/pacs008?debtor_agent=BKCHCNBJ&creditor_agent=ICBKCNBJ300"
PAIN = "/v1/cash/transfers/{tx}/pain001?debtor_agent=BKCHCNBJ"
CORE = Party("Zhonghe Heavy Industries 中核重工", "core-a", "91310000MA1K000006")
SME = Party("Tier-1 Gearbox Co. 一级齿轮箱", "sme-t1", "91310000MA1K000107")


@covers("GET /v1/cash/transfers/{tx_hash}/pacs008")
def test_the_demo_transfer_as_a_pacs008_for_payer_and_payee(shared: Api) -> None:
    tx = shared.ids["cash_transfer"]
    committed = shared.ok("GET", f"/v1/transactions/{tx}", as_="core-a/viewer")
    for who in ("core-a/viewer", "sme-t1/viewer"):
        r = shared.get(PACS.format(tx=tx), who)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/xml")
        message = read_message(r.content)  # validates against the XSD
        assert message.definition == PACS008 and message.msg_id == tx[:32]
        assert message.created == iso_datetime(committed["timestamp_ms"])
        [t] = message.transfers
        assert (t.amount, t.currency, t.uetr, t.end_to_end_id) == (
            12_345_678, "CNY", uetr(bytes.fromhex(tx)), tx[:32])
        assert (t.debtor, t.creditor) == (CORE, SME)  # names, org ids, USCCs from the ledger
        assert (t.debtor_agent, t.creditor_agent) == ("BKCHCNBJ", "ICBKCNBJ300")
        assert t.date == iso_date(committed["timestamp_ms"])
        assert t.remittance == "PO 2026-118 gearboxes, advance 30%"
        assert b"<IntrBkSttlmAmt Ccy=\"CNY\">123456.78</IntrBkSttlmAmt>" in r.content


@covers("GET /v1/cash/transfers/{tx_hash}/pain001")
def test_the_demo_transfer_as_the_payers_pain001(shared: Api) -> None:
    tx = shared.ids["cash_transfer"]
    r = shared.get(PAIN.format(tx=tx), "core-a/operator")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    message = read_message(r.content)
    assert message.definition == PAIN001 and message.initiating_party == CORE
    [t] = message.transfers
    assert (t.amount, t.debtor_agent, t.creditor_agent) == (12_345_678, "BKCHCNBJ", "")
    named = shared.get(PAIN.format(tx=tx) + "&creditor_agent=ICBKCNBJ300", "core-a/viewer")
    assert read_message(named.content).transfers[0].creditor_agent == "ICBKCNBJ300"


@pytest.mark.parametrize("route", [
    pytest.param(PACS, marks=covers("GET /v1/cash/transfers/{tx_hash}/pacs008"), id="pacs008"),
    pytest.param(PAIN, marks=covers("GET /v1/cash/transfers/{tx_hash}/pain001"), id="pain001"),
])
def test_only_a_party_gets_a_committed_cash_transfer(shared: Api, route: str) -> None:
    tx = shared.ids["cash_transfer"]
    for stranger in ("bank-a/viewer", "pboc/operator", "regulator/viewer"):
        detail = error(shared.get(route.format(tx=tx), stranger), 404, "tx_hash", "not_found")
        assert "no cash transfer of" in detail["message"]
    error(shared.get(route.format(tx="ab" * 32), "core-a/viewer"), 404, "tx_hash")
    issued = next(t for t in shared.ok("GET", "/v1/transactions?contract=cash&limit=200",
                                       as_="core-a/viewer")["items"]
                  if t["action"] == "issue")  # a committed cash movement, not a transfer
    detail = error(shared.get(route.format(tx=issued["tx_hash"]), "core-a/viewer"), 404,
                   "tx_hash")
    assert "no committed cash transfer" in detail["message"]
    error(shared.get(route.format(tx="not-hex"), "core-a/viewer"), 422, "tx_hash", "bad_args")
    error(shared.get(route.format(tx=tx)), 401)


@covers("GET /v1/cash/transfers/{tx_hash}/pacs008", "GET /v1/cash/transfers/{tx_hash}/pain001")
def test_the_banks_bics_are_required_and_checked(shared: Api) -> None:
    tx = shared.ids["cash_transfer"]
    base = f"/v1/cash/transfers/{tx}"
    error(shared.get(f"{base}/pacs008?debtor_agent=BKCHCNBJ", "core-a/viewer"), 422,
          "creditor_agent", "bad_args")
    error(shared.get(f"{base}/pacs008?creditor_agent=BKCHCNBJ", "core-a/viewer"), 422,
          "debtor_agent", "bad_args")
    error(shared.get(f"{base}/pain001", "core-a/viewer"), 422, "debtor_agent", "bad_args")
    for bad in ("BKCH", "bkchcnbj", "BKCHCNBJ3000"):
        error(shared.get(f"{base}/pacs008?debtor_agent={bad}&creditor_agent=ICBKCNBJ",
                         "core-a/viewer"), 422, "debtor_agent", "bad_args")
        error(shared.get(f"{base}/pain001?debtor_agent=BKCHCNBJ&creditor_agent={bad}",
                         "core-a/viewer"), 422, "creditor_agent", "bad_args")
