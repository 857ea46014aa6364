"""Settings of the whole suite.

Passwords are hashed at a trivial scrypt cost: the suite creates and checks thousands of
them, each ~50 ms of a core at the production cost. Every stored hash records its cost, so
this changes no check's outcome; ``tests/api/test_api_password_hashing.py`` keeps the
production cost honest, and a test that needs real hashing work asks for
``production_password_cost``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo_template import DemoTemplate
from smechain.api import accounts

TEST_PASSWORD_COST = accounts.ScryptCost(log2_n=4, r=8, p=1)


def pytest_configure(config: pytest.Config) -> None:
    accounts.use_password_cost(TEST_PASSWORD_COST)


@pytest.fixture
def production_password_cost() -> Iterator[accounts.ScryptCost]:
    """New password hashes (and the unknown-user check) at the production cost for one test."""
    previous = accounts.use_password_cost(accounts.PASSWORD_COST)
    try:
        yield accounts.PASSWORD_COST
    finally:
        accounts.use_password_cost(previous)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> DemoTemplate:
    """The seeded demo, built once; ``demo_template.copy(folder)`` runs a fresh copy."""
    return DemoTemplate(tmp_path_factory.mktemp("demo-template"))
