"""Run a compiled contract over a file's batches and merge the partial results into findings."""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipecheck.checking import BatchResult, check_batch, type_message
from pipecheck.compile import CompiledContract
from pipecheck.findings import Example, FileReport, Finding, Severity
from pipecheck.header import HeaderMatch, match_header
from pipecheck.prefetch import prefetch
from pipecheck.readers import LimitExceeded, UnreadableFile
from pipecheck.readers.source import COMPRESSIONS, DecodeLog, open_binary, sniff
from pipecheck.uniqueness import Duplicates, KeyStore, find_duplicates

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

    from pipecheck.readers.csv import CsvReader, RecordPlace


# Longest example value put in a report; longer values are cut (their length is reported).
MAX_EXAMPLE_CHARS = 1000


@dataclass(frozen=True)
class Options:
    max_examples: int = 5
    fail_fast: bool = False
    fail_on: Severity = "error"
    block_size: int = 8 << 20  # pyarrow's CSV blocks; plain text goes to polars in twice that (readers/csv.py)
    progress: ProgressSink | None = None


# Called after each batch with (file, bytes done, bytes in all, rows so far); from worker threads.
ProgressSink = Callable[[str, int, int | None, int], None]


@dataclass
class _Draft:
    check: str
    column: str | None
    count: int = 0
    ordinals: list[int] = field(default_factory=list)
    values: list[str | None] = field(default_factory=list)


@dataclass
class Tally:
    """Exact counts and the first examples of every (check, column), merged across batches."""

    max_examples: int
    rows: int = 0
    drafts: dict[tuple[str, str | None], _Draft] = field(default_factory=dict)
    keys: dict[tuple[str, ...], KeyStore] = field(default_factory=dict)

    def merge(self, part: BatchResult) -> None:
        self.rows += part.rows
        for v in part.violations:
            draft = self.drafts.setdefault((v.check, v.column), _Draft(v.check, v.column))
            draft.count += v.count
            room = self.max_examples - len(draft.ordinals)
            draft.ordinals += v.ordinals[:room]
            draft.values += v.values[:room]
        for key, frame in part.keys.items():
            self.keys.setdefault(key, KeyStore()).add(frame)

    def wanted_ordinals(self) -> list[int]:
        return sorted({o for d in self.drafts.values() for o in d.ordinals})


def validate_file(
    path: Path, display: str, compiled: CompiledContract, contract_path: str, options: Options
) -> FileReport:
    """Validate one file; unreadable data becomes a finding, never an exception."""
    started = time.perf_counter()
    report = FileReport(path=display, contract=contract_path, contract_name=compiled.name, fail_on=options.fail_on)
    try:
        kind = "parquet" if path.is_dir() else sniff(path)
        compression = kind if kind in COMPRESSIONS else None
        if compression:
            kind = _inner_kind(path, compression)
        report.file_format = kind if compression is None else f"{kind}+{compression}"
        if kind == "parquet":
            _validate_parquet(path, compiled, options, report)
        elif kind == "csv":
            _validate_csv(path, compression, compiled, options, report)
        else:
            raise UnreadableFile(f"this is a {kind}, not a CSV or Parquet file")
    except LimitExceeded as exc:
        report.findings.append(Finding("limit", exc.message, hint="see 'Limits' in the README"))
    except UnreadableFile as exc:
        examples = [Example(line=exc.line)] if exc.line else []
        report.findings.append(Finding("unreadable", exc.message, examples=examples))
    except PermissionError:
        report.findings.append(Finding("unreadable", "permission denied: cannot open the file for reading"))
    except IsADirectoryError:
        report.findings.append(Finding("unreadable", "is a directory, not a data file"))
    report.seconds = time.perf_counter() - started
    return report


def _inner_kind(path: Path, compression: str) -> str:
    try:
        with open_binary(path, compression) as stream:
            head = stream.read(16)
    except Exception as exc:  # OSError/EOFError from gzip/bz2/lzma, ArrowException from zstd
        raise UnreadableFile(f"corrupt {compression} data: {exc}") from None
    if not head:
        raise UnreadableFile(f"the {compression} archive is empty")
    if head.startswith(b"PAR1"):
        raise UnreadableFile("a compressed Parquet file: Parquet compresses internally, store it uncompressed")
    return "csv"


