"""Credit's pure reads: models with PSI history, attestations by consent, SME and
organisation, and what an SME sees of who used its consents."""

from __future__ import annotations

from smechain.modules.consent.contract import Consent, Status, consent_key
from smechain.modules.credit import queries as q
from smechain.modules.credit.contract import (
    Attestation,
    CategoryUse,
    Computation,
    Model,
    ModelKind,
    PsiReport,
    model_key,
)
from smechain.modules.credit.contract import Status as ModelStatus

from ..state_dict import DictState


def model(version: str, registered: int) -> Model:
    return Model(version, "bank-a", ModelKind.SCORECARD, bytes(32),
                 [CategoryUse("tax", ["vat"])], 600, 50, 1, 20, [520, 580], registered, 0,
                 ModelStatus.ACTIVE)


def att(aid: str, consent: str, sme: str, org: str, height: int,
        kind: Computation = Computation.PARTIAL_SCORE) -> Attestation:
    return Attestation(aid, consent, sme, "bank-a", org, "m-1", "tax", kind, [bytes(32)],
                       bytes(32), 1_000 * height, height)


def test_models_come_with_their_psi_history_oldest_period_first() -> None:
    reports = [PsiReport("m-1", "2026Q2", 1_500, 10, 0), PsiReport("m-1", "2026Q1", 400, 10, 0),
               PsiReport("m-2", "2026Q1", 900, 10, 0)]
    found = q.with_history([model("m-1", 1), model("m-2", 2), model("m-3", 3)], reports)
    assert [(m.version, [r.period for r in h]) for m, h in found] == [
        ("m-3", []), ("m-2", ["2026Q1"]), ("m-1", ["2026Q1", "2026Q2"])]
    assert [r.psi_bp for r in q.psi_history(reports, "m-1")] == [400, 1_500]


def test_psi_levels() -> None:
    assert [q.psi_level(bp) for bp in (0, 999, 1_000, 2_499, 2_500)] == [
        "stable", "stable", "watch", "watch", "shift"]


def test_attestations_by_consent_sme_and_org_newest_first() -> None:
    found = [att("a", "c1", "sme-1", "tax", 1), att("b", "c2", "sme-2", "tax", 2),
             att("c", "c1", "sme-1", "amr", 3)]
    assert [a.id for a in q.by_consent(found, "c1")] == ["c", "a"]
    assert [a.id for a in q.by_sme(found, "sme-2")] == ["b"]
    assert [a.id for a in q.by_org(found, "tax")] == ["b", "a"]
    assert [a.id for a in q.by_bank(found, "bank-a")] == ["c", "b", "a"]
    assert q.parties(found[0]) == {"sme-1", "bank-a", "tax"}


def test_an_sme_sees_who_used_which_consent_when() -> None:
    found = [att("a", "c1", "sme-1", "tax", 1), att("b", "c2", "sme-2", "tax", 2),
             att("c", "c1", "sme-1", "bank-a", 3, Computation.SCORE)]
    assert q.usage(found, "sme-1") == [
        {"consent_id": "c1", "bank": "bank-a", "org": "bank-a", "category": "tax",
         "kind": "score", "model_version": "m-1", "at_ms": 3_000, "height": 3},
        {"consent_id": "c1", "bank": "bank-a", "org": "tax", "category": "tax",
         "kind": "partial_score", "model_version": "m-1", "at_ms": 1_000, "height": 1}]


def test_a_credit_transaction_concerns_the_consent_s_parties_and_the_model_s_bank() -> None:
    state = DictState({
        consent_key("c1"): Consent("c1", "sme-1", "bank-b", ["tax"], "credit_assessment", 0,
                                   10, 0, Status.GRANTED),
        model_key("m-1"): model("m-1", 0)})
    named = {"consent_id": {"c1"}, "model_version": {"m-1", "m-9"}}
    assert q.tx_orgs(state, "credit", "attest", named) == {"sme-1", "bank-b", "bank-a"}
    assert q.tx_orgs(state, "consent", "grant", named) == set()
