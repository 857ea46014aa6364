"""The China banking-day calendar and warehouse receipts in the portal: any member reads a
year and counts banking days; the central bank loads a year's file (a bad one refused
naming the entry); a warehouse issues a receipt, its holder pledges it to a bank, and the
bank accepts the pledge from its requests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import test_portal
from test_portal import expect, expect_tx_toast, sign_in

from smechain.modules.calendar import datafile

# test_portal's fixtures, used here by name.
demo = test_portal.demo
browser = test_portal.browser
page = test_portal.page
csp_violations = test_portal.csp_violations

DATA = Path(datafile.__file__).parent / "data"


def test_a_member_reads_a_year_and_counts_banking_days(page: Any) -> None:
    sign_in(page, "sme-t4", "viewer")
    page.get_by_test_id("nav-calendar").click()
    years = page.get_by_test_id("table-calendar")
    expect(years.get_by_test_id("row-2026")).to_contain_text("248")
    expect(page.get_by_test_id("calendar-facts")).to_contain_text("2026")
    spring = page.get_by_test_id("table-calendar-holidays").get_by_test_id("row-2026-02-15")
    expect(spring).to_contain_text("Spring Festival")
    expect(spring).to_contain_text("2026-02-23")
    expect(spring).to_contain_text("9")
    worked = page.get_by_test_id("table-calendar-working-days").get_by_test_id("row-2026-02-14")
    expect(worked).to_contain_text("Saturday")
    page.get_by_test_id("calendar-open-2025").click()
    expect(page.get_by_test_id("table-calendar-holidays").get_by_test_id(
        "row-2025-01-28")).to_contain_text("2025-02-04")
    calc = page.get_by_test_id("form-calendar-add")
    calc.get_by_test_id("input-date").fill("2026-02-13")
    calc.get_by_test_id("input-days").fill("5")
    page.get_by_test_id("submit-calendar-add").click()
    expect(page.get_by_test_id("calendar-answer")).to_contain_text("2026-02-27")
    # a year the ledger does not hold is refused, not guessed
    calc.get_by_test_id("input-date").fill("2026-12-28")
    page.get_by_test_id("submit-calendar-add").click()
    expect(calc.get_by_test_id("error-days")).to_contain_text("calendar for 2027")
    # only the central bank loads years
    expect(page.get_by_test_id("form-calendar-load")).to_have_count(0)


def test_the_central_bank_loads_a_year_and_a_bad_file_is_refused_naming_the_entry(
        page: Any, tmp_path: Path) -> None:
    sign_in(page, "pboc", "operator")
    page.get_by_test_id("nav-calendar").click()
    doc = json.loads((DATA / "cn-2026.json").read_text(encoding="utf-8"))
    doc["working_days"][0]["date"] = "2026-01-03"  # a holiday of the New Year run
    bad = tmp_path / "cn-2026-bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    load = page.get_by_test_id("form-calendar-load")
    expect(page.get_by_test_id("submit-calendar-load")).to_have_attribute(
        "data-action", "calendar.set_year")
    load.get_by_test_id("input-file").set_input_files(str(bad))
    page.get_by_test_id("submit-calendar-load").click()
    expect(load.get_by_test_id("error-file")).to_contain_text(
        "working_days[0].date: 2026-01-03 is also a holiday (holidays[2])")
    load.get_by_test_id("input-file").set_input_files(str(DATA / "cn-2026.json"))
    page.get_by_test_id("submit-calendar-load").click()
    expect_tx_toast(page)
    revision = page.get_by_test_id("table-calendar").get_by_test_id("row-2026").locator("td")
    expect(revision.nth(4)).to_have_text("2")
    expect(page.get_by_test_id("calendar-year")).to_contain_text("Replaced 1 time(s)")


def test_a_warehouse_issues_and_the_holder_pledges_to_a_bank_that_accepts(
        page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, "warehouse-sh", "operator")
    expect(page.get_by_test_id("table-warehouse-receipts")).to_be_visible()  # its home
    issue = page.get_by_test_id("form-receipt-issue")
    issue.get_by_test_id("input-depositor").select_option("sme-t3")
    issue.get_by_test_id("input-goods").fill("Natural rubber, TSR 20")
    issue.get_by_test_id("input-commodity_code").fill("4001221000")
    issue.get_by_test_id("input-quantity").fill("120")
    issue.get_by_test_id("input-unit").select_option("TNE")
    issue.get_by_test_id("input-value").fill("1,560,000.00")
    issue.get_by_test_id("input-location").fill("warehouse 2, bay 7")
    page.get_by_test_id("submit-receipt-issue").click()
    expect_tx_toast(page)
    row = page.get_by_test_id("table-warehouse-receipts").locator("tbody tr").filter(
        has_text="Natural rubber")
    expect(row).to_contain_text("1,560,000.00")
    expect(row.get_by_test_id("btn-deliver")).to_have_attribute("data-action",
                                                                "warehouse_receipt.deliver")
    page.get_by_test_id("logout").click()

    sign_in(page, "sme-t3", "operator")
    page.get_by_test_id("nav-receipts").click()
    mine = page.get_by_test_id("table-receipts").locator("tbody tr").filter(
        has_text="Natural rubber")
    mine.get_by_test_id("btn-pledge-receipt").click()
    dialog = page.get_by_test_id("modal")
    dialog.get_by_test_id("input-bank").select_option("bank-a")
    dialog.get_by_test_id("input-reference").fill("BA-2026-88")
    page.get_by_test_id("submit-receipt-pledge").click()
    expect(page.get_by_test_id("toast")).to_contain_text("Pledge proposed")
    page.get_by_test_id("logout").click()

    sign_in(page, "bank-a", "operator")
    page.get_by_test_id("nav-receipts").click()
    request = page.get_by_test_id("table-receipt-requests").locator("tbody tr").filter(
        has_text="sme-t3")
    expect(request).to_contain_text("Pledge")
    request.get_by_test_id("btn-accept-receipt").click()
    expect_tx_toast(page)
    held = page.get_by_test_id("table-receipts").locator("tbody tr").filter(
        has_text="Natural rubber")
    expect(held).to_contain_text("Pledged")
    expect(held.get_by_test_id("btn-release-receipt")).to_be_visible()
    expect(held.get_by_test_id("btn-enforce-receipt")).to_be_visible()