# ---------------------------------------------------------------- CSV


def _validate_csv(
    path: Path, compression: str | None, compiled: CompiledContract, options: Options, report: FileReport
) -> None:
    from pipecheck.readers.csv import MAX_RECORD_BYTES, CsvReader, RecordTooLong

    block_size = options.block_size
    while True:
        log = DecodeLog(keep=options.max_examples)
        reader = CsvReader(path, compiled.contract.csv, compression, log, block_size)
        try:
            findings = _csv_findings(reader, compiled, options, report)
        except RecordTooLong:
            if block_size >= MAX_RECORD_BYTES:
                raise LimitExceeded(f"a record is longer than {MAX_RECORD_BYTES >> 20} MB") from None
            block_size = min(block_size * 4, MAX_RECORD_BYTES)
            continue
        report.findings.extend(findings)
        return


def _csv_findings(reader: CsvReader, compiled: CompiledContract, options: Options, report: FileReport) -> list[Finding]:

    from pipecheck.readers.csv import Located, RecordPlace

    contract = compiled.contract
    try:
        names = reader.header()
    except UnicodeError as exc:
        raise UnreadableFile(f"cannot decode as {contract.csv.encoding}: {exc}") from None
    header = _csv_header(names, compiled)
    tally = Tally(options.max_examples)
    stopped_early = False
    shared = _SharedChecking(compiled, options.max_examples, is_text=True)
    batches = prefetch(reader.batches(len(names), header.positions), then=shared.produced, idle=shared.help, depth=1)
    for batch in batches:  # depth 1: with 16 MB plain batches a second one ahead held ~40 MB more, no faster
        tally.merge(shared.result(batch))
        if options.progress is not None:
            options.progress(report.path, reader.bytes_done(), _size(reader.path), tally.rows)
        if options.fail_fast and _has_error(tally, compiled):
            stopped_early = True
            break
    report.rows = tally.rows + reader.malformed.count

    duplicates = [] if stopped_early else find_duplicates(tally.keys, compiled, options.max_examples)
    wanted = tally.wanted_ordinals() + [o for d in duplicates for o in d.ordinals]
    findings: list[Finding] = []
    if not stopped_early and not reader.malformed.count and reader.one_line_per_record(report.rows):
        header_lines = 1 if compiled.contract.csv.header else 0
        located = Located(rows={o: RecordPlace(o + 1, o + 1 + header_lines) for o in wanted})
    else:
        located = reader.locate(wanted, options.max_examples if reader.malformed.count else 0)
    if reader.decode_log.count:
        findings.append(_decode_finding(reader))
    if reader.malformed.count:
        findings.append(_malformed_finding(reader, located.malformed))
    if not stopped_early:
        opened = reader.open_quote()
        if opened is not None:
            findings.append(_open_quote_finding(opened))
    findings += header.findings
    places: dict[int, tuple[int | None, int | None]] = {o: (p.row, p.line) for o, p in located.rows.items()}
    findings += _value_findings(tally, compiled, places, duplicates, stopped_early)
    return findings


@dataclass
class _Batch:
    frame: pl.DataFrame | None
    first_ordinal: int
    rows: int  # a Parquet frame without columns (none readable) has height 0, its rows do not
    result: BatchResult | None = None
    taken: bool = False  # the checking thread has it
    lock: threading.Lock = field(default_factory=threading.Lock)


