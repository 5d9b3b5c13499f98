"""Well-quoted blocks parsed without a layout: their rows' lines are found later, from the file.

A block of a seekable UTF-8 file whose quotes are well formed is parsed by polars and checked by
its line-break counts alone (`_unlaid_content`); the record starts and lines of its rows are
worked out only when one of them is located, from the block's bytes read again by byte range.
Every test here holds those lines to the csv module's, or to the eager layout's.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipecheck import engine
from pipecheck.cli import app
from pipecheck.contract.model import CsvDialect
from pipecheck.readers import csv as csv_reader
from pipecheck.readers.base import Place, ReadOptions, settled
from pipecheck.readers.csv import BOM, CsvReader
from tests.messy.test_plain_fast_path import PROPERTY, QuotedCase, quoted_exports


def lines_and_records(text: str, dialect: CsvDialect) -> list[tuple[int, list[str]]]:
    """Every non-blank record with the physical line it starts on, as the csv module reads it."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter, quotechar=dialect.quotechar)
    records: list[tuple[int, list[str]]] = []
    before = 0
    for record in reader:
        if record:
            records.append((before + 1, record))
        before = reader.line_num
    return records


def oracle_places(text: str, dialect: CsvDialect) -> list[Place]:
    """Row number and starting physical line of every checked record, by the csv module."""
    records = lines_and_records(text, dialect)
    width = len(records[0][1])
    data = records[1:]
    return [Place(number, line) for number, (line, record) in enumerate(data, 1) if len(record) == width]


def read_places(path: Path, dialect: CsvDialect, block_size: int, *, records: bool = False) -> tuple[list[Place], int]:
    """Every checked row's place as the reader locates it, and how many blocks were left unlaid."""
    reader = CsvReader(
        path, (path.suffix == ".gz" and "gzip") or None, ReadOptions(dialect, block_size=block_size, records=records)
    )
    width = len(reader.columns())
    rows = sum(batch.rows for batch in settled(reader.batches({f"c{i}": i for i in range(width)})))
    unlaid = len(reader._unlaid)
    places = reader.locate(range(rows))
    return [places[i] for i in range(rows)], unlaid


def write(tmp_path: Path, data: bytes, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path


def notes_file(rows: int, end: str = "\n") -> str:
    notes = ['"says ""hi"", twice"', f'"line one{end}line two"', '"a, b, c"', ""]
    lines = ["id,amount,note"] + [f"{i},{i * 3 % 1000},{notes[i % 4]}" for i in range(rows)]
    return end.join(lines) + end


@st.composite
def uniform_exports(draw: st.DrawFn) -> QuotedCase:
    """Quoted exports whose line breaks are all LF or all CRLF, values' too (the unlaid blocks'
    shape), with now and then a short, long or blank row."""
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    width = draw(st.integers(2, 4))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    pieces = ["a", "7", " ", "é", "€", delimiter, '"', end, ""]

    def field() -> str:
        value = "".join(draw(st.lists(st.sampled_from(pieces), max_size=5)))
        needs = any(c in value for c in (delimiter, '"', "\n")) or (value == "" and draw(st.booleans()))
        return '"' + value.replace('"', '""') + '"' if needs else value

    kinds = st.sampled_from(["ok"] * 40 + ["short", "long", "blank"])
    rows = [delimiter.join(f"n{i}" for i in range(width))]
    for kind in draw(st.lists(kinds, min_size=1, max_size=300)):
        count = {"short": width - 1, "long": width + 1, "blank": 0}.get(kind, width)
        rows.append(delimiter.join(field() for _ in range(count)))
    text = end.join(rows) + (end if draw(st.booleans()) else "")
    return QuotedCase(text, CsvDialect(delimiter=delimiter), draw(st.integers(16, 512)), {})


@PROPERTY
@given(st.one_of(quoted_exports(), uniform_exports()), st.booleans())
def test_rows_of_unlaid_blocks_are_located_as_the_csv_module_reads_them(case: QuotedCase, bom: bool) -> None:
    data = (BOM if bom else b"") + case.text.encode()
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), data)
        places, _ = read_places(path, case.dialect, case.block_size)
        eager, unlaid = read_places(path, case.dialect, case.block_size, records=True)
    assert unlaid == 0, "quarantine's reads keep every layout"
    assert places == eager == oracle_places(case.text, case.dialect)


