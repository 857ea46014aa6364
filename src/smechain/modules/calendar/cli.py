"""``smechain calendar``: load a year from its data file, show a year, count banking days."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smechain.cli.common import contract_app, fail, read_input, submit, view_of
from smechain.cli.render import dumps
from smechain.core.errors import ContractError
from smechain.modules.calendar import datafile
from smechain.modules.calendar import queries as q
from smechain.modules.calendar.contract import CONTRACT, read_year

EXAMPLES = {
    "set_year": '{"year": 2026, "source": "国务院办公厅关于2026年部分节假日安排的通知", '
                '"holidays": [{"date": "2026-01-01", "name": "new_years_day"}], '
                '"working_days": [{"date": "2026-01-04", "name": "new_years_day"}]} '
                "(a whole year: `smechain calendar load` reads it from its data file)",
}
"""Each action's ``--args``, as its command's help shows it."""

app = contract_app(CONTRACT, "The China banking-day calendar: load a year from its data file, "
                   "set-year; show a year; add banking days.", EXAMPLES)


@app.command("load")
def load(
    file: Annotated[Path, typer.Argument(help="The year's data file (JSON; see "
                                         "smechain/modules/calendar/datafile.py).")],
    data: Annotated[Path, typer.Option("--data", help="The node's data folder.")],
    key: Annotated[Path, typer.Option(help="The central bank's key file (the cash issuer "
                                      "of CNY).")],
) -> None:
    """Check a year's data file and record it on the ledger (calendar.set_year), replacing
    the year's entry.

    The file is refused, naming the entry at fault (FILE: holidays[3].date: ...), when a
    date is malformed or outside the stated year, listed twice, or both a holiday and a
    working day."""
    raw = read_input(file, "FILE", datafile.MAX_FILE)
    try:
        year = datafile.parse(raw)
    except ContractError as exc:
        fail(f"FILE: {file}: {exc.message}")
    submit(data, "calendar", "set_year", datafile.as_args(year), key, [])


def _check_year(year: int) -> None:
    if not 1 <= year <= 9999:
        fail(f"YEAR: {year} is not a year")


@app.command("show")
def show(
    year: Annotated[int, typer.Argument(help="The year.")],
    data: Annotated[Path, typer.Option("--data", help="The node's data folder.")],
) -> None:
    """Show a year's holidays and weekend working days as the ledger holds them."""
    _check_year(year)
    view = view_of(data)
    entry = read_year(view.store, year)
    if entry is None:
        fail(f"YEAR: the ledger holds no calendar for {year} (load it: smechain calendar load)")
    typer.echo(dumps({"calendar": entry, "banking_days": q.banking_days_in(entry)}))


@app.command("add")
def add(
    date: Annotated[str, typer.Argument(help="The date, YYYY-MM-DD.")],
    days: Annotated[int, typer.Argument(help="Banking days to add (0 or more).")],
    data: Annotated[Path, typer.Option("--data", help="The node's data folder.")],
) -> None:
    """The DAYS-th banking day after DATE on the ledger's calendar."""
    view = view_of(data)
    try:
        result = q.add_banking_days(view.store, date, days)
    except ContractError as exc:
        fail(f"{exc.field.upper()}: {exc.reason}")
    typer.echo(dumps({"date": date, "days": days, "result": result}))
