"""Markdown for pull-request comments and the GitHub step summary.

A heading with the verdict, a summary table (file | contract | rows | result | errors |
warnings), then, for every file with findings, a table of them (check | column | count |
message | first examples); the check cell carries the severity (❌ error, ⚠️ warning).

User text never becomes markup: identifiers and values go in code spans whose fence is
longer than any backtick run inside them, plain text has its inline markdown characters
backslash-escaped, ``|`` is escaped in table cells, and line breaks become ``<br>`` (inside
code spans they are shown as ``\\n``), so one finding is always one table row.
"""

from __future__ import annotations

import re

from pipecheck.findings import Example, FileReport, Finding, RunReport
from pipecheck.reporters import RenderContext
from pipecheck.reporters import verdict as run_verdict

EXAMPLES_SHOWN = 3
VALUE_CHARS = 60
# Characters with an inline meaning in GitHub-flavoured markdown (code, emphasis, links, HTML,
# entities, strikethrough, math, table cells); escaping them keeps plain text plain.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>!|~&$])")
_BACKTICK_RUN = re.compile("`+")
ICON = {"error": "❌", "warning": "⚠️"}


def render(report: RunReport, context: RenderContext) -> str:
    out = [f"### pipecheck: {run_verdict(report)}", ""]
    if report.files:
        out += [
            "| file | contract | rows | result | errors | warnings |",
            "| --- | --- | ---: | --- | ---: | ---: |",
        ]
        out += [_summary_row(file) for file in report.files]
        out.append("")
    split = [file for file in report.files if file.quarantine is not None]
    if split:
        out += ["| file | quarantine |", "| --- | --- |"]
        out += [_row([code(f.path), text(f.quarantine.summary()) if f.quarantine else ""]) for f in split]
        out.append("")
    for file in report.files:
        if file.findings:
            out += _findings_table(file)
    return "\n".join(out)


def _summary_row(file: FileReport) -> str:
    contract = file.contract_name or file.contract
    cells = [
        code(file.path),
        code(contract) if contract else "—",
        f"{file.rows:,}" if file.rows is not None else "—",
        "✅ pass" if file.ok else "❌ fail",
        str(file.count("error")),
        str(file.count("warning")),
    ]
    return _row(cells)


def _findings_table(file: FileReport) -> list[str]:
    icon = "✅" if file.ok else "❌"
    out = [
        f"#### {icon} {code(file.path, in_table=False)}",
        "",
        "| check | column | count | message | first examples |",
        "| --- | --- | ---: | --- | --- |",
    ]
    out += [_finding_row(finding) for finding in file.findings]
    out.append("")
    return out


def _finding_row(finding: Finding) -> str:
    message = text(finding.message)
    if finding.hint:
        message += "<br>*hint:* " + text(finding.hint)
    shown = finding.examples[:EXAMPLES_SHOWN]
    examples = "<br>".join(_example(e) for e in shown)
    if finding.count > len(shown) and shown:
        examples += f"<br>… {finding.count - len(shown):,} more"
    cells = [
        f"{ICON.get(finding.severity, '')} {code(finding.check)}".strip(),
        code(finding.column) if finding.column is not None else "—",
        f"{finding.count:,}",
        message,
        examples or "—",
    ]
    return _row(cells)


def _example(example: Example) -> str:
    where = text(example.location)  # a member file's name may hold `|` or a line break
    if example.whole_member:
        return where
    value = "*null*" if example.value is None else code(repr(_clip(example.value)))
    out = f"{where}: {value}" if where else value
    return f"{out} ({text(example.note)})" if example.note else out


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _clip(value: str) -> str:
    return value if len(value) <= VALUE_CHARS else value[: VALUE_CHARS - 1] + "…"


def _visible(value: str) -> str:
    """Control characters and line breaks as escapes, so a code span stays on one line."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in value)


def code(value: str, *, in_table: bool = True) -> str:
    """``value`` as an inline code span that shows exactly that text (backticks and all)."""
    value = _visible(value)
    if in_table:
        value = value.replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICK_RUN.findall(value)), default=0)
    fence = "`" * (longest + 1)
    # A span whose content starts and ends with a space loses one of each: pad when needed.
    if value.strip(" ") and (value[0] in "` " or value[-1] in "` "):
        value = f" {value} "
    return f"{fence}{value}{fence}" if value else "` `"


def text(value: str) -> str:
    """Plain text for a table cell: inline markdown escaped, line breaks as ``<br>``."""
    escaped = _INLINE_SPECIAL.sub(r"\\\1", value.replace("\r\n", "\n").replace("\r", "\n"))
    return "<br>".join(_visible(line) for line in escaped.split("\n"))
