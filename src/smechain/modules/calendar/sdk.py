"""``client.calendar``: the China banking-day calendar through the SDK."""
# The bodies of ``@action`` methods are their signatures (see smechain.client.actions).
# mypy: disable-error-code="empty-body"

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smechain.client.actions import ModuleSdk, action
from smechain.client.models import TxResult, from_json

__all__ = ["CalendarDay", "CalendarSdk", "CalendarYear", "CalendarYearLine"]


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """A listed day: a day off, or a weekend day that is a working day."""

    date: str
    name: str
    """The holiday it belongs to (``spring_festival``...)."""


@dataclass(frozen=True, slots=True)
class CalendarYear:
    """A year of the calendar as the ledger holds it."""

    year: int
    holidays: tuple[CalendarDay, ...]
    working_days: tuple[CalendarDay, ...]
    source: str
    revision: int
    set_by: str
    set_at_ms: int
    tx: str
    banking_days: int
    earlier: tuple[Mapping[str, Any], ...] = ()
    """Every earlier revision: revision, source, set_by, set_at_ms, tx, counts."""


@dataclass(frozen=True, slots=True)
class CalendarYearLine:
    """A year the ledger holds, in brief."""

    year: int
    revision: int
    holidays: int
    working_days: int
    banking_days: int
    source: str
    set_by: str
    set_at_ms: int


def _days(items: Sequence[Mapping[str, str]]) -> tuple[CalendarDay, ...]:
    return tuple(CalendarDay(d["date"], d["name"]) for d in items)


class CalendarSdk(ModuleSdk):
    """The calendar: ``set_year``, ``load``; ``years``, ``year``, ``add``, ``between``."""

    @action
    def set_year(self, year: int, holidays: Sequence[Mapping[str, str]],
                 working_days: Sequence[Mapping[str, str]], source: str, *,
                 wait: bool = True) -> TxResult:
        """``calendar.set_year`` (the central bank): one year's days off and weekend working
        days, each ``{"date": "YYYY-MM-DD", "name": "spring_festival"}``, replacing the
        year's entry."""

    def load(self, path: str | Path, *, wait: bool = True) -> TxResult:
        """``calendar.set_year`` with a data file's year (JSON, the form of
        ``smechain/modules/calendar/data/cn-YYYY.json``); the ledger checks it and
        refuses it naming the entry at fault."""
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        return self._call("set_year", wait, **doc)

    def years(self) -> list[CalendarYearLine]:
        """``GET /v1/calendar``: the years the ledger holds."""
        return [from_json(CalendarYearLine, d) for d in self._get("/v1/calendar")]

    def year(self, year: int) -> CalendarYear:
        """``GET /v1/calendar/{year}``."""
        doc = self._get(f"/v1/calendar/{int(year)}")
        return CalendarYear(doc["year"], _days(doc["holidays"]), _days(doc["working_days"]),
                            doc["source"], doc["revision"], doc["set_by"], doc["set_at_ms"],
                            doc["tx"], doc["banking_days"], tuple(doc["earlier"]))

    def add(self, date: str, days: int) -> str:
        """``GET /v1/calendar/add``: the ``days``-th banking day after ``date``; the
        refusal (``Conflict`` with the code ``calendar_missing`` naming the year) when the
        ledger lacks a year the count needs."""
        return str(self._get("/v1/calendar/add", date=date, days=days)["result"])

    def between(self, start: str, end: str) -> int:
        """``GET /v1/calendar/between``: banking days after ``start`` up to ``end``."""
        return int(self._get("/v1/calendar/between", start=start, end=end)["banking_days"])


SDK = CalendarSdk
