"""The HTTP API every peer serves (FastAPI; OpenAPI 3 at ``/openapi.json``, docs at ``/docs``).

Routes are thin: they authenticate, check need-to-know, and call ``Platform``.
Every refusal answers ``{"error": {status, code, field, message}}``; every
state-changing call is written to the audit log. See ``docs/api.md``.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the generated
# per-action body models from the endpoints' real annotations.

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import structlog
from fastapi import Depends, FastAPI, File, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY

from smechain.api import schemas as s
from smechain.api.accounts import Account, AccountError
from smechain.api.body import LedgerJsonRoute
from smechain.api.headers import add_security_headers
from smechain.api.index import IndexedTx, invoice_orgs
from smechain.api.limits import (
    MAX_UPLOAD,
    UNAUTHENTICATED,
    UNKNOWN_TOKEN,
    BodyGuard,
    bearer_token,
    too_large,
)
from smechain.api.platform import ApiError, Caller, Platform, forbidden, not_found
from smechain.api.proposals import STATUSES
from smechain.core.block import header_hash
from smechain.core.daycount import day_number, discounted_price
from smechain.core.encoding import decode, encode, plain
from smechain.core.errors import BadArguments
from smechain.core.proof import verify_tx_proof
from smechain.core.tx import SignedTx, decode_tx
from smechain.documents import DocumentError, import_invoice, verify_ofd_seals
from smechain.documents.seal import broken_seal
from smechain.modules.cash.contract import BALANCE_PREFIX
from smechain.modules.invoice.contract import (
    INVOICE_PREFIX,
    Invoice,
    financing_of,
    invoice_id,
    read_invoice,
)
from smechain.modules.membership.contract import ORG_PREFIX, Org
from smechain.modules.receivable.contract import CERT_PREFIX, Certificate, cert_key
from smechain.node.ledger import NotCommitted, StateMoving
from smechain.node.verify import verify_chain
from smechain.web import mount_portal

log = structlog.get_logger("smechain.api")

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": s.ErrorBody, "description": text} for code, text in (
        (401, "no or bad credentials"), (403, "not allowed; the message says why"),
        (404, "no such object"), (409, "conflicts with the ledger's state"),
        (422, "a field is missing, of the wrong type or out of range"))
}
Offset = Annotated[int, Query(ge=0, le=1_000_000_000)]
Limit = Annotated[int, Query(ge=1, le=200)]


def _page(items: list[Any], offset: int, limit: int) -> dict[str, Any]:
    return {"items": items[offset:offset + limit], "total": len(items), "offset": offset,
            "limit": limit}


def _hex(value: str, field: str) -> bytes:
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise ApiError(422, "bad_args", field, f"{field}: not hexadecimal") from None


def cert_parties(cert: Certificate) -> set[str]:
    """The organisations a certificate or part concerns: its debtor, holder, recourse
    seller and guarantor, and on the original certificate its supplier (parts inherit
    the supplier's name but not its say)."""
    found = {cert.debtor, cert.holder, cert.recourse_to, cert.guarantor}
    if not cert.parent:
        found.add(cert.supplier)
    return {o for o in found if o}


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


class EventHub:
    """Fans the indexer's committed transactions out to server-sent-event streams."""

    def __init__(self, platform: Platform) -> None:
        self._queues: set[asyncio.Queue[list[IndexedTx]]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        platform.index.on_index(self._publish)

    def _publish(self, rows: list[IndexedTx]) -> None:
        loop = self._loop
        if loop is None or not rows:
            return
        for q in list(self._queues):
            loop.call_soon_threadsafe(q.put_nowait, rows)

    def open(self) -> asyncio.Queue[list[IndexedTx]]:
        self._loop = asyncio.get_running_loop()
        q: asyncio.Queue[list[IndexedTx]] = asyncio.Queue()
        self._queues.add(q)
        return q

    def close(self, q: asyncio.Queue[list[IndexedTx]]) -> None:
        self._queues.discard(q)


def create_app(platform: Platform, portal: bool = True) -> FastAPI:
    """The API (and, with ``portal``, the web portal) over ``platform``."""
    node = platform.node
    app = FastAPI(
        title="smechain", version="0.1.0",
        description="Consortium ledger for SME finance: receivables, e-invoices, digital cash. "
                    "Amounts are integers in minor units; binary values are hex.",
        responses=ERRORS, redoc_url=None,  # one docs UI, /docs: see api/headers.py
    )
    app.router.route_class = LedgerJsonRoute  # before any route: bodies the ledger can take
    metrics = Metrics(platform)
    hub = EventHub(platform)
    app.add_middleware(BodyGuard, authenticate=platform.accounts.authenticate)
    app.add_middleware(Observe, platform=platform, metrics=metrics)  # outside: sees refusals
    add_security_headers(app)
    app.state.platform = platform

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

    # --- who is calling ----------------------------------------------------------

    def authenticate(request: Request) -> Caller:
        account = request.scope.get("state", {}).get("account")
        if account is not None:  # BodyGuard signed the caller in before reading the body
            return platform.caller(account)
        token = bearer_token(request.headers.get("authorization", ""))
        if not token and request.url.path == "/v1/events":
            token = request.query_params.get("token", "")
            if token.startswith("smk_"):
                raise ApiError(401, "unauthenticated", "token", "token: API keys go in the "
                               "Authorization header, never in a URL")
        if not token:
            raise ApiError(401, "unauthenticated", "authorization", UNAUTHENTICATED)
        account = platform.accounts.authenticate(token)
        if account is None:
            raise ApiError(401, "unauthenticated", "authorization", UNKNOWN_TOKEN)
        request.state.account = account
        request.state.token = token  # for logout, and for an event stream to re-check
        return platform.caller(account)

    Auth = Annotated[Caller, Depends(authenticate)]

    def me(caller: Caller) -> dict[str, Any]:
        key = platform.accounts.public_key(caller.account.vault_owner)
        return {"org": caller.org_id, "username": caller.account.name,
                "role": caller.account.role, "org_name": caller.org.name,
                "org_roles": list(caller.org.roles),
                "public_key": key.hex() if key else None}

    # --- accounts ----------------------------------------------------------------

    @app.post("/v1/auth/login", response_model=s.LoginResult, tags=["accounts"],
              responses={429: {"model": s.ErrorBody,
                               "description": "too many wrong passwords for this name or "
                                              "from this address, or too many sign-ins "
                                              "at once; see Retry-After"}})
    def login(body: s.LoginBody, request: Request) -> dict[str, Any]:
        if platform.org(body.org) is not None:  # strangers' guesses do not fill the audit log
            request.state.login_org, request.state.login_user = body.org, body.username
        request.state.audit = "login"
        client = request.client.host if request.client else ""  # as uvicorn reports it
        token, expires, account = platform.accounts.login(body.org, body.username, body.password,
                                                          client)
        request.state.account = account
        return {"token": token, "expires_at": expires, "user": me(platform.caller(account))}

    @app.post("/v1/auth/logout", status_code=204, tags=["accounts"])
    def logout(caller: Auth, request: Request) -> Response:
        token = request.state.token
        if token.startswith("smk_"):
            raise ApiError(409, "conflict", "authorization", "authorization: an API key is not "
                           "a session; an admin revokes it with DELETE /v1/api-keys/{key_id}")
        platform.accounts.logout(token)
        request.state.audit = "logout"
        return Response(status_code=204)

    @app.get("/v1/me", response_model=s.Me, tags=["accounts"])
    def whoami(caller: Auth) -> dict[str, Any]:
        return me(caller)

    @app.get("/v1/users", response_model=list[s.User], tags=["accounts"])
    def list_users(caller: Auth) -> list[dict[str, Any]]:
        platform.require_admin(caller)
        return platform.accounts.users(caller.org_id)

    @app.post("/v1/users", response_model=s.User, status_code=201, tags=["accounts"])
    def add_user(body: s.NewUser, caller: Auth, request: Request) -> dict[str, Any]:
        platform.require_admin(caller)
        request.state.audit = f"add user {body.username} as {body.role}"
        platform.add_user(caller.org_id, body.username, body.password, body.role)
        user = platform.accounts.user(caller.org_id, body.username)
        assert user is not None
        return user

    @app.patch("/v1/users/{username}", response_model=s.User, tags=["accounts"])
    def change_user(username: str, body: s.UserChange, caller: Auth,
                    request: Request) -> dict[str, Any]:
        platform.require_admin(caller)
        if username == caller.account.name and (body.disabled or
                                                body.role not in (None, "admin")):
            raise forbidden("username", "admins may not demote or disable themselves")
        request.state.audit = f"change user {username}: " + ", ".join(
            k for k, v in body.model_dump().items() if v is not None)
        user = platform.accounts.update_user(caller.org_id, username, body.role, body.password,
                                             body.disabled)
        if body.role is not None and platform.accounts.key(f"user:{caller.org_id}/{username}") \
                is None:
            platform.provision(Account(caller.org_id, username, body.role))
        return user

    @app.get("/v1/api-keys", response_model=list[s.ApiKey], tags=["accounts"])
    def list_keys(caller: Auth) -> list[dict[str, Any]]:
        platform.require_admin(caller)
        return platform.accounts.api_keys(caller.org_id)

    @app.post("/v1/api-keys", response_model=s.ApiKeyCreated, status_code=201,
              tags=["accounts"])
    def add_key(body: s.NewApiKey, caller: Auth, request: Request) -> dict[str, Any]:
        platform.require_admin(caller)
        key_id, secret = platform.add_api_key(caller.org_id, body.name, body.role)
        request.state.audit = f"add API key {key_id} ({body.name}) as {body.role}"
        found = next(k for k in platform.accounts.api_keys(caller.org_id)
                     if k["key_id"] == key_id)
        return {**found, "secret": secret}

    @app.delete("/v1/api-keys/{key_id}", status_code=204, tags=["accounts"])
    def revoke_key(key_id: str, caller: Auth, request: Request) -> Response:
        platform.require_admin(caller)
        request.state.audit = f"revoke API key {key_id}"
        platform.accounts.revoke_api_key(caller.org_id, key_id)
        return Response(status_code=204)

    @app.get("/v1/audit", response_model=s.AuditPage, tags=["accounts"])
    def audit(caller: Auth, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        if not caller.reads_all:
            platform.require_admin(caller)
        rows, total = platform.accounts.audit_log(None if caller.reads_all else caller.org_id,
                                                  offset, limit)
        return {"items": rows, "total": total, "offset": offset, "limit": limit}

    # --- transactions --------------------------------------------------------------

    def add_action_route(contract: str, action: str, struct: type) -> None:
        model = s.action_model(struct, s.model_name(contract, struct))

        def endpoint(body: Any, caller: Auth, request: Request,
                     wait: bool = True) -> dict[str, Any]:
            request.state.audit = f"{contract}.{action}"
            args = s.to_args(struct, body.model_dump())
            result = platform.submit_custodial(caller, contract, action, args, wait)
            metrics.submitted.inc()
            request.state.audit += f" tx={result['tx_hash']}"
            return platform.raise_for(result)

        endpoint.__annotations__["body"] = model
        app.post(f"/v1/contracts/{contract}/{action}", response_model=s.TxResult,
                 operation_id=f"{contract}_{action}", tags=[f"contract: {contract}"],
                 summary=f"{contract}.{action} (custodial)",
                 description=(struct.__doc__ or "") + "\n\nSigned by the peer with the "
                 "caller's key after a simulation on the committed state; a call that would "
                 "fail is refused with the contract's reason and nothing is stored.")(endpoint)

    for contract_name, contract in node.runtime.contracts.items():
        for action_name, action in contract.actions.items():
            add_action_route(contract_name, action_name, action.args_type)

    @app.post("/v1/transactions", response_model=s.TxResult, tags=["transactions"])
    def submit(body: s.RawTx, caller: Auth, request: Request) -> dict[str, Any]:
        """Submit a transaction the client signed itself (non-custodial)."""
        def permit(_: int, tx: SignedTx) -> None:
            platform.require_submit(caller, tx.body.contract)

        result = platform.raise_for(platform.submit_raw(_hex(body.tx, "tx"), body.wait, permit))
        metrics.submitted.inc()
        request.state.audit = f"submit tx={result['tx_hash']}"
        return result

    @app.post("/v1/transactions/batch", response_model=s.BatchResult, tags=["transactions"])
    def submit_batch(body: s.RawBatch, caller: Auth, request: Request) -> dict[str, Any]:
        """Submit up to 5,000 signed transactions; one result each, in order."""
        platform.require_submit(caller, "")
        raws = [_hex(tx, f"txs[{i}]") for i, tx in enumerate(body.txs)]

        def permit(i: int, tx: SignedTx) -> None:
            if tx.body.contract == "membership":
                raise forbidden(f"txs[{i}]", "governance and key transactions go one at a "
                                             "time to /v1/transactions")

        results = platform.submit_many(raws, body.wait, permit)
        metrics.submitted.inc(len(raws))
        request.state.audit = f"batch of {len(raws)}"
        return {"results": results}

    @app.get("/v1/nonces/{public_key}", response_model=s.Nonce, tags=["transactions"])
    def nonce(public_key: str, caller: Auth) -> dict[str, Any]:
        key = _hex(public_key, "public_key")
        if len(key) != node.suite.public_key_size:
            raise ApiError(422, "bad_args", "public_key",
                           f"public_key: must be {node.suite.public_key_size} bytes")
        return {"public_key": public_key, "nonce": node.nonce(key)}

    @app.post("/v1/proposals", response_model=s.Proposal, status_code=201, tags=["proposals"])
    def propose(body: s.NewProposal, caller: Auth, request: Request) -> dict[str, Any]:
        """Open a multi-party transaction (e.g. offer a certificate for sale)."""
        request.state.audit = f"propose {body.contract}.{body.action}"
        doc = platform.propose(caller, body.contract, body.action, body.args, body.cosigners,
                               body.expires_ms)
        request.state.audit += f" id={doc['id']}"
        return proposal_out(doc)

    def proposal_out(doc: dict[str, Any]) -> dict[str, Any]:
        return {"id": doc["id"], "contract": doc["contract"], "action": doc["action"],
                "args": doc["args"], "sender_org": doc["sender_org"],
                "cosigners": doc["cosigners"], "signers": [doc["sender_org"], *doc["cosigners"]],
                "signed_by": list(doc["approvals"]), "status": doc["status"],
                "reason": doc["reason"], "created_ms": doc["created_ms"],
                "expires_ms": doc["expires_ms"], "result": doc["result"]}

    @app.get("/v1/proposals", response_model=s.ProposalPage, tags=["proposals"])
    def proposals(caller: Auth, role: str = Query("any", pattern="^(sender|cosigner|any)$"),
                  status: str | None = Query(None, pattern=f"^({'|'.join(STATUSES)})$"),
                  offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        """Proposals the caller is party to (regulators: all), newest first."""
        me_ = caller.org_id
        found = []
        for doc in platform.proposals():
            mine = {"sender": doc["sender_org"] == me_, "cosigner": me_ in doc["cosigners"]}
            ok = any(mine.values()) or caller.reads_all if role == "any" else mine[role]
            if ok and (status is None or doc["status"] == status):
                found.append(proposal_out(doc))
        return _page(found, offset, limit)

    @app.get("/v1/proposals/{proposal_id}", response_model=s.Proposal, tags=["proposals"])
    def get_proposal(proposal_id: str, caller: Auth) -> dict[str, Any]:
        return proposal_out(platform.proposal(caller, proposal_id))

    @app.post("/v1/proposals/{proposal_id}/sign", response_model=s.Proposal, tags=["proposals"])
    def sign_proposal(proposal_id: str, caller: Auth, request: Request) -> dict[str, Any]:
        """Approve as a co-signer; the last approval signs and submits the transaction."""
        request.state.audit = f"approve proposal {proposal_id}"
        doc = platform.approve(caller, proposal_id)
        if doc["result"]:
            request.state.audit += f" tx={doc['result']['tx_hash']}"
        return proposal_out(doc)

    @app.post("/v1/proposals/{proposal_id}/reject", response_model=s.Proposal,
              tags=["proposals"])
    def reject_proposal(proposal_id: str, caller: Auth, request: Request) -> dict[str, Any]:
        request.state.audit = f"reject proposal {proposal_id}"
        return proposal_out(platform.reject(caller, proposal_id))

    # --- organisations, balances, invoices --------------------------------------------

    @app.get("/v1/orgs", response_model=list[s.OrgOut], tags=["ledger"])
    def orgs(caller: Auth) -> list[dict[str, Any]]:
        return [plain(decode(raw, Org)) for _, raw, _ in node.store.iter_state(ORG_PREFIX)]

    @app.get("/v1/orgs/{org_id}", response_model=s.OrgOut, tags=["ledger"])
    def get_org(org_id: str, caller: Auth) -> dict[str, Any]:
        org = platform.org(org_id)
        if org is None:
            raise not_found("org_id", f"no organisation {org_id!r}")
        return plain(org)

    @app.get("/v1/balances", response_model=s.Balances, tags=["ledger"])
    def balances(caller: Auth, org: str | None = None) -> dict[str, Any]:
        org = org or caller.org_id
        if not caller.may_see({org}):
            raise forbidden("org", f"balances of {org!r} are its own business")
        if platform.org(org) is None:
            raise not_found("org", f"no organisation {org!r}")
        found = {}
        for key, raw, _ in node.store.iter_state(BALANCE_PREFIX):
            currency, holder = key[len(BALANCE_PREFIX):].split("/", 1)
            if holder == org:
                found[currency] = decode(raw, int)
        return {"org": org, "balances": found}

    def invoice_out(inv: Invoice) -> dict[str, Any]:
        """A document with the commercial invoice it belongs to: amount due, financed,
        dilution across all of its seller's identifiers."""
        return {**plain(inv), "financing": plain(financing_of(node.store, inv))}

    def visible_invoice(caller: Caller, inv_id: str) -> Invoice:
        inv = read_invoice(node.store, inv_id)
        if inv is None:
            raise not_found("invoice_id", f"invoice {inv_id!r} is not anchored")
        if not caller.may_see(invoice_orgs(node, inv_id)):
            raise forbidden("invoice_id", f"{caller.org_id!r} is not a party to {inv_id!r}")
        return inv

    @app.get("/v1/invoices", response_model=s.Page, tags=["invoices"])
    def invoices(caller: Auth, offset: Offset = 0, limit: Limit = 50,
                 status: str | None = Query(None, pattern="^(valid|voided)$")) -> dict[str, Any]:
        found = []
        for key, raw, _ in node.store.iter_state(INVOICE_PREFIX):
            inv = decode(raw, Invoice)
            if status is not None and inv.status != status:
                continue
            if caller.may_see(invoice_orgs(node, key[len(INVOICE_PREFIX):])):
                found.append(invoice_out(inv))
        found.sort(key=lambda i: (i["issue_date"], i["id"]), reverse=True)
        return _page(found, offset, limit)

    @app.get("/v1/invoices/{invoice_id:path}/verify", response_model=s.InvoiceCheck,
             response_model_exclude={"seals"}, tags=["invoices"])
    async def verify_invoice(invoice_id: str, caller: Auth,
                             digest: str | None = Query(None, pattern="^[0-9a-f]{64}$")
                             ) -> Any:
        """Check a file's digest against the anchor (any signed-in caller: a public fact).

        Without ``digest`` the path is read as ``GET /v1/invoices/{id}`` of the document
        whose id ends in ``/verify`` (a document numbered ``verify``), when one is anchored.
        """
        if digest is None:
            doc_id = f"{invoice_id}/verify"
            if read_invoice(node.store, doc_id) is None:
                raise ApiError(422, "bad_args", "digest", "digest: required (64 lowercase hex "
                               f"digits); no document {doc_id!r} is anchored either")
            return JSONResponse(invoice_out(visible_invoice(caller, doc_id)))
        inv = read_invoice(node.store, invoice_id)
        if inv is None:
            raise not_found("invoice_id", f"invoice {invoice_id!r} is not anchored")
        return check_of(caller, inv, bytes.fromhex(digest))

    def check_of(caller: Caller, inv: Invoice, digest: bytes) -> dict[str, Any]:
        """Whether a file matches; its figures only to one who has the file or is a party."""
        match = inv.digest == digest
        out: dict[str, Any] = {"invoice": inv.id, "match": match}
        if match or caller.may_see(invoice_orgs(node, inv.id)):
            view = financing_of(node.store, inv)
            out.update(status=inv.status, kind=inv.kind, currency=inv.currency,
                       total_amount=inv.total_amount, amount_due=view.amount_due,
                       financed=view.financed, dilution=view.dilution)
        return out

    async def read_upload(file: UploadFile) -> bytes:
        data = await file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise ApiError(422, "bad_args", "file", f"file: larger than {MAX_UPLOAD} bytes")
        return data

    def parse_invoice(data: bytes, name: str | None) -> Any:
        try:
            return import_invoice(data, node.suite.hash, name or "upload")
        except DocumentError as exc:
            raise ApiError(422, "bad_document", "file", f"file: {exc}") from None

    def seals_of(data: bytes, name: str | None) -> list[dict[str, Any]]:
        """An OFD's seals, each checked (``SealCheck.summary``); one ``broken`` entry when
        they cannot be read at all."""
        try:
            return [c.summary() for c in verify_ofd_seals(data, name or "upload")]
        except DocumentError as exc:
            return [broken_seal(exc)]

    @app.post("/v1/invoices/verify-file", response_model=s.InvoiceCheck, tags=["invoices"])
    async def verify_file(caller: Auth, file: UploadFile = File(...)) -> dict[str, Any]:
        """Check an invoice file (UBL, CII or OFD) against its anchor, and an OFD's seals.

        ``match`` is the digest's answer alone: a file matches only with ``match`` true
        and every one of its ``seals`` ok.
        """
        data = await read_upload(file)
        record = await asyncio.to_thread(parse_invoice, data, file.filename)
        inv_id = invoice_id(record.seller_id, record.code, record.number)
        inv = read_invoice(node.store, inv_id)
        if inv is None:
            raise not_found("file", f"invoice {inv_id!r} is not anchored")
        out = check_of(caller, inv, record.digest)
        if record.syntax == "ofd":
            out["seals"] = await asyncio.to_thread(seals_of, data, file.filename)
        return out

    @app.post("/v1/invoices/anchor-file", response_model=s.TxResult, tags=["invoices"])
    async def anchor_file(caller: Auth, request: Request,
                          file: UploadFile = File(...)) -> dict[str, Any]:
        """A tax authority anchors an e-invoice file (UBL, CII or OFD); an OFD only when
        every one of its seals is ok."""
        platform.require_submit(caller, "invoice")
        platform.check_action(caller, "invoice", "anchor")
        data = await read_upload(file)
        record = await asyncio.to_thread(parse_invoice, data, file.filename)
        if record.syntax == "ofd":
            seals = await asyncio.to_thread(seals_of, data, file.filename)
            bad = next((c for c in seals if not c["ok"]), None)
            if bad is not None:
                what = (f"seal {bad['signature_file']} is {bad['verdict']}"
                        if bad["signature_file"] else "its seals are broken")
                raise ApiError(422, "bad_document", "file",
                               f"file: {what}: {bad['reason']}; not anchored")
        args = record.anchor_args()
        request.state.audit = f"anchor file {file.filename}"
        result = await asyncio.to_thread(platform.submit_custodial, caller, "invoice", "anchor",
                                         args, True)
        request.state.audit += f" tx={result['tx_hash']}"
        return platform.raise_for(result)

    @app.get("/v1/invoices/{invoice_id:path}", response_model=dict[str, Any], tags=["invoices"])
    def get_invoice(invoice_id: str, caller: Auth) -> dict[str, Any]:
        return invoice_out(visible_invoice(caller, invoice_id))

    # --- certificates ------------------------------------------------------------------

    def all_certs() -> list[Certificate]:
        return [decode(raw, Certificate) for _, raw, _ in node.store.iter_state(CERT_PREFIX)]

    def lineage(caller: Caller, root: str, offered: tuple[str, bytes] | None
                ) -> tuple[dict[str, Any], set[str]]:
        """The tree from ``root`` and the ids in it the caller may open.

        The caller may open the nodes it is a party to, or was offered (``(id, record)``:
        only while the certificate is still that record), their ancestors and their
        descendants; other nodes show their face, status and maturity but not who
        holds them.
        """
        records = [raw for _, raw, _ in node.store.iter_state(CERT_PREFIX + root)]
        certs = [decode(raw, Certificate) for raw in records]
        certs = [c for c in certs if c.root == root]
        mine = {c.id for c in certs if caller.may_see(cert_parties(c))}
        if offered is not None and offered[1] in records:
            mine.add(offered[0])
        related = {c.id for c in certs if any(
            c.id == m or c.id.startswith(m + ".") or m.startswith(c.id + ".") for m in mine)}
        nodes = {c.id: {"id": c.id, "holder": c.holder if c.id in related else "",
                        "face": c.face, "status": c.status, "maturity": c.maturity,
                        "parts": []} for c in certs}
        for c in certs:
            if c.parent in nodes:
                nodes[c.parent]["parts"].append(nodes[c.id])
        return nodes[root], related

    @app.get("/v1/certificates", response_model=s.Page, tags=["certificates"])
    def certificates(caller: Auth, role: str = Query("any",
                                                     pattern="^(holder|debtor|supplier|any)$"),
                     status: str | None = Query(None, max_length=16),
                     offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        me_ = caller.org_id
        found = []
        for cert in all_certs():
            if status is not None and cert.status != status:
                continue
            mine = {"holder": cert.holder == me_, "debtor": cert.debtor == me_,
                    "supplier": cert.supplier == me_}
            ok = caller.may_see(cert_parties(cert)) if role == "any" else mine[role]
            if ok:
                found.append(plain(cert))
        found.sort(key=lambda c: (c["maturity"], c["id"]))
        return _page(found, offset, limit)

    def visible_cert(caller: Caller, cert_id: str) -> tuple[Certificate, dict[str, Any]]:
        raw = node.get(cert_key(cert_id))
        if raw is None:
            raise not_found("cert_id", f"no certificate {cert_id!r}")
        cert = decode(raw, Certificate)
        offer = (cert_id, raw) if platform.offered(caller, cert_id, raw) else None
        tree, related = lineage(caller, cert.root, offer)
        if cert_id not in related:
            raise forbidden("cert_id", f"{caller.org_id!r} is not party to {cert_id!r} or "
                                       "to the parts it was split from or into")
        return cert, tree

    @app.get("/v1/certificates/{cert_id}", response_model=s.CertificateDetail,
             tags=["certificates"])
    def get_certificate(cert_id: str, caller: Auth) -> dict[str, Any]:
        cert, tree = visible_cert(caller, cert_id)
        return {"certificate": plain(cert), "lineage": tree}

    @app.get("/v1/certificates/{cert_id}/price", response_model=s.Price, tags=["certificates"])
    def price(cert_id: str, caller: Auth, rate_bp: int = Query(ge=0, le=10_000),
              basis: int = Query(365), on: str | None = Query(None, max_length=10)
              ) -> dict[str, Any]:
        """What a buyer pays now for the certificate at ``rate_bp`` a year (simple discount)."""
        cert, _ = visible_cert(caller, cert_id)
        if basis not in (360, 365):
            raise ApiError(422, "bad_args", "basis", f"basis: {basis} is not 360 or 365")
        if cert.status != "confirmed":
            raise ApiError(409, "conflict", "cert_id",
                           f"cert_id: {cert_id!r} is {cert.status}; only confirmed "
                           "certificates can be sold")
        today = on or time.strftime("%Y-%m-%d", time.gmtime(platform.now_ms() / 1000))
        try:
            days = day_number(cert.maturity) - day_number(today, "on")
        except BadArguments as exc:
            raise ApiError(422, "bad_args", "on", exc.message) from None
        if days <= 0:
            raise ApiError(409, "conflict", "cert_id",
                           f"cert_id: {cert_id!r} matures {cert.maturity}; it cannot be sold")
        try:
            cut, price = discounted_price(cert.face, rate_bp, days, basis)
        except BadArguments as exc:
            raise ApiError(422, "bad_args", "rate_bp", exc.message) from None
        return {"id": cert.id, "face": cert.face, "days": days, "rate_bp": rate_bp,
                "basis": basis, "discount": cut, "price": price}

    @app.get("/v1/stats/maturities", response_model=list[s.Bucket], tags=["stats"])
    def maturities(caller: Auth, role: str = Query("holder", pattern="^(holder|debtor)$")
                   ) -> list[dict[str, Any]]:
        """Outstanding (confirmed or overdue) certificates by month of maturity."""
        buckets: dict[tuple[str, str], list[int]] = {}
        for cert in all_certs():
            if cert.status not in ("confirmed", "overdue"):
                continue
            party = cert.holder if role == "holder" else cert.debtor
            if party != caller.org_id and not caller.reads_all:
                continue
            bucket = buckets.setdefault((cert.maturity[:7], cert.currency), [0, 0])
            bucket[0] += 1
            bucket[1] += cert.face
        return [{"month": m, "currency": cur, "count": c, "amount": a}
                for (m, cur), (c, a) in sorted(buckets.items())]

    @app.get("/v1/stats/volumes", response_model=list[s.DayVolume], tags=["stats"])
    def volumes(caller: Auth) -> list[dict[str, Any]]:
        """Certificates sold to factors and banks, per day (price paid)."""
        return platform.index.volumes(None if caller.reads_all else caller.org_id)

    @app.get("/v1/stats/refusals", response_model=s.Page, tags=["stats"])
    def refusals(caller: Auth, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        """Refused attempts to finance an invoice twice, or a voided one."""
        items, total = platform.index.refusals(None if caller.reads_all else caller.org_id,
                                               offset, limit)
        return {"items": items, "total": total, "offset": offset, "limit": limit}

    # --- chain explorer -----------------------------------------------------------------

    def caught_up(height: int) -> None:
        """503 while the index has not reached ``height`` (its answers would be partial)."""
        if not platform.index.wait_for(height, 5):
            raise ApiError(503, "unavailable", "height", f"height: the index is behind "
                           f"({platform.index.height} < {height}); retry shortly")

    def header_out(height: int) -> dict[str, Any]:
        h = node.block(height).header
        return {"height": h.height, "hash": header_hash(node.suite, h).hex(),
                "prev_hash": h.prev_hash.hex(), "timestamp_ms": h.timestamp_ms,
                "tx_count": h.tx_count, "tx_root": h.tx_root.hex(),
                "receipts_root": h.receipts_root.hex(), "state_root": h.state_root.hex(),
                "orderer": h.orderer.hex()}

    @app.get("/v1/blocks", response_model=s.Page, tags=["explorer"])
    def blocks(caller: Auth, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        top = node.height()
        heights = range(top - offset, max(top - offset - limit, -1), -1)
        return {"items": [header_out(h) for h in heights], "total": top + 1, "offset": offset,
                "limit": limit}

    @app.get("/v1/blocks/{height}", response_model=s.BlockDetail, tags=["explorer"])
    def block(height: int, caller: Auth) -> dict[str, Any]:
        if not 0 <= height <= node.height():
            raise not_found("height", f"no block {height} (the chain is at {node.height()})")
        caught_up(height)
        rows = platform.index.txs_at(height)
        shown = [row for row, orgs in rows if caller.may_see(orgs)]
        return {"header": header_out(height), "transactions": shown,
                "hidden": len(rows) - len(shown)}

    @app.get("/v1/transactions", response_model=s.Page, tags=["explorer"])
    def transactions(caller: Auth, offset: Offset = 0, limit: Limit = 50,
                     contract: str | None = Query(None, max_length=32)) -> dict[str, Any]:
        items, total = platform.index.transactions(
            None if caller.reads_all else caller.org_id, offset, limit, contract)
        return {"items": items, "total": total, "offset": offset, "limit": limit}

    def located(caller: Caller, tx_hash: str) -> tuple[bytes, int, int]:
        raw_hash = _hex(tx_hash, "tx_hash")
        try:
            height, index = node.locate(raw_hash)
        except NotCommitted:
            raise not_found("tx_hash", f"{tx_hash} is not committed") from None
        caught_up(height)
        if not caller.reads_all and not platform.index.concerns(caller.org_id, height, index):
            raise forbidden("tx_hash", f"the transaction does not concern {caller.org_id!r}")
        return raw_hash, height, index

    @app.get("/v1/transactions/{tx_hash}", response_model=s.TxDetail, tags=["explorer"])
    def transaction(tx_hash: str, caller: Auth) -> dict[str, Any]:
        raw_hash, height, index = located(caller, tx_hash)
        blk = node.block(height)
        tx, _ = decode_tx(blk.txs[index], node.suite)
        body = tx.body
        return {"tx_hash": tx_hash, "height": height, "index": index,
                "timestamp_ms": blk.header.timestamp_ms, "contract": body.contract,
                "action": body.action, "args": plain(body.args),
                "signers": [{"public_key": k.hex(), "org": platform.index.org_of_key(k)}
                            for k in body.signers],
                "nonce": body.nonce,
                "receipt": platform.result_of(raw_hash, blk.receipts[index])}

    @app.get("/v1/transactions/{tx_hash}/proof", response_model=s.ProofOut, tags=["explorer"])
    def proof(tx_hash: str, caller: Auth) -> dict[str, Any]:
        raw_hash, height, _ = located(caller, tx_hash)
        found = node.proof(raw_hash)
        problem = verify_tx_proof(node.suite, found, node.orderer_keys) or ""
        return {"tx_hash": tx_hash, "height": height, "proof": encode(found).hex(),
                "valid": not problem, "problem": problem, "path_length": len(found.tx_path),
                "checkpoints": len(found.checkpoints)}

    @app.post("/v1/chain/verify", response_model=s.VerifyOut, tags=["explorer"])
    def verify(caller: Auth, request: Request) -> dict[str, Any]:
        """Re-walk the whole chain: hashes, roots, signatures, re-execution, state (admins)."""
        platform.require_admin(caller)
        request.state.audit = "verify chain"
        report = verify_chain(node.store)
        request.state.audit += " ok" if report.ok else f" FAILED: {report.problem}"
        return {"ok": report.ok, "blocks": report.blocks, "transactions": report.transactions,
                "height": report.height, "problem": report.problem}

    @app.get("/v1/events", response_class=StreamingResponse, tags=["explorer"],
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "server-sent events"}})
    async def events(request: Request, caller: Auth,
                     from_height: int | None = Query(None, ge=0, le=2**62),
                     limit: int | None = Query(None, ge=1, le=100_000)) -> StreamingResponse:
        """Committed events the caller may see, as server-sent events (``?token=`` accepted)."""
        token = request.state.token

        def still_allowed() -> bool:
            """Revoked, logged out, disabled or suspended ends the stream."""
            account = platform.accounts.authenticate(token)
            try:
                return account is not None and platform.caller(account) is not None
            except ApiError:
                return False

        queue = hub.open()
        # Blocks up to ``replay_until`` come from the index; later ones from the live feed.
        replay_until = platform.index.height

        def frames(rows: list[IndexedTx]) -> list[bytes]:
            out = []
            for row in rows:
                if not caller.may_see(row.orgs):
                    continue
                for e in row.events or [{"contract": row.contract, "attrs": {},
                                         "name": "TxCommitted" if row.ok else "TxFailed"}]:
                    data = {"height": row.height, "index": row.index, "tx_hash": row.tx_hash,
                            "contract": e["contract"], "action": row.action, "ok": row.ok,
                            "code": row.code, "attrs": e["attrs"]}
                    out.append(f"id: {row.height}-{row.index}\nevent: {e['name']}\n"
                               f"data: {json.dumps(data)}\n\n".encode())
            return out

        async def stream() -> AsyncIterator[bytes]:
            sent = 0
            try:
                yield b": smechain events\n\n"
                cursor = (from_height, -1) if from_height is not None else None
                while True:
                    if cursor is not None:
                        rows = await asyncio.to_thread(platform.index.rows_after, *cursor,
                                                       replay_until)
                        if rows:
                            cursor = (rows[-1].height, rows[-1].index)
                        else:
                            cursor = None
                            continue
                    else:
                        try:
                            rows = await asyncio.wait_for(queue.get(), 15)
                        except TimeoutError:
                            if await request.is_disconnected() or not still_allowed():
                                return
                            yield b": keep-alive\n\n"
                            continue
                        if not still_allowed():
                            return
                        rows = [r for r in rows if r.height > replay_until]
                    for frame in frames(rows):
                        yield frame
                        sent += 1
                        if limit is not None and sent >= limit:
                            return
            finally:
                hub.close(queue)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    # --- operations ----------------------------------------------------------------------

    @app.get("/healthz", response_model=s.Health, tags=["operations"])
    async def healthz() -> Any:
        """``ok``, or 503 ``failed`` naming why once the ledger thread has stopped."""
        failure = node.failure
        body = {"status": "ok" if failure is None else "failed", "chain_id": node.chain_id,
                "height": node.height(), "indexed_height": platform.index.height,
                "problem": "" if failure is None else f"the ledger thread failed: {failure!r}"}
        return body if failure is None else JSONResponse(body, status_code=503)

    @app.get("/metrics", response_class=PlainTextResponse, tags=["operations"])
    async def prometheus() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(metrics.registry).decode(),
                                 media_type="text/plain; version=0.0.4")

    if portal:
        mount_portal(app)
    return app

