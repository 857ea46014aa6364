"""The portal's controls for the actions that had none, each used once in a real browser.

Same set-up as ``test_portal.py`` (its fixtures and helpers, a demo copy of this module's
own): each test checks the browser's own field checks, shows a refusal of the API next to
the field it names, then takes the action and checks over the API that the ledger changed.
"""

from __future__ import annotations

import os
import re
from typing import Any

import test_portal
from test_portal import Api, expect, expect_tx_toast, sign_in

# test_portal's fixtures, used here by name.
demo = test_portal.demo
browser = test_portal.browser
page = test_portal.page
csp_violations = test_portal.csp_violations


def balance(url: str, org: str) -> int:
    """What ``org`` holds in CNY, in fen."""
    return int(Api(url, org).http.get("/v1/balances").json()["balances"].get("CNY", 0))


def switch_to(pg: Any, org: str) -> None:
    """Sign out and in again as ``org``'s admin."""
    pg.get_by_test_id("logout").click()
    expect(pg.get_by_test_id("login-submit")).to_be_visible()
    sign_in(pg, org)


def open_proposal(url: str, org: str, action: str) -> dict[str, Any]:
    """The one open proposal of ``action`` that ``org`` is party to."""
    items = Api(url, org).http.get("/v1/proposals", params={"status": "open"}).json()["items"]
    found = [p for p in items if p["action"] == action]
    assert len(found) == 1, found
    return dict(found[0])


def test_a_treasurer_pays_another_organisation(page: Any, demo: dict[str, Any]) -> None:
    url = demo["url"]
    before = balance(url, "bank-b"), balance(url, "sme-t4")
    sign_in(page, "bank-b")
    page.get_by_test_id("nav-cash").click()
    form = page.get_by_test_id("form-cash-transfer")
    expect(form.get_by_test_id("submit-cash-transfer")).to_have_attribute("data-action",
                                                                          "cash.transfer")
    form.get_by_test_id("input-amount").fill("12.345")
    form.get_by_test_id("submit-cash-transfer").click()
    expect(form.get_by_test_id("error-to")).to_have_text("Required")
    expect(form.get_by_test_id("error-amount")).to_contain_text("at most two decimals")
    form.get_by_test_id("input-to").select_option("sme-t4")
    # More than bank B holds: the ledger's refusal names the amount.
    form.get_by_test_id("input-amount").fill("99,999,999.00")
    form.get_by_test_id("submit-cash-transfer").click()
    expect(form.get_by_test_id("error-amount")).to_contain_text("'bank-b' holds")
    form.get_by_test_id("input-amount").fill("1,500.00")
    form.get_by_test_id("input-memo").fill("invoice 42")
    form.get_by_test_id("submit-cash-transfer").click()
    expect_tx_toast(page)
    assert balance(url, "bank-b") == before[0] - 150_000
    assert balance(url, "sme-t4") == before[1] + 150_000
    left = before[0] - 150_000
    expect(page.get_by_test_id("balance-CNY")).to_contain_text(f"{left // 100:,}.{left % 100:02d}")


def test_the_cash_issuer_issues_and_redeems(page: Any, demo: dict[str, Any]) -> None:
    url = demo["url"]
    sign_in(page, "pboc")
    expect(page.get_by_test_id("nav-issuance")).to_have_class(re.compile("active"))
    issue = page.get_by_test_id("form-cash-issue")
    issue.get_by_test_id("input-to").select_option("pboc")
    issue.get_by_test_id("input-currency").fill("cny")
    issue.get_by_test_id("input-amount").fill("800.00")
    issue.get_by_test_id("submit-cash-issue").click()
    expect(issue.get_by_test_id("error-currency")).to_contain_text("ISO 4217")
    issue.get_by_test_id("input-currency").fill("CNY")
    issue.get_by_test_id("submit-cash-issue").click()
    expect_tx_toast(page)
    assert balance(url, "pboc") == 80_000

    redeem = page.get_by_test_id("form-cash-redeem")
    expect(redeem.get_by_test_id("submit-cash-redeem")).to_have_attribute("data-action",
                                                                          "cash.redeem")
    redeem.get_by_test_id("input-amount").fill("900.00")
    redeem.get_by_test_id("submit-cash-redeem").click()
    expect(redeem.get_by_test_id("error-amount")).to_contain_text("'pboc' holds 80000")
    redeem.get_by_test_id("input-amount").fill("300.00")
    redeem.get_by_test_id("submit-cash-redeem").click()
    expect_tx_toast(page)
    assert balance(url, "pboc") == 50_000
    expect(page.get_by_test_id("balance-CNY")).to_contain_text("500.00")


