"""The invoices' part of the demo: 120 days ago the tax authority registers the firms'
tax ids and anchors eight invoices from tier 1 to the core enterprise (``ids["invoices"]``);
today it voids one and anchors a credit note against another, already financed."""

from __future__ import annotations

import hashlib

from smechain.api.demo import HISTORY_DAYS, TAX_IDS, DemoBuilder, Seed, day
from smechain.modules.invoice.contract import invoice_id

CODE = "031002600111"
"""The invoices' code (the e-fapiao's batch code)."""

TOTALS = (300_000_000, 120_000_000, 85_000_000, 64_000_000, 40_000_000, 22_600_000,
          150_000_000, 90_000_000)
"""Each invoice's total, tax included (fen)."""


def seed(demo: DemoBuilder) -> Seed:
    """Anchor the invoices, then void one and credit another (see ``smechain.api.demo.Seed``)."""
    yield HISTORY_DAYS
    for org, tax_id in TAX_IDS.items():
        demo.do("tax-sh", "invoice", "register_party", {"identifier": tax_id, "org": org})
    invoices = []
    for n, total in enumerate(TOTALS, start=1):
        net = total * 100 // 113
        number = f"2026{n:04d}"
        digest = hashlib.sha256(f"demo e-invoice {number}".encode()).digest()
        demo.do("tax-sh", "invoice", "anchor", {
            "code": CODE, "number": number, "seller": TAX_IDS["sme-t1"],
            "buyer": TAX_IDS["core-a"], "currency": "CNY", "net_amount": net,
            "tax_amount": total - net, "total_amount": total,
            "issue_date": day(-HISTORY_DAYS - 10 + n), "digest": digest.hex()})
        invoices.append(invoice_id(TAX_IDS["sme-t1"], CODE, number))
    demo.ids["invoices"] = invoices

    yield 0
    demo.do("tax-sh", "invoice", "void", {"invoice": invoices[5], "reason": "red-letter reissue"})
    # Goods returned against invoice 2, already financed in full: the credit note lowers
    # its amount due and the ledger records the shortfall as dilution for the holders.
    demo.do("tax-sh", "invoice", "anchor", {
        "code": CODE, "number": "20269001", "type_code": "381",
        "preceding": "20260002", "seller": TAX_IDS["sme-t1"], "buyer": TAX_IDS["core-a"],
        "currency": "CNY", "net_amount": 5_309_735, "tax_amount": 690_265,
        "total_amount": 6_000_000, "issue_date": day(-1),
        "digest": hashlib.sha256(b"demo credit note 20269001").hexdigest()})
