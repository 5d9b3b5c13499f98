"""Property tests: the polars plain-text CSV path yields exactly what the pyarrow path yields.

`CsvReader.batches` parses blocks of plain text (no quote or escape characters, no lone CRs)
with polars and falls back to pyarrow for anything else. Every test reads the same file twice,
once as the engine does (fast path on) and once with `_PlainText.usable` forced off (pyarrow
only), and compares the rows, the frames' columns and the malformed count, with the stdlib
`csv` module as a third oracle (rows of exactly `width` fields, blank lines skipped).
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pipecheck.readers.csv as csv_module
from pipecheck.contract.model import CsvDialect
from pipecheck.readers import UnreadableFile
from pipecheck.readers.base import ReadOptions, settled
from pipecheck.readers.csv import CsvReader, _PlainText, _QuotedText

PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SMALLER = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DELIMITERS = [",", ";", "\t"]
# Small blocks, so a file spans many of them (and block edges fall everywhere), sometimes larger ones.
BLOCK_SIZES = st.one_of(st.integers(64, 256), st.integers(64, 4096))


# --- reading a file both ways -----------------------------------------------------------------


class _PyarrowOnly(_PlainText):
    """The plain-text parser switched off: every block goes through pyarrow."""

    def __init__(self, dialect: CsvDialect, width: int, wanted: dict[str, int]) -> None:
        super().__init__(dialect, width, wanted)
        self.usable = False


class _QuotedByPyarrow(_QuotedText):
    """polars' parse of well-quoted blocks switched off: they go through pyarrow, as before it."""

    def __init__(self, dialect: CsvDialect, width: int, wanted: dict[str, int]) -> None:
        super().__init__(dialect, width, wanted)
        self.usable = False


@dataclass
class Read:
    header: list[str]
    rows: list[tuple[Any, ...]]
    malformed: int
    polars_blocks: int  # blocks `_PlainText.parse` turned into a frame
    declined_blocks: int  # blocks it handed back to pyarrow (returned None)
    block_size: int
    columns: list[list[str]] = field(default_factory=list)


@contextlib.contextmanager
def _watching_parse() -> Iterator[list[bool]]:
    """Records, per call of `_PlainText.parse`, whether polars produced the frame."""
    calls: list[bool] = []
    original = _PlainText.parse

    def parse(self: _PlainText, block: bytes) -> pl.DataFrame | None:
        frame = original(self, block)
        calls.append(frame is not None)
        return frame

    with mock.patch.object(_PlainText, "parse", parse):
        yield calls


def read(path: Path, dialect: CsvDialect, block_size: int, wanted: dict[str, int] | None = None, *, fast: bool) -> Read:
    """The header, then the batches, as the engine reads them."""
    reader = CsvReader(path, None, ReadOptions(dialect, block_size=block_size))
    header = reader.columns()
    if wanted is None:
        wanted = {f"c{i}": i for i in range(len(header))}
    with (
        mock.patch.object(csv_module, "_PlainText", _PlainText if fast else _PyarrowOnly),
        mock.patch.object(csv_module, "_QuotedText", _QuotedText if fast else _QuotedByPyarrow),
        _watching_parse() as calls,
    ):
        frames = [batch.frame for batch in settled(reader.batches(wanted))]
    if not fast:
        assert calls == [], "the pyarrow-only read went through polars"
    names = list(wanted) or ["__row__"]
    for frame in frames:
        assert frame.columns == names
        assert all(dtype == pl.String for dtype in frame.dtypes), frame.schema
    return Read(
        header=header,
        rows=[row for frame in frames for row in frame.rows()],
        malformed=reader.unchecked_rows(),
        polars_blocks=calls.count(True),
        declined_blocks=calls.count(False),
        block_size=block_size,
        columns=[frame.columns for frame in frames],
    )


def read_both(
    data: bytes, dialect: CsvDialect, block_size: int, wanted: dict[str, int] | None = None
) -> tuple[Read, Read]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.csv"
        path.write_bytes(data)
        return (
            read(path, dialect, block_size, wanted, fast=True),
            read(path, dialect, block_size, wanted, fast=False),
        )


