"""Customs declarations: export and import declarations registered by customs, with their
amendments and cancellations, for trade finance to lend against.

On the ledger (``contract``, ``queries``): each declaration's MRN, parties, goods items,
value and status. Off the ledger, at the customs office: the importer of WCO DEC-DMS
declaration files, validated against the WCO XSDs (``wco``).
"""

from __future__ import annotations

from smechain.core.module import Module
from smechain.modules.customs.contract import CONTRACT

MODULE = Module(
    "customs",
    "Customs declarations: register, amend, cancel; the declared export value",
    CONTRACT,
    __name__,
    parts=("routes", "cli", "sdk", "demo", "portal"),
    offledger=("wco",),
)
