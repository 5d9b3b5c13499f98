"""Failures no row can be blamed for reject the whole file: a byte-identical copy and a JSON why,
no valid or invalid file. And datasets: members split into DIR/<dataset>/, rows their own."""

from __future__ import annotations

import gzip
import io
import json
import random
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import Result
from tests.quarantine.conftest import Quarantined

CONTRACT = """
contract: r
extra_columns: error
columns:
  a: {type: string, allowed: [x]}
  b: {type: integer, unique: true}
checks:
  row_count: {min: 2}
"""


def _rejected(run: Quarantined, suffix: str, reason: str) -> None:
    assert set(run.outputs) == {f"in.rejected{suffix}", "in.rejected.json"}
    assert run.outputs[f"in.rejected{suffix}"] == run.input.read_bytes()
    why = json.loads(run.outputs["in.rejected.json"])
    assert any(reason in text for text in why["reasons"]), why
    assert why["rejected"] == f"in.rejected{suffix}"  # beside the json
    q = run.quarantine
    assert q["valid_path"] is None and q["invalid_path"] is None
    assert q["rejected_path"] == str(run.directory / f"in.rejected{suffix}")
    assert not q["within"]
    assert run.exit_code == 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"a\nx\nx\n", "required column 'b' is missing"),
        (b"a,b,c\nx,1,0\nx,2,0\n", "'c' is not in the contract"),
        (b"a,b\nx,1\n", "at least 2 required"),
    ],
    ids=["missing column", "extra column", "row_count"],
)
def test_a_file_level_failure_rejects_the_file_byte_for_byte(
    quarantined: Callable[..., Quarantined], data: bytes, reason: str
) -> None:
    _rejected(quarantined(CONTRACT, data), ".csv", reason)


def test_a_truncated_compressed_file_is_rejected(quarantined: Callable[..., Quarantined]) -> None:
    rng = random.Random(1)
    whole = gzip.compress(b"a,b\n" + b"".join(b"x,%d\n" % rng.getrandbits(60) for _ in range(100_000)))
    run = quarantined(CONTRACT, whole[: len(whole) // 2], name="in.csv.gz")
    _rejected(run, ".csv.gz", "cannot read")


def test_a_corrupt_parquet_file_is_rejected(quarantined: Callable[..., Quarantined]) -> None:
    sink = io.BytesIO()
    pq.write_table(pa.table({"a": ["x"] * 1000, "b": list(range(1000))}), sink)
    data = sink.getvalue()
    run = quarantined(CONTRACT, data[:100] + b"\0" * 200 + data[300:], name="in.parquet")
    _rejected(run, ".parquet", "")


def test_a_dataset_splits_per_member_with_each_members_own_rows(tmp_path: Path, cli: Callable[..., Result]) -> None:
    data = tmp_path / "ds"
    (data / "part").mkdir(parents=True)
    (data / "p1.csv").write_bytes(b"a,b\nx,1\nz,2\n")
    (data / "part" / "p2.csv").write_bytes(b"a,b\nx,3\n\nx,1\n")  # a late duplicate of p1's row 1
    contract = tmp_path / "c.yaml"
    contract.write_text(CONTRACT.replace("extra_columns: error", ""), encoding="utf-8")
    q = tmp_path / "q"
    result = cli("validate", data, "-c", contract, "--quarantine", q, "-f", "json")
    summary = json.loads(result.stdout)["files"][0]["quarantine"]
    assert (summary["valid"], summary["invalid"]) == (2, 2)
    prefix = b"_pipecheck_row,_pipecheck_line,_pipecheck_errors,a,b\n"
    assert (q / "ds" / "p1.valid.csv").read_bytes() == b"a,b\nx,1\n"
    assert (q / "ds" / "p1.invalid.csv").read_bytes() == prefix + b"2,3,a:allowed,z,2\n"
    assert (q / "ds" / "part" / "p2.valid.csv").read_bytes() == b"a,b\nx,3\n"
    assert (q / "ds" / "part" / "p2.invalid.csv").read_bytes() == prefix + b"2,4,b:unique,x,1\n"


def test_a_parquet_datasets_members_number_their_own_rows(tmp_path: Path, cli: Callable[..., Result]) -> None:
    data = tmp_path / "ds"
    data.mkdir()
    pq.write_table(pa.table({"a": ["x", "z"], "b": [1, 2]}), data / "p1.parquet")
    pq.write_table(pa.table({"a": ["z", "x"], "b": [3, 1]}), data / "p2.parquet")
    contract = tmp_path / "c.yaml"
    contract.write_text(CONTRACT, encoding="utf-8")
    q = tmp_path / "q"
    cli("validate", data, "-c", contract, "--quarantine", q, "-f", "json")
    second = pq.read_table(q / "ds" / "p2.invalid.parquet").to_pylist()
    assert second == [
        {"_pipecheck_row": 1, "_pipecheck_errors": ["a:allowed"], "a": "z", "b": 3},
        {"_pipecheck_row": 2, "_pipecheck_errors": ["b:unique"], "a": "x", "b": 1},
    ]


def test_a_rejected_dataset_is_copied_whole_as_a_directory(tmp_path: Path, cli: Callable[..., Result]) -> None:
    data = tmp_path / "ds"
    (data / "part").mkdir(parents=True)
    (data / "p1.csv").write_bytes(b"a,b\nx,1\nz,2\n")
    (data / "part" / "p2.csv").write_bytes(b"a\nx\n")  # a member without column b
    contract = tmp_path / "c.yaml"
    contract.write_text(CONTRACT, encoding="utf-8")
    q = tmp_path / "q"
    result = cli("validate", data, "-c", contract, "--quarantine", q, "-f", "json")
    assert result.exit_code == 1
    summary = json.loads(result.stdout)["files"][0]["quarantine"]
    copy = q / "ds.rejected"
    assert summary["rejected_path"] == str(copy)
    assert (copy / "p1.csv").read_bytes() == b"a,b\nx,1\nz,2\n"
    assert (copy / "part" / "p2.csv").read_bytes() == b"a\nx\n"
    assert json.loads((q / "ds.rejected.json").read_text())["rejected"] == copy.name
    assert not [p for p in q.rglob("*") if ".valid" in p.name or ".invalid" in p.name]