@dataclass
class Expected:
    header: list[str]
    rows: list[tuple[str, ...]]
    malformed: int


def stdlib_oracle(text: str, dialect: CsvDialect) -> Expected | None:
    """What the file holds by the csv module; None if it has no non-blank record."""
    if dialect.comment is not None:  # pipecheck empties comment lines (no line here is inside quotes)
        # a line starts after LF, CRLF or a lone CR ((?m)^ knows only LF)
        text = re.sub(f"(?:^|(?<=[\r\n])){re.escape(dialect.comment)}[^\r\n]*", "", text)
    records = [
        record
        for record in csv.reader(
            io.StringIO(text, newline=""), delimiter=dialect.delimiter, quotechar=dialect.quotechar, strict=False
        )
        if record
    ]
    if not records:
        return None
    header = records[0]
    data = records[1:] if dialect.header else records
    valid = [tuple(record) for record in data if len(record) == len(header)]
    return Expected(header, valid, len(data) - len(valid))


def project(rows: list[tuple[str, ...]], wanted: dict[str, int]) -> list[tuple[str, ...]]:
    if not wanted:
        return [(row[0],) for row in rows]
    return [tuple(row[pos] for pos in wanted.values()) for row in rows]


def assert_same(fast: Read, slow: Read, expected: Expected, wanted: dict[str, int] | None = None) -> None:
    assert fast.header == slow.header == expected.header
    assert fast.malformed == slow.malformed == expected.malformed
    assert fast.rows == slow.rows
    if wanted is None:
        wanted = {f"c{i}": i for i in range(len(expected.header))}
    assert fast.rows == project(expected.rows, wanted)


def check_file(
    data: bytes, text: str, dialect: CsvDialect, block_size: int, wanted: dict[str, int] | None = None
) -> tuple[Read, Read]:
    fast, slow = read_both(data, dialect, block_size, wanted)
    expected = stdlib_oracle(text, dialect)
    assert expected is not None
    assert_same(fast, slow, expected, wanted)
    return fast, slow


# --- 1. quote-free files: ragged rows, blank lines, CRLF/LF, encodings -------------------------


@dataclass
class PlainCase:
    text: str
    data: bytes
    dialect: CsvDialect
    block_size: int
    wanted: dict[str, int]


ENCODINGS = ["utf-8", "utf-8 with BOM", "cp1252", "utf-16"]


@st.composite
def plain_files(draw: st.DrawFn) -> PlainCase:
    delimiter = draw(st.sampled_from(DELIMITERS))
    width = draw(st.integers(1, 5))
    non_ascii = draw(st.booleans())
    header = draw(st.sampled_from([True, True, True, False]))
    comment = draw(st.sampled_from([None, None, "#"]))
    alphabet = [c for c in "abZ7 \t#" if c != delimiter] + (["é", "€", "\ufeff"] if non_ascii else [])
    value = st.text(st.sampled_from(alphabet), max_size=5)
    ends = draw(st.sampled_from(["\n", "\r\n", "\r", "mixed"]))
    line_end = st.sampled_from(["\n", "\r\n", "\r"]) if ends == "mixed" else st.just(ends)

    def line(kind: str) -> str:
        if kind == "blank":
            return ""
        count = {"short": max(width - draw(st.integers(1, 2)), 1), "long": width + draw(st.integers(1, 2))}.get(
            kind, width
        )
        fields = [draw(value) for _ in range(count)]
        if kind == "delimiter in a value":
            at = draw(st.integers(0, count - 1))
            fields[at] += delimiter + draw(value)
        return delimiter.join(fields)

    kinds = st.sampled_from(["ok"] * 10 + ["short", "long", "blank", "delimiter in a value"])
    lines = [line(kind) for kind in draw(st.lists(kinds, max_size=60))]
    if header:
        names = [f"h{i}" + ("é" if non_ascii and i == 0 else "") for i in range(width)]
        lines.insert(0, delimiter.join(names))
    leading = draw(st.lists(line_end, max_size=3))  # blank lines before the first record
    ends_drawn = [draw(line_end) for _ in lines]
    if lines and not draw(st.booleans()):  # no final line end
        ends_drawn[-1] = ""
    body = "".join(text + end for text, end in zip(lines, ends_drawn, strict=True))
    text = "".join(leading) + body
    first = len(text) - len(text.lstrip("\r\n"))
    if text[first:].startswith("\ufeff"):  # starting the first record it is taken for a byte order mark
        text = text[:first] + "x" + text[first:]

    encoding = draw(st.sampled_from(ENCODINGS))
    if encoding == "cp1252":
        text = text.replace("\ufeff", "é")  # cp1252 has no U+FEFF
    if encoding == "utf-8 with BOM":
        encoding, data = "utf-8", b"\xef\xbb\xbf" + text.encode("utf-8")
    else:
        data = text.encode(encoding)
    wanted = _draw_wanted(draw, width)
    dialect = CsvDialect(delimiter=delimiter, header=header, comment=comment, encoding=encoding)
    return PlainCase(text, data, dialect, draw(BLOCK_SIZES), wanted)


