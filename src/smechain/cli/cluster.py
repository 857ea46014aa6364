"""``smechain cluster up|status|down`` (a local network) and ``smechain peer run`` (one peer)."""

from __future__ import annotations

import json
import os
import secrets
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from smechain.api.app import create_app
from smechain.api.platform import Platform
from smechain.api.server import Running, serve_in_thread
from smechain.cli.common import fail, file_problem, read_input, read_key
from smechain.core.block import Block
from smechain.node.cluster import (
    CLUSTER_FILE,
    ClusterLayout,
    create_cluster,
    gather_status,
    processes,
    start_cluster,
    stop_cluster,
)
from smechain.node.keys import KeyFileError, load_key
from smechain.node.node import FolderInUse
from smechain.node.peer import (
    OperatorConfig,
    Peer,
    PeerConfig,
    PeerConfigError,
    genesis_from_file,
)
from smechain.ordering.access import OPERATOR, AccessError, Identity
from smechain.ordering.jetstream import Names, NatsLink, OrderingUnavailable, setup_chain

cluster_app = typer.Typer(help="A local consortium network on loopback.", no_args_is_help=True)
peer_app = typer.Typer(help="Run one organisation's peer.", no_args_is_help=True)
ordering_app = typer.Typer(help="The ordering service, as its operator.", no_args_is_help=True)

Dir = Annotated[Path, typer.Option("--dir", help="The network's folder.")]


C = TypeVar("C")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _layout(folder: Path) -> ClusterLayout:
    path = folder / CLUSTER_FILE
    if not path.exists():
        fail(f"--dir: {folder} holds no cluster (run `cluster up`)")
    read_input(path, "--dir")
    try:
        return ClusterLayout.load(folder)
    except OSError as exc:  # changed since it was read
        fail(f"--dir: {path}: {file_problem(exc)}")
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        reason = f"{exc} missing" if isinstance(exc, KeyError) else str(exc)
        fail(f"--dir: {path}: not a cluster file written by `cluster up` ({reason})")


@cluster_app.command()
def up(
    folder: Dir,
    orgs: Annotated[int, typer.Option(help="Organisations, one peer each (2 to 64).")] = 4,
    chain_id: Annotated[str, typer.Option(help="Chain id of a new network.")] = "smechain-local",
) -> None:
    """Start three NATS servers and a peer per organisation; a new network if DIR is empty.

    Run it again on the same DIR to restart the network from its data folders.
    """
    if (folder / CLUSTER_FILE).exists():
        layout = _layout(folder)
    else:
        if not 2 <= orgs <= 64:
            _fail(f"--orgs: {orgs} is not between 2 and 64")
        if folder.exists() and not folder.is_dir():
            fail(f"--dir: {folder} is a file, not a folder")
        try:
            layout = create_cluster(folder, orgs, chain_id=chain_id)
        except (ValueError, FileExistsError) as exc:
            _fail(str(exc))
            raise
        except OSError as exc:
            fail(f"--dir: {exc.filename or folder}: {file_problem(exc, 'written')}")
    try:
        start_cluster(layout)
    except (RuntimeError, TimeoutError, OrderingUnavailable, AccessError, ValueError) as exc:
        _fail(str(exc))
    typer.echo(f"network {layout.chain_id!r} up in {folder}: "
               f"{len(layout.servers)} NATS servers ({', '.join(layout.urls)}), "
               f"{len(layout.peers)} peers")


