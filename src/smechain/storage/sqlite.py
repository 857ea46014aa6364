"""The embedded store: one SQLite file in WAL mode.

A block, its transaction index rows and its state writes go in one SQLite
transaction, so ``kill -9`` at any moment leaves every committed block intact
and no partial one. ``synchronous=FULL`` (the default here) also survives
power loss; ``NORMAL`` survives a process crash, not a power cut.

State reads are served from a cache kept in step with commits, so executing a
block does no disk I/O for state it has seen before.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

from smechain.core.state import WriteSet
from smechain.storage.cache import CachedReads

_SCHEMA = """
CREATE TABLE IF NOT EXISTS blocks (height INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS txs (
    hash BLOB PRIMARY KEY, height INTEGER NOT NULL, idx INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS state (
    key TEXT PRIMARY KEY, value BLOB NOT NULL, height INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
    height INTEGER NOT NULL, org TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (height, org)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, position INTEGER NOT NULL)
    WITHOUT ROWID;
"""

_CHUNK = 500
"""Hashes per ``find_txs`` query (SQLite's host parameters are limited)."""


def connect_private(path: Path) -> sqlite3.Connection:
    """A connection (any thread, autocommit) to the SQLite file ``path``, created readable
    and writable by its owner only (mode 0600; SQLite gives its -wal and -shm files the
    same). An existing file is left as its owner set it."""
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return sqlite3.connect(path, check_same_thread=False, isolation_level=None)


class SqliteStore(CachedReads):
    """A ``LedgerStore`` in ``<folder>/ledger.sqlite``."""

    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: str = "FULL",
        cache_entries: int = 1_000_000,
        readonly: bool = False,
    ) -> None:
        if synchronous not in ("FULL", "NORMAL", "OFF"):
            raise ValueError(f"synchronous: {synchronous!r} is not FULL, NORMAL or OFF")
        self.path = Path(path)
        if readonly:
            uri = f"file:{self.path}?mode=ro"
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False,
                                       isolation_level=None)
        else:
            self._db = connect_private(self.path)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={synchronous}")
            self._db.executescript(_SCHEMA)
        super().__init__(cache_entries)
        row = self._db.execute("SELECT max(height) FROM blocks").fetchone()
        self._height = -1 if row[0] is None else int(row[0])

    def height(self) -> int:
        return self._height

    def block_bytes(self, height: int) -> bytes | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM blocks WHERE height=?", (height,)).fetchone()
        return None if row is None else bytes(row[0])

    def find_tx(self, tx_hash: bytes) -> tuple[int, int] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT height, idx FROM txs WHERE hash=?", (tx_hash,)
            ).fetchone()
        return None if row is None else (int(row[0]), int(row[1]))

    def find_txs(self, tx_hashes: Sequence[bytes]) -> dict[bytes, tuple[int, int]]:
        found: dict[bytes, tuple[int, int]] = {}
        with self._lock:
            for i in range(0, len(tx_hashes), _CHUNK):
                chunk = tx_hashes[i : i + _CHUNK]
                rows = self._db.execute(
                    f"SELECT hash, height, idx FROM txs WHERE hash IN "
                    f"({','.join('?' * len(chunk))})", chunk,
                ).fetchall()
                for h, height, idx in rows:
                    found[bytes(h)] = (int(height), int(idx))
        return found

    def _read_state(self, key: str) -> bytes | None:
        row = self._db.execute("SELECT value FROM state WHERE key=?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def commit_block(
        self, height: int, block: bytes, tx_hashes: Sequence[bytes], writes: WriteSet
    ) -> None:
        if height != self._height + 1:
            raise ValueError(f"height: expected {self._height + 1}, got {height}")
        upserts = [(k, v, height) for k, v in writes.items() if v is not None]
        deletes = [(k,) for k, v in writes.items() if v is None]
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("INSERT INTO blocks (height, data) VALUES (?, ?)", (height, block))
                db.executemany(
                    "INSERT OR IGNORE INTO txs (hash, height, idx) VALUES (?, ?, ?)",
                    [(h, height, i) for i, h in enumerate(tx_hashes)],
                )
                db.executemany(
                    "INSERT INTO state (key, value, height) VALUES (?, ?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value=excluded.value, height=excluded.height",
                    upserts,
                )
                db.executemany("DELETE FROM state WHERE key=?", deletes)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            for key, value in writes.items():
                self._remember(key, value)
            self._height = height  # last: see LedgerStore

    def iter_state(self, prefix: str = "") -> Iterator[tuple[str, bytes, int]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT key, value, height FROM state WHERE key >= ? ORDER BY key", (prefix,)
            ).fetchall()
        for key, value, height in rows:
            if not key.startswith(prefix):
                break
            yield key, bytes(value), int(height)

    def put_checkpoint(self, height: int, org: str, data: bytes) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO checkpoints (height, org, data) VALUES (?, ?, ?) "
                "ON CONFLICT(height, org) DO UPDATE SET data=excluded.data",
                (height, org, data),
            )

    def checkpoints(self, height: int) -> dict[str, bytes]:
        with self._lock:
            rows = self._db.execute(
                "SELECT org, data FROM checkpoints WHERE height=?", (height,)
            ).fetchall()
        return {org: bytes(data) for org, data in rows}

    def cursor(self, name: str) -> int | None:
        with self._lock:
            row = self._db.execute("SELECT position FROM cursors WHERE name=?",
                                   (name,)).fetchone()
        return None if row is None else int(row[0])

    def put_cursor(self, name: str, position: int) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO cursors (name, position) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET position=excluded.position",
                (name, position),
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()
