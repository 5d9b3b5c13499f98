"""Report paths: checked before any data is read, written with the umask's mode, special files written directly."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipecheck.cli import app

CONTRACT = "contract: c\ncolumns:\n  a: {type: integer}\n"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.yaml").write_text(CONTRACT, encoding="utf-8")
    (tmp_path / "d.csv").write_text("a\n1\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("json:out", "out: is a directory; give a file name for the json report"),
        ("json:missing/r.json", "missing/r.json: directory missing does not exist"),
    ],
)
def test_an_unwritable_report_path_is_a_usage_error_before_any_data_is_read(
    folder: Path, target: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (folder / "out").mkdir()
    from pipecheck import runner

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("data was read before the report path was checked")

    monkeypatch.setattr(runner, "run", no_reading)
    result = CliRunner().invoke(app, ["validate", "d.csv", "-c", "c.yaml", "-f", target])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[0] == f"pipecheck: error: {message}"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_directory_is_a_usage_error(folder: Path) -> None:
    (folder / "ro").mkdir(mode=0o555)
    result = CliRunner().invoke(app, ["validate", "d.csv", "-c", "c.yaml", "-f", "json:ro/r.json"])
    assert result.exit_code == 2 and "is not writable" in result.output


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_reports_get_the_umask_s_mode_not_the_temp_file_s(folder: Path, umask: int) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import os, sys; os.umask({umask}); from pipecheck.cli import main; sys.exit(main())",
         "validate", "d.csv", "-c", "c.yaml", "-f", "json:r.json"],
        cwd=folder, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((folder / "r.json").stat().st_mode) == 0o666 & ~umask


def test_a_special_file_is_written_directly_not_replaced(folder: Path) -> None:
    fifo = folder / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = CliRunner().invoke(app, ["validate", "d.csv", "-c", "c.yaml", "-f", f"json:{fifo}"])
    reader.join(10)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode), "the FIFO was replaced by a regular file"
    assert b'"ok": true' in received[0]


@pytest.mark.parametrize(
    ("args", "victim"),
    [
        (["validate", "d.csv", "-c", "c.yaml", "-f", "json:d.csv"], "d.csv"),
        (["validate", "d.csv", "-c", "c.yaml", "-o", "./c.yaml", "-f", "json"], "c.yaml"),
        (["diff", "c.yaml", "c.yaml", "-o", "c.yaml"], "c.yaml"),
        (["infer", "d.csv", "-o", "d.csv", "--force"], "d.csv"),
    ],
)
def test_a_report_or_draft_never_replaces_an_input_of_the_run(folder: Path, args: list[str], victim: str) -> None:
    """Inputs are only read: `-o` naming one (a slip of the shell's completion) is refused, --force or not."""
    before = (folder / victim).read_bytes()
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[0].endswith(
        "is an input of this run; writing the "
        + ("contract" if args[0] == "infer" else "json report" if args[0] == "validate" else "rich report")
        + " there would replace it"
    )
    assert (folder / victim).read_bytes() == before


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [
        ["validate", "d.csv", "-c", "c.yaml", "-f", "json"],
        ["diff", "c.yaml", "c.yaml"],
        ["diff", "c.yaml", "c.yaml", "-f", "json"],
        ["infer", "d.csv"],
    ],
)
def test_a_full_stdout_is_a_one_line_usage_error(folder: Path, args: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "pipecheck", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            cwd=folder,
            env=env,
            timeout=120,
            check=False,
        )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == "pipecheck: error: cannot write to standard output: No space left on device\n"
