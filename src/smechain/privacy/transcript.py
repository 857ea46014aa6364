"""Transcripts: every message a party sends or receives, appended to a file.

Each entry is one msgpack record, preceded by its length (4 bytes, big-endian):
the direction, the message's type, sender and receiver, its byte size on the
wire and the payload itself (the message's msgpack bytes), so a test can check
what crossed a process boundary.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec

from smechain.privacy.messages import Msg, decode


class Entry(msgspec.Struct, frozen=True):
    """One message as a party saw it."""

    direction: str
    """``sent`` or ``received``."""
    type: str
    sender: str
    receiver: str
    size: int
    """Bytes of the encoded message (its fragments' frames add a few bytes each)."""
    payload: bytes
    """The encoded message."""

    def message(self) -> Msg:
        return decode(self.payload)


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Entry)


class Transcript:
    """Appends entries to ``path`` (a new file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("wb")

    def record(self, direction: str, msg: Msg, data: bytes) -> None:
        tag = type(msg).__struct_config__.tag
        entry = Entry(direction, str(tag), msg.sender, msg.receiver, len(data), data)
        body = _encoder.encode(entry)
        self._file.write(len(body).to_bytes(4, "big") + body)
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def read(path: Path) -> Iterator[Entry]:
    """The entries of a transcript file, in order."""
    data = path.read_bytes()
    at = 0
    while at < len(data):
        size = int.from_bytes(data[at: at + 4], "big")
        yield _decoder.decode(data[at + 4: at + 4 + size])
        at += 4 + size
