"""The calendar's part of the demo: at the demo's start (``HISTORY_DAYS`` ago) the central
bank (the demo's cash issuer, ``pboc``) loads every year the package ships
(``data/cn-YYYY.json``: 2025 and 2026), so deadlines in them count from the first block on
(``ids["calendar_years"]``)."""

from __future__ import annotations

from pathlib import Path

from smechain.api.demo import HISTORY_DAYS, DemoBuilder, Seed
from smechain.modules.calendar import datafile

DATA = Path(__file__).parent / "data"


def seed(demo: DemoBuilder) -> Seed:
    """Load the shipped years (see ``smechain.api.demo.Seed``)."""
    yield HISTORY_DAYS
    years = []
    for path in sorted(DATA.glob("cn-*.json")):
        year = datafile.parse(path.read_bytes())
        demo.do("pboc", "calendar", "set_year", datafile.as_args(year))
        years.append(year.year)
    demo.ids["calendar_years"] = years
