"""Shared helpers of the HTTP API tests: a client over a seeded demo that signs in as any
demo user and records which routes each test exercised, and checks of the error shape.

Route coverage works in two halves. A test names the routes it is about with
``@covers("METHOD /path", ...)``; after the test passes, ``conftest.py`` fails it if it did
not actually call each of them (the recorder below sees every request's matched route).
``test_route_coverage.py`` reads those marks from the test files' source and fails when an
operation of the OpenAPI document has none, so a new route without tests breaks the suite.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from demo_template import DemoTemplate
from shared_data import DATA
from smechain.api.app import create_app
from smechain.api.demo import PASSWORD, Demo

"""Public sample documents (real e-invoices) shared by the import tests."""

covers = pytest.mark.covers
"""``@covers("GET /v1/me", ...)``: the (method, OpenAPI path) operations a test exercises."""

EXERCISED: set[tuple[str, str]] = set()
"""(method, route template) of every request the current test made; reset per test."""

_CONVERTER = re.compile(r"\{(\w+):\w+\}")


def template(path: str) -> str:
    """A Starlette route path as OpenAPI writes it (``{id:path}`` → ``{id}``)."""
    return _CONVERTER.sub(r"{\1}", path)


class RouteRecorder:
    """ASGI wrapper noting the route template each request matched."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            route = scope.get("route") if scope["type"] == "http" else None
            if route is not None and isinstance(getattr(route, "path", None), str):
                EXERCISED.add((scope["method"], template(route.path)))


