"""Adversarial tests, session 9: duplicate keys at the edges of blocks parsed without a layout
(in every key-search mode), headers ending around the 64 kB prefix, files changed between
reading and locating, examples whatever --max-examples, and odd line ends and quoting.

Every row, line, value and count is held to the csv module over the file or to a plain count.
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipecheck import engine, uniqueness
from pipecheck.contract.model import CsvDialect
from pipecheck.readers import csv as csv_reader
from pipecheck.readers.base import Checkpoint, ReadOptions, settled
from pipecheck.readers.csv import BOM, CsvReader
from tests.messy.conftest import Outcome, validate
from tests.messy.test_unlaid_blocks import lines_and_records, oracle_places

FEW = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PREFIX = csv_reader.FIRST_RECORD_PREFIX
MODES = ["whole", "partition", "spilled"]
KEYED = "contract: keys\ncolumns:\n  id: {type: integer, unique: true}\n  note: {type: string, nullable: true}\n"


# ---------------------------------------------------------------- oracles and harness


@dataclass(frozen=True)
class Record:
    row: int  # 1-based, header excluded, blank lines skipped
    line: int  # physical line where it starts
    fields: list[str]


def oracle(text: str) -> tuple[list[str], int, list[Record]]:
    """The header, its line, and every later non-blank record, as the csv module reads the text."""
    records = lines_and_records(text, CsvDialect())
    line, header = records[0]
    return header, line, [Record(number, at, fields) for number, (at, fields) in enumerate(records[1:], 1)]


def oracle_duplicates(records: list[Record], column: int = 0) -> list[tuple[int, int, str]]:
    """(row, line, value) of every record whose key occurs more than once, groups in the order
    of their first row, rows in order within: a plain count."""
    counts = Counter(r.fields[column] for r in records)
    first: dict[str, int] = {}
    for r in records:
        first.setdefault(r.fields[column], r.row)
    repeated = sorted(
        (r for r in records if counts[r.fields[column]] > 1), key=lambda r: (first[r.fields[column]], r.row)
    )
    return [(r.row, r.line, r.fields[column]) for r in repeated]


def read(
    path: Path, block_size: int, dialect: CsvDialect | None = None
) -> tuple[CsvReader, list[str], int, list[Checkpoint]]:
    """A reader that has read the whole file: its header, row count and checkpoints."""
    reader = CsvReader(path, None, ReadOptions(dialect or CsvDialect(), block_size=block_size))
    names = reader.columns()
    points = [batch.checkpoint for batch in settled(reader.batches({f"c{i}": i for i in range(len(names))}))]
    reader.close()  # locate opens the file again by its path
    return reader, names, sum(p.rows for p in points), points


@dataclass
class Watch:
    """What a CLI run did inside: its blocks (checkpoint, parsed unlaid?) and its key searches."""

    points: list[Checkpoint] = field(default_factory=list)
    unlaid: list[bool] = field(default_factory=list)
    searches: int = 0
    spilled: bool = False

    def unlaid_rows(self) -> set[int]:
        return {p.first_row + i for p, u in zip(self.points, self.unlaid, strict=True) if u for i in range(p.rows)}


@contextlib.contextmanager
def inside(block_size: int, mode: str | None = None, prefix: int = PREFIX) -> Iterator[Watch]:
    """The CLI's reads in blocks of `block_size`, its unique keys searched in `mode` (whole, by
    hash partition, or spilled to disk; None: as the defaults have it), the header's first
    prefix `prefix` bytes."""
    watch = Watch()
    read_options, settle, search, close = (
        engine.ReadOptions,
        CsvReader._settle,
        uniqueness._duplicated_rows,
        uniqueness.KeyStore.close,
    )

    def small(dialect: CsvDialect, max_examples: int, _size: int, *rest: Any, **options: Any) -> ReadOptions:
        return read_options(dialect, max_examples, block_size, *rest, **options)

    def settling(self: CsvReader, work: Any) -> Checkpoint:
        point = settle(self, work)
        watch.points.append(point)
        watch.unlaid.append(work.unlaid)
        return point

    def searching(frame: Any, columns: list[str]) -> Any:
        watch.searches += 1
        return search(frame, columns)

    def closing(self: uniqueness.KeyStore) -> None:
        watch.spilled |= self.spill_dir is not None
        close(self)

    patches = [
        mock.patch.object(engine, "ReadOptions", small),
        mock.patch.object(CsvReader, "_settle", settling),
        mock.patch.object(uniqueness, "_duplicated_rows", searching),
        mock.patch.object(uniqueness.KeyStore, "close", closing),
        mock.patch.object(csv_reader, "FIRST_RECORD_PREFIX", prefix),
    ]
    if mode == "partition":
        patches.append(mock.patch.object(uniqueness, "WHOLE_SEARCH_ROWS", 0))
    elif mode == "spilled":
        patches.append(mock.patch.object(uniqueness, "SPILL_BYTES", 0))
    with contextlib.ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        yield watch
    if mode == "whole":
        assert watch.searches == 1, "keys were not searched whole"
    elif mode == "partition":
        assert watch.searches >= 1 and not watch.spilled, "keys were not searched in memory"
    elif mode == "spilled":
        assert watch.spilled, "keys were not spilled"


def examples(outcome: Outcome, check: str, column: str | None = None) -> tuple[int, list[tuple[Any, Any, Any]]]:
    """The count and (row, line, value) examples of the one finding of `check`."""
    found = outcome.only(check, column)
    return found["count"], [(e.get("row"), e.get("line"), e.get("value")) for e in found.get("examples", [])]


def keyed_records(rows: int, end: str, seed: int) -> list[str]:
    """Records `id,note`: six-digit ids (any id can take another's place without moving a byte),
    every other note a quoted value with line breaks, doubled quotes or delimiters."""
    rnd = random.Random(seed)
    multi = [f'"line one{end}line two"', f'"{end}"', f'"a ""b""{end}c, d"', f'"{end}{end}x"']
    single = ["plain", '"says ""hi"""', '"a, b"', "", '""']
    return [f"{100000 + i},{rnd.choice(multi if i % 2 else single)}" for i in range(rows)]


def with_key(records: list[str], target: int, source: int) -> None:
    records[target] = records[source].split(",", 1)[0] + "," + records[target].split(",", 1)[1]


def joined(records: list[str], end: str, trailing: bool = True, header: str = "id,note") -> str:
    return end.join([header, *records]) + (end if trailing else "")


# ---------------------------------------------------------------- 1. duplicates at block edges


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("end", ["\n", "\r\n"])
@pytest.mark.parametrize("prefix", [PREFIX, 16])
@pytest.mark.parametrize("trailing", [True, False])
def test_duplicates_at_the_edges_of_unlaid_blocks(
    tmp_path: Path, mode: str, end: str, prefix: int, trailing: bool
) -> None:
    """Duplicates on the first row of a block, the last row of a block (paired with the first of
    the next, both ways), and the last row of the file: every occurrence reported, at the row and
    physical line the csv module gives, whichever way the keys are searched."""
    block = 1024
    records = keyed_records(3000, end, seed=len(end) + prefix)
    path = tmp_path / "data.csv"
    path.write_text(joined(records, end, trailing), newline="")
    _, _, rows, points = read(path, block)
    assert len(points) > 5 and rows == 3000
    edges = points[1:4]
    pairs = {
        edges[0].first_row: 0,  # the first row of a block, a duplicate of the file's first
        edges[0].first_row + edges[0].rows - 1: edges[1].first_row,  # a block's last row, the next's first
        edges[2].first_row: edges[2].first_row - 1,  # a block's first row, the one before's last
        rows - 1: points[-1].first_row if points[-1].rows > 1 else 1,  # the file's last row
    }
    for target, source in pairs.items():
        with_key(records, target, source)
    text = joined(records, end, trailing)
    path.write_text(text, newline="")
    expected = oracle_duplicates(oracle(text)[2])
    assert len(expected) == 2 * len(pairs)
    with inside(block, mode, prefix) as watch:
        outcome = validate(KEYED, path, "--max-examples", "100")
    assert [(p.first_row, p.rows) for p in watch.points] == [(p.first_row, p.rows) for p in points]
    assert set(pairs) - {rows - 1} <= watch.unlaid_rows(), "the edges' blocks kept their layouts"
    assert outcome.exit_code == 1 and outcome.checks() == ["unique"]
    assert outcome.file["rows"] == rows
    count, shown = examples(outcome, "unique", "id")
    assert count == len(expected)
    assert shown == expected
    assert mode != "partition" or watch.searches > 1


@FEW
@given(
    st.lists(st.integers(0, 40), min_size=2, max_size=400),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from([64, 200, 1024]),
    st.sampled_from(MODES),
    st.sampled_from([8, PREFIX]),
    st.randoms(use_true_random=False),
)
def test_duplicates_anywhere_match_a_plain_count(
    ids: list[int], end: str, block: int, mode: str, prefix: int, rnd: random.Random
) -> None:
    multi = [f'"a{end}b"', f'"{end}"', f'"q ""{end}"" r"', "x", '"y, z"']
    records = [f"{key},{rnd.choice(multi)}" for key in ids]
    text = joined(records, end, rnd.random() < 0.8)
    expected = oracle_duplicates(oracle(text)[2])
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(_folder()))
        path = folder / "data.csv"
        path.write_text(text, newline="")
        watch = stack.enter_context(inside(block, mode, prefix))
        outcome = validate(KEYED, path, "--max-examples", "1000")
    assert watch.points
    assert outcome.file["rows"] == len(ids)
    if not expected:
        assert outcome.exit_code == 0 and not outcome.findings
        return
    count, shown = examples(outcome, "unique", "id")
    assert count == len(expected) == sum(n for n in Counter(ids).values() if n > 1)
    assert shown == expected


