"""Human output through the real CLI: a terminal (a pseudo-terminal of 40, 80, 200 columns), a pipe, a hook.

Each file's result is printed as it finishes; a passing run names the files --skip-unmatched left out.
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from pipecheck.cli import app
from tests.conftest import ROOT, Result, run_subprocess

CONTRACT = """\
contract: events
columns:
  id: {type: integer, min: 0}
  at: {type: datetime, timezone: naive}
  note: {type: string, max_length: 10}
"""
LONG_NOTE = "start-" + "x" * 300 + "-finish"
ROWS = f"id,at,note\n1,2013-01-01T10:00:00Z,ok\n-2,2013-01-01T10:00:00,ok\n3,2013-01-01T10:00:00,{LONG_NOTE}\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "c.yaml").write_text(CONTRACT, encoding="utf-8")
    (tmp_path / "bad.csv").write_text(ROWS, encoding="utf-8")
    (tmp_path / "good.csv").write_text("id,at,note\n1,2013-01-01T10:00:00,ok\n", encoding="utf-8")
    return tmp_path


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR")}
    env.update(NO_COLOR="1", PYTHONPATH=str(ROOT), **extra)
    return env


def run_in_terminal(*args: str, columns: int, cwd: Path) -> Result:
    """pipecheck with stdout on a pseudo-terminal `columns` wide (stderr a pipe); output with '\\r\\n' undone."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    with subprocess.Popen(
        [sys.executable, "-m", "pipecheck", *args], cwd=cwd, stdout=slave, stderr=subprocess.PIPE, env=_env()
    ) as proc:
        os.close(slave)
        chunks: list[bytes] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            elif proc.poll() is not None:
                break
        os.close(master)
        assert proc.stderr is not None
        stderr = proc.stderr.read().decode()
        code = proc.wait(timeout=60)
    return Result(code, b"".join(chunks).decode().replace("\r\n", "\n"), stderr)


@pytest.mark.parametrize("columns", [40, 80, 200])
def test_on_a_terminal_no_line_is_wider_than_it(project: Path, columns: int) -> None:
    result = run_in_terminal("validate", "bad.csv", "good.csv", "-c", "c.yaml", columns=columns, cwd=project)
    assert result.exit_code == 1, result.stderr
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= columns, "\n".join(lines)
    text = result.stdout
    assert "FAIL bad.csv" in text and "PASS good.csv" in text and "1 of 2 file(s) violate their contract" in text
    assert "'2013-01-01T10:00:00Z'" in text or columns < 80, "the value fits from 80 columns on"
    assert "'2013-" in text and "0Z'" in text, "the Z that explains the type error stays visible"
    assert "finish'" in text and "'start-" in text, "a long value keeps both ends"
    assert "┃" not in text and "│" not in text


def test_in_a_pipe_one_line_per_finding(project: Path) -> None:
    result = run_subprocess("validate", "bad.csv", "good.csv", "-c", "c.yaml", cwd=project, env=_env())
    assert result.exit_code == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("FAIL bad.csv  3 rows, 3 error(s), 0 warning(s), ")
    (at,) = [line for line in lines if " type at:" in line]
    assert at.startswith("bad.csv:2: error type at: ") and at.endswith(
        "(1 row; e.g. row 1, line 2: '2013-01-01T10:00:00Z')"
    )
    assert lines[1] == "bad.csv:3: error min id: id must be >= 0 (1 row; e.g. row 2, line 3: '-2')"
    (note,) = [line for line in lines if " max_length note:" in line]
    assert note.startswith("bad.csv:4: error max_length note:") and note.endswith("-finish')") and "'start-" in note
    assert lines.index(note) == 3
    assert lines[4].startswith("PASS good.csv  1 row, ")
    assert lines[5:] == ["1 of 2 file(s) violate their contract"]
    assert not set(result.stdout) & set("┃│━╇"), "no box drawing in logs"


