"""The command line end to end on a real data folder, including tamper detection."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smechain.cli.main import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "consortium.toml"
runner = CliRunner()


def smechain(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("chain")
    code, out = smechain("init", "--config", EXAMPLE, "--data", data)
    assert code == 0, out
    keys = data / "keys"
    for args, key in [
        ({"currency": "CNY", "to": "core-a", "amount": 500_000}, "pboc"),
    ]:
        code, out = smechain("tx", "--data", data, "cash", "issue", "--key", keys / f"{key}.key",
                             "--args", json.dumps(args))
        assert code == 0, out
    for i in range(3):
        code, out = smechain("tx", "--data", data, "cash", "transfer", "--key",
                             keys / "core-a.key", "--args",
                             json.dumps({"currency": "CNY", "to": "sme-1", "amount": 100 + i}))
        assert code == 0, out
    return data


def copy_chain(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("LOCK"))
    return dst


def test_init_tx_query_block(chain: Path) -> None:
    code, out = smechain("query", "--data", chain, "cash/balance/CNY/sme-1")
    assert code == 0 and json.loads(out) == 100 + 101 + 102
    code, out = smechain("query", "--data", chain, "cash/", "--prefix")
    assert json.loads(out)["cash/supply/CNY"] == 500_000
    code, out = smechain("block", "--data", chain)
    assert code == 0
    latest = json.loads(out)
    assert latest["header"]["height"] == 4
    assert latest["receipts"][0]["code"] == "ok"


def test_tx_the_ledger_would_refuse_is_not_signed(chain: Path, tmp_path: Path) -> None:
    data = copy_chain(chain, tmp_path / "c")
    code, out = smechain("tx", "--data", data, "cash", "issue", "--key",
                         chain / "keys" / "sme-1.key", "--args",
                         json.dumps({"currency": "CNY", "to": "sme-1", "amount": 5}))
    assert code == 2
    assert "error: --key: " in out and "unauthorised" in out
    code, out = smechain("query", "--data", data, "cash/supply/CNY")
    assert json.loads(out) == 500_000
    assert json.loads(smechain("block", "--data", data)[1])["header"]["height"] == 4


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--args", "{not json"], "--args: not valid JSON"),
        (["--args", "[1]"], "--args: must be a JSON object"),
        (["--args", '{"amount": 1.5}'], "--args.amount: 1.5 is a float"),
        (["--key", "/nonexistent.key"], "no such key file"),
        (["--expiry", "-1"], "--expiry"),
    ],
)
def test_bad_cli_input_names_the_field_and_stores_nothing(
    chain: Path, args: list[str], needle: str
) -> None:
    before = (chain / "ledger.sqlite").stat().st_size, smechain("block", "--data", chain)[1]
    base = ["tx", "--data", chain, "cash", "transfer", "--key", chain / "keys" / "core-a.key"]
    code, out = smechain(*base, *args)
    assert code == 2
    assert needle in out
    assert smechain("block", "--data", chain)[1] == before[1]


def test_proof_and_offline_check(chain: Path, tmp_path: Path) -> None:
    code, out = smechain("block", "--data", chain, "2")
    tx_hash = json.loads(out)["receipts"][0]["tx_hash"]
    proof_file = tmp_path / "p.bin"
    code, out = smechain("proof", "--data", chain, tx_hash, "--out", proof_file)
    assert code == 0, out
    orderer = json.loads((chain / "keys" / "orderer.key").read_text())["public"]
    code, out = smechain("check-proof", proof_file, "--orderer-key", orderer)
    assert code == 0 and "proof holds" in out
    other = json.loads((chain / "keys" / "pboc.key").read_text())["public"]
    code, out = smechain("check-proof", proof_file, "--orderer-key", other)
    assert code == 1 and "orderer" in out
    raw = bytearray(proof_file.read_bytes())
    raw[-5] ^= 0x01
    proof_file.write_bytes(bytes(raw))
    code, out = smechain("check-proof", proof_file, "--orderer-key", orderer)
    assert code == 1


def test_verify_intact(chain: Path) -> None:
    code, out = smechain("verify", "--data", chain)
    assert code == 0, out
    assert "intact: 5 blocks" in out


def _tamper(db: Path, sql: str, params: tuple[object, ...]) -> None:
    con = sqlite3.connect(db)
    con.execute(sql, params)
    con.commit()
    con.close()


def _flip(value: bytes, pos: int) -> bytes:
    b = bytearray(value)
    b[pos % len(b)] ^= 0x01
    return bytes(b)


@pytest.mark.parametrize("height", [0, 1, 3, 4])
@pytest.mark.parametrize("pos", [0, 7, 40, 101, -1, -33])
def test_verify_finds_any_changed_block_byte(
    chain: Path, tmp_path: Path, height: int, pos: int
) -> None:
    data = copy_chain(chain, tmp_path / "c")
    db = data / "ledger.sqlite"
    con = sqlite3.connect(db)
    (blob,) = con.execute("SELECT data FROM blocks WHERE height=?", (height,)).fetchone()
    con.close()
    _tamper(db, "UPDATE blocks SET data=? WHERE height=?", (_flip(blob, pos), height))
    code, out = smechain("verify", "--data", data)
    assert code == 1
    assert f"CORRUPT at height {height}" in out


@pytest.mark.parametrize("key", ["cash/balance/CNY/sme-1", "cash/supply/CNY",
                                 "member/org/bank-a"])
def test_verify_finds_a_changed_state_row(chain: Path, tmp_path: Path, key: str) -> None:
    data = copy_chain(chain, tmp_path / "c")
    db = data / "ledger.sqlite"
    con = sqlite3.connect(db)
    value, written = con.execute("SELECT value, height FROM state WHERE key=?", (key,)).fetchone()
    con.close()
    _tamper(db, "UPDATE state SET value=? WHERE key=?", (_flip(value, -1), key))
    code, out = smechain("verify", "--data", data)
    assert code == 1
    assert f"CORRUPT at height {written}" in out and key in out


def test_verify_finds_added_and_deleted_rows(chain: Path, tmp_path: Path) -> None:
    data = copy_chain(chain, tmp_path / "a")
    _tamper(data / "ledger.sqlite", "INSERT INTO state VALUES (?, ?, ?)",
            ("cash/balance/CNY/ghost", b"\x01", 2))
    code, out = smechain("verify", "--data", data)
    assert code == 1 and "ghost" in out
    data = copy_chain(chain, tmp_path / "d")
    _tamper(data / "ledger.sqlite", "DELETE FROM state WHERE key=?", ("cash/supply/CNY",))
    code, out = smechain("verify", "--data", data)
    assert code == 1 and "missing" in out


def test_init_rejects_bad_config(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text().replace('roles = ["sme"]', 'roles = ["pirate"]', 1))
    code, out = smechain("init", "--config", bad, "--data", tmp_path / "d")
    assert code == 2 and "roles" in out
    assert not (tmp_path / "d" / "ledger.sqlite").exists()


def test_demo_runs(tmp_path: Path) -> None:
    from smechain.cli.demo import run_demo

    assert run_demo(tmp_path / "demo", serve=False) == 0
