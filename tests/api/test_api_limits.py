"""Requests the API must refuse cleanly, on a real uvicorn over loopback: bodies over a
route's limit (413, from Content-Length or while streaming), strangers' bodies (401 before
a byte is read), URLs too long, bodies that are not UTF-8, not JSON, too deep or hold a
lone surrogate (422 naming the field), and arguments named as the caller sent them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from api_support import Api, RouteRecorder, covers, error
from typer.testing import CliRunner

from smechain.api.body import MAX_DEPTH
from smechain.api.limits import DEFAULT_LIMIT, MAX_HEAD, MAX_URL, body_limit
from smechain.api.server import Running, serve_in_thread
from smechain.cli.main import app as cli
from smechain.client import sign_tx
from smechain.node.keys import generate_key
from smechain.ordering.natsserver import free_port

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "consortium.toml"


@pytest.fixture(scope="module")
def live(shared: Api) -> Iterator[Running]:
    running = serve_in_thread(RouteRecorder(shared.app), host="127.0.0.1")  # type: ignore[arg-type]
    yield running
    running.stop()


def raw_request(url: str, head: str, body: bytes = b"", timeout: float = 10.0) -> tuple[int, Any]:
    """Send ``head`` (request line and headers) and ``body`` on a socket; the status and JSON
    answer. Only what is given is sent: a server that waited for the rest of a declared
    body would never answer, and the read would time out."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        data = b""
        while b"\r\n\r\n" not in data or len(data) < _expected(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    status_line, _, rest = data.partition(b"\r\n")
    body_part = rest.partition(b"\r\n\r\n")[2]
    return int(status_line.split()[1]), json.loads(body_part)


def _expected(data: bytes) -> int:
    head, _, _ = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(head) + 4 + int(line.split(b":")[1])
    return 1 << 30


def check_error(status: int, body: Any, expected: int, field: str) -> dict[str, Any]:
    assert status == expected, body
    detail = body["error"]
    assert set(body) == {"error"} and detail["status"] == expected
    assert detail["field"] == field and detail["message"].startswith(f"{field}: "), detail
    return dict(detail)


def post_head(path: str, length: int, token: str = "",
              content_type: str = "application/json") -> str:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {length}\r\n{auth}")


# --- 1. bodies are bounded, and read only once the caller is known -------------------

@pytest.mark.parametrize("path", ["/v1/auth/login", "/v1/users", "/v1/contracts/cash/transfer",
                                  "/v1/transactions", "/v1/transactions/batch",
                                  "/v1/invoices/verify-file", "/v1/proposals"])
def test_a_declared_body_over_the_routes_limit_is_refused_unread(
        shared: Api, live: Running, path: str) -> None:
    limit = body_limit(path)
    token = "" if path == "/v1/auth/login" else shared.token("sme-t1/admin")
    # nothing of the body is sent: the answer comes from Content-Length alone
    detail = check_error(*raw_request(live.url, post_head(path, limit + 1, token)), 413, "body")
    assert detail["code"] == "too_large" and str(limit) in detail["message"]


def test_routes_have_limits_fitting_what_they_take() -> None:
    assert body_limit("/v1/auth/login") <= 4096
    assert body_limit("/v1/users/alice") == body_limit("/v1/api-keys") <= 4096
    assert body_limit("/v1/contracts/receivable/issue") == DEFAULT_LIMIT
    assert body_limit("/v1/transactions") > 2 * 64 * 1024  # one 64 KiB transaction as hex
    assert body_limit("/v1/invoices/anchor-file") > 4 * 1024 * 1024  # a 4 MiB document


def test_a_streamed_body_without_length_is_cut_at_the_limit(shared: Api, live: Running) -> None:
    limit = body_limit("/v1/auth/login")
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        for _ in range(1000):  # 10 MB offered; the server stops reading past 4 KiB
            sent += 10_000
            yield b" " * 10_000

    r = httpx.post(f"{live.url}/v1/auth/login", content=chunks(), timeout=10,
                   headers={"content-type": "application/json"})
    detail = error(r, 413, field="body", code="too_large")
    assert str(limit) in detail["message"]
    # within its limit a streamed body is taken as any other
    login = json.dumps({"org": "sme-t1", "username": "admin", "password": "wrong password"})
    r = httpx.post(f"{live.url}/v1/auth/login", content=iter([login.encode()]), timeout=10,
                   headers={"content-type": "application/json"})
    error(r, 401, field="password")


@pytest.mark.parametrize("path", ["/v1/invoices/verify-file", "/v1/invoices/anchor-file",
                                  "/v1/transactions/batch", "/v1/users", "/v1/auth/logout"])
def test_strangers_are_refused_before_their_body_is_read(live: Running, path: str) -> None:
    # 100 MB declared, 1 KiB sent: a server reading the body first would wait for the rest
    head = post_head(path, 100_000_000, content_type="multipart/form-data; boundary=x")
    detail = check_error(*raw_request(live.url, head, b"x" * 1024), 401, "authorization")
    assert "sign in" in detail["message"]
    head = post_head(path, 100_000_000, token="smk_not-a-key")
    detail = check_error(*raw_request(live.url, head, b"x" * 1024), 401, "authorization")
    assert "unknown" in detail["message"]


def test_a_batch_of_5000_transactions_fits_its_route(api: Api) -> None:
    key = generate_key("ed25519")
    txs = [sign_tx(api.demo.platform.node.chain_id, "cash", "transfer",
                   {"currency": "CNY", "to": "sme-t2", "amount": 1_000}, [key], i + 1).hex()
           for i in range(5000)]
    body = json.dumps({"txs": txs, "wait": False})
    assert len(body) <= body_limit("/v1/transactions/batch")
    r = api.post("/v1/transactions/batch", "sme-t1/admin", content=body,
                 headers={"content-type": "application/json"})
    # the key is enrolled nowhere: each is refused on its own merits, none for size
    results = r.json()["results"]
    assert r.status_code == 200 and len(results) == 5000


def _serve(tmp_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    data = tmp_path / "chain"
    init = CliRunner().invoke(cli, ["init", "--config", str(EXAMPLE), "--data", str(data)])
    assert init.exit_code == 0, init.output
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "smechain.cli.main", "serve", "--data", str(data),
         "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "SMECHAIN_ADMIN_PASSWORD": "correct horse battery"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, "smechain serve exited"
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("smechain serve did not come up in 30 s")


def _push(url: str, head: str, chunk: bytes, chunks: int) -> int:
    """Send ``head`` then up to ``chunks`` chunks until the server answers or closes;
    how many bytes of body went out."""
    host, port = url.removeprefix("http://").split(":")
    sent = 0
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.encode() + b"\r\n")
        sock.settimeout(0.05)
        for _ in range(chunks):
            try:
                sock.sendall(chunk)
                sent += len(chunk)
                if sock.recv(1, socket.MSG_PEEK):
                    break  # answered
            except TimeoutError:
                continue
            except OSError:
                break  # closed on us
    return sent


def test_oversized_bodies_leave_the_servers_memory_as_it_was(tmp_path: Path) -> None:
    proc, url = _serve(tmp_path)
    try:
        server = psutil.Process(proc.pid)
        for _ in range(3):  # warm up: first requests load code and caches
            httpx.post(url + "/v1/auth/login", json={"org": "x", "username": "y",
                                                     "password": "z" * 8})
        before = server.memory_info().rss
        mb = b"x" * (1 << 20)
        # a 300 MB login and a 500 MB anonymous upload, declared; and 300 MB chunked
        _push(url, post_head("/v1/auth/login", 300 << 20), mb, 300)
        _push(url, post_head("/v1/invoices/verify-file", 500 << 20,
                             content_type="multipart/form-data; boundary=x"), mb, 500)
        chunked = ("POST /v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n")
        _push(url, chunked, b"100000\r\n" + mb + b"\r\n", 300)
        _push(url, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ", mb, 300)
        assert httpx.get(url + "/healthz", timeout=5).status_code == 200
        grown = server.memory_info().rss - before
        assert grown < 24 << 20, f"the server grew by {grown >> 20} MB"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# --- 4. no 500 for any input ------------------------------------------------------------

def test_urls_and_heads_too_long_get_the_json_error_shape(shared: Api, live: Running) -> None:
    token = shared.token("sme-t1/admin")
    get = f"Host: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
    detail = check_error(*raw_request(live.url, f"GET /v1/me?x={'a' * MAX_URL} HTTP/1.1\r\n"
                                      + get), 414, "path")
    assert detail["code"] == "too_long"
    # past the bound on a request's head, in the URL or in a header: 431, not buffered
    for head in (f"GET /v1/me?x={'a' * 200_000} HTTP/1.1\r\n{get}",
                 f"GET /healthz HTTP/1.1\r\n{get}X-Big: {'b' * 200_000}\r\n"):
        detail = check_error(*raw_request(live.url, head), 431, "headers")
        assert str(MAX_HEAD) in detail["message"]
    # what the HTTP parser cannot read at all: still the JSON shape, not uvicorn's text
    detail = check_error(*raw_request(live.url, "NOT HTTP AT ALL\r\n"), 400, "request")
    assert detail["code"] == "bad_request"


@pytest.mark.parametrize(("body", "reason"), [
    (b'{"currency": "CNY", "to": "sme-t2", "amount": 1', "not JSON"),
    (b'{"currency": "CNY", "to": "\xff\xfe", "amount": 1}', "not UTF-8"),
    (b'{"to": ' + b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1) + b"}", "nested deeper"),
    (b"[" * 20_000 + b"]" * 20_000, "nested deeper"),
])
def test_bodies_that_are_not_utf8_json_or_are_too_deep_name_body(
        shared: Api, live: Running, body: bytes, reason: str) -> None:
    r = httpx.post(f"{live.url}/v1/contracts/cash/transfer", content=body, timeout=10,
                   headers={**shared.headers("sme-t1/admin"), "content-type": "application/json"})
    detail = error(r, 422, field="body", code="bad_args")
    assert reason in detail["message"]


def _body_routes(shared: Api) -> list[tuple[str, dict[str, Any]]]:
    """Every JSON-body operation's path and the properties of its body schema."""
    doc = shared.ok("GET", "/openapi.json")
    schemas = doc["components"]["schemas"]
    found = []
    for path, item in doc["paths"].items():
        op = item.get("post") or item.get("patch")
        content = (op or {}).get("requestBody", {}).get("content", {})
        if "application/json" not in content or "{" in path:
            continue
        ref = content["application/json"]["schema"].get("$ref", "")
        found.append((path, schemas[ref.rsplit("/", 1)[-1]].get("properties", {})))
    return found


def test_a_lone_surrogate_in_any_string_field_names_that_field(shared: Api,
                                                               live: Running) -> None:
    headers = {**shared.headers("sme-t1/admin"), "content-type": "application/json"}
    routes = _body_routes(shared)
    assert len(routes) > 20, routes
    tried = 0
    for path, properties in routes:
        for name in properties:
            body = json.dumps({name: "\ud800"})  # the escape "\\ud800", as clients send it
            r = httpx.post(f"{live.url}{path}", content=body, headers=headers, timeout=10)
            detail = error(r, 422, field=name, code="bad_args")
            assert "lone surrogate" in detail["message"], (path, detail)
            tried += 1
    assert tried > 50


def test_errors_name_the_argument_the_caller_sent(shared: Api) -> None:
    second = shared.ids["second"]
    r = shared.post("/v1/contracts/receivable/guarantee", "sme-t1/operator",
                    json={"id": second, "guarantor": "guar-g", "fee": -5})
    error(r, 422, field="fee")
    r = shared.post("/v1/proposals", "sme-t1/operator", json={
        "contract": "receivable", "action": "guarantee", "cosigners": ["guar-g"],
        "args": {"id": second, "guarantor": "guar-g", "fee": -5}})
    error(r, 422, field="args.fee")  # out of its type's bounds: named where the body has it
    # a guarantee fee the holder cannot pay names the fee, not cash's own "amount"
    r = shared.post("/v1/proposals", "sme-t1/operator", json={
        "contract": "receivable", "action": "guarantee", "cosigners": ["guar-g"],
        "args": {"id": second, "guarantor": "guar-g", "fee": 10**15}})
    assert r.json()["error"]["field"] == "fee", r.text


def test_no_maturity_beyond_any_real_instrument_and_no_negative_price(shared: Api) -> None:
    inv = shared.ids["invoices"][3]
    for maturity in ("9999-12-31", time.strftime("%Y-%m-%d", time.gmtime(time.time()
                                                                         + 11 * 366 * 86400))):
        r = shared.post("/v1/contracts/receivable/issue", "sme-t1/operator", json={
            "invoices": [{"invoice": inv, "amount": 1}], "debtor": "core-a",
            "currency": "CNY", "maturity": maturity})
        error(r, 422, field="maturity")
    second = shared.ids["second"]
    # a sale is priced on the day of its block: not on a day already past (100% a year
    # over more than a year, which would leave no price, is refused naming
    # discount_rate_bp: tests/modules/receivable/test_queries.py)
    r = shared.get(f"/v1/certificates/{second}/price?discount_rate_bp=10000&on=2000-01-01",
                   "sme-t1/operator")
    error(r, 422, field="on")
    price = shared.ok("GET", f"/v1/certificates/{second}/price?discount_rate_bp=10000",
                      as_="sme-t1/operator")
    assert 0 < price["price"] < price["face"]


def test_a_negative_financing_amount_names_the_amount(shared: Api) -> None:
    inv = shared.ids["invoices"][3]
    r = shared.post("/v1/contracts/receivable/issue", "sme-t1/operator", json={
        "invoices": [{"invoice": inv, "amount": -1000}], "debtor": "core-a",
        "currency": "CNY", "maturity": time.strftime("%Y-%m-%d", time.gmtime(
            time.time() + 90 * 86400))})
    error(r, 422, field="invoices[0].amount")


def test_head_is_answered_as_get_without_a_body(shared: Api, live: Running) -> None:
    r = httpx.head(f"{live.url}/healthz", timeout=10)
    assert r.status_code == 200 and r.content == b""
    assert r.headers["content-type"] == "application/json"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert httpx.head(f"{live.url}/v1/me", timeout=10).status_code == 401
    r = httpx.head(f"{live.url}/v1/me", headers=shared.headers("sme-t1/admin"), timeout=10)
    assert r.status_code == 200 and r.content == b""


@covers("POST /v1/contracts/cash/transfer")
def test_a_json_body_of_another_media_type_is_415_naming_content_type(shared: Api) -> None:
    body = b'{"currency": "CNY", "to": "sme-t2", "amount": 1}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = shared.headers("sme-t1/operator")
        if content_type:
            headers["content-type"] = content_type
        r = shared.client.post("/v1/contracts/cash/transfer", content=body, headers=headers)
        error(r, 415, field="content-type", code="unsupported_media_type")
