"""Warehouse receipts: issued by a warehouse, pledged to one bank at a time, moved only
with the pledgee's consent, released on repayment, delivered against surrender."""

from __future__ import annotations

from smechain.core.module import Module
from smechain.modules.warehouse_receipt.contract import CONTRACT

MODULE = Module(
    "warehouse_receipt",
    "Warehouse receipts: issue, transfer, pledge to one bank, release, enforce, deliver",
    CONTRACT,
    __name__,
    parts=("routes", "cli", "sdk", "demo", "portal"),
)
