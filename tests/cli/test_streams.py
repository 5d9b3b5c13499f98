"""Inputs that can be read only once: standard input (`-`), a FIFO, a pipe; and devices."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

DATA = b"a,n\nx,1\ny,bad\n\nz,3\n"
CONTRACT = "contract: c\ncolumns:\n  a: {type: string}\n  n: {type: integer}\n"
PIPECHECK = str(Path(sys.executable).with_name("pipecheck"))


def run(args: list[str], cwd: Path, stdin: bytes | None = None) -> tuple[int, dict[str, object], str]:
    done = subprocess.run(
        [PIPECHECK, "validate", *args, "-c", "c.yaml", "--format", "json"],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )
    return done.returncode, json.loads(done.stdout or b"{}"), done.stderr.decode()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "c.yaml").write_text(CONTRACT, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("data", [DATA, gzip.compress(DATA)], ids=["plain", "gzip"])
def test_standard_input_is_read_once_with_the_right_rows_and_lines(folder: Path, data: bytes) -> None:
    code, report, err = run(["-"], folder, stdin=data)
    assert code == 1, err
    (file,) = report["files"]  # type: ignore[index]
    assert file["rows"] == 3
    (finding,) = file["findings"]
    assert (finding["check"], [(e["row"], e["line"]) for e in finding["examples"]]) == ("type", [(2, 3)])


def test_a_fifo_is_read_once_and_does_not_hang(folder: Path) -> None:
    fifo = folder / "in.csv"
    os.mkfifo(fifo)

    def write() -> None:
        with fifo.open("wb") as handle:
            handle.write(DATA)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    code, report, err = run(["in.csv"], folder)
    writer.join(10)
    assert code == 1, err
    assert report["files"][0]["rows"] == 3  # type: ignore[index]


def test_an_endless_device_stops_at_the_record_limit(folder: Path) -> None:
    code, report, err = run(["/dev/zero"], folder)
    assert code == 1, err
    (finding,) = report["files"][0]["findings"]  # type: ignore[index]
    assert finding["check"] == "limit" and "longer than 256 MB" in finding["message"]


def test_json_lines_on_standard_input_are_recognised_by_their_first_byte(folder: Path) -> None:
    code, report, err = run(["-"], folder, stdin=b'{"a": "x", "n": 1}\n{"a": "y", "n": "bad"}\n')
    assert code == 1, err
    (file,) = report["files"]  # type: ignore[index]
    assert (file["format"], file["rows"]) == ("jsonl", 2)
    assert [(f["check"], f["examples"][0]["line"]) for f in file["findings"]] == [("type", 2)]


def test_standard_input_given_twice_is_a_usage_error(folder: Path) -> None:
    done = subprocess.run(
        [PIPECHECK, "validate", "-", "-", "-c", "c.yaml"], cwd=folder, input=DATA, capture_output=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr.decode().startswith("pipecheck: error: -: standard input can be read only once")
