"""Vertical WoE binning without moving data (as SecretFlow and FATE do it).

The bank holds the labels, each owner its own feature columns, for the same
rows (organisations) in the same order.

1. The bank encrypts its 0/1 labels under its OU key (:class:`BinningBank.start`)
   and sends the ciphertexts and its public key to each owner.
2. Each owner pre-bins each of its features from its own x alone
   (:func:`prebin`: optbinning's quantile pre-binning, plus a missing and a
   special pre-bin), sums the encrypted labels per pre-bin with HEU's
   ``feature_wise_bucket_sum``, and sends the encrypted event sums with the
   plain row counts per pre-bin, indexed by pre-bin number
   (:meth:`BinningOwner.receive`).
3. The bank decrypts only those per-bin sums (``decrypt_in_range``), and runs
   optbinning's optimal binning on the counts (:func:`bin_from_counts`): one
   weighted sample point per (pre-bin, label), ``x`` = the pre-bin number,
   ``user_splits`` at every pre-bin boundary, so optbinning sees exactly the
   counts it would have computed from the raw data, refines and optimises them
   in the same way, and yields the same bins, WoE and IV. It tells each owner
   which pre-bin boundaries remain.
4. The owner maps the kept boundaries back to its thresholds
   (:meth:`BinningOwner.splits`). No owner sees a label; the bank sees no
   feature value or threshold.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from smechain.privacy import he
from smechain.privacy.messages import BinMerges, EncryptedLabels, Msg, PrebinSums

F64 = npt.NDArray[np.float64]
_SPECIAL_X = -1.0
"""Where the bank's weighted sample puts the special pre-bin (pre-bin numbers are >= 0)."""


@dataclass(frozen=True, slots=True)
class BinningOptions:
    """What both sides agree on; every field is public."""

    max_n_prebins: int = 20
    """Quantile pre-bins per feature (optbinning's ``max_n_prebins``)."""
    monotonic_trend: str | None = "auto"
    """optbinning's ``monotonic_trend``."""
    solver: str = "cp"
    min_bin_size: float | None = None
    max_n_bins: int | None = None
    prebinning_kwargs: Mapping[str, Any] = field(default_factory=lambda: {"subsample": None})
    """Passed to sklearn's ``KBinsDiscretizer`` by optbinning. ``subsample=None``: exact
    quantiles (sklearn's default draws 200,000 rows at random above that size)."""

    def optbinning_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of ``OptimalBinning`` both runs share."""
        out: dict[str, Any] = {"monotonic_trend": self.monotonic_trend, "solver": self.solver,
                               "max_n_prebins": self.max_n_prebins}
        if self.min_bin_size is not None:
            out["min_bin_size"] = self.min_bin_size
        if self.max_n_bins is not None:
            out["max_n_bins"] = self.max_n_bins
        return out


@dataclass(frozen=True, slots=True)
class Prebins:
    """One feature's pre-binning, known to its owner only."""

    splits: F64
    """Thresholds between the clean pre-bins (optbinning's convention: bin i is
    ``splits[i-1] <= x < splits[i]``)."""
    index: npt.NDArray[np.int8]
    """Each row's pre-bin: 0 .. len(splits) clean, then missing, then special."""

    @property
    def n_clean(self) -> int:
        return len(self.splits) + 1


def prebin(x: F64, special_codes: Sequence[float], options: BinningOptions) -> Prebins:
    """Quantile pre-bins of one feature from its values alone (no label).

    What optbinning's ``PreBinning`` does inside ``OptimalBinning.fit`` with
    ``prebinning_method="quantile"``: sklearn's ``KBinsDiscretizer`` on x alone (y is
    ignored for quantiles), its inner edges as splits. Called directly so an owner's
    process need not import optbinning.
    """
    from sklearn.preprocessing import KBinsDiscretizer

    x = np.asarray(x, dtype=np.float64)
    missing = np.isnan(x)
    special = np.isin(x, np.asarray(special_codes, dtype=np.float64)) & ~missing
    clean = ~missing & ~special
    xc = x[clean]
    if xc.size == 0:
        splits = np.array([], dtype=np.float64)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # sklearn: "bins whose width are too small"
            est = KBinsDiscretizer(n_bins=options.max_n_prebins, strategy="quantile",
                                   **dict(options.prebinning_kwargs)).fit(xc.reshape(-1, 1))
        splits = np.asarray(est.bin_edges_[0][1:-1], dtype=np.float64)
    n_clean = len(splits) + 1
    if n_clean + 2 > 127:
        raise ValueError("too many pre-bins for HEU's int8 bucket map")
    index = np.empty(x.size, dtype=np.int8)
    index[clean] = np.digitize(xc, splits, right=False)
    index[missing] = n_clean
    index[special] = n_clean + 1
    return Prebins(splits, index)


@dataclass(frozen=True, slots=True)
class FeatureBinning:
    """The bank's result for one feature: optbinning's fit on the counts."""

    name: str
    keep_after: list[int]
    """Pre-bin numbers j whose boundary with j + 1 is an optimal split."""
    woe: list[float]
    """WoE of the optimal bins, then of missing, then of special."""
    iv: float
    table: Any
    """optbinning's binning table (a pandas DataFrame): counts, WoE, IV per bin."""


