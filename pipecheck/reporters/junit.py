"""JUnit XML for CI test viewers (GitLab, Jenkins, Azure, GitHub test-report actions).

Shape::

    <testsuites name="pipecheck" tests= failures= errors="0" skipped= time=>
      <testsuite name="data/orders.csv" tests= failures= errors="0" skipped= time=>
        <properties> contract, contract_name, rows, format </properties>
        <testcase classname="orders" name="min amount" file="data/orders.csv" line="7">
          <failure message="amount must be >= 0" type="min">count, hint, examples</failure>
        </testcase>
        ...

* One ``<testsuite>`` per data file, named by its path; one ``<testcase>`` per finding, its
  classname the contract's name and its name ``"CHECK COLUMN"`` (``"CHECK"`` without column).
* A finding that fails the file (severity at or above ``--fail-on``) is a ``<failure>`` whose
  text lists the count, the hint and every example (row, line, value). ``unreadable``
  findings are always failures.
* A finding that does not fail the file (a warning under ``--fail-on error``) is a
  ``<skipped>`` testcase with the same text: viewers show skipped tests distinctly (yellow, in
  a "skipped" count) without failing the build, where a passing testcase with system-out
  would be hidden. So the XML's verdict always matches pipecheck's exit code.
* A file without failures gets one passing testcase named ``"contract holds"`` so
  viewers list it (alongside any warnings it has).
* ``file`` and ``line`` attributes on a testcase point at the first example's line, for
  viewers that annotate sources from them; other viewers ignore them.
* With ``--quarantine``, the suite's properties carry the valid and invalid row counts and
  paths, and its ``<system-out>`` the summary line. Under a tolerance (``--max-invalid``) the
  tolerance is the verdict: one testcase ``"quarantine"`` passes within it and fails over it (or
  when the file is rejected); a file within it has its error findings as ``<skipped>``
  (tolerated) and no ``"contract holds"`` testcase.

Characters XML 1.0 cannot carry (control characters, lone surrogates) are written as
``\\xNN`` / ``\\uNNNN`` escapes, so every report parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from pipecheck.findings import Example, FileReport, Finding, Quarantine, RunReport
from pipecheck.reporters import RenderContext

PASSING_NAME = "contract holds"
VALUE_CHARS = 200
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render(report: RunReport, context: RenderContext) -> str:
    root = ET.Element("testsuites", {"name": "pipecheck"})
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for file in report.files:
        suite = _suite(file)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    _set_counts(root, totals, sum(f.seconds for f in report.files))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(file: FileReport) -> ET.Element:
    suite = ET.Element("testsuite", {"name": _safe(file.path)})
    properties = ET.SubElement(suite, "properties")
    quarantine = file.quarantine
    named: list[tuple[str, object]] = [
        ("contract", file.contract),
        ("contract_name", file.contract_name),
        ("rows", file.rows),
        ("format", file.file_format),
    ]
    for name, value in named + (_quarantine_properties(quarantine) if quarantine is not None else []):
        if value is not None:
            ET.SubElement(properties, "property", {"name": name, "value": _safe(str(value))})
    classname = _safe(file.contract_name or file.contract or "no contract")
    counts = {"tests": 0, "failures": 0, "skipped": 0}
    tolerance = quarantine.max_invalid if quarantine is not None else None
    tolerated = f"within --max-invalid {tolerance}" if tolerance is not None and file.ok else None
    for finding in file.findings:
        suite.append(_testcase(file, finding, classname, counts, tolerated))
    if quarantine is not None and tolerance is not None:
        suite.append(_tolerance_case(file, quarantine, classname, counts))
    elif not counts["failures"]:
        ET.SubElement(suite, "testcase", {"classname": classname, "name": PASSING_NAME, "time": f"{file.seconds:.3f}"})
        counts["tests"] += 1
    if quarantine is not None:
        ET.SubElement(suite, "system-out").text = _safe(f"quarantine: {quarantine.summary()}")
    if not len(properties):
        suite.remove(properties)
    _set_counts(suite, counts, file.seconds)
    return suite


def _quarantine_properties(quarantine: Quarantine) -> list[tuple[str, object]]:
    return [
        ("quarantine_valid", quarantine.valid),
        ("quarantine_invalid", quarantine.invalid),
        ("quarantine_valid_path", quarantine.valid_path),
        ("quarantine_invalid_path", quarantine.invalid_path),
        ("quarantine_rejected_path", quarantine.rejected_path),
        ("max_invalid", quarantine.max_invalid),
        ("max_invalid_allowed", quarantine.allowed),
    ]


def _tolerance_case(file: FileReport, quarantine: Quarantine, classname: str, counts: dict[str, int]) -> ET.Element:
    """The tolerance's verdict: passing within it, a failure over it or when the file is rejected."""
    case = ET.Element("testcase", {"classname": classname, "name": "quarantine", "file": _safe(file.path)})
    counts["tests"] += 1
    if not quarantine.within:
        summary = quarantine.summary()
        ET.SubElement(case, "failure", {"message": _safe(summary), "type": "max_invalid"}).text = _safe(summary)
        counts["failures"] += 1
    return case


