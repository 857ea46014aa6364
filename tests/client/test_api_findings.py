"""API behaviours the SDK relies on that were broken once (found while writing the SDK):
concurrent custodial calls of one account, viewers submitting signed transactions, and
event replay longer than one page of the index."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from smechain.client import ApiError, ConnectionFailed, Forbidden
from smechain.node.keys import generate_key

from .conftest import Net, start_net


def test_concurrent_custodial_calls_of_one_account_all_commit(net: Net) -> None:
    net.login("pboc").cash.issue("CNY", "core-a", 10_000_000)
    core = net.login("core-a")

    def pay(i: int) -> str:
        try:
            return "ok" if core.cash.transfer("CNY", "sme-t1", 1 + i).ok else "failed"
        except ApiError as exc:
            return exc.code

    with ThreadPoolExecutor(32) as pool:
        outcomes = list(pool.map(pay, range(128)))
    assert outcomes == ["ok"] * 128, {o: outcomes.count(o) for o in set(outcomes)}


def test_viewers_may_not_submit_signed_transactions(net: Net) -> None:
    net.login("pboc").cash.issue("CNY", "sme-t3", 1_000)
    key = generate_key("ed25519")
    net.login("sme-t3", "admin").membership.enrol_key(key.public, "viewer-probe")
    viewer = net.login("sme-t3", "viewer")
    signer = viewer.signer(key)
    with pytest.raises(Forbidden) as e:
        viewer.send(signer, "cash", "transfer", currency="CNY", to="sme-t1", amount=1)
    assert e.value.field == "role"


@pytest.fixture(scope="module")
def replay_net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    """Its own network: this test commits thousands of transactions."""
    served = start_net(tmp_path_factory.mktemp("replay"))
    try:
        yield served
    finally:
        served.close()


def test_replay_from_a_height_delivers_every_event(replay_net: Net) -> None:
    net = replay_net
    net.login("pboc").cash.issue("CNY", "bank-b", 1_000_000)
    key = generate_key("ed25519")
    net.login("bank-b", "admin").membership.enrol_key(key.public, "replay")
    bank = net.login("bank-b")
    signer = bank.signer(key)
    start = bank.health().height + 1
    total = 2_500  # the index replays 1,000 rows a page
    raws = [signer.sign("cash", "transfer", {"currency": "CNY", "to": "sme-t1", "amount": 1})
            for _ in range(total)]
    assert all(r.ok for r in bank.submit_batch(raws))
    received = 0
    try:  # the server sends a keep-alive every 15 s: a 12 s silence means it stalled
        for _ in bank.events(from_height=start, limit=total, read_timeout=12):
            received += 1
    except ConnectionFailed:
        pass
    assert received == total
