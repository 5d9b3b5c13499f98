"""The terminal's view of a drift finding: baseline and current side by side (bars, or category shares).

A helper of the rich reporter, not a reporter; it reads only a finding's `details`.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from pipecheck.findings import Finding

BARS = " ▁▂▃▄▅▆▇█"


def drift_view(finding: Finding) -> Text | None:
    """Two lines for a drifted column (None for findings without side-by-side details)."""
    details = finding.details
    if not details or finding.check != "drift":
        return None
    out = Text()
    out.append(f"  {finding.column} ", style="bold")
    out.append(f"({finding.metric} {finding.value:.3g})\n", style="dim")
    if details.get("kind") == "numbers":
        baseline, current = details["baseline"], details["current"]
        top = max(*baseline, *current) or 1.0
        edges = details["edges"]
        out.append("    baseline ", style="dim")
        out.append(f"[{_bars(baseline, top)}]", style="cyan")
        out.append("   current ", style="dim")
        out.append(f"[{_bars(current, top)}]", style="magenta")
        out.append(f"   {edges[0]} .. {edges[-1]}", style="dim")
        return out
    shares = zip(details.get("values", []), details.get("baseline", []), details.get("current", []), strict=False)
    out.append("    " + "   ".join(f"{_label(v)} {b:.1%} -> {c:.1%}" for v, b, c in shares))
    return out


def _bars(shares: list[Any], top: float) -> str:
    return "".join(BARS[min(len(BARS) - 1, round(float(s) / top * (len(BARS) - 1)))] for s in shares)


def _label(value: Any) -> str:
    return "(other)" if value == "(other)" else repr(value)
