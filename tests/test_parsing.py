"""The documented text rules for numbers, pinned against polars' casts on generated strings."""

from __future__ import annotations

import math
import re

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from pipecheck.contract.model import ColumnSpec
from pipecheck.parsing import FLOAT_TEXT, INTEGER_TEXT, parse_expr

PIECES = [*"0123456789+-.eE_, xXdf\t", "inf", "nan", "NaN", "Infinity", "\u0663", "\uff11", "1e400"]


def parsed(values: list[str], kind: str) -> list[object]:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    return frame.select(parse_expr(pl.col("v"), ColumnSpec(type=kind))).to_series().to_list()  # type: ignore[arg-type]


@given(st.lists(st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join), min_size=1, max_size=50))
@settings(max_examples=300, deadline=None)
def test_integer_rule_is_sign_and_digits_within_int64(values: list[str]) -> None:
    for text, value in zip(values, parsed(values, "integer"), strict=True):
        stripped = text.strip()
        expected = re.fullmatch(INTEGER_TEXT, stripped) is not None and -(2**63) <= int(stripped) < 2**63
        assert (value is not None) == expected, text
        if value is not None:
            assert value == int(stripped)


@given(st.lists(st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join), min_size=1, max_size=50))
@settings(max_examples=300, deadline=None)
def test_float_rule_is_finite_decimal_numbers(values: list[str]) -> None:
    for text, value in zip(values, parsed(values, "float"), strict=True):
        stripped = text.strip()
        expected = re.fullmatch(FLOAT_TEXT, stripped) is not None and math.isfinite(float(stripped))
        assert (value is not None) == expected, text
        if value is not None:
            assert value == float(stripped)


def test_documented_examples() -> None:
    assert parsed([" 7 ", "+3", "007", "12.5", "1e3", "1,000", "9223372036854775808"], "integer") == [
        7,
        3,
        7,
        None,
        None,
        None,
        None,
    ]
    assert parsed(["1.5", "-2.00E-02", "1e3", ".5", "NaN", "inf", "95%", "$4.00", "1e400"], "float") == [
        1.5,
        -0.02,
        1000.0,
        0.5,
        None,
        None,
        None,
        None,
        None,
    ]
