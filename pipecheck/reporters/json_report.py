"""The canonical machine format: the RunReport as JSON (stable field names)."""

from __future__ import annotations

import json

from pipecheck.findings import RunReport
from pipecheck.reporters import RenderContext


def render(report: RunReport, context: RenderContext) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
