"""The web portal in a real browser, against the seeded demo consortium.

One module-scoped demo server (uvicorn on a free loopback port, in a thread)
and Debian's Chromium driven by Playwright. Each test signs in as one
organisation and walks its main path through the page; a screenshot of where
it ended goes to ``tests/web/artifacts/``. Every wait is bounded.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from demo_template import DemoTemplate
from shared_data import DATA

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
PASSWORD = "smechain-demo"
WAIT_MS = 10_000
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
UBL_FILES = ("einvoice/en16931/ubl/BIS3_Invoice_positive.XML", "einvoice/en16931/ubl/issue116.xml",
             "einvoice/en16931/ubl/guide-example2.xml")
TX_HASH = re.compile(r"^[0-9a-f]{64}$")

if not shutil.which(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)

expect.set_options(timeout=WAIT_MS)


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory,
         demo_template: DemoTemplate) -> Iterator[dict[str, Any]]:
    """A copy of the seeded demo consortium (``tests/demo_template.py``) served on
    127.0.0.1; its URL and the ids the seeder made."""
    from smechain.api.app import create_app
    from smechain.api.server import serve_in_thread

    network, ids = demo_template.copy(tmp_path_factory.mktemp("portal") / "demo")
    try:
        running = serve_in_thread(create_app(network.platform), "127.0.0.1")
        try:
            yield {"url": running.url, **ids}
        finally:
            running.stop()
    finally:
        network.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=15_000)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def csp_violations() -> list[str]:
    """What the Content-Security-Policy blocked on the test's page (and its reloads)."""
    return []


