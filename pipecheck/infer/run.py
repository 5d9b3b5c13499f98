"""`pipecheck infer`: profile the files in one streaming pass, decide, verify `unique` with the engine, render.

files -> readers (registry) -> batches -> ordered_map(profile_batch) -> ColumnProfile.merge
      -> decide -> (validate_file on the unique candidates) -> YAML, read back by the loader
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pipecheck.compile import compile_contract
from pipecheck.contract.loader import parse_contract
from pipecheck.contract.model import ColumnSpec, Contract, CsvDialect
from pipecheck.engine import Options, validate_file
from pipecheck.errors import UsageError
from pipecheck.executor import ordered_map
from pipecheck.infer.candidates import TYPED_ORDER, stored_candidates
from pipecheck.infer.decide import Decision, decide
from pipecheck.infer.dialect import ENCODING_LADDER, detect_delimiter, detect_encoding, sample
from pipecheck.infer.profile import ColumnBatch, ColumnPlan, ColumnProfile, profile_batch
from pipecheck.infer.render import render
from pipecheck.readers import UnreadableFile
from pipecheck.readers.base import Reader, ReadOptions, Work
from pipecheck.readers.dataset import list_members
from pipecheck.readers.registry import data_suffix, open_reader, sniff_format
from pipecheck.runner import compile_runnable, expand_paths
from pipecheck.storage_types import declarable_as

T = TypeVar("T")
_NAME_SUFFIXES = {".gz", ".bz2", ".xz", ".zst", ".csv", ".tsv", ".jsonl", ".ndjson", ".parquet"}


@dataclass(frozen=True)
class InferRequest:
    paths: list[str]
    name: str | None = None


@dataclass
class Inferred:
    text: str
    contract: Contract
    rows: int
    files: int
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Source:
    path: Path
    display: str
    kind: str  # csv, jsonl, parquet
    compression: str | None


class _Undecodable(Exception):
    """A CSV file has bytes its encoding does not decode: profile again with the next encoding."""


def infer_contract(request: InferRequest) -> Inferred:
    """Draft a contract that the given files satisfy."""
    given = expand_paths(request.paths)
    sources = [_source(path) for path in _member_files(given)]
    name = request.name or _stem(given[0])
    dialect, encodings = _csv_dialect(sources)
    for encoding in encodings:
        dialect = dialect.model_copy(update={"encoding": encoding})
        try:
            profiles, rows, warnings = _profile_all(sources, dialect)
        except _Undecodable:
            continue
        break
    else:
        raise UsageError(
            f"the CSV files hold bytes that are not valid {dialect.encoding}",
            hint="re-encode them (UTF-8 is best) or check they are text",
        )
    decision = decide([p for p in profiles.values() if p.storable != ()], len(sources))
    left_out = [p.name for p in profiles.values() if p.storable == ()]
    final = dialect.model_copy(update={"null_values": decision.null_values})
    duplicated = _verify_unique(sources, final, decision, name)
    for column in decision.columns:
        if column.unique_candidate and column.name not in duplicated:
            column.spec["unique"] = True
    data: dict[str, object] = {"contract": name}
    csv_section = _csv_section(sources, final)
    if csv_section is not None:
        data["csv"] = csv_section
    notes = []
    if left_out:
        data["extra_columns"] = "warn"
        notes.append(f"left out, stored as types no contract type describes: {', '.join(left_out)}")
    if decision.temporal_max:
        notes.append("date/datetime max bounds end with the last year seen: widen them if files grow over time")
    data["columns"] = {c.name: c.spec for c in decision.columns}
    extra = "warn" if left_out else None
    text = render(name, [s.display for s in sources], csv_section, decision.columns, notes, extra)
    contract = parse_contract(text, "<inferred contract>")
    if contract != Contract.model_validate(data):
        raise RuntimeError("the drafted contract does not read back as drafted")
    compile_runnable(contract, Path("<inferred contract>"))
    return Inferred(text, contract, rows, len(sources), warnings)


def _member_files(paths: list[Path]) -> list[Path]:
    """Files as given; a dataset directory's data files as validate lists them (readers.dataset)."""
    files: list[Path] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        members = [member.path for member in list_members(path) if member.path.is_file()]
        if not members:
            raise UsageError(f"{path}: no data files in this directory")
        files += members
    return files


