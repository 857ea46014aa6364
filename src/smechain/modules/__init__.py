"""The business modules, one folder each (see ``smechain.core.module``).

``MODULES`` is the one list the frameworks loop over; the runtime every node
runs is built from their contracts, with ``membership`` resolving signers.
"""

from __future__ import annotations

from smechain.core.contract import Runtime
from smechain.core.module import Module
from smechain.modules import (
    bill_of_lading,
    calendar,
    cash,
    consent,
    credit,
    customs,
    invoice,
    loan,
    membership,
    product,
    receivable,
    warehouse_receipt,
)
from smechain.modules.membership import contract as membership_contract

MODULES: tuple[Module, ...] = (membership.MODULE, cash.MODULE, invoice.MODULE,
                               receivable.MODULE, consent.MODULE, credit.MODULE,
                               product.MODULE, loan.MODULE, customs.MODULE,
                               bill_of_lading.MODULE, calendar.MODULE,
                               warehouse_receipt.MODULE)

CONTRACTS = {m.name: m.contract for m in MODULES}


def default_runtime() -> Runtime:
    """The contracts every smechain node runs, with membership resolving signers."""
    return Runtime(
        contracts=CONTRACTS,
        resolve_signer=membership_contract.resolve_signer,
        genesis_writes=membership_contract.genesis_writes,
    )


def module(name: str) -> Module:
    """The module ``name``; ``KeyError`` when there is none."""
    for m in MODULES:
        if m.name == name:
            return m
    raise KeyError(name)
