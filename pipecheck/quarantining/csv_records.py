"""A CSV block's raw records (readers.base.RawRecords) looked into: which hold some bytes, and
the records of a repaired invalid file without their _pipecheck_* prefix."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipecheck.contract.model import CsvDialect
    from pipecheck.readers.base import RawRecords


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

    pieces, starts, ends, at = [], [], [], 0
    for start, end in zip(records.starts.tolist(), records.ends.tolist(), strict=True):
        record = records.data[start:end]
        piece = record[after_prefix(record, dialect) :]
        pieces.append(piece)
        starts.append(at)
        at += len(piece)
        ends.append(at)
    positions = np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)
    return dataclasses.replace(records, data=b"".join(pieces), starts=positions[0], ends=positions[1])
