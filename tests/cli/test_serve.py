"""``smechain serve`` as its own process: keys held, admins created, JSON logs, bad options."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from smechain.cli.main import app
from smechain.ordering.natsserver import free_port

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "consortium.toml"
runner = CliRunner()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "chain"
    result = runner.invoke(app, ["init", "--config", str(EXAMPLE), "--data", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def _serve(data: Path, port: int, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "smechain.cli.main", "serve", "--data", str(data), "--port",
         str(port), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "SMECHAIN_ADMIN_PASSWORD": "correct horse battery"})


def _ready(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("smechain serve did not come up in 30 s")


def test_serve_holds_the_org_keys_creates_admins_and_logs_json(data: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _serve(data, port)
    try:
        _ready(url, proc)
        login = httpx.post(url + "/v1/auth/login", json={
            "org": "pboc", "username": "admin", "password": "correct horse battery"})
        assert login.status_code == 200, login.text
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        paid = httpx.post(url + "/v1/contracts/cash/issue", headers=auth, timeout=30,
                          json={"currency": "CNY", "to": "sme-1", "amount": 1234})
        assert paid.status_code == 200 and paid.json()["ok"], paid.text
        # Signed by the admin's own enrolled key, not the organisation's key.
        signer = httpx.get(url + f"/v1/transactions/{paid.json()['tx_hash']}",
                           headers=auth).json()["signers"][0]
        me = httpx.get(url + "/v1/me", headers=auth).json()
        assert signer == {"public_key": me["public_key"], "org": "pboc"}
        assert httpx.post(url + "/v1/auth/login", json={
            "org": "pboc", "username": "admin", "password": "wrong"}).status_code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    requests = [entry for entry in lines if entry.get("event") == "request"]
    assert {"method", "path", "status", "ms", "level", "timestamp"} <= set(requests[0])
    assert any(r["path"] == "/v1/contracts/cash/issue" and r["status"] == 200
               and r["actor"] == "pboc/admin" for r in requests)
    assert proc.returncode == 0
    # The private keys it held are sealed at rest: no key bytes in the file.
    private = json.loads((data / "keys" / "pboc.key").read_text())["private"]
    assert bytes.fromhex(private) not in (data / "api.sqlite").read_bytes()


@pytest.mark.parametrize(("args", "message"), [
    (["--log-level", "loud"], "--log-level"),
    (["--admin-password", "short"], "--admin-password"),
    (["--trusted-proxy", "10.0.0.1,*"], "--trusted-proxy: '*' is not an IP address"),
    (["--trusted-proxy", "proxy.example"], "--trusted-proxy: 'proxy.example'"),
])
def test_serve_refuses_bad_options(data: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["serve", "--data", str(data), *args])
    assert result.exit_code == 2 and message in result.output


def test_serve_needs_a_chain(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", "--data", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "holds no chain" in result.output
