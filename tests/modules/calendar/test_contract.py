"""``calendar.set_year`` through the executor: who may set a year, every refusal naming
the entry at fault, and a replacement kept in the year's history."""

from __future__ import annotations

from typing import Any

import pytest

from smechain.core.encoding import decode
from smechain.modules.calendar import queries as q
from smechain.modules.calendar.contract import CalendarYear, year_key

from ..conftest import Chain, block_timestamp

CENTRAL_BANK = "pboc"
"""The test consortium's cash issuer of CNY (the central issuer: it appointed no operator
yet)."""


def year_args(**changes: Any) -> dict[str, Any]:
    """A small 2026: New Year's Day run and its Sunday working day, the Spring Festival
    run and its two Saturdays."""
    args: dict[str, Any] = {
        "year": 2026,
        "holidays": [{"date": d, "name": "new_years_day"}
                     for d in ("2026-01-01", "2026-01-02", "2026-01-03")]
        + [{"date": f"2026-02-{n}", "name": "spring_festival"} for n in range(15, 24)],
        "working_days": [{"date": "2026-01-04", "name": "new_years_day"},
                         {"date": "2026-02-14", "name": "spring_festival"},
                         {"date": "2026-02-28", "name": "spring_festival"}],
        "source": "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）",
    }
    return {**args, **changes}


def stored(chain: Chain, year: int) -> CalendarYear | None:
    raw = chain.store.get(year_key(year))
    return None if raw is None else decode(raw, CalendarYear)


def test_the_central_bank_sets_a_year_and_days_count_on_it(chain: Chain) -> None:
    (receipt,) = chain.ok(chain.tx("calendar", "set_year", year_args(), chain.key(CENTRAL_BANK)))
    (event,) = receipt.events
    assert (event.name, event.attrs["year"], event.attrs["revision"]) == ("CalendarYearSet",
                                                                         2026, 1)
    assert (event.attrs["holidays"], event.attrs["working_days"]) == (12, 3)
    entry = stored(chain, 2026)
    assert entry is not None
    assert (entry.revision, entry.set_by, entry.set_at_ms) == (1, "pboc", block_timestamp(1))
    assert entry.tx == receipt.tx_hash.hex() and entry.earlier == []
    assert q.is_banking_day(chain.store, "2026-02-14")  # a Saturday, worked
    assert not q.is_banking_day(chain.store, "2026-02-16")  # Monday of the festival
    assert q.add_banking_days(chain.store, "2026-02-13", 1) == "2026-02-14"
    assert q.add_banking_days(chain.store, "2026-02-14", 1) == "2026-02-24"


def test_a_year_set_again_replaces_it_and_remembers_the_earlier_entry(chain: Chain) -> None:
    chain.ok(chain.tx("calendar", "set_year", year_args(), chain.key(CENTRAL_BANK)))
    first = stored(chain, 2026)
    assert first is not None
    # the Spring Festival extended by a day, as in 2020
    extended = year_args(holidays=[*year_args()["holidays"],
                                   {"date": "2026-02-24", "name": "spring_festival"}],
                         source="国务院办公厅关于延长2026年春节假期的通知")
    (receipt,) = chain.ok(chain.tx("calendar", "set_year", extended, chain.key(CENTRAL_BANK)))
    assert receipt.events[0].attrs["revision"] == 2
    entry = stored(chain, 2026)
    assert entry is not None and entry.revision == 2
    assert [(r.revision, r.tx, r.holidays, r.source) for r in entry.earlier] == [
        (1, first.tx, 12, first.source)]
    assert [d.date for d in entry.holidays][-1] == "2026-02-24"
    assert q.add_banking_days(chain.store, "2026-02-14", 1) == "2026-02-25"


def test_a_year_is_stored_in_date_order(chain: Chain) -> None:
    args = year_args()
    args["holidays"] = list(reversed(args["holidays"]))
    chain.ok(chain.tx("calendar", "set_year", args, chain.key(CENTRAL_BANK)))
    entry = stored(chain, 2026)
    assert entry is not None
    dates = [d.date for d in entry.holidays]
    assert dates == sorted(dates)