def test_columns_bounds_log_lines_and_a_bad_value_is_ignored(project: Path) -> None:
    wide = run_subprocess("validate", "bad.csv", "-c", "c.yaml", cwd=project, env=_env())
    narrow = run_subprocess("validate", "bad.csv", "-c", "c.yaml", cwd=project, env=_env(COLUMNS="70"))
    assert len(narrow.stdout.splitlines()) == len(wide.stdout.splitlines()), "never wrapped"
    (note,) = [line for line in narrow.stdout.splitlines() if "max_length" in line]
    value = note[note.index("'start") :]
    assert len(value) <= 24 + 1 and value.endswith("-finish')"), note  # cut to its floor, both ends kept
    assert len(note) < len(next(line for line in wide.stdout.splitlines() if "max_length" in line))
    odd = run_subprocess("validate", "bad.csv", "-c", "c.yaml", cwd=project, env=_env(COLUMNS="-3"))
    assert odd.exit_code == 1 and "Traceback" not in odd.stderr


def test_each_file_is_reported_as_soon_as_it_is_done(project: Path) -> None:
    """The first file's result is out while the second (a FIFO nobody has written yet) is still being read."""
    fifo = project / "later.csv"
    os.mkfifo(fifo)
    command = [sys.executable, "-m", "pipecheck", "validate", "good.csv", str(fifo), "-c", "c.yaml", "--jobs", "1"]
    with subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_env()) as proc:
        assert proc.stdout is not None
        try:
            ready, _, _ = select.select([proc.stdout], [], [], 60)
            assert ready, "nothing printed while the second file is still being read"
            first = proc.stdout.readline().decode()
            assert first.startswith("PASS good.csv"), first
            assert proc.poll() is None, "still waiting for the FIFO"
            with open(fifo, "w", encoding="utf-8") as writer:
                writer.write("id,at,note\n-1,2013-01-01T10:00:00,ok\n")
            rest = proc.stdout.read().decode()
            assert proc.wait(timeout=60) == 1
        finally:
            if proc.poll() is None:
                proc.kill()
    assert rest.splitlines()[0].startswith(f"FAIL {fifo}")
    assert rest.splitlines()[-1] == "1 of 2 file(s) violate their contract"


def test_skipped_files_are_named_with_clirunner(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    (project / "schemas").mkdir()
    (project / "schemas" / "events.yaml").write_text(CONTRACT + 'match: ["good.csv"]\n', encoding="utf-8")
    names = [f"other{i}.csv" for i in range(7)]
    for name in names:
        (project / name).write_text("a\n1\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", "good.csv", *names, "--skip-unmatched"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        lines[-2]
        == "skipped 7 files no contract matches: other0.csv, other1.csv, other2.csv, other3.csv, other4.csv and 2 more"
    )
    assert lines[-1] == "1 file(s) hold their contract"
    hook = CliRunner().invoke(app, ["validate", "--hook", "good.csv", *names, "--skip-unmatched"])
    assert hook.exit_code == 0
    assert hook.output == "pipecheck: 0 of 1 file fail; 7 skipped (no contract matches)\n"


def test_hook_mode_on_a_terminal_still_prints_the_log_layout(project: Path) -> None:
    """pre-commit runs hooks on a pseudo-terminal when it colours its output."""
    result = run_in_terminal("validate", "--hook", "good.csv", "bad.csv", "-c", "c.yaml", columns=80, cwd=project)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("FAIL bad.csv  ") and lines[1].startswith("bad.csv:3: error min id:")
    assert lines[-1] == "pipecheck: 1 of 2 files fails"
    assert "good.csv" not in result.stdout and result.stderr == ""


def test_a_reader_leaving_early_does_not_change_the_exit_code(project: Path) -> None:
    names = ["bad.csv"] * 1 + ["good.csv"] * 30
    command = [sys.executable, "-m", "pipecheck", "validate", *names, "-c", "c.yaml", "--jobs", "1"]
    with subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env()) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline().startswith(b"FAIL bad.csv")
        proc.stdout.close()
        stderr = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 1
    assert "Traceback" not in stderr and "error" not in stderr
