"""`pipecheck diff` as markdown for a pull-request comment: a verdict, then per contract a table of changes.

User text is escaped by the markdown reporter's own helpers (code spans, escaped plain text).
"""

from __future__ import annotations

from pipecheck.changes import Change, ContractDiff, DiffReport
from pipecheck.reporters import RenderContext
from pipecheck.reporters.markdown import code, text

ICON = {"both": "❌", "producers": "❌", "consumers": "⚠️", "none": "➖"}


def render(report: DiffReport, context: RenderContext) -> str:
    breaking = sum(1 for d in report.diffs if d.breaks(report.breaking_for))
    guarded = "" if report.breaking_for == "any" else f" for {report.breaking_for}"
    verdict = (
        f"{breaking} of {len(report.diffs)} contract(s) have breaking changes{guarded}"
        if breaking
        else f"no breaking change{guarded} in {len(report.diffs)} contract(s)"
    )
    out = [f"### pipecheck diff: {verdict}", ""]
    for diff in report.diffs:
        out += _contract(diff, report)
    return "\n".join(out)


def _contract(diff: ContractDiff, report: DiffReport) -> list[str]:
    icon = "❌" if diff.breaks(report.breaking_for) else "✅"
    origin = f"{code(diff.old, in_table=False)} → " if diff.old else "new contract "
    out = [f"#### {icon} {origin}{code(diff.new, in_table=False)}", ""]
    if not diff.changes:
        return [*out, "No changes.", ""]
    out += ["| breaks | where | change | message |", "| --- | --- | --- | --- |"]
    out += [_row(change) for change in diff.changes]
    out.append("")
    return out


def _row(change: Change) -> str:
    who = change.breaking_for
    message = text(change.message)
    if change.hint:
        message += "<br>*hint:* " + text(change.hint)
    where = "—"
    if change.position is not None:
        where = f"{change.position.line}:{change.position.column}" + (" (old)" if change.side == "old" else "")
    cells = [f"{ICON[who]} {who if who != 'none' else 'no one'}", where, code(change.kind), message]
    return "| " + " | ".join(cells) + " |"
