"""What the API does, without HTTP: who the caller is, signing, submitting, proposals.

``Platform`` wraps a running node (embedded or consortium peer), the peer's
account records and the index. Routes in ``smechain.api.app`` stay thin.

Signing. Custodial calls are signed by the peer with the caller's own enrolled
key (``membership`` actions with the organisation's admin key), which the
vault holds sealed. Before signing, the peer *simulates* the transaction on
the committed state: one that would fail is refused at the door with the
contract's own error, and nothing reaches the ledger. Transactions a client
signed itself (non-custodial) go straight to ordering: the ledger decides, and
a failure is a receipt on the chain.

Nonces. A key's transactions must carry consecutive nonces; the peer hands
them out under a lock and starts again from the ledger's count when a
transaction of that key was rejected without using its nonce.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from smechain.api import hooks, proposals, schemas
from smechain.api.accounts import Account, Accounts, Role, can_submit
from smechain.api.index import Indexer
from smechain.core.block import Receipt
from smechain.core.contract import cosigners_of
from smechain.core.encoding import encode, plain, shown
from smechain.core.executor import DecodedTx
from smechain.core.tx import SignedTx, TxBody, TxHash, tx_digest
from smechain.modules.membership.contract import Org, read_org
from smechain.node.keys import KeyPair, generate_key
from smechain.node.node import BadTransaction, Node, NodeStopped

READ_ALL_ROLES = frozenset({"regulator"})
WAIT_SECONDS = 30.0

RECEIPT_STATUS = {
    "bad_args": 422, "malformed": 422, "unauthorised": 403, "bad_signature": 403,
    "unknown_signer": 403, "not_found": 404, "unknown_action": 404,
}
"""HTTP status of a failed receipt's code; anything else (conflicts, funds, nonces) is 409."""

