"""One test per check name: each violation is found, counted exactly, and located by row, line and value."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

Validate = Callable[..., tuple[int, Any]]

BASE = """\
contract: t
csv: {null_values: ["", "NA"]}
columns:
"""


def contract(columns: str, tail: str = "") -> str:
    return BASE + columns + tail


def findings(report: Any, check: str) -> list[dict[str, Any]]:
    return [f for f in report["files"][0]["findings"] if f["check"] == check]


def only(report: Any, check: str) -> dict[str, Any]:
    (found,) = findings(report, check)
    return found


def examples(finding: dict[str, Any]) -> list[tuple[Any, Any, Any]]:
    return [(e["row"], e["line"], e["value"]) for e in finding["examples"]]


def test_valid_file_passes_with_exit_0(validate_json: Validate) -> None:
    code, report = validate_json(contract("  id: {type: integer}\n  name: {type: string}\n"), "id,name\n1,a\n2,b\n")
    assert code == 0
    assert report["ok"] is True
    assert report["files"][0]["rows"] == 2
    assert report["files"][0]["findings"] == []


def test_missing_column_is_reported_once_with_rename_hint(validate_json: Validate) -> None:
    code, report = validate_json(contract("  id: {type: integer}\n  amount: {type: float}\n"), "id,amont\n1,2\n2,3\n")
    assert code == 1
    missing = only(report, "missing_column")
    assert missing["column"] == "amount"
    assert "did you mean 'amont'" in missing["hint"]
    assert only(report, "extra_column")["column"] == "amont"
    assert not findings(report, "type")


def test_header_differing_by_case_and_space_gets_a_hint(validate_json: Validate) -> None:
    code, report = validate_json(contract("  order_id: {type: integer}\n"), " Order_ID \n1\n")
    assert code == 1
    missing = only(report, "missing_column")
    assert "differs only by case or whitespace" in missing["message"]
    assert not findings(report, "extra_column")


def test_extra_column_severity_follows_contract(validate_json: Validate) -> None:
    code, report = validate_json(contract("  id: {type: integer}\n", "extra_columns: warn\n"), "id,x\n1,2\n")
    assert code == 0
    assert only(report, "extra_column")["severity"] == "warning"
    code, report = validate_json(contract("  id: {type: integer}\n", "extra_columns: ignore\n"), "id,x\n1,2\n")
    assert code == 0 and report["files"][0]["findings"] == []


def test_column_order(validate_json: Validate) -> None:
    text = contract("  a: {type: integer}\n  b: {type: integer}\n", "ordered: true\n")
    code, report = validate_json(text, "b,a\n1,2\n")
    assert code == 1
    assert "expected a, b; found b, a" in only(report, "column_order")["message"]
    code, _ = validate_json(text, "a,b\n1,2\n")
    assert code == 0


def test_type_names_the_offending_values(validate_json: Validate) -> None:
    code, report = validate_json(
        contract("  n: {type: integer}\n  d: {type: date}\n"),
        "n,d\n1,2024-01-31\n12.5,2024-13-01\n7,2024-02-30\n",
    )
    assert code == 1
    type_findings = {f["column"]: f for f in findings(report, "type")}
    assert examples(type_findings["n"]) == [(2, 3, "12.5")]
    assert examples(type_findings["d"]) == [(2, 3, "2024-13-01"), (3, 4, "2024-02-30")]
    assert type_findings["d"]["count"] == 2


def test_nullable(validate_json: Validate) -> None:
    code, report = validate_json(
        contract("  a: {type: string}\n  b: {type: float, nullable: true}\n"), "a,b\nx,\n,NA\n"
    )
    assert code == 1
    found = only(report, "nullable")
    assert found["column"] == "a" and found["count"] == 1
    assert examples(found) == [(2, 3, "")]


def test_null_tokens_that_would_parse_as_values_are_nulls(validate_json: Validate) -> None:
    """A null token the column's type could read ("-1" as an integer, "n" as false) is still a null."""
    text = contract(
        "  n: {type: integer, min: 0}\n  b: {type: boolean}\n  f: {type: float, nullable: true}\n",
    ).replace('["", "NA"]', '["-1", "n", "NA"]')
    code, report = validate_json(text, "n,b,f\n-1,true,NA\n5,n,-1\n-2,y,\n")
    assert code == 1
    by_check = {(f["check"], f["column"]): f for f in report["files"][0]["findings"]}
    assert set(by_check) == {("nullable", "n"), ("nullable", "b"), ("min", "n"), ("type", "f")}
    assert examples(by_check[("nullable", "n")]) == [(1, 2, "-1")]
    assert examples(by_check[("nullable", "b")]) == [(2, 3, "n")]
    assert examples(by_check[("min", "n")]) == [(3, 4, "-2")]
    assert examples(by_check[("type", "f")]) == [(3, 4, "")]


