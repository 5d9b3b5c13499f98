"""Compare the columns a file has with the columns its contract declares (by name, never position)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from pipecheck.contract.model import Contract
from pipecheck.findings import Example, Finding, Severity

# Columns --quarantine adds to invalid files (_pipecheck_row, ...): ignored on input.
QUARANTINE_PREFIX = "_pipecheck_"


@dataclass
class HeaderMatch:
    positions: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def _norm(name: str) -> str:
    return name.strip().casefold()


def match_header(
    names: list[str], contract: Contract, *, delimiter: str | None = None, line: int | None = 1
) -> HeaderMatch:
    """Map contract columns to file positions and report missing, extra, duplicate and reordered columns."""
    result = HeaderMatch()
    first_position: dict[str, int] = {}
    duplicates: dict[str, list[int]] = {}
    for pos, name in enumerate(names):
        if name.strip() == "":
            result.findings.append(
                Finding(
                    "blank_header",
                    f"column {pos + 1} has a blank header",
                    examples=[Example(row=None, line=line, value=name)],
                    hint="give every column a name",
                )
            )
            continue
        if name.startswith(QUARANTINE_PREFIX) and name not in contract.columns:
            continue  # written by --quarantine: an invalid file, repaired, is validated as it is
        if name in first_position:
            duplicates.setdefault(name, [first_position[name]]).append(pos)
        else:
            first_position[name] = pos
    for name, positions in duplicates.items():
        where = ", ".join(str(p + 1) for p in positions)
        result.findings.append(
            Finding(
                "duplicate_column",
                f"header {name!r} appears {len(positions)} times (columns {where}); only the first is checked",
                column=name,
                count=len(positions) - 1,
            )
        )

    declared = contract.columns
    extra = [n for n in first_position if n not in declared]
    by_norm: dict[str, list[str]] = {}
    for n in extra:
        by_norm.setdefault(_norm(n), []).append(n)
    missing: list[str] = []
    for name, spec in declared.items():
        if name in first_position:
            result.positions[name] = first_position[name]
            continue
        candidates = by_norm.get(_norm(name))
        near = candidates.pop(0) if candidates else None
        if near is not None:
            result.findings.append(
                Finding(
                    "missing_column",
                    f"column {name!r} is missing; the file has {near!r}, which differs only by case or whitespace",
                    column=name,
                    severity="error" if spec.required else spec.severity,
                    hint=f"rename {near!r} to {name!r} in the file, or in the contract",
                )
            )
            extra.remove(near)
            continue
        if spec.required:
            missing.append(name)

    seen = _delimiter_seen(names[0]) if delimiter is not None and len(names) == 1 and missing else None
    if seen is not None:
        # "a;b" read as one column: the delimiter is wrong, not the column names; one finding says so.
        result.findings.append(
            Finding(
                "missing_column",
                f"the header is one column, {names[0][:60]!r}: it looks {seen!r}-separated, not {delimiter!r}; "
                f"{len(missing)} required column(s) not found",
                hint=f"set csv.delimiter: {seen!r} in the contract",
                examples=[Example(line=line, value=names[0])],
                scope="header",
            )
        )
        return result
    for name in missing:
        close = difflib.get_close_matches(name, extra, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? (renamed upstream?)" if close else None
        result.findings.append(
            Finding("missing_column", f"required column {name!r} is missing", column=name, hint=hint)
        )

    if contract.extra_columns != "ignore":
        severity: Severity = "error" if contract.extra_columns == "error" else "warning"
        for name in extra:
            close = difflib.get_close_matches(name, missing, n=1, cutoff=0.6)
            result.findings.append(
                Finding(
                    "extra_column",
                    f"column {name!r} is not in the contract",
                    column=name,
                    severity=severity,
                    hint=f"did you mean {close[0]!r}?"
                    if close
                    else "add it to the contract or set extra_columns"
                    if severity == "error"
                    else None,
                )
            )

    for finding in result.findings:
        finding.scope = "header"
    if contract.ordered:
        expected = [n for n in declared if n in result.positions]
        actual = sorted(expected, key=lambda n: result.positions[n])
        if expected != actual:
            result.findings.append(
                Finding(
                    "column_order",
                    f"columns are out of order: expected {', '.join(expected)}; found {', '.join(actual)}",
                    scope="header",
                )
            )
    return result


def _delimiter_seen(name: str) -> str | None:
    """The separator a one-column header seems to use (the most frequent of ; tab | ,), if any."""
    counts = {sep: name.count(sep) for sep in (";", "\t", "|", ",")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else None
