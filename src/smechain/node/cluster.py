"""A local consortium network on loopback, for development, tests and benchmarks.

``create_cluster`` writes everything a network needs into one folder:

    DIR/cluster.json          what was created (servers, peers, ports)
    DIR/genesis.block         block 0, shared by every peer
    DIR/keys/                 organisations' keys, orderer-1.key, orderer-2.key
    DIR/access/               the consortium CA, TLS certificates and NKey seeds
    DIR/nats-N/nats.conf      each NATS server's config (and its JetStream data)
    DIR/ordering.toml         the operator's connection (``smechain ordering setup``)
    DIR/peer-ORG/peer.toml    each peer's config (and its ledger)

``start_cluster`` starts the three servers, sets the ordering service up as
its operator (the chain's streams, block 0), then starts one peer process per
organisation (``smechain peer run --config …``); the first organisation's peer
cuts blocks and the second's stands by. Every process is started on its own,
from its own config file, exactly as on separate hosts; processes are found
again and stopped by the PIDs in their folders. The servers admit only the
consortium: TLS with the consortium's CA both ways, and each organisation's
NKey with its permissions (``smechain.ordering.access``).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smechain.core.chain import genesis_block
from smechain.core.encoding import encode
from smechain.core.genesis import GOVERNED_ACTIONS
from smechain.modules import default_runtime
from smechain.node.consortium import consortium_from_dict, write_keys
from smechain.ordering.access import (
    OPERATOR,
    AccessKit,
    Identity,
    NatsUser,
    Role,
    ServerAccess,
    server_users,
    write_private,
)
from smechain.ordering.jetstream import Names, NatsLink, setup_chain
from smechain.ordering.natsserver import NatsProcess, NatsServerSpec, cluster_specs, free_port

CLUSTER_FILE = "cluster.json"
ORDERING_FILE = "ordering.toml"
ACCESS = "access"
CUTTERS = 2
"""Organisations whose peers may cut blocks: the first is active, the next stands by."""


def default_orgs(count: int) -> list[dict[str, Any]]:
    """``count`` organisations: a regulator and cash issuer, a bank, a core enterprise, SMEs."""
    roles = [["regulator", "cash_issuer", "tax_authority"], ["bank", "factor"],
             ["core_enterprise"]]
    return [
        {"id": f"org-{i + 1}", "name": f"Organisation {i + 1}",
         "roles": roles[i] if i < len(roles) else ["sme"]}
        for i in range(count)
    ]


@dataclass(frozen=True, slots=True)
class PeerSpec:
    org: str
    folder: Path
    cutter: bool

    @property
    def config_file(self) -> Path:
        return self.folder / "peer.toml"


@dataclass(frozen=True, slots=True)
class ClusterLayout:
    """The servers and peers of a local network, as ``cluster.json`` records them."""

    folder: Path
    chain_id: str
    servers: list[NatsServerSpec]
    peers: list[PeerSpec]

    @property
    def urls(self) -> list[str]:
        return [s.url for s in self.servers]

    @property
    def access(self) -> AccessKit:
        return AccessKit(self.folder / ACCESS)

    def identity(self, name: str = OPERATOR) -> Identity:
        """How ``name`` (an organisation with a peer, or the operator) connects."""
        return self.access.identity(name)

    @property
    def replicas(self) -> int:
        return min(3, len(self.servers))

    @classmethod
    def load(cls, folder: Path) -> ClusterLayout:
        path = Path(folder) / CLUSTER_FILE
        if not path.exists():
            raise FileNotFoundError(f"--dir: {folder} holds no cluster (run `cluster up`)")
        doc = json.loads(path.read_text())
        peers = [PeerSpec(p["org"], folder / f"peer-{p['org']}", p["cutter"])
                 for p in doc["peers"]]
        kit = AccessKit(Path(folder) / ACCESS)
        if not kit.ca_file.exists():
            raise ValueError(f"{kit.ca_file} missing: a network made before its NATS servers "
                             "admitted only the consortium; make a new one")
        users = server_users(kit, Names(doc["chain_id"]), members(peers))
        password = kit.route_password()
        servers = [NatsServerSpec(s["name"], folder / s["name"], s["port"], s["cluster_port"],
                                  s["routes"],
                                  access=ServerAccess(kit.server_tls(s["name"]), users, password))
                   for s in doc["servers"]]
        return cls(Path(folder), doc["chain_id"], servers, peers)

    def save(self) -> None:
        doc = {
            "chain_id": self.chain_id,
            "servers": [{"name": s.name, "port": s.port, "cluster_port": s.cluster_port,
                         "routes": s.routes} for s in self.servers],
            "peers": [{"org": p.org, "cutter": p.cutter} for p in self.peers],
        }
        (self.folder / CLUSTER_FILE).write_text(json.dumps(doc, indent=2) + "\n")


def members(peers: list[PeerSpec]) -> dict[str, Role]:
    """Each organisation that runs a peer, and what its NATS user may do."""
    return {p.org: Role.CUTTER if p.cutter else Role.PEER for p in peers}


def create_cluster(
    folder: Path, orgs: int, servers: int = 3, chain_id: str = "smechain-local",
    peer_settings: dict[str, Any] | None = None, timestamp_ms: int | None = None,
    peers: int | None = None,
) -> ClusterLayout:
    """Write a new network's genesis, keys and configs into an empty ``folder``.

    The first ``peers`` organisations (all, by default) run a peer; the rest
    are members that use another's (a benchmark's many accounts).
    """
    folder = Path(folder)
    if (folder / CLUSTER_FILE).exists():
        raise FileExistsError(f"--dir: {folder} already holds a cluster")
    if not 2 <= orgs <= 10_000:
        raise ValueError(f"--orgs: {orgs} is not between 2 and 10000")
    peers = orgs if peers is None else peers
    if not 1 <= peers <= orgs:
        raise ValueError(f"peers: {peers} is not between 1 and the {orgs} organisations")
    if servers not in (1, 3, 5):
        raise ValueError(f"servers: {servers} is not 1, 3 or 5")
    org_docs = default_orgs(orgs)
    admins = [o["id"] for o in org_docs[:3]]
    doc = {
        "chain_id": chain_id,
        "orgs": org_docs,
        "governance": {"admins": admins, **dict.fromkeys(GOVERNED_ACTIONS,
                                                          (len(admins) // 2) + 1)},
    }
    ts = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    consortium = consortium_from_dict(doc, ts, orderers=CUTTERS)
    folder.mkdir(parents=True, exist_ok=True)
    write_keys(consortium, folder)
    first = consortium.orderer
    block, _ = genesis_block(first.crypto, default_runtime(), consortium.genesis,
                             (first.private, first.public))
    (folder / "genesis.block").write_bytes(encode(block))
    peer_specs = [PeerSpec(o["id"], folder / f"peer-{o['id']}", i < CUTTERS)
                  for i, o in enumerate(org_docs[:peers])]
    # The consortium's CA, a certificate and NKey for the operator and each peer's
    # organisation, and one certificate per server (for loopback).
    kit = AccessKit(folder / ACCESS)
    kit.create_ca(chain_id)
    for name in (OPERATOR, *(p.org for p in peer_specs)):
        kit.issue_client(name)
    users: tuple[NatsUser, ...] = server_users(kit, Names(chain_id), members(peer_specs))
    password = kit.route_password()

    def access(name: str) -> ServerAccess:
        return ServerAccess(kit.issue_server(name, ["127.0.0.1", "localhost"]), users, password)

    layout = ClusterLayout(folder, chain_id, cluster_specs(folder, servers, access=access),
                           peer_specs)
    for i, peer in enumerate(layout.peers):
        write_peer_config(layout, peer, i, peer_settings or {})
    for server in layout.servers:
        NatsProcess(server).write_config()
    write_ordering_config(layout)
    layout.save()
    return layout


def write_ordering_config(layout: ClusterLayout) -> None:
    """``ordering.toml``: how the operator reaches the servers (``smechain ordering setup``)."""
    lines = [
        f"servers = {json.dumps(layout.urls)}",
        'genesis = "genesis.block"',
        f"replicas = {layout.replicas}",
    ]
    text = "\n".join(lines) + "\n\n" + layout.identity(OPERATOR).toml(layout.folder)
    write_private(layout.folder / ORDERING_FILE, text.encode())


def write_peer_config(layout: ClusterLayout, peer: PeerSpec, index: int,
                      settings: dict[str, Any]) -> None:
    """The peer's ``peer.toml``: paths relative to its own folder."""
    lines = [
        f'org = "{peer.org}"',
        'data = "."',
        f"servers = {json.dumps(layout.urls)}",
        f'org_key = "../keys/{peer.org}.key"',
        'genesis = "../genesis.block"',
        f'api = "127.0.0.1:{free_port()}"',
    ]
    if peer.cutter:
        name = "orderer.key" if index == 0 else f"orderer-{index + 1}.key"
        lines.append(f'orderer_key = "../keys/{name}"')
    cutter = settings.get("cutter", {})
    for key, value in settings.items():
        if key != "cutter":
            lines.append(f"{key} = {json.dumps(value)}")
    if cutter:
        lines.append("[cutter]")
        lines.extend(f"{k} = {json.dumps(v)}" for k, v in cutter.items())
    # The organisation's certificate and NKey seed: how it connects to the servers.
    lines.append("\n" + layout.identity(peer.org).toml(peer.folder))
    peer.folder.mkdir(parents=True, exist_ok=True)
    peer.config_file.write_text("\n".join(lines) + "\n")


