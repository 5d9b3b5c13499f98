"""`pipecheck diff` for humans: per contract a verdict line and a table of its changes. User text is never markup."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipecheck.changes import Change, ContractDiff, DiffReport
from pipecheck.reporters import RenderContext

STYLE = {"both": "bold red", "producers": "red", "consumers": "yellow", "none": "dim"}


def render(report: DiffReport, context: RenderContext) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=context.color,
        no_color=not context.color,
        width=context.width,
        highlight=False,
        emoji=False,
        markup=False,
    )
    for diff in report.diffs:
        _contract(console, diff, report)
    breaking = sum(1 for d in report.diffs if d.breaks(report.breaking_for))
    total = len(report.diffs)
    guarded = "" if report.breaking_for == "any" else f" for {report.breaking_for}"
    summary = (
        f"{breaking} of {total} contract(s) changed in a way that breaks{guarded or ' producers or consumers'}"
        if breaking
        else f"no breaking change{guarded} in {total} contract(s)"
    )
    console.print(Text(summary, style="bold red" if breaking else "bold green"))
    return buffer.getvalue()


def _contract(console: Console, diff: ContractDiff, report: DiffReport) -> None:
    breaks = diff.breaks(report.breaking_for)
    line = Text()
    line.append("BREAKING " if breaks else "OK ", style="bold red" if breaks else "bold green")
    line.append(diff.new, style="bold")
    line.append(f"  {diff.old} -> {diff.new}" if diff.old else "  new contract", style="dim")
    counts = {who: sum(1 for c in diff.changes if c.breaking_for == who) for who in STYLE}
    shown = ", ".join(f"{n} break {who}" if who != "none" else f"{n} break no one" for who, n in counts.items() if n)
    line.append(f"  {len(diff.changes)} change(s)" + (f": {shown}" if shown else ""), style="dim")
    console.print(line)
    if not diff.changes:
        return
    table = Table(show_edge=False, pad_edge=False, expand=False, header_style="bold")
    table.add_column("breaks")
    table.add_column("where")
    table.add_column("change")
    table.add_column("message")
    for change in diff.changes:
        table.add_row(*_cells(change))
    console.print(table)
    console.print()


def _cells(change: Change) -> list[Text]:
    who = change.breaking_for
    message = Text(change.message)
    if change.hint:
        message.append(f"\nhint: {change.hint}", style="italic cyan")
    where = "-"
    if change.position is not None:
        where = f"{change.position.line}:{change.position.column}" + (" (old)" if change.side == "old" else "")
    return [
        Text(who if who != "none" else "-", style=STYLE[who]),
        Text(where),
        Text(change.kind, style="bold"),
        message,
    ]
