"""Vertical (hetero) logistic regression on WoE-substituted features, as the second step of
training a scorecard after :mod:`.binning`.

The bank holds the 0/1 labels; each data owner holds, per feature of its own, every
training row's bin index and the feature's WoE per bin (the bank sends each owner the
WoE table of its features after binning, as SecretFlow does for WoE substitution). The
model is ``logit_i = b0 + sum_j beta_j * woe_j[bin_ij]``; the loss is scikit-learn's
``LogisticRegression(penalty="l2", C=C, fit_intercept=True, solver="lbfgs")``:

    mean_i log(1 + exp(logit_i)) - y_i logit_i  +  ||beta||^2 / (2 C n)

(scikit-learn's objective divided by ``C n``: same minimiser; the intercept is not
penalised), minimised by scipy's L-BFGS-B. Each evaluation of loss and gradient is one
protocol round (:class:`TrainingBank.start_round`):

1. The bank sends each owner its features' current coefficients (:class:`Coefficients`).
2. Each owner computes its partial linear predictor ``u_i`` in fixed point
   (``round(u_i * 2^LINEAR_BITS)``, int64), splits it into two additive shares mod 2^64
   and sends one to each aggregator (:class:`LinearShare`).
3. Each aggregator adds the shares of every owner and sends the sum to the bank
   (:class:`LinearSum`); the bank reconstructs ``sum_j u_ij`` per row, adds ``b0`` and
   computes the loss and the residuals ``r_i = sigmoid(logit_i) - y_i``.
4. The bank encodes ``r`` in fixed point (``2^RESIDUAL_BITS``), encrypts it once under
   its OU key and sends the ciphertexts to every owner (:class:`EncryptedResiduals`).
5. Each owner sums them per bin of each of its features (HEU's bucket sums, as in
   binning) and returns the encrypted per-bin sums (:class:`ResidualBinSums`).
6. The bank decrypts them with the range check and forms the gradient
   ``d/d beta_j = (sum_b woe_j[b] S_jb / 2^RESIDUAL_BITS) / n + beta_j / (C n)``,
   ``d/d b0 = sum_i r_i / n``.

What each party learns is in ``docs/privacy.md`` ("Training the regression"); note that
the bank learns each row's linear predictor in every round, and with the coefficients it
chose, that is enough to solve for each row's WoE vector once it has as many rounds as
features (``tests/privacy/test_training.py`` does it).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import msgspec
import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from scipy.special import expit

from smechain.privacy import he, sharing
from smechain.privacy.messages import Msg, encode
from smechain.privacy.scoring import Party, Roles

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.integer]
FloatArray = npt.NDArray[np.floating]

LINEAR_BITS = 40
"""Fixed point of the partial linear predictors: ``u`` travels as ``round(u * 2^40)``
(rounding error 2^-41 per owner; it bounds how close L-BFGS gets: ~1e-6 on German credit)."""
RESIDUAL_BITS = 32
"""Fixed point of the residuals: ``r`` in (-1, 1) is encrypted as ``round(r * 2^32)``."""
MAX_PARTIAL = 2.0**16
"""Largest |partial linear predictor| an owner encodes: with at most ``MAX_OWNERS`` owners
the sum stays below 2^(6 + 16 + 40) = 2^62 in fixed point."""
MAX_OWNERS = 64
MAX_ROWS = 2**30
"""A per-bin sum of encoded residuals stays below n * 2^32 < 2^62: within int64 and the
bank's range check (``he.RANGE_BITS``)."""
MAX_BINS = 127
"""HEU's bucket map is int8."""


# --- messages -------------------------------------------------------------------------------
# Defined here, not in messages.py: its decoder accepts only its own union, so training has
# its own (``decode``); ``messages.encode`` serves every Msg.

class Coefficients(Msg, tag="training-coefficients"):
    """Bank -> owner: the current coefficient of each of the owner's features."""

    round: int
    features: list[str]
    betas: list[float]


class LinearShare(Msg, tag="linear-share"):
    """Owner -> aggregator: one share (uint64, uniform alone) of its fixed-point partial
    linear predictor of every row."""

    round: int
    rows: int
    share: bytes


class LinearSum(Msg, tag="linear-sum"):
    """Aggregator -> bank: the sum mod 2^64 of every owner's share."""

    round: int
    rows: int
    owners: int
    total: bytes


class EncryptedResiduals(Msg, tag="encrypted-residuals"):
    """Bank -> owner: its public key and each row's fixed-point residual, encrypted."""

    round: int
    public_key: bytes
    rows: int
    ciphertexts: bytes


