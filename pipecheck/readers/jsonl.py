"""JSON Lines (NDJSON) files: one JSON object per physical line, values handed over as text.

The engine parses values under the contract's text rules, as for CSV, so every value is text:

- a JSON string as it is; a number as its literal text exactly as written (`1.0`, `1e3`,
  `12345678901234567890`, `-0`: never through a float or an int);
- `true` / `false` as "true" / "false"; JSON null and a missing key as null;
- a nested array or object as its compact JSON text (numbers in it as written), so it fails every
  non-string type and a string column receives the JSON text.

Records are separated by LF (a CR before it is JSON whitespace, so CRLF works). Whitespace-only
lines are skipped and are not rows. Row numbers are 1-based record numbers, malformed records
included; a place's line is the physical line (counted at LF). A line that is not valid JSON, or
valid JSON that is not an object, is a malformed record: counted, never in a batch. Duplicate keys
in one object: the last one wins (as the json module reads them). A lone surrogate escape
(`"\\ud800"`) becomes U+FFFD. NaN and Infinity are not JSON:
a line holding them is malformed.

The columns are the keys in order of first appearance over the first block of records (about
`ReadOptions.block_size` bytes). A key first seen later is no column: it is reported once as an
`extra_column` warning and its values are not checked.

The text is decoded from the contract's declared encoding (UTF-8 by default, a BOM accepted);
undecodable bytes become U+FFFD and are reported as an `encoding` finding.
"""

from __future__ import annotations

import json
import lzma
import re
import zlib
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pipecheck.findings import Example, Finding
from pipecheck.readers import LimitExceeded, UnreadableFile
from pipecheck.readers.base import Batch, Checkpoint, Checkpoints, Place, ReadOptions
from pipecheck.readers.source import DecodedStream, DecodeLog, open_binary

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

MAX_LINE_BYTES = 256 << 20
PREVIEW_CHARS = 80
JSONL_SUFFIXES = (".jsonl", ".ndjson")
COMPRESSED_SUFFIXES = (".gz", ".gzip", ".bz2", ".xz", ".zst", ".zstd")
_WHITESPACE = b" \t\r\n"
_SURROGATE = re.compile("[\ud800-\udfff]")


def sniff_text_format(head: bytes, suffix: str) -> str:
    """'jsonl' or 'csv' for a text file: by its suffix(es), else by its first non-blank byte.

    `suffix` is the file name's suffixes (e.g. ".jsonl.gz", or just ".gz"); `head` the first
    (decompressed) bytes. A .jsonl/.ndjson name, also under a compression suffix, is JSON Lines;
    otherwise content whose first byte after a UTF-8 BOM and whitespace is `{` is; else CSV.
    """
    name = suffix.lower()
    for compressed in COMPRESSED_SUFFIXES:
        if name.endswith(compressed):
            name = name[: -len(compressed)]
            break
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith((".csv", ".tsv")):
        return "csv"
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip(_WHITESPACE)
    return "jsonl" if head.startswith(b"{") else "csv"


class _Number(str):
    """A JSON number's literal text (a str, so it is handed over as is; nested, it renders bare)."""

    __slots__ = ()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_int=_Number, parse_float=_Number, parse_constant=_reject_constant)
# The stdlib scanner calls a C type (str) 4x faster than a Python one (_Number): 1.9 vs 7.5 us a line.
_FAST = json.JSONDecoder(parse_int=str, parse_float=str, parse_constant=_reject_constant)
_KIND = {list: "a JSON array", str: "a JSON string", _Number: "a JSON number", bool: "a JSON boolean"}


def _compact(value: Any) -> str:
    """Compact JSON text of a nested value, numbers as written (json.dumps would quote them)."""
    if isinstance(value, _Number):
        return str.__str__(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, list):
        return "[" + ",".join(_compact(v) for v in value) + "]"
    return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _compact(v) for k, v in value.items()) + "}"


