"""Banking days on the ledger's China calendar: the counting every deadline uses.

Pure: each function takes a state reader (``StateReader``: ``get(key)``; a contract's
``TxState`` or a peer's store) and ISO dates (``YYYY-MM-DD``). A day is a **banking
day** when it is Monday to Friday or a listed weekend working day of its year, and not
a listed holiday. A year with no entry on the ledger is never guessed at: counting that
needs a day of it raises ``CalendarMissing`` naming the year, so a contract computing a
deadline refuses rather than answers wrongly.

- ``is_banking_day(state, day)``.
- ``add_banking_days(state, date, days)``: the ``days``-th banking day after ``date``
  (``date`` itself not counted, whatever it is); ``date`` itself for 0. The UCP 600
  art. 14(b) examination deadline is ``add_banking_days(state, presentation, 5)``.
- ``banking_days_between(state, a, b)``: the banking days after ``a`` up to and
  including ``b`` (negative, counted the other way, when ``b`` is before ``a``); so
  ``banking_days_between(state, d, add_banking_days(state, d, n)) == n``.
- ``roll_following(state, day)``: ``day`` when it is a banking day, else the first
  banking day after it (UCP 600 art. 29(a); the "following" business-day convention).

They read only the years the answer needs. ``BankingCalendar`` does the same over one
state with the years it has read kept, for a contract that counts several times.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from typing import Any

from smechain.core.daycount import civil, date_of, day_number
from smechain.core.encoding import encode
from smechain.core.errors import BadArguments, ContractError
from smechain.core.state import StateReader
from smechain.modules.calendar.contract import CalendarYear, read_year, weekday, year_key

MAX_BANKING_DAYS = 2_500
"""The most banking days one addition may add (about ten years): deadlines are days or
weeks; the bound keeps a request from walking the whole calendar."""


class CalendarMissing(ContractError):
    """The ledger holds no calendar for a year the answer needs."""

    code = "calendar_missing"


REFUSAL_STATUS = {CalendarMissing.code: 409}
"""HTTP status of the refusal (``api.hooks``): the request is sound, the ledger lacks the
year until the central bank loads it."""


def _weekdays_before(day: int) -> int:
    """Monday-to-Friday days from day -3 (a Monday) up to, not including, ``day``."""
    shifted = day + 3
    return shifted // 7 * 5 + min(shifted % 7, 5)


def _first(year: int) -> int:
    return day_number(f"{year:04d}-01-01")


class BankingCalendar:
    """Banking-day counting over one state, reading each year at most once."""

    def __init__(self, state: StateReader) -> None:
        self.state = state
        self._years: dict[int, tuple[list[int], list[int]]] = {}

    def _year(self, year: int, field: str) -> tuple[list[int], list[int]]:
        """``(weekday holidays, weekend working days)`` of ``year`` as sorted day numbers;
        ``CalendarMissing`` naming ``field`` and the year when the ledger has none."""
        found = self._years.get(year)
        if found is None:
            entry = read_year(self.state, year)
            if entry is None:
                raise CalendarMissing(field, f"the ledger holds no China banking-day "
                                      f"calendar for {year}; the central bank loads {year} "
                                      "from the State Council's notice (calendar.set_year) "
                                      "before days in it are counted")
            off = sorted(d for d in (day_number(h.date) for h in entry.holidays)
                         if weekday(d) < 5)
            found = (off, sorted(day_number(w.date) for w in entry.working_days))
            self._years[year] = found
        return found

    def count(self, first: int, last: int, field: str) -> int:
        """Banking days from day ``first`` to day ``last``, both included (0 when ``last``
        is before ``first``), reading every year between."""
        total = 0
        year = civil(first)[0]
        while first <= last:
            end = min(last, _first(year + 1) - 1)
            off, work = self._year(year, field)
            total += (_weekdays_before(end + 1) - _weekdays_before(first)
                      - (bisect_right(off, end) - bisect_left(off, first))
                      + (bisect_right(work, end) - bisect_left(work, first)))
            first, year = end + 1, year + 1
        return total

    def is_banking_day(self, day: str, field: str = "day") -> bool:
        number = day_number(day, field)
        return self.count(number, number, field) == 1

    def add(self, date: str, days: int, date_field: str = "date",
            days_field: str = "days") -> str:
        start = day_number(date, date_field)
        if days < 0:
            raise BadArguments(days_field, f"{days} is negative; banking days are added "
                               "forward only")
        if days > MAX_BANKING_DAYS:
            raise BadArguments(days_field, f"{days} is more than {MAX_BANKING_DAYS} banking "
                               "days")
        if days == 0:
            return date
        first, year, left = start + 1, civil(start + 1)[0], days
        while True:
            end = _first(year + 1) - 1
            # A year beyond the date's is read only when the days run into it.
            field = date_field if first == start + 1 else days_field
            here = self.count(first, end, field)
            if here >= left:
                low, high = first, end
                while low < high:  # the first day by which ``left`` banking days have passed
                    mid = (low + high) // 2
                    if self.count(first, mid, field) >= left:
                        high = mid
                    else:
                        low = mid + 1
                return date_of(low)
            left -= here
            first, year = end + 1, year + 1

    def between(self, a: str, b: str, a_field: str = "a", b_field: str = "b") -> int:
        first, last = day_number(a, a_field), day_number(b, b_field)
        if first <= last:
            return self.count(first + 1, last, b_field)
        return -self.count(last + 1, first, a_field)

    def roll_following(self, day: str, field: str = "day") -> str:
        return day if self.is_banking_day(day, field) else self.add(day, 1, field, field)


def is_banking_day(state: StateReader, day: str, field: str = "day") -> bool:
    """Whether ``day`` (``YYYY-MM-DD``) is a banking day on the ledger's calendar.
    ``BadArguments`` naming ``field`` for a malformed date; ``CalendarMissing`` (naming
    ``field`` and the year) when its year has no entry."""
    return BankingCalendar(state).is_banking_day(day, field)


def add_banking_days(state: StateReader, date: str, days: int, *, date_field: str = "date",
                     days_field: str = "days") -> str:
    """The ``days``-th banking day after ``date``, ``YYYY-MM-DD`` (``date`` itself for 0).
    ``BadArguments`` naming ``date_field`` for a malformed date and ``days_field`` for a
    negative count or one above ``MAX_BANKING_DAYS``; ``CalendarMissing`` naming the
    year the count runs into (``date_field`` for the date's own year, ``days_field`` for
    a later one)."""
    return BankingCalendar(state).add(date, days, date_field, days_field)


def banking_days_between(state: StateReader, a: str, b: str, *, a_field: str = "a",
                         b_field: str = "b") -> int:
    """Banking days after ``a`` up to and including ``b``; minus those after ``b`` up to
    and including ``a`` when ``b`` is earlier; 0 when they are the same day. Errors as
    ``add_banking_days``."""
    return BankingCalendar(state).between(a, b, a_field, b_field)


def roll_following(state: StateReader, day: str, field: str = "day") -> str:
    """``day`` when it is a banking day, else the first banking day after it (UCP 600
    art. 29(a)). Errors as ``is_banking_day``."""
    return BankingCalendar(state).roll_following(day, field)


def banking_days_in(entry: CalendarYear) -> int:
    """How many banking days the year of ``entry`` has."""
    first, last = _first(entry.year), _first(entry.year + 1) - 1
    calendar = BankingCalendar(_Single(entry))
    return calendar.count(first, last, "year")


class _Single:
    """A state holding one year's entry (``banking_days_in``)."""

    def __init__(self, entry: CalendarYear) -> None:
        self._key, self._raw = year_key(entry.year), encode(entry)

    def get(self, key: str) -> bytes | None:
        return self._raw if key == self._key else None


def years(entries: Mapping[int, CalendarYear]) -> list[dict[str, Any]]:
    """A line per year held, in year order: year, revision, counts of days off, weekend
    working days and banking days, source, who set it and when."""
    return [{"year": y, "revision": e.revision, "holidays": len(e.holidays),
             "working_days": len(e.working_days), "banking_days": banking_days_in(e),
             "source": e.source, "set_by": e.set_by, "set_at_ms": e.set_at_ms}
            for y, e in sorted(entries.items())]
