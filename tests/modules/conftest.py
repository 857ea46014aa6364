"""Executor-level helpers for contract tests: a genesis, a store, and a way to run blocks.

No node, no threads: each block is decoded, executed with ``execute_block`` and
its write set committed to a ``MemoryStore``. ``Chain`` wraps that loop with
the consortium's keys and a nonce counter, so tests read like a ledger's log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from smechain.client import sign_tx
from smechain.core.block import Receipt
from smechain.core.chain import genesis_block
from smechain.core.crypto import get_suite
from smechain.core.encoding import decode, encode
from smechain.core.executor import DecodedTx, decode_block_txs, execute_block, nonce_key
from smechain.core.tx import SignedTx
from smechain.modules import MODULES, default_runtime
from smechain.modules.cash.contract import balance_key, supply_key
from smechain.modules.membership.contract import KeyRecord, Org, key_key, read_org
from smechain.node.consortium import Consortium, consortium_from_dict
from smechain.node.keys import KeyPair, generate_key
from smechain.storage.memory import MemoryStore

CHAIN_ID = "smechain-test"
SUITE_NAME = "ed25519"
SUITE = get_suite(SUITE_NAME)
RUNTIME = default_runtime()
GENESIS_TS = 1_700_000_000_000

ORG_ROLES = {
    "pboc": ["cash_issuer", "regulator"],
    "bank-a": ["bank"],
    "core-a": ["core_enterprise"],
    "sme-1": ["sme"],
    "sme-2": ["sme"],
    "tax": ["tax_authority"],
    "guar": ["guarantor"],
    "sme-3": ["sme"],
    "sme-4": ["sme"],
    "factor-a": ["factor"],
    "bank-c": ["bank"],
    "amr": ["market_regulator"],
    "si": ["social_insurance"],
    "customs-sh": ["customs"],
    "cnipa": ["ip_office"],
    "carrier-a": ["carrier"],
    "carrier-b": ["carrier"],
    "wh-1": ["warehouse"],
}
GOVERNING = ["pboc", "bank-a", "core-a"]

GENESIS_DOC: dict[str, Any] = {
    "chain_id": CHAIN_ID,
    "suite": SUITE_NAME,
    "orgs": [{"id": org, "roles": roles} for org, roles in ORG_ROLES.items()],
    "governance": {
        "admins": GOVERNING,
        "add_org": 2,
        "suspend_org": 2,
        "readmit_org": 2,
        "rekey_org": 2,
    },
}

REJECTIONS = frozenset({
    "wrong_chain", "expired", "bad_signature", "unknown_signer", "key_revoked",
    "org_suspended", "bad_nonce", "malformed",
})
"""Receipt codes of transactions refused before they run: no state change at all."""

MODULE_NAMES = frozenset(m.name for m in MODULES)
WHOLE_TX_CODES = frozenset({"unauthorised"})
"""Failures that may name no field: who signed the transaction (its roles, its relation to
the object, a quorum) concerns the whole transaction, not one argument."""

State = list[tuple[str, bytes, int]]


def check_field(item: DecodedTx, receipt: Receipt) -> None:
    """Every failure of a module's contract names its field, unless it concerns the whole
    transaction (``WHOLE_TX_CODES``); and the message starts with the field it names."""
    if receipt.ok or item.tx is None or item.tx.body.contract not in MODULE_NAMES:
        return
    assert receipt.field or receipt.code in WHOLE_TX_CODES, \
        f"{receipt.code} names no field: {receipt.message}"
    if receipt.field:
        assert receipt.message.startswith(f"{receipt.field}: "), (receipt.field, receipt.message)


def block_timestamp(height: int) -> int:
    """A block's timestamp: one second per height after genesis."""
    return GENESIS_TS + 1000 * height


def make_store() -> tuple[Consortium, MemoryStore]:
    """A fresh consortium and a store holding its block 0."""
    consortium = consortium_from_dict(GENESIS_DOC, GENESIS_TS)
    store = MemoryStore()
    orderer = (consortium.orderer.private, consortium.orderer.public)
    block, writes = genesis_block(SUITE, RUNTIME, consortium.genesis, orderer)
    store.commit_block(0, encode(block), [], writes)
    return consortium, store


def run(
    store: MemoryStore, raw_txs: Sequence[bytes], height: int, days_later: int = 0
) -> list[Receipt]:
    """Execute ``raw_txs`` as block ``height`` (``days_later`` shifts its clock) and commit."""
    items = decode_block_txs(SUITE, raw_txs)
    result = execute_block(
        RUNTIME, SUITE, store, CHAIN_ID, height,
        block_timestamp(height) + days_later * 86_400_000, items,
    )
    assert len(result.receipts) == len(raw_txs)
    for item, receipt in zip(items, result.receipts, strict=True):
        assert receipt.tx_hash == item.tx_hash
        check_field(item, receipt)
    dummy = encode(["test-block", height, list(raw_txs)])
    store.commit_block(height, dummy, [i.tx_hash for i in items], result.writes)
    return result.receipts