@cluster_app.command()
def status(
    folder: Dir,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Which processes run, and each peer's height, role, writes hash and alarms."""
    layout = _layout(folder)
    pids = processes(layout)
    reports: list[dict[str, object]] = []
    if any(pids[s.name] for s in layout.servers):
        try:
            reports = gather_status(layout.urls, layout.chain_id,
                                    identity=layout.identity(OPERATOR))
        except (OrderingUnavailable, AccessError):
            reports = []
    if as_json:
        typer.echo(json.dumps({"processes": pids, "peers": reports}, indent=2))
        return
    table = Table("process", "pid", "role", "API", "height", "writes hash", "alarms")
    by_org = {str(r["org"]): r for r in reports}
    for name, pid in pids.items():
        r = by_org.get(name.removeprefix("peer-"), {}) if name.startswith("peer-") else {}
        alarms = r.get("diverged") or r.get("failure") or ", ".join(
            f"{org}: {msg}" for org, msg in dict(r.get("mismatches") or {}).items())  # type: ignore[call-overload]
        table.add_row(name, str(pid or "down"), str(r.get("role", "")), str(r.get("api", "")),
                      str(r.get("height", "")), str(r.get("writes_hash", ""))[:16],
                      str(alarms or ""))
    Console().print(table)


@cluster_app.command()
def down(folder: Dir) -> None:
    """Stop every peer, then every NATS server (their data folders stay)."""
    layout = _layout(folder)
    stop_cluster(layout)
    typer.echo(f"network in {folder} stopped")


def _serve_api(peer: Peer, cfg: PeerConfig) -> tuple[Platform, Running]:
    """Serve the organisation's API and portal at ``cfg.api`` on a thread of this process.

    On first start the organisation gets user ``admin``, with the password from
    ``SMECHAIN_ADMIN_PASSWORD`` or a generated one written to ``admin.password``.
    """
    platform = Platform(peer, cfg.data)
    platform.import_org_key(cfg.org, load_key(cfg.org_key))
    password = os.environ.get("SMECHAIN_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    if platform.ensure_admin(cfg.org, password) and "SMECHAIN_ADMIN_PASSWORD" not in os.environ:
        fd = os.open(cfg.data / "admin.password", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(password + "\n")
    host, port = cfg.api.rsplit(":", 1)
    return platform, serve_in_thread(create_app(platform), host, int(port),
                                     trusted_proxies=",".join(cfg.trusted_proxies) or None)


def _load_config(config: Path, load: Callable[[Path], C]) -> C:
    """``load(config)``, or exit naming ``--config`` and what is wrong with the file."""
    try:
        read_input(config, "--config").decode()
    except UnicodeDecodeError as exc:
        fail(f"--config: {config}: not UTF-8 text (byte {exc.start})")
    try:
        return load(config)
    except PeerConfigError as exc:
        fail(f"--config: {config}: {str(exc).removeprefix(f'{config}: ')}")


def _check_access(where: str, identity: Identity | None, genesis: Path) -> tuple[Block, bytes]:
    """Check the credentials' files and read the genesis block, or exit naming the file."""
    if identity is not None:
        try:
            identity.check()
        except AccessError as exc:
            fail(f"{where}: {exc}")
    read_input(genesis, f"{where}: genesis")
    try:
        return genesis_from_file(genesis)
    except PeerConfigError as exc:
        fail(f"{where}: {exc}")


def _check_files(config: Path, cfg: PeerConfig) -> None:
    """The files and folder a peer config names, each an error naming its field when unusable,
    before the peer takes its data folder."""
    where = f"--config: {config}"
    for name, path in (("org_key", cfg.org_key), ("orderer_key", cfg.orderer_key)):
        if path is not None:
            try:
                read_key(path)
            except KeyFileError as exc:
                fail(f"{where}: {name}: {exc}")
    _check_access(where, cfg.nats, cfg.genesis)
    if cfg.data.exists() and not cfg.data.is_dir():
        fail(f"{where}: data: {cfg.data} is a file, not a folder")


@peer_app.command("run")
def run(config: Annotated[Path, typer.Option(help="The peer's TOML config.")]) -> None:
    """Run a peer until SIGTERM or Ctrl-C; it writes peer.pid and peer.ready in its folder."""
    cfg = _load_config(config, PeerConfig.load)
    _check_files(config, cfg)
    try:
        peer = Peer.open(cfg).start()
    except (PeerConfigError, FolderInUse, OrderingUnavailable, KeyFileError) as exc:
        _fail(f"{config}: {exc}")
        raise
    except OSError as exc:
        fail(f"--config: {config}: {exc.filename or cfg.data}: {file_problem(exc, 'written')}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if cfg.api:
        # The API signs with nonces read from this peer's store: serve it only once the
        # store holds the chain as it stands (a peer that was down, or new, syncs first).
        peer.catch_up(stop)
    api = _serve_api(peer, cfg) if cfg.api and not stop.is_set() else None
    pid_file, ready = cfg.data / "peer.pid", cfg.data / "peer.ready"
    pid_file.write_text(str(os.getpid()))
    ready.write_text(peer.role)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        if api is not None:
            api[1].stop()
            api[0].close()
        peer.close()
        ready.unlink(missing_ok=True)
        pid_file.unlink(missing_ok=True)


@ordering_app.command("setup")
def setup(config: Annotated[Path, typer.Option(help="The operator's ordering.toml.")]) -> None:
    """Create the chain's streams and the cutters' lease, and append block 0 (idempotent).

    Run by the operator once the NATS servers are up, before any peer starts:
    peers may not manage streams. Run it again after an upgrade: it brings
    streams made by earlier versions up to date.
    """
    cfg = _load_config(config, OperatorConfig.load)
    where = f"--config: {config}"
    genesis, data = _check_access(where, cfg.nats, cfg.genesis)
    try:
        link = NatsLink(cfg.servers, name="operator", identity=cfg.nats)
    except (OrderingUnavailable, AccessError) as exc:
        _fail(f"{config}: {exc}")
        raise
    try:
        setup_chain(link, Names(genesis.header.chain_id), data, cfg.replicas)
    except (OrderingUnavailable, ValueError) as exc:
        _fail(f"{config}: {exc}")
    finally:
        link.close()
    typer.echo(f"chain {genesis.header.chain_id!r}: streams and block 0 ready on "
               f"{', '.join(cfg.servers)}")
