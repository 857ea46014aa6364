"""Contracts: one module per business object, each an explicit state machine."""

from __future__ import annotations

from smechain.contracts import cash, invoice, membership, receivable
from smechain.core.contract import Runtime

CONTRACTS = {
    c.name: c
    for c in (membership.CONTRACT, cash.CONTRACT, invoice.CONTRACT, receivable.CONTRACT)
}


def default_runtime() -> Runtime:
    """The contracts every smechain node runs, with membership resolving signers."""
    return Runtime(
        contracts=CONTRACTS,
        resolve_signer=membership.resolve_signer,
        genesis_writes=membership.genesis_writes,
    )