def test_the_tax_authority_registers_an_identifier(page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, "tax-sh")
    form = page.get_by_test_id("form-register-party")
    expect(form.get_by_test_id("submit-register-party")).to_have_attribute(
        "data-action", "invoice.register_party")
    form.get_by_test_id("input-org").select_option("bank-b")
    form.get_by_test_id("input-value").fill("1234")
    form.get_by_test_id("submit-register-party").click()
    expect(form.get_by_test_id("error-value")).to_have_text(
        "Not a well-formed identifier of this scheme")
    # Well formed, but its check character is wrong: the ledger says so, at the identifier.
    form.get_by_test_id("input-value").fill("91310000MA1K000108")
    form.get_by_test_id("submit-register-party").click()
    expect(form.get_by_test_id("error-value")).to_contain_text("identifier")
    expect(form.get_by_test_id("error-form")).to_be_hidden()
    form.get_by_test_id("input-scheme").select_option("VAT")
    form.get_by_test_id("input-value").fill("DE123456789")
    form.get_by_test_id("submit-register-party").click()
    expect_tx_toast(page)
    expect(page.get_by_test_id("registered-identifier")).to_have_text("VAT:DE123456789")
    # On the ledger: the identifier is bank B's now, and cannot go to anyone else.
    again = Api(demo["url"], "tax-sh").http.post(
        "/v1/contracts/invoice/register_party",
        json={"identifier": "VAT:DE123456789", "org": "bank-a"})
    assert again.status_code == 409
    assert "already registered to 'bank-b'" in again.json()["error"]["message"]


def test_a_holder_asks_for_a_guarantee_and_the_guarantor_accepts(
        page: Any, demo: dict[str, Any]) -> None:
    url = demo["url"]
    cert = Api(url, "sme-t1").issue(demo["invoices"][3], 20_000_000, 80)
    Api(url, "core-a").tx("receivable", "confirm", {"id": cert})
    before = balance(url, "sme-t1"), balance(url, "guar-g")
    sign_in(page, "sme-t1")
    page.get_by_test_id("nav-certificates").click()
    page.get_by_test_id("table-certificates").get_by_test_id(f"row-{cert}") \
        .get_by_test_id("btn-guarantee").click()
    form = page.get_by_test_id("form-guarantee")
    # The one guarantor of the consortium is chosen already; the fee is not.
    expect(form.get_by_test_id("input-guarantor")).to_have_value("guar-g")
    form.get_by_test_id("submit-guarantee").click()
    expect(form.get_by_test_id("error-fee")).to_have_text("Required")
    form.get_by_test_id("input-fee").fill("2,000.00")
    form.get_by_test_id("submit-guarantee").click()
    expect(page.get_by_test_id("toast")).to_contain_text("waiting for the guarantor")
    proposal = open_proposal(url, "guar-g", "guarantee")
    assert proposal["args"] == {"id": cert, "guarantor": "guar-g", "fee": 200_000}

    switch_to(page, "guar-g")
    expect(page.get_by_test_id("nav-guarantees")).to_have_class(re.compile("active"))
    row = page.get_by_test_id("table-guarantees").get_by_test_id(f"row-{proposal['id']}")
    expect(row).to_contain_text("2,000.00")
    expect(row).to_contain_text("sme-t1")
    row.get_by_test_id("btn-accept-guarantee").click()
    expect_tx_toast(page)
    detail = Api(url, "sme-t1").http.get(f"/v1/certificates/{cert}").json()
    assert (detail.get("certificate") or detail)["guarantor"] == "guar-g"
    assert balance(url, "sme-t1") == before[0] - 200_000
    assert balance(url, "guar-g") == before[1] + 200_000


