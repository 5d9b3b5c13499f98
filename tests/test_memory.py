"""The documented memory bounds (README 'Limits'), measured on a real process: peak RSS of a
pipecheck run started by a small parent (a forked child's ru_maxrss would include the test's pages)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

_MEASURE = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""
PIPECHECK = str(Path(sys.executable).with_name("pipecheck"))


def peak_mb(*args: str, cwd: Path) -> float:
    done = subprocess.run(
        ["/usr/bin/env", "python3", "-c", _MEASURE, PIPECHECK, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.strip()) / 1024


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "c.yaml").write_text(
        "contract: c\ncolumns:\n  a: {type: integer}\n  b: {type: string}\n", encoding="utf-8"
    )
    return tmp_path


def test_a_100_mb_quoted_field_stays_within_the_documented_bound(folder: Path) -> None:
    with (folder / "q.csv").open("wb") as handle:
        handle.write(b'a,b\n1,"')
        handle.write(b"x" * (100 << 20))
        handle.write(b'"\n2,y\n')
    assert peak_mb("validate", "q.csv", "-c", "c.yaml", "--format", "json", cwd=folder) < 1200


def test_a_line_that_never_ends_stops_at_the_record_limit_within_the_bound(folder: Path) -> None:
    assert peak_mb("validate", "/dev/zero", "-c", "c.yaml", "--format", "json", cwd=folder) < 1400


def test_infer_streams_a_large_file_within_the_validate_bound(tmp_path: Path) -> None:
    """infer keeps per-column state of bounded size, and checks `unique` with validate's own key store."""
    import polars as pl

    rows = 1_500_000
    frame = pl.DataFrame({"id": range(rows)}).with_columns(
        code=pl.format("k{}", pl.col("id")),
        amount=(pl.col("id") % 9973) / 7,
        status=pl.col("id").mod(4).cast(pl.String).replace({"0": "new", "1": "paid", "2": "NA"}),
        created=pl.datetime(2024, 1, 1) + pl.duration(seconds=pl.col("id")),
    )
    frame.write_csv(tmp_path / "big.csv")
    inferred = peak_mb("infer", "big.csv", "-o", "big.yaml", cwd=tmp_path)
    validated = peak_mb("validate", "big.csv", "-c", "big.yaml", "--format", "json", cwd=tmp_path)
    text = (tmp_path / "big.yaml").read_text(encoding="utf-8")
    assert "unique: true" in text  # the unique check ran (id and code)
    assert inferred < 500 and inferred < validated * 1.3 + 50, (inferred, validated)
