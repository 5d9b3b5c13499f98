"""--quarantine / --max-invalid / --keep misused: one line, exit 2, nothing written; and the exit
codes of tolerances, the umask, untouched inputs. In-process and as a real process."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result, run_subprocess

CONTRACT = """
contract: s
columns:
  a: {type: string, allowed: [x]}
  b: {type: integer}
  w: {type: string, max_length: 1, severity: warning, required: false}
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "s.csv"
    data.write_bytes(b"a,b\nx,1\nz,2\n")
    contract = tmp_path / "c.yaml"
    contract.write_text(CONTRACT, encoding="utf-8")
    return data, contract


def _one_error(result: Result, message: str) -> None:
    assert result.exit_code == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == f"pipecheck: error: {message}", lines
    assert len(lines) == 1 or (len(lines) == 2 and lines[1].startswith("  hint: "))
    assert result.stdout == ""


@pytest.mark.parametrize("subprocess_run", [False, True], ids=["in-process", "subprocess"])
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--keep", "last"], "--keep: expected 'first' or 'none', got 'last'"),
        (["--max-invalid", "abc"], "--max-invalid: expected a number of rows (100) or a percentage (0.5%), got 'abc'"),
        (["--max-invalid", "-1"], "--max-invalid: expected a number of rows (100) or a percentage (0.5%), got '-1'"),
        (
            ["--max-invalid", "101%"],
            "--max-invalid: expected a number of rows (100) or a percentage (0.5%), got '101%'",
        ),
    ],
    ids=["keep", "abc", "negative", "over 100%"],
)
def test_bad_flags_are_one_line_usage_errors(
    files: tuple[Path, Path],
    tmp_path: Path,
    cli: Callable[..., Result],
    args: list[str],
    message: str,
    subprocess_run: bool,
) -> None:
    data, contract = files
    q = tmp_path / "q"
    run = run_subprocess if subprocess_run else cli
    _one_error(run("validate", data, "-c", contract, "--quarantine", q, *args), message)
    assert not q.exists()


def test_dir_that_is_a_file_or_under_a_file(files: tuple[Path, Path], cli: Callable[..., Result]) -> None:
    data, contract = files
    _one_error(
        cli("validate", data, "-c", contract, "--quarantine", data),
        f"{data}: --quarantine needs a directory; this is a file",
    )
    under = data / "q"
    _one_error(
        cli("validate", data, "-c", contract, "--quarantine", under),
        f"{under}: cannot create the quarantine directory: Not a directory",
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any directory")
def test_an_unwritable_dir(files: tuple[Path, Path], tmp_path: Path, cli: Callable[..., Result]) -> None:
    data, contract = files
    q = tmp_path / "q"
    q.mkdir(mode=0o555)
    _one_error(
        cli("validate", data, "-c", contract, "--quarantine", q), f"{q}: the quarantine directory is not writable"
    )


def test_two_inputs_with_one_name_and_nothing_is_created(
    files: tuple[Path, Path], tmp_path: Path, cli: Callable[..., Result]
) -> None:
    data, contract = files
    (tmp_path / "b").mkdir()
    other = tmp_path / "b" / "s.csv"
    other.write_bytes(data.read_bytes())
    q = tmp_path / "q"
    result = cli("validate", data, other, "-c", contract, "--quarantine", q)
    _one_error(result, f"{other}: its quarantine files would overwrite those of {data} in {q}")
    assert not q.exists()


def test_an_output_that_would_replace_an_input_is_refused(
    files: tuple[Path, Path], tmp_path: Path, cli: Callable[..., Result]
) -> None:
    data, contract = files
    earlier = tmp_path / "s.valid.csv"  # an input that is the first input's valid file in this DIR
    earlier.write_bytes(b"a,b\nx,9\n")
    result = cli("validate", earlier, data, "-c", contract, "--quarantine", tmp_path)
    _one_error(result, f"{earlier}: the quarantine files of {data} would replace this input")
    assert earlier.read_bytes() == b"a,b\nx,9\n"


@pytest.mark.parametrize("name", ["s.valid.csv", "s.invalid.csv", "s.rejected.json"])
def test_an_output_that_would_replace_a_report_is_refused(
    files: tuple[Path, Path], tmp_path: Path, cli: Callable[..., Result], name: str
) -> None:
    data, contract = files
    report = tmp_path / "q" / name
    report.parent.mkdir()
    result = cli("validate", data, "-c", contract, "--quarantine", tmp_path / "q", "-f", f"json:{report}")
    _one_error(result, f"{report}: the quarantine files of {data} would replace this report")
    assert not report.exists()


def test_stdin_cannot_be_quarantined(files: tuple[Path, Path], tmp_path: Path) -> None:
    data, contract = files
    process = subprocess.run(
        [sys.executable, "-m", "pipecheck", "validate", "-", "-c", contract, "--quarantine", tmp_path / "q"],
        input=data.read_bytes(),
        capture_output=True,
        check=False,
    )
    result = Result(process.returncode, process.stdout.decode(), process.stderr.decode())
    _one_error(result, "/dev/stdin: --quarantine reads files and directories, not a stream")


def test_a_contracts_bad_tolerance_is_a_contract_error_with_its_position(
    files: tuple[Path, Path], tmp_path: Path, cli: Callable[..., Result]
) -> None:
    data, contract = files
    contract.write_text(CONTRACT.replace("columns:", 'quarantine: {max_invalid: "200%"}\ncolumns:'), encoding="utf-8")
    result = cli("validate", data, "-c", contract)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].endswith(
        "c.yaml:3:27: quarantine.max_invalid: a percentage of the file's rows is at most 100%"
    ), result.stderr


