"""Private scoring in one process: the bank's totals and reason codes equal plain scoring."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smechain.privacy import he, reasons, scoring


def _inputs(seed: int, n: int, widths: list[int]):
    rng = np.random.default_rng(seed)
    partials = [rng.integers(-500, 500, n) for _ in widths]
    losses = [rng.integers(0, 8, (n, f)) for f in widths]  # many ties on purpose
    codes = [np.arange(f) + 100 * (i + 1) for i, f in enumerate(widths)]
    return partials, losses, codes


@pytest.mark.parametrize("widths", [[5, 3, 7], [1], [2, 2], [4, 1, 1, 6]])
def test_shares_equal_plain_scoring_exactly(widths: list[int]) -> None:
    partials, losses, codes = _inputs(len(widths), 5_003, widths)
    totals, found = scoring.private_scores(partials, losses, codes, chunk_rows=1_000)
    assert np.array_equal(totals, scoring.plain_scores(partials))
    assert (totals < 0).any() and (totals > 0).any()
    assert np.array_equal(found, reasons.plain_reason_codes(losses, codes))


def test_he_mode_equals_plain_scoring() -> None:
    partials, losses, codes = _inputs(9, 600, [3, 4])
    totals, found = scoring.private_scores(partials, losses, codes, mode="he",
                                           chunk_rows=250, key=he.BankKey(1024))
    assert np.array_equal(totals, scoring.plain_scores(partials))
    assert np.array_equal(found, reasons.plain_reason_codes(losses, codes))


def test_without_losses_no_codes() -> None:
    partials, _, _ = _inputs(1, 100, [2, 2])
    totals, found = scoring.private_scores(partials)
    assert found is None and np.array_equal(totals, scoring.plain_scores(partials))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 6), st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_reason_codes_follow_the_plain_rule(owners: int, width: int, n: int, seed: int) -> None:
    partials, losses, codes = _inputs(seed, n, [width] * owners)
    _, found = scoring.private_scores(partials, losses, codes, chunk_rows=7)
    want = reasons.plain_reason_codes(losses, codes)
    assert np.array_equal(found, want)
    # the plain rule: the largest positive losses, earlier features first on ties
    all_loss = np.concatenate(losses, axis=1)
    all_code = np.concatenate(codes)
    for row in range(min(n, 5)):
        order = sorted(range(all_loss.shape[1]), key=lambda j: (-all_loss[row, j], j))
        top = [int(all_code[j]) for j in order[:4] if all_loss[row, j] > 0]
        assert want[row].tolist() == top + [reasons.NONE] * (4 - len(top))


def test_what_the_aggregator_and_bank_see_in_process() -> None:
    partials, losses, codes = _inputs(4, 2_000, [3, 5])
    seen: list = []
    roles = scoring.Roles(("tax", "customs"))
    chunks = scoring.slice_chunks(partials, losses, codes, chunk_rows=2_000)
    list(scoring.private_score_chunks(chunks, roles, record=lambda m, d: seen.append(m)))
    shares = [m for m in seen if isinstance(m, scoring.ScoreShare)]
    assert len(shares) == 4
    for m in shares:
        values = np.frombuffer(m.share, dtype=np.int64)
        assert not np.array_equal(values, partials[roles.owners.index(m.sender)])
        assert np.abs(values).min() > 2**40  # uniform u64 is almost never small
    to_bank = [m for m in seen if m.receiver == "bank"]
    assert {type(m).__name__ for m in to_bank} == {"PadSeed", "ShareSum", "ReasonSelection"}


def test_negative_losses_are_refused() -> None:
    with pytest.raises(ValueError, match="point losses"):
        reasons.owner_candidates(np.array([[1, -1]]), np.array([0, 1]))