def test_governing_admins_admit_suspend_readmit_and_rekey_an_organisation(
        page: Any, demo: dict[str, Any]) -> None:
    """Two of the three governing admins (regulator, bank A, core A) carry each proposal."""
    url = demo["url"]
    sign_in(page, "core-a")
    page.get_by_test_id("nav-governance").click()
    form = page.get_by_test_id("form-add-org")
    form.get_by_test_id("input-id").fill("Factor Z")
    form.get_by_test_id("input-admin_key").fill("xyz")
    form.get_by_test_id("submit-add-org").click()
    expect(form.get_by_test_id("error-id")).to_contain_text("Lower-case letters")
    expect(form.get_by_test_id("error-name")).to_have_text("Required")
    expect(form.get_by_test_id("error-roles")).to_have_text("Choose at least one")
    expect(form.get_by_test_id("error-admin_key")).to_contain_text("hexadecimal")
    expect(form.get_by_test_id("error-cosigners")).to_have_text("Choose at least one")
    form.get_by_test_id("input-id").fill("factor-z")
    form.get_by_test_id("input-name").fill("Factor Z 保理")
    form.get_by_test_id("input-roles-factor").check()
    form.get_by_test_id("input-admin_key").fill(os.urandom(32).hex())
    # Bank B is no governing organisation: one vote is not a quorum, and the refusal says
    # so at the co-signers.
    form.get_by_test_id("input-cosigners-bank-b").check()
    form.get_by_test_id("submit-add-org").click()
    expect(form.get_by_test_id("error-cosigners")).to_contain_text(
        "needs the admin signatures of 2")
    form.get_by_test_id("input-cosigners-bank-b").uncheck()
    form.get_by_test_id("input-cosigners-bank-a").check()
    form.get_by_test_id("submit-add-org").click()
    expect(page.get_by_test_id("toast")).to_contain_text("waiting for the co-signers")
    proposal = open_proposal(url, "bank-a", "add_org")
    row = page.get_by_test_id("table-votes").get_by_test_id(f"row-{proposal['id']}")
    expect(row.get_by_test_id("votes")).to_have_text("1 of 2")
    expect(row.get_by_test_id("btn-withdraw")).to_be_visible()

    switch_to(page, "bank-a")
    page.get_by_test_id("nav-governance").click()
    row = page.get_by_test_id("table-votes").get_by_test_id(f"row-{proposal['id']}")
    expect(row).to_contain_text("factor-z")
    expect(row.get_by_test_id("btn-vote-for")).to_have_attribute("data-action",
                                                                  "membership.add_org")
    row.get_by_test_id("btn-vote-for").click()
    expect_tx_toast(page)
    api = Api(url, "bank-a")
    assert api.http.get("/v1/orgs/factor-z").json()["status"] == "active"

    def carry(action: str, cosigner: str) -> None:
        """The co-signer votes for the open proposal over the API."""
        pending = open_proposal(url, cosigner, action)
        r = Api(url, cosigner).http.post(f"/v1/proposals/{pending['id']}/sign")
        assert r.status_code == 200 and r.json()["status"] == "done", r.text

    orgs = page.get_by_test_id("table-orgs")
    orgs.get_by_test_id("row-factor-z").get_by_test_id("btn-suspend").click()
    suspend = page.get_by_test_id("form-suspend-org")
    suspend.get_by_test_id("input-cosigners-regulator").check()
    suspend.get_by_test_id("submit-suspend-org").click()
    expect(page.get_by_test_id("toast")).to_contain_text("waiting for the co-signers")
    carry("suspend_org", "regulator")
    assert api.http.get("/v1/orgs/factor-z").json()["status"] == "suspended"

    # The organisations table follows the ledger by itself (server-sent events).
    expect(orgs.get_by_test_id("row-factor-z")).to_contain_text("Suspended")
    orgs.get_by_test_id("row-factor-z").get_by_test_id("btn-readmit").click()
    readmit = page.get_by_test_id("form-readmit-org")
    readmit.get_by_test_id("input-cosigners-core-a").check()
    readmit.get_by_test_id("submit-readmit-org").click()
    expect(page.get_by_test_id("toast")).to_contain_text("waiting for the co-signers")
    carry("readmit_org", "core-a")
    assert api.http.get("/v1/orgs/factor-z").json()["status"] == "active"

    new_key = os.urandom(32).hex()
    orgs.get_by_test_id("row-factor-z").get_by_test_id("btn-rekey").click()
    rekey = page.get_by_test_id("form-rekey-org")
    rekey.get_by_test_id("input-admin_key").fill(new_key[:10])
    rekey.get_by_test_id("input-cosigners-core-a").check()
    rekey.get_by_test_id("submit-rekey-org").click()
    expect(rekey.get_by_test_id("error-admin_key")).to_contain_text("must be 32 bytes")
    rekey.get_by_test_id("input-admin_key").fill(new_key)
    rekey.get_by_test_id("submit-rekey-org").click()
    expect(page.get_by_test_id("toast")).to_contain_text("waiting for the co-signers")
    carry("rekey_org", "core-a")
    assert api.http.get("/v1/orgs/factor-z").json()["admin_key"] == new_key


