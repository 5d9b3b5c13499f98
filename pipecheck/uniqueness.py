"""File-wide `unique` and `unique_together`: exact across batches, examples in duplicate groups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipecheck.checking import ORDINAL
from pipecheck.compile import CompiledContract
from pipecheck.findings import Severity

if TYPE_CHECKING:
    import polars as pl


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
    keys: dict[tuple[str, ...], list[pl.DataFrame]], compiled: CompiledContract, max_examples: int
) -> list[Duplicates]:
    """Rows whose key occurs more than once (every occurrence counts), grouped so pairs show together.

    Memory grows with the key columns only (one typed value and one row number per row).
    """
    import polars as pl

    found: list[Duplicates] = []
    for key, parts in keys.items():
        if not parts:
            continue
        frame = pl.concat(parts, how="vertical_relaxed", rechunk=False)
        columns = list(key)
        duplicated = frame.filter(pl.struct(columns).is_duplicated())
        if duplicated.height == 0:
            continue
        shown = (
            duplicated.with_columns(pl.col(ORDINAL).min().over(columns).alias("__first__"))
            .sort("__first__", ORDINAL)
            .head(max_examples)
        )
        if len(key) == 1:
            values = shown[key[0]].cast(pl.String).to_list()
            spec = compiled.columns[key[0]]
            check, label, message, severity = "unique", key[0], spec.unique_message, spec.severity
        else:
            rows = shown.select(columns).cast(pl.String).rows()
            values = [", ".join(f"{n}={v}" for n, v in zip(key, row, strict=True)) for row in rows]
            label = ",".join(key)
            check, message, severity = "unique_together", f"({', '.join(key)}) must be unique together", "error"
        found.append(
            Duplicates(check, label, message, severity, duplicated.height, [int(o) for o in shown[ORDINAL]], values)
        )
    return found
