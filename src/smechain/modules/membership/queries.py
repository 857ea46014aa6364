"""Reads over the consortium's members: organisations and who holds a key.

Pure: each function takes a state reader (``StateReader``: ``get(key)``) or
records already read, and plain values.
"""

from __future__ import annotations

from collections.abc import Iterable

from smechain.core.encoding import decode
from smechain.core.state import StateReader
from smechain.modules.membership.contract import ORG_PREFIX, KeyRecord, Org, key_key


def members(records: Iterable[bytes]) -> list[Org]:
    """The organisations stored in ``records`` (values under ``ORG_PREFIX``), in order."""
    return [decode(raw, Org) for raw in records]


def member_ids(keys: Iterable[str]) -> set[str]:
    """The organisation ids of state keys under ``ORG_PREFIX``."""
    return {k[len(ORG_PREFIX):] for k in keys}


def org_of_key(state: StateReader, public_key: bytes) -> str:
    """The organisation ``public_key`` is enrolled for (``""`` when none; a revoked
    key still names its organisation, as its past transactions do)."""
    raw = state.get(key_key(public_key))
    return "" if raw is None else decode(raw, KeyRecord).org
