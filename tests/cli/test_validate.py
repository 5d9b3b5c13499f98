"""End-to-end runs of `pipecheck validate` on the bundled sample data: CliRunner, in-process, subprocess."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipecheck.cli import app
from tests.conftest import Result, run_subprocess


@pytest.fixture(autouse=True)
def _at_repo_root(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)


def test_clirunner_good_files_exit_0_contract_found_by_match_globs() -> None:
    result = CliRunner().invoke(app, ["validate", "sample_data/orders.csv", "sample_data/orders.parquet", "--no-color"])
    assert result.exit_code == 0, result.output
    assert "PASS sample_data/orders.csv" in result.output
    assert "PASS sample_data/orders.parquet" in result.output
    assert "2 file(s) hold their contract" in result.output


def test_clirunner_bad_file_exit_1_with_table_of_findings() -> None:
    result = CliRunner().invoke(app, ["validate", "sample_data/orders_bad.csv", "--no-color"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    for check in ("malformed_row", "extra_column", "type", "nullable", "pattern", "allowed", "min", "max", "unique"):
        assert check in result.output
    assert "'refunded'" in result.output and "line 14" in result.output


def test_clirunner_usage_error_exit_2_one_line() -> None:
    result = CliRunner().invoke(app, ["validate", "missing.csv"])
    assert result.exit_code == 2
    assert "pipecheck: error: missing.csv: no such file" in result.output


def test_json_report_shape_is_stable(cli: Callable[..., Result]) -> None:
    result = cli("validate", "sample_data/orders_bad.csv", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert set(report) >= {"pipecheck", "ok", "files"}
    (file,) = report["files"]
    assert set(file) >= {"path", "contract", "ok", "rows", "findings"}
    assert file["contract"] == "schemas/orders.yaml" and file["rows"] == 40
    finding = next(f for f in file["findings"] if f["check"] == "min")
    assert finding == {
        "check": "min",
        "column": "amount",
        "severity": "error",
        "count": 1,
        "message": "amount must be >= 0",
        "examples": [{"row": 9, "line": 10, "value": "-5.0"}],
    }


def test_output_file_is_written_and_stdout_keeps_quiet(cli: Callable[..., Result], tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    result = cli("validate", "sample_data/orders.csv", "--format", "json", "--output", target)
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["ok"] is True
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_unmatched_file_is_usage_error_unless_skipped(cli: Callable[..., Result], tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("a\n1\n")
    result = cli("validate", other)
    assert result.exit_code == 2 and "no contract matches" in result.stderr
    result = cli("validate", other, "sample_data/orders.csv", "--skip-unmatched", "--format", "json")
    assert result.exit_code == 0
    assert [f["path"] for f in json.loads(result.stdout)["files"]] == ["sample_data/orders.csv"]


def test_explicit_contract_and_schemas_dir(cli: Callable[..., Result], tmp_path: Path) -> None:
    result = cli("validate", "sample_data/orders.csv", "-c", "schemas/orders.yaml", "--format", "json")
    assert result.exit_code == 0
    result = cli("validate", "sample_data/orders.csv", "--schemas", tmp_path / "none")
    assert result.exit_code == 2 and "schemas directory not found" in result.stderr


def test_invalid_contract_is_exit_2_with_location(cli: Callable[..., Result], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("contract: x\ncolumns:\n  a: {type: integer, min: zero}\n")
    result = cli("validate", "sample_data/orders.csv", "-c", bad)
    assert result.exit_code == 2
    assert f"{os.path.relpath(bad)}:3:27: columns.a.min: expected a number, got 'zero'" in result.stderr
    result = cli("lint", bad)
    assert result.exit_code == 2 and ":3:27: columns.a.min" in result.stderr
    assert cli("lint").exit_code == 0


def test_unknown_format_and_bad_flag_are_usage_errors(cli: Callable[..., Result]) -> None:
    assert cli("validate", "sample_data/orders.csv", "--format", "xml").exit_code == 2
    assert cli("validate", "sample_data/orders.csv", "--fail-on", "nope").exit_code == 2
    assert cli("validate", "--nope").exit_code == 2


def test_rich_output_escapes_user_text(cli: Callable[..., Result], tmp_path: Path) -> None:
    contract = tmp_path / "c.yaml"
    contract.write_text("contract: c\ncolumns:\n  s: {type: string, pattern: '[a-z]+'}\n")
    data = tmp_path / "d.csv"
    data.write_text("s\n[red]X[/red]\n")
    result = cli("validate", data, "-c", contract, "--no-color")
    assert result.exit_code == 1
    assert "[red]X[/red]" in result.stdout and "[a-z]+" in result.stdout
    assert "\x1b[" not in result.stdout


def test_schema_command_prints_json_schema(cli: Callable[..., Result]) -> None:
    result = cli("schema")
    schema = json.loads(result.stdout)
    assert result.exit_code == 0
    assert "columns" in schema["properties"] and schema["additionalProperties"] is False


def test_subprocess_exit_codes_and_no_color(root: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    good = run_subprocess("validate", "sample_data/orders.csv", cwd=root, env=env)
    assert good.exit_code == 0, good.stderr
    bad = run_subprocess("validate", "sample_data/orders_bad.csv", cwd=root, env=env)
    assert bad.exit_code == 1 and "\x1b[" not in bad.stdout
    assert "FAIL sample_data/orders_bad.csv" in bad.stdout
    usage = run_subprocess("validate", "nope.csv", cwd=root, env=env)
    assert usage.exit_code == 2 and usage.stderr.strip() == "pipecheck: error: nope.csv: no such file"
    assert run_subprocess("--version", cwd=root).stdout.startswith("pipecheck ")


def test_file_name_that_is_not_utf8_is_reported_not_crashed(root: Path, tmp_path: Path) -> None:
    name = os.fsencode(tmp_path) + b"/orders-\xff.csv"
    with open(name, "wb") as handle:
        handle.write(b"order_id\n1\n")
    contract = tmp_path / "c.yaml"
    contract.write_text("contract: c\ncolumns:\n  order_id: {type: integer}\n")
    for fmt in ("rich", "json", "github", "markdown"):
        result = run_subprocess("validate", os.fsdecode(name), "-c", contract, "--format", fmt, cwd=root)
        assert result.exit_code == 0, (fmt, result.stderr)
        assert "Traceback" not in result.stderr


def test_non_numeric_columns_variable_is_ignored(root: Path) -> None:
    env = {**os.environ, "COLUMNS": "wide"}
    result = run_subprocess("validate", "sample_data/orders.csv", cwd=root, env=env)
    assert result.exit_code == 0, result.stderr


def test_unknown_format_from_the_config_file_names_the_file(cli: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "pipecheck.yaml").write_text("format: xml\n")
    data = tmp_path / "d.csv"
    data.write_text("a\n1\n")
    result = cli("validate", data, cwd=tmp_path)
    assert result.exit_code == 2
    assert f"{tmp_path / 'pipecheck.yaml'}: unknown format 'xml'" in result.stderr


def test_config_command_shows_flag_overrides(cli: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "pipecheck.yaml").write_text("max_examples: 7\nfail_on: warning\n")
    result = cli("config", "--format", "json", "--max-examples", "3", cwd=tmp_path)
    rows = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert result.exit_code == 0
    assert rows["max_examples"].split()[1] == "3" and rows["max_examples"].endswith("[command line]")
    assert rows["format"].endswith("[command line]")
    assert rows["fail_on"].endswith(f"[{tmp_path / 'pipecheck.yaml'}]")


def test_parallel_files_keep_the_input_order(cli: Callable[..., Result], tmp_path: Path) -> None:
    contract = tmp_path / "c.yaml"
    contract.write_text("contract: c\ncolumns:\n  a: {type: integer, min: 0}\n")
    paths = []
    for i in range(6):
        path = tmp_path / f"f{i}.csv"
        rows = "".join(f"{-1 if i % 2 else 1}\n" for _ in range(2000 * (6 - i)))
        path.write_text("a\n" + rows)
        paths.append(path)
    result = cli("validate", *paths, "-c", contract, "--jobs", "2", "--format", "json")
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [f["path"] for f in report["files"]] == [str(p) for p in paths]
    assert [f["ok"] for f in report["files"]] == [True, False, True, False, True, False]


def test_fail_fast_still_fails_the_file(cli: Callable[..., Result], tmp_path: Path) -> None:
    contract = tmp_path / "c.yaml"
    contract.write_text("contract: c\ncolumns:\n  a: {type: integer, min: 0}\n")
    data = tmp_path / "d.csv"
    data.write_text("a\n-1\n1\n")
    result = cli("validate", data, "-c", contract, "--fail-fast", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["files"][0]["findings"][0]["check"] == "min"


def test_subprocess_reader_closing_the_pipe_early_gets_no_traceback(root: Path, tmp_path: Path) -> None:
    """`pipecheck validate ... | head -c 20`: the exit code stays, and no traceback (the exit skips teardown)."""
    import subprocess
    import sys

    data = tmp_path / "many.csv"
    data.write_text("a\n" + "".join(f"{-i}\n" for i in range(20_000)))
    contract = tmp_path / "c.yaml"
    contract.write_text("contract: c\ncolumns:\n  a: {type: integer, min: 0}\n")
    args = ["validate", str(data), "-c", str(contract), "--format", "json", "--max-examples", "5000"]
    with subprocess.Popen(
        [sys.executable, "-m", "pipecheck", *args], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.read(20).startswith(b"{")
        proc.stdout.close()
        stderr = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 1
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