def bin_from_counts(name: str, n_clean: int, counts: npt.NDArray[np.int64],
                    events: npt.NDArray[np.int64], options: BinningOptions) -> FeatureBinning:
    """The bank: optimal binning of one feature from its per-pre-bin counts.

    ``counts`` and ``events`` have ``n_clean + 2`` entries (clean pre-bins, missing,
    special).
    """
    from optbinning import OptimalBinning

    xs: list[float] = []
    ys: list[int] = []
    ws: list[float] = []
    for i in range(n_clean + 2):
        where = float(i) if i < n_clean else (np.nan if i == n_clean else _SPECIAL_X)
        for label, weight in ((0, counts[i] - events[i]), (1, events[i])):
            if weight > 0:
                xs.append(where)
                ys.append(label)
                ws.append(float(weight))
    ob = OptimalBinning(name=name, dtype="numerical", special_codes=[_SPECIAL_X],
                        user_splits=np.arange(n_clean - 1) + 0.5,
                        **options.optbinning_kwargs())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ob.fit(np.array(xs), np.array(ys), sample_weight=np.array(ws))
    table = ob.binning_table.build()
    keep = [int(s - 0.5) for s in np.asarray(ob.splits, dtype=np.float64)]
    woe = [float(w) for w in table["WoE"].iloc[:-1]]
    return FeatureBinning(name, keep, woe, float(table.loc["Totals", "IV"]), table)


def plain_binning(x: F64, y: npt.NDArray[np.int64], special_codes: Sequence[float],
                  options: BinningOptions, name: str = "x") -> Any:
    """The reference: optbinning's fitted ``OptimalBinning`` on the raw x and y in one
    place (what the protocol avoids)."""
    from optbinning import OptimalBinning

    ob = OptimalBinning(name=name, dtype="numerical", prebinning_method="quantile",
                        special_codes=list(special_codes) or None,
                        **options.optbinning_kwargs(), **dict(options.prebinning_kwargs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ob.fit(np.asarray(x, dtype=np.float64), np.asarray(y))


class BinningBank:
    """The bank's side: it holds the labels and the key."""

    def __init__(self, name: str, labels: npt.NDArray[np.int64], key: he.BankKey,
                 owners: Sequence[str], options: BinningOptions) -> None:
        self.name = name
        self.labels = np.asarray(labels, dtype=np.int64)
        if not np.isin(self.labels, (0, 1)).all():
            raise ValueError("labels must be 0 or 1")
        self.key = key
        self.owners = list(owners)
        self.options = options
        self.results: dict[str, dict[str, FeatureBinning]] = {}

    def start(self) -> list[Msg]:
        """The encrypted labels, to every owner (encrypted once, sent to each)."""
        ct = he.dump(self.key.encrypt(self.labels))
        return [EncryptedLabels(sender=self.name, receiver=o, public_key=self.key.public_key,
                                rows=int(self.labels.size), ciphertexts=ct)
                for o in self.owners]

    def receive(self, msg: Msg) -> list[Msg]:
        if not isinstance(msg, PrebinSums) or msg.sender not in self.owners:
            raise ValueError(f"{self.name}: unexpected {type(msg).__name__} from {msg.sender}")
        sums = self.key.decrypt(he.load(msg.event_sums)).reshape(len(msg.features), msg.width)
        counts = np.asarray(msg.counts, dtype=np.int64)
        if (sums < 0).any() or (sums > counts).any():
            raise ValueError(f"{msg.sender}: event sums outside [0, count]")
        done = {}
        for f, name in enumerate(msg.features):
            k = msg.n_clean[f]
            done[name] = bin_from_counts(name, k, counts[f, : k + 2], sums[f, : k + 2],
                                         self.options)
        self.results[msg.sender] = done
        return [BinMerges(sender=self.name, receiver=msg.sender, features=list(done),
                          keep_after=[b.keep_after for b in done.values()],
                          woe=[b.woe for b in done.values()])]


class BinningOwner:
    """A data owner's side: it holds its feature columns."""

    def __init__(self, name: str, columns: Mapping[str, F64], options: BinningOptions,
                 special_codes: Mapping[str, Sequence[float]] | None = None) -> None:
        self.name = name
        self.columns = dict(columns)
        self.options = options
        self.special_codes = dict(special_codes or {})
        self.prebins: dict[str, Prebins] = {}
        self.merges: dict[str, list[int]] = {}
        self.woe: dict[str, list[float]] = {}

    def receive(self, msg: Msg) -> list[Msg]:
        if isinstance(msg, EncryptedLabels):
            return [self._sums(msg)]
        if isinstance(msg, BinMerges):
            for name, keep, woe in zip(msg.features, msg.keep_after, msg.woe, strict=True):
                if name not in self.prebins:
                    raise ValueError(f"{self.name}: merges for unknown feature {name!r}")
                self.merges[name] = list(keep)
                self.woe[name] = list(woe)
            return []
        raise ValueError(f"{self.name}: unexpected {type(msg).__name__} from {msg.sender}")

    def _sums(self, msg: EncryptedLabels) -> PrebinSums:
        names = list(self.columns)
        for name in names:
            if len(self.columns[name]) != msg.rows:
                raise ValueError(f"{self.name}: {name} has {len(self.columns[name])} rows, "
                                 f"labels {msg.rows}")
            self.prebins[name] = prebin(self.columns[name], self.special_codes.get(name, ()),
                                        self.options)
        width = max(p.n_clean for p in self.prebins.values()) + 2
        bins = np.stack([self.prebins[n].index for n in names], axis=1)
        kit = he.PublicKit(msg.public_key)
        sums = kit.bucket_sums(he.load(msg.ciphertexts), bins, width)
        counts = [np.bincount(self.prebins[n].index, minlength=width).tolist() for n in names]
        return PrebinSums(sender=self.name, receiver=msg.sender, features=names,
                          n_clean=[self.prebins[n].n_clean for n in names], width=width,
                          counts=counts, event_sums=he.dump(sums))

    def splits(self, name: str) -> F64:
        """The optimal thresholds of feature ``name``: its own pre-bin thresholds kept."""
        keep = np.asarray(self.merges[name], dtype=np.int64)
        return self.prebins[name].splits[keep]

