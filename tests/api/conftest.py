"""Fixtures of the HTTP API tests: seeded demo networks and clients over their API.

- ``shared``: one demo for the whole session, for tests that only read (or only add
  sessions); never change the ledger or the accounts through it.
- ``api``: a fresh demo per test, for tests that change state others would see: a copy of
  the session's seeded template (``tests/demo_template.py``), so seeding runs once.

Each test's ``@covers(...)`` claims are checked against the routes it really called.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import api_support
import pytest
from api_support import Api, seeded_api

from demo_template import DemoTemplate


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "covers(*operations): the 'METHOD /path' API operations a test exercises")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_OUTCOME] = report.outcome if not hasattr(report, "wasxfail") else "xfail"
    return report


_OUTCOME = pytest.StashKey[str]()


@pytest.fixture(autouse=True)
def _claimed_routes_were_called(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a passing test whose ``@covers`` names a route it never called."""
    api_support.EXERCISED.clear()
    yield
    if request.node.stash.get(_OUTCOME, "") != "passed":
        return
    claimed = {tuple(op.split(" ", 1)) for mark in request.node.iter_markers("covers")
               for op in mark.args}
    missing = claimed - api_support.EXERCISED
    if missing:
        pytest.fail(f"@covers claims {sorted(missing)} but the test never called them; "
                    f"it called {sorted(api_support.EXERCISED)}")


@pytest.fixture(scope="session")
def shared(tmp_path_factory: pytest.TempPathFactory,
           demo_template: DemoTemplate) -> Iterator[Api]:
    """A seeded demo shared by read-only tests."""
    api = seeded_api(tmp_path_factory.mktemp("shared") / "demo", demo_template)
    yield api
    api.close()


@pytest.fixture
def api(tmp_path: Path, demo_template: DemoTemplate) -> Iterator[Api]:
    """A freshly seeded demo for a test that changes state."""
    fresh = seeded_api(tmp_path / "demo", demo_template)
    yield fresh
    fresh.close()
