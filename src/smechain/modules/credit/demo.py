"""Credit scoring's part of the demo, on real stores and real models:

- before anything, the data owners' stores are generated (``govdata``: 20,000 firms,
  the demo's SMEs among them under their own USCCs) in the peer's ``credit/owners``;
- 110 days ago Bank A registers scorecard ``gov-2026.06-1``, trained on the tax and
  social insurance data of its past borrowers (the artefact in ``credit/models``, its
  digest on the ledger), and reports its PSI for three quarters (100, 75 and 45 days
  ago), drifting past 0.25 (``ids["old_model"]``, with history only);
- 30 days ago Bank A registers its successor ``gov-2026.12-1`` (``ids["model"]``), which
  adds market regulation data, and retires the old one; under tier 1's consent it
  scores tier 1 through the privacy protocol: the tax bureau, the market regulator
  and the social insurance office each attest their partial score and Bank A the
  combined score (``ids["attestations"]``, ``ids["report"]``); the tax bureau also
  attests a binning for training;
- 5 days ago Bank A reports the new model's first quarter.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from smechain.api.demo import TAX_IDS, DemoBuilder, Seed
from smechain.modules.credit import desk, govdata
from smechain.modules.credit.routes import credit_folder, request_score
from smechain.modules.credit.scorecard import ScorecardModel

OLD_MODEL = "gov-2026.06-1"
MODEL = "gov-2026.12-1"
FIRMS = 20_000
CATEGORIES = {OLD_MODEL: ["tax", "social_insurance"],
              MODEL: ["tax", "market_regulation", "social_insurance"]}


def _digest(text: str) -> str:
    """Hex SHA-256 of ``text``: the demo's stand-in for a binning run's bytes."""
    return hashlib.sha256(text.encode()).hexdigest()


def _quarters_before_today(n: int) -> list[str]:
    """The ``n`` quarters before the present one, oldest first (``2026Q1``)."""
    today = dt.datetime.now(dt.UTC).date()
    index = today.year * 4 + (today.month - 1) // 3
    return [f"{q // 4}Q{q % 4 + 1}" for q in range(index - n, index)]


def _owners(demo: DemoBuilder) -> None:
    """The owners' stores, with the demo's firms under their own codes."""
    folder = credit_folder(demo.platform) / "owners"
    govdata.generate(folder, n=FIRMS, seed=7)
    govdata.adopt(folder, [code.partition(":")[2] for code in TAX_IDS.values()])


def _register(demo: DemoBuilder, version: str) -> None:
    """Train ``version`` on the owners' stores, keep its artefact, register its digest."""
    folder = credit_folder(demo.platform)
    card: ScorecardModel = desk.train_govdata(folder / "owners", version,
                                              categories=CATEGORIES[version])
    (folder / "models").mkdir(parents=True, exist_ok=True)
    digest = card.save(folder / "models" / f"{version}.json")
    demo.do("bank-a", "credit", "register_model", {
        "model_version": version, "kind": "scorecard", "artefact_digest": digest,
        "categories": [{"category": c, "features": [f.name for f in card.features
                                                    if f.owner == c]}
                       for c in card.owners],
        "base_score": card.scaling.base_score, "base_odds_good": card.scaling.base_odds,
        "base_odds_bad": 1, "pdo": card.scaling.pdo,
        "band_cutoffs": sorted(b.min_score for b in card.bands[:-1])})


def seed(demo: DemoBuilder) -> Seed:
    """Register, monitor and retire models; attest computations under tier 1's consent
    (see ``smechain.api.demo.Seed``)."""
    quarters = _quarters_before_today(4)
    yield 110
    _owners(demo)
    if demo.history:
        _register(demo, OLD_MODEL)
        demo.ids["old_model"] = OLD_MODEL
    for days_ago, period, psi_bp in zip((100, 75, 45), quarters[:3], (620, 1_480, 2_730),
                                        strict=True):
        yield days_ago
        if demo.history:
            demo.do("bank-a", "credit", "report_psi", {
                "model_version": OLD_MODEL, "period": period, "psi_bp": psi_bp,
                "population": 4_800})
    yield 30
    _register(demo, MODEL)
    if demo.history:
        demo.do("bank-a", "credit", "retire_model", {"model_version": OLD_MODEL})
    consent: str = demo.ids["consent"]
    report = request_score(demo.platform, demo.caller("bank-a"), consent, MODEL, "sme-t1")
    binning = demo.do("tax-sh", "credit", "attest", {
        "consent_id": consent, "model_version": MODEL, "category": "tax",
        "input_digests": [_digest(f"tax-sh {consent} pre-bins")],
        "result_digest": _digest(f"tax-sh {consent} binning result"), "kind": "binning"})
    attested = [tx[:32] for tx in report["attestation_txs"]]
    attested.insert(3, str(binning["events"][-1]["attrs"]["id"]))
    demo.ids.update(model=MODEL, attestations=attested, report=report["id"])
    yield 5
    demo.do("bank-a", "credit", "report_psi", {"model_version": MODEL, "period": quarters[3],
                                               "psi_bp": 410, "population": 5_200})
