"""Consent: an SME grants a bank access to categories of its government data, revocably."""

from __future__ import annotations

from smechain.core.module import Module
from smechain.modules.consent.contract import CONTRACT

MODULE = Module(
    "consent",
    "Consent: an SME grants a bank named categories of its government data for a purpose",
    CONTRACT,
    __name__,
    parts=("routes", "cli", "sdk", "demo", "portal"),
)
