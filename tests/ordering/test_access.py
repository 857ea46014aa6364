"""Who the ordering service admits, and what each may do there: one real ``nats-server``.

The server admits only what ``secured_server`` made for it: TLS with its own
CA both ways, then an NKey it lists. The operator sets a chain up; a member
(``member-b``) and a cutter (``cutter-a``) then do their work through the
same classes the peers use, and are refused everything else; clients
without the right certificate or NKey are refused at the door. After each
refusal the streams and the lease are as they were.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import stat
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js import api

from smechain.node.peer import PeerConfig, PeerConfigError
from smechain.ordering.access import (
    OPERATOR,
    AccessError,
    AccessKit,
    Identity,
    Role,
    ServerAccess,
    new_user_seed,
    write_private,
)
from smechain.ordering.ckptlog import CheckpointLog
from smechain.ordering.jetstream import (
    BlockLog,
    JetStreamOrderer,
    Lease,
    Names,
    NatsLink,
    OrderingUnavailable,
    Position,
    setup_chain,
)
from smechain.ordering.natsserver import NatsProcess, NatsServerSpec, secured_server

NAMES = Names("access-test")
CUTTER, MEMBER = "cutter-a", "member-b"
GENESIS = b"block-0"


@dataclass
class Net:
    url: str
    kit: AccessKit
    operator: NatsLink

    def link(self, name: str) -> NatsLink:
        return NatsLink([self.url], name=f"test-{name}", identity=self.kit.identity(name))

    def state(self) -> dict[str, Any]:
        """Each stream's messages and the lease's holder: what no refusal may change."""

        async def streams() -> dict[str, int]:
            # (The lease bucket's own count changes as its entries expire: its name only.)
            return {s.config.name: 0 if s.config.name.startswith("KV_") else s.state.messages
                    for s in await self.operator.js.streams_info()}

        return {"streams": self.operator.call(streams()),
                "lease": Lease(self.operator, NAMES, "nobody").current()}


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    spec, kit = secured_server(tmp_path_factory.mktemp("access"), NAMES,
                               {CUTTER: Role.CUTTER, MEMBER: Role.PEER})
    server = NatsProcess(spec).start()
    operator = NatsLink([spec.url], name="test-operator", identity=kit.identity(OPERATOR))
    try:
        setup_chain(operator, NAMES, GENESIS, replicas=1)
        yield Net(spec.url, kit, operator)
    finally:
        operator.close()
        server.stop()


@pytest.fixture
def member(net: Net) -> Iterator[NatsLink]:
    link = net.link(MEMBER)
    try:
        yield link
    finally:
        link.close()


@pytest.fixture
def cutter(net: Net) -> Iterator[NatsLink]:
    link = net.link(CUTTER)
    try:
        yield link
    finally:
        link.close()


# --- what each may do ---------------------------------------------------------------------


def test_a_member_publishes_transactions_and_its_checkpoints_and_reads_the_chain(
    net: Net, member: NatsLink
) -> None:
    publisher = JetStreamOrderer(member, NAMES)
    publisher.submit(b"a transaction")
    publisher.flush(10)
    publisher.close()
    log = BlockLog(member, NAMES)
    assert log.last_height() >= 0
    got = log.get(0)
    assert got is not None and got.data == GENESIS
    assert log.read(0, 1, 2.0)[0].data == GENESIS
    log.close()
    checkpoints = CheckpointLog(member, NAMES)
    checkpoints.publish(MEMBER, 0, b"member-b's checkpoint of block 0")
    assert checkpoints.flush(10)
    assert b"member-b's checkpoint of block 0" in [d for _, d in checkpoints.read(1, 100, 2.0)]
    checkpoints.close()
    assert not [e for e in member.errors if "ermission" in e]


def test_a_cutter_reads_transactions_appends_blocks_and_holds_the_lease(
    net: Net, cutter: NatsLink
) -> None:
    submitter = JetStreamOrderer(cutter, NAMES)
    submitter.submit(b"for the cutter")
    submitter.flush(10)
    submitter.close()
    reader = JetStreamOrderer(cutter, NAMES, start=Position())
    items: list[bytes] = []
    deadline = time.monotonic() + 10
    while b"for the cutter" not in items and time.monotonic() < deadline:
        batch = reader.next_batch(0.5)
        items += batch.items if batch is not None else []
    reader.close()
    assert b"for the cutter" in items
    lease = Lease(cutter, NAMES, CUTTER)
    assert lease.acquire() and lease.renew() and lease.current() == CUTTER
    lease.release()
    assert lease.current() is None
    log = BlockLog(cutter, NAMES)
    height = log.last_height() + 1
    log.append(height, f"block {height}".encode(), Position(2, 0))
    assert log.last_height() == height
    assert not [e for e in cutter.errors if "ermission" in e]


# --- what each is refused ----------------------------------------------------------------


def _push_into(subject: str, stream: str) -> Callable[[NatsLink], Awaitable[Any]]:
    """A push consumer on ``stream`` whose deliveries the server would publish to ``subject``
    (past its creator's permissions): how a member could otherwise append to a stream."""

    def make(link: NatsLink) -> Awaitable[Any]:
        return link.js._jsm.add_consumer(stream, config=api.ConsumerConfig(
            name="evil", deliver_subject=subject, ack_policy=api.AckPolicy.NONE))
    return make


def _kv_create(link: NatsLink) -> Awaitable[Any]:
    async def go() -> Any:
        kv = await link.js.key_value(NAMES.lease_bucket)
        return await kv.create(Lease.KEY, b"usurper")
    return go()


def _publish(subject: str) -> Callable[[NatsLink], Awaitable[Any]]:
    return lambda link: link.js.publish(subject, b"not allowed", timeout=2)


def _api(method: str, stream: str) -> Callable[[NatsLink], Awaitable[Any]]:
    return lambda link: getattr(link.js, method)(stream)


STREAMS = [NAMES.txs_stream, NAMES.blocks_stream, NAMES.ckpt_stream, f"KV_{NAMES.lease_bucket}"]

OPERATOR_ONLY: dict[str, Callable[[NatsLink], Awaitable[Any]]] = {
    "list streams": lambda link: link.js.streams_info(),
    "stream names": lambda link: link.js._jsm._api_request("$JS.API.STREAM.NAMES", b"", 2),
    **{f"purge {s}": _api("purge_stream", s) for s in STREAMS},
    **{f"delete {s}": _api("delete_stream", s) for s in STREAMS},
    "update a stream": lambda link: link.js.update_stream(api.StreamConfig(
        name=NAMES.ckpt_stream, subjects=[NAMES.ckpt_subject("*")], max_msgs=1)),
    "create a stream": lambda link: link.js.add_stream(api.StreamConfig(
        name="SHADOW", subjects=["shadow.>"])),
    "create a pull consumer": lambda link: link.js.pull_subscribe(
        NAMES.blocks_subject, stream=NAMES.blocks_stream),
    "push into BLOCKS": _push_into(NAMES.blocks_subject, NAMES.ckpt_stream),
    "push into the lease": _push_into(f"$KV.{NAMES.lease_bucket}.{Lease.KEY}",
                                      NAMES.blocks_stream),
    "delete a message": lambda link: link.js.delete_msg(NAMES.blocks_stream, 1),
}
CUTTER_ONLY: dict[str, Callable[[NatsLink], Awaitable[Any]]] = {
    "append a block": _publish(NAMES.blocks_subject),
    "take the lease": _kv_create,
    "write the lease key": _publish(f"$KV.{NAMES.lease_bucket}.{Lease.KEY}"),
    "read TXS": lambda link: link.js.get_msg(NAMES.txs_stream, seq=1, direct=True),
}
NOBODYS = {
    "another's checkpoint": _publish(NAMES.ckpt_subject(CUTTER)),
}


def _try_each(link: NatsLink, actions: dict[str, Callable[[NatsLink], Awaitable[Any]]]
              ) -> dict[str, str]:
    """Run every action at once; what each came to (``ok`` if it went through)."""

    async def one(make: Callable[[NatsLink], Awaitable[Any]]) -> str:
        try:
            await asyncio.wait_for(make(link), 3)
        except Exception as exc:
            return type(exc).__name__
        return "ok"

    async def every() -> list[str]:
        return await asyncio.gather(*(one(make) for make in actions.values()))

    return dict(zip(actions, link.call(every(), 30), strict=True))


def test_a_member_is_refused_all_but_its_own_work(net: Net, member: NatsLink) -> None:
    before = net.state()
    outcome = _try_each(member, {**OPERATOR_ONLY, **CUTTER_ONLY, **NOBODYS})
    # A denied request gets no answer: each times out (none failed for another reason).
    assert {a: o for a, o in outcome.items() if o != "TimeoutError"} == {}
    time.sleep(0.5)
    assert net.state() == before
    violations = " ".join(member.errors).lower()
    for subject in ("$js.api.stream.list", f"$js.api.stream.purge.{NAMES.blocks_stream}",
                    f"$js.api.stream.delete.{NAMES.txs_stream}", NAMES.blocks_subject,
                    f"$js.api.consumer.create.{NAMES.ckpt_stream}",
                    NAMES.ckpt_subject(CUTTER)):
        assert f'permissions violation for publish to "{subject.lower()}' in violations


def test_a_cutter_is_refused_stream_management(net: Net, cutter: NatsLink) -> None:
    before = net.state()
    outcome = _try_each(cutter, {**OPERATOR_ONLY,
                                 "a member's checkpoint": _publish(NAMES.ckpt_subject(MEMBER))})
    assert {a: o for a, o in outcome.items() if o != "TimeoutError"} == {}
    time.sleep(0.5)
    assert net.state() == before


def test_a_member_cannot_listen_on_anothers_replies_or_the_transactions(
    net: Net, member: NatsLink
) -> None:
    async def listen() -> None:
        for subject in (f"_INBOX.{CUTTER}.>", "_INBOX.>", NAMES.txs_subject, ">"):
            await member.nc.subscribe(subject)
        await member.nc.flush()
        await asyncio.sleep(0.3)

    member.call(listen())
    violations = " ".join(member.errors).lower()
    for subject in (f"_inbox.{CUTTER}.>", "_inbox.>", NAMES.txs_subject, ">"):
        assert f'permissions violation for subscription to "{subject.lower()}"' in violations


# --- who is refused at the door ------------------------------------------------------------


def _context(net: Net, cert: str | None, ca: Path | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(ca or net.kit.ca_file))
    if cert is not None:
        ctx.load_cert_chain(str(net.kit.cert_file(cert)), str(net.kit.key_file(cert)))
    return ctx


def _seed(net: Net, name: str) -> str:
    return net.kit.seed_file(name).read_text().strip()


def _strangers(net: Net, tmp: Path) -> dict[str, dict[str, Any]]:
    """nats-py connect options of clients the server must refuse."""
    other = AccessKit(tmp / "other")
    other.create_ca("another consortium")
    other.issue_client(MEMBER)
    unknown = new_user_seed().decode()
    return {
        "in the clear": {},
        "TLS without a certificate": {"tls": _context(net, None)},
        "TLS without a certificate, with a member's NKey": {
            "tls": _context(net, None), "nkeys_seed_str": _seed(net, MEMBER)},
        "a member's certificate without an NKey": {"tls": _context(net, MEMBER)},
        "a member's certificate with an NKey the servers do not list": {
            "tls": _context(net, MEMBER), "nkeys_seed_str": unknown},
        "another CA's certificate with a member's NKey": {
            "tls": _context_from(other, MEMBER, net.kit.ca_file),
            "nkeys_seed_str": _seed(net, MEMBER)},
    }


def _context_from(kit: AccessKit, name: str, trust: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(trust))
    ctx.load_cert_chain(str(kit.cert_file(name)), str(kit.key_file(name)))
    return ctx


def test_clients_without_the_consortiums_certificate_and_nkey_are_refused(
    net: Net, tmp_path: Path
) -> None:
    before = net.state()

    async def attempt(options: dict[str, Any]) -> str:
        try:
            nc = await nats.connect(net.url, allow_reconnect=False, connect_timeout=2,
                                    max_reconnect_attempts=0, error_cb=_ignore, **options)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        try:  # connected: then it must not get to do anything
            await nc.jetstream().purge_stream(NAMES.blocks_stream, timeout=1)
        except Exception as exc:
            return f"connected, then {type(exc).__name__}"
        finally:
            await nc.close()
        return "purged"

    async def every(strangers: dict[str, dict[str, Any]]) -> dict[str, str]:
        return {name: await attempt(options) for name, options in strangers.items()}

    outcome = net.operator.call(every(_strangers(net, tmp_path)), 60)
    assert all(not o.startswith("connected") and o != "purged" for o in outcome.values()), outcome
    # Past TLS with the consortium's certificate, the NKey is what is refused.
    assert "Authorization" in outcome["a member's certificate without an NKey"]
    assert "Authorization" in outcome[
        "a member's certificate with an NKey the servers do not list"]
    assert net.state() == before


async def _ignore(exc: Exception) -> None:
    pass


# --- credential files ---------------------------------------------------------------------


def test_every_access_file_and_server_config_is_private(net: Net) -> None:
    files = [*net.kit.folder.iterdir(), *net.kit.folder.parent.glob("nats-*/nats.conf")]
    assert len(files) > 10
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_servers_require_tls_nkeys_and_route_logins(net: Net, tmp_path: Path) -> None:
    one = next(net.kit.folder.parent.glob("nats-*/nats.conf")).read_text()
    assert "verify: true" in one and one.count("nkey:") == 3  # operator, cutter, member
    spec = NatsServerSpec("n1", tmp_path / "n1", 4222, 6222, routes=[6223, 6224],
                          access=ServerAccess(net.kit.server_tls("nats-1"), (), "s3cret"))
    conf = spec.config()
    cluster = conf[conf.index("cluster:"):]
    assert "tls:" in cluster and "verify: true" in cluster
    assert 'user: "route"' in cluster and 'password: "s3cret"' in cluster
    assert '"nats-route://route:s3cret@127.0.0.1:6223"' in cluster


def _broken(kit: AccessKit, tmp: Path, field: str, damage: str) -> Identity:
    base = kit.identity(MEMBER)
    target = tmp / f"{field}-{damage}"
    if damage == "junk":
        write_private(target, b"this is not it\n")
    elif damage == "empty":
        write_private(target, b"")
    elif damage == "account seed":  # an NKey seed, but an account's, not a user's
        import nkeys

        write_private(target, bytes(nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_ACCOUNT)))
    elif damage == "folder":
        target.mkdir()
    elif damage == "other key":  # a well-formed key that is not the certificate's
        target.write_bytes(kit.key_file(CUTTER).read_bytes())
    paths = {f: getattr(base, f) for f in Identity.FIELDS}
    paths[field] = target  # "missing": never written
    return Identity(paths["ca"], paths["cert"], paths["key"], paths["seed"], MEMBER)