def test_an_admin_enrols_a_user_s_key_and_revokes_it(page: Any, demo: dict[str, Any]) -> None:
    url = demo["url"]
    sign_in(page, "bank-b")
    page.get_by_test_id("nav-users").click()
    create = page.get_by_test_id("form-user")
    expect(create.get_by_test_id("submit-user")).to_have_attribute("data-action",
                                                                   "membership.enrol_key")
    create.get_by_test_id("input-username").fill("clerk")
    create.get_by_test_id("input-password").fill("clerk-pass-1")
    create.get_by_test_id("input-role").select_option("operator")
    create.get_by_test_id("submit-user").click()
    expect(page.get_by_test_id("table-users").get_by_test_id("row-clerk")).to_be_visible()

    page.get_by_test_id("nav-keys").click()
    row = page.get_by_test_id("table-keys").locator("tbody tr").filter(has_text="clerk")
    expect(row).to_contain_text("Active")
    row.get_by_test_id("btn-revoke-key").click()
    form = page.get_by_test_id("form-revoke-key")
    form.get_by_test_id("input-at_height").fill("soon")
    form.get_by_test_id("submit-revoke-key").click()
    expect(form.get_by_test_id("error-at_height")).to_have_text("Enter a whole number")
    form.get_by_test_id("input-at_height").fill("1")
    form.get_by_test_id("submit-revoke-key").click()
    expect(form.get_by_test_id("error-at_height")).to_contain_text("is not after the current")
    form.get_by_test_id("input-at_height").fill("")
    form.get_by_test_id("submit-revoke-key").click()
    expect_tx_toast(page)
    expect(row).to_contain_text("Revoked")

    # On the ledger: the clerk's key no longer signs.
    http = Api(url, "bank-b").http
    token = http.post("/v1/auth/login", json={"org": "bank-b", "username": "clerk",
                                              "password": "clerk-pass-1"}).json()["token"]
    refused = http.post("/v1/contracts/cash/transfer",
                        json={"currency": "CNY", "to": "bank-a", "amount": 100},
                        headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code >= 400
    assert "revoked" in refused.json()["error"]["message"]
