"""Vertical logistic regression: the private fit equals scikit-learn's on the WoE matrix, the
scorecard's integer points come out the same, and only shares and ciphertexts cross."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pytest
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from smechain.privacy import he, sharing
from smechain.privacy.messages import Msg
from smechain.privacy.scoring import Roles
from smechain.privacy.training import (
    LINEAR_BITS,
    RESIDUAL_BITS,
    Coefficients,
    EncryptedResiduals,
    LinearShare,
    LinearSum,
    ResidualBinSums,
    TrainingAggregator,
    TrainingBank,
    TrainingOwner,
    deliver,
    fit_private,
)


class German:
    """German credit binned by the scorecard's own optbinning run (``train_german``),
    its features dealt to three owners."""

    def __init__(self) -> None:
        from smechain.modules.credit import datasets
        from smechain.modules.credit.scorecard import train_german

        self.trained = train_german()
        card = self.trained.optbinning
        frame = datasets.load_german()
        fit, _ = train_test_split(frame, test_size=0.3, random_state=13,
                                  stratify=frame[datasets.GERMAN_TARGET])
        fit = fit.reset_index(drop=True)
        process = card.binning_process_
        self.names = [str(f) for f in process.get_support(names=True)]
        self.bins, self.woe = {}, {}
        for f in self.names:
            optb = process.get_binned_variable(f)
            self.bins[f] = np.asarray(optb.transform(fit[f], metric="indices"), np.int64)
            self.woe[f] = optb.binning_table.build(add_totals=False)["WoE"].to_numpy(float)
        self.X = np.stack([self.woe[f][self.bins[f]] for f in self.names], axis=1)
        assert np.allclose(self.X, process.transform(fit[self.names]).to_numpy(), rtol=0,
                           atol=1e-15)
        self.y = fit[datasets.GERMAN_TARGET].to_numpy(np.int64)
        owners = ("tax", "utility", "telecom")
        self.owner_bins = {o: {f: self.bins[f] for f in self.names[k::3]}
                           for k, o in enumerate(owners)}
        self.owner_woe = {o: {f: self.woe[f] for f in self.names[k::3]}
                          for k, o in enumerate(owners)}
        self.key = he.BankKey(1024)


@pytest.fixture(scope="module")
def german() -> German:
    return German()


@pytest.fixture(scope="module")
def recorded(german: German) -> tuple[list[tuple[Msg, bytes]], object]:
    seen: list[tuple[Msg, bytes]] = []
    fit = fit_private(german.owner_bins, german.owner_woe, german.y, key=german.key,
                      record=lambda m, d: seen.append((m, d)))
    return seen, fit


def _points(intercept: float, coefs: Mapping[str, float], woe: Mapping[str, np.ndarray],
            pdo: int, odds: int, base: int) -> tuple[int, dict[str, list[int]]]:
    """optbinning's ``pdo_odds`` scaling, ``intercept_based=True``, ``rounding=True``."""
    factor = pdo / math.log(2)
    offset = base - factor * math.log(odds)
    m = len(coefs)
    points, shift = {}, 0.0
    for f, c in coefs.items():
        p = -(woe[f] * c + intercept / m) * factor + offset / m
        shift += p.min()
        points[f] = [int(v) for v in np.rint(p - p.min())]
    return int(np.rint(shift)), points


def test_the_private_fit_is_the_scorecards_regression(german: German, recorded) -> None:
    """Default tolerance = scikit-learn's: same L-BFGS path, same coefficients, same card."""
    _, fit = recorded
    est = german.trained.optbinning.estimator_  # LogisticRegression(max_iter=1000, lbfgs)
    ours = np.array([fit.coefficients[f] for f in german.names])
    np.testing.assert_allclose(ours, est.coef_[0], rtol=1e-6)
    assert fit.intercept == pytest.approx(float(est.intercept_[0]), rel=1e-6)
    model = german.trained.model
    s = model.scaling
    base, points = _points(fit.intercept, fit.coefficients, german.woe, s.pdo, s.base_odds,
                           s.base_score)
    assert base == model.base_points
    assert points == {f.name: list(f.points) for f in model.features}
    assert 5 < fit.iterations < 100


