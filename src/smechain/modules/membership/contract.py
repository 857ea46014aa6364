"""Membership: the consortium's organisations, their keys and its governance.

Transitions, as declared in ``CONTRACT``::

    | action | from | to | by | co-signers | roles |
    |---|---|---|---|---|---|
    | add_org | (none) | active | governance quorum | (none) | any |
    | suspend_org | active | suspended | governance quorum | (none) | any |
    | readmit_org | suspended | active | governance quorum | (none) | any |
    | rekey_org | active or suspended | (same) | governance quorum | (none) | any |
    | enrol_key | (none) | (none) | org admin key | (none) | any |
    | revoke_key | (none) | (none) | org admin key | (none) | any |

Who may do what:

* ``add_org``, ``suspend_org``, ``readmit_org``, ``rekey_org``: a quorum of
  the governing admins named in genesis (e.g. 2 of 3), each signing the same
  transaction with its organisation's admin key;
* ``enrol_key``, ``revoke_key``: an organisation's admin, for its own users.

A revoked key stops working at a block height; a re-keyed organisation's old
admin key stops working in the next block. Every transaction's signers are
resolved here (``resolve_signer``): unknown, revoked and suspended keys are
refused before anything runs.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import msgspec

from smechain.core.contract import (
    Action,
    Approval,
    Context,
    Contract,
    Principal,
    Subject,
    Transition,
)
from smechain.core.encoding import INT_MAX, decode, encode, shown
from smechain.core.errors import BadArguments, Conflict, NotFound, TxRejected, Unauthorised
from smechain.core.genesis import GOVERNED_ACTIONS, ORG_ID, ROLES, Genesis, Governance
from smechain.core.state import StateReader, TxState

ORG_PREFIX = "member/org/"
KEY_PREFIX = "member/key/"
POLICY_KEY = "member/policy"


class OrgStatus(StrEnum):
    """Lifecycle of an organisation."""

    ACTIVE = "active"
    SUSPENDED = "suspended"


class Org(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """An organisation as the ledger records it."""

    id: str
    name: str
    roles: list[str]
    status: OrgStatus
    admin_key: bytes


class KeyRecord(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    """An enrolled key: whose it is and from which height it no longer works."""

    org: str
    name: str
    admin: bool
    revoked_at: int = 0
    """First height at which the key is refused; 0 while it is valid."""


def org_key(org_id: str) -> str:
    """State key of an organisation."""
    return ORG_PREFIX + org_id


def key_key(public_key: bytes) -> str:
    """State key of an enrolled public key."""
    return KEY_PREFIX + public_key.hex()


def read_org(state: StateReader, org_id: str) -> Org | None:
    """The organisation ``org_id``, or ``None``."""
    raw = state.get(org_key(org_id))
    return None if raw is None else decode(raw, Org)


def resolve_signer(state: StateReader, public_key: bytes, height: int) -> Principal:
    """The principal behind ``public_key`` at ``height``; ``TxRejected`` if it may not sign."""
    raw = state.get(key_key(public_key))
    if raw is None:
        raise TxRejected("unknown_signer", "signers",
                         f"key {public_key.hex()[:16]}… is not enrolled")
    record = decode(raw, KeyRecord)
    if record.revoked_at and height >= record.revoked_at:
        raise TxRejected(
            "key_revoked", "signers",
            f"key {public_key.hex()[:16]}… of {record.org!r} was revoked "
            f"at height {record.revoked_at}",
        )
    org = read_org(state, record.org)
    if org is None:
        raise TxRejected("unknown_signer", "signers", f"organisation {record.org!r} is unknown")
    if org.status != OrgStatus.ACTIVE:
        raise TxRejected("org_suspended", "signers", f"organisation {org.id!r} is suspended")
    return Principal(public_key, org.id, record.name, record.admin, frozenset(org.roles))


def genesis_writes(genesis: Genesis) -> dict[str, bytes | None]:
    """The membership state that genesis establishes."""
    writes: dict[str, bytes | None] = {POLICY_KEY: encode(genesis.governance)}
    for spec in genesis.orgs:
        org = Org(spec.id, spec.name, sorted(spec.roles), OrgStatus.ACTIVE, spec.admin_key)
        writes[org_key(spec.id)] = encode(org)
        writes[key_key(spec.admin_key)] = encode(KeyRecord(spec.id, "admin", True))
    return writes


# --- arguments -------------------------------------------------------------


class AddOrg(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    name: str
    roles: list[str]
    admin_key: bytes

    def __post_init__(self) -> None:
        # Checked as the arguments are read, before the quorum: a bad id or role is the
        # proposer's mistake however many admins sign.
        if not ORG_ID.match(self.id):
            raise BadArguments("id", f"{shown(self.id)!r} must match {ORG_ID.pattern}")
        unknown = set(self.roles) - ROLES
        if unknown or not self.roles:
            raise BadArguments("roles", f"unknown or empty roles "
                               f"{[shown(r) for r in sorted(unknown)]}; known: {sorted(ROLES)}")


class OrgRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    org: str


class RekeyOrg(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    org: str
    admin_key: bytes


class EnrolKey(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    public_key: bytes
    name: str


class RevokeKey(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    public_key: bytes
    at_height: Annotated[int, msgspec.Meta(ge=0, le=INT_MAX)] = 0
    """First height at which the key is refused; 0 means the next block."""


# --- handlers --------------------------------------------------------------


def _governing(state: StateReader, action: str) -> tuple[frozenset[str], str]:
    """The governing organisations and the quorum of them ``action`` needs."""
    raw = state.get(POLICY_KEY)
    assert raw is not None, "genesis always writes the policy"
    policy = decode(raw, Governance)
    return frozenset(policy.admins), (
        f"needs the admin signatures of {policy.thresholds[action]} of the governing "
        f"organisations {sorted(policy.admins)}")


def _require_quorum(state: TxState, ctx: Context, action: str) -> None:
    policy = state.get_as(POLICY_KEY, Governance)
    assert policy is not None, "genesis always writes the policy"
    approvals = {p.org for p in ctx.signers if p.admin and p.org in policy.admins}
    if len(approvals) < policy.thresholds[action]:
        _, needs = _governing(state, action)
        raise Unauthorised("signers", f"{action}: {needs}; got {len(approvals)}")


def _require_admin_key(state: TxState, ctx: Context, action: str) -> None:
    if not ctx.sender.admin:
        raise Unauthorised("", f"{action}: only an organisation's admin key may "
                               f"{action.removesuffix('_key')} keys")


QUORUM = Approval("governance quorum", _require_quorum, _governing)
"""The admin signatures of the governing organisations that genesis asks for the action."""
ADMIN_KEY = Approval("org admin key", _require_admin_key)
"""The sender signs with its organisation's admin key (for its own organisation)."""

