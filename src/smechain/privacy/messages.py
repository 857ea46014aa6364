"""The messages of the protocols: msgpack records, each with a declared type (its tag).

Arrays travel as raw little-endian bytes of a stated dtype; ciphertext arrays
as ``sf-heu``'s serialisation. ``encode``/``decode`` turn a record into bytes
and back; a decoder accepts only these types.
"""

from __future__ import annotations

import msgspec


class Msg(msgspec.Struct, tag_field="type", frozen=True, kw_only=True):
    """Every message: its sender and receiver are parties' names."""

    sender: str
    receiver: str


# --- vertical binning ---------------------------------------------------------------------

class EncryptedLabels(Msg, tag="encrypted-labels"):
    """Bank -> owner: the bank's public key and its 0/1 labels, each encrypted."""

    public_key: bytes
    rows: int
    ciphertexts: bytes


class PrebinSums(Msg, tag="prebin-sums"):
    """Owner -> bank: per feature, per pre-bin (by number, never by threshold) the row
    count in the clear and the encrypted sum of labels.

    A feature's pre-bins are ``0 .. n_clean[f] - 1`` (its quantile pre-bins, in order),
    then ``missing``, then ``special``; ``width`` entries per feature, unused ones zero.
    """

    features: list[str]
    n_clean: list[int]
    width: int
    counts: list[list[int]]
    event_sums: bytes


class BinMerges(Msg, tag="bin-merges"):
    """Bank -> owner: per feature, the pre-bin numbers after which a split is kept
    (split j separates pre-bins j and j + 1), and the bins' WoE (clean bins, then
    missing, then special)."""

    features: list[str]
    keep_after: list[list[int]]
    woe: list[list[float]]


# --- private scoring ----------------------------------------------------------------------

class ScoreShare(Msg, tag="score-share"):
    """Owner -> aggregator: one share (uint64, uniform alone) of its partial points for
    rows ``row_start .. row_start + rows``."""

    row_start: int
    rows: int
    share: bytes


class ShareSum(Msg, tag="share-sum"):
    """Aggregator -> bank: the sum mod 2^64 of the shares of every owner for a chunk."""

    row_start: int
    rows: int
    owners: int
    total: bytes


class PadSeed(Msg, tag="pad-seed"):
    """Owner -> bank: the 32-byte seed of the pads that mask its reason-code candidates."""

    seed: bytes


class ReasonCandidates(Msg, tag="reason-candidates"):
    """Owner -> aggregator 1: per row its top four point losses (int64, in the clear)
    and their codes masked with one-time pads (uint32, uniform alone)."""

    row_start: int
    rows: int
    losses: bytes
    masked_codes: bytes


class ReasonSelection(Msg, tag="reason-selection"):
    """Aggregator 1 -> bank: per row the four chosen masked codes and their origin
    (owner * 4 + slot as int16, -1 for an empty slot); no losses."""

    row_start: int
    rows: int
    masked_codes: bytes
    origins: bytes


class PublicKey(Msg, tag="public-key"):
    """Bank -> owner: the bank's OU public key (homomorphic scoring)."""

    public_key: bytes


class EncryptedPartials(Msg, tag="encrypted-partials"):
    """Owner -> aggregator: its partial points for a chunk, encrypted under the bank's key."""

    row_start: int
    rows: int
    ciphertexts: bytes


class EncryptedTotals(Msg, tag="encrypted-totals"):
    """Aggregator -> bank: the homomorphic sum of every owner's encrypted partials."""

    row_start: int
    rows: int
    owners: int
    ciphertexts: bytes


class Control(Msg, tag="control"):
    """Between a party and the coordinator that runs a session: ``ready`` (subscribed),
    ``go`` (start ``step``), ``done`` (finished ``step``). Carries no data."""

    word: str
    step: str = ""


Message = (EncryptedLabels | PrebinSums | BinMerges | ScoreShare | ShareSum | PadSeed
           | ReasonCandidates | ReasonSelection | PublicKey | EncryptedPartials
           | EncryptedTotals | Control)

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Message)


def encode(msg: Msg) -> bytes:
    """The message's msgpack bytes (its type in the ``type`` field)."""
    return _encoder.encode(msg)


def decode(data: bytes) -> Msg:
    """A message from :func:`encode`'s bytes; ``msgspec.ValidationError`` for any other."""
    return _decoder.decode(data)
