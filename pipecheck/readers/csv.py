"""Streaming CSV in blocks of whole records, each with a checkpoint: no second pass over the file.

Row numbering: "row" is the 1-based data record (header excluded, blank lines skipped, malformed
records counted); "line" is the physical line where the record starts. Blocks are cut only at
line ends outside quotes, so every block is parsed on its own (polars for plain text, pyarrow's
multi-threaded parser otherwise) and its records' rows and lines are known from its own bytes.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import itertools
import os
import stat
import threading
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipecheck.contract.model import CsvDialect
from pipecheck.findings import Example, Finding
from pipecheck.readers import LimitExceeded, UnreadableFile
from pipecheck.readers.base import Checkpoint, Checkpoints, Place, RawRecords, ReadOptions, Replaced, Work
from pipecheck.readers.source import (
    DecodedStream,
    DecodeLog,
    Quoting,
    byte_positions,
    count_byte,
    line_breaks,
    lone_crs,
    open_text_bytes,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import polars as pl
    import pyarrow as pa

    Positions = npt.NDArray[np.int64]

# Text is cut into blocks of PLAIN_BLOCKS pyarrow blocks (bench/README.md: why these sizes).
PLAIN_BLOCKS = 2
# The longest record pipecheck reads; a longer one is reported as a `limit` finding.
MAX_RECORD_BYTES = 256 << 20
FIRST_RECORD_PREFIX = 64 << 10  # the first prefix of a block laid out to find its first record
PREVIEW_CHARS = 80
BOM = b"\xef\xbb\xbf"  # U+FEFF in UTF-8; at the file's start the decoder drops it, elsewhere it is data
LF, CR = 10, 13


@dataclass(frozen=True)
class RecordPlace:
    row: int
    line: int
    text: str = ""
    end_line: int = 0
    spans_quoted_newline: bool = False


@dataclass(frozen=True)
class _Layout:
    """The non-blank records of a block of whole records: where each starts and ends, and its width.

    Lines are 0-based within the block; `ends` are byte offsets of each record's end (before its
    line break); `lines` is the number of physical lines the block holds.
    """

    starts: Positions
    ends: Positions
    start_lines: Positions
    end_lines: Positions
    fields: Positions | None  # fields per record; None: not counted (see _with_fields)
    lines: int
    open_quote: bool  # the last record runs to the end of the block inside quotes

    @property
    def counted_fields(self) -> Positions:
        assert self.fields is not None, "fields not counted: see _with_fields"
        return self.fields

    def head(self, records: int) -> _Layout:
        """The layout of the block holding the first `records` records (cut after the last one's line end)."""
        lines = int(self.end_lines[records - 1]) + 1
        fields = None if self.fields is None else self.fields[:records]
        return _Layout(
            self.starts[:records],
            self.ends[:records],
            self.start_lines[:records],
            self.end_lines[:records],
            fields,
            lines,
            False,
        )


class CsvReader:
    """The Reader for CSV text (plain or compressed, any declared encoding)."""

    text = True

    def __init__(self, path: Path, compression: str | None, options: ReadOptions) -> None:
        self.path = path
        self.dialect = options.dialect
        self.compression = compression
        self.max_examples = options.max_examples
        self.keep_records = options.records
        self.block_size = options.block_size
        self.decode_log = DecodeLog(keep=options.max_examples)
        self.quoting = _quoting(self.dialect)
        self.checkpoints = Checkpoints()
        self._maps: dict[int, tuple[Positions | None, Positions | None]] = {}
        self._unlocated: set[int] = set()
        self._unlaid: dict[int, int] = {}  # blocks parsed without a layout: their physical lines
        self._laid_rows: dict[int, int] = {}  # of those, the rows mapped so far (from a prefix laid out)
        # the file as it was when opened for reading (a regular file's identity, size and times):
        # a block is re-read from the file only while it is still that file, unchanged
        self._file_state: tuple[int, ...] | None = None
        self._names: list[str] | None = None
        self._decoded: DecodedStream | None = None
        self._block_source: Iterator[tuple[bytes, bool, Positions | None]] | None = None
        self._read_ahead: list[tuple[bytes, bool, Positions | None]] = []
        self._leading_layouts: list[_Layout] = []  # of the blocks read ahead, for `batches` to reuse
        self._furthest = 0
        self._malformed = 0
        self._malformed_examples: list[tuple[RecordPlace, int]] = []
        self._open_quote: RecordPlace | None = None
        self._open_quote_unchecked = 0
        self.header_line = 1  # the physical line of the first record (blank lines may precede it)
        self.header_record: bytes | None = None  # the header's bytes, line break included (header: true)
        # where the next block to settle starts: checked rows before it, its record and physical line
        self._row, self._record, self._line = 0, 1, 1
        self.width = options.width  # fields a record must have; None: as many as the first record
        self.opened = options.opened

    @property
    def format(self) -> str:
        return "csv" if self.compression is None else f"csv+{self.compression}"

    def schema(self) -> None:
        return None

    def columns(self) -> list[str]:
        """The first non-blank record: the column names (or, with header: false, the width).

        Read from the one stream the batches come from (a pipe or FIFO can be read only once):
        the blocks read to find it are held for `batches`.
        """
        if self._names is None:
            lines_before = 0
            for block, at_end, known in self._blocks():
                self._read_ahead.append((block, at_end, known))
                layout = self._leading_layout(block, at_end, known)
                self._leading_layouts.append(layout)
                if not layout.starts.size:
                    lines_before += layout.lines
                    continue
                text = block[int(layout.starts[0]) : _after(block, int(layout.ends[0]))].decode("utf-8", "replace")
                with _field_size_limit():
                    try:
                        record: list[str] = next(self._stdlib_reader(io.StringIO(text, newline="")), [])
                    except csv.Error as exc:
                        raise UnreadableFile(f"cannot parse the header: {exc}") from None
                self.header_line = lines_before + int(layout.start_lines[0]) + 1
                self._names = [name.lstrip("\ufeff") if i == 0 else name for i, name in enumerate(record)]
                return self._names
            raise UnreadableFile(
                "file has no header row (only blank lines)" if self.dialect.header else "file has no rows"
            )
        return self._names

    def _blocks(self) -> Iterator[tuple[bytes, bool, Positions | None]]:
        """The file's blocks from where reading has got to, on the one stream opened for it."""
        if self._block_source is None:
            d = self.dialect
            if self.compression is None and self.opened is None:
                self._file_state = _file_state(self.path)  # before opening: any later write shows
            self._decoded = open_text_bytes(
                self.path, self.compression, d.encoding, self.decode_log, d.comment, self.quoting, self.opened
            )
            # quarantine writes a record's undecodable bytes and lone CRs as the file has them
            self._decoded.keep_originals = self.keep_records and self._decoded.passthrough
            self._decoded.keep_lone_crs = self.keep_records and d.comment is not None
            self._block_source = iter(_RecordBlocks(self._decoded, self.block_size * PLAIN_BLOCKS, d))
        return self._block_source

    def _stdlib_reader(self, text: Any) -> Any:
        return csv_module_reader(text, self.dialect)

    def progress(self) -> tuple[int, int | None]:
        if self._decoded is not None:
            self._furthest = max(self._furthest, self._decoded.disk_position())
        try:
            size: int | None = self.path.stat().st_size
        except OSError:
            size = None
        return self._furthest, size

    def unchecked_rows(self) -> int:
        return self._malformed + self._open_quote_unchecked

    def close(self) -> None:
        if self._decoded is not None:
            self._decoded.close()

    # ------------------------------------------------------------ batches

    def batches(self, wanted: Mapping[str, int]) -> Iterator[Work]:
        """Blocks of the wanted columns (name -> position) as text, header row excluded, to parse on
        any thread and settle in order (`_PendingBlock`).

        Blocks of plain text (no quote or escape characters, no lone CRs: the bulk of most files)
        are parsed by polars and checked to hold exactly `width` fields per line; so are quoted
        blocks whose quotes are well formed (`_QuotedText`); every other block goes to pyarrow's
        parser, which counts and skips malformed rows.
        """
        width = self.width or len(self.columns())
        d = self.dialect
        blocks = itertools.chain(self._read_ahead, self._blocks())
        leading = iter(self._leading_layouts)  # the header's blocks come first: `columns` laid them out
        self._read_ahead, self._leading_layouts = [], []
        parsers = _Parsers(_PlainText(d, width, wanted), _QuotedText(d, width, wanted), width, wanted)
        header_pending = d.header
        offset = 0
        for whole, at_end, cut_quotes in blocks:
            block, start, quotes = whole, offset, cut_quotes
            offset += len(block)
            if header_pending:
                layout = next(leading, None) or self._leading_layout(block, at_end, quotes)
                if not layout.starts.size:
                    self._line += layout.lines
                    continue
                header_pending = False
                if layout.open_quote and layout.starts.size == 1:
                    self._open_quote = self._open_record(block, layout, 0, self._line)
                    return
                cut = _after(block, int(layout.ends[0]))
                first = int(layout.starts[0])
                self.header_record = self._header_as_read(block[first:cut], start + first)
                self._line += _lines_in(block[:cut])
                block, start = block[cut:], start + cut
                if quotes is not None:  # the header holds an even number of them: the rest's are exact too
                    quotes = quotes[int(quotes.searchsorted(cut)) :] - cut
            if block:
                pending = _PendingBlock(self, parsers, block, at_end, quotes, (start, offset))
                pending.rereadable = self._rereadable()
                pending.no_lone_cr = self._decoded is not None and not self._decoded.lone_cr_seen()
                yield pending

    def _rereadable(self) -> bool:
        """Whether the text decoded so far is the file's own bytes (after a BOM), so a block can be
        read again from the file by its byte range: UTF-8 with nothing replaced, from a regular file."""
        decoded = self._decoded  # a file state is kept only for an uncompressed file opened by path
        return (
            self._file_state is not None and decoded is not None and decoded.passthrough and not self.decode_log.count
        )

    def _parse_pending(self, work: _PendingBlock) -> pl.DataFrame:
        """The block's frame and everything about it that needs no count from earlier blocks."""
        import numpy as np

        block, parsers = work.block, work.parsers
        plain = parsers.plain
        no_lone_cr = work.no_lone_cr
        frame = plain.parse(block) if plain.usable and plain.accepts(block, no_lone_cr) else None
        if frame is not None:
            work.lines, work.records = _lines_in(block, no_lone_cr), frame.height
            return frame
        # quotes from the cut come only from a buffer without lone CRs (_RecordBlocks._last_record_end)
        cut = work.quotes is not None
        no_lone_cr = no_lone_cr or cut
        quotes = work.quotes if cut else _exact_quotes(block, self.dialect)
        # the last block comes without the cut's quotes; the stream has by then shown all lone CRs
        last = work.at_end and no_lone_cr and block.endswith(b"\n")
        if quotes is not None and (cut or last) and work.rereadable and not self.keep_records:
            feeds = count_byte(block, LF)
            frame = parsers.quoted.parse(block, None, quotes, lone_cr_checked=True, line_feeds=feeds)
            if frame is not None:  # every record checked, one a line feed ends (no lone CR)
                work.unlaid = True
                work.lines, work.records = feeds, frame.height
                return frame
        known = quotes is not None and _layout_by_quote_parity(
            block, self.dialect, work.at_end, quotes, lone_cr=not no_lone_cr
        )
        layout = known or _layout_by_csv_module(block, self.dialect, work.at_end)
        frame = None
        if quotes is not None and not layout.open_quote:
            frame = parsers.quoted.parse(block, layout, quotes, lone_cr_checked=no_lone_cr)
        if frame is not None:
            valid = np.ones(frame.height, dtype=bool)
        else:
            frame, skipped = self._parse_block(block, parsers.width, parsers.wanted, layout)
            if not skipped and frame.height == layout.starts.size:
                valid = np.ones(frame.height, dtype=bool)
            else:
                layout = _with_fields(layout, block, self.dialect)
                valid = np.equal(layout.counted_fields, parsers.width)
                if int(valid.sum()) != frame.height:  # the vectorised layout disagrees with the parser
                    layout = _layout_by_csv_module(block, self.dialect, work.at_end)
                    valid = np.equal(layout.counted_fields, parsers.width)
        # two parsers that disagree on a block leave its rows known, their lines not
        work.located = int(valid.sum()) == frame.height
        if work.located:
            work.map = _row_map(layout, valid)
        if layout.open_quote and not valid[-1]:  # the swallowed record: reported once, as the open quote
            work.open_quote_unchecked = True
            valid = valid.copy()
            valid[-1] = True
        work.layout, work.valid = layout, valid
        work.lines, work.records = layout.lines, len(layout.starts)
        return frame

    def _replaced(self, byte_range: tuple[int, int]) -> Replaced | None:
        """The block's U+FFFDs that stand for undecodable bytes, and those bytes (UTF-8 input)."""
        decoded = self._decoded
        return decoded.originals(*byte_range) if decoded is not None and decoded.keep_originals else None

    def _as_read(self, text: bytes, start: int) -> bytes:
        """Text from output offset `start` with each LF that stands for a record's lone CR (comment
        lines blanked: `DecodedStream._blank_comments`) a CR again, as the file has it."""
        import numpy as np

        decoded = self._decoded
        if decoded is None or not decoded.keep_lone_crs:
            return text
        at = decoded.lone_crs_as_lf(start, start + len(text))
        if not at:
            return text
        restored = np.frombuffer(text, dtype=np.uint8).copy()
        restored[at] = CR
        return restored.tobytes()

    def _header_as_read(self, header: bytes, start: int) -> bytes:
        """The header record from output offset `start` as the file has it: lone CRs and
        undecodable bytes too (quarantine writes it to both outputs)."""
        header = self._as_read(header, start)
        replaced = self._replaced((start, start + len(header)))
        return header if replaced is None else replaced.restored(header)

    def _settle(self, work: _PendingBlock) -> Checkpoint:
        """The block's place in the file, from the counts of the blocks settled before it."""
        if work.records_found is not None and self._decoded is not None:
            self._decoded.forget_originals(work.byte_range[1])
        index = len(self.checkpoints.points)
        point = Checkpoint(index, self._row, work.rows, self._record, self._line, work.byte_range)
        if work.unlaid:
            self._unlaid[point.index] = work.lines
        if work.layout is not None:
            if not work.located:
                self._unlocated.add(point.index)
            elif work.map is not None:
                self._maps[point.index] = work.map
            if work.layout.open_quote:
                record = self._record + len(work.layout.starts) - 1
                self._open_quote = self._open_record(work.block, work.layout, record, self._line)
                self._open_quote_unchecked = int(work.open_quote_unchecked)
            assert work.valid is not None
            self._note_malformed(work.block, work.layout, work.valid, self.width or len(self.columns()), point)
        self._line += work.lines
        self._record += work.records
        self._row += work.rows
        self.checkpoints.add(point)
        return point

    def _layout(self, block: bytes, at_end: bool) -> _Layout:
        fast = _layout_by_quote_parity(block, self.dialect, at_end)
        return fast if fast is not None else _layout_by_csv_module(block, self.dialect, at_end)

    def _leading_layout(self, block: bytes, at_end: bool, quotes: Positions | None) -> _Layout:
        """A layout exact about the block's first record (the header): that of the shortest prefix
        holding it and the start of the next one, or of the whole block. `quotes`: the block's, from
        the cut (exact, and no lone CR in the block)."""
        size = FIRST_RECORD_PREFIX
        while size < len(block):
            prefix = block[: _char_start(block, size)]  # whole characters: the csv module decodes it
            known = quotes is not None and _layout_by_quote_parity(
                prefix, self.dialect, False, quotes[: int(quotes.searchsorted(len(prefix)))], lone_cr=False
            )
            layout = known or self._layout(prefix, False)
            if layout.starts.size >= 2:  # a record begun after the first: the first ended in the prefix
                return layout
            size *= 8
        return self._layout(block, at_end)

    def _note_malformed(self, block: bytes, layout: _Layout, valid: Any, width: int, point: Checkpoint) -> None:
        import numpy as np

        record, line = point.first_record, point.first_line or 1
        bad = np.flatnonzero(~valid)
        self._malformed += int(bad.size)
        for i in bad[: max(0, self.max_examples - len(self._malformed_examples))]:
            text = block[int(layout.starts[i]) : int(layout.ends[i])].decode("utf-8", errors="replace")
            with _field_size_limit():
                fields: list[str] = next(self._stdlib_reader(io.StringIO(text, newline="")), [])
            multiline = any("\n" in value or "\r" in value for value in fields)
            place = RecordPlace(
                record + int(i),
                line + int(layout.start_lines[i]),
                _preview(fields, self.dialect.delimiter),
                line + int(layout.end_lines[i]),
                multiline,
            )
            fields_in = layout.fields[i] if layout.fields is not None else 0
            self._malformed_examples.append((place, int(fields_in)))

    def _open_record(self, block: bytes, layout: _Layout, row: int, line: int) -> RecordPlace:
        text = block[int(layout.starts[-1]) :].decode("utf-8", errors="replace")
        preview = text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 3] + "..."
        return RecordPlace(row, line + int(layout.start_lines[-1]), preview, line + int(layout.end_lines[-1]), True)

    def _parse_block(
        self, block: bytes, width: int, wanted: Mapping[str, int], layout: _Layout
    ) -> tuple[pl.DataFrame, int]:
        """One block of whole records, parsed by pyarrow, and how many malformed rows it skipped."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        d = self.dialect
        if len(d.delimiter.encode()) > 1 or len(d.quotechar.encode()) > 1 or len((d.escapechar or "").encode()) > 1:
            return self._parse_by_csv_module(block, width, wanted)  # pyarrow takes one-byte characters only
        positional = [f"f{i}" for i in range(width)]
        longest = int((layout.ends - layout.starts).max()) if layout.starts.size else 0
        # pyarrow's parser loses the LF of a quoted CRLF that ends one of its internal blocks
        # (test_crlf_in_a_quoted_value_at_any_block_boundary): text with CRs is one internal block.
        internal = len(block) + 1 if b"\r" in block else max(self.block_size, 2 * longest + 2)
        include = [positional[pos] for pos in wanted.values()] or positional[:1]
        if block.startswith(BOM):
            block = b"\n" + block  # pyarrow drops a BOM at the start of its input; mid-file it is data
        skipped: list[object] = []  # appended from pyarrow's threads (list.append is atomic)

        def skip(row: object) -> str:
            skipped.append(row)
            return "skip"

        try:
            table = pacsv.read_csv(
                pa.py_buffer(block),
                read_options=pacsv.ReadOptions(column_names=positional, block_size=internal, use_threads=True),
                parse_options=pacsv.ParseOptions(
                    delimiter=d.delimiter,
                    quote_char=d.quotechar,
                    double_quote=d.doublequote,
                    escape_char=d.escapechar or False,
                    newlines_in_values=True,
                    ignore_empty_lines=True,
                    invalid_row_handler=skip,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={name: pa.string() for name in positional},
                    include_columns=include,
                    null_values=[],
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
                memory_pool=_arrow_pool(),
            )
        except (pa.ArrowException, OSError) as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UnreadableFile(f"cannot parse as CSV: {message}") from None
        return _frame(table.columns, list(wanted) or ["__row__"]), len(skipped)

    def _parse_by_csv_module(self, block: bytes, width: int, wanted: Mapping[str, int]) -> tuple[pl.DataFrame, int]:
        """A block in a dialect with a multi-byte delimiter or quote character, read by the csv module."""
        import polars as pl

        text = block.decode("utf-8", errors="surrogatepass")
        with _field_size_limit():
            records = [r for r in self._stdlib_reader(io.StringIO(text, newline="")) if r]
        valid = [r for r in records if len(r) == width]
        names = list(wanted) or ["__row__"]
        columns = {name: [r[pos] for r in valid] for name, pos in wanted.items()} or {"__row__": ["" for _ in valid]}
        frame = pl.DataFrame(columns, schema=dict.fromkeys(names, pl.String))
        return frame, len(records) - len(valid)

    # ------------------------------------------------------------ after reading

    def locate(self, ordinals: Collection[int]) -> dict[int, Place]:
        found: dict[int, Place] = {}
        by_block: dict[int, tuple[Checkpoint, list[int]]] = {}
        for ordinal in ordinals:
            point = self.checkpoints.holding(ordinal)
            if point is not None:
                by_block.setdefault(point.index, (point, []))[1].append(ordinal)
        for point, held in by_block.values():
            if point.index in self._unlaid:
                self._lay_out(point, max(held) - point.first_row)
            for ordinal in held:
                i = ordinal - point.first_row
                if point.index in self._unlocated:
                    found[ordinal] = Place(point.first_record + i)
                    continue
                lines, records = self._maps.get(point.index, (None, None))
                line = int(lines[i]) if lines is not None else i
                record = int(records[i]) if records is not None else i
                found[ordinal] = Place(point.first_record + record, (point.first_line or 1) + line)
        return found

    def _lay_out(self, point: Checkpoint, row: int) -> None:
        """The row map of a block parsed without a layout, up to its row `row` at least, from its
        bytes read again from the file: a prefix that holds that row, or the whole block (checked
        against the parse's counts). A file changed since leaves the block's rows without lines."""

        if self._laid_rows.get(point.index, 0) > row:
            return
        assert point.byte_range is not None
        start, end = point.byte_range
        length = end - start
        # every record of an unlaid block is a row: a prefix holding about row + 1 of them, by their mean size
        size = min(length, (row + 2) * length // max(point.rows, 1) * 5 // 4 + FIRST_RECORD_PREFIX)
        try:
            # not blocking: a FIFO put in the file's place would wait for a writer before any check
            with open(os.open(self.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as handle:
                if _file_state(handle.fileno()) != self._file_state:
                    raise OSError("the file changed since it was read")
                skip = len(BOM) if handle.read(len(BOM)) == BOM else 0
                handle.seek(skip + start)
                block = handle.read(size)
                while len(block) == size:
                    # no lone CR in an unlaid block: only line feeds end its lines
                    layout = _layout_by_quote_parity(block, self.dialect, False, lone_cr=False)
                    if size < length:
                        if layout is not None and layout.starts.size >= row + 2:  # rows to `row` end in it
                            self._laid_out(point, layout, layout.starts.size - 1)
                            return
                        more = min(length, 2 * size) - size  # the prefix read on, not again
                        block += handle.read(more)
                        size += more
                        continue
                    lines = self._unlaid.pop(point.index)
                    if layout is None or layout.open_quote or (layout.starts.size, layout.lines) != (point.rows, lines):
                        break  # not the block its parse counted
                    self._laid_out(point, layout, point.rows)
                    return
        except OSError:
            pass
        self._unlaid.pop(point.index, None)
        self._maps.pop(point.index, None)
        self._unlocated.add(point.index)

    def _laid_out(self, point: Checkpoint, layout: _Layout, rows: int) -> None:
        """The row map of an unlaid block's first `rows` rows, from a layout of its bytes."""
        import numpy as np

        self._laid_rows[point.index] = rows
        row_map = _row_map(layout, np.ones(layout.starts.size, dtype=bool))
        if row_map is None:
            self._maps.pop(point.index, None)
        else:
            self._maps[point.index] = row_map

    def file_findings(self) -> list[Finding]:
        findings = []
        if self.decode_log.count:
            findings.append(self.decode_log.finding(self.dialect.encoding))
        if self._malformed:
            findings.append(self._malformed_finding())
        if self._open_quote is not None:
            findings.append(_open_quote_finding(self._open_quote, self.max_examples))
        return findings

    def _malformed_finding(self) -> Finding:
        width = self.width or len(self.columns())
        examples = []
        hint = None
        for place, fields in self._malformed_examples:
            note = f"{fields} field(s), expected {width}"
            if place.spans_quoted_newline and fields < width:
                note += f"; a quoted field opened here spans lines {place.line}-{place.end_line} (unterminated quote?)"
                hint = hint or f"check for a missing closing quote on line {place.line}"
            examples.append(Example(row=place.row, line=place.line, value=place.text, note=note))
        return Finding(
            "malformed_row",
            f"{self._malformed} row(s) do not have {width} fields; they were not checked further",
            count=self._malformed,
            examples=examples,
            hint=hint,
        )


def _open_quote_finding(place: RecordPlace, max_examples: int) -> Finding:
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
        ][:max_examples],
        hint=f"add the missing closing quote on line {place.line}",
    )


