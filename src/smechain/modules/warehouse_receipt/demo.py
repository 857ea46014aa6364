"""The warehouse receipts' part of the demo:

- 20 days ago the Shanghai bonded warehouse issues tier 4 a receipt for copper cathodes
  it stores, and tier 4 pledges it to Bank B, which co-signs (``ids["pledged_receipt"]``);
- 10 days ago it issues tier 4 a second receipt, for steel wire rod, held free
  (``ids["free_receipt"]``).
"""

from __future__ import annotations

from smechain.api.demo import DemoBuilder, Seed

WAREHOUSE = "warehouse-sh"
LOCATION = "Waigaoqiao Free Trade Zone, warehouse 3"


def _issue(demo: DemoBuilder, goods: str, code: str, quantity: int, unit: str, value: int,
           bay: str) -> str:
    result = demo.do(WAREHOUSE, "warehouse_receipt", "issue", {
        "depositor": "sme-t4", "goods": goods, "commodity_code": code, "quantity": quantity,
        "unit": unit, "value": value, "currency": "CNY", "location": f"{LOCATION}, {bay}"})
    return str(result["events"][-1]["attrs"]["id"])


def seed(demo: DemoBuilder) -> Seed:
    """Issue two receipts and pledge one (see ``smechain.api.demo.Seed``)."""
    yield 20
    pledged = _issue(demo, "Electrolytic copper cathodes, grade A (GB/T 467-2010)",
                     "7403110000", 25_000, "KGM", 182_500_000, "bay 12")
    proposal = demo.propose("sme-t4", "warehouse_receipt", "pledge",
                            {"id": pledged, "bank": "bank-b", "reference": "BB-WC-2026-017"},
                            ["bank-b"])
    demo.approve("bank-b", proposal)
    demo.ids["pledged_receipt"] = pledged
    yield 10
    demo.ids["free_receipt"] = _issue(demo, "Hot-rolled steel wire rod, 6.5 mm", "7213910000",
                                      60, "TNE", 24_600_000, "bay 4")
