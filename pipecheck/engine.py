"""Validate one file or dataset directory: one loop for every format, over the reader seam.

    reader (registry) -> batches -> ordered_map(check_batch) -> Tally.merge -> findings

A dataset's members are read in turn into the same tally (datasets.py says how they are judged).
Reading errors become the file's (or member's) `unreadable` finding; the other files of a run go on.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pipecheck.checking import CheckPlan, Partial, check_batch, decided_at_end, plan_checks
from pipecheck.compile import CompiledContract
from pipecheck.datasets import combine, dataset_layout, partition_values
from pipecheck.executor import ordered_map
from pipecheck.findings import Example, FileReport, Finding, Severity, Tolerated
from pipecheck.header import HeaderMatch, match_header
from pipecheck.profile import FileProfile, ProfilePart
from pipecheck.profile_format import SchemaColumn
from pipecheck.quarantining import QuarantineOptions
from pipecheck.quarantining.ledger import Ledger, Sink
from pipecheck.readers import LimitExceeded, UnreadableFile
from pipecheck.readers.base import Place, Reader, ReadOptions, Work
from pipecheck.readers.dataset import Member, PartitionedReader
from pipecheck.readers.registry import data_suffix, open_reader
from pipecheck.scratch import Scratch
from pipecheck.tally import Tally
from pipecheck.tolerance import tolerance
from pipecheck.uniqueness import Duplicates, KeyStore, find_duplicates, unrunnable_keys

if TYPE_CHECKING:
    import polars as pl

T = TypeVar("T")

# Longest example value put in a report; longer values are cut (their length is reported).
MAX_EXAMPLE_CHARS = 1000

# Called after each batch with (file, bytes done, bytes in all, rows so far).
ProgressSink = Callable[[str, int, int | None, int], None]
# Called once a file was read to the end, with its statistics (snapshot, validate --baseline).
# Its findings (drift against a baseline) are the file's, before its rows are split.
ProfileSink = Callable[[FileProfile], "list[Finding] | None"]


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
    quarantine: QuarantineOptions | None = None  # per-row verdicts: split the rows, or count them


def validate_file(
    path: Path,
    display: str,
    compiled: CompiledContract,
    contract_path: str,
    options: Options,
    scratch: Scratch | None = None,
) -> FileReport:
    """Validate one file, or a directory as one dataset; unreadable data becomes a finding, never an exception."""

    def read(run: _Pass) -> None:
        if path.is_dir():
            _read_dataset(path, run)
        else:
            run.member(path, None)

    return _validated(read, path, display, compiled, contract_path, options, scratch)


def validate_reader(
    reader: Reader,
    display: str,
    compiled: CompiledContract,
    contract_path: str,
    options: Options,
    scratch: Scratch | None = None,
) -> FileReport:
    """Validate data the caller opened (an in-memory frame: readers/frame.py) as a file is validated."""

    def read(run: _Pass) -> None:
        run.take(lambda: reader, None)

    return _validated(read, None, display, compiled, contract_path, options, scratch)


def _validated(
    read: Callable[[_Pass], None],
    path: Path | None,
    display: str,
    compiled: CompiledContract,
    contract_path: str,
    options: Options,
    scratch: Scratch | None,
) -> FileReport:
    started = time.perf_counter()
    report = FileReport(path=display, contract=contract_path, contract_name=compiled.name, fail_on=options.fail_on)
    own_scratch = scratch is None
    scratch = scratch or Scratch()
    run = _Pass(compiled, options, report, scratch)
    run.path = path
    try:
        read(run)
        run.finish()
    except UnreadableFile as exc:  # a directory with no data files
        report.findings.append(Finding("unreadable", exc.message))
    finally:
        run.close()
        if own_scratch:
            scratch.close()
    report.seconds = time.perf_counter() - started
    return report


def _read_dataset(directory: Path, run: _Pass) -> None:
    layout = dataset_layout(directory, run.options.max_examples)
    run.report.file_format = layout.file_format
    run.report.members = len(layout.members)
    run.layout_findings = layout.findings
    run.total_bytes = sum(_size(m.path) for m in layout.members)
    for member in layout.members:
        run.member(member.path, member)
        if run.stopped:
            break


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class _Pass:
    """The reading and checking of one file or dataset: its members in turn, into one tally and one
    set of unique keys, with row ordinals counted across members."""

    def __init__(self, compiled: CompiledContract, options: Options, report: FileReport, scratch: Scratch) -> None:
        self.compiled = compiled
        self.options = options
        self.report = report
        self.scratch = scratch
        self.tally = Tally(options.max_examples)
        self.keys: dict[tuple[str, ...], KeyStore] = {}
        self.plans: dict[tuple[tuple[str, ...], bool], CheckPlan] = {}
        self.read: list[tuple[int, str | None, Reader]] = []  # (first ordinal, member, reader) of members read
        self.found: list[tuple[str, Finding]] = []  # each member's own findings (a single file's: member "")
        self.layout_findings: list[Finding] = []
        self.unchecked = 0
        self.stopped = False  # --fail-fast stopped the reading
        self.incomplete = False  # some rows could not be read: the row count is not the dataset's
        self.total_bytes: int | None = None
        self.done_bytes = 0
        self.schema_columns: tuple[SchemaColumn, ...] | None = None  # the first file's, for its profile
        self.ledger = Ledger(options.quarantine) if options.quarantine is not None else None
        if self.ledger is not None:
            self.ledger.watch(
                {
                    key: (compiled.columns[key[0]].internal, f"{key[0]}:unique")
                    for key in compiled.unique_keys
                    if len(key) == 1 and compiled.columns[key[0]].severity == "error"
                }
            )
        self.path: Path | None = None  # the file or directory validated

    def member(self, path: Path, member: Member | None) -> None:
        """Read and check one file (or one member of a dataset); its failures become its findings."""
        self.take(lambda: open_reader(path, self._read_options(path, member)), member)
        self.done_bytes += _size(path)

    def take(self, opening: Callable[[], Reader], member: Member | None) -> None:
        """Read and check the data of the reader `opening` returns; its failures become its findings."""
        source = member.source if member else ""
        findings: list[Finding] = []
        try:
            reader = _contained(opening, "the file")
            try:
                self.report.file_format = self.report.file_format or reader.format
                findings = self._check_member(reader, member)
            finally:
                reader.close()
        except LimitExceeded as exc:
            self.incomplete = True
            findings.append(Finding("limit", exc.message, hint="see 'Limits' in the README"))
        except UnreadableFile as exc:
            self.incomplete = True
            self.report.file_format = self.report.file_format or exc.file_format
            findings = [Finding("unreadable", exc.message, examples=[Example(line=exc.line)] if exc.line else [])]
        self.found += [(source, finding) for finding in findings]

    def _read_options(self, path: Path, member: Member | None) -> ReadOptions:
        dialect = self.compiled.contract.csv
        if data_suffix(path) == ".tsv" and "delimiter" not in dialect.model_fields_set:
            dialect = dialect.model_copy(update={"delimiter": "\t"})  # a .tsv is tab-separated unless the contract says
        width = None if dialect.header else len(_own_columns(self.compiled, member))
        records = self.ledger is not None and self.ledger.options.directory is not None
        return ReadOptions(dialect, self.options.max_examples, self.options.block_size, width, records=records)

    def _check_member(self, reader: Reader, member: Member | None) -> list[Finding]:
        compiled = self.compiled
        unparsed: list[Finding] = []  # about partition values (those that do not parse: their columns unchecked)
        if member is not None and member.partitions:
            own = _contained(reader.columns, reader.format)
            values, unparsed = partition_values(member, compiled, text=reader.text, own=own)
            reader = PartitionedReader(reader, values)
        names = _contained(reader.columns, reader.format)
        header = _header(names, compiled, reader, member)
        if member is not None:
            _explain_partition_columns(header.findings, member)
        findings = header.findings + unparsed
        skip = {f.column for f in unparsed if f.check == "type"}  # a partition value that does not parse
        present = {name: at for name, at in header.positions.items() if name not in skip}
        schema = _contained(reader.schema, reader.format)
        if schema is not None:
            from pipecheck.storage_types import storage_findings

            storage = storage_findings(schema, compiled, present)
            findings += storage.findings
            present = {name: present[name] for name in storage.readable}
        findings += unrunnable_keys(compiled, header.positions, present)
        wanted = {compiled.columns[name].internal: position for name, position in present.items()}
        plan_key = (tuple(present), reader.text)
        if plan_key not in self.plans:
            self.plans[plan_key] = plan_checks(
                compiled,
                list(present),
                text=reader.text,
                max_examples=self.options.max_examples,
                profile=self.options.profile is not None,
                verdicts=self.ledger is not None,
            )
        if self.schema_columns is None:
            stored = [str(schema.field(i).type) if schema is not None else "text" for i in range(len(names))]
            self.schema_columns = tuple(
                SchemaColumn(name=n, type=_typed_as(compiled, n), stored=s) for n, s in zip(names, stored, strict=True)
            )
        first = self.tally.rows
        sink = self._sink(reader, member, findings) if self.ledger is not None else None
        try:
            self._read_and_check(reader, self.plans[plan_key], wanted, first, sink)
        except UnreadableFile as exc:
            if self.tally.rows == first:
                raise
            self.incomplete = True
            rows = self.tally.rows - first + reader.unchecked_rows()
            findings.append(Finding("unreadable", f"{exc.message} (after {rows:,} rows; those were checked)"))
        self.unchecked += reader.unchecked_rows()
        self.read.append((first, member.source if member else None, reader))
        return reader.file_findings() + findings

    def _sink(self, reader: Reader, member: Member | None, findings: list[Finding]) -> Sink:
        """Where the member's records go: its quarantine files, or nowhere (count only, or a file
        whose columns already decide it cannot be split)."""
        from pipecheck.quarantining.sinks import open_sink

        assert self.ledger is not None
        options = self.ledger.options
        splittable = not any(_unsplittable(f, self.compiled) for f in findings)
        directory = options.directory if splittable else None
        late_possible = bool(self.compiled.unique_keys) or any(decided_at_end(rule) for rule in self.compiled.rules)
        name = member.source if member is not None else (self.path.name if self.path else "data")
        if directory is not None and member is not None and self.path is not None:
            directory = directory / self.path.name  # a dataset's members keep their folders
        own = reader.inner if isinstance(reader, PartitionedReader) else reader  # the member's own records
        sink = open_sink(own, directory, name, late_possible=late_possible)
        if directory is not None and not sink.writes:
            findings.append(
                Finding(
                    "quarantine",
                    f"quarantine files are written for CSV and Parquet; this {reader.format} file's rows were "
                    "only counted",
                    severity="warning",
                )
            )
        self.ledger.sinks.append((self.tally.rows, sink))
        return sink

    def _read_and_check(
        self, reader: Reader, plan: CheckPlan, wanted: dict[str, int], first: int, sink: Sink | None = None
    ) -> None:
        options = self.options
        for key, _ in plan.keys:
            self.keys.setdefault(key, KeyStore(self.scratch))
        check = functools.partial(_check, plan, reader.format, self.keys)
        batches = _reading(reader, reader.batches(wanted))
        results = ordered_map(check, batches, workers=options.workers, ahead=options.ahead)
        try:
            for work, partial, key_parts in results:
                point = _contained(work.settle, reader.format)
                self.tally = self.tally.merge(Tally.of(partial, first + point.first_row, options.max_examples))
                if sink is not None and self.ledger is not None and partial.failures is not None:
                    self.ledger.take(sink, work, point, partial.failures, first, partial.keys)
                for (key, frame), parts in zip(partial.keys, key_parts, strict=True):
                    self.keys[key].add(frame, first + point.first_row, parts)
                if options.progress is not None:
                    done, size = reader.progress()
                    if self.total_bytes is not None:  # a dataset: its members' bytes together
                        done, size = self.done_bytes + done, self.total_bytes
                    options.progress(self.report.path, done, size, self.tally.rows)
                if options.fail_fast and _has_error(self.tally, self.compiled):
                    self.stopped = True
                    return
        finally:
            results.close()

    def finish(self) -> None:
        """The findings of everything read: the members' own, then the values' across all of them."""
        compiled, report = self.compiled, self.report
        later: list[pl.DataFrame] | None = [] if self.ledger is not None else None
        keep_first = self.ledger is None or self.ledger.options.keep == "first"
        duplicates = (
            [] if self.stopped else find_duplicates(self.keys, compiled, self.options.max_examples, later, keep_first)
        )
        unreadable_alone = report.members is None and not self.read
        report.rows = None if unreadable_alone else self.tally.rows + self.unchecked
        wanted_rows = self.tally.wanted_rows() | {o for d in duplicates for o in d.ordinals}
        places = self._locate(wanted_rows)
        noun = "file" if report.members is None else "dataset"
        values = _value_findings(self.tally, compiled, places, duplicates, self.stopped or self.incomplete, noun)
        if report.members is None:
            own = [finding for _, finding in self.found]
        else:
            own = combine(self.found, report.members, self.options.max_examples)
        report.findings += self.layout_findings + own + values
        profiled = next((plan.profile for plan in self.plans.values() if plan.profile is not None), None)
        if self.options.profile is not None and not self.stopped and profiled is not None and self.schema_columns:
            part = self.tally.profile or ProfilePart()
            file_format = report.file_format or ""
            found = self.options.profile(
                FileProfile(report.path, file_format, self.tally.rows, self.schema_columns, profiled, part)
            )
            report.findings += found or []
        if self.ledger is not None:
            self._quarantine(later or [])

    def _quarantine(self, later: list[pl.DataFrame]) -> None:
        """The file's rows judged: its quarantine files committed (or the file rejected), its counts reported."""
        import polars as pl

        from pipecheck.quarantining.sinks import clear_stale, reject

        assert self.ledger is not None
        report, compiled = self.report, self.compiled
        held, failed = _mostly_outcomes(self.tally, compiled)
        duplicates = pl.concat(later) if later else pl.DataFrame(schema={"ordinal": pl.Int64, "labels": pl.String})
        late = self.ledger.resolve(failed, duplicates)
        rejected = [f.message for f in report.findings if _unsplittable(f, compiled)]
        if self.stopped:
            rejected.append("--fail-fast stopped reading the file: its rows were not all judged")
        rows = report.rows or 0
        summary = self.ledger.finish(late, held, rows, rejected)
        directory = self.ledger.options.directory
        if rejected and directory is not None and self.path is not None:
            summary.rejected_path = reject(self.path, directory, report.file_format or "csv", rejected)
        if directory is not None and self.path is not None and report.members is None:
            clear_stale(directory, self.path.name, report.file_format or "csv", rejected=bool(rejected))
        if report.members is not None and directory is not None and not rejected and self.path is not None:
            summary.valid_path = summary.invalid_path = str(directory / self.path.name)
        report.quarantine = summary

    def _locate(self, ordinals: set[int]) -> dict[int, Place]:
        """Row (and line) of checked-row ordinals, within the member holding each."""
        starts = [first for first, _, _ in self.read]
        by_member: dict[int, list[int]] = {}
        for ordinal in ordinals:
            by_member.setdefault(bisect.bisect_right(starts, ordinal) - 1, []).append(ordinal)
        places: dict[int, Place] = {}
        for at, held in by_member.items():
            if at < 0:
                continue
            first, source, reader = self.read[at]
            for local, place in reader.locate([o - first for o in held]).items():
                places[first + local] = dataclasses.replace(place, source=source)
        return places

    def close(self) -> None:
        for store in self.keys.values():
            store.close()
        if self.ledger is not None:
            self.ledger.discard()  # a file committed is gone from its sink: only an interrupted one's temps go


