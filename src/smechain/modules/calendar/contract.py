"""The China mainland banking-day calendar, one year at a time, on the ledger.

Trade-finance deadlines are counted in banking days (UCP 600 art. 14(b): an examination
within five banking days following the day of presentation; art. 29(a): an expiry on a
day the bank is closed moves to the first following banking day). Contracts compute
them, so every peer must count the same days: the calendar is ledger state, not a file
each peer reads. ``queries`` does the counting.

Each year's entry is what the General Office of the State Council's annual notice on
holiday arrangements (国务院办公厅关于 YYYY 年部分节假日安排的通知) says: the days off
(``holidays``, weekends inside a holiday run included, as the notice lists them) and the
weekend days that are working days (``working_days``, 调休上班). A day is a banking day
when it is a working day (Monday to Friday, or a listed working day) and not a holiday;
bank branches open on the listed weekend working days as on any working day.

``set_year`` records one year's entry, replacing the year's earlier one (its revision
goes up by one, and the entry keeps a line for every earlier revision). It is the
central bank's: an organisation holding the ``cash_issuer`` role that is no operating
institution of the renminbi (the ``cash`` module's central issuer of CNY, the People's
Bank of China). Why not the ``regulator`` role: regulators read the ledger and do not
transact on it (``api.platform.Platform.require_submit`` refuses them), and the banking
day is the central bank's to announce: it runs the payment systems (CNAPS) whose
operating days are the days banks settle on, and it publishes each year how they run
over the State Council's holidays. No party to a credit sets it (an issuing bank could
lengthen its own examination period), so an operating institution, a commercial bank, is
refused. A deadline a contract has computed and stored keeps its value when the year is
replaced later; one computed after uses the new entry.

Transitions, as declared in ``CONTRACT``::

    | action | from | to | by | co-signers | roles |
    |---|---|---|---|---|---|
    | set_year | (none) | (none) | (by role) | (none) | cash_issuer |

Besides the declaration: the sender is no operating institution of CNY
(``cash.operators``); every date is a real ``YYYY-MM-DD`` date in the stated year, listed
once; a working day is a Saturday or a Sunday (any other day already is one) and no
holiday; at least one holiday; names are lower-case keys (``spring_festival``); the
source names the notice.
"""

from __future__ import annotations

import re

import msgspec

from smechain.core.contract import Action, Context, Contract
from smechain.core.daycount import day_number
from smechain.core.encoding import decode, shown
from smechain.core.errors import BadArguments, Unauthorised
from smechain.core.state import StateReader, TxState
from smechain.modules.cash import contract as cash

CALENDAR_PREFIX = "calendar/year/"
MIN_YEAR, MAX_YEAR = 2000, 2099
MAX_HOLIDAYS = 120
"""Days off one year may list (the notices list about thirty)."""
MAX_WORKING_DAYS = 30
"""Weekend working days one year may list (the notices list about six)."""
MAX_SOURCE = 200
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
HOLIDAY_NAMES = ("new_years_day", "spring_festival", "qingming", "labour_day", "dragon_boat",
                 "mid_autumn", "national_day")
"""The statutory holidays (全国年节及纪念日放假办法, 2024 revision) by the names the data
files and the portal use; a year may name others (a one-off holiday) as lower-case keys."""
CENTRAL_BANKS = frozenset({"cash_issuer"})
"""Who may set the calendar: a cash issuer that is the central issuer of ``CURRENCY``."""
CURRENCY = "CNY"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekday(day: int) -> int:
    """Monday 0 to Sunday 6 of a day number (day 0, 1970-01-01, was a Thursday)."""
    return (day + 3) % 7


