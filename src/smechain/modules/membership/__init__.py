"""Members of the consortium: organisations, their keys and roles, governance."""

from __future__ import annotations

from smechain.core.module import Module
from smechain.modules.membership.contract import CONTRACT

MODULE = Module(
    "membership",
    "Members of the consortium: organisations, their keys and roles, governance",
    CONTRACT,
    __name__,
    parts=("routes", "cli", "sdk", "demo", "portal"),
)
