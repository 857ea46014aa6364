"""The ``smechain`` command line: init a consortium, send transactions, inspect and verify."""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from smechain.cli.common import (
    check_int,
    check_port,
    fail,
    file_problem,
    hex_bytes,
    parse_args,
    read_input,
    store_error,
    submit,
    view_of,
)
from smechain.cli.render import dumps
from smechain.core.block import header_hash
from smechain.core.crypto import get_suite
from smechain.core.encoding import INT_MAX, decode, encode
from smechain.core.errors import DecodeError
from smechain.core.proof import TxProof, verify_tx_proof
from smechain.node.consortium import ConfigError, load_consortium, write_keys
from smechain.node.ledger import NotCommitted
from smechain.node.node import STORE_FILE, Node
from smechain.node.verify import verify_chain
from smechain.storage.sqlite import SqliteStore

app = typer.Typer(help="smechain: a consortium ledger for SME finance.", no_args_is_help=True,
                  pretty_exceptions_enable=False)

DataDir = Annotated[Path, typer.Option("--data", help="The node's data folder.")]


@app.command()
def init(
    config: Annotated[Path, typer.Option(help="Consortium TOML (see examples/consortium.toml).")],
    data: DataDir,
    cutters: Annotated[int, typer.Option(help="Orderer keys to name in genesis (1 to 5).")] = 1,
    nats_server: Annotated[list[str] | None, typer.Option(
        help="A NATS server as peers dial it, HOST[:PORT[:ROUTE_PORT]] (1, 3 or 5 of them): "
             "writes each server's config, certificate and key.")] = None,
    cutter_org: Annotated[list[str] | None, typer.Option(
        help="An organisation whose peer cuts blocks (its NATS user may append blocks and "
             "take the lease); the first --cutters organisations if none is given.")] = None,
) -> None:
    """Create a consortium's genesis block and key files in a new data folder.

    Also writes ``genesis.block``: the file every consortium peer starts from;
    and the ordering service's access files (``access/``: the consortium CA, a
    TLS certificate and NKey for each organisation and the operator; with
    ``--nats-server``, each server's folder ``nats-N/`` and the operator's
    ``ordering.toml``).
    """
    from smechain.ordering.access import Role
    from smechain.ordering.jetstream import Names
    from smechain.ordering.natsserver import parse_server_address, write_deployment

    check_int(cutters, "--cutters", 1, 5)
    if len(nats_server or []) not in (0, 1, 3, 5):
        fail(f"--nats-server: {len(nats_server or [])} given; a NATS cluster has 1, 3 or 5 "
             "servers")
    try:
        hosts = [parse_server_address(text) for text in nats_server or []]
    except ValueError as exc:
        fail(f"--nats-server: {exc}")
    if data.exists() and not data.is_dir():
        fail(f"--data: {data} is a file, not a folder")
    if (data / STORE_FILE).exists():
        fail(f"--data: {data} already holds a chain")
    try:
        read_input(config, "--config").decode()
    except UnicodeDecodeError as exc:
        fail(f"--config: {config}: not UTF-8 text (byte {exc.start})")
    try:
        consortium = load_consortium(config, int(time.time() * 1000), cutters)
    except ConfigError as exc:
        fail(f"--config: {exc}")
    except OSError as exc:  # changed since it was read
        fail(f"--config: {config}: {file_problem(exc)}")
    except (TypeError, ValueError) as exc:  # a value of the wrong type the checks let through
        fail(f"--config: {config}: not a usable consortium file ({exc})")
    org_ids = [o.id for o in consortium.genesis.orgs]
    chosen = list(cutter_org or org_ids[:cutters])
    for org in chosen:
        if org not in org_ids:
            fail(f"--cutter-org: {org!r} is not an organisation of {config}")
    try:
        data.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"--data: {data}: {file_problem(exc, 'created')}")
    try:
        write_keys(consortium, data)
        members = {o: Role.CUTTER if o in chosen else Role.PEER for o in org_ids}
        write_deployment(data, Names(consortium.genesis.chain_id), members, hosts)
        node = Node.create(data, consortium.genesis, consortium.orderer)
        try:
            (data / "genesis.block").write_bytes(node.store.block_bytes(0) or b"")
        finally:
            node.close()
    except OSError as exc:
        fail(f"--data: {exc.filename or data}: {file_problem(exc, 'written')}")
    except sqlite3.Error as exc:
        fail(store_error(data, exc))
    g = consortium.genesis
    typer.echo(f"chain {g.chain_id!r} ({g.suite}) created in {data} with {len(g.orgs)} "
               f"organisations; keys in {data / 'keys'}; ordering service access in "
               f"{data / 'access'} (cutters: {', '.join(chosen)})"
               + (f"; NATS server folders {data}/nats-1..{len(hosts)}, operator config "
                  f"{data / 'ordering.toml'}" if hosts else ""))


