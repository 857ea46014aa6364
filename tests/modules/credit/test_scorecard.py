"""Scorecards on real data: targets out of time, exact integer scores, reasons, artefact, PSI."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from smechain.modules.credit import datasets, desk
from smechain.modules.credit.scorecard import (
    ArtefactError,
    ScorecardModel,
    Trained,
    discrimination,
    psi,
    psi_by_period,
    train_german,
    train_sba,
)
from smechain.privacy import scoring

SBA_SAMPLE = 100_000
"""Training rows sampled from fiscal 1962–2000 (of 368,288): the smallest round size measured
to reach the targets (100k: AUC 0.864, KS 0.593; the whole window: 0.865, 0.598)."""


@pytest.fixture(scope="module")
def german() -> Trained:
    return train_german()


@pytest.fixture(scope="module")
def sba() -> Trained:
    return train_sba(SBA_SAMPLE)


@pytest.fixture(scope="module")
def oot() -> pd.DataFrame:
    return datasets.load_sba().test


def test_german_credit_end_to_end(german: Trained) -> None:
    held = german.model.metrics["test"]
    assert held["auc"] >= 0.75 and held["ks"] >= 0.4
    frame = datasets.load_german()
    assert np.array_equal(german.model.score(frame), german.optbinning.score(frame))


def test_sba_out_of_time_targets(sba: Trained, oot: pd.DataFrame) -> None:
    scores = sba.model.score(oot)
    measured = discrimination(oot[datasets.SBA_TARGET], scores)
    assert len(oot) == 207_819
    assert measured["auc"] >= 0.85 and measured["ks"] >= 0.55
    assert measured == sba.model.metrics["test"]


def test_score_is_base_plus_the_owners_partial_points(sba: Trained, oot: pd.DataFrame) -> None:
    model = sba.model
    scores = model.score(oot)
    assert scores.dtype == np.int64
    partials = [model.partial_points(owner, oot[datasets.SBA_OWNERS[owner]])
                for owner in model.owners]
    assert set(model.owners) == set(datasets.SBA_OWNERS)
    assert np.array_equal(scores, model.base_points + np.sum(partials, axis=0))
    # optbinning's own score of the rounded card: the same integers.
    assert np.array_equal(scores, sba.optbinning.score(oot[[f.name for f in model.features]]))


def test_rounding_moves_a_score_by_at_most_half_a_point_a_term(sba: Trained,
                                                               oot: pd.DataFrame) -> None:
    scaling = sba.model.scaling
    factor = scaling.pdo / np.log(2)
    offset = scaling.base_score - factor * np.log(scaling.base_odds)
    log_odds_bad = sba.optbinning.decision_function(oot[[f.name for f in sba.model.features]])
    unrounded = offset - factor * log_odds_bad
    gap = np.abs(sba.model.score(oot) - unrounded)
    assert gap.max() <= (len(sba.model.features) + 1) / 2


def test_reason_codes(sba: Trained, oot: pd.DataFrame) -> None:
    model = sba.model
    rows = oot.iloc[:2_000]
    points = model.feature_points(rows)
    best = {f.name: max(f.points) for f in model.features}
    column = {f.name: j for j, f in enumerate(model.features)}
    all_reasons = model.reason_codes(rows)
    assert any(len(r) == 4 for r in all_reasons)
    for i, reasons in enumerate(all_reasons):
        assert len(reasons) <= 4
        losses = [r.points_lost for r in reasons]
        assert losses == sorted(losses, reverse=True) and all(x > 0 for x in losses)
        for r in reasons:
            assert r.points_lost == best[r.feature] - points[i, column[r.feature]]
            assert r.zh and r.en and r.code == model.feature(r.feature).reason.code
        # Every feature left out lost no more than the last reason given.
        given = {r.feature for r in reasons}
        others = [best[f] - points[i, column[f]] for f in best if f not in given]
        if len(reasons) == 4:
            assert max(others) <= losses[-1]
        else:
            assert max(others, default=0) == 0


def test_no_reason_for_an_applicant_at_every_best_bin(german: Trained) -> None:
    model = german.model
    best_rows = pd.DataFrame({f.name: [_value_in_bin(f, int(np.argmax(f.points)))]
                              for f in model.features})
    assert model.reason_codes(best_rows) == [()]
    with pytest.raises(ValueError, match="at most four"):
        model.reason_codes(best_rows, k=5)


def _value_in_bin(feature: Any, index: int) -> object:
    if feature.dtype == "categorical":
        return feature.categories[index][0]
    edges = [-1e12, *(float(s) for s in feature.splits)]
    return edges[index] if index > 0 else edges[1] - 1 if feature.splits else 0.0


@pytest.mark.parametrize("which", ["sba", "german"])
def test_numerical_bins_are_monotone(which: str, request: pytest.FixtureRequest) -> None:
    trained: Trained = request.getfixturevalue(which)
    checked = 0
    for f in trained.model.features:
        if f.dtype != "numerical" or f.n_bins < 2:
            continue
        table = trained.optbinning.binning_process_.get_binned_variable(f.name).binning_table
        rates = table.build()["Event rate"].to_numpy()[: f.n_bins].astype(float)
        steps = np.diff(rates)
        assert (steps >= 0).all() or (steps <= 0).all(), f.name
        regular = np.diff(f.points[: f.n_bins])
        assert (regular >= 0).all() or (regular <= 0).all(), f.name
        checked += 1
    assert checked >= 3


def test_special_missing_and_unknown_values_have_their_bins(sba: Trained) -> None:
    model = sba.model
    no_emp = model.feature("NoEmp")
    assert model.bin_index("NoEmp", [0, np.nan, 3]).tolist()[:2] == [no_emp.n_bins,
                                                                      no_emp.n_bins + 1]
    state = model.feature("State")
    assert model.bin_index("State", ["ZZ", None, "CA"]).tolist()[:2] == [state.n_bins + 1] * 2


def test_artefact_round_trips_with_a_stable_digest(sba: Trained, tmp_path: Path) -> None:
    model = sba.model
    path = tmp_path / "sba.json"
    digest = model.save(path)
    assert digest == model.digest() == hashlib.sha256(path.read_bytes()).hexdigest()
    loaded = ScorecardModel.load(path, digest=digest)
    assert loaded == model and loaded.encode() == model.encode()
    assert ScorecardModel.decode(model.encode()).digest() == digest
    content = json.loads(path.read_bytes())
    del content["metrics"]
    assert not _floats(content)
    assert all(isinstance(p, int) for f in content["features"] for p in f["points"])


def _floats(value: object) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [x for v in value.values() for x in _floats(v)]
    if isinstance(value, list):
        return [x for v in value for x in _floats(v)]
    return []


def test_retraining_gives_the_same_artefact(german: Trained) -> None:
    assert train_german().model.digest() == german.model.digest()


def test_damaged_artefacts_are_refused(german: Trained, tmp_path: Path) -> None:
    data = german.model.encode()
    path = tmp_path / "card.json"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ArtefactError, match="not valid JSON"):
        ScorecardModel.load(path)
    path.write_bytes(data.replace(b'"points":[', b'"points":[1.5,', 1))
    with pytest.raises(ArtefactError, match="malformed"):
        ScorecardModel.load(path)
    path.write_bytes(data + b"\n")
    with pytest.raises(ArtefactError, match="canonical"):
        ScorecardModel.load(path)
    changed = data.replace(b'"base_points":', b'"base_points":1', 1)
    path.write_bytes(changed)
    with pytest.raises(ArtefactError, match="digest"):
        ScorecardModel.load(path, digest=german.model.digest())
    with pytest.raises(ArtefactError, match="cannot read"):
        ScorecardModel.load(tmp_path / "absent.json")


def test_psi_is_zero_for_the_same_distribution_and_large_for_a_shift() -> None:
    rng = np.random.default_rng(5)
    expected = rng.normal(550, 30, 50_000).round()
    assert psi(expected, rng.normal(550, 30, 50_000).round()) < 0.01
    assert psi(expected, expected) == 0
    assert psi(expected, expected + 40) > 0.5


def test_psi_by_quarter(sba: Trained, oot: pd.DataFrame) -> None:
    baseline = datasets.sample(datasets.load_sba().train, 20_000)
    rows = psi_by_period(sba.model, baseline, oot)
    assert [r.period for r in rows] == sorted(oot["quarter"].unique())
    assert sum(r.rows for r in rows) == len(oot)
    assert all(r.psi_bp == round(r.psi * 10_000) and r.psi >= 0 for r in rows)


def test_bands_follow_the_score(sba: Trained) -> None:
    model = sba.model
    cuts = [b.min_score for b in model.bands]
    assert cuts == sorted(cuts, reverse=True) and [b.grade for b in model.bands] == list("ABCDE")
    assert model.band([cuts[0], cuts[0] - 1, cuts[3] - 1]) == ["A", "B", "E"]


def test_sba_out_of_time_targets_by_the_private_protocol(sba: Trained,
                                                         oot: pd.DataFrame) -> None:
    """The SBA card scored out of time by the owners (the bank's own application data,
    social insurance, market regulation) through two aggregators' secret shares: the
    scores and reason codes equal plain scoring exactly, so AUC and KS meet the targets
    by the protocol too."""
    card = sba.model
    rows = len(oot)
    chunks = [desk.owner_chunk(card, owner, oot) for owner in card.owners]
    totals, codes = scoring.private_scores([c.partials for c in chunks],
                                           [c.losses for c in chunks],
                                           [c.codes for c in chunks], chunk_rows=100_000)
    scores = totals + card.base_points
    assert np.array_equal(scores, card.score(oot))
    found = discrimination(oot[datasets.SBA_TARGET], scores)
    assert found["auc"] >= 0.85 and found["ks"] >= 0.55, found
    order = card.reason_order()
    sample = np.random.default_rng(3).choice(rows, 2_000, replace=False)
    want = card.reason_codes(oot.iloc[sample])
    assert codes is not None
    for row, expected in zip(sample, want, strict=True):
        got = [card.features[order[c]].reason.code for c in codes[row] if c >= 0]
        assert got == [r.code for r in expected]
