"""Banking-day counting on the ledger's calendar: the shipped 2025 and 2026 years around
their holiday runs, the edges (0 days, negative, a year the ledger lacks), and a
Hypothesis property against a day-by-day reference on random calendars."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smechain.core.errors import BadArguments
from smechain.modules.calendar import queries as q
from smechain.modules.calendar.contract import Day, SetYear

from ..state_dict import DictState
from .shipped import entry, state_of

STATE = state_of()


@pytest.mark.parametrize(("date", "days", "due"), [
    # UCP 600 art. 14(b): five banking days following presentation, across the 2026
    # Spring Festival (Feb 15-23 off; Saturdays Feb 14 and Feb 28 worked)
    ("2026-02-12", 5, "2026-02-26"),   # Fri 13, Sat 14, Tue 24, Wed 25, Thu 26
    ("2026-02-13", 5, "2026-02-27"),
    ("2026-02-13", 1, "2026-02-14"),   # the worked Saturday counts
    ("2026-02-14", 1, "2026-02-24"),   # the whole run is skipped
    ("2026-02-16", 5, "2026-02-28"),   # presented on a holiday: Feb 24-27, Sat 28
    ("2026-02-16", 4, "2026-02-27"),
    ("2026-02-27", 1, "2026-02-28"),
    ("2026-02-28", 1, "2026-03-02"),
    # National Day 2026 (Oct 1-7 off; Sun Sep 20 and Sat Oct 10 worked)
    ("2026-09-18", 1, "2026-09-20"),
    ("2026-09-30", 1, "2026-10-08"),
    ("2026-09-30", 3, "2026-10-10"),
    # across the year end: Jan 1-3 2026 off, Sun Jan 4 worked
    ("2025-12-31", 1, "2026-01-04"),
    ("2025-12-30", 2, "2026-01-04"),
    # 2025's Spring Festival (Jan 28 - Feb 4 off; Sun Jan 26 and Sat Feb 8 worked)
    ("2025-01-24", 1, "2025-01-26"),
    ("2025-01-27", 1, "2025-02-05"),
    ("2025-02-07", 1, "2025-02-08"),
    # plain weeks
    ("2026-03-06", 1, "2026-03-09"),
    ("2026-03-06", 10, "2026-03-20"),
    ("2026-03-07", 5, "2026-03-13"),
])
def test_adding_banking_days(date: str, days: int, due: str) -> None:
    assert q.add_banking_days(STATE, date, days) == due
    assert q.banking_days_between(STATE, date, due) == days
    assert q.banking_days_between(STATE, due, date) == -days
    assert q.is_banking_day(STATE, due)


def test_adding_no_days_is_the_date_itself_whatever_it_is() -> None:
    assert q.add_banking_days(STATE, "2026-02-17", 0) == "2026-02-17"  # a holiday
    assert q.add_banking_days(STATE, "2026-03-07", 0) == "2026-03-07"  # a Saturday
    # nothing is counted, so no year is read
    assert q.add_banking_days(DictState(), "2031-05-01", 0) == "2031-05-01"
    assert q.banking_days_between(DictState(), "2031-05-01", "2031-05-01") == 0


def test_banking_days_of_the_shipped_years() -> None:
    assert q.is_banking_day(STATE, "2026-01-04")  # a Sunday worked
    assert not q.is_banking_day(STATE, "2026-01-02")  # a Friday off
    assert not q.is_banking_day(STATE, "2026-03-07")  # a plain Saturday
    assert q.is_banking_day(STATE, "2026-03-09")
    # 261 weekdays, 19 of them off, 6 weekend days worked
    assert q.banking_days_between(STATE, "2025-12-31", "2026-12-31") == 248
    assert q.banking_days_in(entry(_year(2026))) == 248
    assert q.roll_following(STATE, "2026-10-01") == "2026-10-08"
    assert q.roll_following(STATE, "2026-02-14") == "2026-02-14"
    assert q.roll_following(STATE, "2026-03-07") == "2026-03-09"


def _year(year: int) -> SetYear:
    from .shipped import shipped

    return shipped()[year]


def test_negative_and_too_many_days_are_refused_naming_the_field() -> None:
    with pytest.raises(BadArguments) as negative:
        q.add_banking_days(STATE, "2026-03-02", -1, days_field="examination_days")
    assert negative.value.field == "examination_days"
    assert "negative" in negative.value.reason
    with pytest.raises(BadArguments) as many:
        q.add_banking_days(STATE, "2026-03-02", q.MAX_BANKING_DAYS + 1)
    assert many.value.field == "days"


def test_a_malformed_date_is_refused_naming_its_field() -> None:
    with pytest.raises(BadArguments) as bad:
        q.add_banking_days(STATE, "2026-02-30", 1, date_field="presented_on")
    assert bad.value.field == "presented_on"
    with pytest.raises(BadArguments) as bad_day:
        q.is_banking_day(STATE, "26-3-1")
    assert bad_day.value.field == "day"


def test_a_year_the_ledger_lacks_is_refused_naming_the_year() -> None:
    # Dec 29, 30, 31 2026 are banking days; the fourth and fifth are in 2027
    assert q.add_banking_days(STATE, "2026-12-28", 3) == "2026-12-31"
    with pytest.raises(q.CalendarMissing) as into:
        q.add_banking_days(STATE, "2026-12-28", 5)
    assert into.value.code == "calendar_missing" and into.value.field == "days"
    assert "for 2027" in into.value.reason
    with pytest.raises(q.CalendarMissing) as on:
        q.is_banking_day(STATE, "2027-01-04", field="expiry")
    assert on.value.field == "expiry" and "2027" in on.value.message
    with pytest.raises(q.CalendarMissing) as before:
        q.banking_days_between(STATE, "2024-12-30", "2025-01-03")
    assert "for 2024" in before.value.reason
    with pytest.raises(q.CalendarMissing) as from_date:
        q.add_banking_days(STATE, "2024-06-03", 1, date_field="presented_on")
    assert from_date.value.field == "presented_on" and "2024" in from_date.value.reason


# --- the property: against a day-by-day reference -----------------------------------

YEARS = (2030, 2031, 2032)
FIRST, LAST = dt.date(2030, 1, 1), dt.date(2032, 12, 31)


SPAN = (LAST - FIRST).days
WEEKENDS = [n for n in range(SPAN + 1) if (FIRST + dt.timedelta(days=n)).weekday() >= 5]


@st.composite
def calendars(draw: st.DrawFn) -> tuple[set[dt.date], set[dt.date]]:
    """Random days off and weekend working days over 2030-2032 (disjoint), dense enough
    that counts often start or end on a listed day."""
    off = {FIRST + dt.timedelta(days=n) for n in draw(st.sets(st.integers(0, SPAN),
                                                             max_size=250))}
    work = {FIRST + dt.timedelta(days=n) for n in draw(st.sets(st.sampled_from(WEEKENDS),
                                                              max_size=150))}
    return off, work - off


@st.composite
def days_near(draw: st.DrawFn, cal: tuple[set[dt.date], set[dt.date]]) -> dt.date:
    """A day of 2030-2032: any, or a listed one, or one next to a listed one."""
    listed = sorted(cal[0] | cal[1])
    if listed and draw(st.booleans()):
        near = draw(st.sampled_from(listed)) + dt.timedelta(days=draw(st.integers(-1, 1)))
        return min(max(near, FIRST), LAST)
    return FIRST + dt.timedelta(days=draw(st.integers(0, SPAN)))


def reference_is_banking(day: dt.date, off: set[dt.date], work: set[dt.date]) -> bool:
    return (day.weekday() < 5 or day in work) and day not in off


def state_for(off: set[dt.date], work: set[dt.date]) -> DictState:
    years = [SetYear(y, [Day(d.isoformat(), "x") for d in sorted(off) if d.year == y]
                     or [Day(f"{y}-01-01", "new_years_day")],
                     [Day(d.isoformat(), "x") for d in sorted(work) if d.year == y], "test")
             for y in YEARS]
    return state_of(*years)


def effective_off(off: set[dt.date]) -> set[dt.date]:
    """``state_for`` lists Jan 1 for a year without days off (a year has one)."""
    return off | {dt.date(y, 1, 1) for y in YEARS if not any(d.year == y for d in off)}


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_adding_matches_a_day_by_day_walk(data: st.DataObject) -> None:
    off, work = cal = data.draw(calendars())
    start = data.draw(days_near(cal))
    days = data.draw(st.integers(0, 400))
    state = state_for(off, work)
    off = effective_off(off)
    expected: dt.date | None = start
    left = days
    while left:
        assert expected is not None
        expected += dt.timedelta(days=1)
        if expected > LAST:
            expected = None
            break
        left -= reference_is_banking(expected, off, work)
    if expected is None:
        with pytest.raises(q.CalendarMissing):
            q.add_banking_days(state, start.isoformat(), days)
    else:
        assert q.add_banking_days(state, start.isoformat(), days) == expected.isoformat()


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_counting_matches_a_day_by_day_count(data: st.DataObject) -> None:
    off, work = cal = data.draw(calendars())
    first, second = data.draw(days_near(cal)), data.draw(days_near(cal))
    state = state_for(off, work)
    off = effective_off(off)
    low, high = sorted((first, second))
    count = sum(reference_is_banking(low + dt.timedelta(days=n), off, work)
                for n in range(1, (high - low).days + 1))
    assert q.banking_days_between(state, first.isoformat(), second.isoformat()) == (
        count if first <= second else -count)
    assert q.is_banking_day(state, first.isoformat()) == reference_is_banking(first, off, work)
    rolled = next((first + dt.timedelta(days=n) for n in range((LAST - first).days + 1)
                   if reference_is_banking(first + dt.timedelta(days=n), off, work)), None)
    if rolled is None:  # every day to the last year's end is off: the next year is needed
        with pytest.raises(q.CalendarMissing):
            q.roll_following(state, first.isoformat())
    else:
        assert q.roll_following(state, first.isoformat()) == rolled.isoformat()
