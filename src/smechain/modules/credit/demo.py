"""Credit scoring's part of the demo:

- 110 days ago Bank A registers scorecard ``sba-2026.06-1`` on tax and social insurance
  data and reports its PSI for three quarters (100, 75 and 45 days ago), drifting
  past 0.25
  (``ids["old_model"]``, with history only);
- 30 days ago Bank A registers its successor ``sba-2026.12-1`` (``ids["model"]``), which
  adds market regulation data, and retires the old one; under tier 1's consent the tax
  bureau, the market regulator and the social insurance office attest their partial
  scores, the tax bureau a binning for training, and Bank A the combined score
  (``ids["attestations"]``);
- 5 days ago Bank A reports the new model's first quarter.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from smechain.api.demo import DemoBuilder, Seed

OLD_MODEL = "sba-2026.06-1"
MODEL = "sba-2026.12-1"
FEATURES = {
    "tax": ["vat_paid_12m", "tax_grade", "filing_delays_24m"],
    "market_regulation": ["years_registered", "abnormal_listings", "capital_changes_12m"],
    "social_insurance": ["insured_staff", "staff_growth_12m", "arrears_months"],
}


def _digest(text: str) -> str:
    """Hex SHA-256 of ``text``: the demo's stand-in for a file or a computation's bytes."""
    return hashlib.sha256(text.encode()).hexdigest()


def _quarters_before_today(n: int) -> list[str]:
    """The ``n`` quarters before the present one, oldest first (``2026Q1``)."""
    today = dt.datetime.now(dt.UTC).date()
    index = today.year * 4 + (today.month - 1) // 3
    return [f"{q // 4}Q{q % 4 + 1}" for q in range(index - n, index)]


def _register(demo: DemoBuilder, version: str, categories: list[str]) -> None:
    demo.do("bank-a", "credit", "register_model", {
        "model_version": version, "kind": "scorecard",
        "artefact_digest": _digest(f"model file {version}"),
        "categories": [{"category": c, "features": FEATURES[c]} for c in categories],
        "base_score": 600, "base_odds_good": 50, "base_odds_bad": 1, "pdo": 20,
        "band_cutoffs": [520, 580, 640, 700]})


def _attest(demo: DemoBuilder, org: str, consent: str, category: str, kind: str) -> str:
    """``org`` attests a computation under ``consent`` with the current model; its id."""
    inputs = [_digest(f"{org} {consent} {f}") for f in FEATURES.get(category, ["partials"])]
    result = demo.do(org, "credit", "attest", {
        "consent_id": consent, "model_version": MODEL, "category": category,
        "input_digests": inputs, "result_digest": _digest(f"{org} {consent} {kind} result"),
        "kind": kind})
    return str(result["events"][-1]["attrs"]["id"])


def seed(demo: DemoBuilder) -> Seed:
    """Register, monitor and retire models; attest computations under tier 1's consent
    (see ``smechain.api.demo.Seed``)."""
    quarters = _quarters_before_today(4)
    yield 110
    if demo.history:
        _register(demo, OLD_MODEL, ["tax", "social_insurance"])
        demo.ids["old_model"] = OLD_MODEL
    for days_ago, period, psi_bp in zip((100, 75, 45), quarters[:3], (620, 1_480, 2_730),
                                        strict=True):
        yield days_ago
        if demo.history:
            demo.do("bank-a", "credit", "report_psi", {
                "model_version": OLD_MODEL, "period": period, "psi_bp": psi_bp,
                "population": 4_800})
    yield 30
    _register(demo, MODEL, ["tax", "market_regulation", "social_insurance"])
    if demo.history:
        demo.do("bank-a", "credit", "retire_model", {"model_version": OLD_MODEL})
    consent: str = demo.ids["consent"]
    attested = [_attest(demo, org, consent, category, "partial_score")
                for org, category in (("tax-sh", "tax"), ("amr-sh", "market_regulation"),
                                      ("si-sh", "social_insurance"))]
    attested.append(_attest(demo, "tax-sh", consent, "tax", "binning"))
    attested.append(_attest(demo, "bank-a", consent, "", "score"))
    demo.ids.update(model=MODEL, attestations=attested)
    yield 5
    demo.do("bank-a", "credit", "report_psi", {"model_version": MODEL, "period": quarters[3],
                                               "psi_bp": 410, "population": 5_200})
