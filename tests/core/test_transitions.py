"""The transition tables come from the contracts' declarations, and the guard enforces them."""

from __future__ import annotations

import importlib
import textwrap
from pathlib import Path

import pytest

from smechain.core.contract import Transition
from smechain.core.module import Module
from smechain.core.transitions import (
    offered,
    transition_rows,
    transition_table,
    transitions_markdown,
)
from smechain.modules import MODULES
from smechain.modules.receivable.contract import CONTRACT as RECEIVABLE
from smechain.modules.receivable.contract import Certificate, Status

DOCS = Path(__file__).resolve().parents[2] / "docs" / "transitions.md"
REGENERATE = ('python -c "from smechain.modules import MODULES; from smechain.core.transitions '
              'import transitions_markdown; print(transitions_markdown([m.contract for m in '
              'MODULES]), end=\'\')" > docs/transitions.md')


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_each_contract_docstring_holds_its_declared_table(module: Module) -> None:
    table = transition_table(module.contract)
    doc = importlib.import_module(f"{module.package}.contract").__doc__ or ""
    assert textwrap.indent(table, "    ") in doc, (
        f"the table in {module.package}.contract's docstring is not its declaration's:\n{table}")


def test_docs_transitions_is_the_declarations() -> None:
    assert DOCS.read_text() == transitions_markdown([m.contract for m in MODULES]), REGENERATE


def test_rows_describe_a_sale() -> None:
    (sell,) = [r for r in transition_rows(RECEIVABLE) if r["action"] == "sell"]
    assert sell == {"action": "sell", "object": "certificate", "from": ["confirmed"],
                    "to": "confirmed", "by": "holder", "by_party": True,
                    "cosign": [{"arg": "buyer", "roles": ["bank", "factor"],
                                "optional": False}], "roles": None}
    (settle,) = [r for r in transition_rows(RECEIVABLE) if r["action"] == "settle"]
    assert settle["from"] == ["confirmed", "overdue"] and settle["by"] == "debtor"
    (issue,) = [r for r in transition_rows(RECEIVABLE) if r["action"] == "issue"]
    assert issue["object"] is None and issue["from"] == [] and issue["to"] == "requested"


def _cert(status: Status, holder: str = "sme-1") -> Certificate:
    return Certificate("c1", "c1", "", "core-a", "sme-1", holder, 100, "CNY", "2030-01-01",
                       status, [])


def test_offered_follows_status_and_party() -> None:
    live = _cert(Status.CONFIRMED)
    assert offered(RECEIVABLE, live, "sme-1", frozenset({"sme"})) == [
        "split", "transfer", "sell", "guarantee", "mark_overdue"]
    assert offered(RECEIVABLE, live, "core-a", frozenset({"core_enterprise"})) == ["settle"]
    assert offered(RECEIVABLE, _cert(Status.REQUESTED), "core-a", frozenset()) == [
        "confirm", "dispute"]
    assert offered(RECEIVABLE, _cert(Status.SETTLED), "sme-1", frozenset({"sme"})) == []


def test_every_transition_starts_and_ends_in_its_subjects_statuses() -> None:
    for module in MODULES:
        for name, action in module.contract.actions.items():
            if isinstance(action, Transition):
                assert action.from_, name
                assert action.on.id_arg in action.args_type.__struct_fields__, name
                kinds = {type(s) for s in action.from_} | (
                    {type(action.to)} if action.to is not None else set())
                assert len(kinds) == 1, name
