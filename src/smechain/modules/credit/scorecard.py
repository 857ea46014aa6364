"""Points scorecards: trained with optbinning, kept as an integer table anyone can recompute.

Off-ledger. :func:`train` bins each feature monotonically (optbinning's
``BinningProcess``, with a special and a missing bin per feature), fits a
logistic regression on the WoE values and scales it with optbinning's
``Scorecard`` (``scaling_method="pdo_odds"``, ``intercept_based=True``,
``rounding=True``). What comes out is a :class:`ScorecardModel`: per feature,
its owner, its bins and one *integer* of points per bin, plus an integer
``base_points``. A score is

    score = base_points + sum over features of points[feature][bin of the value]

exactly, in integers, so each data owner can compute the partial sum of its own
features on its own data (:meth:`ScorecardModel.partial_points`) and the parts
add up to optbinning's own ``Scorecard.score`` for the rounded card. Higher is
safer: ``scaling.base_score`` points at good:bad odds ``scaling.base_odds``, and
``scaling.pdo`` more points double the odds.

The model serialises to canonical JSON (sorted keys, no whitespace, UTF-8;
points, splits and bands hold no floats: splits are the exact decimal text of
optbinning's split points), and :meth:`ScorecardModel.digest` is the SHA-256
of those bytes, which the ledger records as the model version's digest.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve

FORMAT = "smechain-scorecard/1"
"""The artefact's format marker; :func:`ScorecardModel.decode` refuses any other."""

IntArray = npt.NDArray[np.int64]


class ArtefactError(ValueError):
    """A scorecard file that is damaged, not canonical, or not the one expected."""


@dataclass(frozen=True, slots=True)
class Scaling:
    """How log-odds become points (optbinning's ``pdo_odds``)."""

    base_score: int
    """The score at which good:bad odds are ``base_odds``."""
    base_odds: int
    """Good:bad odds at ``base_score`` (50 means 50 good loans for each bad one)."""
    pdo: int
    """Points that double the odds."""

    def score_at(self, pd_: float) -> float:
        """The (unrounded) score of a probability of default ``pd_``."""
        factor = self.pdo / math.log(2)
        offset = self.base_score - factor * math.log(self.base_odds)
        return offset + factor * math.log((1 - pd_) / pd_)


DEFAULT_SCALING = Scaling(base_score=600, base_odds=50, pdo=20)

BAND_PD = (("A", 0.02), ("B", 0.05), ("C", 0.10), ("D", 0.20))
"""Upper probability of default of bands A–D; E is everything riskier."""


@dataclass(frozen=True, slots=True)
class Band:
    """A risk grade: every score at or above ``min_score`` and below the better band's."""

    grade: str
    min_score: int
    """Lowest score of the band; ``-2**63`` for the last band, which takes the rest."""
    max_pd_percent: int
    """Upper probability of default of the band, percent (100 for the last band)."""