def test_a_tight_fit_reaches_the_optimum(german: German) -> None:
    exact = LogisticRegression(solver="newton-cholesky", tol=1e-14, max_iter=1000)
    exact.fit(german.X, german.y)
    lbfgs = LogisticRegression(tol=1e-10, max_iter=10_000).fit(german.X, german.y)
    fit = fit_private(german.owner_bins, german.owner_woe, german.y, key=german.key,
                      tol=1e-10)
    ours = np.array([fit.coefficients[f] for f in german.names])
    scale = np.abs(exact.coef_[0]).max()
    assert np.abs(ours - exact.coef_[0]).max() < 1e-4 * scale
    assert np.abs(ours - lbfgs.coef_[0]).max() < 1e-4 * scale
    assert fit.intercept == pytest.approx(float(exact.intercept_[0]), rel=1e-4)


def test_only_shares_and_ciphertexts_cross(german: German, recorded) -> None:
    seen, fit = recorded
    roles = Roles(tuple(german.owner_bins))
    n = german.y.size
    kinds = {(type(m).__name__, m.receiver in roles.owners, m.receiver) for m, _ in seen}
    to_owner = {k for k, is_owner, _ in kinds if is_owner}
    assert to_owner == {"Coefficients", "EncryptedResiduals"}
    assert {k for k, _, r in kinds if r in roles.aggregators} == {"LinearShare"}
    assert {k for k, _, r in kinds if r == roles.bank} == {"LinearSum", "ResidualBinSums"}
    rounds = [m for m, _ in seen if isinstance(m, Coefficients) and m.receiver == "tax"]
    assert len(rounds) == fit.iterations

    labels = [german.y.astype(t).tobytes() for t in (np.int64, np.int32, np.int8, bool)]
    labels.append(np.packbits(german.y.astype(bool)).tobytes())
    bins = [b.astype(t).tobytes() for b in german.bins.values() for t in (np.int64, np.int8)]
    logits: dict[int, dict[str, np.ndarray]] = {}
    for msg, data in seen:
        if msg.receiver in roles.owners:
            assert not any(lab in data for lab in labels)  # no label in the clear
        if msg.receiver == roles.bank:
            assert not any(b in data for b in bins)  # no per-row bin
            assert not any(german.X[:, j].tobytes() in data for j in range(len(german.names)))
        if isinstance(msg, LinearSum):
            logits.setdefault(msg.round, {})[msg.sender] = np.frombuffer(msg.total, np.uint64)
    # Owners get residuals only as OU ciphertexts: decrypted with the bank's key they are
    # 2^32 (sigmoid(b0 + z) - y) for that round's reconstructed z, which no owner holds.
    checked = 0
    for msg, data in seen:
        if isinstance(msg, EncryptedResiduals) and msg.receiver == "tax" and msg.round % 7 == 0:
            a, b = (logits[msg.round][g] for g in roles.aggregators)
            z = np.ldexp(sharing.reconstruct(a, b).astype(float), -LINEAR_BITS)
            plain = german.key.decrypt(he.load(msg.ciphertexts))
            assert len(msg.ciphertexts) > 100 * n  # ciphertexts, not n int64s
            p = np.ldexp(plain.astype(float), -RESIDUAL_BITS) + german.y
            assert np.all((p > 0) & (p < 1))
            b0 = np.log(p / (1 - p)) - z  # one intercept for every row
            assert np.ptp(b0) < 1e-5
            assert plain.astype(np.int64).tobytes() not in data
            checked += 1
    assert checked >= 2
    # The bank's per-bin sums: features x width values per owner, not n.
    for msg, _ in seen:
        if isinstance(msg, ResidualBinSums) and msg.round == 0:
            sums = german.key.decrypt(he.load(msg.sums))
            assert sums.size == len(msg.features) * msg.width < n