def _draw_wanted(draw: st.DrawFn, width: int) -> dict[str, int]:
    """Columns by name -> position: all in order mostly, else a reordered subset (possibly none)."""
    if draw(st.booleans()):
        return {f"c{i}": i for i in range(width)}
    positions = draw(st.permutations(range(width)))[: draw(st.integers(0, width))]
    return {f"col{pos}": pos for pos in positions}


@PROPERTY
@given(plain_files())
def test_plain_text_fast_path_matches_pyarrow_and_stdlib(case: PlainCase) -> None:
    expected = stdlib_oracle(case.text, case.dialect)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.csv"
        path.write_bytes(case.data)
        if expected is None:
            with pytest.raises(UnreadableFile):
                CsvReader(path, None, ReadOptions(case.dialect, block_size=case.block_size)).columns()
            return
        wanted = {name: pos for name, pos in case.wanted.items() if pos < len(expected.header)}
        fast = read(path, case.dialect, case.block_size, wanted, fast=True)
        slow = read(path, case.dialect, case.block_size, wanted, fast=False)
    assert_same(fast, slow, expected, wanted)


def test_the_fast_path_is_taken_on_plain_files() -> None:
    """The differential above means something only if polars really parses plain blocks."""
    text = "a,b,c\n" + "".join(f"{i},x y,é€\r\n" for i in range(200)) + "\n\n1,2\n3,4,5\n"
    fast, slow = check_file(text.encode(), text, CsvDialect(), 256)
    assert fast.polars_blocks >= 5
    assert fast.declined_blocks >= 1  # the last block: blank lines and a short row
    assert slow.polars_blocks == slow.declined_blocks == 0
    assert fast.malformed == 1


@pytest.mark.parametrize("block_size", [64, 4096])
def test_ragged_pair_balancing_the_delimiter_count(block_size: int) -> None:
    """A short row and a long row have the right delimiter total between them: still both malformed.

    polars alone would accept a block like b"a,b\\nf\\nc,d," (the last line's extra empty field
    dropped, the short row padded); it must not get one.
    """
    for text in ["h1,h2\na,b\nf\nc,d,", "h1,h2\na,b\nf\nc,d,\n", "h1,h2\nc,d,e\nf\na,b\n", "h1,h2\nf\n,,\na,b"]:
        fast, _ = check_file(text.encode(), text, CsvDialect(), block_size)
        assert fast.rows == [("a", "b")]
        assert fast.malformed == 2


# --- 2. quotes from the middle of the file on --------------------------------------------------


@dataclass
class QuotedCase:
    text: str
    dialect: CsvDialect
    block_size: int
    wanted: dict[str, int]


