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
