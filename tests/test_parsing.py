"""The documented text rules for numbers, pinned against polars' casts on generated strings."""

from __future__ import annotations

import math
import re

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from pipecheck.contract.model import ColumnSpec
from pipecheck.parsing import FLOAT_TEXT, INTEGER_TEXT, parse_expr

PIECES = [*"0123456789+-.eE_, xXdf\t", "inf", "nan", "NaN", "Infinity", "\u0663", "\uff11", "1e400", ".0", ".00"]


def parsed(values: list[str], kind: str) -> list[object]:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    return frame.select(parse_expr(pl.col("v"), ColumnSpec(type=kind))).to_series().to_list()  # type: ignore[arg-type]


@given(st.lists(st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join), min_size=1, max_size=50))
@settings(max_examples=300, deadline=None)
def test_integer_rule_is_sign_and_digits_within_int64(values: list[str]) -> None:
    for text, value in zip(values, parsed(values, "integer"), strict=True):
        # independent of INTEGER_TEXT: a sign and digits, then at most a point and zeros
        whole = re.fullmatch(r"([+-]?[0-9]+)(\.0*)?", text.strip())
        expected = whole is not None and -(2**63) <= int(whole.group(1)) < 2**63
        assert (value is not None) == expected, text
        assert (re.fullmatch(INTEGER_TEXT, text.strip()) is not None) == (whole is not None), text
        if whole is not None and value is not None:
            assert value == int(whole.group(1))


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
    whole = ["181.0", "181.", "-3.00", " 7.0 ", "-0.0", "181.5", "181.01", ".0", "+.0", "1.0.0", "1e3.0", "0x1.0"]
    assert parsed(whole, "integer") == [181, 181, -3, 7, 0, None, None, None, None, None, None, None]
    assert parsed(["9223372036854775807.00", "9223372036854775808.0"], "integer") == [2**63 - 1, None]
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


TYPED_KINDS = ["integer", "float", "boolean", "date", "datetime"]
TEXT_PIECES = [*PIECES, " ", "  ", "2024-01-05", "2024-01-05T10:00:00", "+02:00", "Z", "true", "No", "y"]


@given(
    st.sampled_from(TYPED_KINDS),
    st.lists(st.lists(st.sampled_from(TEXT_PIECES), min_size=0, max_size=4).map("".join), min_size=1, max_size=40),
    st.sampled_from([[""], [], ["", "NA", "n"], [" "]]),
)
@settings(max_examples=300, deadline=None)
def test_engine_parse_as_is_then_retry_stripped_equals_parsing_stripped(
    kind: str, values: list[str], nulls: list[str]
) -> None:
    """checking._typed parses values as they are and re-parses only failures stripped: same result."""
    from pipecheck.checking import _typed, plan_checks
    from pipecheck.compile import compile_contract
    from pipecheck.contract.loader import parse_contract

    null_yaml = "[" + ", ".join(f"'{n}'" for n in nulls) + "]"
    contract = parse_contract(f"contract: t\ncsv: {{null_values: {null_yaml}}}\ncolumns:\n  v: {{type: {kind}}}\n")
    frame = pl.DataFrame({"c0": values}, schema={"c0": pl.String})
    typed = _typed(plan_checks(compile_contract(contract), ["v"], text=True, max_examples=5), frame)
    spec = contract.columns["v"]
    # Compared as text: polars parses years Python's datetime cannot hold (e.g. -2024-01-05).
    reference = frame.select(parse_expr(pl.col("c0"), spec).cast(pl.String)).to_series().to_list()
    engine = typed["c0"].cast(pl.String).to_list()
    for text, value, failed, expected in zip(values, engine, typed["t0"].to_list(), reference, strict=True):
        if text in nulls:
            assert value is None and not failed, text
        else:
            assert value == expected and failed == (expected is None), text
