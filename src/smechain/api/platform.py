"""What the API does, without HTTP: who the caller is, keys, signing and submitting.

Proposals (multi-party transactions) are run by ``ProposalDesk``
(``smechain.api.proposal_desk``), mixed in; refusals are ``ApiError``s
(``smechain.api.errors``); the caller is a ``Caller`` (``smechain.api.caller``).

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

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from smechain.api import hooks, schemas
from smechain.api.accounts import Account, Accounts, Role, can_submit
from smechain.api.caller import Caller
from smechain.api.errors import ApiError, forbidden, not_found
from smechain.api.index import Indexer
from smechain.api.proposal_desk import ProposalDesk
from smechain.core.block import Receipt
from smechain.core.contract import cosigners_of
from smechain.core.encoding import encode, plain
from smechain.core.errors import ContractError
from smechain.core.executor import DecodedTx
from smechain.core.tx import SignedTx, TxBody, TxHash, tx_digest
from smechain.modules.membership.contract import Org, read_org
from smechain.node.keys import KeyPair, generate_key
from smechain.node.node import BadTransaction, Node, NodeStopped

WAIT_SECONDS = 30.0

RECEIPT_STATUS = {
    "bad_args": 422, "malformed": 422, "unauthorised": 403, "bad_signature": 403,
    "unknown_signer": 403, "not_found": 404, "unknown_action": 404,
}
"""HTTP status of a failed receipt's code; anything else (conflicts, funds, nonces) is 409,
unless a module's ``REFUSAL_STATUS`` (``api.hooks``) gives the codes of its own refusals
theirs."""

Permit = Callable[[int, SignedTx], None]
"""Looks at the i-th transaction of a submission; raises ``ApiError`` to refuse it all."""


class AlreadyCommitted(BadTransaction):
    """The exact signed bytes are already on the chain."""


class Platform(ProposalDesk):
    """The API's service layer over ``node``, with its records in ``folder``."""

    def __init__(self, node: Node, folder: Path) -> None:
        self.node = node
        self.folder = Path(folder)
        """Where this peer keeps its records (accounts, index, modules' off-ledger files)."""
        self.accounts = Accounts(folder)
        self.index = Indexer(node, folder)
        self._nonce_lock = threading.Lock()
        self._nonces: dict[bytes, int] = {}
        self._proposal_lock = threading.Lock()
        self._unknown_to = hooks.rules("unknown_to")
        self._receipt_status = {**RECEIPT_STATUS}
        for statuses in hooks.rules("REFUSAL_STATUS").values():
            self._receipt_status.update(statuses)
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

    def submit_as_org(self, org_id: str, contract: str, action: str,
                      args: dict[str, Any]) -> dict[str, Any]:
        """Sign with the organisation key this peer holds for ``org_id`` (its own
        off-ledger services: a data owner attesting a computation) and wait; 409
        ``no_key`` naming ``org`` when it holds none, the receipt's refusal otherwise."""
        key = self.accounts.key(f"org:{org_id}")
        if key is None:
            raise ApiError(409, "no_key", "org", f"org: this peer holds no key of "
                           f"{org_id!r} to sign its computations with")
        return self.raise_for(self._sign_and_submit(key, [], contract, action, args, True))

    def holds_org_key(self, org_id: str) -> bool:
        """Whether this peer holds ``org_id``'s organisation key."""
        return self.accounts.key(f"org:{org_id}") is not None

    def refusal(self, exc: ContractError) -> ApiError:
        """The API's answer to a contract rule refusing before anything was signed."""
        return ApiError(self._receipt_status.get(exc.code, 409), exc.code, exc.field,
                        str(exc))

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
        return ApiError(self._receipt_status.get(receipt.code, 409), receipt.code, receipt.field,
                        message)

    def raise_for(self, result: dict[str, Any]) -> dict[str, Any]:
        """An ``ApiError`` for a failed single transaction (its receipt is on the chain)."""
        if result["status"] == "refused":
            status = 409 if result["code"] == "duplicate" else 422
            raise ApiError(status, result["code"], "tx", result["message"])
        if result["status"] == "committed" and not result["ok"]:
            status = self._receipt_status.get(result["code"], 409)
            raise ApiError(status, result["code"], result.get("field", ""),
                           result["message"], result["tx_hash"], result["height"])
        return result


def _refused(exc: BadTransaction) -> dict[str, Any]:
    """The TxResult of bytes refused before ordering."""
    code = "duplicate" if isinstance(exc, AlreadyCommitted) else "malformed"
    message = str(exc) if str(exc).startswith("tx: ") else f"tx: {exc}"
    return {"tx_hash": "", "status": "refused", "ok": False, "code": code, "message": message,
            "events": []}
