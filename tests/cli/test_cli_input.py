"""Hostile input to every command: a path that is not a usable file, an integer out of range,
a damaged ledger. Each is an error naming the argument and why, never a traceback, and
nothing is stored. Also: what ``invoice import`` prints is ``--args`` as is."""

from __future__ import annotations

import builtins
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
import typer
from typer.testing import CliRunner, Result

from shared_data import DATA
from smechain.cli import common
from smechain.cli.common import INT_MAX, parse_args
from smechain.cli.main import app
from smechain.cli.render import as_args

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "consortium.toml"
EINVOICE = DATA / "einvoice" / "en16931"
CII = EINVOICE / "cii" / "CII_example1.xml"
runner = CliRunner()


def run(*args: object) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def refused(result: Result, *names: str, code: int | tuple[int, ...] = 2) -> str:
    """The output of a clean refusal that names each of ``names``."""
    out = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"escaped: {result.exception!r}\n{out}")
    assert result.exit_code in ((code,) if isinstance(code, int) else code), out
    assert "Traceback" not in out
    for name in names:
        assert name in out, out
    return out


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("chain") / "chain"
    assert run("init", "--config", EXAMPLE, "--data", data).exit_code == 0
    result = run("tx", "--data", data, "cash", "issue", "--key", data / "keys" / "pboc.key",
                 "--args", json.dumps({"currency": "CNY", "to": "core-a", "amount": 500}))
    assert result.exit_code == 0, result.output
    return data


def _stored(data: Path) -> tuple[str, int]:
    """What a refusal must leave as it was: the latest block and the ledger file's size."""
    return run("block", "--data", data).output, (data / "ledger.sqlite").stat().st_size


@pytest.fixture
def nothing_may_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refusal that did not happen must not serve, start a network or open a ledger."""
    from smechain.cli import cluster, demo, serve
    from smechain.node.node import Node
    from smechain.node.peer import Peer

    def forbidden(*args: object, **kwargs: object) -> Any:
        raise AssertionError("the command went ahead")

    for module, name in [(cluster, "create_cluster"), (cluster, "start_cluster"),
                         (demo, "run_demo"), (serve, "serve")]:
        monkeypatch.setattr(module, name, forbidden)
    monkeypatch.setattr(Node, "open", forbidden)
    monkeypatch.setattr(Node, "create", forbidden)
    monkeypatch.setattr(Peer, "open", forbidden)


# --------------------------------------------------------------------------- bad files

def _dir(tmp: Path) -> Path:
    (tmp / "a-dir").mkdir()
    return tmp / "a-dir"


def _missing(tmp: Path) -> Path:
    return tmp / "missing"


def _under_a_file(tmp: Path) -> Path:
    (tmp / "plain").write_text("x")
    return tmp / "plain" / "inside"


def _binary(tmp: Path) -> Path:
    (tmp / "binary").write_bytes(b"\xff\xfe\x00\x81 not text \xc3")
    return tmp / "binary"


def _empty(tmp: Path) -> Path:
    (tmp / "empty").write_bytes(b"")
    return tmp / "empty"


def _device(tmp: Path) -> Path:
    return Path("/dev/zero")  # endless: the read is bounded


BAD_FILES: dict[str, Callable[[Path], Path]] = {
    "directory": _dir, "missing": _missing, "under-a-file": _under_a_file,
    "binary": _binary, "empty": _empty, "device": _device,
}

Case = Callable[[Path, Path, Path], list[object]]
"""(chain, a private copy of it, the bad path) -> the command line."""

_PEER_TOML = """org = "sme-1"
data = "{data}"
servers = ["nats://127.0.0.1:1"]
org_key = "{org_key}"
orderer_key = "{orderer_key}"
genesis = "{genesis}"
"""


def _nats_table(chain: Path, org: str, field: str, bad: Path) -> str:
    """A ``[nats]`` table naming ``org``'s access files from ``init``, ``field`` replaced."""
    access = chain / "access"
    files = {"ca": access / "ca.pem", "cert": access / f"{org}.pem",
             "key": access / f"{org}-key.pem", "seed": access / f"{org}.nk", field: bad}
    return "[nats]\n" + "".join(f'{k} = "{v}"\n' for k, v in files.items())


