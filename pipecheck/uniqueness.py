"""File-wide `unique` and `unique_together`: exact across batches, examples in duplicate groups.

Memory grows with the key columns only: one typed value per key column and one row number per
row (8 bytes a row for an integer key that fits in 32 bits, 12 for a larger one). Keys are kept
by hash partition; past SPILL_BYTES of keys the partitions move to the run's scratch directory,
which the run removes however it ends.
Duplicates are found one hash partition at a time (equal keys always share one), so the search
itself needs memory for a partition, not for the whole key set.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipecheck.checking import ORDINAL
from pipecheck.compile import CompiledContract
from pipecheck.findings import Finding, Severity
from pipecheck.scratch import Scratch

if TYPE_CHECKING:
    import polars as pl

SPILL_BYTES = 128 << 20
PARTITIONS = 16
WHOLE = -1  # the partition number of keys kept whole (in memory)
WHOLE_SEARCH_ROWS = 8_000_000  # keys searched all at once at the end, up to this many
FIRST = "__first__"
BUCKET = "__bucket__"
_STORES = itertools.count()


@dataclass
class KeyStore:
    """The key values of every row (with its ordinal), in memory or spilled to disk.

    In memory the batches' keys are kept whole and searched all at once at the end, up to
    WHOLE_SEARCH_ROWS of them (faster than by partition, and no split per batch: bench/README.md);
    beyond that, and once spilled, they are searched one hash partition at a time.
    """

    scratch: Scratch = field(default_factory=Scratch)
    partitions: int = field(default_factory=lambda: PARTITIONS)
    # in memory: pieces by partition (WHOLE: not split), each with the first row of its batch,
    # added to its ordinals when read
    held: dict[int, list[tuple[int, pl.DataFrame]]] = field(default_factory=dict)
    rows: int = 0
    held_bytes: int = 0
    spill_dir: Path | None = None
    spilled_chunks: int = 0

    def prepared(self, frame: pl.DataFrame) -> list[tuple[int, pl.DataFrame]]:
        """The batch's keys as the store keeps them: whole (integer keys narrowed) while in memory,
        by hash partition once spilled. Reads only the store's state, so any thread may call it."""
        if self.spill_dir is None:
            return [(WHOLE, frame.with_columns(_narrowed(frame, _key_columns(frame))))]
        return self.split(frame)

    def add(self, frame: pl.DataFrame, first_row: int = 0, parts: list[tuple[int, pl.DataFrame]] | None = None) -> None:
        """Keys of one batch, its ORDINAL relative to the batch whose first row is `first_row`;
        `parts`: the frame already `prepared` (on a checking thread)."""
        self.rows += frame.height
        parts = self.prepared(frame) if parts is None else parts
        if self.spill_dir is None:
            for number, part in parts:
                self.held.setdefault(number, []).append((first_row, part))
            self.held_bytes += int(frame.estimated_size())
            if self.held_bytes <= SPILL_BYTES:
                return
            self.spill_dir = self.scratch.directory() / f"unique-{next(_STORES)}"
            self.spill_dir.mkdir()
            pieces = [(number, _at_rows(held)) for number, held in self.held.items()]
            self.held = {}
        else:
            pieces = [(number, _at_rows([(first_row, part)])) for number, part in parts]
        for number, piece in pieces:
            for partition, part in self.split(piece) if number == WHOLE else [(number, piece)]:
                part.write_ipc(self.spill_dir / f"p{partition:03d}-{self.spilled_chunks:06d}.arrow")
                self.spilled_chunks += 1

    def split(self, frame: pl.DataFrame) -> list[tuple[int, pl.DataFrame]]:
        """The frame's rows by hash partition of their key (equal keys always share one, stored
        narrow or wide); reads only the partition count, so any thread may call it."""
        import polars as pl

        if self.partitions == 1:
            return [(0, frame)]
        keys = _key_columns(frame)
        # hashed as Int64 whatever their width: a key stored narrow hashes as it does wide
        wide = [pl.col(k).cast(pl.Int64) if frame.schema[k] == pl.Int32 else pl.col(k) for k in keys]
        hashed = wide[0].hash(seed=0) if len(keys) == 1 else pl.struct(wide).hash(seed=0)  # 1 column: 5x faster
        bucketed = frame.with_columns((hashed % self.partitions).cast(pl.UInt8).alias(BUCKET))
        bucketed = bucketed.with_columns(_narrowed(frame, keys))
        parts = bucketed.partition_by(BUCKET, as_dict=True, include_key=False)
        return [(int(number), part) for (number,), part in parts.items()]

    def groups(self) -> Iterator[pl.DataFrame]:
        """The stored rows, a set at a time: each holds every member of its duplicate groups."""
        import polars as pl

        whole = self.held.pop(WHOLE, [])
        if whole and self.rows <= WHOLE_SEARCH_ROWS:
            yield _at_rows(whole)
            return
        if whole:  # too many keys to search at once: by partition
            for number, part in self.split(_at_rows(whole)):
                self.held[number] = [(0, part)]
        for number in range(self.partitions):
            pieces = self.held.pop(number, [])
            if pieces:
                yield _at_rows(pieces)
            elif self.spill_dir is not None:
                chunks = [pl.read_ipc(chunk) for chunk in sorted(self.spill_dir.glob(f"p{number:03d}-*.arrow"))]
                if chunks:
                    yield pl.concat(chunks, how="vertical_relaxed", rechunk=False)

    def close(self) -> None:
        if self.spill_dir is not None:
            shutil.rmtree(self.spill_dir, ignore_errors=True)
            self.spill_dir = None
        self.held = {}


def _key_columns(frame: pl.DataFrame) -> list[str]:
    return [c for c in frame.columns if c != ORDINAL]


