"""GitHub Actions workflow commands: one ``::error``/``::warning`` annotation line per finding.

Printed to stdout inside a GitHub Actions step, each line becomes an annotation on the data
file (on the line of the first example that has one, else on the file as a whole; for a dataset
directory, on the member file of that example):

    ::error file=data/orders.csv,line=4,title=pipecheck type (order_id)::order_id must be an integer%0A...

The message carries the finding's message, its count, the first examples and the hint,
separated by escaped newlines. Escaping follows the runner's rules (``%``, CR and LF in the
message; additionally ``:`` and ``,`` in properties), so user text can neither end the line
nor inject another command. A last plain line summarises the run for the log.

GitHub shows at most 10 annotations of each kind per step; the step summary written by
``pipecheck.output`` (markdown, when ``GITHUB_STEP_SUMMARY`` is set) lists everything.
"""

from __future__ import annotations

from pathlib import PurePath

from pipecheck.findings import FileReport, Finding, RunReport
from pipecheck.reporters import RenderContext, verdict

EXAMPLES_SHOWN = 3
VALUE_CHARS = 60


def render(report: RunReport, context: RenderContext) -> str:
    lines = [line for file in report.files for line in _annotations(file)]
    lines += [f"pipecheck: {f.path}: quarantine: {f.quarantine.summary()}" for f in report.files if f.quarantine]
    lines.append(f"pipecheck: {verdict(report)}")
    return "\n".join(lines) + "\n"


def _annotations(file: FileReport) -> list[str]:
    """One annotation per finding; a file's header findings together, one per severity, on the header line."""
    out = []
    header = [f for f in file.findings if f.scope == "header"]
    for severity in ("error", "warning"):
        group = [f for f in header if f.severity == severity]
        if len(group) > 1:
            out.append(_header_annotation(file, group))
        elif group:
            out.append(_annotation(file, group[0]))
    out += [_annotation(file, f) for f in file.findings if f.scope != "header"]
    return out


def _header_annotation(file: FileReport, group: list[Finding]) -> str:
    line = next((e.line for f in group for e in f.examples if e.line is not None), 1)
    members = {f.anchor()[0] for f in group}
    path = file.path_of(members.pop() if len(members) == 1 else None)  # one member file of a dataset, if only one
    properties = {"file": _posix(path), "line": str(line), "title": f"pipecheck header ({len(group)} problems)"}
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    command = "error" if group[0].severity == "error" else "warning"
    text = "\n".join(f"{f.check}: {f.message}" + (f" (hint: {f.hint})" if f.hint else "") for f in group)
    return f"::{command} {props}::{escape_data(text)}"


def _annotation(file: FileReport, finding: Finding) -> str:
    member, line = finding.anchor()  # a dataset's finding points at the member file of its first example
    properties = {"file": _posix(file.path_of(member))}
    if line is None and finding.scope == "header":
        line = 1  # a finding about the columns points at the header
    if line is not None:
        properties["line"] = str(line)
    title = f"pipecheck {finding.check}" + (f" ({finding.column})" if finding.column is not None else "")
    properties["title"] = title
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    command = "error" if finding.severity == "error" else "warning"
    return f"::{command} {props}::{escape_data(_message(finding))}"


def _message(finding: Finding) -> str:
    parts = [finding.message]
    detail = f"{finding.count:,} occurrence(s)"
    if finding.examples:
        shown = finding.examples[:EXAMPLES_SHOWN]
        detail += "; first examples: " + "; ".join(e.summary(VALUE_CHARS) for e in shown)
    parts.append(detail)
    if finding.hint:
        parts.append(f"hint: {finding.hint}")
    return "\n".join(parts)


def _posix(path: str) -> str:
    """The path with forward slashes, as annotations expect (``./`` and doubled separators dropped)."""
    return PurePath(path).as_posix()


def escape_data(text: str) -> str:
    """Escape a command's message: ``%``, CR, LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property's value: as the message, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
