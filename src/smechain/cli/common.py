"""What the command line's commands share: errors, opening a ledger, submitting."""

# No ``from __future__ import annotations``: Typer reads the generated commands' annotations,
# which name the closure's ``example``, so they are evaluated where they are written.

import errno
import json
import socket
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from smechain.cli.render import dumps
from smechain.cli.txcheck import Refused, check_args, refusal, resolve_action
from smechain.core.contract import Contract
from smechain.core.encoding import INT_MAX, INT_MIN, beyond_int64, parse_json_int, shown
from smechain.core.errors import DecodeError
from smechain.core.tx import TxBody, sign_tx
from smechain.node.keys import KeyFileError, KeyPair, load_key
from smechain.node.ledger import LedgerEmpty, LedgerView
from smechain.node.node import STORE_FILE, BadTransaction, FolderInUse, Node, NodeConfig
from smechain.ordering.cutter import CutterConfig
from smechain.storage.sqlite import SqliteStore


def fail(message: str, code: int = 2) -> NoReturn:
    """Print an error naming the field and stop with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


# Files named on the command line are read whole, so each is bounded: a device or a
# runaway file is refused rather than read until memory runs out.
MAX_INPUT = 16 * 2**20
MAX_KEY_FILE = 64 * 2**10


class InputTooLarge(ValueError):
    """A file longer than the command reads."""


def _read(path: Path, limit: int) -> bytes:
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise InputTooLarge(f"more than {limit} bytes long")
    return data


def file_problem(exc: Exception, doing: str = "read") -> str:
    """Why a file could not be ``doing`` ("read", "written"), in a few words; ``exc`` is what
    opening, reading or writing it raised."""
    if isinstance(exc, FileNotFoundError):
        return "no such file" if doing == "read" else "no such folder to hold it"
    if isinstance(exc, IsADirectoryError):
        return "a directory, not a file"
    if isinstance(exc, NotADirectoryError):
        return "a folder on its path is a file"
    if isinstance(exc, PermissionError):
        return f"cannot be {doing} (permission denied)"
    if isinstance(exc, OSError):
        return f"cannot be {doing} ({exc.strerror or exc})"
    return str(exc)  # InputTooLarge, or a path holding a NUL byte


def read_input(path: Path, name: str, limit: int = MAX_INPUT) -> bytes:
    """The bytes of file ``path`` given as ``name``; a missing file, a directory, one that
    cannot be read or one longer than ``limit`` bytes is an error naming ``name``."""
    try:
        return _read(path, limit)
    except (OSError, ValueError) as exc:
        fail(f"{name}: {path}: {file_problem(exc)}")


def read_key(path: Path) -> KeyPair:
    """``load_key``, with every file that cannot be read a ``KeyFileError`` too."""
    try:
        _read(path, MAX_KEY_FILE)
        return load_key(path)
    except FileNotFoundError:
        raise KeyFileError(f"{path}: no such key file") from None
    except (OSError, InputTooLarge) as exc:
        raise KeyFileError(f"{path}: {file_problem(exc)}") from None


def key_file(path: Path, name: str) -> KeyPair:
    """The key in file ``path`` given as ``name`` (--key, --cosign...); else an error."""
    try:
        return read_key(path)
    except KeyFileError as exc:
        fail(f"{name}: {exc}")


def check_int(value: int, name: str, low: int = 0, high: int = 2**63 - 1,
              what: str = "a number") -> int:
    """``value`` when ``low <= value <= high``; else an error naming ``name``."""
    if not low <= value <= high:
        fail(f"{name}: {shown(value)} is not {what} from {low} to {high}")
    return value


def check_port(host: str, port: int) -> None:
    """An error naming ``--port`` unless ``host:port`` can be listened on now (as the server
    will: with ``SO_REUSEADDR``), so a command fails before it does any work, not after."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        fail(f"--host: {host!r} is not an address to listen on ({exc.strerror})")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            why = "in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
            fail(f"--port: {host}:{port} cannot be listened on ({why}); choose another "
                 "with --port")


def store_error(data: Path, exc: sqlite3.Error) -> str:
    """The --data error for a ledger file SQLite cannot open or read."""
    return f"--data: {data / STORE_FILE} is not a readable ledger ({exc})"


def view_of(data: Path) -> LedgerView:
    path = data / STORE_FILE
    if not path.exists():
        fail(f"--data: {data} holds no chain (run `smechain init`)")
    try:
        return LedgerView(SqliteStore(path, readonly=True))
    except (LedgerEmpty, DecodeError) as exc:
        fail(f"--data: {exc}")
    except sqlite3.Error as exc:
        fail(store_error(data, exc))


def orderer_of(data: Path, instead: str) -> KeyPair:
    """The orderer key of the embedded node in ``data`` (``keys/orderer.key``), which seals
    its blocks. A folder without one is a served demo's (``smechain demo`` holds its key
    in memory) or a consortium peer's (the ordering service seals its blocks): the error
    says so and what to do ``instead``."""
    path = data / "keys" / "orderer.key"
    if not path.exists() and not path.is_symlink():
        fail(f"--data: {data} has no orderer key (keys/orderer.key): it is the folder of a "
             f"served demo or of a consortium peer, whose blocks only that server or peer "
             f"seals; {instead}")
    return key_file(path, "--data")


