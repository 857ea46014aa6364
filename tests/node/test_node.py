"""The embedded node, end to end: a real ledger in a temporary folder."""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from smechain.client import sign_tx
from smechain.core.block import header_hash
from smechain.core.chain import seal_block
from smechain.core.encoding import decode, encode
from smechain.core.executor import decode_block_txs, execute_block, nonce_key
from smechain.core.tx import SignedTx, TxBody
from smechain.modules import default_runtime
from smechain.modules.cash.contract import balance_key, supply_key
from smechain.node.consortium import Consortium, consortium_from_dict
from smechain.node.keys import generate_key
from smechain.node.ledger import LedgerView, NotCommitted, StateMoving
from smechain.node.node import (
    STORE_FILE,
    AlreadyCommitted,
    BadTransaction,
    Committed,
    FolderInUse,
    Node,
    NodeConfig,
    NodeStopped,
)
from smechain.node.verify import verify_chain
from smechain.ordering.cutter import CutterConfig
from smechain.storage.sqlite import SqliteStore

CHAIN = "test-chain"
WAIT = 20.0

CONSORTIUM_DOC: dict[str, Any] = {
    "chain_id": CHAIN,
    "orgs": [
        {"id": "pboc", "name": "People's Bank", "roles": ["cash_issuer"]},
        {"id": "acme", "roles": ["sme"]},
        {"id": "bolt", "roles": ["sme"]},
    ],
    "governance": {
        "admins": ["pboc"], "add_org": 1, "suspend_org": 1, "readmit_org": 1, "rekey_org": 1,
    },
}


def fast_config() -> NodeConfig:
    return NodeConfig(cutter=CutterConfig(max_wait_ms=5), verify_workers=0)


@pytest.fixture
def consortium() -> Consortium:
    return consortium_from_dict(CONSORTIUM_DOC, int(time.time() * 1000))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "chain"


@pytest.fixture
def node(folder: Path, consortium: Consortium) -> Iterator[Node]:
    n = Node.create(folder, consortium.genesis, consortium.orderer, fast_config()).start()
    yield n
    n.close()


class Issuer:
    """Signs cash transactions for one organisation, keeping its nonce."""

    def __init__(self, consortium: Consortium, org: str, nonce: int = 0) -> None:
        self.key = consortium.keys[org]
        self.nonce = nonce

    def tx(self, action: str, **args: Any) -> bytes:
        self.nonce += 1
        return sign_tx(CHAIN, "cash", action, args, [self.key], self.nonce)

    def issue(self, to: str, amount: int, currency: str = "CNY") -> bytes:
        return self.tx("issue", currency=currency, to=to, amount=amount)


def with_bad_signature(raw: bytes) -> bytes:
    tx = decode(raw, SignedTx)
    sig = bytearray(tx.signatures[0])
    sig[0] ^= 0xFF
    return encode(SignedTx(tx.body, [bytes(sig)]))


def state_rows(n: Node) -> list[tuple[str, bytes, int]]:
    return list(n.store.iter_state())


# --- submitting and receipts ----------------------------------------------------


def test_submit_and_wait_gives_receipt(node: Node, consortium: Consortium) -> None:
    pboc = Issuer(consortium, "pboc")
    assert node.height() == 0
    raw = pboc.issue("acme", 1_000)
    tx_hash = node.submit(raw)
    receipt = node.wait(tx_hash, WAIT)
    assert receipt.ok, receipt
    assert receipt.tx_hash == tx_hash
    assert [(e.contract, e.name) for e in receipt.events] == [("cash", "Issued")]
    assert receipt.events[0].attrs == {
        "currency": "CNY", "to": "acme", "amount": 1_000, "issuer": "pboc",
    }
    height, index = node.locate(tx_hash)
    assert height == node.height() == 1
    block = node.block(height)
    assert block.txs[index] == raw
    assert block.receipts[index] == receipt
    # Waiting again for a committed transaction answers from the store.
    assert node.wait(tx_hash, 0.1) == receipt
    assert node.receipt(tx_hash) == receipt


