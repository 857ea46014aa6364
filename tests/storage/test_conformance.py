"""Every ``LedgerStore`` behaves the same: this suite runs over each implementation."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from smechain.storage.abc import LedgerStore
from smechain.storage.memory import MemoryStore
from smechain.storage.pgserver import LocalPostgres
from smechain.storage.postgres import PostgresStore
from smechain.storage.sqlite import SqliteStore

H1 = b"\x01" * 32
H2 = b"\x02" * 32
H3 = b"\x03" * 32


def _memory(_: pytest.FixtureRequest) -> LedgerStore:
    return MemoryStore()


def _sqlite(request: pytest.FixtureRequest) -> LedgerStore:
    return SqliteStore(request.getfixturevalue("tmp_path") / "l.sqlite")


def _postgres(request: pytest.FixtureRequest) -> LedgerStore:
    # A schema of its own on the session's server (see conftest.py).
    server: LocalPostgres = request.getfixturevalue("postgres_server")
    return PostgresStore(server.dsn, schema=request.getfixturevalue("pg_schema"))


@pytest.fixture(params=[_memory, _sqlite, _postgres], ids=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Iterator[LedgerStore]:
    factory: Callable[[pytest.FixtureRequest], LedgerStore] = request.param
    s = factory(request)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(tmp_path / "l.sqlite")
    yield s
    s.close()


def _snapshot(s: LedgerStore) -> tuple[int, list[bytes | None], list[tuple[str, bytes, int]]]:
    top = s.height()
    return top, [s.block_bytes(h) for h in range(top + 2)], list(s.iter_state())


def _seed(s: LedgerStore) -> None:
    s.commit_block(0, b"block-0", [], {"a": b"1", "b": b"2"})
    s.commit_block(1, b"block-1", [H1], {"a": b"10", "c": b"3"})


# --- the conformance suite -----------------------------------------------------


def test_empty_store(store: LedgerStore) -> None:
    assert store.height() == -1
    assert store.block_bytes(0) is None
    assert store.block_bytes(-1) is None
    assert store.find_tx(H1) is None
    assert store.get("a") is None
    assert list(store.iter_state()) == []


def test_commit_stores_block_bytes(store: LedgerStore) -> None:
    store.commit_block(0, b"genesis", [], {})
    store.commit_block(1, b"\x00block one\xff", [H1], {})
    assert store.height() == 1
    assert store.block_bytes(0) == b"genesis"
    assert store.block_bytes(1) == b"\x00block one\xff"
    assert isinstance(store.block_bytes(1), bytes)
    assert store.block_bytes(2) is None
    assert store.block_bytes(-1) is None


def test_tx_index(store: LedgerStore) -> None:
    store.commit_block(0, b"b0", [], {})
    store.commit_block(1, b"b1", [H1, H2], {})
    store.commit_block(2, b"b2", [H3], {})
    assert store.find_tx(H1) == (1, 0)
    assert store.find_tx(H2) == (1, 1)
    assert store.find_tx(H3) == (2, 0)
    assert store.find_tx(b"\x09" * 32) is None


def test_tx_index_first_occurrence_wins(store: LedgerStore) -> None:
    store.commit_block(0, b"b0", [], {})
    # Twice within one block, then again in a later block: the first stays.
    store.commit_block(1, b"b1", [H2, H1, H1], {})
    store.commit_block(2, b"b2", [H3, H1, H2], {})
    assert store.find_tx(H1) == (1, 1)
    assert store.find_tx(H2) == (1, 0)
    assert store.find_tx(H3) == (2, 0)


def test_find_txs_answers_many_hashes_at_once(store: LedgerStore) -> None:
    store.commit_block(0, b"b0", [], {})
    store.commit_block(1, b"b1", [H1, H2], {})
    many = [i.to_bytes(32, "big") for i in range(10, 1210)]  # more than one query's worth
    store.commit_block(2, b"b2", [H3, *many[::2]], {})
    assert store.find_txs([]) == {}
    assert store.find_txs([b"\x09" * 32]) == {}
    found = store.find_txs([H2, b"\x09" * 32, H3, *many])
    assert found == {H2: (1, 1), H3: (2, 0),
                     **{h: (2, 1 + i) for i, h in enumerate(many[::2])}}
    assert all(type(h) is bytes for h in found)
    assert found == {h: store.find_tx(h) for h in found}


def test_cursors_keep_the_latest_position_and_touch_nothing_else(store: LedgerStore) -> None:
    _seed(store)
    before = _snapshot(store)
    assert store.cursor("checkpoints") is None
    store.put_cursor("checkpoints", 7)
    store.put_cursor("published", 0)
    store.put_cursor("checkpoints", 2**40)
    assert store.cursor("checkpoints") == 2**40
    assert store.cursor("published") == 0
    assert store.cursor("other") is None
    assert _snapshot(store) == before


def test_state_upserts_and_deletions_with_height(store: LedgerStore) -> None:
    store.commit_block(0, b"b0", [], {"a": b"1", "b": b"2", "c": b"3"})
    assert store.get("a") == b"1"
    assert list(store.iter_state()) == [("a", b"1", 0), ("b", b"2", 0), ("c", b"3", 0)]

    store.commit_block(1, b"b1", [], {"a": b"11", "b": None, "d": b"4"})
    assert store.get("a") == b"11"
    assert store.get("b") is None
    assert store.get("d") == b"4"
    assert list(store.iter_state()) == [("a", b"11", 1), ("c", b"3", 0), ("d", b"4", 1)]

    # Deleting a key that does not exist is a no-op; re-creating a deleted key works.
    store.commit_block(2, b"b2", [], {"nope": None, "b": b"22"})
    assert store.get("nope") is None
    assert list(store.iter_state()) == [
        ("a", b"11", 1), ("b", b"22", 2), ("c", b"3", 0), ("d", b"4", 1),
    ]
    # An empty value is a value, not a deletion.
    store.commit_block(3, b"b3", [], {"a": b""})
    assert store.get("a") == b""
    assert ("a", b"", 3) in list(store.iter_state())


@pytest.mark.parametrize("wrong", [-1, 0, 1, 3, 5])
def test_wrong_height_raises_and_changes_nothing(store: LedgerStore, wrong: int) -> None:
    _seed(store)
    before = _snapshot(store)
    with pytest.raises(ValueError, match="height"):
        store.commit_block(wrong, b"bad", [H2], {"a": b"bad", "z": b"bad", "b": None})
    assert _snapshot(store) == before
    assert store.find_tx(H2) is None
    assert store.get("a") == b"10"
    assert store.get("b") == b"2"
    assert store.get("z") is None
    # The right height still commits afterwards.
    store.commit_block(2, b"block-2", [H2], {})
    assert store.height() == 2
    assert store.find_tx(H2) == (2, 0)


def test_first_block_must_be_height_zero(store: LedgerStore) -> None:
    with pytest.raises(ValueError):
        store.commit_block(1, b"b1", [H1], {"a": b"1"})
    assert store.height() == -1
    assert store.block_bytes(1) is None
    assert store.find_tx(H1) is None
    assert store.get("a") is None


def test_iter_state_prefix_ordered_and_filtered(store: LedgerStore) -> None:
    keys = {
        "cash/balance/CNY/zeta": b"1",
        "cash/balance/CNY/acme": b"2",
        "cash/balance/CNY/": b"3",
        "cash/balance/CNYX": b"4",
        "cash/balance/USD/acme": b"5",
        "cash/balance": b"6",
        "cash/supply/CNY": b"7",
        "cash/balance/CNY/\u00e9": b"8",
        "cash/balance/CNY/B": b"9",
        "a": b"10",
        "z": b"11",
    }
    store.commit_block(0, b"b0", [], dict(keys))
    everything = list(store.iter_state())
    assert [k for k, _, _ in everything] == sorted(keys)
    assert all(v == keys[k] and h == 0 for k, v, h in everything)

    under = list(store.iter_state("cash/balance/CNY/"))
    assert [k for k, _, _ in under] == [
        "cash/balance/CNY/", "cash/balance/CNY/B", "cash/balance/CNY/acme",
        "cash/balance/CNY/zeta", "cash/balance/CNY/\u00e9",
    ]
    assert [v for _, v, _ in under] == [b"3", b"9", b"2", b"1", b"8"]
    assert [k for k, _, _ in store.iter_state("cash/")] == sorted(
        k for k in keys if k.startswith("cash/")
    )
    assert list(store.iter_state("nothing/")) == []
    assert [k for k, _, _ in store.iter_state("z")] == ["z"]
    assert list(store.iter_state("")) == everything


def test_get_reflects_latest_commit_after_reads(store: LedgerStore) -> None:
    # Read (and so possibly cache) before and after each change.
    assert store.get("k") is None
    store.commit_block(0, b"b0", [], {"k": b"v0"})
    assert store.get("k") == b"v0"
    store.commit_block(1, b"b1", [], {"k": None})
    assert store.get("k") is None
    store.commit_block(2, b"b2", [], {"k": b"v2"})
    assert store.get("k") == b"v2"


class _Watched(dict[str, bytes | None]):
    """A write set that notes the store's height whenever the store goes through it."""

    def __init__(self, store: LedgerStore, writes: dict[str, bytes | None]) -> None:
        super().__init__(writes)
        self.store, self.heights = store, []  # type: list[int]

    def items(self):  # type: ignore[no-untyped-def, override]
        self.heights.append(self.store.height())
        return super().items()


