"""``Client``: the smechain HTTP API over httpx (synchronous), one method per route.

Answers are frozen records (``smechain.client.models``); refusals raise the
typed errors of ``smechain.client.errors``; an unreachable server raises
``ConnectionFailed``. Custodial transactions (the peer signs with the caller's
enrolled key) go through ``call``; transactions signed here go through ``send``,
``submit`` and ``submit_batch``.

Each business module adds its SDK part (``smechain/modules/<name>/sdk.py``) as
``client.<name>``: its typed actions (``client.cash.issue(...)``) and the
queries of its objects (``client.receivable.certificate(...)``), some of them
also here under the same name (``client.certificate(...)``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from smechain.client.actions import ModuleSdk, json_form, module_sdks
from smechain.client.errors import ApiError, ConnectionFailed, error_from_response
from smechain.client.events import EventStream
from smechain.client.explorer import (
    BlockDetail,
    BlockHeader,
    ChainReport,
    Health,
    ProofResult,
    TxDetail,
    TxSummary,
)
from smechain.client.models import (
    ApiKey,
    ApiKeyCreated,
    AuditRow,
    Me,
    Page,
    Proposal,
    Session,
    TxResult,
    User,
    from_json,
    page_of,
)
from smechain.client.signing import Signer
from smechain.core.keys import KeyPair

MAX_BATCH = 5000
"""The most transactions ``POST /v1/transactions/batch`` takes at once."""


def segment(value: str | int) -> str:
    """``value`` as one segment of a URL path."""
    return quote(str(value), safe="")


def hex_text(value: bytes | str) -> str:
    """Binary as lowercase hex (hex passes unchanged)."""
    return value.hex() if isinstance(value, bytes) else value


class Client:
    """A connection to one peer's API, signed in with a session token or an API key."""

    def __init__(self, base_url: str, token: str | None = None, api_key: str | None = None,
                 timeout: float = 30, transport: httpx.BaseTransport | None = None) -> None:
        """``token`` is a session token (``Client.login``), ``api_key`` an API key's
        secret; both go in ``Authorization: Bearer``. ``transport`` replaces the network
        (tests)."""
        if token and api_key:
            raise ValueError("token, api_key: give one of them, not both")
        self.base_url = base_url.rstrip("/")
        self.session: Session | None = None
        """The login this client made, if it made one."""
        self._token = token or api_key
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)
        self._chain_id: str | None = None
        for module, sdk in module_sdks().items():  # client.cash, client.receivable...
            self._attach(module, sdk(self, module))

    @classmethod
    def login(cls, base_url: str, org: str, username: str, password: str,
              timeout: float = 30, transport: httpx.BaseTransport | None = None) -> Client:
        """A client signed in as ``username`` of ``org``."""
        client = cls(base_url, timeout=timeout, transport=transport)
        try:
            client.sign_in(org, username, password)
        except BaseException:
            client.close()
            raise
        return client

    def close(self) -> None:
        """Close the connection pool (the session stays valid; see ``logout``)."""
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        who = f" as {self.session.user.org}/{self.session.user.username}" if self.session else ""
        return f"Client({self.base_url!r}{who})"

    def _attach(self, name: str, sdk: ModuleSdk) -> None:
        """``self.<name>`` is the module's SDK part, and its shortcuts are methods here."""
        for attr in (name, *sdk.shortcuts):
            if hasattr(self, attr):
                raise TypeError(f"{sdk.module} SDK: Client.{attr} exists already")
        setattr(self, name, sdk)
        for shortcut in sdk.shortcuts:
            setattr(self, shortcut, getattr(sdk, shortcut))

    # --- plumbing ------------------------------------------------------------------

    def request(self, method: str, path: str, *, json: Any = None,
                params: Mapping[str, Any] | None = None, files: Any = None,
                auth: bool = True) -> Any:
        """Send one request; the decoded JSON (text for non-JSON, ``None`` for 204).

        Raises the typed ``ApiError`` for a refusal and ``ConnectionFailed`` when
        the server cannot be reached.
        """
        headers = {"Authorization": f"Bearer {self._token}"} if auth and self._token else {}
        query = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = self._http.request(method, path, json=json, params=query, files=files,
                                          headers=headers)
        except httpx.TransportError as exc:
            raise ConnectionFailed(f"{self.base_url}{path}",
                                   str(exc) or type(exc).__name__) from exc
        if response.status_code >= 400:
            raise error_from_response(response)
        if response.status_code == 204 or not response.content:
            return None
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.text

    def _get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def _post(self, path: str, body: Any = None, **params: Any) -> Any:
        return self.request("POST", path, json=body, params=params)

    # --- accounts --------------------------------------------------------------------

    def sign_in(self, org: str, username: str, password: str) -> Session:
        """``POST /v1/auth/login``: sign in; this client then uses the session token."""
        doc = self.request("POST", "/v1/auth/login", auth=False,
                           json={"org": org, "username": username, "password": password})
        self.session = Session.from_json(doc)
        self._token = self.session.token
        return self.session

    def logout(self) -> None:
        """``POST /v1/auth/logout``: end the session (the token stops working)."""
        self._post("/v1/auth/logout")
        self._token = None
        self.session = None

    def me(self) -> Me:
        """``GET /v1/me``: who this client is signed in as."""
        return from_json(Me, self._get("/v1/me"))

    def users(self) -> list[User]:
        """``GET /v1/users``: the organisation's users (org admins)."""
        return [from_json(User, u) for u in self._get("/v1/users")]

    def add_user(self, username: str, password: str, role: str) -> User:
        """``POST /v1/users``: a new user with ``role`` viewer, operator or admin."""
        return from_json(User, self._post("/v1/users", {"username": username,
                                                        "password": password, "role": role}))

    def change_user(self, username: str, *, role: str | None = None,
                    password: str | None = None, disabled: bool | None = None) -> User:
        """``PATCH /v1/users/{username}``: change a user's role, password or disabled flag."""
        body = {k: v for k, v in (("role", role), ("password", password),
                                  ("disabled", disabled)) if v is not None}
        return from_json(User, self.request("PATCH", f"/v1/users/{segment(username)}", json=body))

    def api_keys(self) -> list[ApiKey]:
        """``GET /v1/api-keys``: the organisation's API keys (without secrets)."""
        return [from_json(ApiKey, k) for k in self._get("/v1/api-keys")]

    def add_api_key(self, name: str, role: str) -> ApiKeyCreated:
        """``POST /v1/api-keys``: a key for a system; its ``secret`` is shown only now."""
        return from_json(ApiKeyCreated, self._post("/v1/api-keys", {"name": name, "role": role}))

    def revoke_api_key(self, key_id: str) -> None:
        """``DELETE /v1/api-keys/{key_id}``."""
        self.request("DELETE", f"/v1/api-keys/{segment(key_id)}")

    def audit(self, offset: int = 0, limit: int = 50) -> Page[AuditRow]:
        """``GET /v1/audit``: state-changing calls, newest first (admins: own org)."""
        return page_of(self._get("/v1/audit", offset=offset, limit=limit), AuditRow)

    # --- transactions ----------------------------------------------------------------

    def call(self, contract: str, action: str, /, *, wait: bool = True,
             **args: Any) -> TxResult:
        """``POST /v1/contracts/{contract}/{action}``: a custodial transaction.

        The peer simulates it, signs with the caller's enrolled key and submits;
        one that would fail is refused with the contract's reason (``Conflict``,
        ``Forbidden``...) and nothing is stored. ``bytes`` arguments are sent as hex.
        """
        doc = self._post(f"/v1/contracts/{segment(contract)}/{segment(action)}", json_form(args),
                         wait=wait)
        return TxResult.from_json(doc)

    def submit(self, raw: bytes, wait: bool = True) -> TxResult:
        """``POST /v1/transactions``: a transaction signed here; a failure the ledger
        recorded raises with its ``tx_hash`` and ``height``."""
        return TxResult.from_json(self._post("/v1/transactions", {"tx": raw.hex(), "wait": wait}))

    def submit_batch(self, raws: Sequence[bytes], wait: bool = True) -> list[TxResult]:
        """``POST /v1/transactions/batch``: many signed transactions, one result each in
        order (failures are results with ``ok=False``, not exceptions). Lists longer
        than ``MAX_BATCH`` go in several requests."""
        results: list[TxResult] = []
        for start in range(0, len(raws), MAX_BATCH):
            chunk = [raw.hex() for raw in raws[start:start + MAX_BATCH]]
            doc = self._post("/v1/transactions/batch", {"txs": chunk, "wait": wait})
            results += [TxResult.from_json(r) for r in doc["results"]]
        return results

    def nonce(self, public_key: bytes | str) -> int:
        """``GET /v1/nonces/{public_key}``: the last nonce the key used (0 if none)."""
        return int(self._get(f"/v1/nonces/{hex_text(public_key)}")["nonce"])

    def chain_id(self) -> str:
        """The chain's id (from ``/healthz``, asked once)."""
        if self._chain_id is None:
            self._chain_id = self.health().chain_id
        return self._chain_id

    def signer(self, key: KeyPair) -> Signer:
        """A ``Signer`` for ``key`` on this server's chain, its nonce fetched now."""
        signer = Signer(key, self.chain_id())
        signer.sync(self)
        return signer

    def send(self, signer: Signer, contract: str, action: str, /, *,
             cosigners: Sequence[KeyPair] = (), wait: bool = True, **args: Any) -> TxResult:
        """Sign ``contract.action(args)`` here with ``signer`` and submit it.

        ``args`` are in the ledger's form (``bytes``; ``[invoice, amount]`` backings);
        hex and JSON objects are converted. If the transaction fails, the signer's
        nonce is learnt again from the server, which knows whether it was used.
        """
        if signer.nonce is None:
            signer.sync(self)
        nonce = signer.next_nonce()
        raw = signer.sign(contract, action, args, cosigners, nonce=nonce)
        try:
            return self.submit(raw, wait)
        except ApiError:
            if wait:
                signer.sync(self)
            else:  # refused before it was ordered: the nonce was not used
                signer.release(nonce)
            raise
        except ConnectionFailed:
            if wait:
                with contextlib.suppress(ApiError, ConnectionFailed):
                    signer.sync(self)
            raise

    # --- proposals (multi-party transactions) ----------------------------------------

    def propose(self, contract: str, action: str, args: Mapping[str, Any],
                cosigners: Sequence[str], expires_ms: int | None = None) -> Proposal:
        """``POST /v1/proposals``: open a transaction ``cosigners`` (orgs) must approve,
        until ``expires_ms`` (epoch ms; the server's default is seven days, at most 90)."""
        body: dict[str, Any] = {"contract": contract, "action": action,
                                "args": json_form(dict(args)), "cosigners": list(cosigners)}
        if expires_ms is not None:
            body["expires_ms"] = expires_ms
        return Proposal.from_json(self._post("/v1/proposals", body))

    def proposals(self, role: str = "any", status: str | None = None, offset: int = 0,
                  limit: int = 50) -> Page[Proposal]:
        """``GET /v1/proposals``: as ``sender``, ``cosigner`` or ``any``; by status."""
        return page_of(self._get("/v1/proposals", role=role, status=status, offset=offset,
                                 limit=limit), Proposal)

    def proposal(self, proposal_id: str) -> Proposal:
        """``GET /v1/proposals/{id}``."""
        return Proposal.from_json(self._get(f"/v1/proposals/{segment(proposal_id)}"))

    def sign_proposal(self, proposal_id: str) -> Proposal:
        """``POST /v1/proposals/{id}/sign``: approve as a co-signer (custodially); the last
        approval submits it, and ``result`` then holds the transaction's result."""
        return Proposal.from_json(self._post(f"/v1/proposals/{segment(proposal_id)}/sign"))

    def reject_proposal(self, proposal_id: str) -> Proposal:
        """``POST /v1/proposals/{id}/reject``: decline (co-signer) or withdraw (sender)."""
        return Proposal.from_json(self._post(f"/v1/proposals/{segment(proposal_id)}/reject"))

    # --- chain explorer -----------------------------------------------------------------

    def blocks(self, offset: int = 0, limit: int = 20) -> Page[BlockHeader]:
        """``GET /v1/blocks``: headers, newest first."""
        return page_of(self._get("/v1/blocks", offset=offset, limit=limit), BlockHeader)

    def block(self, height: int) -> BlockDetail:
        """``GET /v1/blocks/{height}``: the header and the transactions the caller may see."""
        return BlockDetail.from_json(self._get(f"/v1/blocks/{int(height)}"))

    def transactions(self, offset: int = 0, limit: int = 50,
                     contract: str | None = None) -> Page[TxSummary]:
        """``GET /v1/transactions``: transactions the caller may see, newest first."""
        return page_of(self._get("/v1/transactions", offset=offset, limit=limit,
                                 contract=contract), TxSummary)

    def transaction(self, tx_hash: str) -> TxDetail:
        """``GET /v1/transactions/{hash}``: body, signers' orgs and receipt."""
        return TxDetail.from_json(self._get(f"/v1/transactions/{segment(tx_hash)}"))

    def proof(self, tx_hash: str) -> ProofResult:
        """``GET /v1/transactions/{hash}/proof``: the decoded inclusion proof and the
        server's verdict; ``ProofResult.verify`` checks it here."""
        return ProofResult.from_json(self._get(f"/v1/transactions/{segment(tx_hash)}/proof"))

    def verify_chain(self) -> ChainReport:
        """``POST /v1/chain/verify``: re-walk the whole chain (regulator, org admins)."""
        return from_json(ChainReport, self._post("/v1/chain/verify"))

    def events(self, from_height: int | None = None, limit: int | None = None,
               read_timeout: float | None = None) -> EventStream:
        """``GET /v1/events``: an ``EventStream`` of ``Event``s; from ``from_height`` on
        (else only new ones), ending after ``limit`` events if given."""
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        params = {k: v for k, v in (("from_height", from_height), ("limit", limit))
                  if v is not None}
        return EventStream(self._http, params, headers, read_timeout)

    # --- operations ---------------------------------------------------------------------

    def health(self) -> Health:
        """``GET /healthz`` (no sign-in)."""
        return from_json(Health, self.request("GET", "/healthz", auth=False))

    def metrics(self) -> str:
        """``GET /metrics``: Prometheus text (no sign-in)."""
        return str(self.request("GET", "/metrics", auth=False))
