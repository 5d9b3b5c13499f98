"""Drift statistics between a baseline's and the current data's summaries, and the tests that say
a difference is more than sampling noise at these sizes. Pure numpy over profile summaries.

Numbers are compared through their quantile grids (profile_format.PROBABILITIES), categories
through their counts. Each effect size has an evidence test beside it (KS for numbers, chi-squared
for categories, two proportions for nulls, a binomial for unseen values): on big files any effect
is "significant", on small ones a large effect may be noise; a change is reported only when it
is both at least the threshold and unlikely (p < ALPHA) under no change.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from pipecheck.profile_format import PROBABILITIES

ALPHA = 0.001
_Z_TWO_SIDED = 3.2905  # standard normal quantile at 1 - ALPHA / 2
_Z_ONE_SIDED = 3.0902  # at 1 - ALPHA
_KS_C = math.sqrt(-0.5 * math.log(ALPHA / 2))  # asymptotic two-sample KS critical coefficient
PSI_BINS = 10
FLOOR = 1e-4  # an empty bin's share in PSI and Jensen-Shannon, as Evidently does
_P = np.asarray(PROBABILITIES)


def cdf(quantiles: Sequence[float], points: np.ndarray) -> np.ndarray:
    """The share of values <= each point, read off a quantile grid (right-continuous steps)."""
    q = np.asarray(quantiles, dtype=np.float64)
    index = np.searchsorted(q, points, side="right")
    return np.where(index == 0, 0.0, _P[np.maximum(index - 1, 0)])


def wasserstein(baseline: Sequence[float], current: Sequence[float], scale: float) -> float:
    """W1 = integral over p of |Q_b(p) - Q_c(p)|, by the trapezoid rule on the grid, over `scale`."""
    with np.errstate(over="ignore", invalid="ignore"):  # values near 1e308: the distance is "huge", not a crash
        gap = np.abs(np.asarray(baseline) / scale - np.asarray(current) / scale)
        value = float(np.sum(gap[:-1] / 2 + gap[1:] / 2) / (len(gap) - 1))
    return value if math.isfinite(value) else 1e300


def ks(baseline: Sequence[float], current: Sequence[float]) -> float:
    """The largest distance between the two step CDFs, at every grid value of either side."""
    points = np.unique(np.concatenate([np.asarray(baseline), np.asarray(current)]))
    return float(np.max(np.abs(cdf(baseline, points) - cdf(current, points))))


def psi_numbers(baseline: Sequence[float], current: Sequence[float]) -> float:
    """PSI over the baseline's deciles (ties merge bins)."""
    step = (len(PROBABILITIES) - 1) // PSI_BINS
    edges = np.unique(np.asarray(baseline)[step:-1:step])
    b = np.diff(np.concatenate([[0.0], cdf(baseline, edges), [1.0]]))
    c = np.diff(np.concatenate([[0.0], cdf(current, edges), [1.0]]))
    return psi(b, c)


def psi(baseline: np.ndarray, current: np.ndarray) -> float:
    b = np.maximum(baseline, FLOOR)
    c = np.maximum(current, FLOOR)
    return float(np.sum((c - b) * np.log(c / b)))


def jensen_shannon(baseline: np.ndarray, current: np.ndarray) -> float:
    """The Jensen-Shannon distance (square root of the divergence, natural log: scipy's and Evidently's)."""
    b = baseline / baseline.sum()
    c = current / current.sum()
    m = (b + c) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_b = np.where(b > 0, b * np.log(b / m), 0.0)
        kl_c = np.where(c > 0, c * np.log(c / m), 0.0)
    return math.sqrt(max(float(kl_b.sum() + kl_c.sum()) / 2, 0.0))


def l_infinity(baseline: np.ndarray, current: np.ndarray) -> float:
    """The largest change of one category's share."""
    return float(np.max(np.abs(baseline / baseline.sum() - current / current.sum())))


def shares(baseline: Mapping[str, int], current: Mapping[str, int]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Both sides' counts over the union of their values, baseline order first."""
    keys = list(baseline) + [v for v in current if v not in baseline]
    return (
        keys,
        np.array([baseline.get(k, 0) for k in keys], dtype=np.float64),
        np.array([current.get(k, 0) for k in keys], dtype=np.float64),
    )


def ks_significant(statistic: float, n: int, m: int) -> bool:
    """The two-sample KS test at ALPHA (asymptotic critical value)."""
    return n > 0 and m > 0 and statistic >= _KS_C * math.sqrt((n + m) / (n * m))


def chi_squared_significant(baseline: np.ndarray, current: np.ndarray) -> bool:
    """The chi-squared test of homogeneity at ALPHA (critical value: Wilson-Hilferty)."""
    used = (baseline + current) > 0
    b, c = baseline[used], current[used]
    if len(b) < 2 or b.sum() == 0 or c.sum() == 0:
        return False
    total = b.sum() + c.sum()
    expected_b = (b + c) * b.sum() / total
    expected_c = (b + c) * c.sum() / total
    statistic = float(np.sum((b - expected_b) ** 2 / expected_b) + np.sum((c - expected_c) ** 2 / expected_c))
    k = len(b) - 1
    critical = k * (1 - 2 / (9 * k) + _Z_ONE_SIDED * math.sqrt(2 / (9 * k))) ** 3
    return statistic >= critical


def proportions_significant(x: int, n: int, y: int, m: int) -> bool:
    """Two proportions x/n and y/m differ (pooled z test at ALPHA)."""
    if not n or not m:
        return False
    pooled = (x + y) / (n + m)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / m))
    return spread > 0 and abs(x / n - y / m) / spread >= _Z_TWO_SIDED


def unseen_significant(unseen: int, n: int, m: int) -> bool:
    """`unseen` current rows hold values none of the baseline's n rows had: were both samples of one
    distribution, each such row would be a current one with probability m / (n + m)."""
    return unseen > 0 and n > 0 and unseen * math.log(m / (n + m)) < math.log(ALPHA)


def histogram(quantiles: Sequence[float], edges: np.ndarray) -> list[float]:
    """Shares of values between consecutive edges (for the terminal's side-by-side bars)."""
    below = cdf(quantiles, edges)
    below[0] = 0.0  # the lowest bin holds the smallest values too
    return [float(x) for x in np.diff(below)]
