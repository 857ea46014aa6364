"""The ordering network admits only the consortium: a real local network, attacked.

Three NATS servers and four peer processes as ``cluster up`` makes them (TLS
with the consortium's CA both ways, one NKey per organisation with its
permissions, routes that log in). An outsider on the network (no client
certificate, a certificate but no NKey, an NKey the servers do not list,
another CA's certificate) is refused at the door of every server; an
organisation's own client acting outside its permissions is refused each
action: listing, purging and deleting the chain's streams, appending a
block, taking the cutters' lease. A server that is not the consortium's
cannot join the routes. After each attempt the streams hold what they held,
the active cutter keeps the lease, and the network goes on committing
transactions.
"""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
from cluster_support import ORGS, SETTINGS, Load, peer_status, settled, wait_for
from nats.js import api

from smechain.node.cluster import ClusterLayout, create_cluster, start_cluster, stop_cluster
from smechain.ordering.access import OPERATOR, ROUTE_USER, AccessKit, new_user_seed
from smechain.ordering.jetstream import Lease, Names, NatsLink
from smechain.ordering.natsserver import free_port, nats_server_binary, render_conf


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterLayout]:
    layout = create_cluster(tmp_path_factory.mktemp("secure"), 4, peer_settings=SETTINGS)
    start_cluster(layout)
    try:
        yield layout
    finally:
        stop_cluster(layout)


@pytest.fixture(scope="module")
def operator(net: ClusterLayout) -> Iterator[NatsLink]:
    link = NatsLink(net.urls, name="test-operator", identity=net.identity(OPERATOR))
    try:
        yield link
    finally:
        link.close()


def ordering_state(net: ClusterLayout, operator: NatsLink) -> dict[str, Any]:
    """What the operator sees: each stream's first and last sequence, the lease's holder."""
    names = Names(net.chain_id)

    async def streams() -> dict[str, tuple[int, int]]:
        return {s.config.name: (s.state.first_seq, s.state.last_seq)
                for s in await operator.js.streams_info()}

    return {"streams": operator.call(streams()),
            "lease": Lease(operator, names, "test").current()}


def assert_untouched(net: ClusterLayout, operator: NatsLink, before: dict[str, Any]) -> None:
    """Every stream is there, none lost a message (the network may have added some), and the
    active cutter still holds the lease."""
    after = ordering_state(net, operator)
    assert after["lease"] == before["lease"] == "org-1"
    assert set(after["streams"]) == set(before["streams"])
    for name, (first, last) in before["streams"].items():
        first_now, last_now = after["streams"][name]
        if not name.startswith("KV_"):  # (the lease's entries expire and are replaced)
            assert (first_now, last_now) >= (first, last) and first_now == first, name


def assert_network_commits(net: ClusterLayout) -> None:
    with Load(net) as load:
        time.sleep(1)
    settled(net, load.hashes)
    status = peer_status(net)
    assert [status[o]["role"] for o in ORGS] == ["cutter", "standby", "peer", "peer"]


# --- outsiders --------------------------------------------------------------------------------


def _tls(ca: Path, cert: Path | None = None, key: Path | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(ca))
    if cert is not None and key is not None:
        ctx.load_cert_chain(str(cert), str(key))
    return ctx


def outsiders(net: ClusterLayout, tmp: Path) -> dict[str, dict[str, Any]]:
    """nats-py connect options of everyone the servers must turn away."""
    kit = net.access
    other = AccessKit(tmp / "other-ca")
    other.create_ca("not the consortium")
    other.issue_client("org-3")
    seed = kit.seed_file("org-3").read_text().strip()
    member_tls = _tls(kit.ca_file, kit.cert_file("org-3"), kit.key_file("org-3"))
    return {
        "in the clear": {},
        "TLS, no certificate": {"tls": _tls(kit.ca_file)},
        "TLS, no certificate, a member's NKey": {"tls": _tls(kit.ca_file),
                                                 "nkeys_seed_str": seed},
        "a member's certificate, no NKey": {"tls": member_tls},
        "a member's certificate, an unlisted NKey": {
            "tls": member_tls, "nkeys_seed_str": new_user_seed().decode()},
        "another CA's certificate, a member's NKey": {
            "tls": _tls(kit.ca_file, other.cert_file("org-3"), other.key_file("org-3")),
            "nkeys_seed_str": seed},
    }