class _FieldSizeLimit:
    """The stdlib csv module's field limit (process-wide state) raised while any reader here uses
    the module, and put back when the last one is done."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0
        self.before = 0

    @contextlib.contextmanager
    def raised(self) -> Iterator[None]:
        with self.lock:
            if not self.users:
                self.before = csv.field_size_limit(MAX_RECORD_BYTES)
            self.users += 1
        try:
            yield
        finally:
            with self.lock:
                self.users -= 1
                if not self.users:
                    csv.field_size_limit(self.before)


_field_size_limit = _FieldSizeLimit().raised


def csv_module_reader(text: Any, dialect: CsvDialect) -> Any:
    """The stdlib csv module's reader for the contract's dialect (lenient, as pyarrow is)."""
    return csv.reader(
        text,
        delimiter=dialect.delimiter,
        quotechar=dialect.quotechar,
        escapechar=dialect.escapechar,
        doublequote=dialect.doublequote,
        strict=False,
    )


def _quoting(dialect: CsvDialect) -> Quoting:
    return Quoting(dialect.quotechar, dialect.delimiter, dialect.escapechar, dialect.doublequote)


def _row_map(layout: _Layout, valid: Any) -> tuple[Positions | None, Positions | None] | None:
    """Lines and records of a block's checked rows, relative to the block; None where both are
    consecutive (the common case, kept as nothing)."""
    import numpy as np

    lines = layout.start_lines[valid]
    records = np.flatnonzero(valid)
    consecutive_lines = not lines.size or (lines[-1] == lines.size - 1 and lines[0] == 0)
    consecutive_records = not records.size or records[-1] == records.size - 1
    if consecutive_lines and consecutive_records:
        return None
    return (
        None if consecutive_lines else lines.astype(np.int32),
        None if consecutive_records else records.astype(np.int32),
    )


def _file_state(file: Path | int) -> tuple[int, ...] | None:
    """A regular file's device, inode, size and modification and change times (None: not a regular
    file, or gone): a file rewritten in place, even to the same size, shows in its times."""
    try:
        info = os.stat(file)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _lines_in(block: bytes, no_lone_cr: bool = False) -> int:
    """Physical lines in a block of whole records (a last line without a break counts);
    `no_lone_cr`: the block is known to hold no CR without an LF after it."""
    breaks = count_byte(block, LF) if no_lone_cr else line_breaks(block)
    return breaks + (0 if not block or block.endswith((b"\n", b"\r")) else 1)


def _char_start(block: bytes, at: int) -> int:
    """`at`, or the start of the UTF-8 character it falls inside (a block is UTF-8 text)."""
    while 0 < at < len(block) and block[at] & 0xC0 == 0x80:
        at -= 1
    return at


def _after(block: bytes, end: int) -> int:
    """The offset after the line break that ends a record at `end` (the block's end if none)."""
    if end < len(block) and block[end] == CR:
        end += 1
    if end < len(block) and block[end] == LF:
        end += 1
    return end


def _after_all(block: bytes, ends: Positions) -> Positions:
    """`_after` of every record end: the offsets after their line breaks."""
    import numpy as np

    data = np.frombuffer(block, dtype=np.uint8)
    size = data.size
    at = ends.astype(np.int64, copy=True)
    cr = (at < size) & (data[np.minimum(at, size - 1)] == CR) if size else np.zeros(at.size, dtype=bool)
    at += cr
    lf = (at < size) & (data[np.minimum(at, size - 1)] == LF) if size else np.zeros(at.size, dtype=bool)
    at += lf
    return at


def line_ends(block: bytes) -> Positions:
    """The offset after each line's break (the block's end for a last line without one); for a
    block without lone CRs."""
    import numpy as np

    ends = byte_positions(np.frombuffer(block, dtype=np.uint8), LF).astype(np.int64) + 1
    if block and not block.endswith(b"\n"):
        ends = np.append(ends, len(block))
    return ends


def _line_starts(block: bytes) -> list[int]:
    """Where each physical line starts (0, then after every LF, CRLF or lone CR)."""
    import numpy as np

    return [0, *(_breaks(np.frombuffer(block, dtype=np.uint8)) + 1).tolist()]


def _breaks(data: Any, lone_cr: bool = True) -> Positions:
    """Positions of line breaks: every LF, and every CR not followed by an LF (`lone_cr=False`:
    known to be none)."""
    import numpy as np

    lf = byte_positions(data, LF)
    if not lone_cr:
        return lf
    cr = byte_positions(data, CR)
    if not cr.size:
        return lf
    lone = cr[(cr + 1 >= data.size) | (data[np.minimum(cr + 1, data.size - 1)] != LF)]
    return np.union1d(lf, lone) if lone.size else lf


def _exact_quotes(block: bytes, dialect: CsvDialect) -> Positions | None:
    """Where the quote characters are, if counting them is exact; None where the slow exact parse
    must decide.

    Exact when every quote either opens a field (first character of a field), closes one (followed
    by a delimiter, a line end or the block end), or is one of a doubled pair: then a line break
    ends a record exactly when an even number of quotes precede it.
    """
    import numpy as np

    quote, delimiter = dialect.quotechar.encode(), dialect.delimiter.encode()
    if len(quote) != 1 or len(delimiter) != 1 or (dialect.escapechar and dialect.escapechar.encode() in block):
        return None
    data = np.frombuffer(block, dtype=np.uint8)
    quotes = byte_positions(data, quote[0])
    if quotes.size and not dialect.doublequote and quote * 2 in block:
        return None
    if quotes.size and not _quotes_well_formed(data, quotes, delimiter[0]):
        return None
    return quotes


def _layout_by_quote_parity(
    block: bytes, dialect: CsvDialect, at_end: bool, quotes: Positions | None = None, *, lone_cr: bool = True
) -> _Layout | None:
    """The layout by counting quotes (`_exact_quotes`, or its answer for this block), where that is
    exact; None where the slow exact parse must decide. `lone_cr=False`: the block is known to
    hold no CR without an LF after it, so only LFs are looked for."""
    import numpy as np

    if quotes is None:
        quotes = _exact_quotes(block, dialect)
        if quotes is None:
            return None
    data = np.frombuffer(block, dtype=np.uint8)
    breaks = _breaks(data, lone_cr)
    ends_mask = np.searchsorted(quotes, breaks) % 2 == 0
    record_breaks = np.flatnonzero(ends_mask)  # indices into `breaks`
    ends = breaks[record_breaks]
    open_quote = bool(quotes.size % 2)
    last_start = int(ends[-1]) + 1 if ends.size else 0
    tail = last_start < len(block)
    starts = np.concatenate(([0], ends + 1)) if tail else np.concatenate(([0], ends[:-1] + 1))
    record_ends = np.concatenate((ends, [len(block)])) if tail else ends
    start_lines = np.concatenate(([0], record_breaks + 1)) if tail else np.concatenate(([0], record_breaks[:-1] + 1))
    lines = int(breaks.size) + (0 if block.endswith((b"\n", b"\r")) else 1)
    end_lines = np.concatenate((record_breaks, [lines - 1])) if tail else record_breaks
    content_ends = record_ends.copy()
    crlf = (content_ends > starts) & (data[np.maximum(content_ends - 1, 0)] == CR) & (content_ends < len(block))
    content_ends[crlf] -= 1
    non_blank = content_ends > starts
    return _Layout(
        starts[non_blank],
        content_ends[non_blank],
        start_lines[non_blank],
        end_lines[non_blank],
        None,
        lines,
        open_quote and at_end,
    )


def _with_fields(layout: _Layout, block: bytes, dialect: CsvDialect) -> _Layout:
    """The layout with each record's field count: delimiters outside quotes, plus one."""
    import dataclasses

    import numpy as np

    if layout.fields is not None:
        return layout
    data = np.frombuffer(block, dtype=np.uint8)
    quotes = np.flatnonzero(data == dialect.quotechar.encode()[0])
    delimiters = np.flatnonzero(data == dialect.delimiter.encode()[0])
    outside = delimiters[np.searchsorted(quotes, delimiters) % 2 == 0]
    # a delimiter belongs to the first record that ends after it (blank records hold none)
    record = np.searchsorted(layout.ends, outside, side="left")
    fields = np.bincount(record, minlength=layout.starts.size)[: layout.starts.size] + 1
    return dataclasses.replace(layout, fields=fields)


def _quotes_well_formed(data: Any, quotes: Positions, delimiter: int) -> bool:
    import numpy as np

    size = data.size
    opening, closing = quotes[0::2], quotes[1::2]
    before = data[np.maximum(opening - 1, 0)]
    doubled = np.zeros(opening.size, dtype=bool)
    doubled[1:] = opening[1:] == closing[: opening.size - 1] + 1
    opens_field = (opening == 0) | (before == delimiter) | (before == LF) | (before == CR) | doubled
    after = data[np.minimum(closing + 1, size - 1)]
    quote = data[quotes[0]]
    closes_field = (closing + 1 >= size) | (after == delimiter) | (after == LF) | (after == CR) | (after == quote)
    return bool(opens_field.all() and closes_field.all())


def _layout_by_csv_module(block: bytes, dialect: CsvDialect, at_end: bool) -> _Layout:
    """The layout as the stdlib csv module reads the block (escape characters, stray quotes)."""
    import numpy as np

    text = block.decode("utf-8", errors="surrogatepass")
    line_starts = _line_starts(block)
    reader = csv_module_reader(io.StringIO(text, newline=""), dialect)
    starts: list[int] = []
    ends: list[int] = []
    start_lines: list[int] = []
    end_lines: list[int] = []
    fields: list[int] = []
    previous = 0
    with _field_size_limit():
        try:
            for record in reader:
                first, previous = previous, reader.line_num
                if not record:
                    continue
                starts.append(line_starts[first] if first < len(line_starts) else len(block))
                end = line_starts[previous] if previous < len(line_starts) else len(block)
                ends.append(_before_break(block, end, starts[-1]))
                start_lines.append(first)
                end_lines.append(previous - 1)
                fields.append(len(record))
        except csv.Error:
            pass
    open_quote = (
        at_end and bool(starts) and _quoting(dialect).ends_in_quote(text[_char_offset(text, block, starts[-1]) :])
    )
    lines = _lines_in(block)
    as_array = functools.partial(np.array, dtype=np.int64)
    arrays = [as_array(values) for values in (starts, ends, start_lines, end_lines, fields)]
    return _Layout(arrays[0], arrays[1], arrays[2], arrays[3], arrays[4], lines, open_quote)


def _before_break(block: bytes, end: int, start: int) -> int:
    """The end of a record's content, given the offset after its line break."""
    if end > start and block[end - 1] == LF:
        end -= 1
    if end > start and block[end - 1] == CR:
        end -= 1
    return end


def _char_offset(text: str, block: bytes, byte_offset: int) -> int:
    return len(block[:byte_offset].decode("utf-8", errors="surrogatepass"))


class _RecordBlocks:
    """About `size` bytes of decoded text at a time, each ending at a line end outside quotes.

    A record longer than `size` makes its block longer, up to MAX_RECORD_BYTES.
    """

    def __init__(self, stream: DecodedStream, size: int, dialect: CsvDialect) -> None:
        self.stream = stream
        self.size = size
        self.dialect = dialect
        self.quote = dialect.quotechar.encode()
        self.escape = dialect.escapechar.encode() if dialect.escapechar else None
        self.quoting = _quoting(dialect)

    def __iter__(self) -> Iterator[tuple[bytes, bool, Positions | None]]:
        """(block, at_end, quote positions if counting them is exact and known) triples; at_end: the
        block runs to the end of the file."""
        held = b""
        eof = False
        while not eof or held:
            pieces, length = [held], len(held)
            target = self.size
            while True:
                while not eof and length < target:
                    piece = self.stream.read_piece(self.size)
                    if not piece:
                        eof = True
                        break
                    pieces.append(piece)
                    length += len(piece)
                buffer = b"".join(pieces) if len(pieces) > 1 else pieces[0]
                pieces = [buffer]
                if eof:
                    if buffer:
                        yield buffer, True, None
                    return
                cut, quotes = self._last_record_end(buffer)
                if cut:
                    break
                if length > MAX_RECORD_BYTES:
                    raise LimitExceeded(
                        f"a record is longer than {MAX_RECORD_BYTES >> 20} MB (the longest pipecheck reads)"
                    )
                target = max(2 * length, length + self.size)  # doubling: a long record is scanned a few times
            held = buffer[cut:]
            yield buffer[:cut], False, quotes

    def _last_record_end(self, buffer: bytes) -> tuple[int, Positions | None]:
        """The offset after the last line break outside quotes (0: none), and the positions of the
        block's quotes up to there where counting them is exact; the buffer is not the file's end."""
        import numpy as np

        if self.quote not in buffer and (self.escape is None or self.escape not in buffer):
            last_lf = buffer.rfind(b"\n")
            if last_lf >= 0:
                return last_lf + 1, None
            last_cr = buffer.rfind(b"\r", 0, len(buffer) - 1)
            return (last_cr + 1 if last_cr >= 0 else 0), None
        quotes = _exact_quotes(buffer, self.dialect)
        if quotes is None:
            return self._exact_cut(buffer), None
        if self.stream.lone_cr_seen() and _has_lone_cr(buffer):
            return self._cut_by_layout(buffer, quotes), None  # a lone CR ends a line too
        # the last LF with an even number of quotes before it ends a record; one inside quotes
        # sends the search to before the quote that opened them
        end = len(buffer)
        while (lf := buffer.rfind(b"\n", 0, end)) >= 0:
            before = int(np.searchsorted(quotes, lf))
            if before % 2 == 0:
                return lf + 1, quotes[:before]
            end = int(quotes[before - 1])
        return 0, None

    def _cut_by_layout(self, buffer: bytes, quotes: Positions) -> int:
        layout = _layout_by_quote_parity(buffer, self.dialect, False, quotes)
        assert layout is not None
        # the last record may be incomplete: cut after the last record that a line break ends
        complete = int(((layout.ends < len(buffer)) & ~_runs_open(layout, buffer)).sum())
        return _after(buffer, int(layout.ends[complete - 1])) if complete else 0

    def _exact_cut(self, buffer: bytes) -> int:
        """The cut after the last record but one, as the csv module reads the buffer (escapes, stray
        quotes): the last record may go on in the next read, so it waits for it."""
        line_starts = _line_starts(buffer)
        text = io.StringIO(buffer.decode("utf-8", errors="surrogatepass"), newline="")
        reader = csv_module_reader(text, self.dialect)
        ends: list[int] = []
        with _field_size_limit():
            try:
                for _ in reader:
                    ends.append(reader.line_num)
            except csv.Error:
                pass
        if len(ends) < 2:
            return 0
        return line_starts[ends[-2]] if ends[-2] < len(line_starts) else 0


def _runs_open(layout: _Layout, buffer: bytes) -> Any:
    """Mask of records whose end is the buffer's end (no line break after them yet)."""
    return layout.ends >= len(buffer) - (1 if buffer.endswith(b"\r") else 0)


@functools.cache
def _arrow_pool() -> pa.MemoryPool | None:
    """pyarrow's jemalloc pool where the build has one, else its default (bench/README.md)."""
    import pyarrow as pa

    return pa.jemalloc_memory_pool() if "jemalloc" in pa.supported_memory_backends() else None


def _preview(record: list[str], delimiter: str) -> str:
    text = delimiter.join(record)
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 3] + "..."


