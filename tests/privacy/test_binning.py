"""Vertical WoE binning: bins, WoE and IV equal plain optbinning on the raw x and y."""

from __future__ import annotations

import numpy as np
import pytest

from smechain.privacy import he
from smechain.privacy.binning import BinningBank, BinningOptions, BinningOwner, plain_binning

SPECIAL = -999.0


def _data(n: int, seed: int = 5) -> tuple[dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    income = rng.lognormal(3, 1, n)
    late = rng.poisson(2, n).astype(np.float64)
    noise = rng.normal(size=n)
    logit = -0.6 * np.log(income) + 0.5 * late + 0.3 * np.sin(3 * noise) - 0.2
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    income[rng.random(n) < 0.04] = np.nan
    late[rng.random(n) < 0.03] = SPECIAL
    return {"income": income, "late": late, "noise": noise}, y


@pytest.fixture(scope="module")
def key() -> he.BankKey:
    return he.BankKey(1024)


@pytest.mark.parametrize("trend", ["descending", "auto_asc_desc", "peak"])
def test_bins_woe_and_iv_equal_plain_optbinning(key: he.BankKey, trend: str) -> None:
    columns, y = _data(6_000)
    options = BinningOptions(max_n_prebins=15, monotonic_trend=trend)
    specials = {"late": [SPECIAL]}
    bank = BinningBank("bank", y, key, ["tax"], options)
    owner = BinningOwner("tax", columns, options, specials)
    (labels,) = bank.start()
    (sums,) = owner.receive(labels)
    (merges,) = bank.receive(sums)
    assert owner.receive(merges) == []
    merged_somewhere = False
    for name, x in columns.items():
        plain = plain_binning(x, y, specials.get(name, []), options, name)
        assert np.array_equal(owner.splits(name), plain.splits)  # same thresholds
        ours = bank.results["tax"][name]
        theirs = plain.binning_table.build()
        for col in ("Count", "Event", "Non-event"):
            assert np.array_equal(ours.table[col].to_numpy(), theirs[col].to_numpy())
        np.testing.assert_allclose(ours.table["WoE"].iloc[:-1].astype(float),
                                   theirs["WoE"].iloc[:-1].astype(float), rtol=1e-12)
        assert ours.iv == pytest.approx(theirs.loc["Totals", "IV"], rel=1e-12)
        assert owner.woe[name] == ours.woe
        merged_somewhere |= len(ours.keep_after) < owner.prebins[name].n_clean - 1
    assert merged_somewhere  # the test covers merging, not only the identity


def test_what_crosses_in_binning(key: he.BankKey) -> None:
    columns, y = _data(500, seed=8)
    options = BinningOptions(max_n_prebins=8)
    bank = BinningBank("bank", y, key, ["tax"], options)
    owner = BinningOwner("tax", columns, options)
    (labels,) = bank.start()
    assert len(labels.ciphertexts) > 100 * y.size  # ciphertexts, not 0/1 bytes
    (sums,) = owner.receive(labels)
    # per pre-bin numbers only: no threshold or value of x reaches the bank
    assert all(len(c) == sums.width for c in sums.counts)
    assert sum(sums.counts[0]) == y.size
    for x in columns.values():
        finite = x[np.isfinite(x)]
        assert finite[:50].tobytes() not in sums.event_sums
    (merges,) = bank.receive(sums)
    assert all(all(isinstance(k, int) for k in keep) for keep in merges.keep_after)


def test_labels_must_be_binary(key: he.BankKey) -> None:
    with pytest.raises(ValueError, match="0 or 1"):
        BinningBank("bank", np.array([0, 2]), key, ["tax"], BinningOptions())
