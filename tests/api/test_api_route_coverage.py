"""Every operation of the OpenAPI document is exercised by some test of this folder.

Tests claim operations with ``@covers("METHOD /path")`` (on the test, or on a
``pytest.param``); ``conftest.py`` fails a passing test that did not call what it claims.
This test reads the claims from the test modules, so it needs no particular test order and
works when run alone: a route added without a test fails it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from api_support import Api

HERE = Path(__file__).parent


def _operations(marks: Iterable[Any]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for mark in marks:
        if mark.name == "covers":
            found |= {tuple(op.split(" ", 1)) for op in mark.args}  # type: ignore[misc]
        elif mark.name == "parametrize":
            for param in mark.args[1]:
                found |= _operations(getattr(param, "marks", ()))
    return found


def claimed_operations() -> dict[tuple[str, str], list[str]]:
    """(method, path) → the tests that claim to exercise it."""
    claims: dict[tuple[str, str], list[str]] = {}
    for path in sorted(HERE.glob("test_*.py")):
        module = importlib.import_module(path.stem)
        for name, obj in vars(module).items():
            if name.startswith("test_") and callable(obj):
                for op in _operations(getattr(obj, "pytestmark", [])):
                    claims.setdefault(op, []).append(f"{path.stem}::{name}")
    return claims


def test_every_route_is_exercised_by_some_test(shared: Api) -> None:
    doc = shared.client.get("/openapi.json").json()
    routes = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    assert len(routes) >= 60
    claims = claimed_operations()
    untested = sorted(routes - set(claims))
    assert untested == [], f"API operations no test exercises: {untested}"
    stale = sorted(set(claims) - routes)
    assert stale == [], f"@covers names operations the API does not have: {stale}"


def test_claims_are_read_from_params_too() -> None:
    claims = claimed_operations()
    assert "test_api_contracts::test_every_action" in claims[
        ("POST", "/v1/contracts/receivable/mark_overdue")]
