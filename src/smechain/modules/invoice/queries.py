"""Reads over anchored invoices: who one concerns, what a file's check may show.

Pure: each function takes a state reader (``StateReader``: ``get(key)``) or
records already read, and plain values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from smechain.core.encoding import plain
from smechain.core.state import StateReader
from smechain.modules.invoice.contract import (
    Invoice,
    aliases,
    financing_of,
    org_of_party,
    read_invoice,
)


def registered_uscc(state: StateReader, org: str) -> str | None:
    """The unified social credit code registered to ``org`` (its first ``USCC:``
    identifier in the registry), or ``None``."""
    for identifier in aliases(state, org):
        scheme, _, value = identifier.partition(":")
        if scheme == "USCC":
            return value
    return None


NAMES = frozenset({"invoice"})
"""Argument and event fields ``tx_orgs`` reads (invoice ids, in any contract's
transactions: a certificate names the invoices that back it)."""


def parties(state: StateReader, inv: Invoice) -> set[str]:
    """The organisations an invoice concerns: the organisations registered for its
    seller's and buyer's identifiers, and the tax authority that anchored it."""
    found = {org_of_party(state, inv.seller), org_of_party(state, inv.buyer), inv.anchored_by}
    return {o for o in found if o}


def invoice_orgs(state: StateReader, inv_id: str) -> set[str]:
    """``parties`` of the anchored document ``inv_id``; empty when none is anchored."""
    inv = read_invoice(state, inv_id)
    return set() if inv is None else parties(state, inv)


def tx_orgs(state: StateReader, contract: str, action: str, named: Mapping[str, set[str]]
            ) -> set[str]:
    """The parties of every invoice a transaction names (``named["invoice"]``: ids found
    in its arguments and events), whatever its contract."""
    found: set[str] = set()
    for inv_id in named.get("invoice", ()):
        found |= invoice_orgs(state, inv_id)
    return found


def with_financing(state: StateReader, inv: Invoice) -> dict[str, Any]:
    """A document as JSON with the commercial invoice it belongs to under ``financing``:
    amount due, financed and dilution (minor units) across all of its seller's
    identifiers."""
    return {**plain(inv), "financing": plain(financing_of(state, inv))}


def file_check(state: StateReader, inv: Invoice, digest: bytes, party: bool
               ) -> dict[str, Any]:
    """Whether a file whose digest is ``digest`` is the anchored ``inv``: ``{invoice,
    match}``, with its status, kind, currency and figures (minor units) only for one who
    has the file (a match) or is a ``party``."""
    match = inv.digest == digest
    out: dict[str, Any] = {"invoice": inv.id, "match": match}
    if match or party:
        view = financing_of(state, inv)
        out.update(status=inv.status, kind=inv.kind, currency=inv.currency,
                   total_amount=inv.total_amount, amount_due=view.amount_due,
                   financed=view.financed, dilution=view.dilution)
    return out
