"""Rejections change nothing; contract failures change only the sender's nonce.

Each test snapshots the whole committed state before the block under test and
compares it afterwards: fully for a rejection (not even the nonce moves), and
less the sender's ``nonce/...`` entry for a contract-level failure, whose
nonce must have advanced so that the same bytes are refused as a replay.
"""

from __future__ import annotations

import msgspec
import pytest

from smechain.core.contract import Action, Context, Contract, Runtime
from smechain.core.encoding import decode, encode
from smechain.core.errors import Conflict, DecodeError
from smechain.core.executor import decode_block_txs, execute_block, nonce_key
from smechain.core.state import TxState
from smechain.core.tx import SignedTx, TxBody, make_tx, tx_digest

from .conftest import CHAIN_ID, RUNTIME, SUITE, Chain


def funded(chain: Chain, amount: int = 1_000) -> Chain:
    chain.ok(chain.issue("bank-a", amount))
    return chain


# --- replay -------------------------------------------------------------------


def test_replay_in_a_later_block_is_refused(chain: Chain) -> None:
    raw = chain.issue("bank-a", 500)
    chain.ok(raw)
    assert chain.balance("CNY", "bank-a") == 500
    chain.expect_rejected(raw, "bad_nonce")
    assert chain.balance("CNY", "bank-a") == 500
    assert chain.committed_nonce(chain.key("pboc")) == 1


def test_replay_in_the_same_block_is_refused(chain: Chain) -> None:
    raw = chain.issue("bank-a", 500)
    first, second = chain.run(raw, raw)
    assert first.code == "ok"
    assert second.code == "bad_nonce"
    assert chain.balance("CNY", "bank-a") == 500
    assert chain.supply("CNY") == 500


def test_replay_of_a_transfer_does_not_move_money_twice(chain: Chain) -> None:
    funded(chain)
    raw = chain.transfer(chain.key("bank-a"), "sme-1", 300)
    chain.ok(raw)
    for _ in range(3):
        chain.expect_rejected(raw, "bad_nonce")
    assert chain.balance("CNY", "bank-a") == 700
    assert chain.balance("CNY", "sme-1") == 300


def test_nonce_from_the_future_is_refused_and_consumes_nothing(chain: Chain) -> None:
    pboc = chain.key("pboc")
    ahead = chain.tx("cash", "issue", {"currency": "CNY", "to": "bank-a", "amount": 5}, pboc,
                     nonce=2)
    chain.expect_rejected(ahead, "bad_nonce")
    assert chain.committed_nonce(pboc) == 0
    chain.ok(chain.tx("cash", "issue", {"currency": "CNY", "to": "bank-a", "amount": 5},
                      pboc, nonce=1))
    assert chain.committed_nonce(pboc) == 1


# --- expiry -------------------------------------------------------------------


def test_expired_transaction_is_refused(chain: Chain) -> None:
    chain.empty_blocks(3)  # next block is height 4
    raw = chain.tx("cash", "issue", {"currency": "CNY", "to": "bank-a", "amount": 5},
                   chain.key("pboc"), expiry=3)
    chain.expect_rejected(raw, "expired")
    assert chain.committed_nonce(chain.key("pboc")) == 0


def test_expiry_is_the_last_height_that_may_include_it(chain: Chain) -> None:
    chain.empty_blocks(3)
    raw = chain.tx("cash", "issue", {"currency": "CNY", "to": "bank-a", "amount": 5},
                   chain.key("pboc"), expiry=4)
    chain.ok(raw)
    assert chain.balance("CNY", "bank-a") == 5


# --- signatures ---------------------------------------------------------------


def test_signature_by_another_key_is_refused(chain: Chain) -> None:
    pboc, sme = chain.key("pboc"), chain.key("sme-1")
    body = TxBody(CHAIN_ID, "cash", "issue", {"currency": "CNY", "to": "sme-1", "amount": 9},
                  [pboc.public], 1)
    raw = encode(make_tx(SUITE, body, [sme.private]))
    chain.expect_rejected(raw, "bad_signature")
    assert chain.supply("CNY") == 0


def test_tampered_signature_is_refused(chain: Chain) -> None:
    raw = chain.issue("sme-1", 9)
    tx = decode(raw, SignedTx)
    sig = bytearray(tx.signatures[0])
    sig[10] ^= 0x01
    tampered = encode(SignedTx(tx.body, [bytes(sig)]))
    chain.expect_rejected(tampered, "bad_signature")
    chain.ok(raw)  # the genuine bytes, same nonce, still go through