def test_type_failure_is_not_also_reported_as_null(validate_json: Validate) -> None:
    _, report = validate_json(contract("  a: {type: integer}\n"), "a\nx\n")
    assert [f["check"] for f in report["files"][0]["findings"]] == ["type"]


def test_min_and_max(validate_json: Validate) -> None:
    code, report = validate_json(contract("  a: {type: float, min: 0, max: 10}\n"), "a\n5\n-5.0\n11\n-1\n")
    assert code == 1
    assert examples(only(report, "min")) == [(2, 3, "-5.0"), (4, 5, "-1")]
    assert only(report, "min")["message"] == "a must be >= 0"
    assert examples(only(report, "max")) == [(3, 4, "11")]


def test_date_bounds(validate_json: Validate) -> None:
    text = contract("  d: {type: date, min: 2024-01-01, max: '2024-12-31'}\n")
    code, report = validate_json(text, "d\n2023-12-31\n2024-06-01\n2025-01-01\n")
    assert code == 1
    assert examples(only(report, "min")) == [(1, 2, "2023-12-31")]
    assert examples(only(report, "max")) == [(3, 4, "2025-01-01")]


def test_allowed(validate_json: Validate) -> None:
    code, report = validate_json(contract("  s: {type: string, allowed: [new, paid]}\n"), "s\nnew\nrefunded\npaid\n")
    assert code == 1
    assert examples(only(report, "allowed")) == [(2, 3, "refunded")]


def test_pattern_is_a_full_match(validate_json: Validate) -> None:
    code, report = validate_json(contract("  s: {type: string, pattern: '[a-z]+'}\n"), "s\nabc\nabc1\n1abc\n")
    assert code == 1
    assert examples(only(report, "pattern")) == [(2, 3, "abc1"), (3, 4, "1abc")]


def test_min_and_max_length(validate_json: Validate) -> None:
    text = contract("  s: {type: string, min_length: 2, max_length: 3}\n")
    code, report = validate_json(text, "s\nab\na\nabcd\n")
    assert code == 1
    assert examples(only(report, "min_length")) == [(2, 3, "a")]
    assert examples(only(report, "max_length")) == [(3, 4, "abcd")]


def test_unique_reports_every_occurrence(validate_json: Validate) -> None:
    code, report = validate_json(contract("  id: {type: integer, unique: true}\n"), "id\n1\n2\n1\n3\n2\n")
    assert code == 1
    found = only(report, "unique")
    assert found["count"] == 4
    assert examples(found) == [(1, 2, "1"), (3, 4, "1"), (2, 3, "2"), (5, 6, "2")]


def test_unique_together(validate_json: Validate) -> None:
    text = contract("  a: {type: integer}\n  b: {type: string}\n", "checks:\n  unique_together: [[a, b]]\n")
    code, report = validate_json(text, "a,b\n1,x\n1,y\n1,x\n")
    assert code == 1
    found = only(report, "unique_together")
    assert found["count"] == 2
    assert [e["row"] for e in found["examples"]] == [1, 3]