def test_height_moves_only_once_the_block_is_readable(store: LedgerStore) -> None:
    # LedgerView.consistent relies on this: while a commit is storing and caching the
    # writes, height() still answers the block before, so a reader who sees the
    # height unchanged across its reads never mixed two states.
    _seed(store)
    writes = _Watched(store, {"a": b"11", "b": None})
    store.commit_block(2, b"block-2", [H2], writes)
    assert writes.heights and set(writes.heights) == {1}
    assert store.height() == 2
    assert (store.get("a"), store.get("b"), store.find_tx(H2)) == (b"11", None, (2, 0))


def test_checkpoints_kept_per_height_and_org(store: LedgerStore) -> None:
    _seed(store)
    assert store.checkpoints(1) == {}
    store.put_checkpoint(1, "bank-a", b"sig-a")
    store.put_checkpoint(1, "core-a", b"sig-c")
    store.put_checkpoint(2, "bank-a", b"\x00later\xff")
    assert store.checkpoints(1) == {"bank-a": b"sig-a", "core-a": b"sig-c"}
    assert store.checkpoints(2) == {"bank-a": b"\x00later\xff"}
    assert all(isinstance(v, bytes) for v in store.checkpoints(2).values())
    # The latest checkpoint from an organisation replaces its earlier one.
    store.put_checkpoint(1, "bank-a", b"sig-a2")
    assert store.checkpoints(1) == {"bank-a": b"sig-a2", "core-a": b"sig-c"}
    # Checkpoints touch nothing else.
    assert store.height() == 1
    assert store.checkpoints(0) == {}


