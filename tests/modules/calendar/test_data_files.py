"""The shipped data files: checked by hand against the State Council's notices, and equal
to what ``tools/cn_calendar.py`` makes from its two sources; and a data file's every
refusal, naming the entry at fault."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from smechain.core.errors import BadArguments
from smechain.modules.calendar import datafile

from .shipped import DATA, shipped

TOOL = Path(__file__).resolve().parents[3] / "tools" / "cn_calendar.py"


def tool() -> Any:
    spec = importlib.util.spec_from_file_location("cn_calendar", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def days(first: str, last: str) -> set[str]:
    a, b = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return {(a + dt.timedelta(days=n)).isoformat() for n in range((b - a).days + 1)}


def test_the_package_ships_2025_and_2026() -> None:
    years = shipped()
    assert sorted(years) == [2025, 2026]
    for year, entry in years.items():
        assert (DATA / f"cn-{year}.json").is_file()
        assert str(year) in entry.source and "国务院办公厅" in entry.source


# By hand, from the notices (国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04:
# "春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。
# 2月14日（周六）、2月28日（周六）上班。" "国庆节：10月1日（周四）至7日（周三）放假调休，
# 共7天。9月20日（周日）、10月10日（周六）上班。"; and the 2025 notice, 2024-11-12:
# "春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。
# 1月26日（周日）、2月8日（周六）上班。" "国庆节、中秋节：10月1日（周三）至8日（周三）
# 放假调休，共8天。9月28日（周日）、10月11日（周六）上班。")
NOTICES = [
    (2026, "spring_festival", days("2026-02-15", "2026-02-23"), {"2026-02-14", "2026-02-28"}),
    (2026, "national_day", days("2026-10-01", "2026-10-07"), {"2026-09-20", "2026-10-10"}),
    (2026, "new_years_day", days("2026-01-01", "2026-01-03"), {"2026-01-04"}),
    (2026, "labour_day", days("2026-05-01", "2026-05-05"), {"2026-05-09"}),
    (2026, "qingming", days("2026-04-04", "2026-04-06"), set()),
    (2026, "dragon_boat", days("2026-06-19", "2026-06-21"), set()),
    (2026, "mid_autumn", days("2026-09-25", "2026-09-27"), set()),
    (2025, "spring_festival", days("2025-01-28", "2025-02-04"), {"2025-01-26", "2025-02-08"}),
    (2025, "national_day", days("2025-10-01", "2025-10-08") - {"2025-10-06"},
     {"2025-09-28", "2025-10-11"}),
    (2025, "mid_autumn", {"2025-10-06"}, set()),
]


@pytest.mark.parametrize(("year", "name", "off", "worked"), NOTICES,
                         ids=[f"{n[0]}-{n[1]}" for n in NOTICES])
def test_the_files_say_what_the_notices_say(year: int, name: str, off: set[str],
                                            worked: set[str]) -> None:
    entry = shipped()[year]
    assert {d.date for d in entry.holidays if d.name == name} == off
    assert {d.date for d in entry.working_days if d.name == name} == worked


def test_the_2026_file_lists_every_day_off_and_working_day_of_the_notice() -> None:
    entry = shipped()[2026]
    assert len(entry.holidays) == 3 + 9 + 3 + 5 + 3 + 3 + 7
    assert sorted(d.date for d in entry.working_days) == [
        "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_files_are_what_the_tool_makes_from_its_sources(year: int) -> None:
    made = tool().year_file(year)
    assert made == json.loads((DATA / f"cn-{year}.json").read_text(encoding="utf-8"))


def test_the_tool_writes_no_year_it_cannot_have_from_a_notice(tmp_path: Path) -> None:
    cn = tool()
    with pytest.raises(cn.SourcesDisagree, match="2027"):
        cn.year_file(2027)
    cn.NOTICES[2027] = "a notice not out yet"
    try:
        with pytest.raises(cn.SourcesDisagree, match="no arrangement for 2027"):
            cn.write(2027, tmp_path)
    finally:
        del cn.NOTICES[2027]
    assert list(tmp_path.iterdir()) == []


# --- a data file's refusals ---------------------------------------------------------


def good() -> dict[str, Any]:
    return json.loads((DATA / "cn-2026.json").read_text(encoding="utf-8"))


def with_(path: list[Any], value: Any) -> bytes:
    doc: Any = good()
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return json.dumps(doc).encode()


def without(key: str) -> bytes:
    doc = good()
    del doc[key]
    return json.dumps(doc).encode()


BAD_FILES = [
    (b"not json", "", "not JSON"),
    (b"[1, 2]", "", "Expected `object`"),
    (b"\xff\xfe{}", "", "not UTF-8"),
    (b" " * (datafile.MAX_FILE + 1), "", "at most"),
    (without("working_days"), "", "missing required field `working_days`"),
    (with_(["year"], 2026.0), "year", "Expected `int`"),
    (with_(["year"], "2026"), "year", "Expected `int`"),
    (with_(["year"], 2027), "holidays[0].date", "2026-01-01 is not in 2027"),
    (with_(["notes"], "extra"), "", "unknown field `notes`"),
    (with_(["holidays", 3, "date"], "2026-2-15"), "holidays[3].date", "not YYYY-MM-DD"),
    (with_(["holidays", 3, "date"], "2026-02-29"), "holidays[3].date", "not a calendar date"),
    (with_(["holidays", 3, "date"], 20260215), "holidays[3].date", "Expected `str`"),
    (with_(["holidays", 3], {"date": "2026-02-15"}), "holidays[3]",
     "missing required field `name`"),
    (with_(["holidays", 4, "date"], "2026-02-15"), "holidays[4].date", "listed twice"),
    (with_(["working_days", 1, "date"], "2026-02-21"), "working_days[1].date",
     "2026-02-21 is also a holiday (holidays[9])"),
    (with_(["working_days", 1, "date"], "2026-02-13"), "working_days[1].date", "Friday"),
    (with_(["source"], ""), "source", "name the notice"),
]


@pytest.mark.parametrize(("data", "field", "reason"), BAD_FILES,
                         ids=[f"{b[1] or 'file'}-{i}" for i, b in enumerate(BAD_FILES)])
def test_a_bad_file_is_refused_naming_the_entry(data: bytes, field: str, reason: str) -> None:
    with pytest.raises(BadArguments) as refused:
        datafile.parse(data)
    assert refused.value.field == field
    assert reason in refused.value.reason


def test_a_good_file_becomes_set_year_arguments() -> None:
    year = datafile.parse((DATA / "cn-2026.json").read_bytes())
    args = datafile.as_args(year)
    assert args["year"] == 2026 and args["holidays"][0] == {"date": "2026-01-01",  # type: ignore[index]
                                                             "name": "new_years_day"}