def test_row_count(validate_json: Validate) -> None:
    text = contract("  a: {type: integer}\n", "checks:\n  row_count: {min: 1, max: 2}\n")
    code, report = validate_json(text, "a\n")
    assert code == 1 and "at least 1" in only(report, "row_count")["message"]
    code, report = validate_json(text, "a\n1\n2\n3\n")
    assert code == 1 and "at most 2" in only(report, "row_count")["message"]


def test_malformed_row_names_line_and_field_count(validate_json: Validate) -> None:
    code, report = validate_json(contract("  a: {type: integer}\n  b: {type: integer}\n"), "a,b\n1,2\n3\n4,5,6\n7,-8\n")
    assert code == 1
    found = only(report, "malformed_row")
    assert found["count"] == 2
    assert [(e["row"], e["line"], e["note"]) for e in found["examples"]] == [
        (2, 3, "1 field(s), expected 2"),
        (3, 4, "3 field(s), expected 2"),
    ]
    assert report["files"][0]["rows"] == 4


def test_unreadable_file_is_a_finding_and_others_still_run(validate_json: Validate, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    good = tmp_path / "good.csv"
    good.write_text("a\n1\n")
    code, report = validate_json(contract("  a: {type: integer}\n"), empty, str(good))
    assert code == 1
    first, second = report["files"]
    assert first["findings"][0]["check"] == "unreadable" and "empty" in first["findings"][0]["message"]
    assert second["ok"] is True


def test_lines_stay_physical_across_quoted_newlines_and_blank_lines(validate_json: Validate) -> None:
    data = 'a,b\n1,"x\ny"\n\n2,z\n-3,"p\n\nq"\n-4,r\n'
    _, report = validate_json(contract("  a: {type: integer, min: 0}\n  b: {type: string}\n"), data)
    assert examples(only(report, "min")) == [(3, 6, "-3"), (4, 9, "-4")]


def test_warning_severity_does_not_fail_unless_asked(validate_json: Validate) -> None:
    text = contract("  a: {type: integer, max: 1, severity: warning}\n")
    code, report = validate_json(text, "a\n5\n")
    assert code == 0 and only(report, "max")["severity"] == "warning"
    code, _ = validate_json(text, "a\n5\n", "--fail-on", "warning")
    assert code == 1


def test_parquet_values_and_storage_types(validate_json: Validate, tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    table = pa.table({"id": pa.array([1, 2, 2], pa.int32()), "amount": [b"1", b"2", b"3"], "d": [0.5, -1.0, None]})
    pq.write_table(table, path)
    text = contract("  id: {type: integer, unique: true}\n  amount: {type: float}\n  d: {type: float, min: 0}\n")
    code, report = validate_json(text, path)
    assert code == 1
    storage = only(report, "storage_type")
    assert storage["column"] == "amount" and "stored as binary" in storage["message"]
    assert examples(only(report, "unique")) == [(2, None, "2"), (3, None, "2")]
    assert examples(only(report, "min")) == [(2, None, "-1.0")]
    assert examples(only(report, "nullable")) == [(3, None, None)]


def test_parquet_time_zones_dictionaries_and_oversized_integers(validate_json: Validate, tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    stamps = pa.array([0, 3_600_000_000], pa.timestamp("us", tz="Europe/Paris"))
    table = pa.table({"t": stamps, "s": pa.array(["x", "y"]).dictionary_encode()})
    pq.write_table(table, path)
    # 1970-01-01T01:00+01:00 is midnight UTC: below the minimum; the other one hour later holds.
    text = contract(
        "  t: {type: datetime, timezone: aware, min: '1970-01-01T00:30:00Z'}\n  s: {type: string, allowed: [x]}\n"
    )
    code, report = validate_json(text, path)
    assert code == 1
    assert examples(only(report, "min")) == [(1, None, "1970-01-01 00:00:00.000000")]
    assert examples(only(report, "allowed")) == [(2, None, "y")]

    big = tmp_path / "big.parquet"
    pq.write_table(pa.table({"n": pa.array([1, 2**64 - 1], pa.uint64())}), big)
    code, report = validate_json(contract("  n: {type: integer, min: 2}\n"), big)
    assert code == 1
    # beyond int64: that value is a type failure with its row; the other rows are still checked
    assert examples(only(report, "type")) == [(2, None, str(2**64 - 1))]
    assert examples(only(report, "min")) == [(1, None, "1")]


def test_max_examples_caps_examples_but_not_counts(validate_json: Validate) -> None:
    data = "a\n" + "".join(f"{-i}\n" for i in range(1, 51))
    _, report = validate_json(contract("  a: {type: integer, min: 0}\n"), data, "--max-examples", "3")
    found = only(report, "min")
    assert found["count"] == 50 and len(found["examples"]) == 3


def test_parquet_values_with_no_value_in_the_contract_type_are_type_findings(
    validate_json: Validate, tmp_path: Path
) -> None:
    """NaN and infinities fail a float column (as in CSV); dates and timestamps beyond years
    1-9999 fail theirs (polars panicked printing some); the other rows are still checked."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "odd.parquet"
    table = pa.table(
        {
            "x": pa.array([1.0, float("nan"), float("inf"), -float("inf"), -2.0]),
            "t": pa.array([0, 2**62, 0, 0, 0], pa.timestamp("ms")),
            "d": pa.array([0, 0, 2**31 - 1, 0, 0], pa.date32()),
        }
    )
    pq.write_table(table, path)
    code, report = validate_json(
        contract("  x: {type: float, min: 0}\n  t: {type: datetime}\n  d: {type: date}\n"), path
    )
    assert code == 1
    by_column = {(f["check"], f["column"]): [e["value"] for e in f["examples"]] for f in report["files"][0]["findings"]}
    assert by_column == {
        ("type", "x"): ["NaN", "inf", "-inf"],
        ("min", "x"): ["-2.0"],
        ("type", "t"): ["4611686018427387904 ms since 1970-01-01"],
        ("type", "d"): ["2147483647 days since 1970-01-01"],
    }


def test_a_parquet_file_with_its_middle_cut_out_is_unreadable_without_a_panic(tmp_path: Path) -> None:
    import subprocess
    import sys

    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    whole = tmp_path / "whole.parquet"
    table = pa.table({"a": np.arange(1_000_000), "b": np.random.default_rng(1).random(1_000_000)})
    pq.write_table(table, whole, row_group_size=100_000)
    data = whole.read_bytes()
    (tmp_path / "cut.parquet").write_bytes(data[: len(data) // 3] + data[2 * len(data) // 3 :])
    (tmp_path / "c.yaml").write_text(contract("  a: {type: integer}\n  b: {type: float}\n"), encoding="utf-8")
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("pipecheck")),
            "validate",
            "cut.parquet",
            "-c",
            "c.yaml",
            "--format",
            "json",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    assert "panicked" not in run.stderr and "Traceback" not in run.stderr
    (file,) = json.loads(run.stdout)["files"]
    assert "unreadable" in [f["check"] for f in file["findings"]]


def test_a_parquet_row_group_larger_than_the_slice_reader_takes_is_streamed(
    validate_json: Validate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row groups above LARGE_ROW_GROUP rows are read by pyarrow's batch reader (polars decoded each
    slice from its whole row group): same findings, rows and row numbers as the slice reader."""
    from pipecheck.readers import parquet

    path = tmp_path / "big_group.parquet"
    values = list(range(5000))
    values[4321] = -1
    pq.write_table(pa.table({"n": values, "s": ["x"] * 5000}), path, row_group_size=5000)
    text = contract("  n: {type: integer, min: 0}\n  s: {type: string}\n")
    monkeypatch.setattr(parquet, "BATCH_ROWS", 1000)
    results = []
    for large in (10_000, 1000):  # the slice reader, then the streamed one
        monkeypatch.setattr(parquet, "LARGE_ROW_GROUP", large)
        code, report = validate_json(text, path)
        results.append((code, report["files"][0]["rows"], examples(only(report, "min"))))
    assert results[0] == results[1] == (1, 5000, [(4322, None, "-1")])
