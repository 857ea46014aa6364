"""Byte-level edits of an OFD's ZIP headers, as damaged or unusual producers write them.

``zipfile`` rewrites the general-purpose flags and normalises names when it writes, so
these patch the bytes of the local headers and the central directory in place.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

LOCAL_SIG = b"PK\x03\x04"
CENTRAL_SIG = b"PK\x01\x02"
END_SIG = b"PK\x05\x06"


@dataclass(frozen=True)
class Entry:
    """Where one entry's headers sit: the central directory record and the local header."""

    name: bytes
    central: int
    local: int


def entries(data: bytes) -> list[Entry]:
    """Each entry of a ZIP without a ZIP64 end record, in central directory order."""
    end = data.rfind(END_SIG)
    count, _size, start = struct.unpack_from("<HII", data, end + 10)
    out, pos = [], start
    for _ in range(count):
        assert data[pos:pos + 4] == CENTRAL_SIG
        n, m, k = struct.unpack_from("<HHH", data, pos + 28)
        (local,) = struct.unpack_from("<I", data, pos + 42)
        out.append(Entry(data[pos + 46:pos + 46 + n], pos, local))
        pos += 46 + n + m + k
    return out


def _patch16(buf: bytearray, at: int, fn: Callable[[int], int]) -> None:
    struct.pack_into("<H", buf, at, fn(struct.unpack_from("<H", buf, at)[0]) & 0xFFFF)


def _patch32(buf: bytearray, at: int, fn: Callable[[int], int]) -> None:
    struct.pack_into("<I", buf, at, fn(struct.unpack_from("<I", buf, at)[0]) & 0xFFFFFFFF)


def set_flags(data: bytes, name: bytes, bits: int, central: bool = True,
              local: bool = True) -> bytes:
    """Set general-purpose flag ``bits`` (0x01: encrypted) on the entry ``name``."""
    buf = bytearray(data)
    for e in entries(data):
        if e.name == name:
            if central:
                _patch16(buf, e.central + 8, lambda v: v | bits)
            if local:
                _patch16(buf, e.local + 6, lambda v: v | bits)
    return bytes(buf)


def set_sizes(data: bytes, name: bytes, delta: int, field: str = "file_size",
              central: bool = True, local: bool = True) -> bytes:
    """Add ``delta`` to an entry's recorded ``file_size``, ``compress_size`` or ``crc``."""
    buf = bytearray(data)
    central_at, local_at = {"crc": (16, 14), "compress_size": (20, 18),
                            "file_size": (24, 22)}[field]
    for e in entries(data):
        if e.name == name:
            if central:
                _patch32(buf, e.central + central_at, lambda v: v + delta)
            if local:
                _patch32(buf, e.local + local_at, lambda v: v + delta)
    return bytes(buf)


def set_method(data: bytes, name: bytes, method: int) -> bytes:
    """Record compression ``method`` for an entry (its data unchanged)."""
    buf = bytearray(data)
    for e in entries(data):
        if e.name == name:
            struct.pack_into("<H", buf, e.central + 10, method)
            struct.pack_into("<H", buf, e.local + 8, method)
    return bytes(buf)


def with_backslashes(data: bytes, only: bytes | None = None) -> bytes:
    """Every entry name (or just ``only``) written with ``\\`` for ``/``, as some producers
    do; same length, so every offset stays put."""
    buf = bytearray(data)
    for e in entries(data):
        if only is not None and e.name != only:
            continue
        new = e.name.replace(b"/", b"\\")
        buf[e.central + 46:e.central + 46 + len(new)] = new
        assert buf[e.local:e.local + 4] == LOCAL_SIG
        buf[e.local + 30:e.local + 30 + len(new)] = new
    return bytes(buf)


def rezip(data: bytes, edit: dict[str, bytes]) -> bytes:
    """The same package with some entries' contents replaced (valid sizes and CRCs)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, edit.get(info.filename, src.read(info)))
    return out.getvalue()