@st.composite
def late_quotes(draw: st.DrawFn) -> QuotedCase:
    delimiter = draw(st.sampled_from(DELIMITERS))
    width = draw(st.integers(2, 4))
    alphabet = [c for c in "abZ7 é" if c != delimiter]
    value = st.text(st.sampled_from(alphabet), max_size=6)
    end = draw(st.sampled_from(["\n", "\r\n"]))

    def plain_row() -> str:
        return delimiter.join(draw(value) for _ in range(width))

    def quoted_row(count: int) -> str:
        # no CRLF inside quotes: pyarrow drops the LF when its block ends between them (see the xfails below)
        parts = draw(st.lists(st.sampled_from(["x", " ", delimiter, "\n", '""', "é"]), max_size=5))
        inner = "".join(["q", *parts, "\n", delimiter])  # always a line break and a delimiter inside
        fields = [draw(value) for _ in range(count)]
        fields[draw(st.integers(0, count - 1))] = f'"{inner}"'
        return delimiter.join(fields)

    def later_row(kind: str) -> str:
        if kind == "blank":
            return ""
        if kind == "quoted":
            return quoted_row(width)
        if kind == "quoted, too many fields":
            return quoted_row(width + 1)
        if kind == "short":
            return delimiter.join(draw(value) for _ in range(width - 1))
        return plain_row()

    rows = [delimiter.join(f"n{i}" for i in range(width))]
    rows += [plain_row() for _ in range(draw(st.integers(5, 80)))]
    rows.append(quoted_row(width))
    kinds = st.sampled_from(["plain"] * 6 + ["blank", "quoted", "quoted, too many fields", "short"])
    rows += [later_row(kind) for kind in draw(st.lists(kinds, max_size=30))]
    text = end.join(rows) + (end if draw(st.booleans()) else "")
    block_size = draw(st.integers(64, 1024))
    return QuotedCase(text, CsvDialect(delimiter=delimiter), block_size, _draw_wanted(draw, width))


@SMALLER
@given(late_quotes())
def test_quotes_starting_mid_file_match_pyarrow(case: QuotedCase) -> None:
    data = case.text.encode()
    fast, _ = check_file(data, case.text, case.dialect, case.block_size, case.wanted)
    if data.index(b'"') > 4 * fast.block_size:  # blocks are about block_size (cut at a line feed)
        assert fast.polars_blocks >= 1  # the plain blocks before the first quote went through polars


def test_quoted_newline_and_delimiter_after_plain_blocks() -> None:
    text = "id,name\n" + "".join(f"{i},n{i}\n" for i in range(200)) + '200,"two\nlines, one value"\n201,x\n7\n'
    fast, _ = check_file(text.encode(), text, CsvDialect(), 128)  # plain blocks: 256 bytes
    assert fast.polars_blocks >= 5
    assert fast.rows[-2:] == [("200", "two\nlines, one value"), ("201", "x")]
    assert fast.malformed == 1


# --- 3. a quoted header before plain data ------------------------------------------------------


@dataclass
class HeaderCase:
    text: str
    header_bytes: int
    names: list[str]
    dialect: CsvDialect
    block_size: int


@st.composite
def quoted_headers(draw: st.DrawFn) -> HeaderCase:
    delimiter = draw(st.sampled_from(DELIMITERS))
    width = draw(st.integers(1, 5))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    plain_chars = [c for c in "abZ7é" if c != delimiter]
    quoted_chars = [*plain_chars, delimiter, "\n", "\r\n", "\r", '"', " "]
    names: list[str] = []
    cells: list[str] = []
    for _ in range(width):
        if draw(st.booleans()):
            name = "".join(draw(st.lists(st.sampled_from(quoted_chars), max_size=8)))
            names.append(name)
            cells.append('"' + name.replace('"', '""') + '"')
        else:
            name = draw(st.text(st.sampled_from(plain_chars), min_size=1, max_size=8))
            names.append(name)
            cells.append(name)
    if not any(cell.startswith('"') for cell in cells):
        cells[0] = f'"{names[0]}"'
    leading = "".join(draw(st.lists(st.sampled_from(["\n", "\r\n"]), max_size=2)))
    header = leading + delimiter.join(cells) + end
    value = st.text(st.sampled_from([*plain_chars, " "]), max_size=5)
    rows = [delimiter.join(draw(value) for _ in range(width)) for _ in range(draw(st.integers(1, 40)))]
    if width == 1:  # a lone empty value is a blank line: skipped, and polars declines the block
        rows = [row or "x" for row in rows]
    text = header + end.join(rows) + (end if draw(st.booleans()) else "")
    # blocks larger than any header drawn (<= 100 bytes): the data after it is never streamed by pyarrow here
    block_size = draw(st.integers(128, 2048))
    return HeaderCase(text, len(header.encode()), names, CsvDialect(delimiter=delimiter), block_size)


