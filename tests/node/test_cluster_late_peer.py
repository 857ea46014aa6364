"""Every transaction answered once, and checkpoints a late peer still gets.

A real network (three NATS servers, peer processes) whose fourth peer starts
only after the other three have committed and checkpointed blocks. A
different transaction with a nonce already used gets a ``bad_nonce`` receipt
at every peer; bytes already committed are refused before ordering, and
waiting on their hash gives the receipt of the block that holds them; the
late peer, and the same peer restarted, end with every organisation's
checkpoints, so proofs from any peer pass with all four organisations.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import closing

import httpx
import pytest
from cluster_support import (
    ORGS,
    SETTINGS,
    Load,
    has_every_checkpoint,
    peer_folder,
    proof_with_checkpoints,
    settled,
    tx_hash,
    view,
    wait_for,
)

from smechain.core.proof import verify_tx_proof
from smechain.node.checkpoints import READ_CURSOR
from smechain.node.cluster import (
    ClusterLayout,
    create_cluster,
    start_peer,
    start_server,
    stop_cluster,
    stop_peer,
)
from smechain.node.keys import load_key
from smechain.node.node import AlreadyCommitted
from smechain.node.peer import Peer, PeerConfig
from smechain.ordering.access import OPERATOR
from smechain.ordering.jetstream import Names, NatsLink, retry
from smechain.storage.sqlite import SqliteStore

LATE = "org-4"
EARLY = ["org-1", "org-2", "org-3"]
FAILED: dict[bytes, str] = {}
"""Transactions these tests make fail on purpose, with the code each must carry."""


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterLayout]:
    layout = create_cluster(tmp_path_factory.mktemp("late"), 4, peer_settings=SETTINGS)
    try:
        for i in range(len(layout.servers)):
            start_server(layout, i)
        for org in EARLY:
            start_peer(layout, org)
        yield layout
    finally:
        stop_cluster(layout)


def login(net: ClusterLayout, org: str) -> httpx.Client:
    folder = peer_folder(net, org)
    config = PeerConfig.load(folder / "peer.toml")
    password = (folder / "admin.password").read_text().strip()
    client = httpx.Client(base_url=f"http://{config.api}", timeout=60)
    token = client.post("/v1/auth/login", json={"org": org, "username": "admin",
                                                "password": password}).json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def txs_stored(net: ClusterLayout) -> int:
    """How many messages the ordering service's transaction stream holds."""
    link = NatsLink(net.urls, name="test-txs", identity=net.identity(OPERATOR))
    try:
        async def last() -> int:
            info = await link.js.stream_info(Names(net.chain_id).txs_stream)
            return int(info.state.last_seq)

        return retry(link, last, what="read the transaction stream")
    finally:
        link.close()


def test_a_different_transaction_with_a_stale_nonce_gets_bad_nonce_at_every_peer(
    net: ClusterLayout,
) -> None:
    with Load(net) as load:
        time.sleep(0.5)
        load.stop()  # the stream holds every transfer: their nonces are all used
        # Other bytes with a nonce already used: straight into the stream, as any client may...
        raw_stale = load.sign("org-2", "transfer", {"currency": "CNY", "to": "org-4",
                                                    "amount": 2}, load.nonces["org-2"])
        load.orderer.submit(raw_stale)
        load.orderer.flush(60)
        # ... and through a peer's API, which answers with the receipt.
        api_stale = load.sign("org-3", "transfer", {"currency": "CNY", "to": "org-1",
                                                    "amount": 3}, load.nonces["org-3"] - 1)
        stale = [tx_hash(load.view, raw_stale), tx_hash(load.view, api_stale)]
    with closing(login(net, "org-2")) as two:  # (org-1 is a regulator: it reads only)
        answer = two.post("/v1/transactions", json={"tx": api_stale.hex()})
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["tx_hash"]) == ("bad_nonce", stale[1].hex())
    assert "replayed" in error["message"]
    FAILED.update(dict.fromkeys(stale, "bad_nonce"))
    settled(net, load.hashes + stale, EARLY, failed=FAILED)
    for org in EARLY:
        v = view(peer_folder(net, org))
        try:
            assert [v.receipt(h).code for h in stale] == ["bad_nonce", "bad_nonce"]
        finally:
            v.store.close()


