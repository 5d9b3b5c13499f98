"""Streaming CSV: pyarrow parses blocks of text columns; a stdlib pass locates rows on demand.

Row numbering: "row" is the 1-based data record (header excluded, blank lines skipped, malformed
records counted); "line" is the physical line where the record starts. pyarrow does not report
lines, so the engine asks `locate` for the few rows it shows as examples.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import io
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipecheck.contract.model import CsvDialect
from pipecheck.readers import LimitExceeded, UnreadableFile
from pipecheck.readers.source import DecodedStream, DecodeLog, Quoting, count_byte, open_text_bytes

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

DEFAULT_BLOCK_SIZE = 8 << 20
# Plain text goes to polars in blocks of PLAIN_BLOCKS pyarrow blocks: polars plans and starts its
# threads once per block, so 16 MB ran 5M rows in ~5.2 s against ~6.0 s for 8 MB (24 and 32 MB
# were no faster). pyarrow's streaming reader keeps blocks in flight, so its own stay at 8 MB
# (16 MB: ~617 MB peak against 430-530 on a 5M-row file quoted from row 10 on).
PLAIN_BLOCKS = 2
# The longest record pipecheck reads; a longer one is reported as a `limit` finding.
MAX_RECORD_BYTES = 256 << 20
PREVIEW_CHARS = 80
BOM = b"\xef\xbb\xbf"  # U+FEFF in UTF-8; at the file's start the decoder drops it, elsewhere it is data

csv.field_size_limit(MAX_RECORD_BYTES)


@dataclass(frozen=True)
class RecordPlace:
    row: int
    line: int
    text: str = ""
    end_line: int = 0
    spans_quoted_newline: bool = False


@dataclass
class MalformedLog:
    expected: int = 0
    count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self) -> None:
        with self.lock:
            self.count += 1


@dataclass
class Located:
    """Where the wanted valid rows and the first malformed records are."""

    rows: dict[int, RecordPlace] = field(default_factory=dict)
    malformed: list[tuple[RecordPlace, int]] = field(default_factory=list)


class CsvReader:
    def __init__(
        self,
        path: Path,
        dialect: CsvDialect,
        compression: str | None,
        decode_log: DecodeLog,
        block_size: int = DEFAULT_BLOCK_SIZE,
    ) -> None:
        self.path = path
        self.dialect = dialect
        self.compression = compression
        self.decode_log = decode_log
        self.block_size = block_size
        self.malformed = MalformedLog()
        self._decoded: DecodedStream | None = None
        self._furthest = 0
        self.quote_parity_odd = False

    def _text(self, log: bool) -> io.TextIOWrapper:
        stream = open_text_bytes(
            self.path,
            self.compression,
            self.dialect.encoding,
            self.decode_log if log else None,
            self.dialect.comment,
            _quoting(self.dialect),
        )
        return io.TextIOWrapper(io.BufferedReader(stream, 1 << 20), encoding="utf-8", newline="")

    def _stdlib_reader(self, text: Iterable[str]) -> Iterator[list[str]]:
        d = self.dialect
        return csv.reader(
            text,
            delimiter=d.delimiter,
            quotechar=d.quotechar,
            escapechar=d.escapechar,
            doublequote=d.doublequote,
            strict=False,
        )

    def header(self) -> list[str]:
        """The first non-blank record: the column names (or, with header: false, the width)."""
        with self._text(log=False) as text:
            try:
                for record in self._stdlib_reader(text):
                    if record:
                        return [name.lstrip("\ufeff") if i == 0 else name for i, name in enumerate(record)]
            except csv.Error as exc:
                raise UnreadableFile(f"cannot parse the header: {exc}") from None
        raise UnreadableFile("file has no header row (only blank lines)" if self.dialect.header else "file has no rows")

    def one_line_per_record(self, records: int) -> bool:
        """True when the file read to its end has exactly one physical line per record (and header).

        Then no value spans lines and there are no blank lines, so a record's line is its row
        plus the header line: no second pass over the file is needed to locate examples.
        """
        if self._decoded is None or self.dialect.comment is not None:
            return False
        if codecs.lookup(self.dialect.encoding).name.startswith(("utf-16", "utf-32")):
            return False  # line breaks are counted in the raw bytes
        lines = self._decoded.physical_lines
        return lines is not None and lines == records + (1 if self.dialect.header else 0)

    def bytes_done(self) -> int:
        """How far into the file (on disk) the batch reader has got, for progress display."""
        if self._decoded is not None:
            self._furthest = max(self._furthest, self._decoded.disk_position())
        return self._furthest

    def batches(self, width: int, wanted: dict[str, int]) -> Iterator[pl.DataFrame]:
        """Frames of the wanted columns (name -> position) as text, header row excluded.

        Blocks of plain text (no quote or escape characters, no blank lines or lone CRs: the bulk
        of most files) are parsed by polars' multi-threaded reader and checked to hold exactly
        `width` fields per line; a block that fails that check is parsed again by pyarrow, which
        counts and skips malformed rows. From the first block with a quote character on, pyarrow's
        streaming reader takes over, since only a real parser knows where quoted records end.
        """
        d = self.dialect
        self.malformed.expected = width
        decoded = open_text_bytes(self.path, self.compression, d.encoding, self.decode_log, d.comment, _quoting(d))
        self._decoded = decoded
        blocks = _LineBlocks(decoded, self.block_size * PLAIN_BLOCKS)
        plain = _PlainText(d, width, wanted)
        try:
            header_pending = d.header
            while plain.usable:
                block = blocks.next()
                if block is None:
                    return
                if header_pending:
                    after = _after_first_record(block, _quoting(d))
                    if after is None:  # blank lines only, or a header longer than the block
                        blocks.push_back(block)
                        break
                    block, header_pending = after, False
                if not plain.accepts(block):
                    blocks.push_back(block)
                    break
                if block:
                    frame = plain.parse(block)
                    yield frame if frame is not None else self._parse_block(block, width, wanted)
            yield from self._stream_batches(blocks.rest(), width, wanted, skip_header=header_pending)
        finally:
            blocks.close()

    def _arrow_options(self, width: int, wanted: dict[str, int]) -> tuple[Any, Any, Any]:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        d = self.dialect
        positional = [f"f{i}" for i in range(width)]

        def on_invalid_row(row: object) -> str:
            self.malformed.add()
            return "skip"

        include = [positional[pos] for pos in wanted.values()] or positional[:1]
        return (
            pacsv.ReadOptions(column_names=positional, block_size=self.block_size, use_threads=True),
            pacsv.ParseOptions(
                delimiter=d.delimiter,
                quote_char=d.quotechar,
                double_quote=d.doublequote,
                escape_char=d.escapechar or False,
                newlines_in_values=True,
                ignore_empty_lines=True,
                invalid_row_handler=on_invalid_row,
            ),
            pacsv.ConvertOptions(
                column_types={name: pa.string() for name in positional},
                include_columns=include,
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    def _parse_block(self, block: bytes, width: int, wanted: dict[str, int]) -> pl.DataFrame:
        """One block of whole records, parsed by pyarrow: malformed rows are counted and skipped."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        read, parse, convert = self._arrow_options(width, wanted)
        if block.startswith(b"\xef\xbb\xbf"):
            block = (
                b"\n" + block
            )  # pyarrow drops a BOM at the start of its input; mid-file it is data (blank lines are skipped)
        try:
            table = pacsv.read_csv(
                pa.py_buffer(block),
                read_options=read,
                parse_options=parse,
                convert_options=convert,
                memory_pool=_arrow_pool(),
            )
        except (pa.ArrowException, OSError) as exc:
            raise _reading_error(exc, self.block_size) from None
        return _frame(table.columns, list(wanted) or ["__row__"])

    def _stream_batches(
        self, source: io.RawIOBase, width: int, wanted: dict[str, int], skip_header: bool
    ) -> Iterator[pl.DataFrame]:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        quotes = _QuoteCounter(source, self.dialect)
        stream = _Backpressure(quotes, self.block_size)
        read, parse, convert = self._arrow_options(width, wanted)
        try:
            with stream.consumer_waiting():  # open_csv reads the first block: the window must be able to grow
                reader = pacsv.open_csv(
                    stream, read_options=read, parse_options=parse, convert_options=convert, memory_pool=_arrow_pool()
                )
            names = list(wanted) or ["__row__"]
            for parsed in _guard(reader, stream):
                batch = parsed.slice(1) if skip_header else parsed
                skip_header = False
                yield _frame(batch.columns, names)
            self.quote_parity_odd = quotes.odd
        except (pa.ArrowException, OSError) as exc:
            raise _reading_error(exc, self.block_size) from None
        finally:
            stream.close()

    def locate(self, ordinals: Sequence[int], malformed_wanted: int) -> Located:
        """Find the (row, line) of valid-row ordinals (0-based, as batches count) and of malformed records."""
        wanted = set(ordinals)
        last_wanted = max(wanted) if wanted else -1
        width = self.malformed.expected
        found = Located()
        with self._text(log=False) as text:
            reader = self._stdlib_reader(text)
            header_pending = self.dialect.header
            row = 0
            valid = -1
            line_after_previous = 0
            try:
                for record in reader:
                    start_line = line_after_previous + 1
                    line_after_previous = reader.line_num  # type: ignore[attr-defined]
                    if not record:
                        continue
                    if header_pending:
                        header_pending = False
                        continue
                    row += 1
                    if len(record) == width:
                        valid += 1
                        if valid in wanted:
                            found.rows[valid] = RecordPlace(row, start_line)
                    elif len(found.malformed) < malformed_wanted:
                        multiline = any("\n" in value or "\r" in value for value in record)
                        preview = _preview(record, self.dialect.delimiter)
                        place = RecordPlace(row, start_line, preview, line_after_previous, multiline)
                        found.malformed.append((place, len(record)))
                    if valid >= last_wanted and len(found.malformed) >= malformed_wanted:
                        break
            except csv.Error:
                pass
        return found

    def open_quote(self) -> RecordPlace | None:
        """The last record (row 0: the header), if a quoted field in it never closes and runs to the end of the file.

        pyarrow (and the csv module) silently accept such a field; the data it swallows would be lost.
        Only looked for when the file has an odd number of quote characters (counted while streaming).
        """
        if not self.quote_parity_odd:
            return None
        held: list[str] = []
        last: tuple[int, int, int, list[str]] | None = None
        with self._text(log=False) as text:

            def lines() -> Iterator[str]:
                for line in text:
                    held.append(line)
                    yield line

            reader = self._stdlib_reader(lines())
            header_pending = self.dialect.header
            row = 0
            line_after_previous = 0
            try:
                for record in reader:
                    start_line = line_after_previous + 1
                    line_after_previous = reader.line_num  # type: ignore[attr-defined]
                    record_lines = held[:]
                    held.clear()
                    if not record:
                        continue
                    if header_pending:
                        header_pending = False
                        last = (0, start_line, line_after_previous, record_lines)  # row 0: the header
                        continue
                    row += 1
                    last = (row, start_line, line_after_previous, record_lines)
            except csv.Error:
                return None
        if last is None:
            return None
        row, start_line, end_line, record_lines = last
        record_text = "".join(record_lines)
        if not _ends_in_open_quote(record_text, self.dialect):
            return None
        preview = record_text if len(record_text) <= PREVIEW_CHARS else record_text[: PREVIEW_CHARS - 3] + "..."
        return RecordPlace(row, start_line, preview, end_line, spans_quoted_newline=True)


