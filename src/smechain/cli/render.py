"""Ledger values as JSON for people and scripts: records become maps, bytes hex."""

from __future__ import annotations

import json
from typing import Any

import msgspec

from smechain.core.encoding import plain


def dumps(value: Any) -> str:
    """Pretty JSON of a ledger value."""
    return json.dumps(plain(value), indent=2, sort_keys=True)


def as_args(value: Any) -> Any:
    """``value`` as ``--args`` takes it, for output meant to be passed back as is: like
    ``plain``, but bytes as ``"0x…"`` (``--args`` reads a string without ``0x`` as text)."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, msgspec.Struct):
        return {f: as_args(getattr(value, f)) for f in value.__struct_fields__}
    if isinstance(value, dict):
        return {str(k): as_args(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_args(v) for v in value]
    return value
