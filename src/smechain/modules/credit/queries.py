"""Reads over credit models and attestations: a model with its PSI history, the
attestations of a consent, an SME or a computing organisation, and what an SME sees of
who used its consents when.

Pure: each function takes a state reader (``StateReader``) or records already read, and
plain values; none reads the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from smechain.core.encoding import decode
from smechain.core.state import StateReader
from smechain.modules.consent.queries import read_consent
from smechain.modules.credit.contract import Attestation, Model, PsiReport, model_key

NAMES = frozenset({"consent_id", "model_version"})
"""Argument and event fields ``tx_orgs`` reads (consent ids, model versions)."""
PSI_WATCH_BP = 1_000
"""PSI from 0.1 (1,000 bp): the population has shifted; watch the model."""
PSI_ACT_BP = 2_500
"""PSI from 0.25 (2,500 bp): a significant shift; review or rebuild the model."""


def read_model(state: StateReader, version: str) -> Model | None:
    """The model ``version``, or ``None``."""
    raw = state.get(model_key(version))
    return None if raw is None else decode(raw, Model)


def psi_level(psi_bp: int) -> str:
    """``stable`` below ``PSI_WATCH_BP``, ``watch`` below ``PSI_ACT_BP``, ``shift`` from it."""
    if psi_bp < PSI_WATCH_BP:
        return "stable"
    return "watch" if psi_bp < PSI_ACT_BP else "shift"


def psi_history(reports: Iterable[PsiReport], version: str) -> list[PsiReport]:
    """The PSI reports of model ``version``, oldest period first."""
    return sorted((r for r in reports if r.model_version == version), key=lambda r: r.period)


def with_history(models: Iterable[Model], reports: Iterable[PsiReport]
                 ) -> list[tuple[Model, list[PsiReport]]]:
    """Each model with its PSI history, newest registration first."""
    by_model: dict[str, list[PsiReport]] = {}
    for report in reports:
        by_model.setdefault(report.model_version, []).append(report)
    return [(m, sorted(by_model.get(m.version, []), key=lambda r: r.period))
            for m in sorted(models, key=lambda m: (-m.registered_at_ms, m.version))]


def newest_first(found: Iterable[Attestation]) -> list[Attestation]:
    """Attestations, the newest block first."""
    return sorted(found, key=lambda a: (-a.height, -a.at_ms, a.id))


def by_consent(attestations: Iterable[Attestation], consent_id: str) -> list[Attestation]:
    """The attestations under consent ``consent_id``, newest first."""
    return newest_first(a for a in attestations if a.consent_id == consent_id)


def by_sme(attestations: Iterable[Attestation], sme: str) -> list[Attestation]:
    """The attestations on data of ``sme`` (through its consents), newest first."""
    return newest_first(a for a in attestations if a.sme == sme)


def by_org(attestations: Iterable[Attestation], org: str) -> list[Attestation]:
    """The attestations ``org`` signed as the computing organisation, newest first."""
    return newest_first(a for a in attestations if a.org == org)


def by_bank(attestations: Iterable[Attestation], bank: str) -> list[Attestation]:
    """The attestations of computations for ``bank``, newest first."""
    return newest_first(a for a in attestations if a.bank == bank)


def parties(attestation: Attestation) -> set[str]:
    """The organisations an attestation concerns: the SME, the bank, the computing org."""
    return {attestation.sme, attestation.bank, attestation.org}


def usage(attestations: Iterable[Attestation], sme: str) -> list[dict[str, Any]]:
    """What ``sme`` sees of who used which of its consents when: for each attestation on
    its data, newest first, ``{consent_id, bank, org, category, kind, model_version,
    at_ms, height}`` (``org``: who computed)."""
    return [{"consent_id": a.consent_id, "bank": a.bank, "org": a.org,
             "category": a.category, "kind": a.kind.value, "model_version": a.model_version,
             "at_ms": a.at_ms, "height": a.height} for a in by_sme(attestations, sme)]


def tx_orgs(state: StateReader, contract: str, action: str, named: Mapping[str, set[str]]
            ) -> set[str]:
    """The organisations a ``credit`` transaction concerns from state: the SME and bank of
    each consent an attestation names (a refused one too), and the bank of each model
    named."""
    if contract != "credit":
        return set()
    found: set[str] = set()
    for consent_id in named.get("consent_id", ()):
        consent = read_consent(state, consent_id)
        if consent is not None:
            found.update((consent.sme, consent.bank))
    for version in named.get("model_version", ()):
        model = read_model(state, version)
        if model is not None:
            found.add(model.bank)
    return found