class _Passing(io.RawIOBase):
    """A readable stream in front of `inner`; closing it closes `inner`."""

    inner: io.RawIOBase

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            super().close()


class _QuoteCounter(_Passing):
    """Passes a stream through, counting quote characters: an odd total may mean an unclosed quote."""

    def __init__(self, inner: io.RawIOBase, dialect: CsvDialect) -> None:
        self.inner = inner
        self.quote = dialect.quotechar.encode("utf-8")
        self.escaped = (dialect.escapechar + dialect.quotechar).encode("utf-8") if dialect.escapechar else None
        self.count = 0

    @property
    def odd(self) -> bool:
        return self.count % 2 == 1

    def readinto(self, buffer: Any) -> int:
        size = self.inner.readinto(buffer) or 0
        data = bytes(memoryview(buffer)[:size])
        self.count += data.count(self.quote) - (data.count(self.escaped) if self.escaped else 0)
        return size


def _quoting(dialect: CsvDialect) -> Quoting:
    return Quoting(dialect.quotechar, dialect.delimiter, dialect.escapechar, dialect.doublequote)


def _ends_in_open_quote(text: str, dialect: CsvDialect) -> bool:
    """Whether one record's text ends inside a quoted field (the quote-state rules of pyarrow's parser)."""
    return _quoting(dialect).ends_in_quote(text)


