"""What the reader seam and the run's ownership of temporary state guarantee (issue: engine seams)."""

from __future__ import annotations

import codecs
import gzip
import json
import lzma
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipecheck import uniqueness
from pipecheck.cli import app
from pipecheck.compile import compile_contract
from pipecheck.contract.loader import parse_contract
from pipecheck.engine import Options, validate_file
from pipecheck.scratch import Scratch

CONTRACT = "contract: t\ncolumns:\n  id: {type: integer, unique: true}\n  note: {type: string}\n"


def noisy_csv(rows: int, seed: int = 1) -> bytes:
    """Rows that compress badly, so a compressed file is several MB."""
    rng = random.Random(seed)
    lines = ["id,note"] + [f"{i},{rng.getrandbits(128):032x}" for i in range(1, rows + 1)]
    return ("\n".join(lines) + "\n").encode()


def compressed(kind: str, data: bytes) -> bytes:
    if kind == "gz":
        return gzip.compress(data)
    if kind == "xz":
        return lzma.compress(data)
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, "zstd") as stream:
        stream.write(data)
    return bytes(sink.getvalue())


FORMATS = {"gz": "gzip", "xz": "xz", "zst": "zstd"}


@pytest.mark.parametrize("kind", FORMATS)
def test_a_compressed_file_truncated_after_its_first_mb_is_unreadable_and_the_others_are_reported(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    whole = compressed(kind, noisy_csv(120_000))
    assert len(whole) > 2 << 20
    Path(f"cut.csv.{kind}").write_bytes(whole[: 1 << 20])
    Path("good.csv").write_bytes(b"id,note\n1,a\n2,b\n")
    Path("c.yaml").write_text(CONTRACT, encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", f"cut.csv.{kind}", "good.csv", "-c", "c.yaml", "--format", "json"])
    assert result.exit_code == 1, result.output
    files = {f["path"]: f for f in json.loads(result.stdout)["files"]}
    assert files["good.csv"]["ok"] and files["good.csv"]["rows"] == 2
    (unreadable,) = [f for f in files[f"cut.csv.{kind}"]["findings"] if f["check"] == "unreadable"]
    assert unreadable["message"].startswith(f"cannot read csv+{FORMATS[kind]}: ")
    assert "internal error" not in result.output and "Traceback" not in result.output


def test_a_truncated_file_in_a_real_process_prints_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "cut.csv.gz").write_bytes(gzip.compress(noisy_csv(120_000))[: 1 << 20])
    (tmp_path / "c.yaml").write_text(CONTRACT, encoding="utf-8")
    command = Path(sys.executable).with_name("pipecheck")
    run = subprocess.run(
        [str(command), "validate", "cut.csv.gz", "-c", "c.yaml", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    assert run.stderr == ""
    (file,) = json.loads(run.stdout)["files"]
    assert file["findings"][0]["check"] == "unreadable"


def _spilling(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Keys spill after a few KB, into a temp directory of the test's own."""
    import tempfile

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setattr(uniqueness, "SPILL_BYTES", 4_000)
    return temp


def test_fail_fast_leaves_no_spill_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    temp = _spilling(monkeypatch, tmp_path)
    path = tmp_path / "d.csv"
    path.write_bytes(noisy_csv(50_000) + b"x,late bad id\n" + noisy_csv(1000)[8:])
    compiled = compile_contract(parse_contract(CONTRACT))
    seen: list[Path] = []
    add = uniqueness.KeyStore.add

    def recording(self: uniqueness.KeyStore, frame: object, first_row: int = 0, parts: Any = None) -> None:
        add(self, frame, first_row, parts)  # type: ignore[arg-type]
        if self.spill_dir is not None:
            seen.append(self.spill_dir)

    monkeypatch.setattr(uniqueness.KeyStore, "add", recording)
    report = validate_file(path, "d", compiled, "c", Options(fail_fast=True, block_size=64 << 10))
    assert seen, "keys never spilled: the test proves nothing"
    assert [f.check for f in report.findings] == ["type"]
    assert list(temp.iterdir()) == []


def test_an_exception_mid_file_leaves_no_spill_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipecheck import engine

    temp = _spilling(monkeypatch, tmp_path)
    path = tmp_path / "d.csv"
    path.write_bytes(noisy_csv(50_000))
    compiled = compile_contract(parse_contract(CONTRACT))
    calls = 0
    check = engine.check_batch

    def failing(plan: object, frame: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 8:
            raise RuntimeError("a bug in a check")
        return check(plan, frame)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "check_batch", failing)
    with pytest.raises(RuntimeError, match="a bug in a check"), Scratch() as scratch:
        validate_file(path, "d", compiled, "c", Options(block_size=32 << 10), scratch)
    assert calls >= 8
    assert list(temp.iterdir()) == []


_INTERRUPTED = """
import sys, time
from pipecheck import engine, uniqueness
uniqueness.SPILL_BYTES = 4_000
check = engine.check_batch
engine.check_batch = lambda plan, frame: (time.sleep(0.2), check(plan, frame))[1]  # a slow run, to interrupt
from pipecheck.cli import main
sys.exit(main(["validate", sys.argv[1], "-c", sys.argv[2], "--format", "json"]))
"""


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_removes_its_spill_files(sent: signal.Signals, tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    data = tmp_path / "d.csv"
    data.write_bytes(noisy_csv(600_000))
    contract = tmp_path / "c.yaml"
    contract.write_text(CONTRACT, encoding="utf-8")
    script = (
        _INTERRUPTED
        if sent == signal.SIGINT
        else _INTERRUPTED.replace(
            "from pipecheck.cli import main",
            "import signal\nfrom pipecheck.cli import _interrupt, main\nsignal.signal(signal.SIGTERM, _interrupt)",
        )
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(data), str(contract)],
        env={**os.environ, "TMPDIR": str(temp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not any(p.is_file() for p in temp.rglob("*.arrow")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no spill file appeared"
        time.sleep(0.02)
    process.send_signal(sent)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, (out, err)
    assert err.endswith("pipecheck: error: interrupted; no report was written\n"), err
    assert list(temp.iterdir()) == []


def test_decoding_registers_no_codec_error_handler_per_stream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    registered: list[str] = []
    original = codecs.register_error
    monkeypatch.setattr(
        codecs, "register_error", lambda name, handler: registered.append(name) or original(name, handler)
    )
    path = tmp_path / "latin.csv"
    path.write_bytes("id,note\n1,caf\xe9\n2,\xff\n".encode("latin-1"))
    compiled = compile_contract(parse_contract(CONTRACT))
    for _ in range(20):
        report = validate_file(path, "d", compiled, "c", Options())
        assert [f.check for f in report.findings] == ["encoding"]
    assert registered == []


def test_column_names_that_polars_reads_as_expressions_are_plain_names(tmp_path: Path) -> None:
    contract = parse_contract(
        'contract: t\ncolumns:\n  "*": {type: integer, min: 0}\n  "^a.*$": {type: integer, unique: true}\n'
        "  c0: {type: string}\n"
    )
    path = tmp_path / "d.csv"
    path.write_text("*,^a.*$,c0\n-1,1,x\n2,1,y\n", encoding="utf-8")
    report = validate_file(path, "d", compile_contract(contract), "c", Options())
    found = {(f.check, f.column): [(e.row, e.value) for e in f.examples] for f in report.findings}
    assert found == {("min", "*"): [(1, "-1")], ("unique", "^a.*$"): [(1, "1"), (2, "1")]}
