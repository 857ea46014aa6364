"""A consortium peer's config file and genesis file: what loads, and what is refused."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import msgspec
import pytest

from smechain.core.block import EMPTY_ROOT, Block, Receipt, genesis_digest
from smechain.core.chain import genesis_block, seal_block
from smechain.core.encoding import decode, encode
from smechain.core.genesis import encode_genesis
from smechain.core.tx import TxBody, make_tx, tx_digest
from smechain.modules import default_runtime
from smechain.node.consortium import Consortium, consortium_from_dict
from smechain.node.peer import PeerConfig, PeerConfigError, genesis_from_file
from smechain.ordering.cutter import CutterConfig

GOOD_TOML = """\
org = "org-1"
data = "."
servers = ["nats://127.0.0.1:4222", "nats://127.0.0.1:4223", "nats://127.0.0.1:4224"]
org_key = "../keys/org-1.key"
genesis = "../genesis.block"
orderer_key = "../keys/orderer.key"
store = "sqlite"
replicas = 3
verify_workers = 2
synchronous = "NORMAL"

[cutter]
max_txs = 100
max_wait_ms = 10
"""

GOOD: dict[str, Any] = {
    "org": "org-1",
    "data": "ledger",
    "servers": ["nats://127.0.0.1:4222"],
    "org_key": "keys/org-1.key",
    "genesis": "genesis.block",
}


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


# --- good configs ----------------------------------------------------------------------


def test_good_config_loads_with_paths_relative_to_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "peer-org-1"
    path = write(folder / "peer.toml", GOOD_TOML)
    config = PeerConfig.load(path)
    assert config.org == "org-1"
    assert config.servers == ["nats://127.0.0.1:4222", "nats://127.0.0.1:4223",
                              "nats://127.0.0.1:4224"]
    assert config.data.resolve() == folder.resolve()
    assert config.org_key.resolve() == (tmp_path / "keys" / "org-1.key").resolve()
    assert config.genesis.resolve() == (tmp_path / "genesis.block").resolve()
    assert config.orderer_key is not None
    assert config.orderer_key.resolve() == (tmp_path / "keys" / "orderer.key").resolve()
    assert (config.store, config.replicas, config.verify_workers, config.synchronous) == (
        "sqlite", 3, 2, "NORMAL"
    )
    assert config.cutter == CutterConfig(max_txs=100, max_wait_ms=10)


def test_relative_paths_do_not_depend_on_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "a" / "peer.toml", GOOD_TOML)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = PeerConfig.load(Path("..") / "a" / "peer.toml")
    assert config.data.resolve() == path.parent.resolve()
    assert config.genesis.resolve() == (tmp_path / "genesis.block").resolve()


def test_minimal_config_takes_the_defaults(tmp_path: Path) -> None:
    config = PeerConfig.from_dict(dict(GOOD), tmp_path)
    assert config.data == tmp_path / "ledger"
    assert config.org_key == tmp_path / "keys" / "org-1.key"
    assert config.genesis == tmp_path / "genesis.block"
    assert config.orderer_key is None
    assert (config.store, config.replicas, config.verify_workers, config.synchronous) == (
        "sqlite", 3, 1, "FULL"
    )
    assert config.cutter == CutterConfig()


def test_absolute_paths_stay_as_they_are(tmp_path: Path) -> None:
    data = tmp_path / "somewhere" / "data"
    config = PeerConfig.from_dict({**GOOD, "data": str(data)}, tmp_path / "base")
    assert config.data == data


@pytest.mark.parametrize(("key", "value"), [
    ("store", "postgresql://user@localhost/db"),
    ("store", "postgres://localhost/db"),
    ("replicas", 1),
    ("replicas", 5),
    ("verify_workers", 0),
    ("verify_workers", 64),
    ("synchronous", "FULL"),
    ("cutter", {}),
    ("cutter", {"max_txs": 1, "max_wait_ms": 0}),
])
def test_accepted_values(tmp_path: Path, key: str, value: Any) -> None:
    config = PeerConfig.from_dict({**GOOD, key: value}, tmp_path)
    got = getattr(config, key)
    assert got == (CutterConfig(**value) if key == "cutter" else value)


# --- bad configs -------------------------------------------------------------------------

DROP = object()
"""Take the key out of the config."""


@pytest.mark.parametrize(("key", "value"), [
    ("org", DROP),
    ("org", 7),
    ("data", DROP),
    ("org_key", DROP),
    ("genesis", DROP),
    ("genesis", ["genesis.block"]),
    ("orderer_key", 3),
    ("servers", DROP),
    ("servers", "nats://127.0.0.1:4222"),
    ("servers", {"url": "nats://127.0.0.1:4222"}),
    ("servers", []),
    ("servers", ["127.0.0.1:4222"]),
    ("servers", ["http://127.0.0.1:4222"]),
    ("servers", ["nats://127.0.0.1:4222", "nats:/127.0.0.1:4223"]),
    ("servers", ["nats://127.0.0.1:4222", 4223]),
    ("replicas", 2),
    ("replicas", 0),
    ("replicas", "3"),
    ("verify_workers", -1),
    ("verify_workers", 65),
    ("verify_workers", "x"),
    ("verify_workers", 1.5),
    ("verify_workers", True),
    ("store", "mysql://x"),
    ("store", "sqlite3"),
    ("store", 1),
    ("synchronous", "OFF"),
    ("synchronous", "full"),
    ("synchronous", 2),
    ("cutter", {"max_txs": 0}),
    ("cutter", {"max_wait_ms": -1}),
    ("cutter", {"max_txs": 100_001}),
    ("cutter", {"max_tx": 10}),
    ("cutter", {"max_txs": "10"}),
    ("cutter", "fast"),
    ("cutter", [100, 10]),
    ("cutter", 100),
])
def test_bad_value_is_refused_naming_the_field(tmp_path: Path, key: str, value: Any) -> None:
    doc = {**GOOD, "orderer_key": "keys/orderer.key"}
    if value is DROP:
        del doc[key]
    else:
        doc[key] = value
    with pytest.raises(PeerConfigError) as caught:
        PeerConfig.from_dict(doc, tmp_path)
    assert str(caught.value).startswith(f"{key}:"), str(caught.value)


def test_boolean_replicas_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PeerConfigError, match=r"^replicas:"):
        PeerConfig.from_dict({**GOOD, "replicas": True}, tmp_path)


@pytest.mark.parametrize("value", [2.5, True])
def test_non_integer_cutter_max_txs_is_refused(tmp_path: Path, value: Any) -> None:
    with pytest.raises(PeerConfigError, match=r"^cutter:"):
        PeerConfig.from_dict({**GOOD, "cutter": {"max_txs": value}}, tmp_path)


def test_bad_values_in_a_file_are_refused_naming_the_field(tmp_path: Path) -> None:
    for line, key in (('replicas = 2', "replicas"), ('synchronous = "OFF"', "synchronous"),
                      ('store = "mysql://x"', "store"), ('verify_workers = -1', "verify_workers"),
                      ('servers = "nats://127.0.0.1:4222"', "servers")):
        lines = [x for x in GOOD_TOML.splitlines() if not x.startswith(key + " ")]
        path = write(tmp_path / key / "peer.toml", "\n".join([line, *lines]) + "\n")
        with pytest.raises(PeerConfigError) as caught:
            PeerConfig.load(path)
        assert str(caught.value).startswith(f"{key}:"), str(caught.value)
    path = write(tmp_path / "cutter" / "peer.toml",
                 GOOD_TOML.replace("max_txs = 100", "max_txs = 0"))
    with pytest.raises(PeerConfigError, match=r"^cutter: max_txs"):
        PeerConfig.load(path)
    path = write(tmp_path / "no-org" / "peer.toml", GOOD_TOML.replace('org = "org-1"\n', ""))
    with pytest.raises(PeerConfigError, match=r"^org: missing"):
        PeerConfig.load(path)


def test_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "peer.toml"
    with pytest.raises(PeerConfigError) as caught:
        PeerConfig.load(path)
    assert str(caught.value).startswith(f"{path}:"), str(caught.value)


@pytest.mark.parametrize("text", [
    'org = "org-1',
    "org = \n",
    "[cutter\nmax_txs = 1\n",
    'org = "a"\norg = "b"\n',
    "= 3\n",
])
def test_invalid_toml_is_refused_naming_the_file(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "peer.toml", text)
    with pytest.raises(PeerConfigError) as caught:
        PeerConfig.load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:"), message
    assert "TOML" in message


def test_config_that_is_not_text_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "peer.toml", b'\xff\xfeorg = "org-1"\n')
    with pytest.raises(PeerConfigError, match="^" + re.escape(str(path))):
        PeerConfig.load(path)


def test_config_path_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PeerConfigError):
        PeerConfig.load(tmp_path)


# --- genesis_from_file -------------------------------------------------------------------

CONSORTIUM_DOC: dict[str, Any] = {
    "chain_id": "peer-config-test",
    "orgs": [
        {"id": "org-1", "roles": ["regulator", "cash_issuer"]},
        {"id": "org-2", "roles": ["bank"]},
    ],
    "governance": {"admins": ["org-1"], "add_org": 1, "suspend_org": 1, "readmit_org": 1,
                   "rekey_org": 1},
}


@pytest.fixture(scope="module", params=["ed25519", "sm2"])
def consortium(request: pytest.FixtureRequest) -> Consortium:
    return consortium_from_dict({**CONSORTIUM_DOC, "suite": request.param},
                                1_700_000_000_000, orderers=2)


def genesis_bytes(consortium: Consortium) -> bytes:
    """Block 0, made as ``create_cluster`` makes it."""
    first = consortium.orderer
    block, _ = genesis_block(first.crypto, default_runtime(), consortium.genesis,
                             (first.private, first.public))
    return encode(block)


def test_real_genesis_block_loads(tmp_path: Path, consortium: Consortium) -> None:
    data = genesis_bytes(consortium)
    path = write(tmp_path / "genesis.block", data)
    block, raw = genesis_from_file(path)
    assert raw == data
    assert encode(block) == data
    assert block.header.height == 0
    assert block.header.chain_id == "peer-config-test"
    assert block.header.orderer == consortium.orderer.public


def test_missing_genesis_file_names_genesis(tmp_path: Path) -> None:
    with pytest.raises(PeerConfigError, match=r"^genesis: .*does not exist"):
        genesis_from_file(tmp_path / "genesis.block")


@pytest.mark.parametrize("junk", [
    b"", b"junk", b"\x00" * 64, b"\xff" * 7, msgspec.msgpack.encode([1, 2, 3]),
    msgspec.msgpack.encode({"height": 0}),
])
def test_junk_genesis_file_names_genesis(tmp_path: Path, junk: bytes) -> None:
    path = write(tmp_path / "genesis.block", junk)
    with pytest.raises(PeerConfigError, match=r"^genesis:"):
        genesis_from_file(path)


def test_genesis_file_with_trailing_or_missing_bytes_names_genesis(
    tmp_path: Path, consortium: Consortium
) -> None:
    data = genesis_bytes(consortium)
    for changed in (data + b"\x00", data[:-1], data[: len(data) // 2]):
        path = write(tmp_path / "genesis.block", changed)
        with pytest.raises(PeerConfigError, match=r"^genesis:"):
            genesis_from_file(path)


def test_block_that_is_not_height_zero_names_genesis(tmp_path: Path,
                                                     consortium: Consortium) -> None:
    first = consortium.orderer
    suite = first.crypto
    key = (first.private, first.public)
    block0 = decode(genesis_bytes(consortium), Block)
    doc = encode_genesis(consortium.genesis)
    # Block 1 as a chain has it (no genesis document) ...
    plain = seal_block(suite, key, "peer-config-test", 1, bytes(32), block0.header.writes_hash,
                       1_700_000_000_001, [], [], {})
    # ... and block 1 carrying the genesis document, correctly signed.
    carrying = seal_block(suite, key, "peer-config-test", 1, genesis_digest(suite, doc),
                          EMPTY_ROOT, 1_700_000_000_001, [], [], {}, genesis=doc)
    for block in (plain, carrying):
        path = write(tmp_path / "genesis.block", encode(block))
        with pytest.raises(PeerConfigError, match=r"^genesis:"):
            genesis_from_file(path)
    path = write(tmp_path / "genesis.block", encode(carrying))
    with pytest.raises(PeerConfigError, match=r"^genesis: .*height"):
        genesis_from_file(path)


def test_genesis_not_signed_by_its_orderer_names_genesis(tmp_path: Path,
                                                         consortium: Consortium) -> None:
    block = decode(genesis_bytes(consortium), Block)
    stranger = consortium.orderer.crypto.keypair_from_seed(b"\x09" * 32)
    doc = block.genesis
    cases = {
        "signature": msgspec.structs.replace(block, signature=bytes(len(block.signature))),
        "orderer": seal_block(consortium.orderer.crypto, stranger, "peer-config-test", 0,
                              block.header.prev_hash, EMPTY_ROOT, block.header.timestamp_ms,
                              [], [], {}, genesis=doc),
        "prev_hash": msgspec.structs.replace(
            block, header=msgspec.structs.replace(block.header, prev_hash=bytes(32))),
    }
    for field, bad in cases.items():
        path = write(tmp_path / f"{field}.block", encode(bad))
        with pytest.raises(PeerConfigError, match=r"^genesis:") as caught:
            genesis_from_file(path)
        assert field in str(caught.value) or "signature" in str(caught.value), field


def test_signed_block_zero_with_transactions_names_genesis(tmp_path: Path,
                                                           consortium: Consortium) -> None:
    first = consortium.orderer
    suite = first.crypto
    doc = encode_genesis(consortium.genesis)
    tx = make_tx(suite, TxBody("peer-config-test", "cash", "issue", {}, [first.public], 1),
                 [first.private])
    block = seal_block(suite, (first.private, first.public), "peer-config-test", 0,
                       genesis_digest(suite, doc), EMPTY_ROOT, 1_700_000_000_000,
                       [encode(tx)], [Receipt(tx_digest(suite, tx.body), "ok")], {},
                       genesis=doc)
    path = write(tmp_path / "genesis.block", encode(block))
    with pytest.raises(PeerConfigError, match=r"^genesis:"):
        genesis_from_file(path)


def test_genesis_path_that_is_a_folder_names_genesis(tmp_path: Path) -> None:
    with pytest.raises(PeerConfigError, match=r"^genesis:"):
        genesis_from_file(tmp_path)


def test_trusted_proxies_are_ip_addresses_or_networks(tmp_path: Path) -> None:
    assert PeerConfig.from_dict(GOOD, tmp_path).trusted_proxies == ()  # none by default
    config = PeerConfig.from_dict({**GOOD, "trusted_proxies": ["10.0.0.2", "fd00::/8"]},
                                  tmp_path)
    assert config.trusted_proxies == ("10.0.0.2", "fd00::/8")
    for bad in ("10.0.0.2", ["*"], ["proxy.example"], [1], ["10.0.0.0/33"]):
        with pytest.raises(PeerConfigError, match=r"^trusted_proxies: "):
            PeerConfig.from_dict({**GOOD, "trusted_proxies": bad}, tmp_path)
