"""`pipecheck diff`: exit codes, formats, report files and `--git`, in-process (CliRunner) and as a process."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipecheck.cli import app
from tests.conftest import run_subprocess

OLD = """\
contract: orders
columns:
  order_id: {type: integer, unique: true}
  status:   {type: string, allowed: [new, paid]}
  "[red]größe[/red]": {type: float, min: 0}
"""
LOOSER = OLD.replace("allowed: [new, paid]", "allowed: [new, paid, shipped]")
TIGHTER = OLD.replace("min: 0}", "min: 1}")
COSMETIC = OLD.replace("contract: orders", "contract: orders\ndescription: nightly export")


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "old.yaml").write_text(OLD, encoding="utf-8")
    return tmp_path / "old.yaml", tmp_path / "new.yaml"


def test_cli_runner_exit_codes_follow_the_policy(pair: tuple[Path, Path]) -> None:
    old, new = pair
    runner = CliRunner()
    new.write_text(TIGHTER, encoding="utf-8")
    assert runner.invoke(app, ["diff", str(old), str(new)]).exit_code == 1
    assert runner.invoke(app, ["diff", str(old), str(new), "--breaking-for", "consumers"]).exit_code == 0
    assert runner.invoke(app, ["diff", str(old), str(new), "--breaking-for", "producers"]).exit_code == 1
    new.write_text(LOOSER, encoding="utf-8")
    assert runner.invoke(app, ["diff", str(old), str(new), "--breaking-for", "producers"]).exit_code == 0
    new.write_text(COSMETIC, encoding="utf-8")
    result = runner.invoke(app, ["diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert "description" in result.output and "no breaking change in 1 contract(s)" in result.output


def test_rich_output_names_position_change_and_prints_user_text_literally(pair: tuple[Path, Path]) -> None:
    old, new = pair
    new.write_text(TIGHTER, encoding="utf-8")
    result = run_subprocess("diff", old.name, new.name, cwd=old.parent, env={**os.environ, "COLUMNS": "200"})
    assert result.exit_code == 1, result.stderr
    assert result.stderr == ""
    assert "BREAKING new.yaml  old.yaml -> new.yaml" in result.stdout
    assert "5:37" in result.stdout and "[red]größe[/red]: min raised from 0 to 1" in result.stdout


def test_json_report_is_written_atomically_with_the_umask(pair: tuple[Path, Path]) -> None:
    old, new = pair
    new.write_text(LOOSER, encoding="utf-8")
    out = old.parent / "diff.json"
    previous = os.umask(0o027)
    try:
        result = run_subprocess("diff", old, new, "--format", "json", "-o", out)
    finally:
        os.umask(previous)
    assert result.exit_code == 1 and result.stdout == "", result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["ok"] is False and report["breaking_for"] == "any"
    (contract,) = report["contracts"]
    (change,) = contract["changes"]
    assert change == {
        "kind": "allowed",
        "column": "status",
        "breaking_for": "consumers",
        "before": ["new", "paid"],
        "after": ["new", "paid", "shipped"],
        "message": "status: allowed grown: 'shipped' now allowed",
        "position": {"file": contract["new"], "line": 4, "column": 28},
    }
    assert not [p for p in old.parent.iterdir() if p.name.startswith(".diff.json.")]


def test_markdown_escapes_user_text(pair: tuple[Path, Path]) -> None:
    old, new = pair
    new.write_text(TIGHTER, encoding="utf-8")
    result = run_subprocess("diff", old, new, "-f", "markdown")
    assert result.exit_code == 1
    assert result.stdout.startswith("### pipecheck diff: 1 of 1 contract(s) have breaking changes")
    assert "| ❌ producers | 5:37 | `min` | \\[red\\]größe\\[/red\\]: min raised from 0 to 1 |" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["only.yaml"], "expected two contract files (OLD NEW), got 1"),
        (["old.yaml", "new.yaml", "--breaking-for", "everyone"], "--breaking-for: expected one of"),
        (["old.yaml", "new.yaml", "--format", "sarif"], "--format: unknown format 'sarif' for diff"),
        (["old.yaml", "missing.yaml"], "missing.yaml: contract file not found"),
        (["old.yaml", "new.yaml", "-o", "nodir/x.json"], "directory nodir does not exist"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(pair: tuple[Path, Path], args: list[str], message: str) -> None:
    old, new = pair
    new.write_text(OLD, encoding="utf-8")
    (old.parent / "only.yaml").write_text(OLD, encoding="utf-8")
    result = run_subprocess("diff", *args, cwd=old.parent)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert message in result.stderr.splitlines()[0], result.stderr
    assert "Traceback" not in result.stderr


def test_an_invalid_contract_on_either_side_is_a_positioned_contract_error(pair: tuple[Path, Path]) -> None:
    old, new = pair
    new.write_text(OLD.replace("type: float", "type: flot"), encoding="utf-8")
    result = run_subprocess("diff", old.name, new.name, cwd=old.parent)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "pipecheck: error: new.yaml:5:30: columns.[red]größe[/red].type: expected one of"
    ), result.stderr
    assert run_subprocess("diff", new.name, old.name, cwd=old.parent).exit_code == 2


# ---------------------------------------------------------------- --git


def _git(*args: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    proc = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return proc.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("needs git")
    root = tmp_path / "project"
    (root / "schemas").mkdir(parents=True)
    _git("init", "--quiet", cwd=root)
    (root / "schemas" / "orders.yaml").write_text(OLD, encoding="utf-8")
    _git("add", ".", cwd=root)
    _git("commit", "--quiet", "-m", "contract", cwd=root)
    return root


def test_git_compares_the_working_file_with_the_committed_one(repo: Path) -> None:
    contract = repo / "schemas" / "orders.yaml"
    assert run_subprocess("diff", "--git", "HEAD", "schemas/orders.yaml", cwd=repo).exit_code == 0
    contract.write_text(TIGHTER, encoding="utf-8")
    result = run_subprocess("diff", "--git", "HEAD", "schemas/orders.yaml", "-f", "json", cwd=repo)
    assert result.exit_code == 1, result.stderr
    (diff,) = json.loads(result.stdout)["contracts"]
    assert diff["old"] == "HEAD:schemas/orders.yaml" and diff["new"] == "schemas/orders.yaml"
    assert [c["kind"] for c in diff["changes"]] == ["min"]
    # from another directory, and with the file named by an absolute path
    elsewhere = run_subprocess("diff", "--git", "HEAD", contract, cwd=repo.parent)
    assert elsewhere.exit_code == 1, elsewhere.stderr


def test_git_a_contract_missing_at_the_revision_is_new_and_breaks_no_one(repo: Path) -> None:
    (repo / "schemas" / "refunds.yaml").write_text(OLD, encoding="utf-8")
    result = run_subprocess("diff", "--git", "HEAD", "schemas/refunds.yaml", "schemas/orders.yaml", cwd=repo)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "OK schemas/refunds.yaml  new contract" in result.stdout


def test_git_an_invalid_committed_contract_is_reported_at_its_revision(repo: Path) -> None:
    (repo / "schemas" / "orders.yaml").write_text("contract: x\ncolumns: {a: {type: nope}}\n", encoding="utf-8")
    _git("commit", "--quiet", "-am", "broken", cwd=repo)
    (repo / "schemas" / "orders.yaml").write_text(OLD, encoding="utf-8")
    result = run_subprocess("diff", "--git", "HEAD", "schemas/orders.yaml", cwd=repo)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "pipecheck: error: HEAD:schemas/orders.yaml:2:21: columns.a.type: expected one of"
    ), result.stderr


def test_git_errors_are_one_line(repo: Path, tmp_path: Path) -> None:
    unknown = run_subprocess("diff", "--git", "no-such-ref", "schemas/orders.yaml", cwd=repo)
    assert unknown.exit_code == 2
    assert unknown.stderr.splitlines()[0] == "pipecheck: error: --git no-such-ref: no such revision"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "c.yaml").write_text(OLD, encoding="utf-8")
    result = run_subprocess("diff", "--git", "HEAD", "c.yaml", cwd=outside)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith("pipecheck: error: c.yaml: not in a git work tree")
    assert run_subprocess("diff", "--git", "HEAD", cwd=repo).exit_code == 2
    option = run_subprocess("diff", "--git", "--output=x", "schemas/orders.yaml", cwd=repo)
    assert option.exit_code == 2 and "Traceback" not in option.stderr


def test_git_head_before_the_first_commit_means_every_contract_is_new(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("needs git")
    _git("init", "--quiet", cwd=tmp_path)
    (tmp_path / "c.yaml").write_text(OLD, encoding="utf-8")
    result = run_subprocess("diff", "--git", "HEAD", "c.yaml", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "new contract" in result.stdout
    assert run_subprocess("diff", "--git", "main~1", "c.yaml", cwd=tmp_path).exit_code == 2


def test_git_a_renamed_contract_is_compared_with_its_old_path(repo: Path) -> None:
    """`git mv` and a tightening: the rename must not pass as a new contract that breaks no one."""
    _git("mv", "schemas/orders.yaml", "schemas/orders v2.yaml", cwd=repo)
    (repo / "schemas" / "orders v2.yaml").write_text(TIGHTER, encoding="utf-8")
    result = run_subprocess("diff", "--git", "HEAD", "orders v2.yaml", "-f", "json", cwd=repo / "schemas")
    assert result.exit_code == 1, result.stdout + result.stderr
    (diff,) = json.loads(result.stdout)["contracts"]
    assert diff["old"] == "HEAD:schemas/orders.yaml" and diff["new"] == "orders v2.yaml"
    assert [c["kind"] for c in diff["changes"]] == ["min"]
    assert diff["changes"][0]["position"]["file"] == "orders v2.yaml"


def test_git_a_symlinked_contract_is_compared_with_its_target_s_committed_version(repo: Path) -> None:
    """git stores a symlink as the target's name: reading that blob as the old contract was an error."""
    (repo / "current.yaml").symlink_to("schemas/orders.yaml")
    _git("add", "current.yaml", cwd=repo)
    _git("commit", "--quiet", "-m", "link", cwd=repo)
    (repo / "schemas" / "orders.yaml").write_text(TIGHTER, encoding="utf-8")
    result = CliRunner().invoke(app, ["diff", "--git", "HEAD", str(repo / "current.yaml"), "-f", "json"])
    assert result.exit_code == 1, result.output
    (diff,) = json.loads(result.stdout)["contracts"]
    assert [c["kind"] for c in diff["changes"]] == ["min"]


def test_a_contract_from_a_pipe_is_read_once(tmp_path: Path) -> None:
    """`pipecheck diff <(git show main:c.yaml) c.yaml`: a second read of the pipe found it empty."""
    (tmp_path / "pipes").mkdir()
    (tmp_path / "work").mkdir()
    fifo = tmp_path / "pipes" / "old.fifo"
    os.mkfifo(fifo)
    (tmp_path / "new.yaml").write_text(TIGHTER, encoding="utf-8")

    def feed() -> None:
        with open(fifo, "w", encoding="utf-8") as pipe:
            pipe.write(OLD)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    result = run_subprocess("diff", fifo, tmp_path / "new.yaml", "-f", "json", cwd=tmp_path / "work")
    writer.join(timeout=10)
    assert result.exit_code == 1, result.stderr
    (diff,) = json.loads(result.stdout)["contracts"]
    assert diff["old"] == str(fifo)  # outside the working directory: as given, not ../../
    assert [c["kind"] for c in diff["changes"]] == ["min"]
