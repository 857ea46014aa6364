"""Debt certificates: issue, split, transfer, sell at a discount, settle."""

from __future__ import annotations

from smechain.core.module import Module
from smechain.modules.receivable.contract import CONTRACT

MODULE = Module(
    "receivable",
    "Debt certificates: issue, split, transfer, sell at a discount, settle",
    CONTRACT,
    __name__,
    parts=("routes", "cli", "sdk", "demo", "portal"),
)