class ApiError(Exception):
    """A refusal: HTTP status, a short code, the field at fault and the reason."""

    def __init__(self, status: int, code: str, field: str, message: str,
                 tx_hash: str | None = None, height: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.field = field
        self.message = message
        self.tx_hash = tx_hash
        self.height = height

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        detail: dict[str, Any] = {"status": self.status, "code": self.code, "field": self.field,
                                  "message": self.message}
        if self.tx_hash is not None:
            detail["tx_hash"] = self.tx_hash
            detail["height"] = self.height
        return {"error": detail}


def forbidden(field: str, message: str) -> ApiError:
    """A 403 naming why."""
    return ApiError(403, "forbidden", field, f"{field}: {message}")


def not_found(field: str, message: str) -> ApiError:
    """A 404 naming what."""
    return ApiError(404, "not_found", field, f"{field}: {message}")


Permit = Callable[[int, SignedTx], None]
"""Looks at the i-th transaction of a submission; raises ``ApiError`` to refuse it all."""


class AlreadyCommitted(BadTransaction):
    """The exact signed bytes are already on the chain."""


@dataclass(frozen=True, slots=True)
class Caller:
    """A signed-in account with its organisation's ledger record."""

    account: Account
    org: Org

    @property
    def org_id(self) -> str:
        return self.account.org

    @property
    def reads_all(self) -> bool:
        """Regulators see everything, read-only."""
        return bool(READ_ALL_ROLES & set(self.org.roles))

    def may_see(self, orgs: set[str] | frozenset[str]) -> bool:
        """Whether an object concerning ``orgs`` is visible to this caller."""
        return self.reads_all or self.account.org in orgs


class Platform:
    """The API's service layer over ``node``, with its records in ``folder``."""

    def __init__(self, node: Node, folder: Path) -> None:
        self.node = node
        self.accounts = Accounts(folder)
        self.index = Indexer(node, folder)
        self._nonce_lock = threading.Lock()
        self._nonces: dict[bytes, int] = {}
        self._proposal_lock = threading.Lock()
        self._unknown_to = hooks.rules("unknown_to")
        self.reconcile()

    def close(self) -> None:
        """Stop the indexer and close the records (the node is the caller's to close)."""
        self.index.close()
        self.accounts.close()

    # --- who is calling -------------------------------------------------------

    def org(self, org_id: str) -> Org | None:
        """An organisation's ledger record."""
        return read_org(self.node.store, org_id)

    def caller(self, account: Account) -> Caller:
        """The account with its organisation; 403 when the organisation is not active."""
        org = self.org(account.org)
        if org is None or org.status != "active":
            raise forbidden("org", f"organisation {account.org!r} is not an active member")
        return Caller(account, org)

    def require_submit(self, caller: Caller, contract: str) -> None:
        """403 unless this caller may submit a ``contract`` transaction in its org's name."""
        if not can_submit(caller.account.role):
            raise forbidden("role", f"{caller.account.role} accounts may not submit transactions")
        if caller.reads_all and contract != "membership":
            raise forbidden("org", "regulators read the ledger; they do not transact on it")
        if contract == "membership" and caller.account.role != Role.ADMIN:
            raise forbidden("role", "governance and key actions need an organisation admin")

    def require_admin(self, caller: Caller) -> None:
        """403 unless the caller is its organisation's admin."""
        if caller.account.role != Role.ADMIN:
            raise forbidden("role", "only an organisation admin may do this")

    # --- keys -----------------------------------------------------------------

    def import_org_key(self, org_id: str, key: KeyPair) -> None:
        """Hold an organisation's admin key for custodial governance and enrolment."""
        org = self.org(org_id)
        if org is None:
            raise not_found("org", f"no organisation {org_id!r}")
        if org.admin_key != key.public:
            raise ApiError(422, "bad_key", "key", f"key: not the admin key of {org_id!r}")
        self.accounts.store_key(f"org:{org_id}", key)

    def provision(self, account: Account) -> KeyPair | None:
        """Give an operator or admin its own signing key, enrolled on the ledger by its org.

        Returns ``None`` when this peer holds no admin key for the organisation
        (the account can then only submit transactions it signs itself).
        """
        if not can_submit(account.role):
            return None
        org_key = self.accounts.key(f"org:{account.org}")
        if org_key is None:
            return None
        key = generate_key(self.node.suite.name)
        name = account.name[:64]
        result = self._sign_and_submit(org_key, [], "membership", "enrol_key",
                                       {"public_key": key.public, "name": name}, True)
        if not result["ok"]:
            raise ApiError(409, "enrol_failed", "username",
                           f"username: enrolling the signing key failed: {result['message']}")
        self.accounts.store_key(account.vault_owner, key)
        return key

    def add_user(self, org_id: str, username: str, password: str, role: str) -> Account:
        """A new user with its enrolled signing key; nothing stays if enrolling fails."""
        account = self.accounts.add_user(org_id, username, password, role)
        try:
            self.provision(account)
        except BaseException:
            self.accounts.remove_user(org_id, username)
            raise
        return account

    def add_api_key(self, org_id: str, name: str, role: str) -> tuple[str, str]:
        """A new API key ``(key_id, secret)`` with its signing key; nothing stays on failure."""
        key_id, secret, account = self.accounts.add_api_key(org_id, name, role)
        try:
            self.provision(account)
        except BaseException:
            self.accounts.remove_api_key(org_id, key_id)
            raise
        return key_id, secret

    def ensure_admin(self, org_id: str, password: str) -> bool:
        """Create user ``admin`` of ``org_id`` with ``password`` unless it exists; True if made."""
        if self.accounts.user(org_id, "admin") is not None:
            return False
        self.add_user(org_id, "admin", password, Role.ADMIN)
        return True

    def signing_key(self, caller: Caller, contract: str) -> KeyPair:
        """The custodial key for the caller's transactions on ``contract``."""
        owner = (f"org:{caller.org_id}" if contract == "membership"
                 else caller.account.vault_owner)
        key = self.accounts.key(owner)
        if key is None:
            raise ApiError(409, "no_key", "signer",
                           f"signer: this peer holds no signing key for {owner!r}; submit "
                           "transactions you sign yourself to /v1/transactions")
        return key

    def _forget_nonce(self, public: bytes, nonce: int) -> None:
        """After a rejection that did not use ``nonce``, start again from the ledger."""
        with self._nonce_lock:
            if self.node.nonce(public) < nonce:
                self._nonces.pop(public, None)

    # --- submitting -----------------------------------------------------------

    def now_ms(self) -> int:
        """The time the orderer would stamp now (its configured clock, else the wall clock)."""
        clock = self.node.config.clock
        return clock() if clock is not None else int(time.time() * 1000)

    def simulate(self, body: TxBody) -> Receipt:
        """Run ``body`` on the committed state as if in the next block (signatures assumed,
        the sender's next nonce, one block's state: ``Node.simulate``, which the command
        line runs too)."""
        return self.node.simulate(body)

    def submit_custodial(self, caller: Caller, contract: str, action: str,
                         args: dict[str, Any], wait: bool) -> dict[str, Any]:
        """Sign with the caller's key and submit; ``ApiError`` when it would fail."""
        self.require_submit(caller, contract)
        self.check_action(caller, contract, action)
        self.check_party(caller, contract, args)
        key = self.signing_key(caller, contract)
        try:
            return self._sign_and_submit(key, [], contract, action, args, wait)
        except ApiError as exc:
            raise self._needs_proposal(exc, contract, action, args) from None

    def _needs_proposal(self, exc: ApiError, contract: str, action: str,
                        args: dict[str, Any]) -> ApiError:
        """A custodial call refused for want of a co-signature (its field: ``signers`` or a
        ``cosign`` argument) is signed by the caller alone: say where multi-party
        transactions go, and who co-signs this one (from the action's declaration)."""
        act = self.node.runtime.contracts[contract].actions[action]
        fields = {"signers", *(c.arg for c in act.cosign)}
        if exc.code != "unauthorised" or exc.field not in fields or exc.tx_hash is not None:
            return exc
        orgs, _ = cosigners_of(act, self.node.store, action, args)
        return ApiError(exc.status, exc.code, exc.field, f"{exc.message}. A custodial call is "
                        "signed by the caller alone: open it with POST /v1/proposals, "
                        f"cosigners from {sorted(orgs)}")

    def ledger_args(self, contract: str, action: str, data: dict[str, Any]) -> dict[str, Any]:
        """Check JSON arguments against the action's type; the ledger form, or 422 naming
        the field (``args.<name>``)."""
        struct = self.node.runtime.contracts[contract].actions[action].args_type
        try:
            checked = schemas.action_model(struct, schemas.model_name(contract, struct)
                                           ).model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            # Named as the request handler names body fields: args.invoices[0].amount.
            field = "args" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                                     for p in first["loc"])
            raise ApiError(422, "bad_args", field, f"{field}: {first['msg']}") from None
        return schemas.to_args(struct, checked.model_dump())

    def check_party(self, caller: Caller, contract: str, args: dict[str, Any]) -> None:
        """404, as for an unknown id, when an action names an object of its module the
        caller may not act on (the module's ``unknown_to`` rule, see ``api.hooks``):
        refusals must not tell strangers who holds what."""
        rule = self._unknown_to.get(contract)
        refusal = rule(self.node, caller.org_id, args) if rule is not None else None
        if refusal is not None:
            raise not_found(*refusal)

    def check_action(self, caller: Caller, contract: str, action: str) -> None:
        """404 for an unknown action; 403 when the org holds none of its roles."""
        found = self.node.runtime.contracts.get(contract)
        act = found.actions.get(action) if found else None
        if act is None:
            raise not_found("action", f"no action {contract}.{action}")
        if act.roles is not None and not act.roles & set(caller.org.roles):
            raise forbidden("org", f"{contract}.{action} needs one of the roles "
                                   f"{sorted(act.roles)}; {caller.org_id!r} holds "
                                   f"{sorted(caller.org.roles)}")

    def _sign_and_submit(self, key: KeyPair, cosigners: list[tuple[KeyPair, bytes]],
                         contract: str, action: str, args: dict[str, Any], wait: bool
                         ) -> dict[str, Any]:
        tx_hash, nonce = self._sign_and_order(key, cosigners, contract, action, args)
        if not wait:
            return {"tx_hash": tx_hash.hex(), "status": "queued", "events": []}
        result = self.result_of(tx_hash, self._wait([tx_hash])[0])
        if not result["ok"]:
            self._forget_nonce(key.public, nonce)
        return result

    def _sign_and_order(self, key: KeyPair, cosigners: list[tuple[KeyPair, bytes]],
                        contract: str, action: str, args: dict[str, Any],
                        before: Callable[[TxHash, int], None] | None = None
                        ) -> tuple[TxHash, int]:
        """Simulate, sign with the sender's next nonce and order; ``(tx_hash, nonce)``.

        ``before(tx_hash, nonce)`` runs once the transaction is signed and before
        it is handed to ordering (proposals record their attempt there).
        """
        signers = [key.public, *(public for _, public in cosigners)]
        probe = TxBody(self.node.chain_id, contract, action, args, signers, 1, 0)
        receipt = self.simulate(probe)
        if not receipt.ok:
            raise self._receipt_error(receipt)
        # The nonce is handed out and the transaction queued under one lock, so
        # concurrent calls from one key reach the orderer in nonce order.
        with self._nonce_lock:
            nonce = max(self.node.nonce(key.public), self._nonces.get(key.public, 0)) + 1
            body = TxBody(self.node.chain_id, contract, action, args, signers, nonce, 0)
            digest = tx_digest(self.node.suite, body)
            signatures = [key.sign(digest)] + [c.sign(digest) for c, _ in cosigners]
            item = self.node.check(encode(SignedTx(body, signatures)))
            if before is not None:
                before(item.tx_hash, nonce)
            tx_hash = self._order(item)
            self._nonces[key.public] = nonce
        return tx_hash, nonce

    def _order(self, item: DecodedTx, seen: set[bytes] | None = None) -> TxHash:
        """Hand a transaction ``node.check`` accepted to the node; 503 when it is stopped.

        Bytes already on the chain, or already in ``seen`` (this batch), are
        refused here (``BadTransaction``): ordering them again would only add a
        ``bad_nonce`` receipt under the same hash.
        """
        tx_hash = item.tx_hash
        where = self.node.store.find_tx(tx_hash)
        if where is not None:
            raise AlreadyCommitted(f"tx: {tx_hash.hex()} is already committed at height "
                                   f"{where[0]}; signed bytes run once")
        if seen is not None:
            if tx_hash in seen:
                raise AlreadyCommitted(f"tx: {tx_hash.hex()} is listed twice in this batch")
            seen.add(tx_hash)
        try:
            return self.node.enqueue(item)
        except NodeStopped as exc:
            raise ApiError(503, "unavailable", "", f"node: {exc}") from None

    def submit_raw(self, raw: bytes, wait: bool, permit: Permit | None = None
                   ) -> dict[str, Any]:
        """Order signed transaction bytes; the TxResult (refused ones have status ``refused``)."""
        return self.submit_many([raw], wait, permit)[0]

    def submit_many(self, raws: list[bytes], wait: bool, permit: Permit | None = None
                    ) -> list[dict[str, Any]]:
        """Order a batch; then wait for every receipt (each result in submission order).

        Each transaction is decoded once; ``permit(i, tx)`` sees every well-formed one
        before any is ordered and may refuse the whole batch with an ``ApiError``.
        """
        checked: list[DecodedTx | BadTransaction] = []
        for raw in raws:
            try:
                checked.append(self.node.check(raw))
            except BadTransaction as exc:
                checked.append(exc)
        if permit is not None:
            for i, item in enumerate(checked):
                if not isinstance(item, BadTransaction) and item.tx is not None:
                    permit(i, item.tx)
        hashes: list[TxHash | BadTransaction] = []
        seen: set[bytes] = set()
        for item in checked:
            if isinstance(item, BadTransaction):
                hashes.append(item)
                continue
            try:
                hashes.append(self._order(item, seen))
            except BadTransaction as exc:
                hashes.append(exc)
        ordered = [h for h in hashes if not isinstance(h, BadTransaction)]
        receipts = dict(zip(ordered, self._wait(ordered), strict=True)) if wait else {}
        out = []
        for h in hashes:
            if isinstance(h, BadTransaction):
                out.append(_refused(h))
            elif not wait:
                out.append({"tx_hash": h.hex(), "status": "queued", "events": []})
            else:
                out.append(self.result_of(h, receipts[h]))
        return out

    def _wait(self, tx_hashes: list[TxHash]) -> list[Receipt]:
        try:
            return self.node.wait_many(tx_hashes, WAIT_SECONDS)
        except TimeoutError as exc:
            raise ApiError(504, "timeout", "", f"tx_hash: {exc}; it may still commit") from None
        except NodeStopped as exc:
            raise ApiError(503, "unavailable", "", f"node: {exc}") from None

    def result_of(self, tx_hash: bytes, receipt: Receipt) -> dict[str, Any]:
        """A committed receipt as a TxResult."""
        height, index = self.node.locate(tx_hash)
        return {"tx_hash": tx_hash.hex(), "status": "committed", "height": height,
                "index": index, "ok": receipt.ok, "code": receipt.code,
                "message": receipt.message, "field": receipt.field,
                "events": [{"contract": e.contract, "name": e.name, "attrs": plain(e.attrs)}
                           for e in receipt.events]}

    def _receipt_error(self, receipt: Receipt) -> ApiError:
        """A simulated failure, refused at the door: nothing was signed or stored."""
        message = receipt.message or receipt.code
        return ApiError(RECEIPT_STATUS.get(receipt.code, 409), receipt.code, receipt.field,
                        message)

    def raise_for(self, result: dict[str, Any]) -> dict[str, Any]:
        """An ``ApiError`` for a failed single transaction (its receipt is on the chain)."""
        if result["status"] == "refused":
            status = 409 if result["code"] == "duplicate" else 422
            raise ApiError(status, result["code"], "tx", result["message"])
        if result["status"] == "committed" and not result["ok"]:
            status = RECEIPT_STATUS.get(result["code"], 409)
            raise ApiError(status, result["code"], result.get("field", ""),
                           result["message"], result["tx_hash"], result["height"])
        return result

    # --- proposals (multi-party transactions; see smechain.api.proposals) -----------

    def reconcile(self) -> int:
        """Bring every proposal in step with the ledger (run at start-up): a submitted one
        whose transaction committed is done or failed, one whose transaction was lost is
        open again; open ones past their deadline expire, stale ones close. Returns how
        many changed."""
        with self._proposal_lock:
            return sum(self._refresh(doc) for doc in self.accounts.proposals())

    def _refresh(self, doc: dict[str, Any]) -> bool:
        """``proposals.refresh`` and store; hold ``_proposal_lock``."""
        changed = proposals.refresh(doc, self.node, self.now_ms(), self.result_of)
        if changed:
            self.accounts.put_proposal(doc)
        return changed

    def propose(self, caller: Caller, contract: str, action: str, json_args: dict[str, Any],
                cosigners: list[str], expires_ms: int | None = None) -> dict[str, Any]:
        """Open a proposal the ``cosigners`` must approve; refused if it would fail.

        ``json_args`` are the action's arguments as the API takes them (and keeps them).
        ``expires_ms`` (epoch ms, the orderer's clock) is when it closes unless completed:
        after now and at most ``MAX_TTL_MS`` ahead (422 naming ``expires_ms``);
        ``DEFAULT_TTL_MS`` from now when not given.
        """
        self.check_action(caller, contract, action)
        args = self.ledger_args(contract, action, json_args)
        self.require_submit(caller, contract)
        self.check_party(caller, contract, args)
        key = self.signing_key(caller, contract)
        now = self.now_ms()
        if expires_ms is None:
            expires_ms = now + proposals.DEFAULT_TTL_MS
        elif not now < expires_ms <= now + proposals.MAX_TTL_MS:
            raise ApiError(422, "bad_args", "expires_ms",
                           f"expires_ms: must be after now ({now}) and at most "
                           f"{proposals.MAX_TTL_MS // proposals.MS_PER_DAY} days ahead")
        placeholders = []
        act = self.node.runtime.contracts[contract].actions[action]
        allowed, needs = cosigners_of(act, self.node.store, action, args)
        for i, org_id in enumerate(cosigners):
            org = self.org(org_id)
            if org is None or org.status != "active":
                raise not_found(f"cosigners[{i}]", f"no active organisation {org_id!r}")
            if org_id == caller.org_id or cosigners.index(org_id) != i:
                raise ApiError(422, "bad_args", f"cosigners[{i}]",
                               f"cosigners[{i}]: {org_id!r} is the sender or listed twice")
            if org_id not in allowed:
                raise ApiError(422, "bad_args", f"cosigners[{i}]",
                               f"cosigners[{i}]: {org_id!r} may not co-sign "
                               f"{contract}.{action}, which {needs}")
            placeholders.append(org.admin_key)
        obj = proposals.object_of(self.node, contract, action, args)
        receipt = self.simulate(TxBody(self.node.chain_id, contract, action, args,
                                       [key.public, *placeholders], 1, 0))
        if receipt.code == "insufficient_funds" and args.get(receipt.field) in cosigners:
            # The argument short of funds names a co-signer (a sale's ``buyer``): do not
            # tell the sender a co-signer's balance.
            raise ApiError(409, "insufficient_funds", "cosigners",
                           "cosigners: a co-signer cannot fund this transaction now")
        if not receipt.ok:
            raise self._receipt_error(receipt)
        doc = {"id": secrets.token_hex(8), "contract": contract, "action": action,
               "args": json_args, "sender_org": caller.org_id,
               "sender_key": caller.account.vault_owner if contract != "membership"
               else f"org:{caller.org_id}",
               "cosigners": cosigners, "approvals": {}, "status": "open", "reason": "",
               "created_ms": now, "expires_ms": expires_ms, "result": None,
               "object": obj, "attempt": None}
        self.accounts.put_proposal(doc)
        return doc

    def proposal(self, caller: Caller, proposal_id: str) -> dict[str, Any]:
        """A proposal the caller is party to (regulators: any), in step with the ledger;
        404 naming ``id`` otherwise."""
        with self._proposal_lock:
            return self._load(caller, proposal_id)

    def _load(self, caller: Caller, proposal_id: str) -> dict[str, Any]:
        doc = self.accounts.proposal(proposal_id)
        if doc is None or not caller.may_see({doc["sender_org"], *doc["cosigners"]}):
            raise not_found("id", f"no proposal {shown(proposal_id)!r}")
        self._refresh(doc)
        return doc

    def proposals(self) -> list[dict[str, Any]]:
        """Every proposal, newest first, each in step with the ledger (callers filter)."""
        with self._proposal_lock:
            docs = self.accounts.proposals()
            for doc in docs:
                self._refresh(doc)
        return docs

    def offered(self, caller: Caller, key: str, raw: bytes) -> bool:
        """Whether an open proposal offers the object at state ``key``, whose ledger record
        is ``raw``, to the caller as co-signer, and was made on that very record: a stale
        offer shows nothing."""
        found = proposals.digest(raw)
        with self._proposal_lock:  # only the offers of this object to the caller
            for doc in self.accounts.proposals():
                obj = doc.get("object") or {}
                if obj.get("key") == key and caller.org_id in doc["cosigners"]:
                    self._refresh(doc)
                    if doc["status"] == "open" and (doc["object"] or {}).get("digest") == found:
                        return True
        return False

    def _closed(self, doc: dict[str, Any]) -> ApiError:
        """The 409 for acting on a proposal that is no longer open."""
        why = f" ({doc['reason']})" if doc["reason"] else ""
        return ApiError(409, "conflict", "id", f"id: proposal is {doc['status']}{why}")

    def approve(self, caller: Caller, proposal_id: str) -> dict[str, Any]:
        """Approve as a co-signer; the last approval signs and submits the transaction.

        Earlier approvals are kept as approvals (which account approved), not
        signatures: the signed body, with the sender's next nonce, is built only
        when the last one arrives, so a proposal left open never holds up its
        sender's other transactions. Then every approving account, and the
        sender's, must still be able to sign (not disabled, revoked or demoted).
        The proposal is stored as submitted, with its transaction's hash and
        nonce, before the transaction is handed to ordering, so it can never be
        signed twice, and a crash leaves an attempt ``reconcile`` can settle.
        Answers the proposal ``done`` with its result; a failed receipt raises its
        ``ApiError`` (the proposal is then ``failed``), a 504 leaves it submitted
        (reading it later settles it). 409 naming ``id`` when it is not open
        (expired, stale...: the reason says which, never who holds the object
        now). Co-signers whose keys this peer does not hold sign multi-party
        transactions themselves (``smechain.client.sign_tx`` takes several keys)
        and submit them to ``/v1/transactions``.
        """
        with self._proposal_lock:
            doc = self._load(caller, proposal_id)
            if caller.org_id not in doc["cosigners"]:
                raise forbidden("id", f"{caller.org_id!r} is not a co-signer of this proposal")
            self.require_submit(caller, doc["contract"])
            if doc["status"] != "open":
                raise self._closed(doc)
            self.signing_key(caller, doc["contract"])  # 409 now if this peer holds none
            stored = json.loads(json.dumps(doc))
            approvals: dict[str, str] = doc["approvals"]
            approvals[caller.org_id] = (f"org:{caller.org_id}" if doc["contract"] == "membership"
                                        else caller.account.vault_owner)
            if any(o not in approvals for o in doc["cosigners"]):
                self.accounts.put_proposal(doc)
                return doc
            self._check_not_busy(doc)
            sender = self._signer_of(doc["sender_key"], "sender")
            keys = [self._signer_of(approvals[o], f"approvals.{o}") for o in doc["cosigners"]]
            cosigners = [(k, k.public) for k in keys]
            args = self.ledger_args(doc["contract"], doc["action"], doc["args"])

            def submitting(tx_hash: TxHash, nonce: int) -> None:
                doc.update(status="submitted", reason="",
                           result={"tx_hash": tx_hash.hex(), "status": "queued", "events": []},
                           attempt={"tx_hash": tx_hash.hex(), "signer": sender.public.hex(),
                                    "nonce": nonce})
                self.accounts.put_proposal(doc)

            try:
                tx_hash, nonce = self._sign_and_order(sender, cosigners, doc["contract"],
                                                      doc["action"], args, submitting)
            except BaseException as exc:
                if doc["status"] == "submitted":  # stored, then ordering refused it
                    self.accounts.put_proposal(stored)
                if isinstance(exc, ApiError) and proposals.went_stale(self.node, stored):
                    # Changed since the refresh above: the simulated failure would tell
                    # the co-signer about the object's new state or holder.
                    proposals.close(stored, "stale", proposals.STALE)
                    self.accounts.put_proposal(stored)
                    raise self._closed(stored) from None
                raise
        if not self._wait([tx_hash])[0].ok:
            self._forget_nonce(sender.public, nonce)
        with self._proposal_lock:
            doc = self._load(caller, proposal_id)
        if doc["result"] is not None:
            self.raise_for(doc["result"])
        return doc

    def _check_not_busy(self, doc: dict[str, Any]) -> None:
        """409 while another proposal on the same object is submitted: both would
        pass the simulation, and the loser's failed receipt would name the winner."""
        key = (doc["object"] or {}).get("key")
        if key is None:
            return
        for other in self.accounts.proposals():
            if (other["status"] == "submitted" and other["id"] != doc["id"]
                    and (other.get("object") or {}).get("key") == key
                    and not self._refresh(other)):
                raise ApiError(409, "conflict", "id", "id: what it acts on is changing hands "
                               "or state; try again shortly")

    def _signer_of(self, owner: str, field: str) -> KeyPair:
        """The held key of a vault entry whose account may still sign; 409 otherwise."""
        key = self.accounts.key(owner) if self.accounts.signs(owner) else None
        if key is None:
            raise ApiError(409, "no_key", field, f"{field}: {owner!r} can no longer sign "
                           "(disabled, revoked, demoted, or no key held)")
        return key

    def reject(self, caller: Caller, proposal_id: str) -> dict[str, Any]:
        """A co-signer declines, or the sender withdraws, an open proposal; 409 naming
        ``id`` when it is no longer open."""
        with self._proposal_lock:
            doc = self._load(caller, proposal_id)
            if caller.org_id not in (doc["sender_org"], *doc["cosigners"]):
                raise forbidden("id", f"{caller.org_id!r} is not party to this proposal")
            self.require_submit(caller, doc["contract"])
            if doc["status"] != "open":
                raise self._closed(doc)
            proposals.close(doc, "rejected", f"withdrawn by {caller.org_id}"
                            if caller.org_id == doc["sender_org"]
                            else f"declined by {caller.org_id}")
            self.accounts.put_proposal(doc)
            return doc

def _refused(exc: BadTransaction) -> dict[str, Any]:
    """The TxResult of bytes refused before ordering."""
    code = "duplicate" if isinstance(exc, AlreadyCommitted) else "malformed"
    message = str(exc) if str(exc).startswith("tx: ") else f"tx: {exc}"
    return {"tx_hash": "", "status": "refused", "ok": False, "code": code, "message": message,
            "events": []}
