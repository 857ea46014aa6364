"""The bills of lading's part of the demo: 20 days ago COSCO Shipping Lines issues an
electronic bill of lading for tier 4's export of fasteners from Shanghai to Rotterdam, made
out to the order of the shipper (``ids["bill_of_lading"]``); 18 days ago tier 4 endorses it
to the order of Bank A, which finances the shipment against it."""

from __future__ import annotations

import hashlib

from smechain.api.demo import DemoBuilder, Seed, day

REFERENCE = "COSU6112345670"


def seed(demo: DemoBuilder) -> Seed:
    """Issue one to-order bill and endorse it (see ``smechain.api.demo.Seed``)."""
    yield 20
    result = demo.do("carrier-cosco", "bill_of_lading", "issue", {
        "document": {
            "reference": REFERENCE, "to_order": True, "carrier_code": "COSU",
            "digest": hashlib.sha256(f"demo transport document {REFERENCE}".encode()).hexdigest(),
            "shipped_on_board_date": day(-21), "issue_date": day(-20),
            "place_of_receipt": "CNSHA", "port_of_loading": "CNSHA",
            "port_of_discharge": "NLRTM", "place_of_delivery": "NLRTM",
            "goods": "Steel bolts and nuts, zinc plated (HS 731816)",
            "gross_weight_g": 18_400_000, "declared_value": 86_000_00,
            "declared_value_currency": "USD"},
        "shipper": "sme-t4", "endorsee": "sme-t4"})
    bill = str(result["events"][-1]["attrs"]["id"])
    demo.ids["bill_of_lading"] = bill
    yield 18
    demo.do("sme-t4", "bill_of_lading", "transfer",
            {"id": bill, "to": "bank-a", "endorsement": "to_order"})
