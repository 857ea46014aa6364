"""An organisation's users and API keys, managed by its admin."""

from __future__ import annotations

from api_support import Api, covers, error

from smechain.client import sign_tx


@covers("POST /v1/users", "GET /v1/users", "POST /v1/auth/login",
        "POST /v1/contracts/cash/transfer", "GET /v1/transactions/{tx_hash}")
def test_admin_creates_an_operator_who_transacts_with_its_own_key(api: Api) -> None:
    created = api.ok("POST", "/v1/users", as_="sme-t1/admin", status=201,
                     json={"username": "clerk", "password": "clerk-pass-1", "role": "operator"})
    assert {k: created[k] for k in ("org", "username", "role", "disabled")} == {
        "org": "sme-t1", "username": "clerk", "role": "operator", "disabled": False}
    listed = api.ok("GET", "/v1/users", as_="sme-t1/admin")
    assert "clerk" in [u["username"] for u in listed]
    assert all(u["org"] == "sme-t1" for u in listed)
    assert all("password" not in u for u in listed)

    login = api.login("sme-t1", "clerk", "clerk-pass-1")
    assert login.status_code == 200, login.text
    me = login.json()["user"]
    bearer = {"Authorization": f"Bearer {login.json()['token']}"}
    clerk_key = me["public_key"]
    assert clerk_key and clerk_key != api.public_key("sme-t1/operator")

    before = api.balance("sme-t2")
    result = api.ok("POST", "/v1/contracts/cash/transfer", headers=bearer,
                    json={"currency": "CNY", "to": "sme-t2", "amount": 1234, "memo": "parts"})
    assert result["status"] == "committed" and result["ok"] is True
    assert api.balance("sme-t2") == before + 1234

    detail = api.ok("GET", f"/v1/transactions/{result['tx_hash']}", as_="sme-t1/viewer")
    assert detail["signers"] == [{"public_key": clerk_key, "org": "sme-t1"}]
    assert (detail["contract"], detail["action"]) == ("cash", "transfer")
    assert detail["receipt"]["ok"] is True


@covers("GET /v1/users", "POST /v1/users", "PATCH /v1/users/{username}", "GET /v1/api-keys",
        "POST /v1/api-keys", "DELETE /v1/api-keys/{key_id}")
def test_only_admins_manage_users_and_keys(shared: Api) -> None:
    calls = [("GET", "/v1/users", None), ("GET", "/v1/api-keys", None),
             ("POST", "/v1/users", {"username": "x9", "password": "long-enough", "role": "viewer"}),
             ("PATCH", "/v1/users/viewer", {"disabled": True}),
             ("POST", "/v1/api-keys", {"name": "erp", "role": "viewer"}),
             ("DELETE", "/v1/api-keys/0011223344556677", None)]
    for who in ("sme-t2/viewer", "sme-t2/operator", "regulator/viewer"):
        for method, path, body in calls:
            r = shared.request(method, path, who, json=body)
            error(r, 403, field="role", code="forbidden")
    # nothing of that was done
    users = shared.ok("GET", "/v1/users", as_="sme-t2/admin")
    assert {u["username"]: u["disabled"] for u in users} == {
        "admin": False, "operator": False, "viewer": False}
    assert shared.ok("GET", "/v1/api-keys", as_="sme-t2/admin") == []


@covers("POST /v1/users")
def test_new_user_is_checked(shared: Api) -> None:
    def add(body: dict[str, object]) -> dict[str, object]:
        return shared.post("/v1/users", "guar-g/admin", json=body)

    error(add({"username": "operator", "password": "long-enough", "role": "viewer"}), 409,
          field="username", code="conflict")
    error(add({"username": "ana", "password": "long-enough", "role": "boss"}), 422,
          field="role", code="bad_args")
    error(add({"username": "ana", "password": "short", "role": "viewer"}), 422,
          field="password", code="bad_args")
    error(add({"username": "../ana", "password": "long-enough", "role": "viewer"}), 422,
          field="username")
    error(add({"username": "ana", "password": "long-enough"}), 422, field="role")
    error(add({"username": "ana", "password": "long-enough", "role": "viewer", "org": "bank-a"}),
          422, field="org")
    names = [u["username"] for u in shared.ok("GET", "/v1/users", as_="guar-g/admin")]
    assert names == ["admin", "operator", "viewer"]


