"""A directory validated as one dataset: which of its files are members, their partition values typed
by the contract, and the members' own findings combined into the dataset's.

Every member is judged against the contract on its own (its columns, their storage), as
pyarrow.dataset and Spark do not: they take one file's schema and fill a column another file
lacks with nulls. Value rules, `unique` and `row_count` run over the whole dataset.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipecheck.compile import CompiledContract
from pipecheck.findings import Example, Finding
from pipecheck.parsing import POLARS_TYPES, expected_text, parse_expr
from pipecheck.readers import UnreadableFile
from pipecheck.readers.dataset import Member, list_members
from pipecheck.readers.registry import sniff_format

if TYPE_CHECKING:
    import polars as pl

# When two formats are as common in one directory, the dataset is the first of these.
FORMAT_PREFERENCE = ("parquet", "csv", "jsonl")
SKIPPED = "hidden files, names starting with _ (not key=value folders) and .crc files are skipped, as Spark does"


@dataclass(frozen=True)
class Layout:
    """The members to read (in path order), the dataset's format, and findings about the others."""

    members: list[Member]
    file_format: str | None
    findings: list[Finding]


def dataset_layout(directory: Path, max_examples: int) -> Layout:
    """The directory's members of one format; files of another format are one finding, not read."""
    members = list_members(directory)
    if not members:
        raise UnreadableFile(f"the directory holds no data files ({SKIPPED})")
    kinds: dict[str, str | None] = {}
    findings = []
    for member in members:
        if _special(member.path):  # a FIFO or device: opening it could wait forever
            findings.append(
                Finding(
                    "unreadable",
                    f"{member.source}: not a regular file (a FIFO, socket or device); not read",
                    examples=[Example(file=member.source)],
                )
            )
            kinds[member.source] = "special"
            continue
        try:
            kinds[member.source] = sniff_format(member.path)[0]
        except (UnreadableFile, OSError):
            kinds[member.source] = None  # read as a member, whose reader says what is wrong
    counts = Counter(kind for kind in kinds.values() if kind in FORMAT_PREFERENCE)
    if not counts:
        return Layout([m for m in members if kinds[m.source] is None], None, findings)
    chosen = max(counts, key=lambda kind: (counts[kind], -FORMAT_PREFERENCE.index(kind)))
    for kind in sorted(counts, key=FORMAT_PREFERENCE.index):
        if kind == chosen:
            continue
        others = [m for m in members if kinds[m.source] == kind]
        names = ", ".join(m.source for m in others[:3]) + (", ..." if len(others) > 3 else "")
        findings.append(
            Finding(
                "mixed_formats",
                f"{len(others)} file(s) of the directory are {kind}, not {chosen} like the other "
                f"{counts[chosen]}: {names}; they were not read",
                count=len(others),
                examples=[Example(file=m.source) for m in others[:max_examples]],
                hint="a dataset directory is one table in one format: move them out, or validate them by name",
            )
        )
    read = [m for m in members if kinds[m.source] in (chosen, None)]
    return Layout(read, chosen, findings)


def _special(path: Path) -> bool:
    """Neither a regular file nor a dangling link (which its reader reports)."""
    import stat

    try:
        return not stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def partition_values(
    member: Member, compiled: CompiledContract, *, text: bool, own: list[str]
) -> tuple[dict[str, pl.Series], list[Finding]]:
    """The member's partition columns, one value each: a value is text read under the contract's text
    rules (null_values apply; __HIVE_DEFAULT_PARTITION__ is null), handed over as text to a text
    reader and typed to a typed one. A value that does not parse is a `type` finding, its column
    not checked in this member. A folder naming a column the file holds (`own`) is a finding (Spark
    and pyarrow refuse such a dataset): the file's values are checked, the folder's are not."""
    import polars as pl

    values: dict[str, pl.Series] = {}
    findings: list[Finding] = []
    clashing: set[str] = set()
    for key, raw in member.partitions:
        if key in values or key in clashing:
            continue  # year=1/year=2: the outer folder names the value
        if key in own:
            clashing.add(key)
            findings.append(
                Finding(
                    "duplicate_column",
                    f"the partition folders {key}=... name the column {key!r}, which the file holds too; "
                    "the file's values are checked, the folder's are not",
                    column=key,
                    hint="rename the partition folders, or drop the column from the files",
                    scope="header",
                )
            )
            continue
        column = compiled.columns.get(key)
        as_text = pl.Series(key, [raw], pl.String)
        if column is None or text or column.spec.type == "string":
            values[key] = as_text
        if column is None:
            continue
        spec = column.spec
        is_null = raw is None or raw in compiled.contract.csv.null_values
        parsed = as_text.to_frame().select(parse_expr(pl.col(key), spec)).to_series()
        if not is_null and parsed.is_null().all():
            findings.append(
                Finding(
                    "type",
                    f"partition folder {key}={raw}: {raw!r} is not {expected_text(spec)}; {key} was not checked",
                    severity=spec.severity,
                    column=key,
                    examples=[Example(value=raw, file=member.source)],
                    hint=f"the {key}=... folders give the column {key}",
                    scope="header",
                )
            )
            values.setdefault(key, as_text)
            continue
        dtype = POLARS_TYPES[spec.type]
        if spec.type == "datetime" and spec.timezone == "aware":
            dtype = pl.Datetime("us", "UTC")  # a zoned value, as stored zoned timestamps are
        typed = pl.Series(key, [None], dtype) if is_null else parsed.cast(dtype)
        values.setdefault(key, typed)
    return values, findings


def combine(found: list[tuple[str, Finding]], members: int, max_examples: int) -> list[Finding]:
    """The members' own findings (columns, storage, reading) as the dataset's: a finding every member
    has alike is reported once, as for a file; one only some members have names them, with their
    examples' rows counted within each member."""
    groups: dict[tuple[object, ...], list[tuple[str, Finding]]] = {}
    for source, finding in found:
        key = (finding.check, finding.column, finding.severity, finding.message, finding.hint, finding.scope)
        groups.setdefault(key, []).append((source, finding))
    combined = []
    for group in groups.values():
        first = group[0][1]
        if members > 1 and len(group) == members and all(f.examples == first.examples for _, f in group):
            combined.append(first)
            continue
        examples = [
            replace(example, file=example.file or source)
            for source, finding in group
            for example in (finding.examples or [Example(file=source)])
        ]
        message = (
            f"{group[0][0]}: {first.message}"
            if len(group) == 1
            else f"{first.message} (in {len(group)} of {members} files)"
        )
        combined.append(
            replace(
                first,
                message=message,
                count=sum(f.count for _, f in group),
                examples=examples[:max_examples],
            )
        )
    return combined
