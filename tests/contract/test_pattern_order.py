"""Pattern containment: "wider" or "narrower" only when it is true of the values polars matches."""

from __future__ import annotations

import itertools

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipecheck.contract.pattern_order import alternatives, relation

ALPHABET = "ab|()[]"
# Every string of up to 3 characters over the atoms' alphabet: the oracle's universe.
UNIVERSE = pl.Series(["".join(p) for n in range(4) for p in itertools.product(ALPHABET, repeat=n)])
ATOMS = ["a", "b", "a+", "(a|b)", "[|a]", r"\|", "[]|]", "[^|]", "(?:b|)", "[[:alpha:]]", "b?", r"\(", "(?i:A)"]


def _matches(pattern: str) -> set[str]:
    return set(UNIVERSE.filter(UNIVERSE.str.contains(f"^(?:{pattern})$")).to_list())


@st.composite
def patterns(draw: st.DrawFn) -> str:
    branches = draw(st.lists(st.lists(st.sampled_from(ATOMS), min_size=1, max_size=2), min_size=1, max_size=3))
    return "|".join("".join(branch) for branch in branches)


@settings(max_examples=400, deadline=None)
@given(patterns(), patterns())
def test_a_claimed_order_holds_on_every_value(old: str, new: str) -> None:
    found = relation(old, new)
    before, after = _matches(old), _matches(new)
    if found == "same":
        assert before == after
    elif found == "wider":
        assert before <= after
    elif found == "narrower":
        assert after <= before


@settings(max_examples=200, deadline=None)
@given(patterns(), patterns())
def test_adding_an_alternative_is_seen_as_wider(old: str, extra: str) -> None:
    assert relation(old, f"{old}|{extra}") in ("wider", "same")
    assert relation(f"{old}|{extra}", old) in ("narrower", "same")


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("a|b", {"a", "b"}),
        ("(a|b)|c", {"(a|b)", "c"}),
        ("[a|b]|c", {"[a|b]", "c"}),
        (r"a\|b|c", {r"a\|b", "c"}),
        ("[]|]|x", {"[]|]", "x"}),
        ("[[:alpha:]|]|x", {"[[:alpha:]|]", "x"}),
        ("", {""}),
    ],
)
def test_alternatives_split_only_at_the_top_level(pattern: str, expected: set[str]) -> None:
    assert alternatives(pattern) == expected


def test_an_inline_flag_makes_the_order_unknown() -> None:
    assert alternatives("a|(?i)b") is None
    assert relation("a|(?i)b", "a|(?i)b|c") == "unknown"