@PROPERTY
@given(
    st.one_of(quoted_exports(), uniform_exports()),
    st.sampled_from([1, 4, 16, 64]),
    st.lists(st.lists(st.floats(0, 1), min_size=1, max_size=4), min_size=1, max_size=4),
)
def test_rows_located_from_prefixes_of_blocks_match_the_csv_module(
    case: QuotedCase, prefix: int, asks: list[list[float]]
) -> None:
    """The header found in a prefix of the first block, and rows located a few at a time, each
    time from a prefix of their block that holds them (or the whole block), later asks reaching
    further: every place as the csv module reads it."""
    expected = oracle_places(case.text, case.dialect)
    with tempfile.TemporaryDirectory() as folder, mock.patch.object(csv_reader, "FIRST_RECORD_PREFIX", prefix):
        path = write(Path(folder), case.text.encode())
        reader = CsvReader(path, None, ReadOptions(case.dialect, block_size=case.block_size))
        width = len(reader.columns())
        rows = sum(batch.rows for batch in settled(reader.batches({f"c{i}": i for i in range(width)})))
        assert rows == len(expected)
        for fractions in asks:
            wanted = {min(rows - 1, int(f * rows)) for f in fractions} if rows else set()
            places = reader.locate(wanted)
            assert {i: places[i] for i in wanted} == {i: expected[i] for i in wanted}


def test_a_late_row_asked_after_an_early_one_extends_the_prefix(tmp_path: Path) -> None:
    text = notes_file(20000)
    path = write(tmp_path, text.encode())
    expected = oracle_places(text, CsvDialect())
    with mock.patch.object(csv_reader, "FIRST_RECORD_PREFIX", 64):
        reader = CsvReader(path, None, ReadOptions(CsvDialect(), block_size=64 << 10))
        reader.columns()
        rows = sum(batch.rows for batch in settled(reader.batches({"c0": 0, "c1": 1, "c2": 2})))
        assert rows == 20000 and reader._unlaid, "the test needs blocks parsed without a layout"
        first = next(iter(reader._unlaid))
        point = reader.checkpoints.points[first]
        early, late = point.first_row + 2, point.first_row + point.rows - 1
        assert reader.locate([early])[early] == expected[early]
        assert 0 < reader._laid_rows[first] < point.rows, "an early row was located from a prefix"
        assert reader.locate([late])[late] == expected[late]
        assert first not in reader._unlaid, "the block's last row needs all of it"
        # the next block's rows one at a time, in order: each beyond the prefix laid out so far
        second = next(iter(reader._unlaid))
        point = reader.checkpoints.points[second]
        extended = 0
        for row in range(point.first_row, point.first_row + point.rows):
            covered = reader._laid_rows.get(second, 0)
            assert reader.locate([row])[row] == expected[row]
            extended += reader._laid_rows.get(second, 0) != covered
        assert extended > 2, "rows asked one by one were all found in one prefix"


def test_a_row_after_long_records_is_found_by_reading_the_prefix_on(tmp_path: Path) -> None:
    """Long records ahead of a row make the estimate by mean record size fall short: the prefix
    is read on (doubling) from where it ended, and the row's line is still the csv module's."""
    long_note = '"' + "wide, and\nmulti-line " * 400 + '"'
    lines = ["id,amount,note"] + [f"{i},{i},{long_note if i < 30 else 'short'}" for i in range(100_000)]
    text = "\n".join(lines) + "\n"
    path = write(tmp_path, text.encode())
    expected = oracle_places(text, CsvDialect())
    reads: list[int] = []
    real_open = os.open

    def counting_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        reads.append(1)
        return real_open(file, *args, **kwargs)

    with mock.patch.object(csv_reader, "FIRST_RECORD_PREFIX", 64):
        reader = CsvReader(path, None, ReadOptions(CsvDialect(), block_size=4 << 20))
        reader.columns()
        rows = sum(batch.rows for batch in settled(reader.batches({"c0": 0, "c1": 1, "c2": 2})))
        assert rows == 100_000 and 0 in reader._unlaid, "the test needs its first block parsed without a layout"
        point = reader.checkpoints.points[0]
        wanted = 60
        assert point.byte_range is not None
        start, end = point.byte_range
        estimate = (wanted + 2) * (end - start) // point.rows * 5 // 4 + 64
        assert text.encode().index(f"\n{wanted},".encode()) > 2 * estimate, "the estimate must fall short"
        with mock.patch.object(os, "open", counting_open):
            assert reader.locate([wanted])[wanted] == expected[wanted]
        assert len(reads) == 1, "the prefix is read on through one open file"
        assert 0 < reader._laid_rows[0] < point.rows, "a prefix, not the whole block"