@SMALLER
@given(quoted_headers())
def test_quoted_header_is_skipped_and_data_takes_the_fast_path(case: HeaderCase) -> None:
    fast, _ = check_file(case.text.encode(), case.text, case.dialect, case.block_size)
    assert fast.header == case.names
    # the header ends in the first block, so all data is plain; an unterminated last line may be declined
    # though, e.g. when it ends in the delimiter (polars drops that empty field)
    last_line_plain = case.text.endswith("\n") or not case.text.endswith(case.dialect.delimiter)
    if case.header_bytes <= fast.block_size and last_line_plain:
        assert fast.polars_blocks >= 1
        assert fast.declined_blocks == 0


@pytest.mark.parametrize(
    "text",
    [
        '"a","b"\n1,2\n3,4\n',
        '"a","b"\r\n1,2\r\n3,4',
        '\n\r\n"a\nx","b,c"\n1,2\n3,4\n',
        '"a ""quoted"" name","b"\r\n1,2\r\n3,4\r\n',
    ],
)
def test_quoted_header_examples(text: str) -> None:
    fast, slow = check_file(text.encode(), text, CsvDialect(), 64)
    assert fast.rows == [("1", "2"), ("3", "4")]
    assert fast.polars_blocks >= 1
    assert slow.header == fast.header


def test_quoted_header_longer_than_a_block() -> None:
    """The header does not fit a block: its block grows to hold it whole, and it is skipped once."""
    text = '"' + "long name\n" * 20 + '",b\n1,2\n3,4\n'
    fast, _ = check_file(text.encode(), text, CsvDialect(), 64)
    assert fast.rows == [("1", "2"), ("3", "4")]


# --- 4. column subsets, reordering, no columns -------------------------------------------------


def test_wanted_columns_reordered() -> None:
    text = "a,b,c\n" + "".join(f"a{i},b{i},c{i}\n" for i in range(50)) + "x,y\n"
    fast, _ = check_file(text.encode(), text, CsvDialect(), 64, {"b": 1, "a": 0})
    assert fast.columns[0] == ["b", "a"]
    assert fast.rows[:2] == [("b0", "a0"), ("b1", "a1")]
    assert fast.polars_blocks >= 1
    assert fast.malformed == 1


@pytest.mark.parametrize("block_size", [64, 4096])
def test_no_wanted_columns_counts_rows(block_size: int) -> None:
    text = "a;b\n" + "".join(f"{i};v\n" for i in range(60)) + "\n1;2;3\nlast;row"
    fast, slow = check_file(text.encode(), text, CsvDialect(delimiter=";"), block_size, {})
    assert {tuple(columns) for columns in fast.columns} == {("__row__",)}
    assert len(fast.rows) == len(slow.rows) == 61
    assert fast.malformed == 1
    if block_size == 64:  # (in one 4096-byte block the blank line sends all of it to pyarrow)
        assert fast.polars_blocks >= 1


