"""The audit log: every state-changing call, refused ones included, seen by the right people."""

from __future__ import annotations

from typing import Any

from api_support import Api, covers, error


def audit_rows(api: Api, who: str) -> list[dict[str, Any]]:
    page = api.ok("GET", "/v1/audit?limit=200", as_=who)
    assert page["total"] >= len(page["items"])
    return list(page["items"])


def row_keys(rows: list[dict[str, Any]]) -> list[tuple[str, str, str, str, int]]:
    return [(r["org"], r["actor"], r["method"], r["path"], r["status"]) for r in rows]


@covers("GET /v1/audit", "POST /v1/contracts/cash/transfer", "PATCH /v1/users/{username}",
        "POST /v1/api-keys", "DELETE /v1/api-keys/{key_id}", "POST /v1/auth/login",
        "POST /v1/auth/logout")
def test_every_state_changing_call_is_audited_with_its_outcome(api: Api) -> None:
    before = audit_rows(api, "regulator/viewer")
    last_id = max(r["id"] for r in before) if before else 0

    api.ok("POST", "/v1/contracts/cash/transfer", as_="sme-t3/operator",
           json={"currency": "CNY", "to": "sme-t4", "amount": 5})
    api.post("/v1/contracts/cash/transfer", "sme-t3/operator",
             json={"currency": "CNY", "to": "sme-t4", "amount": 0})            # 422
    api.post("/v1/contracts/cash/transfer", "sme-t3/viewer",
             json={"currency": "CNY", "to": "sme-t4", "amount": 5})            # 403
    api.patch("/v1/users/ghost", "sme-t3/admin", json={"disabled": True})      # 404
    key = api.ok("POST", "/v1/api-keys", as_="sme-t3/admin", status=201,
                 json={"name": "erp", "role": "viewer"})
    api.delete(f"/v1/api-keys/{key['key_id']}", "sme-t3/admin")
    api.login("sme-t3", "operator", "wrong password")                          # 401
    api.client.post("/v1/contracts/cash/transfer",
                    json={"currency": "CNY", "to": "sme-t4", "amount": 5})     # 401, no one
    api.login("no-such-org", "mallory", "guess")                               # 401, no org
    api.post("/v1/auth/logout", "sme-t3/operator")
    api.forget("sme-t3/operator")

    new = [r for r in audit_rows(api, "regulator/viewer") if r["id"] > last_id]
    new.reverse()  # the log is newest first
    # logins of the callers above (first use of each token) are audited too; drop them
    new = [r for r in new if not (r["path"] == "/v1/auth/login" and r["status"] == 200)]
    got = row_keys(new)
    transfer = "/v1/contracts/cash/transfer"
    expected = [
        ("sme-t3", "operator", "POST", transfer, 200),
        ("sme-t3", "operator", "POST", transfer, 422),
        ("sme-t3", "viewer", "POST", transfer, 403),
        ("sme-t3", "admin", "PATCH", "/v1/users/ghost", 404),
        ("sme-t3", "admin", "POST", "/v1/api-keys", 201),
        ("sme-t3", "admin", "DELETE", f"/v1/api-keys/{key['key_id']}", 204),
        ("sme-t3", "operator", "POST", "/v1/auth/login", 401),
        # the anonymous call and the login to no organisation name no one and changed
        # nothing: they are not written (so strangers cannot flood the log)
        ("sme-t3", "operator", "POST", "/v1/auth/logout", 204),
    ]
    assert got == expected
    ok_transfer = new[0]
    assert ok_transfer["detail"].startswith("cash.transfer tx=")
    tx_hash = ok_transfer["detail"].split("tx=")[1]
    assert len(bytes.fromhex(tx_hash)) == 32
    assert all(r["ts_ms"] > 0 for r in new)


@covers("GET /v1/audit", "GET /v1/me")
def test_reads_are_not_audited(api: Api) -> None:
    for who in ("core-a/viewer", "core-a/admin", "regulator/viewer"):
        api.token(who)  # signing in is audited; do it first
    total = api.ok("GET", "/v1/audit", as_="regulator/viewer")["total"]
    for _ in range(3):
        api.ok("GET", "/v1/me", as_="core-a/viewer")
        api.ok("GET", "/v1/audit", as_="core-a/admin")
    assert api.ok("GET", "/v1/audit", as_="regulator/viewer")["total"] == total


@covers("GET /v1/audit")
def test_org_admin_sees_only_its_own_organisation(api: Api) -> None:
    api.post("/v1/contracts/cash/transfer", "sme-t4/operator",
             json={"currency": "CNY", "to": "sme-t1", "amount": 10 ** 12})   # 409, sme-t4's
    api.post("/v1/contracts/cash/transfer", "sme-t2/operator",
             json={"currency": "CNY", "to": "sme-t1", "amount": 0})           # 422, sme-t2's
    mine = audit_rows(api, "sme-t4/admin")
    assert mine and {r["org"] for r in mine} == {"sme-t4"}
    assert ("sme-t4", "operator", "POST", "/v1/contracts/cash/transfer", 409) in row_keys(mine)
    everyone = audit_rows(api, "regulator/viewer")
    orgs = {r["org"] for r in everyone}
    assert {"sme-t4", "sme-t2", "regulator"} <= orgs


@covers("GET /v1/audit")
def test_audit_is_for_admins_and_the_regulator(shared: Api) -> None:
    for who in ("sme-t1/operator", "sme-t1/viewer", "bank-a/operator"):
        error(shared.get("/v1/audit", who), 403, field="role", code="forbidden")
    error(shared.get("/v1/audit"), 401)
    error(shared.get("/v1/audit?limit=0", "regulator/viewer"), 422, field="limit")
    error(shared.get("/v1/audit?limit=201", "regulator/viewer"), 422, field="limit")
    error(shared.get("/v1/audit?offset=-1", "regulator/viewer"), 422, field="offset")
    page = shared.ok("GET", "/v1/audit?offset=1&limit=2", as_="regulator/viewer")
    assert page["offset"] == 1 and page["limit"] == 2 and len(page["items"]) == 2
    ids = [r["id"] for r in page["items"]]
    assert ids == sorted(ids, reverse=True)