def _guard(reader: pa.ipc.RecordBatchReader, stream: _Backpressure) -> Iterator[pa.RecordBatch]:
    while True:
        try:
            with stream.consumer_waiting():
                batch = reader.read_next_batch()
        except StopIteration:
            return
        stream.batch_consumed()
        yield batch


class _Backpressure(io.RawIOBase):
    """Keeps pyarrow's read-ahead a few blocks ahead of the batches actually consumed.

    pyarrow's streaming CSV reader otherwise reads the whole input ahead of the consumer (seen:
    all 91 MB of a file buffered after the first batch), so memory would grow with file size.
    Reads beyond the window wait. If the consumer is itself waiting for a batch and nothing has
    moved for STALL_SECONDS, pyarrow needs more data for that batch: the window grows by a block,
    so the reader can never deadlock on data it needs.
    """

    AHEAD_BLOCKS = 3
    STALL_SECONDS = 0.05

    def __init__(self, inner: io.RawIOBase, block_size: int) -> None:
        self.inner = inner
        self.block_size = block_size
        self.read_bytes = 0
        self.allowed = block_size * self.AHEAD_BLOCKS
        self.waiting = 0
        self.released = False
        self.condition = threading.Condition()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        with self.condition:
            while self.read_bytes >= self.allowed and not self.released:
                if not self.condition.wait(self.STALL_SECONDS) and self.waiting:
                    self.allowed += self.block_size
        size = self.inner.readinto(buffer) or 0
        with self.condition:
            self.read_bytes += size
        return size

    @contextlib.contextmanager
    def consumer_waiting(self) -> Iterator[None]:
        with self.condition:
            self.waiting += 1
            self.condition.notify_all()
        try:
            yield
        finally:
            with self.condition:
                self.waiting -= 1

    def batch_consumed(self) -> None:
        with self.condition:
            self.allowed = max(self.allowed, self.read_bytes) + self.block_size
            self.condition.notify_all()

    def close(self) -> None:
        with self.condition:
            self.released = True
            self.condition.notify_all()
        try:
            self.inner.close()
        finally:
            super().close()


