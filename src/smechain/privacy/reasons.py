"""Reason codes: the (up to) four features that cost an organisation the most points.

Each owner knows, per organisation, the points each of its features lost
(``loss = the feature's best points - the points it scored``, >= 0). The bank
must learn the overall top four feature *codes*, and nothing else.

1. Each owner keeps, per organisation, its own top four ``(loss, code)``
   candidates (:func:`owner_candidates`); the overall top four is always
   among the owners' candidates.
2. It masks each code with a one-time pad, ``code + pad (mod 2^32)``, the
   pad from AES-256-CTR under a fresh 32-byte seed that only it and the bank
   hold (:func:`pads`): the masked code alone is uniform. It sends the losses
   (in the clear) and the masked codes to aggregator 1, the seed to the bank.
3. Aggregator 1 sorts every organisation's candidates by loss (ties: owner
   order, then the owner's own order), keeps the top four with a positive loss
   (:func:`select_top`), and forwards to the bank only their masked codes and
   where each came from (owner, slot), never a loss.
4. The bank removes the pads (:func:`unmask`) and reads the codes.

The order is a total one: a loss, then the position of the feature in the
concatenation of the owners' features; :func:`plain_reason_codes` is the same
rule on all losses at once, the reference the protocol must equal.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

SLOTS = 4
"""Reason codes per organisation (and candidates per owner)."""
NONE = -1
"""The code of an empty slot: fewer than four features lost points."""
_MAX_FEATURES = 1 << 12
_MAX_LOSS = 1 << 40


def _check(losses: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    losses = np.asarray(losses)
    if losses.ndim != 2 or losses.shape[1] >= _MAX_FEATURES:
        raise ValueError(f"losses must be rows x features (< {_MAX_FEATURES}); "
                         f"got shape {losses.shape}")
    if losses.size and (losses.min() < 0 or losses.max() >= _MAX_LOSS):
        raise ValueError(f"point losses must lie in [0, 2^40); got "
                         f"[{losses.min()}, {losses.max()}]")
    return losses.astype(np.int64, copy=False)


def _top(keys: npt.NDArray[np.int64], k: int) -> npt.NDArray[np.intp]:
    """Column indices of each row's ``k`` largest keys (keys unique per row), largest first."""
    if keys.shape[1] > k:
        part = np.argpartition(-keys, k - 1, axis=1)[:, :k]
    else:
        part = np.broadcast_to(np.arange(keys.shape[1]), keys.shape).copy()
    order = np.argsort(-np.take_along_axis(keys, part, axis=1), axis=1)
    return np.take_along_axis(part, order, axis=1)


def owner_candidates(losses: npt.NDArray[np.int64],
                     codes: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64],
                                                            npt.NDArray[np.int64]]:
    """An owner's top ``SLOTS`` (loss, code) per row, by loss then column order.

    ``losses`` is rows x features; ``codes[j]`` is feature j's reason code.
    Owners with fewer than four features pad with (0, ``NONE``).
    """
    losses = _check(losses)
    n, f = losses.shape
    cols = np.arange(f, dtype=np.int64)
    # One unique key per column: loss first, the earlier column wins a tie.
    keys = (losses << 12) | (_MAX_FEATURES - 1 - cols)
    top = _top(keys, min(SLOTS, f))
    cand_loss = np.zeros((n, SLOTS), dtype=np.int64)
    cand_code = np.full((n, SLOTS), NONE, dtype=np.int64)
    cand_loss[:, : top.shape[1]] = np.take_along_axis(losses, top, axis=1)
    cand_code[:, : top.shape[1]] = np.asarray(codes, dtype=np.int64)[top]
    return cand_loss, cand_code


def pads(seed: bytes, row_start: int, rows: int) -> npt.NDArray[np.uint32]:
    """The one-time pads of rows ``row_start .. row_start + rows`` (rows x SLOTS uint32).

    AES-256-CTR keystream under ``seed``; a row's four 32-bit pads are exactly one
    AES block, so the counter of row r is r and any chunk can be made on its own.
    """
    enc = Cipher(algorithms.AES(seed), modes.CTR(row_start.to_bytes(16, "big"))).encryptor()
    stream = enc.update(bytes(16 * rows)) + enc.finalize()
    return np.frombuffer(stream, dtype=np.uint32).reshape(rows, SLOTS)


def mask(codes: npt.NDArray[np.int64], pad: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """``code + pad (mod 2^32)``; ``NONE`` is masked like any other code."""
    return codes.astype(np.uint32) + pad


def select_top(losses: list[npt.NDArray[np.int64]], masked: list[npt.NDArray[np.uint32]]
               ) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int16]]:
    """Aggregator 1: the overall top ``SLOTS`` of the owners' candidates, per row.

    ``losses[i]`` and ``masked[i]`` are owner i's candidates (rows x SLOTS).
    Returns the chosen masked codes and their origin ``owner * SLOTS + slot``
    (-1 for an empty slot: a loss of zero never becomes a reason).
    """
    all_loss = np.concatenate(losses, axis=1)
    all_masked = np.concatenate(masked, axis=1)
    width = all_loss.shape[1]
    origin = np.arange(width, dtype=np.int64)
    keys = (all_loss << 12) | (_MAX_FEATURES - 1 - origin)
    top = _top(keys, SLOTS)
    chosen_loss = np.take_along_axis(all_loss, top, axis=1)
    where = np.where(chosen_loss > 0, top, -1).astype(np.int16)
    chosen = np.where(chosen_loss > 0, np.take_along_axis(all_masked, top, axis=1), 0)
    return chosen.astype(np.uint32), where


def unmask(chosen: npt.NDArray[np.uint32], where: npt.NDArray[np.int16], seeds: list[bytes],
           row_start: int) -> npt.NDArray[np.int64]:
    """The bank: reason codes (rows x SLOTS, ``NONE`` where empty) from aggregator 1's
    selection and the owners' pad seeds."""
    rows = chosen.shape[0]
    codes = np.full((rows, SLOTS), NONE, dtype=np.int64)
    for owner, seed in enumerate(seeds):
        pad = pads(seed, row_start, rows)
        for slot in range(SLOTS):
            hit = where == owner * SLOTS + slot
            if hit.any():
                r = np.nonzero(hit)[0]
                codes[hit] = (chosen[hit] - pad[r, slot]).astype(np.int32)
    return codes


def plain_reason_codes(losses: list[npt.NDArray[np.int64]],
                       codes: list[npt.NDArray[np.int64]]) -> npt.NDArray[np.int64]:
    """The reference: top ``SLOTS`` codes over all owners' features at once, in the clear."""
    all_loss = np.concatenate([_check(x) for x in losses], axis=1)
    all_code = np.concatenate([np.asarray(c, dtype=np.int64) for c in codes])
    width = all_loss.shape[1]
    keys = (all_loss << 12) | (_MAX_FEATURES - 1 - np.arange(width, dtype=np.int64))
    top = _top(keys, min(SLOTS, width))
    chosen_loss = np.take_along_axis(all_loss, top, axis=1)
    out = np.full((all_loss.shape[0], SLOTS), NONE, dtype=np.int64)
    out[:, : top.shape[1]] = np.where(chosen_loss > 0, all_code[top], NONE)
    return out