def _source(path: Path) -> _Source:
    display = os.path.relpath(path) if path.is_absolute() and _under_cwd(path) else str(path)
    if not path.is_dir():
        try:
            regular = stat.S_ISREG(path.stat().st_mode)
        except OSError as exc:
            raise UsageError(f"{display}: cannot read: {exc.strerror or exc}") from None
        if not regular:
            raise UsageError(
                f"{display}: not a regular file; infer reads its input more than once",
                hint="save the stream to a file first",
            )
    try:
        kind, compression = sniff_format(path)
    except UnreadableFile as exc:
        raise UsageError(f"{display}: cannot infer a contract: {exc.message}") from None
    except OSError as exc:
        raise UsageError(f"{display}: cannot read: {exc.strerror or exc}") from None
    return _Source(path, display, kind, compression)


def _under_cwd(path: Path) -> bool:
    try:
        path.relative_to(Path.cwd())
    except ValueError:
        return False
    return True


def _stem(path: Path) -> str:
    name = path.name
    for _ in range(2):
        suffix = Path(name).suffix
        if suffix.lower() in _NAME_SUFFIXES:
            name = name[: -len(suffix)]
    return name or "data"


def _csv_dialect(sources: list[_Source]) -> tuple[CsvDialect, list[str]]:
    """The one dialect of the CSV files (they must agree), and the encodings to try in order."""
    found: list[tuple[_Source, str, str, str]] = []
    for source in sources:
        if source.kind != "csv":
            continue
        head = _contained(functools.partial(sample, source.path, source.compression), source)
        whole = len(head) < (256 << 10)
        encoding = detect_encoding(head, whole)
        text = head.decode(encoding, errors="replace")
        if data_suffix(source.path) == ".tsv" and "\t" in text:
            delimiter, quote = "\t", '"'
        else:
            delimiter, quote = detect_delimiter(text, whole)
        found.append((source, encoding, delimiter, quote))
    if not found:
        return CsvDialect(), ["utf-8"]
    first = found[0]
    for other in found[1:]:
        for index, what in ((2, "delimiter"), (3, "quote character")):
            if other[index] != first[index]:
                raise UsageError(
                    f"{other[0].display}: its {what} is {other[index]!r} but {first[0].display}'s is {first[index]!r}; "
                    "one contract has one CSV dialect",
                    hint="infer a contract for each kind of file",
                )
    encodings = [e for _, e, _, _ in found]
    if all(e in ENCODING_LADDER for e in encodings):
        start = max(ENCODING_LADDER.index(e) for e in encodings)
        ladder = list(ENCODING_LADDER[start:])
    elif len(set(encodings)) == 1:
        ladder = [encodings[0]]
    else:
        raise UsageError(
            f"the files are in different encodings ({', '.join(sorted(set(encodings)))}); one contract has one",
            hint="infer a contract for each kind of file",
        )
    return CsvDialect(delimiter=first[2], quotechar=first[3], encoding=ladder[0]), ladder


def _csv_section(sources: list[_Source], dialect: CsvDialect) -> dict[str, object] | None:
    if any(s.kind == "csv" for s in sources):
        shown: dict[str, object] = {"delimiter": dialect.delimiter}
        if dialect.quotechar != '"':
            shown["quotechar"] = dialect.quotechar
        return shown | {"encoding": dialect.encoding, "null_values": dialect.null_values}
    if any(s.kind == "jsonl" for s in sources) and dialect.null_values != [""]:
        return {"null_values": dialect.null_values}  # text values of JSON Lines take null tokens too
    return None


def _profile_all(sources: list[_Source], dialect: CsvDialect) -> tuple[dict[str, ColumnProfile], int, list[str]]:
    profiles: dict[str, ColumnProfile] = {}
    rows = 0
    warnings: list[str] = []
    for source in sources:
        options = ReadOptions(dialect if source.kind == "csv" else CsvDialect(), max_examples=3)
        reader = _contained(functools.partial(open_reader, source.path, options), source)
        try:
            rows += _profile_file(source, reader, profiles, warnings)
        finally:
            reader.close()
    return profiles, rows, warnings


