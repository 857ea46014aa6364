"""``smechain demo``'s story is told by every module's seed; the builder runs them together in
time order, so the ledger's blocks never go back in time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smechain.api.demo import run_in_time_order
from smechain.modules import MODULES, parts


def test_every_module_tells_its_part_of_the_demo() -> None:
    assert [m.name for m, _ in parts.each("demo")] == [m.name for m in MODULES]


def test_seeds_run_the_earliest_day_first_and_a_day_in_the_order_given() -> None:
    told: list[tuple[str, int]] = []

    def seed(name: str, *days: int) -> Iterator[int]:
        for day in days:
            yield day
            told.append((name, day))

    clock: list[int] = []
    run_in_time_order([seed("cash", 120), seed("invoice", 120, 0),
                       seed("receivable", 115, 40, 40, 0)], clock.append)
    assert told == [("cash", 120), ("invoice", 120), ("receivable", 115), ("receivable", 40),
                    ("receivable", 40), ("invoice", 0), ("receivable", 0)]
    assert clock == [120, 120, 115, 40, 40, 0, 0]


def test_a_seed_that_goes_back_in_time_is_refused() -> None:
    with pytest.raises(ValueError, match="back from 10 to 20 days ago"):
        run_in_time_order([iter([10, 20])], lambda day: None)
