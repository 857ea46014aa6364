"""Ledger values as JSON for people and scripts: records become maps, bytes hex."""

from __future__ import annotations

import json
from typing import Any

import msgspec


def plain(value: Any) -> Any:
    """``value`` with records turned into maps (by field name) and bytes into hex."""
    if isinstance(value, msgspec.Struct):
        return {f: plain(getattr(value, f)) for f in value.__struct_fields__}
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def dumps(value: Any) -> str:
    """Pretty JSON of a ledger value."""
    return json.dumps(plain(value), indent=2, sort_keys=True)