@contextlib.contextmanager
def _folder() -> Iterator[str]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        yield folder


# ---------------------------------------------------------------- 2. the header around the 64 kB prefix


def edge_header(kind: str, at: int, end: str) -> str:
    """A header (line break excluded) with something at byte `at` of the decoded text."""
    if kind == "break":  # the header's line break starts at `at`
        return "h" * (at - len(",b,c")) + ",b,c"
    if kind == "blank-lines-first":  # the same, after blank lines
        return end * 3 + "h" * (at - 3 * len(end) - len(",b,c")) + ",b,c"
    if kind == "quoted-break":  # a quoted line break starts at `at`, the header ends a little later
        return '"' + "h" * (at - 1) + end + 'h",b,c'
    if kind == "quoted-break-last":  # the header's last field holds a line break at `at`, and ends there
        return "a,b," + '"' + "h" * (at - 5) + end + '"'
    if kind == "doubled-quote":  # a doubled quote at `at - 1` and `at`
        return '"' + "h" * (at - 2) + '""h",b,c'
    if kind == "character":  # a three-byte character over `at - 1` .. `at + 1`
        return "h" * (at - 1) + "€,b,c"
    if kind == "character-last":  # a four-byte character just before the line break at `at`
        return "a,b," + "h" * (at - 8) + "😀"
    raise AssertionError(kind)


