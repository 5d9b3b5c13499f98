"""allowed: a few text values are compared one by one, more go to polars' is_in; both must agree
with plain membership, nulls passing (they are the nullable rule's)."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from pipecheck import rules
from pipecheck.contract.model import ColumnSpec

TEXTS = st.sampled_from(["", " ", "new", "New", "paid", "né", "€", "a\nb", "new ", "\x00", "paid,"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.none() | TEXTS, max_size=40), st.lists(TEXTS, min_size=1, max_size=rules.SMALL_ALLOWED + 4))
def test_allowed_text_fails_exactly_the_values_outside_the_set(values: list[str | None], allowed: list[str]) -> None:
    spec = ColumnSpec(type="string", nullable=True, allowed=allowed)
    frame = pl.DataFrame({"s": values}, schema={"s": pl.String})
    failed = frame.select(rules._allowed_failed(pl.col("s"), spec).fill_null(False)).to_series().to_list()
    assert failed == [value is not None and value not in allowed for value in values]


def test_both_ways_of_checking_are_taken() -> None:
    few = rules._allowed_failed(pl.col("s"), ColumnSpec(type="string", allowed=["a", "b"]))
    many = rules._allowed_failed(pl.col("s"), ColumnSpec(type="string", allowed=[str(i) for i in range(20)]))
    assert "is_in" not in str(few) and "is_in" in str(many)
