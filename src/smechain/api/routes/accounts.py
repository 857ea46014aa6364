"""Sign-in, users, API keys and the audit log of the caller's organisation."""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

from typing import Any

from fastapi import APIRouter, Request, Response

from smechain.api import schemas as s
from smechain.api.accounts import Account
from smechain.api.caller import Caller
from smechain.api.deps import Auth, Limit, Offset, new_router
from smechain.api.errors import ApiError, forbidden
from smechain.api.platform import Platform


def router(platform: Platform) -> APIRouter:
    """``/v1/auth/*``, ``/v1/me``, ``/v1/users``, ``/v1/api-keys``, ``/v1/audit``."""
    r = new_router()

    def me(caller: Caller) -> dict[str, Any]:
        key = platform.accounts.public_key(caller.account.vault_owner)
        return {"org": caller.org_id, "username": caller.account.name,
                "role": caller.account.role, "org_name": caller.org.name,
                "org_roles": list(caller.org.roles),
                "public_key": key.hex() if key else None}

    @r.post("/v1/auth/login", response_model=s.LoginResult, tags=["accounts"],
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

    @r.post("/v1/auth/logout", status_code=204, tags=["accounts"])
    def logout(caller: Auth, request: Request) -> Response:
        token = request.state.token
        if token.startswith("smk_"):
            raise ApiError(409, "conflict", "authorization", "authorization: an API key is not "
                           "a session; an admin revokes it with DELETE /v1/api-keys/{key_id}")
        platform.accounts.logout(token)
        request.state.audit = "logout"
        return Response(status_code=204)

    @r.get("/v1/me", response_model=s.Me, tags=["accounts"])
    def whoami(caller: Auth) -> dict[str, Any]:
        return me(caller)

    @r.get("/v1/users", response_model=list[s.User], tags=["accounts"])
    def list_users(caller: Auth) -> list[dict[str, Any]]:
        platform.require_admin(caller)
        return platform.accounts.users(caller.org_id)

    @r.post("/v1/users", response_model=s.User, status_code=201, tags=["accounts"])
    def add_user(body: s.NewUser, caller: Auth, request: Request) -> dict[str, Any]:
        platform.require_admin(caller)
        request.state.audit = f"add user {body.username} as {body.role}"
        platform.add_user(caller.org_id, body.username, body.password, body.role)
        user = platform.accounts.user(caller.org_id, body.username)
        assert user is not None
        return user

    @r.patch("/v1/users/{username}", response_model=s.User, tags=["accounts"])
    def change_user(username: str, body: s.UserChange, caller: Auth,
                    request: Request) -> dict[str, Any]:
        platform.require_admin(caller)
        if all(v is None for v in body.model_dump().values()):
            raise ApiError(422, "bad_args", "body", "body: nothing to change (give role, "
                           "password or disabled)")
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

    @r.get("/v1/api-keys", response_model=list[s.ApiKey], tags=["accounts"])
    def list_keys(caller: Auth) -> list[dict[str, Any]]:
        platform.require_admin(caller)
        return platform.accounts.api_keys(caller.org_id)

    @r.post("/v1/api-keys", response_model=s.ApiKeyCreated, status_code=201,
            tags=["accounts"])
    def add_key(body: s.NewApiKey, caller: Auth, request: Request) -> dict[str, Any]:
        platform.require_admin(caller)
        key_id, secret = platform.add_api_key(caller.org_id, body.name, body.role)
        request.state.audit = f"add API key {key_id} ({body.name}) as {body.role}"
        found = next(k for k in platform.accounts.api_keys(caller.org_id)
                     if k["key_id"] == key_id)
        return {**found, "secret": secret}

    @r.delete("/v1/api-keys/{key_id}", status_code=204, tags=["accounts"])
    def revoke_key(key_id: str, caller: Auth, request: Request) -> Response:
        platform.require_admin(caller)
        request.state.audit = f"revoke API key {key_id}"
        platform.accounts.revoke_api_key(caller.org_id, key_id)
        return Response(status_code=204)

    @r.get("/v1/audit", response_model=s.AuditPage, tags=["accounts"])
    def audit(caller: Auth, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        if not caller.reads_all:
            platform.require_admin(caller)
        rows, total = platform.accounts.audit_log(None if caller.reads_all else caller.org_id,
                                                  offset, limit)
        return {"items": rows, "total": total, "offset": offset, "limit": limit}

    return r
