"""The proposal desk: opening, approving and rejecting multi-party transactions.

``ProposalDesk`` is the part of ``Platform`` that runs proposals (their life and
how they follow the ledger: ``smechain.api.proposals``). It is mixed into
``Platform``, whose signing and submitting it uses (``simulate``,
``_sign_and_order``, ``_wait``, ``raise_for``...), and holds no state of its own
beyond the lock that keeps two approvals of one proposal apart.
"""

from __future__ import annotations

import json
import secrets
import threading
from typing import Any

from smechain.api import proposals
from smechain.api.accounts import Accounts
from smechain.api.caller import Caller
from smechain.api.errors import ApiError, forbidden, not_found
from smechain.core.contract import cosigners_of
from smechain.core.encoding import shown
from smechain.core.tx import TxBody, TxHash
from smechain.node.keys import KeyPair
from smechain.node.node import Node


class ProposalDesk:
    """Proposals, as ``Platform`` runs them (see the module's notes)."""

    node: Node
    accounts: Accounts
    _proposal_lock: threading.Lock

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