ORGS = Subject("organisation", Org, org_key, "org", missing="no organisation {id!r}",
               wrong_status="{id!r} is {status}, not {expected}")


def _require_new_key(state: TxState, public_key: bytes, field: str) -> None:
    if state.get(key_key(public_key)) is not None:
        raise Conflict(field, "this key is already enrolled")


def add_org(state: TxState, ctx: Context, args: AddOrg) -> None:
    """Admit a new organisation with its roles and admin key (id and roles are checked
    as the arguments are read: ``AddOrg``)."""
    if len(args.admin_key) != len(ctx.sender.key):
        raise BadArguments("admin_key", f"must be {len(ctx.sender.key)} bytes for this chain")
    if state.get(org_key(args.id)) is not None:
        raise Conflict("id", f"organisation {args.id!r} already exists")
    _require_new_key(state, args.admin_key, "admin_key")
    state.put(org_key(args.id), Org(args.id, args.name, sorted(args.roles), OrgStatus.ACTIVE,
                                    args.admin_key))
    state.put(key_key(args.admin_key), KeyRecord(args.id, "admin", True))
    state.emit("OrgAdded", org=args.id, roles=sorted(args.roles))


def suspend_org(state: TxState, ctx: Context, args: OrgRef, org: Org) -> None:
    """Suspend an organisation: none of its keys can sign until it is readmitted."""
    state.emit("OrgSuspended", org=org.id)


