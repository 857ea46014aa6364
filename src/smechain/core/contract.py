"""What a contract is, as the executor sees it.

A contract is a name and a table of actions. Each action has an argument type
(a frozen msgspec struct, checked strictly: no floats, no unknown fields), the
roles allowed to call it, and a handler that reads state through ``TxState``,
stages writes and emits events, or raises a ``ContractError``.

An action that acts on an existing object is a ``Transition``: it declares the
kind of object (``Subject``: where it is stored, which argument names it, how
to read its status and its parties), the statuses it may start from
(``from_``), the status it ends in (``to``), who may call it (``by``: a
``Party`` of the object such as its holder, or an ``Approval`` such as a
governance quorum) and who must co-sign (``cosign``). One guard,
``Transition.run``, loads the object and checks all of that, raising the
typed errors with their fields, and moves the object to ``to``; the handler
then receives the object and holds only the action's effects. An action that
creates an object (``Action``) declares the status it creates in ``to``.
:mod:`smechain.core.transitions` renders these declarations as a table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

import msgspec

from smechain.core.encoding import shown
from smechain.core.errors import Conflict, NotFound, Unauthorised
from smechain.core.state import StateReader, TxState

A = TypeVar("A")
"""An action's argument type."""
R = TypeVar("R", bound=msgspec.Struct)
"""The record type of the object a transition acts on."""


@dataclass(frozen=True, slots=True)
class Principal:
    """A verified signer: which key, of which organisation, with which roles."""

    key: bytes
    org: str
    name: str
    admin: bool
    """True for the organisation's admin key, False for an enrolled user key."""
    roles: frozenset[str]


@dataclass(frozen=True, slots=True)
class Context:
    """What a handler knows about the transaction besides its arguments."""

    chain_id: str
    height: int
    timestamp_ms: int
    tx_hash: bytes
    signers: tuple[Principal, ...]

    @property
    def sender(self) -> Principal:
        """The first signer, who sent the transaction."""
        return self.signers[0]


@dataclass(frozen=True, slots=True)
class Party(Generic[R]):
    """A relation of an organisation to an object (holder, debtor, ...), read from its record."""

    name: str
    of: Callable[[R], str]
    """The organisation in this relation to the object (``""``: none)."""


@dataclass(frozen=True, slots=True)
class Approval:
    """A rule on the signers that needs no object: a governance quorum, an admin key.

    ``check(state, ctx, action)`` raises ``Unauthorised`` when the signers do not
    satisfy it.
    """

    name: str
    check: Callable[[TxState, Context, str], None]
    cosigners: Callable[[StateReader, str], tuple[AbstractSet[str], str]] | None = None
    """``cosigners(state, action)``: the organisations whose admins co-sign to satisfy it
    (a quorum's governing organisations) and what it needs of them, as its refusal says
    it (``needs the admin signatures of 2 of ...``); ``None``: it takes no co-signers
    (the sender's own admin key)."""


@dataclass(frozen=True, slots=True)
class Cosign:
    """An organisation named by argument ``arg`` must co-sign, holding one of ``roles``."""

    arg: str
    roles: frozenset[str]
    lacks: str = ""
    """The reason when it holds none of them (default: the roles it lacks)."""
    optional: bool = False
    """When true, an empty ``args.<arg>`` asks for no co-signer; the handler says when the
    argument may be empty (a pledged receipt's transfer names its pledgee, a free one's
    names none)."""

    def check(self, ctx: Context, args: object) -> Principal | None:
        """The co-signer (not the sender) of the organisation ``args.<arg>`` names;
        ``None`` when the co-signer is optional and the argument empty."""
        org: str = getattr(args, self.arg)
        if self.optional and not org:
            return None
        signer = next((p for p in ctx.signers[1:] if p.org == org), None)
        if signer is None:
            raise Unauthorised(self.arg, f"{shown(org)!r} must co-sign")
        if not signer.roles & self.roles:
            raise Unauthorised(self.arg, f"{shown(org)!r} " + (
                self.lacks or f"holds none of the roles {sorted(self.roles)}"))
        return signer


@dataclass(frozen=True, slots=True)
class Subject(Generic[R]):
    """The kind of object a contract's transitions act on (a certificate, an invoice)."""

    name: str
    record: type[R]
    key: Callable[[str], str]
    """The state key of the object with an id."""
    id_arg: str
    """The argument naming the object; refusals about the object name this field."""
    missing: str
    """Reason when there is no such object; ``{id}`` is its id."""
    wrong_status: str
    """Reason when its status is not one the action starts from; ``{id}``, ``{status}``,
    ``{action}`` and ``{expected}`` (the statuses it may start from) are filled in."""
    parties: tuple[Party[R], ...] = ()
    """How to read each party of the object from its record."""
    status_field: str = "status"

    def load(self, state: TxState, obj_id: str) -> R:
        """The object ``obj_id``; ``NotFound`` naming ``id_arg`` otherwise."""
        obj = state.get_as(self.key(obj_id), self.record)
        if obj is None:
            raise NotFound(self.id_arg, self.missing.format(id=shown(obj_id)))
        return obj

    def status_of(self, obj: R) -> str:
        """The object's status."""
        status: str = getattr(obj, self.status_field)
        return status


