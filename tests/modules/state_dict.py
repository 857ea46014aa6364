"""A committed state as a plain map, for tests of the modules' pure queries."""

from __future__ import annotations

from typing import Any

from smechain.core.encoding import encode


class DictState:
    """``StateReader`` over ``{key: value}``; values are encoded on the way in."""

    def __init__(self, values: dict[str, Any] | None = None) -> None:
        self.values = {k: encode(v) for k, v in (values or {}).items()}

    def get(self, key: str) -> bytes | None:
        """The encoded value at ``key``, or ``None``."""
        return self.values.get(key)

    def under(self, prefix: str) -> list[tuple[str, bytes]]:
        """``(key, value)`` of every key under ``prefix``, in key order (as ``iter_state``)."""
        return sorted((k, v) for k, v in self.values.items() if k.startswith(prefix))
