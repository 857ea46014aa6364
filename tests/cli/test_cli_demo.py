"""``smechain demo``: a taken port is refused before seeding; the chain's folder is named
(``--folder`` picks it); a demo's folder, which has no orderer key, says so to ``tx``."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smechain.cli.main import app
from smechain.node.keys import generate_key, save_key
from smechain.ordering.natsserver import free_port

runner = CliRunner()


def smechain(*args: object) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "400"})
    return result.exit_code, result.output


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "chain"
    code, out = smechain("demo", "--no-serve", "--folder", folder)
    assert code == 0, out
    assert f"seeding the demo consortium in {folder} (kept after the demo" in out
    assert f"The demo's chain is kept in {folder}" in out
    assert (folder / "ledger.sqlite").exists()
    return folder


def test_demo_refuses_a_taken_port_before_seeding(
    taken_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smechain.cli import demo

    def seeded(*args: object, **kwargs: object) -> int:
        raise AssertionError("seeded before the port was checked")

    monkeypatch.setattr(demo, "run_demo", seeded)
    code, out = smechain("demo", "--port", taken_port, "--folder", tmp_path / "d")
    assert code == 2, out
    assert out.startswith(f"error: --port: 127.0.0.1:{taken_port} cannot be listened on "
                          "(in use)"), out
    assert not (tmp_path / "d").exists()


def test_serve_refuses_a_taken_port(taken_port: int, tmp_path: Path) -> None:
    data = tmp_path / "chain"
    config = Path(__file__).resolve().parents[2] / "examples" / "consortium.toml"
    assert smechain("init", "--config", config, "--data", data)[0] == 0
    code, out = smechain("serve", "--data", data, "--port", taken_port)
    assert code == 2 and out.startswith("error: --port: "), out


def test_demo_folder_must_be_new_or_empty(demo_folder: Path, tmp_path: Path) -> None:
    code, out = smechain("demo", "--no-serve", "--folder", demo_folder)
    assert code == 2 and out.startswith(f"error: --folder: {demo_folder} is not empty"), out
    (tmp_path / "file").write_text("x")
    code, out = smechain("demo", "--no-serve", "--folder", tmp_path / "file")
    assert code == 2 and out.startswith("error: --folder: "), out


def test_tx_on_a_demo_folder_says_it_has_no_orderer_key(demo_folder: Path) -> None:
    before = smechain("block", "--data", demo_folder)[1]
    key = demo_folder.parent / "sme.key"
    save_key(generate_key("ed25519"), key)
    code, out = smechain("tx", "--data", demo_folder, "cash", "issue", "--key", key,
                         "--args", "{}")
    assert code == 2
    assert out.startswith(f"error: --data: {demo_folder} has no orderer key"), out
    assert "served demo or of a consortium peer" in out and "smechain peer" in out
    assert "no such key file" not in out
    assert smechain("block", "--data", demo_folder)[1] == before
    code, out = smechain("serve", "--data", demo_folder, "--port", free_port())
    assert code == 2 and "has no orderer key" in out and "smechain demo" in out, out
