"""The rules inference leans on, pinned against parse_expr (the rules validate runs) and plain arithmetic."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipecheck.contract.model import ColumnSpec
from pipecheck.infer.candidates import NULL_TOKENS, candidates
from pipecheck.infer.decide import round_outward
from pipecheck.infer.profile import IMPLIES
from pipecheck.parsing import parse_expr

TEXT = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=False).map(repr),
    st.integers(0, 10**6).map(lambda i: f" {i}.0 "),
    st.dates().map(str),
    st.datetimes().map(lambda v: v.isoformat()),
    st.datetimes().map(lambda v: v.isoformat(sep=" ", timespec="seconds")),
    st.datetimes().map(lambda v: v.isoformat(timespec="minutes") + "Z"),
    st.text(max_size=8),
)


def _parse(values: list[str], key: str) -> list[object]:
    spec = next(c.spec for c in candidates() if c.key == key)
    return (
        pl.DataFrame({"v": values}, schema={"v": pl.String}).select(parse_expr(pl.col("v"), spec)).to_series().to_list()
    )


@settings(deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=30))
def test_a_value_that_parses_as_a_narrower_candidate_parses_as_the_one_it_implies(values: list[str]) -> None:
    for source, (target, derive) in IMPLIES.items():
        for narrow, wide in zip(_parse(values, source), _parse(values, target), strict=True):
            if narrow is not None:
                assert wide == derive(narrow), (source, target, values)


def test_no_null_token_parses_as_a_typed_candidate() -> None:
    for candidate in candidates():
        if candidate.type != "string":
            assert _parse(list(NULL_TOKENS), candidate.key) == [None] * len(NULL_TOKENS), candidate.key


def test_every_candidate_format_is_one_the_contract_accepts() -> None:
    for candidate in candidates():
        assert ColumnSpec.model_validate(candidate.spec.model_dump()) == candidate.spec


@pytest.mark.parametrize(
    ("low", "high", "integer", "expected"),
    [
        (0.5, 99999.99, False, (0, 100000)),
        (1990, 2024, True, (1990, 2024)),
        (1.2, 3.14159, False, (1.2, 3.2)),
        (7, 7, True, (7, 7)),
        (0, 0, True, (0, 0)),
        (-3.7, 38.2, False, (-4, 39)),
        (1, 1000, True, (0, 1000)),
        (2**63 - 10, 2**63 - 1, True, (2**63 - 10, 2**63 - 1)),
        (-1.7976931348623157e308, 1.7976931348623157e308, False, (-1.7976931348623157e308, 1.7976931348623157e308)),
    ],
)
def test_bounds_are_rounded_outward_to_two_digits_of_the_range(
    low: float, high: float, integer: bool, expected: tuple[float, float]
) -> None:
    assert round_outward(low, high, integer=integer) == expected


@settings(deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False), st.floats(allow_nan=False, allow_infinity=False))
@example(1.0, -2.7306671965487194e-299)  # rounded to -0.1: a tenth of the range, as near as a float gets
def test_rounding_never_moves_a_bound_inward(a: float, b: float) -> None:
    low, high = min(a, b), max(a, b)
    down, up = round_outward(low, high, integer=False)
    assert float(down) <= low and float(up) >= high  # as the engine compares: float(bound)
    assert math.isfinite(float(down)) and math.isfinite(float(up))
    if high > low:  # never looser than a tenth of the range on either side
        spread = Decimal(high) - Decimal(low)
        # slack for the float nearest a rounded bound (0.1 is 0.1000000000000000055...)
        slack = max(Decimal(abs(low)), spread) * Decimal("1e-15")
        assert Decimal(low) - Decimal(down) <= spread / 10 + slack


@settings(deadline=None)
@given(st.integers(-(2**63), 2**63 - 1), st.integers(-(2**63), 2**63 - 1))
def test_integer_bounds_stay_integers_within_int64(a: int, b: int) -> None:
    down, up = round_outward(min(a, b), max(a, b), integer=True)
    assert isinstance(down, int) and isinstance(up, int)
    assert -(2**63) <= down <= min(a, b) and max(a, b) <= up <= 2**63 - 1


def test_temporal_bounds_are_whole_years() -> None:
    from pipecheck.infer.decide import _bounds

    assert _bounds(dt.date(2024, 3, 5), dt.date(2025, 1, 2), "date") == (dt.date(2024, 1, 1), dt.date(2025, 12, 31))
    low, high = _bounds(dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59), "datetime")
    assert (low, high) == ("0001-01-01T00:00:00", "9999-12-31T23:59:59.999999")
