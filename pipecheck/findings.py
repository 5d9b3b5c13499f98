"""The one result model every reporter reads: plain, JSON-serialisable dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]

SEVERITY_RANK: dict[str, int] = {"warning": 1, "error": 2}


@dataclass(frozen=True)
class Example:
    """One offending value: 1-based data row, physical line (CSV) and the value as text."""

    row: int | None = None
    line: int | None = None
    value: str | None = None
    byte_offset: int | None = None
    note: str | None = None

    @property
    def location(self) -> str:
        """'row 9, line 10' (and 'byte N' for decoding problems); empty when nothing is known."""
        parts = [
            f"{label} {number}"
            for label, number in (("row", self.row), ("line", self.line), ("byte", self.byte_offset))
            if number is not None
        ]
        return ", ".join(parts)

    def summary(self, value_chars: int = 40) -> str:
        """One line for humans: "row 9, line 10: '-5.0' (note)", the value clipped to value_chars."""
        if self.value is None:
            shown = "null"
        else:
            clipped = self.value if len(self.value) <= value_chars else self.value[: value_chars - 1] + "…"
            shown = repr(clipped)
        text = f"{self.location}: {shown}" if self.location else shown
        return f"{text} ({self.note})" if self.note else text

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"row": self.row, "line": self.line, "value": self.value}
        if self.byte_offset is not None:
            out["byte_offset"] = self.byte_offset
        if self.note is not None:
            out["note"] = self.note
        return out


@dataclass
class Finding:
    check: str
    message: str
    severity: Severity = "error"
    column: str | None = None
    count: int = 1
    examples: list[Example] = field(default_factory=list)
    hint: str | None = None
    scope: str = "data"  # "header": about the file's columns (reporters may group those)
    # drift and schema_change findings: the statistic, its value, the threshold it reached, and what
    # the terminal shows side by side (baseline and current shares)
    metric: str | None = None
    value: float | None = None
    threshold: float | None = None
    details: dict[str, Any] | None = None

    def fails(self, fail_on: Severity) -> bool:
        return SEVERITY_RANK[self.severity] >= SEVERITY_RANK[fail_on]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "check": self.check,
            "column": self.column,
            "severity": self.severity,
            "count": self.count,
            "message": self.message,
            "examples": [e.to_dict() for e in self.examples],
        }
        if self.hint:
            out["hint"] = self.hint
        if self.metric is not None:
            out.update(metric=self.metric, value=self.value, threshold=self.threshold)
        if self.details is not None:
            out["details"] = self.details
        return out


@dataclass
class FileReport:
    path: str
    contract: str | None
    findings: list[Finding] = field(default_factory=list)
    rows: int | None = None
    contract_name: str | None = None
    file_format: str | None = None
    seconds: float = 0.0
    fail_on: Severity = "error"

    @property
    def ok(self) -> bool:
        return not any(f.fails(self.fail_on) for f in self.findings)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "contract": self.contract,
            "ok": self.ok,
            "rows": self.rows,
            "format": self.file_format,
            "seconds": round(self.seconds, 3),
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass
class RunReport:
    files: list[FileReport] = field(default_factory=list)
    version: str = ""
    fail_on: Severity = "error"
    descriptions: dict[str, str] = field(default_factory=dict)  # check name -> one sentence (rules.py)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pipecheck": self.version,
            "ok": self.ok,
            "fail_on": self.fail_on,
            "files": [f.to_dict() for f in self.files],
        }
