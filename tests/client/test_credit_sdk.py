"""``client.credit`` end to end on a served network: a bank registers a scorecard trained
on the data owners' stores, the SME grants consent, the bank scores it through
``client.credit.score``, and both read the report."""

from __future__ import annotations

import time

from smechain.modules.credit import desk, govdata
from smechain.modules.credit.routes import credit_folder

from .conftest import Net, fresh_identifier


def test_a_bank_scores_an_sme_through_the_sdk(net: Net) -> None:
    folder = credit_folder(net.demo.platform)
    uscc = fresh_identifier()
    govdata.generate(folder / "owners", n=6_000, seed=11)
    govdata.adopt(folder / "owners", [uscc.partition(":")[2]])
    card = desk.train_govdata(folder / "owners", "sdk-gov-1",
                              categories=["tax", "social_insurance"])
    (folder / "models").mkdir()
    digest = card.save(folder / "models" / "sdk-gov-1.json")

    tax, bank, sme = net.login("tax-sh"), net.login("bank-a"), net.login("sme-t4")
    tax.invoice.register_party(uscc, "sme-t4")
    bank.credit.register_model(
        "sdk-gov-1", digest,
        [{"category": c, "features": [f.name for f in card.features if f.owner == c]}
         for c in card.owners],
        card.scaling.base_score, card.scaling.base_odds, 1, card.scaling.pdo,
        sorted(b.min_score for b in card.bands[:-1]))
    granted = sme.consent.grant("bank-a", ["tax", "social_insurance"], "credit_assessment",
                                int(time.time() * 1000) + 86_400_000)
    consent = str(granted.events[-1].attrs["id"])

    report = bank.credit.score(consent, "sdk-gov-1", "sme-t4")
    frame = desk.joined_features(folder / "owners", [uscc.partition(":")[2]], card.owners)
    assert report.score == int(card.score(frame)[0])
    assert report.band == card.band([report.score])[0]
    assert [r.code for r in report.reasons] == [r.code for r in card.reason_codes(frame)[0]]
    assert len(report.attestation_txs) == 3  # two owners and the bank
    assert sme.credit.report(report.id) == report
    assert report.id in [r.id for r in sme.credit.reports().items]