def _text(value: Any) -> str | None:
    """A top-level value as handed over (see the module docstring)."""
    if isinstance(value, str):
        return value
    if value is None:
        return None
    if value is True:
        return "true"
    if value is False:
        return "false"
    return _compact(value)


def _preview(line: str) -> str:
    line = line.rstrip("\r")
    return line if len(line) <= PREVIEW_CHARS else line[: PREVIEW_CHARS - 1] + "…"


@dataclass
class _Block:
    """One block of whole lines from the decoded stream."""

    data: bytes
    start: int  # byte offset in the decoded stream
    first_line: int  # physical line of its first line (1-based)
    first_record: int  # record number its first record would have (1-based)


@dataclass
class _Parsed:
    """A block's records: the objects of its checked rows and where each of them is."""

    objects: list[dict[str, Any]]
    records: list[int]  # record number of each checked row
    lines: list[int]  # physical line of each checked row
    record_count: int  # records in the block, malformed ones included


@dataclass(frozen=True)
class _Irregular:
    """Offsets from a checkpoint's first record / line, for a batch where they are not consecutive."""

    records: np.ndarray[Any, np.dtype[np.int32]] | None
    lines: np.ndarray[Any, np.dtype[np.int32]] | None


class JsonLinesReader:
    """A JSON Lines file (optionally compressed) as batches of text columns. Reads once, front to back."""

    header_line = None  # keys, not a header line

    def __init__(self, path: Path, compression: str | None, options: ReadOptions) -> None:
        self.path = path
        self.compression = compression
        self.options = options
        self.decode_log = DecodeLog(keep=options.max_examples)
        self._size: int | None
        try:
            self._size = path.stat().st_size
        except OSError:
            self._size = None
        self._stream: DecodedStream | None = None
        self._pending = bytearray()
        self._offset = 0  # decoded bytes handed out as blocks
        self._next_line = 1
        self._next_record = 1
        self._columns: list[str] | None = None
        self._order: list[str] = []  # keys in order of first appearance, while the first block is read
        self._first: tuple[_Block, _Parsed] | None = None
        self._known: set[str] = set()
        self._extra: dict[str, int] = {}  # key first seen after the first block -> its line
        self._malformed = 0
        self._malformed_examples: list[Example] = []
        self._checkpoints = Checkpoints()
        self._irregular: dict[int, _Irregular] = {}
        self._started = False

    @property
    def format(self) -> str:
        return "jsonl" if self.compression is None else f"jsonl+{self.compression}"

    @property
    def text(self) -> bool:
        return True

    def schema(self) -> pa.Schema | None:
        return None

    # -- reading ---------------------------------------------------------------------------------

    def _open(self) -> DecodedStream:
        if self._stream is None:
            try:
                raw = open_binary(self.path, self.compression, self.options.opened)
            except OSError as exc:
                raise UnreadableFile(f"cannot open: {_first_line(exc)}") from None
            self._stream = DecodedStream(raw, self.options.dialect.encoding, self.decode_log)
        return self._stream

    def _read_piece(self, stream: DecodedStream) -> bytes:
        try:
            return stream.read_piece()
        except LimitExceeded:
            raise
        except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as exc:
            # a truncated or corrupt compressed stream: EOFError, BadGzipFile, LZMAError, ArrowInvalid ...
            raise UnreadableFile(f"cannot read {self.format} data: {_first_line(exc)}") from None

    def _next_block(self) -> _Block | None:
        """The next block: whole lines up to the first LF at or after block_size bytes (or the end).

        Memory stays at about one block plus one read piece, whatever the file's size.
        """
        stream = self._open()
        pending = self._pending
        size = min(max(1, self.options.block_size), MAX_LINE_BYTES)
        searched = size - 1  # no LF in pending[size - 1 : searched]
        while True:
            if len(pending) > searched:
                # only the line crossing the block's end can be longer than a block
                start = pending.rfind(b"\n", 0, size - 1) + 1
                cut = pending.find(b"\n", searched) + 1
                if (cut or len(pending)) - start > MAX_LINE_BYTES:
                    line = self._next_line + pending.count(b"\n", 0, start)
                    raise LimitExceeded(f"line {line} is longer than {MAX_LINE_BYTES >> 20} MB: refusing to read it")
                if cut:
                    return self._cut(cut)
                searched = len(pending)
            if stream.eof:
                return self._cut(len(pending)) if pending else None
            pending += self._read_piece(stream)

    def _cut(self, cut: int) -> _Block:
        data = bytes(self._pending[:cut])
        del self._pending[:cut]
        block = _Block(data, self._offset, self._next_line, self._next_record)
        self._offset += len(data)
        self._next_line += data.count(b"\n")
        return block

    def _parse(self, block: _Block) -> _Parsed:
        """Every line of a block through the json module (numbers kept as their text).

        Per line, not vectorised: pl.read_ndjson and pyarrow.json re-render numbers (1.0 -> "1",
        1e3 -> "1000", even read as strings), so they cannot keep the text a contract is checked on.
        """
        text = block.data.decode("utf-8", errors="replace")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()  # after the block's last LF
        objects: list[dict[str, Any]] = []
        records: list[int] = []
        where: list[int] = []
        record = block.first_record
        exact, fast = _DECODER.decode, _FAST.decode
        known = self._known
        order = self._order if self._columns is None else None
        for number, line in enumerate(lines, block.first_line):
            if line[:1] != "{" and not line.strip(" \t\r"):
                continue  # a blank line is no record
            try:
                # only a nested value needs numbers marked (to render them bare); that needs a [ or a second {
                value = exact(line) if "[" in line or line.count("{") > 1 else fast(line)
            except ValueError as exc:
                self._add_malformed(record, number, line, _reason(exc))
                record += 1
                continue
            except RecursionError:
                self._add_malformed(record, number, line, "nested too deeply")
                record += 1
                continue
            if type(value) is not dict:
                value = exact(line)  # a number is a str from the fast decoder
                kind = "null" if value is None else _KIND.get(type(value), "not an object")
                self._add_malformed(record, number, line, kind)
                record += 1
                continue
            if not value.keys() <= known:
                for key in value:
                    if key not in known:
                        known.add(key)
                        if order is not None:
                            order.append(key)
                        else:
                            self._extra[key] = number
            objects.append(value)
            records.append(record)
            where.append(number)
            record += 1
        self._next_record = record
        return _Parsed(objects, records, where, record - block.first_record)

    def _add_malformed(self, record: int, line: int, text: str, reason: str) -> None:
        self._malformed += 1
        if len(self._malformed_examples) < self.options.max_examples:
            self._malformed_examples.append(
                Example(row=record, line=line, value=_preview(text), note=f"not a JSON object: {reason}")
            )

    def columns(self) -> list[str]:
        """The keys in order of first appearance over the first block of records (see the module docstring)."""
        if self._columns is None:
            block = self._next_block()
            if block is not None:
                self._first = (block, self._parse(block))
            self._columns = self._order
        return list(self._columns)

    def batches(self, wanted: Mapping[str, int]) -> Iterator[Batch]:
        """Frames of the wanted columns (pl.String), one per block that holds checked rows; one pass."""
        import polars as pl

        columns = self.columns()
        if self._started:
            raise RuntimeError("a JsonLinesReader is read once")
        self._started = True
        keys: list[tuple[str, str]] = []
        for name, position in wanted.items():
            if not 0 <= position < len(columns):
                raise ValueError(f"column position {position} is not among the file's {len(columns)} columns")
            keys.append((name, columns[position]))
        index = 0
        first_row = 0
        while True:
            if self._first is not None:
                block, parsed = self._first
                self._first = None
            else:
                next_block = self._next_block()
                if next_block is None:
                    return
                block, parsed = next_block, self._parse(next_block)
            rows = len(parsed.objects)
            if rows == 0:
                continue
            if keys:
                frame = pl.DataFrame([_series(name, [obj.get(key) for obj in parsed.objects]) for name, key in keys])
            else:
                frame = pl.DataFrame({"__row__": pl.repeat(None, rows, dtype=pl.String, eager=True)})
            point = Checkpoint(
                index=index,
                first_row=first_row,
                rows=rows,
                first_record=parsed.records[0],
                first_line=parsed.lines[0],
                byte_range=(block.start, block.start + len(block.data)),
            )
            self._keep(point, parsed.records, parsed.lines)
            yield Batch(frame, point)
            index += 1
            first_row += rows

    def _keep(self, point: Checkpoint, records: list[int], lines: list[int]) -> None:
        """The checkpoint, and offset arrays only where records or lines are not consecutive."""
        self._checkpoints.add(point)
        last = point.rows - 1
        assert point.first_line is not None
        regular_records = records[-1] - point.first_record == last
        regular_lines = lines[-1] - point.first_line == last
        if not (regular_records and regular_lines):
            self._irregular[point.index] = _Irregular(
                None if regular_records else _offsets(records, point.first_record),
                None if regular_lines else _offsets(lines, point.first_line),
            )

    def locate(self, ordinals: Collection[int]) -> dict[int, Place]:
        """Row and line of checked-row ordinals read so far (ordinals not read yet are left out)."""
        places: dict[int, Place] = {}
        for ordinal in ordinals:
            point = self._checkpoints.holding(ordinal)
            if point is None or point.first_line is None:
                continue
            at = ordinal - point.first_row
            irregular = self._irregular.get(point.index)
            row = point.first_record + at
            line = point.first_line + at
            if irregular is not None:
                if irregular.records is not None:
                    row = point.first_record + int(irregular.records[at])
                if irregular.lines is not None:
                    line = point.first_line + int(irregular.lines[at])
            places[ordinal] = Place(row, line)
        return places

    def file_findings(self) -> list[Finding]:
        findings: list[Finding] = []
        if self.decode_log.count:
            findings.append(self.decode_log.finding(self.options.dialect.encoding))
        if self._malformed:
            findings.append(
                Finding(
                    "malformed_row",
                    f"{self._malformed} line(s) are not JSON objects; they were not checked",
                    count=self._malformed,
                    examples=list(self._malformed_examples),
                )
            )
        for key, line in self._extra.items():
            findings.append(
                Finding(
                    "extra_column",
                    f"key {key!r} first appears on line {line}, after the first block of records that "
                    "defines the columns; its values were not checked",
                    severity="warning",
                    column=key,
                )
            )
        return findings

    def unchecked_rows(self) -> int:
        return self._malformed

    def progress(self) -> tuple[int, int | None]:
        done = 0 if self._stream is None else self._stream.disk_position()
        return done, self._size

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()


def _series(name: str, values: list[Any]) -> pl.Series:
    """A pl.String column of JSON values rendered as text (see the module docstring)."""
    import polars as pl

    try:
        return pl.Series(name, values, dtype=pl.String, strict=True)  # all strings or null: as they are
    except TypeError:  # booleans or nested values
        try:
            return pl.Series(name, [_text(v) for v in values], dtype=pl.String, strict=True)
        except UnicodeEncodeError:
            pass
    except UnicodeEncodeError:
        pass
    # a lone surrogate escape ("\\ud800") is valid JSON but no text: U+FFFD
    texts = [None if v is None else _SURROGATE.sub("\ufffd", str(_text(v))) for v in values]
    return pl.Series(name, texts, dtype=pl.String, strict=True)


def _offsets(numbers: list[int], base: int) -> np.ndarray[Any, np.dtype[np.int32]]:
    return (np.asarray(numbers, dtype=np.int64) - base).astype(np.int32)


def _reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON ({exc.msg} at column {exc.colno})"
    return f"invalid JSON ({_first_line(exc)})"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