def test_each_aggregator_sees_shares(german: German, recorded) -> None:
    seen, _ = recorded
    roles = Roles(tuple(german.owner_bins))
    betas: dict[tuple[int, str], Coefficients] = {}
    shares: dict[tuple[int, str], dict[str, np.ndarray]] = {}
    for msg, _ in seen:
        if isinstance(msg, Coefficients):
            betas[msg.round, msg.receiver] = msg
        if isinstance(msg, LinearShare):
            shares.setdefault((msg.round, msg.sender), {})[msg.receiver] = np.frombuffer(
                msg.share, np.uint64)
    owner = TrainingOwner("tax", roles, german.owner_bins["tax"], german.owner_woe["tax"])
    bits = {g: [] for g in roles.aggregators}
    for (rnd, sender), got in shares.items():
        for g in roles.aggregators:
            bits[g].append(np.unpackbits(got[g].view(np.uint8)).reshape(-1, 64))
        if sender != "tax":
            continue
        c = betas[rnd, "tax"]
        u = owner.partial(dict(zip(c.features, c.betas, strict=True)))
        fixed = np.rint(np.ldexp(u, LINEAR_BITS)).astype(np.int64)
        assert np.array_equal(sharing.reconstruct(*(got[g] for g in roles.aggregators)), fixed)
        for g in roles.aggregators:
            assert not np.array_equal(got[g].view(np.int64), fixed)
    for g in roles.aggregators:
        freq = np.concatenate(bits[g]).mean(axis=0)  # every bit of a share: fair coin
        rows = sum(len(b) for b in bits[g])
        assert np.all(np.abs(freq - 0.5) < 6 * 0.5 / math.sqrt(rows))


def test_the_bank_can_solve_each_rows_bins_from_its_linear_predictors(german: German,
                                                                     recorded) -> None:
    """The documented leak: per round the bank learns ``z = W beta`` for a beta it chose, and
    each row's WoE vector ``w`` takes few values; fewer rounds than features already pin
    down every row's bins: ``w`` lies on ``pinv(B) z + null(B) t`` and must hit a WoE
    value in every feature, so trying the few values of ``k = dim null(B)`` features fixes t."""
    from itertools import product

    from scipy.linalg import null_space, qr

    seen, _ = recorded
    roles = Roles(tuple(german.owner_bins))
    order = [f for o in roles.owners for f in german.owner_bins[o]]
    beta: dict[int, dict[str, float]] = {}
    sums: dict[int, dict[str, np.ndarray]] = {}
    for msg, _ in seen:  # what the bank sent and received, nothing else
        if isinstance(msg, Coefficients):
            beta.setdefault(msg.round, {}).update(zip(msg.features, msg.betas, strict=True))
        if isinstance(msg, LinearSum):
            sums.setdefault(msg.round, {})[msg.sender] = np.frombuffer(msg.total, np.uint64)
    B = np.array([[beta[r][f] for f in order] for r in sorted(sums)])
    Z = np.stack([np.ldexp(sharing.reconstruct(*(sums[r][g] for g in roles.aggregators))
                           .astype(float), -LINEAR_BITS) for r in sorted(sums)])
    assert len(B) < len(order)  # fewer rounds than features in this run
    V = null_space(B, rcond=1e-9)  # features x k
    k = V.shape[1]
    assert 1 <= k <= 3
    W0 = np.linalg.pinv(B, rcond=1e-9) @ Z  # features x rows
    pick = qr(V.T, pivoting=True)[2][:k]  # k features that fix t best
    tables = [german.woe[f] for f in order]
    best_err = np.full(Z.shape[1], np.inf)
    best_w = W0.copy()
    for values in product(*(tables[j] for j in pick)):
        t = np.linalg.solve(V[pick], np.array(values)[:, None] - W0[pick])
        w = W0 + V @ t
        err = sum(np.abs(w[j][:, None] - tables[j][None, :]).min(axis=1)
                  for j in range(len(order)))
        better = err < best_err
        best_err[better], best_w[:, better] = err[better], w[:, better]
    assert best_err.max() < 1e-6
    for j, f in enumerate(order):
        guess = np.abs(best_w[j][:, None] - tables[j][None, :]).argmin(axis=1)
        assert np.array_equal(guess, german.bins[f])


