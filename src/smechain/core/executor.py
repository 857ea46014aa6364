"""The executor: runs a block's transactions, in order, deterministically.

For each transaction, in this order:

1. wrong chain, past its expiry height, a bad signature, an unknown, revoked
   or suspended signer, or a nonce that is not the sender's next one: the
   transaction is *rejected*; its receipt names why and nothing changes;
2. otherwise the sender's nonce advances, so the same signed bytes can never
   run again (a replay is refused at step 1);
3. the action runs on a staged view of state. If it raises a ``ContractError``
   (unauthorised, bad arguments, insufficient funds, ...), its writes are
   dropped and the receipt carries the error's code, field and message.

Signature checks are the costly part, so the caller may pass their results in
(``sig_ok``), computed in parallel before the block runs; without them the
executor checks each signature itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from smechain.core.block import OK, Receipt
from smechain.core.contract import Context, Principal, Runtime, check_roles
from smechain.core.crypto import CryptoSuite
from smechain.core.encoding import convert, decode, encode
from smechain.core.errors import ContractError, DecodeError, TxRejected
from smechain.core.state import BlockState, StateReader, TxState, WriteSet
from smechain.core.tx import SignedTx, TxBody, TxHash, decode_tx

NONCE_PREFIX = "nonce/"


def nonce_key(public_key: bytes) -> str:
    """State key holding the last nonce a key used."""
    return NONCE_PREFIX + public_key.hex()


@dataclass(frozen=True, slots=True)
class DecodedTx:
    """A transaction as it sits in a block: its bytes, and its decoding or why none."""

    raw: bytes
    tx_hash: TxHash
    tx: SignedTx | None
    error: str = ""


def decode_block_txs(suite: CryptoSuite, raws: Sequence[bytes]) -> list[DecodedTx]:
    """Decode each transaction of a block; malformed ones get a hash of their bytes."""
    out: list[DecodedTx] = []
    for raw in raws:
        try:
            tx, tx_hash = decode_tx(raw, suite)
            out.append(DecodedTx(raw, tx_hash, tx))
        except DecodeError as exc:
            out.append(DecodedTx(raw, TxHash(suite.hash(b"malformed\x00" + raw)), None, str(exc)))
    return out


def signatures_valid(suite: CryptoSuite, item: DecodedTx) -> bool:
    """True when every signer's signature over the transaction hash verifies."""
    if item.tx is None:
        return False
    return all(
        suite.verify(key, item.tx_hash, sig)
        for key, sig in zip(item.tx.body.signers, item.tx.signatures, strict=True)
    )


@dataclass(frozen=True, slots=True)
class BlockResult:
    """What running a block produced: one receipt per transaction and the write set."""

    receipts: list[Receipt]
    writes: WriteSet


def execute_block(
    runtime: Runtime,
    suite: CryptoSuite,
    state: StateReader,
    chain_id: str,
    height: int,
    timestamp_ms: int,
    txs: Sequence[DecodedTx],
    sig_ok: Sequence[bool] | None = None,
) -> BlockResult:
    """Run ``txs`` on ``state`` as block ``height``; the state itself is not changed."""
    block = BlockState(state)
    receipts: list[Receipt] = []
    for i, item in enumerate(txs):
        ok = sig_ok[i] if sig_ok is not None else signatures_valid(suite, item)
        receipts.append(_apply_tx(runtime, block, chain_id, height, timestamp_ms, item, ok))
    return BlockResult(receipts, block.writes)


def _apply_tx(
    runtime: Runtime,
    block: BlockState,
    chain_id: str,
    height: int,
    timestamp_ms: int,
    item: DecodedTx,
    sig_ok: bool,
) -> Receipt:
    tx = item.tx
    if tx is None:
        return Receipt(item.tx_hash, DecodeError.code, item.error, field="tx")
    body = tx.body
    try:
        signers = _admit(runtime, block, chain_id, height, body, sig_ok)
    except TxRejected as exc:
        return Receipt(item.tx_hash, exc.code, exc.message, field=exc.field)
    sender_nonce = nonce_key(body.signers[0])
    block.writes[sender_nonce] = encode(body.nonce)

    contract = runtime.contracts.get(body.contract)
    action = contract.actions.get(body.action) if contract else None
    if contract is None or action is None:
        return Receipt(item.tx_hash, "unknown_action",
                       f"contract/action: no {body.contract}.{body.action}",
                       field="contract/action")
    ctx = Context(chain_id, height, timestamp_ms, item.tx_hash, signers)
    view = TxState(block, contract.name)
    try:
        check_roles(action.roles, ctx, body.contract, body.action)
        args: Any = convert(body.args, action.args_type, "args")
        action.run(view, ctx, body.action, args)
    except ContractError as exc:
        return Receipt(item.tx_hash, exc.code, exc.message, field=exc.field)
    except DecodeError as exc:
        return Receipt(item.tx_hash, "corrupt_state", exc.message)
    view.commit()
    return Receipt(item.tx_hash, OK, "", view.events)


def _admit(
    runtime: Runtime,
    block: BlockState,
    chain_id: str,
    height: int,
    body: TxBody,
    sig_ok: bool,
) -> tuple[Principal, ...]:
    """The checks that reject a transaction outright; return the verified signers."""
    keys = body.signers
    if body.chain_id != chain_id:
        raise TxRejected("wrong_chain", "chain_id", f"{body.chain_id!r} is not this chain")
    if body.expiry and height > body.expiry:
        raise TxRejected("expired", "expiry", f"height {body.expiry} has passed (now {height})")
    if not sig_ok:
        raise TxRejected("bad_signature", "signatures", "a signature does not verify")
    signers = tuple(runtime.resolve_signer(block, key, height) for key in keys)
    raw = block.get(nonce_key(keys[0]))
    last = 0 if raw is None else decode(raw, int)
    if body.nonce != last + 1:
        what = "replayed" if body.nonce <= last else "out of order"
        raise TxRejected("bad_nonce", "nonce", f"{body.nonce} is {what}; expected {last + 1}")
    return signers
