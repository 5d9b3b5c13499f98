"""Parquet columns stored with another type than the contract's: converted and checked value by value,
against oracles in plain Python over what pyarrow reads back; the mismatch is one finding at a set severity."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipecheck.cli import app
from tests.conftest import run_subprocess

Validate = Callable[..., tuple[int, Any]]


def write(path: Path, columns: dict[str, pa.Array]) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


def found(report: Any, check: str, column: str | None = None) -> list[dict[str, Any]]:
    return [
        f for f in report["files"][0]["findings"] if f["check"] == check and (column is None or f["column"] == column)
    ]


def failing_rows(report: Any, check: str, column: str) -> list[int]:
    hits = found(report, check, column)
    assert len(hits) <= 1, hits
    return [e["row"] for e in hits[0]["examples"]] if hits else []


def contract(columns: str, head: str = "") -> str:
    return f"contract: t\n{head}columns:\n{columns}"


def whole_int64(value: float | None) -> bool:
    """The oracle: a double is an integer when finite, whole and within int64."""
    return value is None or (math.isfinite(value) and value == int(value) and -(2**63) <= int(value) < 2**63)


DOUBLES = [181.0, None, 181.5, math.nan, math.inf, -math.inf, 2.0**63, -(2.0**63), -0.0, 1e18, 0.1, -3.0]


@pytest.mark.parametrize("kind", [pa.float64(), pa.float32()])
def test_doubles_against_integer_whole_values_convert(
    kind: pa.DataType, validate_json: Validate, tmp_path: Path
) -> None:
    path = write(tmp_path / "d.parquet", {"n": pa.array(DOUBLES, kind)})
    stored = pq.read_table(path)["n"].to_pylist()
    code, report = validate_json(
        contract("  n: {type: integer, nullable: true, min: 0}\n"), path, "--max-examples", "99"
    )
    assert code == 1
    bad = [row for row, v in enumerate(stored, 1) if not whole_int64(v)]
    assert failing_rows(report, "type", "n") == bad
    assert found(report, "type", "n")[0]["count"] == len(bad)
    below = [row for row, v in enumerate(stored, 1) if v is not None and whole_int64(v) and v < 0]
    assert failing_rows(report, "min", "n") == below
    (storage,) = found(report, "storage_type", "n")
    assert (
        storage["severity"] == "warning" and storage["message"] == f"n is stored as {kind}; the contract says integer"
    )
    shown = {e["row"]: e["value"] for e in found(report, "type", "n")[0]["examples"]}
    assert shown[3] == "181.5" and shown[4] == "NaN" and shown[5] == "inf"


def test_decimals_against_integer(validate_json: Validate, tmp_path: Path) -> None:
    values = [Decimal(v) for v in ["181.00", "2.50", "-3.00", "0.00", "99999999.99"]]
    path = write(tmp_path / "d.parquet", {"n": pa.array(values, pa.decimal128(10, 2))})
    _, report = validate_json(contract("  n: {type: integer, max: 100}\n"), path)
    stored = pq.read_table(path)["n"].to_pylist()
    assert failing_rows(report, "type", "n") == [r for r, v in enumerate(stored, 1) if v != v.to_integral_value()]
    assert failing_rows(report, "max", "n") == [r for r, v in enumerate(stored, 1) if v == int(v) and v > 100]


INTEGER = re.compile(r"([+-]?[0-9]+)(\.0*)?")
TEXTS = ["181", " 7 ", "181.0", "x", "", "1e3", "true", "No", "2024-02-30", "2024-01-31", "2024-01-31 10:00", None]


def text_oracle(kind: str, text: str) -> bool:
    """Whether a text is a value of the type, by the README's table, in plain Python."""
    stripped = text.strip()
    if kind == "integer":
        whole = INTEGER.fullmatch(stripped)
        return whole is not None and -(2**63) <= int(whole.group(1)) < 2**63
    if kind == "float":
        try:
            return math.isfinite(float(stripped)) and not stripped.lower().startswith(("i", "n", "+i", "-i"))
        except ValueError:
            return False
    if kind == "boolean":
        return stripped.lower() in ("true", "t", "yes", "y", "1", "false", "f", "no", "n", "0")
    if kind == "date":
        try:
            dt.datetime.strptime(stripped, "%Y-%m-%d")
        except ValueError:
            return False
        return True
    try:
        dt.datetime.fromisoformat(stripped)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("kind", ["integer", "float", "boolean", "date", "datetime"])
@pytest.mark.parametrize("storage", [pa.string(), pa.large_string(), pa.string_view()])
def test_text_columns_parse_by_the_csv_text_rules(
    kind: str, storage: pa.DataType, validate_json: Validate, tmp_path: Path
) -> None:
    path = write(tmp_path / "s.parquet", {"v": pa.array(TEXTS, storage)})
    code, report = validate_json(contract(f"  v: {{type: {kind}, nullable: true}}\n"), path, "--max-examples", "99")
    bad = [row for row, text in enumerate(TEXTS, 1) if text is not None and not text_oracle(kind, text)]
    assert failing_rows(report, "type", "v") == bad
    assert code == 1
    assert [e["value"] for e in found(report, "type", "v")[0]["examples"]] == [TEXTS[r - 1] for r in bad]