# --- bugs this found (fixed; the pyarrow one is a strict xfail) ---------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"a,b\r1,2\r3,4\n",  # CR line ends, a final LF: all rows lost
        b"a,b\r1,2\n3,4\n",  # mixed: the row after the header lost
        b"a\rb,c\n1,2\n",  # header ["a"]: the fast path counts 1 malformed row, not 2
    ],
)
def test_lone_cr_ending_the_header(data: bytes) -> None:
    check_file(data, data.decode(), CsvDialect(), 64)


@pytest.mark.parametrize(
    "text",
    [
        "h1,h2\n\ufeffa,b\n",  # the first data row (polars)
        "h1,h2\n\ufeffa,b\n\nc,d\n",  # a block with a blank line (pyarrow's read_csv fallback)
        "h1,h2\n" + "\ufeffa,b\n" * 100,  # every row: whichever starts a later block
    ],
)
def test_byte_order_mark_at_a_block_start(text: str) -> None:
    check_file(text.encode(), text, CsvDialect(), 64)


def test_crlf_in_a_quoted_value_at_any_block_boundary() -> None:
    """pyarrow's streaming reader lost the LF of a CRLF inside quotes when a block ended at its CR;
    blocks are now cut only at line ends outside quotes, so no value is ever split."""
    results = []
    for pad in range(16):
        text = "a,b\n" + "x" * pad + ",y\n" + "x,y\n" * 8 + '"qq\r\nz",1\n'
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "data.csv"
            path.write_text(text, encoding="utf-8", newline="")
            results.append(read(path, CsvDialect(), 16, fast=False).rows[-1])
    assert set(results) == {("qq\r\nz", "1")}


def test_a_first_record_longer_than_a_block_is_read_whole() -> None:
    text = '"' + "long name\n" * 20 + '",b\n1,2\n3,4\n'  # a 210-byte header, 64-byte blocks
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.csv"
        path.write_text(text, encoding="utf-8", newline="")
        fast, slow = read_both(text.encode(), CsvDialect(), 64)
    assert fast.rows == slow.rows == [("1", "2"), ("3", "4")]


def test_crlf_split_where_pyarrow_takes_over() -> None:
    # 64-byte blocks: the first (63 bytes, plain) goes to polars; the next 65 bytes (a quote: not plain) are
    # pushed back; pyarrow reads them as 64 bytes ending in CR, then the LF alone, and drops the 5 rows after
    text = "a,b\r\n" + "x,y\r\n" * 10 + "xxxx,y\r\n" + '"q",' + "z" * 59 + "\r\n" + "1,2\r\n" * 5
    fast, slow = read_both(text.encode(), CsvDialect(), 64)
    assert len(slow.rows) == 17
    lost = [shift for shift in range(64) if _rows_after_crlf_quote(shift) != 17]  # (other block layouts)
    assert (len(fast.rows), lost) == (17, [])


def _rows_after_crlf_quote(shift: int) -> int:
    text = "a,b\r\n" + "x" * shift + ",y\r\n" + "x,y\r\n" * 10 + '"q",' + "z" * 59 + "\r\n" + "1,2\r\n" * 5
    fast, _ = read_both(text.encode(), CsvDialect(), 64)
    return len(fast.rows)


# --- 4. quoted exports: polars' parse of well-quoted blocks against pyarrow's and the csv module's --


@contextlib.contextmanager
def _watching_quoted_parse() -> Iterator[list[bool]]:
    calls: list[bool] = []
    original = _QuotedText.parse

    def parse(self: _QuotedText, block: bytes, layout: Any, quotes: Any, **options: bool) -> pl.DataFrame | None:
        frame = original(self, block, layout, quotes, **options)
        if self.usable:  # the fast read's calls, not the pyarrow-only reference's
            calls.append(frame is not None)
        return frame

    with mock.patch.object(_QuotedText, "parse", parse):
        yield calls


