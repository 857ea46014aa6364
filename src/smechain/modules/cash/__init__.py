"""Digital cash: issue, transfer and redeem a token per currency."""

from __future__ import annotations

from smechain.core.module import Module
from smechain.modules.cash.contract import CONTRACT

MODULE = Module(
    "cash",
    "Digital cash: issue, transfer and redeem a token per currency",
    CONTRACT,
    __name__,
    parts=("routes", "cli", "sdk", "demo", "portal"),
    offledger=("iso20022",),
)
