"""CSV quarantine: each record's own bytes to the valid or the invalid file, in the input's dialect,
encoding and compression; the invalid file leads with _pipecheck_row, _pipecheck_line and
_pipecheck_errors. Valid records are copied in runs, not one by one.

While streaming both sides are written as UTF-8 temp files beside their final names, with an
index of where each record went; at the end they are renamed as they are (UTF-8, uncompressed,
nothing decided late: the common case), or rewritten once into the final encoding and
compression, moving the rows decided invalid only at the end (README: "Quarantining bad rows").
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import io
import os
import tempfile
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pipecheck.quarantining.csv_records import after_prefix, as_in_file, undecodable_records, without_prefix
from pipecheck.quarantining.files import OrderedWrites, PendingFile, commit_together, compressed_writer
from pipecheck.quarantining.ledger import MALFORMED, Taken, label_counts
from pipecheck.readers.base import REPLACEMENT

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import polars as pl

    from pipecheck.checking import RowFailures
    from pipecheck.readers.base import Checkpoint, RawRecords, Work
    from pipecheck.readers.csv import CsvReader

    Positions = npt.NDArray[np.int64]

PREFIX = ("_pipecheck_row", "_pipecheck_line", "_pipecheck_errors")
IOV_MAX = 512  # pieces per writev call (POSIX allows at least 16, Linux 1024)
OPEN_QUOTE = "_record:open_quote"
UNDECODABLE = "_record:encoding"


class _Scratch:
    """A first-pass output: UTF-8 bytes in a temp file beside the final name, and its size."""

    def __init__(self, final: Path, live: list[PendingFile]) -> None:
        self.pending = PendingFile(final, live)
        self.size = 0

    def write(self, data: bytes) -> None:
        self.size += len(data)
        self.pending.handle.write(data)

    def write_pieces(self, pieces: list[memoryview]) -> None:
        """Pieces written in order without being joined first: the kernel gathers them."""
        handle = self.pending.handle
        handle.flush()  # what was written through the buffer goes first
        fd = handle.fileno()
        for at in range(0, len(pieces), IOV_MAX):
            waiting = pieces[at : at + IOV_MAX]
            while waiting:
                written = os.writev(fd, waiting)
                self.size += written
                while waiting and written >= len(waiting[0]):  # a short write: go on from where it stopped
                    written -= len(waiting[0])
                    waiting.pop(0)
                if waiting and written:
                    waiting[0] = waiting[0][written:]


class _Final:
    """A final output in the input's encoding and compression, written from UTF-8."""

    def __init__(self, path: Path, encoding: str, compression: str | None, bom: bool, live: list[PendingFile]) -> None:
        self.pending = PendingFile(path, live)
        self.stream: IO[bytes] = compressed_writer(self.pending.handle, compression)
        name = codecs.lookup(encoding).name
        # "replace": an undecodable sequence was read as U+FFFD, which most one-byte encodings lack ("?")
        self.encoder = None if name in ("utf-8", "utf-8-sig") else codecs.getincrementalencoder(name)("replace")
        self.decoder = codecs.getincrementaldecoder("utf-8")("surrogatepass")  # pieces may split a character
        # bytes may go to the file as they are (the kernel copies them: _Sequential.copy_to)
        self.plain = self.encoder is None and self.stream is self.pending.handle and hasattr(os, "copy_file_range")
        if bom:
            self.stream.write(codecs.BOM_UTF8)

    def write(self, data: bytes) -> None:
        if self.encoder is not None:
            data = self.encoder.encode(self.decoder.decode(data))
        self.stream.write(data)

    def ready(self) -> PendingFile:
        """The output whole in its temp file, to be renamed (`commit_together`)."""
        if self.encoder is not None:
            self.stream.write(self.encoder.encode("", final=True))
        if self.stream is not self.pending.handle:
            self.stream.close()
        self.pending.ready()
        return self.pending

    def discard(self) -> None:
        try:
            if self.stream is not self.pending.handle:
                self.stream.close()
        except (OSError, ValueError):
            pass
        self.pending.discard()


