"""Limits on signing in, so that floods of wrong passwords cannot slow everyone else.

- ``FailureLog``: the times of recent failures per key (a name, a client address), for
  a bounded number of keys; a key with ``limit`` failures inside the window is refused
  until the oldest of them leaves it.
- ``HashSlots``: at most ``workers`` password checks (scrypt, ~50 ms of one core each)
  run at once and at most ``queue`` more wait for a turn; a check beyond those is
  refused at once (the caller answers 429 with ``Retry-After``) instead of piling up.
- ``LoginLimits``: the logs (per name and address, per name, per address) and the slots
  one ``Accounts`` uses.

Everything here is safe to use from any thread.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field

FAILURE_WINDOW_MS = 5 * 60 * 1000
MAX_NAME_FAILURES = 5
"""Wrong passwords for one (organisation, username) from one client address within the
window before that address is refused for that name."""
MAX_NAME_FAILURES_ALL = 50
"""Wrong passwords for one (organisation, username) from all addresses together within the
window before the name is refused everywhere: a stranger's few guesses lock out only the
stranger, and guessing spread over many addresses still stops."""
MAX_ADDRESS_FAILURES = 30
"""Wrong passwords from one client address within the window before it is refused; higher
than per name, as one address may be a whole office behind NAT."""
MAX_KEYS = 10_000
"""Names (and, apart, addresses) whose failures are remembered; the least recently failed
is forgotten first, so a flood of made-up names cannot grow the peer's memory."""
HASH_QUEUE = 16
"""Password checks that may wait for a slot; more at once are refused as busy."""
HASH_WAIT_S = 10.0
"""The longest a password check waits for a slot before it is refused as busy."""


def cores() -> int:
    """Processor cores this process may run on (at least 1)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def hash_workers() -> int:
    """Password checks at once by default: every core but one (at least one), so the
    event loop and the other requests keep a core while sign-ins are flooded."""
    return max(1, cores() - 1)


class FailureLog:
    """Times (ms) of the last ``limit`` failures of each key, for at most ``max_keys`` keys.

    ``refused_ms(key, now)`` is how long ``key`` must still wait (0: not refused);
    ``add`` records a failure; ``clear`` forgets a key. Keys whose failures have all
    left the window are dropped as new failures come in.
    """

    def __init__(self, limit: int, window_ms: int = FAILURE_WINDOW_MS,
                 max_keys: int = MAX_KEYS) -> None:
        if limit < 1 or window_ms < 1 or max_keys < 1:
            raise ValueError("limit, window_ms and max_keys must be at least 1")
        self.limit = limit
        self.window_ms = window_ms
        self.max_keys = max_keys
        self._times: OrderedDict[object, deque[int]] = OrderedDict()
        """key -> failure times, oldest first; the least recently failed key first."""
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._times)

    def refused_ms(self, key: object, now_ms: int) -> int:
        """Milliseconds until ``key`` may try again; 0 when it is not refused."""
        with self._lock:
            times = self._times.get(key)
            if times is None or len(times) < self.limit:
                return 0
            return max(0, times[0] + self.window_ms - now_ms)

    def add(self, key: object, now_ms: int) -> None:
        """Record one failure of ``key`` at ``now_ms``."""
        with self._lock:
            times = self._times.pop(key, None)
            if times is None:
                times = deque(maxlen=self.limit)
            times.append(now_ms)
            self._times[key] = times  # now the most recently failed
            # Forget keys whose last failure left the window, then the least recent ones.
            while self._times:
                oldest = next(iter(self._times.values()))
                if len(self._times) > self.max_keys or oldest[-1] + self.window_ms <= now_ms:
                    self._times.popitem(last=False)
                else:
                    break

    def clear(self, key: object) -> None:
        """Forget the failures of ``key`` (after a correct password)."""
        with self._lock:
            self._times.pop(key, None)


class HashSlots:
    """At most ``workers`` holders at once and at most ``queue`` waiting for a turn.

    ``acquire()`` answers ``False`` at once when ``queue`` are already waiting, or after
    waiting ``wait_s`` seconds without a turn; each ``True`` needs one ``release()``.
    ``running``, ``waiting`` and ``peak`` (the most holders ever at once) are counts.
    """

    def __init__(self, workers: int | None = None, queue: int = HASH_QUEUE,
                 wait_s: float = HASH_WAIT_S) -> None:
        self.workers = hash_workers() if workers is None else workers
        if self.workers < 1 or queue < 0 or wait_s < 0:
            raise ValueError("workers must be at least 1, queue and wait_s at least 0")
        self.queue = queue
        self.wait_s = wait_s
        self.running = 0
        self.waiting = 0
        self.peak = 0
        self._free = threading.Semaphore(self.workers)
        self._lock = threading.Lock()

    def acquire(self) -> bool:
        """A turn, or ``False`` when the queue is full or the wait too long."""
        if not self._free.acquire(blocking=False):
            with self._lock:
                if self.waiting >= self.queue:
                    return False
                self.waiting += 1
            try:
                if not self._free.acquire(timeout=self.wait_s):
                    return False
            finally:
                with self._lock:
                    self.waiting -= 1
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        return True

    def release(self) -> None:
        """End a turn that ``acquire`` gave."""
        with self._lock:
            self.running -= 1
        self._free.release()


@dataclass
class LoginLimits:
    """What limits signing in: failures per name and per client address, and slots."""

    names: FailureLog = field(default_factory=lambda: FailureLog(MAX_NAME_FAILURES_ALL))
    """Keyed by ``(org, username)``."""
    pairs: FailureLog = field(default_factory=lambda: FailureLog(MAX_NAME_FAILURES))
    """Keyed by ``(org, username, client address)``."""
    addresses: FailureLog = field(default_factory=lambda: FailureLog(MAX_ADDRESS_FAILURES))
    """Keyed by the client address the server reports."""
    slots: HashSlots = field(default_factory=HashSlots)
    """Password checks of sign-ins."""
