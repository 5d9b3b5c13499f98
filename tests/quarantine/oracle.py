"""An independent oracle for quarantine: a CSV text split into records by the stdlib csv module
(each record's exact text, line break included), each record judged by plain Python rules, and a
quarantine output split back into its records."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

PREFIX = ("_pipecheck_row", "_pipecheck_line", "_pipecheck_errors")
MALFORMED = "_record:malformed"


@dataclass(frozen=True)
class Record:
    text: str  # the record as the file has it, its line break included
    fields: list[str]
    line: int  # physical line where it starts, 1-based
    row: int = 0  # 1-based data record (header excluded), 0 for the header


def _line_starts(text: str) -> list[int]:
    """Offsets where each physical line starts (after every LF, CRLF or lone CR)."""
    starts = [0]
    for match in re.finditer(r"\r\n|\r|\n", text):
        starts.append(match.end())
    return starts


def split_records(text: str, delimiter: str = ",", quotechar: str = '"') -> list[Record]:
    """The non-blank records of `text`, as the csv module reads them, with their exact text."""
    starts = _line_starts(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar, strict=False)
    out: list[Record] = []
    previous = 0
    for fields in reader:
        first, previous = previous, reader.line_num
        if not fields:
            continue
        begin = starts[first] if first < len(starts) else len(text)
        end = starts[previous] if previous < len(starts) else len(text)
        out.append(Record(text[begin:end], fields, first + 1, len(out)))
    return out


def terminated(text: str, newline: str) -> str:
    return text if text.endswith(("\n", "\r")) else text + newline


def prefix_end(text: str, delimiter: str = ",", quotechar: str = '"') -> int:
    """The offset after the third delimiter outside quotes: where the input's record begins."""
    seen, quoted = 0, False
    for i, ch in enumerate(text):
        if ch == quotechar:
            quoted = not quoted
        elif ch == delimiter and not quoted:
            seen += 1
            if seen == 3:
                return i + 1
    raise AssertionError(f"no three-field prefix in {text!r}")


@dataclass(frozen=True)
class Invalid:
    row: int
    line: str
    labels: list[str]
    text: str  # the input's record, prefix removed


def split_invalid(text: str, delimiter: str = ",", quotechar: str = '"') -> tuple[str, list[Invalid]]:
    """The invalid output's header (prefix removed) and records; asserts they are all it holds."""
    records = split_records(text, delimiter, quotechar)
    assert "".join(r.text for r in records) == text, "the invalid file holds more than its records"
    header, *rows = records
    assert header.fields[:3] == list(PREFIX)
    out = []
    for record in rows:
        at = prefix_end(record.text, delimiter, quotechar)
        prefix = next(csv.reader(io.StringIO(record.text[:at], newline=""), delimiter=delimiter, quotechar=quotechar))
        out.append(Invalid(int(prefix[0]), prefix[1], [x for x in prefix[2].split(";") if x], record.text[at:]))
    return header.text[prefix_end(header.text, delimiter, quotechar) :], out


Judge = Callable[[dict[str, str]], list[str]]


@dataclass(frozen=True)
class Verdicts:
    records: list[Record]  # data records
    labels: dict[int, list[str]]  # row -> labels, invalid rows only

    @property
    def reasons(self) -> Counter[str]:
        return Counter(label for labels in self.labels.values() for label in labels)


def judge(
    records: Sequence[Record],
    names: list[str],
    rules: Judge,
    unique: Sequence[tuple[str, ...]],
    keep: str = "first",
) -> Verdicts:
    """Each data record's failed error rules: malformed ones, each row's own, then duplicate keys."""
    labels: dict[int, list[str]] = {}
    seen: dict[tuple[str, ...], dict[tuple[str, ...], list[int]]] = {key: {} for key in unique}
    for record in records:
        if len(record.fields) != len(names):
            labels[record.row] = [MALFORMED]
            continue
        values = dict(zip(names, record.fields, strict=True))
        own = rules(values)
        if own:
            labels[record.row] = own
        for key in unique:
            seen[key].setdefault(tuple(values[c] for c in key), []).append(record.row)
    for key in unique:
        label = f"{key[0]}:unique" if len(key) == 1 else f"{'+'.join(key)}:unique_together"
        for rows in seen[key].values():
            if len(rows) < 2:
                continue
            for row in rows[1:] if keep == "first" else rows:
                labels.setdefault(row, []).append(label)
    return Verdicts(list(records), labels)
