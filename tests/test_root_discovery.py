"""Where the project root is: the nearest pipecheck.yaml, [tool.pipecheck], schemas/ folder or git root,
walking up from the working directory; relative schemas and globs are relative to that root."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipecheck.cli import app
from pipecheck.config import find_root
from tests.conftest import Result, run_subprocess

Write = Callable[[str, str | bytes], Path]
BAD = "id\n0\n-1\n"
CONTRACT = 'contract: ids\nmatch: ["data/**/*.csv"]\ncolumns:\n  id: {type: integer, min: 1}\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    if find_root(tmp_path.parent) is not None:
        pytest.skip(f"a project marker above the temp dir: {find_root(tmp_path.parent)}")
    return tmp_path.resolve()


def invoke(cwd: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    """CliRunner in `cwd`, through the app (Typer's runner, not the console entry point)."""
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(app, list(args))
    return Result(result.exit_code, result.stdout, result.stderr)


def in_process(cwd: Path, *args: str) -> Result:
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"} | {"NO_COLOR": "1"}
    return run_subprocess(*args, cwd=cwd, env=env)


def both(cwd: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> list[Result]:
    return [invoke(cwd, monkeypatch, *args), in_process(cwd, *args)]


def test_a_schemas_folder_alone_marks_the_root_from_a_subdirectory(
    write: Write, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("schemas/ids.yaml", CONTRACT)
    write("data/2024/ids.csv", BAD)
    for result in both(project / "data" / "2024", monkeypatch, "validate", "ids.csv", "--format", "json"):
        assert result.exit_code == 1, result.stderr
        (file,) = json.loads(result.stdout)["files"]
        assert file["path"] == "ids.csv" and file["findings"][0]["count"] == 2
        assert Path(project / "data" / "2024" / file["contract"]).resolve() == project / "schemas" / "ids.yaml"
    for result in both(project / "data", monkeypatch, "lint"):
        assert result.exit_code == 0 and result.stdout.strip() == "1 contract(s) valid", result.stderr
    shown = invoke(project / "data", monkeypatch, "config").stdout
    assert f"root          {project}    [nearest schemas/ folder]" in shown


def git_init(folder: Path) -> None:
    subprocess.run(["git", "init", "-q", str(folder)], check=True, capture_output=True)


def test_a_git_root_is_the_root_and_stops_the_walk(
    write: Write, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An outer schemas/ folder is not used from inside a repository nested below it."""
    write("schemas/ids.yaml", CONTRACT.replace("min: 1", "min: -100"))
    repo = project / "repo"
    git_init(repo)
    write("repo/contracts/ids.yaml", CONTRACT)
    write("repo/data/x/ids.csv", BAD)
    cwd = repo / "data" / "x"
    for result in both(cwd, monkeypatch, "validate", "ids.csv"):
        assert result.exit_code == 2
        assert f"{repo / 'schemas'}: schemas directory not found (project root {repo}, the nearest git root)" in (
            result.stderr
        )
        assert "create " in result.stderr and "--contract" in result.stderr
    # the git root still anchors match: globs when the contracts are elsewhere
    for result in both(cwd, monkeypatch, "validate", "ids.csv", "--schemas", "../../contracts", "--format", "json"):
        assert result.exit_code == 1, result.stderr
        assert json.loads(result.stdout)["files"][0]["findings"][0]["count"] == 2


def test_the_nearest_marker_wins_over_a_config_file_further_up(
    write: Write, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("pipecheck.yaml", "max_examples: 1\nschemas: contracts\n")
    write("team/schemas/ids.yaml", CONTRACT)
    write("team/data/ids.csv", BAD)
    for result in both(project / "team" / "data", monkeypatch, "validate", "ids.csv", "--format", "json"):
        (file,) = json.loads(result.stdout)["files"]
        assert len(file["findings"][0]["examples"]) == 2, "the outer pipecheck.yaml is not read"
    shown = invoke(project / "team", monkeypatch, "config").stdout
    assert f"root          {project / 'team'}    [nearest schemas/ folder]" in shown
    assert "config_file   (none)" in shown


def test_nothing_found_names_the_directory_searched_and_what_to_create(
    write: Write, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("work/a.csv", BAD)
    cwd = project / "work"
    for args in (("validate", "a.csv"), ("lint",)):
        for result in both(cwd, monkeypatch, *args):
            assert result.exit_code == 2 and result.stdout == ""
            line, hint = result.stderr.splitlines()
            assert line == (
                f"pipecheck: error: no project root found: no folder from {cwd} up holds a pipecheck.yaml, "
                "a pyproject.toml with [tool.pipecheck], a schemas/ folder or a git repository"
            )
            assert hint.startswith("  hint: create schemas/ with your contracts")
    assert invoke(cwd, monkeypatch, "validate", "a.csv", "-c", "missing.yaml").exit_code == 2
    write("c.yaml", CONTRACT)
    assert invoke(cwd, monkeypatch, "validate", "a.csv", "-c", "../c.yaml").exit_code == 1, "--contract needs no root"


def test_a_file_in_another_project_is_outside_this_root(
    write: Write, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Discovery starts from the working directory, so ../other/data.csv is another project's file."""
    write("app/schemas/ids.yaml", CONTRACT.replace("data/**/*.csv", "**/*.csv"))
    write("other/schemas/ids.yaml", CONTRACT)
    write("other/data/ids.csv", BAD)
    for result in both(project / "app", monkeypatch, "validate", "../other/data/ids.csv"):
        assert result.exit_code == 2
        assert "../other/data/ids.csv: no contract matches this file: it is outside the project root" in result.stderr
        assert str(project / "app") in result.stderr and "--contract" in result.stderr
    assert in_process(project / "other", "validate", "data/ids.csv").exit_code == 1


def test_a_pipecheck_yaml_that_is_a_directory_is_a_config_error_not_skipped(
    write: Write, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "pipecheck.yaml").mkdir()
    write("schemas/ids.yaml", CONTRACT)
    write("data/ids.csv", BAD)
    for result in both(project / "data", monkeypatch, "config"):
        assert result.exit_code == 2, result.stdout
        assert (
            result.stderr.splitlines()[0]
            == f"pipecheck: error: {project / 'pipecheck.yaml'}: is a directory, not a config file"
        )
    (project / "pipecheck.yaml").rmdir()
    (project / "pyproject.toml").mkdir()
    for result in both(project / "data", monkeypatch, "validate", "ids.csv"):
        assert result.exit_code == 2 and "pyproject.toml: is a directory" in result.stderr, result.stderr


def test_a_deleted_working_directory_is_one_line_not_an_internal_error(write: Write, project: Path) -> None:
    data = write("ids.csv", BAD)
    contract = write("c.yaml", CONTRACT)
    gone = project / "gone"
    gone.mkdir()
    script = (
        "import os, sys; os.chdir(sys.argv[1]); os.rmdir(sys.argv[1]); from pipecheck.cli import main; "
        "sys.exit(main(sys.argv[2:]))"
    )
    for args in (["validate", str(data), "-c", str(contract)], ["lint"], ["config"]):
        process = subprocess.run(
            [sys.executable, "-c", script, str(gone), *args], capture_output=True, text=True, check=False, timeout=60
        )
        assert process.returncode == 2, process.stderr
        assert process.stderr.splitlines() == [
            "pipecheck: error: the working directory no longer exists (it was deleted or moved)",
            "  hint: cd to an existing folder and run pipecheck again",
        ]
        gone.mkdir()
