"""Column statistics gathered batch by batch from the typed frame the checks already built.

`profile_batch` is pure (typed batch -> ProfilePart); `ProfilePart.merge` is associative and
commutative: counts, nulls, min/max and the distinct-count registers merge exactly, moments up to
float rounding, category counts exactly while a column has at most TOP_CAPACITY distinct values
(Misra-Gries beyond: each count low by at most (rows - kept) / (TOP_CAPACITY + 1)), quantiles
within the KLL sketch's rank error (tests/test_profile.py pins each).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from pipecheck.profile_format import (
    PROBABILITIES,
    Categories,
    ColumnProfile,
    Lengths,
    Numbers,
    Profile,
    SchemaColumn,
    Source,
)

if TYPE_CHECKING:
    import polars as pl

KLL_K = 1000  # normalised rank error 0.28 % (datasketches' bound for k = 1000)
HLL_BITS = 12  # 4096 registers: distinct counts within about 1.6 %
TOP_CAPACITY = 1000  # counters kept per text column
TOP_STORED = 100  # values written to a profile
NUMERIC = ("integer", "float", "date", "datetime")
UNITS: dict[str, Literal["value", "days", "microseconds"]] = {
    "integer": "value",
    "float": "value",
    "date": "days",
    "datetime": "microseconds",
}


@dataclass(frozen=True)
class ProfiledColumn:
    name: str
    internal: str
    type: str


@dataclass(frozen=True)
class Moments:
    """Count, mean, sum of squared deviations, min and max: Chan et al.'s parallel merge."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    low: float = math.inf
    high: float = -math.inf

    @classmethod
    def of(cls, values: np.ndarray) -> Moments:
        if not len(values):
            return cls()
        with np.errstate(over="ignore", invalid="ignore"):  # values near 1e308: summarize clamps the infinities
            mean = float(values.mean())
            m2 = float(((values - mean) ** 2).sum())
        return cls(len(values), mean, m2, float(values.min()), float(values.max()))

    def merge(self, other: Moments) -> Moments:
        if not other.n:
            return self
        if not self.n:
            return other
        n = self.n + other.n
        delta = other.mean - self.mean
        mean = self.mean + delta * other.n / n
        m2 = self.m2 + other.m2 + delta * delta * self.n * other.n / n
        return Moments(n, mean, m2, min(self.low, other.low), max(self.high, other.high))

    @property
    def std(self) -> float:
        return math.sqrt(max(self.m2, 0.0) / self.n) if self.n else 0.0


@dataclass(frozen=True)
class Counters:
    """Misra-Gries counters: exact while no more than `capacity` distinct values were seen."""

    counts: dict[str, int] = field(default_factory=dict)
    total: int = 0
    exact: bool = True

    def merge(self, other: Counters) -> Counters:
        counts = dict(self.counts)
        for value, count in other.counts.items():
            counts[value] = counts.get(value, 0) + count
        return _pruned(counts, self.total + other.total, self.exact and other.exact)


def _pruned(counts: dict[str, int], total: int, exact: bool) -> Counters:
    if len(counts) <= TOP_CAPACITY:
        return Counters(counts, total, exact)
    cut = sorted(counts.values(), reverse=True)[TOP_CAPACITY]
    return Counters({v: c - cut for v, c in counts.items() if c > cut}, total, False)


@dataclass(frozen=True)
class ColumnPart:
    rows: int = 0
    nulls: int = 0
    invalid: int = 0
    registers: bytes = bytes(1 << HLL_BITS)  # HyperLogLog ranks
    values: Moments = Moments()  # numbers, or string lengths
    sketch: bytes | None = None  # a serialised KLL sketch (numbers)
    counters: Counters | None = None  # text and booleans

    def merge(self, other: ColumnPart) -> ColumnPart:
        registers = np.maximum(np.frombuffer(self.registers, np.uint8), np.frombuffer(other.registers, np.uint8))
        return ColumnPart(
            self.rows + other.rows,
            self.nulls + other.nulls,
            self.invalid + other.invalid,
            registers.tobytes(),
            self.values.merge(other.values),
            _merge_sketches(self.sketch, other.sketch),
            other.counters if self.counters is None else self.counters.merge(other.counters or Counters()),
        )