def test_dictionary_encoded_text_against_integer(validate_json: Validate, tmp_path: Path) -> None:
    path = write(tmp_path / "s.parquet", {"v": pa.array(["1", "x", "1", "2.0"]).dictionary_encode()})
    _, report = validate_json(contract("  v: {type: integer, unique: true}\n"), path)
    assert failing_rows(report, "type", "v") == [2]
    assert failing_rows(report, "unique", "v") == [1, 3]


@pytest.mark.parametrize("zone", [None, "UTC", "Europe/Paris", "America/Los_Angeles"])
@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_timestamps_against_date_midnight_in_their_zone(
    zone: str | None, unit: str, validate_json: Validate, tmp_path: Path
) -> None:
    walls = [
        dt.datetime(2024, 1, 1),
        dt.datetime(2024, 1, 1, 10),
        None,
        dt.datetime(2024, 3, 31),
        dt.datetime(2023, 12, 31, 23, 59, 59),
    ]
    # pyarrow's own time zone database both ways, so the oracle does not lean on Python's zoneinfo
    naive = pa.array(walls, pa.timestamp(unit))
    values = pc.assume_timezone(naive, zone) if zone else naive
    path = write(tmp_path / "t.parquet", {"d": values})
    _, report = validate_json(contract("  d: {type: date, nullable: true, min: 2024-01-01}\n"), path)
    stored = pq.read_table(path)["d"]
    local = (pc.local_timestamp(stored) if zone else stored).to_pylist()
    bad = [row for row, v in enumerate(local, 1) if v is not None and v.time() != dt.time(0)]
    assert failing_rows(report, "type", "d") == bad == [2, 5]
    assert failing_rows(report, "min", "d") == []
    shown = found(report, "type", "d")[0]["examples"][0]["value"]
    assert shown.startswith("2024-01-01 10:00:00")  # as stored, not a count of units since 1970


def test_dates_against_datetime_are_midnight_and_flow_into_compare(validate_json: Validate, tmp_path: Path) -> None:
    days = [dt.date(2024, 1, 1), dt.date(2024, 1, 3), None]
    stamps = [dt.datetime(2024, 1, 2), dt.datetime(2024, 1, 2), dt.datetime(2024, 1, 2)]
    path = write(tmp_path / "t.parquet", {"d": pa.array(days, pa.date32()), "t": pa.array(stamps, pa.timestamp("ms"))})
    text = contract(
        "  d: {type: datetime, nullable: true, max: '2024-01-02T12:00:00'}\n  t: {type: datetime}\n"
        "checks:\n  compare: [{left: d, op: '<', right: t}]\n"
    )
    _, report = validate_json(text, path)
    assert failing_rows(report, "max", "d") == [2]
    assert [e["row"] for e in found(report, "compare")[0]["examples"]] == [2]
    aware = contract("  d: {type: datetime, nullable: true, timezone: aware}\n")
    _, report = validate_json(aware, path)
    (storage,) = found(report, "storage_type", "d")
    assert storage["severity"] == "error" and storage["hint"] == "values were not checked"


@pytest.mark.parametrize("kind", ["integer", "string", "date"])
def test_a_column_of_nulls_only_is_checked_as_nulls(kind: str, validate_json: Validate, tmp_path: Path) -> None:
    path = write(tmp_path / "n.parquet", {"v": pa.array([None, None], pa.null())})
    code, report = validate_json(contract(f"  v: {{type: {kind}}}\n"), path)
    assert code == 1 and failing_rows(report, "nullable", "v") == [1, 2]
    assert [f["severity"] for f in found(report, "storage_type")] == ["warning"]


def test_integers_against_boolean_are_one_and_zero(validate_json: Validate, tmp_path: Path) -> None:
    values = [0, 1, 2, None, -1, 1]
    path = write(tmp_path / "b.parquet", {"b": pa.array(values, pa.int16())})
    _, report = validate_json(contract("  b: {type: boolean, nullable: true, allowed: [true]}\n"), path)
    assert failing_rows(report, "type", "b") == [r for r, v in enumerate(values, 1) if v not in (0, 1, None)]
    assert failing_rows(report, "allowed", "b") == [r for r, v in enumerate(values, 1) if v == 0]