def test_failed_transactions_get_receipts(node: Node, consortium: Consortium) -> None:
    pboc = Issuer(consortium, "pboc")
    acme = Issuer(consortium, "acme")
    issued = pboc.issue("acme", 50)
    assert node.submit_and_wait(issued, WAIT).ok
    # An SME may not issue; the failure is recorded and its nonce is used up.
    r = node.submit_and_wait(acme.issue("acme", 10), WAIT)
    assert r.code == "unauthorised"
    assert r.events == []
    r = node.submit_and_wait(acme.tx("transfer", currency="CNY", to="bolt", amount=51), WAIT)
    assert r.code == "insufficient_funds"
    assert node.submit_and_wait(
        acme.tx("transfer", currency="CNY", to="bolt", amount=20), WAIT
    ).ok
    # A different transaction with a nonce already used: a receipt saying so.
    stale = sign_tx(CHAIN, "cash", "transfer", {"currency": "CNY", "to": "bolt", "amount": 1},
                    [acme.key], acme.nonce)
    r = node.submit_and_wait(stale, WAIT)
    assert r.code == "bad_nonce" and "replayed" in r.message
    assert node.query(balance_key("CNY", "acme")) == 30
    assert node.query(balance_key("CNY", "bolt")) == 20
    assert node.query(supply_key("CNY")) == 50
    assert node.nonce(acme.key.public) == 3


def test_committed_bytes_are_refused_and_waiting_gives_their_receipt(
    node: Node, consortium: Consortium
) -> None:
    pboc = Issuer(consortium, "pboc")
    issued = pboc.issue("acme", 50)
    first = node.submit_and_wait(issued, WAIT)
    assert first.ok
    height = node.height()
    with pytest.raises(AlreadyCommitted, match=f"{first.tx_hash.hex()} is already committed "
                                               f"at height {height}"):
        node.submit(issued)
    # Refused before ordering: no block, and the hash is still answered by its one block.
    assert isinstance(AlreadyCommitted("x"), BadTransaction)
    assert node.wait(first.tx_hash, 0.1) == first
    assert node.submit_and_wait(pboc.issue("bolt", 1), WAIT).ok
    assert node.height() == height + 1
    assert [r.tx_hash for h in range(1, node.height() + 1)
            for r in node.block(h).receipts].count(first.tx_hash) == 1
    assert node.query(balance_key("CNY", "acme")) == 50


def test_bytes_queued_twice_are_cut_once_and_both_waits_answered(
    folder: Path, consortium: Consortium
) -> None:
    pboc = Issuer(consortium, "pboc")
    # Blocks cut every 300 ms: both copies are queued before the first is cut.
    config = NodeConfig(cutter=CutterConfig(max_wait_ms=300), verify_workers=0)
    with Node.create(folder, consortium.genesis, consortium.orderer, config) as n:
        raws = [pboc.issue("acme", 5), pboc.issue("bolt", 7)]
        hashes = [n.submit(raws[0]), n.submit(raws[0]), n.submit(raws[1]), n.submit(raws[1])]
        receipts = n.wait_many(hashes, WAIT)
        assert [r.ok for r in receipts] == [True] * 4
        assert receipts[0] == receipts[1] and receipts[2] == receipts[3]
        held = [tx for h in range(1, n.height() + 1) for tx in n.block(h).txs]
        assert held == raws
        assert n.query(balance_key("CNY", "acme")) == 5
        assert n.query(balance_key("CNY", "bolt")) == 7


def test_only_cut_or_committed_bytes_are_left_out_of_a_batch(
    folder: Path, consortium: Consortium
) -> None:
    """The cutter's rule on its own: a hash is cut once; a stale nonce is the executor's."""
    pboc = Issuer(consortium, "pboc")
    with Node.create(folder, consortium.genesis, consortium.orderer, fast_config()) as n:
        done = pboc.issue("acme", 1)
        assert n.submit_and_wait(done, WAIT).ok
        stale = sign_tx(CHAIN, "cash", "issue", {"currency": "CNY", "to": "bolt", "amount": 9},
                        [pboc.key], 1)
        fresh = pboc.issue("bolt", 2)
        items = [n.check(raw) for raw in (done, stale, fresh, stale)]
        assert [i.raw for i in n._uncut(items)] == [stale, fresh]
        assert n._uncut([n.check(fresh)]) == []  # cut already, not yet committed


