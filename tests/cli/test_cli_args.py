"""``--args``: what the ledger cannot encode is refused naming the field, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from smechain.cli.common import INT_MAX, INT_MIN, parse_args
from smechain.cli.main import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "consortium.toml"
runner = CliRunner()


def _refusal(text: str, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(typer.Exit) as info:
        parse_args(text)
    assert info.value.exit_code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(("text", "field"), [
    ('{"amount": 18446744073709551616}', "amount"),  # the reported case: 2^64
    ('{"amount": 9223372036854775808}', "amount"),  # 2^63
    ('{"amount": -9223372036854775809}', "amount"),
    ('{"amount": 100000000000000000000000000000}', "amount"),
    ('{"invoices": [{"invoice": "x", "amount": 18446744073709551616}]}', "invoices[0].amount"),
    ('{"amounts": [1, 2, -100000000000000000000000000000]}', "amounts[2]"),
    ('{"a": {"b": [[1, {"c": 18446744073709551616}]]}}', "a.b[0][1].c"),
    ('{"amount": ' + "9" * 5000 + "}", "amount"),  # past Python's 4300-digit conversion
    ('{"amount": -' + "9" * 5000 + "}", "amount"),
])
def test_integers_beyond_64_bits_name_the_field(text: str, field: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    err = _refusal(text, capsys)
    assert f"error: --args.{field}: " in err
    assert "beyond the ledger's 64-bit integers" in err
    assert len(err) < 300 and "Traceback" not in err


def test_integers_at_the_64_bit_limits_pass() -> None:
    args = parse_args(json.dumps({"a": INT_MAX, "b": INT_MIN, "c": [0, -1], "d": True}))
    assert args == {"a": INT_MAX, "b": INT_MIN, "c": [0, -1], "d": True}


@pytest.mark.parametrize(("text", "needle"), [
    ('{"amount": 1e400}', "--args.amount: inf is a float"),
    ('{"amount": NaN}', "--args.amount: nan is a float"),
    ('{"amount": -Infinity}', "--args.amount: -inf is a float"),
    ('{"x": [1.5]}', "--args.x[0]: 1.5 is a float"),
    ('{"memo": "a\\ud800"}', "--args.memo: not valid Unicode"),
    ('{"\\udc00": 1}', "--args.'\\udc00': not valid Unicode"),
    ('{"a": {"\\udc00": 1}}', "--args.a.'\\udc00': not valid Unicode"),
    ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
    ('{"a": "0xzz"}', "--args.a: '0xzz' is not hexadecimal"),
])
def test_other_values_the_ledger_cannot_take_name_the_field(
        text: str, needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert needle in _refusal(text, capsys)


# --------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("chain")
    result = runner.invoke(app, ["init", "--config", str(EXAMPLE), "--data", str(data)])
    assert result.exit_code == 0, result.output
    return data


def _tx(chain: Path, args: Any, *extra: str) -> tuple[int, str]:
    text = args if isinstance(args, str) else json.dumps(args)
    result = runner.invoke(app, ["tx", "--data", str(chain), "cash", "issue", "--key",
                                 str(chain / "keys" / "pboc.key"), "--args", text, *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    return result.exit_code, result.output


@pytest.mark.parametrize("amount", ["18446744073709551616", "-18446744073709551616",
                                    "9" * 5000])
def test_tx_with_a_huge_amount_is_a_field_error_and_stores_nothing(chain: Path,
                                                                   amount: str) -> None:
    before = runner.invoke(app, ["block", "--data", str(chain)]).output
    code, out = _tx(chain, '{"currency": "CNY", "to": "core-a", "amount": ' + amount + "}")
    assert code == 2, out
    assert "error: --args.amount: " in out and "64-bit" in out
    assert runner.invoke(app, ["block", "--data", str(chain)]).output == before


def test_tx_with_an_expiry_beyond_64_bits_is_a_field_error(chain: Path) -> None:
    code, out = _tx(chain, {"currency": "CNY", "to": "core-a", "amount": 1},
                    "--expiry", str(2**64))
    assert code == 2 and "--expiry" in out
