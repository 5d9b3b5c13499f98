"""Parquet columns polars cannot take from Arrow (a fixed-offset zone that is not whole hours, decimal256):
read through pyarrow instead, checked value by value, never a panic that makes the whole file unreadable."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from pipecheck.cli import app
from tests.conftest import run_subprocess

Validate = Callable[..., tuple[int, Any]]
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _findings(report: Any) -> dict[tuple[str, str | None], dict[str, Any]]:
    return {(f["check"], f["column"]): f for f in report["files"][0]["findings"]}


@pytest.mark.parametrize("zone", ["+05:45", "-03:30", "+05:30", "Z"])
def test_a_zone_polars_cannot_name_is_read_as_the_same_instants(
    zone: str, validate_json: Validate, tmp_path: Path
) -> None:
    seconds = [0, 3600, 86_400 * 400, -86_400, None]
    data = tmp_path / "z.parquet"
    table = pa.table(
        {
            "at": pa.array([None if s is None else s * 10**6 for s in seconds], pa.timestamp("us", tz=zone)),
            "n": pa.array([1, 2, 3, 4, 5]),
        }
    )
    pq.write_table(table, data)
    bound = "1970-01-01T00:30:00Z"
    code, report = validate_json(
        f"contract: z\ncolumns:\n  at: {{type: datetime, nullable: true, min: '{bound}'}}\n"
        "  n: {type: integer, max: 4}\n",
        data,
    )
    low = dt.datetime.fromisoformat(bound)
    oracle = [i + 1 for i, s in enumerate(seconds) if s is not None and EPOCH + dt.timedelta(seconds=s) < low]
    found = _findings(report)
    assert "unreadable" not in {check for check, _ in found}, found
    assert [e["row"] for e in found[("min", "at")]["examples"]] == oracle
    assert found[("max", "n")]["count"] == 1, "the file's other columns are checked too"
    assert code == 1


def test_decimal256_against_integer_and_float_is_checked_from_its_text(validate_json: Validate, tmp_path: Path) -> None:
    values = [Decimal("181.00"), Decimal("181.50"), Decimal("9" * 40), Decimal("-7"), None]
    data = tmp_path / "d.parquet"
    pq.write_table(
        pa.table({"i": pa.array(values, pa.decimal256(60, 2)), "f": pa.array(values, pa.decimal256(60, 2))}), data
    )
    code, report = validate_json(
        "contract: d\ncolumns:\n  i: {type: integer, nullable: true}\n  f: {type: float, nullable: true, min: 0}\n",
        data,
    )
    found = _findings(report)
    int64 = range(-(2**63), 2**63)
    oracle = [
        r for r, v in enumerate(values, 1) if v is not None and (v != v.to_integral_value() or int(v) not in int64)
    ]
    assert [e["row"] for e in found[("type", "i")]["examples"]] == oracle == [2, 3]
    assert [e["row"] for e in found[("min", "f")]["examples"]] == [4]
    assert ("type", "f") not in found and code == 1


def test_the_cli_and_a_process_read_a_fixed_offset_zone_without_a_panic(tmp_path: Path) -> None:
    data = tmp_path / "z.parquet"
    pq.write_table(pa.table({"at": pa.array([0, 10**6], pa.timestamp("us", tz="+05:45"))}), data)
    contract = tmp_path / "c.yaml"
    contract.write_text("contract: z\ncolumns:\n  at: {type: datetime, timezone: aware}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(data), "-c", str(contract), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["files"][0]["rows"] == 2
    process = run_subprocess("validate", data, "-c", contract)
    assert process.exit_code == 0, process.stdout + process.stderr
    assert "panicked" not in process.stderr and process.stderr == ""
