"""Security headers on every answer of the API and the portal, served by real uvicorn on
127.0.0.1: a Content-Security-Policy allowing only the peer's own scripts and styles and no
framing, nosniff and a referrer policy; the docs page's own, narrower exception.
(The portal working under them in a browser: ``tests/web/test_portal.py``.)"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator

import httpx
import pytest
from api_support import Api

from smechain.api.server import Running, serve_in_thread


@pytest.fixture(scope="module")
def live(shared: Api) -> Iterator[Running]:
    running = serve_in_thread(shared.app, "127.0.0.1")
    yield running
    running.stop()


def policy(r: httpx.Response) -> dict[str, list[str]]:
    """The Content-Security-Policy of an answer, directive -> sources."""
    found: dict[str, list[str]] = {}
    for part in r.headers["content-security-policy"].split(";"):
        name, *sources = part.split()
        assert name not in found, f"{name} given twice"
        found[name] = sources
    return found


def common_headers(r: httpx.Response) -> None:
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/", 200), ("GET", "/static/app.js", 200), ("GET", "/static/style.css", 200),
    ("GET", "/static/favicon.svg", 200), ("GET", "/openapi.json", 200),
    ("GET", "/healthz", 200), ("GET", "/v1/me", 401), ("GET", "/no/such/page", 404),
    ("POST", "/v1/auth/login", 422)])
def test_every_answer_carries_the_strict_policy(live: Running, method: str, path: str,
                                                status: int) -> None:
    r = httpx.request(method, live.url + path, json={} if method == "POST" else None,
                      timeout=10)
    assert r.status_code == status, r.text
    common_headers(r)
    csp = policy(r)
    assert csp["default-src"] == ["'none'"]
    for kind in ("script-src", "style-src", "img-src", "font-src", "connect-src"):
        assert csp[kind] == ["'self'"], (kind, csp)
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"] and csp["form-action"] == ["'self'"]


def test_the_portal_page_needs_nothing_the_policy_forbids(live: Running) -> None:
    """No inline script, style, handler or data: URL in the page itself."""
    html = httpx.get(live.url + "/", timeout=10).text
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), html
    assert "<style" not in html and " style=" not in html and "data:" not in html
    assert not re.search(r"\son[a-z]+=", html), html
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith("/static/"), url


def test_the_docs_page_allows_only_swagger_ui_and_its_own_start_up_script(
        live: Running) -> None:
    r = httpx.get(live.url + "/docs", timeout=10)
    assert r.status_code == 200
    common_headers(r)
    csp = policy(r)
    html = r.text
    inline = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp["script-src"]
    for kind, tag in (("script-src", r'<script src="([^"]+)"'),
                      ("style-src", r'<link [^>]*rel="stylesheet" href="([^"]+)"')):
        urls = re.findall(tag, html)
        assert urls, kind
        for url in urls:  # each comes from a folder its directive names, and nothing more
            assert any(s.endswith("/") and url.startswith(s) for s in csp[kind]), (url, csp)
        hosts = [s for s in csp[kind] if s.startswith("https://")]
        assert all(s.startswith("https://cdn.jsdelivr.net/npm/swagger-ui-dist@") for s in hosts)
    for kind in ("script-src", "style-src"):
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "https:"} & set(csp[kind])
    assert csp["connect-src"] == ["'self'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["default-src"] == ["'none'"]
    # One docs UI: ReDoc (fonts and styles from further sites) is not served.
    assert httpx.get(live.url + "/redoc", timeout=10).status_code == 404
