"""`pipecheck diff` as JSON: every change with whom it breaks and where it is written (stable field names)."""

from __future__ import annotations

import json

from pipecheck.changes import DiffReport
from pipecheck.reporters import RenderContext


def render(report: DiffReport, context: RenderContext) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