def _at_rows(pieces: list[tuple[int, pl.DataFrame]]) -> pl.DataFrame:
    """Pieces of key frames as one, each ORDINAL moved by the first row of its batch (one query)."""
    import polars as pl

    if not any(first for first, _ in pieces):
        return pl.concat([part for _, part in pieces], how="vertical_relaxed", rechunk=False)
    moved = [part.lazy().with_columns(pl.col(ORDINAL) + pl.lit(first, dtype=pl.UInt32)) for first, part in pieces]
    return pl.concat(moved, how="vertical_relaxed", rechunk=False).collect()


def _narrowed(frame: pl.DataFrame, keys: list[str]) -> list[pl.Expr]:
    """Int64 key columns whose values fit in 32 bits, as Int32: typical IDs take 8 bytes a row
    with their ordinal instead of 12. Frames stored narrow and wide are widened again together."""
    import polars as pl

    narrow = []
    for name in keys:
        column = frame[name]
        if column.dtype == pl.Int64 and column.len() > column.null_count():
            low, high = column.min(), column.max()
            assert isinstance(low, int) and isinstance(high, int)
            if low >= -(2**31) and high < 2**31:
                narrow.append(pl.col(name).cast(pl.Int32))
    return narrow


def _duplicated_rows(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Rows whose key occurs more than once in `frame` (one hash partition of the keys).

    Only the key values are sorted, not the rows: the keys equal to their sorted neighbour are the
    repeated ones, and the rows holding them are picked out (an arg-sort and gather of the rows
    was 3x slower on shuffled keys: bench/README.md).
    """
    import polars as pl

    if frame.height < 2:
        return frame.clear()
    keys = frame.select(columns).sort(columns)
    ahead, behind = keys.slice(1), keys.slice(0, keys.height - 1)
    same = pl.repeat(True, keys.height - 1, eager=True)
    for column in columns:
        same &= ahead[column] == behind[column]
    repeated = ahead.filter(same).unique()
    if repeated.is_empty():
        return frame.clear()
    if len(columns) == 1:
        return frame.filter(pl.col(columns[0]).is_in(repeated[columns[0]].implode()))
    return frame.join(repeated, on=columns, how="semi", maintain_order="left")


@dataclass
class Duplicates:
    check: str
    column: str
    message: str
    severity: Severity
    count: int
    ordinals: list[int]
    values: list[str | None]


def find_duplicates(
    keys: dict[tuple[str, ...], KeyStore],
    compiled: CompiledContract,
    max_examples: int,
    later: list[pl.DataFrame] | None = None,
    keep_first: bool = True,
) -> list[Duplicates]:
    """Rows whose key occurs more than once (every occurrence counts), grouped so pairs show together.

    `keys` maps contract column names to the store of their key frames (internal column names).
    `later` (quarantine) receives the rows each key makes invalid (ordinal, labels): every
    occurrence after the first, or every occurrence (`keep_first` False).
    """
    import polars as pl

    found: list[Duplicates] = []
    for key, store in keys.items():
        columns = [compiled.columns[name].internal for name in key]
        count = 0
        shown_parts: list[pl.DataFrame] = []
        label = f"{key[0]}:unique" if len(key) == 1 else f"{'+'.join(key)}:unique_together"
        quarantines = later is not None and (len(key) > 1 or compiled.columns[key[0]].severity == "error")
        try:
            for frame in store.groups():
                duplicated = _duplicated_rows(frame, columns)
                count += duplicated.height
                if later is not None and quarantines and duplicated.height:
                    invalid = (
                        duplicated.filter(pl.col(ORDINAL) != pl.col(ORDINAL).min().over(columns))
                        if keep_first
                        else duplicated
                    )
                    later.append(
                        invalid.select(pl.col(ORDINAL).cast(pl.Int64).alias("ordinal"), pl.lit(label).alias("labels"))
                    )
                if duplicated.height:
                    first = pl.col(ORDINAL).min().over(columns).alias(FIRST)
                    shown_parts.append(duplicated.with_columns(first).sort(FIRST, ORDINAL).head(max_examples))
        finally:
            store.close()
        if not count:
            continue
        shown = pl.concat(shown_parts, how="vertical_relaxed").sort(FIRST, ORDINAL).head(max_examples)
        if len(key) == 1:
            values = shown[columns[0]].cast(pl.String).to_list()
            spec = compiled.columns[key[0]]
            check, label, message, severity = "unique", key[0], f"{key[0]} values must be unique", spec.severity
        else:
            rows = shown.select(columns).cast(pl.String).rows()
            values = [", ".join(f"{n}={v}" for n, v in zip(key, row, strict=True)) for row in rows]
            label = ",".join(key)
            check, message, severity = "unique_together", f"({', '.join(key)}) must be unique together", "error"
        found.append(Duplicates(check, label, message, severity, count, [int(o) for o in shown[ORDINAL]], values))
    return found


def unrunnable_keys(compiled: CompiledContract, in_file: Collection[str], checked: Collection[str]) -> list[Finding]:
    """A warning for each unique_together whose key columns are not all checked: not in the file,
    or stored in a way whose values cannot be read as the contract's type (a Parquet binary column)."""
    findings = []
    for key in compiled.contract.checks.unique_together:
        absent = [name for name in dict.fromkeys(key) if name not in checked]
        if not absent:
            continue
        why = [
            f"{name} is not in the file" if name not in in_file else f"{name}'s values are not checked"
            for name in absent
        ]
        findings.append(
            Finding(
                "unique_together_incomplete",
                f"unique_together ({', '.join(key)}) could not run: {'; '.join(why)}",
                severity="warning",
                column=",".join(key),
                count=0,
            )
        )
    return findings