def _merge_sketches(mine: bytes | None, theirs: bytes | None) -> bytes | None:
    if mine is None or theirs is None:
        return mine if theirs is None else theirs
    from datasketches import kll_doubles_sketch

    merged = kll_doubles_sketch.deserialize(mine)
    merged.merge(kll_doubles_sketch.deserialize(theirs))
    return bytes(merged.serialize())


@dataclass(frozen=True)
class ProfilePart:
    """The statistics of some rows of a file, by contract column name."""

    columns: dict[str, ColumnPart] = field(default_factory=dict)

    def merge(self, other: ProfilePart) -> ProfilePart:
        columns = dict(self.columns)
        for name, part in other.columns.items():
            columns[name] = columns[name].merge(part) if name in columns else part
        return ProfilePart(columns)


def profile_batch(columns: tuple[ProfiledColumn, ...], typed: pl.DataFrame) -> ProfilePart:
    """The statistics of one typed batch (internal column names; `t<i>` masks mark values that did not parse)."""
    import polars as pl

    masks = set(typed.columns)
    counted = typed.select(
        expr
        for c in columns
        for expr in (
            pl.col(c.internal).null_count().alias(f"n{c.internal}"),
            (pl.col(_mask(c)).sum() if _mask(c) in masks else pl.lit(0)).alias(f"i{c.internal}"),
        )
    ).row(0)
    out: dict[str, ColumnPart] = {}
    for i, column in enumerate(columns):
        series = typed[column.internal]
        invalid = int(counted[2 * i + 1] or 0)
        present = series.drop_nulls()
        sketch = None
        counters = None
        if column.type in NUMERIC:
            values = np.ascontiguousarray(present.to_physical().cast(pl.Float64).to_numpy(), dtype=np.float64)
            moments = Moments.of(values)
            if len(values):
                from datasketches import kll_doubles_sketch

                kll = kll_doubles_sketch(KLL_K)
                kll.update(values if values.flags.writeable else values.copy())  # it refuses read-only arrays
                sketch = bytes(kll.serialize())
        else:
            text = present.cast(pl.String) if column.type == "boolean" else present
            counters = _counted(text)
            moments = (
                Moments.of(text.str.len_chars().cast(pl.Float64).to_numpy()) if column.type == "string" else Moments()
            )
        out[column.name] = ColumnPart(
            rows=typed.height,
            nulls=int(counted[2 * i]) - invalid,
            invalid=invalid,
            registers=_registers(present),
            values=moments,
            sketch=sketch,
            counters=counters,
        )
    return ProfilePart(out)


def _counted(text: pl.Series) -> Counters:
    """A batch's value counts, cut to TOP_CAPACITY as Misra-Gries does (in polars: a batch may hold 256k values)."""
    counts = text.value_counts(sort=True, name="n").head(TOP_CAPACITY + 1)
    exact = counts.height <= TOP_CAPACITY
    if not exact:
        cut = int(counts["n"][TOP_CAPACITY])
        counts = counts.filter(counts["n"] > cut).with_columns(counts["n"].filter(counts["n"] > cut) - cut)
    return Counters(dict(zip(counts[:, 0].to_list(), counts["n"].to_list(), strict=True)), len(text), exact)


def _mask(column: ProfiledColumn) -> str:
    return "t" + column.internal.removeprefix("c")