@functools.cache
def _arrow_pool() -> pa.MemoryPool | None:
    """pyarrow's jemalloc pool where the build has one, else its default.

    Against the default mimalloc, a 5M-row file quoted from row 10 on (pyarrow's streaming reader
    parses it) peaked at ~445 MB instead of ~510 (system malloc: ~700), as fast.
    """
    import pyarrow as pa

    return pa.jemalloc_memory_pool() if "jemalloc" in pa.supported_memory_backends() else None


def _reading_error(exc: Exception, block_size: int) -> UnreadableFile:
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "straddling" in message or "straddle" in message:
        if block_size >= MAX_RECORD_BYTES:
            return LimitExceeded(f"a record is longer than {MAX_RECORD_BYTES >> 20} MB (the longest pipecheck reads)")
        return RecordTooLong(message)
    return UnreadableFile(f"cannot parse as CSV: {message}")


class RecordTooLong(UnreadableFile):
    """A record does not fit in one block; the engine retries with a larger block."""


def _preview(record: list[str], delimiter: str) -> str:
    text = delimiter.join(record)
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 3] + "..."


def _frame(columns: Sequence[pa.Array | pa.ChunkedArray], names: list[str]) -> pl.DataFrame:
    import polars as pl
    import pyarrow as pa

    frame = pl.from_arrow(pa.table(list(columns), names=names))
    assert isinstance(frame, pl.DataFrame)
    return frame


