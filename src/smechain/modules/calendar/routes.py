"""HTTP routes of the calendar module: the years the ledger holds, one year's days, and
banking-day arithmetic on them for any member.

Setting a year is the generated ``/v1/contracts/calendar/set_year`` route.
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from smechain.api import schemas as s
from smechain.api.deps import Auth, new_router
from smechain.api.errors import ApiError, not_found
from smechain.api.platform import Platform
from smechain.core.encoding import decode, plain
from smechain.core.errors import ContractError
from smechain.modules.calendar import queries as q
from smechain.modules.calendar.contract import (
    CALENDAR_PREFIX,
    MAX_YEAR,
    MIN_YEAR,
    CalendarYear,
    read_year,
)

YearOut = s.record_model(
    CalendarYear, "CalendarYearOut", "A year of the China banking-day calendar "
    "(contract.CalendarYear) and how many banking days it has.",
    banking_days=(int, Field(description="Banking days in the year.")))


class YearLine(BaseModel):
    """A year the ledger holds."""

    year: int
    revision: int
    holidays: int
    working_days: int
    banking_days: int
    source: str
    set_by: str
    set_at_ms: int


class Added(BaseModel):
    """``days`` banking days after ``date`` (``queries.add_banking_days``)."""

    date: str
    days: int
    result: str


class Between(BaseModel):
    """Banking days after ``start`` up to and including ``end``
    (``queries.banking_days_between``); negative when ``end`` is earlier."""

    start: str
    end: str
    banking_days: int


def refusal(exc: ContractError) -> ApiError:
    """The API's error for a refused count: 422 for a bad date or count, 409 for a year
    the ledger does not hold (``calendar_missing``)."""
    status = q.REFUSAL_STATUS.get(exc.code, 422)
    return ApiError(status, exc.code, exc.field, exc.message)


def router(platform: Platform) -> APIRouter:
    """``/v1/calendar``, ``/v1/calendar/add``, ``/v1/calendar/between`` and
    ``/v1/calendar/{year}``."""
    node = platform.node
    r = new_router()

    @r.get("/v1/calendar", response_model=list[YearLine], tags=["calendar"])
    def years(caller: Auth) -> list[dict[str, Any]]:
        """The years of the China banking-day calendar the ledger holds, oldest first."""
        entries = {}
        for _, raw, _ in node.store.iter_state(CALENDAR_PREFIX):
            entry = decode(raw, CalendarYear)
            entries[entry.year] = entry
        return q.years(entries)

    @r.get("/v1/calendar/add", response_model=Added, tags=["calendar"])
    def add(caller: Auth, date: str = Query(max_length=10),
            days: int = Query(description="Banking days to add, 0 or more.")) -> dict[str, Any]:
        """The ``days``-th banking day after ``date`` (``date`` itself for 0): e.g. the UCP
        600 examination deadline is 5 banking days after presentation. 409
        ``calendar_missing`` when the count runs into a year the ledger does not hold."""
        try:
            return {"date": date, "days": days, "result": q.add_banking_days(node, date, days)}
        except ContractError as exc:
            raise refusal(exc) from None

    @r.get("/v1/calendar/between", response_model=Between, tags=["calendar"])
    def between(caller: Auth, start: str = Query(max_length=10),
                end: str = Query(max_length=10)) -> dict[str, Any]:
        """Banking days after ``start`` up to and including ``end``."""
        try:
            count = q.banking_days_between(node, start, end, a_field="start", b_field="end")
        except ContractError as exc:
            raise refusal(exc) from None
        return {"start": start, "end": end, "banking_days": count}

    @r.get("/v1/calendar/{year}", response_model=YearOut, tags=["calendar"])
    def year(year: int, caller: Auth) -> dict[str, Any]:
        """One year's holidays and weekend working days, with its revisions."""
        entry = read_year(node, year) if MIN_YEAR <= year <= MAX_YEAR else None
        if entry is None:
            raise not_found("year", f"the ledger holds no China banking-day calendar for {year}")
        return {**plain(entry), "banking_days": q.banking_days_in(entry)}

    return r