def _peer_nats(field: str) -> Case:
    def case(chain: Path, copy: Path, bad: Path) -> list[object]:
        paths = {"data": copy.parent / "peer", "org_key": chain / "keys" / "sme-1.key",
                 "orderer_key": chain / "keys" / "orderer.key",
                 "genesis": chain / "genesis.block"}
        config = copy.parent / "peer.toml"
        config.write_text(_PEER_TOML.format(**paths) + _nats_table(chain, "sme-1", field, bad))
        return ["peer", "run", "--config", config]
    return case


def _operator_nats(field: str) -> Case:
    def case(chain: Path, copy: Path, bad: Path) -> list[object]:
        config = copy.parent / "ordering.toml"
        config.write_text(f'servers = ["nats://127.0.0.1:1"]\ngenesis = "{chain}/genesis.block"\n'
                          + _nats_table(chain, "operator", field, bad))
        return ["ordering", "setup", "--config", config]
    return case


def _peer(field: str) -> Case:
    def case(chain: Path, copy: Path, bad: Path) -> list[object]:
        paths = {"data": copy.parent / "peer", "org_key": chain / "keys" / "sme-1.key",
                 "orderer_key": chain / "keys" / "orderer.key",
                 "genesis": chain / "genesis.block", field: bad}
        config = copy.parent / "peer.toml"
        config.write_text(_PEER_TOML.format(**paths))
        return ["peer", "run", "--config", config]
    return case


def _replace(target: Path, bad: Path) -> None:
    """Put what ``bad`` is (a file, a directory, a symlink to a device) at ``target``."""
    target.unlink()
    if bad.is_dir():
        target.mkdir()
    elif bad.exists():
        target.symlink_to(bad)


def _orderer_key_of_copy(chain: Path, copy: Path, bad: Path) -> list[object]:
    _replace(copy / "keys" / "orderer.key", bad)
    return ["tx", "--data", copy, "cash", "issue", "--key", chain / "keys" / "pboc.key"]


def _serve_orderer_key(chain: Path, copy: Path, bad: Path) -> list[object]:
    _replace(copy / "keys" / "orderer.key", bad)
    return ["serve", "--data", copy, "--port", "1"]


def _cluster_file(command: str) -> Case:
    def case(chain: Path, copy: Path, bad: Path) -> list[object]:
        folder = copy.parent / "net"
        folder.mkdir()
        if bad.is_dir():
            (folder / "cluster.json").mkdir()
        elif bad.exists():
            (folder / "cluster.json").symlink_to(bad)
        else:
            return ["cluster", command, "--dir", bad]
        return ["cluster", command, "--dir", folder]
    return case


TX = ["cash", "issue", "--args", '{"currency": "CNY", "to": "core-a", "amount": 1}']

# The name each refusal gives, and the command lines (skipped file kinds after the name).
FILE_CASES: dict[str, tuple[str, Case, tuple[str, ...]]] = {
    "tx --key": ("--key", lambda c, d, b: ["tx", "--data", d, *TX, "--key", b], ()),
    "tx --cosign": ("--cosign", lambda c, d, b: [
        "tx", "--data", d, *TX, "--key", c / "keys" / "pboc.key", "--cosign", b], ()),
    "receivable --key": ("--key", lambda c, d, b: [
        "receivable", "confirm", "--data", d, "--key", b, "--args", '{"id": "x"}'], ()),
    "invoice import --key": ("--key", lambda c, d, b: [
        "invoice", "import", CII, "--data", d, "--key", b], ()),
    "orderer key in --data": ("--data", _orderer_key_of_copy, ("missing", "under-a-file")),
    "serve: orderer key in --data": ("--data", _serve_orderer_key,
                                     ("missing", "under-a-file")),
    "check-proof PROOF_FILE": ("PROOF_FILE", lambda c, d, b: [
        "check-proof", b, "--orderer-key", "00"], ()),
    "init --config": ("--config", lambda c, d, b: [
        "init", "--config", b, "--data", d.parent / "new"], ()),
    "peer run --config": ("--config", lambda c, d, b: ["peer", "run", "--config", b], ()),
    "peer config org_key": ("org_key", _peer("org_key"), ()),
    "peer config orderer_key": ("orderer_key", _peer("orderer_key"), ()),
    "peer config genesis": ("genesis", _peer("genesis"), ()),
    **{f"peer config nats.{f}": (f"nats.{f}", _peer_nats(f), ()) for f in ("ca", "cert", "key",
                                                                           "seed")},
    "ordering setup --config": ("--config", lambda c, d, b: [
        "ordering", "setup", "--config", b], ()),
    **{f"ordering.toml nats.{f}": (f"nats.{f}", _operator_nats(f), ()) for f in ("ca", "seed")},
    "cluster status: cluster.json": ("--dir", _cluster_file("status"), ()),
    "cluster down: cluster.json": ("--dir", _cluster_file("down"), ()),
    "cluster up: cluster.json": ("--dir", _cluster_file("up"), ("missing", "under-a-file")),
    # Document files are read by the importer; it bounds nothing, so no device here.
    "invoice import FILE": ("FILE", lambda c, d, b: ["invoice", "import", b], ("device",)),
    "invoice verify FILE": ("FILE", lambda c, d, b: [
        "invoice", "verify", b, "--data", d], ("device",)),
}


