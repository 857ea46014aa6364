"""What a contract is, as the executor sees it.

A contract is a name and a table of actions. Each action has an argument type
(a frozen msgspec struct, checked strictly: no floats, no unknown fields), the
roles allowed to call it, and a handler that reads state through ``TxState``,
stages writes and emits events, or raises a ``ContractError``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from smechain.core.state import StateReader, TxState


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


Handler = Callable[[TxState, Context, Any], None]


@dataclass(frozen=True, slots=True)
class Action:
    """One action of a contract."""

    handler: Handler
    args_type: type
    roles: frozenset[str] | None = None
    """Roles of which the sender must hold one; ``None`` lets any member call it."""


@dataclass(frozen=True, slots=True)
class Contract:
    """A named table of actions."""

    name: str
    actions: Mapping[str, Action]


SignerResolver = Callable[[StateReader, bytes, int], Principal]
"""Turns a public key into a principal at a height, or raises ``TxRejected``."""


@dataclass(frozen=True, slots=True)
class Runtime:
    """Everything the executor needs beyond the block: contracts and identity."""

    contracts: Mapping[str, Contract]
    resolve_signer: SignerResolver
    genesis_writes: Callable[[Any], dict[str, bytes | None]]
    """Initial state from the genesis document."""
