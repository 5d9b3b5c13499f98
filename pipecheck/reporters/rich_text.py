"""Human output, in two layouts, one file at a time. User text is never markup.

* terminal: a block per file, fitted to the terminal's width (nothing wraps mid-word; values
  are cut in the middle to fit their line);
* log (pipes, CI, pre-commit): one finding per line, `path:line: severity check column:
  message (N rows; e.g. row R, line L: 'value')`, no box drawing, never wrapped; with a width
  (COLUMNS) a line keeps as many examples as fit.

`render_file` and `render_end` are what the CLI prints as files finish; `render` is the two
together, for a report written to a file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipecheck.findings import Example, FileReport, Finding, RunReport, shown_value
from pipecheck.reporters import RenderContext
from pipecheck.reporters import verdict as run_verdict

SKIPPED_NAMES = 5  # names listed in the skipped line before "and N more"
LOG_VALUE_CHARS = 60  # a value in a log line without a width
MIN_VALUE_CHARS = 12  # a value is cut no shorter than this, even when the line must then wrap
FIRST_VALUE_CHARS = 24  # a log line's first value, however little room its line leaves
SEVERITY_WIDTH = 10  # "  warning " ahead of a finding in the terminal layout


def render(report: RunReport, context: RenderContext) -> str:
    if context.hook:
        return render_end(report, context)
    return "".join(render_file(file, context) for file in report.files) + render_end(report, context)


def render_file(file: FileReport, context: RenderContext) -> str:
    """One file's result (empty for a passing file under --quiet; in hook mode all comes at the end, sorted)."""
    if context.hook or (file.ok and context.quiet):
        return ""
    if context.layout == "terminal":
        return _terminal_file(file, context)
    return "".join(line + "\n" for line in _log_file(file, context.width))


def render_end(report: RunReport, context: RenderContext) -> str:
    """What follows the files: the skipped files and the verdict; in hook mode, the failing files first."""
    if context.hook:  # pre-commit shuffles the files it passes: sort them, and say only what fails
        failing = sorted((f for f in report.files if not f.ok), key=lambda f: f.path)
        lines = [line for file in failing for line in _log_file(file, context.width)]
        failed, total = len(failing), len(report.files)
        verdict = f"pipecheck: {failed} of {total} {_plural(total, 'file')} {'fails' if failed == 1 else 'fail'}"
        if report.skipped:
            verdict += f"; {len(report.skipped)} skipped (no contract matches)"
        return "".join(line + "\n" for line in [*lines, verdict])
    lines = [skipped_line(report.skipped)] if report.skipped else []
    failed = sum(1 for f in report.files if not f.ok)
    total = len(report.files)
    verdict = run_verdict(report) if total else "no file to validate"
    if context.layout == "log":
        return "".join(line + "\n" for line in [*lines, verdict])
    console, buffer = _console(context)
    for line in lines:
        console.print(Text(line, style="yellow"))
    console.print(Text(verdict, style="bold red" if failed else "bold green"))
    return _trimmed(buffer.getvalue())


def skipped_line(paths: Sequence[str]) -> str:
    """'skipped 3 files no contract matches: a.csv, b.csv, c.csv' (long lists end 'and N more')."""
    names = ", ".join(_escaped(p) for p in paths[:SKIPPED_NAMES])
    if len(paths) > SKIPPED_NAMES:
        names += f" and {len(paths) - SKIPPED_NAMES} more"
    return f"skipped {len(paths)} {_plural(len(paths), 'file')} no contract matches: {names}"


# ---------------------------------------------------------------- log layout


def _log_file(file: FileReport, width: int | None) -> list[str]:
    lines = [_escaped(_header_words(file))]
    for finding in file.findings:
        lines.append(_log_finding(file, finding, width))
    if file.quarantine is not None:
        lines.append(f"{_escaped(file.path)}: quarantine: {_escaped(file.quarantine.summary())}")
    return lines


