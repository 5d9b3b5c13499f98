"""The canonical machine format: the RunReport as JSON (stable field names)."""

from __future__ import annotations

from pipecheck.findings import RunReport
from pipecheck.reporters import RenderContext


def render(report: RunReport, context: RenderContext) -> str:
    return report.to_json()
