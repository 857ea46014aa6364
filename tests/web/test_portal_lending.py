"""Products, loans and interest in the portal: an SME sees the products it fits (and why the
others do not), its loans and a schedule; a bank works an application from the queue to
disbursement and sees its portfolio; the IP office sees pledges; the regulator sees
lending by product kind, by region and the time to disbursement; an SME sees the interest
its cash earned and the issuer has its rate and settlement controls."""

from __future__ import annotations

from typing import Any

import test_portal
from test_portal import Api, expect, expect_tx_toast, sign_in

# test_portal's fixtures, used here by name.
demo = test_portal.demo
browser = test_portal.browser
page = test_portal.page
csp_violations = test_portal.csp_violations


def test_an_sme_sees_its_matched_products_its_loans_and_a_schedule(
        page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, "sme-t2")
    page.get_by_test_id("nav-products-matched").click()
    match = Api(demo["url"], "sme-t2").http.get("/v1/products/match").json()
    fit = [p for p in match["products"] if p["fits"]]
    unfit = next(p for p in match["products"] if not p["fits"])
    expect(page.get_by_test_id("table-products-fit").locator("tbody tr")).to_have_count(
        max(len(fit), 1))
    row = page.get_by_test_id("table-products-unfit").get_by_test_id(f"row-{unfit['id']}")
    expect(row.locator("li")).to_have_count(len(unfit["reasons"]))
    expect(row).to_contain_text(unfit["reasons"][0]["en"])

    page.get_by_test_id("nav-loans").click()
    loan = page.get_by_test_id("table-my-loans").get_by_test_id(f"row-{demo['ip_loan']}")
    expect(loan).to_contain_text("800,000.00 CNY")
    expect(loan).to_contain_text("IP pledge")
    expect(loan.get_by_test_id("btn-repay-early")).to_have_attribute("data-action",
                                                                   "loan.repay_early")
    loan.locator("a").first.click()
    detail = page.get_by_test_id("modal-loan")
    expect(detail.get_by_test_id("loan-detail")).to_contain_text("sme-t2")
    schedule = detail.get_by_test_id(f"table-schedule-{demo['ip_loan']}")
    expect(schedule.locator("tbody tr")).to_have_count(12)
    expect(schedule.get_by_test_id(f"row-{demo['ip_loan']}-12")).to_be_visible()
    expect(page.get_by_test_id("submit-loan-apply")).to_have_attribute("data-action",
                                                                       "loan.apply")


def percent(bp: int) -> str:
    """How the decide dialog writes a rate: 348 bp is "3.48" (% a year)."""
    return f"{bp // 100}.{bp % 100:02d}"


