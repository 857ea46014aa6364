"""HTTP routes of the cash module: balances.

Issuing, transferring and redeeming are the generated ``/v1/contracts/cash/*`` routes.
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from smechain.api.deps import Auth, new_router
from smechain.api.errors import forbidden, not_found
from smechain.api.platform import Platform
from smechain.core.encoding import shown
from smechain.modules.cash.contract import BALANCE_PREFIX
from smechain.modules.cash.queries import balances_of


class Balances(BaseModel):
    org: str
    balances: dict[str, int]


def router(platform: Platform) -> APIRouter:
    """``GET /v1/balances``."""
    node = platform.node
    r = new_router()

    @r.get("/v1/balances", response_model=Balances, tags=["ledger"])
    def balances(caller: Auth, org: str | None = None) -> dict[str, Any]:
        org = org or caller.org_id
        if not caller.may_see({org}):
            raise forbidden("org", f"balances of {shown(org)!r} are its own business")
        if platform.org(org) is None:
            raise not_found("org", f"no organisation {shown(org)!r}")
        records = ((key, raw) for key, raw, _ in node.store.iter_state(BALANCE_PREFIX))
        return {"org": org, "balances": balances_of(records, org)}

    return r