class Api:
    """An in-process client of one demo's API, signing in as ``"org/username"``."""

    def __init__(self, demo: Demo, ids: dict[str, Any]) -> None:
        self.demo = demo
        self.ids = ids
        self.app = create_app(demo.platform)
        self.client = TestClient(RouteRecorder(self.app), base_url="http://127.0.0.1",
                                 raise_server_exceptions=False)
        self._tokens: dict[str, str] = {}

    def close(self) -> None:
        self.client.close()
        self.demo.close()

    # --- signing in -------------------------------------------------------------

    def login(self, org: str, username: str, password: str = PASSWORD) -> httpx.Response:
        return self.client.post("/v1/auth/login", json={"org": org, "username": username,
                                                         "password": password})

    def token(self, who: str) -> str:
        """A session token of ``"org/username"`` (signed in once per client)."""
        if who not in self._tokens:
            org, username = who.split("/")
            r = self.login(org, username)
            assert r.status_code == 200, r.text
            self._tokens[who] = r.json()["token"]
        return self._tokens[who]

    def forget(self, who: str) -> None:
        """Drop a cached token (after a logout or a change that ends sessions)."""
        self._tokens.pop(who, None)

    def headers(self, who: str | None) -> dict[str, str]:
        return {} if who is None else {"Authorization": f"Bearer {self.token(who)}"}

    # --- requests ---------------------------------------------------------------

    def request(self, method: str, path: str, as_: str | None = None,
                headers: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
        return self.client.request(method, path, headers={**self.headers(as_), **(headers or {})},
                                   **kw)

    def get(self, path: str, as_: str | None = None, **kw: Any) -> httpx.Response:
        return self.request("GET", path, as_, **kw)

    def post(self, path: str, as_: str | None = None, **kw: Any) -> httpx.Response:
        return self.request("POST", path, as_, **kw)

    def patch(self, path: str, as_: str | None = None, **kw: Any) -> httpx.Response:
        return self.request("PATCH", path, as_, **kw)

    def delete(self, path: str, as_: str | None = None, **kw: Any) -> httpx.Response:
        return self.request("DELETE", path, as_, **kw)

    def ok(self, method: str, path: str, as_: str | None = None, status: int = 200,
           **kw: Any) -> Any:
        """The JSON of a call that must succeed with ``status``."""
        r = self.request(method, path, as_, **kw)
        assert r.status_code == status, f"{method} {path} -> {r.status_code} {r.text}"
        return r.json() if r.content else None

    # --- ledger facts -----------------------------------------------------------

    def height(self) -> int:
        return int(self.ok("GET", "/healthz")["height"])

    def stored(self) -> dict[str, Any]:
        """What the ledger holds: its height, the head block's writes hash (which chains every
        block's writes) and a digest of every state entry as the store has it now, so
        writes that bypassed a block would show too."""
        height = self.height()
        head = self.ok("GET", f"/v1/blocks/{height}", as_="regulator/viewer")["header"]
        entries = hashlib.sha256()
        for key, value, at in self.demo.node.store.iter_state():
            entries.update(f"{key}\0{at}\0".encode() + value.hex().encode() + b"\n")
        return {"height": height, "writes_hash": head["writes_hash"],
                "state": entries.hexdigest()}

    def balance(self, org: str, currency: str = "CNY") -> int:
        found = self.ok("GET", f"/v1/balances?org={org}", as_="regulator/viewer")
        return int(found["balances"].get(currency, 0))

    def public_key(self, who: str) -> str:
        key = self.ok("GET", "/v1/me", as_=who)["public_key"]
        assert key, f"{who} has no enrolled signing key"
        return str(key)

    def nonce(self, public_key: str) -> int:
        return int(self.ok("GET", f"/v1/nonces/{public_key}", as_="regulator/viewer")["nonce"])

    def snapshot(self, who: str, orgs: tuple[str, ...] = ()) -> dict[str, Any]:
        """What a refused call must leave alone: the ledger (``stored``), the nonces of the
        caller's key (if it has one) and of its organisation's admin key, and the balances
        of ``orgs``."""
        org = who.split("/")[0]
        keys = [self.ok("GET", f"/v1/orgs/{org}", as_="regulator/viewer")["admin_key"]]
        own = self.ok("GET", "/v1/me", as_=who)["public_key"]
        if own:
            keys.append(own)
        return {**self.stored(), "nonces": {k: self.nonce(k) for k in keys},
                "balances": {o: self.balance(o) for o in orgs}}

    def assert_unchanged(self, before: dict[str, Any], who: str,
                         orgs: tuple[str, ...] = ()) -> None:
        """Nothing was stored since ``before = snapshot(who, orgs)``, nor is on its way.

        After comparing nonces and balances, a barrier transaction (the cash issuer
        issues 1 fen to the guarantor) must land alone in the very next block: anything
        the refused call had handed to ordering would be ordered before it.
        """
        after = self.snapshot(who, orgs)
        assert after == before
        barrier = self.ok("POST", "/v1/contracts/cash/issue", as_="pboc/operator",
                          json={"currency": "CNY", "to": "guar-g", "amount": 1})
        assert (barrier["height"], barrier["index"]) == (before["height"] + 1, 0), barrier


def seeded_api(folder: Path, template: DemoTemplate) -> Api:
    """A copy of the seeded demo network in ``folder`` with a client over its API."""
    return Api(*template.copy(folder))


def error(r: httpx.Response, status: int, field: str | None = None,
          code: str | None = None) -> dict[str, Any]:
    """The error detail of a refusal, checked against the one documented shape."""
    assert r.status_code == status, f"expected {status}, got {r.status_code}: {r.text}"
    body = r.json()
    assert set(body) == {"error"}, body
    detail = body["error"]
    assert {"status", "code", "field", "message"} <= set(detail), detail
    assert detail["status"] == status
    assert isinstance(detail["message"], str) and detail["message"]
    if field is not None:
        assert detail["field"] == field, detail
        if field:
            assert detail["message"].startswith(f"{field}: "), detail
    if code is not None:
        assert detail["code"] == code, detail
    return dict(detail)


def events(result: dict[str, Any]) -> list[str]:
    """The event names of a TxResult."""
    return [e["name"] for e in result["events"]]


def ubl_invoice() -> tuple[str, bytes]:
    """A real EN 16931 UBL invoice (name, bytes), or skip when the shared data is absent."""
    path = DATA / "einvoice" / "en16931" / "ubl" / "issue116.xml"
    if not path.is_file():
        pytest.skip(f"shared sample data not present: {path}")
    return path.name, path.read_bytes()
