"""HTTP routes of the credit module: the model registry with PSI history, attestations,
and what an SME sees of who used its consents.

Registering, retiring, reporting PSI and attesting are the generated
``/v1/contracts/credit/*`` routes.
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from smechain.api import schemas as s
from smechain.api.caller import Caller
from smechain.api.deps import Auth, Limit, Offset, new_router, page, with_actions
from smechain.api.errors import forbidden, not_found
from smechain.api.platform import Platform
from smechain.core.encoding import decode, plain, shown
from smechain.modules.credit import queries as q
from smechain.modules.credit.contract import (
    ATTESTATION_PREFIX,
    CONTRACT,
    MODEL_PREFIX,
    PSI_PREFIX,
    Attestation,
    Model,
    PsiReport,
)

PsiOut = s.record_model(PsiReport, "PsiOut", "A model's PSI for one period "
                        "(contract.PsiReport), with its level.",
                        level=(str, Field(description="stable (< 1,000 bp), watch "
                                                      "(< 2,500 bp) or shift")))
ModelOut = s.record_model(
    Model, "ModelOut", "A registered model version (contract.Model) with its PSI history, "
    "oldest period first, and the actions the caller's organisation may start on it.",
    psi=(list[PsiOut], ...),  # type: ignore[valid-type]
    actions=(list[str], Field(description="Transitions the caller's organisation may "
                                          "start on it now (core.transitions.offered).")))
AttestationOut = s.record_model(Attestation, "AttestationOut",
                                "A computation's attestation (contract.Attestation).")
AttestationPage = s.page_model(AttestationOut, "AttestationPage")


class Usage(BaseModel):
    """One computation on an SME's data: under which consent, for which bank, by whom."""

    consent_id: str
    bank: str
    org: str
    category: str
    kind: str
    model_version: str
    at_ms: int
    height: int


def router(platform: Platform) -> APIRouter:
    """``/v1/credit/models[/{model_version}]``, ``/v1/credit/attestations`` and
    ``/v1/credit/usage``."""
    node = platform.node
    r = new_router()

    def reports() -> list[PsiReport]:
        return [decode(raw, PsiReport) for _, raw, _ in node.store.iter_state(PSI_PREFIX)]

    def attestations() -> list[Attestation]:
        return [decode(raw, Attestation)
                for _, raw, _ in node.store.iter_state(ATTESTATION_PREFIX)]

    def out(caller: Caller, model: Model, history: list[PsiReport]) -> dict[str, Any]:
        doc = {**plain(model), "psi": [{**plain(p), "level": q.psi_level(p.psi_bp)}
                                       for p in history]}
        return with_actions(caller, CONTRACT, model, doc)

    @r.get("/v1/credit/models", response_model=list[ModelOut],  # type: ignore[valid-type]
           tags=["credit"])
    def models(caller: Auth, bank: str | None = Query(None, max_length=64)
               ) -> list[dict[str, Any]]:
        """The model registry, newest first, each with its PSI history; ``bank``: one
        bank's."""
        found = [decode(raw, Model) for _, raw, _ in node.store.iter_state(MODEL_PREFIX)]
        return [out(caller, m, h) for m, h in q.with_history(found, reports())
                if bank is None or m.bank == bank]

    @r.get("/v1/credit/models/{model_version}", response_model=ModelOut, tags=["credit"])
    def get_model(model_version: str, caller: Auth) -> dict[str, Any]:
        """A model version with its PSI history."""
        model = q.read_model(node, model_version)
        if model is None:
            raise not_found("model_version", f"no model {shown(model_version)!r}")
        return out(caller, model, q.psi_history(reports(), model.version))

    @r.get("/v1/credit/attestations", response_model=AttestationPage, tags=["credit"])
    def list_attestations(caller: Auth, consent_id: str | None = Query(None, max_length=64),
                          role: str = Query("any", pattern="^(sme|bank|org|any)$"),
                          offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        """Attestations the caller may see (its SME's, its bank's, those it computed;
        regulators: all), newest first; ``role`` keeps those where the caller's
        organisation is the SME, the bank or the computing ``org``; ``consent_id`` one
        consent's."""
        me = caller.org_id
        found = attestations()
        if consent_id is not None:
            found = q.by_consent(found, consent_id)
        picked = {"sme": q.by_sme, "bank": q.by_bank, "org": q.by_org}
        found = picked[role](found, me) if role in picked else [
            a for a in q.newest_first(found) if caller.may_see(q.parties(a))]
        return page([plain(a) for a in found], offset, limit)

    @r.get("/v1/credit/usage", response_model=list[Usage], tags=["credit"])
    def usage(caller: Auth, sme: str | None = Query(None, max_length=64)
              ) -> list[dict[str, Any]]:
        """Who used which of an SME's consents when: each attestation on its data, newest
        first. The SME's own (regulators: any ``sme``)."""
        sme = sme or caller.org_id
        if sme != caller.org_id and not caller.reads_all:
            raise forbidden("sme", f"the use of {shown(sme)!r}'s data is its own business")
        return q.usage(attestations(), sme)

    return r
