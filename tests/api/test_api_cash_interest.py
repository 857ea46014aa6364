"""Interest on digital cash over HTTP: a wallet's interest, a currency's terms, and a
refused rate that stores nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from api_support import Api, covers, error, seeded_api

from demo_template import DemoTemplate

YESTERDAY = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory,
           demo_template: DemoTemplate) -> Iterator[Api]:
    api = seeded_api(tmp_path_factory.mktemp("cash-interest-demo") / "demo", demo_template)
    yield api
    api.close()


@covers("GET /v1/cash/interest")
def test_a_wallet_has_earned_at_the_demo_settlement_and_accrues_since(ledger: Api) -> None:
    settled = ledger.ids["interest_settled"]
    found = ledger.ok("GET", "/v1/cash/interest", as_="core-a/viewer")
    assert found["org"] == "core-a" and found["wallet_class"] == "real_name"
    assert found["rate_bp"] == 5
    assert [p["date"] for p in found["history"]] == [settled]
    assert found["earned"] == found["history"][0]["interest"] > 0
    assert found["accrued"] >= 0 and found["due"] == []
    # 0.05% on 50 million yuan is about 685 yuan a quarter: the demo's figure is that order
    assert 0 < found["earned"] < 5_000_000_000 * 5 * 92 // 3_650_000 + 1
    error(ledger.get("/v1/cash/interest?org=core-a", "sme-t1/viewer"), 403, field="org")
    error(ledger.get("/v1/cash/interest?on=2026-02-30", "core-a/viewer"), 422, field="on")


@covers("GET /v1/cash/terms/{currency}")
def test_the_terms_show_rates_dates_and_who_is_unsettled(ledger: Api) -> None:
    terms = ledger.ok("GET", "/v1/cash/terms/CNY", as_="pboc/operator")
    assert terms["current"] == {"real_name": 5, "anonymous": 0}
    assert terms["schedules"][0]["months"] == [3, 6, 9, 12]
    assert terms["last_date"] == ledger.ids["interest_settled"]
    assert (terms["operators"], terms["revoked"]) == ([], [])  # the demo's CNY is one-tier
    # the demo settled every member of the day; the factor admitted today is not settled
    assert terms["unsettled"] == ["factor-y"]
    assert ledger.ok("GET", "/v1/cash/terms/CNY", as_="sme-t1/viewer")["unsettled"] == []
    assert ledger.ok("GET", "/v1/cash/terms/USD", as_="sme-t1/viewer")["rates"] == []


@covers("POST /v1/contracts/cash/set_rate")
def test_a_retroactive_rate_is_refused_and_stores_nothing(ledger: Api) -> None:
    before = ledger.ok("GET", "/v1/cash/terms/CNY", as_="pboc/operator")
    detail = error(ledger.post("/v1/contracts/cash/set_rate", "pboc/operator",
                               json={"currency": "CNY", "rate_bp": 35, "effective": YESTERDAY}),
                   422, field="effective", code="bad_args")
    assert "never retroactively" in detail["message"]
    error(ledger.post("/v1/contracts/cash/set_rate", "sme-t1/operator",
                      json={"currency": "CNY", "rate_bp": 35, "effective": YESTERDAY}), 403)
    assert ledger.ok("GET", "/v1/cash/terms/CNY", as_="pboc/operator") == before


@covers("GET /v1/cash/interest")
def test_the_day_of_an_interest_answer_is_checked(ledger: Api) -> None:
    today = ledger.ok("GET", "/v1/cash/interest", as_="core-a/viewer")
    assert ledger.ok("GET", "/v1/cash/interest", as_="core-a/viewer",
                     params={"on": today["as_of"]}) == today
    horizon = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 3653 * 86400))
    later = ledger.ok("GET", "/v1/cash/interest", as_="core-a/viewer", params={"on": horizon})
    assert 36 <= len(later["due"]) <= 41  # quarterly for ten years: a bounded answer
    # before the wallet's accrual day (the demo's settlement date is before it), far past,
    # past the horizon: refused naming on
    for on in (ledger.ids["interest_settled"], "0001-01-01", "9999-01-01",
               time.strftime("%Y-%m-%d", time.gmtime(time.time() + 3655 * 86400))):
        detail = error(ledger.get("/v1/cash/interest", "core-a/viewer", params={"on": on}),
                       422, field="on", code="bad_args")
        assert len(detail["message"]) < 300
