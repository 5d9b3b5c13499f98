"""Parquet files and directories of them: footer schema first, then only the needed columns."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pipecheck.readers import UnreadableFile

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.dataset as ds

BATCH_ROWS = 256 * 1024


class ParquetReader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._dataset: ds.Dataset | None = None
        self._files: list[str] = []

    def _open(self) -> ds.Dataset:
        if self._dataset is None:
            import pyarrow as pa
            import pyarrow.dataset as ds

            try:
                if self.path.is_dir():
                    files = sorted(str(p) for p in self.path.rglob("*.parquet") if p.is_file())
                    if not files:
                        raise UnreadableFile("directory holds no .parquet files")
                    self._dataset = ds.dataset(files, format="parquet")
                else:
                    files = [str(self.path)]
                    self._dataset = ds.dataset(files, format="parquet")
                self._files = files
            except (pa.ArrowException, OSError) as exc:
                raise UnreadableFile(f"not a readable Parquet file: {_first_line(exc)}") from None
        return self._dataset

    def schema(self) -> pa.Schema:
        """The columns as stored (read from the footer, no data scanned)."""
        return self._open().schema

    def row_count(self) -> int | None:
        """Rows in the file(s), from the footer metadata."""
        import pyarrow as pa

        try:
            return int(self._open().count_rows())
        except (pa.ArrowException, OSError):
            return None

    def batches(self, columns: list[str]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._open()
        try:
            # File by file, row group by row group: the dataset scanner's read-ahead (16 batches,
            # 4 files) held most of a 5M-row file in memory (peak RSS 1.0 GB against 0.5 GB).
            for file in self._files:
                with pq.ParquetFile(file) as parquet:
                    yield from parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns, use_threads=True)
        except (pa.ArrowException, OSError) as exc:
            raise UnreadableFile(f"corrupt Parquet data: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
