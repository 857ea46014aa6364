"""Private scoring: the bank learns each organisation's total score and up to four
reason codes; no one learns an owner's partial points.

A scorecard's score is ``base + sum over owners of partial points`` (integers),
so each owner computes its partials for a chunk of organisations on its own
data and sends them on, in one of two modes:

- ``shares`` (the fast default): additive shares mod 2^64 (:mod:`.sharing`),
  share A to aggregator 1 and share B to aggregator 2. Each aggregator adds the
  shares of every owner and sends its sum to the bank, which adds the two sums
  and reads signed int64 totals. Either aggregator alone sees uniform noise;
  the two must not collude.
- ``he``: each owner encrypts its partials under the bank's OU key; aggregator
  1 adds the ciphertexts; the bank decrypts with ``decrypt_in_range``.

Reason codes follow :mod:`.reasons` in both modes. Every party is a small
object whose ``receive(msg)`` returns the messages it sends in reply, so the
same code runs in one process (:func:`run_in_process`, :func:`private_scores`)
or in separate processes over NATS (:mod:`.process`).
"""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from smechain.privacy import he, reasons, sharing
from smechain.privacy.messages import (
    EncryptedPartials,
    EncryptedTotals,
    Msg,
    PadSeed,
    PublicKey,
    ReasonCandidates,
    ReasonSelection,
    ScoreShare,
    ShareSum,
    decode,
    encode,
)

I64 = npt.NDArray[np.int64]
CHUNK_ROWS = 1_000_000
MODES = ("shares", "he")


@dataclass(frozen=True, slots=True)
class Roles:
    """The parties' names: owners in a fixed order (it breaks reason-code ties)."""

    owners: tuple[str, ...]
    bank: str = "bank"
    aggregators: tuple[str, str] = ("aggregator-1", "aggregator-2")


@dataclass(frozen=True, slots=True)
class OwnerChunk:
    """One owner's inputs for rows ``row_start .. row_start + len(partials)``."""

    row_start: int
    partials: I64
    """Its partial points per organisation (int64)."""
    losses: I64 | None = None
    """Points each of its features lost, rows x features (int64, >= 0); None: no codes."""
    codes: I64 | None = None
    """The reason code of each of its features (default: column numbers)."""


class Party(Protocol):
    name: str

    def receive(self, msg: Msg) -> list[Msg]: ...


