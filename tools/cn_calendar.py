"""Write the China banking-day calendar's data files from two maintained sources.

    python tools/cn_calendar.py 2025 2026   # writes modules/calendar/data/cn-YYYY.json

Each year comes from the ``chinesecalendar`` package (every day off of the State
Council's notice, weekends inside a holiday run included, and the weekend working days,
each named for its holiday) and is cross-checked against the ``holidays`` package
(``holidays.China``: the statutory days, days in lieu and ``weekend_workdays``, whose
holiday runs, widened by the weekend days next to them, must be the same days off). A
year either source does not have from the notice, or on which they disagree, is refused:
no file is written from an estimate. Both are test dependencies
(``pip install -e .[test]``); ``tests/modules/calendar/test_data_files.py`` checks the
shipped files against them and a few dates against the notices by hand.

The notice of each year, for ``source``, is in ``NOTICES``: add a year's title there when
it is published, then run this.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "smechain" / "modules" / "calendar" / "data"

NOTICES = {
    2025: "国务院办公厅关于2025年部分节假日安排的通知（2024年11月12日）",
    2026: "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）",
}
"""The State Council General Office's notice on each year's holiday arrangements."""

NAMES = {
    "New Year's Day": "new_years_day",
    "Spring Festival": "spring_festival",
    "Tomb-sweeping Day": "qingming",
    "Labour Day": "labour_day",
    "Dragon Boat Festival": "dragon_boat",
    "Mid-autumn Festival": "mid_autumn",
    "National Day": "national_day",
    "Anti-Fascist 70th Day": "victory_day_70th",
}
"""``chinesecalendar``'s holiday names and the keys the data files use."""


class SourcesDisagree(Exception):
    """The sources lack the year or differ on it."""


def from_chinesecalendar(year: int) -> tuple[dict[dt.date, str], dict[dt.date, str]]:
    """``({day off: name}, {weekend working day: name})`` of ``year``."""
    from chinese_calendar import constants

    try:
        import chinese_calendar

        chinese_calendar.is_workday(dt.date(year, 6, 30))
    except NotImplementedError as exc:
        raise SourcesDisagree(f"chinesecalendar has no arrangement for {year}: {exc}") from None
    off = {d: NAMES[n] for d, n in constants.holidays.items() if d.year == year}
    work = {d: NAMES[n] for d, n in constants.workdays.items() if d.year == year}
    return off, work


def from_holidays(year: int) -> tuple[set[dt.date], set[dt.date]]:
    """``(days off, weekend working days)`` of ``year`` from ``holidays.China``: its days,
    widened through the weekend days next to them that are not working days."""
    import holidays
    from holidays.countries.china import ChinaStaticHolidays

    if year not in ChinaStaticHolidays.special_public_holidays:
        raise SourcesDisagree(f"holidays {holidays.__version__} has no State Council "
                              f"arrangement for {year} (only the statutory days)")
    cn = holidays.China(years=year)
    work = {d for d in cn.weekend_workdays if d.year == year}
    off = set(cn)
    for day in sorted(off):
        for step in (dt.timedelta(days=1), dt.timedelta(days=-1)):
            near = day + step
            while near.weekday() >= 5 and near not in work and near.year == year:
                off.add(near)
                near += step
    return off, work


def year_file(year: int) -> dict[str, object]:
    """The data file of ``year``; ``SourcesDisagree`` when it cannot be had from both."""
    if year not in NOTICES:
        raise SourcesDisagree(f"no notice for {year} in NOTICES")
    off, work = from_chinesecalendar(year)
    other_off, other_work = from_holidays(year)
    if set(off) != other_off or set(work) != other_work:
        raise SourcesDisagree(
            f"{year}: days off only in chinesecalendar {sorted(set(off) - other_off)}, only "
            f"in holidays {sorted(other_off - set(off))}; working days "
            f"{sorted(set(work) ^ other_work)} differ")
    return {
        "year": year,
        "source": NOTICES[year],
        "holidays": [{"date": d.isoformat(), "name": off[d]} for d in sorted(off)],
        "working_days": [{"date": d.isoformat(), "name": work[d]} for d in sorted(work)],
    }


def write(year: int, folder: Path = DATA) -> Path:
    """Write ``cn-<year>.json`` in ``folder``; its path."""
    path = folder / f"cn-{year}.json"
    doc = year_file(year)

    def rows(days: object) -> str:
        assert isinstance(days, list)
        return ",\n".join(f"    {json.dumps(d, ensure_ascii=False)}" for d in days)

    path.write_text(
        "{\n"
        f'  "year": {year},\n'
        f'  "source": {json.dumps(doc["source"], ensure_ascii=False)},\n'
        f'  "holidays": [\n{rows(doc["holidays"])}\n  ],\n'
        f'  "working_days": [\n{rows(doc["working_days"])}\n  ]\n'
        "}\n", encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    status = 0
    for arg in argv:
        try:
            print(write(int(arg)))
        except (ValueError, SourcesDisagree) as exc:
            print(f"error: {arg}: {exc}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