def _log_finding(file: FileReport, finding: Finding, width: int | None) -> str:
    line = _line_of(file, finding)
    where = f"{_escaped(file.path)}:{line}:" if line is not None else f"{_escaped(file.path)}:"
    column = f" {_escaped(finding.column)}" if finding.column else ""
    text = f"{where} {finding.severity} {finding.check}{column}: {_escaped(finding.message)}"
    hint = f" (hint: {_escaped(finding.hint)})" if finding.hint else ""
    count = _count(finding)
    if not finding.examples:
        return text + (f" ({count})" if count and finding.count > 1 else "") + hint
    if width is None:
        shown = [_example(e, LOG_VALUE_CHARS) for e in finding.examples]
    else:  # as many examples as fit in the width; the first always (its value cut to what is left, within reason)
        shown = []
        for index, example in enumerate(finding.examples):
            left = len(finding.examples) - index - 1
            used = len(f"{text} ({count}; e.g. {'; '.join(shown)}{'; ' if shown else ''}){hint}") - (0 if count else 2)
            used += len(f"; and {left} more") if left else 0
            room = width - used - len(_example(example, 0, with_value=False))
            if shown and room < MIN_VALUE_CHARS:
                break
            floor = MIN_VALUE_CHARS if shown else FIRST_VALUE_CHARS
            shown.append(_example(example, min(max(room, floor), LOG_VALUE_CHARS)))
    extra = f"; and {len(finding.examples) - len(shown)} more" if len(shown) < len(finding.examples) else ""
    return (
        f"{text} ({count}; e.g. {'; '.join(shown)}{extra}){hint}"
        if count
        else f"{text} (e.g. {'; '.join(shown)}{extra}){hint}"
    )


def _example(example: Example, value_chars: int, with_value: bool = True) -> str:
    """'row 9, line 10: '-5.0' (note)', every part of it on one line (without the value: its frame)."""
    if example.whole_member:
        return _escaped(example.location) if with_value else ""
    value = shown_value(example.value, value_chars) if with_value else ""
    text = f"{_escaped(example.location)}: {value}" if example.location else value
    return text + (f" ({_escaped(example.note)})" if example.note else "")


# ---------------------------------------------------------------- terminal layout


def _terminal_file(file: FileReport, context: RenderContext) -> str:
    console, buffer = _console(context)
    width = context.width or 80
    mark, style = ("PASS", "green") if file.ok else ("FAIL", "red")
    title = Text()
    title.append(mark, style=f"bold {style}")
    title.append(" ")
    title.append(_escaped(file.path), style="bold")
    below: list[str] = []
    for words in (_counts_words(file), _contract_words(file)):  # on the first line while they fit
        if not below and cell_len(title.plain) + 2 + cell_len(words) <= width:
            title.append(f"  {words}", style="dim")
        else:
            below.append(words)
    console.print(title)
    if below:
        grid = _grid(5)
        for words in below:
            grid.add_row("", Text(words, style="dim"))
        console.print(grid)
    if file.quarantine is not None:
        grid = _grid(5)
        style = "green" if file.quarantine.within else "red"
        grid.add_row("", Text(_escaped(file.quarantine.summary()), style=style))
        console.print(grid)
    if not file.findings:
        return _trimmed(buffer.getvalue())
    body_width = max(width - SEVERITY_WIDTH, 10)
    grid = _grid(SEVERITY_WIDTH)
    for finding in file.findings:
        severity = Text(f"  {finding.severity}", style="red" if finding.severity == "error" else "yellow")
        grid.add_row(severity, _terminal_finding(finding, body_width))
    console.print(grid)
    _drift_views(console, file)
    console.print()
    return _trimmed(buffer.getvalue())


