"""What every router of the API shares: the caller, paging, hex parameters, the actions
a caller is offered on an object.

Dependencies are ``Annotated`` aliases (``Auth``, ``Offset``, ``Limit``), so a
route states what it needs in its signature. The platform is the app's
(``app.state.platform``, set by ``create_app``).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Depends, Query, Request

from smechain.api.body import LedgerJsonRoute
from smechain.api.caller import Caller
from smechain.api.errors import ApiError
from smechain.api.limits import UNAUTHENTICATED, UNKNOWN_TOKEN, bearer_token
from smechain.api.platform import Platform
from smechain.core.contract import Contract
from smechain.core.transitions import offered

Offset = Annotated[int, Query(ge=0, le=1_000_000_000)]
Limit = Annotated[int, Query(ge=1, le=200)]


def new_router() -> APIRouter:
    """An empty router whose JSON bodies are read as the ledger can take them
    (``LedgerJsonRoute``); every router of the API starts from one."""
    return APIRouter(route_class=LedgerJsonRoute)


def platform_of(request: Request) -> Platform:
    """The platform the app serves."""
    platform: Platform = request.app.state.platform
    return platform


def authenticate(request: Request) -> Caller:
    """The signed-in caller: a session token or API key in the ``Authorization`` header
    (``?token=`` on ``/v1/events``, sessions only); 401 without one, 403 when its
    organisation is not an active member."""
    platform = platform_of(request)
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


def page(items: list[Any], offset: int, limit: int) -> dict[str, Any]:
    """``{items, total, offset, limit}``: ``items[offset:offset + limit]`` of all ``items``."""
    return {"items": items[offset:offset + limit], "total": len(items), "offset": offset,
            "limit": limit}


def with_actions(caller: Caller, contract: Contract, record: msgspec.Struct,
                 doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` (the JSON of ``record``) with ``actions``: the transitions of ``contract``
    the caller's organisation may start on ``record`` now, as its declaration says
    (``core.transitions.offered``: status, roles, party). The organisation's, whatever
    the account's role: a viewer is told what its organisation may do, and is refused
    when it tries (``Platform.require_submit``)."""
    return {**doc, "actions": offered(contract, record, caller.org_id,
                                      frozenset(caller.org.roles))}


def parse_hex(value: str, field: str) -> bytes:
    """The bytes of a hex parameter; 422 naming ``field`` when it is not hexadecimal."""
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise ApiError(422, "bad_args", field, f"{field}: not hexadecimal") from None


def count_submitted(request: Request, n: int = 1) -> None:
    """Count ``n`` transactions submitted through the API (the app's metrics)."""
    request.app.state.metrics.submitted.inc(n)
