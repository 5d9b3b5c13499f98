"""Tally.merge: associative and order-independent, so batches may finish in any order (Dask later)."""

from __future__ import annotations

import functools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from pipecheck.checking import Hits, Partial
from pipecheck.tally import Tally


@st.composite
def batches(draw: st.DrawFn) -> list[tuple[int, Partial]]:
    """(first_row, partial) for consecutive batches; each rule fails on some rows of each."""
    out, first_row = [], 0
    for _ in range(draw(st.integers(1, 8))):
        rows = draw(st.integers(0, 30))
        hits = []
        for rule in draw(st.sets(st.integers(0, 3), max_size=3)):
            offsets = sorted(draw(st.sets(st.integers(0, max(rows - 1, 0)), max_size=rows)))
            if offsets:
                shown = offsets[:5]
                hits.append(Hits(rule, len(offsets), tuple(shown), tuple((f"v{first_row + o}",) for o in shown)))
        # rules 2 and 3 have a mostly: the rows they judged (at least those failing)
        failing = {h.rule: h.count for h in hits}
        judged = tuple((rule, draw(st.integers(failing.get(rule, 0), rows))) for rule in (2, 3) if draw(st.booleans()))
        out.append((first_row, Partial(rows=rows, hits=tuple(hits), judged=judged)))
        first_row += rows
    return out


@given(batches(), st.integers(0, 5), st.randoms())
@settings(max_examples=200, deadline=None)
def test_merging_in_any_order_and_grouping_gives_the_lowest_rows_and_exact_counts(
    parts: list[tuple[int, Partial]], max_examples: int, rng: random.Random
) -> None:
    tallies = [Tally.of(p, first, max_examples) for first, p in parts]
    in_order = functools.reduce(Tally.merge, tallies, Tally(max_examples))
    shuffled = tallies[:]
    rng.shuffle(shuffled)
    any_order = functools.reduce(Tally.merge, shuffled, Tally(max_examples))
    split = rng.randrange(len(tallies) + 1)  # (a + b) + c == a + (b + c)
    left = functools.reduce(Tally.merge, tallies[:split], Tally(max_examples))
    right = functools.reduce(Tally.merge, tallies[split:], Tally(max_examples))
    grouped = left.merge(right)
    for merged in (any_order, grouped):
        assert merged.rows == in_order.rows and merged.counts == in_order.counts
        assert merged.judged == in_order.judged
        assert {r: [s.row for s in v] for r, v in merged.samples.items()} == {
            r: [s.row for s in v] for r, v in in_order.samples.items()
        }
    # the oracle: every failing row of every batch, lowest first; judged rows summed
    for rule in (2, 3):
        assert in_order.judged.get(rule, 0) == sum(n for _, p in parts for r, n in p.judged if r == rule)
    for rule, count in in_order.counts.items():
        rows = sorted(first + o for first, p in parts for h in p.hits if h.rule == rule for o in h.offsets)
        assert count == sum(h.count for _, p in parts for h in p.hits if h.rule == rule)
        assert [s.row for s in in_order.samples[rule]] == rows[:max_examples]
        assert all(s.values == (f"v{s.row}",) for s in in_order.samples[rule])