def _profile_file(source: _Source, reader: Reader, profiles: dict[str, ColumnProfile], warnings: list[str]) -> int:
    names = _contained(reader.columns, source)
    _check_header(source, names)
    internal = {name: f"c{i}" for i, name in enumerate(names)}
    for name in names:
        profile = profiles.setdefault(name, ColumnProfile(name))
        profile.files += 1
        profile.text = profile.text or reader.text
    wanted = {internal[name]: i for i, name in enumerate(names)}
    batches = reader.batches(wanted)
    keys = dict.fromkeys(names, TYPED_ORDER)
    if not reader.text:
        keys = _storable(_contained(reader.schema, source), names)
        for name in names:
            if profiles[name].storable is None:
                profiles[name].storable = keys[name]

    def planned() -> Iterator[tuple[Work, dict[str, ColumnPlan]]]:
        while True:
            work = _contained(lambda: next(batches, None), source)
            if work is None:
                return
            yield work, {n: profiles[n].plan(internal[n], reader.text, keys[n]) for n in names if keys[n]}

    Profiled = tuple[Work, int, dict[str, ColumnPlan], dict[str, ColumnBatch]]

    def profiled(item: tuple[Work, dict[str, ColumnPlan]]) -> Profiled:
        work, plans = item
        frame = _contained(work.parse, source)
        return work, frame.height, plans, profile_batch(plans, frame)

    rows = 0
    decode_log = getattr(reader, "decode_log", None)
    results = ordered_map(profiled, planned())
    try:
        for work, batch_rows, plans, result in results:
            _contained(work.settle, source)  # in file order: the reader's own findings and counts
            rows += batch_rows
            for name, column in result.items():
                profiles[name].merge(column, plans[name].keys)
            if decode_log is not None and decode_log.count:
                raise _Undecodable
    finally:
        results.close()
    for finding in reader.file_findings():
        if finding.check == "encoding":
            raise _Undecodable
        where = next((f" (line {e.line})" for e in finding.examples if e.line), "")
        warnings.append(f"{source.display}: {finding.message}{where}; validate will report it")
    return rows


def _storable(schema: object, names: list[str]) -> dict[str, tuple[str, ...]]:
    import pyarrow as pa

    assert isinstance(schema, pa.Schema)
    keys: dict[str, tuple[str, ...]] = {}
    for name in names:
        index = schema.get_field_index(name)
        if index < 0:
            keys[name] = ()
            continue
        types, zoned = declarable_as(schema.field(index).type)
        found = {k for t in types for k in stored_candidates(t, zoned)}
        keys[name] = tuple(k for k in TYPED_ORDER if k in found)
    return keys


def _check_header(source: _Source, names: list[str]) -> None:
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not name.strip():
            raise UsageError(
                f"{source.display}: column {position} has a blank header; a contract names every column",
                hint="give the column a name in the file",
            )
        if name in seen:
            raise UsageError(
                f"{source.display}: header {name!r} appears more than once; a contract names each column once",
                hint="rename one of them in the file",
            )
        seen.add(name)


def _verify_unique(sources: list[_Source], dialect: CsvDialect, decision: Decision, name: str) -> set[str]:
    """The unique candidates that repeat a value in some file, found exactly by validate's own engine
    (keys by hash partition, spilled past its memory budget) on a contract of just those columns."""
    candidates = {c.name: c.spec for c in decision.columns if c.unique_candidate}
    if not candidates:
        return set()
    columns = {
        column: ColumnSpec(
            type=spec["type"],
            format=spec.get("format"),
            timezone=spec.get("timezone"),
            nullable=True,
            required=False,
            unique=True,
        )
        for column, spec in candidates.items()
    }
    probe = Contract(contract=name, csv=dialect, extra_columns="ignore", columns=columns)
    compiled = compile_contract(probe)
    repeated: set[str] = set()
    for source in sources:
        report = validate_file(source.path, source.display, compiled, "<unique check>", Options(max_examples=1))
        repeated |= {f.column for f in report.findings if f.check == "unique" and f.column}
        problems = [f for f in report.findings if f.check in ("unreadable", "limit")]
        if problems:
            raise UsageError(f"{source.display}: cannot infer a contract: {problems[0].message}")
    return repeated


def _contained(read: Callable[[], T], source: _Source) -> T:
    """A reader call; a file that cannot be read is a one-line usage error naming it."""
    try:
        return read()
    except UnreadableFile as exc:
        raise UsageError(f"{source.display}: cannot infer a contract: {exc.message}") from None
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError, UsageError, _Undecodable):
        raise
    except BaseException as exc:  # corrupt data: pyarrow/polars errors, a polars panic
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise UsageError(
            f"{source.display}: cannot infer a contract: {type(exc).__name__}{': ' + message if message else ''}"
        ) from None
