"""``smechain loan``: an unknown loan is a usage error naming the argument; every action's
help summary is one complete sentence without markup."""

from __future__ import annotations

from pathlib import Path

from test_cli import EXAMPLE, smechain

from smechain.modules.loan.contract import CONTRACT


def test_show_an_unknown_loan_exits_2_naming_the_argument(tmp_path: Path) -> None:
    data = tmp_path / "chain"
    assert smechain("init", "--config", EXAMPLE, "--data", data)[0] == 0
    code, out = smechain("loan", "show", "nope", "--data", data)
    assert code == 2
    assert "LOAN_ID" in out and "no loan 'nope'" in out


def test_every_action_summary_is_a_sentence_without_markup() -> None:
    for name, action in CONTRACT.actions.items():
        summary = (action.handler.__doc__ or "").splitlines()[0]
        assert summary.endswith("."), (name, summary)
        assert "``" not in summary, (name, summary)
        code, out = smechain("loan", name.replace("_", "-"), "--help")
        assert code == 0 and summary.split(";")[0].split(",")[0] in " ".join(out.split())
