"""The read cache the SQL stores share: state served from memory, in step with commits."""

from __future__ import annotations

import threading

_MISSING = object()


class CachedReads:
    """``get`` through a bounded cache; a store supplies ``_read_state`` and calls ``_remember``.

    Both run under ``_lock``, which the store's ``commit_block`` also holds, so
    a commit cannot land between a read and its caching and leave a stale value.
    """

    def __init__(self, cache_entries: int) -> None:
        self._lock = threading.Lock()
        self._cache: dict[str, bytes | None] = {}
        self._cache_entries = cache_entries

    def _read_state(self, key: str) -> bytes | None:
        """The committed value at ``key`` from the database (called under ``_lock``)."""
        raise NotImplementedError

    def get(self, key: str) -> bytes | None:
        cached = self._cache.get(key, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        with self._lock:
            value = self._read_state(key)
            self._remember(key, value)
        return value

    def _remember(self, key: str, value: bytes | None) -> None:
        if len(self._cache) >= self._cache_entries:
            self._cache.clear()
        self._cache[key] = value
