"""Validate one file: one loop for every format, over the reader seam.

    reader (registry) -> batches -> ordered_map(check_batch) -> Tally.merge -> findings

Reading errors become the file's `unreadable` finding; the other files of a run go on.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pipecheck.checking import CheckPlan, Partial, check_batch, plan_checks
from pipecheck.compile import CompiledContract
from pipecheck.executor import ordered_map
from pipecheck.findings import Example, FileReport, Finding, Severity
from pipecheck.header import HeaderMatch, match_header
from pipecheck.profile import FileProfile, ProfilePart
from pipecheck.profile_format import SchemaColumn
from pipecheck.readers import LimitExceeded, UnreadableFile
from pipecheck.readers.base import Batch, Checkpoint, Place, Reader, ReadOptions
from pipecheck.readers.registry import data_suffix, open_reader
from pipecheck.scratch import Scratch
from pipecheck.tally import Tally
from pipecheck.uniqueness import Duplicates, KeyStore, find_duplicates

T = TypeVar("T")

# Longest example value put in a report; longer values are cut (their length is reported).
MAX_EXAMPLE_CHARS = 1000

# Called after each batch with (file, bytes done, bytes in all, rows so far).
ProgressSink = Callable[[str, int, int | None, int], None]
# Called once a file was read to the end, with its statistics (snapshot, validate --baseline).
ProfileSink = Callable[[FileProfile], None]


@dataclass(frozen=True)
class Options:
    max_examples: int = 5
    fail_fast: bool = False
    fail_on: Severity = "error"
    block_size: int = 8 << 20  # readers/csv.py cuts text into blocks of twice this
    progress: ProgressSink | None = None
    workers: int = 2  # checking threads per file
    ahead: int = 2  # batches in flight beyond the one being merged
    profile: ProfileSink | None = None  # gather column statistics in the same pass


def validate_file(
    path: Path,
    display: str,
    compiled: CompiledContract,
    contract_path: str,
    options: Options,
    scratch: Scratch | None = None,
) -> FileReport:
    """Validate one file; unreadable data becomes a finding, never an exception."""
    started = time.perf_counter()
    report = FileReport(path=display, contract=contract_path, contract_name=compiled.name, fail_on=options.fail_on)
    own_scratch = scratch is None
    scratch = scratch or Scratch()
    try:
        dialect = compiled.contract.csv
        if data_suffix(path) == ".tsv" and "delimiter" not in dialect.model_fields_set:
            dialect = dialect.model_copy(update={"delimiter": "\t"})  # a .tsv is tab-separated unless the contract says
        width = None if dialect.header else len(compiled.columns)
        read_options = ReadOptions(dialect, options.max_examples, options.block_size, width)
        reader = _contained(lambda: open_reader(path, read_options), "the file")
        try:
            report.file_format = reader.format
            _validate(reader, compiled, options, report, scratch)
        finally:
            reader.close()
    except LimitExceeded as exc:
        report.findings.append(Finding("limit", exc.message, hint="see 'Limits' in the README"))
    except UnreadableFile as exc:
        report.file_format = report.file_format or exc.file_format
        examples = [Example(line=exc.line)] if exc.line else []
        report.findings.append(Finding("unreadable", exc.message, examples=examples))
    finally:
        if own_scratch:
            scratch.close()
    report.seconds = time.perf_counter() - started
    return report


def _validate(
    reader: Reader, compiled: CompiledContract, options: Options, report: FileReport, scratch: Scratch
) -> None:
    names = _contained(reader.columns, reader.format)
    header = _header(names, compiled, reader)
    findings = list(header.findings)
    present = dict(header.positions)
    schema = _contained(reader.schema, reader.format)
    if schema is not None:
        from pipecheck.storage_types import storage_findings

        storage = storage_findings(schema, compiled, present)
        findings += storage.findings
        present = {name: present[name] for name in storage.readable}
    wanted = {compiled.columns[name].internal: position for name, position in present.items()}
    profiled = options.profile is not None
    plan = plan_checks(compiled, list(present), text=reader.text, max_examples=options.max_examples, profile=profiled)
    keys = {key: KeyStore(scratch) for key, _ in plan.keys}
    try:
        tally, stopped_early = _read_and_check(reader, compiled, plan, wanted, keys, options, report)
        duplicates = [] if stopped_early else find_duplicates(keys, compiled, options.max_examples)
    finally:
        for store in keys.values():
            store.close()
    report.rows = tally.rows + reader.unchecked_rows()
    if options.profile is not None and not stopped_early and plan.profile is not None:
        stored = [str(schema.field(i).type) if schema is not None else "text" for i in range(len(names))]
        columns = tuple(
            SchemaColumn(name=n, type=_typed_as(compiled, n), stored=s) for n, s in zip(names, stored, strict=True)
        )
        options.profile(
            FileProfile(report.path, reader.format, tally.rows, columns, plan.profile, tally.profile or ProfilePart())
        )
    wanted_rows = tally.wanted_rows() | {o for d in duplicates for o in d.ordinals}
    places = reader.locate(wanted_rows)
    value_findings = _value_findings(tally, compiled, places, duplicates, stopped_early)
    report.findings += reader.file_findings() + findings + value_findings


def _read_and_check(
    reader: Reader,
    compiled: CompiledContract,
    plan: CheckPlan,
    wanted: dict[str, int],
    keys: dict[tuple[str, ...], KeyStore],
    options: Options,
    report: FileReport,
) -> tuple[Tally, bool]:
    tally = Tally(options.max_examples)
    check = functools.partial(_check, plan)
    batches = _reading(reader, reader.batches(wanted), compiled, report.findings)
    results = ordered_map(check, batches, workers=options.workers, ahead=options.ahead)
    try:
        for point, partial in results:
            tally = tally.merge(Tally.of(partial, point.first_row, options.max_examples))
            for key, frame in partial.keys:
                keys[key].add(frame, point.first_row)
            if options.progress is not None:
                done, size = reader.progress()
                options.progress(report.path, done, size, tally.rows)
            if options.fail_fast and _has_error(tally, compiled):
                return tally, True
    except UnreadableFile as exc:
        if not tally.rows:
            raise
        rows = tally.rows + reader.unchecked_rows()
        report.findings.append(Finding("unreadable", f"{exc.message} (after {rows:,} rows; those were checked)"))
        return tally, True
    finally:
        results.close()
    return tally, False


def _typed_as(compiled: CompiledContract, name: str) -> str | None:
    column = compiled.columns.get(name)
    return column.spec.type if column is not None else None


def _check(plan: CheckPlan, batch: Batch) -> tuple[Checkpoint, Partial]:
    return batch.checkpoint, check_batch(plan, batch.frame)


def _reading(
    reader: Reader, batches: Iterator[Batch], compiled: CompiledContract, findings: list[Finding]
) -> Iterator[Batch]:
    """The reader's batches; any failure to read becomes UnreadableFile, and a later file of a dataset
    must store its columns as the first one does (storage_types' rule, judged per file)."""
    judged: set[str | None] = {None}
    while True:
        batch = _contained(lambda: next(batches, None), reader.format)
        if batch is None:
            return
        source = batch.checkpoint.source
        if source not in judged:
            _judge_later_file(reader, source, batch, compiled, findings)
            judged.add(source)
        yield batch


def _judge_later_file(
    reader: Reader, source: str | None, batch: Batch, compiled: CompiledContract, findings: list[Finding]
) -> None:
    from pipecheck.storage_types import storage_findings

    schema = _contained(lambda: reader.schema(source), reader.format)
    first = _contained(lambda: reader.schema(None), reader.format)
    if schema is None or first is None:
        return
    policy = compiled.contract.extra_columns
    for name in schema.names:
        if name not in first.names and name not in compiled.columns and policy != "ignore":
            findings.append(
                Finding(
                    "extra_column",
                    f"{source}: column {name!r} is in neither the first file of the dataset nor the contract",
                    severity="error" if policy == "error" else "warning",
                    column=name,
                    hint="the files of a directory are read as one dataset with one schema",
                )
            )
    internal = {c.internal: c.name for c in compiled.columns.values()}
    present = {internal[n]: schema.get_field_index(internal[n]) for n in batch.frame.columns if n in internal}
    later = storage_findings(schema, compiled, present)
    if later.findings:
        raise UnreadableFile(
            f"{source}: {later.findings[0].message}; the files of a directory are read as one dataset with one schema"
        )


def _contained(read: Callable[[], T], what: str) -> T:
    """Run a reader call; whatever it raises (corrupt or truncated data, a library's panic) is UnreadableFile."""
    try:
        return read()
    except UnreadableFile:
        raise
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except BaseException as exc:  # polars panics derive from BaseException
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise UnreadableFile(f"cannot read {what}: {type(exc).__name__}{': ' + message if message else ''}") from None


def _header(names: list[str], compiled: CompiledContract, reader: Reader) -> HeaderMatch:
    contract = compiled.contract
    line = reader.header_line
    if not reader.text or contract.csv.header:
        return match_header(names, contract, delimiter=contract.csv.delimiter if reader.text else None, line=line)
    # Without a header row the contract's column order is the file's, and its width every record's.
    return match_header(list(contract.columns), contract)


def _has_error(tally: Tally, compiled: CompiledContract) -> bool:
    failed = [rule for rule, count in tally.counts.items() if count] + list(tally.unevaluated)
    return any(compiled.rule(rule).severity == "error" for rule in failed)


def _value_findings(
    tally: Tally,
    compiled: CompiledContract,
    places: dict[int, Place],
    duplicates: list[Duplicates],
    stopped_early: bool,
) -> list[Finding]:
    findings: list[Finding] = []
    for rule_id, reason in sorted(tally.unevaluated.items(), key=lambda item: compiled.rule(item[0]).order):
        rule = compiled.rule(rule_id)
        findings.append(
            Finding(
                rule.check,
                f"{rule.message}: could not be evaluated on this file ({reason})",
                severity=rule.severity,
                column=",".join(rule.columns),
                count=0,
                hint="a condition must hold or fail for every value: TRY_CAST instead of CAST, say",
            )
        )
    for rule_id in sorted(tally.counts, key=lambda r: compiled.rule(r).order):
        rule = compiled.rule(rule_id)
        named = len(rule.columns) > 1 or rule.condition is not None
        examples = [
            _example(places, s.row, _shown(rule.columns, s.values, named)) for s in tally.samples.get(rule_id, ())
        ]
        column = rule.columns[0] if len(rule.columns) == 1 else ",".join(rule.columns)
        findings.append(
            Finding(
                rule.check,
                rule.message,
                severity=rule.severity,
                column=column,
                count=tally.counts[rule_id],
                examples=examples,
            )
        )
    for dup in duplicates:
        examples = [_example(places, o, v) for o, v in zip(dup.ordinals, dup.values, strict=True)]
        findings.append(
            Finding(
                dup.check, dup.message, severity=dup.severity, column=dup.column, count=dup.count, examples=examples
            )
        )
    if not stopped_early:
        findings += _row_count_findings(tally.rows, compiled)
    return findings


def _example(places: dict[int, Place], ordinal: int, value: str | None) -> Example:
    place = places.get(ordinal, Place(ordinal + 1))
    return Example(row=place.row, line=place.line, value=_clip(value))


def _shown(columns: tuple[str, ...], values: tuple[str | None, ...], named: bool) -> str | None:
    """The value of a row as an example; for a rule over several columns, each as name=value."""
    if not named:
        return values[0]
    return ", ".join(f"{name}={value}" for name, value in zip(columns, values, strict=True))


def _clip(value: str | None) -> str | None:
    """An example value as reported: a huge field (say 50 MB) is cut, saying how long it was."""
    if value is None or len(value) <= MAX_EXAMPLE_CHARS:
        return value
    return f"{value[:MAX_EXAMPLE_CHARS]}... ({len(value):,} characters)"


def _row_count_findings(rows: int, compiled: CompiledContract) -> list[Finding]:
    rule = compiled.contract.checks.row_count
    if rule is None:
        return []
    if rule.min is not None and rows < rule.min:
        return [Finding("row_count", f"the file has {rows} data rows; at least {rule.min} required", count=1)]
    if rule.max is not None and rows > rule.max:
        return [Finding("row_count", f"the file has {rows} data rows; at most {rule.max} allowed", count=1)]
    return []