@covers("PATCH /v1/users/{username}", "GET /v1/me")
def test_disabling_a_user_ends_its_sessions(api: Api) -> None:
    token = api.token("bank-b/operator")
    changed = api.ok("PATCH", "/v1/users/operator", as_="bank-b/admin", json={"disabled": True})
    assert changed["disabled"] is True and changed["role"] == "operator"
    error(api.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}), 401)
    error(api.login("bank-b", "operator"), 403, field="username")
    api.ok("PATCH", "/v1/users/operator", as_="bank-b/admin", json={"disabled": False})
    assert api.login("bank-b", "operator").status_code == 200


@covers("PATCH /v1/users/{username}", "GET /v1/me")
def test_an_empty_change_is_refused_and_ends_no_session(api: Api) -> None:
    token = api.token("bank-b/viewer")
    error(api.patch("/v1/users/viewer", "bank-b/admin", json={}), 422, field="body")
    assert api.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}
                          ).status_code == 200


@covers("PATCH /v1/users/{username}")
def test_user_changes_are_checked(api: Api) -> None:
    error(api.patch("/v1/users/admin", "bank-b/admin", json={"disabled": True}), 403,
          field="username", code="forbidden")
    error(api.patch("/v1/users/admin", "bank-b/admin", json={"role": "viewer"}), 403,
          field="username")
    error(api.patch("/v1/users/ghost", "bank-b/admin", json={"disabled": True}), 404,
          field="username", code="not_found")
    error(api.patch("/v1/users/viewer", "bank-b/admin", json={"role": "root"}), 422,
          field="role")
    error(api.patch("/v1/users/viewer", "bank-b/admin", json={"password": "short"}), 422,
          field="password")
    error(api.patch("/v1/users/viewer", "bank-b/admin", json={"disabled": "yes"}), 422,
          field="disabled")
    # an admin changes its own organisation's users only: bank-a's viewer, not bank-b's
    api.ok("PATCH", "/v1/users/viewer", as_="bank-a/admin", json={"disabled": True})
    error(api.login("bank-a", "viewer"), 403, field="username")
    assert api.login("bank-b", "viewer").status_code == 200
    assert api.login("bank-b", "admin").status_code == 200


@covers("PATCH /v1/users/{username}", "POST /v1/auth/login")
def test_password_change_and_promotion(api: Api) -> None:
    api.ok("PATCH", "/v1/users/viewer", as_="factor-x/admin",
           json={"password": "a-new-password", "role": "operator"})
    error(api.login("factor-x", "viewer"), 401)
    login = api.login("factor-x", "viewer", "a-new-password")
    assert login.status_code == 200
    # promoted to operator: it got its own signing key, enrolled on the ledger
    user = login.json()["user"]
    assert user["role"] == "operator" and user["public_key"]
    bearer = {"Authorization": f"Bearer {login.json()['token']}"}
    r = api.client.post("/v1/contracts/cash/transfer", headers=bearer,
                        json={"currency": "CNY", "to": "bank-a", "amount": 1})
    assert r.status_code == 200 and r.json()["ok"] is True, r.text


@covers("POST /v1/api-keys", "GET /v1/api-keys", "DELETE /v1/api-keys/{key_id}", "GET /v1/me",
        "POST /v1/contracts/cash/transfer", "POST /v1/auth/logout")