@app.command()
def tx(
    data: DataDir,
    contract: Annotated[str, typer.Argument(help="Contract, e.g. cash.")],
    action: Annotated[str, typer.Argument(help="Action, e.g. transfer.")],
    key: Annotated[Path, typer.Option(help="Sender's key file.")],
    args: Annotated[str, typer.Option(help='Arguments as a JSON object; "0x…" strings are bytes.')]
    = "{}",
    cosign: Annotated[list[Path] | None, typer.Option(help="Co-signers' key files.")] = None,
    expiry: Annotated[int, typer.Option(help="Last height that may include it (0: none).")] = 0,
) -> None:
    """Check a transaction, sign it, commit it on the embedded node and print its receipt."""
    submit(data, contract, action, parse_args(args), key, cosign or [], expiry)


@app.command()
def query(
    data: DataDir,
    key: Annotated[str, typer.Argument(help="State key, e.g. cash/balance/CNY/sme-1.")] = "",
    prefix: Annotated[bool, typer.Option(help="List every key starting with KEY.")] = False,
) -> None:
    """Print committed state at a key (or under a prefix) as JSON."""
    view = view_of(data)
    if prefix:
        typer.echo(dumps(dict(view.scan(key))))
        return
    if not key:
        fail("KEY: give a state key, or --prefix to list")
    value = view.query(key)
    if value is None:
        fail(f"KEY: nothing stored at {key!r}", 1)
    typer.echo(dumps(value))


@app.command()
def block(
    data: DataDir,
    height: Annotated[int | None, typer.Argument(
        help="Block height (the latest when left out).", show_default=False)] = None,
) -> None:
    """Print a block's header, transactions' hashes and receipts as JSON."""
    if height is not None and height != -1:  # -1 (after --): the latest, as it used to be
        check_int(height, "HEIGHT", 0, INT_MAX, "a height")
    view = view_of(data)
    try:
        b = view.block(view.height() if height is None or height == -1 else height)
    except NotCommitted as exc:
        fail(str(exc), 1)
    typer.echo(dumps({"hash": header_hash(view.suite, b.header), "header": b.header,
                      "signature": b.signature, "receipts": b.receipts}))


@app.command()
def proof(
    data: DataDir,
    tx_hash: Annotated[str, typer.Argument(help="Transaction hash (hex).")],
    out: Annotated[Path | None, typer.Option(help="Also write the proof's bytes here.")] = None,
) -> None:
    """Print a transaction's inclusion proof (Merkle paths and the signed header)."""
    view = view_of(data)
    try:
        p = view.proof(hex_bytes(tx_hash, "TX_HASH"))
    except NotCommitted as exc:
        fail(str(exc), 1)
    if out is not None:
        try:
            out.write_bytes(encode(p))
        except (OSError, ValueError) as exc:
            fail(f"--out: {out}: {file_problem(exc, 'written')}")
    typer.echo(dumps(p))


