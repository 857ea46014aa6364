"""Canonical encoding: one value, one byte string; everything else is a DecodeError."""

from __future__ import annotations

import contextlib
import struct
from typing import Any

import msgspec
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from smechain.core.crypto import Ed25519Suite
from smechain.core.encoding import convert, decode, encode
from smechain.core.errors import BadArguments, DecodeError
from smechain.core.tx import (
    MAX_SIGNERS,
    MAX_TX_BYTES,
    SignedTx,
    TxBody,
    decode_tx,
    make_tx,
    tx_digest,
)

SUITE = Ed25519Suite()

# --- strategies ------------------------------------------------------------------

MSGPACK_INTS = st.integers(-(2**63), 2**64 - 1)
SCALARS = (
    st.none()
    | st.booleans()
    | MSGPACK_INTS
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.binary(max_size=40)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)
ARGS = st.dictionaries(st.text(max_size=12), VALUES, max_size=6)

BODIES = st.builds(
    TxBody,
    chain_id=st.text(max_size=24),
    contract=st.text(max_size=12),
    action=st.text(max_size=12),
    args=ARGS,
    signers=st.lists(st.binary(max_size=70), max_size=4),
    nonce=MSGPACK_INTS,
    expiry=MSGPACK_INTS,
)
SIGNED = st.builds(SignedTx, body=BODIES, signatures=st.lists(st.binary(max_size=80), max_size=4))


def key(n: int) -> tuple[bytes, bytes]:
    return SUITE.keypair_from_seed(bytes([n]) * 32)


def valid_body(**changes: Any) -> TxBody:
    fields: dict[str, Any] = {
        "chain_id": "test-chain",
        "contract": "cash",
        "action": "transfer",
        "args": {"currency": "CNY", "to": "sme-1", "amount": 100, "memo": "invoice 7"},
        "signers": [key(1)[1]],
        "nonce": 1,
        "expiry": 0,
    }
    fields.update(changes)
    return TxBody(**fields)


def valid_tx(**changes: Any) -> SignedTx:
    body = valid_body(**changes)
    privates = [SUITE.keypair_from_seed(bytes([n + 1]) * 32)[0] for n in range(len(body.signers))]
    return make_tx(SUITE, body, privates)


VALID_RAW = encode(valid_tx())


# --- round trips -----------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(BODIES)
def test_tx_body_round_trips(body: TxBody) -> None:
    raw = encode(body)
    back = decode(raw, TxBody)
    assert back == body
    assert encode(back) == raw


@settings(max_examples=200, deadline=None)
@given(SIGNED)
def test_signed_tx_round_trips(tx: SignedTx) -> None:
    raw = encode(tx)
    back = decode(raw, SignedTx)
    assert back == tx
    assert encode(back) == raw
    assert tx_digest(SUITE, back.body) == tx_digest(SUITE, tx.body)


@settings(max_examples=100, deadline=None)
@given(ARGS)
def test_encoding_ignores_insertion_order(args: dict[str, Any]) -> None:
    reordered = dict(reversed(list(args.items())))
    assert encode(valid_body(args=args)) == encode(valid_body(args=reordered))


def test_valid_tx_decodes_with_its_hash() -> None:
    tx, tx_hash = decode_tx(VALID_RAW, SUITE)
    assert tx == valid_tx()
    assert tx_hash == tx_digest(SUITE, tx.body)
    assert len(tx_hash) == 32


def test_hash_covers_the_body_only() -> None:
    tx = valid_tx()
    resigned = SignedTx(tx.body, [bytes(64)])
    assert decode_tx(encode(resigned), SUITE)[1] == decode_tx(VALID_RAW, SUITE)[1]
    other = valid_tx(nonce=2)
    assert decode_tx(encode(other), SUITE)[1] != decode_tx(VALID_RAW, SUITE)[1]


# --- a small independent MessagePack writer, for non-canonical forms ---------------


