"""E-invoice anchors: one invoice, one financing limit."""

from __future__ import annotations

from smechain.core.module import Module
from smechain.modules.invoice.contract import CONTRACT

MODULE = Module(
    "invoice",
    "E-invoice anchors: one invoice, one financing limit",
    CONTRACT,
    __name__,
    parts=("routes", "cli", "sdk", "demo", "portal"),
)