class _SharedChecking:
    """Checking of batches, shared by the reading and the checking thread.

    The checking thread checks a batch when it takes it, unless the reading thread, finding itself
    ahead (the prefetch queue full), already did; results are merged in file order either way.
    Either thread alone was the bottleneck in turn (type parsing on the reading thread: 7.3 s, on
    the checking one: 5.6 s at 5M rows, the other thread waiting); shared, both stay busy.
    """

    def __init__(self, compiled: CompiledContract, max_examples: int, *, is_text: bool) -> None:
        self.compiled = compiled
        self.max_examples = max_examples
        self.is_text = is_text
        self.queued: collections.deque[_Batch] = collections.deque()
        self.rows = 0

    def produced(self, frame: pl.DataFrame, rows: int | None = None) -> _Batch:
        batch = _Batch(frame, self.rows, frame.height if rows is None else rows)
        self.rows += batch.rows
        while self.queued and self.queued[0].taken:
            self.queued.popleft()
        self.queued.append(batch)
        return batch

    def help(self) -> bool:
        """On the reading thread while it waits: check the oldest queued batch not yet checked."""
        for batch in list(self.queued):
            if not batch.taken and batch.result is None and batch.lock.acquire(blocking=False):
                try:
                    if batch.result is None:
                        batch.result = self._check(batch)
                finally:
                    batch.lock.release()
                return True
        return False

    def result(self, batch: _Batch) -> BatchResult:
        batch.taken = True
        with batch.lock:
            if batch.result is None:
                batch.result = self._check(batch)
            return batch.result

    def _check(self, batch: _Batch) -> BatchResult:
        assert batch.frame is not None
        result = check_batch(
            self.compiled,
            batch.frame,
            is_text=self.is_text,
            first_ordinal=batch.first_ordinal,
            max_examples=self.max_examples,
        )
        result.rows = batch.rows
        # A batch the reading thread checked ahead waits in the queue; only its result is needed.
        batch.frame = None
        return result


def _csv_header(names: list[str], compiled: CompiledContract) -> HeaderMatch:
    contract = compiled.contract
    if contract.csv.header:
        return match_header(names, contract, delimiter=contract.csv.delimiter)
    # Without a header row the contract's column order is the file's.
    positional = list(contract.columns)
    return match_header(
        positional[: len(names)] + [f"column {i + 1}" for i in range(len(positional), len(names))], contract
    )


def _decode_finding(reader: CsvReader) -> Finding:
    log = reader.decode_log
    encoding = reader.dialect.encoding
    return Finding(
        "encoding",
        f"{log.count} byte sequence(s) are not valid {encoding}; shown as U+FFFD, the rest of the file was checked",
        count=log.count,
        examples=[Example(line=p.line, value=p.preview, byte_offset=p.byte_offset) for p in log.examples],
        hint="declare the file's encoding in the contract (csv.encoding: latin-1, cp1252, utf-16, ...)",
    )


def _malformed_finding(reader: CsvReader, malformed: list[tuple[RecordPlace, int]]) -> Finding:
    width = reader.malformed.expected
    examples = []
    hint = None
    for place, fields in malformed:
        note = f"{fields} field(s), expected {width}"
        if place.spans_quoted_newline and fields < width:
            note += f"; a quoted field opened here spans lines {place.line}-{place.end_line} (unterminated quote?)"
            hint = "check for a missing closing quote at the first example"
        examples.append(Example(row=place.row, line=place.line, value=place.text, note=note))
    return Finding(
        "malformed_row",
        f"{reader.malformed.count} row(s) do not have {width} fields; they were not checked further",
        count=reader.malformed.count,
        examples=examples,
        hint=hint,
    )


def _open_quote_finding(place: RecordPlace) -> Finding:
    record = f"row {place.row}" if place.row else "the header"
    swallowed = (
        f", so lines {place.line}-{place.end_line} were read as one record ({record})"
        if place.end_line > place.line
        else f" ({record})"
    )
    return Finding(
        "malformed_row",
        f"a quoted field opened at line {place.line} is never closed: it runs to the end of the file{swallowed}",
        examples=[
            Example(
                row=place.row or None, line=place.line, value=place.text, note="unterminated quote runs to end of file"
            )
        ],
        hint=f"add the missing closing quote on line {place.line}",
    )


def _size(path: Path) -> int | None:
    try:
        return sum(p.stat().st_size for p in path.rglob("*.parquet")) if path.is_dir() else path.stat().st_size
    except OSError:
        return None


# ---------------------------------------------------------------- Parquet