class Packer:
    """Writes MessagePack, choosing among every legal form of each value.

    ``choose(n)`` picks one of ``n`` alternatives; 0 is always the shortest
    (canonical) form. ``altered`` records whether any other form was used.
    """

    def __init__(self, choose) -> None:
        self.choose = choose
        self.altered = False

    def _pick(self, forms: list[bytes]) -> bytes:
        k = self.choose(len(forms)) if len(forms) > 1 else 0
        if k:
            self.altered = True
        return forms[k]

    @staticmethod
    def _sized(n: int, small: tuple[int, int] | None, wide: list[tuple[int, str]]) -> list[bytes]:
        forms = []
        if small is not None and n < small[1]:
            forms.append(bytes([small[0] | n]))
        for code, fmt in wide:
            if n < 1 << (8 * struct.calcsize(fmt)):
                forms.append(bytes([code]) + struct.pack(fmt, n))
        return forms

    def _int(self, n: int) -> list[bytes]:
        forms = []
        if 0 <= n < 0x80:
            forms.append(bytes([n]))
        if -32 <= n < 0:
            forms.append(struct.pack(">b", n))
        if n >= 0:
            for code, fmt in ((0xCC, ">B"), (0xCD, ">H"), (0xCE, ">I"), (0xCF, ">Q")):
                if n < 1 << (8 * struct.calcsize(fmt)):
                    forms.append(bytes([code]) + struct.pack(fmt, n))
        for code, fmt in ((0xD0, ">b"), (0xD1, ">h"), (0xD2, ">i"), (0xD3, ">q")):
            bits = 8 * struct.calcsize(fmt)
            if -(1 << (bits - 1)) <= n < 1 << (bits - 1):
                forms.append(bytes([code]) + struct.pack(fmt, n))
        return forms

    def pack(self, value: Any) -> bytes:
        if value is None:
            return b"\xc0"
        if value is True:
            return b"\xc3"
        if value is False:
            return b"\xc2"
        if isinstance(value, int):
            return self._pick(self._int(value))
        if isinstance(value, float):
            forms = [b"\xcb" + struct.pack(">d", value)]
            try:
                if struct.unpack(">f", struct.pack(">f", value))[0] == value:
                    forms.append(b"\xca" + struct.pack(">f", value))
            except OverflowError:
                pass
            return self._pick(forms)
        if isinstance(value, str):
            data = value.encode()
            head = self._sized(len(data), (0xA0, 32), [(0xD9, ">B"), (0xDA, ">H"), (0xDB, ">I")])
            return self._pick(head) + data
        if isinstance(value, bytes):
            head = self._sized(len(value), None, [(0xC4, ">B"), (0xC5, ">H"), (0xC6, ">I")])
            return self._pick(head) + value
        if isinstance(value, list):
            head = self._sized(len(value), (0x90, 16), [(0xDC, ">H"), (0xDD, ">I")])
            return self._pick(head) + b"".join(self.pack(v) for v in value)
        if isinstance(value, dict):
            head = self._sized(len(value), (0x80, 16), [(0xDE, ">H"), (0xDF, ">I")])
            keys = sorted(value)
            if len(keys) > 1 and self.choose(2):
                keys.reverse()
                self.altered = True
            return self._pick(head) + b"".join(self.pack(k) + self.pack(value[k]) for k in keys)
        raise TypeError(type(value))


def test_packer_reproduces_canonical_bytes() -> None:
    """The reference writer, always choosing form 0, is the canonical encoding."""
    plain = msgspec.msgpack.decode(VALID_RAW)
    assert Packer(lambda n: 0).pack(plain) == VALID_RAW


