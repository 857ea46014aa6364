"""Scoring an SME under its consent over HTTP (``POST /v1/credit/scores``): the data
owners' stores, the registered model's artefact and the privacy protocol, end to end.

The score equals plain scoring of the same firm's joined data exactly, its reason codes
equal the scorecard's own, every party's attestation is on the ledger, and the report's
salted digest is the bank's attested result; each refusal names its field and stores
nothing, not even a report."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import numpy as np
import pytest
from api_support import Api, covers, error, seeded_api

from demo_template import DemoTemplate
from smechain.modules.consent.contract import CATEGORY_ROLE
from smechain.modules.credit import desk
from smechain.modules.credit.routes import credit_folder
from smechain.modules.credit.scorecard import ScorecardModel

SCORES = "/v1/credit/scores"
REPORTS = "/v1/credit/reports"
DAY_MS = 86_400_000


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory,
           demo_template: DemoTemplate) -> Iterator[Api]:
    api = seeded_api(tmp_path_factory.mktemp("credit-scores") / "demo", demo_template)
    yield api
    api.close()


def _card(ledger: Api, version: str) -> ScorecardModel:
    return ScorecardModel.load(credit_folder(ledger.demo.platform) / "models"
                               / f"{version}.json")


def _reports(ledger: Api) -> int:
    with closing(desk.ReportBook(credit_folder(ledger.demo.platform))) as book:
        return book.of(None)[1]


@covers(f"POST {SCORES}", f"GET {REPORTS}", f"GET {REPORTS}/{{report_id}}")
def test_a_bank_scores_an_sme_under_its_consent(ledger: Api) -> None:
    ids = ledger.ids
    body = {"consent_id": ids["consent"], "model_version": ids["model"], "sme": "sme-t1"}
    report = ledger.ok("POST", SCORES, as_="bank-a/operator", status=201, json=body)

    # The score and reasons are the scorecard's own on the firm's joined data.
    card = _card(ledger, ids["model"])
    frame = desk.joined_features(credit_folder(ledger.demo.platform) / "owners",
                                 [report["uscc"]], card.owners)
    assert report["uscc"] == "91310000MA1K000107"
    assert report["score"] == int(card.score(frame)[0])
    assert report["band"] == card.band([report["score"]])[0]
    assert [r["code"] for r in report["reasons"]] == [
        r.code for r in card.reason_codes(frame)[0]]
    assert 1 <= len(report["reasons"]) <= 4 and all(r["zh"] and r["en"]
                                                     for r in report["reasons"])
    assert report["categories"] == ["tax", "market_regulation", "social_insurance"]

    # Every party attested; the bank's result digest is the report's salted digest.
    on_ledger = ledger.ok("GET", f"/v1/credit/attestations?consent_id={ids['consent']}",
                          as_="bank-a/viewer")["items"]
    mine = {a["id"]: a for a in on_ledger}
    attested = [mine[tx[:32]] for tx in report["attestation_txs"]]
    assert [(a["org"], a["category"], a["kind"]) for a in attested] == [
        ("tax-sh", "tax", "partial_score"), ("amr-sh", "market_regulation", "partial_score"),
        ("si-sh", "social_insurance", "partial_score"), ("bank-a", "", "score")]
    content = desk.CreditReport(
        report["sme"], report["uscc"], report["bank"], report["consent_id"],
        report["model_version"], report["score"], report["band"],
        tuple(desk.ReasonOut(**r) for r in report["reasons"]), tuple(report["categories"]),
        report["computed_at_ms"], bytes.fromhex(report["salt"]),
        bytes.fromhex(report["result_digest"]))
    assert content.check()
    assert attested[-1]["result_digest"] == report["result_digest"]
    assert report["score_attestation_id"] == attested[-1]["id"]
    assert attested[-1]["input_digests"] == [a["result_digest"] for a in attested[:3]]

    # The bank, the SME and the regulator read it; another SME does not.
    for who in ("bank-a/viewer", "sme-t1/viewer", "regulator/viewer"):
        assert ledger.ok("GET", f"{REPORTS}/{report['id']}", as_=who)["score"] == report["score"]
        assert report["id"] in [r["id"] for r in ledger.ok("GET", REPORTS, as_=who)["items"]]
    error(ledger.get(f"{REPORTS}/{report['id']}", "sme-t2/viewer"), 404, "report_id")
    assert report["id"] not in [r["id"] for r in
                                ledger.ok("GET", REPORTS, as_="sme-t2/viewer")["items"]]


def test_private_scores_equal_plain_scores_for_many_firms(ledger: Api) -> None:
    """Every firm of the owners' stores scored through the protocol, as the owners
    compute it on their own stores, equals the card's plain score and reasons."""
    folder = credit_folder(ledger.demo.platform) / "owners"
    card = _card(ledger, ledger.ids["model"])
    with desk.govdata.OwnerStore(folder, "market_regulation") as store:
        usccs = list(next(store.features(chunk=3_000)).index)
    plain = desk.joined_features(folder, usccs, card.owners)
    chunks = [desk.owner_chunk(card, c, plain[list(desk.GOVDATA_FEATURES[c])])
              for c in card.owners]
    totals, codes = desk.scoring.private_scores([c.partials for c in chunks],
                                                [c.losses for c in chunks],
                                                [c.codes for c in chunks], chunk_rows=1_000)
    assert np.array_equal(totals + card.base_points, card.score(plain))
    order = card.reason_order()
    assert codes is not None
    for row, expected in enumerate(card.reason_codes(plain)):
        assert [card.features[order[c]].reason.code for c in codes[row] if c >= 0] == [
            r.code for r in expected]