def test_api_key_is_a_bearer_secret_until_revoked(api: Api) -> None:
    created = api.ok("POST", "/v1/api-keys", as_="bank-a/admin", status=201,
                     json={"name": "core-banking", "role": "operator"})
    secret = created["secret"]
    assert created["name"] == "core-banking" and created["role"] == "operator"
    assert created["revoked"] is False and secret
    listed = api.ok("GET", "/v1/api-keys", as_="bank-a/admin")
    assert [(k["key_id"], k["revoked"]) for k in listed] == [(created["key_id"], False)]
    assert all("secret" not in k for k in listed)

    bearer = {"Authorization": f"Bearer {secret}"}
    me = api.ok("GET", "/v1/me", headers=bearer)
    assert (me["org"], me["username"], me["role"]) == ("bank-a", f"key:{created['key_id']}",
                                                       "operator")
    paid = api.ok("POST", "/v1/contracts/cash/transfer", headers=bearer,
                  json={"currency": "CNY", "to": "bank-b", "amount": 10})
    assert paid["ok"] is True

    # an API key is no session: logging it out is refused and leaves it working
    error(api.client.post("/v1/auth/logout", headers=bearer), 409, field="authorization",
          code="conflict")
    assert api.client.get("/v1/me", headers=bearer).status_code == 200

    # another organisation's admin cannot revoke it, nor learn it exists
    error(api.delete(f"/v1/api-keys/{created['key_id']}", "bank-b/admin"), 404, field="key_id")
    assert api.client.get("/v1/me", headers=bearer).status_code == 200

    r = api.delete(f"/v1/api-keys/{created['key_id']}", "bank-a/admin")
    assert r.status_code == 204
    error(api.client.get("/v1/me", headers=bearer), 401, field="authorization")
    error(api.delete(f"/v1/api-keys/{created['key_id']}", "bank-a/admin"), 404, field="key_id")
    listed = api.ok("GET", "/v1/api-keys", as_="bank-a/admin")
    assert [(k["key_id"], k["revoked"]) for k in listed] == [(created["key_id"], True)]


@covers("POST /v1/api-keys", "DELETE /v1/api-keys/{key_id}")
def test_api_key_requests_are_checked(shared: Api) -> None:
    error(shared.post("/v1/api-keys", "tax-sh/admin", json={"name": "", "role": "viewer"}), 422,
          field="name")
    error(shared.post("/v1/api-keys", "tax-sh/admin", json={"name": "x", "role": "owner"}), 422,
          field="role")
    error(shared.delete("/v1/api-keys/not-a-key", "tax-sh/admin"), 404, field="key_id",
          code="not_found")
    assert shared.ok("GET", "/v1/api-keys", as_="tax-sh/admin") == []


@covers("POST /v1/api-keys", "POST /v1/contracts/cash/transfer")
def test_viewer_api_key_reads_but_cannot_submit(api: Api) -> None:
    created = api.ok("POST", "/v1/api-keys", as_="sme-t3/admin", status=201,
                     json={"name": "dashboard", "role": "viewer"})
    bearer = {"Authorization": f"Bearer {created['secret']}"}
    assert api.client.get("/v1/balances", headers=bearer).json()["org"] == "sme-t3"
    r = api.client.post("/v1/contracts/cash/transfer", headers=bearer,
                        json={"currency": "CNY", "to": "sme-t4", "amount": 1})
    error(r, 403, field="role")


@covers("GET /v1/nonces/{public_key}", "POST /v1/transactions")
def test_operator_key_signs_non_custodially_too(api: Api) -> None:
    """The vault key of a new operator is a ledger key like any other."""
    api.ok("POST", "/v1/users", as_="sme-t3/admin", status=201,
           json={"username": "erp", "password": "erp-password", "role": "operator"})
    key = api.demo.platform.accounts.key("user:sme-t3/erp")
    assert key is not None
    nonce = api.ok("GET", f"/v1/nonces/{key.public.hex()}", as_="sme-t3/viewer")["nonce"]
    assert nonce == 0
    raw = sign_tx(api.demo.node.chain_id, "cash", "transfer",
                  {"currency": "CNY", "to": "sme-t4", "amount": 1, "memo": ""}, [key], 1)
    result = api.ok("POST", "/v1/transactions", as_="sme-t3/operator", json={"tx": raw.hex()})
    assert result["ok"] is True
    assert api.ok("GET", f"/v1/nonces/{key.public.hex()}", as_="sme-t3/viewer")["nonce"] == 1