@settings(max_examples=200, deadline=None)
@given(SIGNED, st.data())
def test_only_the_canonical_form_decodes(tx: SignedTx, data: st.DataObject) -> None:
    canonical = encode(tx)
    plain = msgspec.msgpack.decode(canonical)
    packer = Packer(lambda n: data.draw(st.integers(0, n - 1)))
    raw = packer.pack(plain)
    event(f"altered={packer.altered}")
    if not packer.altered:
        assert raw == canonical
        assert decode(raw, SignedTx) == tx
        return
    assert raw != canonical
    # The same value in another legal spelling ...
    assert msgspec.msgpack.decode(raw) == plain
    # ... is refused.
    with pytest.raises(DecodeError):
        decode(raw, SignedTx)


def _replace_once(raw: bytes, old: bytes, new: bytes) -> bytes:
    assert raw.count(old) == 1, old
    return raw.replace(old, new)


def test_longer_int_form_is_refused() -> None:
    tx = valid_tx(nonce=5)
    raw = encode(tx)
    tail = b"\x00\x91\xc4\x40"  # expiry 0, then one 64-byte signature
    for longer in (b"\xcc\x05", b"\xcd\x00\x05", b"\xce\x00\x00\x00\x05",
                   b"\xcf" + bytes(7) + b"\x05", b"\xd0\x05", b"\xd3" + bytes(7) + b"\x05"):
        bad = _replace_once(raw, b"\x05" + tail, longer + tail)
        assert msgspec.msgpack.decode(bad, type=SignedTx) == tx
        with pytest.raises(DecodeError, match="canonical"):
            decode(bad, SignedTx)


def test_unsorted_map_keys_are_refused() -> None:
    tx = valid_tx()
    plain = msgspec.msgpack.decode(encode(tx))
    plain[0][3] = dict(reversed(sorted(plain[0][3].items())))
    bad = msgspec.msgpack.encode(plain)  # insertion order, not sorted
    assert bad != encode(tx)
    assert msgspec.msgpack.decode(bad, type=SignedTx) == tx
    with pytest.raises(DecodeError, match="canonical"):
        decode(bad, SignedTx)


def test_duplicate_map_keys_are_refused() -> None:
    raw = encode(valid_tx(args={"amount": 1}))
    bad = _replace_once(raw, b"\x81\xa6amount\x01", b"\x82\xa6amount\x02\xa6amount\x01")
    with pytest.raises(DecodeError):
        decode(bad, SignedTx)


def test_missing_default_field_is_refused() -> None:
    """``expiry`` has a default, but leaving it out is another spelling of the tx."""
    plain = msgspec.msgpack.decode(VALID_RAW)
    plain[0] = plain[0][:6]
    with pytest.raises(DecodeError):
        decode(msgspec.msgpack.encode(plain), SignedTx)


def test_extra_field_is_refused() -> None:
    plain = msgspec.msgpack.decode(VALID_RAW)
    plain[0].append(0)
    with pytest.raises(DecodeError):
        decode(msgspec.msgpack.encode(plain), SignedTx)


def test_wrong_field_type_is_refused() -> None:
    for field, value in [(0, 7), (3, ["not", "a", "map"]), (4, "key"), (5, "1"), (5, 1.0),
                         (6, None)]:
        plain = msgspec.msgpack.decode(VALID_RAW)
        plain[0][field] = value
        with pytest.raises(DecodeError):
            decode(msgspec.msgpack.encode(plain), SignedTx)


def test_non_string_args_key_is_refused() -> None:
    plain = msgspec.msgpack.decode(VALID_RAW)
    plain[0][3] = {1: 2}
    with pytest.raises(DecodeError):
        decode(msgspec.msgpack.encode(plain), SignedTx)


# --- malformed bytes ----------------------------------------------------------------


def _decodes_or_refuses(data: bytes) -> None:
    """``decode`` either refuses with DecodeError or returns the value these bytes spell."""
    try:
        value = decode(data, SignedTx)
    except DecodeError:
        return
    assert encode(value) == data


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_are_refused(data: bytes) -> None:
    _decodes_or_refuses(data)
    with contextlib.suppress(DecodeError):
        decode_tx(data, SUITE)


