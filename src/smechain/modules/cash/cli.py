"""``smechain cash``: issue, transfer and redeem digital cash."""

from __future__ import annotations

from smechain.cli.common import contract_app
from smechain.modules.cash.contract import CONTRACT

EXAMPLES = {
    "issue": '{"currency": "CNY", "to": "core-a", "amount": 500000}',
    "transfer": '{"currency": "CNY", "to": "sme-1", "amount": 10000, "memo": "invoice A1"}',
    "redeem": '{"currency": "CNY", "amount": 10000}',
}
"""Each action's ``--args``, as its command's help shows it."""

app = contract_app(CONTRACT, "Digital cash: issue, transfer, redeem.", EXAMPLES)
