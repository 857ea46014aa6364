"""``Client.events``: committed events as typed ``Event`` records over server-sent events."""

from __future__ import annotations

import pytest

from smechain.client import Conflict, Signer, Unauthenticated
from smechain.client.events import parse_sse
from smechain.node.keys import generate_key

from .conftest import Net


def test_live_events_of_a_new_transaction(net: Net) -> None:
    issuer = net.login("pboc")
    factor = net.login("factor-x")
    with factor.events(read_timeout=10) as stream:
        issued = issuer.cash.issue("CNY", "factor-x", 4_321)
        event = next(stream)
    assert (event.name, event.contract, event.action, event.tx_hash) == (
        "Issued", "cash", "issue", issued.tx_hash)
    assert event.attrs["amount"] == 4_321 and event.attrs["to"] == "factor-x"
    assert event.id == f"{issued.height}-{issued.index}" and event.ok and event.code == "ok"


def test_backlog_from_a_height_with_a_limit(net: Net) -> None:
    issuer = net.login("pboc")
    first = issuer.cash.issue("CNY", "sme-t4", 11)
    second = issuer.cash.issue("CNY", "sme-t4", 22)
    t4 = net.login("sme-t4")
    seen = list(t4.events(from_height=first.height, limit=2, read_timeout=10))
    assert [(e.tx_hash, e.attrs["amount"]) for e in seen] == [(first.tx_hash, 11),
                                                              (second.tx_hash, 22)]


def test_events_are_filtered_to_what_the_caller_may_see(net: Net) -> None:
    issuer = net.login("pboc")
    outsider = net.login("guar-g")
    with outsider.events(read_timeout=10) as stream:
        issuer.cash.issue("CNY", "sme-t3", 5)  # not the guarantor's business
        mine = issuer.cash.issue("CNY", "guar-g", 6)
        event = next(stream)
    assert event.tx_hash == mine.tx_hash


def test_a_failed_transaction_is_a_tx_failed_event(net: Net) -> None:
    key = generate_key("ed25519")
    net.login("sme-t4", "admin").membership.enrol_key(key.public, "events-probe")
    t4 = net.login("sme-t4")
    with t4.events(read_timeout=10) as stream:
        with pytest.raises(Conflict) as e:
            t4.send(Signer(key, t4.chain_id()), "cash", "transfer", currency="CNY",
                    to="sme-t1", amount=10**15)
        event = next(stream)
    assert (event.name, event.tx_hash, event.ok, event.code) == (
        "TxFailed", e.value.tx_hash, False, "insufficient_funds")


def test_events_need_a_sign_in(net: Net) -> None:
    from smechain.client import Client

    with Client(net.url) as anonymous, pytest.raises(Unauthenticated):
        anonymous.events().open()


def test_parse_sse_skips_comments_and_joins_data_lines() -> None:
    lines = [": smechain events", "", "id: 3-0", "event: Issued", 'data: {"a":', "data: 1}",
             "", ": keep-alive", "", "data: x", ""]
    assert list(parse_sse(iter(lines))) == [("3-0", "Issued", '{"a":\n1}'),
                                             ("3-0", "message", "x")]
