"""Loans over HTTP on the demo: an SME sees its loans with schedules, a bank its queue and
portfolio by days past due, the IP office its pledges, customs its export records; no one
sees another's loan."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_support import Api, covers, error, seeded_api

from demo_template import DemoTemplate


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory,
           demo_template: DemoTemplate) -> Iterator[Api]:
    api = seeded_api(tmp_path_factory.mktemp("loans-demo") / "demo", demo_template)
    yield api
    api.close()


@covers("GET /v1/loans", "GET /v1/loans/{loan_id}")
def test_an_sme_sees_its_loans_with_schedules(ledger: Api) -> None:
    ids = ledger.ids
    page = ledger.ok("GET", "/v1/loans", as_="sme-t2/viewer", params={"role": "sme"})
    (loan,) = page["items"]
    assert loan["id"] == ids["ip_loan"] and loan["basis"]["kind"] == "ip_pledge"
    assert loan["status"] == "active" and len(loan["schedule"]) == 12
    assert sum(i["principal"] for i in loan["schedule"]) == loan["terms"]["amount"]
    assert loan["band"] and loan["score_digest"]
    assert loan["standing"]["outstanding"] < loan["terms"]["amount"]  # repaid some today
    assert loan["time_to_cash_ms"] > 0
    assert set(loan["actions"]) <= {"repay", "repay_early"}
    one = ledger.ok("GET", f"/v1/loans/{ids['ip_loan']}", as_="bank-a/viewer")
    assert one["id"] == ids["ip_loan"] and "decide" not in one["actions"]
    error(ledger.get(f"/v1/loans/{ids['ip_loan']}", "sme-t1/viewer"), 404, field="loan_id")
    error(ledger.get("/v1/loans", "sme-t1/viewer", params={"org": "sme-t2"}), 403, field="org")
    assert ledger.ok("GET", "/v1/loans", as_="regulator/viewer",
                     params={"org": "bank-a", "role": "bank"})["total"] == 3


@covers("GET /v1/loans/queue")
def test_the_banks_queue_holds_applications_awaiting_a_decision(ledger: Api) -> None:
    queue = ledger.ok("GET", "/v1/loans/queue", as_="bank-a/viewer")
    assert [q["id"] for q in queue] == [ledger.ids["queued_loan"]]
    assert queue[0]["actions"] == ["decide"] and queue[0]["score"] is None
    error(ledger.get("/v1/loans/queue", "sme-t1/viewer"), 403, field="org")


@covers("GET /v1/loans/portfolio")
def test_the_portfolio_by_status_and_days_past_due(ledger: Api) -> None:
    p = ledger.ok("GET", "/v1/loans/portfolio", as_="bank-a/viewer")
    assert p["bank"] == "bank-a" and p["currency"] == "CNY" and p["currencies"] == ["CNY"]
    owed = sum(loan["standing"]["outstanding"] for loan in ledger.ok(
        "GET", "/v1/loans", as_="bank-a/viewer", params={"role": "bank",
                                                         "status": "active"})["items"])
    assert 0 < owed < 680_000_000  # both borrowers repaid some principal today
    # amount: principal lent (asked, before disbursement); outstanding: principal owed
    assert p["by_status"]["active"] == {"count": 2, "amount": 680_000_000, "outstanding": owed}
    assert p["by_status"]["applied"] == {"count": 1, "amount": 30_000_000, "outstanding": 0}
    assert p["by_bucket"]["current"] == {"count": 2, "amount": 680_000_000, "outstanding": owed}
    assert p["time_to_cash_ms"] >= 0
    assert ledger.ok("GET", "/v1/loans/portfolio", as_="bank-a/viewer",
                     params={"currency": "USD"})["by_status"]["active"]["count"] == 0
    # regulators see any bank's; nobody else has a portfolio
    assert ledger.ok("GET", "/v1/loans/portfolio", as_="regulator/viewer",
                     params={"org": "bank-a"}) == p
    error(ledger.get("/v1/loans/portfolio", "sme-t2/viewer"), 403, field="org")
    error(ledger.get("/v1/loans/portfolio", "bank-b/viewer", params={"org": "bank-a"}), 403,
          field="org")
    error(ledger.get("/v1/loans/portfolio", "regulator/viewer", params={"org": "sme-t2"}),
          404, field="org")


def test_loans_by_an_unknown_status_are_refused(ledger: Api) -> None:
    error(ledger.get("/v1/loans", "sme-t2/viewer", params={"status": "bogus"}), 422,
          field="status")
    page = ledger.ok("GET", "/v1/loans", as_="sme-t2/viewer", params={"status": "active"})
    assert page["total"] == 1


@covers("GET /v1/loans/pledges", "GET /v1/loans/export-records")
def test_pledges_and_export_records_for_their_offices(ledger: Api) -> None:
    (pledge,) = ledger.ok("GET", "/v1/loans/pledges", as_="cnipa/viewer")
    assert pledge["id"] == ledger.ids["pledge"] and pledge["status"] == "registered"
    assert pledge["actions"] == []
    assert ledger.ok("GET", "/v1/loans/pledges", as_="bank-a/viewer")[0]["actions"] == [
        "release_pledge"]
    assert ledger.ok("GET", "/v1/loans/pledges", as_="bank-b/viewer") == []
    (record,) = ledger.ok("GET", "/v1/loans/export-records", as_="customs-sh/viewer")
    # lent: the export loan's principal not yet repaid (the demo repays some of it today)
    loan = ledger.ok("GET", f"/v1/loans/{ledger.ids['export_loan']}", as_="bank-a/viewer")
    assert record["id"] == ledger.ids["export_record"]
    assert record["lent"] == loan["standing"]["outstanding"] < 600_000_000
    assert ledger.ok("GET", "/v1/loans/export-records", as_="sme-t1/viewer") == []


@covers("GET /v1/stats/lending")
def test_lending_by_product_kind_region_and_time_to_disbursement(ledger: Api) -> None:
    stats = ledger.ok("GET", "/v1/stats/lending", as_="regulator/viewer")
    # The demo's two disbursed loans cite Bank A's products by kind; all its borrowers'
    # USCCs are registered in Shanghai (division 31xxxx).
    assert stats["loans"] == 2 and stats["amount"] == 680_000_000
    assert stats["by_kind"] == {"export_record": {"count": 1, "amount": 600_000_000},
                                "ip_pledge": {"count": 1, "amount": 80_000_000}}
    assert stats["by_region"] == {"31": {"count": 2, "amount": 680_000_000, "by_kind": {
        "export_record": 600_000_000, "ip_pledge": 80_000_000}}}
    assert stats["pending"] == {"count": 1, "amount": 30_000_000}
    waits = stats["waits"]
    assert waits["count"] == 2 == sum(b["count"] for b in waits["bins"])
    assert 0 < waits["median_ms"] <= waits["p90_ms"]
    assert waits["bins"][0]["label"] == "<1h" and waits["bins"][-1]["upto_ms"] == 0
    # A bank sees its own lending, an SME its own borrowing, nobody another's.
    assert ledger.ok("GET", "/v1/stats/lending", as_="bank-a/viewer")["amount"] == 680_000_000
    assert ledger.ok("GET", "/v1/stats/lending", as_="bank-b/viewer")["loans"] == 0
    mine = ledger.ok("GET", "/v1/stats/lending", as_="sme-t2/viewer")
    assert mine["by_kind"] == {"ip_pledge": {"count": 1, "amount": 80_000_000}}
    assert ledger.ok("GET", "/v1/stats/lending", as_="regulator/viewer",
                     params={"currency": "USD"})["loans"] == 0
    error(ledger.get("/v1/stats/lending", "regulator/viewer", params={"currency": "cny"}),
          422, field="currency")