def _validate_parquet(path: Path, compiled: CompiledContract, options: Options, report: FileReport) -> None:

    from pipecheck.readers.parquet import ParquetReader
    from pipecheck.storage_types import convert_frame, storage_findings

    reader = ParquetReader(path)
    total_rows = reader.row_count() if options.progress is not None else None
    schema = reader.schema()
    header = match_header(list(schema.names), compiled.contract)
    report.findings.extend(header.findings)
    storage = storage_findings(schema, compiled, header.positions)
    report.findings.extend(storage.findings)
    tally = Tally(options.max_examples)
    stopped_early = False
    shared = _SharedChecking(compiled, options.max_examples, is_text=False)

    def later_schema_problem(schema: pa.Schema) -> str | None:
        """A later file of a directory must let every column read from the first be read the same way."""
        missing = [name for name in storage.readable if name not in schema.names]
        if missing:
            return f"has no column {missing[0]!r}, which the first file has"
        later = storage_findings(schema, compiled, {name: schema.get_field_index(name) for name in storage.readable})
        return later.findings[0].message if later.findings else None

    batches = prefetch(
        reader.batches(storage.readable, later_schema_problem),
        then=lambda part: shared.produced(convert_frame(part[1], compiled), rows=part[0]),  # on the reading thread
        idle=shared.help,
        depth=1,  # a slice reads faster than it is checked; one more ahead only held ~30 MB more
    )
    for batch in batches:
        tally.merge(shared.result(batch))
        if options.progress is not None and total_rows:
            size = _size(path)
            options.progress(report.path, int((size or 0) * tally.rows / total_rows), size, tally.rows)
        if options.fail_fast and _has_error(tally, compiled):
            stopped_early = True
            break
    report.rows = tally.rows
    duplicates = [] if stopped_early else find_duplicates(tally.keys, compiled, options.max_examples)
    wanted = tally.wanted_ordinals() + [o for d in duplicates for o in d.ordinals]
    places: dict[int, tuple[int | None, int | None]] = {o: (o + 1, None) for o in wanted}
    report.findings += _value_findings(tally, compiled, places, duplicates, stopped_early)


# ---------------------------------------------------------------- merging


def _has_error(tally: Tally, compiled: CompiledContract) -> bool:
    return any(d.column is None or compiled.columns[d.column].severity == "error" for d in tally.drafts.values())


def _value_findings(
    tally: Tally,
    compiled: CompiledContract,
    places: dict[int, tuple[int | None, int | None]],
    duplicates: list[Duplicates],
    stopped_early: bool,
) -> list[Finding]:
    findings: list[Finding] = []
    order = {name: i for i, name in enumerate(compiled.columns)}
    check_order = ["type", "nullable", "min", "max", "allowed", "pattern", "min_length", "max_length"]
    drafts = sorted(tally.drafts.values(), key=lambda d: (order.get(d.column or "", -1), check_order.index(d.check)))
    for draft in drafts:
        assert draft.column is not None
        column = compiled.columns[draft.column]
        examples = [
            Example(row=places.get(o, (o + 1, None))[0], line=places.get(o, (None, None))[1], value=_clip(v))
            for o, v in zip(draft.ordinals, draft.values, strict=True)
        ]
        findings.append(
            Finding(
                draft.check,
                _message(draft.check, compiled, draft.column),
                severity=column.severity,
                column=draft.column,
                count=draft.count,
                examples=examples,
            )
        )
    for dup in duplicates:
        examples = [
            Example(row=places.get(o, (o + 1, None))[0], line=places.get(o, (None, None))[1], value=_clip(v))
            for o, v in zip(dup.ordinals, dup.values, strict=True)
        ]
        findings.append(
            Finding(
                dup.check, dup.message, severity=dup.severity, column=dup.column, count=dup.count, examples=examples
            )
        )
    if not stopped_early:
        findings += _row_count_findings(tally.rows, compiled)
    return findings


def _clip(value: str | None) -> str | None:
    """An example value as reported: a huge field (say 50 MB) is cut, saying how long it was."""
    if value is None or len(value) <= MAX_EXAMPLE_CHARS:
        return value
    return f"{value[:MAX_EXAMPLE_CHARS]}... ({len(value):,} characters)"


def _message(check: str, compiled: CompiledContract, column: str) -> str:
    if check == "type":
        return type_message(compiled, column)
    if check == "nullable":
        return compiled.columns[column].nullable_message
    rule = next(r for r in compiled.columns[column].rules if r.check == check)
    return rule.message


def _row_count_findings(rows: int, compiled: CompiledContract) -> list[Finding]:
    rule = compiled.contract.checks.row_count
    if rule is None:
        return []
    if rule.min is not None and rows < rule.min:
        return [Finding("row_count", f"the file has {rows} data rows; at least {rule.min} required", count=1)]
    if rule.max is not None and rows > rule.max:
        return [Finding("row_count", f"the file has {rows} data rows; at most {rule.max} allowed", count=1)]
    return []
