"""Nothing lost on the 5M-row benchmark export (quoted multi-line notes, CRLF, failing rows spread
through the file): every input record is in exactly one output, byte for byte (`pytest -m slow`)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def records(path: Path, skip_prefix: bool = False) -> Iterator[bytes]:
    """The file's records (header first) as bytes: physical lines joined while a quote is open.
    An oracle independent of pipecheck's reader, for files whose quotes are well formed."""
    with path.open("rb") as handle:
        held: list[bytes] = []
        quotes = 0
        for line in handle:
            held.append(line)
            quotes += line.count(b'"')
            if quotes % 2 == 0:
                yield b"".join(held)
                held, quotes = [], 0
        assert not held, f"{path}: ends inside quotes"


def split_prefix(record: bytes) -> tuple[int, int, bytes, bytes]:
    """(row, line, labels, record) of an invalid file's record (the bench's labels hold no commas)."""
    row, line, labels, rest = record.split(b",", 3)
    return int(row), int(line), labels, rest


@pytest.mark.slow
@pytest.mark.parametrize("shape", ["quoted-crlf", "csv"])
def test_every_record_of_the_5m_bench_file_is_in_exactly_one_output_unchanged(tmp_path: Path, shape: str) -> None:
    sys.path.insert(0, str(ROOT))
    from bench import gen

    if shape == "csv":
        data, contract = gen.ensure("5m")["csv"], ROOT / "bench" / "orders.yaml"
    else:
        data, contract = gen.ensure_quoted("5m")[shape], gen.NOTES_CONTRACT
    out = tmp_path / "q"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipecheck",
            "validate",
            str(data),
            "-c",
            str(contract),
            "--quarantine",
            str(out),
            "-f",
            "json",
        ],
        capture_output=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    summary = json.loads(run.stdout)["files"][0]["quarantine"]
    stem = data.name.removesuffix(".csv")
    valid = records(out / f"{stem}.valid.csv")
    invalid = records(out / f"{stem}.invalid.csv")
    source = records(data)
    header = next(source)
    assert next(valid) == header
    assert next(invalid) == b"_pipecheck_row,_pipecheck_line,_pipecheck_errors," + header
    pending = next(invalid, None)
    line = 2  # physical line of the next input record
    kept = moved = 0
    for row, record in enumerate(source, start=1):
        if pending is not None and split_prefix(pending)[0] == row:
            number, at, labels, text = split_prefix(pending)
            assert (at, text) == (line, record), f"invalid row {number}"
            assert labels
            moved += 1
            pending = next(invalid, None)
        else:
            assert next(valid) == record, f"row {row} (line {line})"
            kept += 1
        line += record.count(b"\n")
    assert pending is None and next(valid, None) is None
    assert (kept, moved) == (summary["valid"], summary["invalid"])
    assert moved == 50_000  # bench/gen.py: 1% of the rows fail, one rule each
