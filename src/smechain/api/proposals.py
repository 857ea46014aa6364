"""A proposal's life, kept in step with the ledger.

A proposal is a multi-party transaction waiting for its co-signers, kept as a
JSON document in the peer's account records (``Accounts.put_proposal``)::

    {id, contract, action, args, sender_org, sender_key, cosigners, approvals,
     status, reason, created_ms, expires_ms, result, object, attempt}

| status      | means                                           | becomes                  |
|-------------|-------------------------------------------------|--------------------------|
| `open`      | waiting for approvals                           | submitted, rejected,     |
|             |                                                 | expired, stale           |
| `submitted` | signed; its transaction (``attempt``) on its way | done, failed, open again |
| `done`      | committed; ``result`` is its ok receipt          | final                    |
| `failed`    | committed with a failure receipt (``result``)    | final                    |
| `rejected`  | a co-signer declined or the sender withdrew     | final                    |
| `expired`   | its deadline ``expires_ms`` passed while open    | final                    |
| `stale`     | its object changed hands or state while open    | final                    |

``reason`` says in words why a proposal is where it is (empty when it needs no
saying). ``object`` is what the proposal is about, fingerprinted when it was
opened: the object the action's transition declaration names (a certificate
to sell or guarantee, an organisation to suspend; ``{key, digest}``, the
SHA-256 of its ledger record). An open proposal whose object has since changed
in any way (sold, split, transferred, guaranteed, overdue, rekeyed...) is
stale: it can no longer be signed and gives its co-signers no view of the
object, so they learn nothing its holder did not show them.

Lost transactions. ``attempt`` is ``{tx_hash, signer, nonce}`` of the signed
transaction (``signer``: the sender's public key, hex). ``refresh`` settles a
submitted proposal from the ledger: committed → ``done``/``failed`` with its
receipt; *lost* → ``open`` again (approvals cleared), so its parties can sign
it again or withdraw it. A transaction is lost only when it is not on the
chain and can never be:

1. its hash is not committed, and
2. either (a) this node's ordering holds it nowhere (``Node.in_flight`` is
   false: the embedded node's orderer queue lives in its process, so what it
   held before a crash is gone, and no one else holds the bytes of a
   transaction the peer signed; a consortium peer, whose transaction log is
   durable, answers true until it commits), or (b) the sender key's nonce on
   the ledger has reached the attempt's nonce: another transaction used it, so
   the ledger's nonce rule rejects these bytes whenever they are ordered, and
   a rejected transaction changes nothing.

A proposal opened again is signed anew with the sender's next nonce from the
ledger (the peer's counter starts again from the ledger after a restart or a
rejection). That may be the lost transaction's own nonce: harmless, since
under (a) those bytes no longer exist anywhere; under (b) it is a later one
and the old bytes are refused by the nonce rule. So at most one transaction of
a proposal ever takes effect. The checks run in that order (in flight, nonce,
then committed) because a transaction leaves the in-flight set only after its
block is stored, and the nonce advances in the same store transaction as the
block: a hash seen neither in flight nor committed was never caught between.
The proposal is stored as submitted, with its attempt, before the transaction
is handed to ordering, so a crash in between leaves a lost attempt to reopen,
never an open proposal whose transaction commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from smechain.core.block import Receipt
from smechain.core.transitions import object_key
from smechain.node.node import Node

MS_PER_DAY = 86_400_000
DEFAULT_TTL_MS = 7 * MS_PER_DAY
"""How long a proposal stays open when its proposer sets no deadline."""
MAX_TTL_MS = 90 * MS_PER_DAY
"""The furthest deadline a proposer may set, from now."""
STATUSES = ("open", "submitted", "done", "failed", "rejected", "expired", "stale")
STALE = "what it acts on changed hands or state since it was proposed"

ResultOf = Callable[[bytes, Receipt], dict[str, Any]]
"""Makes the TxResult of a committed transaction (``Platform.result_of``)."""


def digest(raw: bytes) -> str:
    """The fingerprint of a ledger record: SHA-256 of its bytes, hex."""
    return hashlib.sha256(raw).hexdigest()


def object_of(node: Node, contract: str, action: str, args: dict[str, Any]
              ) -> dict[str, str] | None:
    """``{key, digest}`` of the object the proposed action names, as it is now (the
    contract's transition declaration says which: ``core.transitions.object_key``);
    ``None`` for actions on no existing object."""
    declared = node.runtime.contracts.get(contract)
    key = object_key(declared, action, args) if declared is not None else None
    raw = node.get(key) if key is not None else None
    return None if key is None or raw is None else {"key": key, "digest": digest(raw)}


def went_stale(node: Node, doc: dict[str, Any]) -> bool:
    """Whether the proposal's object has changed (or gone) since it was proposed."""
    obj = doc.get("object")
    if not obj:
        return False
    raw = node.get(obj["key"])
    return raw is None or digest(raw) != obj["digest"]


def upgrade(doc: dict[str, Any]) -> dict[str, Any]:
    """Fill in the fields documents stored by earlier versions lack."""
    doc.setdefault("expires_ms", doc["created_ms"] + DEFAULT_TTL_MS)
    doc.setdefault("reason", "")
    doc.setdefault("object", None)
    doc.setdefault("attempt", None)
    return doc


def close(doc: dict[str, Any], status: str, why: str) -> None:
    """End an open proposal as ``status`` because of ``why``."""
    doc["status"], doc["reason"] = status, why


def refresh(doc: dict[str, Any], node: Node, now_ms: int, result_of: ResultOf) -> bool:
    """Bring ``doc`` in step with the ledger and its deadline; True when it changed.

    A submitted proposal is settled (see the module's notes on lost
    transactions); an open one past ``expires_ms`` expires, and one whose
    object changed goes stale. The caller stores the document and keeps
    others from changing it meanwhile.
    """
    upgrade(doc)
    changed = False
    if doc["status"] == "submitted":
        changed = _settle(doc, node, result_of)
    if doc["status"] == "open":
        if now_ms >= doc["expires_ms"]:
            close(doc, "expired", "its deadline passed")
            changed = True
        elif went_stale(node, doc):
            close(doc, "stale", STALE)
            changed = True
    return changed


def _settle(doc: dict[str, Any], node: Node, result_of: ResultOf) -> bool:
    attempt = doc["attempt"] or {"tx_hash": (doc["result"] or {}).get("tx_hash", "")}
    tx_hash = bytes.fromhex(attempt["tx_hash"])
    flying = bool(tx_hash) and node.in_flight(tx_hash)
    used = "nonce" in attempt and node.nonce(bytes.fromhex(attempt["signer"])) >= attempt["nonce"]
    where = node.store.find_tx(tx_hash) if tx_hash else None
    if where is not None:
        receipt = node.block(where[0]).receipts[where[1]]
        doc["result"] = result_of(tx_hash, receipt)
        doc["status"] = "done" if receipt.ok else "failed"
        doc["reason"] = "" if receipt.ok else receipt.message or receipt.code
        return True
    if flying and not used:
        return False
    doc.update(status="open", approvals={}, result=None, attempt=None,
               reason=f"its transaction {tx_hash.hex()} did not reach the chain and never "
                      "will; it is open to be signed again")
    return True