def test_tampered_body_is_refused(chain: Chain) -> None:
    raw = chain.issue("sme-1", 9)
    tx = decode(raw, SignedTx)
    body = tx.body
    forged = TxBody(body.chain_id, body.contract, body.action,
                    {**body.args, "amount": 9_000_000}, body.signers, body.nonce, body.expiry)
    chain.expect_rejected(encode(SignedTx(forged, tx.signatures)), "bad_signature")


def test_a_bad_cosignature_rejects_the_whole_transaction(chain: Chain) -> None:
    pboc, bank, sme = chain.key("pboc"), chain.key("bank-a"), chain.key("sme-1")
    new = chain.new_key()
    body = TxBody(CHAIN_ID, "membership", "add_org",
                  {"id": "bank-b", "name": "Bank B", "roles": ["bank"], "admin_key": new.public},
                  [pboc.public, bank.public], 1)
    good = make_tx(SUITE, body, [pboc.private, bank.private])
    forged = SUITE.sign(sme.private, tx_digest(SUITE, body))
    bad = SignedTx(body, [good.signatures[0], forged])
    chain.expect_rejected(encode(bad), "bad_signature")
    assert chain.org("bank-b") is None
    chain.ok(encode(good))  # the same body, properly co-signed, is admitted
    assert chain.org("bank-b") is not None


# --- chain, signer --------------------------------------------------------------


def test_wrong_chain_is_refused(chain: Chain) -> None:
    raw = chain.tx("cash", "issue", {"currency": "CNY", "to": "bank-a", "amount": 5},
                   chain.key("pboc"), chain_id="another-chain")
    chain.expect_rejected(raw, "wrong_chain")


def test_unknown_signer_is_refused(chain: Chain) -> None:
    stranger = chain.new_key()
    raw = chain.tx("cash", "transfer", {"currency": "CNY", "to": "bank-a", "amount": 1},
                   stranger)
    chain.expect_rejected(raw, "unknown_signer")
    assert chain.state_without_nonce(stranger) == chain.state()


def test_unknown_cosigner_is_refused(chain: Chain) -> None:
    raw = chain.tx("membership", "suspend_org", {"org": "sme-1"},
                   [chain.key("pboc"), chain.new_key()])
    chain.expect_rejected(raw, "unknown_signer")
    assert chain.org("sme-1").status == "active"


def test_malformed_bytes_are_refused(chain: Chain) -> None:
    chain.expect_rejected(b"\x93not a transaction", "malformed")


# --- unauthorised and other contract failures ------------------------------------


def test_sme_issuing_cash_is_unauthorised(chain: Chain) -> None:
    raw = chain.issue("sme-1", 1_000, signer=chain.key("sme-1"))
    chain.expect_failed(raw, "unauthorised")
    assert chain.balance("CNY", "sme-1") == 0
    assert chain.supply("CNY") == 0


def test_user_key_of_an_issuer_may_issue_but_bank_may_not(chain: Chain) -> None:
    clerk = chain.enrol(chain.key("pboc"))
    chain.ok(chain.issue("sme-1", 10, signer=clerk))
    chain.expect_failed(chain.issue("sme-1", 10, signer=chain.key("bank-a")), "unauthorised")
    assert chain.supply("CNY") == 10


def test_unknown_action_consumes_the_nonce_only(chain: Chain) -> None:
    raw = chain.tx("cash", "print_money", {"amount": 1}, chain.key("pboc"))
    chain.expect_failed(raw, "unknown_action")
    raw = chain.tx("lottery", "draw", {}, chain.key("pboc"))
    chain.expect_failed(raw, "unknown_action")


def test_failed_transaction_lets_the_next_nonce_run_in_the_same_block(chain: Chain) -> None:
    bank = chain.key("bank-a")
    funded(chain, 100)
    too_much = chain.transfer(bank, "sme-1", 1_000)
    fine = chain.transfer(bank, "sme-1", 40)
    first, second = chain.run(too_much, fine)
    assert (first.code, second.code) == ("insufficient_funds", "ok")
    assert chain.balance("CNY", "sme-1") == 40
    assert chain.committed_nonce(bank) == 2


def test_revoked_user_key_is_refused_at_and_after_the_height(chain: Chain) -> None:
    bank = chain.key("bank-a")
    funded(chain)
    clerk = chain.enrol(bank)  # height 2
    revoke_at = chain.height + 3  # 5
    chain.ok(chain.tx("membership", "revoke_key",
                      {"public_key": clerk.public, "at_height": revoke_at}, bank))  # height 3
    chain.ok(chain.transfer(clerk, "sme-1", 1))  # height 4: still valid
    assert chain.height + 1 == revoke_at
    chain.expect_rejected(chain.transfer(clerk, "sme-1", 1), "key_revoked")  # height 5
    chain.expect_rejected(chain.transfer(clerk, "sme-1", 1), "key_revoked")  # height 6
    assert chain.balance("CNY", "sme-1") == 1
    assert chain.committed_nonce(clerk) == 1


