"""Bills of lading in a real browser: the carrier lands on its issued bills and answers a
surrender; the holder endorses and surrenders from its view; a bill's link shows its chain,
verified."""

from __future__ import annotations

from typing import Any

import test_portal
from test_portal import Api, expect, expect_tx_toast, sign_in

demo = test_portal.demo
browser = test_portal.browser
page = test_portal.page
csp_violations = test_portal.csp_violations


def test_the_holder_surrenders_and_the_carrier_rejects(page: Any, demo: dict[str, Any]) -> None:
    bill = demo["bill_of_lading"]
    sign_in(page, "bank-a")
    page.get_by_test_id("nav-bills-of-lading").click()
    row = page.get_by_test_id(f"row-{bill}")
    expect(row).to_contain_text("COSU6112345670")
    row.get_by_test_id("btn-surrender").click()
    page.get_by_test_id("submit-bill-surrender").click()
    expect_tx_toast(page)
    held = Api(demo["url"], "bank-a").http.get(f"/v1/bills-of-lading/{bill}").json()
    assert held["status"] == "surrender_requested" and held["possessor"] == "carrier-cosco"

    page.get_by_test_id("logout").click()
    sign_in(page, "carrier-cosco")
    expect(page.get_by_test_id("view-title")).to_have_text("Bills of lading issued")
    page.get_by_test_id(f"row-{bill}").get_by_test_id("btn-answer").click()
    page.get_by_test_id("field-wrap-accept").locator("input").uncheck()
    page.get_by_test_id("submit-bill-answer").click()  # a rejection says why: refused
    expect(page.get_by_test_id("error-comments")).to_be_visible()
    page.get_by_test_id("field-wrap-comments").locator("textarea").fill("freight unpaid")
    page.get_by_test_id("submit-bill-answer").click()
    expect_tx_toast(page)
    back = Api(demo["url"], "bank-a").http.get(f"/v1/bills-of-lading/{bill}").json()
    assert back["status"] == "issued" and back["possessor"] == "bank-a"

    page.goto(f"{demo['url']}/#/bill/{bill}")
    expect(page.get_by_test_id("chain-verified")).to_have_text(
        "Transfer chain verified: every entry links to the one before and replays to the bill")
