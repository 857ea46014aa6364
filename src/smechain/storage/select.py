"""Which store a peer opens: the embedded SQLite file or a PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

from smechain.storage.abc import LedgerStore
from smechain.storage.postgres import PostgresStore
from smechain.storage.sqlite import SqliteStore

STORE_FILE = "ledger.sqlite"


def open_store(spec: str | None, folder: Path, *, synchronous: str = "FULL") -> LedgerStore:
    """The store ``spec`` names.

    ``None`` or ``"sqlite"``: the file ``<folder>/ledger.sqlite``; a ``postgresql://``
    (or ``postgres://``) URL: schema ``smechain`` of that database.
    """
    if spec is None or spec == "sqlite":
        return SqliteStore(Path(folder) / STORE_FILE, synchronous=synchronous)
    if spec.startswith(("postgresql://", "postgres://")):
        return PostgresStore(spec)
    shown = spec.split("://", 1)[0] + "://..." if "://" in spec else spec
    raise ValueError(f"store: {shown!r} is not 'sqlite' or a postgresql:// URL")
