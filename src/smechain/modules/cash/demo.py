"""Cash's part of the demo: 120 days ago the issuer mints digital yuan for the core
enterprise, the banks, the factor and tier 3; 110 days ago it sets 0.05% a year for real-name
CNY wallets and quarterly settlement on the 20th of March, June, September and December; the
day after the last settlement date it settles every wallet (the balances earn). Yesterday the
core enterprise pays tier 1 by ``cash.transfer`` (``ids["cash_transfer"]``, its transaction
hash: the transfer the ISO 20022 routes turn into a pacs.008 and a pain.001)."""

from __future__ import annotations

from smechain.api.demo import HISTORY_DAYS, ORGS, DemoBuilder, Seed
from smechain.core.daycount import block_day, civil, date_of

MINTED = (("core-a", 5_000_000_000), ("bank-a", 2_000_000_000), ("bank-b", 2_000_000_000),
          ("factor-x", 1_000_000_000), ("sme-t3", 10_000_000))
"""Who gets how much (fen) of the cash the issuer mints."""

RATE_BP = 5
"""0.05% a year, the demand-deposit rate real-name e-CNY wallets earn."""
TERMS_DAYS_AGO = 110
MONTHS, DAY = [3, 6, 9, 12], 20
TRANSFER = {"currency": "CNY", "to": "sme-t1", "amount": 12_345_678,
            "memo": "PO 2026-118 gearboxes, advance 30%"}
"""What core-a pays sme-t1 yesterday: 123,456.78 yuan, with a memo (the remittance)."""


def seed(demo: DemoBuilder) -> Seed:
    """Mint each organisation's cash, set the interest terms, settle the last date (see
    ``smechain.api.demo.Seed``)."""
    yield HISTORY_DAYS
    for org, amount in MINTED:
        demo.do("pboc", "cash", "issue", {"currency": "CNY", "to": org, "amount": amount})
    yield TERMS_DAYS_AGO
    start = block_day(demo.platform.now_ms())
    demo.do("pboc", "cash", "set_rate", {"currency": "CNY", "rate_bp": RATE_BP,
                                         "effective": date_of(start)})
    demo.do("pboc", "cash", "set_settlement_dates", {"currency": "CNY", "months": MONTHS,
                                                     "day": DAY, "effective": date_of(start)})
    days_ago = TERMS_DAYS_AGO
    today = start + TERMS_DAYS_AGO
    dates = [d for d in range(start, today - 1) if civil(d)[1] in MONTHS and civil(d)[2] == DAY]
    if demo.history and dates:
        days_ago = today - (dates[-1] + 1)
        yield days_ago
        demo.do("pboc", "cash", "settle_interest", {
            "currency": "CNY", "date": date_of(dates[-1]), "wallets": [o for o, _, _ in ORGS]})
        demo.ids["interest_settled"] = date_of(dates[-1])
    yield min(days_ago, 1)
    demo.ids["cash_transfer"] = demo.do("core-a", "cash", "transfer", TRANSFER)["tx_hash"]
