"""Parquet files and directories of them: footer schema first, then only the needed columns."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pipecheck.readers import UnreadableFile
from pipecheck.readers.base import Batch, Checkpoint, Checkpoints, Place, ReadOptions

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

    from pipecheck.findings import Finding

BATCH_ROWS = 256 * 1024
LARGE_ROW_GROUP = 4 * BATCH_ROWS


class ParquetReader:
    """The Reader for a Parquet file, or a directory of them read as one dataset."""

    text = False
    format = "parquet"
    header_line = None

    def __init__(self, path: Path, compression: str | None, options: ReadOptions) -> None:
        self.path = path
        self.checkpoints = Checkpoints()
        self._files: list[str] | None = None
        self._schemas: dict[str | None, pa.Schema] = {}
        self._rows_done = 0
        self._rows_total: int | None = None

    def _open(self) -> list[str]:
        """The file(s); the first one's footer is read and must be Parquet.

        pyarrow.parquet, not pyarrow.dataset, whose import is slow (bench/README.md), for a
        schema and a row count the footers give.
        """
        if self._files is None:
            if self.path.is_dir():
                files = sorted(str(p) for p in self.path.rglob("*.parquet") if p.is_file())
                if not files:
                    raise UnreadableFile("directory holds no .parquet files")
            else:
                files = [str(self.path)]
            self._files = files
            self._schemas[None] = self._footer_schema(files[0])
        return self._files

    def _source(self, file: str) -> str | None:
        files = self._open()
        return str(Path(file).relative_to(self.path)) if len(files) > 1 else None

    def _footer_schema(self, file: str) -> pa.Schema:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            return pq.read_schema(file)
        except (pa.ArrowException, OSError) as exc:
            where = f"{Path(file).relative_to(self.path)}: " if file != str(self.path) else ""
            raise UnreadableFile(f"{where}not a readable Parquet file: {_first_line(exc)}") from None

    def columns(self) -> list[str]:
        self._open()
        return list(self._schemas[None].names)

    def schema(self, source: str | None = None) -> pa.Schema:
        """The columns as stored, from the footer of the (first) file or of the dataset's file `source`."""
        self._open()
        if source not in self._schemas:
            self._schemas[source] = self._footer_schema(str(self.path / source) if source else str(self.path))
        return self._schemas[source]

    def progress(self) -> tuple[int, int | None]:
        """Bytes estimated from rows done against the footers' row counts."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            files = self._open()
            size = sum(Path(f).stat().st_size for f in files)
            if self._rows_total is None:
                self._rows_total = sum(int(pq.read_metadata(f).num_rows) for f in files)
        except (pa.ArrowException, OSError, UnreadableFile):
            return 0, None
        return (int(size * self._rows_done / self._rows_total) if self._rows_total else size), size

    def batches(self, wanted: Mapping[str, int]) -> Iterator[Batch]:
        """Slices of the wanted columns, file by file; a later file of a directory must have every
        wanted column (the engine judges its stored types with `schema(source)`).

        polars pushes each slice down to the pages it needs, where pyarrow's iter_batches decodes
        whole row groups (bench/README.md).
        """
        import polars as pl
        import pyarrow as pa
        import pyarrow.parquet as pq

        files = self._open()
        first_names = self._schemas[None].names
        names = {out: first_names[pos] for out, pos in wanted.items()}
        row = 0
        for file in files:
            source = self._source(file)
            where = f"{source}: " if source else ""
            try:
                metadata = pq.read_metadata(file)
                schema = metadata.schema.to_arrow_schema()
                positions = {}
                for out, name in names.items():
                    position = schema.get_field_index(name)
                    if position < 0:
                        raise UnreadableFile(
                            f"{where}has no column {name!r}, which the first file has; "
                            "the files of a directory are read as one dataset with one schema"
                        )
                    positions[out] = position
                if source is not None:
                    self._schemas[source] = schema
                for part in _slices(file, metadata, schema, positions):
                    rows = part.height
                    point = Checkpoint(len(self.checkpoints.points), row, rows, row + 1, None, None, source)
                    self.checkpoints.add(point)
                    row += rows
                    self._rows_done = row
                    yield Batch(part if positions else part.select(pl.first().alias("__row__")), point)
            except (pl.exceptions.PolarsError, pa.ArrowException, OSError) as exc:
                raise UnreadableFile(f"{where}corrupt Parquet data: {_first_line(exc)}") from None

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
    import pyarrow.parquet as pq

    largest = max((metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)), default=0)
    if largest <= LARGE_ROW_GROUP:
        scan = pl.scan_parquet(file)
        selected = scan.select([pl.nth(p).alias(out) for out, p in positions.items()] or [pl.nth(0)])
        for offset in range(0, metadata.num_rows, BATCH_ROWS):
            yield selected.slice(offset, BATCH_ROWS).collect()
        return
    names = [schema.names[p] for p in positions.values()] or [schema.names[0]]
    outputs = list(positions) or [schema.names[0]]
    reader = pq.ParquetFile(file, buffer_size=1 << 20, pre_buffer=False)
    for batch in reader.iter_batches(batch_size=BATCH_ROWS, columns=names, use_threads=True):
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        yield frame.rename(dict(zip(frame.columns, outputs, strict=True)))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