def _testcase(
    file: FileReport, finding: Finding, classname: str, counts: dict[str, int], tolerated: str | None = None
) -> ET.Element:
    """`tolerated`: the file passes under a tolerance of invalid rows (why): its failures are skipped."""
    name = finding.check if finding.column is None else f"{finding.check} {finding.column}"
    member, line = finding.anchor()
    attributes = {"classname": classname, "name": _safe(name), "file": _safe(file.path_of(member))}
    if line is not None:
        attributes["line"] = str(line)
    case = ET.Element("testcase", attributes)
    counts["tests"] += 1
    fails = finding.check == "unreadable" or finding.fails(file.fail_on)
    if fails and tolerated is None:
        outcome = ET.SubElement(case, "failure", {"message": _safe(finding.message), "type": finding.check})
        counts["failures"] += 1
    else:
        why = f"tolerated ({tolerated})" if fails else finding.severity
        outcome = ET.SubElement(case, "skipped", {"message": _safe(f"{why}: {finding.message}")})
        counts["skipped"] += 1
    outcome.text = _safe(_details(finding))
    return case


def _details(finding: Finding) -> str:
    lines = [f"{finding.severity}: {finding.message}", f"count: {finding.count}"]
    if finding.column is not None:
        lines.append(f"column: {finding.column}")
    if finding.hint:
        lines.append(f"hint: {finding.hint}")
    if finding.examples:
        lines.append("examples (row, line, value; the member file of a dataset first):")
        lines += [f"  {_example(e)}" for e in finding.examples]
    return "\n".join(lines)


def _example(example: Example) -> str:
    row = "-" if example.row is None else str(example.row)
    line = "-" if example.line is None else str(example.line)
    value = "null" if example.value is None else repr(_clip(example.value))
    text = f"row {row}, line {line}: {value}"
    if example.file is not None:
        text = f"{example.file} {text}"
    if example.byte_offset is not None:
        text += f" (byte {example.byte_offset})"
    return f"{text} ({example.note})" if example.note else text


def _set_counts(element: ET.Element, counts: dict[str, int], seconds: float) -> None:
    element.set("tests", str(counts["tests"]))
    element.set("failures", str(counts["failures"]))
    element.set("errors", "0")
    element.set("skipped", str(counts["skipped"]))
    element.set("time", f"{seconds:.3f}")


def _clip(value: str) -> str:
    return value if len(value) <= VALUE_CHARS else value[: VALUE_CHARS - 1] + "…"


def _safe(text: str) -> str:
    """Text XML 1.0 can carry: characters it cannot are written as Python-style escapes."""
    return _NOT_XML.sub(lambda m: _escape_char(m.group()), text)


def _escape_char(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