def _typed_as(compiled: CompiledContract, name: str) -> str | None:
    column = compiled.columns.get(name)
    return column.spec.type if column is not None else None


def _explain_partition_columns(findings: list[Finding], member: Member) -> None:
    """An extra column that a key=value folder gives says so."""
    keys = {key for key, _ in member.partitions}
    for finding in findings:
        if finding.check == "extra_column" and finding.column in keys:
            finding.hint = f"the {finding.column}=... folders give this column: declare it, or set extra_columns"


def _check(
    plan: CheckPlan, what: str, stores: dict[tuple[str, ...], KeyStore], work: Work
) -> tuple[Work, Partial, tuple[list[tuple[int, pl.DataFrame]], ...]]:
    """On a worker: the work's parsing, then its checks, and its keys as their stores keep them;
    settling waits for the caller's thread."""
    partial = check_batch(plan, _contained(work.parse, what))
    return work, partial, tuple(stores[key].prepared(frame) for key, frame in partial.keys)


def _reading(reader: Reader, batches: Iterator[Work]) -> Iterator[Work]:
    """The reader's batches; any failure to read becomes UnreadableFile."""
    while True:
        batch = _contained(lambda: next(batches, None), reader.format)
        if batch is None:
            return
        yield batch


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


def _header(names: list[str], compiled: CompiledContract, reader: Reader, member: Member | None) -> HeaderMatch:
    contract = compiled.contract
    line = reader.header_line
    if not reader.text or contract.csv.header:
        return match_header(names, contract, delimiter=contract.csv.delimiter if reader.text else None, line=line)
    # Without a header row the contract's column order is the file's (partition columns come from
    # the folders), and its width every record's.
    return match_header(_own_columns(compiled, member) + list(_partitions(member)), contract)


