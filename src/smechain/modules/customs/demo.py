"""The customs part of the demo: 45 days ago Shanghai Customs imports a real WCO export
declaration (``samples/TT_EX005a.xml``, shipped with the package: an HMRC CDS sample,
invoiced at GBP 9,500.00) for tier 4, the demo's exporter, under the MRN it assigned
(``ids["declarations"]``). The exporter sees it; export finance can lend against it."""

from __future__ import annotations

from pathlib import Path

from smechain.api.demo import DemoBuilder, Seed
from smechain.modules.customs.wco import import_declaration

SAMPLE = Path(__file__).resolve().parent / "samples" / "TT_EX005a.xml"
MRN = "26GBSHDEMO000005A7"
"""The number the demo's customs office assigned on acceptance (ISO 6346 check digit)."""


def seed(demo: DemoBuilder) -> Seed:
    """Register the packaged sample declaration for ``sme-t4`` (see
    ``smechain.api.demo.Seed``)."""
    yield 45
    record = import_declaration(SAMPLE, demo.node.suite.hash)
    args = record.ledger_args(MRN, exporter_org="sme-t4")
    demo.do("customs-sh", "customs", record.action, {**args, "digest": args["digest"].hex()})
    demo.ids["declarations"] = [MRN]