def test_wait_times_out_for_unknown_tx(node: Node) -> None:
    with pytest.raises(TimeoutError):
        node.wait(b"\x07" * 32, 0.05)


def _no_block_holds_anything_else(node: Node, height_before: int, consortium: Consortium) -> None:
    """Prove nothing was queued: the next good tx is alone in the next block."""
    time.sleep(0.05)  # several max_wait periods: a queued tx would have been cut by now
    assert node.height() == height_before
    raw = Issuer(consortium, "pboc", node.nonce(consortium.keys["pboc"].public)).issue("bolt", 1)
    tx_hash = node.submit(raw)
    assert node.wait(tx_hash, WAIT).ok
    assert node.height() == height_before + 1
    assert node.block(height_before + 1).txs == [raw]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda raw: b"",
        lambda raw: b"not a transaction",
        lambda raw: raw[:-1],
        lambda raw: raw + b"\x00",
        lambda raw: b"\xc1" + raw[1:],
        lambda raw: encode([1, 2, 3]),
        lambda raw: bytes(70 * 1024),
    ],
    ids=["empty", "garbage", "truncated", "trailing", "bad-type", "wrong-shape", "huge"],
)
def test_malformed_bytes_are_refused(node: Node, consortium: Consortium, mangle: Any) -> None:
    good = Issuer(consortium, "pboc").issue("acme", 5)
    before = node.height()
    with pytest.raises(BadTransaction):
        node.submit(mangle(good))
    _no_block_holds_anything_else(node, before, consortium)


def test_shape_errors_are_refused(node: Node, consortium: Consortium) -> None:
    key = consortium.keys["pboc"]
    before = node.height()
    bad_nonce = sign_tx(CHAIN, "cash", "issue", {}, [key], 0)
    with pytest.raises(BadTransaction, match="nonce"):
        node.submit(bad_nonce)
    missing_sig = encode(SignedTx(decode(bad_nonce, SignedTx).body, []))
    with pytest.raises(BadTransaction):
        node.submit(missing_sig)
    _no_block_holds_anything_else(node, before, consortium)


def test_other_chain_is_refused(node: Node, consortium: Consortium) -> None:
    before = node.height()
    raw = sign_tx("other-chain", "cash", "issue", {"currency": "CNY", "to": "acme", "amount": 5},
                  [consortium.keys["pboc"]], 1)
    with pytest.raises(BadTransaction, match="chain_id"):
        node.submit(raw)
    _no_block_holds_anything_else(node, before, consortium)
    assert node.query(balance_key("CNY", "acme")) is None


def test_submit_after_close_raises_node_stopped(folder: Path, consortium: Consortium) -> None:
    n = Node.create(folder, consortium.genesis, consortium.orderer, fast_config()).start()
    n.close()
    with pytest.raises(NodeStopped):
        n.submit(Issuer(consortium, "pboc").issue("acme", 1))


def test_close_commits_what_is_queued(folder: Path, consortium: Consortium) -> None:
    slow = NodeConfig(cutter=CutterConfig(max_txs=1000, max_wait_ms=60_000), verify_workers=0)
    n = Node.create(folder, consortium.genesis, consortium.orderer, slow).start()
    pboc = Issuer(consortium, "pboc")
    hashes = [n.submit(pboc.issue("acme", 1)) for _ in range(3)]
    assert n.height() == 0
    n.close()
    again = Node.open(folder, consortium.orderer, fast_config())
    try:
        assert again.height() == 1
        assert [again.receipt(h).code for h in hashes] == ["ok"] * 3
        assert again.nonce(pboc.key.public) == 3
    finally:
        again.close()


# --- events ------------------------------------------------------------------------


