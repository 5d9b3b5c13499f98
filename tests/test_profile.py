"""ProfilePart.merge: associative and order-independent, and each statistic against a plain numpy oracle."""

from __future__ import annotations

import functools
import math
import random

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from pipecheck.profile import TOP_CAPACITY, ProfiledColumn, ProfilePart, distinct_estimate, profile_batch, summarize

COLUMNS = (ProfiledColumn("x", "c0", "float"), ProfiledColumn("s", "c1", "string"))


@st.composite
def batches(draw: st.DrawFn) -> list[pl.DataFrame]:
    out = []
    for _ in range(draw(st.integers(1, 6))):
        rows = draw(st.integers(0, 40))
        x = draw(st.lists(st.none() | st.floats(-1e6, 1e6, allow_nan=False), min_size=rows, max_size=rows))
        s = draw(st.lists(st.none() | st.sampled_from(["a", "b", "é", "", "long value"]), min_size=rows, max_size=rows))
        out.append(pl.DataFrame({"c0": x, "c1": s}, schema={"c0": pl.Float64, "c1": pl.String}))
    return out


def _same(a: ProfilePart, b: ProfilePart) -> None:
    assert a.columns.keys() == b.columns.keys()
    for name, mine in a.columns.items():
        theirs = b.columns[name]
        assert (mine.rows, mine.nulls, mine.invalid, mine.registers) == (
            theirs.rows,
            theirs.nulls,
            theirs.invalid,
            theirs.registers,
        )
        assert mine.values.n == theirs.values.n and (mine.values.low, mine.values.high) == (
            theirs.values.low,
            theirs.values.high,
        )
        assert math.isclose(mine.values.mean, theirs.values.mean, rel_tol=1e-9, abs_tol=1e-6)
        assert math.isclose(mine.values.m2, theirs.values.m2, rel_tol=1e-7, abs_tol=1e-3)
        assert mine.counters == theirs.counters


@given(batches(), st.randoms())
@settings(max_examples=40, deadline=None)
def test_merging_in_any_order_and_grouping_gives_the_same_profile_and_the_oracles_statistics(
    frames: list[pl.DataFrame], rng: random.Random
) -> None:
    parts = [profile_batch(COLUMNS, f) for f in frames]
    in_order = functools.reduce(ProfilePart.merge, parts, ProfilePart())
    shuffled = parts[:]
    rng.shuffle(shuffled)
    split = rng.randrange(len(parts) + 1)
    grouped = functools.reduce(ProfilePart.merge, parts[:split], ProfilePart()).merge(
        functools.reduce(ProfilePart.merge, parts[split:], ProfilePart())
    )
    for other in (functools.reduce(ProfilePart.merge, shuffled, ProfilePart()), grouped):
        _same(in_order, other)
    whole = pl.concat(frames)
    x = whole["c0"].drop_nulls().to_numpy()
    s = whole["c1"].drop_nulls().to_list()
    summary_x = summarize(COLUMNS[0], in_order.columns["x"])
    summary_s = summarize(COLUMNS[1], in_order.columns["s"])
    assert summary_x.rows == whole.height and summary_x.nulls == whole["c0"].null_count()
    if len(x):
        assert summary_x.numbers is not None
        assert (summary_x.numbers.min, summary_x.numbers.max) == (x.min(), x.max())
        assert math.isclose(summary_x.numbers.mean, float(x.mean()), rel_tol=1e-9, abs_tol=1e-6)
        assert math.isclose(summary_x.numbers.std, float(x.std()), rel_tol=1e-6, abs_tol=1e-3)
        true = len(set(x.tolist()))  # HLL: two values may share a register, so within one (or 5 %)
        assert abs(summary_x.distinct - true) <= 1 + 0.05 * true
    assert summary_s.categories is not None
    assert summary_s.categories.values == {v: s.count(v) for v in set(s)}  # few values: exact
    assert summary_s.distinct == len(set(s))
    if s:
        assert summary_s.lengths is not None and summary_s.lengths.max == max(len(v) for v in s)


def test_quantiles_of_merged_batches_are_within_the_sketchs_rank_error() -> None:
    rng = np.random.default_rng(3)
    values = rng.lognormal(size=600_000)
    parts = [profile_batch(COLUMNS[:1], pl.DataFrame({"c0": chunk})) for chunk in np.array_split(values, 7)]
    summary = summarize(COLUMNS[0], functools.reduce(ProfilePart.merge, parts).columns["x"])
    assert summary.numbers is not None
    ordered = np.sort(values)
    grid = np.linspace(0, 1, len(summary.numbers.quantiles))
    ranks = np.searchsorted(ordered, summary.numbers.quantiles) / len(values)
    assert np.max(np.abs(ranks - grid)) < 0.01  # KLL k=1000: 0.28 % normalised rank error, with margin


def test_distinct_counts_of_many_values_are_within_a_few_percent() -> None:
    values = pl.Series([f"id-{i}" for i in range(300_000)])
    part = profile_batch(COLUMNS[1:], values.to_frame("c1"))
    assert abs(distinct_estimate(part.columns["s"].registers) - 300_000) < 0.05 * 300_000


def test_top_values_beyond_capacity_are_low_by_at_most_the_misra_gries_bound() -> None:
    rng = np.random.default_rng(5)
    common = rng.choice(["x", "y", "z"], 100_000, p=[0.5, 0.3, 0.2]).tolist()
    rare = [f"r{i}" for i in range(5_000)]
    values = common + rare
    rng.shuffle(values)
    chunks = [values[i : i + 7_000] for i in range(0, len(values), 7_000)]
    parts = [profile_batch(COLUMNS[1:], pl.DataFrame({"c1": chunk})) for chunk in chunks]
    merged = functools.reduce(ProfilePart.merge, parts).columns["s"].counters
    assert merged is not None and not merged.exact
    bound = len(values) / (TOP_CAPACITY + 1)
    for value in "xyz":
        true = values.count(value)
        assert true - bound * len(chunks) <= merged.counts[value] <= true