# --- processes -----------------------------------------------------------------------


def read_pid(folder: Path, name: str) -> int | None:
    """The PID in ``folder/name`` if that process is still alive."""
    try:
        pid = int((folder / name).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    try:  # a zombie child of ours is not alive
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return None
    except ChildProcessError:
        pass
    return pid


def start_server(layout: ClusterLayout, index: int) -> int:
    """Start NATS server ``index`` (if it is not running); return its PID."""
    spec = layout.servers[index]
    pid = read_pid(spec.folder, "nats.pid")
    if pid is not None:
        return pid
    proc = NatsProcess(spec).start()
    assert proc.pid is not None
    return proc.pid


def setup_ordering(layout: ClusterLayout) -> None:
    """As the operator: the chain's streams and lease bucket, and block 0 (idempotent)."""
    link = NatsLink(layout.urls, name="operator", identity=layout.identity(OPERATOR))
    try:
        setup_chain(link, Names(layout.chain_id), (layout.folder / "genesis.block").read_bytes(),
                    layout.replicas)
    finally:
        link.close()


def start_peer(layout: ClusterLayout, org: str, timeout: float = 60.0) -> int:
    """Start ``org``'s peer process (if it is not running) and wait until it reports ready.

    The local network plays every party: before a peer starts, its operator
    makes sure the streams and block 0 are there, as ``cluster up`` did.
    """
    peer = next((p for p in layout.peers if p.org == org), None)
    if peer is None:
        raise KeyError(f"org: {org!r} has no peer in this cluster")
    pid = read_pid(peer.folder, "peer.pid")
    if pid is not None:
        return pid
    setup_ordering(layout)
    ready = peer.folder / "peer.ready"
    ready.unlink(missing_ok=True)
    with open(peer.folder / "peer.log", "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "smechain.cli.main", "peer", "run",
             "--config", str(peer.config_file)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            if proc.poll() is None:
                proc.kill()
            tail = (peer.folder / "peer.log").read_text(errors="replace").splitlines()[-15:]
            raise RuntimeError(f"peer {org} did not start:\n" + "\n".join(tail))
        time.sleep(0.05)
    return proc.pid


def start_cluster(layout: ClusterLayout) -> None:
    """Start every server, set the ordering service up, then start every peer (cutters first)."""
    for i in range(len(layout.servers)):
        start_server(layout, i)
    setup_ordering(layout)
    for peer in layout.peers:
        start_peer(layout, peer.org)


def stop_pid(pid: int | None, kill: bool = False, timeout: float = 30.0) -> None:
    """Stop a process by PID (SIGTERM, or SIGKILL as a crash) and wait until it is gone."""
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                return
        except ChildProcessError:
            pass
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


def stop_peer(layout: ClusterLayout, org: str, kill: bool = False) -> None:
    folder = next(p.folder for p in layout.peers if p.org == org)
    stop_pid(read_pid(folder, "peer.pid"), kill)


def stop_server(layout: ClusterLayout, index: int, kill: bool = False) -> None:
    stop_pid(read_pid(layout.servers[index].folder, "nats.pid"), kill)


def stop_cluster(layout: ClusterLayout) -> None:
    """Stop every peer, then every server."""
    for peer in layout.peers:
        stop_peer(layout, peer.org)
    for i in range(len(layout.servers)):
        stop_server(layout, i)


def processes(layout: ClusterLayout) -> dict[str, int | None]:
    """Each server's and peer's PID, or ``None`` where it is not running."""
    out: dict[str, int | None] = {}
    for s in layout.servers:
        out[s.name] = read_pid(s.folder, "nats.pid")
    for p in layout.peers:
        out[f"peer-{p.org}"] = read_pid(p.folder, "peer.pid")
    return out



def gather_status(servers: list[str], chain_id: str, wait_s: float = 1.0,
                  identity: Identity | None = None) -> list[dict[str, Any]]:
    """Every running peer's own report (height, role, writes hash, alarms), by org.

    Asked as ``identity`` (the operator's, on a network that admits only the consortium).
    """
    link = NatsLink(servers, name="cluster-status", identity=identity)
    try:
        return link.call(_gather(link, Names(chain_id).status_subject, wait_s), wait_s + 10)
    finally:
        link.close()


async def _gather(link: NatsLink, subject: str, wait_s: float) -> list[dict[str, Any]]:
    replies: list[dict[str, Any]] = []
    inbox = link.nc.new_inbox()

    async def on_reply(msg: Any) -> None:
        replies.append(json.loads(msg.data))

    sub = await link.nc.subscribe(inbox, cb=on_reply)
    await link.nc.publish(subject, b"", reply=inbox)
    await asyncio.sleep(wait_s)
    await sub.unsubscribe()
    return sorted(replies, key=lambda r: str(r.get("org")))
