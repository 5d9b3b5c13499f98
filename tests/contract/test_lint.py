"""`pipecheck lint`: a duplicate key does not hide the file's other problems, and two contracts whose
`match:` globs overlap are refused where they are written, since validate cannot pick between them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipecheck.cli import app
from pipecheck.config import glob_matches
from pipecheck.glob_overlap import overlap_witness
from tests.conftest import Result, run_subprocess

DUPLICATE_AND_MORE = """\
contract: x
columns:
  a: {type: integer}
  a: {type: string}
  b: {type: intger}
extra_columns: maybe
"""


def test_a_duplicate_key_is_reported_with_every_other_problem(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(DUPLICATE_AND_MORE)
    result = run_subprocess("lint", "c.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "c.yaml:4:3: columns.a: duplicate key 'a'",
        "c.yaml:5:13: columns.b.type: expected one of 'integer', 'float', 'string', 'boolean', 'date' or 'datetime',"
        " got 'intger' (did you mean 'integer'?)",
        "c.yaml:6:16: extra_columns: expected one of 'error', 'warn' or 'ignore', got 'maybe'",
    ]


def test_a_duplicate_key_alone_is_still_refused(tmp_path: Path, cli: Callable[..., Result]) -> None:
    (tmp_path / "c.yaml").write_text("contract: x\ncontract: y\ncolumns: {a: {type: integer}}\n")
    result = cli("lint", "c.yaml", cwd=tmp_path)
    assert (result.exit_code, result.stderr.strip()) == (2, "c.yaml:2:1: contract: duplicate key 'contract'")


def _project(tmp_path: Path, **contracts: str) -> Path:
    (tmp_path / "schemas").mkdir()
    for name, match in contracts.items():
        text = f"contract: {name}\n{match}\ncolumns: {{x: {{type: integer}}}}\n"
        (tmp_path / "schemas" / f"{name}.yaml").write_text(text)
    return tmp_path


def test_overlapping_globs_are_refused_at_the_later_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path, a='match: ["data/*.csv"]', b="match:\n  - other/*\n  - data/orders*")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["lint"])
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines == [
        "schemas/b.yaml:4:5: match[1]: 'data/orders*' overlaps 'data/*.csv' of schemas/a.yaml"
        " (both match 'data/orders.csv'); a file two contracts match is not validated: narrow one glob,"
        " or map it in files:"
    ]


def test_a_changed_contract_is_judged_against_the_others_in_schemas(tmp_path: Path) -> None:
    _project(tmp_path, a='match: "data/**"', b='match: ["data/2024/*.parquet"]', c='match: ["other/*.csv"]')
    result = run_subprocess("lint", "schemas/b.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    assert "schemas/b.yaml:2:9: match[0]: 'data/2024/*.parquet' overlaps 'data/**' of schemas/a.yaml" in result.stderr
    assert "other" not in result.stderr
    assert run_subprocess("lint", "schemas/c.yaml", cwd=tmp_path).exit_code == 0


def test_disjoint_globs_pass(tmp_path: Path, cli: Callable[..., Result]) -> None:
    _project(tmp_path, a='match: ["data/*.csv", "**/a_*.tsv"]', b='match: ["data/*.parquet", "data/x/*.csv"]')
    result = cli("lint", cwd=tmp_path)
    assert (result.exit_code, result.stdout.strip()) == (0, "2 contract(s) valid")


@pytest.mark.parametrize(
    ("first", "second", "witness"),
    [
        ("data/*.csv", "data/*.parquet", None),
        ("a/*", "a/b/c", None),
        ("data/**", "other/*", None),
        ("a/**/c", "a/c", "a/c"),
        ("a/*/b", "a/**", "a/x/b"),  # never an empty segment
        ("*.csv", "*", "x.csv"),  # a hidden file only when nothing else matches
        ("x?.csv", "xy.csv", "xy.csv"),
        ("./data/*.csv", "data/a.csv", "data/a.csv"),
    ],
)
def test_overlap_witness(first: str, second: str, witness: str | None) -> None:
    assert overlap_witness(first, second) == witness


GLOB_PARTS = st.sampled_from(["a", "b", ".", "/", "*", "?", "**", "**/", "c.csv"])
PATH_PARTS = st.sampled_from(["a", "b", ".", "c.csv", "ab", "x"])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(GLOB_PARTS, min_size=1, max_size=6).map("".join),
    st.lists(GLOB_PARTS, min_size=1, max_size=6).map("".join),
    st.lists(st.lists(PATH_PARTS, min_size=1, max_size=3).map("".join), min_size=1, max_size=4).map("/".join),
)
def test_witness_agrees_with_the_glob_matcher(first: str, second: str, path: str) -> None:
    """The matcher validate uses is the oracle: a witness matches both globs, and a path both match
    means there is a witness."""
    witness = overlap_witness(first, second)
    if witness is not None:
        assert glob_matches(first, witness) and glob_matches(second, witness)
    if glob_matches(first, path) and glob_matches(second, path):
        assert witness is not None