def test_suspended_org_is_refused(chain: Chain) -> None:
    funded(chain)
    governors = [chain.key("pboc"), chain.key("core-a")]
    chain.ok(chain.tx("membership", "suspend_org", {"org": "bank-a"}, governors))
    chain.expect_rejected(chain.transfer(chain.key("bank-a"), "sme-1", 5), "org_suspended")
    assert chain.balance("CNY", "bank-a") == 1_000


def test_rejection_in_a_batch_leaves_its_neighbours_alone(chain: Chain) -> None:
    pboc = chain.key("pboc")
    a = chain.issue("sme-1", 10)
    wrong = chain.tx("cash", "issue", {"currency": "CNY", "to": "sme-1", "amount": 99}, pboc,
                     nonce=2, chain_id="elsewhere")
    b = chain.tx("cash", "issue", {"currency": "CNY", "to": "sme-2", "amount": 20}, pboc,
                 nonce=2)
    receipts = chain.run(a, wrong, b)
    assert [r.code for r in receipts] == ["ok", "wrong_chain", "ok"]
    assert chain.supply("CNY") == 30
    assert chain.committed_nonce(pboc) == 2


@pytest.mark.parametrize(
    ("label", "expected"),
    [("wrong_chain", "wrong_chain"), ("expired", "expired"), ("bad_sig", "bad_signature")],
)
def test_rejection_checks_come_before_the_nonce(chain: Chain, label: str, expected: str) -> None:
    """A rejected transaction never touches the nonce, whatever its nonce says."""
    pboc = chain.key("pboc")
    args = {"currency": "CNY", "to": "sme-1", "amount": 1}
    chain.empty_blocks(2)
    if label == "wrong_chain":
        raw = chain.tx("cash", "issue", args, pboc, nonce=1, chain_id="elsewhere")
    elif label == "expired":
        raw = chain.tx("cash", "issue", args, pboc, nonce=1, expiry=1)
    else:
        body = TxBody(CHAIN_ID, "cash", "issue", args, [pboc.public], 1)
        raw = encode(make_tx(SUITE, body, [chain.key("sme-2").private]))
    chain.expect_rejected(raw, expected)
    assert chain.store.get(nonce_key(pboc.public)) is None


# --- a failing action's own writes are dropped ----------------------------------------


class _Mark(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    key: str


def _write_then_conflict(state: TxState, ctx: Context, args: _Mark) -> None:
    state.put("probe/" + args.key, 1)
    state.emit("Wrote", key=args.key)
    raise Conflict("probe", "changed my mind after writing")


def _write_then_corrupt(state: TxState, ctx: Context, args: _Mark) -> None:
    state.put("probe/" + args.key, 1)
    raise DecodeError("probe: a stored value does not decode")


def _write(state: TxState, ctx: Context, args: _Mark) -> None:
    state.put("probe/" + args.key, 1)


PROBE_RUNTIME = Runtime(
    contracts={
        **RUNTIME.contracts,
        "probe": Contract("probe", {
            "conflict": Action(_write_then_conflict, _Mark),
            "corrupt": Action(_write_then_corrupt, _Mark),
            "write": Action(_write, _Mark),
        }),
    },
    resolve_signer=RUNTIME.resolve_signer,
    genesis_writes=RUNTIME.genesis_writes,
)


def test_writes_of_a_failing_action_are_dropped(chain: Chain) -> None:
    """Handlers that stage writes and then fail leave only the sender's nonce behind."""
    sme = chain.key("sme-1")
    raws = [
        chain.tx("probe", "conflict", {"key": "a"}, sme),
        chain.tx("probe", "corrupt", {"key": "b"}, sme),
        chain.tx("probe", "write", {"key": "c"}, sme),
    ]
    before = chain.state_without_nonce(sme)
    height = chain.height + 1
    result = execute_block(PROBE_RUNTIME, SUITE, chain.store, CHAIN_ID, height, 0,
                           decode_block_txs(SUITE, raws))
    assert [r.code for r in result.receipts] == ["conflict", "corrupt_state", "ok"]
    assert [r.events for r in result.receipts[:2]] == [[], []]
    assert result.writes == {nonce_key(sme.public): encode(3), "probe/c": encode(1)}
    chain.store.commit_block(height, b"probe", [], result.writes)
    assert chain.state_without_nonce(sme) == [*before, ("probe/c", encode(1), height)]
