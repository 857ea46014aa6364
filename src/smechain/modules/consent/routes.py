"""HTTP routes of the consent module: consents, and whether one allows a computation.

Granting and revoking are the generated ``/v1/contracts/consent/*`` routes.
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from smechain.api import schemas as s
from smechain.api.caller import Caller
from smechain.api.deps import Auth, Limit, Offset, new_router, page, with_actions
from smechain.api.errors import ApiError, forbidden, not_found
from smechain.api.platform import Platform
from smechain.core.encoding import decode, plain, shown
from smechain.modules.consent import queries as q
from smechain.modules.consent.contract import (
    CATEGORY_ROLE,
    CONSENT_PREFIX,
    CONTRACT,
    Consent,
)

ConsentOut = s.record_model(
    Consent, "ConsentOut", "A consent (contract.Consent) with its standing now and the "
    "actions the caller's organisation may start on it.",
    standing=(str, Field(description="live, expired or revoked, now")),
    actions=(list[str], Field(description="Transitions the caller's organisation may "
                                          "start on it now (core.transitions.offered).")))
ConsentPage = s.page_model(ConsentOut, "ConsentPage")


class ConsentCheck(BaseModel):
    """A consent allows the computation asked."""

    id: str
    sme: str
    bank: str
    category: str
    purpose: str
    until_ms: int


def owners_of(consent: Consent) -> set[str]:
    """The roles of the data owners of a consent's categories."""
    return {CATEGORY_ROLE[c] for c in consent.categories if c in CATEGORY_ROLE}


def router(platform: Platform) -> APIRouter:
    """``/v1/consents[/{consent_id}[/check]]``."""
    node = platform.node
    r = new_router()

    def out(caller: Caller, consent: Consent) -> dict[str, Any]:
        doc = {**plain(consent), "standing": q.standing(consent, platform.now_ms())}
        return with_actions(caller, CONTRACT, consent, doc)

    def visible(caller: Caller, consent_id: str) -> Consent:
        """The consent, for its SME, its bank, the owners of its categories' data and
        regulators; 404 for anyone else, as when there is none (a stranger is not told
        that it exists)."""
        consent = q.read_consent(node, consent_id)
        if consent is None or not (caller.may_see(q.parties(consent))
                                   or owners_of(consent) & set(caller.org.roles)):
            raise not_found("consent_id", f"no consent {shown(consent_id)!r}")
        return consent

    @r.get("/v1/consents", response_model=ConsentPage, tags=["consents"])
    def consents(caller: Auth, role: str = Query("any", pattern="^(sme|bank|any)$"),
                 standing: str | None = Query(None, pattern="^(live|expired|revoked)$"),
                 org: str | None = Query(None, max_length=64),
                 offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        """Consents the caller's organisation granted (``role=sme``) or received
        (``bank``); regulators may name another ``org``."""
        org = org or caller.org_id
        if org != caller.org_id and not caller.reads_all:
            raise forbidden("org", f"consents of {shown(org)!r} are its own business")
        now = platform.now_ms()
        records = [decode(raw, Consent) for _, raw, _ in node.store.iter_state(CONSENT_PREFIX)]
        found = [out(caller, c) for c in q.consents_of(records, org, role)
                 if standing is None or q.standing(c, now) == standing]
        return page(found, offset, limit)

    @r.get("/v1/consents/{consent_id}", response_model=ConsentOut, tags=["consents"])
    def get_consent(consent_id: str, caller: Auth) -> dict[str, Any]:
        """A consent, for its SME and bank, the owners of its data and regulators."""
        return out(caller, visible(caller, consent_id))

    @r.get("/v1/consents/{consent_id}/check", response_model=ConsentCheck, tags=["consents"])
    def check(consent_id: str, caller: Auth, bank: str = Query(max_length=64),
              category: str = Query(max_length=64),
              purpose: str = Query("credit_assessment", max_length=64)) -> dict[str, Any]:
        """Whether the consent lets ``bank`` have ``category`` computed for ``purpose`` now
        (``consent.queries.check_consent``): what a data owner asks before it computes;
        422 with the refusal's code and field otherwise."""
        visible(caller, consent_id)
        try:
            consent = q.check_consent(node, consent_id, bank, category, purpose,
                                      platform.now_ms())
        except q.ConsentRefused as exc:
            raise ApiError(422, exc.code, exc.field, exc.message) from None
        return {"id": consent.id, "sme": consent.sme, "bank": consent.bank,
                "category": category, "purpose": purpose, "until_ms": consent.until_ms}

    return r
