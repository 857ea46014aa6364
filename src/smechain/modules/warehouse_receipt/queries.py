"""Reads over warehouse receipts: who one concerns, and what it is worth as collateral.

Pure: each function takes a state reader (``StateReader``: ``get(key)``) or records
already read, and plain values.

``collateral`` is what financing against a receipt reads (export finance, a loan
secured by goods): the receipt's stated value, whether it is pledged and to whom, and
how much of it is free to back new financing (all of it while issued and unpledged,
nothing while pledged or once delivered).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from smechain.core.encoding import shown
from smechain.core.errors import NotFound
from smechain.core.state import StateReader
from smechain.modules.warehouse_receipt.contract import Receipt, Status, read_receipt

NAMES = frozenset({"id"})
"""Argument and event fields ``tx_orgs`` reads (receipt ids, in this contract's
transactions)."""
ROLES = ("holder", "warehouse", "pledgee", "any")
"""How an organisation may stand to receipts, for ``receipts_of``."""


@dataclass(frozen=True, slots=True)
class Collateral:
    """A receipt as security for financing."""

    id: str
    value: int
    """Minor units of ``currency``, as the warehouse stated it."""
    currency: str
    holder: str
    status: str
    pledgee: str
    """The bank it is pledged to; ``""`` when none."""
    free_value: int
    """What it may still secure: ``value`` while issued and unpledged, 0 otherwise."""

    @property
    def pledged(self) -> bool:
        return bool(self.pledgee)


def collateral(state: StateReader, receipt_id: str, field: str = "id") -> Collateral:
    """The receipt ``receipt_id`` as security (``Collateral``); ``NotFound`` naming
    ``field`` when there is none."""
    receipt = read_receipt(state, receipt_id)
    if receipt is None:
        raise NotFound(field, f"no warehouse receipt {shown(receipt_id)!r}")
    return collateral_of(receipt)


def collateral_of(receipt: Receipt) -> Collateral:
    """``receipt`` as security."""
    free = receipt.value if receipt.status == Status.ISSUED else 0
    return Collateral(receipt.id, receipt.value, receipt.currency, receipt.holder,
                      receipt.status.value, receipt.pledgee, free)


def parties(receipt: Receipt) -> set[str]:
    """The organisations a receipt concerns: its warehouse, depositor, holder, and while
    it is pledged its pledgee and pledgor."""
    found = {receipt.warehouse, receipt.depositor, receipt.holder, receipt.pledgee,
             receipt.pledgor}
    return {o for o in found if o}


def receipts_of(receipts: Iterable[Receipt], org: str, role: str = "any") -> list[Receipt]:
    """The receipts ``org`` holds (``role="holder"``), issued (``"warehouse"``), has in
    pledge (``"pledgee"``), or is any party to (``"any"``), newest first."""
    found = [r for r in receipts
             if (role == "holder" and r.holder == org)
             or (role == "warehouse" and r.warehouse == org)
             or (role == "pledgee" and r.pledgee == org)
             or (role == "any" and org in parties(r))]
    return sorted(found, key=lambda r: (-r.issued_at_ms, r.id))


def unknown_to(state: StateReader, org: str, args: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(field, reason)`` to refuse, as for an unknown id, ``org``'s action on the receipt
    ``args["id"]`` when ``org`` is no party to it; ``None`` when it may act, or ``args``
    name no receipt."""
    receipt_id = args.get("id")
    if not isinstance(receipt_id, str):
        return None
    receipt = read_receipt(state, receipt_id)
    if receipt is not None and org in parties(receipt):
        return None
    return "id", f"no warehouse receipt {shown(receipt_id)!r}"


def tx_orgs(state: StateReader, contract: str, action: str, named: Mapping[str, set[str]]
            ) -> set[str]:
    """The organisations a ``warehouse_receipt`` transaction concerns from state: the
    warehouse and the depositor of each receipt it names (the holders, banks and
    co-signers are in its arguments, events and signatures)."""
    if contract != "warehouse_receipt":
        return set()
    found: set[str] = set()
    for receipt_id in named.get("id", ()):
        receipt = read_receipt(state, receipt_id)
        if receipt is not None:
            found |= {receipt.warehouse, receipt.depositor}
    return found