def expect_prefilled(form: Any, product: dict[str, Any], term_months: int) -> None:
    """The decide dialog's terms come from the product version the loan cites: its lowest
    rate, penalty interest half as much again, its repayment style (the only one the
    contract takes, so not to be changed), the term applied for, each with the product's
    range beside it."""
    t = product["terms"]
    expect(form.locator("xpath=..").get_by_test_id("decide-product")).to_contain_text(
        f"{product['id']} v{product['version']}")
    expect(form.get_by_test_id("input-style")).to_have_value(t["repayment"])
    expect(form.get_by_test_id("input-style")).to_be_disabled()
    expect(form.get_by_test_id("input-rate")).to_have_value(percent(t["min_rate_bp"]))
    expect(form.get_by_test_id("hint-rate")).to_contain_text(
        f"{percent(t['min_rate_bp'])}–{percent(t['max_rate_bp'])}% a year "
        f"({t['min_rate_bp']}–{t['max_rate_bp']} bp)")
    expect(form.get_by_test_id("input-penalty")).to_have_value(percent(t["min_rate_bp"] * 3 // 2))
    expect(form.get_by_test_id("input-term_months")).to_have_value(str(term_months))
    expect(form.get_by_test_id("hint-term_months")).to_contain_text(
        f"{t['min_term_months']}–{t['max_term_months']} months")
    expect(form.get_by_test_id("hint-amount")).to_contain_text(
        f"{t['min_amount'] / 100:,.2f} {t['currency']} to {t['max_amount'] / 100:,.2f}")
    expect(form.get_by_test_id("input-day_count")).to_have_value("ACT/360")
    expect(form.get_by_test_id("input-share")).to_have_count(0)  # export-record loans only


def fits(t: dict[str, Any]) -> bool:
    """Whether product terms hold the loan the test applies for (250,000.00 CNY over six
    months) and approves (200,000.00 at 4.35%, equal instalments): the contract checks."""
    return (t["currency"] == "CNY" and t["min_amount"] <= 20_000_000
            and t["max_amount"] >= 25_000_000 and t["min_term_months"] <= 6 <= t["max_term_months"]
            and t["min_rate_bp"] <= 435 <= t["max_rate_bp"]
            and t["repayment"] == "equal_instalments")


def test_an_sme_applies_and_a_bank_decides_disburses_and_sees_its_portfolio(
        page: Any, demo: dict[str, Any]) -> None:
    bank = Api(demo["url"], "bank-a")
    # a product whose ranges hold the loan below (the contract checks them)
    product = next(p for p in bank.http.get("/v1/products", params={
        "bank": "bank-a", "kind": "working_capital", "status": "live", "limit": 200}
    ).json()["items"] if fits(p["terms"]))
    sign_in(page, "sme-t1")
    page.get_by_test_id("nav-loans").click()
    apply = page.get_by_test_id("form-loan-apply")
    apply.get_by_test_id("input-bank").select_option("bank-a")
    apply.get_by_test_id("input-consent_id").fill(demo["consent"])
    apply.get_by_test_id("input-amount").fill("250,000.00")
    apply.get_by_test_id("input-term_months").fill("6")
    apply.get_by_test_id("input-product_id").fill(product["id"])
    apply.get_by_test_id("input-product_version").fill(str(product["version"]))
    apply.get_by_test_id("submit-loan-apply").click()
    expect_tx_toast(page)
    mine = Api(demo["url"], "sme-t1").http.get("/v1/loans", params={"role": "sme"}).json()
    (applied,) = mine["items"]
    assert applied["amount"] == 25_000_000 and applied["term_months"] == 6
    expect(page.get_by_test_id("table-my-loans").get_by_test_id(f"row-{applied['id']}")
           ).to_contain_text("250,000.00 CNY")
    # Bank A scores the applicant under the loan's consent: the queue shows band and reasons.
    r = bank.http.post("/v1/credit/scores", json={
        "consent_id": demo["consent"], "model_version": demo["model"], "sme": "sme-t1"})
    assert r.status_code == 201, r.text
    report = r.json()

    page.get_by_test_id("logout").click()
    sign_in(page, "bank-a")
    page.get_by_test_id("nav-loan-queue").click()
    row = page.get_by_test_id("table-queue").get_by_test_id(f"row-{applied['id']}")
    expect(row).to_contain_text(report["band"])
    expect(row).to_contain_text(report["reasons"][0]["code"])
    expect(page.get_by_test_id("table-queue").get_by_test_id(f"row-{demo['queued_loan']}")
           ).to_be_visible()
    decide = row.get_by_test_id("btn-decide")
    expect(decide).to_have_attribute("data-action", "loan.decide")
    decide.click()
    form = page.get_by_test_id("modal-decide").get_by_test_id("form-loan-decide")
    expect(form.get_by_test_id("input-band")).to_have_value(report["band"])
    expect(form.get_by_test_id("input-amount")).to_have_value("250,000.00")
    expect_prefilled(form, product, 6)
    form.get_by_test_id("input-amount").fill("200,000.00")
    form.get_by_test_id("input-rate").fill("4.35")
    form.get_by_test_id("submit-loan-decide").click()
    expect_tx_toast(page)
    expect(page.get_by_test_id("modal-decide")).to_have_count(0)
    expect(row).to_have_count(0)
    decided = bank.http.get(f"/v1/loans/{applied['id']}").json()
    assert decided["status"] == "approved" and decided["band"] == report["band"]
    assert decided["terms"]["amount"] == 20_000_000 and decided["terms"]["rate_bp"] == 435
    assert decided["terms"]["term_months"] == 6 and decided["score_attestation"]
    # what the dialog filled in and the bank left as it was
    assert decided["terms"]["style"] == product["terms"]["repayment"]
    assert decided["terms"]["penalty_rate_bp"] == product["terms"]["min_rate_bp"] * 3 // 2
    assert decided["terms"]["day_count"] == "ACT/360" and decided["terms"]["export_share_bp"] == 0
    approved = page.get_by_test_id("table-approved-loans").get_by_test_id(f"row-{applied['id']}")
    disburse = approved.get_by_test_id("btn-disburse")
    expect(disburse).to_have_attribute("data-action", "loan.disburse")
    disburse.click()
    expect_tx_toast(page)
    expect(approved).to_have_count(0)
    assert bank.http.get(f"/v1/loans/{applied['id']}").json()["status"] == "active"

    page.get_by_test_id("nav-loan-portfolio").click()
    portfolio = bank.http.get("/v1/loans/portfolio").json()
    chart = page.get_by_test_id("chart-dpd")
    expect(chart.locator("rect.bar")).to_have_count(5)
    expect(chart.locator('rect[data-label="current"]')).to_have_attribute(
        "data-value", str(portfolio["by_bucket"]["current"]["outstanding"]))
    expect(page.get_by_test_id("table-portfolio-status").get_by_test_id("row-active")
           ).to_contain_text(str(portfolio["by_status"]["active"]["count"]))
    book = page.get_by_test_id("table-bank-loans").get_by_test_id(f"row-{applied['id']}")
    expect(book).to_contain_text("200,000.00 CNY")


def test_a_bank_declines_an_application_and_the_sme_reads_the_adverse_action_notice(
        page: Any, demo: dict[str, Any]) -> None:
    bank, sme = Api(demo["url"], "bank-a"), Api(demo["url"], "sme-t1")
    # A product repaid otherwise than in equal instalments (the dialog's old fixed default),
    # whose ranges hold 250,000.00 over six months.
    product = next(p for p in bank.http.get("/v1/products", params={
        "bank": "bank-a", "kind": "working_capital", "status": "live", "limit": 200}
    ).json()["items"] if p["terms"]["repayment"] != "equal_instalments"
        and p["terms"]["currency"] == "CNY"
        and p["terms"]["min_amount"] <= 25_000_000 <= p["terms"]["max_amount"]
        and p["terms"]["min_term_months"] <= 6 <= p["terms"]["max_term_months"])
    t = product["terms"]
    result = sme.tx("loan", "apply", {
        "bank": "bank-a", "consent_id": demo["consent"], "currency": "CNY", "amount": 25_000_000,
        "term_months": 6, "product_id": product["id"], "product_version": product["version"],
        "basis": {"kind": "unsecured"}})
    loan_id = next(str(e["attrs"]["id"]) for e in result["events"] if e["name"] == "LoanApplied")
    r = bank.http.post("/v1/credit/scores", json={
        "consent_id": demo["consent"], "model_version": demo["model"], "sme": "sme-t1"})
    assert r.status_code == 201, r.text
    report = r.json()
    codes = [reason["code"] for reason in report["reasons"]]
    assert codes

    sign_in(page, "bank-a")
    page.get_by_test_id("nav-loan-queue").click()
    row = page.get_by_test_id("table-queue").get_by_test_id(f"row-{loan_id}")
    row.get_by_test_id("btn-decide").click()
    form = page.get_by_test_id("modal-decide").get_by_test_id("form-loan-decide")
    expect_prefilled(form, product, 6)
    # A rate above the product's range: the ledger refuses it, and says so by the rate.
    form.get_by_test_id("input-rate").fill(percent(t["max_rate_bp"] + 100))
    form.get_by_test_id("submit-loan-decide").click()
    error = form.get_by_test_id("error-rate")
    expect(error).to_be_visible()
    expect(error).to_contain_text(f"{t['max_rate_bp'] + 100} bp is outside")
    expect(error).to_contain_text(f"{t['min_rate_bp']} to {t['max_rate_bp']} bp")
    expect(form.get_by_test_id("input-rate")).to_have_attribute("aria-invalid", "true")
    assert bank.http.get(f"/v1/loans/{loan_id}").json()["status"] == "applied"
    # The bank declines on the score's reasons: an adverse-action notice.
    form.get_by_test_id("input-approve").uncheck()
    expect(form.get_by_test_id("input-reason_codes")).to_have_value(",".join(codes))
    form.get_by_test_id("submit-loan-decide").click()
    expect_tx_toast(page)
    expect(page.get_by_test_id("modal-decide")).to_have_count(0)
    expect(row).to_have_count(0)
    expect(page.get_by_test_id("table-queue").get_by_test_id(f"row-{demo['queued_loan']}")
           ).to_be_visible()
    queue = bank.http.get("/v1/loans/queue").json()
    assert loan_id not in [item["id"] for item in queue]
    declined = bank.http.get(f"/v1/loans/{loan_id}").json()
    assert declined["status"] == "declined" and declined["terms"] is None
    assert declined["reason_codes"] == codes and declined["band"] == report["band"]

    page.get_by_test_id("logout").click()
    sign_in(page, "sme-t1")
    page.get_by_test_id("nav-loans").click()
    notice = page.get_by_test_id("table-loan-notices").get_by_test_id(f"row-{loan_id}")
    expect(notice).to_contain_text("bank-a")
    expect(notice).to_contain_text("250,000.00 CNY")
    expect(notice).to_contain_text("Declined")
    expect(notice).to_contain_text(report["band"])
    expect(notice.locator("li")).to_have_count(len(codes))
    for reason in report["reasons"]:
        expect(notice.get_by_test_id(f"reason-{reason['code']}")).to_have_text(
            f"{reason['code']} {reason['en']}")
    expect(page.get_by_test_id("table-my-loans").get_by_test_id(f"row-{loan_id}")
           ).to_contain_text("Declined")
    # The reasons follow the language.
    page.get_by_test_id("lang-switch").first.click()
    reason = report["reasons"][0]
    expect(page.get_by_test_id("table-loan-notices").get_by_test_id(f"row-{loan_id}")
           .get_by_test_id(f"reason-{reason['code']}")).to_have_text(
        f"{reason['code']} {reason['zh']}")


def test_the_ip_office_sees_pledges_and_may_register_one(page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, "cnipa")
    page.get_by_test_id("nav-pledges").click()
    row = page.get_by_test_id("table-pledge-list").get_by_test_id(f"row-{demo['pledge']}")
    expect(row).to_contain_text("patent ZL202310567890.1")
    expect(row).to_contain_text("sme-t2")
    expect(row).to_contain_text("1,500,000.00 CNY")
    expect(row).to_contain_text("Registered")
    expect(row.get_by_test_id("btn-release-pledge")).to_have_count(0)  # the bank's to release
    expect(page.get_by_test_id("submit-pledge-ip")).to_have_attribute("data-action",
                                                                      "loan.pledge_ip")


def test_the_regulator_sees_lending_by_kind_region_and_time_to_cash(
        page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, "regulator")
    page.get_by_test_id("nav-lending").click()
    stats = Api(demo["url"], "regulator").http.get("/v1/stats/lending").json()
    assert stats["loans"] >= 2
    expect(page.get_by_test_id("lending-count")).to_contain_text(str(stats["loans"]))
    kinds = page.get_by_test_id("chart-lending-kind")
    for kind, cell in stats["by_kind"].items():
        expect(kinds.locator(f'rect[data-kind="{kind}"]')).to_have_attribute(
            "data-value", str(cell["amount"]))
    expect(kinds).to_contain_text("IP pledge")
    regions = page.get_by_test_id("chart-lending-region")
    expect(regions.locator('rect[data-group="31"]')).to_have_count(len(stats["by_kind"]))
    expect(regions).to_contain_text("Shanghai (31)")
    expect(page.get_by_test_id("table-lending-region").get_by_test_id("row-31")).to_contain_text(
        str(stats["by_region"]["31"]["count"]))
    histogram = page.get_by_test_id("chart-time-to-cash")
    expect(histogram.locator("rect[data-bin]")).to_have_count(len(stats["waits"]["bins"]))
    for b in stats["waits"]["bins"]:
        expect(histogram.locator(f'rect[data-bin="{b["label"]}"]')).to_have_attribute(
            "data-count", str(b["count"]))
    # The view follows the language.
    page.get_by_test_id("lang-switch").first.click()
    expect(regions).to_contain_text("上海 (31)")


def test_an_sme_sees_interest_earned_and_the_issuer_its_rate_and_settlement_controls(
        page: Any, demo: dict[str, Any]) -> None:
    interest = Api(demo["url"], "sme-t1").http.get("/v1/cash/interest",
                                                   params={"currency": "CNY"}).json()
    assert interest["earned"] > 0
    sign_in(page, "sme-t1")
    page.get_by_test_id("nav-cash").click()
    summary = page.get_by_test_id("interest-summary")
    expect(summary).to_contain_text("Interest earned")
    expect(summary).to_contain_text(f"{interest['earned'] / 100:,.2f}")
    expect(page.get_by_test_id("interest-history").locator("tbody tr")).to_have_count(
        len(interest["history"]))
    page.get_by_test_id("logout").click()
    sign_in(page, "pboc")
    page.get_by_test_id("nav-issuance").click()
    expect(page.get_by_test_id("terms-summary")).to_contain_text("%")
    for form, action in (("cash-set-rate", "cash.set_rate"),
                         ("cash-set-settlement-dates", "cash.set_settlement_dates"),
                         ("cash-appoint-operator", "cash.appoint_operator"),
                         ("cash-revoke-operator", "cash.revoke_operator"),
                         ("cash-set-wallet-class", "cash.set_wallet_class")):
        expect(page.get_by_test_id(f"submit-{form}")).to_have_attribute("data-action", action)
    expect(page.get_by_test_id("settle-interest")).to_have_attribute("data-action",
                                                                     "cash.settle_interest")
    # The real-name wallets' rate, from today (anonymous wallets earn nothing).
    rate = page.get_by_test_id("form-cash-set-rate")
    expect(rate.get_by_test_id("input-wallet_class")).to_have_value("real_name")
    rate.get_by_test_id("input-rate_bp").fill("0.45")
    rate.get_by_test_id("submit-cash-set-rate").click()
    expect_tx_toast(page)
    terms = Api(demo["url"], "pboc").http.get("/v1/cash/terms/CNY").json()
    assert terms["current"]["real_name"] == 45
    expect(page.get_by_test_id("terms-summary")).to_contain_text("0.45%")
