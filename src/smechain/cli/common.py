"""What the command line's commands share: errors, opening a ledger, submitting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

import typer

from smechain.cli.render import dumps
from smechain.client import sign_tx
from smechain.core.errors import DecodeError
from smechain.node.keys import KeyFileError, load_key
from smechain.node.ledger import LedgerEmpty, LedgerView
from smechain.node.node import STORE_FILE, BadTransaction, FolderInUse, Node, NodeConfig
from smechain.ordering.cutter import CutterConfig
from smechain.storage.sqlite import SqliteStore


def fail(message: str, code: int = 2) -> NoReturn:
    """Print an error naming the field and stop with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def view_of(data: Path) -> LedgerView:
    path = data / STORE_FILE
    if not path.exists():
        fail(f"--data: {data} holds no chain (run `smechain init`)")
    try:
        return LedgerView(SqliteStore(path, readonly=True))
    except (LedgerEmpty, DecodeError) as exc:
        fail(f"--data: {exc}")


def submit(data: Path, contract: str, action: str, args: dict[str, Any], key: Path,
           cosign: list[Path], expiry: int = 0) -> None:
    """Sign with the key files, commit on the embedded node, print the receipt."""
    if not 0 <= expiry <= INT_MAX:
        fail(f"--expiry: {_shown(expiry)} is not a height from 0 to {INT_MAX}")
    try:
        keys = [load_key(key)] + [load_key(p) for p in cosign]
        orderer = load_key(data / "keys" / "orderer.key")
    except KeyFileError as exc:
        fail(f"--key: {exc}")
    if not (data / STORE_FILE).exists():
        fail(f"--data: {data} holds no chain (run `smechain init`)")
    try:
        node = Node.open(data, orderer, NodeConfig(CutterConfig(max_wait_ms=0), verify_workers=0))
    except FolderInUse as exc:
        fail(f"--data: {exc}")
    with node:
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


def hex_bytes(value: str, field: str) -> bytes:
    try:
        return bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        fail(f"{field}: {value!r} is not hexadecimal")


# Every integer the ledger encodes is a signed 64-bit word (the API's ``Int64`` too).
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


class _LongInt(str):
    """A JSON integer literal too long to be a ledger integer, kept as its text: Python
    refuses to convert past 4300 digits, and the error must name the field."""


def _json_int(text: str) -> int | _LongInt:
    return _LongInt(text) if len(text) > 21 else int(text)


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 48 else f"{text[:40]}... ({len(text)} characters)"


def parse_args(text: str) -> dict[str, Any]:
    """``--args``: a JSON object; ``"0x…"`` strings become bytes, nested too. Floats,
    integers beyond 64 bits and text that is not Unicode are refused naming the field."""
    try:
        args = json.loads(text, parse_int=_json_int)
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
            fail(f"--args: {where} is not valid Unicode (a lone surrogate escape)")
        return s

    def unhex(v: Any, where: str) -> Any:
        if isinstance(v, float):
            fail(f"--args: {where} is a float; amounts are integers in minor units")
        if isinstance(v, _LongInt) or (type(v) is int and not INT_MIN <= v <= INT_MAX):
            fail(f"--args: {where} is {_shown(v)}, beyond the ledger's 64-bit integers "
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
