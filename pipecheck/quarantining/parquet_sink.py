"""Parquet quarantine: the input's rows, streamed batch by batch in step with the checks, to a
valid file with the input's schema and an invalid one led by _pipecheck_row and
_pipecheck_errors (a list of labels). Input columns named _pipecheck_* are left out of both."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipecheck.quarantining.files import OrderedWrites, PendingFile, commit_together
from pipecheck.quarantining.ledger import Taken, label_counts
from pipecheck.readers.parquet import streaming_file

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipecheck.checking import RowFailures
    from pipecheck.readers.base import Checkpoint, Work

ROW, ERRORS = "_pipecheck_row", "_pipecheck_errors"
READ_ROWS = 64 * 1024


class _Rows:
    """The input's rows in order, any number at a time, whatever its batches' sizes."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.file = streaming_file(path)
        self.schema = schema  # the columns read: the input's less its _pipecheck_* ones
        columns = schema.names
        self.batches: Iterator[pa.RecordBatch] = self.file.iter_batches(batch_size=READ_ROWS, columns=columns)
        self.held: list[pa.RecordBatch] = []
        self.held_rows = 0

    def take(self, rows: int) -> pa.Table:
        import pyarrow as pa

        while self.held_rows < rows:
            batch = next(self.batches, None)
            if batch is None:
                break
            self.held.append(batch)
            self.held_rows += batch.num_rows
        table = pa.Table.from_batches(self.held, schema=self.schema) if self.held else None
        if table is None:
            return self.schema.empty_table()
        taken, rest = table.slice(0, rows), table.slice(rows)
        self.held = rest.to_batches()
        self.held_rows = rest.num_rows
        return taken


