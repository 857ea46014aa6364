"""The calendar years the package ships, as ledger entries in a plain state."""

from __future__ import annotations

from pathlib import Path

from smechain.modules.calendar import datafile
from smechain.modules.calendar.contract import CalendarYear, SetYear, year_key

from ..state_dict import DictState

DATA = Path(datafile.__file__).parent / "data"


def shipped() -> dict[int, SetYear]:
    """Every ``data/cn-YYYY.json``, read and checked, by year."""
    years = {}
    for path in sorted(DATA.glob("cn-*.json")):
        year = datafile.parse(path.read_bytes())
        years[year.year] = year
    return years


def entry(year: SetYear) -> CalendarYear:
    """``year`` as ``set_year`` stores it (revision 1)."""
    return CalendarYear(year.year, sorted(year.holidays, key=lambda d: d.date),
                        sorted(year.working_days, key=lambda d: d.date), year.source, 1,
                        "pboc", 0, "00" * 32, [])


def state_of(*years: SetYear) -> DictState:
    """A state holding ``years`` (all the shipped ones by default)."""
    chosen = years or tuple(shipped().values())
    return DictState({year_key(y.year): entry(y) for y in chosen})
