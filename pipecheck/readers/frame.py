"""In-memory frames (pandas, polars, pyarrow) as a Reader: the frame as an Arrow table, read in slices
and typed as stored, so the Parquet rules of storage_types.py apply to it exactly as to the same
frame written to Parquet (tests/readers/test_frame.py pins that)."""

from __future__ import annotations

import sys
from collections.abc import Collection, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

from pipecheck.readers.base import Batch, Checkpoint, Checkpoints, Place
from pipecheck.readers.parquet import BATCH_ROWS, polars_cannot_take

if TYPE_CHECKING:
    import pyarrow as pa

    from pipecheck.findings import Finding

FrameKind = Literal["pandas", "polars", "arrow"]


def frame_kind(frame: object) -> FrameKind | None:
    """Which kind of frame this reader takes `frame` is; None for anything else.

    A frame's library is already imported when there is a frame of it: none is imported here.
    """
    pandas, polars, pyarrow = (sys.modules.get(name) for name in ("pandas", "polars", "pyarrow"))
    if pandas is not None and isinstance(frame, pandas.DataFrame):
        return "pandas"
    if polars is not None and isinstance(frame, polars.DataFrame):
        return "polars"
    if pyarrow is not None and isinstance(frame, pyarrow.Table):
        return "arrow"
    return None


class FrameReader:
    """The Reader for one in-memory frame; rows are its positions from 1 (a pandas index is not read)."""

    text = False
    header_line: int | None = None

    def __init__(self, frame: Any, kind: FrameKind) -> None:
        self.format: str = kind
        self._kind = kind
        self.checkpoints = Checkpoints()
        self._frame: Any = frame
        self._table: pa.Table | None = None
        self._rows = len(frame) if kind == "pandas" else frame.height if kind == "polars" else frame.num_rows
        self._rows_done = 0

    def _arrow(self) -> pa.Table:
        if self._table is None:
            self._table = _to_arrow(self._frame, self._kind)
            self._frame = None  # the table holds what is needed (zero-copy where the types allow)
        return self._table

    def schema(self) -> pa.Schema:
        return self._arrow().schema

    def columns(self) -> list[str]:
        return list(self._arrow().schema.names)

    def progress(self) -> tuple[int, int | None]:
        """Bytes estimated from rows done against the table's size in memory."""
        size = int(self._arrow().nbytes)
        return (int(size * self._rows_done / self._rows) if self._rows else size), size

    def batches(self, wanted: Mapping[str, int]) -> Iterator[Batch]:
        """Slices of the wanted columns, BATCH_ROWS rows at a time, named as wanted."""
        import polars as pl

        table = self._arrow().select(list(wanted.values())).rename_columns(list(wanted))
        instead = polars_cannot_take(table.schema)
        if instead:  # time zones polars cannot name, decimal256: as the Parquet reader reads them
            import pyarrow as pa

            table = table.cast(pa.schema([f.with_type(instead.get(f.name, f.type)) for f in table.schema]))
        for first in range(0, self._rows, BATCH_ROWS):
            rows = min(BATCH_ROWS, self._rows - first)
            if wanted:
                frame = pl.from_arrow(table.slice(first, rows), rechunk=False)
                assert isinstance(frame, pl.DataFrame)
            else:
                frame = pl.repeat(None, rows, dtype=pl.String, eager=True).alias("__row__").to_frame()
            point = Checkpoint(len(self.checkpoints.points), first, rows, first + 1, None, None)
            self.checkpoints.add(point)
            self._rows_done = first + rows
            yield Batch(frame, point)

    def locate(self, ordinals: Collection[int]) -> dict[int, Place]:
        return {o: Place(o + 1) for o in ordinals}

    def file_findings(self) -> list[Finding]:
        return []

    def unchecked_rows(self) -> int:
        return 0

    def close(self) -> None:
        self._frame = self._table = None


def _to_arrow(frame: Any, kind: FrameKind) -> pa.Table:
    import pyarrow as pa

    if kind == "arrow":
        given: pa.Table = frame
        return given
    if kind == "polars":
        # text as large_string, as polars writes it to Parquet (and as a report names it)
        return pa.Table.from_arrays([_polars_column(frame, at) for at in range(frame.width)], names=frame.columns)
    names = [str(label) for label in frame.columns]
    return pa.Table.from_arrays([_pandas_column(frame.iloc[:, i]) for i in range(len(names))], names=names)


def _polars_column(frame: Any, at: int) -> pa.ChunkedArray | pa.Array:
    """A polars column as Arrow; one Arrow has no type for (Int128; Object, of which Arrow would get
    the objects' addresses) as the text of each value, as for pandas."""
    import polars as pl
    import pyarrow as pa

    column = frame.to_series(at)
    if column.dtype != pl.Object:
        try:
            return column.to_frame().to_arrow().column(0)
        except (pl.exceptions.PolarsError, pa.ArrowException):
            pass
    values = column.to_list()
    return _texts(values, [v is None for v in values])


def _pandas_column(series: Any) -> pa.Array:
    """A pandas column as Arrow, as pandas' to_parquet converts it (NaN and None are null); a column
    Arrow cannot type (an object column holding 1 and 'a', complex numbers) as the text of each
    value, which the CSV text rules then read, as if the frame were written with to_csv."""
    import pyarrow as pa

    try:
        return pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        return _texts(series.to_numpy(), series.isna().to_numpy())


def _texts(values: Any, missing: Any) -> pa.Array:
    import pyarrow as pa

    return pa.array([None if gone else str(v) for v, gone in zip(values, missing, strict=True)], pa.large_string())