def _registers(values: pl.Series) -> bytes:
    """HyperLogLog registers of the values: the top HLL_BITS bits of a 64-bit hash pick a register,
    which keeps the largest count of leading zeros (+1) seen in the remaining bits."""
    import polars as pl

    registers = np.zeros(1 << HLL_BITS, np.uint8)
    if not len(values):
        return registers.tobytes()
    rest_bits = 64 - HLL_BITS
    hashed = values.hash(seed=0x5EED).to_frame("h")
    ranks = (
        hashed.lazy()
        .select(
            (pl.col("h") // (1 << rest_bits)).cast(pl.Int64).alias("r"),
            ((pl.col("h") % (1 << rest_bits)).bitwise_leading_zeros() - HLL_BITS + 1).cast(pl.UInt8).alias("z"),
        )
        .group_by("r")
        .agg(pl.col("z").max())
        .collect()
    )
    registers[ranks["r"].to_numpy()] = ranks["z"].to_numpy()
    return registers.tobytes()


def distinct_estimate(registers: bytes) -> int:
    """The HyperLogLog estimate (with linear counting for small counts, Flajolet et al. 2007)."""
    ranks = np.frombuffer(registers, np.uint8).astype(np.float64)
    m = len(ranks)
    estimate = (0.7213 / (1 + 1.079 / m)) * m * m / float(np.sum(np.exp2(-ranks)))
    zeros = int(np.count_nonzero(ranks == 0))
    if estimate <= 2.5 * m and zeros:
        estimate = m * math.log(m / zeros)
    return round(estimate)


def _finite(value: float) -> float:
    """A moment of values near the float limit, which overflowed, as the largest float of its sign."""
    if math.isnan(value):
        return sys.float_info.max
    return max(-sys.float_info.max, min(sys.float_info.max, value))


def summarize(column: ProfiledColumn, part: ColumnPart) -> ColumnProfile:
    """The column's statistics as written to a profile."""
    numbers = categories = lengths = None
    distinct = distinct_estimate(part.registers)
    if part.sketch is not None and part.values.n:
        from datasketches import kll_doubles_sketch

        kll = kll_doubles_sketch.deserialize(part.sketch)
        quantiles = [float(q) for q in kll.get_quantiles(list(PROBABILITIES))]
        quantiles[0], quantiles[-1] = part.values.low, part.values.high  # the sketch keeps both exactly
        numbers = Numbers(
            unit=UNITS[column.type],
            min=part.values.low,
            max=part.values.high,
            mean=_finite(part.values.mean),
            std=_finite(part.values.std),
            quantiles=quantiles,
        )
    if part.counters is not None:
        ranked = sorted(part.counters.counts.items(), key=lambda item: (-item[1], item[0]))
        kept = dict(ranked[:TOP_STORED])
        exact = part.counters.exact and len(ranked) <= TOP_STORED
        categories = Categories(values=kept, exact=exact, other=part.counters.total - sum(kept.values()))
        if part.counters.exact:
            distinct = len(ranked)
    distinct = min(distinct, part.values.n if column.type in NUMERIC else part.rows - part.nulls - part.invalid)
    if column.type == "string" and part.values.n:
        lengths = Lengths(min=int(part.values.low), max=int(part.values.high), mean=part.values.mean)
    return ColumnProfile(
        type=column.type,
        rows=part.rows,
        nulls=part.nulls,
        invalid=part.invalid,
        distinct=distinct,
        numbers=numbers,
        categories=categories,
        lengths=lengths,
    )


@dataclass(frozen=True)
class FileProfile:
    """What one file's read gathered: its columns as the file has them, and the statistics."""

    path: str
    file_format: str | None
    rows: int
    schema: tuple[SchemaColumn, ...]
    columns: tuple[ProfiledColumn, ...]
    part: ProfilePart


def build_profile(files: list[FileProfile], contract: str, version: str) -> Profile:
    """One profile of the files (read with one contract): the first file's schema, statistics merged."""
    import datetime as dt

    merged = ProfilePart()
    for file in files:
        merged = merged.merge(file.part)
    described = {c.name: c for file in files for c in file.columns}
    columns = {name: summarize(described[name], part) for name, part in merged.columns.items()}
    return Profile(
        pipecheck_profile=1,
        pipecheck=version,
        created=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        contract=contract,
        rows=sum(f.rows for f in files),
        sources=[Source(path=f.path, rows=f.rows, format=f.file_format) for f in files],
        schema_=list(files[0].schema) if files else [],
        columns=columns,
    )
