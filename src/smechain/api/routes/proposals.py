"""Proposals: multi-party transactions waiting for their co-signers."""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

from typing import Any

from fastapi import APIRouter, Query, Request

from smechain.api import schemas as s
from smechain.api.deps import Auth, Limit, Offset, new_router, page
from smechain.api.platform import Platform
from smechain.api.proposals import STATUSES


def router(platform: Platform) -> APIRouter:
    """``/v1/proposals`` and ``/v1/proposals/{proposal_id}[/sign|/reject]``."""
    r = new_router()

    @r.post("/v1/proposals", response_model=s.Proposal, status_code=201, tags=["proposals"])
    def propose(body: s.NewProposal, caller: Auth, request: Request) -> dict[str, Any]:
        """Open a multi-party transaction (e.g. offer a certificate for sale)."""
        request.state.audit = f"propose {body.contract}.{body.action}"
        doc = platform.propose(caller, body.contract, body.action, body.args, body.cosigners,
                               body.expires_ms)
        request.state.audit += f" id={doc['id']}"
        return proposal_out(doc)

    def proposal_out(doc: dict[str, Any]) -> dict[str, Any]:
        return {"id": doc["id"], "contract": doc["contract"], "action": doc["action"],
                "args": doc["args"], "sender_org": doc["sender_org"],
                "cosigners": doc["cosigners"], "signers": [doc["sender_org"], *doc["cosigners"]],
                "signed_by": list(doc["approvals"]), "status": doc["status"],
                "reason": doc["reason"], "created_ms": doc["created_ms"],
                "expires_ms": doc["expires_ms"], "result": doc["result"]}

    @r.get("/v1/proposals", response_model=s.ProposalPage, tags=["proposals"])
    def proposals(caller: Auth, role: str = Query("any", pattern="^(sender|cosigner|any)$"),
                  status: str | None = Query(None, pattern=f"^({'|'.join(STATUSES)})$"),
                  offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        """Proposals the caller is party to (regulators: all), newest first."""
        me_ = caller.org_id
        found = []
        for doc in platform.proposals():
            mine = {"sender": doc["sender_org"] == me_, "cosigner": me_ in doc["cosigners"]}
            ok = any(mine.values()) or caller.reads_all if role == "any" else mine[role]
            if ok and (status is None or doc["status"] == status):
                found.append(proposal_out(doc))
        return page(found, offset, limit)

    @r.get("/v1/proposals/{proposal_id}", response_model=s.Proposal, tags=["proposals"])
    def get_proposal(proposal_id: str, caller: Auth) -> dict[str, Any]:
        return proposal_out(platform.proposal(caller, proposal_id))

    @r.post("/v1/proposals/{proposal_id}/sign", response_model=s.Proposal, tags=["proposals"])
    def sign_proposal(proposal_id: str, caller: Auth, request: Request) -> dict[str, Any]:
        """Approve as a co-signer; the last approval signs and submits the transaction."""
        request.state.audit = f"approve proposal {proposal_id}"
        doc = platform.approve(caller, proposal_id)
        if doc["result"]:
            request.state.audit += f" tx={doc['result']['tx_hash']}"
        return proposal_out(doc)

    @r.post("/v1/proposals/{proposal_id}/reject", response_model=s.Proposal,
            tags=["proposals"])
    def reject_proposal(proposal_id: str, caller: Auth, request: Request) -> dict[str, Any]:
        request.state.audit = f"reject proposal {proposal_id}"
        return proposal_out(platform.reject(caller, proposal_id))

    return r