HEADER_KINDS = [
    "break",
    "blank-lines-first",
    "quoted-break",
    "quoted-break-last",
    "doubled-quote",
    "character",
    "character-last",
]


def edge_rows(end: str, rows: int = 300) -> str:
    return "".join(f'{i},"x{end}y",z{end}' if i % 3 == 0 else f"{i},é{i},z{end}" for i in range(rows))


@pytest.mark.parametrize("kind", HEADER_KINDS)
@pytest.mark.parametrize("delta", [-1, 0, 1])
@pytest.mark.parametrize("end", ["\n", "\r\n"])
@pytest.mark.parametrize(("bom", "block"), [(False, 1 << 20), (True, 4096), (False, 4096)])
def test_a_header_ending_around_the_first_prefix(
    tmp_path: Path, kind: str, delta: int, end: str, bom: bool, block: int
) -> None:
    """The header's end, a quoted line break, a doubled quote or a multi-byte character at the
    64 kB prefix's edge, with or without a BOM, in one block or cut ones: the header's names and
    line, and every row's place, as the csv module reads them."""
    header = edge_header(kind, PREFIX + delta, end)
    many = 300 if block > PREFIX else 7000  # small blocks: the first one cut (its quotes known) past the header
    text = header + end + edge_rows(end, many)
    path = tmp_path / "data.csv"
    path.write_bytes((BOM if bom else b"") + text.encode())
    names_expected, header_line, records = oracle(text)
    reader, names, rows, points = read(path, block)
    assert names == names_expected
    assert reader.header_line == header_line
    assert rows == len(records) == many
    assert (len(points) == 1) == (block > PREFIX)
    places = reader.locate(range(rows))
    assert [places[i] for i in range(rows)] == oracle_places(text, CsvDialect())


