"""Security headers on every HTTP answer of the API and the portal.

- ``Content-Security-Policy``: the portal's policy (``PORTAL_POLICY``) everywhere: scripts,
  styles, images, fonts and connections from the peer itself only, no inline script or
  style, no plugins, no ``<base>``, forms post only to the peer, and no framing. The
  interactive API docs (``/docs``, Swagger UI, which FastAPI loads from the jsDelivr CDN
  with an inline start-up script) get ``docs_policy`` instead: Swagger UI's script and
  stylesheet from their one CDN folder, its start-up scripts by hash, images also as
  ``data:`` URLs (its icons), and still no inline style. Nothing else may load: the
  favicon FastAPI names on another site stays blocked. (Swagger UI 5.35 was checked
  under this policy in Chromium: every operation, models, "Try it out".)
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` and
  ``X-Frame-Options: DENY`` (for browsers that predate ``frame-ancestors``).

A header a route set itself is kept. See ``docs/api.md`` (Security headers).
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html

PORTAL_POLICY = "; ".join((
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
    "font-src 'self'", "connect-src 'self'", "manifest-src 'self'", "object-src 'none'",
    "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"))
"""The Content-Security-Policy of the portal and of every API answer."""

COMMON = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
          "x-frame-options": "DENY"}

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_ASSET = re.compile(r'(?:src|href)="(https://[^"]+)"')


def inline_script_hashes(html: str) -> list[str]:
    """CSP hash sources (``'sha256-…'``) of the inline ``<script>`` elements of ``html``."""
    return [f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
            for body in _INLINE_SCRIPT.findall(html)]


def docs_policy(app: FastAPI, root_path: str = "") -> str:
    """The Content-Security-Policy of ``app``'s Swagger UI pages, served under ``root_path``.

    The pages are built the way FastAPI builds them, so the hashes are of the very
    start-up scripts it serves; the CDN is allowed only for the folder Swagger UI's
    script and stylesheet come from.
    """
    redirect = app.swagger_ui_oauth2_redirect_url
    page = bytes(get_swagger_ui_html(
        openapi_url=root_path + (app.openapi_url or ""), title=f"{app.title} - Swagger UI",
        oauth2_redirect_url=root_path + redirect if redirect else None,
        init_oauth=app.swagger_ui_init_oauth, swagger_ui_parameters=app.swagger_ui_parameters,
    ).body).decode()
    hashes = inline_script_hashes(page)
    hashes += inline_script_hashes(bytes(get_swagger_ui_oauth2_redirect_html().body).decode())
    folders = sorted({url.rsplit("/", 1)[0] + "/" for url in _ASSET.findall(page)
                      if url.endswith((".js", ".css"))})
    return "; ".join((
        "default-src 'none'", f"script-src {' '.join(folders + hashes)}",
        f"style-src {' '.join(folders)}", "img-src 'self' data:",
        "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'",
        "frame-ancestors 'none'"))


class SecurityHeaders:
    """ASGI middleware: the security headers above on every HTTP answer of ``api``."""

    def __init__(self, app: Any, api: FastAPI) -> None:
        self.app = app
        self.api = api
        self._docs: dict[str, str] = {}
        """root_path -> the docs pages' policy."""
        self._encoded: dict[str, list[tuple[bytes, bytes]]] = {}
        """policy -> the headers to add, encoded once."""

    def _policy(self, scope: dict[str, Any]) -> str:
        root = scope.get("root_path", "").rstrip("/")
        path = scope["path"]
        if root and path.startswith(root):
            path = path[len(root):]
        if path not in (self.api.docs_url, self.api.swagger_ui_oauth2_redirect_url):
            return PORTAL_POLICY
        if root not in self._docs:
            self._docs[root] = docs_policy(self.api, root)
        return self._docs[root]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._encoded.get(policy := self._policy(scope))
        if extra is None:
            extra = self._encoded[policy] = [
                (name.encode(), value.encode())
                for name, value in {"content-security-policy": policy, **COMMON}.items()]

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", ()))
                present = {name.lower() for name, _ in raw}
                raw.extend(h for h in extra if h[0] not in present)
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_headers)


def add_security_headers(app: FastAPI) -> None:
    """Send the security headers on every answer of ``app`` (call once, in ``create_app``)."""
    app.add_middleware(SecurityHeaders, api=app)
