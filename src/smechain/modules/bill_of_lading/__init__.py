"""Electronic bills of lading (DCSA eBL 3.0): issue, endorse and transfer, surrender."""

from __future__ import annotations

from smechain.core.module import Module
from smechain.modules.bill_of_lading.contract import CONTRACT

MODULE = Module(
    "bill_of_lading",
    "Electronic bills of lading (DCSA eBL 3.0): issue, endorse, transfer, surrender",
    CONTRACT,
    __name__,
    parts=("routes", "cli", "sdk", "demo", "portal"),
    offledger=("dcsa",),
)
