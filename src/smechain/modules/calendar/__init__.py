"""The China banking-day calendar: each year's holidays and weekend working days on the
ledger, and the banking-day counting trade-finance deadlines use."""

from __future__ import annotations

from smechain.core.module import Module
from smechain.modules.calendar.contract import CONTRACT

MODULE = Module(
    "calendar",
    "China banking-day calendar: each year's holidays and weekend working days",
    CONTRACT,
    __name__,
    parts=("routes", "cli", "sdk", "demo", "portal"),
)
