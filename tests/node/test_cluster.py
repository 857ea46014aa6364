"""Fault tests on a real local network: three NATS servers and four peer processes.

Each test keeps signed cash transfers flowing while it breaks something, then
checks that every transaction is committed exactly once at every peer, every
receipt is ``ok``, and all peers end at the same height with the same state
root. The network is one per module; each test leaves it whole again.
"""

from __future__ import annotations

import sqlite3
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
    peer_status,
    settled,
    wait_for,
)

from smechain.core.block import header_hash
from smechain.core.encoding import encode
from smechain.core.proof import verify_tx_proof
from smechain.node.cluster import (
    ClusterLayout,
    create_cluster,
    processes,
    start_cluster,
    start_peer,
    start_server,
    stop_cluster,
    stop_peer,
    stop_server,
)
from smechain.node.keys import load_key
from smechain.node.peer import Peer, PeerConfig


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterLayout]:
    layout = create_cluster(tmp_path_factory.mktemp("net"), 4, peer_settings=SETTINGS)
    start_cluster(layout)
    try:
        yield layout
    finally:
        stop_cluster(layout)


def test_network_starts_with_a_cutter_and_a_standby(net: ClusterLayout) -> None:
    status = peer_status(net)
    assert sorted(status) == ORGS
    assert [status[o]["role"] for o in ORGS] == ["cutter", "standby", "peer", "peer"]
    assert all(pid for pid in processes(net).values())
    with Load(net) as load:
        time.sleep(1)
    settled(net, load.hashes)


def test_each_peer_serves_its_organisations_api(net: ClusterLayout) -> None:
    def login(org: str) -> httpx.Client:
        peer = next(p for p in net.peers if p.org == org)
        url = peer_status(net)[org]["api"]  # cluster status shows where each peer serves
        assert url == "http://" + PeerConfig.load(peer.config_file).api
        password = (peer.folder / "admin.password").read_text().strip()
        client = httpx.Client(base_url=url, timeout=30)
        token = client.post("/v1/auth/login", json={"org": org, "username": "admin",
                                                    "password": password}).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        return client

    with closing(login("org-4")) as four, closing(login("org-3")) as three:
        assert four.get("/v1/me").json()["org"] == "org-4"
        before = three.get("/v1/balances").json()["balances"]["CNY"]
        sent = four.post("/v1/contracts/cash/transfer",
                         json={"currency": "CNY", "to": "org-3", "amount": 7})
        assert sent.status_code == 200 and sent.json()["ok"], sent.text
        tx_hash = sent.json()["tx_hash"]
        # org-3's own peer has executed the same block: the payment shows there.
        wait_for(lambda: three.get(f"/v1/transactions/{tx_hash}").status_code == 200, 20,
                  "org-3's peer to commit the payment")
        assert three.get("/v1/balances").json()["balances"]["CNY"] == before + 7
        # org-2 is not a party: its peer refuses to show the payment.
        with closing(login("org-2")) as two:
            assert two.get(f"/v1/transactions/{tx_hash}").status_code == 403


def test_killing_one_of_three_nats_servers_loses_nothing(net: ClusterLayout) -> None:
    with Load(net) as load:
        time.sleep(1)
        stop_server(net, 1, kill=True)
        time.sleep(3)
        start_server(net, 1)
        time.sleep(2)
    settled(net, load.hashes)


def test_a_killed_peer_catches_up(net: ClusterLayout) -> None:
    with Load(net) as load:
        time.sleep(0.5)
        stop_peer(net, "org-4", kill=True)
        before = len(load.hashes)
        time.sleep(3)
        assert len(load.hashes) > before  # the load kept going without it
        start_peer(net, "org-4")
        time.sleep(1)
    settled(net, load.hashes)