@dataclass(frozen=True, slots=True)
class Reason:
    """What a feature's reason code says when it costs an applicant points."""

    code: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class ReasonCode:
    """One reason given for one decision."""

    code: str
    feature: str
    points_lost: int
    """The feature's best-bin points minus the applicant's (always > 0)."""
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class FeaturePoints:
    """One feature of a scorecard: its bins and the points of each."""

    name: str
    owner: str
    """The data-owner category that holds this feature (``tax``, ``bank``, ...)."""
    dtype: str
    """``"numerical"`` or ``"categorical"``."""
    splits: tuple[str, ...]
    """Numerical: split points ``s`` as exact decimal text; bin ``i`` holds
    ``s[i-1] <= x < s[i]`` (optbinning's ``np.digitize(x, s, right=False)``)."""
    categories: tuple[tuple[str, ...], ...]
    """Categorical: the categories in each bin; a category seen in no bin scores as
    missing (what optbinning's index -1 gives)."""
    special_codes: tuple[str, ...]
    """Values that go to the special bin (numbers as decimal text)."""
    points: tuple[int, ...]
    """Points of each regular bin, then of the special bin, then of the missing bin."""
    reason: Reason

    @property
    def n_bins(self) -> int:
        """Regular bins (without the special and missing bins)."""
        return len(self.points) - 2

    def bin_index(self, values: pd.Series | npt.ArrayLike) -> IntArray:
        """Index into ``points`` of each value: a regular bin, ``n_bins`` for a special
        value, ``n_bins + 1`` for a missing one (or an unknown category)."""
        series = pd.Series(values).reset_index(drop=True)
        missing = series.isna().to_numpy()
        index = np.full(len(series), self.n_bins + 1, dtype=np.int64)
        if self.dtype == "numerical":
            numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
            missing = missing | np.isnan(numbers)
            cuts = np.array([float(s) for s in self.splits], dtype=np.float64)
            index[~missing] = np.digitize(numbers[~missing], cuts, right=False)
            special = np.isin(numbers, [float(s) for s in self.special_codes]) & ~missing
        else:
            text = series.astype(object)
            for i, members in enumerate(self.categories):
                index[text.isin(members).to_numpy() & ~missing] = i
            special = text.isin(self.special_codes).to_numpy() & ~missing
        index[special] = self.n_bins
        index[missing] = self.n_bins + 1
        return index

    def bin_labels(self) -> list[str]:
        """A short description of each entry of ``points``."""
        if self.dtype == "numerical":
            edges = ["-inf", *self.splits, "inf"]
            labels = [f"[{edges[i]}, {edges[i + 1]})" for i in range(len(edges) - 1)]
        else:
            labels = [", ".join(members) for members in self.categories]
        return [*labels, "special", "missing"]


