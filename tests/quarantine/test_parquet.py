"""Parquet quarantine: the input's schema (metadata included), its rows unchanged, split row by row."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tests.quarantine.conftest import Quarantined

CONTRACT = """
contract: p
columns:
  id: {type: integer, unique: true, min: 1}
  s: {type: string, allowed: [x, y]}
  f: {type: float, nullable: true}
"""


def _parquet(table: pa.Table, row_group_size: int | None = None) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=row_group_size)
    return sink.getvalue()


def _read(data: bytes) -> pa.Table:
    return pq.read_table(io.BytesIO(data))


def _split(table: pa.Table, labels: dict[int, list[str]]) -> tuple[pa.Table, pa.Table]:
    """The oracle's valid and invalid tables: rows by index, the invalid led by row and labels."""
    bad = np.zeros(table.num_rows, dtype=bool)
    bad[list(labels)] = True
    rows = sorted(labels)
    invalid = table.filter(pa.array(bad))
    invalid = invalid.add_column(0, "_pipecheck_errors", pa.array([labels[r] for r in rows], pa.list_(pa.string())))
    invalid = invalid.add_column(
        0, pa.field("_pipecheck_row", pa.int64(), nullable=False), pa.array([r + 1 for r in rows])
    )
    return table.filter(pa.array(~bad)), invalid


def test_many_row_groups_and_batches_split_row_by_row_with_late_duplicates_moved(
    quarantined: Callable[..., Quarantined],
) -> None:
    n = 300_000  # more than one batch of the reader and of the sink
    ids = np.arange(1, n + 1, dtype=np.int64)
    ids[1_000] = 0
    ids[200_000] = ids[5]  # a duplicate many batches later
    ids[299_999] = ids[150_000]
    s = np.array(["x", "y"] * (n // 2), dtype=object)
    s[[7, 150_000, 250_000]] = "z"
    f = pa.array([None if i % 7 == 0 else i / 2 for i in range(n)], pa.float64())
    schema = pa.schema(
        [
            pa.field("id", pa.int64()),
            pa.field("s", pa.string(), metadata={"doc": "status"}),
            pa.field("f", pa.float64()),
        ],
        metadata={"origin": "test"},
    )
    table = pa.table([pa.array(ids), pa.array(s, pa.string()), f], schema=schema)
    run = quarantined(CONTRACT, _parquet(table, 40_000), name="in.parquet")
    labels = {1_000: ["id:min"], 7: ["s:allowed"], 150_000: ["s:allowed"], 250_000: ["s:allowed"]}
    labels[200_000] = ["id:unique"]
    labels[299_999] = ["id:unique"]
    valid, invalid = _split(table, labels)
    got_valid, got_invalid = _read(run.outputs["in.valid.parquet"]), _read(run.outputs["in.invalid.parquet"])
    assert got_valid.schema.equals(schema, check_metadata=True)
    assert got_valid.equals(valid)
    assert got_invalid.schema.metadata == schema.metadata
    assert got_invalid.equals(invalid)
    assert (run.quarantine["valid"], run.quarantine["invalid"]) == (n - 6, 6)


def test_input_pipecheck_columns_are_dropped_so_a_repaired_file_quarantines_again(
    quarantined: Callable[..., Quarantined],
) -> None:
    table = pa.table({"id": pa.array([1, 2, 0, 2, 3], pa.int64()), "s": ["x", "y", "x", "z", "x"], "f": [1.0] * 5})
    repaired = table.add_column(0, "_pipecheck_errors", pa.array([["old"]] * 5)).add_column(
        0, "_pipecheck_row", pa.array([9] * 5, pa.int64())
    )
    run = quarantined(CONTRACT, _parquet(repaired), name="in.parquet")
    valid, invalid = _split(table, {2: ["id:min"], 3: ["s:allowed", "id:unique"]})
    assert _read(run.outputs["in.valid.parquet"]).equals(valid)
    assert _read(run.outputs["in.invalid.parquet"]).equals(invalid)


def test_a_row_invalid_now_and_late_carries_both_labels(quarantined: Callable[..., Quarantined]) -> None:
    table = pa.table({"id": pa.array([1, 1, 1], pa.int64()), "s": ["x", "z", "x"], "f": [None, 1.0, 2.0]})
    run = quarantined(CONTRACT, _parquet(table), "--keep", "none", name="in.parquet")
    valid, invalid = _split(table, {0: ["id:unique"], 1: ["s:allowed", "id:unique"], 2: ["id:unique"]})
    assert _read(run.outputs["in.valid.parquet"]).equals(valid)
    assert _read(run.outputs["in.invalid.parquet"]).equals(invalid)


def test_the_input_is_read_again_in_bounded_memory(tmp_path: Path) -> None:
    """The sink's second read of the input holds about a row group, not every one read so far
    (pyarrow's pre-buffering keeps each byte range it read until the file is closed)."""
    from pipecheck.quarantining.parquet_sink import _Rows

    groups, rows = 12, 40_000
    strings = pa.array([f"value {i:08d} " * 4 for i in range(groups * rows)])
    table = pa.table({"id": pa.array(range(groups * rows), pa.int64()), "s": strings})
    path = tmp_path / "in.parquet"
    pq.write_table(table, path, row_group_size=rows, compression="none")
    group_bytes = pq.ParquetFile(path).metadata.row_group(0).total_byte_size
    source = _Rows(path, table.schema)
    before = pa.total_allocated_bytes()
    peak = 0
    while source.take(25_000).num_rows:
        peak = max(peak, pa.total_allocated_bytes() - before)
    assert peak < 4 * group_bytes, f"{peak:,} bytes held for row groups of {group_bytes:,}"
