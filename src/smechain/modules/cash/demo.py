"""Cash's part of the demo: 120 days ago the issuer mints digital yuan for the core
enterprise, the banks, the factor and tier 3."""

from __future__ import annotations

from smechain.api.demo import HISTORY_DAYS, DemoBuilder, Seed

MINTED = (("core-a", 5_000_000_000), ("bank-a", 2_000_000_000), ("bank-b", 2_000_000_000),
          ("factor-x", 1_000_000_000), ("sme-t3", 10_000_000))
"""Who gets how much (fen) of the cash the issuer mints."""


def seed(demo: DemoBuilder) -> Seed:
    """Mint each organisation's cash (see ``smechain.api.demo.Seed``)."""
    yield HISTORY_DAYS
    for org, amount in MINTED:
        demo.do("pboc", "cash", "issue", {"currency": "CNY", "to": org, "amount": amount})
