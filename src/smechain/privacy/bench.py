"""Timing figures of the protocols against their plain counterparts, in one process.

Library code for ``bench/credit.py`` and ``docs/privacy.md``: it prints nothing
and returns numbers (seconds, rates). Synthetic inputs from a seeded generator.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from smechain.privacy import he, reasons, scoring


def private_scoring_figures(n_orgs: int, n_owners: int = 4, features_per_owner: int = 6,
                            chunk_rows: int = scoring.CHUNK_ROWS,
                            seed: int = 1) -> dict[str, float]:
    """Seconds to score ``n_orgs`` organisations with reason codes: plain (partials added,
    top four of all losses) and private (the ``shares`` protocol in this process, chunk by
    chunk; inputs are made per chunk and not timed)."""
    rng = np.random.default_rng(seed)
    roles = scoring.Roles(tuple(f"owner-{i}" for i in range(n_owners)))
    codes = [np.arange(features_per_owner) + 100 * i for i in range(n_owners)]
    plain_s = private_s = 0.0
    for start in range(0, n_orgs, chunk_rows):
        rows = min(chunk_rows, n_orgs - start)
        partials = [rng.integers(-300, 300, rows) for _ in range(n_owners)]
        losses = [rng.integers(0, 60, (rows, features_per_owner)) for _ in range(n_owners)]
        t = time.perf_counter()
        want = scoring.plain_scores(partials)
        want_codes = reasons.plain_reason_codes(losses, codes)
        plain_s += time.perf_counter() - t
        chunk = [scoring.OwnerChunk(start, p, x, c)
                 for p, x, c in zip(partials, losses, codes, strict=True)]
        t = time.perf_counter()
        (done,) = scoring.private_score_chunks([chunk], roles)
        private_s += time.perf_counter() - t
        if not (np.array_equal(done.totals, want) and np.array_equal(done.codes, want_codes)):
            raise AssertionError("private scores differ from plain ones")
    return {"n_orgs": n_orgs, "plain_scoring_s": plain_s, "private_scoring_s": private_s}


def he_figures(n: int = 20_000, key_bits: int = he.KEY_BITS) -> dict[str, float]:
    """OU encryptions and range-checked decryptions per second on ``n`` int64 values."""
    key = he.BankKey(key_bits)
    values = np.random.default_rng(2).integers(-(2**40), 2**40, n)
    t = time.perf_counter()
    ct = key.encrypt(values)
    enc_s = time.perf_counter() - t
    t = time.perf_counter()
    back = key.decrypt(ct)
    dec_s = time.perf_counter() - t
    if not np.array_equal(back, values):
        raise AssertionError("OU round trip failed")
    return {"encryptions_per_s": n / enc_s, "decryptions_per_s": n / dec_s}


def vertical_binning_figures(n_rows: int, n_features: int, max_n_prebins: int = 10,
                             key_bits: int = he.KEY_BITS, seed: int = 3) -> dict[str, Any]:
    """Seconds of vertical WoE binning of ``n_features`` features of one owner over
    ``n_rows`` rows (labels encrypted, per-pre-bin sums, decryption, optbinning on counts)
    against plain optbinning on the raw columns, with the parts timed apart."""
    from smechain.privacy.binning import BinningBank, BinningOptions, BinningOwner, plain_binning

    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(n_rows, n_features))
    logit = xs[:, : min(3, n_features)].sum(axis=1) * 0.7 - 1.0
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    options = BinningOptions(max_n_prebins=max_n_prebins)
    columns = {f"f{j}": xs[:, j] for j in range(n_features)}
    t = time.perf_counter()
    for name, col in columns.items():
        plain_binning(col, y, [], options, name)
    plain_s = time.perf_counter() - t

    t0 = time.perf_counter()
    key = he.BankKey(key_bits)
    bank = BinningBank("bank", y, key, ["owner"], options)
    owner = BinningOwner("owner", columns, options)
    (labels,) = bank.start()
    t1 = time.perf_counter()
    (sums,) = owner.receive(labels)
    t2 = time.perf_counter()
    (merges,) = bank.receive(sums)
    owner.receive(merges)
    t3 = time.perf_counter()
    return {"n_rows": n_rows, "n_features": n_features, "plain_binning_s": plain_s,
            "vertical_binning_s": t3 - t0, "encrypt_labels_s": t1 - t0,
            "owner_prebin_and_bucket_sums_s": t2 - t1, "bank_decrypt_and_optbinning_s": t3 - t2,
            "label_ciphertext_bytes": len(labels.ciphertexts)}  # type: ignore[attr-defined]


def bench_figures(n_orgs: int = 1_000_000, n_rows: int = 800_000,
                  n_features: int = 20) -> dict[str, float]:
    """The figures ``bench/credit.py`` reports: ``private_scoring_s`` and
    ``plain_scoring_s`` for ``n_orgs`` organisations, ``vertical_binning_s`` and
    ``plain_binning_s`` for ``n_rows`` x ``n_features``, and OU rates."""
    out: dict[str, float] = {}
    out.update(private_scoring_figures(n_orgs))
    out.update(he_figures())
    vb = vertical_binning_figures(n_rows, n_features)
    out.update({k: float(v) for k, v in vb.items()})
    return out