def readmit_org(state: TxState, ctx: Context, args: OrgRef, org: Org) -> None:
    """Readmit a suspended organisation."""
    state.emit("OrgReadmitted", org=org.id)


def rekey_org(state: TxState, ctx: Context, args: RekeyOrg, org: Org) -> None:
    """Replace an organisation's admin key; the old one stops at the next block."""
    if len(args.admin_key) != len(org.admin_key):
        raise BadArguments("admin_key", f"must be {len(org.admin_key)} bytes for this chain")
    _require_new_key(state, args.admin_key, "admin_key")
    old = state.get_as(key_key(org.admin_key), KeyRecord)
    if old is not None:
        state.put(key_key(org.admin_key),
                  msgspec.structs.replace(old, revoked_at=ctx.height + 1))
    state.put(org_key(org.id), msgspec.structs.replace(org, admin_key=args.admin_key))
    state.put(key_key(args.admin_key), KeyRecord(org.id, "admin", True))
    state.emit("OrgRekeyed", org=org.id)


def enrol_key(state: TxState, ctx: Context, args: EnrolKey) -> None:
    """An organisation's admin enrols a user key for its own organisation."""
    sender = ctx.sender
    if len(args.public_key) != len(sender.key):
        raise BadArguments("public_key", f"must be {len(sender.key)} bytes for this chain")
    if not args.name or len(args.name) > 64:
        raise BadArguments("name", "must be 1 to 64 characters")
    _require_new_key(state, args.public_key, "public_key")
    state.put(key_key(args.public_key), KeyRecord(sender.org, args.name, False))
    state.emit("KeyEnrolled", org=sender.org, name=args.name, key=args.public_key)


def revoke_key(state: TxState, ctx: Context, args: RevokeKey) -> None:
    """An organisation's admin revokes one of its user keys from a height on."""
    sender = ctx.sender
    record = state.get_as(key_key(args.public_key), KeyRecord)
    if record is None:
        raise NotFound("public_key", "this key is not enrolled")
    if record.org != sender.org:
        raise Unauthorised("public_key", f"the key belongs to {record.org!r}, not {sender.org!r}")
    if record.admin:
        raise Conflict("public_key", "an admin key is replaced with rekey_org, not revoked")
    if record.revoked_at:
        raise Conflict("public_key", f"already revoked at height {record.revoked_at}")
    at = args.at_height or ctx.height + 1
    if at <= ctx.height:
        raise BadArguments("at_height", f"{at} is not after the current height {ctx.height}")
    state.put(key_key(args.public_key), msgspec.structs.replace(record, revoked_at=at))
    state.emit("KeyRevoked", org=sender.org, key=args.public_key, at_height=at)


CONTRACT = Contract(
    "membership",
    {
        "add_org": Action(add_org, AddOrg, by=QUORUM, to=OrgStatus.ACTIVE),
        "suspend_org": Transition(suspend_org, OrgRef, ORGS, {OrgStatus.ACTIVE},
                                  OrgStatus.SUSPENDED, by=QUORUM),
        "readmit_org": Transition(readmit_org, OrgRef, ORGS, {OrgStatus.SUSPENDED},
                                  OrgStatus.ACTIVE, by=QUORUM),
        "rekey_org": Transition(rekey_org, RekeyOrg, ORGS, set(OrgStatus), by=QUORUM),
        "enrol_key": Action(enrol_key, EnrolKey, by=ADMIN_KEY),
        "revoke_key": Action(revoke_key, RevokeKey, by=ADMIN_KEY),
    },
)

assert set(GOVERNED_ACTIONS) <= set(CONTRACT.actions)