class ResidualBinSums(Msg, tag="residual-bin-sums"):
    """Owner -> bank: per feature, per bin the encrypted sum of the residuals of its rows
    (``width`` entries per feature, feature-major; bins past a feature's table are empty)."""

    round: int
    features: list[str]
    width: int
    sums: bytes


TrainingMessage = Coefficients | LinearShare | LinearSum | EncryptedResiduals | ResidualBinSums
_decoder = msgspec.msgpack.Decoder(TrainingMessage)


def decode(data: bytes) -> Msg:
    """A training message from ``messages.encode``'s bytes; ``msgspec.ValidationError``
    for any other."""
    return _decoder.decode(data)


# --- parties --------------------------------------------------------------------------------

class TrainingOwner:
    """A data owner: its features' per-row bins and WoE tables never leave it."""

    def __init__(self, name: str, roles: Roles, bins: Mapping[str, IntArray],
                 woe: Mapping[str, FloatArray]) -> None:
        if set(bins) != set(woe):
            raise ValueError(f"{name}: bins and WoE tables name different features")
        self.name, self.roles = name, roles
        self.features = list(bins)
        self.woe = {f: np.asarray(woe[f], dtype=np.float64) for f in self.features}
        rows = {len(bins[f]) for f in self.features}
        if len(rows) != 1:
            raise ValueError(f"{name}: features have different row counts")
        self.rows = rows.pop()
        self.width = max(len(t) for t in self.woe.values())
        if self.width > MAX_BINS:
            raise ValueError(f"{name}: more than {MAX_BINS} bins in a feature")
        columns = []
        for f in self.features:
            b = np.asarray(bins[f], dtype=np.int64)
            if b.size and (b.min() < 0 or b.max() >= len(self.woe[f])):
                raise ValueError(f"{name}: {f} has a bin outside its WoE table")
            columns.append(b)
        self.bins = np.stack(columns, axis=1).astype(np.int8)
        """rows x features, int8 (HEU's bucket map)."""
        self._kit: he.PublicKit | None = None

    def receive(self, msg: Msg) -> list[Msg]:
        if msg.sender != self.roles.bank:
            raise ValueError(f"{self.name}: {type(msg).__name__} from {msg.sender}")
        if isinstance(msg, Coefficients):
            return self._shares(msg)
        if isinstance(msg, EncryptedResiduals):
            return [self._bin_sums(msg)]
        raise ValueError(f"{self.name}: unexpected {type(msg).__name__}")

    def partial(self, betas: Mapping[str, float]) -> F64:
        """Its partial linear predictor ``sum over its features of beta_j woe_j[bin]``."""
        u = np.zeros(self.rows, dtype=np.float64)
        for j, f in enumerate(self.features):
            u += betas[f] * self.woe[f][self.bins[:, j]]
        return u

    def _shares(self, msg: Coefficients) -> list[Msg]:
        if sorted(msg.features) != sorted(self.features):
            raise ValueError(f"{self.name}: coefficients for {msg.features}")
        u = self.partial(dict(zip(msg.features, msg.betas, strict=True)))
        if not np.all(np.abs(u) < MAX_PARTIAL):
            raise ValueError(f"{self.name}: a partial linear predictor beyond ±{MAX_PARTIAL}")
        a, b = sharing.split(np.rint(np.ldexp(u, LINEAR_BITS)).astype(np.int64))
        return [LinearShare(sender=self.name, receiver=agg, round=msg.round, rows=self.rows,
                            share=s.tobytes())
                for agg, s in zip(self.roles.aggregators, (a, b), strict=True)]

    def _bin_sums(self, msg: EncryptedResiduals) -> ResidualBinSums:
        if msg.rows != self.rows:
            raise ValueError(f"{self.name}: {msg.rows} residuals for {self.rows} rows")
        if self._kit is None or self._kit.public_key != msg.public_key:
            self._kit = he.PublicKit(msg.public_key)
        sums = self._kit.bucket_sums(he.load(msg.ciphertexts), self.bins, self.width)
        return ResidualBinSums(sender=self.name, receiver=msg.sender, round=msg.round,
                               features=self.features, width=self.width, sums=he.dump(sums))


