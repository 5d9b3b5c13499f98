"""Under --quarantine / --max-invalid, the CI formats tell the same verdict as the exit code.

A file within its tolerance of invalid rows passes (exit 0): JUnit must then show no failure
(viewers fail the build on one) and SARIF marks its results suppressed; over it, or rejected,
JUnit fails. Through the real CLI, read back with junitparser and checked against the SARIF schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from junitparser import Failure, JUnitXml, Skipped

from tests.conftest import Result
from tests.reporters.test_reporters_cli import SARIF_SCHEMA

Cli = Callable[..., Result]
CONTRACT = "contract: t\ncolumns:\n  id: {type: integer}\n  name: {type: string}\n"
DATA = "id,name\n1,a\nx,b\n3,c\n4,d\n"  # one invalid row of four
MISSING_COLUMN = "id\n1\n2\n"  # rejected as a whole: no row accounts for it


def _files(tmp_path: Path, data: str) -> tuple[Path, Path]:
    (tmp_path / "in.csv").write_text(data, encoding="utf-8")
    (tmp_path / "c.yaml").write_text(CONTRACT, encoding="utf-8")
    return tmp_path / "in.csv", tmp_path / "c.yaml"


def _junit(cli: Cli, tmp_path: Path, data: str, *flags: str) -> tuple[int, JUnitXml]:
    source, contract = _files(tmp_path, data)
    out = tmp_path / "report.xml"
    result = cli("validate", source, "-c", contract, "-f", f"junit:{out}", *flags)
    xml = JUnitXml.fromfile(str(out))
    assert isinstance(xml, JUnitXml)
    return result.exit_code, xml


@pytest.mark.parametrize(
    ("data", "flags", "exit_code"),
    [
        (DATA, ("--max-invalid", "50%"), 0),
        (DATA, ("--max-invalid", "1"), 0),
        (DATA, ("--max-invalid", "0"), 1),
        (MISSING_COLUMN, ("--max-invalid", "50%"), 1),
        (DATA, ("--quarantine", "q"), 1),
        (DATA, ("--quarantine", "q", "--max-invalid", "25%"), 0),
    ],
)
def test_junit_failures_match_the_exit_code(
    cli: Cli, tmp_path: Path, data: str, flags: tuple[str, ...], exit_code: int
) -> None:
    flags = tuple(str(tmp_path / f) if f == "q" else f for f in flags)
    code, xml = _junit(cli, tmp_path, data, *flags)
    assert code == exit_code
    assert (xml.failures > 0) == (code == 1)
    (suite,) = xml
    cases = {case.name: case for case in suite}
    assert "contract holds" not in cases or not xml.failures
    if "--max-invalid" in flags:
        quarantine = cases["quarantine"]
        assert any(isinstance(r, Failure) for r in quarantine.result) == (code == 1)


def test_a_file_within_its_tolerance_lists_its_findings_as_tolerated(cli: Cli, tmp_path: Path) -> None:
    code, xml = _junit(cli, tmp_path, DATA, "--quarantine", str(tmp_path / "q"), "--max-invalid", "1")
    assert code == 0
    (suite,) = xml
    properties = {p.name: p.value for p in suite.properties()}
    assert properties["quarantine_valid"] == "3" and properties["quarantine_invalid"] == "1"
    assert properties["quarantine_invalid_path"].endswith("in.invalid.csv")
    assert properties["max_invalid"] == "1" and properties["max_invalid_allowed"] == "1"
    (finding,) = [case for case in suite if case.name == "type id"]
    (skipped,) = finding.result
    assert isinstance(skipped, Skipped)
    assert skipped.message.startswith("tolerated (within --max-invalid 1): id must be an integer")
    system_out = suite._elem.find("system-out")  # junitparser reads it on testcases only
    assert system_out is not None and "within --max-invalid 1" in (system_out.text or "")


def test_sarif_suppresses_results_only_within_the_tolerance(cli: Cli, tmp_path: Path) -> None:
    source, contract = _files(tmp_path, DATA)
    for tolerance, code, suppressed in (("1", 0, True), ("0", 1, False)):
        out = tmp_path / f"report-{tolerance}.sarif"
        result = cli("validate", source, "-c", contract, "-f", f"sarif:{out}", "--max-invalid", tolerance)
        assert result.exit_code == code
        log = json.loads(out.read_text(encoding="utf-8"))
        (run,) = log["runs"]
        (found,) = run["results"]
        assert ("suppressions" in found) == suppressed
        if suppressed:
            assert found["suppressions"][0]["kind"] == "external"
            assert found["suppressions"][0]["justification"].startswith("within --max-invalid 1")
        (summary,) = run["properties"]["files"]
        assert summary["ok"] == (code == 0)
        assert summary["quarantine"]["invalid"] == 1 and summary["quarantine"]["within"] == suppressed
        if SARIF_SCHEMA.is_file():
            schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
            assert not [e.message for e in Draft4Validator(schema).iter_errors(log)]
