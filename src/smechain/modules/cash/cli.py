"""``smechain cash``: issue, transfer and redeem digital cash; interest on wallets."""

from __future__ import annotations

from smechain.cli.common import contract_app
from smechain.modules.cash.contract import CONTRACT

EXAMPLES = {
    "issue": '{"currency": "CNY", "to": "core-a", "amount": 500000}',
    "transfer": '{"currency": "CNY", "to": "sme-1", "amount": 10000, "memo": "invoice A1"}',
    "redeem": '{"currency": "CNY", "amount": 10000}',
    "appoint_operator": '{"currency": "CNY", "org": "bank-op"}',
    "set_wallet_class": '{"currency": "CNY", "org": "sme-1", "wallet_class": "anonymous"} '
                        "(real_name or anonymous)",
    "set_rate": '{"currency": "CNY", "rate_bp": 5, "effective": "2026-07-01", '
                '"wallet_class": "real_name"} (5 bp = 0.05% a year; effective today or later)',
    "set_settlement_dates": '{"currency": "CNY", "months": [3, 6, 9, 12], "day": 20, '
                            '"effective": "2026-07-01"}',
    "settle_interest": '{"currency": "CNY", "date": "2026-06-20", "wallets": ["sme-1"]}',
}
"""Each action's ``--args``, as its command's help shows it."""

app = contract_app(CONTRACT, "Digital cash: issue, transfer, redeem; "
                   "interest: rates, settlement dates, wallet classes, operators.", EXAMPLES)
