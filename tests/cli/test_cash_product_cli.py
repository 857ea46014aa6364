"""``smechain cash interest`` and ``cash terms`` read the ledger; ``product match-all``
refuses an ``--out`` that names no folder; the action commands' summaries are sentences."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import typer
from test_cli import EXAMPLE, smechain

from smechain.cli.main import app

TODAY = time.strftime("%Y-%m-%d", time.gmtime())


def test_a_wallets_interest_and_a_currencys_terms_from_the_ledger(tmp_path: Path) -> None:
    data = tmp_path / "chain"
    assert smechain("init", "--config", EXAMPLE, "--data", data)[0] == 0
    keys = data / "keys"
    for command, args in (
            ("set-rate", {"currency": "CNY", "rate_bp": 35, "effective": TODAY}),
            ("set-settlement-dates", {"currency": "CNY", "months": [3, 6, 9, 12], "day": 20,
                                      "effective": TODAY}),
            ("issue", {"currency": "CNY", "to": "core-a", "amount": 500_000})):
        code, out = smechain("cash", command, "--data", data, "--key", keys / "pboc.key",
                             "--args", json.dumps(args))
        assert code == 0, out
    code, out = smechain("cash", "interest", "core-a", "--data", data)
    assert code == 0, out
    found: dict[str, Any] = json.loads(out)
    assert (found["org"], found["balance"], found["rate_bp"], found["as_of"]) == (
        "core-a", 500_000, 35, TODAY)
    code, out = smechain("cash", "terms", "CNY", "--data", data)
    assert code == 0, out
    terms = json.loads(out)
    assert terms["current"] == {"real_name": 35, "anonymous": 0}
    assert terms["schedules"][0]["months"] == [3, 6, 9, 12] and len(terms["next_dates"]) == 4
    # the day is checked as the API checks it; an unknown organisation is named
    for on in ("0001-01-01", "9999-01-01", "2026-02-30"):
        code, out = smechain("cash", "interest", "core-a", "--data", data, "--on", on)
        assert code == 2 and "--on" in out, out
    code, out = smechain("cash", "interest", "nobody", "--data", data)
    assert code == 1 and "ORG" in out, out


@pytest.mark.parametrize("out", ["", ".", "/"])
def test_match_all_refuses_an_out_that_names_no_folder(tmp_path: Path, out: str) -> None:
    code, text = smechain("product", "match-all", "--folder", tmp_path, "--out", out,
                          "--data", tmp_path / "chain")
    assert code == 2 and "--out" in text, text
    assert list(tmp_path.iterdir()) == []


def test_cash_and_product_commands_sum_themselves_up_in_a_sentence() -> None:
    root: Any = typer.main.get_command(app)
    for group in ("cash", "product"):
        for name, command in root.commands[group].commands.items():
            summary = (command.help or "").splitlines()[0]
            assert summary.endswith(".") and "``" not in summary, (group, name, summary)
            assert command.get_short_help_str(limit=200) == summary, (group, name)
