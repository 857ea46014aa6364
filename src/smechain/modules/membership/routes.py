"""HTTP routes of the membership module: the consortium's organisations.

Governance and key actions are the generated ``/v1/contracts/membership/*`` routes.
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from smechain.api.deps import Auth, new_router
from smechain.api.errors import not_found
from smechain.api.platform import Platform
from smechain.core.encoding import plain
from smechain.modules.membership.contract import ORG_PREFIX
from smechain.modules.membership.queries import members


class OrgOut(BaseModel):
    id: str
    name: str
    roles: list[str]
    status: str
    admin_key: str


def router(platform: Platform) -> APIRouter:
    """``GET /v1/orgs`` and ``GET /v1/orgs/{org_id}``."""
    node = platform.node
    r = new_router()

    @r.get("/v1/orgs", response_model=list[OrgOut], tags=["ledger"])
    def orgs(caller: Auth) -> list[dict[str, Any]]:
        return [plain(org) for org in members(raw for _, raw, _ in
                                                node.store.iter_state(ORG_PREFIX))]

    @r.get("/v1/orgs/{org_id}", response_model=OrgOut, tags=["ledger"])
    def get_org(org_id: str, caller: Auth) -> dict[str, Any]:
        org = platform.org(org_id)
        if org is None:
            raise not_found("org_id", f"no organisation {org_id!r}")
        out: dict[str, Any] = plain(org)
        return out

    return r