def test_every_truncation_is_refused() -> None:
    for raw in (VALID_RAW, encode(valid_tx(args={"k": [1, {"x": b"\x00" * 40}], "j": -7.5}))):
        for cut in range(len(raw)):
            with pytest.raises(DecodeError):
                decode(raw[:cut], SignedTx)


@settings(max_examples=200, deadline=None)
@given(SIGNED, st.data())
def test_truncations_of_any_tx_are_refused(tx: SignedTx, data: st.DataObject) -> None:
    raw = encode(tx)
    cut = data.draw(st.integers(0, len(raw) - 1))
    with pytest.raises(DecodeError):
        decode(raw[:cut], SignedTx)


@settings(max_examples=200, deadline=None)
@given(SIGNED, st.binary(min_size=1, max_size=16))
def test_trailing_bytes_are_refused(tx: SignedTx, tail: bytes) -> None:
    with pytest.raises(DecodeError):
        decode(encode(tx) + tail, SignedTx)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_tx_bytes_decode_or_are_refused(data: st.DataObject) -> None:
    """Overwrite, insert or delete bytes of a valid tx: only DecodeError may come out."""
    raw = bytearray(VALID_RAW)
    for _ in range(data.draw(st.integers(1, 3))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        kind = data.draw(st.sampled_from(["set", "insert", "delete"]))
        if kind == "set":
            raw[pos] = data.draw(st.integers(0, 255))
        elif kind == "insert":
            raw.insert(pos, data.draw(st.integers(0, 255)))
        else:
            del raw[pos]
    _decodes_or_refuses(bytes(raw))


def test_invalid_utf8_string_is_a_decode_error() -> None:
    """Bytes that are not UTF-8 inside a str field are malformed, like any other."""
    bad = _replace_once(VALID_RAW, b"\xaatest-chain", b"\xaatest-cha\xffn")
    with pytest.raises(DecodeError):
        decode(bad, SignedTx)
    with pytest.raises(DecodeError):
        decode_tx(bad, SUITE)


def test_deeply_nested_args_are_a_decode_error() -> None:
    """A few kilobytes of nested arrays are malformed input, not a crash."""
    depth = 5_000
    nested = b"\x81\xa1a" + b"\x91" * depth + b"\xc0"
    bad = _replace_once(encode(valid_tx(args={"a": None})), b"\x81\xa1a\xc0", nested)
    assert len(bad) < MAX_TX_BYTES
    with pytest.raises(DecodeError):
        decode_tx(bad, SUITE)


# --- decode_tx: shape checks name the field ------------------------------------------


def _refused(tx: SignedTx, field: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode_tx(encode(tx), SUITE)
    assert info.value.message.startswith(f"{field}:"), info.value.message
    assert str(info.value) == info.value.message
    assert info.value.code == "malformed"


def test_wrong_signature_count_is_refused() -> None:
    tx = valid_tx()
    _refused(SignedTx(tx.body, []), "signatures")
    _refused(SignedTx(tx.body, [*tx.signatures, tx.signatures[0]]), "signatures")
    two = valid_tx(signers=[key(1)[1], key(2)[1]])
    _refused(SignedTx(two.body, two.signatures[:1]), "signatures")


def test_duplicate_signers_are_refused() -> None:
    body = valid_body(signers=[key(1)[1], key(1)[1]])
    _refused(SignedTx(body, [bytes(64), bytes(64)]), "signers")


def test_empty_signers_are_refused() -> None:
    _refused(SignedTx(valid_body(signers=[]), []), "signers")


def test_too_many_signers_are_refused() -> None:
    keys = [key(n)[1] for n in range(1, MAX_SIGNERS + 2)]
    _refused(SignedTx(valid_body(signers=keys), [bytes(64)] * len(keys)), "signers")
    ok = valid_body(signers=keys[:MAX_SIGNERS])
    decode_tx(encode(SignedTx(ok, [bytes(64)] * MAX_SIGNERS)), SUITE)


def test_wrong_key_size_is_refused() -> None:
    for bad in (b"", bytes(31), bytes(33), bytes(65)):
        _refused(SignedTx(valid_body(signers=[bad]), [bytes(64)]), "signers")


@pytest.mark.parametrize("nonce", [0, -1, 2**63, 2**64 - 1])
def test_bad_nonce_is_refused(nonce: int) -> None:
    _refused(SignedTx(valid_body(nonce=nonce), [bytes(64)]), "nonce")


def test_nonce_bounds_accepted() -> None:
    for nonce in (1, 2**63 - 1):
        decode_tx(encode(SignedTx(valid_body(nonce=nonce), [bytes(64)])), SUITE)


@pytest.mark.parametrize("expiry", [-1, 2**63])
def test_bad_expiry_is_refused(expiry: int) -> None:
    _refused(SignedTx(valid_body(expiry=expiry), [bytes(64)]), "expiry")


def test_empty_contract_or_action_is_refused() -> None:
    _refused(SignedTx(valid_body(contract=""), [bytes(64)]), "contract/action")
    _refused(SignedTx(valid_body(action=""), [bytes(64)]), "contract/action")


def _padded(total: int) -> bytes:
    """A canonical tx of exactly ``total`` bytes (a memo string fills the space)."""
    base = len(encode(valid_tx(args={"memo": ""})))
    for header in (3, 5):  # str16 holds up to 65535 bytes, str32 beyond
        raw = encode(valid_tx(args={"memo": "x" * (total - base - header + 1)}))
        if len(raw) == total:
            return raw
    raise AssertionError(f"cannot build a {total}-byte tx")


def test_oversize_tx_is_refused() -> None:
    at_limit = _padded(MAX_TX_BYTES)
    decode_tx(at_limit, SUITE)
    with pytest.raises(DecodeError) as info:
        decode_tx(_padded(MAX_TX_BYTES + 1), SUITE)
    assert info.value.message.startswith("transaction:")
    with pytest.raises(DecodeError, match=r"^transaction:"):
        decode_tx(b"\x00" * (MAX_TX_BYTES + 1), SUITE)


@settings(max_examples=100, deadline=None)
@given(SIGNED)
def test_decode_tx_refuses_only_with_decode_error(tx: SignedTx) -> None:
    """Any well-encoded but arbitrary tx is either accepted with its hash or refused."""
    try:
        decoded, tx_hash = decode_tx(encode(tx), SUITE)
    except DecodeError as exc:
        assert exc.message.split(":")[0] in {
            "signers", "signatures", "nonce", "expiry", "contract/action", "transaction",
        }
        return
    assert decoded == tx
    assert tx_hash == tx_digest(SUITE, tx.body)
    assert 1 <= len(tx.body.signers) <= MAX_SIGNERS
    assert 0 < tx.body.nonce < 2**63


class _Row(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True):
    invoice: str
    amount: int


class _Args(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    currency: str
    rows: list[_Row]
    memo: str = ""


@pytest.mark.parametrize(("value", "field", "reason"), [
    ({"currency": 1, "rows": []}, "args.currency", "expected str, got int"),
    ({"rows": []}, "args.currency", "missing (a required field)"),
    ({"currency": "CNY", "rows": [], "bonus": 1}, "args.bonus", "unknown field (takes"),
    ({"currency": "CNY", "rows": [["A", 1], ["B", "2"]]}, "args.rows[1].amount",
     "expected int, got str"),
    ({"currency": "CNY", "rows": [{"invoice": "A", "amount": 1}]}, "args.rows[0]",
     "give [invoice, amount]"),
])
def test_convert_names_the_part_at_fault_from_the_structure(value: dict[str, object],
                                                             field: str, reason: str) -> None:
    with pytest.raises(BadArguments) as caught:
        convert(value, _Args, "args")
    assert caught.value.field == field
    assert caught.value.reason.startswith(reason), caught.value.reason
