"""Reads over digital cash: an organisation's balances.

Pure: takes state records already read and plain values.
"""

from __future__ import annotations

from collections.abc import Iterable

from smechain.core.encoding import decode
from smechain.modules.cash.contract import BALANCE_PREFIX


def balances_of(records: Iterable[tuple[str, bytes]], org: str) -> dict[str, int]:
    """``{currency: balance}`` (minor units) of ``org`` from ``(key, value)`` records
    under ``BALANCE_PREFIX``; currencies it never held are absent."""
    found = {}
    for key, raw in records:
        currency, holder = key[len(BALANCE_PREFIX):].split("/", 1)
        if holder == org:
            found[currency] = decode(raw, int)
    return found