class Chain:
    """A consortium's ledger driven block by block, with nonces kept for each key."""

    def __init__(self) -> None:
        self.consortium, self.store = make_store()
        self.keys: dict[str, KeyPair] = dict(self.consortium.keys)
        self._pending: dict[bytes, int] = {}
        self.days_later = 0
        """Days added to every later block's timestamp, to reach maturities."""

    # --- keys and transactions ------------------------------------------

    def key(self, org: str) -> KeyPair:
        """The genesis admin key of ``org``."""
        return self.keys[org]

    @staticmethod
    def new_key() -> KeyPair:
        """A fresh key pair, enrolled nowhere."""
        return generate_key(SUITE_NAME)

    def committed_nonce(self, key: KeyPair | bytes) -> int:
        """The last nonce ``key`` used, as committed state records it (0: none)."""
        public = key.public if isinstance(key, KeyPair) else key
        raw = self.store.get(nonce_key(public))
        return 0 if raw is None else decode(raw, int)

    def next_nonce(self, key: KeyPair) -> int:
        """The nonce for the next transaction ``key`` sends (counting unsent ones)."""
        base = max(self.committed_nonce(key), self._pending.get(key.public, 0))
        self._pending[key.public] = base + 1
        return base + 1

    def tx(
        self,
        contract: str,
        action: str,
        args: dict[str, Any],
        signers: KeyPair | list[KeyPair],
        *,
        nonce: int | None = None,
        expiry: int = 0,
        chain_id: str = CHAIN_ID,
    ) -> bytes:
        """Signed transaction bytes; the nonce defaults to the sender's next one."""
        keys = signers if isinstance(signers, list) else [signers]
        if nonce is None:
            nonce = self.next_nonce(keys[0])
        return sign_tx(chain_id, contract, action, args, keys, nonce, expiry)

    # --- blocks ---------------------------------------------------------

    @property
    def height(self) -> int:
        """Height of the last committed block."""
        return self.store.height()

    def run(self, *raw_txs: bytes) -> list[Receipt]:
        """Execute ``raw_txs`` as the next block."""
        self._pending.clear()
        return run(self.store, list(raw_txs), self.height + 1, self.days_later)

    def run_one(self, raw: bytes) -> Receipt:
        """Execute one transaction as its own block."""
        (receipt,) = self.run(raw)
        return receipt

    def ok(self, *raw_txs: bytes) -> list[Receipt]:
        """Execute a block and insist that every transaction took effect."""
        receipts = self.run(*raw_txs)
        for receipt in receipts:
            assert receipt.code == "ok", f"{receipt.code}: {receipt.message}"
        return receipts

    def expect_rejected(self, raw: bytes, code: str) -> Receipt:
        """Run ``raw`` as its own block: receipt ``code``, and the state exactly as before."""
        assert code in REJECTIONS, f"{code} is not a rejection"
        before = self.state()
        receipt = self.run_one(raw)
        assert receipt.code == code, f"{receipt.code}: {receipt.message}"
        assert receipt.events == []
        assert self.state() == before
        return receipt

    def expect_failed(self, raw: bytes, code: str) -> Receipt:
        """Run ``raw`` as its own block: receipt ``code``, only the sender's nonce moved,
        and a replay of the same bytes refused as ``bad_nonce``."""
        assert code not in REJECTIONS and code != "ok", f"{code} is not a contract failure"
        tx = decode(raw, SignedTx)
        sender = tx.body.signers[0]
        before = self.state_without_nonce(sender)
        receipt = self.run_one(raw)
        assert receipt.code == code, f"{receipt.code}: {receipt.message}"
        assert receipt.events == []
        assert self.state_without_nonce(sender) == before
        assert self.committed_nonce(sender) == tx.body.nonce
        self.expect_rejected(raw, "bad_nonce")
        return receipt

    def empty_blocks(self, count: int) -> None:
        """Commit ``count`` empty blocks."""
        for _ in range(count):
            self.run()

    # --- reading state --------------------------------------------------

    def state(self) -> State:
        """The whole committed state: (key, value, height written) in key order."""
        return list(self.store.iter_state())

    def state_without_nonce(self, key: KeyPair | bytes) -> State:
        """The committed state less ``key``'s nonce entry."""
        public = key.public if isinstance(key, KeyPair) else key
        skip = nonce_key(public)
        return [entry for entry in self.store.iter_state() if entry[0] != skip]

    def balance(self, currency: str, org: str) -> int:
        raw = self.store.get(balance_key(currency, org))
        return 0 if raw is None else decode(raw, int)

    def supply(self, currency: str) -> int:
        raw = self.store.get(supply_key(currency))
        return 0 if raw is None else decode(raw, int)

    def org(self, org_id: str) -> Org | None:
        return read_org(self.store, org_id)

    def key_record(self, key: KeyPair | bytes) -> KeyRecord | None:
        public = key.public if isinstance(key, KeyPair) else key
        raw = self.store.get(key_key(public))
        return None if raw is None else decode(raw, KeyRecord)

    # --- common transactions --------------------------------------------

    def issue(self, to: str, amount: int, currency: str = "CNY",
              signer: KeyPair | None = None) -> bytes:
        return self.tx("cash", "issue", {"currency": currency, "to": to, "amount": amount},
                       signer or self.key("pboc"))

    def transfer(self, sender: KeyPair, to: str, amount: int, currency: str = "CNY") -> bytes:
        return self.tx("cash", "transfer", {"currency": currency, "to": to, "amount": amount},
                       sender)

    def enrol(self, admin: KeyPair, name: str = "clerk") -> KeyPair:
        """Enrol a fresh user key under ``admin``'s organisation, in its own block."""
        user = self.new_key()
        self.ok(self.tx("membership", "enrol_key", {"public_key": user.public, "name": name},
                        admin))
        return user


@pytest.fixture
def chain() -> Chain:
    """A fresh five-organisation consortium at height 0."""
    return Chain()


@pytest.fixture
def make_chain() -> Callable[[], Chain]:
    """A factory of fresh chains, for tests that need several (e.g. Hypothesis)."""
    return Chain


@pytest.fixture
def run_block() -> Callable[[MemoryStore, Sequence[bytes], int], list[Receipt]]:
    """``run(store, raw_txs, height)``: execute a block on a store and commit it."""
    return run
