"""The calendar's data file: one year as JSON, read and checked before it is submitted.

A file is the arguments of ``calendar.set_year`` (``contract.SetYear``), for example::

    {
      "year": 2026,
      "source": "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）",
      "holidays": [
        {"date": "2026-01-01", "name": "new_years_day"},
        {"date": "2026-02-15", "name": "spring_festival"},
        ...
      ],
      "working_days": [
        {"date": "2026-01-04", "name": "new_years_day"},
        {"date": "2026-02-14", "name": "spring_festival"},
        ...
      ]
    }

- ``year``: the calendar year, 2000 to 2099;
- ``holidays``: every day off of the year's holiday runs as the State Council's notice
  lists them (weekend days inside a run too), each an ISO date in ``year`` with the
  holiday's name as a lower-case key (``contract.HOLIDAY_NAMES``);
- ``working_days``: the Saturdays and Sundays that are working days (调休上班), each
  named for the holiday whose run it makes up for;
- ``source``: the notice it comes from.

UTF-8, no other fields, no date twice, no date both a holiday and a working day. The
package ships ``data/cn-YYYY.json`` for the years whose notice is out
(``tools/cn_calendar.py`` writes them); an operator loads a new year's file with
``smechain calendar load FILE --key ...`` when the notice is published, without a
release. Pure: bytes in, a checked ``SetYear`` out.
"""

from __future__ import annotations

import re

import msgspec

from smechain.core.errors import BadArguments
from smechain.modules.calendar.contract import SetYear, check_year

MAX_FILE = 256 * 1024
_PATH = re.compile(r"at `\$(.*)`$")


def parse(data: bytes) -> SetYear:
    """The year a data file holds; ``BadArguments`` naming the entry at fault
    (``holidays[3].date``, ``year``; ``""`` for a file that is not a JSON object)."""
    if len(data) > MAX_FILE:
        raise BadArguments("", f"{len(data)} bytes; a calendar file is at most {MAX_FILE}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadArguments("", f"not UTF-8 (byte {exc.start})") from None
    try:
        year = msgspec.json.decode(text, type=SetYear, strict=True)
    except msgspec.ValidationError as exc:
        message = str(exc)
        found = _PATH.search(message)
        field = found[1].lstrip(".") if found else ""
        reason = _PATH.sub("", message).strip().rstrip(" -")
        raise BadArguments(field, reason) from None
    except msgspec.DecodeError as exc:
        raise BadArguments("", f"not JSON ({exc})") from None
    check_year(year)
    return year


def as_args(year: SetYear) -> dict[str, object]:
    """``year`` as the arguments of ``calendar.set_year`` (plain JSON values)."""
    return msgspec.to_builtins(year)  # type: ignore[no-any-return]