@pytest.mark.parametrize("org", ["bank-a", "sme-1", "tax", "wh-1", "customs-sh"])
def test_only_the_central_bank_sets_a_year(chain: Chain, org: str) -> None:
    receipt = chain.expect_failed(chain.tx("calendar", "set_year", year_args(),
                                           chain.key(org)), "unauthorised")
    assert "cash_issuer" in receipt.message


def test_an_operating_institution_does_not_set_the_calendar(chain: Chain) -> None:
    """A commercial bank the central bank appointed to distribute e-CNY holds the cash
    issuer role too; it is a party to credits, so it sets no deadlines' calendar."""
    key = chain.new_key()
    chain.ok(chain.tx("membership", "add_org", {"id": "op-bank", "name": "Operating Bank",
                                                "roles": ["bank", "cash_issuer"],
                                                "admin_key": key.public},
                      [chain.key("pboc"), chain.key("bank-a")]))
    chain.keys["op-bank"] = key
    chain.ok(chain.tx("cash", "appoint_operator", {"currency": "CNY", "org": "op-bank"},
                      chain.key("pboc")))
    receipt = chain.expect_failed(chain.tx("calendar", "set_year", year_args(), key),
                                  "unauthorised")
    assert "operating institution of CNY" in receipt.message
    chain.ok(chain.tx("calendar", "set_year", year_args(), chain.key(CENTRAL_BANK)))


def _holiday(i: int, date: str, name: str = "spring_festival") -> dict[str, Any]:
    args = year_args()
    args["holidays"][i] = {"date": date, "name": name}
    return args


def _working(i: int, date: str) -> dict[str, Any]:
    args = year_args()
    args["working_days"][i] = {"date": date, "name": "spring_festival"}
    return args


REFUSALS = [
    (_holiday(1, "2026-2-02"), "holidays[1].date", "is not YYYY-MM-DD"),
    (_holiday(1, "2026-02-30"), "holidays[1].date", "is not a calendar date"),
    (_holiday(1, "20260202"), "holidays[1].date", "is not YYYY-MM-DD"),
    (_holiday(4, "2025-12-31"), "holidays[4].date", "is not in 2026"),
    (_holiday(5, "2026-01-01"), "holidays[5].date", "listed twice (also holidays[0])"),
    (_holiday(2, "2026-01-03", "New Year"), "holidays[2].name", "lower-case key"),
    (_working(1, "2026-01-03"), "working_days[1].date", "also a holiday (holidays[2])"),
    (_working(0, "2026-02-15"), "working_days[0].date", "also a holiday (holidays[3])"),
    (_working(2, "2026-03-02"), "working_days[2].date", "is a Monday, a working day already"),
    (_working(2, "2027-02-27"), "working_days[2].date", "is not in 2026"),
    (_working(2, "2026-02-14"), "working_days[2].date", "listed twice"),
    (year_args(year=1999), "year", "from 2000 to 2099"),
    (year_args(holidays=[]), "holidays", "no holidays listed for 2026"),
    (year_args(source=" "), "source", "name the notice"),
    (year_args(source="x" * 201), "source", "1 to 200 characters"),
    (year_args(holidays=[{"date": "2026-01-01", "name": "x"}] * 121), "holidays",
     "at most 120"),
]


@pytest.mark.parametrize(("args", "field", "reason"), REFUSALS,
                         ids=[f"{r[1]}-{i}" for i, r in enumerate(REFUSALS)])
def test_a_bad_year_is_refused_naming_the_entry(chain: Chain, args: dict[str, Any],
                                                field: str, reason: str) -> None:
    receipt = chain.expect_failed(chain.tx("calendar", "set_year", args, chain.key(CENTRAL_BANK)),
                                  "bad_args")
    assert receipt.field == field
    assert reason in receipt.message
    assert stored(chain, args["year"]) is None


def test_a_malformed_argument_is_refused_before_it_runs(chain: Chain) -> None:
    args = year_args()
    args["holidays"][0] = {"date": "2026-01-01", "name": "new_years_day", "half": True}
    receipt = chain.expect_failed(chain.tx("calendar", "set_year", args, chain.key(CENTRAL_BANK)),
                                  "bad_args")
    assert receipt.field == "args.holidays[0].half"
    assert "unknown field" in receipt.message
