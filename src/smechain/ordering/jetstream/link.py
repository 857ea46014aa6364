"""The connection to the NATS cluster: a nats-py client on an event-loop thread of its own.

Everything the ordering service does is blocking, for the peer's threads:
``NatsLink.call`` runs a coroutine on the link's loop and waits. ``retry``
and ``read_or_reset`` are the two ways callers ride out a lost server
(``TRANSIENT`` errors).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

import nats
import nats.errors
import nats.js.errors
import uvloop

if TYPE_CHECKING:
    from smechain.ordering.access import Identity


class _SslEofNoise(logging.Filter):
    """nats-py upgrades a plain connection to TLS, so asyncio's stream protocol still asks to
    stay open at end of file and asyncio warns on every closed TLS connection: noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "eof_received() has no effect when using ssl" not in record.getMessage()


logging.getLogger("asyncio").addFilter(_SslEofNoise())

R = TypeVar("R")

TRANSIENT = (
    nats.errors.TimeoutError, nats.errors.ConnectionClosedError, nats.errors.NoRespondersError,
    nats.js.errors.ServiceUnavailableError, nats.js.errors.NoStreamResponseError,
    asyncio.TimeoutError, TimeoutError,
)

class OrderingUnavailable(Exception):
    """The NATS cluster did not answer in time (too few servers up, or none reachable)."""


class NatsLink:
    """A nats-py connection on an event-loop thread of its own, with blocking calls.

    With an ``identity`` it connects over TLS with that party's certificate and
    logs in with its NKey (``access.Identity``; ``AccessError`` naming the file
    that cannot be used); without one, in the clear and anonymously.
    """

    def __init__(self, servers: list[str], name: str = "smechain", timeout: float = 5.0,
                 identity: Identity | None = None) -> None:
        self.servers = list(servers)
        self.timeout = timeout
        options = identity.connect_options() if identity is not None else {}
        self.errors: deque[str] = deque(maxlen=32)
        """The latest errors the servers reported (a refused login, a denied subject)."""
        # uvloop: its TLS and socket I/O cost the peers' threads less than asyncio's own.
        self.loop = uvloop.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=f"nats-{name}",
                                        daemon=True)
        self._thread.start()
        connecting = self.spawn(nats.connect(
            self.servers, name=name, connect_timeout=2, reconnect_time_wait=0.2,
            max_reconnect_attempts=-1, allow_reconnect=True, ping_interval=5,
            max_outstanding_pings=3, error_cb=self._on_error, disconnected_cb=_quiet_event,
            **options,
        ))
        try:
            self.nc = connecting.result(timeout + 5)
        except Exception as exc:
            connecting.cancel()  # it would go on retrying
            with contextlib.suppress(Exception):
                self.call(asyncio.sleep(0.05), 2)
            self._stop_loop()
            why = self.errors[-1] if self.errors else repr(exc)
            raise OrderingUnavailable(f"servers: cannot connect to {', '.join(servers)} "
                                      f"({why})") from None
        self.js = self.nc.jetstream(timeout=timeout)

    async def _on_error(self, exc: Exception) -> None:
        # Connection errors are retried by the callers; nats-py's default prints them.
        self.errors.append(str(exc) or repr(exc))

    def call(self, coro: Coroutine[Any, Any, R], timeout: float | None = None) -> R:
        """Run ``coro`` on the link's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(
            timeout if timeout is not None else self.timeout + 5
        )

    def spawn(self, coro: Coroutine[Any, Any, R]) -> Future[R]:
        """Run ``coro`` on the link's loop without waiting."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call(self.nc.close(), 5)
        self._stop_loop()

    def _stop_loop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


async def _quiet_event() -> None:
    pass


def read_or_reset(link: NatsLink, reading: Coroutine[Any, Any, list[R]], timeout: float
                  ) -> list[R]:
    """Run a reader's ``reading`` on the link; after a lost connection or a JetStream error
    answer nothing, so the caller simply reads again."""
    try:
        return link.call(reading, timeout + 5)
    except TRANSIENT:
        return []
    except nats.js.errors.Error:
        time.sleep(0.1)
        return []


def retry(link: NatsLink, make: Callable[[], Coroutine[Any, Any, R]], *, what: str,
          deadline_s: float = 20.0) -> R:
    """Run ``make()`` on the link, retrying transient failures until ``deadline_s``."""
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            return link.call(make(), link.timeout + 5)
        except TRANSIENT as exc:
            if time.monotonic() >= deadline:
                raise OrderingUnavailable(f"could not {what} within {deadline_s:.0f} s "
                                          f"({exc!r})") from None
            time.sleep(0.2)