class TrainingAggregator:
    """An aggregator: adds the owners' shares of a round, forwards one sum to the bank."""

    def __init__(self, name: str, roles: Roles) -> None:
        self.name, self.roles = name, roles
        self._seen: set[str] = set()
        self._total: sharing.U64 | None = None
        self._round = -1

    def receive(self, msg: Msg) -> list[Msg]:
        if not isinstance(msg, LinearShare) or msg.sender not in self.roles.owners:
            raise ValueError(f"{self.name}: unexpected {type(msg).__name__} from {msg.sender}")
        if msg.round != self._round:
            if self._seen:
                raise ValueError(f"{self.name}: round {msg.round} before {self._round} ended")
            self._round = msg.round
        if msg.sender in self._seen:
            raise ValueError(f"{self.name}: {msg.sender} sent round {msg.round} twice")
        self._seen.add(msg.sender)
        self._total = sharing.add(self._total, np.frombuffer(msg.share, dtype=np.uint64))
        if len(self._seen) < len(self.roles.owners):
            return []
        total, self._total, self._seen = self._total, None, set()
        return [LinearSum(sender=self.name, receiver=self.roles.bank, round=msg.round,
                          rows=msg.rows, owners=len(self.roles.owners), total=total.tobytes())]


@dataclass(slots=True)
class RoundResult:
    """What the bank computes at the end of a round."""

    loss: float
    gradient: F64
    """``[d/d b0, d/d beta_j in feature order]``."""
    logits: F64
    """Each training row's linear predictor (the bank learns it: see the module docstring)."""


@dataclass(slots=True)
class TrainingBank:
    """The bank: holds the labels, the key, the WoE tables it computed, and the optimiser's
    state; ``start_round`` / ``receive`` run one evaluation of loss and gradient."""

    name: str
    roles: Roles
    labels: I64
    key: he.BankKey
    owner_features: Mapping[str, Sequence[str]]
    """Each owner's features, in the order of the coefficient vector."""
    woe: Mapping[str, F64]
    C: float = 1.0
    result: RoundResult | None = None
    _round: int = -1
    _params: F64 = field(default_factory=lambda: np.zeros(0))
    _sums: dict[str, LinearSum] = field(default_factory=dict)
    _bins: dict[str, ResidualBinSums] = field(default_factory=dict)
    _logits: F64 | None = None
    _enc_sum: int = 0

    def __post_init__(self) -> None:
        self.labels = np.asarray(self.labels, dtype=np.int64)
        if not np.isin(self.labels, (0, 1)).all():
            raise ValueError("labels must be 0 or 1")
        if self.labels.size > MAX_ROWS:
            raise ValueError(f"more than {MAX_ROWS} rows")
        if len(self.roles.owners) > MAX_OWNERS:
            raise ValueError(f"more than {MAX_OWNERS} owners")

    @property
    def rounds(self) -> int:
        """Rounds started so far."""
        return self._round + 1

    @property
    def features(self) -> list[str]:
        return [f for o in self.roles.owners for f in self.owner_features[o]]

    def start_round(self, params: F64) -> list[Msg]:
        """Begin evaluating at ``params = [b0, beta_j in feature order]``: the coefficients,
        to each owner."""
        self._round += 1
        self._params = np.asarray(params, dtype=np.float64).copy()
        self.result, self._logits = None, None
        betas = dict(zip(self.features, self._params[1:].tolist(), strict=True))
        return [Coefficients(sender=self.name, receiver=o, round=self._round,
                             features=list(self.owner_features[o]),
                             betas=[betas[f] for f in self.owner_features[o]])
                for o in self.roles.owners]

    def receive(self, msg: Msg) -> list[Msg]:
        if getattr(msg, "round", None) != self._round:
            raise ValueError(f"{self.name}: {type(msg).__name__} not of round {self._round}")
        if isinstance(msg, LinearSum) and msg.sender in self.roles.aggregators:
            if msg.owners != len(self.roles.owners) or msg.rows != self.labels.size:
                raise ValueError(f"{self.name}: {msg.sender}'s sum covers the wrong rows/owners")
            self._sums[msg.sender] = msg
            return self._residuals() if len(self._sums) == 2 else []
        if isinstance(msg, ResidualBinSums) and msg.sender in self.roles.owners:
            if list(msg.features) != list(self.owner_features[msg.sender]):
                raise ValueError(f"{self.name}: {msg.sender} summed {msg.features}")
            self._bins[msg.sender] = msg
            if len(self._bins) == len(self.roles.owners):
                self._gradient()
            return []
        raise ValueError(f"{self.name}: unexpected {type(msg).__name__} from {msg.sender}")

    def _residuals(self) -> list[Msg]:
        a, b = (np.frombuffer(self._sums[g].total, dtype=np.uint64)
                for g in self.roles.aggregators)
        self._sums = {}
        z = np.ldexp(sharing.reconstruct(a, b).astype(np.float64), -LINEAR_BITS)
        self._logits = z + self._params[0]
        r = expit(self._logits) - self.labels
        encoded = np.rint(np.ldexp(r, RESIDUAL_BITS)).astype(np.int64)
        self._enc_sum = int(encoded.sum())
        ct = he.dump(self.key.encrypt(encoded))  # encrypted once, sent to every owner
        return [EncryptedResiduals(sender=self.name, receiver=o, round=self._round,
                                   public_key=self.key.public_key, rows=int(r.size),
                                   ciphertexts=ct)
                for o in self.roles.owners]

    def _gradient(self) -> None:
        assert self._logits is not None
        n = self.labels.size
        z, y = self._logits, self.labels
        betas = self._params[1:]
        loss = float(np.mean(np.logaddexp(0.0, z) - y * z) + betas @ betas / (2 * self.C * n))
        grad = np.empty_like(self._params)
        grad[0] = np.ldexp(float(self._enc_sum), -RESIDUAL_BITS) / n
        j = 1
        for o in self.roles.owners:
            msg = self._bins[o]
            sums = self.key.decrypt(he.load(msg.sums)).reshape(len(msg.features), msg.width)
            for k, f in enumerate(msg.features):
                table = self.woe[f]
                s = np.ldexp(sums[k, : len(table)].astype(np.float64), -RESIDUAL_BITS)
                grad[j] = float(table @ s) / n
                j += 1
        grad[1:] += betas / (self.C * n)
        self._bins = {}
        self.result = RoundResult(loss, grad, z)