def _frame(columns: list[pa.ChunkedArray], names: list[str]) -> pl.DataFrame:
    import polars as pl
    import pyarrow as pa

    frame = pl.from_arrow(pa.table(list(columns), names=names))
    assert isinstance(frame, pl.DataFrame)
    return frame


@dataclass(frozen=True)
class _Parsers:
    plain: _PlainText
    quoted: _QuotedText
    width: int
    wanted: Mapping[str, int]


class _PendingBlock:
    """A block of whole records: parsed on any thread (`parse`), then settled in file order."""

    def __init__(
        self,
        reader: CsvReader,
        parsers: _Parsers,
        block: bytes,
        at_end: bool,
        quotes: Positions | None,
        byte_range: tuple[int, int],
    ) -> None:
        self.reader, self.parsers, self.block, self.at_end, self.quotes = reader, parsers, block, at_end, quotes
        self.byte_range = byte_range
        # what parsing finds out: counts, and where the rows are within the block
        self.rows = self.lines = self.records = 0
        self.layout: _Layout | None = None  # None: plain text, one record per line
        self.valid: Any = None
        self.located = True
        self.map: tuple[Positions | None, Positions | None] | None = None
        self.open_quote_unchecked = False
        self.records_found: RawRecords | None = None  # raw_records(), found while parsing (ReadOptions.records)
        # the file's bytes of the block are the decoded ones (`CsvReader._rereadable`): its layout
        # may wait until a row of it is located
        self.rereadable = False
        self.no_lone_cr = False  # the stream had shown no lone CR when the block was cut
        self.unlaid = False  # parsed without a layout: `CsvReader.locate` lays it out from the file

    def parse(self) -> pl.DataFrame:
        frame = self.reader._parse_pending(self)
        self.rows = frame.height
        self.quotes = None
        if self.reader.keep_records:  # on the worker, not the thread settling blocks in order
            self.records_found = self.raw_records()
        return frame

    def settle(self) -> Checkpoint:
        return self.reader._settle(self)

    def raw_records(self) -> RawRecords:
        """The block's records as bytes, after `parse` (quarantine writes them)."""
        import numpy as np

        if self.records_found is not None:
            return self.records_found
        assert not self.unlaid, "blocks read for their records (ReadOptions.records) keep their layouts"
        replaced = self.reader._replaced(self.byte_range)
        data = self.reader._as_read(self.block, self.byte_range[0])
        if self.layout is None:  # plain text: every line is a record of the frame
            ends = line_ends(self.block)
            starts = np.concatenate(([0], ends[:-1])).astype(np.int64)
            return RawRecords(data, starts, ends, np.ones(ends.size, dtype=bool), None, False, replaced)
        layout = self.layout
        checked = np.array(self.valid, dtype=bool, copy=True)
        if self.open_quote_unchecked:
            checked[-1] = False
        return RawRecords(
            data,
            layout.starts,
            _after_all(self.block, layout.ends),
            checked,
            layout.start_lines,
            layout.open_quote,
            replaced,
        )