def _drift_views(console: Console, file: FileReport) -> None:
    """Per drifted column, the baseline and current distributions side by side."""
    from pipecheck.reporters.drift_view import drift_view

    views = [view for view in map(drift_view, file.findings) if view is not None]
    if views:
        console.print(Text("drift, baseline against current:", style="bold"))
    for view in views:
        console.print(view)


def _terminal_finding(finding: Finding, width: int) -> Text:
    body = Text()
    body.append(finding.check, style="bold")
    if finding.column:
        body.append(f" {_escaped(finding.column)}")
    body.append(f": {_escaped(finding.message)}")
    count = _count(finding)
    if count and (finding.count > 1 or finding.examples):
        body.append(f" ({count})", style="dim")
    for example in finding.examples:
        if example.whole_member:
            body.append("\n" + _escaped(example.location), style="dim")
            continue
        where = f"{_escaped(example.location)}: " if example.location else ""
        note = f" ({_escaped(example.note)})" if example.note else ""
        room = max(width - cell_len(where) - cell_len(note), MIN_VALUE_CHARS)
        body.append("\n" + where, style="dim")
        body.append(shown_value(example.value, room, cell_len))
        body.append(note, style="dim")
    if finding.examples and finding.count > len(finding.examples):
        body.append(f"\nand {finding.count - len(finding.examples):,} more", style="dim")
    if finding.hint:
        body.append(f"\nhint: {_escaped(finding.hint)}", style="italic cyan")
    return body


def _trimmed(text: str) -> str:
    """Without the spaces rich pads table cells with at the end of a line (colour codes among them kept)."""
    return _LINE_END.sub(lambda m: "".join(_COLOUR_CODE.findall(m.group(0))), text)


_COLOUR_CODE = re.compile(r"\x1b\[[0-9;]*m")
_LINE_END = re.compile(r"(?:\x1b\[[0-9;]*m| )+$", re.MULTILINE)


def _grid(indent: int) -> Table:
    grid = Table.grid(padding=0)
    grid.add_column(width=indent, no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def _console(context: RenderContext) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=context.color,
        no_color=not context.color,
        width=context.width or 80,
        highlight=False,
        emoji=False,
        markup=False,
    )
    return console, buffer


# ---------------------------------------------------------------- shared words


def _header_words(file: FileReport) -> str:
    mark = "PASS" if file.ok else "FAIL"
    return _escaped(f"{mark} {file.path}  {_counts_words(file)}  {_contract_words(file)}")


def _contract_words(file: FileReport) -> str:
    return _escaped(f"contract {file.contract_name} ({file.contract})")


def _counts_words(file: FileReport) -> str:
    rows = f"{file.rows:,} {_plural(file.rows, 'row')}" if file.rows is not None else "rows unknown"
    if not file.findings:
        return f"{rows}, {file.seconds:.2f}s"
    errors, warnings = file.count("error"), file.count("warning")
    return f"{rows}, {errors} error(s), {warnings} warning(s), {file.seconds:.2f}s"


def _line_of(file: FileReport, finding: Finding) -> int | None:
    """The physical line a finding points at: its first example's, or the header for a column finding."""
    line = next((e.line for e in finding.examples if e.line is not None), None)
    if line is None and finding.scope == "header" and file.file_format != "parquet":
        return 1
    return line


def _count(finding: Finding) -> str:
    """'3 rows' for a finding about rows, '2 occurrences' for others; '' for a single file-level one
    and for a measured one (drift: its message has the metric, value and threshold)."""
    if finding.metric is not None:
        return ""
    if any(e.row is not None for e in finding.examples):
        return f"{finding.count:,} {_plural(finding.count, 'row')}"
    if finding.count > 1:
        return f"{finding.count:,} {_plural(finding.count, 'occurrence')}"
    return ""


def _plural(count: int, noun: str) -> str:
    return noun if count == 1 else noun + "s"


def _escaped(text: str) -> str:
    """Text with control characters escaped, so a line of output stays one line (a column named 'a\\nb')."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