@pytest.mark.parametrize("delta", [-1, 0, 1])
@pytest.mark.parametrize("end", ["\n", "\r\n", ""])
def test_a_header_alone_ending_at_the_prefix(tmp_path: Path, delta: int, end: str) -> None:
    """A file that is only its header, its line break (or none) at the prefix's edge: no rows."""
    text = edge_header("break", PREFIX + delta, end or "\n") + end
    path = tmp_path / "data.csv"
    path.write_text(text, newline="")
    _, names, rows, _ = read(path, 4096)
    assert names == oracle(text)[0] and rows == 0


@pytest.mark.parametrize("delta", [-1, 0, 1])
@pytest.mark.parametrize("kind", ["break", "quoted-break-last", "character-last"])
def test_a_long_header_through_the_cli(tmp_path: Path, delta: int, kind: str) -> None:
    """Through the CLI, a contract naming the header's short columns (the long one ignored): the
    header's last column keeps its name, and a type failure late in the file its line."""
    end = "\r\n"
    header = edge_header(kind, PREFIX + delta, end)
    body = edge_rows(end).replace(f"{end}299,", f"{end}x99,")
    text = header + end + body
    path = tmp_path / "data.csv"
    path.write_bytes(BOM + text.encode())
    names, _, records = oracle(text)
    contract = (
        "contract: wide\nextra_columns: ignore\ncolumns:\n  a: {type: integer}\n  b: {type: string}\n"
        if kind != "break"
        else "contract: wide\nextra_columns: ignore\ncolumns:\n  b: {type: string}\n  c: {type: string}\n"
    )
    if kind == "break":
        body = edge_rows(end)
        text = header + end + body
        path.write_bytes(BOM + text.encode())
    with inside(2048):
        outcome = validate(contract, path)
    assert outcome.file["rows"] == len(records)
    if kind == "break":
        assert outcome.exit_code == 0, outcome.findings
        return
    assert names[0] == "a" and outcome.exit_code == 1
    bad = [r for r in records if not r.fields[0].isdigit()]
    count, shown = examples(outcome, "type", "a")
    assert count == len(bad) == 1 and shown == [(bad[0].row, bad[0].line, bad[0].fields[0])]


# ---------------------------------------------------------------- 3. the file changed before its rows are located


def _drop_first_record(data: bytes) -> bytes:
    start = data.index(b"\n") + 1
    return data[:start] + data[data.index(b"\n", start) + 1 :]