@st.composite
def quoted_exports(draw: st.DrawFn) -> QuotedCase:
    """Files as pandas/polars export free text: fields quoted where needed (delimiters, quotes, LF
    and CRLF inside), unquoted and quoted empty fields, and now and then a short, long or blank row."""
    delimiter = draw(st.sampled_from(DELIMITERS))
    width = draw(st.integers(2, 5))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    pieces = ["a", "Z", "7", " ", "é", "€", delimiter, '"', "\n", "\r\n", ""]

    def field() -> str:
        value = "".join(draw(st.lists(st.sampled_from(pieces), max_size=6)))
        needs = any(c in value for c in (delimiter, '"', "\n", "\r")) or (value == "" and draw(st.booleans()))
        return '"' + value.replace('"', '""') + '"' if needs else value

    def row(kind: str) -> str:
        if kind == "blank":
            return ""
        count = {"short": width - 1, "long": width + 1}.get(kind, width)
        return delimiter.join(field() for _ in range(count))

    kinds = st.sampled_from(["ok"] * 12 + ["short", "long", "blank"])
    rows = [delimiter.join(f"n{i}" for i in range(width))]
    rows += [row(kind) for kind in draw(st.lists(kinds, min_size=1, max_size=120))]
    text = end.join(rows) + (end if draw(st.booleans()) else "")
    return QuotedCase(text, CsvDialect(delimiter=delimiter), draw(st.integers(64, 2048)), _draw_wanted(draw, width))


@PROPERTY
@given(quoted_exports())
def test_quoted_exports_read_alike_by_polars_pyarrow_and_the_csv_module(case: QuotedCase) -> None:
    with _watching_quoted_parse() as calls:
        check_file(case.text.encode(), case.text, case.dialect, case.block_size, case.wanted)
    assert calls or '"' not in case.text, "no block reached the quoted parse"


def test_well_quoted_blocks_go_through_polars() -> None:
    rows = [f'{i},"note {i}, with ""quotes""\r\nand a CRLF",' for i in range(400)]
    text = "id,note,empty\r\n" + "\r\n".join(rows) + "\r\n"
    with _watching_quoted_parse() as calls:
        fast, _ = check_file(text.encode(), text, CsvDialect(), 512)
    assert len(fast.rows) == 400 and fast.rows[7] == ("7", 'note 7, with "quotes"\r\nand a CRLF', "")
    assert calls and all(calls), "a well-quoted block was handed back to pyarrow"


@pytest.mark.parametrize(
    "text",
    [
        'h1,h2\na,"b"\nf\nc,d,',  # an unterminated last line ending in a delimiter: polars drops the field
        'h1,h2\n"a",b\n"f"\n"c",d,e\n',  # a short row and a long one
        'h1,h2\n"a",b\n\n"c",d\n',  # a blank line: polars makes a row of it
        'h1,h2\n"a",b\n"f"\nc,d,\n',  # short and long balance the delimiter count
    ],
)
def test_quoted_blocks_polars_would_misread_are_declined(text: str) -> None:
    with _watching_quoted_parse() as calls:
        check_file(text.encode(), text, CsvDialect(), 4096)
    assert calls and not any(calls), "polars' parse of a block it misreads was taken"


def test_quoted_file_with_lone_cr_line_ends_is_cut_into_blocks(tmp_path: Path) -> None:
    """Old Mac line ends (a CR alone) with quoted fields: blocks are still cut at record ends, at
    lone CRs too, so the file is read in bounded blocks, not as one record-limit-sized block."""
    rows = [f'{i},"note {i}, quoted"' for i in range(3000)]
    text = "id,note\r" + "\r".join(rows) + "\r"
    fast, _ = check_file(text.encode(), text, CsvDialect(), 1024)
    assert len(fast.rows) == 3000 and fast.rows[-1] == ("2999", "note 2999, quoted")
    path = tmp_path / "cr.csv"
    path.write_bytes(text.encode())
    reader = CsvReader(path, None, ReadOptions(CsvDialect(), block_size=1024))
    reader.columns()
    batches = list(settled(reader.batches({"c0": 0, "c1": 1})))
    assert len(batches) > 10, "a buffer with lone CRs found no record end to cut at"
    assert reader.locate([2999])[2999].line == 3001