@dataclass(frozen=True, slots=True)
class ScorecardModel:
    """A trained scorecard as an integer table; see the module docstring."""

    name: str
    version: str
    features: tuple[FeaturePoints, ...]
    base_points: int
    """Points every applicant starts with (optbinning's rounded ``intercept_``)."""
    scaling: Scaling
    bands: tuple[Band, ...]
    """A first, E last; each band's ``min_score`` below the previous one's."""
    training: Mapping[str, str]
    """What the card was trained on: data, window, rows, target."""
    metrics: Mapping[str, Any] = field(default_factory=dict)
    """Measured figures (floats allowed here only): AUC, KS, Gini, IV per feature."""

    # --- scoring ----------------------------------------------------------------------------

    def feature(self, name: str) -> FeaturePoints:
        """The feature ``name``; ``KeyError`` when the card has none."""
        for f in self.features:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def owners(self) -> tuple[str, ...]:
        """The owner categories of the card's features, in first-use order."""
        return tuple(dict.fromkeys(f.owner for f in self.features))

    def bin_index(self, feature: str, values: pd.Series | npt.ArrayLike) -> IntArray:
        """Index of each value's bin in ``feature``'s points (:meth:`FeaturePoints.bin_index`)."""
        return self.feature(feature).bin_index(values)

    def feature_points(self, frame: pd.DataFrame) -> IntArray:
        """Points of each row (axis 0) for each feature (axis 1, in ``features`` order)."""
        columns = [np.asarray(f.points, dtype=np.int64)[f.bin_index(frame[f.name])]
                   for f in self.features]
        return np.stack(columns, axis=1) if columns else np.zeros((len(frame), 0), np.int64)

    def partial_points(self, owner: str, frame: pd.DataFrame) -> IntArray:
        """Sum of the points of ``owner``'s features for each row of ``frame``: what that
        data owner computes on its own data (``frame`` needs only its columns)."""
        total = np.zeros(len(frame), dtype=np.int64)
        for f in self.features:
            if f.owner == owner:
                total += np.asarray(f.points, dtype=np.int64)[f.bin_index(frame[f.name])]
        return total

    def score(self, frame: pd.DataFrame) -> IntArray:
        """``base_points`` plus every feature's points, for each row: an exact integer."""
        total: IntArray = self.feature_points(frame).sum(axis=1, dtype=np.int64)
        return total + self.base_points

    def band(self, scores: npt.ArrayLike) -> list[str]:
        """The grade (A–E) of each score."""
        values = np.asarray(scores, dtype=np.int64)
        grades = np.full(len(values), self.bands[-1].grade, dtype=object)
        for b in reversed(self.bands[:-1]):
            grades[values >= b.min_score] = b.grade
        return list(grades)

    def reason_order(self) -> list[int]:
        """Indices of ``features`` grouped by owner (owners in :attr:`owners` order), each
        owner's in card order: the order that breaks ties between equal point losses."""
        owners = self.owners
        return sorted(range(len(self.features)),
                      key=lambda i: (owners.index(self.features[i].owner), i))

    def reason_codes(self, frame: pd.DataFrame, k: int = 4) -> list[tuple[ReasonCode, ...]]:
        """Up to ``k`` reasons for each row: the features that cost it most points against
        their own best bin, largest loss first; none at its best bin. Equal losses go in
        :meth:`reason_order` (the order the private protocol breaks ties in too)."""
        if not 0 <= k <= 4:
            raise ValueError(f"at most four reason codes per decision, not {k}")
        order = self.reason_order()
        features = [self.features[i] for i in order]
        best = np.array([max(f.points) for f in features], dtype=np.int64)
        lost = best - self.feature_points(frame)[:, order]
        # A stable sort on -loss keeps code order among equal losses.
        ranked = np.argsort(-lost, axis=1, kind="stable")[:, :k]
        result: list[tuple[ReasonCode, ...]] = []
        for row, picks in enumerate(ranked):
            reasons = tuple(
                ReasonCode(features[j].reason.code, features[j].name, int(lost[row, j]),
                           features[j].reason.zh, features[j].reason.en)
                for j in picks if lost[row, j] > 0)
            result.append(reasons)
        return result

    # --- the artefact -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The model as plain JSON values (the artefact's content)."""
        return {
            "format": FORMAT,
            "name": self.name,
            "version": self.version,
            "base_points": self.base_points,
            "scaling": {"base_score": self.scaling.base_score,
                        "base_odds": self.scaling.base_odds, "pdo": self.scaling.pdo},
            "bands": [{"grade": b.grade, "min_score": b.min_score,
                       "max_pd_percent": b.max_pd_percent} for b in self.bands],
            "features": [{
                "name": f.name, "owner": f.owner, "dtype": f.dtype,
                "splits": list(f.splits),
                "categories": [list(c) for c in f.categories],
                "special_codes": list(f.special_codes),
                "points": list(f.points),
                "reason": {"code": f.reason.code, "zh": f.reason.zh, "en": f.reason.en},
            } for f in self.features],
            "training": dict(self.training),
            "metrics": dict(self.metrics),
        }

    def encode(self) -> bytes:
        """Canonical JSON: sorted keys, no spaces, UTF-8, no NaN or infinity."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False, allow_nan=False).encode("utf-8")

    def digest(self) -> str:
        """SHA-256 (hex) of :meth:`encode`: the file's own SHA-256 once saved."""
        return hashlib.sha256(self.encode()).hexdigest()

    def save(self, path: str | Path) -> str:
        """Write :meth:`encode` to ``path``; returns the digest."""
        Path(path).write_bytes(self.encode())
        return self.digest()

    @classmethod
    def decode(cls, data: bytes, digest: str | None = None) -> ScorecardModel:
        """The model in ``data``; :class:`ArtefactError` if it is not valid canonical JSON
        of a scorecard, or its SHA-256 is not ``digest`` (when given)."""
        if digest is not None and hashlib.sha256(data).hexdigest() != digest:
            raise ArtefactError(f"scorecard digest is not {digest}: the file was changed")
        try:
            model = _from_dict(json.loads(data.decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ArtefactError(f"scorecard is not valid JSON ({e})") from e
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ArtefactError(f"scorecard has a missing or malformed field ({e!r})") from e
        if model.encode() != data:
            raise ArtefactError("scorecard is not in canonical form: it was edited or damaged")
        return model

    @classmethod
    def load(cls, path: str | Path, digest: str | None = None) -> ScorecardModel:
        """The model saved at ``path`` (see :meth:`decode`)."""
        try:
            data = Path(path).read_bytes()
        except OSError as e:
            raise ArtefactError(f"cannot read scorecard {path}: {e.strerror}") from e
        try:
            return cls.decode(data, digest)
        except ArtefactError as e:
            raise ArtefactError(f"{path}: {e}") from e


def _ints(values: Sequence[Any]) -> tuple[int, ...]:
    if not all(type(v) is int for v in values):
        raise TypeError("points must be integers")
    return tuple(values)


def _texts(values: Sequence[Any]) -> tuple[str, ...]:
    if not all(isinstance(v, str) for v in values):
        raise TypeError("splits, categories and codes must be text")
    return tuple(values)


def _from_dict(d: dict[str, Any]) -> ScorecardModel:
    if d["format"] != FORMAT:
        raise ValueError(f"format {d['format']!r} is not {FORMAT}")
    features = []
    for f in d["features"]:
        if f["dtype"] not in ("numerical", "categorical"):
            raise ValueError(f"dtype {f['dtype']!r}")
        points = _ints(f["points"])
        bins = len(f["splits"]) + 1 if f["dtype"] == "numerical" else len(f["categories"])
        if len(points) != bins + 2:
            raise ValueError(f"{f['name']}: {len(points)} points for {bins} bins")
        for s in f["splits"]:
            float(s)
        r = f["reason"]
        features.append(FeaturePoints(
            name=f["name"], owner=f["owner"], dtype=f["dtype"], splits=_texts(f["splits"]),
            categories=tuple(_texts(c) for c in f["categories"]),
            special_codes=_texts(f["special_codes"]), points=points,
            reason=Reason(r["code"], r["zh"], r["en"])))
    s = d["scaling"]
    bands = tuple(Band(b["grade"], *_ints([b["min_score"], b["max_pd_percent"]]))
                  for b in d["bands"])
    return ScorecardModel(
        name=d["name"], version=d["version"], features=tuple(features),
        base_points=_ints([d["base_points"]])[0],
        scaling=Scaling(*_ints([s["base_score"], s["base_odds"], s["pdo"]])),
        bands=bands, training=dict(d["training"]), metrics=dict(d["metrics"]))


# --- metrics and stability --------------------------------------------------------------------


def discrimination(default: npt.ArrayLike, scores: npt.ArrayLike) -> dict[str, float]:
    """AUC, KS and Gini of ``scores`` (higher is safer) against ``default`` (1 = bad)."""
    y = np.asarray(default)
    risk = -np.asarray(scores, dtype=np.float64)
    auc = float(roc_auc_score(y, risk))
    fpr, tpr, _ = roc_curve(y, risk)
    return {"auc": auc, "ks": float(np.max(tpr - fpr)), "gini": 2 * auc - 1}


PSI_BINS = 10


def psi(expected_scores: npt.ArrayLike, actual_scores: npt.ArrayLike,
        bins: int = PSI_BINS) -> float:
    """Population stability index of ``actual_scores`` against ``expected_scores``.

    Score bands are the deciles of the expected scores (ties merged); a band is
    ``(lo, hi]`` as in optbinning's ``ScorecardMonitoring``, and the index is
    optbinning's Jeffrey divergence sum((a - e) ln(a / e)) of the band shares,
    an empty band's share taken as 0.0001 so it stays finite.
    """
    from optbinning.binning.metrics import jeffrey

    expected = np.asarray(expected_scores, dtype=np.float64)
    actual = np.asarray(actual_scores, dtype=np.float64)
    quantiles = np.quantile(expected, np.linspace(0, 1, bins + 1)[1:-1])
    splits = np.unique(quantiles)
    share_e = np.bincount(np.digitize(expected, splits, right=True),
                          minlength=len(splits) + 1) / len(expected)
    share_a = np.bincount(np.digitize(actual, splits, right=True),
                          minlength=len(splits) + 1) / len(actual)
    floor = 1e-4
    return float(jeffrey(np.maximum(share_a, floor), np.maximum(share_e, floor),
                         return_sum=True))


@dataclass(frozen=True, slots=True)
class StabilityRow:
    """PSI of one period's scores against the training window's."""

    period: str
    rows: int
    psi: float
    psi_bp: int
    """PSI in basis points (PSI × 10,000, rounded)."""


def psi_by_period(model: ScorecardModel, expected: pd.DataFrame, actual: pd.DataFrame,
                  period_column: str = "quarter") -> list[StabilityRow]:
    """PSI of each period of ``actual`` (grouped by ``period_column``, in sorted order)
    against the scores of ``expected`` (the training window)."""
    baseline = model.score(expected)
    scores = model.score(actual)
    periods = actual[period_column].to_numpy()
    rows = []
    for period in sorted(set(periods)):
        mask = periods == period
        value = psi(baseline, scores[mask])
        rows.append(StabilityRow(str(period), int(mask.sum()), value, round(value * 10_000)))
    return rows


# --- training ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Trained:
    """A trained card and what produced it (the optbinning objects stay off the artefact)."""

    model: ScorecardModel
    optbinning: Any
    """optbinning's fitted ``Scorecard`` (for cross-checks)."""
    seconds: float
    """Wall time of optbinning's fit."""


def _decimal(value: float) -> str:
    """Exact decimal text of a split point (``repr`` round-trips every float)."""
    return repr(float(value))


def train(frame: pd.DataFrame, target: str, owners: Mapping[str, str],
          reasons: Mapping[str, Reason], *, name: str, version: str,
          categorical: frozenset[str] = frozenset(),
          special_codes: Mapping[str, Sequence[float | str]] | None = None,
          test: pd.DataFrame | None = None, training: Mapping[str, str] | None = None,
          scaling: Scaling = DEFAULT_SCALING, min_bin_size: float = 0.02,
          max_n_bins: int | None = 8, max_n_prebins: int = 20,
          min_prebin_size: float = 0.05, min_iv: float | None = None,
          max_iter: int = 1000) -> Trained:
    """Fit a monotone points scorecard on ``frame`` with optbinning.

    ``owners`` maps each feature to its data-owner category (its keys are the
    features, in order); numerical features get optbinning's
    ``monotonic_trend="auto_asc_desc"`` (ascending or descending, whichever
    fits), categorical ones are ordered by event rate; every bin holds at least
    ``min_bin_size`` of the rows; features with IV below ``min_iv`` (when given)
    are left out. Metrics are measured on ``frame`` and, when given, on ``test``.
    """
    from optbinning import BinningProcess
    from optbinning import Scorecard as OptScorecard

    features = list(owners)
    specials = {k: list(v) for k, v in (special_codes or {}).items()}
    fit_params: dict[str, dict[str, Any]] = {}
    for f in features:
        params: dict[str, Any] = {}
        if f not in categorical:
            params["monotonic_trend"] = "auto_asc_desc"
        if f in specials:
            params["special_codes"] = specials[f]
        fit_params[f] = params
    process = BinningProcess(
        features, categorical_variables=sorted(categorical & set(features)),
        max_n_prebins=max_n_prebins, min_prebin_size=min_prebin_size,
        min_bin_size=min_bin_size, max_n_bins=max_n_bins, binning_fit_params=fit_params,
        selection_criteria={"iv": {"min": min_iv}} if min_iv is not None else None)
    card = OptScorecard(
        binning_process=process,
        estimator=LogisticRegression(max_iter=max_iter, solver="lbfgs"),
        scaling_method="pdo_odds",
        scaling_method_params={"pdo": scaling.pdo, "odds": scaling.base_odds,
                               "scorecard_points": scaling.base_score},
        intercept_based=True, rounding=True)
    started = time.perf_counter()
    card.fit(frame[features], frame[target].to_numpy())
    seconds = time.perf_counter() - started

    table = card.table(style="detailed")
    fitted = card.binning_process_
    summary = fitted.summary().set_index("name")
    points_of: dict[str, FeaturePoints] = {}
    for f in map(str, fitted.get_support(names=True)):
        optb = fitted.get_binned_variable(f)
        rows = table[table["Variable"] == f]
        points = tuple(int(p) for p in rows["Points"].to_numpy())
        if f in categorical:
            splits: tuple[str, ...] = ()
            categories = tuple(tuple(str(c) for c in members) for members in optb.splits)
            codes = tuple(str(c) for c in specials.get(f, []))
        else:
            splits = tuple(_decimal(s) for s in optb.splits)
            categories = ()
            codes = tuple(_decimal(float(c)) for c in specials.get(f, []))
        points_of[f] = FeaturePoints(f, owners[f], "categorical" if f in categorical
                                     else "numerical", splits, categories, codes, points,
                                     reasons[f])
    bands = [Band(grade, math.ceil(scaling.score_at(pd_)), round(pd_ * 100))
             for grade, pd_ in BAND_PD]
    bands.append(Band("E", -(2**63), 100))
    model = ScorecardModel(
        name=name, version=version,
        features=tuple(points_of[f] for f in features if f in points_of),
        base_points=int(card.intercept_), scaling=scaling, bands=tuple(bands),
        training=dict(training or {}), metrics={})
    metrics: dict[str, Any] = {
        "train": discrimination(frame[target], model.score(frame)),
        "train_rows": len(frame),
        "iv": {f: float(summary.loc[f, "iv"]) for f in features},
        "selected": sorted(points_of),
    }
    if test is not None:
        metrics["test"] = discrimination(test[target], model.score(test))
        metrics["test_rows"] = len(test)
    return Trained(model=_with_metrics(model, metrics), optbinning=card, seconds=seconds)


def _with_metrics(model: ScorecardModel, metrics: Mapping[str, Any]) -> ScorecardModel:
    return ScorecardModel(model.name, model.version, model.features, model.base_points,
                          model.scaling, model.bands, model.training, dict(metrics))


# --- the two data sets --------------------------------------------------------------------------

SBA_BINNING: dict[str, Any] = {"min_bin_size": 0.01, "max_n_bins": 8, "max_n_prebins": 50,
                               "min_prebin_size": 0.02}
"""Binning options of the SBA card: bins of at least 1% of the loans, from prebins of 2%."""


def train_sba(rows: int | None = None, *, with_term: bool = True,
              with_real_estate: bool = True, seed: int = 13, version: str = "1") -> Trained:
    """The SBA 7(a) card, trained on fiscal years up to 2000 (all of them, or a
    deterministic sample of ``rows``) and measured out of time on 2001–2004.

    ``with_term=False`` leaves out ``Term``; ``with_real_estate=False`` also the flag
    computed from it.
    """
    from smechain.modules.credit import datasets

    data = datasets.load_sba()
    left_out = set() if with_term else {"Term"}
    if not with_real_estate:
        left_out.add("RealEstate")
    owners = {f: owner for owner, names in datasets.SBA_OWNERS.items() for f in names
              if f not in left_out}
    frame = data.train if rows is None else datasets.sample(data.train, rows, seed)
    suffix = "" if with_term else ("-noterm" if with_real_estate else "-noterm-nore")
    return train(
        frame, datasets.SBA_TARGET, owners, datasets.SBA_REASONS,
        name=f"sba-7a{suffix}", version=version,
        categorical=datasets.SBA_CATEGORICAL, special_codes=datasets.SBA_SPECIAL_CODES,
        test=data.test,
        training={
            "data": f"{datasets.SBA_SOURCE.requirement} {datasets.SBA_SOURCE.member}",
            "data_sha256": datasets.SBA_SOURCE.sha256,
            "window": f"ApprovalFY <= {datasets.TRAIN_LAST_FY}",
            "test_window": f"ApprovalFY {datasets.TEST_FIRST_FY}-{datasets.TEST_LAST_FY}",
            "rows": "all" if rows is None else f"sample of {rows} (seed {seed})",
            "target": "MIS_Status CHGOFF = 1, P I F = 0",
        },
        **SBA_BINNING)


def train_german(test_share: float = 0.3, seed: int = 13, version: str = "1") -> Trained:
    """The German credit card, trained on a stratified ``1 - test_share`` of the loans
    and measured on the rest; every feature is the bank's own application data."""
    from sklearn.model_selection import train_test_split

    from smechain.modules.credit import datasets

    frame = datasets.load_german()
    fit, held = train_test_split(frame, test_size=test_share, random_state=seed,
                                 stratify=frame[datasets.GERMAN_TARGET])
    features = datasets.german_features()
    return train(
        fit.reset_index(drop=True), datasets.GERMAN_TARGET, dict.fromkeys(features, "bank"),
        datasets.GERMAN_REASONS, name="german-credit", version=version,
        categorical=datasets.german_categorical(), test=held.reset_index(drop=True),
        training={"data": f"{datasets.GERMAN_SOURCE.requirement} germancredit.csv",
                  "data_sha256": datasets.GERMAN_SOURCE.sha256,
                  "window": f"stratified holdout {test_share} (seed {seed})",
                  "target": "creditability bad = 1"},
        min_bin_size=0.05, max_n_bins=6)


def main() -> int:
    """``python -m smechain.modules.credit.scorecard``: train the cards and print the model
    card's figures (markdown)."""
    from smechain.modules.credit import datasets

    data = datasets.load_sba()
    full = train_sba()
    print(f"SBA rows {data.rows}, without outcome {data.without_outcome}, "
          f"train {len(data.train)}, test {len(data.test)}, after 2004 {data.after_test}")
    print("\n| card | fit s | train AUC | OOT AUC | OOT KS | OOT Gini |\n|---|---|---|---|---|---|")
    variants = [("all features", full), ("without Term", train_sba(with_term=False)),
                ("without Term and RealEstate",
                 train_sba(with_term=False, with_real_estate=False)),
                (f"all features, sample of {100_000}", train_sba(100_000))]
    for label, t in variants:
        m = t.model.metrics
        print(f"| {label} | {t.seconds:.1f} | {m['train']['auc']:.4f} | {m['test']['auc']:.4f}"
              f" | {m['test']['ks']:.4f} | {m['test']['gini']:.4f} |")
    model = full.model
    print(f"\nbase points {model.base_points}; bands "
          + ", ".join(f"{b.grade} >= {b.min_score}" for b in model.bands[:-1]))
    print("\n| feature | owner | IV | bins | points (regular bins; special; missing) |")
    print("|---|---|---|---|---|")
    for f in model.features:
        pts = f.points
        print(f"| {f.name} | {f.owner} | {model.metrics['iv'][f.name]:.3f} | {f.n_bins} | "
              f"{', '.join(map(str, pts[:-2]))}; {pts[-2]}; {pts[-1]} |")
    print("\n| quarter | loans | PSI | bp |\n|---|---|---|---|")
    for row in psi_by_period(model, data.train, data.test):
        print(f"| {row.period} | {row.rows} | {row.psi:.4f} | {row.psi_bp} |")
    german = train_german()
    g = german.model.metrics
    print(f"\nGerman credit: train AUC {g['train']['auc']:.4f}, holdout AUC "
          f"{g['test']['auc']:.4f}, KS {g['test']['ks']:.4f} ({g['test_rows']} loans)")
    print(f"\ndigest {model.digest()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
