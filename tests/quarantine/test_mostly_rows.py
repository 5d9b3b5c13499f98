"""Rows of a rule with `mostly` are decided at the end of the file: valid where the rule held over
the file (its label dropped from rows failing other rules), invalid where it failed."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from pipecheck.cli import app

CONTRACT = """\
contract: m
columns:
  id: {type: integer, unique: true}
  email: {type: string, pattern: "^[^@]+@[^@]+$", mostly: 0.9}
  amount: {type: float, min: 0, mostly: 0.99}
"""
# rows 2 and 6 fail the pattern (2 of N), rows 3 and 6 fail min, row 5 repeats id 4
HEAD = "id,email,amount\n1,a@b,1\n2,bad,2\n3,c@d,-1\n4,e@f,5\n4,g@h,6\n5,bad2,-3\n"


def _run(tmp_path: Path, data: Path) -> dict[str, object]:
    contract = tmp_path / "c.yaml"
    contract.write_text(CONTRACT, encoding="utf-8")
    result = CliRunner().invoke(
        app, ["validate", str(data), "-c", str(contract), "--quarantine", str(tmp_path / "q"), "-f", "json"]
    )
    assert result.exit_code == 1, result.output
    split: dict[str, object] = json.loads(result.output)["files"][0]["quarantine"]
    return split


@pytest.mark.parametrize(("filler", "pattern_held"), [(5, False), (16, True)])
def test_csv_rows_of_mostly_rules_follow_the_verdict_over_the_file(
    tmp_path: Path, filler: int, pattern_held: bool
) -> None:
    data = tmp_path / "d.csv"
    data.write_text(HEAD + "".join(f"{i},x@y,1\n" for i in range(6, 6 + filler)), encoding="utf-8")
    split = _run(tmp_path, data)
    invalid = (tmp_path / "q" / "d.invalid.csv").read_text(encoding="utf-8").splitlines()
    valid = (tmp_path / "q" / "d.valid.csv").read_text(encoding="utf-8").splitlines()
    expected = ["3,4,amount:min,3,c@d,-1", "5,6,id:unique,4,g@h,6"]
    if pattern_held:  # 2 of 22 fail the pattern: 90.9% >= 90%, so 'bad' stays valid, and row 6 loses the label
        expected.append("6,7,amount:min,5,bad2,-3")
        assert "2,bad,2" in valid
    else:  # 2 of 11 fail: 81.8% < 90%, both pattern rows are invalid, in row order
        expected.insert(0, "2,3,email:pattern,2,bad,2")
        expected.append("6,7,email:pattern;amount:min,5,bad2,-3")
    assert invalid[1:] == expected
    assert len(valid) - 1 + len(invalid) - 1 == 6 + filler
    assert split["invalid"] == len(expected)
    reasons = split["reasons"]
    assert isinstance(reasons, dict)
    assert reasons.get("email:pattern", 0) == (0 if pattern_held else 2)


def test_parquet_rows_of_a_held_mostly_rule_stay_valid(tmp_path: Path) -> None:
    rows = [(1, "a@b", 1.0), (2, "bad", 2.0), (3, "c@d", -1.0), (4, "e@f", 5.0), (4, "g@h", 6.0), (5, "bad2", -3.0)]
    rows += [(i, "x@y", 1.0) for i in range(6, 22)]
    data = tmp_path / "d.parquet"
    pl.DataFrame(rows, schema=["id", "email", "amount"], orient="row").write_parquet(data)
    split = _run(tmp_path, data)
    invalid = pq.read_table(tmp_path / "q" / "d.invalid.parquet").to_pylist()
    assert [(r["_pipecheck_row"], r["_pipecheck_errors"]) for r in invalid] == [
        (3, ["amount:min"]),
        (5, ["id:unique"]),
        (6, ["amount:min"]),
    ]
    assert pq.read_table(tmp_path / "q" / "d.valid.parquet").num_rows == len(rows) - 3
    assert split["invalid"] == 3
