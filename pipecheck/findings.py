"""The one result model every reporter reads: plain, JSON-serialisable dataclasses."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Literal

Severity = Literal["error", "warning"]

SEVERITY_RANK: dict[str, int] = {"warning": 1, "error": 2}


@dataclass(frozen=True)
class Example:
    """One offending value: 1-based data row, physical line (CSV) and the value as text; in a dataset
    directory, the member `file` (relative to the directory) the row and line are counted in."""

    row: int | None = None
    line: int | None = None
    value: str | None = None
    byte_offset: int | None = None
    note: str | None = None
    file: str | None = None

    @property
    def location(self) -> str:
        """'row 9, line 10' (and 'byte N' for decoding problems), after the member file of a dataset
        ('year=2024/part-1.csv row 9, line 10'); empty when nothing is known."""
        parts = [
            f"{label} {number}"
            for label, number in (("row", self.row), ("line", self.line), ("byte", self.byte_offset))
            if number is not None
        ]
        where = ", ".join(parts)
        if self.file is None:
            return where
        return f"{self.file} {where}" if where else self.file

    @property
    def whole_member(self) -> bool:
        """Whether the example is a whole member file of a dataset (no row, line or value to show)."""
        return self.value is None and self.row is None and self.line is None and self.file is not None

    def summary(self, value_chars: int = 40) -> str:
        """One line for humans: "row 9, line 10: '-5.0' (note)", the value cut to value_chars (see shown_value)."""
        if self.whole_member and self.file is not None:
            return self.file
        shown = shown_value(self.value, value_chars)
        text = f"{self.location}: {shown}" if self.location else shown
        return f"{text} ({self.note})" if self.note else text

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"row": self.row, "line": self.line, "value": self.value}
        if self.file is not None:
            out["file"] = self.file
        if self.byte_offset is not None:
            out["byte_offset"] = self.byte_offset
        if self.note is not None:
            out["note"] = self.note
        return out


def shown_value(value: str | None, chars: int = 40, measure: Callable[[str], int] = len) -> str:
    """A value quoted as Python's repr would, control characters escaped, cut in the middle to `chars`.

    Both ends stay visible (the trailing `Z` of '2013-01-01T10:00:00Z' is often what explains a
    type error); `measure` is the width of a piece of text (rich's cell_len on a terminal).
    """
    if value is None:
        return "null"
    quote = '"' if "'" in value and '"' not in value else "'"
    pieces = [("\\'" if ch == "'" == quote else repr(ch)[1:-1]) for ch in value]
    chars = max(chars, 8)  # never fewer: a quote, a few characters of each end, the ellipsis
    if measure(quote + "".join(pieces) + quote) <= chars:
        return quote + "".join(pieces) + quote
    budget = chars - 2 * measure(quote) - measure("…")
    head: list[str] = []
    tail: list[str] = []
    head_width = tail_width = 0
    front, back = 0, len(pieces) - 1
    while front <= back:  # alternate ends, the head taking the odd piece
        taking_head = head_width <= tail_width
        piece = pieces[front] if taking_head else pieces[back]
        width = measure(piece)
        if head_width + tail_width + width > budget:
            break
        if taking_head:
            head.append(piece)
            head_width += width
            front += 1
        else:
            tail.append(piece)
            tail_width += width
            back -= 1
    return quote + "".join(head) + "…" + "".join(reversed(tail)) + quote


@dataclass(frozen=True)
class Tolerated:
    """How a rule with a `mostly` fared: the fraction required, the fraction of its judged
    (non-null) values that passed, and how many were judged."""

    required: float
    observed: float
    evaluated: int

    def to_dict(self) -> dict[str, Any]:
        return {"required": self.required, "observed": self.observed, "evaluated": self.evaluated}


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
    mostly: Tolerated | None = None  # a rule with a mostly: its fraction (below it an error, else a warning)

    def fails(self, fail_on: Severity) -> bool:
        return SEVERITY_RANK[self.severity] >= SEVERITY_RANK[fail_on]

    def anchor(self) -> tuple[str | None, int | None]:
        """(member file, line) a report points at: the first example's with a line, else the first
        member file named; the member is None for a plain file."""
        with_line = next((e for e in self.examples if e.line is not None), None)
        if with_line is not None:
            return with_line.file, with_line.line
        return next((e.file for e in self.examples if e.file is not None), None), None

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
        if self.mostly is not None:
            out["mostly"] = self.mostly.to_dict()
        return out


@dataclass
class Quarantine:
    """What --quarantine / --max-invalid made of one file: its rows split into valid and invalid, or
    the whole file rejected (a failure no row can be blamed for)."""

    rows: int  # the file's records
    invalid: int  # records failing an error rule (or malformed)
    reasons: list[tuple[str, int]] = field(default_factory=list)  # label -> rows, most first
    max_invalid: str | None = None  # the tolerance as given ('0.5%', '100')
    allowed: int | None = None  # invalid rows the tolerance allows in this file
    rejected: list[str] = field(default_factory=list)  # why the file cannot be split (finding messages)
    valid_path: str | None = None
    invalid_path: str | None = None
    rejected_path: str | None = None

    @property
    def valid(self) -> int:
        return self.rows - self.invalid

    @property
    def within(self) -> bool:
        """The file is usable: nothing rejected and its invalid rows within the tolerance."""
        return not self.rejected and (self.allowed is None or self.invalid <= self.allowed)

    def summary(self, reasons: int = 3) -> str:
        """One line: '4,980,112 valid → q/orders.valid.csv · 19,888 invalid (0.40%) → q/orders.invalid.csv ·
        top reasons: amount:min 12,001, email:pattern 7,887', or where a rejected file went and why."""
        share = f"{100 * self.invalid / self.rows:.2f}%" if self.rows else "0%"
        if self.rejected:
            where = f" → {self.rejected_path}" if self.rejected_path else ""
            text = f"rejected as a whole{where}: {self.rejected[0]}"
            return text + (f" (and {len(self.rejected) - 1} more reasons)" if len(self.rejected) > 1 else "")
        valid = f"{self.valid:,} valid" + (f" → {self.valid_path}" if self.valid_path else "")
        invalid = f"{self.invalid:,} invalid ({share})" + (f" → {self.invalid_path}" if self.invalid_path else "")
        parts = [valid, invalid]
        if self.max_invalid is not None:
            verdict = "within" if self.within else "over"
            parts.append(f"{verdict} --max-invalid {self.max_invalid} ({self.allowed:,} allowed)")
        if self.reasons:
            top = ", ".join(f"{label} {count:,}" for label, count in self.reasons[:reasons])
            parts.append(f"top reasons: {top}")
        return " · ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "valid": self.valid,
            "invalid": self.invalid,
            "invalid_fraction": round(self.invalid / self.rows, 6) if self.rows else 0.0,
            "reasons": dict(self.reasons),
            "max_invalid": self.max_invalid,
            "allowed": self.allowed,
            "within": self.within,
            "rejected": list(self.rejected),
            "valid_path": self.valid_path,
            "invalid_path": self.invalid_path,
            "rejected_path": self.rejected_path,
        }


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
    members: int | None = None  # a dataset directory: how many files were read as its members
    quarantine: Quarantine | None = None  # --quarantine / --max-invalid

    @property
    def ok(self) -> bool:
        """The contract holds; with a tolerance (--max-invalid), the file is within it instead and
        fails no check of the file as a whole (the tolerance is of invalid rows)."""
        if self.quarantine is not None and self.quarantine.max_invalid is not None:
            return self.quarantine.within and not self.fails_as_a_whole
        return not any(f.fails(self.fail_on) for f in self.findings)

    @property
    def fails_as_a_whole(self) -> bool:
        """A failure no invalid row accounts for and that did not reject the file: a warning under
        --fail-on warning (an error of the file as a whole, drift included, rejects it)."""
        return self.fail_on == "warning" and any(f.severity == "warning" for f in self.findings)

    def path_of(self, member: str | None) -> str:
        """The path of a member file of this dataset directory (the report's own path for None)."""
        return self.path if member is None else str(PurePath(self.path, member))

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "path": self.path,
            "contract": self.contract,
            "ok": self.ok,
            "rows": self.rows,
            "format": self.file_format,
            "seconds": round(self.seconds, 3),
            "findings": [f.to_dict() for f in self.findings],
        }
        if self.members is not None:
            out["members"] = self.members
        if self.quarantine is not None:
            out["quarantine"] = self.quarantine.to_dict()  # type: ignore[assignment]
        return out


@dataclass
class RunReport:
    files: list[FileReport] = field(default_factory=list)
    version: str = ""
    fail_on: Severity = "error"
    descriptions: dict[str, str] = field(default_factory=dict)  # check name -> one sentence (rules.py)
    skipped: list[str] = field(default_factory=list)  # --skip-unmatched: files no contract matches, as given

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pipecheck": self.version,
            "ok": self.ok,
            "fail_on": self.fail_on,
            "files": [f.to_dict() for f in self.files],
            "skipped": list(self.skipped),
        }

    def to_json(self) -> str:
        """The report as `pipecheck validate --format json` prints it."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