@dataclass(frozen=True)
class _ValidPart:
    """Where one batch's valid checked rows went in the valid temp file. Their ordinals and starts
    (int32, relative to the bases) are in the sink's index file, not in memory: 8 bytes a row."""

    base_ordinal: int
    base_offset: int
    count: int
    at: int  # where the ordinals are in the index file; the starts follow them
    first_start: int  # of the first row, relative to base_offset

    def read(self, index: IO[bytes]) -> tuple[Any, Any]:
        """(ordinals, starts) as int64, absolute."""
        import numpy as np

        raw = os.pread(index.fileno(), 8 * self.count, self.at)
        both = np.frombuffer(raw, dtype=np.int32)
        return both[: self.count].astype(np.int64) + self.base_ordinal, both[self.count :].astype(
            np.int64
        ) + self.base_offset


@dataclass(frozen=True)
class _InvalidPart:
    rows: Any  # int64 record numbers
    ordinals: Any  # int64, -1 for records no frame holds
    starts: Any  # int64 offsets in the invalid temp file
    prefixes: Any  # int32 lengths of the _pipecheck_ prefix
    touched: Any  # bool: the record failed a rule decided at the end (`mostly`)


class CsvSink:
    """The valid and invalid outputs of one CSV file, or nothing written (`outputs` None: count only)."""

    def __init__(self, reader: CsvReader, outputs: tuple[Path, Path] | None, *, late_possible: bool) -> None:
        self.reader = reader
        self.dialect = reader.dialect
        self.outputs = outputs
        self.late_possible = late_possible
        self.valid: _Scratch | None = None
        self.invalid: _Scratch | None = None
        self.newline = b"\n"
        self.header_bytes = 0
        self.valid_parts: list[_ValidPart] = []
        self.invalid_parts: list[_InvalidPart] = []
        self.started = False
        self.delimiter = self.dialect.delimiter
        self._label_fields: dict[str, str] = {}
        self.index: IO[bytes] | None = None  # see _ValidPart
        self.index_size = 0
        self.writes_in_order = OrderedWrites()  # each block's writes, off the thread settling blocks
        self.live: list[PendingFile] = []  # every temp file made, for discard (an interrupt may come mid-way)
        self.repaired = False  # the input leads with _pipecheck_row, _pipecheck_line, _pipecheck_errors
        self.first = 0  # the ordinal of the file's first row (in a dataset, the rows of members before it)

    @property
    def writes(self) -> bool:
        return self.outputs is not None

    # ------------------------------------------------------------ streaming

    def _start(self) -> None:
        self.started = True
        if self.outputs is None:
            return
        header = self.reader.header_record
        if header is not None and self.reader.columns()[:3] == list(PREFIX):
            # a repaired invalid file: its old prefix is dropped, as it is from Parquet, so its rows
            # come out as the original file's did (and the invalid side gets one prefix, not two)
            self.repaired = True
            header = header[after_prefix(header, self.dialect) :]
        if header is not None:
            self.newline = b"\r\n" if header.endswith(b"\r\n") else b"\r" if header.endswith(b"\r") else b"\n"
            header = self._terminated(header)
            self.header_bytes = len(header)
        self.valid = _Scratch(self.outputs[0], self.live)
        self.invalid = _Scratch(self.outputs[1], self.live)
        if header is not None:
            self.valid.write(header)
            self.invalid.write(self._fields(PREFIX) + header)

    def take(self, work: Work, point: Checkpoint, failures: RowFailures, first: int) -> Taken:
        import numpy as np

        if not self.started:
            self._start()
        self.first = first
        records: RawRecords = work.raw_records()  # type: ignore[attr-defined]
        n = int(records.starts.size)
        labels = np.full(n, "", dtype=object)  # each record's failed rules, ';'-joined ("": valid)
        touched = np.zeros(n, dtype=bool)
        if failures.count:
            definite = ~failures.deferred
            checked_at = np.flatnonzero(records.checked)  # the record of each frame row
            touched[checked_at[failures.offsets.filter(failures.touched).to_numpy()]] = True
            labels[checked_at[failures.offsets.filter(definite).to_numpy()]] = failures.labels.filter(
                definite
            ).to_numpy()
        extra: dict[int, str] = dict.fromkeys(np.flatnonzero(~records.checked).tolist(), MALFORMED)
        if records.open_quote and n:
            extra[n - 1] = OPEN_QUOTE if n - 1 not in extra else f"{MALFORMED};{OPEN_QUOTE}"
        if self.reader.decode_log.count and REPLACEMENT in records.data:
            for record in undecodable_records(records):
                extra[record] = f"{extra[record]};{UNDECODABLE}" if record in extra else UNDECODABLE
        for record, label in extra.items():
            labels[record] = f"{labels[record]};{label}" if labels[record] else label
        bad = labels != ""
        ordinal_of = np.cumsum(records.checked, dtype=np.int64) - 1 + first + point.first_row
        if self.outputs is not None:
            shown = without_prefix(records, self.dialect) if self.repaired else records
            self.writes_in_order.submit(functools.partial(self._write, shown, point, bad, labels, ordinal_of, touched))
        invalid_checked = bad & records.checked
        unchecked = int(np.count_nonzero(bad & ~records.checked))
        import polars as pl

        return Taken(
            ordinal_of[invalid_checked], label_counts(pl.Series(labels[bad].tolist(), dtype=pl.String)), unchecked
        )

    def _write(
        self, records: RawRecords, point: Checkpoint, bad: Any, labels: Any, ordinal_of: Any, touched: Any
    ) -> None:
        import numpy as np

        assert self.valid is not None and self.invalid is not None
        data, starts, ends = records.data, records.starts, records.ends
        # runs [a, b) of valid records with nothing between them: blank (or comment) lines are no records
        apart = np.ones(len(bad) + 1, dtype=bool)
        apart[1:-1] = starts[1:] != ends[:-1]
        begins = ~bad & (apart[:-1] | np.concatenate(([True], bad[:-1])))
        stops = ~bad & (apart[1:] | np.concatenate((bad[1:], [True])))
        edges = np.ravel(np.column_stack((np.flatnonzero(begins), np.flatnonzero(stops) + 1)))
        base_offset = self.valid.size
        view = memoryview(data)
        runs = [view[s:e] for s, e in zip(starts[edges[0::2]].tolist(), ends[edges[1::2] - 1].tolist(), strict=True)]
        if runs:
            last = runs[-1]
            if bytes(last[-1:]) not in (b"\n", b"\r"):  # only the file's last record may lack a line break
                runs[-1] = memoryview(self._terminated(last.tobytes()))
            self.valid.write_pieces(runs)
        if self.late_possible:
            kept = ~bad  # a malformed record is never valid
            lengths = ends[kept] - starts[kept]  # the valid records lie back to back in the valid file
            offsets_in_part = np.cumsum(lengths) - lengths
            base_ordinal = int(ordinal_of[-1]) + 1 - int(records.checked.sum()) if len(bad) else 0
            if self.index is None:
                self.index = tempfile.TemporaryFile(prefix="pipecheck-quarantine-")  # noqa: SIM115 (closed by the sink)
            position = self.index_size
            pieces = ((ordinal_of[kept] - base_ordinal).astype(np.int32), offsets_in_part.astype(np.int32))
            for piece in pieces:
                self.index.write(piece.tobytes())
            self.index_size += 8 * int(kept.sum())
            first_start = int(offsets_in_part[0]) if offsets_in_part.size else 0
            self.valid_parts.append(_ValidPart(base_ordinal, base_offset, int(kept.sum()), position, first_start))
        at = np.flatnonzero(bad)
        if not at.size:
            return
        rows = at + point.first_record
        lines = (records.lines[at] if records.lines is not None else at) + (point.first_line or 1)
        quoted = self._quoted_label
        prefixes = [
            f"{row}{self.delimiter}{line}{self.delimiter}{quoted(text)}{self.delimiter}".encode()
            for row, line, text in zip(rows.tolist(), lines.tolist(), labels[at].tolist(), strict=True)
        ]
        texts = [as_in_file(records, record) for record in at.tolist()]
        if texts and not texts[-1].endswith((b"\n", b"\r")):
            texts[-1] += self.newline
        sizes = np.fromiter((len(p) + len(t) for p, t in zip(prefixes, texts, strict=True)), np.int64, at.size)
        offsets = self.invalid.size + np.concatenate(([0], np.cumsum(sizes)[:-1]))
        self.invalid.write(b"".join(piece for pair in zip(prefixes, texts, strict=True) for piece in pair))
        if self.late_possible:
            checked = records.checked[at]
            ordinals = np.where(checked, ordinal_of[at], -1).astype(np.int64)
            self.invalid_parts.append(
                _InvalidPart(rows.astype(np.int64), ordinals, offsets, [len(p) for p in prefixes], touched[at])
            )

    def _quoted_label(self, text: str) -> str:
        """A label list as a field of the prefix (cached: labels repeat)."""
        shown = self._label_fields.get(text)
        if shown is None:
            shown = self._label_fields[text] = self._field(text)
        return shown

    def _field(self, value: str) -> str:
        """A prefix field, quoted where the dialect needs it."""
        d = self.dialect
        if any(ch in value for ch in (d.delimiter, d.quotechar, "\r", "\n")):
            return d.quotechar + value.replace(d.quotechar, d.quotechar * 2) + d.quotechar
        return value

    def _terminated(self, chunk: bytes) -> bytes:
        return chunk if not chunk or chunk.endswith((b"\n", b"\r")) else chunk + self.newline

    def _fields(self, values: tuple[str, ...]) -> bytes:
        """Prefix fields, each quoted where the dialect needs it, ending in a delimiter."""
        delimiter = self.dialect.delimiter
        return (delimiter.join(self._field(value) for value in values) + delimiter).encode("utf-8")

    # ------------------------------------------------------------ at the end

    def finish(self, late: pl.DataFrame, strip: Collection[str]) -> tuple[str | None, str | None]:
        if not self.started:
            self._start()
        self.writes_in_order.drain()
        if self.outputs is None or self.valid is None or self.invalid is None:
            return None, None
        d = self.dialect
        bom = _starts_with_bom(self.reader)
        as_is = self.reader.compression is None and codecs.lookup(d.encoding).name in ("utf-8", "utf-8-sig")
        try:
            if as_is and not bom and not late.height and not (strip and self.invalid_parts):
                commit_together(self.valid.pending, self.invalid.pending)
            else:
                self._rewrite(late, strip, bom)
        finally:
            self._close_index()
        return str(self.outputs[0]), str(self.outputs[1])

    def _rewrite(self, late: pl.DataFrame, strip: Collection[str], bom: bool) -> None:
        assert self.valid is not None and self.invalid is not None and self.outputs is not None
        if late.height or (strip and self.invalid_parts):
            self._merge(late, strip, bom)
            return
        outputs: list[_Final] = []
        try:
            for first, final in ((self.valid, self.outputs[0]), (self.invalid, self.outputs[1])):
                first.pending.handle.flush()
                outputs.append(_Final(final, self.dialect.encoding, self.reader.compression, bom, self.live))
                with first.pending.temp.open("rb") as source:
                    while chunk := source.read(1 << 20):
                        outputs[-1].write(chunk)
            commit_together(*(output.ready() for output in outputs))
        except BaseException:
            for output in outputs:
                output.discard()
            raise
        finally:
            self.valid.pending.discard()
            self.invalid.pending.discard()

    def _merge(self, late: pl.DataFrame, strip: Collection[str], bom: bool) -> None:
        """Both outputs once more, in the input's encoding and compression: the late rows moved out
        of the valid file into the invalid one (in row order), held rules' labels dropped."""
        import numpy as np

        assert self.valid is not None and self.invalid is not None and self.outputs is not None
        d, compression = self.dialect, self.reader.compression
        for first in (self.valid, self.invalid):
            first.pending.handle.flush()
        valid = _Final(self.outputs[0], d.encoding, compression, bom, self.live)
        invalid = _Final(self.outputs[1], d.encoding, compression, bom, self.live)
        try:
            late_ordinals = late["ordinal"].to_numpy() if late.height else np.zeros(0, np.int64)
            late_labels: dict[int, str] = dict(zip(late["ordinal"].to_list(), late["labels"].to_list(), strict=True))
            located = self.reader.locate((late_ordinals - self.first).tolist()) if late.height else {}
            places = {ordinal + self.first: place for ordinal, place in located.items()}  # the reader counts its own
            with self.valid.pending.temp.open("rb") as valid_in, self.invalid.pending.temp.open("rb") as invalid_in:
                valid_src, invalid_src = _Sequential(valid_in), _Sequential(invalid_in)
                valid.write(valid_src.read_to(self.header_bytes))
                invalid.write(
                    invalid_src.read_to(self.header_bytes + (len(self._fields(PREFIX)) if self.header_bytes else 0))
                )
                earlier = _EarlierInvalid(self.invalid_parts, self.invalid.size, late_ordinals, bool(strip))
                for start, end, ordinal in self._late_spans(late_ordinals):
                    valid_src.copy_to(start, valid)
                    text = valid_src.read_to(end)
                    place = places.get(ordinal)
                    row = place.row if place is not None else ordinal - self.first + 1
                    earlier.copy_before(row, invalid_src, invalid, lambda r: self._relabelled(r, late_labels, strip))
                    line = "" if place is None or place.line is None else str(place.line)
                    invalid.write(self._fields((str(row), line, late_labels[ordinal])) + text)
                valid_src.copy_to(None, valid)
                earlier.copy_before(None, invalid_src, invalid, lambda r: self._relabelled(r, late_labels, strip))
            commit_together(valid.ready(), invalid.ready())
        except BaseException:
            valid.discard()
            invalid.discard()
            raise
        finally:
            self.valid.pending.discard()
            self.invalid.pending.discard()

    def _late_spans(self, late: Any) -> Iterator[tuple[int, int, int]]:
        """(start, end, ordinal) in the valid temp file of each late row, in file order."""
        import numpy as np

        assert self.valid is not None
        parts = [p for p in self.valid_parts if p.count]
        if not parts:
            return
        assert self.index is not None
        self.index.flush()
        for k, part in enumerate(parts):
            ordinals, starts = part.read(self.index)
            hit = np.flatnonzero(np.isin(ordinals, late))
            if not hit.size:
                continue
            after = parts[k + 1].base_offset + parts[k + 1].first_start if k + 1 < len(parts) else self.valid.size
            for i in hit.tolist():
                end = int(starts[i + 1]) if i + 1 < starts.size else after
                yield int(starts[i]), end, int(ordinals[i])

    def _relabelled(self, record: tuple[int, bytes, bytes], late: dict[int, str], strip: Collection[str]) -> bytes:
        ordinal, prefix, text = record
        extra = late.get(ordinal) if ordinal >= 0 else None
        if not extra and not strip:
            return prefix + text
        d = self.dialect
        fields = next(csv.reader(io.StringIO(prefix.decode("utf-8")), delimiter=d.delimiter, quotechar=d.quotechar))
        labels = [label for label in fields[2].split(";") if label not in strip]
        labels += [label for label in (extra or "").split(";") if label and label not in labels]
        return self._fields((fields[0], fields[1], ";".join(labels))) + text

    def unchecked_at_end(self) -> int:
        return 0  # counted batch by batch

    def discard(self) -> None:
        try:
            with contextlib.suppress(Exception):  # the files are being removed: their write's failure is moot
                self.writes_in_order.drain()
        finally:
            for pending in self.live:
                pending.discard()
            self._close_index()

    def _close_index(self) -> None:
        if self.index is not None:
            self.index.close()  # an anonymous temp file: gone once closed
            self.index = None


