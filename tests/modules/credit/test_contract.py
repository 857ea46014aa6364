"""Credit: the model registry (immutable, retired by its bank), PSI once per period, and
attestations, refused without a live consent for the model's bank, the category and
credit assessment, or from a signer that does not own the category's data."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from smechain.core.encoding import decode
from smechain.modules.credit.contract import (
    ATTESTATION_PREFIX,
    Attestation,
    Computation,
    Model,
    PsiReport,
    Status,
    attestation_key,
    model_key,
    psi_key,
)

from ..conftest import Chain, block_timestamp

DAY_MS = 86_400_000
VERSION = "sba-2026.12-1"


def digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def model_args(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "model_version": VERSION, "kind": "scorecard", "artefact_digest": digest("model"),
        "categories": [{"category": "tax", "features": ["vat_paid_12m", "tax_grade"]},
                       {"category": "market_regulation", "features": ["years_registered"]},
                       {"category": "social_insurance", "features": ["insured_staff"]}],
        "base_score": 600, "base_odds_good": 50, "base_odds_bad": 1, "pdo": 20,
        "band_cutoffs": [520, 580, 640, 700]}
    return {**args, **changes}


def register(chain: Chain, bank: str = "bank-a", **changes: Any) -> None:
    chain.ok(chain.tx("credit", "register_model", model_args(**changes), chain.key(bank)))


def grant(chain: Chain, sme: str = "sme-1", bank: str = "bank-a",
          categories: tuple[str, ...] = ("tax", "market_regulation", "social_insurance"),
          purpose: str = "credit_assessment", days: int = 30) -> str:
    (receipt,) = chain.ok(chain.tx("consent", "grant", {
        "bank": bank, "categories": list(categories), "purpose": purpose,
        "until_ms": block_timestamp(chain.height + 1) + days * DAY_MS}, chain.key(sme)))
    return str(receipt.events[-1].attrs["id"])


def attest_args(consent_id: str, **changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"consent_id": consent_id, "model_version": VERSION,
                            "category": "tax", "input_digests": [digest("a"), digest("b")],
                            "result_digest": digest("points"), "kind": "partial_score"}
    return {**args, **changes}


def model(chain: Chain, version: str = VERSION) -> Model:
    raw = chain.store.get(model_key(version))
    assert raw is not None
    return decode(raw, Model)


def attestations(chain: Chain) -> list[Attestation]:
    return [decode(raw, Attestation) for _, raw, _ in chain.store.iter_state(ATTESTATION_PREFIX)]


@pytest.fixture
def ready(chain: Chain) -> tuple[Chain, str]:
    """A chain with bank-a's model registered and sme-1's consent to bank-a."""
    register(chain)
    return chain, grant(chain)


# --- the model registry ---------------------------------------------------------------


def test_a_bank_registers_a_model(chain: Chain) -> None:
    register(chain)
    m = model(chain)
    assert (m.bank, m.kind, m.status, m.retired_at_ms) == ("bank-a", "scorecard",
                                                           Status.ACTIVE, 0)
    assert m.artefact_digest == digest("model")
    assert [u.category for u in m.categories] == ["tax", "market_regulation",
                                                  "social_insurance"]
    assert (m.base_score, m.base_odds_good, m.base_odds_bad, m.pdo) == (600, 50, 1, 20)
    assert m.registered_at_ms == block_timestamp(chain.height)


def test_a_registered_model_never_changes(chain: Chain) -> None:
    register(chain)
    before = chain.store.get(model_key(VERSION))
    for bank in ("bank-a", "bank-c"):
        receipt = chain.expect_failed(chain.tx("credit", "register_model", model_args(
            artefact_digest=digest("another file"), base_score=700), chain.key(bank)),
            "conflict")
        assert receipt.field == "model_version"
    assert chain.store.get(model_key(VERSION)) == before


def test_only_its_bank_retires_a_model_once(chain: Chain) -> None:
    register(chain)
    ref = {"model_version": VERSION}
    chain.expect_failed(chain.tx("credit", "retire_model", ref, chain.key("bank-c")),
                        "unauthorised")
    chain.ok(chain.tx("credit", "retire_model", ref, chain.key("bank-a")))
    retired = model(chain)
    assert (retired.status, retired.retired_at_ms) == (Status.RETIRED,
                                                       block_timestamp(chain.height))
    again = chain.expect_failed(chain.tx("credit", "retire_model", ref, chain.key("bank-a")),
                                "conflict")
    assert again.field == "model_version"


@pytest.mark.parametrize(("changes", "field"), [
    ({"model_version": "Bad Version"}, "model_version"),
    ({"artefact_digest": b"\x01" * 31}, "artefact_digest"),
    ({"categories": []}, "categories"),
    ({"categories": [{"category": "weather", "features": ["rain"]}]}, "categories[0]"),
    ({"categories": [{"category": "tax", "features": ["a"]},
                     {"category": "tax", "features": ["b"]}]}, "categories[1]"),
    ({"categories": [{"category": "tax", "features": []}]}, "categories[0].features"),
    ({"categories": [{"category": "tax", "features": ["ok", "Not OK"]}]},
     "categories[0].features[1]"),
    ({"categories": [{"category": "tax", "features": ["x", "x"]}]},
     "categories[0].features[1]"),
    ({"band_cutoffs": []}, "band_cutoffs"),
    ({"band_cutoffs": [600, 600]}, "band_cutoffs[1]"),
    ({"pdo": 0}, "args.pdo"),  # out of the declared range: refused as it is decoded
    ({"base_odds_bad": 0}, "args.base_odds_bad"),
], ids=lambda v: str(v)[:40])
def test_a_bad_model_is_refused_naming_its_field(chain: Chain, changes: dict[str, Any],
                                                  field: str) -> None:
    receipt = chain.expect_failed(chain.tx("credit", "register_model", model_args(**changes),
                                           chain.key("bank-a")), "bad_args")
    assert receipt.field == field


def test_only_banks_register(chain: Chain) -> None:
    chain.expect_failed(chain.tx("credit", "register_model", model_args(), chain.key("sme-1")),
                        "unauthorised")


# --- PSI ------------------------------------------------------------------------------


def test_psi_is_reported_once_per_period_by_the_model_s_bank(chain: Chain) -> None:
    register(chain)
    report = {"model_version": VERSION, "period": "2026Q3", "psi_bp": 1_200,
              "population": 5_000}
    chain.expect_failed(chain.tx("credit", "report_psi", report, chain.key("bank-c")),
                        "unauthorised")
    chain.ok(chain.tx("credit", "report_psi", report, chain.key("bank-a")))
    raw = chain.store.get(psi_key(VERSION, "2026Q3"))
    assert raw is not None
    assert decode(raw, PsiReport) == PsiReport(VERSION, "2026Q3", 1_200, 5_000,
                                               block_timestamp(chain.height))
    twice = chain.expect_failed(chain.tx("credit", "report_psi", {**report, "psi_bp": 900},
                                         chain.key("bank-a")), "conflict")
    assert twice.field == "period"
    assert decode(chain.store.get(psi_key(VERSION, "2026Q3")) or b"", PsiReport).psi_bp == 1_200
    chain.ok(chain.tx("credit", "report_psi", {**report, "period": "2026Q4"},
                      chain.key("bank-a")))
    # a retired model's later quarters may still be reported
    chain.ok(chain.tx("credit", "retire_model", {"model_version": VERSION}, chain.key("bank-a")))
    chain.ok(chain.tx("credit", "report_psi", {**report, "period": "2027Q1"},
                      chain.key("bank-a")))


@pytest.mark.parametrize(("changes", "code", "field"), [
    ({"period": "2026-09"}, "bad_args", "period"),
    ({"period": "2026Q5"}, "bad_args", "period"),
    ({"psi_bp": -1}, "bad_args", "args.psi_bp"),
    ({"population": 0}, "bad_args", "args.population"),
    ({"model_version": "no-such"}, "not_found", "model_version"),
])
def test_a_bad_psi_report_is_refused_naming_its_field(chain: Chain, changes: dict[str, Any],
                                                      code: str, field: str) -> None:
    register(chain)
    report = {"model_version": VERSION, "period": "2026Q3", "psi_bp": 1_200,
              "population": 5_000, **changes}
    receipt = chain.expect_failed(chain.tx("credit", "report_psi", report, chain.key("bank-a")),
                                  code)
    assert receipt.field == field


# --- attestations ---------------------------------------------------------------------


def test_owners_attest_partials_and_the_bank_the_score(ready: tuple[Chain, str]) -> None:
    chain, consent_id = ready
    chain.ok(chain.tx("credit", "attest", attest_args(consent_id), chain.key("tax")))
    chain.ok(chain.tx("credit", "attest", attest_args(consent_id, category="market_regulation"),
                      chain.key("amr")))
    chain.ok(chain.tx("credit", "attest", attest_args(consent_id, category="social_insurance",
                                                      kind="binning"), chain.key("si")))
    (receipt,) = chain.ok(chain.tx("credit", "attest", attest_args(
        consent_id, category="", kind="score"), chain.key("bank-a")))
    found = {(a.org, a.category, a.kind) for a in attestations(chain)}
    assert found == {("tax", "tax", Computation.PARTIAL_SCORE),
                     ("amr", "market_regulation", Computation.PARTIAL_SCORE),
                     ("si", "social_insurance", Computation.BINNING),
                     ("bank-a", "", Computation.SCORE)}
    score_id = receipt.tx_hash.hex()[:32]
    raw = chain.store.get(attestation_key(consent_id, score_id))
    assert raw is not None
    score = decode(raw, Attestation)
    assert score == Attestation(score_id, consent_id, "sme-1", "bank-a", "bank-a", VERSION, "",
                                Computation.SCORE, [digest("a"), digest("b")],
                                digest("points"), block_timestamp(chain.height), chain.height)
    event = receipt.events[-1]
    assert (event.name, event.attrs["sme"], event.attrs["bank"]) == (
        "ComputationAttested", "sme-1", "bank-a")


@pytest.mark.parametrize(("kind", "code"), [
    ("none", "consent_unknown"),
    ("expired", "consent_expired"),
    ("revoked", "consent_revoked"),
    ("wrong_bank", "consent_wrong_bank"),
    ("wrong_category", "consent_category"),
    ("wrong_purpose", "consent_purpose"),
])
def test_an_attestation_without_a_live_consent_is_refused(chain: Chain, kind: str,
                                                          code: str) -> None:
    """Each kind of consent refusal through the contract: its code, the field it names,
    nothing stored."""
    register(chain)
    consent_id = grant(chain)
    field = "consent_id"
    if kind == "none":
        consent_id = "0" * 32
    elif kind == "expired":
        consent_id = grant(chain, days=1)
        chain.days_later = 2
    elif kind == "revoked":
        chain.ok(chain.tx("consent", "revoke", {"id": consent_id}, chain.key("sme-1")))
    elif kind == "wrong_bank":
        consent_id = grant(chain, bank="bank-c")
    elif kind == "wrong_category":
        consent_id = grant(chain, categories=("market_regulation", "social_insurance"))
        field = "category"
    else:
        consent_id = grant(chain, purpose="loan_review")
    receipt = chain.expect_failed(chain.tx("credit", "attest", attest_args(consent_id),
                                           chain.key("tax")), code)
    assert receipt.field == field
    assert attestations(chain) == []


def test_a_score_needs_every_category_of_the_model_consented(chain: Chain) -> None:
    register(chain)
    partial = grant(chain, categories=("tax", "social_insurance"))
    receipt = chain.expect_failed(chain.tx("credit", "attest", attest_args(
        partial, category="", kind="score"), chain.key("bank-a")), "consent_category")
    assert receipt.field == "consent_id"


@pytest.mark.parametrize(("signer", "changes", "code", "field"), [
    ("amr", {}, "unauthorised", "category"),  # tax data is the tax authority's
    ("bank-a", {}, "unauthorised", "category"),
    ("tax", {"category": "", "kind": "score"}, "unauthorised", "kind"),
    ("bank-a", {"kind": "score"}, "bad_args", "category"),
    ("tax", {"category": "customs"}, "bad_args", "category"),  # the model does not use it
    ("tax", {"category": "weather"}, "bad_args", "category"),
    ("tax", {"kind": "guess"}, "bad_args", "args.kind"),
    ("tax", {"input_digests": []}, "bad_args", "input_digests"),
    ("tax", {"input_digests": [digest("a"), b"short"]}, "bad_args", "input_digests[1]"),
    ("tax", {"result_digest": b""}, "bad_args", "result_digest"),
    ("tax", {"model_version": "no-such"}, "not_found", "model_version"),
], ids=lambda v: str(v)[:30])
def test_a_bad_attestation_is_refused_naming_its_field(
        ready: tuple[Chain, str], signer: str, changes: dict[str, Any], code: str,
        field: str) -> None:
    chain, consent_id = ready
    receipt = chain.expect_failed(chain.tx("credit", "attest", attest_args(consent_id, **changes),
                                           chain.key(signer)), code)
    assert receipt.field == field


def test_nothing_is_computed_with_a_retired_model(ready: tuple[Chain, str]) -> None:
    chain, consent_id = ready
    chain.ok(chain.tx("credit", "retire_model", {"model_version": VERSION}, chain.key("bank-a")))
    receipt = chain.expect_failed(chain.tx("credit", "attest", attest_args(consent_id),
                                           chain.key("tax")), "conflict")
    assert receipt.field == "model_version"
