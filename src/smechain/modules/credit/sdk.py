"""``client.credit``: scorecard models, PSI and attestations through the SDK."""
# The bodies of ``@action`` methods are their signatures (see smechain.client.actions).
# mypy: disable-error-code="empty-body"

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from smechain.client.actions import Binary, LedgerForms, ModuleSdk, action, binary
from smechain.client.http import segment
from smechain.client.models import Page, TxResult, from_json, page_of

__all__ = ["Attestation", "CategoryUse", "CreditModel", "CreditReport", "CreditSdk",
           "PsiPoint", "ReasonCode", "Usage"]


@dataclass(frozen=True, slots=True)
class CategoryUse:
    """A data category a model uses and the features it reads from it."""

    category: str
    features: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PsiPoint:
    """A model's population stability index over one period, in basis points."""

    model_version: str
    period: str
    psi_bp: int
    population: int
    reported_at_ms: int
    level: str = ""
    """``stable``, ``watch`` or ``shift``."""


@dataclass(frozen=True, slots=True)
class CreditModel:
    """A registered scorecard model version with its PSI history."""

    version: str
    bank: str
    kind: str
    artefact_digest: str
    categories: tuple[CategoryUse, ...]
    base_score: int
    base_odds_good: int
    base_odds_bad: int
    pdo: int
    band_cutoffs: tuple[int, ...]
    registered_at_ms: int
    retired_at_ms: int
    status: str
    psi: tuple[PsiPoint, ...] = ()
    actions: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> CreditModel:
        base = from_json(cls, {**doc, "categories": (), "psi": ()})
        return dataclasses.replace(
            base, categories=tuple(from_json(CategoryUse, c) for c in doc["categories"]),
            psi=tuple(from_json(PsiPoint, p) for p in doc.get("psi") or ()))


@dataclass(frozen=True, slots=True)
class Attestation:
    """A computation on an SME's data under its consent."""

    id: str
    consent_id: str
    sme: str
    bank: str
    org: str
    """Who computed and signed."""
    model_version: str
    category: str
    kind: str
    input_digests: tuple[str, ...]
    result_digest: str
    at_ms: int
    height: int


@dataclass(frozen=True, slots=True)
class Usage:
    """What an SME sees of one computation on its data."""

    consent_id: str
    bank: str
    org: str
    category: str
    kind: str
    model_version: str
    at_ms: int
    height: int


@dataclass(frozen=True, slots=True)
class ReasonCode:
    """One reason a score gives (points stay private to the data owners)."""

    code: str
    feature: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class CreditReport:
    """A score computed under consent: score, band, reason codes, what it used, and how
    to check it against the ledger (``result_digest`` is SHA-256 over ``salt`` and the
    report's content, attested by the bank)."""

    id: str
    sme: str
    uscc: str
    bank: str
    consent_id: str
    model_version: str
    score: int
    band: str
    reasons: tuple[ReasonCode, ...]
    categories: tuple[str, ...]
    computed_at_ms: int
    salt: str
    result_digest: str
    attestation_txs: tuple[str, ...]
    score_attestation_id: str = ""
    """The bank's score attestation, which a loan decision cites."""

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> CreditReport:
        base = from_json(cls, {**doc, "reasons": ()})
        return dataclasses.replace(
            base, reasons=tuple(from_json(ReasonCode, r) for r in doc["reasons"]))


def _uses(categories: Sequence[CategoryUse | Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{"category": c.category, "features": list(c.features)} if isinstance(c, CategoryUse)
            else dict(c) for c in categories]


class CreditSdk(ModuleSdk):
    """Credit scoring: ``register_model``, ``retire_model``, ``report_psi``, ``attest``;
    ``models``, ``model``, ``attestations``, ``usage``; ``score``, ``reports``, ``report``."""

    ledger_forms: ClassVar[LedgerForms] = {
        "register_model": {"artefact_digest": binary},
        "attest": {"input_digests": lambda ds: [binary(d) for d in ds],
                   "result_digest": binary},
    }

    def register_model(self, model_version: str, artefact_digest: Binary,
                       categories: Sequence[CategoryUse | Mapping[str, Any]], base_score: int,
                       base_odds_good: int, base_odds_bad: int, pdo: int,
                       band_cutoffs: Sequence[int], kind: str = "scorecard", *,
                       wait: bool = True) -> TxResult:
        """``credit.register_model``: a bank registers a scorecard version, once."""
        return self._call("register_model", wait, model_version=model_version, kind=kind,
                          artefact_digest=artefact_digest, categories=_uses(categories),
                          base_score=base_score, base_odds_good=base_odds_good,
                          base_odds_bad=base_odds_bad, pdo=pdo, band_cutoffs=list(band_cutoffs))

    @action
    def retire_model(self, model_version: str, *, wait: bool = True) -> TxResult:
        """``credit.retire_model``: the registering bank retires a version."""

    @action
    def report_psi(self, model_version: str, period: str, psi_bp: int, population: int, *,
                   wait: bool = True) -> TxResult:
        """``credit.report_psi``: the model's PSI for ``period`` (``2026Q3``), in basis
        points (PSI 0.1 is 1,000), once per period."""

    @action
    def attest(self, consent_id: str, model_version: str, category: str,
               input_digests: Sequence[Binary], result_digest: Binary,
               kind: str = "partial_score", *, wait: bool = True) -> TxResult:
        """``credit.attest``: record a computation under a consent (``kind``:
        ``partial_score``, ``binning``, or ``score`` by the bank with ``category=""``)."""

    def models(self, bank: str | None = None) -> list[CreditModel]:
        """``GET /v1/credit/models``: the registry, newest first, with PSI history."""
        return [CreditModel.from_json(m) for m in self._get("/v1/credit/models", bank=bank)]

    def model(self, model_version: str) -> CreditModel:
        """``GET /v1/credit/models/{version}``."""
        return CreditModel.from_json(
            self._get(f"/v1/credit/models/{segment(model_version)}"))

    def attestations(self, role: str = "any", consent_id: str | None = None,
                     offset: int = 0, limit: int = 50) -> Page[Attestation]:
        """``GET /v1/credit/attestations``: as ``sme``, ``bank``, computing ``org`` or
        ``any``; ``consent_id``: one consent's."""
        return page_of(self._get("/v1/credit/attestations", role=role, consent_id=consent_id,
                                 offset=offset, limit=limit), Attestation)

    def usage(self, sme: str | None = None) -> list[Usage]:
        """``GET /v1/credit/usage``: who used which of the SME's consents when."""
        return [from_json(Usage, u) for u in self._get("/v1/credit/usage", sme=sme)]

    def score(self, consent_id: str, model_version: str, sme: str) -> CreditReport:
        """``POST /v1/credit/scores``: a bank scores ``sme`` under its consent; the data
        owners compute privately and attest, the bank gets the report."""
        return CreditReport.from_json(self._post("/v1/credit/scores", {
            "consent_id": consent_id, "model_version": model_version, "sme": sme}))

    def reports(self, offset: int = 0, limit: int = 50) -> Page[CreditReport]:
        """``GET /v1/credit/reports``: reports where the caller is the bank or the SME."""
        return page_of(self._get("/v1/credit/reports", offset=offset, limit=limit),
                       CreditReport)

    def report(self, report_id: str) -> CreditReport:
        """``GET /v1/credit/reports/{id}``."""
        return CreditReport.from_json(self._get(f"/v1/credit/reports/{segment(report_id)}"))


SDK = CreditSdk
