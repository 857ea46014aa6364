"""Transactions a client signed itself (non-custodial), and the nonces it needs."""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

from typing import Any

from fastapi import APIRouter, Request

from smechain.api import schemas as s
from smechain.api.deps import Auth, count_submitted, new_router, parse_hex
from smechain.api.errors import ApiError, forbidden
from smechain.api.platform import Platform
from smechain.core.tx import SignedTx


def router(platform: Platform) -> APIRouter:
    """``POST /v1/transactions``, ``POST /v1/transactions/batch``, ``GET /v1/nonces/*``."""
    node = platform.node
    r = new_router()

    @r.post("/v1/transactions", response_model=s.TxResult, tags=["transactions"])
    def submit(body: s.RawTx, caller: Auth, request: Request) -> dict[str, Any]:
        """Submit a transaction the client signed itself (non-custodial)."""
        def permit(_: int, tx: SignedTx) -> None:
            platform.require_submit(caller, tx.body.contract)

        raw = parse_hex(body.tx, "tx")
        result = platform.raise_for(platform.submit_raw(raw, body.wait, permit))
        count_submitted(request)
        request.state.audit = f"submit tx={result['tx_hash']}"
        return result

    @r.post("/v1/transactions/batch", response_model=s.BatchResult, tags=["transactions"])
    def submit_batch(body: s.RawBatch, caller: Auth, request: Request) -> dict[str, Any]:
        """Submit up to 5,000 signed transactions; one result each, in order."""
        platform.require_submit(caller, "")
        raws = [parse_hex(tx, f"txs[{i}]") for i, tx in enumerate(body.txs)]

        def permit(i: int, tx: SignedTx) -> None:
            if tx.body.contract == "membership":
                raise forbidden(f"txs[{i}]", "governance and key transactions go one at a "
                                             "time to /v1/transactions")

        results = platform.submit_many(raws, body.wait, permit)
        count_submitted(request, len(raws))
        request.state.audit = f"batch of {len(raws)}"
        return {"results": results}

    @r.get("/v1/nonces/{public_key}", response_model=s.Nonce, tags=["transactions"])
    def nonce(public_key: str, caller: Auth) -> dict[str, Any]:
        key = parse_hex(public_key, "public_key")
        if len(key) != node.suite.public_key_size:
            raise ApiError(422, "bad_args", "public_key",
                           f"public_key: must be {node.suite.public_key_size} bytes")
        return {"public_key": public_key, "nonce": node.nonce(key)}

    return r