def everything(names: Names) -> dict[str, Callable[[nats.NATS], Awaitable[Any]]]:
    """Each forbidden action, as one awaitable on a connection."""
    streams = [names.txs_stream, names.blocks_stream, names.ckpt_stream,
               f"KV_{names.lease_bucket}"]

    def js(nc: nats.NATS) -> Any:
        return nc.jetstream(timeout=2)

    async def take_lease(nc: nats.NATS) -> Any:
        kv = await js(nc).key_value(names.lease_bucket)
        return await kv.put(Lease.KEY, b"usurper")

    actions: dict[str, Callable[[nats.NATS], Awaitable[Any]]] = {
        "list": lambda nc: js(nc).streams_info(),
        "append a block": lambda nc: js(nc).publish(names.blocks_subject, b"x", timeout=2),
        "append a block by a push consumer": lambda nc: js(nc).add_consumer(
            names.ckpt_stream, config=api.ConsumerConfig(
                name="evil", deliver_subject=names.blocks_subject,
                ack_policy=api.AckPolicy.NONE)),
        "take the lease": take_lease,
        "write the lease key": lambda nc: js(nc).publish(
            f"$KV.{names.lease_bucket}.{Lease.KEY}", b"usurper", timeout=2),
    }
    for stream in streams:
        actions[f"purge {stream}"] = (lambda s: lambda nc: js(nc).purge_stream(s))(stream)
        actions[f"delete {stream}"] = (lambda s: lambda nc: js(nc).delete_stream(s))(stream)
    return actions


async def _ignore(exc: Exception) -> None:
    pass


def attempt(url: str, options: dict[str, Any], actions: dict[str, Callable[..., Any]]
            ) -> dict[str, str]:
    """Connect with ``options`` and try every action; what each came to."""

    async def go() -> dict[str, str]:
        try:
            nc = await nats.connect(url, allow_reconnect=False, connect_timeout=2,
                                    max_reconnect_attempts=0, error_cb=_ignore, **options)
        except Exception as exc:
            return {"connect": f"refused: {type(exc).__name__}: {exc}"}
        try:
            async def one(make: Callable[..., Any]) -> str:
                try:
                    await asyncio.wait_for(make(nc), 3)
                except Exception as exc:
                    return f"refused: {type(exc).__name__}"
                return "done"

            done = await asyncio.gather(*(one(a) for a in actions.values()))
            return {"connect": "connected", **dict(zip(actions, done, strict=True))}
        finally:
            await nc.close()

    return asyncio.run(go())


def test_an_outsider_is_refused_at_every_servers_door(
    net: ClusterLayout, operator: NatsLink, tmp_path: Path
) -> None:
    before = ordering_state(net, operator)
    actions = everything(Names(net.chain_id))
    strangers = outsiders(net, tmp_path)
    for url in net.urls:
        for who, options in strangers.items():
            outcome = attempt(url, options, actions)
            assert outcome["connect"].startswith("refused"), (url, who, outcome)
    assert_untouched(net, operator, before)
    assert_network_commits(net)


# --- organisations outside their permissions -----------------------------------------------


def test_an_organisation_is_refused_what_its_role_does_not_allow(
    net: ClusterLayout, operator: NatsLink
) -> None:
    before = ordering_state(net, operator)
    actions = everything(Names(net.chain_id))
    management = {a: f for a, f in actions.items()
                  if a == "list" or a.startswith(("purge", "delete"))
                  or "push consumer" in a}
    # A member that cuts no blocks: every action; a standby cutter: stream management.
    for org, tried in (("org-3", actions), ("org-4", actions), ("org-2", management)):
        outcome = attempt(net.urls[0], net.identity(org).connect_options(), tried)
        assert outcome.pop("connect") == "connected", (org, outcome)
        # A denied request gets no answer: each times out.
        assert outcome == dict.fromkeys(tried, "refused: TimeoutError"), (org, outcome)
    assert_untouched(net, operator, before)
    assert_network_commits(net)


def test_an_organisations_peer_is_told_of_each_refusal(net: ClusterLayout) -> None:
    """The server says why (a permissions violation naming the subject) and keeps the
    connection: the organisation's client goes on working."""
    names = Names(net.chain_id)
    link = NatsLink(net.urls, name="test-org-3", identity=net.identity("org-3"))
    try:
        async def purge() -> None:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(link.js.purge_stream(names.blocks_stream), 2)

        link.call(purge())
        wait_for(lambda: any("permissions violation" in e.lower() for e in link.errors), 5,
                 "the violation to be reported")
        assert f"$js.api.stream.purge.{names.blocks_stream}".lower() in " ".join(
            link.errors).lower()
        info = link.call(link.js.stream_info(names.blocks_stream))  # still connected
        assert info.state.last_seq > 0
    finally:
        link.close()