# Each violation the browser reports, on any document the page loads, goes to the test.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => window.reportCspViolation(
  `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} ` +
  `at ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture
def page(browser: Any, demo: dict[str, Any], csp_violations: list[str],
         request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context in English on the portal; a screenshot is saved at the end.
    The test fails on a JavaScript error or on anything the Content-Security-Policy blocked
    (reported by the page's events and by the browser's console)."""
    context = browser.new_context(locale="en-US", viewport={"width": 1360, "height": 900})
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(15_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.expose_function("reportCspViolation", lambda v: csp_violations.append(v))
    pg.add_init_script(REPORT_VIOLATIONS)
    pg.on("console", lambda msg: csp_violations.append(f"console: {msg.text}")
          if "Content Security Policy" in msg.text else None)
    response = pg.goto(demo["url"] + "/")
    assert response is not None
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, policy
    try:
        yield pg
        assert not errors, f"JavaScript errors on the page: {errors}"
        assert not csp_violations, f"blocked by the Content-Security-Policy: {csp_violations}"
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        context.close()


# ---------------------------------------------------------------- helpers


def sign_in(pg: Any, org: str, user: str = "admin") -> None:
    pg.get_by_test_id("login-org").fill(org)
    pg.get_by_test_id("login-user").fill(user)
    pg.get_by_test_id("login-pass").fill(PASSWORD)
    pg.get_by_test_id("login-submit").click()
    expect(pg.get_by_test_id("logout")).to_be_visible()


def expect_tx_toast(pg: Any) -> str:
    """The toast shows the hash of a committed transaction; answers it."""
    toast = pg.get_by_test_id("toast")
    expect(toast).to_be_visible()
    hash_el = toast.get_by_test_id("toast-tx-hash")
    expect(hash_el).to_have_text(TX_HASH)
    return str(hash_el.inner_text())


def in_days(n: int) -> str:
    return (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=n)).isoformat()


class Api:
    """The HTTP API as one organisation's admin, for setting the scene of a test."""

    def __init__(self, url: str, org: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=15)
        r = self.http.post("/v1/auth/login", json={"org": org, "username": "admin",
                                                   "password": PASSWORD})
        r.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {r.json()['token']}"

    def tx(self, contract: str, action: str, args: dict[str, Any]) -> dict[str, Any]:
        r = self.http.post(f"/v1/contracts/{contract}/{action}", json=args)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def issue(self, invoice: str, amount: int, days: int) -> str:
        """A certificate requested by the invoice's seller on core-a; answers its id."""
        result = self.tx("receivable", "issue", {
            "invoices": [{"invoice": invoice, "amount": amount}], "debtor": "core-a",
            "currency": "CNY", "maturity": in_days(days)})
        return next(str(e["attrs"]["id"]) for e in result["events"]
                    if e["name"] == "CertificateRequested")


# ---------------------------------------------------------------- one test per role


def test_sme_requests_a_certificate_on_an_invoice(page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, "sme-t1")
    page.get_by_test_id("nav-invoices").click()
    invoice = demo["invoices"][3]
    page.get_by_test_id("table-invoices").get_by_test_id(f"row-{invoice}") \
        .get_by_test_id("btn-request").click()
    form = page.get_by_test_id("form-issue")
    form.get_by_test_id("input-amount").fill("300,000.00")
    expect(form.get_by_test_id("input-debtor")).to_have_value("core-a")
    form.get_by_test_id("submit-issue").click()
    # The browser insists on a maturity before anything is sent.
    expect(form.get_by_test_id("error-maturity")).to_have_text("Required")
    form.get_by_test_id("input-maturity").fill(in_days(60))
    form.get_by_test_id("submit-issue").click()
    expect_tx_toast(page)
    expect(page.get_by_test_id("modal")).to_have_count(0)
    # 300,000.00 of the invoice is now financed.
    expect(page.get_by_test_id(f"row-{invoice}")).to_contain_text("300,000.00")
    page.get_by_test_id("nav-certificates").click()
    page.get_by_test_id("filter-certificates-status").select_option("requested")
    expect(page.get_by_test_id("table-certificates")).to_contain_text("300,000.00 CNY")


def test_sme_sees_the_amount_due_after_a_credit_note_and_the_dilution(
        page: Any, demo: dict[str, Any]) -> None:
    """Invoice 2 was financed in full, then credited 60,000.00: its row shows the lowered
    amount due and the dilution, and it offers no new financing."""
    sign_in(page, "sme-t1")
    page.get_by_test_id("nav-invoices").click()
    row = page.get_by_test_id("table-invoices").get_by_test_id(f"row-{demo['invoices'][1]}")
    expect(row).to_contain_text("1,140,000.00")
    expect(row.get_by_test_id("dilution")).to_contain_text("60,000.00")
    expect(row.get_by_test_id("btn-request")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "sme-invoices-dilution.png"), full_page=True)


def test_sme_splits_transfers_and_offers_a_certificate(page: Any, demo: dict[str, Any]) -> None:
    cert = Api(demo["url"], "sme-t1").issue(demo["invoices"][4], 40_000_000, 75)
    Api(demo["url"], "core-a").tx("receivable", "confirm", {"id": cert})
    sign_in(page, "sme-t1")
    page.get_by_test_id("nav-certificates").click()
    table = page.get_by_test_id("table-certificates")

    table.get_by_test_id(f"row-{cert}").get_by_test_id("btn-split").click()
    split = page.get_by_test_id("form-split")
    split.get_by_test_id("input-amounts-0").fill("150,000.00")
    split.get_by_test_id("input-amounts-1").fill("250,000")
    split.get_by_test_id("submit-split").click()
    expect_tx_toast(page)
    expect(table.get_by_test_id(f"row-{cert}")).to_contain_text("Split")
    expect(table.get_by_test_id(f"row-{cert}.1")).to_contain_text("150,000.00 CNY")

    table.get_by_test_id(f"row-{cert}.1").get_by_test_id("btn-transfer").click()
    transfer = page.get_by_test_id("form-transfer")
    transfer.get_by_test_id("input-to").select_option("sme-t2")
    transfer.get_by_test_id("submit-transfer").click()
    expect_tx_toast(page)
    # passed on: no longer tier 1's certificate (the lineage below still shows where it went)
    expect(table.get_by_test_id(f"row-{cert}.1")).to_have_count(0)

    table.get_by_test_id(f"row-{cert}.2").get_by_test_id("btn-sell").click()
    sell = page.get_by_test_id("form-sell")
    sell.get_by_test_id("input-buyer").select_option("bank-b")
    sell.get_by_test_id("input-discount_rate_bp").fill("5.25")
    sell.get_by_test_id("input-day_count").select_option("30/360")
    sell.get_by_test_id("input-recourse").check()
    sell.get_by_test_id("submit-sell").click()
    expect(page.get_by_test_id("toast")).to_contain_text("Offer sent")
    page.get_by_test_id("nav-offers").click()
    offers = page.get_by_test_id("table-offers")
    expect(offers).to_contain_text("bank-b")
    expect(offers).to_contain_text("5.25%")
    expect(offers).to_contain_text("30/360")

    # The lineage tree: the root and both parts.
    page.get_by_test_id("nav-certificates").click()
    page.get_by_test_id(f"cert-link-{cert}").click()
    tree = page.get_by_test_id("lineage")
    expect(tree.get_by_test_id(f"lineage-node-{cert}")).to_be_visible()
    expect(tree.get_by_test_id(f"lineage-node-{cert}.1")).to_contain_text("sme-t2")
    expect(tree.get_by_test_id(f"lineage-node-{cert}.2")).to_contain_text("250,000.00")


def test_core_enterprise_confirms_a_requested_certificate(page: Any,
                                                          demo: dict[str, Any]) -> None:
    sign_in(page, "core-a")
    expect(page.get_by_test_id("nav-confirm")).to_have_class(re.compile("active"))
    table = page.get_by_test_id("table-requested")
    row = table.get_by_test_id(f"row-{demo['requested']}")
    expect(row).to_contain_text("850,000.00 CNY")
    row.get_by_test_id("btn-confirm").click()
    expect_tx_toast(page)
    expect(table.get_by_test_id(f"row-{demo['requested']}")).to_have_count(0)

    # A new request from a supplier shows up by itself (server-sent events).
    expect(page.get_by_test_id("live-status")).to_have_class(re.compile(r"\bon\b"))
    fresh = Api(demo["url"], "sme-t1").issue(demo["invoices"][3], 10_000_000, 45)
    expect(table.get_by_test_id(f"row-{fresh}")).to_be_visible()

    page.get_by_test_id("nav-outstanding").click()
    expect(page.get_by_test_id("table-outstanding")
           .get_by_test_id(f"row-{demo['requested']}")).to_contain_text("Confirmed")
    chart = page.get_by_test_id("chart-maturities")
    expect(chart.locator("rect.bar").first).to_be_visible()
    expect(chart).to_contain_text("Amount (yuan)")


def test_bank_prices_and_buys_an_offered_certificate(page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, "bank-a")
    expect(page.get_by_test_id("nav-market")).to_have_class(re.compile("active"))
    row = page.get_by_test_id("table-offered").get_by_test_id(f"row-{demo['offer_bank_a']}")
    expect(row).to_contain_text("4.20%")

    row.get_by_test_id("btn-price").click()
    facts = page.get_by_test_id("price-result")
    expect(facts).to_contain_text("1,200,000.00")
    price_text = facts.get_by_test_id("price-value").inner_text()
    api_price = Api(demo["url"], "bank-a").http.get(
        f"/v1/certificates/{demo['second']}/price",
        params={"discount_rate_bp": 420, "day_count": "ACT/365F"}).json()
    fen = api_price["price"]
    assert price_text.replace(",", "") == f"{fen // 100}.{fen % 100:02d}"

    before = Api(demo["url"], "bank-a").http.get("/v1/balances").json()["balances"]["CNY"]
    row.get_by_test_id("btn-buy").click()
    dialog = page.get_by_test_id("modal-buy")
    expect(dialog.get_by_test_id("price-value")).to_have_text(price_text)
    dialog.get_by_test_id("confirm-buy").click()
    expect_tx_toast(page)
    expect(page.get_by_test_id("table-offered")
           .get_by_test_id(f"row-{demo['offer_bank_a']}")).to_have_count(0)
    after = Api(demo["url"], "bank-a").http.get("/v1/balances").json()["balances"]["CNY"]
    assert before - after == api_price["price"]

    page.get_by_test_id("nav-portfolio").click()
    expect(page.get_by_test_id("table-portfolio").get_by_test_id(f"row-{demo['second']}")) \
        .to_contain_text("sme-t1")
    expect(page.get_by_test_id("chart-maturities").locator("rect.bar").first).to_be_visible()


def test_tax_authority_anchors_an_uploaded_invoice(page: Any, demo: dict[str, Any]) -> None:
    if not DATA.is_dir():
        pytest.skip(f"{DATA} is absent: no sample e-invoice to upload")
    found = [DATA / name for name in UBL_FILES if (DATA / name).is_file()]
    if not found:
        pytest.skip(f"no UBL invoice among {UBL_FILES} in {DATA}")
    path = found[0]
    sign_in(page, "tax-sh")
    expect(page.get_by_test_id("nav-anchor")).to_have_class(re.compile("active"))
    form = page.get_by_test_id("form-anchor")
    form.get_by_test_id("submit-anchor").click()
    expect(form.get_by_test_id("error-file")).to_have_text("Choose a file")
    form.get_by_test_id("input-file").set_input_files(
        files=[{"name": path.name, "mimeType": "application/xml", "buffer": path.read_bytes()}])
    form.get_by_test_id("submit-anchor").click()
    expect_tx_toast(page)
    anchored = page.get_by_test_id("anchored-id")
    expect(anchored).not_to_be_empty()
    invoice_id = anchored.inner_text()
    row = page.get_by_test_id("table-invoices").get_by_test_id(f"row-{invoice_id}")
    expect(row).to_contain_text("Valid")

    # Uploading the same file again is refused, and the refusal shows at the file field.
    form.get_by_test_id("input-file").set_input_files(
        files=[{"name": path.name, "mimeType": "application/xml", "buffer": path.read_bytes()}])
    form.get_by_test_id("submit-anchor").click()
    expect(form.locator("[data-testid=error-file], [data-testid=error-form]").filter(
        has_text="already anchored")).to_be_visible()


def test_regulator_explores_the_chain_and_verifies_it(page: Any, demo: dict[str, Any]) -> None:
    sign_in(page, "regulator")
    expect(page.get_by_test_id("nav-explorer")).to_have_class(re.compile("active"))
    blocks = page.get_by_test_id("table-blocks")
    expect(blocks.locator("tbody tr").first).to_be_visible()
    # The refused double financing is in a block of its own; open that block.
    refused = Api(demo["url"], "regulator").http.get(
        f"/v1/transactions/{demo['refused_tx']}").json()
    height = refused["height"]
    while not blocks.get_by_test_id(f"block-link-{height}").count():
        next_button = page.get_by_test_id("page-next-blocks")
        assert next_button.is_enabled(), f"block {height} is not listed"
        info = page.get_by_test_id("page-info-blocks").inner_text()
        next_button.click()
        expect(page.get_by_test_id("page-info-blocks")).not_to_have_text(info)
    blocks.get_by_test_id(f"block-link-{height}").click()
    block = page.get_by_test_id("block-detail")
    expect(block).to_contain_text(f"#{height}")
    block.get_by_test_id(f"tx-link-{demo['refused_tx']}").click()
    tx = page.get_by_test_id("tx-detail")
    expect(tx.get_by_test_id("tx-hash")).to_have_text(demo["refused_tx"])
    expect(tx.get_by_test_id("tx-receipt")).to_contain_text("conflict")
    tx.get_by_test_id("btn-proof").click()
    expect(tx.get_by_test_id("proof-status")).to_have_text("Verified")
    expect(tx.get_by_test_id("proof-hex")).not_to_be_empty()

    page.get_by_test_id("verify-chain").click()
    expect(page.get_by_test_id("verify-status")).to_have_text("Intact", timeout=15_000)
    expect(page.get_by_test_id("verify-result")).to_contain_text("blocks")

    page.get_by_test_id("nav-stats").click()
    chart = page.get_by_test_id("chart-volumes")
    expect(chart.locator("circle.dot").first).to_be_attached()
    expect(chart).to_contain_text("Amount (yuan)")
    refusals = page.get_by_test_id("table-refusals")
    expect(refusals.get_by_test_id(f"row-{demo['refused_tx']}")).to_contain_text(
        demo["invoices"][0])


# ---------------------------------------------------------------- forms, languages, admin


def test_split_error_from_the_server_shows_at_the_amounts_field(page: Any,
                                                                demo: dict[str, Any]) -> None:
    part = f"{demo['certificate']}.1.1.1"  # 300,000.00 held by tier 4
    sign_in(page, "sme-t4")
    page.get_by_test_id("nav-certificates").click()
    page.get_by_test_id(f"row-{part}").get_by_test_id("btn-split").click()
    form = page.get_by_test_id("form-split")
    # In the browser first: every part needs an amount, and amounts are positive yuan.
    form.get_by_test_id("input-amounts-1").fill("")
    form.get_by_test_id("submit-split").click()
    expect(form.get_by_test_id("error-amounts")).to_have_text("Give every part an amount")
    form.get_by_test_id("input-amounts-1").fill("-5")
    form.get_by_test_id("submit-split").click()
    expect(form.get_by_test_id("error-amounts")).to_have_text("The amount must be more than zero")
    # Then the ledger: parts that do not add up to the face value (422, field "amounts").
    form.get_by_test_id("input-amounts-0").fill("100,000.00")
    form.get_by_test_id("input-amounts-1").fill("100,000.01")
    form.get_by_test_id("submit-split").click()
    error = form.get_by_test_id("error-amounts")
    expect(error).to_contain_text("is not the face value 30000000")
    expect(form.get_by_test_id("error-form")).to_be_hidden()
    expect(page.get_by_test_id("modal")).to_be_visible()


def test_language_switch_changes_the_labels_and_is_remembered(page: Any) -> None:
    switch = page.get_by_test_id("lang-switch")
    expect(page.get_by_test_id("login-submit")).to_have_text("Sign in")
    switch.click()
    expect(page.get_by_test_id("login-submit")).to_have_text("登录")
    expect(page.locator("label[for=login-org]")).to_have_text("机构代码")
    page.reload()
    expect(page.get_by_test_id("login-submit")).to_have_text("登录")
    sign_in(page, "sme-t1")
    expect(page.get_by_test_id("nav-certificates")).to_have_text("债权凭证")
    expect(page.get_by_test_id("view-title")).to_have_text("债权凭证")
    expect(page.get_by_test_id("table-certificates").locator("th").first).to_have_text("凭证编号")
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_test_id("nav-certificates")).to_have_text("Certificates")
    expect(page.get_by_test_id("table-certificates").locator("th").first).to_have_text("Certificate")
    expect(page.get_by_test_id("logout")).to_have_text("Sign out")


def test_admin_adds_a_user_and_an_api_key(page: Any) -> None:
    sign_in(page, "factor-x")
    page.get_by_test_id("nav-users").click()
    form = page.get_by_test_id("form-user")
    form.get_by_test_id("input-username").fill("analyst")
    form.get_by_test_id("input-password").fill("short")
    form.get_by_test_id("submit-user").click()
    expect(form.get_by_test_id("error-password")).to_have_text("At least 8 characters")
    form.get_by_test_id("input-password").fill("analyst-pass-1")
    form.get_by_test_id("input-role").select_option("operator")
    form.get_by_test_id("submit-user").click()
    expect(page.get_by_test_id("toast")).to_contain_text("analyst")
    expect(page.get_by_test_id("table-users").get_by_test_id("row-analyst")).to_be_visible()

    page.get_by_test_id("nav-apikeys").click()
    keys = page.get_by_test_id("form-apikey")
    keys.get_by_test_id("input-name").fill("erp-system")
    keys.get_by_test_id("submit-apikey").click()
    expect(page.get_by_test_id("apikey-secret")).not_to_be_empty()
    expect(page.get_by_test_id("table-apikeys")).to_contain_text("erp-system")


def test_wrong_password_is_refused_and_sign_out_returns_to_the_login(page: Any) -> None:
    page.get_by_test_id("login-org").fill("bank-b")
    page.get_by_test_id("login-user").fill("admin")
    page.get_by_test_id("login-pass").fill("not-the-password")
    page.get_by_test_id("login-submit").click()
    expect(page.locator("[data-testid=error-password], [data-testid=error-form]").filter(
        has_text="Organisation, username or password is incorrect")).to_be_visible()
    page.get_by_test_id("login-pass").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("nav-market")).to_be_visible()
    page.get_by_test_id("nav-overview").click()
    # the 20,000,000.00 issued to it, with the interest its real-name wallet earned
    expect(page.get_by_test_id("balances")).to_contain_text(re.compile(r"20,00\d,\d{3}\.\d\d"))
    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("login-submit")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('smechain.token')") is None


def test_amounts_convert_between_yuan_and_fen_exactly(page: Any) -> None:
    """The page's money module, run in the browser: no float ever touches an amount."""
    parsed, shown, rates = page.evaluate("""async () => {
        const m = await import("/static/money.js");
        const inputs = ["0.29", "1,234.56", "1234.5", "19.99", "¥100", "0.07", "90071992547409.91",
                        "90071992547409.92",
                        "", "0", "-1", "1.234", "1,23.00", "12a"];
        return [
            inputs.map((s) => { const r = m.parseAmount(s); return r.error ?? r.value; }),
            [123456, 5, -150, 0, 100000000000].map(m.formatAmount),
            ["4.35", "0.5", "100", "4.355", "101"].map((s) => {
                const r = m.parseRateBp(s);
                return r.error ?? r.value;
            }),
        ];
    }""")
    assert parsed == [29, 123456, 123450, 1999, 10000, 7, 2**53 - 1, "err.too_large",
                      "err.required", "err.positive", "err.positive", "err.amount_format",
                      "err.amount_format", "err.amount_format"]
    assert shown == ["1,234.56", "0.05", "-1.50", "0.00", "1,000,000,000.00"]
    assert rates == [435, 50, 10000, "err.rate_format", "err.rate_range"]


def test_portal_is_served_outside_the_openapi_document(demo: dict[str, Any]) -> None:
    with httpx.Client(base_url=demo["url"], timeout=15) as http:
        page_ = http.get("/")
        assert page_.status_code == 200
        assert 'src="/static/app.js"' in page_.text
        for script in ("/static/views/overview.js", "/portal/modules/receivable/views.js"):
            module = http.get(script)
            assert module.status_code == 200, script
            assert "javascript" in module.headers["content-type"]
        assert http.get("/portal/manifest.json").status_code == 200
        paths = http.get("/openapi.json").json()["paths"]
        assert "/" not in paths
        assert not any(p.startswith(("/static", "/portal")) for p in paths)


def test_a_module_view_loads_from_its_folder_with_its_controls(page: Any) -> None:
    """The tax authority's view is the invoice module's: its script comes from the module's
    folder, and each action the manifest declares for it has a control on the page."""
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    manifest = httpx.get(page.url.split("#")[0] + "portal/manifest.json", timeout=15).json()
    anchor = next(v for v in manifest["views"] if v["id"] == "anchor")
    assert anchor["script"] == "/portal/modules/invoice/views.js"
    sign_in(page, "tax-sh")
    expect(page.get_by_test_id("nav-anchor")).to_have_class(re.compile("active"))
    expect(page.get_by_test_id("view-title")).to_have_text("Anchor invoices")
    assert any(url.endswith("/portal/modules/invoice/views.js") for url in scripts), scripts
    assert set(anchor["actions"]) == {"invoice.anchor", "invoice.void", "invoice.register_party"}
    for action in anchor["actions"]:
        expect(page.locator(f"main [data-action='{action}']").first).to_be_visible()
    expect(page.get_by_test_id("submit-anchor")).to_have_attribute("data-action", "invoice.anchor")


def test_a_link_a_module_declares_opens_its_detail(page: Any, demo: dict[str, Any]) -> None:
    """``#/cert/<id>`` is the receivable module's link (its manifest's ``links``)."""
    sign_in(page, "sme-t1")
    page.goto(f"{demo['url']}/#/cert/{demo['certificate']}")
    expect(page.get_by_test_id("cert-detail-id")).to_have_text(demo["certificate"])
    expect(page.get_by_test_id("view-title")).to_have_text("Certificates")


def test_every_item_of_the_manifest_is_a_function_its_script_exports(page: Any) -> None:
    count, missing = page.evaluate("""async () => {
        const manifest = await (await fetch("/portal/manifest.json")).json();
        const items = [...manifest.views, ...manifest.panels, ...manifest.links,
                       ...manifest.listeners];
        const missing = [];
        for (const item of items) {
            const module = await import(item.script);
            if (typeof module[item.export] !== "function") {
                missing.push(`${item.script} ${item.export}`);
            }
        }
        return [items.length, missing];
    }""")
    assert count >= 19
    assert missing == []


# ---------------------------------------------------------------- security headers


def test_the_policy_blocks_and_reports_injected_inline_code(
        page: Any, csp_violations: list[str]) -> None:
    """The portal runs under its policy, and that policy stops what an injection would add:
    an inline script and a style attribute (the collector above sees both)."""
    sign_in(page, "sme-t1")
    blocked = page.evaluate("""() => new Promise((resolve) => {
      const seen = [];
      document.addEventListener("securitypolicyviolation", (e) => {
        seen.push(e.effectiveDirective);
        if (seen.length === 2) resolve(seen.sort());
      });
      const script = document.createElement("script");
      script.textContent = "window.injected = true";
      document.body.append(script);
      document.body.setAttribute("style", "background: red");
    })""")
    assert blocked == ["script-src-elem", "style-src-attr"]
    assert page.evaluate("window.injected") is None
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
    for _ in range(100):  # the reports reach the test asynchronously (bounded wait)
        if len(csp_violations) >= 4:
            break
        page.wait_for_timeout(50)
    assert any(v.startswith("script-src-elem blocked inline") for v in csp_violations)
    assert any(v.startswith("style-src-attr blocked inline") for v in csp_violations)
    assert len([v for v in csp_violations if v.startswith("console: ")]) == 2, csp_violations
    csp_violations.clear()
    expect(page.get_by_test_id("logout")).to_be_visible()  # the portal itself still works


SWAGGER_STUB = ("window.SwaggerUIBundle = (config) => { window.swaggerConfig = config; };"
                "SwaggerUIBundle.presets = {apis: {}};"
                "SwaggerUIBundle.SwaggerUIStandalonePreset = {};")


def test_the_api_docs_page_runs_under_its_own_policy(
        browser: Any, demo: dict[str, Any]) -> None:
    """/docs loads Swagger UI from its CDN folder and starts it with an inline script its
    policy allows by hash. The CDN is out of reach here, so its two files are answered by
    the browser with a stand-in that records the start-up call; the policy is the server's."""
    context = browser.new_context()
    try:
        pg = context.new_page()
        violations: list[str] = []
        pg.expose_function("reportCspViolation", lambda v: violations.append(v))
        pg.add_init_script(REPORT_VIOLATIONS)
        cdn: list[str] = []

        def answer(route: Any) -> None:
            cdn.append(route.request.url)
            js = route.request.url.endswith(".js")
            route.fulfill(status=200, body=SWAGGER_STUB if js else "",
                          content_type="text/javascript" if js else "text/css")

        pg.route("https://cdn.jsdelivr.net/**", answer)
        pg.route(re.compile(r"^https://(?!cdn\.jsdelivr\.net/).*"), lambda r: r.abort())
        response = pg.goto(demo["url"] + "/docs")
        assert response is not None
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        pg.wait_for_function("window.swaggerConfig !== undefined", timeout=WAIT_MS)
        assert pg.evaluate("window.swaggerConfig.url") == "/openapi.json"
        assert sorted(u.rsplit("/", 1)[1] for u in cdn) == ["swagger-ui-bundle.js",
                                                            "swagger-ui.css"]
        # An injected script has no hash: blocked, like on the portal.
        assert pg.evaluate("""() => new Promise((resolve) => {
          document.addEventListener("securitypolicyviolation",
                                    (e) => resolve(e.effectiveDirective));
          const script = document.createElement("script");
          script.textContent = "window.injected = true";
          document.body.append(script);
        })""") == "script-src-elem"
        assert pg.evaluate("window.injected") is None
        # Only the favicon from another site may have been refused (it is not allowed).
        assert all("img-src" in v for v in violations if "script-src" not in v), violations
    finally:
        context.close()
