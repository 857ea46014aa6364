"""Consents and credit scoring in the portal: an SME grants and revokes a consent and sees
who used its data; a bank, a data owner and the regulator see models, PSI and
attestations."""

from __future__ import annotations

from typing import Any

import test_portal
from test_portal import Api, expect, expect_tx_toast, sign_in

# test_portal's fixtures, used here by name.
demo = test_portal.demo
browser = test_portal.browser
page = test_portal.page
csp_violations = test_portal.csp_violations


def test_an_sme_grants_and_revokes_a_consent_and_sees_who_used_its_data(
        page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, "sme-t1")
    page.get_by_test_id("nav-consents").click()
    table = page.get_by_test_id("table-consents")
    expect(table.get_by_test_id(f"row-{demo['consent']}")).to_be_visible()
    usage = page.get_by_test_id("table-consent-usage")
    expect(usage).to_contain_text("amr-sh")
    expect(usage).to_contain_text("Combined score")
    form = page.get_by_test_id("form-consent-grant")
    expect(form.get_by_test_id("submit-consent-grant")).to_have_attribute("data-action",
                                                                          "consent.grant")
    form.get_by_test_id("input-bank").select_option("bank-b")
    form.get_by_test_id("input-categories-customs").check()
    form.get_by_test_id("input-days").fill("30")
    form.get_by_test_id("submit-consent-grant").click()
    expect_tx_toast(page)
    granted = Api(demo["url"], "sme-t1").http.get(
        "/v1/consents", params={"role": "sme", "standing": "live"}).json()["items"]
    fresh = next(c for c in granted if c["bank"] == "bank-b")
    assert fresh["categories"] == ["customs"]
    row = table.get_by_test_id(f"row-{fresh['id']}")
    row.get_by_test_id("btn-revoke-consent").click()
    expect_tx_toast(page)
    expect(row.get_by_test_id("btn-revoke-consent")).to_have_count(0)
    after = Api(demo["url"], "sme-t1").http.get(f"/v1/consents/{fresh['id']}").json()
    assert after["standing"] == "revoked"


def test_a_bank_a_data_owner_and_the_regulator_see_models_and_attestations(
        page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, "bank-a")
    page.get_by_test_id("nav-credit-models").click()
    models = page.get_by_test_id("table-bank-models")
    expect(models.get_by_test_id(f"row-{demo['model']}")).to_be_visible()
    expect(models.get_by_test_id(f"row-{demo['model']}").get_by_test_id("btn-retire-model")
           ).to_have_attribute("data-action", "credit.retire_model")
    expect(page.get_by_test_id("psi-chart").locator("circle")).to_have_count(4)
    expect(page.get_by_test_id("table-bank-attestations")).to_contain_text("si-sh")
    page.get_by_test_id("nav-received-consents").click()
    expect(page.get_by_test_id("table-received-consents")).to_contain_text("sme-t1")
    page.get_by_test_id("logout").click()
    sign_in(page, "amr-sh")
    expect(page.get_by_test_id("table-owner-attestations")).to_contain_text("Market regulation")
    expect(page.get_by_test_id("submit-credit-attest")).to_have_attribute("data-action",
                                                                          "credit.attest")
    page.get_by_test_id("logout").click()
    sign_in(page, "regulator")
    page.get_by_test_id("nav-model-registry").click()
    chart = page.get_by_test_id("psi-chart")
    expect(chart.locator(f'path[data-model="{demo["old_model"]}"]')).to_have_count(1)
    expect(chart.locator(f'circle[data-model="{demo["old_model"]}"]')).to_have_count(3)
    expect(page.get_by_test_id("table-registry-models")).to_contain_text("Retired")


def test_a_bank_scores_an_sme_in_the_portal_and_the_sme_reads_its_report(
        page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, "bank-a")
    page.get_by_test_id("nav-credit-models").click()
    reports = page.get_by_test_id("table-bank-reports")
    expect(reports).to_contain_text(demo["model"])  # the demo's own scores
    before = Api(demo["url"], "bank-a").http.get("/v1/credit/reports").json()["total"]
    form = page.get_by_test_id("form-credit-request-score")
    form.get_by_test_id("input-consent_id").fill(demo["consent"])
    form.get_by_test_id("input-model_version").fill(demo["model"])
    form.get_by_test_id("input-sme").fill("sme-t1")
    form.get_by_test_id("submit-credit-request-score").click()
    expect(page.get_by_test_id("toast")).to_contain_text("Scored")
    made = Api(demo["url"], "bank-a").http.get("/v1/credit/reports").json()
    assert made["total"] == before + 1 and made["items"][0]["sme"] == "sme-t1"
    expect(reports.get_by_test_id("report-score")).to_have_count(before + 1)
    # A refused request says why in the form, naming the field.
    form.get_by_test_id("input-consent_id").fill("0" * 32)
    form.get_by_test_id("input-model_version").fill(demo["model"])
    form.get_by_test_id("input-sme").fill("sme-t1")
    form.get_by_test_id("submit-credit-request-score").click()
    expect(form).to_contain_text("consent_id")
    page.get_by_test_id("logout").click()
    sign_in(page, "sme-t1")
    page.get_by_test_id("nav-credit-reports").click()
    mine = page.get_by_test_id("table-sme-reports")
    expect(mine.get_by_test_id("report-score")).to_have_count(2)
    expect(mine).to_contain_text(made["items"][0]["reasons"][0]["en"])
