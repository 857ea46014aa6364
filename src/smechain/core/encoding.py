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
    unknown enum value or one out of its declared bounds, or that is missing or
    unknown; ``what.<field>[i]`` for an item of a list, and so on into records;
    ``what`` otherwise). A record the ledger keeps as an array (``array_like``) sent
    as an object is told so."""
    try:
        return msgspec.convert(value, type_, strict=True)
    except msgspec.ValidationError as exc:
        field, expected, got, reason = _bad_field(value, type_, what)
        if (isinstance(expected, type) and issubclass(expected, msgspec.Struct)
                and expected.__struct_config__.array_like and isinstance(got, dict)):
            names = ", ".join(f.name for f in msgspec.structs.fields(expected))
            reason = f"give [{names}], the ledger's form of this record, not an object"
        raise BadArguments(field, reason or f"{exc}") from None


def _fails(value: Any, type_: Any) -> bool:
    try:
        msgspec.convert(value, type_, strict=True)
    except msgspec.ValidationError:
        return True
    return False


def _bad_field(value: Any, type_: Any, what: str) -> tuple[str, Any, Any, str]:
    """``(name, its type, its value, reason)`` of the innermost part of ``value`` that
    fails on its own (``reason`` is ``""`` when msgspec's own words say it best). Found
    by converting each part on its own, not by reading msgspec's message."""
    base = typing.get_args(type_)[0] if typing.get_origin(type_) is typing.Annotated else type_
    is_struct = isinstance(base, type) and issubclass(base, msgspec.Struct)
    if is_struct and isinstance(value, dict):
        fields = msgspec.structs.fields(base)
        hints = typing.get_type_hints(base, include_extras=True)
        for field in fields:
            if field.encode_name in value and _fails(value[field.encode_name],
                                                     hints[field.name]):
                return _bad_field(value[field.encode_name], hints[field.name],
                                  f"{what}.{field.name}")
        for field in fields:
            if field.required and field.encode_name not in value:
                return f"{what}.{field.name}", hints[field.name], None, \
                    "missing (a required field)"
        known = {f.encode_name for f in fields}
        for key in value:
            if key not in known and base.__struct_config__.forbid_unknown_fields:
                return f"{what}.{key}", None, value[key], \
                    f"unknown field (takes {', '.join(f.name for f in fields)})"
    if is_struct and base.__struct_config__.array_like and isinstance(value, list):
        hints = typing.get_type_hints(base, include_extras=True)
        for field, v in zip(msgspec.structs.fields(base), value, strict=False):
            if _fails(v, hints[field.name]):
                return _bad_field(v, hints[field.name], f"{what}.{field.name}")
    if typing.get_origin(base) is list and isinstance(value, list):
        (item,) = typing.get_args(base)
        for i, v in enumerate(value):
            if _fails(v, item):
                return _bad_field(v, item, f"{what}[{i}]")
    return what, base, value, _leaf_reason(value, type_)


def _leaf_reason(value: Any, type_: Any) -> str:
    """Why ``value`` alone is not a ``type_`` ("expected int, got str"), or ``""``."""
    try:
        msgspec.convert(value, type_, strict=True)
    except msgspec.ValidationError as exc:
        text = str(exc).replace("`", "")
        return text[:1].lower() + text[1:]
    except TypeError:  # not a type msgspec converts to on its own
        return ""
    return ""


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