# --- driver ---------------------------------------------------------------------------------

Record = Callable[[Msg, bytes], None]


def deliver(parties: Sequence[Party], messages: Iterable[Msg], record: Record | None = None,
            limit: int = 100_000) -> None:
    """Deliver ``messages`` and every reply through msgpack bytes, as on the wire, until none
    is left; ``record(msg, data)`` sees each (``scoring.run_in_process`` with this module's
    decoder)."""
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


class PrivateFit(NamedTuple):
    """What :func:`fit_private` returns."""

    intercept: float
    coefficients: dict[str, float]
    """By feature, in the order of ``owner_bins`` (owner by owner)."""
    iterations: int
    """Protocol rounds: evaluations of loss and gradient, each one encryption of n residuals."""


def fit_private(owner_bins: Mapping[str, Mapping[str, IntArray]],
                owner_woe: Mapping[str, Mapping[str, FloatArray]], y: IntArray, *,
                C: float = 1.0, key_bits: int = he.KEY_BITS, max_iter: int = 1000,
                tol: float = 1e-4, key: he.BankKey | None = None,
                record: Record | None = None) -> PrivateFit:
    """Fit the vertical logistic regression by the protocol, every party in this process.

    ``owner_bins[owner][feature]``: each row's bin index (rows in the bank's order);
    ``owner_woe[owner][feature]``: that feature's WoE per bin; ``y``: the bank's labels.
    The loss is scikit-learn's ``LogisticRegression(C=C)`` (L2, intercept unpenalised),
    minimised by L-BFGS-B to projected gradient ``tol`` (on the mean loss, scikit-learn's
    scale) in at most ``max_iter`` iterations. ``key``: the bank's key (a new one of
    ``key_bits`` if None). ``record(msg, data)`` sees every message.
    """
    roles = Roles(tuple(owner_bins))
    if {roles.bank, *roles.aggregators} & set(roles.owners):
        raise ValueError(f"an owner may not be named {roles.bank!r} or {roles.aggregators}")
    owners = [TrainingOwner(o, roles, owner_bins[o], owner_woe[o]) for o in roles.owners]
    aggs = [TrainingAggregator(a, roles) for a in roles.aggregators]
    woe = {f: np.asarray(t, dtype=np.float64) for o in roles.owners
           for f, t in owner_woe[o].items()}
    bank = TrainingBank(roles.bank, roles, np.asarray(y), key or he.BankKey(key_bits),
                        {o: list(owner_bins[o]) for o in roles.owners}, woe, C)
    parties: list[Party] = [*owners, *aggs, bank]

    def loss_and_gradient(params: F64) -> tuple[float, F64]:
        deliver(parties, bank.start_round(params), record)
        if bank.result is None:
            raise RuntimeError("a round ended without a gradient")
        return bank.result.loss, bank.result.gradient

    x0 = np.zeros(1 + len(bank.features))
    found = minimize(loss_and_gradient, x0, jac=True, method="L-BFGS-B",
                     options={"maxiter": max_iter, "maxls": 50, "gtol": tol,
                              "ftol": 64 * np.finfo(float).eps})
    if not np.isfinite(found.fun):
        raise RuntimeError(f"the fit diverged: {found.message}")
    return PrivateFit(float(found.x[0]),
                      dict(zip(bank.features, map(float, found.x[1:]), strict=True)),
                      bank.rounds)
