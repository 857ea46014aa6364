"""Refusals come back as typed exceptions carrying the server's status, code, field and
message; an unreachable server raises ``ConnectionFailed``."""

from __future__ import annotations

import pytest

from smechain.api.demo import PASSWORD
from smechain.client import (
    ApiError,
    Client,
    Conflict,
    ConnectionFailed,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
)
from smechain.ordering.natsserver import free_port

from .conftest import Net, anchor_invoice


def test_401_unknown_token_and_wrong_password(net: Net) -> None:
    with Client(net.url, token="not-a-token") as stranger, pytest.raises(Unauthenticated) as e:
        stranger.me()
    assert (e.value.status, e.value.code, e.value.field) == (401, "unauthenticated",
                                                              "authorization")
    assert "unknown, expired or revoked" in e.value.message
    with Client(net.url) as anonymous, pytest.raises(Unauthenticated) as e:
        anonymous.orgs()
    assert e.value.field == "authorization" and "sign in" in e.value.message
    with pytest.raises(Unauthenticated) as e:
        Client.login(net.url, "sme-t1", "operator", "wrong password")
    assert e.value.status == 401


def test_403_viewer_may_not_submit(net: Net) -> None:
    viewer = net.login("sme-t1", "viewer")
    assert viewer.me().role == "viewer" and viewer.me().public_key is None
    with pytest.raises(Forbidden) as e:
        viewer.cash.transfer("CNY", "sme-t2", 1)
    assert (e.value.status, e.value.code, e.value.field) == (403, "forbidden", "role")
    assert e.value.message.startswith("role: ")


def test_403_action_needs_a_role_and_parties_only(net: Net) -> None:
    sme = net.login("sme-t3")
    with pytest.raises(Forbidden) as e:
        sme.cash.issue("CNY", "sme-t3", 1_000_000)
    assert e.value.field == "org" and "cash_issuer" in e.value.message
    tax = net.login("tax-sh")
    inv = anchor_invoice(tax, "sme-t1", "core-a", 10_000)
    with pytest.raises(Forbidden) as e:
        sme.get_invoice(inv)
    assert e.value.field == "invoice_id"
    with pytest.raises(Forbidden) as e:
        net.login("regulator").cash.transfer("CNY", "sme-t1", 1)
    assert e.value.field == "org"


def test_404_no_such_object(net: Net) -> None:
    client = net.login("sme-t1")
    for call, field in ((lambda: client.get_invoice("0000-none"), "invoice_id"),
                        (lambda: client.certificate("f" * 32), "cert_id"),
                        (lambda: client.org("nobody"), "org_id"),
                        (lambda: client.transaction("ab" * 32), "tx_hash"),
                        (lambda: client.block(10**6), "height"),
                        (lambda: client.proposal("0123456789abcdef"), "id"),
                        (lambda: client.call("cash", "print_money", amount=1), "action")):
        with pytest.raises(NotFound) as e:
            call()
        assert (e.value.status, e.value.field) == (404, field), e.value
        assert e.value.message.startswith(f"{field}: ")


def test_409_conflict_names_the_field(net: Net) -> None:
    poor = net.login("sme-t4")
    with pytest.raises(Conflict) as e:
        poor.cash.transfer("CNY", "sme-t1", 10**12)
    assert (e.value.status, e.value.code, e.value.field) == (409, "insufficient_funds", "amount")
    assert e.value.tx_hash is None and e.value.height is None
    tax = net.login("tax-sh")
    inv = tax.get_invoice(anchor_invoice(tax, "sme-t1", "core-a", 50_000))
    with pytest.raises(Conflict) as e:
        tax.invoice.anchor(code=inv.code, number=inv.number, seller=inv.seller, buyer="",
                           currency="CNY", net_amount=1, tax_amount=0, total_amount=1,
                           issue_date="2026-01-01", digest=b"\0" * 32)
    assert e.value.field == "number" and "already anchored" in e.value.message


def test_422_invalid_input_names_the_field(net: Net) -> None:
    client = net.login("sme-t1")
    with pytest.raises(InvalidInput) as e:
        client.call("cash", "transfer", currency="CNY", to="sme-t2", amount="ten")
    assert (e.value.status, e.value.code, e.value.field) == (422, "bad_args", "amount")
    with pytest.raises(InvalidInput) as e:
        client.call("cash", "transfer", currency="CNY", to="sme-t2", amount=1, colour="red")
    assert e.value.field == "colour"
    with pytest.raises(InvalidInput) as e:
        client.cash.transfer("CNY", "sme-t2", -5)
    assert e.value.field == "amount" and e.value.code == "bad_args"
    with pytest.raises(InvalidInput) as e:
        client.propose("receivable", "sell", {"id": "x", "buyer": "bank-a"}, ["bank-a"])
    assert e.value.field.startswith("args.")
    with pytest.raises(InvalidInput) as e:
        client.add_user("someone", "short", "viewer")
    assert e.value.field in ("password", "role")
    with pytest.raises(InvalidInput) as e:
        client.nonce("abcd")
    assert e.value.field == "public_key"


def test_every_refusal_is_an_api_error(net: Net) -> None:
    client = net.login("sme-t1")
    with pytest.raises(ApiError) as e:
        client.balances(org="sme-t2")
    assert isinstance(e.value, Forbidden) and e.value.field == "org"
    assert "Forbidden(status=403" in repr(e.value)


def test_connection_failed_against_a_closed_port() -> None:
    port = free_port()
    with Client(f"http://127.0.0.1:{port}", timeout=2) as client:
        with pytest.raises(ConnectionFailed) as e:
            client.health()
        assert e.value.url == f"http://127.0.0.1:{port}/healthz"
        with pytest.raises(ConnectionFailed):
            Client.login(f"http://127.0.0.1:{port}", "sme-t1", "operator", PASSWORD)
        with pytest.raises(ConnectionFailed):
            client.events().open()
