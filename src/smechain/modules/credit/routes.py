"""HTTP routes of the credit module: the model registry with PSI history, attestations,
what an SME sees of who used its consents, and scoring under consent with the
credit reports it leaves (``desk``).

Registering, retiring, reporting PSI and attesting are the generated
``/v1/contracts/credit/*`` routes.
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations.

from contextlib import closing
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from smechain.api import schemas as s
from smechain.api.caller import Caller
from smechain.api.deps import Auth, Limit, Offset, new_router, page, with_actions
from smechain.api.errors import ApiError, forbidden, not_found
from smechain.api.platform import Platform
from smechain.core.encoding import decode, plain, shown
from smechain.core.errors import ContractError
from smechain.modules.consent.contract import CATEGORY_ROLE
from smechain.modules.credit import desk
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


class ScoreRequest(BaseModel):
    """A bank's request to score an SME under the consent it granted."""

    model_config = ConfigDict(extra="forbid")

    consent_id: str = Field(max_length=64)
    model_version: str = Field(max_length=64)
    sme: str = Field(max_length=64, description="The SME organisation's id")


class ReasonOut(BaseModel):
    code: str
    feature: str
    zh: str
    en: str


class ReportAttestation(BaseModel):
    org: str
    category: str
    kind: str
    result_digest: str


class ReportOut(BaseModel):
    """A credit report: the score, its band and up to four reason codes, what was
    computed on, and the attestations on the ledger (desk.CreditReport)."""

    id: str
    sme: str
    uscc: str
    bank: str
    consent_id: str
    model_version: str
    score: int
    band: str
    reasons: list[ReasonOut]
    categories: list[str]
    computed_at_ms: int
    salt: str = Field(description="The bank's salt: SHA-256 over it and the report's "
                                  "content is the score attestation's result_digest")
    result_digest: str
    attestations: list[ReportAttestation]
    attestation_txs: list[str]
    score_attestation_id: str = Field(description="The bank's score attestation (what a "
                                                  "loan decision cites as attestation_id)")


class ReportPage(BaseModel):
    items: list[ReportOut]
    total: int
    offset: int
    limit: int


def credit_folder(platform: Platform) -> Path:
    """Where this peer keeps credit's off-ledger files: ``owners/`` (the data owners'
    stores), ``models/`` (artefacts, ``<version>.json``) and ``reports.sqlite``."""
    return platform.folder / "credit"


def _owners(platform: Platform, categories: tuple[str, ...]) -> dict[str, desk.DataOwner]:
    """The data owners at this peer: for each category, an organisation holding its role
    whose key this peer holds and whose store is here."""
    from smechain.modules.membership.contract import ORG_PREFIX
    from smechain.modules.membership.queries import members

    orgs = members(raw for _, raw, _ in platform.node.store.iter_state(ORG_PREFIX))
    folder = credit_folder(platform) / "owners"
    found = {}
    for category in categories:
        for org in orgs:
            if (CATEGORY_ROLE[category] in org.roles and org.status == "active"
                    and platform.holds_org_key(org.id)
                    and (folder / f"{category}.sqlite").is_file()):
                found[category] = desk.DataOwner(org.id, category, folder)
                break
    return found


def request_score(platform: Platform, caller: Caller, consent_id: str, model_version: str,
                  sme: str) -> dict[str, Any]:
    """Score ``sme`` for the caller's bank under ``consent_id`` with ``model_version``
    (``desk.score``), record every party's attestation on the ledger, keep the report;
    the report. ``ApiError``: not a bank, no such SME or USCC, the desk's refusals,
    the consent's refusals (naming their field); nothing is kept when one fails."""
    platform.require_submit(caller, "credit")
    if "bank" not in caller.org.roles:
        raise forbidden("org", "only a bank requests credit scores")
    org = platform.org(sme)
    if org is None or "sme" not in org.roles:
        raise not_found("sme", f"no SME {shown(sme)!r}")
    folder = credit_folder(platform)
    model = q.read_model(platform.node.store, model_version)
    categories = tuple(u.category for u in model.categories) if model else ()
    try:
        report = platform.node.consistent(lambda: desk.score(
            platform.node.store, platform.now_ms(), bank=caller.org_id, consent_id=consent_id,
            model_version=model_version, sme=sme, models=folder / "models",
            owners=_owners(platform, categories)))
    except desk.DeskError as exc:
        raise ApiError(exc.status, exc.code, exc.field, str(exc)) from None
    except ContractError as exc:
        raise platform.refusal(exc) from None
    txs = []
    for a in report.attestations:
        args = a.args(consent_id, model_version)
        result = (platform.submit_custodial(caller, "credit", "attest", args, True)
                  if a.org == caller.org_id else
                  platform.submit_as_org(a.org, "credit", "attest", args))
        txs.append(platform.raise_for(result)["tx_hash"])
    with closing(desk.ReportBook(folder)) as book:
        return book.put(report, txs)


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

    @r.post("/v1/credit/scores", response_model=ReportOut, status_code=201, tags=["credit"])
    def score(body: ScoreRequest, caller: Auth) -> dict[str, Any]:
        """A bank scores an SME under the SME's consent (purpose ``credit_assessment``):
        each data owner at this peer checks the consent, computes its partial points on
        its own store, and the bank learns the score, its band and up to four reason
        codes through two aggregators' secret shares (docs/privacy.md). Every
        computation is attested on the ledger; the report is kept here for the bank and
        the SME. 422 naming the field for a consent refused (none, revoked, expired,
        another bank, a category or purpose not granted), 404 for an unknown model or
        SME, 403 for callers that are not banks."""
        return request_score(platform, caller, body.consent_id, body.model_version,
                             body.sme)

    @r.get("/v1/credit/reports", response_model=ReportPage, tags=["credit"])
    def list_reports(caller: Auth, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        """Credit reports where the caller's organisation is the bank or the SME
        (regulators: all), newest first."""
        with closing(desk.ReportBook(credit_folder(platform))) as book:
            items, total = book.of(None if caller.reads_all else caller.org_id, offset, limit)
        return {"items": items, "total": total, "offset": offset, "limit": limit}

    @r.get("/v1/credit/reports/{report_id}", response_model=ReportOut, tags=["credit"])
    def get_report(report_id: str, caller: Auth) -> dict[str, Any]:
        """One credit report: its bank's, its SME's and the regulators'."""
        with closing(desk.ReportBook(credit_folder(platform))) as book:
            doc = book.get(report_id[:64])
        if doc is None or not (caller.reads_all or caller.org_id in (doc["bank"], doc["sme"])):
            raise not_found("report_id", f"no report {shown(report_id)!r}")
        return doc

    return r
