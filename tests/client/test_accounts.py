"""Signing in, users, API keys and the audit log through the SDK."""

from __future__ import annotations

import pytest

from smechain.api.demo import PASSWORD
from smechain.client import Client, Forbidden, Unauthenticated

from .conftest import Net


def test_login_me_and_logout(net: Net) -> None:
    client = Client.login(net.url, "bank-b", "operator", PASSWORD)
    try:
        assert client.session is not None
        assert client.session.user.org == "bank-b" and client.session.expires_at > 0
        me = client.me()
        assert (me.org, me.username, me.role) == ("bank-b", "operator", "operator")
        assert me.org_roles == ("bank",) and me.org_name.startswith("Bank B")
        assert me.public_key is not None and len(bytes.fromhex(me.public_key)) == 32
        token = client.session.token
        client.logout()
        assert client.session is None
        with Client(net.url, token=token) as old, pytest.raises(Unauthenticated):
            old.me()
    finally:
        client.close()


def test_users_are_managed_by_org_admins(net: Net) -> None:
    admin = net.login("factor-x", "admin")
    assert {u.username for u in admin.users()} == {"admin", "operator", "viewer"}
    added = admin.add_user("clerk", "clerk-password-1", "viewer")
    assert (added.org, added.username, added.role, added.disabled) == (
        "factor-x", "clerk", "viewer", False)
    clerk = Client.login(net.url, "factor-x", "clerk", "clerk-password-1")
    net.clients.append(clerk)
    assert clerk.me().role == "viewer"
    promoted = admin.change_user("clerk", role="operator")
    assert promoted.role == "operator"
    with pytest.raises(Unauthenticated):  # a change ends the user's sessions
        clerk.me()
    clerk.sign_in("factor-x", "clerk", "clerk-password-1")
    assert clerk.me().public_key is not None  # an operator gets a signing key
    assert admin.change_user("clerk", disabled=True).disabled
    with pytest.raises(Forbidden) as e:
        Client.login(net.url, "factor-x", "clerk", "clerk-password-1")
    assert e.value.field == "username" and "disabled" in e.value.message
    with pytest.raises(Forbidden) as e:
        admin.change_user("admin", role="viewer")
    assert e.value.field == "username"
    with pytest.raises(Forbidden) as e:
        net.login("factor-x").users()
    assert e.value.field == "role"


def test_api_keys_for_systems(net: Net) -> None:
    admin = net.login("bank-b", "admin")
    created = admin.add_api_key("core-banking", "operator")
    assert created.secret and not created.revoked and created.role == "operator"
    assert created.key_id in [k.key_id for k in admin.api_keys()]
    assert all(not hasattr(k, "secret") for k in admin.api_keys())
    with Client(net.url, api_key=created.secret) as system:
        me = system.me()
        assert me.org == "bank-b" and me.role == "operator" and me.public_key
        admin.revoke_api_key(created.key_id)
        with pytest.raises(Unauthenticated):
            system.me()
    assert next(k for k in admin.api_keys() if k.key_id == created.key_id).revoked
    with pytest.raises(ValueError):
        Client(net.url, token="a", api_key="b")


def test_audit_log(net: Net) -> None:
    admin = net.login("guar-g", "admin")
    admin.add_api_key("audit-probe", "viewer")
    page = admin.audit(limit=5)
    assert page.limit == 5 and page.offset == 0 and 1 <= len(page) <= 5
    assert all(row.org == "guar-g" for row in page)
    row = next(r for r in page if "audit-probe" in r.detail)
    assert (row.actor, row.method, row.path, row.status) == ("admin", "POST", "/v1/api-keys", 201)
    everything = net.login("regulator").audit(limit=200)
    assert {r.org for r in everything} > {"guar-g"}
    with pytest.raises(Forbidden):
        net.login("guar-g", "viewer").audit()
