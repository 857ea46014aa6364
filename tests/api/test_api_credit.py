"""Consents and credit scoring over HTTP: each kind of consent refusal is a 422 naming
its field and stores nothing; the read routes answer each organisation what it may see."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from api_support import Api, covers, error, seeded_api

from demo_template import DemoTemplate

ATTEST = "/v1/contracts/credit/attest"
GRANT = "/v1/contracts/consent/grant"
DAY_MS = 86_400_000


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory,
           demo_template: DemoTemplate) -> Iterator[Api]:
    api = seeded_api(tmp_path_factory.mktemp("credit-demo") / "demo", demo_template)
    yield api
    api.close()


def _grant(ledger: Api, sme: str, bank: str, categories: list[str], purpose: str) -> str:
    result = ledger.ok("POST", GRANT, as_=f"{sme}/operator", json={
        "bank": bank, "categories": categories, "purpose": purpose,
        "until_ms": int(time.time() * 1000) + 60 * DAY_MS})
    return str(result["events"][-1]["attrs"]["id"])


def _attestation(consent_id: str, model: str, category: str = "tax") -> dict[str, Any]:
    return {"consent_id": consent_id, "model_version": model, "category": category,
            "input_digests": ["11" * 32, "22" * 32], "result_digest": "33" * 32,
            "kind": "partial_score"}


REFUSALS = ["none", "expired", "revoked", "wrong_bank", "wrong_category", "wrong_purpose"]


@covers(f"POST {ATTEST}")
@pytest.mark.parametrize("kind", REFUSALS)
def test_each_consent_refusal_is_422_naming_its_field_and_stores_nothing(
        ledger: Api, kind: str) -> None:
    ids = ledger.ids
    expected = {"none": ("consent_unknown", "consent_id"),
                "expired": ("consent_expired", "consent_id"),
                "revoked": ("consent_revoked", "consent_id"),
                "wrong_bank": ("consent_wrong_bank", "consent_id"),
                "wrong_category": ("consent_category", "category"),
                "wrong_purpose": ("consent_purpose", "consent_id")}
    consent_id = {
        "none": lambda: "0" * 32,
        "expired": lambda: ids["expired_consent"],
        "revoked": lambda: ids["revoked_consent"],
        "wrong_bank": lambda: _grant(ledger, "sme-t4", "bank-b", ["tax"], "credit_assessment"),
        "wrong_category": lambda: _grant(ledger, "sme-t4", "bank-a", ["social_insurance"],
                                         "credit_assessment"),
        "wrong_purpose": lambda: _grant(ledger, "sme-t4", "bank-a", ["tax"], "loan_review"),
    }[kind]()
    who = "tax-sh/operator"
    before = ledger.snapshot(who)
    code, field = expected[kind]
    detail = error(ledger.post(ATTEST, who, json=_attestation(consent_id, ids["model"])), 422,
                   field=field, code=code)
    assert "tx_hash" not in detail  # refused at the door
    ledger.assert_unchanged(before, who)


@covers("GET /v1/consents/{consent_id}/check")
def test_a_data_owner_checks_a_consent_before_computing(ledger: Api) -> None:
    ids = ledger.ids
    path = f"/v1/consents/{ids['consent']}/check"
    ok = ledger.ok("GET", path, as_="amr-sh/viewer",
                   params={"bank": "bank-a", "category": "market_regulation"})
    assert (ok["sme"], ok["bank"], ok["purpose"]) == ("sme-t1", "bank-a", "credit_assessment")
    error(ledger.get(path, "amr-sh/viewer", params={"bank": "bank-b", "category": "tax"}),
          422, field="bank", code="consent_wrong_bank")
    error(ledger.get(path, "amr-sh/viewer", params={"bank": "bank-a", "category": "courts"}),
          422, field="category", code="consent_category")
    error(ledger.get(path, "amr-sh/viewer", params={"bank": "bank-a", "category": "tax",
                                                     "purpose": "loan_review"}),
          422, field="purpose", code="consent_purpose")
    error(ledger.get(f"/v1/consents/{ids['revoked_consent']}/check", "tax-sh/viewer",
                     params={"bank": "bank-a", "category": "tax"}),
          422, field="consent_id", code="consent_revoked")
    # an organisation neither party to it nor owning its data is not told it exists
    stranger = error(ledger.get(path, "sme-t3/viewer",
                                params={"bank": "bank-a", "category": "tax"}),
                     404, field="consent_id")
    unknown = error(ledger.get("/v1/consents/" + "0" * 32 + "/check", "sme-t3/viewer",
                               params={"bank": "bank-a", "category": "tax"}),
                    404, field="consent_id")
    assert stranger["code"] == unknown["code"]


@covers("GET /v1/consents", "GET /v1/consents/{consent_id}")
def test_consents_for_their_sme_their_bank_their_data_owners_and_regulators(
        ledger: Api) -> None:
    ids = ledger.ids
    mine = ledger.ok("GET", "/v1/consents", as_="sme-t1/viewer", params={"role": "sme"})
    live = next(c for c in mine["items"] if c["id"] == ids["consent"])
    assert live["standing"] == "live" and live["actions"] == ["revoke"]
    assert live["categories"] == ["tax", "market_regulation", "social_insurance"]
    received = ledger.ok("GET", "/v1/consents", as_="bank-a/viewer",
                         params={"role": "bank", "standing": "revoked"})["items"]
    assert [c["id"] for c in received] == [ids["revoked_consent"]]
    assert received[0]["actions"] == []
    expired = ledger.ok("GET", "/v1/consents", as_="bank-b/viewer",
                        params={"standing": "expired"})["items"]
    assert [c["id"] for c in expired] == [ids["expired_consent"]]
    # the core enterprise granted none (the demo's other SMEs borrow under theirs)
    assert ledger.ok("GET", "/v1/consents", as_="core-a/viewer",
                     params={"standing": "live"})["total"] == 0
    error(ledger.get("/v1/consents", "core-a/viewer", params={"org": "sme-t1"}), 403,
          field="org")
    assert ledger.ok("GET", "/v1/consents", as_="regulator/viewer",
                     params={"org": "sme-t1"})["total"] >= 1
    path = f"/v1/consents/{ids['consent']}"
    for who in ("sme-t1/viewer", "bank-a/viewer", "si-sh/viewer", "regulator/viewer"):
        assert ledger.ok("GET", path, as_=who)["id"] == ids["consent"]
    error(ledger.get(path, "bank-b/viewer"), 404, field="consent_id")
    error(ledger.get("/v1/consents/nope", "sme-t1/viewer"), 404, field="consent_id")


@covers("GET /v1/credit/models", "GET /v1/credit/models/{model_version}")
def test_the_model_registry_with_psi_history(ledger: Api) -> None:
    ids = ledger.ids
    models = ledger.ok("GET", "/v1/credit/models", as_="regulator/viewer")
    versions = [m["version"] for m in models]
    assert versions[:2] == [ids["model"], ids["old_model"]]
    old = ledger.ok("GET", f"/v1/credit/models/{ids['old_model']}", as_="sme-t1/viewer")
    assert old["status"] == "retired" and old["actions"] == []
    assert [p["level"] for p in old["psi"]] == ["stable", "watch", "shift"]
    periods = [p["period"] for p in old["psi"]]
    assert periods == sorted(periods)
    current = ledger.ok("GET", f"/v1/credit/models/{ids['model']}", as_="bank-a/viewer")
    assert current["status"] == "active"
    assert set(current["actions"]) == {"retire_model", "report_psi"}
    assert len(current["artefact_digest"]) == 64
    assert ledger.ok("GET", "/v1/credit/models", as_="bank-b/viewer",
                     params={"bank": "bank-b"}) == []
    error(ledger.get("/v1/credit/models/no-such", "bank-a/viewer"), 404, field="model_version")


@covers("GET /v1/credit/attestations", "GET /v1/credit/usage")
def test_attestations_and_who_used_an_sme_s_consents(ledger: Api) -> None:
    ids = ledger.ids
    usage = ledger.ok("GET", "/v1/credit/usage", as_="sme-t1/viewer")
    assert {(u["org"], u["category"], u["kind"]) for u in usage} >= {
        ("tax-sh", "tax", "partial_score"), ("amr-sh", "market_regulation", "partial_score"),
        ("si-sh", "social_insurance", "partial_score"), ("tax-sh", "tax", "binning"),
        ("bank-a", "", "score")}
    assert all(u["consent_id"] == ids["consent"] and u["bank"] == "bank-a" for u in usage)
    assert [u["height"] for u in usage] == sorted((u["height"] for u in usage), reverse=True)
    assert ledger.ok("GET", "/v1/credit/usage", as_="core-a/viewer") == []
    error(ledger.get("/v1/credit/usage", "core-a/viewer", params={"sme": "sme-t1"}), 403,
          field="sme")
    assert ledger.ok("GET", "/v1/credit/usage", as_="regulator/viewer",
                     params={"sme": "sme-t1"}) == usage
    owner = ledger.ok("GET", "/v1/credit/attestations", as_="amr-sh/viewer",
                      params={"role": "org"})["items"]
    assert owner and {(a["org"], a["category"]) for a in owner} == {
        ("amr-sh", "market_regulation")}
    by_consent = ledger.ok("GET", "/v1/credit/attestations", as_="bank-a/viewer",
                           params={"consent_id": ids["consent"]})
    assert by_consent["total"] == len(usage)
    # tier 2 is party to none of them; the regulator sees them all
    assert ledger.ok("GET", "/v1/credit/attestations", as_="core-a/viewer")["total"] == 0
    assert ledger.ok("GET", "/v1/credit/attestations",
                     as_="regulator/viewer")["total"] >= len(usage)
