"""``smechain serve``: the HTTP API and portal over an embedded node's data folder."""

from __future__ import annotations

import ipaddress
import sqlite3
from pathlib import Path

import typer

from smechain.api.app import create_app
from smechain.api.errors import ApiError
from smechain.api.platform import Platform
from smechain.api.server import configure_logging, serve
from smechain.cli.common import check_port, fail, orderer_of, read_key, store_error
from smechain.core.errors import DecodeError
from smechain.node.keys import KeyFileError
from smechain.node.ledger import LedgerEmpty
from smechain.node.node import STORE_FILE, FolderInUse, Node, NodeConfig
from smechain.ordering.cutter import CutterConfig


def run_serve(data: Path, host: str, port: int, admin_password: str | None,
              log_level: str, trusted_proxy: str | None = None) -> None:
    """Open the node in ``data``, hold its organisations' keys, and serve until interrupted."""
    if log_level.lower() not in ("debug", "info", "warning", "error"):
        fail(f"--log-level: {log_level!r} is not debug, info, warning or error")
    if admin_password is not None and len(admin_password) < 8:
        fail("--admin-password: use at least 8 characters")
    if trusted_proxy is not None:
        for item in trusted_proxy.split(","):
            try:
                ipaddress.ip_network(item.strip())
            except ValueError:
                fail(f"--trusted-proxy: {item.strip()!r} is not an IP address or network")
    check_port(host, port)
    if not (data / STORE_FILE).exists():
        fail(f"--data: {data} holds no chain (run `smechain init`)")
    orderer = orderer_of(data, "a demo is served by `smechain demo` itself, a peer by "
                               "`smechain peer run`")
    try:
        node = Node.open(data, orderer, NodeConfig(CutterConfig(max_wait_ms=5)))
    except (FolderInUse, LedgerEmpty, DecodeError) as exc:
        fail(f"--data: {exc}")
    except sqlite3.Error as exc:
        fail(store_error(data, exc))
    node.start()
    platform = Platform(node, data)
    try:
        orgs = []
        for path in sorted((data / "keys").glob("*.key")):
            if path.stem.startswith("orderer"):
                continue
            try:
                platform.import_org_key(path.stem, read_key(path))
            except (KeyFileError, ApiError) as exc:
                typer.echo(f"skipping {path.name}: {exc}", err=True)
                continue
            orgs.append(path.stem)
        if admin_password is not None:
            for org in orgs:
                platform.ensure_admin(org, admin_password)
        typer.echo(f"serving {node.chain_id!r} for {', '.join(orgs) or 'no organisation'} "
                   f"at http://{host}:{port}")
        configure_logging(log_level.lower())
        serve(create_app(platform), host, port, trusted_proxy)
    finally:
        platform.close()
        node.close()