@app.command("check-proof")
def check_proof(
    proof_file: Annotated[Path, typer.Argument(help="Proof bytes written by `proof --out`.")],
    orderer_key: Annotated[list[str], typer.Option(help="Trusted orderer public key (hex).")],
    suite: Annotated[str, typer.Option(help="ed25519 or sm2.")] = "ed25519",
) -> None:
    """Check a proof offline against trusted orderer keys: no ledger needed."""
    try:
        crypto = get_suite(suite)
    except ValueError as exc:
        fail(f"--{exc}")
    try:
        p = decode(read_input(proof_file, "PROOF_FILE"), TxProof)
    except DecodeError as exc:
        fail(f"PROOF_FILE: {exc}", 1)
    reason = verify_tx_proof(crypto, p, [hex_bytes(k, "--orderer-key") for k in orderer_key])
    if reason:
        fail(f"proof does not hold: {reason}", 1)
    typer.echo(f"proof holds: tx at index {p.index} of block {p.header.height}, "
               f"receipt {p.receipt.code!r}")


@app.command()
def verify(data: DataDir) -> None:
    """Re-walk the chain: hashes, Merkle roots, signatures, re-execution, state rows."""
    path = data / STORE_FILE
    if not path.exists():
        fail(f"--data: {data} holds no chain")
    try:
        store = SqliteStore(path, readonly=True)
    except sqlite3.Error as exc:
        fail(store_error(data, exc))
    try:
        report = verify_chain(store, workers=None)
    except sqlite3.Error as exc:
        typer.echo(f"CORRUPT: {path} cannot be read to the end ({exc})", err=True)
        raise typer.Exit(1) from None
    if not report.ok:
        typer.echo(f"CORRUPT at height {report.height}: {report.problem}", err=True)
        raise typer.Exit(1)
    typer.echo(f"intact: {report.blocks} blocks, {report.transactions} transactions")


@app.command()
def demo(
    serve: Annotated[bool, typer.Option(help="Serve the portal after seeding.")] = True,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Portal port on 127.0.0.1.")] = 8000,
    folder: Annotated[Path | None, typer.Option(
        help="Where to keep the demo's chain: a new or empty folder (default: a new "
             "/tmp/smechain-demo-* folder). It is kept after the demo.",
        show_default=False)] = None,
) -> None:
    """Seed the demo consortium on the embedded node, check it, and serve its portal."""
    from smechain.cli.demo import run_demo

    if serve:  # before seeding, which takes seconds and leaves a folder behind
        check_port("127.0.0.1", port)
    if folder is not None:
        if folder.exists() and not folder.is_dir():
            fail(f"--folder: {folder} is a file, not a folder")
        if folder.is_dir() and any(folder.iterdir()):
            fail(f"--folder: {folder} is not empty; the demo seeds a new chain in a new or "
                 "empty folder")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            fail(f"--folder: {folder}: {file_problem(exc, 'created')}")
    sys.exit(run_demo(folder, serve=serve, port=port))


@app.command()
def serve(
    data: DataDir,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    admin_password: Annotated[str | None, typer.Option(
        envvar="SMECHAIN_ADMIN_PASSWORD",
        help="Create user 'admin' with this password in every organisation whose key is "
             "in DATA/keys (first start).")] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    trusted_proxy: Annotated[str | None, typer.Option(
        help="Comma-separated addresses or networks of reverse proxies whose "
             "X-Forwarded-For names the client (sign-in limits count per client "
             "address). Default: none; the connection's own address counts.")] = None,
) -> None:
    """Serve the HTTP API and portal for an embedded node's organisations."""
    from smechain.cli.serve import run_serve

    run_serve(data, host, port, admin_password, log_level, trusted_proxy)


def _mount() -> None:
    """Each module's commands (``smechain <module> ...``), then the deployment's."""
    from smechain.cli import cluster
    from smechain.modules import parts

    for module, cli in parts.each("cli"):
        app.add_typer(cli.app, name=module.name)
    app.add_typer(cluster.cluster_app, name="cluster")
    app.add_typer(cluster.peer_app, name="peer")
    app.add_typer(cluster.ordering_app, name="ordering")


_mount()

if __name__ == "__main__":
    app()
