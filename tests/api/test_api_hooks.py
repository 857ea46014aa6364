"""The API takes each module's read-side rules by name from its queries (``api.hooks``)."""

from __future__ import annotations

from smechain.api import hooks
from smechain.modules import MODULES, module
from smechain.modules.invoice import queries as invoice_queries
from smechain.modules.receivable import queries as receivable_queries


def test_every_module_has_queries() -> None:
    assert all(hooks.queries(m) is not None for m in MODULES)


def test_rules_are_found_by_name_in_module_order() -> None:
    assert hooks.rules("unknown_to") == {"receivable": receivable_queries.unknown_to}
    assert list(hooks.rules("tx_orgs")) == ["invoice", "receivable"]
    assert hooks.rules("NAMES") == {"invoice": frozenset({"invoice"}),
                                    "receivable": frozenset({"id"})}
    assert hooks.rules("no_such_rule") == {}
    assert hooks.queries(module("invoice")) is invoice_queries