def _cases() -> Iterator[Any]:
    for case, (name, build, skip) in FILE_CASES.items():
        for kind in BAD_FILES:
            if kind not in skip:
                yield pytest.param(name, build, kind, id=f"{case}-{kind}")


@pytest.mark.parametrize(("name", "build", "kind"), list(_cases()))
def test_a_path_that_is_no_usable_file_is_refused_naming_it(
        chain: Path, tmp_path: Path, nothing_may_start: None, name: str, build: Case,
        kind: str) -> None:
    copy = tmp_path / "chain"
    shutil.copytree(chain, copy, ignore=shutil.ignore_patterns("LOCK"))
    before = _stored(copy)
    bad = BAD_FILES[kind](tmp_path)
    argv = build(chain, copy, bad)
    out = refused(run(*argv), name, code=(1, 2))
    error = out[out.index("error: "):]  # `invoice import` prints the anchor before anchoring
    assert error.count("\n") == 1 and len(error) < 400, out
    assert _stored(copy) == before
    assert not (tmp_path / "new").exists() and not (tmp_path / "peer").exists()


def test_the_kind_of_problem_is_said(chain: Path, tmp_path: Path) -> None:
    key = ["tx", "--data", chain, *TX, "--key"]
    assert "a directory, not a file" in refused(run(*key, _dir(tmp_path)), "--key")
    assert "no such key file" in refused(run(*key, _missing(tmp_path)), "--key")
    assert "more than 65536 bytes" in refused(run(*key, "/dev/zero"), "--key")
    assert "not UTF-8 text" in refused(run("init", "--config", _binary(tmp_path), "--data",
                                           tmp_path / "new"), "--config")
    out = refused(run("check-proof", "/dev/zero", "--orderer-key", "00"), "PROOF_FILE")
    assert f"more than {common.MAX_INPUT} bytes" in out


@pytest.fixture
def unreadable(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """Make a file unreadable as for a user without permission (root reads through 000)."""
    denied: set[str] = set()
    real_open = builtins.open

    def fake_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file) in denied:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    def deny(path: Path) -> None:
        denied.clear()
        denied.add(str(path))

    monkeypatch.setattr(common, "open", fake_open, raising=False)
    return deny


def test_a_file_without_permission_is_refused_naming_it(
        chain: Path, tmp_path: Path, unreadable: Callable[[Path], None]) -> None:
    argv: list[object]
    for name, argv in [
        ("--key", ["tx", "--data", chain, *TX, "--key", chain / "keys" / "pboc.key"]),
        ("--cosign", ["tx", "--data", chain, *TX, "--key", chain / "keys" / "pboc.key",
                      "--cosign", chain / "keys" / "bank-a.key"]),
        ("--config", ["init", "--config", EXAMPLE, "--data", tmp_path / "new"]),
        ("PROOF_FILE", ["check-proof", chain / "genesis.block", "--orderer-key", "00"]),
    ]:
        before = _stored(chain)
        unreadable(Path(str(argv[argv.index(name) + 1] if name != "PROOF_FILE" else argv[1])))
        out = refused(run(*argv), name)
        assert "permission denied" in out, out
        assert _stored(chain) == before
    assert not (tmp_path / "new").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files of mode 000")