def check_roles(roles: frozenset[str] | None, ctx: Context, contract: str, action: str
                ) -> None:
    """``Unauthorised`` unless the sender holds one of ``roles`` (``None``: any member).
    The executor checks this before it decodes the arguments."""
    if roles is not None and not (roles & ctx.sender.roles):
        raise Unauthorised("", f"{contract}.{action}: sender {ctx.sender.org!r} holds none "
                               f"of the roles {sorted(roles)}")


@dataclass(frozen=True, slots=True)
class Action(Generic[A]):
    """An action that acts on no existing object (it may create one)."""

    handler: Callable[[TxState, Context, A], None]
    args_type: type[A]
    roles: frozenset[str] | None = None
    """Roles of which the sender must hold one; ``None`` lets any member call it."""
    by: Approval | None = None
    """A rule the signers must satisfy besides ``roles``."""
    cosign: tuple[Cosign, ...] = ()
    to: StrEnum | None = None
    """The status of the object it creates, if it creates one."""

    def run(self, state: TxState, ctx: Context, action: str, args: A) -> None:
        """Check the approval and the co-signers, then run the handler."""
        if self.by is not None:
            self.by.check(state, ctx, action)
        for cosign in self.cosign:
            cosign.check(ctx, args)
        self.handler(state, ctx, args)


@dataclass(frozen=True, slots=True)
class Transition(Generic[A, R]):
    """An action on an existing object: from which statuses, to which, by whom."""

    handler: Callable[[TxState, Context, A, R], None]
    """Receives the object as the guard left it (already in status ``to``)."""
    args_type: type[A]
    on: Subject[R]
    from_: AbstractSet[StrEnum]
    """Statuses the object may be in."""
    to: StrEnum | None = None
    """The status it ends in; ``None`` leaves it as it was."""
    by: Party[R] | Approval | None = None
    """Who may call it: a party of the object, a rule on the signers, or (``None``)
    anyone ``roles`` allows."""
    cosign: tuple[Cosign, ...] = ()
    roles: frozenset[str] | None = None

    def expected(self) -> list[str]:
        """``from_`` in the order its enum declares them."""
        kinds = {type(s) for s in self.from_}
        return [s.value for kind in sorted(kinds, key=lambda k: k.__name__) for s in kind
                if s in self.from_]

    def run(self, state: TxState, ctx: Context, action: str, args: A) -> None:
        """The guard: the approval, the object, its party, its status, the co-signers;
        then the object moves to ``to`` and the handler runs on it."""
        if isinstance(self.by, Approval):
            self.by.check(state, ctx, action)
        obj_id: str = getattr(args, self.on.id_arg)
        obj = self.on.load(state, obj_id)
        if isinstance(self.by, Party):
            org = self.by.of(obj)
            if ctx.sender.org != org:
                raise Unauthorised("", f"{action}: only the {self.by.name} {org!r} may "
                                       f"{action} {obj_id!r}")
        status = self.on.status_of(obj)
        if status not in self.from_:
            raise Conflict(self.on.id_arg, self.on.wrong_status.format(
                id=obj_id, status=status, action=action,
                expected=" or ".join(self.expected())))
        for cosign in self.cosign:
            cosign.check(ctx, args)
        if self.to is not None and status != self.to:
            obj = msgspec.structs.replace(obj, **{self.on.status_field: self.to})
            state.put(self.on.key(obj_id), obj)
        self.handler(state, ctx, args, obj)


AnyAction = Action[Any] | Transition[Any, Any]
"""What a contract's table of actions holds."""


def cosigners_of(act: AnyAction, state: StateReader, action: str, args: Mapping[str, Any]
                 ) -> tuple[AbstractSet[str], str]:
    """Who may co-sign ``action`` (declared as ``act``) with ``args`` (ledger form, by
    field name), and what it needs of them (``"takes no co-signers"``, ``"needs the
    co-signature of the organisation its 'buyer' names ('bank-a')"``): the organisations
    its ``cosign`` arguments name, or those of an approval ``by`` that takes co-signers
    (a quorum's governing organisations); nobody otherwise. Co-signers outside these
    are of no use to the transaction."""
    named = [(c.arg, str(args.get(c.arg, ""))) for c in act.cosign
             if not (c.optional and not args.get(c.arg))]
    if named:
        return {org for _, org in named}, "needs the co-signature of " + " and ".join(
            f"the organisation its {arg!r} names ({shown(org)!r})" for arg, org in named)
    if isinstance(act.by, Approval) and act.by.cosigners is not None:
        return act.by.cosigners(state, action)
    return set(), "takes no co-signers"


@dataclass(frozen=True, slots=True)
class Contract:
    """A named table of actions."""

    name: str
    actions: Mapping[str, AnyAction]


SignerResolver = Callable[[StateReader, bytes, int], Principal]
"""Turns a public key into a principal at a height, or raises ``TxRejected``."""


@dataclass(frozen=True, slots=True)
class Runtime:
    """Everything the executor needs beyond the block: contracts and identity."""

    contracts: Mapping[str, Contract]
    resolve_signer: SignerResolver
    genesis_writes: Callable[[Any], dict[str, bytes | None]]
    """Initial state from the genesis document."""
