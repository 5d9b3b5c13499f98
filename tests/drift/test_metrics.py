"""Drift statistics read off profile summaries against the same statistics computed on the raw samples."""

from __future__ import annotations

import numpy as np
import pytest

from pipecheck import drift_metrics as m
from pipecheck.profile_format import PROBABILITIES
from tests.drift.accuracy import profile_of

S = np.full(1, "a")


def _exact_ks(a: np.ndarray, b: np.ndarray) -> float:
    points = np.concatenate([a, b])
    fa = np.searchsorted(np.sort(a), points, side="right") / len(a)
    fb = np.searchsorted(np.sort(b), points, side="right") / len(b)
    return float(np.max(np.abs(fa - fb)))


def _exact_wasserstein(a: np.ndarray, b: np.ndarray) -> float:
    p = (np.arange(100_000) + 0.5) / 100_000
    return float(np.mean(np.abs(np.quantile(a, p) - np.quantile(b, p))))


@pytest.mark.parametrize(("shift", "scale"), [(0.0, 1.0), (0.25, 1.0), (0.5, 1.0), (0.0, 1.5**0.5)])
def test_grid_statistics_match_the_samples(shift: float, scale: float) -> None:
    rng = np.random.default_rng(11)
    a, b = rng.normal(0, 1, 50_000), rng.normal(shift, scale, 50_000)
    qa = profile_of(a, np.repeat(S, len(a))).columns["x"].numbers
    qb = profile_of(b, np.repeat(S, len(b))).columns["x"].numbers
    assert qa is not None and qb is not None
    assert m.ks(qa.quantiles, qb.quantiles) == pytest.approx(_exact_ks(a, b), abs=0.01)
    assert m.wasserstein(qa.quantiles, qb.quantiles, 1.0) == pytest.approx(_exact_wasserstein(a, b), abs=0.02)
    deciles = np.quantile(a, np.linspace(0.1, 0.9, 9))
    share_a = np.diff(np.searchsorted(np.sort(a), deciles, side="right"), prepend=0, append=len(a)) / len(a)
    share_b = np.diff(np.searchsorted(np.sort(b), deciles, side="right"), prepend=0, append=len(b)) / len(b)
    # The 0.5 % grid reads each bin's share to within a step, and the quantile sketch is randomised
    # (rank error ~0.3 %): PSI from the profile is within 15 % of the exact one, enough to rank shifts.
    exact = m.psi(share_a, share_b)
    assert m.psi_numbers(qa.quantiles, qb.quantiles) == pytest.approx(exact, rel=0.15, abs=0.005)


def test_category_statistics_match_their_definitions() -> None:
    keys, b, c = m.shares({"a": 60, "b": 40}, {"a": 30, "b": 50, "new": 20})
    assert keys == ["a", "b", "new"]
    assert m.l_infinity(b, c) == pytest.approx(0.3)
    p, q = b / b.sum(), c / c.sum()
    mid = (p + q) / 2
    kl = lambda x, y: sum(xi * np.log(xi / yi) for xi, yi in zip(x, y, strict=True) if xi > 0)  # noqa: E731
    assert m.jensen_shannon(b, c) == pytest.approx(np.sqrt((kl(p, mid) + kl(q, mid)) / 2))


def test_evidence_tests_refuse_noise_and_accept_clear_changes() -> None:
    assert not m.ks_significant(0.05, 1_000, 1_000) and m.ks_significant(0.1, 1_000, 1_000)
    assert not m.proportions_significant(10, 1_000, 18, 1_000) and m.proportions_significant(0, 1_000, 50, 1_000)
    assert not m.unseen_significant(5, 1_000, 1_000) and m.unseen_significant(20, 1_000, 1_000)
    assert m.chi_squared_significant(np.array([500.0, 500.0]), np.array([300.0, 700.0]))
    assert not m.chi_squared_significant(np.array([500.0, 500.0]), np.array([490.0, 510.0]))


def test_cdf_reads_steps_off_a_quantile_grid() -> None:
    grid = list(np.linspace(0, 200, len(PROBABILITIES)))
    assert m.cdf(grid, np.array([-1.0, 0.0, 100.0, 200.0, 300.0])).tolist() == [0.0, 0.0, 0.5, 1.0, 1.0]
