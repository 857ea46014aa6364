"""Reading a stream from any sequence number on, by batched direct gets (no consumer)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any

import nats.errors
import nats.js.errors

from smechain.ordering.jetstream.link import NatsLink


@dataclass(frozen=True, slots=True)
class Stored:
    """One message as a stream holds it: its sequence number, payload and headers."""

    seq: int
    data: bytes
    headers: dict[str, str]


class StreamReader:
    """Reads one stream from any sequence number on, by batched direct gets.

    A reader holds nothing on the servers (no consumer: members of the
    consortium may not create consumers, whose push deliveries could write
    into another stream). Each read asks for up to a batch of messages from a
    sequence on (``$JS.API.DIRECT.GET``); when there are none yet it waits for
    the stream to announce a new one on its heads subject (``republish``,
    headers only), up to the read's timeout. Everything here runs on the
    link's event loop; one thread reads through a reader at a time.
    """

    MAX_BYTES = 16 * 1024 * 1024
    """What one batch carries at most (it holds at least one message)."""

    def __init__(self, link: NatsLink, stream: str, heads: str) -> None:
        self.link = link
        self.stream = stream
        self.heads = heads
        self._subs: list[Any] = []
        self._inbox = ""
        self._asks = 0
        self._reply = ""
        self._got: list[Stored] = []
        self._status: tuple[str, str] | None = None
        self._answered: asyncio.Event | None = None
        self._announced: asyncio.Event | None = None
        self._last_announced = 0

    async def _start(self) -> None:
        if self._subs:
            return
        self._answered, self._announced = asyncio.Event(), asyncio.Event()
        self._inbox = self.link.nc.new_inbox()
        self._subs = [
            await self.link.nc.subscribe(f"{self._inbox}.*", cb=self._on_reply),
            await self.link.nc.subscribe(self.heads, cb=self._on_head),
        ]

    async def _on_head(self, msg: Any) -> None:
        seq = (msg.headers or {}).get("Nats-Sequence", "")
        if seq.isdecimal():
            self._last_announced = max(self._last_announced, int(seq))
        assert self._announced is not None
        self._announced.set()

    async def _on_reply(self, msg: Any) -> None:
        if msg.subject != self._reply:
            return  # the answer to an earlier request that timed out
        headers = msg.headers or {}
        status = headers.get("Status")
        if status is None:
            seq = headers.get("Nats-Sequence", "")
            if seq.isdecimal():
                self._got.append(Stored(int(seq), bytes(msg.data), headers))
            return
        self._status = (status, str(headers.get("Description", "")))
        assert self._answered is not None
        self._answered.set()

    async def read(self, from_seq: int, max_msgs: int, timeout: float) -> list[Stored]:
        """Up to ``max_msgs`` messages from sequence ``from_seq`` on (those the stream still
        holds); waits up to ``timeout`` seconds for one."""
        await self._start()
        assert self._announced is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._announced.clear()
            got = await self._get(max(from_seq, 1), max_msgs)
            if got:
                return got
            left = deadline - loop.time()
            if left <= 0:
                return []
            if self._last_announced >= from_seq:
                # Stored, but the replica that answered does not hold it yet.
                await asyncio.sleep(min(0.002, left))
                continue
            try:
                await asyncio.wait_for(self._announced.wait(), left)
            except TimeoutError:
                return []

    async def _get(self, from_seq: int, batch: int) -> list[Stored]:
        assert self._answered is not None
        self._asks += 1
        self._reply = f"{self._inbox}.{self._asks}"
        self._got, self._status = [], None
        self._answered.clear()
        request = json.dumps({"seq": from_seq, "batch": batch, "max_bytes": self.MAX_BYTES})
        await self.link.nc.publish(f"$JS.API.DIRECT.GET.{self.stream}", request.encode(),
                                   reply=self._reply)
        try:
            await asyncio.wait_for(self._answered.wait(), self.link.timeout)
        except TimeoutError:
            self._reply = ""
            raise nats.errors.TimeoutError from None
        got, (status, description) = self._got, self._status or ("", "")
        if status in ("204", "404"):  # the end of the batch; nothing (more) there
            return got
        if status == "503":
            raise nats.errors.NoRespondersError
        raise nats.js.errors.Error(description=f"direct get from {self.stream}: "
                                               f"{status} {description}")

    async def close(self) -> None:
        subs, self._subs = self._subs, []
        for sub in subs:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