class _Forger(TrainingOwner):
    """An owner that adds a huge plaintext to its per-bin sums."""

    def receive(self, msg: Msg) -> list[Msg]:
        out = super().receive(msg)
        if not isinstance(msg, EncryptedResiduals):
            return out
        from heu import numpy as hnp
        from heu import phe

        (sums,) = out
        assert isinstance(sums, ResidualBinSums)
        kit = hnp.setup(phe.PublicKey.load_from(msg.public_key))
        ct = he.load(sums.sums)
        bound = int(str(kit.public_key().plaintext_bound()))
        big = kit.encryptor().encrypt(kit.array(np.full(ct.shape[0], bound // 3, dtype=object)))
        forged = kit.evaluator().add(ct, big)
        return [ResidualBinSums(sender=sums.sender, receiver=sums.receiver, round=sums.round,
                                features=sums.features, width=sums.width,
                                sums=he.dump(forged))]


def test_an_out_of_range_bin_sum_is_refused(german: German) -> None:
    roles = Roles(("tax", "bank-own"))
    names = german.names[:4]
    bins = {"tax": {f: german.bins[f] for f in names[:2]},
            "bank-own": {f: german.bins[f] for f in names[2:]}}
    woe = {o: {f: german.woe[f] for f in fs} for o, fs in bins.items()}
    owners = [_Forger("tax", roles, bins["tax"], woe["tax"]),
              TrainingOwner("bank-own", roles, bins["bank-own"], woe["bank-own"])]
    bank = TrainingBank(roles.bank, roles, german.y, german.key,
                        {o: list(b) for o, b in bins.items()},
                        {f: german.woe[f] for f in names})
    parties = [*owners, *(TrainingAggregator(a, roles) for a in roles.aggregators), bank]
    with pytest.raises(he.OutOfRange):
        deliver(parties, bank.start_round(np.full(5, 0.1)))
    assert bank.result is None


def test_the_real_key_size_on_a_small_synthetic_set() -> None:
    rng = np.random.default_rng(3)
    n = 400
    bins = {"a": rng.integers(0, 5, n), "b": rng.integers(0, 3, n), "c": rng.integers(0, 4, n)}
    woe = {"a": np.array([-1.2, -0.4, 0.0, 0.5, 1.1]), "b": np.array([-0.3, 0.2, 0.9]),
           "c": np.array([-0.8, -0.1, 0.3, 0.7])}
    X = np.stack([woe[f][bins[f]] for f in "abc"], axis=1)
    y = (rng.random(n) < expit(X @ np.array([-0.9, -0.6, -1.1]) - 1.0)).astype(np.int64)
    fit = fit_private({"tax": {"a": bins["a"]}, "utility": {"b": bins["b"], "c": bins["c"]}},
                      {"tax": {"a": woe["a"]}, "utility": {"b": woe["b"], "c": woe["c"]}}, y,
                      key_bits=2048, tol=1e-10)
    exact = LogisticRegression(solver="newton-cholesky", tol=1e-14).fit(X, y)
    np.testing.assert_allclose([fit.coefficients[f] for f in "abc"], exact.coef_[0], rtol=1e-4)
    assert fit.intercept == pytest.approx(float(exact.intercept_[0]), rel=1e-4)


def test_bad_inputs_are_refused(german: German) -> None:
    roles = Roles(("tax",))
    f = german.names[0]
    with pytest.raises(ValueError, match="outside its WoE table"):
        TrainingOwner("tax", roles, {f: german.bins[f] + 10}, {f: german.woe[f]})
    owner = TrainingOwner("tax", roles, {f: german.bins[f]}, {f: german.woe[f]})
    with pytest.raises(ValueError, match="from aggregator-1"):
        owner.receive(Coefficients(sender="aggregator-1", receiver="tax", round=0,
                                   features=[f], betas=[1.0]))
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        TrainingBank("bank", roles, german.y * 2, german.key, {"tax": [f]},
                     {f: german.woe[f]})
