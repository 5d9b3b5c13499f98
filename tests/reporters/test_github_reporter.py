"""The github format: workflow-command lines, GitHub's escaping, and the step summary side effect."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipecheck.findings import Example, FileReport, Finding, RunReport
from pipecheck.output import Target, emit
from pipecheck.reporters import RenderContext
from pipecheck.reporters.github import escape_data, escape_property, render

COMMAND = re.compile(r"^::(?P<command>\w+) (?P<properties>[^:]*)::(?P<message>.*)$")


def _unescape(text: str) -> str:
    """The runner's unescaping (ActionCommand.cs): the inverse of escape_property/escape_data."""
    for escaped, raw in (("%3A", ":"), ("%2C", ","), ("%0A", "\n"), ("%0D", "\r"), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


def _parse(line: str) -> tuple[str, dict[str, str], str]:
    match = COMMAND.match(line)
    assert match, line
    properties = dict(item.split("=", 1) for item in match["properties"].split(","))
    return match["command"], {k: _unescape(v) for k, v in properties.items()}, _unescape(match["message"])


def test_small_report_renders_exact_lines() -> None:
    report = RunReport(
        files=[
            FileReport(
                "data/orders.csv",
                "schemas/orders.yaml",
                findings=[
                    Finding(
                        "min",
                        "amount must be >= 0",
                        column="amount",
                        count=2,
                        examples=[Example(row=9, line=10, value="-5.0"), Example(row=11, line=12, value="-1")],
                    ),
                    Finding("extra_column", "column 'coupon' is not in the contract", "warning", column="coupon"),
                ],
            ),
            FileReport("data/more.csv", "schemas/orders.yaml"),
        ]
    )
    assert render(report, RenderContext()).splitlines() == [
        "::error file=data/orders.csv,line=10,title=pipecheck min (amount)::amount must be >= 0"
        "%0A2 occurrence(s); first examples: row 9, line 10: '-5.0'; row 11, line 12: '-1'",
        "::warning file=data/orders.csv,title=pipecheck extra_column (coupon)::column 'coupon' is not in the contract"
        "%0A1 occurrence(s)",
        "pipecheck: 1 of 2 file(s) violate their contract",
    ]


def test_passing_report_prints_only_the_summary_line() -> None:
    report = RunReport(files=[FileReport("data/orders.csv", "schemas/orders.yaml")])
    assert render(report, RenderContext()) == "pipecheck: 1 file(s) hold their contract\n"


def test_escaping_follows_the_runner_rules() -> None:
    assert escape_data("100% a:b, c\r\nd") == "100%25 a:b, c%0D%0Ad"
    assert escape_property("100% a:b, c\r\nd") == "100%25 a%3Ab%2C c%0D%0Ad"
    assert escape_data("%0A") == "%250A"  # an already-escaped look-alike stays literal


def test_one_command_line_per_finding_and_hostile_text_round_trips(run_report: RunReport) -> None:
    failing = run_report.files[1]
    lines = render(run_report, RenderContext()).splitlines()
    assert len(lines) == len(failing.findings) + 1
    assert lines[-1] == "pipecheck: 1 of 2 file(s) violate their contract"
    parsed = [_parse(line) for line in lines[:-1]]
    assert [command for command, _, _ in parsed] == ["error", "warning", "error", "error", "error"]
    for (_, properties, message), finding in zip(parsed, failing.findings, strict=True):
        assert properties["file"] == failing.path
        expected_title = f"pipecheck {finding.check}" + (f" ({finding.column})" if finding.column else "")
        assert properties["title"] == expected_title
        assert message.startswith(finding.message)
        assert f"{finding.count} occurrence(s)" in message
        if finding.examples:
            assert properties["line"] == str(finding.examples[0].line)
        else:
            assert "line" not in properties
    # values are shown as Python literals: one line, quotes visible, nothing interpreted
    _, _, min_message = parsed[0]
    assert "row 12, line 14: 'a|b,c:d'" in min_message
    assert "'50% <off> & more'" in min_message
    _, _, pattern_message = parsed[1]
    assert r"'line1\nline2\r\nline3'" in pattern_message
    assert "'[red]x[/red]'" in pattern_message
    assert pattern_message.endswith("hint: use *lower* case")
    _, properties, _ = parsed[3]
    assert properties["title"] == "pipecheck allowed (sta|tus`)"


def test_only_the_first_three_examples_are_in_the_message() -> None:
    finding = Finding(
        "min", "x must be >= 0", column="x", count=9, examples=[Example(row=i, line=i + 1) for i in range(5)]
    )
    report = RunReport(files=[FileReport("d.csv", None, findings=[finding])])
    _, _, message = _parse(render(report, RenderContext()).splitlines()[0])
    assert "row 2, line 3" in message
    assert "row 3" not in message


def test_step_summary_is_appended_when_the_variable_is_set(
    run_report: RunReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("## an earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    emit(run_report, [Target("github", None)], color=False, quiet=False)
    first = summary.read_text(encoding="utf-8")
    emit(run_report, [Target("github", None)], color=False, quiet=False)
    second = summary.read_text(encoding="utf-8")

    assert first.startswith("## an earlier step\n\n### pipecheck: 1 of 2 file(s) violate their contract")
    assert "| file | contract | rows | result | errors | warnings |" in first
    assert second.startswith(first)
    assert second.count("### pipecheck:") == 2
    stdout = capsys.readouterr().out
    assert stdout.count("::error ") == 2 * 4
    assert "| file |" not in stdout  # the summary goes to the file only


def test_step_summary_is_written_when_github_goes_to_a_file(
    run_report: RunReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    emit(run_report, [Target("github", tmp_path / "annotations.txt")], color=False, quiet=False)
    assert summary.read_text(encoding="utf-8").startswith("### pipecheck:")
    assert (tmp_path / "annotations.txt").read_text(encoding="utf-8").startswith("::error ")


def test_no_step_summary_without_the_variable_or_for_other_formats(
    run_report: RunReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    emit(run_report, [Target("github", None)], color=False, quiet=False)  # variable unset by conftest
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    emit(run_report, [Target("json", None)], color=False, quiet=False)
    assert not summary.exists()
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", "")
    emit(run_report, [Target("github", None)], color=False, quiet=False)
    assert not summary.exists()
    capsys.readouterr()


def test_unwritable_step_summary_is_a_warning_not_a_failure(
    run_report: RunReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "missing" / "summary.md"))
    emit(run_report, [Target("github", None)], color=False, quiet=False)
    out, err = capsys.readouterr()
    assert out.startswith("::error ")
    assert "warning: cannot append to $GITHUB_STEP_SUMMARY" in err


def test_a_file_s_header_findings_are_one_annotation_per_severity_on_the_header_line() -> None:
    report = RunReport(
        files=[
            FileReport(
                "d.csv",
                "c.yaml",
                findings=[
                    Finding("missing_column", "required column 'a' is missing", column="a", scope="header"),
                    Finding("missing_column", "required column 'b' is missing", column="b", scope="header"),
                    Finding("extra_column", "column 'z' is not in the contract", "warning", column="z", scope="header"),
                    Finding("min", "n must be >= 0", column="n", examples=[Example(row=1, line=2, value="-1")]),
                ],
            )
        ]
    )
    lines = render(report, RenderContext()).splitlines()
    assert lines[0] == (
        "::error file=d.csv,line=1,title=pipecheck header (2 problems)::"
        "missing_column: required column 'a' is missing%0Amissing_column: required column 'b' is missing"
    )
    assert lines[1].startswith("::warning file=d.csv,line=1,title=pipecheck extra_column (z)::")
    assert lines[2].startswith("::error file=d.csv,line=2,title=pipecheck min (n)::")
    assert len(lines) == 4


def test_header_findings_from_the_engine_are_marked_header(tmp_path: Path) -> None:
    from pipecheck.compile import compile_contract
    from pipecheck.contract.loader import parse_contract
    from pipecheck.engine import Options, validate_file

    path = tmp_path / "d.csv"
    path.write_text("x,y\n1,2\n", encoding="utf-8")
    contract = parse_contract("contract: c\ncolumns:\n  a: {type: integer}\n  b: {type: integer}\n")
    report = validate_file(path, "d.csv", compile_contract(contract), "c.yaml", Options())
    assert {f.scope for f in report.findings} == {"header"}
    (annotation, _summary) = render(RunReport(files=[report]), RenderContext()).splitlines()
    assert "title=pipecheck header (4 problems)" in annotation and "line=1" in annotation
