"""Renderers of a RunReport. Each module has one job; none imports another, none touches data."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pipecheck.changes import DiffReport
from pipecheck.findings import RunReport


class OutputFormat(StrEnum):
    RICH = "rich"
    JSON = "json"
    GITHUB = "github"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    SARIF = "sarif"


@dataclass(frozen=True)
class RenderContext:
    color: bool = False
    width: int | None = None  # terminal columns; None: a log line is never cut to fit
    quiet: bool = False
    layout: Literal["terminal", "log"] = "log"  # human output: blocks fitted to a terminal, or one line per finding
    hook: bool = False  # pre-commit: failing files only, sorted, one verdict line


Renderer = Callable[[RunReport, RenderContext], str]

# Format -> module in this package exposing `render(report, context) -> str`.
MODULES: dict[OutputFormat, str] = {
    OutputFormat.RICH: "rich_text",
    OutputFormat.JSON: "json_report",
    OutputFormat.GITHUB: "github",
    OutputFormat.JUNIT: "junit",
    OutputFormat.MARKDOWN: "markdown",
    OutputFormat.SARIF: "sarif",
}


def verdict(report: RunReport) -> str:
    """The run in one line, as every human-read format ends: under a tolerance of invalid rows,
    that is the verdict (a file with errors within it does not fail), else the contracts'."""
    failed = sum(1 for f in report.files if not f.ok)
    total = len(report.files)
    if any(f.quarantine is not None and f.quarantine.max_invalid is not None for f in report.files):
        if failed:
            whole = any(f.fails_as_a_whole for f in report.files)
            why = ", rejected, or failing on a warning (--fail-on warning)" if whole else ", or rejected"
            return f"{failed} of {total} file(s) over their tolerance of invalid rows{why}"
        return f"{total} file(s) within their tolerance of invalid rows"
    return f"{failed} of {total} file(s) violate their contract" if failed else f"{total} file(s) hold their contract"


def renderer(fmt: OutputFormat) -> Renderer:
    module = importlib.import_module(f"pipecheck.reporters.{MODULES[fmt]}")
    render: Renderer = module.render
    return render


class DiffFormat(StrEnum):
    """Formats of `pipecheck diff` (a DiffReport, not a RunReport)."""

    RICH = "rich"
    JSON = "json"
    MARKDOWN = "markdown"


DiffRenderer = Callable[[DiffReport, RenderContext], str]

DIFF_MODULES: dict[DiffFormat, str] = {
    DiffFormat.RICH: "diff_rich",
    DiffFormat.JSON: "diff_json",
    DiffFormat.MARKDOWN: "diff_markdown",
}


def diff_renderer(fmt: DiffFormat) -> DiffRenderer:
    module = importlib.import_module(f"pipecheck.reporters.{DIFF_MODULES[fmt]}")
    render: DiffRenderer = module.render
    return render
