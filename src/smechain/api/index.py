"""An index of committed transactions and events, for listing, charts and need-to-know.

The ledger answers "what is at this key" and "what is in this block"; an API
also needs "which transactions concern this organisation", "volumes financed
per day" and "refused attempts to finance an invoice twice". The indexer
follows the node's committed blocks on its own thread and keeps those answers
in ``index.sqlite`` beside the ledger; it is derived data, rebuilt from the
chain whenever the file is missing.

Which organisations a transaction concerns: its signers' organisations, every
organisation named in its arguments or events, and those each module's
``tx_orgs`` rule adds from state (``api.hooks``; e.g. the parties of the
invoices it names). Rules read only fixed fields, never who holds an object
now, so the answer is the same whenever the index is built.
"""

from __future__ import annotations

import json
import queue
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import structlog

from smechain.api import hooks
from smechain.core.block import OK, Block
from smechain.core.encoding import plain
from smechain.core.executor import DecodedTx, decode_block_txs
from smechain.modules.membership.contract import ORG_PREFIX
from smechain.modules.membership.queries import member_ids, org_of_key
from smechain.node.node import Node, Subscription
from smechain.storage.sqlite import connect_private

log = structlog.get_logger("smechain.api.index")

INDEX_FILE = "index.sqlite"

# No query looks transactions up by hash here (the ledger store does), so ``txs`` has
# no index on it: one on random 32-byte keys cost ~5 µs a transaction to keep.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS txs (
    height INTEGER NOT NULL, idx INTEGER NOT NULL, tx_hash BLOB NOT NULL,
    contract TEXT NOT NULL, action TEXT NOT NULL, sender_org TEXT NOT NULL,
    ok INTEGER NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL, ts_ms INTEGER NOT NULL,
    field TEXT NOT NULL, subject TEXT NOT NULL,
    PRIMARY KEY (height, idx));
DROP INDEX IF EXISTS txs_hash;
CREATE TABLE IF NOT EXISTS tx_orgs (
    org TEXT NOT NULL, height INTEGER NOT NULL, idx INTEGER NOT NULL,
    PRIMARY KEY (org, height, idx));
CREATE TABLE IF NOT EXISTS events (
    height INTEGER NOT NULL, idx INTEGER NOT NULL, seq INTEGER NOT NULL,
    contract TEXT NOT NULL, name TEXT NOT NULL, attrs TEXT NOT NULL,
    PRIMARY KEY (height, idx, seq));