def _cut_in_a_quote(data: bytes) -> bytes:
    return data[: data.index(b'"line one', len(data) // 2) + 3]


CHANGES: dict[str, Callable[[bytes], bytes]] = {
    "truncated": lambda data: data[: len(data) // 2],
    "truncated-in-a-quote": _cut_in_a_quote,
    "emptied": lambda data: b"",
    "appended": lambda data: data + data[data.index(b"\n") + 1 :],
    "longer-early": lambda data: data.replace(b"\n", b'\n0,"new\nlines"\n', 1),
    "shorter-early": _drop_first_record,
    "bom-added": lambda data: BOM + data,
}


def change(path: Path, how: str, new: bytes) -> None:
    if how == "in-place":
        with path.open("r+b") as handle:  # the same inode, rewritten
            handle.write(new)
            handle.truncate()
    else:  # a new file renamed over it (how producers publish a new version)
        other = path.with_name("new.csv")
        other.write_bytes(new)
        other.replace(path)


@pytest.mark.parametrize("name", list(CHANGES))
@pytest.mark.parametrize("how", ["in-place", "renamed"])
def test_a_file_changed_before_locating_never_gets_wrong_lines(tmp_path: Path, name: str, how: str) -> None:
    text = joined(keyed_records(2000, "\n", seed=9), "\n")
    data = text.encode()
    path = tmp_path / "data.csv"
    path.write_bytes(data)
    reader, _, rows, _ = read(path, 1024)
    assert reader._unlaid, "the test needs blocks parsed without a layout"
    change(path, how, CHANGES[name](data))
    expected = oracle(text)[2]
    places = reader.locate(range(rows))
    assert [places[i].row for i in range(rows)] == [r.row for r in expected]
    assert all(places[i].line in (None, r.line) for i, r in enumerate(expected))
    assert any(places[i].line is None for i in range(rows)), "the change went unseen"


def test_a_file_replaced_by_a_directory_before_locating(tmp_path: Path) -> None:
    text = joined(keyed_records(2000, "\n", seed=3), "\n")
    path = tmp_path / "data.csv"
    path.write_text(text)
    reader, _, rows, _ = read(path, 1024)
    path.unlink()
    path.mkdir()
    places = reader.locate(range(rows))
    expected = oracle(text)[2]
    assert all(places[i].line in (None, r.line) and places[i].row == r.row for i, r in enumerate(expected))


def test_a_file_replaced_by_a_fifo_before_locating_does_not_hang(tmp_path: Path) -> None:
    text = joined(keyed_records(2000, "\n", seed=4), "\n")
    path = tmp_path / "data.csv"
    path.write_text(text)
    reader, _, _, _ = read(path, 1024)
    assert reader._unlaid
    path.unlink()
    os.mkfifo(path)
    found: dict[int, Any] = {}
    locating = threading.Thread(target=lambda: found.update(reader.locate([5])), daemon=True)
    locating.start()
    locating.join(3)
    hung = locating.is_alive()
    if hung:  # a writer that opens and closes the FIFO lets the open return (an empty read)
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        locating.join(5)
    assert not hung, "locate waited on the FIFO"
    assert found[5].row == 6


@pytest.mark.parametrize("name", ["truncated", "longer-early", "emptied", "bom-added"])
def test_a_file_changed_before_its_examples_are_located_through_the_cli(tmp_path: Path, name: str) -> None:
    records = keyed_records(3000, "\r\n", seed=5)
    for target, source in ((1500, 20), (2999, 1499), (40, 2000)):
        with_key(records, target, source)
    text = joined(records, "\r\n")
    path = tmp_path / "data.csv"
    path.write_text(text, newline="")
    expected = oracle_duplicates(oracle(text)[2])
    locate = CsvReader.locate

    def changed_first(self: CsvReader, ordinals: Any) -> Any:
        change(path, "in-place", CHANGES[name](text.encode()))
        return locate(self, ordinals)

    with inside(1024, "spilled") as watch, mock.patch.object(CsvReader, "locate", changed_first):
        outcome = validate(KEYED, path, "--max-examples", "100")
    assert sum(watch.unlaid) > 10
    assert outcome.exit_code == 1 and outcome.file["rows"] == 3000
    count, shown = examples(outcome, "unique", "id")
    assert count == len(expected) == 6
    assert [(row, value) for row, _, value in shown] == [(row, value) for row, _, value in expected]
    assert all(line in (None, want) for (_, line, _), (_, want, _) in zip(shown, expected, strict=True))
    assert any(line is None for _, line, _ in shown), "the change went unseen"


def test_a_file_appended_to_while_it_is_read(tmp_path: Path) -> None:
    """Rows appended while the file is being read: counted or not, whatever lines are shown are
    the file's (the appended rows only add to it)."""
    records = keyed_records(3000, "\n", seed=6)
    with_key(records, 2500, 10)
    text = joined(records, "\n")
    more = "".join(f"{200000 + i},late\n" for i in range(500))
    path = tmp_path / "data.csv"
    path.write_text(text)
    settle = CsvReader._settle
    appended: list[bool] = []

    def appending(self: CsvReader, work: Any) -> Checkpoint:
        if not appended:
            appended.append(True)
            with path.open("a") as handle:
                handle.write(more)
        return settle(self, work)

    with mock.patch.object(CsvReader, "_settle", appending), inside(1024):
        outcome = validate(KEYED, path, "--max-examples", "100")
    assert outcome.exit_code == 1 and outcome.file["rows"] in (3000, 3500)
    expected = oracle_duplicates(oracle(text + more)[2])
    count, shown = examples(outcome, "unique", "id")
    assert count == len(expected) == 2
    assert all(
        (row, value) == (r, v) and line in (None, want)
        for (row, line, value), (r, want, v) in zip(shown, expected, strict=True)
    )


# ---------------------------------------------------------------- 4. examples whatever --max-examples


TYPED = (
    "contract: typed\ncolumns:\n  id: {type: integer, unique: true}\n  amount: {type: integer}\n"
    "  note: {type: string, nullable: true}\n"
)


def typed_text(end: str) -> tuple[str, list[Record]]:
    """Bad amounts and duplicate ids on the first rows, the last rows and spread between."""
    rows = 3000
    records = keyed_records(rows, end, seed=7)
    bad = {0, 1, 2, rows - 3, rows - 2, rows - 1, *range(97, rows, 397)}
    for target, source in ((1, 0), (2, 0), (rows - 1, 3), (rows - 2, rows - 3), (1200, 1201), (1700, 5)):
        with_key(records, target, source)
    lines = []
    for i, record in enumerate(records):
        key, note = record.split(",", 1)
        lines.append(f"{key},{f'bad{i}' if i in bad else i * 7},{note}")
    text = joined(lines, end, header="id,amount,note")
    return text, oracle(text)[2]


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_counts_do_not_depend_on_max_examples(tmp_path: Path, end: str) -> None:
    text, records = typed_text(end)
    path = tmp_path / "data.csv"
    path.write_text(text, newline="")
    bad = [(r.row, r.line, r.fields[1]) for r in records if r.fields[1].startswith("bad")]
    duplicated = oracle_duplicates(records)
    outcomes = {}
    for most in (0, 1, 5, 10_000):
        with inside(1024) as watch:
            outcomes[most] = validate(TYPED, path, "--max-examples", str(most))
        assert sum(watch.unlaid) > 10
    full = outcomes[10_000]
    assert examples(full, "type", "amount") == (len(bad), bad)
    assert examples(full, "unique", "id") == (len(duplicated), duplicated)
    for most, outcome in outcomes.items():
        assert outcome.exit_code == 1 and outcome.file["rows"] == 3000
        assert sorted(outcome.checks()) == ["type", "unique"]
        for check, column in (("type", "amount"), ("unique", "id")):
            count, shown = examples(outcome, check, column)
            whole_count, whole = examples(full, check, column)
            assert count == whole_count
            assert shown == whole[:most], (most, check)


@pytest.mark.parametrize("most", ["-1", "x"])
def test_a_bad_max_examples_is_a_usage_error(tmp_path: Path, most: str) -> None:
    path = tmp_path / "data.csv"
    path.write_text("id,note\n1,a\n")
    outcome = validate(KEYED, path, "--max-examples", most)
    assert outcome.exit_code == 2 and outcome.stderr.count("\n") <= 2 and "error" in outcome.stderr


# ---------------------------------------------------------------- 5. odd ends, quotes and bytes


@pytest.mark.parametrize("tail", ["\n\n", "\r\n\r\n", "\n\n\n", "\n\r\n", "\r\n\n\n\n"])
def test_blank_lines_at_the_end_and_between_blocks(tmp_path: Path, tail: str) -> None:
    end = "\r\n" if tail.startswith("\r") else "\n"
    records = keyed_records(2000, end, seed=8)
    for at in range(2000 - 97, 0, -97):
        records.insert(at, "")  # blank lines, now and then at a block's edge
    with_key(records, len(records) - 1, 0)
    text = joined(records, end, trailing=False) + tail
    path = tmp_path / "data.csv"
    path.write_text(text, newline="")
    reader, _, rows, _ = read(path, 1024)
    places = reader.locate(range(rows))
    assert [places[i] for i in range(rows)] == oracle_places(text, CsvDialect())
    with inside(1024):
        outcome = validate(KEYED, path)
    assert outcome.file["rows"] == rows == 2000
    assert examples(outcome, "unique", "id") == (2, oracle_duplicates(oracle(text)[2]))


@pytest.mark.parametrize("end", ["\n", "\r\n"])
@pytest.mark.parametrize("where", ["last-no-break", "last-with-break", "middle-open"])
def test_an_unterminated_quote_is_one_finding_at_its_line(tmp_path: Path, end: str, where: str) -> None:
    """A quote never closed (no quote after it): one finding naming the line it opened at."""
    records = keyed_records(3000, end, seed=10)
    at = 1700 if where == "middle-open" else 2999
    key = records[at].split(",", 1)[0]
    records[at] = f'{key},"never closed{end}still inside'
    if where == "middle-open":
        records[at + 1 :] = [r.split(",", 1)[0] + ",plain" for r in records[at + 1 :]]
    text = joined(records, end, trailing=where != "last-no-break")
    path = _written(tmp_path, text)
    swallowed = next(r for r in oracle(text)[2] if r.fields[0] == key)
    with inside(1024):
        outcome = validate(KEYED, path)
    assert outcome.exit_code == 1
    found = outcome.only("malformed_row")
    assert f"opened at line {swallowed.line} is never closed" in found["message"]
    assert [(e.get("row"), e["line"]) for e in found["examples"]] == [(swallowed.row, swallowed.line)]
    assert outcome.file["rows"] == swallowed.row


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_a_stray_quote_pairs_with_a_later_one_as_the_csv_module_pairs_them(tmp_path: Path, end: str) -> None:
    """A quote left open mid-file closes at the next quote: the records between are one, a
    malformed row at the line where it starts, and the rows after it keep their lines."""
    records = keyed_records(3000, end, seed=10)
    records[1700] = records[1700].split(",", 1)[0] + ',"never closed'
    with_key(records, 2990, 2980)
    text = joined(records, end)
    path = _written(tmp_path, text)
    _, _, expected = oracle(text)
    malformed = [(r.row, r.line) for r in expected if len(r.fields) != 2]
    assert malformed
    with inside(1024):
        outcome = validate(KEYED, path, "--max-examples", "50")
    assert outcome.exit_code == 1 and outcome.file["rows"] == len(expected)
    found = outcome.only("malformed_row")
    assert found["count"] == len(malformed)
    assert [(e.get("row"), e["line"]) for e in found["examples"]] == malformed
    assert examples(outcome, "unique", "id")[1] == oracle_duplicates([r for r in expected if len(r.fields) == 2])


def test_an_unterminated_quote_in_the_header(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text('id,"note\n1,a\n2,b\n')
    outcome = validate(KEYED, path)
    assert outcome.exit_code in (1, 2)
    assert "line 1" in outcome.stdout + outcome.stderr


@pytest.mark.parametrize("layout", ["all-cr", "cr-in-values", "cr-at-block-edges"])
def test_lone_crs_end_lines_as_the_csv_module_reads_them(tmp_path: Path, layout: str) -> None:
    records = keyed_records(2000, "\n", seed=11)
    with_key(records, 1999, 1000)
    with_key(records, 1001, 1000)
    if layout == "all-cr":
        text = joined([r.replace("\n", "\r") for r in records], "\r")
    elif layout == "cr-in-values":
        text = joined([r.replace("line one\n", "line one\r") for r in records], "\n")
    else:
        text = joined(records, "\n")
        _, _, _, points = read(_written(tmp_path, text), 1024)
        cuts = [p.byte_range[1] for p in points if p.byte_range is not None]
        data = bytearray(text.encode())
        for cut in cuts[:-1]:
            if data[cut - 1 : cut] == b"\n":
                data[cut - 1 : cut] = b"\r"  # the line break that ends a block, now a lone CR
        text = data.decode()
    path = _written(tmp_path, text)
    reader, _, rows, _ = read(path, 1024)
    places = reader.locate(range(rows))
    assert [places[i] for i in range(rows)] == oracle_places(text, CsvDialect())
    with inside(1024):
        outcome = validate(KEYED, path, "--max-examples", "10")
    assert examples(outcome, "unique", "id") == (3, oracle_duplicates(oracle(text)[2]))


def _written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(text, newline="")
    return path


@pytest.mark.parametrize("where", ["unquoted", "quoted", "header"])
def test_nul_bytes(tmp_path: Path, where: str) -> None:
    records = keyed_records(2000, "\n", seed=12)
    for at in range(5, 2000, 211):
        key = records[at].split(",", 1)[0]
        records[at] = f"{key},a\0b" if where == "unquoted" else f'{key},"a\0,\n\0b"'
    with_key(records, 1800, 5)
    text = joined(records, "\n", header="id,note\0" if where == "header" else "id,note")
    path = _written(tmp_path, text)
    reader, names, rows, _ = read(path, 1024)
    assert names == oracle(text)[0]
    places = reader.locate(range(rows))
    assert [places[i] for i in range(rows)] == oracle_places(text, CsvDialect())
    contract = KEYED if where != "header" else KEYED.replace("note:", '"note\\0":')
    with inside(1024):
        outcome = validate(contract, path)
    assert outcome.file["rows"] == rows == 2000
    assert examples(outcome, "unique", "id") == (2, oracle_duplicates(oracle(text)[2]))


@pytest.mark.parametrize("end", ["\n", "\r\n"])
@pytest.mark.parametrize("where", ["middle", "last", "last-no-break", "first"])
def test_a_quoted_field_longer_than_a_block(tmp_path: Path, end: str, where: str) -> None:
    records = keyed_records(1500, end, seed=13)
    at = {"middle": 700, "first": 0}.get(where, 1499)
    long = '"' + ('say ""x""' + end + "a,b ") * 3000 + '"'  # about 40 kB, blocks of 2 kB
    records[at] = records[at].split(",", 1)[0] + "," + long
    for target, source in ((at - 1 if at else 2, at), (at + 1 if at < 1499 else 3, at)):
        with_key(records, target, source)
    text = joined(records, end, trailing=where != "last-no-break")
    path = _written(tmp_path, text)
    reader, _, rows, points = read(path, 1024)
    assert max(p.byte_range[1] - p.byte_range[0] for p in points if p.byte_range) > 40_000
    places = reader.locate(range(rows))
    assert [places[i] for i in range(rows)] == oracle_places(text, CsvDialect())
    with inside(1024):
        outcome = validate(KEYED.replace("nullable: true", "nullable: true, max_length: 100"), path)
    _, _, expected = oracle(text)
    assert outcome.file["rows"] == rows == 1500
    assert examples(outcome, "unique", "id") == (3, oracle_duplicates(expected))
    count, shown = examples(outcome, "max_length", "note")
    assert count == 1 and [(row, line) for row, line, _ in shown] == [(expected[at].row, expected[at].line)]


@pytest.mark.parametrize("mode", MODES)
def test_keys_stored_narrow_in_one_block_and_wide_in_another(tmp_path: Path, mode: str) -> None:
    """Integer keys at the 32-bit edges: a block whose ids all fit is kept as Int32, one holding a
    larger id as Int64; equal keys across them are still duplicates, in every search mode."""
    edges = [-(2**31), 2**31 - 1, 2**31, -(2**31) - 1, 0, 2**63 - 1]
    keys = [*range(1, 400), *edges, *range(400, 800), 2**40, *edges, 7, *range(800, 1200), 7, 2**40]
    records = [f"{key},{'a' if i % 5 else chr(34) + 'x' + chr(10) + 'y' + chr(34)}" for i, key in enumerate(keys)]
    text = joined(records, "\n")
    path = _written(tmp_path, text)
    expected = oracle_duplicates(oracle(text)[2])
    with inside(512, mode) as watch:
        outcome = validate(KEYED, path, "--max-examples", "100")
    assert len(watch.points) > 5
    assert examples(outcome, "unique", "id") == (len(expected), expected)