def test_standby_cutter_takes_over_when_the_active_one_dies(net: ClusterLayout) -> None:
    with Load(net) as load:
        time.sleep(0.5)
        stop_peer(net, "org-1", kill=True)
        wait_for(lambda: peer_status(net).get("org-2", {}).get("role") == "cutter", 30,
                  "org-2 to cut blocks")
        time.sleep(1)
    settled(net, load.hashes, ["org-2", "org-3", "org-4"])
    start_peer(net, "org-1")
    assert peer_status(net)["org-1"]["role"] == "standby"
    settled(net, load.hashes)
    # Back to the first cutter for the tests that follow.
    stop_peer(net, "org-2")
    wait_for(lambda: peer_status(net).get("org-1", {}).get("role") == "cutter", 30,
              "org-1 to cut blocks again")
    start_peer(net, "org-2")


def test_whole_network_restarts_from_its_data_folders(net: ClusterLayout) -> None:
    with Load(net) as load:
        time.sleep(1)
    height, root = settled(net, load.hashes)
    stop_cluster(net)
    assert not any(processes(net).values())
    start_cluster(net)
    status = peer_status(net)
    assert {(s["height"], s["writes_hash"]) for s in status.values()} == {(height, root.hex())}
    with Load(net) as more:
        time.sleep(1)
    assert settled(net, more.hashes)[0] > height


def test_proof_carries_checkpoints_of_every_organisation(net: ClusterLayout) -> None:
    with Load(net) as load:
        time.sleep(0.5)
    height, _ = settled(net, load.hashes)
    # Checkpoints of the last blocks travel after their commit; every peer ends with all.
    wait_for(lambda: has_every_checkpoint(net, ORGS, height), 30, "every checkpoint")
    config = PeerConfig.load(net.peers[3].config_file)
    stop_peer(net, "org-4")
    peer = Peer.open(config)
    try:
        proof = peer.proof(load.hashes[-1])
        org_keys = {o: [load_key(net.folder / "keys" / f"{o}.key").public] for o in ORGS}
        assert sorted(c.checkpoint.org for c in proof.checkpoints) == ORGS
        assert verify_tx_proof(peer.suite, proof, peer.orderer_keys, org_keys, quorum=4) == ""
        assert "5 needed" in verify_tx_proof(peer.suite, proof, peer.orderer_keys, org_keys,
                                             quorum=5)
        assert header_hash(peer.suite, proof.header) == proof.checkpoints[0].checkpoint.block_hash
    finally:
        peer.close()
        start_peer(net, "org-4")


def test_a_peer_with_a_hand_altered_store_is_caught_and_resyncs(net: ClusterLayout) -> None:
    org4 = net.peers[3]
    stop_peer(net, "org-4")
    db = sqlite3.connect(org4.folder / "ledger.sqlite")
    key = "cash/balance/CNY/org-3"
    (value,) = db.execute("SELECT value FROM state WHERE key=?", (key,)).fetchone()
    db.execute("UPDATE state SET value=? WHERE key=?", (encode(10**15), key))
    db.commit()
    db.close()
    assert value != encode(10**15)
    start_peer(net, "org-4")
    with Load(net) as load:
        wait_for(lambda: peer_status(net)["org-4"]["diverged"], 30, "org-4 to notice")
    status = peer_status(net)
    assert "writes_hash" in str(status["org-4"]["diverged"]) or "receipts" in str(
        status["org-4"]["diverged"])
    stuck = int(status["org-4"]["height"])  # type: ignore[call-overload]
    wait_for(lambda: all("org-4" in peer_status(net)[o]["mismatches"]  # type: ignore[operator]
                          for o in ("org-1", "org-2", "org-3")), 30, "the others to see it")
    settled(net, load.hashes, ["org-1", "org-2", "org-3"])
    assert int(peer_status(net)["org-4"]["height"]) == stuck  # type: ignore[call-overload]

    # Rebuilt from nothing, the peer syncs from genesis and agrees again.
    stop_peer(net, "org-4")
    for name in ("ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm"):
        (org4.folder / name).unlink(missing_ok=True)
    start_peer(net, "org-4")
    settled(net, load.hashes)
    assert not peer_status(net)["org-4"]["diverged"]
