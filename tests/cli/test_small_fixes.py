"""Small things users hit (issue 13): .tsv is tab-separated, --quiet shows failing files only,
an extra_columns: warn warning does not tell the user to change extra_columns."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipecheck.cli import app
from tests.conftest import run_subprocess


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_tsv_file_is_tab_separated_unless_the_contract_says_otherwise(folder: Path) -> None:
    (folder / "d.tsv").write_text("a\tb\n1\tx,y\n", encoding="utf-8")
    (folder / "c.yaml").write_text(
        "contract: c\ncolumns:\n  a: {type: integer}\n  b: {type: string}\n", encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["validate", "d.tsv", "-c", "c.yaml", "--format", "json"])
    assert result.exit_code == 0, result.output
    (folder / "s.yaml").write_text(
        "contract: s\ncsv: {delimiter: ','}\ncolumns:\n  a: {type: integer}\n  b: {type: string}\n", encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["validate", "d.tsv", "-c", "s.yaml", "--format", "json"])
    assert result.exit_code == 1  # the contract's comma wins: the header is one column
    assert "missing_column" in {f["check"] for f in json.loads(result.stdout)["files"][0]["findings"]}


def test_quiet_prints_only_failing_files(folder: Path) -> None:
    (folder / "good.csv").write_text("a\n1\n", encoding="utf-8")
    (folder / "bad.csv").write_text("a\nx\n", encoding="utf-8")
    (folder / "c.yaml").write_text("contract: c\ncolumns:\n  a: {type: integer}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", "good.csv", "bad.csv", "-c", "c.yaml", "--quiet", "--no-color"])
    assert result.exit_code == 1
    assert "FAIL bad.csv" in result.output
    assert "good.csv" not in result.output


def test_an_extra_column_warning_has_no_hint_to_set_extra_columns(folder: Path) -> None:
    (folder / "d.csv").write_text("a,zzz\n1,2\n", encoding="utf-8")
    (folder / "c.yaml").write_text(
        "contract: c\nextra_columns: warn\ncolumns:\n  a: {type: integer}\n", encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["validate", "d.csv", "-c", "c.yaml", "--format", "json"])
    (finding,) = json.loads(result.stdout)["files"][0]["findings"]
    assert finding["check"] == "extra_column" and finding["severity"] == "warning"
    assert "hint" not in finding


@pytest.mark.parametrize(
    ("args", "first_line"),
    [
        (["validate", "--bogus"], "pipecheck: error: No such option: --bogus"),
        (["validate", "x.csv", "--max-examples", "-1"], "pipecheck: error: Invalid value for '--max-examples'"),
        (["validate"], "pipecheck: error: Missing argument 'DATA'."),
    ],
)
def test_usage_errors_are_one_line_with_a_hint_in_a_real_process(args: list[str], first_line: str) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [str(Path(sys.executable).with_name("pipecheck")), *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert lines[0].startswith(first_line), done.stderr
    assert lines[1:] == ["  hint: see 'pipecheck validate --help'"]
    assert "╭" not in done.stderr


@pytest.mark.parametrize("command", ["validate", "lint", "diff", "config", "schema"])
def test_help_names_arguments_as_command_line_tools_do(command: str) -> None:
    """`DATA...` and `[CONTRACTS...]`, not Typer's `{DATA}...`, `<list[str]>` or `<bool>` on flags."""
    result = run_subprocess(command, "--help")
    assert result.exit_code == 0
    assert not re.search(r"[{}]|<list\[|<bool>|<str>|<Path>", result.stdout), result.stdout
    usage = result.stdout.splitlines()[0]
    expected = {"validate": " DATA...", "lint": " [CONTRACTS...]", "diff": " CONTRACT..."}.get(command, "")
    assert usage == f"Usage: pipecheck {command} [OPTIONS]{expected}"
