"""The China banking-day calendar over HTTP on the demo: the years the central bank loaded
at the demo's start, one year's days, banking-day arithmetic for any member, and a year
the ledger does not hold refused by name; a replacement is a transaction in the year's
history."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import Api, covers, error, seeded_api

from demo_template import DemoTemplate
from smechain.modules.calendar import datafile

DATA = Path(datafile.__file__).parent / "data"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory,
           demo_template: DemoTemplate) -> Iterator[Api]:
    api = seeded_api(tmp_path_factory.mktemp("calendar-demo") / "demo", demo_template)
    yield api
    api.close()


@covers("GET /v1/calendar", "GET /v1/calendar/{year}")
def test_every_member_reads_the_years_the_demo_loaded(ledger: Api) -> None:
    assert ledger.ids["calendar_years"] == [2025, 2026]
    years = ledger.ok("GET", "/v1/calendar", as_="sme-t4/viewer")
    assert [(y["year"], y["revision"], y["set_by"]) for y in years] == [
        (2025, 1, "pboc"), (2026, 1, "pboc")]
    assert years[1]["banking_days"] == 248 and years[1]["working_days"] == 6
    y = ledger.ok("GET", "/v1/calendar/2026", as_="warehouse-sh/viewer")
    assert y["holidays"][3] == {"date": "2026-02-15", "name": "spring_festival"}
    assert [d["date"] for d in y["working_days"]][:3] == ["2026-01-04", "2026-02-14",
                                                           "2026-02-28"]
    assert y["earlier"] == [] and len(y["tx"]) == 64
    error(ledger.get("/v1/calendar/2027", "sme-t4/viewer"), 404, field="year", code="not_found")
    error(ledger.get("/v1/calendar/20260", "sme-t4/viewer"), 404, field="year")
    assert ledger.get("/v1/calendar/2026", None).status_code == 401


@covers("GET /v1/calendar/add", "GET /v1/calendar/between")
def test_banking_day_arithmetic_on_the_ledger(ledger: Api) -> None:
    added = ledger.ok("GET", "/v1/calendar/add", as_="bank-b/viewer",
                      params={"date": "2026-02-13", "days": 5})
    assert added == {"date": "2026-02-13", "days": 5, "result": "2026-02-27"}
    assert ledger.ok("GET", "/v1/calendar/add", as_="bank-b/viewer",
                     params={"date": "2026-10-01", "days": 0})["result"] == "2026-10-01"
    between = ledger.ok("GET", "/v1/calendar/between", as_="sme-t1/viewer",
                        params={"start": "2026-09-30", "end": "2026-10-10"})
    assert between["banking_days"] == 3
    # refusals name the parameter
    error(ledger.get("/v1/calendar/add", "bank-b/viewer", params={"date": "2026-12-28",
                                                                  "days": 5}),
          409, field="days", code="calendar_missing")
    r = ledger.get("/v1/calendar/add", "bank-b/viewer", params={"date": "2026-12-28", "days": 5})
    assert "2027" in r.json()["error"]["message"]
    error(ledger.get("/v1/calendar/add", "bank-b/viewer", params={"date": "2026-03-02",
                                                                  "days": -1}),
          422, field="days", code="bad_args")
    error(ledger.get("/v1/calendar/add", "bank-b/viewer", params={"date": "2026-02-30",
                                                                  "days": 1}),
          422, field="date", code="bad_args")
    error(ledger.get("/v1/calendar/add", "bank-b/viewer", params={"date": "2026-03-02",
                                                                  "days": "five"}),
          422, field="days")
    error(ledger.get("/v1/calendar/between", "bank-b/viewer",
                     params={"start": "2024-12-30", "end": "2026-01-05"}),
          409, field="end", code="calendar_missing")
    error(ledger.get("/v1/calendar/between", "bank-b/viewer",
                     params={"start": "1 May", "end": "2026-01-05"}), 422, field="start")


@covers("POST /v1/contracts/calendar/set_year", "GET /v1/calendar/{year}")
def test_the_central_bank_replaces_a_year_and_the_old_entry_stays_in_its_history(
        ledger: Api) -> None:
    doc = json.loads((DATA / "cn-2026.json").read_text(encoding="utf-8"))
    first = ledger.ok("GET", "/v1/calendar/2026", as_="pboc/viewer")
    # the Spring Festival extended by a day, as the State Council did in 2020
    doc["holidays"].append({"date": "2026-02-24", "name": "spring_festival"})
    doc["source"] = "国务院办公厅关于延长2026年春节假期的通知"
    result = ledger.ok("POST", "/v1/contracts/calendar/set_year", as_="pboc/operator", json=doc)
    assert result["events"][0]["attrs"]["revision"] == 2
    y = ledger.ok("GET", "/v1/calendar/2026", as_="sme-t1/viewer")
    assert y["revision"] == 2 and y["tx"] == result["tx_hash"]
    assert [(e["revision"], e["tx"]) for e in y["earlier"]] == [(1, first["tx"])]
    assert ledger.ok("GET", "/v1/calendar/add", as_="sme-t1/viewer",
                     params={"date": "2026-02-13", "days": 5})["result"] == "2026-02-28"
    # a malformed file is refused naming the entry, and nothing changes
    doc["working_days"][0]["date"] = "2026-02-24"
    height = ledger.height()
    error(ledger.post("/v1/contracts/calendar/set_year", "pboc/operator", json=doc), 422,
          field="working_days[0].date", code="bad_args")
    assert ledger.height() == height
    # regulators read; they do not transact
    error(ledger.post("/v1/contracts/calendar/set_year", "regulator/admin", json=doc), 403,
          field="org")