def test_a_mode_000_file_is_refused(chain: Path, tmp_path: Path) -> None:
    key = tmp_path / "k.key"
    shutil.copy(chain / "keys" / "pboc.key", key)
    key.chmod(0)
    assert "permission denied" in refused(run("tx", "--data", chain, *TX, "--key", key),
                                          "--key")


@pytest.mark.parametrize("kind", ["directory", "missing-folder", "under-a-file"])
def test_proof_out_that_cannot_be_written_is_refused(chain: Path, tmp_path: Path,
                                                    kind: str) -> None:
    block = json.loads(run("block", "--data", chain, "1").output)
    tx_hash = block["receipts"][0]["tx_hash"]
    out_path = {"directory": _dir(tmp_path), "missing-folder": tmp_path / "no" / "p.bin",
                "under-a-file": _under_a_file(tmp_path)}[kind]
    refused(run("proof", "--data", chain, tx_hash, "--out", out_path), "--out")


@pytest.mark.parametrize("doc", [
    'chain_id = "c"\norgs = [{id = "a", roles = [["sme"]]}]\n[governance]\nadmins = ["a"]',
    'chain_id = "c"\norgs = [{id = "a", roles = ["sme"]}]\n[governance]\nadmins = [{x = 1}]',
    "not = toml = at all",
    'chain_id = "c"\norgs = 5',
])
def test_init_with_a_config_of_the_wrong_shape_is_refused(tmp_path: Path, doc: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(doc)
    refused(run("init", "--config", config, "--data", tmp_path / "new"), "--config")
    assert not (tmp_path / "new").exists()


def test_init_into_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    assert "not a folder" in refused(run("init", "--config", EXAMPLE, "--data",
                                         tmp_path / "f"), "--data")


@pytest.mark.parametrize("content", ["{", "[]", '{"chain_id": "c"}', '{"servers": 5}'])
def test_a_damaged_cluster_file_is_refused(tmp_path: Path, content: str) -> None:
    (tmp_path / "cluster.json").write_text(content)
    for command in ("status", "down", "up"):
        assert "cluster.json" in refused(run("cluster", command, "--dir", tmp_path), "--dir")


def test_a_peer_config_that_is_not_toml_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "peer.toml"
    config.write_text("org = ")
    assert "not valid TOML" in refused(run("peer", "run", "--config", config), "--config")
    config.write_text('org = "a"')
    assert "servers: missing" in refused(run("peer", "run", "--config", config), "--config")


# --------------------------------------------------------------------------- damaged ledgers

@pytest.mark.parametrize("damage", ["directory", "garbage"])
def test_a_ledger_file_sqlite_cannot_open_is_a_data_error(chain: Path, tmp_path: Path,
                                                          damage: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(chain / "keys", data / "keys")
    if damage == "directory":
        (data / "ledger.sqlite").mkdir()
    else:
        (data / "ledger.sqlite").write_bytes(b"garbage, not SQLite" * 10)
    for argv in (["query", "--data", data, "x"], ["block", "--data", data],
                 ["verify", "--data", data], ["receivable", "show", "x", "--data", data],
                 ["tx", "--data", data, *TX, "--key", chain / "keys" / "pboc.key"],
                 ["serve", "--data", data, "--port", "1"]):
        assert "ledger.sqlite" in refused(run(*argv), "--data")


# --------------------------------------------------------------------------- integers

def _commands() -> Iterator[tuple[list[str], Any]]:
    def walk(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                yield from walk(sub, [*path, name])
        else:
            yield path, command
    yield from walk(typer.main.get_command(app), [])


def _is_int(param: Any) -> bool:
    annotation = param.type_descriptor.annotation
    return annotation is int or int in get_args(annotation)


INT_PARAMS = [(path, p.name) for path, c in _commands() for p in c.params if _is_int(p)]

# Values for what else each command needs, by parameter name.
REQUIRED: dict[str, Callable[[Path, Path], object]] = {
    "config": lambda chain, new: EXAMPLE, "data": lambda chain, new: chain,
    "contract": lambda chain, new: "cash", "action": lambda chain, new: "issue",
    "key": lambda chain, new: chain / "keys" / "pboc.key", "folder": lambda chain, new: new,
    "out": lambda chain, new: new / "model.json", "date": lambda chain, new: "2026-03-02",
}


def test_every_integer_parameter_is_known() -> None:
    """A new integer option is covered below by walking the commands; this names them."""
    assert sorted((" ".join(path), name) for path, name in INT_PARAMS) == [
        ("block", "height"), ("calendar add", "days"), ("calendar show", "year"),
        ("cluster up", "orgs"), ("credit generate", "orgs"),
        ("credit generate", "seed"), ("credit train", "rows"), ("demo", "port"),
        ("init", "cutters"), ("serve", "port"), ("tx", "expiry")]


@pytest.mark.parametrize("value", [2**63, 2**64, 99999999999999999999999, 10**40,
                                   -(2**63) - 1, -(2**64), -2, "9" * 5000])
@pytest.mark.parametrize(("path", "name"), INT_PARAMS,
                         ids=[f"{' '.join(p)}-{n}" for p, n in INT_PARAMS])
def test_every_integer_parameter_is_range_checked_naming_it(
        chain: Path, tmp_path: Path, nothing_may_start: None, path: list[str], name: str,
        value: object) -> None:
    command = dict((tuple(p), c) for p, c in _commands())[tuple(path)]
    new = tmp_path / "new"
    options: list[object] = []
    positional: list[object] = []
    for p in command.params:
        if p.name == name:
            given: object = value
            param = p
        elif p.required:
            assert p.name in REQUIRED, f"give {' '.join(path)} a value for {p.name}"
            given = REQUIRED[p.name](new if path == ["init"] else chain, new)
        else:
            continue
        if p.param_type_name == "argument":
            positional.append(given)
        else:
            options.append(f"{p.opts[0]}={given}")
    assert f"={value}" in " ".join(map(str, options)) or value in positional
    before = _stored(chain)
    out = refused(run(*path, *options, "--", *positional))
    shown = param.opts[0] if param.param_type_name == "option" else param.name
    assert shown.lower() in out.lower(), out
    assert _stored(chain) == before
    assert not new.exists()


def test_block_height_at_the_edges(chain: Path) -> None:
    latest = run("block", "--data", chain)
    assert latest.exit_code == 0 and json.loads(latest.output)["header"]["height"] == 1
    assert run("block", "--data", chain, "--", "-1").output == latest.output
    assert run("block", "--data", chain, "1").output == latest.output
    out = refused(run("block", "--data", chain, str(INT_MAX)), "height", code=1)
    assert "no block" in out
    assert "HEIGHT" in refused(run("block", "--data", chain, str(INT_MAX + 1)))


# --------------------------------------------------------------------------- invoice import

def test_what_invoice_import_prints_is_args_as_is(chain: Path, tmp_path: Path) -> None:
    if not CII.exists():
        pytest.skip(f"{CII} not present")
    data = tmp_path / "chain"
    shutil.copytree(chain, data, ignore=shutil.ignore_patterns("LOCK"))
    printed = run("invoice", "import", CII)
    assert printed.exit_code == 0, printed.output
    anchor = json.loads(printed.output)["anchor"]
    assert anchor["digest"].startswith("0x") and len(anchor["digest"]) == 2 + 64
    result = run("tx", "--data", data, "invoice", "anchor", "--key", data / "keys" / "tax.key",
                 "--args", json.dumps(anchor))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["receipt"]["code"] == "ok"
    verified = run("invoice", "verify", CII, "--data", data)
    assert verified.exit_code == 0 and "matches the anchor" in verified.output, verified.output


def test_as_args_round_trips_through_parse_args() -> None:
    value = {"digest": b"\x00\xff" * 16, "n": 5, "s": "text", "list": [b"\x01", {"b": b""}]}
    assert parse_args(json.dumps(as_args(value))) == value
