"""The chain's log (``BLOCKS``): append a block with a single-writer check, read from any height.

The block at height *h* is the stream's message *h + 1*. A cutter appends
with ``Nats-Expected-Last-Sequence``, so of two cutters only one can add a
given height (the other gets ``Superseded``): the chain never forks.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass

import nats.js.errors

from smechain.ordering.abc import Superseded
from smechain.ordering.jetstream.link import NatsLink, read_or_reset, retry
from smechain.ordering.jetstream.names import POSITION_HEADER, Names, Position
from smechain.ordering.jetstream.reader import StreamReader

WRONG_LAST_SEQUENCE = (10071, 10164)


@dataclass(frozen=True, slots=True)
class LoggedBlock:
    """A block as the log holds it: height, canonical bytes, and where its cutter stopped."""

    height: int
    data: bytes
    position: Position | None


class BlockLog:
    """The ``BLOCKS`` stream: append with a single-writer check; read from any height."""

    def __init__(self, link: NatsLink, names: Names) -> None:
        self.link = link
        self.names = names
        self._reader = StreamReader(link, names.blocks_stream,
                                    names.heads_subject(names.blocks_stream))

    def last_height(self) -> int:
        """Height of the last block in the log; -1 when it is empty."""

        async def go() -> int:
            info = await self.link.js.stream_info(self.names.blocks_stream)
            return int(info.state.last_seq) - 1

        return retry(self.link, go, what="read the blocks stream")

    def get(self, height: int) -> LoggedBlock | None:
        """The block at ``height``, or ``None`` if the log does not hold it."""

        async def go() -> LoggedBlock | None:
            try:
                msg = await self.link.js.get_msg(self.names.blocks_stream, seq=height + 1)
            except nats.js.errors.NotFoundError:
                return None
            return _logged(height, msg.data or b"", msg.headers)

        return retry(self.link, go, what=f"read block {height}")

    def append(self, height: int, data: bytes, position: Position | None) -> None:
        """Append block ``height``; ``Superseded`` if the log does not end at ``height - 1``."""
        headers = {
            "Nats-Expected-Last-Sequence": str(height),
            "Nats-Msg-Id": f"{height}:{hashlib.sha256(data).hexdigest()}",
        }
        if position is not None:
            headers[POSITION_HEADER] = position.header()

        async def go() -> int:
            try:
                ack = await self.link.js.publish(self.names.blocks_subject, data,
                                                 headers=dict(headers))
            except nats.js.errors.APIError as exc:
                if exc.err_code in WRONG_LAST_SEQUENCE:
                    return -1
                raise
            return int(ack.seq)

        seq = retry(self.link, go, what=f"append block {height}")
        if seq == height + 1:
            return
        # Either another cutter won, or our own earlier try landed before a timeout.
        existing = self.get(height)
        if existing is None or existing.data != data:
            raise Superseded(f"height {height} was appended by another cutter")

    def read(self, from_height: int, max_blocks: int, timeout: float) -> list[LoggedBlock]:
        """Up to ``max_blocks`` blocks from ``from_height`` on; waits up to ``timeout`` for one."""
        return read_or_reset(self.link, self._read(from_height, max_blocks, timeout), timeout)

    async def _read(self, from_height: int, max_blocks: int, timeout: float) -> list[LoggedBlock]:
        out: list[LoggedBlock] = []
        for msg in await self._reader.read(from_height + 1, max_blocks, timeout):
            if msg.seq - 1 != from_height + len(out):
                break  # a gap: only what follows on from ``from_height``
            out.append(_logged(msg.seq - 1, msg.data, msg.headers))
        return out

    def close(self) -> None:
        """Stop reading (the log's subscriptions end)."""
        with contextlib.suppress(Exception):
            self.link.call(self._reader.close(), 5)


def _logged(height: int, data: bytes, headers: dict[str, str] | None) -> LoggedBlock:
    text = (headers or {}).get(POSITION_HEADER)
    return LoggedBlock(height, bytes(data), Position.parse(text) if text else None)
