"""The HTTP API every peer serves (FastAPI; OpenAPI 3 at ``/openapi.json``, docs at ``/docs``).

``create_app`` wires it: error handlers and middleware, the framework's routers
(``smechain.api.routes``), each module's routes (``modules/<name>/routes.py``),
then the action routes generated from every module's contract. Routes are thin:
they authenticate (``api.deps``), check need-to-know, and call ``Platform`` and
the modules' queries. Every refusal answers ``{"error": {status, code, field,
message}}``; every state-changing call is written to the audit log. See
``docs/api.md``.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY

from smechain.api import schemas as s
from smechain.api.accounts import Account, AccountError
from smechain.api.body import LedgerJsonRoute
from smechain.api.errors import ApiError
from smechain.api.headers import add_security_headers
from smechain.api.limits import BodyGuard, too_large
from smechain.api.platform import Platform
from smechain.api.routes import accounts, actions, explorer, operations, proposals, transactions
from smechain.modules import parts
from smechain.node.ledger import StateMoving
from smechain.web import mount_portal

log = structlog.get_logger("smechain.api")

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": s.ErrorBody, "description": text} for code, text in (
        (401, "no or bad credentials"), (403, "not allowed; the message says why"),
        (404, "no such object"), (409, "conflicts with the ledger's state"),
        (422, "a field is missing, of the wrong type or out of range"))
}


class Metrics:
    """Prometheus metrics of one app (own registry, so several apps can run in one process)."""

    def __init__(self, platform: Platform) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("smechain_http_requests", "HTTP requests",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("smechain_http_request_seconds", "HTTP request time",
                                 ["route"], registry=self.registry,
                                 buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5))
        self.submitted = Counter("smechain_api_transactions_submitted",
                                 "Transactions submitted through the API", registry=self.registry)
        height = Gauge("smechain_ledger_height", "Height of the last committed block",
                       registry=self.registry)
        height.set_function(lambda: platform.node.height())
        indexed = Gauge("smechain_index_height", "Height the API's index has reached",
                        registry=self.registry)
        indexed.set_function(lambda: platform.index.height)


class Observe:
    """ASGI middleware: metrics, one JSON log line per request, the audit log."""

    def __init__(self, app: Any, platform: Platform, metrics: Metrics) -> None:
        self.app = app
        self.platform = platform
        self.metrics = metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed = time.perf_counter() - start
            route = getattr(scope.get("route"), "path", "(unmatched)")
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(route).observe(elapsed)
            state = scope.get("state", {})
            actor: Account | None = state.get("account")
            log.info("request", method=method, path=scope["path"], route=route, status=status,
                     ms=round(elapsed * 1000, 2),
                     actor=f"{actor.org}/{actor.name}" if actor else "")
            if method in ("POST", "PATCH", "PUT", "DELETE") and scope["path"].startswith("/v1/"):
                org = actor.org if actor else state.get("login_org", "")
                who = actor.name if actor else state.get("login_user", "")
                if org:  # a stranger's refused call changed nothing and names no one
                    self.platform.accounts.audit(org, who, method, scope["path"], status,
                                                 state.get("audit", ""))


def create_app(platform: Platform, portal: bool = True) -> FastAPI:
    """The API (and, with ``portal``, the web portal) over ``platform``."""
    app = FastAPI(
        title="smechain", version="0.1.0",
        description="Consortium ledger for SME finance: receivables, e-invoices, digital cash. "
                    "Amounts are integers in minor units; binary values are hex.",
        responses=ERRORS, redoc_url=None,  # one docs UI, /docs: see api/headers.py
    )
    app.router.route_class = LedgerJsonRoute  # before any route: bodies the ledger can take
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        """FastAPI's document (cached by it), its integer bounds made exact once."""
        doc = generate()
        if not app.state.openapi_exact:
            app.state.openapi_exact = bool(s.integer_bounds(doc))
        return doc

    app.state.openapi_exact = False
    app.openapi = openapi  # type: ignore[method-assign]
    metrics = Metrics(platform)
    app.add_middleware(BodyGuard, authenticate=platform.accounts.authenticate)
    app.add_middleware(Observe, platform=platform, metrics=metrics)  # outside: sees refusals
    add_security_headers(app)
    app.state.platform = platform
    app.state.metrics = metrics

    # --- errors ----------------------------------------------------------------

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), exc.status)

    @app.exception_handler(AccountError)
    async def account_error(_: Request, exc: AccountError) -> JSONResponse:
        code = {401: "unauthenticated", 403: "forbidden", 404: "not_found",
                429: "too_many_attempts"}.get(exc.status, "conflict")
        retry = {"Retry-After": str(exc.retry_after_s)} if exc.retry_after_s else None
        return JSONResponse(ApiError(exc.status, code, exc.field, str(exc)).body(), exc.status,
                            headers=retry)

    @app.exception_handler(StateMoving)
    async def state_moving(_: Request, exc: StateMoving) -> JSONResponse:
        body = ApiError(503, "unavailable", "", f"ledger: {exc}; try again").body()
        return JSONResponse(body, 503, headers={"Retry-After": "1"})

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = ""
        for part in first.get("loc", ()):
            if isinstance(part, int):
                field += f"[{part}]"
            elif part not in ("body", "query", "path", "header"):
                field += f".{part}" if field else str(part)
        field = field or "body"
        message = f"{field}: {first.get('msg', 'invalid')}"
        return JSONResponse(ApiError(422, "bad_args", field, message).body(), 422)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled", path=request.url.path, error=repr(exc))
        body = ApiError(500, "internal", "", "server: an internal error; see the peer's log")
        return JSONResponse(body.body(), 500)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 413:  # a body without Content-Length went past the limit
            limit = request.scope.get(MAX_BODY_SIZE_SCOPE_KEY, 0)
            body = ApiError(413, "too_large", "body", too_large(limit)).body()
            return JSONResponse(body, 413, headers={"connection": "close"})
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
        body = ApiError(exc.status_code, code, "path", f"path: {exc.detail}").body()
        return JSONResponse(body, exc.status_code)

    # --- routes ------------------------------------------------------------------

    for framework in (accounts, transactions, proposals, explorer):
        app.include_router(framework.router(platform))
    app.include_router(operations.router(platform, metrics.registry))
    for _, part in parts.each("routes"):
        app.include_router(part.router(platform))
    app.include_router(actions.router(platform))

    if portal:
        mount_portal(app)
    return app
