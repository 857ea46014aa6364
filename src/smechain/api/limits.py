"""Request bodies: bounded per route, and never read before the caller is known.

Each route takes a body of at most the size it needs (``ROUTE_LIMITS``, by
path prefix; ``DEFAULT_LIMIT`` elsewhere). :class:`BodyGuard`, the outermost
check of every request:

1. refuses a URL longer than ``MAX_URL`` with 414;
2. on every ``/v1/`` route but login, authenticates a request that carries a
   body before a byte of it is read: a stranger's upload is refused with 401
   while it is still in the socket (the account it finds is handed to the
   route, which does not look the token up again);
3. refuses a body whose ``Content-Length`` is over the route's limit with 413;
4. otherwise counts the body as the route reads it (Starlette's
   ``RequestBodyLimitResponder``), so a chunked body without a length is cut
   off at the limit too.

It also answers ``HEAD`` as ``GET`` without the body (what ``curl -I`` and health
checks send). Every refusal has the API's JSON error shape ``{"error": {status, code,
field, message}}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.middleware.body_limit import RequestBodyLimitResponder

from smechain.api.errors import ApiError

KIB = 1024
MIB = 1024 * KIB
MAX_UPLOAD = 4 * MIB
"""Largest document file (an e-invoice: UBL, CII or OFD; a WCO customs declaration) the
upload routes take, in bytes."""
MAX_URL = 8 * KIB
"""Longest path plus query string, in bytes (longer: 414)."""
MAX_HEAD = 32 * KIB
"""Most bytes of request line and headers (more: 431, ``api.server.JsonErrorsProtocol``)."""
DEFAULT_LIMIT = 64 * KIB
ROUTE_LIMITS: tuple[tuple[str, int], ...] = (
    ("/v1/auth/", 4 * KIB),
    ("/v1/users", 4 * KIB),
    ("/v1/api-keys", 4 * KIB),
    ("/v1/transactions/batch", 16 * MIB),
    ("/v1/transactions", 160 * KIB),
    ("/v1/invoices/verify-file", MAX_UPLOAD + 64 * KIB),
    ("/v1/invoices/anchor-file", MAX_UPLOAD + 64 * KIB),
    ("/v1/customs/declarations/import", MAX_UPLOAD + 64 * KIB),
)
"""Body limits in bytes by path prefix, the longest matching prefix first: accounts and
login take a few fields; one signed transaction is at most 64 KiB (128 KiB as hex); a
batch of 5,000 transactions averages up to about 1.6 KiB each; an upload is one file and
its multipart framing. Everything else (custodial actions, proposals) takes 64 KiB."""
OPEN_ROUTES = frozenset({"/v1/auth/login"})
"""The ``/v1/`` routes that take a body from a caller not yet signed in."""


def body_limit(path: str) -> int:
    """The most bytes of body a request to ``path`` may carry."""
    for prefix, limit in ROUTE_LIMITS:
        if path.startswith(prefix):
            return limit
    return DEFAULT_LIMIT


def bearer_token(authorization: str) -> str:
    """The token of an ``Authorization: Bearer <token>`` header's value ('' when none)."""
    return authorization[7:].strip() if authorization[:7].lower() == "bearer " else ""


UNAUTHENTICATED = ("authorization: sign in (POST /v1/auth/login) and send "
                   "'Authorization: Bearer <token>'")
UNKNOWN_TOKEN = "authorization: the token is unknown, expired or revoked"


class BodyGuard:
    """ASGI middleware; see the module docstring.

    ``authenticate(token)`` returns the signed-in account or ``None``; it is put in
    the request's state as ``account`` (and the token as ``token``).
    """

    def __init__(self, app: Any, authenticate: Callable[[str], Any]) -> None:
        self.app = app
        self.authenticate = authenticate

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "HEAD":  # a GET whose answer keeps its head only (RFC 9110 9.3.2)
            scope, send = {**scope, "method": "GET"}, _head_only(send)
        path: str = scope["path"]
        if len(scope.get("raw_path") or path.encode()) + len(scope["query_string"]) > MAX_URL:
            await _refuse(send, 414, "too_long", "path",
                          f"path: the URL is longer than {MAX_URL} bytes")
            return
        headers = dict(scope["headers"])
        length = _content_length(headers)
        has_body = bool(length) or b"transfer-encoding" in headers
        if not has_body:  # nothing to bound or to read: the route authenticates as usual
            await self.app(scope, receive, send)
            return
        if path.startswith("/v1/") and path not in OPEN_ROUTES:
            token = bearer_token(headers.get(b"authorization", b"").decode("latin-1"))
            account = self.authenticate(token) if token else None
            if account is None:
                await _refuse(send, 401, "unauthenticated", "authorization",
                              UNKNOWN_TOKEN if token else UNAUTHENTICATED)
                return
            state = scope.setdefault("state", {})
            state["account"], state["token"] = account, token
        limit = body_limit(path)
        if length is not None and length > limit:
            await _refuse(send, 413, "too_large", "body", too_large(limit))
            return
        await RequestBodyLimitResponder(self.app, limit)(scope, receive, send)


def _head_only(send: Any) -> Any:
    """``send`` with every body chunk emptied (the headers, Content-Length too, kept)."""

    async def head_only(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            message = {**message, "body": b""}
        await send(message)

    return head_only


def too_large(limit: int) -> str:
    """The message of a 413."""
    return f"body: larger than {limit} bytes, the most this route takes"


def _content_length(headers: dict[bytes, bytes]) -> int | None:
    raw = headers.get(b"content-length")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return None


def error_json(status: int, code: str, field: str, message: str) -> bytes:
    """The API's JSON error shape, encoded."""
    return json.dumps(ApiError(status, code, field, message).body()).encode()


async def _refuse(send: Any, status: int, code: str, field: str, message: str) -> None:
    body = error_json(status, code, field, message)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