@pytest.mark.parametrize(("field", "damage"), [
    ("ca", "missing"), ("ca", "junk"), ("ca", "folder"),
    ("cert", "missing"), ("cert", "junk"), ("cert", "empty"),
    ("key", "missing"), ("key", "junk"), ("key", "other key"),
    ("seed", "missing"), ("seed", "junk"), ("seed", "empty"), ("seed", "account seed"),
])
def test_an_unusable_credential_file_is_named_before_connecting(
    net: Net, tmp_path: Path, field: str, damage: str
) -> None:
    identity = _broken(net.kit, tmp_path, field, damage)
    with pytest.raises(AccessError, match=rf"nats\.{field}\b.*{tmp_path}/{field}-") as caught:
        NatsLink([net.url], name="broken", identity=identity)
    assert "Traceback" not in str(caught.value)


def test_a_peer_config_names_a_bad_nats_table(tmp_path: Path) -> None:
    base = {"org": "org-1", "data": ".", "servers": ["nats://127.0.0.1:4222"],
            "org_key": "k", "genesis": "g"}
    good = {"ca": "ca.pem", "cert": "org-1.pem", "key": "org-1.key", "seed": "org-1.nk"}
    config = PeerConfig.from_dict({**base, "nats": good}, tmp_path)
    assert config.nats is not None and config.nats.seed == tmp_path / "org-1.nk"
    assert config.nats.name == "org-1"
    assert PeerConfig.from_dict(base, tmp_path).nats is None
    for table, message in [("x", "nats: expected a table"),
                           ({k: v for k, v in good.items() if k != "seed"}, "nats.seed: missing"),
                           ({**good, "cert": 5}, "nats.cert: expected a file path"),
                           ({**good, "password": "x"}, "nats.password: unknown field")]:
        with pytest.raises(PeerConfigError, match=message):
            PeerConfig.from_dict({**base, "nats": table}, tmp_path)


