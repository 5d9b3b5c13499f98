"""SARIF 2.1.0 for code-scanning tools (GitHub code scanning, Azure DevOps, VS Code SARIF viewer).

One run; ``tool.driver`` is pipecheck with one rule per check name that occurs (id = the check
name, e.g. ``min``). One result per finding: ``ruleId``, ``level`` (error/warning),
``message.text`` (the message, count, first example and hint) and one location: the data file
as a relative URI with forward slashes under ``%SRCROOT%`` (an absolute path becomes a
``file://`` URI; for a dataset directory, the member file of the first example) and
``region.startLine`` from the first example that has a line. A finding
without a line (a header problem in Parquet, an unreadable file) has no region: viewers show
it on the file. The result's properties carry the column, count and every example;
``partialFingerprints`` identify a finding by file, check and column, so a code-scanning
alert survives its offending row moving. Under a tolerance of invalid rows (``--max-invalid``)
that the file is within, its failing results carry an external ``suppressions`` entry saying
so; each file's summary in the run's properties holds its quarantine counts and paths.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from pipecheck.findings import FileReport, Finding, RunReport
from pipecheck.reporters import RenderContext

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
VALUE_CHARS = 60


def render(report: RunReport, context: RenderContext) -> str:
    rule_ids: list[str] = []
    results: list[dict[str, Any]] = []
    for file in report.files:
        for finding in file.findings:
            if finding.check not in rule_ids:
                rule_ids.append(finding.check)
            results.append(_result(file, finding, rule_ids.index(finding.check)))
    driver: dict[str, Any] = {"name": "pipecheck"}
    if report.version:
        driver["version"] = report.version
        driver["semanticVersion"] = report.version
    driver["rules"] = [_rule(check, report.descriptions) for check in rule_ids]
    run = {
        "tool": {"driver": driver},
        "invocations": [{"executionSuccessful": True, "properties": {"ok": report.ok, "failOn": report.fail_on}}],
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The directory pipecheck ran in."}}},
        "results": results,
        "properties": {"files": [_file_summary(file) for file in report.files]},
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rule(check: str, descriptions: dict[str, str]) -> dict[str, Any]:
    return {
        "id": check,
        "name": check,
        "shortDescription": {"text": descriptions.get(check, f"pipecheck check {check!r} failed.")},
    }


def _result(file: FileReport, finding: Finding, rule_index: int) -> dict[str, Any]:
    member, line = finding.anchor()  # a dataset's finding is located in the member file of its first example
    physical: dict[str, Any] = {"artifactLocation": artifact_location(file.path_of(member))}
    if line is not None and line >= 1:
        physical["region"] = {"startLine": line}
    properties: dict[str, Any] = {
        "column": finding.column,
        "count": finding.count,
        "severity": finding.severity,
        "examples": [e.to_dict() for e in finding.examples],
    }
    if finding.hint:
        properties["hint"] = finding.hint
    if finding.metric is not None:  # drift: the statistic, its value and the threshold it reached
        properties.update(metric=finding.metric, value=finding.value, threshold=finding.threshold)
    if file.contract is not None:
        properties["contract"] = file.contract
    identity = "\x00".join((PurePath(file.path).as_posix(), finding.check, finding.column or ""))
    if finding.metric is not None:  # one column may drift by several statistics: one alert each
        identity += "\x00" + finding.metric
    result: dict[str, Any] = {
        "ruleId": finding.check,
        "ruleIndex": rule_index,
        "level": "error" if finding.severity == "error" else "warning",
        "message": {"text": _message(finding)},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {"pipecheckFinding/v1": hashlib.sha256(identity.encode("utf-8", "replace")).hexdigest()},
        "properties": properties,
    }
    quarantine = file.quarantine
    if quarantine is not None and quarantine.max_invalid is not None and file.ok and finding.fails(file.fail_on):
        # the file passes: its invalid rows are within the tolerance, set outside the data
        justification = f"within --max-invalid {quarantine.max_invalid}: {quarantine.summary()}"
        result["suppressions"] = [{"kind": "external", "justification": justification}]
    return result


def _message(finding: Finding) -> str:
    text = finding.message
    if finding.column is not None and finding.column not in text:
        text = f"{finding.column}: {text}"
    text += f" ({finding.count:,} occurrence(s)"
    if finding.examples:
        text += f"; first: {finding.examples[0].summary(VALUE_CHARS)}"
    text += ")"
    if finding.hint:
        text += f". Hint: {finding.hint}"
    return text


def artifact_location(path: str) -> dict[str, str]:
    """A file path as a SARIF artifactLocation: relative URIs under %SRCROOT%, absolute as file://."""
    pure = PurePath(path)
    if pure.is_absolute():
        return {"uri": pure.as_uri()}
    return {"uri": quote(pure.as_posix(), safe="/", errors="surrogateescape"), "uriBaseId": "%SRCROOT%"}


def _file_summary(file: FileReport) -> dict[str, Any]:
    return {
        "uri": artifact_location(file.path)["uri"],
        "contract": file.contract,
        "rows": file.rows,
        "ok": file.ok,
        "errors": file.count("error"),
        "warnings": file.count("warning"),
        **({"quarantine": file.quarantine.to_dict()} if file.quarantine is not None else {}),
    }
