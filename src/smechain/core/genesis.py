"""The genesis document: who is in the consortium and how it governs itself."""

from __future__ import annotations

import re

import msgspec

from smechain.core.crypto import SUITES
from smechain.core.encoding import decode, encode
from smechain.core.errors import DecodeError

ROLES = frozenset(
    {
        "core_enterprise", "sme", "bank", "factor", "guarantor", "tax_authority",
        "market_regulator", "social_insurance", "customs", "ip_office", "court",
        "utility", "carrier", "warehouse", "fx_admin", "regulator", "cash_issuer",
        "investor",
    }
)
"""Every role an organisation may hold (DESIGN §3)."""

GOVERNED_ACTIONS = ("add_org", "suspend_org", "readmit_org", "rekey_org")
"""Membership actions that need a quorum of governing admins' signatures."""

ORG_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class OrgSpec(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """An organisation as genesis lists it."""

    id: str
    name: str
    roles: list[str]
    admin_key: bytes


class Governance(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """Which organisations govern, and how many of them each governed action needs."""

    admins: list[str]
    thresholds: dict[str, int]


class Genesis(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """Everything block 0 fixes for the life of the chain."""

    chain_id: str
    suite: str
    timestamp_ms: int
    orgs: list[OrgSpec]
    governance: Governance
    orderer_keys: list[bytes]


def check_genesis(genesis: Genesis) -> None:
    """Refuse an inconsistent genesis, naming the field at fault."""
    if genesis.suite not in SUITES:
        raise DecodeError(f"suite: {genesis.suite!r} is not one of {sorted(SUITES)}")
    key_size = SUITES[genesis.suite].public_key_size
    if not genesis.chain_id or len(genesis.chain_id) > 64:
        raise DecodeError("chain_id: must be 1 to 64 characters")
    seen: set[str] = set()
    keys: set[bytes] = set()
    for i, org in enumerate(genesis.orgs):
        where = f"orgs[{i}]"
        if not ORG_ID.match(org.id):
            raise DecodeError(f"{where}.id: {org.id!r} must match {ORG_ID.pattern}")
        if org.id in seen:
            raise DecodeError(f"{where}.id: {org.id!r} is listed twice")
        seen.add(org.id)
        unknown = set(org.roles) - ROLES
        if unknown or not org.roles:
            raise DecodeError(f"{where}.roles: unknown or empty roles {sorted(unknown)}")
        if len(org.admin_key) != key_size:
            raise DecodeError(f"{where}.admin_key: a {genesis.suite} key is {key_size} bytes")
        if org.admin_key in keys:
            raise DecodeError(f"{where}.admin_key: the same key is given to two organisations")
        keys.add(org.admin_key)
    gov = genesis.governance
    for admin in gov.admins:
        if admin not in seen:
            raise DecodeError(f"governance.admins: {admin!r} is not a listed organisation")
    for action, threshold in gov.thresholds.items():
        if action not in GOVERNED_ACTIONS:
            raise DecodeError(f"governance.thresholds: unknown action {action!r}")
        if not 1 <= threshold <= len(gov.admins):
            raise DecodeError(
                f"governance.thresholds.{action}: {threshold} is not between 1 and "
                f"the {len(gov.admins)} admins"
            )
    missing = set(GOVERNED_ACTIONS) - set(gov.thresholds)
    if missing:
        raise DecodeError(f"governance.thresholds: missing {sorted(missing)}")
    if not genesis.orderer_keys:
        raise DecodeError("orderer_keys: at least one orderer key is required")
    if any(len(k) != key_size for k in genesis.orderer_keys):
        raise DecodeError(f"orderer_keys: a {genesis.suite} key is {key_size} bytes")


def encode_genesis(genesis: Genesis) -> bytes:
    """Check and encode a genesis document."""
    check_genesis(genesis)
    return encode(genesis)


def decode_genesis(data: bytes) -> Genesis:
    """Decode and check a genesis document."""
    genesis = decode(data, Genesis)
    check_genesis(genesis)
    return genesis
