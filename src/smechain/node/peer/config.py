"""The config files of the consortium: a peer's ``peer.toml``, the operator's ``ordering.toml``.

Each is read and checked in full before anything starts: a field that cannot
be used is a ``PeerConfigError`` naming it and why. ``genesis_from_file``
reads and checks the genesis block a config names.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smechain.core.block import Block
from smechain.core.chain import BlockInvalid, check_block
from smechain.core.crypto import get_suite
from smechain.core.encoding import decode
from smechain.core.errors import DecodeError
from smechain.core.genesis import decode_genesis
from smechain.ordering.access import OPERATOR, AccessError, Identity
from smechain.ordering.cutter import CutterConfig


class PeerConfigError(ValueError):
    """A peer config file that cannot be used; the message names the field."""


def read_toml(path: Path) -> dict[str, Any]:
    """The table of a TOML file; ``PeerConfigError`` naming the file and why otherwise."""
    try:
        return tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise PeerConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PeerConfigError(f"{path}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise PeerConfigError(f"{path}: not valid TOML ({exc})") from None


@dataclass(frozen=True, slots=True)
class PeerConfig:
    """One organisation's peer: who it is, where its data is, which servers order."""

    org: str
    data: Path
    servers: list[str]
    org_key: Path
    genesis: Path
    orderer_key: Path | None = None
    """With an orderer key the peer also cuts blocks (active or standby)."""
    store: str = "sqlite"
    replicas: int = 3
    cutter: CutterConfig = field(default_factory=CutterConfig)
    verify_workers: int | None = 1
    synchronous: str = "FULL"
    api: str = ""
    """``host:port`` where the peer serves its organisation's HTTP API and portal; "" for none."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses or networks of reverse proxies in front of the API whose X-Forwarded-For
    names the client (sign-in limits count per client address); none by default."""
    nats: Identity | None = None
    """The organisation's TLS certificate and NKey (the ``[nats]`` table); None: connect in the
    clear and anonymously, which servers that admit only the consortium refuse."""

    @classmethod
    def load(cls, path: Path) -> PeerConfig:
        """Read a peer's TOML config; relative paths are relative to the file."""
        path = Path(path)
        return cls.from_dict(read_toml(path), path.parent)

    @classmethod
    def from_dict(cls, doc: dict[str, Any], base: Path) -> PeerConfig:
        def need(name: str, kind: type) -> Any:
            if name not in doc:
                raise PeerConfigError(f"{name}: missing")
            value = doc[name]
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise PeerConfigError(f"{name}: expected {kind.__name__}, "
                                      f"got {type(value).__name__}")
            return value

        def where(name: str) -> Path:
            return base / Path(need(name, str))

        servers = _servers(need("servers", list))
        org = need("org", str)
        try:
            nats = Identity.from_dict(doc["nats"], base, org) if "nats" in doc else None
        except AccessError as exc:
            raise PeerConfigError(str(exc)) from None
        cut = doc.get("cutter", {})
        if not isinstance(cut, dict):
            raise PeerConfigError("cutter: expected a table")
        try:
            cutter = CutterConfig(**cut)
        except (TypeError, ValueError) as exc:
            raise PeerConfigError(f"cutter: {exc}") from None
        replicas = _replicas(doc)
        workers = doc.get("verify_workers", 1)
        if not isinstance(workers, int) or isinstance(workers, bool) or not 0 <= workers <= 64:
            raise PeerConfigError(f"verify_workers: {workers!r} is not between 0 and 64")
        store = doc.get("store", "sqlite")
        if not isinstance(store, str) or not (
            store == "sqlite" or store.startswith(("postgresql://", "postgres://"))
        ):
            raise PeerConfigError(f"store: {store!r} is not 'sqlite' or a postgresql:// URL")
        synchronous = doc.get("synchronous", "FULL")
        if synchronous not in ("FULL", "NORMAL"):
            raise PeerConfigError(f"synchronous: {synchronous!r} is not FULL or NORMAL")
        api = doc.get("api", "")
        m = re.fullmatch(r"[\w.-]+:(\d{1,5})", api) if isinstance(api, str) else None
        if api != "" and (m is None or not 0 < int(m.group(1)) < 65536):
            raise PeerConfigError(f"api: {api!r} is not host:port")
        proxies = doc.get("trusted_proxies", [])
        if not isinstance(proxies, list) or not all(isinstance(p, str) for p in proxies):
            raise PeerConfigError("trusted_proxies: expected a list of IP addresses or networks")
        for proxy in proxies:
            try:
                ipaddress.ip_network(proxy)
            except ValueError:
                raise PeerConfigError(f"trusted_proxies: {proxy!r} is not an IP address or "
                                      "network") from None
        return cls(
            org=org, data=where("data"), servers=list(servers),
            org_key=where("org_key"), genesis=where("genesis"),
            orderer_key=where("orderer_key") if "orderer_key" in doc else None,
            store=store, replicas=replicas, cutter=cutter, verify_workers=workers,
            synchronous=synchronous, api=api, trusted_proxies=tuple(proxies), nats=nats,
        )


