"""Signing in and out: sessions, bearer tokens, who the caller is."""

from __future__ import annotations

import time

from api_support import Api, covers, error


@covers("POST /v1/auth/login", "GET /v1/me")
def test_login_gives_a_token_that_identifies_the_user(shared: Api) -> None:
    r = shared.login("sme-t1", "operator")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token"] and body["expires_at"] > time.time() * 1000
    user = body["user"]
    assert (user["org"], user["username"], user["role"]) == ("sme-t1", "operator", "operator")

    me = shared.ok("GET", "/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me == user
    assert me["org_name"].startswith("Tier-1 Gearbox")
    assert me["org_roles"] == ["sme"]
    assert len(bytes.fromhex(me["public_key"])) == 32


@covers("GET /v1/me")
def test_me_of_a_viewer_has_no_signing_key(shared: Api) -> None:
    me = shared.ok("GET", "/v1/me", as_="bank-b/viewer")
    assert {k: me[k] for k in ("org", "username", "role", "org_roles", "public_key")} == {
        "org": "bank-b", "username": "viewer", "role": "viewer", "org_roles": ["bank"],
        "public_key": None}


@covers("POST /v1/auth/login")
def test_wrong_password_and_unknown_org_are_401_alike(shared: Api) -> None:
    wrong = error(shared.login("sme-t1", "operator", "not-the-password"), 401,
                  code="unauthenticated")
    unknown_org = error(shared.login("no-such-org", "operator"), 401, code="unauthenticated")
    unknown_user = error(shared.login("sme-t1", "nobody"), 401, code="unauthenticated")
    # The answer must not tell which of organisation, username or password was wrong.
    assert wrong["message"] == unknown_org["message"] == unknown_user["message"]


@covers("POST /v1/auth/login")
def test_login_body_is_checked(shared: Api) -> None:
    r = shared.client.post("/v1/auth/login", json={"org": "sme-t1", "username": "operator"})
    error(r, 422, field="password", code="bad_args")
    r = shared.client.post("/v1/auth/login", json={"org": "sme-t1", "username": "operator",
                                                    "password": "smechain-demo", "otp": "1"})
    error(r, 422, field="otp")


@covers("POST /v1/auth/login", "PATCH /v1/users/{username}")
def test_disabled_user_cannot_sign_in(api: Api) -> None:
    api.ok("PATCH", "/v1/users/viewer", as_="core-a/admin", json={"disabled": True})
    error(api.login("core-a", "viewer"), 403, field="username", code="forbidden")
    # a wrong password still answers 401, so a disabled account is not a password oracle
    error(api.login("core-a", "viewer", "wrong-password"), 401)


@covers("POST /v1/auth/logout", "GET /v1/me")
def test_logout_ends_the_session(shared: Api) -> None:
    token = shared.login("sme-t3", "viewer").json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert shared.client.get("/v1/me", headers=bearer).status_code == 200
    r = shared.client.post("/v1/auth/logout", headers=bearer)
    assert r.status_code == 204 and r.content == b""
    error(shared.client.get("/v1/me", headers=bearer), 401, field="authorization")
    error(shared.client.post("/v1/auth/logout", headers=bearer), 401, field="authorization")


@covers("POST /v1/auth/logout")
def test_logout_ends_only_that_session(shared: Api) -> None:
    first = shared.login("sme-t3", "operator").json()["token"]
    second = shared.login("sme-t3", "operator").json()["token"]
    assert first != second
    shared.client.post("/v1/auth/logout", headers={"Authorization": f"Bearer {first}"})
    r = shared.client.get("/v1/me", headers={"Authorization": f"Bearer {second}"})
    assert r.status_code == 200 and r.json()["username"] == "operator"


@covers("GET /v1/me")
def test_missing_or_malformed_credentials_are_401(shared: Api) -> None:
    error(shared.client.get("/v1/me"), 401, field="authorization", code="unauthenticated")
    for header in ("Bearer not-a-token", "Bearer sms_" + "A" * 43, "Bearer smk_00_x",
                   "Basic c21lOnB3", "Bearer"):
        r = shared.client.get("/v1/me", headers={"Authorization": header})
        error(r, 401, field="authorization", code="unauthenticated")


@covers("GET /v1/balances")
def test_token_in_query_is_only_for_the_event_stream(shared: Api) -> None:
    token = shared.token("sme-t1/viewer")
    error(shared.client.get(f"/v1/balances?token={token}"), 401, field="authorization")