class _LineBlocks:
    """About `size` bytes of decoded text at a time, each ending after a line feed (the last: at the end).

    Built from the decoder's pieces with a single join, so a block costs one copy of its bytes.
    """

    def __init__(self, stream: DecodedStream, size: int) -> None:
        self.stream = stream
        self.size = size
        self.held = b""
        self.eof = False

    def next(self) -> bytes | None:
        """The next block, or None at the end. A line longer than `size` is read whole, up to MAX_RECORD_BYTES."""
        pieces = [self.held] if self.held else []
        length = len(self.held)
        found_break = b"\n" in self.held
        while not self.eof and (length < self.size or not found_break):
            piece = self.stream.read_piece(self.size)
            if not piece:
                self.eof = True
                break
            pieces.append(piece)
            length += len(piece)
            found_break = found_break or b"\n" in piece
            if length > MAX_RECORD_BYTES and not found_break:
                raise LimitExceeded(
                    f"a record is longer than {MAX_RECORD_BYTES >> 20} MB (the longest pipecheck reads)"
                )
        if not length:
            return None
        if self.eof:
            self.held = b""
            return b"".join(pieces)
        last = next(i for i in range(len(pieces) - 1, -1, -1) if b"\n" in pieces[i])
        cut = pieces[last].rfind(b"\n") + 1
        block = b"".join([*pieces[:last], pieces[last][:cut]])
        self.held = b"".join([pieces[last][cut:], *pieces[last + 1 :]])
        return block

    def push_back(self, block: bytes) -> None:
        self.held = block + self.held

    def rest(self) -> io.RawIOBase:
        """The bytes not yet taken (held ones first) as one stream."""
        # pyarrow drops a BOM at the start of its input; here it is data (a blank line is skipped).
        held = b"\n" + self.held if self.held.startswith(BOM) else self.held
        return _Prefixed(held, self.stream, self.eof)

    def close(self) -> None:
        self.stream.close()


class _Prefixed(_Passing):
    def __init__(self, prefix: bytes, inner: io.RawIOBase, inner_done: bool) -> None:
        self.prefix = memoryview(prefix)
        self.inner = inner
        self.inner_done = inner_done

    def readinto(self, buffer: Any) -> int:
        """Fills the whole buffer unless the stream ends: pyarrow's streaming reader loses a CRLF's LF
        when a short read ends between the CR and the LF (reads b'x,y\\r', b'\\n', b'p,q\\n' give x,y only)."""
        view = memoryview(buffer).cast("B")
        filled = 0
        if self.prefix:
            filled = min(len(view), len(self.prefix))
            view[:filled] = self.prefix[:filled]
            self.prefix = self.prefix[filled:]
        while filled < len(view) and not self.inner_done:
            got = self.inner.readinto(view[filled:]) or 0
            if not got:
                self.inner_done = True
            filled += got
        return filled


_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)")  # LF, CRLF or a lone CR ends a line, as for pyarrow and csv


def _after_first_record(block: bytes, quoting: Quoting) -> bytes | None:
    """The block after its leading blank lines and first record (the header); None if that does not end in it."""
    in_quote = False
    started = False
    for line in _LINE.finditer(block):
        if not started and not line.group().strip(b"\r\n"):
            continue
        started = True
        in_quote = quoting.ends_in_quote(line.group().decode("utf-8", errors="replace"), in_quote)
        if not in_quote:
            return block[line.end() :]
    return None


class _PlainText:
    """Parses blocks of plain text (no quoting, escaping or blank lines) with polars, exactly or not at all."""

    def __init__(self, dialect: CsvDialect, width: int, wanted: dict[str, int]) -> None:
        self.delimiter = dialect.delimiter.encode("utf-8")
        self.specials = [dialect.quotechar.encode("utf-8")] + (
            [dialect.escapechar.encode("utf-8")] if dialect.escapechar else []
        )
        self.width = width
        self.wanted = wanted
        # polars takes a one-byte separator; the stdlib-compatible CR line ends go to pyarrow.
        self.usable = len(self.delimiter) == 1 and width > 0

    def accepts(self, block: bytes) -> bool:
        """False once quoting or escaping appears: from there on a real parser must find the records."""
        if any(special in block for special in self.specials):
            return False
        return b"\r" not in block or not _has_lone_cr(block)

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
    breaks = np.flatnonzero(data == ord("\n"))
    gaps = np.diff(breaks, prepend=-1)
    return bool((gaps == 1).any() or (b"\r" in block and ((gaps == 2) & (data[breaks - 1] == ord("\r"))).any()))


def _has_lone_cr(block: bytes) -> bool:
    """A CR not followed by LF: a line end to pyarrow, not to polars."""
    import numpy as np

    data = np.frombuffer(block, dtype=np.uint8)
    after = np.flatnonzero(data == ord("\r")) + 1
    return bool(after.size and (after[-1] == len(data) or (data[after[after < len(data)]] != ord("\n")).any()))
