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
                    self._dataset = ds.dataset([str(self.path)], format="parquet")
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

        dataset = self._open()
        try:
            yield from dataset.to_batches(columns=columns, batch_size=BATCH_ROWS, use_threads=True)
        except (pa.ArrowException, OSError) as exc:
            raise UnreadableFile(f"corrupt Parquet data: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
