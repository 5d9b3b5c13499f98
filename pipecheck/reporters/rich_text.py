"""Human output: a summary line per file and a table of findings. User text is never markup."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipecheck.findings import FileReport, Finding, RunReport
from pipecheck.reporters import RenderContext

VALUE_CHARS = 40


def render(report: RunReport, context: RenderContext) -> str:
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
    for file in report.files:
        _file(console, file, context)
    failed = sum(1 for f in report.files if not f.ok)
    total = len(report.files)
    style = "bold red" if failed else "bold green"
    summary = (
        f"{failed} of {total} file(s) violate their contract" if failed else f"{total} file(s) hold their contract"
    )
    console.print(Text(summary, style=style))
    return buffer.getvalue()


def _file(console: Console, file: FileReport, context: RenderContext) -> None:
    if context.quiet and file.ok:
        return  # --quiet: only the files that fail
    mark, style = ("PASS", "green") if file.ok else ("FAIL", "red")
    line = Text()
    line.append(f"{mark} ", style=f"bold {style}")
    line.append(file.path, style="bold")
    line.append(f"  contract {file.contract_name} ({file.contract})", style="dim")
    rows = f"{file.rows:,} rows" if file.rows is not None else "rows unknown"
    errors, warnings = file.count("error"), file.count("warning")
    line.append(f"  {rows}, {errors} error(s), {warnings} warning(s), {file.seconds:.2f}s", style="dim")
    console.print(line)
    if not file.findings:
        return
    table = Table(show_edge=False, pad_edge=False, expand=False, header_style="bold")
    table.add_column("severity")
    table.add_column("check")
    table.add_column("column")
    table.add_column("count", justify="right")
    table.add_column("message")
    table.add_column("examples (row/line: value)")
    for finding in file.findings:
        table.add_row(*_cells(finding))
    console.print(table)
    _drift_views(console, file)
    console.print()


def _drift_views(console: Console, file: FileReport) -> None:
    """Per drifted column, the baseline and current distributions side by side."""
    from pipecheck.reporters.drift_view import drift_view

    views = [view for view in map(drift_view, file.findings) if view is not None]
    if views:
        console.print(Text("drift, baseline against current:", style="bold"))
    for view in views:
        console.print(view)


def _cells(finding: Finding) -> list[Text]:
    sev_style = "red" if finding.severity == "error" else "yellow"
    message = Text(finding.message)
    if finding.hint:
        message.append(f"\nhint: {finding.hint}", style="italic cyan")
    return [
        Text(finding.severity, style=sev_style),
        Text(finding.check, style="bold"),
        Text(finding.column or "-"),
        Text(f"{finding.count:,}"),
        message,
        Text("\n".join(e.summary(VALUE_CHARS) for e in finding.examples) or "-"),
    ]
