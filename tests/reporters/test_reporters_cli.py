"""Each report format end to end through the real CLI, in-process, on the bundled bad sample."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from junitparser import JUnitXml
from markdown_it import MarkdownIt

from tests.conftest import Result

BAD = "sample_data/orders_bad.csv"
SARIF_SCHEMA = Path(__file__).resolve().parents[2].parent / "shared" / "schemas" / "sarif-2.1.0.json"
Cli = Callable[..., Result]


def _junit(path: Path) -> None:
    xml = JUnitXml.fromfile(str(path))
    assert isinstance(xml, JUnitXml)
    (suite,) = xml
    assert suite.name == BAD
    assert suite.failures > 0
    assert xml.failures == suite.failures


def _sarif(path: Path) -> None:
    log = json.loads(path.read_text(encoding="utf-8"))
    (run,) = log["runs"]
    assert run["results"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]} == {BAD}
    if SARIF_SCHEMA.is_file():
        schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
        errors = [e.message for e in Draft4Validator(schema).iter_errors(log)]
        assert not errors, errors


def _markdown(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("### pipecheck: 1 of 1 file(s) violate their contract")
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert html.count("<table>") == 2


def _github(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[-1] == "pipecheck: 1 of 1 file(s) violate their contract"
    assert lines[:-1]
    assert all(line.startswith((f"::error file={BAD},", f"::warning file={BAD},")) for line in lines[:-1])


CHECKS = {"junit": _junit, "sarif": _sarif, "markdown": _markdown, "github": _github}


@pytest.mark.parametrize("fmt", sorted(CHECKS))
def test_format_written_to_a_file_through_the_cli(fmt: str, cli: Cli, root: Path, tmp_path: Path) -> None:
    report = tmp_path / f"report.{fmt}"
    result = cli("validate", BAD, "--format", f"{fmt}:{report}", cwd=root)
    assert result.exit_code == 1, result.stderr
    assert result.stdout == ""
    CHECKS[fmt](report)


@pytest.mark.parametrize("fmt", sorted(CHECKS))
def test_format_on_stdout_through_the_cli(fmt: str, cli: Cli, root: Path, tmp_path: Path) -> None:
    result = cli("validate", BAD, "--format", fmt, cwd=root)
    assert result.exit_code == 1, result.stderr
    (tmp_path / "stdout").write_text(result.stdout, encoding="utf-8")
    CHECKS[fmt](tmp_path / "stdout")


def test_several_formats_in_one_run(cli: Cli, root: Path, tmp_path: Path) -> None:
    junit, sarif = tmp_path / "r.xml", tmp_path / "r.sarif"
    result = cli(
        "validate", BAD, "--no-color", "--format", "rich", "--format", f"junit:{junit}", "--format", f"sarif:{sarif}",
        cwd=root,
    )  # fmt: skip
    assert result.exit_code == 1, result.stderr
    assert f"FAIL {BAD}" in result.stdout
    assert "1 of 1 file(s) violate their contract" in result.stdout
    _junit(junit)
    _sarif(sarif)


def test_github_in_actions_appends_the_step_summary(
    cli: Cli, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    for _ in range(2):
        result = cli("validate", BAD, "--format", "github", cwd=root)
        assert result.exit_code == 1, result.stderr
        assert result.stdout.startswith(f"::error file={BAD},")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n\n### pipecheck:")
    assert text.count("### pipecheck: 1 of 1 file(s) violate their contract") == 2