# --- servers ------------------------------------------------------------------------------------


def rogue_server(net: ClusterLayout, folder: Path, cert: Path, key: Path, password: str
                 ) -> tuple[subprocess.Popen[bytes], str, Path]:
    """A nats-server that tries to route to the network: open to clients, TLS routes with
    ``cert`` (trusting the consortium's CA) and route ``password``."""
    folder.mkdir(parents=True)
    port = free_port()
    routes = [f"nats-route://{ROUTE_USER}:{password}@127.0.0.1:{s.cluster_port}"
              for s in net.servers]
    conf = folder / "rogue.conf"
    conf.write_text(render_conf({
        "server_name": "rogue", "listen": f"127.0.0.1:{port}",
        "cluster": {
            "name": "smechain", "listen": f"127.0.0.1:{free_port()}",
            "tls": {"cert_file": str(cert), "key_file": str(key),
                    "ca_file": str(net.access.ca_file), "verify": True, "timeout": 5},
            "authorization": {"user": ROUTE_USER, "password": password, "timeout": 5},
            "routes": routes,
        },
    }) + "\n")
    log = folder / "rogue.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen([nats_server_binary(), "-c", str(conf)], stdout=out,
                                stderr=subprocess.STDOUT)
    return proc, f"nats://127.0.0.1:{port}", log


@pytest.mark.parametrize("rogue", ["a member's certificate, a guessed route password",
                                   "the route password, another CA's certificate"])
def test_a_server_that_is_not_the_consortiums_cannot_join_the_routes(
    net: ClusterLayout, operator: NatsLink, tmp_path: Path, rogue: str
) -> None:
    kit = net.access
    if rogue.startswith("a member's"):
        cert, key, password = kit.cert_file("org-3"), kit.key_file("org-3"), "guessed"
    else:
        other = AccessKit(tmp_path / "other-ca")
        other.create_ca("not the consortium")
        other.issue_server("rogue", ["127.0.0.1"])
        cert, key, password = (other.cert_file("rogue"), other.key_file("rogue"),
                               kit.route_password())
    names = Names(net.chain_id)
    before = ordering_state(net, operator)
    proc, url, log = rogue_server(net, tmp_path / "rogue", cert, key, password)
    try:
        seen: list[str] = []

        async def through_the_rogue() -> None:
            nc = None
            for _ in range(50):
                try:
                    nc = await nats.connect(url, allow_reconnect=False, connect_timeout=1)
                    break
                except Exception:
                    await asyncio.sleep(0.1)
            assert nc is not None, "the rogue server did not start"

            async def note(msg: Any) -> None:
                seen.append(msg.subject)

            await nc.subscribe(">", cb=note)  # whatever the network's traffic would bring
            await asyncio.sleep(1.5)  # the rogue tries its routes meanwhile
            for _ in range(3):
                await nc.publish(names.blocks_subject, b"a block from nowhere")
                await nc.publish(f"$KV.{names.lease_bucket}.{Lease.KEY}", b"usurper")
                await nc.publish(f"$JS.API.STREAM.PURGE.{names.blocks_stream}", b"",
                                 reply="_INBOX.rogue")
            await nc.flush()
            await asyncio.sleep(0.5)
            await nc.close()

        with Load(net):  # traffic on the network, none of which may reach the rogue
            asyncio.run(through_the_rogue())
    finally:
        proc.terminate()
        proc.wait(10)
    ours = {names.blocks_subject, f"$KV.{names.lease_bucket}.{Lease.KEY}",
            f"$JS.API.STREAM.PURGE.{names.blocks_stream}"}
    assert [s for s in seen if s not in ours] == []
    if rogue.startswith("a member's"):  # TLS passed: the route login did not
        assert "Route Error 'Authorization Violation'" in log.read_text()
    else:  # the servers refused its certificate
        logs = " ".join((s.folder / "nats.log").read_text() for s in net.servers)
        assert "TLS route handshake error" in logs
    assert_untouched(net, operator, before)
    assert_network_commits(net)