SUBMIT_ELSEWHERE = ("submit through its API (the portal, or POST /v1/transactions) or "
                    "`smechain peer`")


def submit(data: Path, contract: str, action: str, args: dict[str, Any], key: Path,
           cosign: list[Path], expiry: int = 0) -> None:
    """Check, sign with the key files, commit on the embedded node, print the receipt.

    Every command that sends a transaction comes through here. Before anything is
    signed the transaction is checked (``smechain.cli.txcheck``): its contract and
    action, its arguments against the action's type, and a run on the committed
    state as the API runs custodial calls (``Node.simulate``). A refusal is an
    error naming the option or argument at fault (exit 2), and nothing is stored.
    """
    check_int(expiry, "--expiry", 0, INT_MAX, "a height")
    keys = [key_file(key, "--key")] + [key_file(p, "--cosign") for p in cosign]
    if not (data / STORE_FILE).exists():
        fail(f"--data: {data} holds no chain (run `smechain init`)")
    orderer = orderer_of(data, SUBMIT_ELSEWHERE)
    try:
        node = Node.open(data, orderer, NodeConfig(CutterConfig(max_wait_ms=0), verify_workers=0))
    except (FolderInUse, LedgerEmpty, DecodeError) as exc:
        fail(f"--data: {exc}")
    except sqlite3.Error as exc:
        fail(store_error(data, exc))
    with node:
        signers = [k.public for k in keys]
        try:
            contract, action = resolve_action(node.runtime, contract, action)
            check_args(node.runtime, contract, action, args)
            probe = TxBody(node.chain_id, contract, action, args, signers, 1, expiry)
            simulated = node.simulate(probe)
            if not simulated.ok:
                raise refusal(simulated, bool(cosign))
        except Refused as exc:
            fail(str(exc))
        raw = sign_tx(node.chain_id, contract, action, args, keys,
                      node.nonce(keys[0].public) + 1, expiry)
        try:
            receipt = node.submit_and_wait(raw)
        except BadTransaction as exc:
            fail(str(exc))
        height, _ = node.locate(receipt.tx_hash)
    typer.echo(dumps({"height": height, "receipt": receipt}))
    if not receipt.ok:
        raise typer.Exit(1)


def contract_app(contract: Contract, help: str, examples: Mapping[str, str]) -> typer.Typer:
    """A module's ``smechain <module>`` commands: one per action of ``contract`` (``split``,
    ``mark-overdue``), which checks it (``submit``), signs it with ``--key`` (and
    ``--cosign``), commits it on the embedded node and prints the receipt; the module adds
    its own commands to the app.

    ``examples`` holds each action's ``--args`` as its help shows it.
    """
    app = typer.Typer(help=help, no_args_is_help=True)
    for action in contract.actions:
        _action_command(app, contract, action, examples.get(action))
    return app


def _action_command(app: typer.Typer, contract: Contract, action: str,
                    example: str | None) -> None:
    def command(
        data: Annotated[Path, typer.Option("--data", help="The node's data folder.")],
        key: Annotated[Path, typer.Option(help="Sender's key file.")],
        args: Annotated[str, typer.Option(help=f"JSON, e.g. {example}" if example
                                          else "Arguments as a JSON object.")],
        cosign: Annotated[list[Path] | None, typer.Option(help="Co-signers' key files.")] = None,
    ) -> None:
        submit(data, contract.name, action, parse_args(args), key, cosign or [])

    command.__doc__ = (contract.actions[action].handler.__doc__ or action).splitlines()[0]
    app.command(action.replace("_", "-"))(command)


def hex_bytes(value: str, field: str) -> bytes:
    try:
        return bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        fail(f"{field}: {value!r} is not hexadecimal")


def parse_args(text: str) -> dict[str, Any]:
    """``--args``: a JSON object; ``"0x…"`` strings become bytes, nested too. Floats,
    integers beyond 64 bits and text that is not Unicode are refused naming the field."""
    try:
        args = json.loads(text, parse_int=parse_json_int)
    except json.JSONDecodeError as exc:
        fail(f"--args: not valid JSON ({exc.msg} at column {exc.colno})")
    except RecursionError:
        fail("--args: nested too deeply")
    if not isinstance(args, dict):
        fail("--args: must be a JSON object")

    def utf8(s: str, where: str) -> str:
        try:
            s.encode()
        except UnicodeEncodeError:
            fail(f"--args.{where}: not valid Unicode (a lone surrogate escape)")
        return s

    def unhex(v: Any, where: str) -> Any:
        if isinstance(v, float):
            fail(f"--args.{where}: {v!r} is a float; amounts are integers in minor units")
        if beyond_int64(v):
            fail(f"--args.{where}: {shown(v)} is beyond the ledger's 64-bit integers "
                 f"({INT_MIN} to {INT_MAX})")
        if isinstance(v, str):
            utf8(v, where)
            if v.startswith("0x"):
                return hex_bytes(v, f"--args.{where}")
        if isinstance(v, list):
            return [unhex(x, f"{where}[{i}]") for i, x in enumerate(v)]
        if isinstance(v, dict):
            return {utf8(k, f"{where}.{k!a}"): unhex(x, f"{where}.{k}") for k, x in v.items()}
        return v

    try:
        return {utf8(k, ascii(k)): unhex(v, k) for k, v in args.items()}
    except RecursionError:
        fail("--args: nested too deeply")
