"""Quarantine misused as an adversarial user would: each case here was a bug once."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result, run_subprocess

CONTRACT = """
contract: s
columns:
  id: {type: integer, unique: true}
  a: {type: integer, min: 0}
"""


@pytest.fixture
def dataset(tmp_path: Path) -> tuple[Path, Path]:
    directory = tmp_path / "ds"
    directory.mkdir()
    (directory / "p1.csv").write_bytes(b"id,a\n1,2\n2,-1\n")
    (directory / "p2.csv").write_bytes(b"id,a\n3,5\n")
    contract = tmp_path / "c.yaml"
    contract.write_text(CONTRACT, encoding="utf-8")
    return directory, contract


@pytest.mark.parametrize("inside", [".", "q", "x/q"])
def test_a_quarantine_dir_inside_the_dataset_it_splits_is_refused(
    dataset: tuple[Path, Path], inside: str, cli: Callable[..., Result]
) -> None:
    # Its outputs would be members of the dataset on the next run: records counted twice.
    directory, contract = dataset
    q = directory / inside
    result = cli("validate", directory, "-c", contract, "--quarantine", q)
    assert result.exit_code == 2, result
    assert result.stderr.splitlines()[0] == (
        f"pipecheck: error: {q}: the quarantine directory is inside the dataset directory {directory}, "
        "whose next run would read its outputs as members"
    )
    assert sorted(p.name for p in directory.rglob("*")) == ["p1.csv", "p2.csv"]


def test_a_skipped_folder_of_the_dataset_may_hold_its_quarantine(
    dataset: tuple[Path, Path], cli: Callable[..., Result]
) -> None:
    directory, contract = dataset
    q = directory / "_quarantine"  # a name the dataset listing skips, as Spark does
    for _ in range(2):
        result = cli("validate", directory, "-c", contract, "--quarantine", q, "--max-invalid", "1")
        assert result.exit_code == 0, result
        assert "2 valid" in result.stdout and "1 invalid" in result.stdout


@pytest.mark.parametrize("subprocess_run", [False, True], ids=["in-process", "subprocess"])
def test_github_format_says_what_was_quarantined_and_the_tolerance_verdict(
    dataset: tuple[Path, Path], tmp_path: Path, cli: Callable[..., Result], subprocess_run: bool
) -> None:
    # It said "1 file(s) hold their contract" of a file with errors, and nothing of the split.
    directory, contract = dataset
    data = directory / "p1.csv"
    q = tmp_path / "q"
    args = ("validate", data, "-c", contract, "--quarantine", q, "--max-invalid", "1", "-f", "github")
    result = run_subprocess(*args) if subprocess_run else cli(*args)
    assert result.exit_code == 0, result
    assert result.stdout.splitlines()[-2:] == [
        f"pipecheck: {data}: quarantine: 1 valid → {q / 'p1.valid.csv'} · 1 invalid (50.00%) → "
        f"{q / 'p1.invalid.csv'} · within --max-invalid 1 (1 allowed) · top reasons: a:min 1",
        "pipecheck: 1 file(s) within their tolerance of invalid rows",
    ]


def test_fail_on_warning_still_fails_a_file_within_its_tolerance_on_a_warning(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    # The tolerance silently overrode --fail-on warning: a warning passed the run.
    contract = tmp_path / "c.yaml"
    contract.write_text(CONTRACT + "  w: {type: string, max_length: 1, severity: warning}\n", encoding="utf-8")
    data = tmp_path / "s.csv"
    data.write_bytes(b"id,a,w\n1,2,x\n2,-1,x\n3,3,long\n")
    args = ("validate", data, "-c", contract, "--max-invalid", "1")
    assert cli(*args).exit_code == 0
    failed = cli(*args, "--fail-on", "warning")
    assert failed.exit_code == 1, failed
    assert failed.stdout.splitlines()[-1] == (
        "1 of 1 file(s) over their tolerance of invalid rows, rejected, or failing on a warning (--fail-on warning)"
    )
    data.write_bytes(b"id,a,w\n1,2,x\n2,-1,x\n")  # no warning: within the tolerance, it passes
    assert cli(*args, "--fail-on", "warning").exit_code == 0


def test_a_drift_error_fails_a_file_within_its_tolerance(tmp_path: Path, cli: Callable[..., Result]) -> None:
    # Drift fails the file as a whole: judged before its rows are split, it rejects the file.
    contract = tmp_path / "c.yaml"
    contract.write_text(CONTRACT, encoding="utf-8")
    before, after = tmp_path / "before.csv", tmp_path / "after.csv"
    before.write_text("id,a\n" + "".join(f"{i},{i % 5}\n" for i in range(500)), encoding="utf-8")
    after.write_text("id,a\n" + "".join(f"{i},{i % 3 + 50}\n" for i in range(500)), encoding="utf-8")
    baseline = tmp_path / "base.json"
    assert cli("snapshot", before, "-c", contract, "-o", baseline).exit_code == 0
    args = ("validate", after, "-c", contract, "--baseline", baseline, "--quarantine", tmp_path / "q")
    result = cli(*args, "--max-invalid", "1")
    assert result.exit_code == 1, result
    assert "error drift a:" in result.stdout
    assert result.stdout.splitlines()[-1] == "1 of 1 file(s) over their tolerance of invalid rows, or rejected"
    assert (tmp_path / "q" / "after.rejected.csv").read_bytes() == after.read_bytes()
    assert not (tmp_path / "q" / "after.valid.csv").exists()


@pytest.mark.parametrize("given", ["1_000", "1e1%", "١٢", "+3", "1_0%", "9" * 5000])
def test_a_tolerance_is_plain_digits(dataset: tuple[Path, Path], given: str, cli: Callable[..., Result]) -> None:
    # int() and Decimal() took these: '1_000' as 1000 rows, Arabic-Indic digits as 12.
    directory, contract = dataset
    result = cli("validate", directory / "p1.csv", "-c", contract, "--max-invalid", given)
    assert result.exit_code == 2, result
    assert result.stderr.splitlines()[0] == (
        f"pipecheck: error: --max-invalid: expected a number of rows (100) or a percentage (0.5%), got {given!r}"
    )


@pytest.mark.parametrize(("given", "allowed"), [("0", 0), ("0%", 0), ("100%", 2), (" 5 %", 0), ("50.%", 1), (".5%", 0)])
def test_tolerances_as_written(
    dataset: tuple[Path, Path], given: str, allowed: int, cli: Callable[..., Result]
) -> None:
    directory, contract = dataset
    result = cli("validate", directory / "p1.csv", "-c", contract, "--max-invalid", given)
    assert f"({allowed:,} allowed)" in result.stdout, result
    assert result.exit_code == (0 if allowed >= 1 else 1)


def test_json_lines_not_objects_are_counted_with_a_reason(
    dataset: tuple[Path, Path], cli: Callable[..., Result]
) -> None:
    # Counted invalid, but missing from the reasons: "4 invalid · top reasons" summed to 3.
    directory, contract = dataset
    data = directory.parent / "j.jsonl"
    data.write_bytes(b'{"id":1,"a":2}\nnot json\n{"id":2,"a":-1}\n[1,2]\n')
    result = cli("validate", data, "-c", contract, "--max-invalid", "5", "-f", "json")
    quarantine = json.loads(result.stdout)["files"][0]["quarantine"]
    assert (quarantine["rows"], quarantine["invalid"]) == (4, 3)
    assert quarantine["reasons"] == {"_record:malformed": 2, "a:min": 1}