class Day(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One listed day of a year: a day off, or a weekend day that is a working day."""

    date: str
    """``YYYY-MM-DD``."""
    name: str
    """The holiday it belongs to (``HOLIDAY_NAMES``, or another lower-case key); for a
    working day, the holiday whose run it makes up for."""


class SetYear(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One year of the calendar: the arguments of ``set_year`` and the data file's form
    (``data/cn-YYYY.json``)."""

    year: int
    holidays: list[Day]
    """Every day off of the year's holiday runs, as the notice lists them."""
    working_days: list[Day]
    """The Saturdays and Sundays that are working days (调休上班)."""
    source: str
    """The notice the entry comes from (title and document number)."""


class Revision(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """An earlier entry of a year, as the entry that replaced it remembers it."""

    revision: int
    source: str
    set_by: str
    set_at_ms: int
    tx: str
    """The hash (hex) of the transaction that set it."""
    holidays: int
    """How many days off it listed."""
    working_days: int


class CalendarYear(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """A year of the China banking-day calendar as the ledger holds it."""

    year: int
    holidays: list[Day]
    """In date order."""
    working_days: list[Day]
    """In date order."""
    source: str
    revision: int
    """1 for the year's first entry, one more for each replacement."""
    set_by: str
    """The organisation that set this revision."""
    set_at_ms: int
    """The time of the block that set it."""
    tx: str
    """The hash (hex) of the transaction that set it."""
    earlier: list[Revision]
    """Every earlier revision, oldest first."""


def year_key(year: int) -> str:
    """State key of a year's entry (``calendar/year/2026``)."""
    return f"{CALENDAR_PREFIX}{year:04d}"


def read_year(state: StateReader, year: int) -> CalendarYear | None:
    """The entry for ``year``, or ``None``."""
    raw = state.get(year_key(year))
    return None if raw is None else decode(raw, CalendarYear)


def _check_days(days: list[Day], year: int, field: str, limit: int) -> dict[str, str]:
    """``{date: field of its entry}``; ``BadArguments`` naming the entry at fault."""
    if len(days) > limit:
        raise BadArguments(field, f"{len(days)} days listed; at most {limit}")
    seen: dict[str, str] = {}
    for i, day in enumerate(days):
        where = f"{field}[{i}]"
        number = day_number(day.date, f"{where}.date")
        if not day.date.startswith(f"{year:04d}-"):
            raise BadArguments(f"{where}.date", f"{day.date} is not in {year}")
        if day.date in seen:
            raise BadArguments(f"{where}.date", f"{day.date} is listed twice (also "
                               f"{seen[day.date]})")
        if not NAME.match(day.name):
            raise BadArguments(f"{where}.name", f"{shown(day.name)!r} is not a lower-case key "
                               "such as spring_festival (a-z, 0-9, _; at most 40)")
        if field == "working_days" and weekday(number) < 5:
            raise BadArguments(f"{where}.date", f"{day.date} is a {WEEKDAYS[weekday(number)]}, "
                               "a working day already; list only Saturdays and Sundays")
        seen[day.date] = where
    return seen


def check_year(args: SetYear) -> None:
    """``BadArguments`` naming the field or entry at fault (``year``,
    ``holidays[3].date``, ``working_days[0].date``, ``source``) unless ``args`` is one
    year's entry as the module docstring says. The contract and the data-file loader
    (``smechain calendar load``) both check with it."""
    if not MIN_YEAR <= args.year <= MAX_YEAR:
        raise BadArguments("year", f"{args.year} is not a year from {MIN_YEAR} to {MAX_YEAR}")
    if not args.holidays:
        raise BadArguments("holidays", f"no holidays listed for {args.year}; a China "
                           "calendar year has public holidays")
    holidays = _check_days(args.holidays, args.year, "holidays", MAX_HOLIDAYS)
    working = _check_days(args.working_days, args.year, "working_days", MAX_WORKING_DAYS)
    for date, where in working.items():
        if date in holidays:
            raise BadArguments(f"{where}.date", f"{date} is also a holiday "
                               f"({holidays[date]}); a day is one or the other")
    if not args.source.strip() or len(args.source) > MAX_SOURCE:
        raise BadArguments("source", f"name the notice the entry comes from, in 1 to "
                           f"{MAX_SOURCE} characters")


def set_year(state: TxState, ctx: Context, args: SetYear) -> None:
    """The central bank records one year's holidays and weekend working days, replacing the
    year's earlier entry."""
    if ctx.sender.org in cash.operators(state, CURRENCY):
        raise Unauthorised("", f"calendar.set_year: {ctx.sender.org!r} is an operating "
                           f"institution of {CURRENCY}; only the central issuer sets the "
                           "calendar")
    check_year(args)
    old = read_year(state, args.year)
    earlier = [] if old is None else [*old.earlier, Revision(
        old.revision, old.source, old.set_by, old.set_at_ms, old.tx, len(old.holidays),
        len(old.working_days))]
    entry = CalendarYear(
        args.year, sorted(args.holidays, key=lambda d: d.date),
        sorted(args.working_days, key=lambda d: d.date), args.source,
        1 if old is None else old.revision + 1, ctx.sender.org, ctx.timestamp_ms,
        ctx.tx_hash.hex(), earlier)
    state.put(year_key(args.year), entry)
    state.emit("CalendarYearSet", year=args.year, revision=entry.revision,
               holidays=len(entry.holidays), working_days=len(entry.working_days),
               source=args.source)


CONTRACT = Contract(
    "calendar",
    {
        "set_year": Action(set_year, SetYear, roles=CENTRAL_BANKS),
    },
)
