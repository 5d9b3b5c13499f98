"""The sarif format: valid against the official SARIF 2.1.0 schema, one result per finding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from pipecheck.findings import Example, FileReport, Finding, RunReport
from pipecheck.reporters import RenderContext
from pipecheck.reporters.sarif import artifact_location, render

SCHEMA = Path(__file__).resolve().parents[2].parent / "shared" / "schemas" / "sarif-2.1.0.json"


@pytest.fixture(scope="module")
def sarif_validator() -> Draft4Validator:
    if not SCHEMA.is_file():
        pytest.skip(f"the official SARIF schema is not at {SCHEMA} (the ../shared checkout is missing)")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def assert_valid_sarif(text: str, validator: Draft4Validator) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(text)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert not errors, errors
    return log


def test_output_is_valid_against_the_official_schema(run_report: RunReport, sarif_validator: Draft4Validator) -> None:
    log = assert_valid_sarif(render(run_report, RenderContext()), sarif_validator)
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1


def test_empty_and_versionless_reports_are_valid(sarif_validator: Draft4Validator) -> None:
    log = assert_valid_sarif(render(RunReport(), RenderContext()), sarif_validator)
    assert log["runs"][0]["results"] == []
    assert "version" not in log["runs"][0]["tool"]["driver"]


def test_driver_has_one_rule_per_check_used(run_report: RunReport) -> None:
    driver = json.loads(render(run_report, RenderContext()))["runs"][0]["tool"]["driver"]
    assert driver["name"] == "pipecheck"
    assert driver["version"] == "0.1.0"
    assert [r["id"] for r in driver["rules"]] == ["min", "pattern", "unreadable", "allowed", "extra_column"]
    assert all(r["shortDescription"]["text"] for r in driver["rules"])


def test_one_result_per_finding_with_level_message_and_location(run_report: RunReport) -> None:
    run = json.loads(render(run_report, RenderContext()))["runs"][0]
    results = run["results"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["ruleId"] for r in results] == ["min", "pattern", "unreadable", "allowed", "extra_column"]
    assert [r["level"] for r in results] == ["error", "warning", "error", "error", "error"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    for result in results:
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact == {"uri": "data/q1%2C%20final%3A%20100%25.csv", "uriBaseId": "%SRCROOT%"}
    min_result = results[0]
    assert min_result["locations"][0]["physicalLocation"]["region"] == {"startLine": 10}
    assert min_result["message"]["text"] == "amount must be >= 0 (3 occurrence(s); first: row 9, line 10: '-5')"
    assert "region" not in results[2]["locations"][0]["physicalLocation"]  # unreadable: no line
    assert results[1]["message"]["text"].endswith("Hint: use *lower* case")


def test_all_examples_are_in_the_result_properties(run_report: RunReport) -> None:
    results = json.loads(render(run_report, RenderContext()))["runs"][0]["results"]
    properties = results[0]["properties"]
    assert properties["count"] == 3
    assert properties["column"] == "amount"
    assert [e["value"] for e in properties["examples"]] == ["-5", "a|b,c:d", "50% <off> & more"]
    assert results[1]["properties"]["examples"][0] == {"row": 3, "line": 4, "value": "line1\nline2\r\nline3"}
    assert results[2]["properties"]["examples"] == []


def test_fingerprints_identify_a_finding_by_file_check_and_column(run_report: RunReport) -> None:
    results = json.loads(render(run_report, RenderContext()))["runs"][0]["results"]
    fingerprints = [r["partialFingerprints"]["pipecheckFinding/v1"] for r in results]
    assert len(set(fingerprints)) == len(fingerprints)
    moved = Finding("min", "amount must be >= 0", column="amount", examples=[Example(row=99, line=100, value="-1")])
    other = RunReport(files=[FileReport(run_report.files[1].path, None, findings=[moved])])
    (result,) = json.loads(render(other, RenderContext()))["runs"][0]["results"]
    assert result["partialFingerprints"] == results[0]["partialFingerprints"]


def test_paths_become_uris() -> None:
    assert artifact_location("data/orders.csv") == {"uri": "data/orders.csv", "uriBaseId": "%SRCROOT%"}
    assert artifact_location("./data//a b#1.csv") == {"uri": "data/a%20b%231.csv", "uriBaseId": "%SRCROOT%"}
    assert artifact_location("/tmp/x y.csv") == {"uri": "file:///tmp/x%20y.csv"}


def test_undecodable_path_bytes_are_percent_encoded(sarif_validator: Draft4Validator) -> None:
    report = RunReport(files=[FileReport("data/caf\udce9.csv", None, findings=[Finding("unreadable", "x")])])
    log = assert_valid_sarif(render(report, RenderContext()), sarif_validator)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "data/caf%E9.csv"