def test_the_config_files_tolerance_applies_and_a_bad_one_is_refused(
    files: tuple[Path, Path], tmp_path: Path, cli: Callable[..., Result]
) -> None:
    data, contract = files
    (tmp_path / "pipecheck.yaml").write_text("quarantine: {max_invalid: '50%'}\n", encoding="utf-8")
    result = cli("validate", data, "-c", contract, "-f", "json", cwd=tmp_path)
    summary = json.loads(result.stdout)["files"][0]["quarantine"]
    assert (summary["max_invalid"], summary["allowed"], summary["within"], result.exit_code) == ("50%", 1, True, 0)
    (tmp_path / "pipecheck.yaml").write_text("quarantine: {max_invalid: 'lots'}\n", encoding="utf-8")
    result = cli("validate", data, "-c", contract, cwd=tmp_path)
    assert result.exit_code == 2
    assert "quarantine.max_invalid: expected a number of rows" in result.stderr.splitlines()[0]


@pytest.mark.parametrize(
    ("tolerance", "code"),
    [("1", 0), ("0", 1), ("50%", 0), ("49.9%", 1), ("100%", 0)],
)
def test_max_invalid_decides_the_exit_code_count_only(
    files: tuple[Path, Path], tmp_path: Path, cli: Callable[..., Result], tolerance: str, code: int
) -> None:
    data, contract = files
    result = cli("validate", data, "-c", contract, "--max-invalid", tolerance, "-f", "json", cwd=tmp_path)
    assert result.exit_code == code, result
    summary = json.loads(result.stdout)["files"][0]["quarantine"]
    assert (summary["invalid"], summary["valid_path"], summary["invalid_path"]) == (1, None, None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml", "s.csv"]  # count only: nothing written


def test_a_rejected_file_fails_whatever_the_tolerance(
    files: tuple[Path, Path], tmp_path: Path, cli: Callable[..., Result]
) -> None:
    data, contract = files
    data.write_bytes(b"a\nx\n")
    assert cli("validate", data, "-c", contract, "--max-invalid", "100%").exit_code == 1


def test_warnings_never_quarantine_a_row(files: tuple[Path, Path], tmp_path: Path, cli: Callable[..., Result]) -> None:
    data, contract = files
    data.write_bytes(b"a,b,w\nx,1,long\nx,2,\n")
    q = tmp_path / "q"
    result = cli("validate", data, "-c", contract, "--quarantine", q, "--max-invalid", "0", "-f", "json")
    assert result.exit_code == 0
    assert (q / "s.valid.csv").read_bytes() == b"a,b,w\nx,1,long\nx,2,\n"


def test_outputs_follow_the_umask_and_inputs_are_untouched(files: tuple[Path, Path], tmp_path: Path) -> None:
    data, contract = files
    q = tmp_path / "q"
    before = (data.stat().st_mtime_ns, hashlib.sha256(data.read_bytes()).hexdigest(), data.stat().st_mode)
    process = subprocess.run(
        [sys.executable, "-m", "pipecheck", "validate", data, "-c", contract, "--quarantine", q],
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.umask(0o027),  # no threads in this test process
        check=False,
    )
    assert process.returncode == 1, process.stderr
    modes = {p.name: p.stat().st_mode & 0o777 for p in q.iterdir()}
    assert modes == {"s.valid.csv": 0o640, "s.invalid.csv": 0o640}
    data.write_bytes(b"a\nx\n")  # rejected: the copy and its JSON follow the umask too
    before = (data.stat().st_mtime_ns, hashlib.sha256(data.read_bytes()).hexdigest(), data.stat().st_mode)
    subprocess.run(
        [sys.executable, "-m", "pipecheck", "validate", data, "-c", contract, "--quarantine", q],
        capture_output=True,
        preexec_fn=lambda: os.umask(0o027),
        check=False,
    )
    assert {p.name: p.stat().st_mode & 0o777 for p in q.iterdir() if "rejected" in p.name} == {
        "s.rejected.csv": 0o640,
        "s.rejected.json": 0o640,
    }
    assert (data.stat().st_mtime_ns, hashlib.sha256(data.read_bytes()).hexdigest(), data.stat().st_mode) == before


def test_a_rerun_leaves_no_stale_output_of_the_other_kind(
    files: tuple[Path, Path], tmp_path: Path, cli: Callable[..., Result]
) -> None:
    data, contract = files
    q = tmp_path / "q"
    cli("validate", data, "-c", contract, "--quarantine", q)
    assert sorted(p.name for p in q.iterdir()) == ["s.invalid.csv", "s.valid.csv"]
    good = data.read_bytes()
    data.write_bytes(b"a\nx\n")  # now rejected: yesterday's valid file must not look like today's
    cli("validate", data, "-c", contract, "--quarantine", q)
    assert sorted(p.name for p in q.iterdir()) == ["s.rejected.csv", "s.rejected.json"]
    data.write_bytes(good)
    cli("validate", data, "-c", contract, "--quarantine", q)
    assert sorted(p.name for p in q.iterdir()) == ["s.invalid.csv", "s.valid.csv"]
