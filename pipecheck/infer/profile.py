"""Per-batch profiles of columns, merged as batches arrive: bounded state whatever the file's size.

`profile_batch` is pure (plan, frame) -> BatchProfile; `ColumnProfile.merge` folds one in. What is
kept per column: which candidate types every value so far parses as (with their min and max), null
and null-token counts, up to DISTINCT_LIMIT + 1 distinct values, and whether a value repeated
within a batch (uniqueness across batches is verified exactly afterwards, by the engine).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from pipecheck.infer.candidates import NULL_TOKENS, TYPED_ORDER, by_key
from pipecheck.parsing import POLARS_TYPES, parse_expr
from pipecheck.storage_types import stored_values

# Distinct values kept per column: `allowed` is proposed for at most this many (README).
DISTINCT_LIMIT = 20
# Values longer than this never go into `allowed` (nor are kept as distinct values).
ALLOWED_MAX_CHARS = 100
# Candidate types are first tried on this many rows of a batch; only survivors see every row.
SAMPLE_ROWS = 2000
_ORDERED = ("integer", "float", "date", "datetime")


@dataclass(frozen=True)
class ColumnPlan:
    """How to profile one column of a batch: its frame name, candidate keys still possible, what to track."""

    internal: str
    text: bool
    keys: tuple[str, ...]
    distinct: bool  # keep its distinct values (still under the limit)
    key_like: bool  # still worth checking for whitespace (a unique candidate)


@dataclass(frozen=True)
class ColumnBatch:
    """One column of one batch, profiled."""

    values: int  # non-null values that are not null tokens (text), or non-null values (typed)
    nulls: int
    tokens: dict[str, int]
    fails: dict[str, int]  # candidate key -> values that do not parse as it
    lows: dict[str, Any]
    highs: dict[str, Any]
    distinct: dict[str, int] | None  # None: not kept (over the limit, too long, or not asked)
    repeats: bool
    longest: int
    spaced: bool


@dataclass
class ColumnProfile:
    """What is known about one column over every batch and file so far."""

    name: str
    values: int = 0
    nulls: int = 0
    files: int = 0  # files that have the column
    text: bool = False  # some file holds it as text
    tokens: Counter[str] = field(default_factory=Counter)
    viable: dict[str, tuple[Any, Any]] | None = None  # key -> (low, high); None: no batch seen yet
    storable: tuple[str, ...] | None = None  # typed input: the candidates its storage allows
    distinct: Counter[str] | None = field(default_factory=Counter)
    repeats: bool = False
    longest: int = 0
    spaced: bool = False

    def plan(self, internal: str, text: bool, keys: tuple[str, ...]) -> ColumnPlan:
        still = keys if self.viable is None else tuple(k for k in keys if k in self.viable)
        key_like = not self.repeats and not self.spaced
        return ColumnPlan(internal, text, still, self.distinct is not None, key_like)

    def merge(self, batch: ColumnBatch, evaluated: tuple[str, ...]) -> None:
        """Fold in one batch, profiled for the candidates `evaluated` (those it did not try are out)."""
        self.values += batch.values
        self.nulls += batch.nulls
        self.tokens.update(batch.tokens)
        survivors = {k for k in evaluated if batch.fails.get(k, 0) == 0}
        before = self.viable
        merged: dict[str, tuple[Any, Any]] = {}
        for key in TYPED_ORDER:
            if key not in survivors or (before is not None and key not in before):
                continue
            low, high = batch.lows.get(key), batch.highs.get(key)
            if before is not None:
                low = _pick(min, before[key][0], low)
                high = _pick(max, before[key][1], high)
            merged[key] = (low, high)
        self.viable = merged
        if self.distinct is not None:
            if batch.distinct is None:
                self.distinct = None
            else:
                self.distinct.update(batch.distinct)
                if len(self.distinct) > DISTINCT_LIMIT:
                    self.distinct = None
        self.repeats = self.repeats or batch.repeats
        self.longest = max(self.longest, batch.longest)
        self.spaced = self.spaced or batch.spaced


def _pick(choose: Any, a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    return choose(a, b)


def profile_batch(plans: Mapping[str, ColumnPlan], frame: pl.DataFrame) -> dict[str, ColumnBatch]:
    """Each planned column of the batch profiled: a pure function of the plan and the frame."""
    return {name: _profile_column(plan, frame.get_column(plan.internal)) for name, plan in plans.items()}


def _profile_column(plan: ColumnPlan, column: pl.Series) -> ColumnBatch:
    if plan.text:
        return _profile_text(plan, column)
    return _profile_typed(plan, column)


def _profile_text(plan: ColumnPlan, column: pl.Series) -> ColumnBatch:
    text = pl.col("v")
    token = text.is_in(NULL_TOKENS)
    present = text.is_not_null() & ~token
    frame = column.alias("v").to_frame()
    typed = [k for k in plan.keys if k != "string"]
    parsed = {k: parse_expr(text, by_key()[k].spec) for k in typed}
    sample = frame.head(SAMPLE_ROWS)
    if typed and sample.height < frame.height:
        alive = sample.select((present & parsed[k].is_null()).any().alias(k) for k in typed).row(0)
        early = {k for k, failed in zip(typed, alive, strict=True) if failed}
    else:
        early = set()
    survivors = [k for k in typed if k not in early]
    exprs: list[pl.Expr] = [
        text.is_null().sum().alias("nulls"),
        present.sum().alias("values"),
        token.sum().alias("tokens"),
        text.filter(present).n_unique().alias("unique"),
        text.filter(present).str.len_chars().max().alias("longest"),
    ]
    if plan.key_like:
        exprs.append(text.filter(present).str.contains(r"\s").any().alias("spaced"))
    for k in survivors:
        exprs.append((present & parsed[k].is_null()).sum().alias(f"fail:{k}"))
        if by_key()[k].type in _ORDERED:
            value = parsed[k].filter(present)
            exprs += [value.min().alias(f"low:{k}"), value.max().alias(f"high:{k}")]
    row = frame.select(exprs).row(0, named=True)
    values, unique, longest = int(row["values"]), int(row["unique"]), int(row["longest"] or 0)
    tokens: dict[str, int] = {}
    if row["tokens"]:
        counts = frame.select(text.filter(token).value_counts(sort=False)).unnest("v")
        tokens = {str(v): int(n) for v, n in counts.rows()}
    distinct = None
    if plan.distinct and unique <= DISTINCT_LIMIT and longest <= ALLOWED_MAX_CHARS:
        counts = frame.select(text.filter(present).value_counts(sort=False)).unnest("v")
        distinct = {str(v): int(n) for v, n in counts.rows()}
    fails = dict.fromkeys(early, 1)
    fails |= {k: int(row[f"fail:{k}"]) for k in survivors}
    return ColumnBatch(
        values=values,
        nulls=int(row["nulls"]),
        tokens=tokens,
        fails=fails,
        lows={k: row[f"low:{k}"] for k in survivors if f"low:{k}" in row},
        highs={k: row[f"high:{k}"] for k in survivors if f"high:{k}" in row},
        distinct=distinct,
        repeats=unique < values,
        longest=longest,
        spaced=bool(row.get("spaced") or False),
    )


def _profile_typed(plan: ColumnPlan, column: pl.Series) -> ColumnBatch:
    """A stored column: each candidate type's values as validate converts them (storage_types)."""
    frame = column.alias("c0").to_frame()
    nulls = column.null_count()
    values = column.len() - nulls
    fails: dict[str, int] = {}
    lows: dict[str, Any] = {}
    highs: dict[str, Any] = {}
    converted: dict[str, pl.DataFrame] = {}
    for k in plan.keys:
        kind = by_key()[k].type
        if kind not in converted:
            converted[kind] = stored_values(frame, {"c0": POLARS_TYPES[kind]})
        typed = converted[kind]
        fails[k] = int(typed["t0"].sum())
        if kind in _ORDERED:
            lows[k], highs[k] = typed["c0"].min(), typed["c0"].max()
    unique = longest = 0
    distinct = None
    spaced = False
    if column.dtype in (pl.String, pl.Categorical):
        text = column.cast(pl.String).drop_nulls()
        unique = text.n_unique()
        longest = int(text.str.len_chars().max() or 0)  # type: ignore[arg-type]
        if plan.key_like:
            spaced = bool(text.str.contains(r"\s").any())
        if plan.distinct and unique <= DISTINCT_LIMIT and longest <= ALLOWED_MAX_CHARS:
            distinct = {str(v): int(n) for v, n in text.value_counts(sort=False).rows()}
    else:
        unique = column.drop_nulls().n_unique()
    return ColumnBatch(values, nulls, {}, fails, lows, highs, distinct, unique < values, longest, spaced)