class _EarlierInvalid:
    """The invalid temp file's records, copied in bulk up to a row, except those to relabel: rows
    also decided late (a later duplicate that failed a rule too) and, when rules held under
    `mostly`, rows that failed one of those."""

    def __init__(self, parts: list[_InvalidPart], size: int, late: Any, stripping: bool) -> None:
        import numpy as np

        def joined(name: str) -> Any:
            arrays = [np.asarray(getattr(part, name), dtype=np.int64) for part in parts]
            return np.concatenate(arrays) if arrays else np.zeros(0, np.int64)

        self.rows, self.ordinals, self.starts, self.prefixes = (
            joined(name) for name in ("rows", "ordinals", "starts", "prefixes")
        )
        self.ends = np.append(self.starts[1:], size) if self.starts.size else self.starts
        relabel = (self.ordinals >= 0) & np.isin(self.ordinals, late)
        if stripping:
            relabel |= joined("touched").astype(bool)
        self.relabel = np.flatnonzero(relabel)
        self.next = 0  # index of the next record to copy
        self.next_relabel = 0

    def copy_before(
        self, row: int | None, source: _Sequential, out: _Final, relabelled: Callable[[tuple[int, bytes, bytes]], bytes]
    ) -> None:
        """Every record before `row` (None: all that are left) written to `out`."""
        import numpy as np

        stop = int(np.searchsorted(self.rows, row)) if row is not None else int(self.rows.size)
        while self.next < stop:
            pending = self.relabel[self.next_relabel] if self.next_relabel < self.relabel.size else stop
            upto = min(int(pending), stop)
            if upto > self.next:  # records as they are, in one piece
                source.read_to(int(self.starts[self.next]))
                source.copy_to(int(self.ends[upto - 1]), out)
                self.next = upto
                continue
            k = self.next
            source.read_to(int(self.starts[k]))
            prefix = source.read_to(int(self.starts[k] + self.prefixes[k]))
            out.write(relabelled((int(self.ordinals[k]), prefix, source.read_to(int(self.ends[k])))))
            self.next += 1
            self.next_relabel += 1


