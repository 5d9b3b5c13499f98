"""Parquet files: footer schema first, then only the needed columns (a directory: readers/dataset.py)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pipecheck.readers import UnreadableFile
from pipecheck.readers.base import Batch, Checkpoint, Checkpoints, Place, ReadOptions

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipecheck.findings import Finding

BATCH_ROWS = 256 * 1024
LARGE_ROW_GROUP = 4 * BATCH_ROWS


class ParquetReader:
    """The Reader for one Parquet file."""

    text = False
    format = "parquet"
    header_line = None

    def __init__(self, path: Path, compression: str | None, options: ReadOptions) -> None:
        self.path = path
        self.checkpoints = Checkpoints()
        self._schema: pa.Schema | None = None
        self._rows_done = 0
        self._rows_total: int | None = None

    def schema(self) -> pa.Schema:
        """The columns as stored, from the footer; it must be Parquet.

        pyarrow.parquet, not pyarrow.dataset, whose import is slow (bench/README.md), for a
        schema and a row count the footer gives.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._schema is None:
            try:
                self._schema = pq.read_schema(self.path)
            except (pa.ArrowException, OSError) as exc:
                raise UnreadableFile(f"not a readable Parquet file: {_first_line(exc)}") from None
        return self._schema

    def columns(self) -> list[str]:
        return list(self.schema().names)

    def progress(self) -> tuple[int, int | None]:
        """Bytes estimated from rows done against the footer's row count."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            size = self.path.stat().st_size
            if self._rows_total is None:
                self._rows_total = int(pq.read_metadata(self.path).num_rows)
        except (pa.ArrowException, OSError):
            return 0, None
        return (int(size * self._rows_done / self._rows_total) if self._rows_total else size), size

    def batches(self, wanted: Mapping[str, int]) -> Iterator[Batch]:
        """Slices of the wanted columns.

        polars pushes each slice down to the pages it needs, where pyarrow's iter_batches decodes
        whole row groups (bench/README.md).
        """
        import polars as pl
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = self.schema()
        row = 0
        try:
            metadata = pq.read_metadata(self.path)
            for part in _slices(str(self.path), metadata, schema, dict(wanted)):
                rows = part.height
                point = Checkpoint(len(self.checkpoints.points), row, rows, row + 1, None, None)
                self.checkpoints.add(point)
                row += rows
                self._rows_done = row
                yield Batch(part if wanted else part.select(pl.first().alias("__row__")), point)
        except (pl.exceptions.PolarsError, pa.ArrowException, OSError) as exc:
            raise UnreadableFile(f"corrupt Parquet data: {_first_line(exc)}") from None

    def locate(self, ordinals: Collection[int]) -> dict[int, Place]:
        return {o: Place(o + 1) for o in ordinals}

    def file_findings(self) -> list[Finding]:
        return []

    def unchecked_rows(self) -> int:
        return 0

    def close(self) -> None:
        return None


def _slices(
    file: str, metadata: pa.parquet.FileMetaData, schema: pa.Schema, positions: dict[str, int]
) -> Iterator[pl.DataFrame]:
    """The file's wanted columns, BATCH_ROWS rows at a time, named as wanted.

    polars slices a scan, reading only the pages a slice needs; but it decodes a slice from its
    whole row group, so for row groups of more than LARGE_ROW_GROUP rows pyarrow's batch reader
    streams the pages instead (bench/README.md: a 40M-row group, 12.6 s and 1.07 GB before).
    """
    import polars as pl
    import pyarrow as pa

    largest = max((metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)), default=0)
    instead = polars_cannot_take(schema)
    if largest <= LARGE_ROW_GROUP and not instead:
        scan = pl.scan_parquet(file)
        selected = scan.select([pl.nth(p).alias(out) for out, p in positions.items()] or [pl.nth(0)])
        for offset in range(0, metadata.num_rows, BATCH_ROWS):
            yield selected.slice(offset, BATCH_ROWS).collect()
        return
    names = [schema.names[p] for p in positions.values()] or [schema.names[0]]
    outputs = list(positions) or [schema.names[0]]
    reader = streaming_file(file)
    for stored in reader.iter_batches(batch_size=BATCH_ROWS, columns=names, use_threads=True):
        batch = (
            stored.cast(pa.schema([f.with_type(instead.get(f.name, f.type)) for f in stored.schema]))
            if instead
            else stored
        )
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        yield frame.rename(dict(zip(frame.columns, outputs, strict=True)))


def streaming_file(file: Path | str) -> pq.ParquetFile:
    """A Parquet file to read batch by batch in bounded memory: pre-buffering keeps every byte
    range it has read until the file is closed (about a decoded row group a row group)."""
    import pyarrow.parquet as pq

    return pq.ParquetFile(file, buffer_size=1 << 20, pre_buffer=False)


def polars_cannot_take(schema: pa.Schema) -> dict[str, pa.DataType]:
    """Columns polars cannot take from Arrow, and the Arrow type each is read as instead: a zone polars
    cannot name (a fixed offset such as +05:45, 'Z') as UTC, the same instants; decimal256 as its text,
    which the text rules read exactly. polars' Parquet scan panics on the whole file for either
    (tests/readers/test_parquet_polars_gaps.py)."""
    import polars as pl
    import pyarrow as pa

    instead: dict[str, pa.DataType] = {}
    for field in schema:
        if isinstance(field.type, pa.TimestampType) and field.type.tz is not None:
            try:
                pl.from_arrow(pa.array([], field.type))
            except (pl.exceptions.PolarsError, pl.exceptions.PanicException):
                instead[field.name] = pa.timestamp(field.type.unit, "UTC")
        elif pa.types.is_decimal256(field.type):
            instead[field.name] = pa.large_string()
    return instead


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