CREATE INDEX IF NOT EXISTS events_name ON events (name);
"""

_PATH_STEP = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")
BATCH_TXS = 5000
"""Blocks queued behind the one being indexed join it, in one SQLite transaction, up to
about this many transactions."""
REFUSAL_SQL = "ok=0 AND code='conflict' AND field LIKE 'invoices%'"
"""Receipts of attempts to finance an invoice beyond its amount, or a voided one."""


@dataclass(frozen=True, slots=True)
class IndexedTx:
    """One committed transaction as the index saw it (also what event streams carry)."""

    height: int
    index: int
    tx_hash: str
    contract: str
    action: str
    sender_org: str
    ok: bool
    code: str
    message: str
    timestamp_ms: int
    events: list[dict[str, Any]]
    orgs: frozenset[str]
    field: str = ""
    """The argument a failure receipt names (``Receipt.field``); ``""`` when ok."""


class Indexer:
    """Follows ``node``'s committed blocks into ``folder / index.sqlite``."""

    def __init__(self, node: Node, folder: Path) -> None:
        self.node = node
        self._db = connect_private(Path(folder) / INDEX_FILE)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(txs)")}
        if columns and "field" not in columns:  # written before receipts named their field
            self._db.executescript("DROP TABLE txs; DROP TABLE tx_orgs; DROP TABLE events; "
                                   "DELETE FROM meta;")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._key_orgs: dict[bytes, str] = {}
        self._orgs: set[str] = set()
        self._listeners: list[Callable[[list[IndexedTx]], None]] = []
        self._tx_orgs = list(hooks.rules("tx_orgs").values())
        self._names = frozenset().union(*hooks.rules("NAMES").values())
        self._indexed = threading.Condition()
        self.height = self._meta_height()
        self._sub: Subscription | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="indexer", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop following and close the file."""
        self._stop.set()
        self._thread.join(5)
        if self._sub is not None:
            self._sub.close()
        with self._lock:
            self._db.close()

    def on_index(self, listener: Callable[[list[IndexedTx]], None]) -> None:
        """Call ``listener`` (on the indexer thread) with each block's indexed transactions."""
        self._listeners.append(listener)

    def wait_for(self, height: int, timeout: float = 10.0) -> bool:
        """Block until the index has caught up with ``height``."""
        with self._indexed:
            return self._indexed.wait_for(lambda: self.height >= height, timeout)

    def _meta_height(self) -> int:
        row = self._db.execute("SELECT v FROM meta WHERE k='height'").fetchone()
        return -1 if row is None else int(row[0])

    # --- following --------------------------------------------------------------

    def _run(self) -> None:
        # Catch up from the store a block at a time, then follow the live feed (whose
        # replay, under the node's lock, is then only the last few blocks). Blocks that
        # queued up while the index was busy are written in one SQLite transaction.
        while not self._stop.is_set() and self.height < self.node.height():
            block = self.node.block(self.height + 1)
            self._index_until_done([(block, None)])
        self._sub = self.node.subscribe(self.height + 1)
        while not self._stop.is_set():
            try:
                committed = self._sub.get(timeout=0.2)
            except queue.Empty:
                continue
            batch = [(committed.block, committed.items)]
            size = len(committed.block.txs)
            while size < BATCH_TXS:
                try:
                    committed = self._sub.get(timeout=0)
                except queue.Empty:
                    break
                batch.append((committed.block, committed.items))
                size += len(committed.block.txs)
            self._index_until_done(batch)

    def _index_until_done(self, blocks: list[tuple[Block, list[DecodedTx] | None]]) -> None:
        """Index ``blocks`` (each with its decoded transactions, or ``None``), retrying
        after a failure (no block is ever skipped), then tell the listeners block by block."""
        while not self._stop.is_set():
            try:
                indexed = self._index_blocks(blocks)
                break
            except Exception as exc:
                log.error("indexing failed; retrying", height=blocks[0][0].header.height,
                          error=repr(exc))
                self._stop.wait(1.0)
        else:
            return
        for rows in indexed:
            for listener in self._listeners:
                try:
                    listener(rows)
                except Exception as exc:  # a listener's fault must not stop the index
                    log.error("index listener failed", error=repr(exc))

    def _index(self, block: Block, items: list[DecodedTx] | None = None) -> list[IndexedTx]:
        """Index one block (``items``: its transactions decoded, when at hand)."""
        return self._index_blocks([(block, items)])[0]

    def _index_blocks(self, blocks: list[tuple[Block, list[DecodedTx] | None]]
                      ) -> list[list[IndexedTx]]:
        """Index blocks in order, in one SQLite transaction; each block's rows."""
        out: list[list[IndexedTx]] = []
        txs: list[tuple[Any, ...]] = []
        tx_orgs: list[tuple[str, int, int]] = []
        events_rows: list[tuple[Any, ...]] = []
        top = self.height
        for block, items in blocks:
            if block.header.height <= top:
                out.append([])
                continue
            top = block.header.height
            out.append(self._rows(block, items, txs, tx_orgs, events_rows))
        if top == self.height:
            return out
        with self._lock:
            db = self._db
            db.execute("BEGIN")
            try:
                db.executemany("INSERT OR REPLACE INTO txs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", txs)
                db.executemany("INSERT OR REPLACE INTO tx_orgs VALUES (?,?,?)", tx_orgs)
                db.executemany("INSERT OR REPLACE INTO events VALUES (?,?,?,?,?,?)",
                               events_rows)
                db.execute("INSERT OR REPLACE INTO meta VALUES ('height', ?)", (top,))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        with self._indexed:
            self.height = top
            self._indexed.notify_all()
        return out

    def _rows(self, block: Block, items: list[DecodedTx] | None, txs: list[tuple[Any, ...]],
              tx_orgs: list[tuple[str, int, int]], events_rows: list[tuple[Any, ...]]
              ) -> list[IndexedTx]:
        """A block's indexed transactions; their table rows are appended to the lists."""
        h = block.header
        height, ts = h.height, h.timestamp_ms
        if items is None:
            items = decode_block_txs(self.node.suite, block.txs)
        rows: list[IndexedTx] = []
        org_of_key = self.org_of_key
        for i, (item, receipt) in enumerate(zip(items, block.receipts, strict=True)):
            tx = item.tx
            code, message = receipt.code, receipt.message
            if tx is None:
                rows.append(IndexedTx(height, i, item.tx_hash.hex(), "", "", "", False,
                                      code, message, ts, [], frozenset(), receipt.field))
                txs.append((height, i, bytes(item.tx_hash), "", "", "", 0, code, message, ts,
                            receipt.field, ""))
                continue
            body = tx.body
            signer_orgs = [org_of_key(k) for k in body.signers]
            events = []
            for seq, e in enumerate(receipt.events):
                attrs = _plain_attrs(e.attrs)
                events.append({"contract": e.contract, "name": e.name, "attrs": attrs})
                events_rows.append((height, i, seq, e.contract, e.name, _json(attrs)))
                if e.name == "OrgAdded":
                    self._orgs.clear()
            orgs = self._involved(signer_orgs, body.contract, body.action, body.args, events)
            ok = code == OK
            rows.append(IndexedTx(height, i, item.tx_hash.hex(), body.contract, body.action,
                                  signer_orgs[0], ok, code, message, ts, events, orgs,
                                  receipt.field))
            txs.append((height, i, bytes(item.tx_hash), body.contract, body.action,
                        signer_orgs[0], int(ok), code, message, ts, receipt.field,
                        "" if ok else subject_of(body.args, receipt.field)))
            tx_orgs.extend((o, height, i) for o in orgs)
        return rows

    def org_of_key(self, public_key: bytes) -> str:
        """The organisation a public key is enrolled for ('' when none)."""
        org = self._key_orgs.get(public_key)
        if org is None:
            org = org_of_key(self.node, public_key)
            if org:
                self._key_orgs[public_key] = org
        return org

    def known_orgs(self) -> set[str]:
        """Every organisation id on the ledger."""
        if not self._orgs:
            self._orgs = member_ids(k for k, _, _ in self.node.store.iter_state(ORG_PREFIX))
        return self._orgs

    def _involved(self, signer_orgs: list[str], contract: str, action: str, args: dict[str, Any],
                  events: list[dict[str, Any]]) -> frozenset[str]:
        known = self.known_orgs()
        orgs = {o for o in signer_orgs if o}
        names = self._names
        named: dict[str, set[str]] = {name: set() for name in names}

        def walk(value: Any, name: str = "") -> None:
            if isinstance(value, str):
                if value in known:
                    orgs.add(value)
                if name in names:
                    named[name].add(value)
            elif isinstance(value, dict):
                walk_map(value)
            elif isinstance(value, list):
                for v in value:
                    walk(v, name)

        def walk_map(value: dict[Any, Any]) -> None:
            # walk() of each entry, with strings (nearly all of them) handled inline
            for k, v in value.items():
                if isinstance(v, str):
                    if v in known:
                        orgs.add(v)
                    if k in names:
                        named[k].add(v)
                elif isinstance(v, dict | list):
                    walk(v, str(k))

        walk(args)
        for event in events:
            walk(event["attrs"])
        # The parties of a deal sign it or are named in its arguments and events; what
        # state adds is each module's rule (``tx_orgs``, see ``api.hooks``).
        for rule in self._tx_orgs:
            orgs.update(rule(self.node, contract, action, named))
        return frozenset(orgs)

    # --- reading ----------------------------------------------------------------

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def transactions(self, org: str | None, offset: int, limit: int, contract: str | None = None
                     ) -> tuple[list[dict[str, Any]], int]:
        """Transactions concerning ``org`` (all for ``None``), newest first."""
        where, args = [], []
        if contract:
            where.append("contract=?")
            args.append(contract)
        return self._newest_first(org, where, args, offset, limit)

    def _newest_first(self, org: str | None, where: list[str], args: list[Any], offset: int,
                      limit: int, also: tuple[str, ...] = ()
                      ) -> tuple[list[dict[str, Any]], int]:
        """A page of the transactions matching ``where`` (and concerning ``org``, unless
        ``None``), newest first, with how many match in all; each row also carries the
        columns ``also`` names."""
        if org is not None:
            where = [*where, "(height, idx) IN (SELECT height, idx FROM tx_orgs WHERE org=?)"]
            args = [*args, org]
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        total = self._query(f"SELECT count(*) FROM txs {clause}", tuple(args))[0][0]
        columns = ", ".join((_TX_COLUMNS, *also))
        rows = self._query(f"SELECT {columns} FROM txs {clause} ORDER BY height DESC, idx DESC "
                           f"LIMIT ? OFFSET ?", (*args, limit, offset))
        width = len(rows[0]) - len(also) if rows else 0
        return [{**_tx_row(r), **dict(zip(also, r[width:], strict=True))} for r in rows], total

    def concerns(self, org: str, height: int, index: int) -> bool:
        """Whether a transaction concerns ``org``."""
        return bool(self._query("SELECT 1 FROM tx_orgs WHERE org=? AND height=? AND idx=?",
                                (org, height, index)))

    def txs_at(self, height: int) -> list[tuple[dict[str, Any], frozenset[str]]]:
        """A block's transactions, each with the organisations it concerns."""
        rows = self._query(f"SELECT {_TX_COLUMNS} FROM txs WHERE height=? ORDER BY idx",
                           (height,))
        orgs: dict[int, set[str]] = {}
        for org, idx in self._query("SELECT org, idx FROM tx_orgs WHERE height=?", (height,)):
            orgs.setdefault(idx, set()).add(org)
        return [(_tx_row(r), frozenset(orgs.get(r[1], ()))) for r in rows]

    def rows_after(self, height: int, index: int, until: int, limit: int = 1000
                   ) -> list[IndexedTx]:
        """Up to ``limit`` indexed transactions after ``(height, index)`` up to block ``until``,
        in order, with their events and organisations (for replaying event streams)."""
        out = []
        rows = self._query(f"SELECT {_TX_COLUMNS} FROM txs WHERE (height, idx) > (?, ?) "
                           "AND height <= ? ORDER BY height, idx LIMIT ?",
                           (height, index, until, limit))
        for r in rows:
            events = [{"contract": c, "name": n, "attrs": json.loads(a)} for c, n, a in
                      self._query("SELECT contract, name, attrs FROM events WHERE height=? AND "
                                  "idx=? ORDER BY seq", (r[0], r[1]))]
            orgs = frozenset(o for (o,) in self._query(
                "SELECT org FROM tx_orgs WHERE height=? AND idx=?", (r[0], r[1])))
            out.append(IndexedTx(**_tx_row(r), events=events, orgs=orgs))
        return out

    def event_days(self, name: str, fields: tuple[str, ...], org: str | None
                   ) -> list[tuple[Any, ...]]:
        """``(day, *values of fields)`` of every committed event ``name`` (concerning ``org``;
        all for ``None``), in order; ``day`` is the block's UTC date, ``YYYY-MM-DD``."""
        columns = "".join(f", json_extract(e.attrs, '$.{f}')" for f in fields)
        sql = (f"SELECT date(t.ts_ms / 1000, 'unixepoch'){columns} FROM events e JOIN txs t "
               "ON t.height=e.height AND t.idx=e.idx WHERE e.name=?")
        args: tuple[Any, ...] = (name,)
        if org is not None:
            sql += " AND (e.height, e.idx) IN (SELECT height, idx FROM tx_orgs WHERE org=?)"
            args = (name, org)
        return [tuple(row) for row in self._query(sql, args)]

    def refusals(self, org: str | None, offset: int, limit: int
                 ) -> tuple[list[dict[str, Any]], int]:
        """Refused attempts to finance an invoice twice (or a voided one), newest first."""
        items, total = self._newest_first(org, [REFUSAL_SQL], [], offset, limit,
                                          also=("subject",))
        for item in items:
            item["invoice"] = item.pop("subject")
        return items, total


