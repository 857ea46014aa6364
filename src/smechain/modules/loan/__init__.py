"""Loans: apply under consent, decide, disburse, repay; IP pledges and export records."""

from __future__ import annotations

from smechain.core.module import Module
from smechain.modules.loan.contract import CONTRACT

MODULE = Module(
    "loan",
    "Loans: apply under consent, decide with reasons, disburse, repay; IP pledges and "
    "export records",
    CONTRACT,
    __name__,
    parts=("routes", "cli", "sdk", "demo", "portal"),
)
