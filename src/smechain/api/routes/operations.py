"""Health and metrics, for the peer's operators (no sign-in)."""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CollectorRegistry, generate_latest

from smechain.api import schemas as s
from smechain.api.deps import new_router
from smechain.api.platform import Platform


def router(platform: Platform, registry: CollectorRegistry) -> APIRouter:
    """``/healthz``, and ``/metrics`` from the app's ``registry``."""
    node = platform.node
    r = new_router()

    # --- operations ----------------------------------------------------------------------

    @r.get("/healthz", response_model=s.Health, tags=["operations"])
    async def healthz() -> Any:
        """``ok``, or 503 ``failed`` naming why once the ledger thread has stopped."""
        failure = node.failure
        body = {"status": "ok" if failure is None else "failed", "chain_id": node.chain_id,
                "height": node.height(), "indexed_height": platform.index.height,
                "problem": "" if failure is None else f"the ledger thread failed: {failure!r}"}
        return body if failure is None else JSONResponse(body, status_code=503)

    @r.get("/metrics", response_class=PlainTextResponse, tags=["operations"])
    async def prometheus() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(registry).decode(),
                                 media_type="text/plain; version=0.0.4")

    return r
