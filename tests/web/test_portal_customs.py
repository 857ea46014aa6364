"""Customs declarations in the portal: customs uploads a real WCO declaration for the demo
exporter, sees a bad file refused naming the element, cancels a declaration from its
cancellation file; the exporter sees its declarations and opens one."""

from __future__ import annotations

from typing import Any

import pytest
import test_portal
from test_portal import expect, expect_tx_toast, sign_in

from shared_data import DATA
from smechain.modules.customs.demo import MRN as DEMO_MRN

# test_portal's fixtures, used here by name.
demo = test_portal.demo
browser = test_portal.browser
page = test_portal.page
csp_violations = test_portal.csp_violations

DECLARATIONS = DATA / "trade" / "wco-customs" / "declarations"


def upload(form: Any, name: str, data: bytes) -> None:
    form.get_by_test_id("input-file").set_input_files(
        files=[{"name": name, "mimeType": "application/xml", "buffer": data}])


def test_customs_imports_and_cancels_a_declaration_and_the_exporter_sees_it(
        page: Any, demo: dict[str, Any]) -> None:
    if not DECLARATIONS.is_dir():
        pytest.skip(f"{DECLARATIONS} is absent: no WCO declaration to upload")
    sign_in(page, "customs-sh")
    page.get_by_test_id("nav-customs-declarations").click()
    table = page.get_by_test_id("table-customs-declarations")
    expect(table.get_by_test_id(f"row-{DEMO_MRN}")).to_contain_text("9,500.00 GBP")
    form = page.get_by_test_id("form-declaration-import")
    expect(form.get_by_test_id("submit-declaration-import")).to_have_attribute(
        "data-action", "customs.register")
    yen = (DECLARATIONS / "TT_EX023a__Step1_TT_EX023a.xml").read_bytes()
    # a yen amount with a decimal is refused, naming the element
    upload(form, "bad.xml", yen.replace(b'currencyID="JPY">15000<',
                                        b'currencyID="JPY">15000.5<', 1))
    form.get_by_test_id("input-mrn").fill("23GBDFSUDLJ2X59AR7")
    form.get_by_test_id("input-exporter_org").select_option("sme-t4")
    form.get_by_test_id("submit-declaration-import").click()
    expect(form.locator("[data-testid=error-file], [data-testid=error-form]").filter(
        has_text="InvoiceAmount: 15000.5 JPY has more decimals")).to_be_visible()
    imported(page, form, "TT_EX023a.xml", yen, "23GBDFSUDLJ2X59AR7")
    expect(table.get_by_test_id("row-23GBDFSUDLJ2X59AR7")).to_contain_text("15,000 JPY")
    original = (DECLARATIONS / "TT_EX010a__TT_EX010a.xml").read_bytes()
    imported(page, form, "TT_EX010a.xml", original, "24GBDIRIGZ7QLCPAA8")
    row = table.get_by_test_id("row-24GBDIRIGZ7QLCPAA8")
    expect(row).to_contain_text("Registered")
    # its cancellation file, offered on the row; first in the wrong dialog
    cancellation = (DECLARATIONS / "TT_EX010a__TT_EX010a_Cancellation.xml").read_bytes()
    row.get_by_test_id("btn-amend").click()
    dialog = page.get_by_test_id("form-declaration-amend")
    upload(dialog, "cancel.xml", cancellation)
    dialog.get_by_test_id("submit-declaration-amend").click()
    expect(dialog.locator("[data-testid=error-file], [data-testid=error-form]").filter(
        has_text="it is a cancellation (INV), to cancel; amend expected")).to_be_visible()
    page.keyboard.press("Escape")
    row.get_by_test_id("btn-cancel").click()
    dialog = page.get_by_test_id("form-declaration-cancel")
    expect(dialog.get_by_test_id("submit-declaration-cancel")).to_have_attribute(
        "data-action", "customs.cancel")
    upload(dialog, "cancel.xml", cancellation)
    dialog.get_by_test_id("submit-declaration-cancel").click()
    expect_tx_toast(page)
    expect(row).to_contain_text("Cancelled")
    expect(row.get_by_test_id("btn-cancel")).to_have_count(0)

    sign_in_as_exporter(page, demo)


def imported(page: Any, form: Any, name: str, data: bytes, mrn: str) -> None:
    upload(form, name, data)
    form.get_by_test_id("input-mrn").fill(mrn)
    form.get_by_test_id("input-exporter_org").select_option("sme-t4")
    form.get_by_test_id("submit-declaration-import").click()
    expect_tx_toast(page)
    expect(page.get_by_test_id("declaration-id")).to_have_text(mrn)


def sign_in_as_exporter(page: Any, demo: dict[str, Any]) -> None:
    page.get_by_test_id("logout").click()
    sign_in(page, "sme-t4")
    page.get_by_test_id("nav-my-declarations").click()
    table = page.get_by_test_id("table-my-declarations")
    expect(table.get_by_test_id("row-23GBDFSUDLJ2X59AR7")).to_contain_text("15,000 JPY")
    expect(table.get_by_test_id("row-24GBDIRIGZ7QLCPAA8")).to_contain_text("Cancelled")
    expect(table.get_by_test_id(f"row-{DEMO_MRN}")).to_contain_text("Export")
    expect(table.get_by_test_id("btn-cancel")).to_have_count(0)
    table.get_by_test_id(f"row-{DEMO_MRN}").get_by_test_id("declaration-link").click()
    detail = page.get_by_test_id("declaration-detail")
    expect(detail).to_contain_text("EORI:GB150454489082")
    expect(detail.get_by_test_id("table-declaration-goods")).to_contain_text("73181631")