def _partitions(member: Member | None) -> dict[str, str | None]:
    keys: dict[str, str | None] = {}
    for key, value in member.partitions if member is not None else ():
        keys.setdefault(key, value)  # the outer folder's value wins, as in datasets.partition_values
    return keys


def _own_columns(compiled: CompiledContract, member: Member | None) -> list[str]:
    """The contract's columns a file holds itself (not those its partition folders give)."""
    keys = _partitions(member)
    return [name for name in compiled.contract.columns if name not in keys]


# Findings about rows, which quarantine splits; an error finding of any other check (a missing
# column, an unreadable file, row_count...) is about the whole file, which is rejected instead.
ROW_CHECKS = frozenset({"unique", "unique_together", "malformed_row", "encoding"})


def _unsplittable(finding: Finding, compiled: CompiledContract) -> bool:
    if finding.severity != "error":
        return False
    return finding.check not in ROW_CHECKS and finding.check not in {rule.check for rule in compiled.rules}


def _mostly_outcomes(tally: Tally, compiled: CompiledContract) -> tuple[set[str], set[str]]:
    """Labels of the rules decided at the end that held over the file, and of those that failed."""
    from pipecheck.tolerance import held_by_mostly

    kept = held_by_mostly(tally, compiled)
    held: set[str] = set()
    failed: set[str] = set()
    for rule in compiled.rules:
        if decided_at_end(rule):
            (held if rule.id in kept else failed).add(rule.label)
    return held, failed