def test_committed_bytes_are_refused_before_ordering_on_every_path(net: ClusterLayout) -> None:
    with Load(net) as load:
        time.sleep(0.3)
    settled(net, load.hashes, EARLY, failed=FAILED)
    done, done_hash = load.raws[-1], load.hashes[-1]
    v = view(peer_folder(net, "org-3"))
    try:
        original = v.receipt(done_hash)
        where = v.locate(done_hash)
    finally:
        v.store.close()
    assert original.ok
    stored = txs_stored(net)

    # The API: 409 duplicate, and the hash answers with the block that holds it.
    with closing(login(net, "org-3")) as three:
        answer = three.post("/v1/transactions", json={"tx": done.hex()})
        assert answer.status_code == 409, answer.text
        error = answer.json()["error"]
        assert error["code"] == "duplicate" and done_hash.hex() in error["message"]
    with closing(login(net, "org-1")) as one:  # the regulator sees every transaction
        detail = one.get(f"/v1/transactions/{done_hash.hex()}").json()
        assert (detail["height"], detail["receipt"]["code"]) == (where[0], "ok")

    # The peer itself (as the CLI and SDK use it): refused; waiting gives the receipt.
    stop_peer(net, "org-3")
    peer = Peer.open(PeerConfig.load(peer_folder(net, "org-3") / "peer.toml"))
    try:
        with pytest.raises(AlreadyCommitted, match=f"already committed at height {where[0]}"):
            peer.submit(done)
        assert peer.wait(done_hash, 5) == original
    finally:
        peer.close()
        start_peer(net, "org-3")
    assert txs_stored(net) == stored  # neither reached the ordering service

    # Straight into the stream (no door): the cutter leaves out what it cut or committed.
    with Load(net) as more:
        more.stop()
        fresh = more.sign("org-1", "transfer", {"currency": "CNY", "to": "org-2", "amount": 5},
                          more.nonces["org-1"] + 1)
        for raw in (done, fresh, fresh, done):
            more.orderer.submit(raw)
        more.orderer.flush(60)
        fresh_hash = tx_hash(more.view, fresh)
    settled(net, [*load.hashes, fresh_hash], EARLY, failed=FAILED)  # each once, all ok
    for org in EARLY:
        v = view(peer_folder(net, org))
        try:
            assert v.locate(done_hash) == where and v.receipt(done_hash) == original
        finally:
            v.store.close()


def _every_proof_passes(net: ClusterLayout, hashes: list[bytes]) -> None:
    org_keys = {o: [load_key(net.folder / "keys" / f"{o}.key").public] for o in ORGS}
    for org in ORGS:
        v = view(peer_folder(net, org))
        try:
            for h in hashes:
                proof = proof_with_checkpoints(v, h)
                assert verify_tx_proof(v.suite, proof, v.orderer_keys, org_keys,
                                       quorum=len(ORGS)) == "", (org, h.hex())
        finally:
            v.store.close()


def test_a_peer_started_late_gets_every_organisations_checkpoints(net: ClusterLayout) -> None:
    first = view(peer_folder(net, "org-1"))
    try:
        top = first.height()
        # One transaction of every block so far, to prove later.
        samples = [first.block(h).receipts[0].tx_hash for h in range(1, top + 1)
                   if first.block(h).receipts]
    finally:
        first.store.close()
    assert top > 3 and samples
    wait_for(lambda: has_every_checkpoint(net, EARLY, top), 30,
             "the first three to checkpoint every block")
    assert not (peer_folder(net, LATE) / "ledger.sqlite").exists()  # it never ran

    start_peer(net, LATE)
    height, _ = settled(net, samples, ORGS, failed=FAILED)
    wait_for(lambda: has_every_checkpoint(net, ORGS, height), 60,
             "every peer to hold every organisation's checkpoints")
    _every_proof_passes(net, samples)


def test_a_restarted_peer_reads_on_from_where_it_left_off(net: ClusterLayout) -> None:
    stop_peer(net, LATE)
    store = SqliteStore(peer_folder(net, LATE) / "ledger.sqlite", readonly=True)
    try:
        left_off = store.cursor(READ_CURSOR)
    finally:
        store.close()
    assert left_off is not None and left_off > 0
    with Load(net) as load:
        time.sleep(0.5)
    height, _ = settled(net, load.hashes, EARLY, failed=FAILED)
    wait_for(lambda: has_every_checkpoint(net, EARLY, height), 30,
             "the others to checkpoint the blocks it missed")

    start_peer(net, LATE)
    height, _ = settled(net, load.hashes, ORGS, failed=FAILED)
    wait_for(lambda: has_every_checkpoint(net, ORGS, height), 60,
             "every peer to hold every organisation's checkpoints")
    _every_proof_passes(net, load.hashes[:: max(1, len(load.hashes) // 40)])