class _QuotedText:
    """Parses blocks with well-formed quotes (`_exact_quotes`) with polars, exactly or not at all.

    polars pads a short record and rejects a long one, so the delimiters outside quotes must come
    to `width - 1` per record: they are what is left of the records' bytes after the values' bytes
    and the quote characters, which needs no scan of the block.
    """

    def __init__(self, dialect: CsvDialect, width: int, wanted: Mapping[str, int]) -> None:
        self.dialect = dialect
        self.delimiter = dialect.delimiter.encode("utf-8")
        self.quote = dialect.quotechar.encode("utf-8")
        self.width = width
        self.wanted = wanted
        # one-byte characters and no escapes: polars' dialect; width 1 has no delimiters to count
        self.usable = len(self.delimiter) == 1 and len(self.quote) == 1 and width > 1 and not dialect.escapechar

    def parse(
        self,
        block: bytes,
        layout: _Layout | None,
        quotes: Positions,
        *,
        lone_cr_checked: bool = False,
        line_feeds: int | None = None,
    ) -> pl.DataFrame | None:
        """The block's frame, or None where polars' parse is not known to be exact. Without a
        layout, the record ends are counted from the line breaks (`_unlaid_content`)."""
        import numpy as np
        import polars as pl

        if not self.usable or block.startswith(BOM) or (not lone_cr_checked and _has_lone_cr(block)):
            return None  # a BOM is data here and polars drops it; a lone CR ends a line only to pyarrow
        if quotes.size % 2:
            return None
        if not block.endswith(b"\n") and block.rstrip(b"\r").endswith(self.delimiter):
            return None  # polars drops an empty extra field on an unterminated last line
        positional = [f"f{i}" for i in range(self.width)]
        try:
            frame = pl.read_csv(
                block,
                has_header=False,
                separator=self.dialect.delimiter,
                quote_char=self.dialect.quotechar,
                schema=dict.fromkeys(positional, pl.String),
                empty_string_is_null=False,
                raise_if_empty=False,
            )
        except (pl.exceptions.PolarsError, ValueError):
            return None
        if layout is None:
            if not block.endswith(b"\n"):
                return None
            feeds = count_byte(block, LF) if line_feeds is None else line_feeds
            content = _unlaid_content(block, frame.height, feeds)
            if content is None:
                return None
        elif frame.height != layout.starts.size:
            return None  # blank lines (polars makes rows of them) or a disagreement: the exact path decides
        else:
            content = int((layout.ends - layout.starts).sum())
        # Every byte of a record's content is a value's, a delimiter outside quotes, or a quote
        # character; of these, one of each doubled pair is also in the value.
        values = int(frame.select(pl.all().str.len_bytes().sum()).sum_horizontal().item())
        doubled = int(np.count_nonzero(quotes[2::2] == quotes[1:-1:2] + 1)) if quotes.size else 0
        if content - values - int(quotes.size) + doubled != frame.height * (self.width - 1):
            return None
        if not self.wanted:
            return frame.select(pl.first().alias("__row__"))
        return frame.select(pl.col(positional[pos]).alias(name) for name, pos in self.wanted.items())


