"""The reader seam: what every input format hands the engine, whatever the format.

A reader yields batches (a frame plus where it came from) and, once read, hands its file-level
findings over as data. It knows nothing of checks: the engine asks for columns by position and
gets them back under the names it chose, so a user's column name is never an expression.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import polars as pl
    import pyarrow as pa

    Positions = npt.NDArray[np.int64]
    Offsets = npt.NDArray[np.int32]  # within one block (blocks stay far below 2 GB)

    from pipecheck.contract.model import CsvDialect
    from pipecheck.findings import Finding


REPLACEMENT = "\ufffd".encode()  # what an undecodable byte sequence becomes


@dataclass(frozen=True)
class Replaced:
    """The U+FFFDs in a text that stand for undecodable bytes: their offsets (ascending) and the
    bytes each replaced, `data[bounds[i]:bounds[i + 1]]` (kept compact: a file may have millions)."""

    positions: Offsets
    bounds: Offsets  # one more than positions, from 0
    data: bytes

    def within(self, start: int, end: int) -> Replaced:
        """Those in [start, end), their offsets from `start`."""
        import numpy as np

        # the bounds in the positions' own type: any other casts all of them, for every record
        first, last = np.searchsorted(self.positions, np.array([start, end], dtype=self.positions.dtype)).tolist()
        bounds = self.bounds[first : last + 1]
        data = self.data[int(bounds[0]) : int(bounds[-1])]
        return Replaced(self.positions[first:last] - start, bounds - bounds[0], data)

    def restored(self, text: bytes) -> bytes:
        """`text` with each of these U+FFFDs the bytes it stands for again."""
        if not self.positions.size:
            return text
        pieces, at = [], 0
        for i, position in enumerate(self.positions.tolist()):
            pieces += [text[at:position], self.data[int(self.bounds[i]) : int(self.bounds[i + 1])]]
            at = position + len(REPLACEMENT)
        return b"".join([*pieces, text[at:]])


@dataclass(frozen=True)
class Checkpoint:
    """Where a batch starts in its file: enough to name any of its rows without reading again."""

    index: int  # the batch's number in the file, from 0
    first_row: int  # ordinal (0-based) of its first checked row among the file's checked rows
    rows: int  # checked rows in the batch
    first_record: int  # 1-based row number of its first record (malformed records count as rows)
    first_line: int | None  # physical line where its first record starts (text formats)
    byte_range: tuple[int, int] | None  # [start, end) in the decoded text (text formats)


@dataclass(frozen=True)
class Batch:
    frame: pl.DataFrame  # the wanted columns: text (Reader.text) or as stored
    checkpoint: Checkpoint

    @property
    def rows(self) -> int:
        return self.checkpoint.rows

    def parse(self) -> pl.DataFrame:
        return self.frame

    def settle(self) -> Checkpoint:
        return self.checkpoint


class Work(Protocol):
    """A batch whose parsing may run on any thread, before its place in the file is settled.

    The engine calls `parse()` once, on a worker, then `settle()` on its own thread in file order:
    rows and lines are counts of everything before, so only the settling is sequential. A `Batch`
    is work already done.
    """

    def parse(self) -> pl.DataFrame: ...

    def settle(self) -> Checkpoint: ...


def settled(works: Iterator[Work]) -> Iterator[Batch]:
    """Work parsed and settled in order on the caller's thread, as batches."""
    for work in works:
        frame = work.parse()
        yield Batch(frame, work.settle())


@dataclass(frozen=True)
class RawRecords:
    """A text block's records as the file has them (decoded to UTF-8): what quarantine writes.

    Record i is `data[starts[i]:ends[i]]`, its line break included; `checked` marks the records
    the block's frame holds, in order (the others are malformed); `lines` is each record's first
    physical line relative to the block's, None where records are lines.
    """

    data: bytes
    starts: Positions
    ends: Positions
    checked: Positions
    lines: Positions | None
    open_quote: bool  # the last record runs to the end of the file inside quotes
    # the U+FFFDs of `data` that stand for undecodable bytes (UTF-8 input only; None: not known,
    # every U+FFFD in `data` may be one)
    replaced: Replaced | None = None


@dataclass(frozen=True)
class Place:
    """A checked row as reported: its 1-based row number and, for text, its physical line."""

    row: int
    line: int | None = None
    source: str | None = None  # the member file of a dataset directory (readers/dataset.py)


@dataclass(frozen=True)
class ReadOptions:
    """What a reader may be told: the contract's CSV dialect and how much to keep."""

    dialect: CsvDialect
    max_examples: int = 5
    block_size: int = 8 << 20
    width: int | None = None  # text without a header: the fields every record must have (the contract's)
    opened: IO[bytes] | None = None  # a pipe or FIFO already opened (and peeked at) by the registry
    records: bool = False  # text: find each record's bytes while parsing (quarantine writes them)


class Reader(Protocol):
    """One input file as batches. Any failure raises UnreadableFile."""

    @property
    def format(self) -> str:
        """'csv', 'parquet', 'jsonl', with '+gzip' (etc.) when compressed."""
        ...

    # The physical line of the header (text formats; None where there is no header line).
    header_line: int | None

    @property
    def text(self) -> bool:
        """True when values are text, parsed under the contract's text rules; False when typed as stored."""
        ...

    def columns(self) -> list[str]:
        """The column names in file order (a header-less CSV: its first record, for the width)."""
        ...

    def schema(self) -> pa.Schema | None:
        """The stored types (typed formats) of the file, from metadata only; None for text formats."""
        ...

    def batches(self, wanted: Mapping[str, int]) -> Iterator[Work]:
        """Frames of the wanted columns: output name -> position in `columns()`, as work to parse
        (on any thread) and settle (in order)."""
        ...

    def locate(self, ordinals: Collection[int]) -> dict[int, Place]:
        """Row (and line) of checked-row ordinals, from the checkpoints kept while reading."""
        ...

    def file_findings(self) -> list[Finding]:
        """After reading: findings about the file itself (malformed records, decoding, open quotes)."""
        ...

    def unchecked_rows(self) -> int:
        """Rows counted in the file that no batch holds (malformed records)."""
        ...

    def progress(self) -> tuple[int, int | None]:
        """(bytes read, bytes in all) of the file on disk, for a progress display."""
        ...

    def close(self) -> None: ...


class Checkpoints:
    """The checkpoints of a file's batches, searchable by row ordinal."""

    def __init__(self) -> None:
        self.points: list[Checkpoint] = []
        self._starts: list[int] = []

    def add(self, point: Checkpoint) -> None:
        self.points.append(point)
        self._starts.append(point.first_row)

    def holding(self, ordinal: int) -> Checkpoint | None:
        """The batch holding the ordinal-th checked row."""
        at = bisect.bisect_right(self._starts, ordinal) - 1
        if at < 0:
            return None
        point = self.points[at]
        return point if ordinal < point.first_row + point.rows else None
