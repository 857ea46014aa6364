"""A consortium from a TOML file: genesis, and key files for every organisation.

See ``examples/consortium.toml``. ``init_folder`` writes ``keys/<org>.key``
for each organisation's admin (unless the file gives its public key),
``keys/orderer.key``, and block 0 into ``ledger.sqlite``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smechain.core.errors import DecodeError
from smechain.core.genesis import GOVERNED_ACTIONS, Genesis, Governance, OrgSpec, check_genesis
from smechain.node.keys import KeyPair, generate_key, save_key


class ConfigError(ValueError):
    """A consortium file that cannot be used; the message names the field."""


@dataclass(frozen=True, slots=True)
class Consortium:
    """A checked genesis with the key pairs generated for it."""

    genesis: Genesis
    keys: dict[str, KeyPair]
    """Generated admin keys by organisation id (absent where the file gave a public key)."""
    orderers: list[KeyPair]
    """One key per block cutter (the embedded node uses the first)."""

    @property
    def orderer(self) -> KeyPair:
        return self.orderers[0]


def _field(doc: dict[str, Any], name: str, kind: type, where: str) -> Any:
    if name not in doc:
        raise ConfigError(f"{where}{name}: missing")
    value = doc[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise ConfigError(f"{where}{name}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def consortium_from_dict(doc: dict[str, Any], timestamp_ms: int, orderers: int = 1) -> Consortium:
    """Build genesis from a parsed consortium file, generating the keys it needs.

    ``orderers`` keys are generated for block cutters and named in genesis.
    """
    chain_id = _field(doc, "chain_id", str, "")
    suite = doc.get("suite", "ed25519")
    if suite not in ("ed25519", "sm2"):
        raise ConfigError(f"suite: {suite!r} is not ed25519 or sm2")
    orgs_doc = _field(doc, "orgs", list, "")
    keys: dict[str, KeyPair] = {}
    orgs: list[OrgSpec] = []
    for i, org in enumerate(orgs_doc):
        where = f"orgs[{i}]."
        if not isinstance(org, dict):
            raise ConfigError(f"orgs[{i}]: expected a table")
        org_id = _field(org, "id", str, where)
        roles = _field(org, "roles", list, where)
        if "public_key" in org:
            try:
                public = bytes.fromhex(_field(org, "public_key", str, where))
            except ValueError:
                raise ConfigError(f"{where}public_key: not hexadecimal") from None
        else:
            keys[org_id] = generate_key(suite)
            public = keys[org_id].public
        orgs.append(OrgSpec(org_id, org.get("name", org_id), roles, public))
    gov = _field(doc, "governance", dict, "")
    admins = _field(gov, "admins", list, "governance.")
    thresholds = {a: _field(gov, a, int, "governance.") for a in GOVERNED_ACTIONS}
    cutters = [generate_key(suite) for _ in range(orderers)]
    genesis = Genesis(chain_id, suite, timestamp_ms, orgs, Governance(admins, thresholds),
                      [k.public for k in cutters])
    try:
        check_genesis(genesis)
    except DecodeError as exc:
        raise ConfigError(exc.message) from None
    return Consortium(genesis, keys, cutters)


def load_consortium(path: Path, timestamp_ms: int, orderers: int = 1) -> Consortium:
    """Read and check a consortium TOML file."""
    try:
        doc = tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    return consortium_from_dict(doc, timestamp_ms, orderers)


def write_keys(consortium: Consortium, folder: Path) -> None:
    """Write the generated key files into ``folder/keys``."""
    for org_id, key in consortium.keys.items():
        save_key(key, folder / "keys" / f"{org_id}.key", label=f"{org_id} admin")
    save_key(consortium.orderer, folder / "keys" / "orderer.key", label="orderer")
    for i, key in enumerate(consortium.orderers[1:], start=2):
        save_key(key, folder / "keys" / f"orderer-{i}.key", label=f"orderer {i}")