def test_a_quoted_export_is_mostly_unlaid_and_located_exactly(tmp_path: Path) -> None:
    for end in ("\n", "\r\n"):
        text = notes_file(3000, end)
        path = write(tmp_path, BOM + text.encode())
        places, unlaid = read_places(path, CsvDialect(), 2048)
        assert unlaid > 10, "well-quoted blocks kept their layouts"
        assert places == oracle_places(text, CsvDialect())


def test_after_an_undecodable_byte_blocks_keep_their_layouts(tmp_path: Path) -> None:
    """Replaced bytes make the decoded text differ from the file: no block after them is re-read."""
    text = notes_file(3000)
    data = text.encode().replace(b"line two", b"line tw\xff", 1)
    path = write(tmp_path, data)
    places, unlaid = read_places(path, CsvDialect(), 2048)
    expected = oracle_places(data.decode("utf-8", "replace"), CsvDialect())
    assert unlaid == 0
    assert places == expected


def test_compressed_input_keeps_its_layouts(tmp_path: Path) -> None:
    text = notes_file(3000, "\r\n")
    path = write(tmp_path, text.encode(), "data.csv.gz")
    places, unlaid = read_places(path, CsvDialect(), 2048)
    assert unlaid == 0
    assert places == oracle_places(text, CsvDialect())