@dataclass(frozen=True, slots=True)
class OperatorConfig:
    """The ordering service's operator: the servers, the chain's genesis, its credentials.

    ``ordering.toml``: ``servers``, ``genesis`` and ``replicas`` as in a peer's
    config, and a ``[nats]`` table naming the operator's certificate and NKey.
    """

    servers: list[str]
    genesis: Path
    nats: Identity
    replicas: int = 3

    @classmethod
    def load(cls, path: Path) -> OperatorConfig:
        path = Path(path)
        doc = read_toml(path)
        base = path.parent
        servers = _servers(doc.get("servers"))
        genesis = doc.get("genesis")
        if not isinstance(genesis, str) or not genesis:
            raise PeerConfigError("genesis: expected the genesis block's file")
        replicas = _replicas(doc)
        if "nats" not in doc:
            raise PeerConfigError("nats: missing (the operator's ca, cert, key and seed)")
        try:
            nats = Identity.from_dict(doc["nats"], base, OPERATOR)
        except AccessError as exc:
            raise PeerConfigError(str(exc)) from None
        return cls(list(servers), base / genesis, nats, replicas)


def _servers(servers: Any) -> list[str]:
    """The ``servers`` of a config: a non-empty list of ``nats://`` or ``tls://`` URLs."""
    if not isinstance(servers, list) or not servers or not all(
            isinstance(s, str) and s.startswith(("nats://", "tls://")) for s in servers):
        raise PeerConfigError("servers: expected a list of nats://host:port URLs")
    return servers


def _replicas(doc: dict[str, Any]) -> int:
    """The ``replicas`` of a config (1, 3 or 5; 3 when not given)."""
    replicas = doc.get("replicas", 3)
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas not in (1, 3, 5):
        raise PeerConfigError(f"replicas: {replicas!r} is not 1, 3 or 5")
    return replicas


def genesis_from_file(path: Path) -> tuple[Block, bytes]:
    """The genesis block in ``path``, checked to be a well-formed, signed block 0."""
    try:
        data = Path(path).read_bytes()
        block = decode(data, Block)
        genesis = decode_genesis(block.genesis)
    except FileNotFoundError:
        raise PeerConfigError(f"genesis: {path} does not exist") from None
    except OSError as exc:
        raise PeerConfigError(f"genesis: {path} cannot be read ({exc})") from None
    except DecodeError as exc:
        raise PeerConfigError(f"genesis: {path} is not a genesis block ({exc.message})") from None
    try:
        check_block(get_suite(genesis.suite), block, None, genesis.orderer_keys, [])
    except BlockInvalid as exc:
        raise PeerConfigError(f"genesis: {exc}") from None
    return block, data

