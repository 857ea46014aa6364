"""The portal shows a row's action controls from the ``actions`` the API offers on it.

Same set-up as ``test_portal.py`` (its fixtures and helpers, a demo copy of this module's
own, left unchanged). Each test signs in as one demo organisation and checks, row by row,
that the controls are where the portal's own rules used to put them (the holder of a
confirmed certificate splits, transfers, sells and asks for a guarantee unless it has one;
the debtor confirms or disputes a request and settles what is confirmed; a tax authority
voids a valid invoice): what each demo user sees is what it saw before.
"""

from __future__ import annotations

from typing import Any

import test_portal
from test_portal import Api, expect, sign_in

# test_portal's fixtures, used here by name.
demo = test_portal.demo
browser = test_portal.browser
page = test_portal.page
csp_violations = test_portal.csp_violations

HOLDER_CONTROLS = ("btn-split", "btn-transfer", "btn-sell")


def listed(url: str, org: str, path: str, **params: Any) -> list[dict[str, Any]]:
    """The first page (20 rows, as the portal's tables) of a list, as ``org``'s admin."""
    r = Api(url, org).http.get(path, params={"limit": 20, **params})
    r.raise_for_status()
    items: list[dict[str, Any]] = r.json()["items"]
    assert items, f"{org} lists no {path} {params}"
    return items


def expect_controls(table: Any, row_id: str, shown: dict[str, bool]) -> None:
    """Row ``row_id`` of ``table`` has each control of ``shown`` exactly when it says so."""
    row = table.get_by_test_id(f"row-{row_id}")
    expect(row).to_be_visible()
    for testid, present in shown.items():
        expect(row.get_by_test_id(testid)).to_have_count(1 if present else 0)


def expect_certificate_controls(pg: Any, url: str, org: str) -> None:
    pg.get_by_test_id("nav-certificates").click()
    table = pg.get_by_test_id("table-certificates")
    certs = listed(url, org, "/v1/certificates", role="any")
    assert any(c["holder"] == org and c["status"] == "confirmed" for c in certs)
    for c in certs:
        holds = c["holder"] == org and c["status"] == "confirmed"
        expect_controls(table, c["id"], {**{t: holds for t in HOLDER_CONTROLS},
                                         "btn-guarantee": holds and not c["guarantor"]})


def test_a_supplier_gets_the_holders_controls_on_the_confirmed_certificates_it_holds(
        page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, "sme-t1")
    expect_certificate_controls(page, demo["url"], "sme-t1")


def test_a_guaranteed_certificate_offers_no_second_guarantee(page: Any,
                                                             demo: dict[str, Any]) -> None:
    sign_in(page, "sme-t3")
    guaranteed = f"{demo['certificate']}.1.1.2"
    expect_certificate_controls(page, demo["url"], "sme-t3")
    row = page.get_by_test_id("table-certificates").get_by_test_id(f"row-{guaranteed}")
    expect(row.get_by_test_id("btn-split")).to_be_visible()
    expect(row.get_by_test_id("btn-guarantee")).to_have_count(0)


def test_a_viewer_sees_the_controls_of_its_organisation(page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, "sme-t1", "viewer")
    expect_certificate_controls(page, demo["url"], "sme-t1")


def test_the_debtor_confirms_requests_and_settles_confirmed_certificates(
        page: Any, demo: dict[str, Any]) -> None:
    url = demo["url"]
    sign_in(page, "core-a")
    requested = page.get_by_test_id("table-requested")
    for c in listed(url, "core-a", "/v1/certificates", role="debtor", status="requested"):
        expect_controls(requested, c["id"], {"btn-confirm": True, "btn-dispute": True})

    page.get_by_test_id("nav-outstanding").click()
    outstanding = page.get_by_test_id("table-outstanding")
    for c in listed(url, "core-a", "/v1/certificates", role="debtor", status="confirmed"):
        expect_controls(outstanding, c["id"], {"btn-settle": True})
    page.get_by_test_id("filter-outstanding-status").select_option("settled")
    for c in listed(url, "core-a", "/v1/certificates", role="debtor", status="settled"):
        expect_controls(outstanding, c["id"], {"btn-settle": False})


def test_a_bank_marks_overdue_what_it_holds_confirmed(page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, "bank-a")
    page.get_by_test_id("nav-overdue").click()
    past_due = page.get_by_test_id("table-pastdue")
    for c in listed(demo["url"], "bank-a", "/v1/certificates", role="holder",
                    status="confirmed"):
        expect_controls(past_due, c["id"], {"btn-mark-overdue": True, "btn-split": False})


def test_the_tax_authority_voids_only_valid_invoices(page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, "tax-sh")
    table = page.get_by_test_id("table-invoices")
    invoices = listed(demo["url"], "tax-sh", "/v1/invoices")
    assert {i["status"] for i in invoices} == {"valid", "voided"}
    for inv in invoices:
        expect_controls(table, inv["id"], {"btn-void": inv["status"] == "valid"})