def _grant(ledger: Api, sme: str, bank: str, categories: list[str], purpose: str) -> str:
    result = ledger.ok("POST", "/v1/contracts/consent/grant", as_=f"{sme}/operator", json={
        "bank": bank, "categories": categories, "purpose": purpose,
        "until_ms": int(time.time() * 1000) + 60 * DAY_MS})
    return str(result["events"][-1]["attrs"]["id"])


REFUSALS: dict[str, tuple[str, int, str, str | None]] = {
    # kind: (caller, status, field, code)
    "no consent": ("bank-a/operator", 422, "consent_id", "consent_unknown"),
    "revoked": ("bank-a/operator", 422, "consent_id", "consent_revoked"),
    "another SME's consent": ("bank-a/operator", 422, "sme", "consent_other_sme"),
    "another bank's consent": ("bank-a/operator", 422, "consent_id", "consent_wrong_bank"),
    "category not granted": ("bank-a/operator", 422, "consent_id", "consent_category"),
    "wrong purpose": ("bank-a/operator", 422, "consent_id", "consent_purpose"),
    "unknown model": ("bank-a/operator", 404, "model_version", "not_found"),
    "retired model": ("bank-a/operator", 409, "model_version", "conflict"),
    "another bank's model": ("bank-b/operator", 403, "model_version", "forbidden"),
    "an unknown field": ("bank-a/operator", 422, "evil", None),
    "not a bank": ("sme-t1/operator", 403, "org", "forbidden"),
    "unknown sme": ("bank-a/operator", 404, "sme", "not_found"),
    "viewer": ("bank-a/viewer", 403, "role", "forbidden"),
}


@covers(f"POST {SCORES}")
@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_each_refused_score_names_its_field_and_stores_nothing(ledger: Api,
                                                               kind: str) -> None:
    ids = ledger.ids
    caller, status, field, code = REFUSALS[kind]
    body = {"consent_id": ids["consent"], "model_version": ids["model"], "sme": "sme-t1"}
    if kind == "no consent":
        body["consent_id"] = "0" * 32
    elif kind == "revoked":
        body.update(consent_id=ids["revoked_consent"], sme="sme-t2")
    elif kind == "another SME's consent":
        body["sme"] = "sme-t2"
    elif kind == "another bank's model":
        body.update(consent_id=_grant(ledger, "sme-t4", "bank-b",
                                      ["tax", "market_regulation", "social_insurance"],
                                      "credit_assessment"), sme="sme-t4")
    elif kind == "an unknown field":
        body["evil"] = 1
    elif kind == "another bank's consent":
        body.update(consent_id=_grant(ledger, "sme-t4", "bank-b",
                                      ["tax", "market_regulation", "social_insurance"],
                                      "credit_assessment"), sme="sme-t4")
    elif kind == "category not granted":
        body.update(consent_id=_grant(ledger, "sme-t4", "bank-a", ["tax"],
                                      "credit_assessment"), sme="sme-t4")
    elif kind == "wrong purpose":
        body.update(consent_id=_grant(ledger, "sme-t4", "bank-a",
                                      ["tax", "market_regulation", "social_insurance"],
                                      "loan_review"), sme="sme-t4")
    elif kind == "unknown model":
        body["model_version"] = "no-such-model"
    elif kind == "retired model":
        body["model_version"] = ids["old_model"]
    elif kind == "unknown sme":
        body["sme"] = "sme-zz"
    before, reports = ledger.snapshot(caller), _reports(ledger)
    error(ledger.post(SCORES, caller, json=body), status, field, code)
    assert _reports(ledger) == reports
    ledger.assert_unchanged(before, caller)


def test_an_expired_consent_is_refused_by_every_owner(ledger: Api) -> None:
    ids = ledger.ids
    platform = ledger.demo.platform
    folder = credit_folder(platform)
    consent = ledger.ok("GET", f"/v1/consents/{ids['consent']}", as_="bank-a/viewer")
    owners = {"tax": desk.DataOwner("tax-sh", "tax", folder / "owners")}
    with pytest.raises(desk.ConsentRefused) as refused:
        desk.score(platform.node.store, consent["until_ms"], bank="bank-a",
                   consent_id=ids["consent"], model_version=ids["model"], sme="sme-t1",
                   models=folder / "models", owners=owners)
    assert (refused.value.code, refused.value.field) == ("consent_expired", "consent_id")


def test_an_organisation_without_a_uscc_cannot_be_looked_up(ledger: Api) -> None:
    with pytest.raises(desk.DeskError) as refused:
        desk.sme_uscc(ledger.demo.platform.node.store, "bank-a")
    assert refused.value.field == "sme" and "unified social credit code" in str(refused.value)


def test_a_tampered_artefact_is_refused(ledger: Api, tmp_path: Any) -> None:
    ids = ledger.ids
    path = credit_folder(ledger.demo.platform) / "models" / f"{ids['model']}.json"
    good = path.read_bytes()
    try:
        path.write_bytes(good.replace(b'"points":[', b'"points":[1', 1))
        assert hashlib.sha256(path.read_bytes()).hexdigest() != hashlib.sha256(good).hexdigest()
        body = {"consent_id": ids["consent"], "model_version": ids["model"], "sme": "sme-t1"}
        before = ledger.snapshot("bank-a/operator")
        detail = error(ledger.post(SCORES, "bank-a/operator", json=body), 422, "model_version")
        assert "digest" in detail["message"] or "canonical" in detail["message"]
        ledger.assert_unchanged(before, "bank-a/operator")
    finally:
        path.write_bytes(good)


def test_every_category_has_an_owner_role() -> None:
    assert set(desk.GOVDATA_FEATURES) == set(CATEGORY_ROLE)
