"""unique_together is never dropped silently: rows whose key did not parse are left out and counted, a key
column that is missing (or unreadable) makes the check a warning that it could not run."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipecheck.cli import app
from tests.conftest import run_subprocess

Validate = Callable[..., tuple[int, Any]]

FILMS = """\
contract: films
columns:
  Name: {type: string}
  Year: {type: integer, nullable: true, severity: warning}
  Rank: {type: integer, required: false}
checks:
  unique_together: [[Name, Year]]
"""


def only(report: Any, check: str) -> dict[str, Any]:
    (finding,) = [f for f in report["files"][0]["findings"] if f["check"] == check]
    return finding


def test_rows_whose_key_did_not_parse_are_left_out_and_counted(validate_json: Validate) -> None:
    data = "Name,Year\nAlien,1979\nAlien,1979\nHeat,n/a\nHeat,n/a\nUp,\nUp,\nHeat,1995\n"
    code, report = validate_json(FILMS, data)
    assert code == 1  # the duplicates among the rows that parsed
    duplicates = only(report, "unique_together")
    assert [(e["row"], e["line"]) for e in duplicates["examples"]] == [(1, 2), (2, 3)]
    left_out = only(report, "unique_together_incomplete")
    assert left_out["severity"] == "warning" and left_out["count"] == 2 and left_out["column"] == "Name,Year"
    assert left_out["message"] == (
        "rows left out of unique_together (Name, Year) because their Year did not parse; the other rows were checked"
    )
    assert [(e["row"], e["line"], e["value"]) for e in left_out["examples"]] == [
        (3, 4, "Name=Heat, Year=n/a"),
        (4, 5, "Name=Heat, Year=n/a"),
    ]


def test_a_missing_key_column_is_a_warning_that_the_check_could_not_run(validate_json: Validate) -> None:
    text = FILMS.replace("[[Name, Year]]", "[[Name, Rank]]")
    code, report = validate_json(text, "Name,Year\nAlien,1979\nAlien,1979\n")
    assert code == 0
    finding = only(report, "unique_together_incomplete")
    assert finding["severity"] == "warning" and finding["count"] == 0
    assert finding["message"] == "unique_together (Name, Rank) could not run: Rank is not in the file"


def test_a_key_column_stored_unreadably_is_named(validate_json: Validate, tmp_path: Path) -> None:
    path = tmp_path / "f.parquet"
    pq.write_table(pa.table({"Name": ["a", "a"], "Year": [b"1", b"1"]}), path)
    code, report = validate_json(FILMS, path)
    assert code == 0  # Year's severity is warning
    assert only(report, "unique_together_incomplete")["message"] == (
        "unique_together (Name, Year) could not run: Year's values are not checked"
    )


def test_parquet_values_that_do_not_convert_are_left_out(validate_json: Validate, tmp_path: Path) -> None:
    path = tmp_path / "f.parquet"
    pq.write_table(pa.table({"Name": ["a", "a", "b", "b"], "Year": [1979.0, 1979.5, 1979.5, 1979.0]}), path)
    _, report = validate_json(FILMS, path)
    assert only(report, "unique_together_incomplete")["count"] == 2
    assert [e["row"] for e in only(report, "type")["examples"]] == [2, 3]
    assert not [f for f in report["files"][0]["findings"] if f["check"] == "unique_together"]


def test_through_typer_and_a_real_process(tmp_path: Path) -> None:
    contract = tmp_path / "c.yaml"
    contract.write_text(FILMS, encoding="utf-8")
    data = tmp_path / "f.csv"
    data.write_text("Name,Year\nHeat,x\nHeat,1995\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(data), "-c", str(contract), "--format", "json"])
    assert result.exit_code == 0, result.output
    process = run_subprocess("validate", data, "-c", contract, "--format", "github")
    assert process.exit_code == 0 and "Traceback" not in process.stderr
    assert "::warning file=" in process.stdout and "title=pipecheck unique_together_incomplete" in process.stdout
    checks = [f["check"] for f in json.loads(result.stdout)["files"][0]["findings"]]
    assert checks == ["type", "unique_together_incomplete"]


@given(st.lists(st.tuples(st.sampled_from(["a", "b", ""]), st.sampled_from(["1", "2", "x", "", "2.0"])), max_size=30))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_counts_match_a_python_oracle(tmp_path_factory: Any, rows: list[tuple[str, str]]) -> None:
    from pipecheck.compile import compile_contract
    from pipecheck.contract.loader import parse_contract
    from pipecheck.engine import Options, validate_file

    path = tmp_path_factory.mktemp("u") / "u.csv"
    path.write_text("Name,Year\n" + "".join(f"{n},{y}\n" for n, y in rows), encoding="utf-8")
    compiled = compile_contract(
        parse_contract(FILMS.replace("Name: {type: string}", "Name: {type: string, nullable: true}"))
    )
    report = validate_file(path, "u.csv", compiled, "c", Options(max_examples=1000))
    counts = {f.check: f.count for f in report.findings}
    left_out = [i for i, (_, year) in enumerate(rows, 1) if year == "x"]
    keys = {i: (n, int(float(y))) for i, (n, y) in enumerate(rows, 1) if n and y not in ("", "x")}
    repeated = {k for k, c in Counter(keys.values()).items() if c > 1}
    assert counts.get("unique_together_incomplete", 0) == len(left_out)
    assert counts.get("unique_together", 0) == sum(1 for k in keys.values() if k in repeated)
