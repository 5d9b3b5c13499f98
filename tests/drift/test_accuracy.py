"""The defaults flag every known shift from its documented minimum size on, and raise at most 1 false
alarm in 100 no-shift pairs (fast sizes here; 100k and 1M rows under -m slow; README has the table)."""

from __future__ import annotations

import pytest

from tests.drift.accuracy import CASES, MINIMUM_ROWS, Case, detected, false_alarm


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("rows", [1_000, 10_000])
def test_a_shift_at_or_above_its_minimum_detectable_size_is_flagged(case: Case, rows: int) -> None:
    if rows < MINIMUM_ROWS[case.name]:
        pytest.skip(f"below the documented minimum ({MINIMUM_ROWS[case.name]:,} rows)")
    assert all(detected(case, rows, seed) for seed in range(3))


@pytest.mark.parametrize("rows", [1_000, 10_000])
def test_independent_samples_of_one_distribution_raise_no_drift(rows: int) -> None:
    assert sum(false_alarm(rows, 10_000 + seed) for seed in range(20)) == 0


@pytest.mark.slow
@pytest.mark.parametrize("rows", [100_000, 1_000_000])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_shift_is_flagged_on_big_files(case: Case, rows: int) -> None:
    assert all(detected(case, rows, seed) for seed in range(3))


@pytest.mark.slow
@pytest.mark.parametrize(("rows", "pairs"), [(1_000, 200), (100_000, 30), (1_000_000, 10)])
def test_false_alarms_stay_at_most_one_in_a_hundred(rows: int, pairs: int) -> None:
    alarms = sum(false_alarm(rows, 20_000 + seed) for seed in range(pairs))
    assert alarms <= pairs // 100