def test_subscribe_receives_committed_blocks(node: Node, consortium: Consortium) -> None:
    sub = node.subscribe()
    pboc = Issuer(consortium, "pboc")
    seen: list[Committed] = []
    node.on_commit(seen.append)
    raws = [pboc.issue("acme", 7), pboc.issue("bolt", 8)]
    hashes = [node.submit_and_wait(raw, WAIT).tx_hash for raw in raws]
    got: list[Committed] = []
    while sum(len(c.tx_hashes) for c in got) < 2:
        got.append(sub.get(timeout=WAIT))
    heights = [c.block.header.height for c in got]
    assert heights == list(range(1, node.height() + 1))
    assert [h for c in got for h in c.tx_hashes] == hashes
    events = [e for c in got for r in c.block.receipts for e in r.events]
    assert [(e.name, e.attrs["to"], e.attrs["amount"]) for e in events] == [
        ("Issued", "acme", 7), ("Issued", "bolt", 8),
    ]
    for c in got:
        assert c.block == node.block(c.block.header.height)
    # on_commit listeners see the same blocks (called after the waiters are woken).
    deadline = time.monotonic() + WAIT
    while len(seen) < len(got) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert [c.block for c in seen] == [c.block for c in got]
    # Nothing else arrives.
    with pytest.raises(queue.Empty):
        sub.get(timeout=0.05)


def test_subscribe_from_height_replays_history(node: Node, consortium: Consortium) -> None:
    pboc = Issuer(consortium, "pboc")
    hashes = [node.submit_and_wait(pboc.issue("acme", i + 1), WAIT).tx_hash for i in range(3)]
    top = node.height()
    assert top == 3
    sub = node.subscribe(from_height=0)
    replayed = [sub.get(timeout=WAIT) for _ in range(top + 1)]
    assert [c.block.header.height for c in replayed] == [0, 1, 2, 3]
    assert replayed[0].tx_hashes == []
    assert replayed[0].block.genesis
    assert [c.tx_hashes for c in replayed[1:]] == [[h] for h in hashes]
    assert [c.block for c in replayed] == [node.block(h) for h in range(top + 1)]
    # Then the live blocks follow, in order.
    new = node.submit_and_wait(pboc.issue("bolt", 9), WAIT).tx_hash
    live = sub.get(timeout=WAIT)
    assert live.block.header.height == 4
    assert live.tx_hashes == [new]
    assert live.block.receipts[0].events[0].attrs["to"] == "bolt"
    with pytest.raises(queue.Empty):
        sub.get(timeout=0.05)

    later = node.subscribe(from_height=2)
    assert [later.get(timeout=WAIT).block.header.height for _ in range(3)] == [2, 3, 4]
    with pytest.raises(queue.Empty):
        later.get(timeout=0.05)
    beyond = node.subscribe(from_height=99)
    with pytest.raises(queue.Empty):
        beyond.get(timeout=0.05)


def test_subscription_close_stops_delivery(node: Node, consortium: Consortium) -> None:
    sub = node.subscribe()
    sub.close()
    node.submit_and_wait(Issuer(consortium, "pboc").issue("acme", 1), WAIT)
    with pytest.raises(queue.Empty):
        sub.get(timeout=0.05)
    sub.close()  # closing twice is harmless


