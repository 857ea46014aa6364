"""Reads over customs declarations: who a declaration concerns, an exporter's declarations,
and the hooks the API and the index take (``unknown_to``, ``NAMES``, ``tx_orgs``).

Pure: each function takes a state reader or records already read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from smechain.core.encoding import shown
from smechain.core.state import StateReader
from smechain.modules.customs.contract import Declaration, Status, read_declaration

NAMES = frozenset({"id"})
"""Argument and event fields ``tx_orgs`` reads (declaration MRNs)."""

__all__ = ["NAMES", "declarations_of", "parties", "read_declaration", "tx_orgs", "unknown_to",
           "unlent_value"]


def parties(decl: Declaration) -> set[str]:
    """The organisations a declaration concerns: the customs office that registered it,
    its exporter and its importer organisation (regulators read everything besides)."""
    return {o for o in (decl.customs, decl.exporter_org, decl.importer_org) if o}


def declarations_of(decls: Iterable[Declaration], org: str, *, status: str | None = None,
                    direction: str | None = None) -> list[Declaration]:
    """The declarations ``org`` exports or imports under, or registered as customs,
    newest registration first, optionally of one ``status`` and ``direction``."""
    found = [d for d in decls if org in parties(d)
             and (status is None or d.status == status)
             and (direction is None or d.direction == direction)]
    return sorted(found, key=lambda d: (-d.registered_at_ms, d.id))


def unlent_value(decl: Declaration) -> int:
    """What a declaration can back at most now, in minor units of its ``currency``: its
    value while registered, 0 once cancelled (export finance subtracts what it lent)."""
    return decl.value if decl.status == Status.REGISTERED else 0


def unknown_to(state: StateReader, org: str, args: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(field, reason)`` to refuse, as for an unknown MRN, ``org``'s amendment or
    cancellation of a declaration it is no party to; ``None`` when it may act (a new
    registration names no existing declaration: the contract checks it)."""
    mrn = args.get("id")
    if not isinstance(mrn, str) or "type_code" in args:
        return None
    decl = read_declaration(state, mrn)
    if decl is not None and org in parties(decl):
        return None
    return "id", f"no declaration {shown(mrn)!r}"


def tx_orgs(state: StateReader, contract: str, action: str, named: Mapping[str, set[str]]
            ) -> set[str]:
    """The organisations a ``customs`` transaction concerns from state: the parties of
    each declaration it names."""
    if contract != "customs":
        return set()
    found: set[str] = set()
    for mrn in named.get("id", set()):
        decl = read_declaration(state, mrn)
        if decl is not None:
            found |= parties(decl)
    return found
