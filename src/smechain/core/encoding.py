"""Canonical binary encoding.

Every ledger value has exactly one byte string: MessagePack with the shortest
integer forms and map keys in sorted order (msgspec's deterministic order).
Decoding re-encodes and compares, so any other byte string for the same value
(a longer integer form, unsorted keys, trailing bytes) is refused. This is what
makes "one encoding, one hash" hold for transactions and blocks.
"""

from __future__ import annotations

import typing
from typing import Any, TypeVar

import msgspec

from smechain.core.errors import BadArguments, DecodeError

T = TypeVar("T")

_encoder = msgspec.msgpack.Encoder(order="deterministic")


def encode(value: Any) -> bytes:
    """Return the canonical bytes of ``value``."""
    return _encoder.encode(value)


def decode(data: bytes, type_: type[T]) -> T:
    """Decode canonical bytes into ``type_``; raise ``DecodeError`` for anything else."""
    try:
        value = msgspec.msgpack.decode(data, type=type_)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError) as exc:
        raise DecodeError(f"{type_.__name__}: {exc}") from None
    except RecursionError:
        raise DecodeError(f"{type_.__name__}: nested too deeply") from None
    if _encoder.encode(value) != data:
        raise DecodeError(f"{type_.__name__}: not in canonical form")
    return value


def convert(value: Any, type_: type[T], what: str) -> T:
    """Convert a decoded map into a typed record; ``BadArguments`` naming the bad field
    (``what.<field>`` for a top-level field of a struct whose value alone fails, as an
    unknown enum value; ``what`` otherwise)."""
    try:
        return msgspec.convert(value, type_, strict=True)
    except msgspec.ValidationError as exc:
        raise BadArguments(_bad_field(value, type_, what), f"{exc}") from None


def _bad_field(value: Any, type_: type, what: str) -> str:
    # Found by converting each field on its own, not by reading msgspec's message.
    if not (isinstance(type_, type) and issubclass(type_, msgspec.Struct)
            and isinstance(value, dict)):
        return what
    hints = typing.get_type_hints(type_, include_extras=True)
    for field in msgspec.structs.fields(type_):
        if field.encode_name not in value:
            continue
        try:
            msgspec.convert(value[field.encode_name], hints[field.name], strict=True)
        except msgspec.ValidationError:
            return f"{what}.{field.name}"
    return what


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data: records as maps (by field name), bytes as hex."""
    if isinstance(value, msgspec.Struct):
        return {f: plain(getattr(value, f)) for f in value.__struct_fields__}
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


# --- JSON at the edges (CLI ``--args``, HTTP bodies) -----------------------------------

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
"""Every integer the ledger encodes is a signed 64-bit word."""


class LongInt(str):
    """A JSON integer literal too long to be a ledger integer, kept as its text: Python
    refuses to convert past 4300 digits, and the error must name the field."""


def parse_json_int(text: str) -> int | LongInt:
    """``json.loads(..., parse_int=parse_json_int)``: literals past 21 characters stay text."""
    return LongInt(text) if len(text) > 21 else int(text)


def beyond_int64(value: Any) -> bool:
    """Whether a parsed JSON value is an integer the ledger cannot encode."""
    return isinstance(value, LongInt) or (type(value) is int and not INT_MIN <= value <= INT_MAX)


def shown(value: object) -> str:
    """A value for an error message, long ones cut to their start and length."""
    text = str(value)
    return text if len(text) <= 48 else f"{text[:40]}... ({len(text)} characters)"