def _unlaid_content(block: bytes, records: int, line_feeds: int) -> int | None:
    """The bytes of a block's records less their line breaks, if each of the `records` ends in the
    same break: all LF, or all CRLF (every LF after a CR); None where breaks are mixed. For a block
    ending in a line break and holding no lone CR.

    A blank line, or polars ending a record at a quoted line break, shows in the delimiter count
    that `_QuotedText.parse` checks, as with a layout.
    """
    crs = count_byte(block, CR) if b"\r" in block else 0
    if not crs:
        return len(block) - records
    return len(block) - 2 * records if crs == line_feeds else None


class _PlainText:
    """Parses blocks of plain text (no quoting, escaping or blank lines) with polars, exactly or not at all."""

    def __init__(self, dialect: CsvDialect, width: int, wanted: Mapping[str, int]) -> None:
        self.delimiter = dialect.delimiter.encode("utf-8")
        self.specials = [dialect.quotechar.encode("utf-8")] + (
            [dialect.escapechar.encode("utf-8")] if dialect.escapechar else []
        )
        self.width = width
        self.wanted = wanted
        # polars takes a one-byte separator; the stdlib-compatible CR line ends go to pyarrow.
        self.usable = len(self.delimiter) == 1 and width > 0

    def accepts(self, block: bytes, no_lone_cr: bool = False) -> bool:
        """False where quoting or escaping appears: there a real parser must find the fields.
        `no_lone_cr`: the block is known to hold no CR without an LF after it."""
        if any(special in block for special in self.specials):
            return False
        return no_lone_cr or not _has_lone_cr(block)

    def parse(self, block: bytes) -> pl.DataFrame | None:
        """The block's wanted columns, or None if a line is blank or does not have exactly `width` fields."""
        import polars as pl

        if block.startswith(BOM):
            return None  # polars drops a BOM at the start of its input; here it is data
        if not block.endswith(b"\n") and block.rstrip(b"\r").endswith(self.delimiter):
            return None  # polars drops an empty extra field on an unterminated last line
        if self.width == 1 and _has_blank_line(block):
            return None  # with no delimiters to count, blank lines are looked for (pyarrow skips them)
        positional = [f"f{i}" for i in range(self.width)]
        try:
            frame = pl.read_csv(
                block,
                has_header=False,
                separator=self.delimiter.decode("utf-8"),
                quote_char=None,
                schema=dict.fromkeys(positional, pl.String),
                empty_string_is_null=False,
                raise_if_empty=False,
            )
        except (pl.exceptions.PolarsError, ValueError):
            return None
        # polars makes a row of every line (blank ones too) and rejects a line with too many fields;
        # so if the delimiters add up to width - 1 per row, no line has too few fields or is blank.
        if count_byte(block, self.delimiter[0]) != frame.height * (self.width - 1):
            return None
        if not self.wanted:
            return frame.select(pl.first().alias("__row__"))
        return frame.select(pl.col(positional[pos]).alias(name) for name, pos in self.wanted.items())


def _has_blank_line(block: bytes) -> bool:
    import numpy as np

    data = np.frombuffer(block, dtype=np.uint8)
    breaks = np.flatnonzero(data == LF)
    gaps = np.diff(breaks, prepend=-1)
    return bool((gaps == 1).any() or (b"\r" in block and ((gaps == 2) & (data[breaks - 1] == CR)).any()))


def _has_lone_cr(block: bytes) -> bool:
    """A CR not followed by LF: a line end to pyarrow, not to polars."""
    return b"\r" in block and lone_crs(block) > 0
