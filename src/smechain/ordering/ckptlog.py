"""The checkpoint stream (``CKPT``): every peer's signed checkpoints, in the order stored.

A peer publishes each of its checkpoints with JetStream's acknowledgement,
retrying one message id until the stream stores it (so a retry is stored
once), and reads the stream from a sequence number on. A peer that was down,
or joins late, therefore reads every checkpoint published in the meantime,
instead of only those sent while it listened.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

import nats.errors
import nats.js.errors

from smechain.ordering.jetstream.link import TRANSIENT, NatsLink, read_or_reset
from smechain.ordering.jetstream.names import Names
from smechain.ordering.jetstream.reader import StreamReader


class CheckpointLog:
    """Publish checkpoints to ``CKPT`` and read them back from any sequence."""

    def __init__(self, link: NatsLink, names: Names) -> None:
        self.link = link
        self.names = names
        self._reader = StreamReader(link, names.ckpt_stream, names.heads_subject(names.ckpt_stream))
        self._closed = False
        self._lock = threading.Lock()
        self._unstored: set[Future[None]] = set()

    # --- publishing -------------------------------------------------------------

    def publish(self, org: str, height: int, data: bytes,
                stored: Callable[[], None] | None = None) -> None:
        """Store ``data`` (``org``'s checkpoint of ``height``) in the stream, without waiting.

        Retried until the stream acknowledges it or the log closes; then
        ``stored()`` runs (on the link's event-loop thread: keep it quick).
        """
        subject = self.names.ckpt_subject(org)
        headers = {"Nats-Msg-Id": f"{org}:{height}:{hashlib.sha256(data).hexdigest()[:32]}"}

        async def go() -> None:
            while True:
                try:
                    await self.link.js.publish(subject, data, headers=dict(headers))
                    break
                except (*TRANSIENT, nats.js.errors.Error):
                    if self._closed:
                        return
                    await asyncio.sleep(0.2)
            if stored is not None:
                stored()

        future = self.link.spawn(go())
        with self._lock:
            self._unstored.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._unstored.discard(future)

    def unstored(self) -> int:
        """Checkpoints published here that the stream has not acknowledged yet."""
        with self._lock:
            return len(self._unstored)

    def flush(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for every publication; True if all were stored."""
        deadline = time.monotonic() + timeout
        while self.unstored():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    # --- reading ----------------------------------------------------------------

    def read(self, from_seq: int, max_msgs: int, timeout: float) -> list[tuple[int, bytes]]:
        """Up to ``max_msgs`` messages from stream sequence ``from_seq`` on, with their sequences.

        Waits up to ``timeout`` for one. Sequences only rise; where the stream
        no longer holds a message the next one held is returned.
        """
        return read_or_reset(self.link, self._read(from_seq, max_msgs, timeout), timeout)

    async def _read(self, from_seq: int, max_msgs: int, timeout: float
                    ) -> list[tuple[int, bytes]]:
        msgs = await self._reader.read(max(from_seq, 1), max_msgs, timeout)
        return [(msg.seq, msg.data) for msg in msgs if msg.seq >= from_seq]

    def close(self) -> None:
        """Stop retrying publications and reading."""
        self._closed = True
        with contextlib.suppress(Exception):
            self.link.call(self._reader.close(), 5)
