"""Credit from government data: scorecard models, their PSI, attested computations."""

from __future__ import annotations

from smechain.core.module import Module
from smechain.modules.credit.contract import CONTRACT

MODULE = Module(
    "credit",
    "Credit scoring: scorecard models, their stability, attested computations under consent",
    CONTRACT,
    __name__,
    parts=("routes", "cli", "sdk", "demo", "portal"),
)
