"""The server store: PostgreSQL, one schema per peer.

A block, its transaction index rows and its state writes go in one PostgreSQL
transaction, so a crash of the peer or of the server leaves every committed
block intact and no partial one. Each of the three is one statement over
arrays (``unnest``), sent with binary parameters: a block of 500 transactions
and 1,500 state writes costs four round trips, not two thousand.

Several peers can share a server, each in its own ``schema``. A store holds a
session advisory lock on its schema while open, because its height and read
cache assume it is the only writer there; a second store on the same schema
is refused.

Keys are ``text COLLATE "C"``, so ``iter_state`` orders them by code point as
the other stores do, whatever the server's locale. Like all PostgreSQL text,
a key cannot contain NUL.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator, Sequence

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from smechain.core.state import WriteSet
from smechain.storage.cache import CachedReads

_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")

_TABLES = """
CREATE SCHEMA IF NOT EXISTS {schema};
CREATE TABLE IF NOT EXISTS {schema}.blocks (height bigint PRIMARY KEY, data bytea NOT NULL);
CREATE TABLE IF NOT EXISTS {schema}.txs (
    hash bytea PRIMARY KEY, height bigint NOT NULL, idx integer NOT NULL
);
CREATE TABLE IF NOT EXISTS {schema}.state (
    key text COLLATE "C" PRIMARY KEY, value bytea NOT NULL, height bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS {schema}.checkpoints (
    height bigint NOT NULL, org text NOT NULL, data bytea NOT NULL, PRIMARY KEY (height, org)
);
CREATE TABLE IF NOT EXISTS {schema}.cursors (name text PRIMARY KEY, position bigint NOT NULL);
"""

_MISSING = object()
_CONNECT_TIMEOUT = 10  # seconds, unless the dsn says otherwise


def describe_dsn(dsn: str) -> str:
    """``user@host:port/dbname`` of a connection string, never its password."""
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "(an unparseable dsn)"
    user = f"{params['user']}@" if params.get("user") else ""
    host = params.get("hostaddr") or params.get("host") or "localhost"
    port = params.get("port") or "5432"
    return f"{user}{host}:{port}/{params.get('dbname') or ''}"


def _upper_bound(prefix: str) -> str | None:
    """The least string above every string starting with ``prefix``; None if there is none."""
    chars = prefix.rstrip(chr(sys.maxunicode))
    if not chars:
        return None
    last = ord(chars[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:  # surrogates cannot be stored; skip over them
        last = 0xE000
    return chars[:-1] + chr(last)


class PostgresStore(CachedReads):
    """A ``LedgerStore`` in schema ``schema`` of the PostgreSQL database at ``dsn``."""

    def __init__(
        self, dsn: str, *, schema: str = "smechain", cache_entries: int = 1_000_000
    ) -> None:
        if not _SCHEMA_NAME.fullmatch(schema):
            raise ValueError(f"schema: {schema!r} is not a lower-case SQL identifier")
        self.schema = schema
        self.where = describe_dsn(dsn)
        try:
            params = conninfo_to_dict(dsn)
        except psycopg.ProgrammingError:
            raise ValueError("dsn: not a PostgreSQL connection string") from None
        if "connect_timeout" not in params:  # so that a silent server cannot hang us
            dsn = make_conninfo(dsn, connect_timeout=_CONNECT_TIMEOUT)
        try:
            self._db = psycopg.connect(dsn, autocommit=True)
        except psycopg.OperationalError as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise ConnectionError(
                f"store: cannot connect to PostgreSQL at {self.where}: {reason}"
            ) from exc
        try:
            self._open(schema)
        except BaseException:
            self._db.close()
            raise
        super().__init__(cache_entries)

    def _open(self, schema: str) -> None:
        """Take the schema's lock, create the tables, read the height, prepare the queries."""
        db = self._db
        got = db.execute(
            "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (f"smechain:{schema}",)
        ).fetchone()
        if not (got and got[0]):
            raise RuntimeError(
                f"schema: {schema!r} at {self.where} is already open in another store"
            )
        name = sql.Identifier(schema)
        with db.transaction():
            for statement in _TABLES.split(";"):
                if statement.strip():
                    db.execute(sql.SQL(statement).format(schema=name))
        row = db.execute(sql.SQL("SELECT max(height) FROM {}.blocks").format(name)).fetchone()
        self._height = -1 if row is None or row[0] is None else int(row[0])

        def q(text: str) -> sql.Composed:
            return sql.SQL(text).format(s=name)

        self._q_block = q("SELECT data FROM {s}.blocks WHERE height = %s")
        self._q_tx = q("SELECT height, idx FROM {s}.txs WHERE hash = %b")
        self._q_txs = q("SELECT hash, height, idx FROM {s}.txs WHERE hash = ANY(%b::bytea[])")
        self._q_get = q("SELECT value FROM {s}.state WHERE key = %s")
        self._q_put_block = q("INSERT INTO {s}.blocks (height, data) VALUES (%s, %b)")
        self._q_put_txs = q(
            "INSERT INTO {s}.txs (hash, height, idx) "
            "SELECT h, %s, i FROM unnest(%b::bytea[], %b::int[]) AS t(h, i) "
            "ON CONFLICT (hash) DO NOTHING"
        )
        self._q_upsert = q(
            "INSERT INTO {s}.state (key, value, height) "
            "SELECT k, v, %s FROM unnest(%b::text[], %b::bytea[]) AS t(k, v) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, height = excluded.height"
        )
        self._q_delete = q("DELETE FROM {s}.state WHERE key = ANY(%b::text[])")
        self._q_state_from = q(
            "SELECT key, value, height FROM {s}.state WHERE key >= %s ORDER BY key"
        )
        self._q_state_range = q(
            "SELECT key, value, height FROM {s}.state WHERE key >= %s AND key < %s ORDER BY key"
        )
        self._q_put_checkpoint = q(
            "INSERT INTO {s}.checkpoints (height, org, data) VALUES (%s, %s, %b) "
            "ON CONFLICT (height, org) DO UPDATE SET data = excluded.data"
        )
        self._q_checkpoints = q("SELECT org, data FROM {s}.checkpoints WHERE height = %s")
        self._q_cursor = q("SELECT position FROM {s}.cursors WHERE name = %s")
        self._q_put_cursor = q(
            "INSERT INTO {s}.cursors (name, position) VALUES (%s, %s) "
            "ON CONFLICT (name) DO UPDATE SET position = excluded.position"
        )

    def height(self) -> int:
        return self._height

    def block_bytes(self, height: int) -> bytes | None:
        with self._lock:
            row = self._db.execute(self._q_block, (height,)).fetchone()
        return None if row is None else bytes(row[0])

    def find_tx(self, tx_hash: bytes) -> tuple[int, int] | None:
        with self._lock:
            row = self._db.execute(self._q_tx, (tx_hash,)).fetchone()
        return None if row is None else (int(row[0]), int(row[1]))

    def find_txs(self, tx_hashes: Sequence[bytes]) -> dict[bytes, tuple[int, int]]:
        if not tx_hashes:
            return {}
        with self._lock:
            rows = self._db.execute(self._q_txs, ([bytes(h) for h in tx_hashes],)).fetchall()
        return {bytes(h): (int(height), int(idx)) for h, height, idx in rows}

    def _read_state(self, key: str) -> bytes | None:
        row = self._db.execute(self._q_get, (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def commit_block(
        self, height: int, block: bytes, tx_hashes: Sequence[bytes], writes: WriteSet
    ) -> None:
        # The first occurrence of a hash wins, within the block as across blocks.
        first: dict[bytes, int] = {}
        for index, tx_hash in enumerate(tx_hashes):
            first.setdefault(bytes(tx_hash), index)
        with self._lock:
            if height != self._height + 1:
                raise ValueError(f"height: expected {self._height + 1}, got {height}")
            db = self._db
            with db.transaction():
                db.execute(self._q_put_block, (height, block))
                if first:
                    db.execute(self._q_put_txs, (height, list(first), list(first.values())))
                keys = [k for k, v in writes.items() if v is not None]
                values = [v for v in writes.values() if v is not None]
                for key, value in zip(keys, values, strict=True):
                    if not isinstance(value, bytes | bytearray | memoryview):
                        raise TypeError(f"state value at {key!r} is {type(value).__name__}")
                if keys:
                    db.execute(self._q_upsert, (height, keys, values))
                deletes = [k for k, v in writes.items() if v is None]
                if deletes:
                    db.execute(self._q_delete, (deletes,))
            for key, written in writes.items():
                self._remember(key, None if written is None else bytes(written))
            self._height = height  # last: see LedgerStore

    def iter_state(self, prefix: str = "") -> Iterator[tuple[str, bytes, int]]:
        upper = _upper_bound(prefix)
        with self._lock:
            if upper is None:
                rows = self._db.execute(self._q_state_from, (prefix,)).fetchall()
            else:
                rows = self._db.execute(self._q_state_range, (prefix, upper)).fetchall()
        for key, value, height in rows:
            if key.startswith(prefix):
                yield key, bytes(value), int(height)

    def put_checkpoint(self, height: int, org: str, data: bytes) -> None:
        with self._lock:
            self._db.execute(self._q_put_checkpoint, (height, org, data))

    def checkpoints(self, height: int) -> dict[str, bytes]:
        with self._lock:
            rows = self._db.execute(self._q_checkpoints, (height,)).fetchall()
        return {org: bytes(data) for org, data in rows}

    def cursor(self, name: str) -> int | None:
        with self._lock:
            row = self._db.execute(self._q_cursor, (name,)).fetchone()
        return None if row is None else int(row[0])

    def put_cursor(self, name: str, position: int) -> None:
        with self._lock:
            self._db.execute(self._q_put_cursor, (name, position))

    def close(self) -> None:
        """Release the schema's lock, then the connection. The lock is let go explicitly:
        the server drops a closed session's locks only once its backend has exited, so a
        store opened again at once could find the schema still held."""
        with self._lock:
            # a broken connection's session, and its lock, end with it
            if not self._db.closed:
                with contextlib.suppress(psycopg.Error):
                    self._db.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))",
                                     (f"smechain:{self.schema}",))
            self._db.close()
