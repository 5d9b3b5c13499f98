"""The junit format, read back with junitparser the way CI viewers read it."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

from junitparser import Failure, JUnitXml, Skipped, TestCase, TestSuite

from pipecheck.findings import Example, FileReport, Finding, RunReport
from pipecheck.reporters import RenderContext
from pipecheck.reporters.junit import render


def _parse(report: RunReport) -> JUnitXml:
    xml = JUnitXml.fromstring(render(report, RenderContext()))
    assert isinstance(xml, JUnitXml)
    return xml


def _suites(xml: JUnitXml) -> dict[str, TestSuite]:
    return {suite.name: suite for suite in xml}


def _cases(suite: TestSuite) -> list[TestCase]:
    return list(suite)


def test_one_suite_per_file_with_counts(run_report: RunReport) -> None:
    xml = _parse(run_report)
    suites = _suites(xml)
    assert list(suites) == ["data/good.csv", "data/q1, final: 100%.csv"]
    good, bad = suites.values()
    assert (good.tests, good.failures, good.errors, good.skipped) == (1, 0, 0, 0)
    assert (bad.tests, bad.failures, bad.errors, bad.skipped) == (5, 4, 0, 1)
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (6, 4, 0, 1)
    assert good.time == 0.25 and bad.time == 1.5
    properties = {p.name: p.value for p in bad.properties()}
    assert properties == {"contract": "schemas/orders.yaml", "contract_name": "orders", "rows": "40", "format": "csv"}


def test_passing_file_has_one_passing_testcase(run_report: RunReport) -> None:
    (case,) = _cases(_suites(_parse(run_report))["data/good.csv"])
    assert (case.classname, case.name) == ("orders", "contract holds")
    assert case.is_passed


def test_one_testcase_per_finding_named_check_and_column(run_report: RunReport) -> None:
    cases = _cases(_suites(_parse(run_report))["data/q1, final: 100%.csv"])
    assert [c.name for c in cases] == [
        "min amount",
        "pattern note",
        "unreadable",
        "allowed sta|tus`",
        "extra_column coupon",
    ]
    assert {c.classname for c in cases} == {"orders"}
    outcomes = [type(c.result[0]) for c in cases]
    assert outcomes == [Failure, Skipped, Failure, Failure, Failure]


def test_failure_carries_message_type_count_and_examples(run_report: RunReport) -> None:
    cases = {c.name: c for c in _cases(_suites(_parse(run_report))["data/q1, final: 100%.csv"])}
    (failure,) = cases["min amount"].result
    assert failure.message == "amount must be >= 0"
    assert failure.type == "min"
    text = failure.text
    assert "count: 3" in text
    assert "row 9, line 10: '-5'" in text
    assert "row 12, line 14: 'a|b,c:d'" in text
    assert "row 20, line 22: '50% <off> & more'" in text
    (allowed,) = cases["allowed sta|tus`"].result
    assert "row 1, line 2: '``double`` and `single`'" in allowed.text
    assert "row 2, line 3: null" in allowed.text


def test_unreadable_without_examples_is_a_failure_with_its_multiline_message(run_report: RunReport) -> None:
    cases = {c.name: c for c in _cases(_suites(_parse(run_report))["data/q1, final: 100%.csv"])}
    (failure,) = cases["unreadable"].result
    assert isinstance(failure, Failure)
    assert failure.type == "unreadable"
    assert failure.message == "cannot decode: bad | byte\nat offset 7"
    assert "examples" not in failure.text


def test_warning_is_skipped_with_details_unless_warnings_fail(run_report: RunReport) -> None:
    cases = {c.name: c for c in _cases(_suites(_parse(run_report))["data/q1, final: 100%.csv"])}
    (skipped,) = cases["pattern note"].result
    assert isinstance(skipped, Skipped)
    assert skipped.message == "warning: note must fully match ^[a-z|]+$"
    assert r"row 3, line 4: 'line1\nline2\r\nline3'" in skipped.text
    assert "row 5, line 8: '[red]x[/red]'" in skipped.text
    assert "hint: use *lower* case" in skipped.text

    strict = RunReport(files=[dataclasses.replace(f, fail_on="warning") for f in run_report.files], fail_on="warning")
    cases = {c.name: c for c in _cases(_suites(_parse(strict))["data/q1, final: 100%.csv"])}
    assert isinstance(cases["pattern note"].result[0], Failure)


def test_file_with_only_warnings_also_gets_the_passing_testcase() -> None:
    finding = Finding("max_length", "note too long", "warning", column="note", examples=[Example(row=1, line=2)])
    xml = _parse(RunReport(files=[FileReport("w.csv", "c.yaml", findings=[finding])]))
    (suite,) = xml
    assert (suite.tests, suite.failures, suite.skipped) == (2, 0, 1)
    assert [c.name for c in suite] == ["max_length note", "contract holds"]
    assert next(iter(suite)).classname == "c.yaml"  # no contract name: the contract path


def test_testcase_points_at_file_and_first_line(run_report: RunReport) -> None:
    root = ET.fromstring(render(run_report, RenderContext()))
    cases = root.findall("./testsuite/testcase")
    located = {c.get("name"): (c.get("file"), c.get("line")) for c in cases}
    assert located["min amount"] == ("data/q1, final: 100%.csv", "10")
    assert located["unreadable"] == ("data/q1, final: 100%.csv", None)


def test_characters_xml_cannot_carry_are_escaped_and_the_report_still_parses() -> None:
    finding = Finding(
        "type",
        "bell \x07 in message",
        column="col\x00umn",
        examples=[Example(row=1, line=2, value="nul\x00 esc\x1b surrogate\udcff")],
    )
    xml = _parse(RunReport(files=[FileReport("ctl\x01.csv", None, findings=[finding])]))
    (suite,) = xml
    assert suite.name == "ctl\\x01.csv"
    (case,) = suite
    assert case.name == "type col\\x00umn"
    assert case.classname == "no contract"
    (failure,) = case.result
    assert failure.message == "bell \\x07 in message"
    assert r"'nul\x00 esc\x1b surrogate\udcff'" in failure.text


def test_empty_run_is_an_empty_testsuites() -> None:
    xml = _parse(RunReport())
    assert (xml.tests, xml.failures, len(list(xml))) == (0, 0, 0)