class ParquetSink:
    writes = True

    def __init__(self, path: Path, outputs: tuple[Path, Path], *, late_possible: bool) -> None:
        self.path = path
        self.outputs = outputs
        self.late_possible = late_possible
        self.rows: _Rows | None = None
        self.valid: tuple[PendingFile, pq.ParquetWriter] | None = None
        self.invalid: tuple[PendingFile, pq.ParquetWriter] | None = None
        self.valid_ordinals: list[Any] = []
        self.schema: pa.Schema | None = None
        self.live: list[PendingFile] = []  # every temp file made, for discard (an interrupt may come mid-way)
        self.writes_in_order = OrderedWrites()  # each batch read whole and written, off the thread settling batches
        self.first = 0  # the ordinal of the file's first row (in a dataset, the rows of members before it)

    def _start(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        stored = pq.read_schema(self.path)
        kept = [f for f in stored if not f.name.startswith("_pipecheck_")]
        self.schema = pa.schema(kept, metadata=stored.metadata)
        self.rows = _Rows(self.path, self.schema)
        self.valid = self._writer(self.outputs[0], self.schema)
        self.invalid = self._writer(self.outputs[1], _invalid_schema(self.schema))

    def _writer(self, path: Path, schema: pa.Schema) -> tuple[PendingFile, pq.ParquetWriter]:
        import pyarrow.parquet as pq

        pending = PendingFile(path, self.live)
        return pending, pq.ParquetWriter(pending.handle, schema)

    def take(self, work: Work, point: Checkpoint, failures: RowFailures, first: int) -> Taken:
        import numpy as np

        if self.rows is None:
            self._start()
        definite = ~failures.deferred
        offsets = failures.offsets.filter(definite).to_numpy().astype(np.int64)
        labels = failures.labels.filter(definite).to_list()
        self.first = first
        base = first + point.first_row
        self.writes_in_order.submit(functools.partial(self._write, point, offsets, labels, base))
        return Taken(offsets + base, label_counts(failures.labels.filter(definite)), 0)

    def _write(self, point: Checkpoint, offsets: Any, labels: list[str], base: int) -> None:
        """One batch's rows, read again whole, to the valid and invalid files (on the writer thread)."""
        import numpy as np
        import pyarrow as pa

        assert self.rows is not None and self.valid is not None and self.invalid is not None
        table = self.rows.take(point.rows)
        bad = np.zeros(table.num_rows, dtype=bool)
        bad[offsets] = True
        self.valid[1].write_table(table.filter(pa.array(~bad)))
        if self.late_possible:  # the batch's invalid offsets, not its valid ordinals: a few bytes, not 8 a row
            self.valid_ordinals.append((base, table.num_rows, offsets))
        if offsets.size:
            invalid = table.take(pa.array(offsets))
            self.invalid[1].write_table(_with_prefix(invalid, (offsets + point.first_row + 1).tolist(), labels))

    def unchecked_at_end(self) -> int:
        return 0

    def finish(self, late: pl.DataFrame, strip: Collection[str]) -> tuple[str | None, str | None]:
        if self.rows is None:
            self._start()
        self.writes_in_order.drain()
        assert self.valid is not None and self.invalid is not None and self.schema is not None
        for pending, writer in (self.valid, self.invalid):
            writer.close()
            pending.handle.flush()  # the footer, out of the file object's buffer: _rewrite reads the file
        if late.height or strip:
            self._rewrite(late, strip)
        else:
            commit_together(self.valid[0], self.invalid[0])
        return str(self.outputs[0]), str(self.outputs[1])

    def _rewrite(self, late: pl.DataFrame, strip: Collection[str]) -> None:
        """The late rows moved from the valid file to the invalid one, held rules' labels dropped.
        The invalid side is sorted by row in memory: it holds the file's invalid rows only."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        assert self.valid is not None and self.invalid is not None and self.schema is not None
        first_valid, first_invalid = self.valid[0], self.invalid[0]
        valid = self._writer(self.outputs[0], self.schema)
        invalid = self._writer(self.outputs[1], _invalid_schema(self.schema))
        try:
            late_ordinals = late["ordinal"].to_numpy() if late.height else np.zeros(0, np.int64)
            late_labels = dict(zip(late["ordinal"].to_list(), late["labels"].to_list(), strict=True))
            ordinals = np.concatenate(
                [
                    np.delete(np.arange(base, base + rows, dtype=np.int64), offsets)
                    for base, rows, offsets in self.valid_ordinals
                ]
                or [np.zeros(0, np.int64)]
            )
            moved: list[pa.Table] = []
            at = 0
            for batch in streaming_file(first_valid.temp).iter_batches(batch_size=READ_ROWS):
                these = ordinals[at : at + batch.num_rows]
                at += batch.num_rows
                is_late = np.isin(these, late_ordinals)
                valid[1].write_batch(batch.filter(pa.array(~is_late)))
                if is_late.any():
                    rows = these[is_late]
                    taken = pa.Table.from_batches([batch.filter(pa.array(is_late))])
                    moved.append(
                        _with_prefix(taken, (rows - self.first + 1).tolist(), [late_labels[int(o)] for o in rows])
                    )
            earlier = pq.read_table(first_invalid.temp)
            if strip or late_labels:
                errors = [
                    [label for label in labels if label not in strip]
                    + [x for x in late_labels.get(row - 1 + self.first, "").split(";") if x and x not in labels]
                    for row, labels in zip(earlier[ROW].to_pylist(), earlier[ERRORS].to_pylist(), strict=True)
                ]
                earlier = earlier.set_column(1, ERRORS, pa.array(errors, pa.list_(pa.string())))
            merged = pa.concat_tables([earlier, *moved]) if moved else earlier
            merged = merged.take(pc.sort_indices(merged, [(ROW, "ascending")]))
            invalid[1].write_table(merged)
            for _, writer in (valid, invalid):
                writer.close()
            commit_together(valid[0], invalid[0])
        except BaseException:
            for pending, writer in (valid, invalid):
                with contextlib.suppress(Exception):  # a half-written file is removed either way
                    writer.close()
                pending.discard()
            raise
        finally:
            first_valid.discard()
            first_invalid.discard()

    def discard(self) -> None:
        with contextlib.suppress(Exception):  # the files are being removed: their write's failure is moot
            self.writes_in_order.drain()
        for output in (self.valid, self.invalid):
            if output is not None:
                _, writer = output
                with contextlib.suppress(Exception):  # a half-written file is removed either way
                    writer.close()
        for pending in self.live:
            pending.discard()


def _invalid_schema(schema: pa.Schema) -> pa.Schema:
    import pyarrow as pa

    prefix = [pa.field(ROW, pa.int64(), nullable=False), pa.field(ERRORS, pa.list_(pa.string()))]
    return pa.schema(prefix + list(schema), metadata=schema.metadata)


def _with_prefix(table: pa.Table, rows: list[int], labels: list[str]) -> pa.Table:
    import pyarrow as pa

    errors = pa.array([text.split(";") for text in labels], pa.list_(pa.string()))
    out = table.add_column(0, pa.field(ERRORS, pa.list_(pa.string())), errors)
    return out.add_column(0, pa.field(ROW, pa.int64(), nullable=False), pa.array(rows, pa.int64()))
