"""The cash module's pure queries: balances."""

from __future__ import annotations

from smechain.modules.cash.contract import BALANCE_PREFIX, balance_key
from smechain.modules.cash.queries import balances_of

from ..state_dict import DictState


def test_balances_of_one_org_per_currency() -> None:
    st = DictState({balance_key("CNY", "sme-1"): 500, balance_key("USD", "sme-1"): 7,
                    balance_key("CNY", "sme-10"): 9, balance_key("CNY", "bank-a"): 1})
    assert balances_of(st.under(BALANCE_PREFIX), "sme-1") == {"CNY": 500, "USD": 7}
    assert balances_of(st.under(BALANCE_PREFIX), "nobody") == {}
