"""A CSV block's raw records (readers.base.RawRecords) looked into: which hold some bytes, and
the records of a repaired invalid file without their _pipecheck_* prefix."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pipecheck.readers.base import REPLACEMENT, Replaced

if TYPE_CHECKING:
    from pipecheck.contract.model import CsvDialect
    from pipecheck.readers.base import RawRecords


def undecodable_records(records: RawRecords) -> Iterator[int]:
    """The records holding bytes that did not decode: at a known U+FFFD that stands for them, or
    where those are not known, at any U+FFFD."""
    import numpy as np

    if records.replaced is None:
        yield from records_with(records, REPLACEMENT)
        return
    positions = records.replaced.positions
    held = np.searchsorted(records.starts, positions, side="right") - 1
    inside = (held >= 0) & (positions < records.ends[np.maximum(held, 0)])
    yield from np.unique(held[inside]).tolist()


def as_in_file(records: RawRecords, record: int) -> bytes:
    """A record's bytes as the file has them: each U+FFFD that stands for undecodable bytes
    replaced by those bytes again (where they are known)."""

    start, end = int(records.starts[record]), int(records.ends[record])
    text = records.data[start:end]
    if records.replaced is None or REPLACEMENT not in text:
        return text
    return records.replaced.within(start, end).restored(text)


def records_with(records: RawRecords, needle: bytes) -> Iterator[int]:
    """The records whose bytes hold `needle`."""
    import numpy as np

    at = records.data.find(needle)
    last = -1
    while at >= 0:
        record = int(np.searchsorted(records.starts, at, side="right")) - 1
        if record >= 0 and record != last and at < int(records.ends[record]):
            last = record
            yield record
        at = records.data.find(needle, at + len(needle))


def after_prefix(record: bytes, dialect: CsvDialect) -> int:
    """The offset after a record's first three fields (0 if it has fewer): where the record of a
    repaired invalid file begins."""
    text = record.decode("utf-8", errors="surrogatepass")
    quoted, seen = False, 0
    for i, ch in enumerate(text):
        if ch == dialect.quotechar:
            quoted = not quoted
        elif ch == dialect.delimiter and not quoted:
            seen += 1
            if seen == 3:
                return len(text[: i + 1].encode("utf-8", errors="surrogatepass"))
    return 0


def without_prefix(records: RawRecords, dialect: CsvDialect) -> RawRecords:
    """The block's records without their first three fields (a repaired invalid file's prefix)."""
    import dataclasses

    import numpy as np

    pieces, starts, ends, moves, at = [], [], [], [], 0
    for start, end in zip(records.starts.tolist(), records.ends.tolist(), strict=True):
        record = records.data[start:end]
        cut = after_prefix(record, dialect)
        pieces.append(record[cut:])
        moves.append((start + cut, at - start - cut))  # where the record's rest began, and its move
        starts.append(at)
        at += end - start - cut
        ends.append(at)
    positions = np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)
    replaced = records.replaced
    if replaced is not None and replaced.positions.size:  # the U+FFFDs move with their records' rests
        rests = np.array([begin for begin, _ in moves], dtype=np.int64)
        by = np.array([move for _, move in moves], dtype=np.int64)
        held = np.searchsorted(rests, replaced.positions, side="right") - 1
        kept = (held >= 0) & (replaced.positions < np.asarray(records.ends)[np.maximum(held, 0)])
        bounds = replaced.bounds.tolist()
        kept_at = np.flatnonzero(kept).tolist()
        originals = [replaced.data[bounds[i] : bounds[i + 1]] for i in kept_at]
        sizes = np.array([len(original) for original in originals], dtype=np.int32)
        moved = (replaced.positions[kept] + by[held[kept]]).astype(np.int32)
        bounds = np.concatenate(([0], np.cumsum(sizes, dtype=np.int32)), dtype=np.int32)
        replaced = Replaced(moved, bounds, b"".join(originals))
    return dataclasses.replace(
        records, data=b"".join(pieces), starts=positions[0], ends=positions[1], replaced=replaced
    )