class _GatedLock:
    """A lock that holds the ledger thread back until ``gate`` is set."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.gate = threading.Event()
        self.arrived = threading.Event()

    def __enter__(self) -> None:
        if threading.current_thread().name == "ledger":
            self.arrived.set()
            assert self.gate.wait(WAIT)
        self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def test_subscribe_during_commit_gets_each_block_once(
    node: Node, consortium: Consortium
) -> None:
    gated = _GatedLock()
    node._lock = gated  # type: ignore[assignment]
    try:
        node.submit(Issuer(consortium, "pboc").issue("acme", 1))
        # Block 1 is stored; the ledger thread now waits to tell its subscribers.
        assert gated.arrived.wait(WAIT)
        assert node.store.height() == 1
        sub = node.subscribe(from_height=0)
    finally:
        gated.gate.set()
    heights = [sub.get(timeout=WAIT).block.header.height for _ in range(2)]
    assert heights == [0, 1]
    with pytest.raises(queue.Empty):
        sub.get(timeout=0.2)


# --- reads ---------------------------------------------------------------------------


def test_query_scan_nonce(node: Node, consortium: Consortium) -> None:
    pboc = Issuer(consortium, "pboc")
    acme = Issuer(consortium, "acme")
    for raw in [pboc.issue("acme", 100), pboc.issue("bolt", 40), pboc.issue("acme", 5, "USD")]:
        assert node.submit_and_wait(raw, WAIT).ok
    assert node.submit_and_wait(
        acme.tx("transfer", currency="CNY", to="bolt", amount=30, memo="invoice 7"), WAIT
    ).ok
    assert node.query(balance_key("CNY", "acme")) == 70
    assert node.query(balance_key("CNY", "bolt")) == 70
    assert node.query(supply_key("CNY")) == 140
    assert node.query(balance_key("CNY", "pboc")) is None
    assert node.get(balance_key("USD", "acme")) == msgspec.msgpack.encode(5)
    assert list(node.scan("cash/balance/CNY/")) == [
        ("cash/balance/CNY/acme", 70), ("cash/balance/CNY/bolt", 70),
    ]
    assert list(node.scan("cash/supply/")) == [("cash/supply/CNY", 140), ("cash/supply/USD", 5)]
    assert list(node.scan("nothing/")) == []
    assert node.nonce(pboc.key.public) == 3
    assert node.nonce(acme.key.public) == 1
    assert node.nonce(consortium.keys["bolt"].public) == 0
    assert node.nonce(generate_key("ed25519").public) == 0
    assert node.query(nonce_key(pboc.key.public)) == 3
    with pytest.raises(NotCommitted):
        node.locate(b"\x00" * 32)
    with pytest.raises(NotCommitted):
        node.block(node.height() + 1)


def test_a_read_spanning_a_commit_is_run_again(node: Node, consortium: Consortium) -> None:
    # A nonce read before a block and a balance after it would be a state no block had.
    pboc = Issuer(consortium, "pboc")
    seen: list[tuple[int, int | None]] = []

    def nonce_then_balance() -> tuple[int, int | None]:
        nonce = node.nonce(pboc.key.public)
        if not seen:  # a block commits between the two reads, once
            assert node.submit_and_wait(pboc.issue("acme", 100), WAIT).ok
        seen.append((nonce, node.query(balance_key("CNY", "acme"))))
        return seen[-1]

    assert node.consistent(nonce_then_balance) == (1, 100)
    assert seen == [(0, 100), (1, 100)]

    def always_moving() -> None:
        assert node.submit_and_wait(pboc.issue("acme", 1), WAIT).ok

    with pytest.raises(StateMoving):
        node.consistent(always_moving, tries=3)
    assert node.query(balance_key("CNY", "acme")) == 103


def test_simulate_runs_on_committed_state_and_stores_nothing(node: Node,
                                                             consortium: Consortium) -> None:
    pboc = Issuer(consortium, "pboc")
    assert node.submit_and_wait(pboc.issue("acme", 100), WAIT).ok
    rows, height = state_rows(node), node.height()
    acme = consortium.keys["acme"].public

    def body(action: str, signer: bytes, nonce: int = 1, expiry: int = 0,
             **args: Any) -> TxBody:
        return TxBody(CHAIN, "cash", action, args, [signer], nonce, expiry)

    # the sender's next nonce replaces the body's: any nonce simulates alike
    for nonce in (1, 7):
        ok = node.simulate(body("transfer", acme, nonce, currency="CNY", to="bolt", amount=60))
        assert ok.ok and [e.name for e in ok.events] == ["Transferred"], ok
    short = node.simulate(body("transfer", acme, currency="CNY", to="bolt", amount=101))
    assert (short.code, short.field) == ("insufficient_funds", "amount")
    bad = node.simulate(body("transfer", acme, currency="CNY", to="bolt", amount="1"))
    assert (bad.code, bad.field) == ("bad_args", "args.amount")
    unknown = node.simulate(TxBody(CHAIN, "x", "y", {}, [acme], 1, 0))
    assert unknown.code == "unknown_action"
    # the body's expiry is kept: a height already passed is refused
    late = node.simulate(body("issue", pboc.key.public, expiry=1, currency="CNY", to="acme",
                              amount=1))
    assert (late.code, late.field) == ("expired", "expiry")
    assert node.simulate(body("issue", pboc.key.public, expiry=2, currency="CNY", to="acme",
                              amount=1)).ok
    assert state_rows(node) == rows and node.height() == height
    assert node.nonce(acme) == 0 and node.nonce(pboc.key.public) == 1


# --- lifecycle -----------------------------------------------------------------------


def test_open_after_close_recovers_height_and_state(folder: Path, consortium: Consortium) -> None:
    n = Node.create(folder, consortium.genesis, consortium.orderer, fast_config()).start()
    pboc = Issuer(consortium, "pboc")
    hashes = [n.submit_and_wait(pboc.issue("acme", i + 1), WAIT).tx_hash for i in range(4)]
    height, head_hash, rows = n.height(), n.head_hash(), state_rows(n)
    assert height >= 4
    n.close()

    with Node.open(folder, consortium.orderer, fast_config()) as again:
        assert again.height() == height
        assert again.head_hash() == head_hash
        assert state_rows(again) == rows
        assert [again.receipt(h).ok for h in hashes] == [True] * 4
        assert again.nonce(pboc.key.public) == 4
        # It goes on from there, linking to the recovered head.
        r = again.submit_and_wait(pboc.issue("bolt", 3), WAIT)
        assert r.ok
        assert again.height() == height + 1
        header = again.block(height + 1).header
        assert header.prev_hash == head_hash
        assert header.timestamp_ms >= again.block(height).header.timestamp_ms
    store = SqliteStore(folder / STORE_FILE, readonly=True)
    try:
        report = verify_chain(store)
    finally:
        store.close()
    assert report.ok, report


def test_second_open_raises_folder_in_use(folder: Path, consortium: Consortium) -> None:
    n = Node.create(folder, consortium.genesis, consortium.orderer, fast_config()).start()
    try:
        with pytest.raises(FolderInUse):
            Node.open(folder, consortium.orderer, fast_config())
        with pytest.raises(FolderInUse):
            Node.create(folder, consortium.genesis, consortium.orderer, fast_config())
        # The first node is unaffected.
        assert n.submit_and_wait(Issuer(consortium, "pboc").issue("acme", 1), WAIT).ok
    finally:
        n.close()
    again = Node.open(folder, consortium.orderer, fast_config())
    again.close()


def test_create_refuses_existing_chain(folder: Path, consortium: Consortium) -> None:
    Node.create(folder, consortium.genesis, consortium.orderer, fast_config()).close()
    with pytest.raises(FileExistsError):
        Node.create(folder, consortium.genesis, consortium.orderer, fast_config())
    # The refused create released the folder.
    Node.open(folder, consortium.orderer, fast_config()).close()


def test_open_refuses_missing_chain(tmp_path: Path, consortium: Consortium) -> None:
    with pytest.raises(FileNotFoundError):
        Node.open(tmp_path / "nothing", consortium.orderer)


def test_open_refuses_foreign_orderer_key(folder: Path, consortium: Consortium) -> None:
    Node.create(folder, consortium.genesis, consortium.orderer, fast_config()).close()
    with pytest.raises(ValueError, match="orderer_key"):
        Node.open(folder, generate_key("ed25519"), fast_config())
    # The failed open released the folder.
    Node.open(folder, consortium.orderer, fast_config()).close()


# --- verify --------------------------------------------------------------------------


def _busy_chain(folder: Path, consortium: Consortium) -> int:
    pboc = Issuer(consortium, "pboc")
    acme = Issuer(consortium, "acme")
    with Node.create(folder, consortium.genesis, consortium.orderer, fast_config()) as n:
        raws = [pboc.issue("acme", 100), pboc.issue("bolt", 10)]
        raws.append(acme.tx("transfer", currency="CNY", to="bolt", amount=30))
        raws.append(acme.issue("acme", 1))  # unauthorised
        raws.append(with_bad_signature(pboc.issue("acme", 1)))
        last = None
        for raw in raws:
            last = n.submit(raw)
        assert last is not None
        n.wait(last, WAIT)
        replay = sign_tx(CHAIN, "cash", "issue", {"currency": "CNY", "to": "acme", "amount": 2},
                         [pboc.key], 1)
        assert n.submit_and_wait(replay, WAIT).code == "bad_nonce"  # a nonce used before
        return len(raws) + 1


def test_verify_chain_ok_on_intact_chain(folder: Path, consortium: Consortium) -> None:
    txs = _busy_chain(folder, consortium)
    store = SqliteStore(folder / STORE_FILE, readonly=True)
    try:
        report = verify_chain(store)
        assert report.ok, report
        assert report.blocks == store.height() + 1
        assert report.transactions == txs
        assert report.problem == ""
    finally:
        store.close()


def test_verify_chain_finds_an_edited_state_row(folder: Path, consortium: Consortium) -> None:
    _busy_chain(folder, consortium)
    db = sqlite3.connect(folder / STORE_FILE)
    db.execute("UPDATE state SET value=? WHERE key=?",
               (msgspec.msgpack.encode(10**6), balance_key("CNY", "acme")))
    db.commit()
    db.close()
    store = SqliteStore(folder / STORE_FILE, readonly=True)
    try:
        report = verify_chain(store)
        assert not report.ok
        assert balance_key("CNY", "acme") in report.problem
    finally:
        store.close()


def test_verify_chain_finds_a_transaction_twice(folder: Path, consortium: Consortium) -> None:
    pboc = Issuer(consortium, "pboc")
    raw = pboc.issue("acme", 5)
    with Node.create(folder, consortium.genesis, consortium.orderer, fast_config()) as n:
        assert n.submit_and_wait(raw, WAIT).ok
    # The block a cutter that did not leave committed bytes out would have sealed.
    store = SqliteStore(folder / STORE_FILE)
    try:
        chain = LedgerView(store)
        head, suite = chain.head, chain.suite
        items = decode_block_txs(suite, [raw])
        result = execute_block(default_runtime(), suite, store, chain.chain_id, head.height + 1,
                               head.timestamp_ms, items)
        assert result.receipts[0].code == "bad_nonce"
        orderer = (consortium.orderer.private, consortium.orderer.public)
        block = seal_block(suite, orderer, chain.chain_id, head.height + 1,
                           header_hash(suite, head), head.writes_hash, head.timestamp_ms, [raw],
                           result.receipts, result.writes)
        store.commit_block(head.height + 1, encode(block), [items[0].tx_hash], result.writes)
        report = verify_chain(store)
    finally:
        store.close()
    assert not report.ok
    assert report.height == 2
    assert f"{items[0].tx_hash.hex()} again (first at height 1)" in report.problem


# --- signatures in worker processes --------------------------------------------------


def test_process_pool_verifies_large_batch(folder: Path, consortium: Consortium) -> None:
    count = 130
    config = NodeConfig(cutter=CutterConfig(max_txs=count, max_wait_ms=20_000), verify_workers=2)
    pboc = Issuer(consortium, "pboc")
    acme = Issuer(consortium, "acme")
    raws = [pboc.issue("acme" if i % 2 else "bolt", i + 1) for i in range(count - 1)]
    forged = with_bad_signature(acme.tx("transfer", currency="CNY", to="bolt", amount=1))
    raws.insert(count // 2, forged)
    with Node.create(folder, consortium.genesis, consortium.orderer, config) as n:
        hashes = [n.submit(raw) for raw in raws]
        receipts = [n.wait(h, 60) for h in hashes]
        assert n._checker._pool is not None, "the batch was not checked in worker processes"
        assert n.height() == 1  # one full batch, one block
        assert len(n.block(1).txs) == count
        codes = [r.code for r in receipts]
        assert codes[count // 2] == "bad_signature"
        assert codes[: count // 2] + codes[count // 2 + 1 :] == ["ok"] * (count - 1)
        assert n.nonce(pboc.key.public) == count - 1
        assert n.nonce(acme.key.public) == 0
        total = sum(i + 1 for i in range(count - 1))
        assert n.query(supply_key("CNY")) == total
    store = SqliteStore(folder / STORE_FILE, readonly=True)
    try:
        report = verify_chain(store, workers=2)
    finally:
        store.close()
    assert report.ok, report
    assert report.transactions == count