def subject_of(args: Any, field: str) -> str:
    """What a refusal's ``field`` (``invoices[1]``, ``invoices[1].amount``) names in the
    transaction's arguments: the first text found at that path (an invoice id), or ``""``."""
    value = args
    for name, index in _PATH_STEP.findall(field):
        if name and isinstance(value, dict):
            value = value.get(name)
        elif index and isinstance(value, list | tuple) and int(index) < len(value):
            value = value[int(index)]
        elif name and isinstance(value, list | tuple) and value:
            break  # a record given as [id, amount]: its id comes first
        else:
            return ""
    while isinstance(value, dict | list | tuple) and value:
        value = next(iter(value.values())) if isinstance(value, dict) else value[0]
    return value if isinstance(value, str) else ""


_SCALARS = frozenset((str, int, bool, type(None)))


def _plain_attrs(attrs: dict[str, Any]) -> Any:
    """``plain(attrs)``, without its recursion for the usual flat map of strings and
    integers (always a new map: listeners may keep it)."""
    scalars = _SCALARS
    for k, v in attrs.items():
        if type(k) is not str or type(v) not in scalars:
            return plain(attrs)
    return dict(attrs)


_json_encode = msgspec.json.Encoder().encode


def _json(value: Any) -> str:
    """``value`` as JSON text (what ``json.loads`` and SQLite's ``json_extract`` read)."""
    try:
        return _json_encode(value).decode()
    except (msgspec.EncodeError, OverflowError, TypeError):
        return json.dumps(value)


_TX_COLUMNS = ("height, idx, tx_hash, contract, action, sender_org, ok, code, message, ts_ms, "
               "field")
"""The columns ``_tx_row`` reads, in its order."""


def _tx_row(r: Any) -> dict[str, Any]:
    return {"height": r[0], "index": r[1], "tx_hash": r[2].hex(), "contract": r[3],
            "action": r[4], "sender_org": r[5], "ok": bool(r[6]), "code": r[7],
            "message": r[8], "timestamp_ms": r[9], "field": r[10]}