def test_a_file_changed_before_its_rows_are_located_leaves_them_without_lines(tmp_path: Path) -> None:
    text = notes_file(3000)
    path = write(tmp_path, text.encode())
    reader = CsvReader(path, None, ReadOptions(CsvDialect(), block_size=2048))
    reader.columns()
    rows = sum(batch.rows for batch in settled(reader.batches({"c0": 0, "c1": 1, "c2": 2})))
    assert reader._unlaid
    path.write_bytes(text.encode()[: len(text) // 2])  # truncated under the reader
    places = reader.locate(range(rows))
    expected = oracle_places(text, CsvDialect())
    assert [p.row for p in places.values()] == [p.row for p in expected]
    assert any(p.line is None for p in places.values())
    assert all(p.line in (None, e.line) for p, e in zip(places.values(), expected, strict=True))
    path.unlink()  # gone altogether: the same, no error
    reader2 = CsvReader(write(tmp_path, text.encode(), "again.csv"), None, ReadOptions(CsvDialect(), block_size=2048))
    reader2.columns()
    total = sum(batch.rows for batch in settled(reader2.batches({"c0": 0})))
    reader2.path.unlink()
    assert all(p.line is None or p.line >= 2 for p in reader2.locate(range(total)).values())


def test_late_examples_of_a_quoted_export_name_their_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the CLI, in small blocks: failures and a duplicate late in the file, in blocks
    parsed without a layout."""

    def small(dialect: CsvDialect, max_examples: int, block_size: int, *rest: Any, **options: Any) -> ReadOptions:
        return ReadOptions(dialect, max_examples, 4096, *rest, **options)

    monkeypatch.setattr(engine, "ReadOptions", small)
    unlaid: list[bool] = []
    settle = CsvReader._settle

    def watched(self: CsvReader, work: Any) -> Any:
        unlaid.append(work.unlaid)
        return settle(self, work)

    monkeypatch.setattr(CsvReader, "_settle", watched)
    rows = 40_000
    text = notes_file(rows)
    body = text.replace(f"\n{rows - 7},", f"\n{rows - 8},")  # a late duplicate id
    path = write(tmp_path, body.encode())
    contract = tmp_path / "c.yaml"
    contract.write_text(
        "contract: notes\nversion: 1\ncolumns:\n"
        "  id: {type: integer, unique: true}\n  amount: {type: integer, max: 990}\n"
        "  note: {type: string, nullable: true}\n"
    )
    result = CliRunner().invoke(app, ["validate", str(path), "--contract", str(contract), "--format", "json"])
    assert result.exit_code == 1, result.output
    assert sum(unlaid) > 50, "the CLI's blocks kept their layouts"
    report = json.loads(result.stdout)
    examples = [e for f in report["files"][0]["findings"] for e in f.get("examples", [])]
    places = {p.row: p.line for p in oracle_places(body, CsvDialect())}
    assert examples and all(e["line"] == places[e["row"]] for e in examples if e.get("row"))
    late = [e for e in examples if e.get("row", 0) > rows - 10]
    assert late, "the late duplicate is an example"


def test_a_file_rewritten_in_place_to_the_same_counts_leaves_its_rows_without_lines(tmp_path: Path) -> None:
    """Rewritten to the same size, each block to the same records and line breaks but with its
    multi-line values in other rows: the bytes re-read lay out without complaint, to other lines."""
    import time

    before = "id,x\n" + "".join(f'{i},"a\nb"\n{i},cc\n' for i in range(200))
    after = "id,x\n" + "".join(f'{i},aa\n{i},"c\nd"\n' for i in range(200))
    assert len(before) == len(after)
    path = write(tmp_path, before.encode())
    reader = CsvReader(path, None, ReadOptions(CsvDialect(), block_size=256))
    reader.columns()
    rows = sum(batch.rows for batch in settled(reader.batches({"c0": 0, "c1": 1})))
    assert reader._unlaid
    time.sleep(0.05)  # past the file system's timestamp tick
    path.write_bytes(after.encode())
    places = reader.locate(range(rows))
    expected = oracle_places(before, CsvDialect())
    assert [p.row for p in places.values()] == [p.row for p in expected]
    assert all(p.line in (None, e.line) for p, e in zip(places.values(), expected, strict=True))
    # replaced by a rename (how producers publish a new version): another file at the same path
    path.write_bytes(before.encode())
    reader = CsvReader(path, None, ReadOptions(CsvDialect(), block_size=256))
    reader.columns()
    rows = sum(batch.rows for batch in settled(reader.batches({"c0": 0, "c1": 1})))
    write(tmp_path, after.encode(), "new.csv").replace(path)
    places = reader.locate(range(rows))
    assert all(p.line in (None, e.line) for p, e in zip(places.values(), expected, strict=True))


def test_a_lone_cr_late_in_a_crlf_file_is_still_a_line_end(tmp_path: Path) -> None:
    """Blocks skip the scan for lone CRs while the stream has shown none; the first one, late in
    the file, sends its block and the rest through the exact scans again."""
    text = notes_file(3000, "\r\n")
    at = text.index("\r\n2500,")
    text = text[:at] + "\r" + text[at + 2 :]  # record 2500 ends in a lone CR
    path = write(tmp_path, text.encode())
    places, unlaid = read_places(path, CsvDialect(), 2048)
    assert unlaid > 10
    assert places == oracle_places(text, CsvDialect())
    reader = CsvReader(path, None, ReadOptions(CsvDialect(), block_size=2048))
    width = len(reader.columns())
    rows = [row for batch in settled(reader.batches({f"c{i}": i for i in range(width)})) for row in batch.frame.rows()]
    assert [r[0] for r in rows] == [str(i) for i in range(3000)]


@pytest.mark.parametrize("prefix", range(1, 12))
def test_a_header_prefix_cut_inside_a_character_is_read_whole(tmp_path: Path, prefix: int) -> None:
    """A stray quote sends the header's prefix to the csv module, which decodes it: a prefix
    ending inside a UTF-8 character must not stop the read."""
    text = 'é"é,ü€ü,x\n' + "".join(f"{i},é{i},€\n" for i in range(50))
    path = write(tmp_path, text.encode())
    with mock.patch.object(csv_reader, "FIRST_RECORD_PREFIX", prefix):
        reader = CsvReader(path, None, ReadOptions(CsvDialect(), block_size=4096))
        assert reader.columns() == ['é"é', "ü€ü", "x"]
        rows = sum(batch.rows for batch in settled(reader.batches({"c0": 0, "c1": 1, "c2": 2})))
    assert rows == 50