def _has_error(tally: Tally, compiled: CompiledContract) -> bool:
    """Whether --fail-fast may stop: an error-severity rule failed. A rule with a mostly is judged
    at the end of the file only (the rows still to come may make it hold)."""
    failed = [rule for rule, count in tally.counts.items() if count and compiled.rule(rule).mostly is None]
    return any(compiled.rule(rule).severity == "error" for rule in failed + list(tally.unevaluated))


def _value_findings(
    tally: Tally,
    compiled: CompiledContract,
    places: dict[int, Place],
    duplicates: list[Duplicates],
    stopped_early: bool,
    noun: str = "file",
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
        message, severity, tolerated = rule.message, rule.severity, None
        judged = tolerance(rule, tally)
        if judged is not None:  # below its mostly the rule's severity, else a warning
            message = f"{message}: {judged.text('row' if named else 'value')}"
            severity = "warning" if judged.held else rule.severity
            tolerated = Tolerated(judged.required, judged.observed, judged.judged)
        findings.append(
            Finding(
                rule.check,
                message,
                severity=severity,
                column=column,
                count=tally.counts[rule_id],
                examples=examples,
                mostly=tolerated,
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
        findings += _row_count_findings(tally.rows, compiled, noun)
    return findings


def _example(places: dict[int, Place], ordinal: int, value: str | None) -> Example:
    place = places.get(ordinal, Place(ordinal + 1))
    return Example(row=place.row, line=place.line, value=_clip(value), file=place.source)


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


def _row_count_findings(rows: int, compiled: CompiledContract, noun: str) -> list[Finding]:
    rule = compiled.contract.checks.row_count
    if rule is None:
        return []
    if rule.min is not None and rows < rule.min:
        return [Finding("row_count", f"the {noun} has {rows} data rows; at least {rule.min} required", count=1)]
    if rule.max is not None and rows > rule.max:
        return [Finding("row_count", f"the {noun} has {rows} data rows; at most {rule.max} allowed", count=1)]
    return []