def test_converted_values_flow_into_every_value_rule(validate_json: Validate, tmp_path: Path) -> None:
    values = [1.0, 2.0, 2.0, 7.0, 3.5, None]
    path = write(tmp_path / "v.parquet", {"n": pa.array(values), "s": pa.array(["1", "2", "2", "7", "3", "4"])})
    text = contract(
        "  n: {type: integer, nullable: true, unique: true, max: 5, allowed: [1, 2, 3]}\n"
        "  s: {type: integer, multiple_of: 2}\n"
        "checks:\n  expression: [{sql: 'n = s', name: same}]\n"
    )
    code, report = validate_json(text, path)
    assert code == 1
    assert failing_rows(report, "type", "n") == [5]
    assert failing_rows(report, "unique", "n") == [2, 3]
    assert failing_rows(report, "max", "n") == [4]
    assert failing_rows(report, "allowed", "n") == [4]
    assert failing_rows(report, "multiple_of", "s") == [1, 4, 5]
    assert found(report, "expression") == []  # 7 = 7 holds; a null n (3.5 did not convert) passes


@pytest.mark.parametrize(
    ("policy", "severity", "code"), [("warn", "warning", 0), ("error", "error", 1), ("ignore", None, 0)]
)
def test_storage_mismatch_severity_is_set_by_the_contract(
    policy: str, severity: str | None, code: int, validate_json: Validate, tmp_path: Path
) -> None:
    path = write(tmp_path / "w.parquet", {"n": pa.array([1.0, 2.0]), "b": pa.array([b"x", b"y"])})
    head = f"parquet: {{storage_mismatch: {policy}}}\nextra_columns: ignore\n"
    exit_code, report = validate_json(contract("  n: {type: integer}\n", head), path)
    assert exit_code == code
    assert [f["severity"] for f in found(report, "storage_type")] == ([severity] if severity else [])
    # a column with no conversion is never silenced: nothing in it was checked
    exit_code, report = validate_json(contract("  n: {type: integer}\n  b: {type: integer}\n", head), path)
    assert exit_code == 1
    assert [f["severity"] for f in found(report, "storage_type", "b")] == ["error"]


def test_default_is_a_warning_and_a_bad_option_is_a_positioned_contract_error(tmp_path: Path) -> None:
    data = write(tmp_path / "w.parquet", {"n": pa.array([1.0, 2.0])})
    good = tmp_path / "good.yaml"
    good.write_text(contract("  n: {type: integer}\n"), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(data), "-c", str(good), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["files"][0]["findings"][0]["severity"] == "warning"
    bad = tmp_path / "bad.yaml"
    bad.write_text(contract("  n: {type: integer}\n", "parquet:\n  storage_mismatch: loud\n"), encoding="utf-8")
    process = run_subprocess("validate", data, "-c", bad)
    assert process.exit_code == 2 and "Traceback" not in process.stderr
    assert (
        f"{bad}:3:21: parquet.storage_mismatch: expected one of 'error', 'warn' or 'ignore', got 'loud'"
        in process.stderr
    )


def test_dataset_file_storing_a_column_differently_is_named_and_converted(
    validate_json: Validate, tmp_path: Path
) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    write(folder / "a.parquet", {"n": pa.array([1, 2], pa.int64())})
    write(folder / "b.parquet", {"n": pa.array([3.0, 4.5])})
    write(folder / "c.parquet", {"n": pa.array([5.0])})
    _, report = validate_json(contract("  n: {type: integer}\n"), folder)
    (storage,) = found(report, "storage_type")
    assert storage["message"] == "n is stored as double; the contract says integer (in 2 of 3 files)"
    assert [e["file"] for e in storage["examples"]] == ["b.parquet", "c.parquet"]
    assert failing_rows(report, "type", "n") == [2]  # the row within b.parquet, 4.5


@given(st.lists(st.one_of(st.none(), st.floats(), st.integers(-(2**70), 2**70).map(float)), max_size=60))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_random_doubles_against_integer_match_a_python_oracle(
    tmp_path_factory: Any, values: list[float | None]
) -> None:
    from pipecheck.compile import compile_contract
    from pipecheck.contract.loader import parse_contract
    from pipecheck.engine import Options, validate_file

    path = write(tmp_path_factory.mktemp("h") / "h.parquet", {"n": pa.array(values, pa.float64())})
    compiled = compile_contract(
        parse_contract(contract("  n: {type: integer, nullable: true, unique: true, min: -5}\n"))
    )
    report = validate_file(path, "h", compiled, "c", Options(max_examples=1000))
    by_check = {f.check: [e.row for e in f.examples] for f in report.findings}
    whole = {row: int(v) for row, v in enumerate(values, 1) if v is not None and whole_int64(v)}
    assert by_check.get("type", []) == [r for r, v in enumerate(values, 1) if v is not None and r not in whole]
    assert by_check.get("min", []) == [r for r, n in whole.items() if n < -5]
    repeated = {n for n in whole.values() if list(whole.values()).count(n) > 1}
    assert sorted(by_check.get("unique", [])) == [r for r, n in whole.items() if n in repeated]