# --- SqliteStore: durability and atomicity ----------------------------------------


def test_sqlite_reopened_sees_same_data(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    s = SqliteStore(path)
    _seed(s)
    s.commit_block(2, b"block-2", [H2, H1], {"b": None, "d": b"4"})
    s.put_cursor("checkpoints", 41)
    expected = _snapshot(s)
    s.close()

    for again in (SqliteStore(path), SqliteStore(path, readonly=True)):
        try:
            assert again.height() == 2
            assert _snapshot(again) == expected
            assert again.find_tx(H1) == (1, 0)
            assert again.find_tx(H2) == (2, 0)
            assert again.find_txs([H1, H2, H3]) == {H1: (1, 0), H2: (2, 0)}
            assert again.cursor("checkpoints") == 41
            assert again.get("a") == b"10"
            assert again.get("b") is None
            assert list(again.iter_state()) == [("a", b"10", 1), ("c", b"3", 1), ("d", b"4", 2)]
        finally:
            again.close()

    # And it carries on from where it was.
    s = SqliteStore(path)
    try:
        with pytest.raises(ValueError):
            s.commit_block(2, b"dup", [], {})
        s.commit_block(3, b"block-3", [H3], {"e": b"5"})
        assert s.height() == 3
    finally:
        s.close()


def test_sqlite_rejects_bad_synchronous(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="synchronous"):
        SqliteStore(tmp_path / "l.sqlite", synchronous="EXTRA")


def _assert_unchanged(s: SqliteStore, before: object) -> None:
    assert _snapshot(s) == before
    assert s.find_tx(H2) is None
    assert s.find_tx(H1) == (1, 0)
    assert s.get("a") == b"10"
    assert s.get("b") == b"2"
    assert s.get("c") == b"3"
    assert s.get("new") is None


def test_sqlite_failed_commit_duplicate_height_is_rolled_back(
    sqlite_store: SqliteStore,
) -> None:
    s = sqlite_store
    _seed(s)
    before = _snapshot(s)
    # A row the store does not know about makes its INSERT of block 2 fail.
    s._db.execute("INSERT INTO blocks (height, data) VALUES (2, ?)", (b"intruder",))
    with pytest.raises(sqlite3.IntegrityError):
        s.commit_block(2, b"block-2", [H2], {"a": b"new-a", "b": None, "new": b"x"})
    assert s.height() == 1
    assert s.block_bytes(2) == b"intruder"
    s._db.execute("DELETE FROM blocks WHERE height=2")
    _assert_unchanged(s, before)
    assert not s._db.in_transaction
    # The store is still usable.
    s.commit_block(2, b"block-2", [H2], {"new": b"x"})
    assert s.height() == 2
    assert s.block_bytes(2) == b"block-2"
    assert s.find_tx(H2) == (2, 0)
    assert s.get("new") == b"x"


@pytest.mark.parametrize("bad", [object(), ["not", "bytes"], {"k": 1}])
def test_sqlite_failed_commit_bad_value_is_rolled_back(
    sqlite_store: SqliteStore, bad: object
) -> None:
    s = sqlite_store
    _seed(s)
    before = _snapshot(s)
    # The block row and tx index rows are written before the state upsert fails.
    writes = {"a": b"new-a", "b": None, "new": bad}
    with pytest.raises(sqlite3.Error):
        s.commit_block(2, b"block-2", [H2], writes)  # type: ignore[dict-item]
    assert s.height() == 1
    assert s.block_bytes(2) is None
    _assert_unchanged(s, before)
    assert not s._db.in_transaction
    # What did reach the connection was rolled back, on disk too.
    reader = SqliteStore(s.path, readonly=True)
    try:
        assert reader.height() == 1
        assert reader.find_tx(H2) is None
        assert list(reader.iter_state()) == before[2]
    finally:
        reader.close()
    s.commit_block(2, b"block-2", [H2], {"a": b"new-a"})
    assert s.height() == 2
    assert s.get("a") == b"new-a"


def test_sqlite_failed_commit_then_reopen(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    s = SqliteStore(path)
    _seed(s)
    before = _snapshot(s)
    with pytest.raises(sqlite3.Error):
        s.commit_block(2, b"block-2", [H2], {"x": object()})  # type: ignore[dict-item]
    s.close()
    again = SqliteStore(path)
    try:
        assert _snapshot(again) == before
        assert again.find_tx(H2) is None
    finally:
        again.close()


@pytest.fixture(params=[_sqlite, _postgres], ids=["sqlite", "postgres"])
def cached_store(request: pytest.FixtureRequest) -> Iterator[SqliteStore | PostgresStore]:
    s = request.param(request)
    yield s
    s.close()


def test_read_racing_a_commit_does_not_leave_a_stale_cache(
    cached_store: SqliteStore | PostgresStore,
) -> None:
    s = cached_store
    s.commit_block(0, b"b0", [], {"k": b"old"})
    s._cache.clear()  # as a freshly opened store
    paused = threading.Event()
    resume = threading.Event()
    remember = s._remember

    def remember_slowly(key: str, value: bytes | None) -> None:
        # Hold the reader between its SELECT and caching what it read.
        if threading.current_thread().name == "reader":
            paused.set()
            resume.wait(10)
        remember(key, value)

    s._remember = remember_slowly  # type: ignore[method-assign]
    reader = threading.Thread(target=lambda: s.get("k"), name="reader")
    committer = threading.Thread(
        target=lambda: s.commit_block(1, b"b1", [], {"k": b"new"}), name="committer"
    )
    try:
        reader.start()
        assert paused.wait(10)
        committer.start()
        committer.join(timeout=0.5)  # a store that serialises the two just keeps waiting
    finally:
        resume.set()
        reader.join(timeout=10)
        committer.join(timeout=10)
    assert not committer.is_alive()
    assert s.height() == 1
    assert s.get("k") == b"new"