class _Sequential:
    """A file read front to back by offsets."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.fd = handle.fileno()
        self.size = os.fstat(self.fd).st_size
        self.at = 0

    def read_to(self, offset: int | None) -> bytes:
        end = self.size if offset is None else min(offset, self.size)
        data = os.pread(self.fd, max(0, end - self.at), self.at) if end > self.at else b""
        self.at += len(data)
        return data

    def copy_to(self, offset: int | None, out: _Final) -> None:
        """The bytes up to `offset` (None: the end) into `out`: by the kernel where `out` takes
        them as they are (UTF-8, uncompressed), without passing through Python."""
        end = self.size if offset is None else min(offset, self.size)
        if end <= self.at:
            return
        if out.plain:
            out.stream.flush()
            target = out.stream.fileno()
            while self.at < end:
                copied = os.copy_file_range(self.fd, target, end - self.at, self.at)
                if copied <= 0:
                    break
                self.at += copied
            if self.at >= end:
                return
        while self.at < end:
            out.write(self.read_to(min(end, self.at + (8 << 20))))


def _starts_with_bom(reader: CsvReader) -> bool:
    """Whether the input's bytes begin with a UTF-8 BOM (its outputs keep it)."""
    from pipecheck.readers.source import open_binary

    if reader.opened is not None:
        return False
    if not codecs.lookup(reader.dialect.encoding).name.startswith("utf-8"):
        return False
    try:
        with open_binary(reader.path, reader.compression) as handle:  # a compressed file's BOM is inside
            return handle.read(3) == codecs.BOM_UTF8
    except (OSError, EOFError, ValueError):
        return False