class ScoringOwner:
    """A data owner: turns its chunks into shares or ciphertexts and reason candidates."""

    def __init__(self, name: str, roles: Roles, mode: str = "shares",
                 public_key: bytes | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.name, self.roles, self.mode = name, roles, mode
        self.seed = secrets.token_bytes(32)
        self._kit = he.PublicKit(public_key) if public_key is not None else None

    def receive(self, msg: Msg) -> list[Msg]:
        if isinstance(msg, PublicKey) and msg.sender == self.roles.bank:
            self._kit = he.PublicKit(msg.public_key)
            return []
        raise ValueError(f"{self.name}: unexpected {type(msg).__name__} from {msg.sender}")

    def seed_message(self) -> PadSeed:
        """The seed of this owner's reason-code pads, for the bank only."""
        return PadSeed(sender=self.name, receiver=self.roles.bank, seed=self.seed)

    def chunk(self, chunk: OwnerChunk) -> list[Msg]:
        """The messages carrying one chunk of this owner's partials (and candidates)."""
        partials = np.ascontiguousarray(chunk.partials, dtype=np.int64)
        rows, start = int(partials.size), chunk.row_start
        agg1, agg2 = self.roles.aggregators
        out: list[Msg] = []
        if self.mode == "shares":
            a, b = sharing.split(partials)
            out += [ScoreShare(sender=self.name, receiver=agg1, row_start=start, rows=rows,
                               share=a.tobytes()),
                    ScoreShare(sender=self.name, receiver=agg2, row_start=start, rows=rows,
                               share=b.tobytes())]
        else:
            if self._kit is None:
                raise ValueError(f"{self.name}: no public key of the bank yet")
            out.append(EncryptedPartials(sender=self.name, receiver=agg1, row_start=start,
                                         rows=rows,
                                         ciphertexts=he.dump(self._kit.encrypt(partials))))
        if chunk.losses is not None:
            losses = np.asarray(chunk.losses)
            codes = (np.arange(losses.shape[1]) if chunk.codes is None else chunk.codes)
            cand_loss, cand_code = reasons.owner_candidates(losses, np.asarray(codes))
            masked = reasons.mask(cand_code, reasons.pads(self.seed, start, rows))
            out.append(ReasonCandidates(sender=self.name, receiver=agg1, row_start=start,
                                        rows=rows, losses=cand_loss.tobytes(),
                                        masked_codes=masked.tobytes()))
        return out


def _u64(data: bytes) -> npt.NDArray[np.uint64]:
    return np.frombuffer(data, dtype=np.uint64)


class ScoringAggregator:
    """An aggregator: adds what the owners send for each chunk, forwards one sum.

    Aggregator 1 also selects the reason codes when ``reasons`` is set.
    """

    def __init__(self, name: str, roles: Roles, mode: str = "shares", reasons: bool = False,
                 public_key: bytes | None = None) -> None:
        self.name, self.roles, self.mode = name, roles, mode
        self.reasons = reasons and name == roles.aggregators[0]
        self._kit = he.PublicKit(public_key) if public_key is not None else None
        self._sums: dict[int, tuple[set[str], object]] = {}
        self._cands: dict[int, dict[str, ReasonCandidates]] = {}

    def receive(self, msg: Msg) -> list[Msg]:
        if isinstance(msg, PublicKey) and msg.sender == self.roles.bank:
            self._kit = he.PublicKit(msg.public_key)
            return []
        if msg.sender not in self.roles.owners:
            raise ValueError(f"{self.name}: message from {msg.sender}, not an owner")
        if isinstance(msg, ReasonCandidates) and self.reasons:
            return self._candidates(msg)
        if isinstance(msg, ScoreShare) and self.mode == "shares":
            return self._add(msg.row_start, msg.rows, msg.sender, _u64(msg.share))
        if isinstance(msg, EncryptedPartials) and self.mode == "he":
            return self._add(msg.row_start, msg.rows, msg.sender, he.load(msg.ciphertexts))
        raise ValueError(f"{self.name}: unexpected {type(msg).__name__} from {msg.sender}")

    def _add(self, start: int, rows: int, owner: str, value: object) -> list[Msg]:
        seen, total = self._sums.get(start, (set(), None))
        if owner in seen:
            raise ValueError(f"{self.name}: {owner} sent rows {start} twice")
        seen.add(owner)
        if self.mode == "shares":
            total = sharing.add(total, value)  # type: ignore[arg-type]
        else:
            if self._kit is None:
                raise ValueError(f"{self.name}: no public key of the bank")
            total = value if total is None else self._kit.add(total, value)  # type: ignore[arg-type]
        if len(seen) < len(self.roles.owners):
            self._sums[start] = (seen, total)
            return []
        self._sums.pop(start, None)
        n = len(seen)
        if self.mode == "shares":
            return [ShareSum(sender=self.name, receiver=self.roles.bank, row_start=start,
                             rows=rows, owners=n, total=total.tobytes())]  # type: ignore[union-attr]
        return [EncryptedTotals(sender=self.name, receiver=self.roles.bank, row_start=start,
                                rows=rows, owners=n, ciphertexts=he.dump(total))]  # type: ignore[arg-type]

    def _candidates(self, msg: ReasonCandidates) -> list[Msg]:
        got = self._cands.setdefault(msg.row_start, {})
        got[msg.sender] = msg
        if len(got) < len(self.roles.owners):
            return []
        del self._cands[msg.row_start]
        ordered = [got[o] for o in self.roles.owners]
        shape = (msg.rows, reasons.SLOTS)
        chosen, where = reasons.select_top(
            [np.frombuffer(c.losses, dtype=np.int64).reshape(shape) for c in ordered],
            [np.frombuffer(c.masked_codes, dtype=np.uint32).reshape(shape) for c in ordered])
        return [ReasonSelection(sender=self.name, receiver=self.roles.bank,
                                row_start=msg.row_start, rows=msg.rows,
                                masked_codes=chosen.tobytes(), origins=where.tobytes())]


@dataclass(slots=True)
class ScoredChunk:
    """What the bank learns about a chunk of organisations."""

    row_start: int
    totals: I64
    """Sum of the owners' partial points (add the scorecard's base points)."""
    codes: I64 | None = None
    """Up to four reason codes per organisation (rows x 4, ``reasons.NONE`` if empty)."""


@dataclass(slots=True)
class ScoringBank:
    """The bank: reconstructs totals and unmasks reason codes, chunk by chunk."""

    name: str
    roles: Roles
    mode: str = "shares"
    reasons: bool = False
    key: he.BankKey | None = None
    done: dict[int, ScoredChunk] = field(default_factory=dict)
    _parts: dict[int, dict[str, Msg]] = field(default_factory=dict)
    _seeds: dict[str, bytes] = field(default_factory=dict)

    def public_keys(self) -> list[Msg]:
        """The bank's public key, to every owner and aggregator 1 (``he`` mode)."""
        if self.key is None:
            raise ValueError("he mode needs the bank's key")
        to = [*self.roles.owners, self.roles.aggregators[0]]
        return [PublicKey(sender=self.name, receiver=r, public_key=self.key.public_key)
                for r in to]

    def receive(self, msg: Msg) -> list[Msg]:
        if isinstance(msg, PadSeed) and msg.sender in self.roles.owners:
            self._seeds[msg.sender] = msg.seed
            return []
        agg1, agg2 = self.roles.aggregators
        if isinstance(msg, ShareSum | ReasonSelection | EncryptedTotals):
            expected = ({ShareSum: (agg1, agg2), EncryptedTotals: (agg1,),
                         ReasonSelection: (agg1,)})[type(msg)]
            if msg.sender not in expected:
                raise ValueError(f"{self.name}: {type(msg).__name__} from {msg.sender}")
            parts = self._parts.setdefault(msg.row_start, {})
            parts[f"{type(msg).__name__}:{msg.sender}"] = msg
            self._finish(msg.row_start, parts)
            return []
        raise ValueError(f"{self.name}: unexpected {type(msg).__name__} from {msg.sender}")

    def _finish(self, start: int, parts: dict[str, Msg]) -> None:
        agg1, agg2 = self.roles.aggregators
        need = ([f"ShareSum:{agg1}", f"ShareSum:{agg2}"] if self.mode == "shares"
                else [f"EncryptedTotals:{agg1}"])
        if self.reasons:
            need.append(f"ReasonSelection:{agg1}")
        if not all(k in parts for k in need):
            return
        for k in need[: 2 if self.mode == "shares" else 1]:
            if parts[k].owners != len(self.roles.owners):  # type: ignore[attr-defined]
                raise ValueError(f"{self.name}: {k} sums {parts[k].owners} owners")  # type: ignore[attr-defined]
        if self.mode == "shares":
            a, b = (parts[k] for k in need[:2])
            totals = sharing.reconstruct(_u64(a.total), _u64(b.total))  # type: ignore[attr-defined]
        else:
            if self.key is None:
                raise ValueError("he mode needs the bank's key")
            totals = self.key.decrypt(he.load(parts[need[0]].ciphertexts))  # type: ignore[attr-defined]
        codes = None
        if self.reasons:
            sel = parts[f"ReasonSelection:{agg1}"]
            assert isinstance(sel, ReasonSelection)
            if set(self._seeds) != set(self.roles.owners):
                raise ValueError(f"{self.name}: pad seeds missing")
            shape = (sel.rows, reasons.SLOTS)
            codes = reasons.unmask(np.frombuffer(sel.masked_codes, np.uint32).reshape(shape),
                                   np.frombuffer(sel.origins, np.int16).reshape(shape),
                                   [self._seeds[o] for o in self.roles.owners], start)
        del self._parts[start]
        self.done[start] = ScoredChunk(start, totals, codes)


Record = Callable[[Msg, bytes], None]


def run_in_process(parties: Sequence[Party], messages: Iterable[Msg],
                   record: Record | None = None, limit: int = 1_000_000) -> None:
    """Deliver ``messages`` and every reply, through msgpack bytes as on the wire, until
    no message is left (at most ``limit`` deliveries). ``record(msg, data)`` sees each."""
    by_name = {p.name: p for p in parties}
    queue: deque[Msg] = deque(messages)
    for _ in range(limit):
        if not queue:
            return
        msg = queue.popleft()
        data = encode(msg)
        if record is not None:
            record(msg, data)
        queue.extend(by_name[msg.receiver].receive(decode(data)))
    raise RuntimeError(f"more than {limit} messages")


def private_score_chunks(chunks: Iterable[Sequence[OwnerChunk]], roles: Roles,
                         mode: str = "shares", reason_codes: bool = True,
                         key: he.BankKey | None = None,
                         record: Record | None = None) -> Iterator[ScoredChunk]:
    """Run the scoring protocol in this process over a stream of chunks, one chunk's
    memory at a time; yields what the bank learns for each.

    ``chunks`` yields, per chunk, one :class:`OwnerChunk` per owner in ``roles.owners``
    order. ``key`` is the bank's key (``he`` mode; made here if None).
    """
    if mode == "he" and key is None:
        key = he.BankKey()
    owners = [ScoringOwner(o, roles, mode) for o in roles.owners]
    aggs = [ScoringAggregator(a, roles, mode, reason_codes) for a in roles.aggregators]
    bank = ScoringBank(roles.bank, roles, mode, reason_codes, key)
    parties: list[Party] = [*owners, *aggs, bank]
    setup: list[Msg] = bank.public_keys() if mode == "he" else []
    if reason_codes:
        setup += [o.seed_message() for o in owners]
    run_in_process(parties, setup, record)
    for chunk in chunks:
        if len(chunk) != len(owners):
            raise ValueError(f"a chunk has {len(chunk)} owners' inputs, not {len(owners)}")
        msgs = [m for owner, part in zip(owners, chunk, strict=True) for m in owner.chunk(part)]
        run_in_process(parties, msgs, record)
        start = chunk[0].row_start
        yield bank.done.pop(start)


def slice_chunks(partials: Sequence[I64], losses: Sequence[I64] | None = None,
                 codes: Sequence[I64] | None = None,
                 chunk_rows: int = CHUNK_ROWS) -> Iterator[list[OwnerChunk]]:
    """Whole per-owner arrays cut into chunks of ``chunk_rows`` organisations (views)."""
    n = len(partials[0])
    if any(len(p) != n for p in partials):
        raise ValueError("every owner must score the same organisations")
    for start in range(0, n, chunk_rows):
        stop = min(n, start + chunk_rows)
        yield [OwnerChunk(start, p[start:stop],
                          None if losses is None else losses[i][start:stop],
                          None if codes is None else codes[i])
               for i, p in enumerate(partials)]


def private_scores(partials: Sequence[I64], losses: Sequence[I64] | None = None,
                   codes: Sequence[I64] | None = None, mode: str = "shares",
                   chunk_rows: int = CHUNK_ROWS, key: he.BankKey | None = None
                   ) -> tuple[I64, I64 | None]:
    """Totals (and reason codes when ``losses`` are given) of all organisations by the
    protocol in this process: the owners' arrays in, what the bank learns out."""
    roles = Roles(tuple(f"owner-{i}" for i in range(len(partials))))
    totals, found = [], []
    for done in private_score_chunks(slice_chunks(partials, losses, codes, chunk_rows),
                                     roles, mode, losses is not None, key):
        totals.append(done.totals)
        if done.codes is not None:
            found.append(done.codes)
    return np.concatenate(totals), (np.concatenate(found) if found else None)


def plain_scores(partials: Sequence[I64]) -> I64:
    """The reference: the owners' partial points added in the clear."""
    total = np.zeros(len(partials[0]), dtype=np.int64)
    for p in partials:
        total += np.asarray(p, dtype=np.int64)
    return total