def test_a_client_without_credentials_is_told_why(net: Net) -> None:
    with pytest.raises(OrderingUnavailable, match="servers: cannot connect"):
        NatsLink([net.url], name="anonymous", timeout=1.0)


def test_setup_brings_streams_made_for_consumers_up_to_date(net: Net) -> None:
    """Streams made before readers used direct gets (no ``allow_direct`` or announcements on
    TXS and CKPT) are updated by the operator's setup, and read as new ones are."""
    old = Names("made-earlier")
    ensure = net.operator.js
    for stream, subject in ((old.txs_stream, old.txs_subject),
                            (old.ckpt_stream, old.ckpt_subject("*"))):
        net.operator.call(ensure.add_stream(api.StreamConfig(name=stream, subjects=[subject])))
    net.operator.call(ensure.publish(old.ckpt_subject("org"), b"an old checkpoint"))
    setup_chain(net.operator, old, GENESIS, replicas=1)
    for stream in (old.txs_stream, old.ckpt_stream):
        config = net.operator.call(ensure.stream_info(stream)).config
        assert config.allow_direct and config.republish is not None
        assert config.republish.dest == old.heads_subject(stream)
    checkpoints = CheckpointLog(net.operator, old)
    try:
        assert [d for _, d in checkpoints.read(1, 10, 2.0)] == [b"an old checkpoint"]
    finally:
        checkpoints.close()
