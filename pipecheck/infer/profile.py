"""Per-batch profiles of columns, merged as batches arrive: bounded state whatever the file's size.

`profile_batch` is pure (plan, frame) -> BatchProfile; `ColumnProfile.merge` folds one in. What is
kept per column: which candidate types every value so far parses as (with their min and max), null
and null-token counts, up to DISTINCT_LIMIT + 1 distinct values, and whether a value repeated
within a batch (uniqueness across batches is verified exactly afterwards, by the engine).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from pipecheck.contract.model import ColumnSpec
from pipecheck.infer.candidates import NULL_TOKENS, TYPED_ORDER, by_key
from pipecheck.parsing import parse_expr
from pipecheck.storage_types import stored_values

# Distinct values kept per column: `allowed` is proposed for at most this many (README).
DISTINCT_LIMIT = 20
# Values longer than this never go into `allowed` (nor are kept as distinct values).
ALLOWED_MAX_CHARS = 100
# Candidate types are first tried on this many rows of a batch; only survivors see every row.
SAMPLE_ROWS = 2000
_ORDERED = ("integer", "float", "date", "datetime")
# Columns profiled per polars query: one query for thousands of columns plans too long (10k columns).
COLUMNS_PER_QUERY = 32
# At most this many values (rows x columns) are in the sample candidates are first tried on.
SAMPLE_CELLS = 200_000
# A number written with a leading zero (007, 01234) is a code (zip, account, ID): read as a number it
# would lose its zeros, so such a value keeps its column text (README: Bootstrapping a contract).
LEADING_ZERO = r"^\s*[+-]?0[0-9]"
_NUMBERS = ("integer", "float")


# A value that parses as the first parses as the second, as this value: the second need not be parsed
# while the first holds (tests/infer/test_candidates.py pins each implication against parse_expr).
def _same(value: Any) -> Any:
    return value


IMPLIES: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "integer": ("float", float),
    "date:iso": ("datetime:iso:naive", lambda d: dt.datetime(d.year, d.month, d.day)),
    "datetime:%Y-%m-%dT%H:%M:%S": ("datetime:%Y-%m-%dT%H:%M:%S%.f", _same),
    "datetime:%Y-%m-%d %H:%M:%S": ("datetime:%Y-%m-%d %H:%M:%S%.f", _same),
    "datetime:%Y-%m-%dT%H:%M:%S%.f": ("datetime:iso:naive", _same),
    "datetime:%Y-%m-%d %H:%M:%S%.f": ("datetime:iso:naive", _same),
    "datetime:iso:naive": ("datetime:iso", _same),
    "datetime:iso:aware": ("datetime:iso", _same),
}


@dataclass(frozen=True)
class ColumnPlan:
    """How to profile one column of a batch: its frame name, candidate keys still possible, what to track."""

    internal: str
    text: bool
    keys: tuple[str, ...]
    distinct: bool  # keep its distinct values (still under the limit)
    key_like: bool  # still worth counting distinct values and checking for whitespace (a unique candidate)

    @property
    def evaluate(self) -> tuple[str, ...]:
        """The keys to parse: those no other key of the plan implies (text input; typed input is cheap)."""
        if not self.text:
            return self.keys
        implied = {IMPLIES[k][0] for k in self.keys if k in IMPLIES}
        return tuple(k for k in self.keys if k not in implied)


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
        # integers and strings may be keys: other types are not watched for repeats (unknown: not unique)
        possible = self.viable is None or "integer" in self.viable or set(self.viable) <= {"string"}
        key_like = not self.repeats and not self.spaced and possible
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
    """Each planned column of the batch profiled: a pure function of the plans and the frame."""
    typed = {n: _profile_typed(p, frame.get_column(p.internal)) for n, p in plans.items() if not p.text}
    text = [(n, p) for n, p in plans.items() if p.text]
    early = _failing_on_a_sample(dict(text), frame)
    for start in range(0, len(text), COLUMNS_PER_QUERY):
        typed |= _profile_text(dict(text[start : start + COLUMNS_PER_QUERY]), frame, early)
    return typed


def _failing_on_a_sample(plans: Mapping[str, ColumnPlan], frame: pl.DataFrame) -> dict[str, set[str]]:
    """The candidates of each column that some value of the batch's first rows does not parse as.

    One query per candidate over the sample of every column stacked (unpivoted), so a file of
    thousands of columns costs a few queries, not a few per column.
    """
    early: dict[str, set[str]] = {name: set() for name in plans}
    if not plans:
        return early
    rows = max(64, min(SAMPLE_ROWS, SAMPLE_CELLS // len(plans)))
    names = list(plans)
    stacked = (
        frame.head(rows)
        .select(pl.col(plans[n].internal).cast(pl.String).alias(str(i)) for i, n in enumerate(names))
        .unpivot(variable_name="column", value_name="v")
    )
    text = pl.col("v")
    present = text.is_not_null() & ~text.is_in(NULL_TOKENS)
    for key in TYPED_ORDER:
        holders = [str(i) for i, n in enumerate(names) if key in plans[n].keys]
        if key == "string" or not holders:
            continue
        rows_of = stacked.filter(pl.col("column").is_in(holders)) if len(holders) < len(names) else stacked
        failed = rows_of.group_by("column").agg((present & parses_as(text, key).is_null()).any())
        for column, fails in failed.rows():
            if fails:
                early[names[int(column)]].add(key)
    return early


def _present(plan: ColumnPlan) -> pl.Expr:
    text = pl.col(plan.internal)
    return text.is_not_null() & ~text.is_in(NULL_TOKENS)


def _parsed(plan: ColumnPlan, key: str) -> pl.Expr:
    return parses_as(pl.col(plan.internal), key)


def parses_as(text: pl.Expr, key: str) -> pl.Expr:
    """Text read as candidate `key` by validate's rules (null: it does not parse), a code with a leading
    zero never as a number."""
    parsed = parse_expr(text, by_key()[key].spec)
    if key not in _NUMBERS:
        return parsed
    return pl.when(text.str.contains(LEADING_ZERO)).then(None).otherwise(parsed)


def _tried(plan: ColumnPlan, key: str, tag: str) -> list[pl.Expr]:
    """A candidate's failures (values that do not parse as it) and, for ordered types, its range."""
    parsed = _parsed(plan, key)
    exprs = [(_present(plan) & parsed.is_null()).sum().alias(f"{tag}fail:{key}")]
    if by_key()[key].type in _ORDERED:
        value = parsed.filter(_present(plan))
        exprs += [value.min().alias(f"{tag}low:{key}"), value.max().alias(f"{tag}high:{key}")]
    return exprs


def _profile_text(
    plans: Mapping[str, ColumnPlan], frame: pl.DataFrame, early: dict[str, set[str]]
) -> dict[str, ColumnBatch]:
    """Text columns: one query for every column's counts and candidates; a candidate is first tried on
    SAMPLE_ROWS rows, and one implied by another (integer -> float) is derived, not parsed again."""
    tags = {name: f"{i}|" for i, name in enumerate(plans)}
    exprs: list[pl.Expr] = []
    for name, plan in plans.items():
        text, tag, present = pl.col(plan.internal), tags[name], _present(plan)
        exprs += [
            text.is_null().sum().alias(f"{tag}nulls"),
            present.sum().alias(f"{tag}values"),
            (text.is_not_null() & ~present).sum().alias(f"{tag}tokens"),
        ]
        if plan.distinct or plan.key_like:
            kept = text.filter(present)
            exprs += [kept.n_unique().alias(f"{tag}unique"), kept.str.len_chars().max().alias(f"{tag}longest")]
        if plan.key_like:
            exprs.append(text.filter(present).str.contains(r"\s").any().alias(f"{tag}spaced"))
        for k in plan.evaluate:
            if k != "string" and k not in early[name]:
                exprs += _tried(plan, k, tag)
    row = frame.select(exprs).row(0, named=True)
    fails = {n: {k: 1 for k in early[n] if k in plans[n].evaluate} | {"string": 0} for n in plans}
    for name, plan in plans.items():
        fails[name] |= {k: int(row[f"{tags[name]}fail:{k}"]) for k in plan.evaluate if f"{tags[name]}fail:{k}" in row}
    _implied(plans, frame, tags, fails, row, early)
    follow: list[pl.Expr] = []
    for name, plan in plans.items():
        tag, text, present = tags[name], pl.col(plan.internal), _present(plan)
        if row[f"{tag}tokens"]:
            follow.append(
                text.filter(text.is_in(NULL_TOKENS)).alias("v").value_counts(sort=False).implode().alias(f"{tag}tokens")
            )
        unique, longest = row.get(f"{tag}unique") or 0, row.get(f"{tag}longest") or 0
        if plan.distinct and unique <= DISTINCT_LIMIT and longest <= ALLOWED_MAX_CHARS:
            follow.append(text.filter(present).alias("v").value_counts(sort=False).implode().alias(f"{tag}distinct"))
    counted = frame.select(follow).row(0, named=True) if follow else {}
    found: dict[str, ColumnBatch] = {}
    for name, plan in plans.items():
        tag = tags[name]
        values = int(row[f"{tag}values"])
        distinct = counted.get(f"{tag}distinct")
        found[name] = ColumnBatch(
            values=values,
            nulls=int(row[f"{tag}nulls"]),
            tokens={str(c["v"]): int(c["count"]) for c in counted.get(f"{tag}tokens") or ()},
            fails=fails[name],
            lows={k: row[f"{tag}low:{k}"] for k in plan.keys if f"{tag}low:{k}" in row},
            highs={k: row[f"{tag}high:{k}"] for k in plan.keys if f"{tag}high:{k}" in row},
            distinct=None if distinct is None else {str(c["v"]): int(c["count"]) for c in distinct},
            repeats=not (plan.distinct or plan.key_like) or int(row[f"{tag}unique"]) < values,
            longest=int(row.get(f"{tag}longest") or 0),
            spaced=bool(row.get(f"{tag}spaced") or False),
        )
    return found


def _implied(
    plans: Mapping[str, ColumnPlan],
    frame: pl.DataFrame,
    tags: dict[str, str],
    fails: dict[str, dict[str, int]],
    row: dict[str, Any],
    early: dict[str, set[str]],
) -> None:
    """Candidates not parsed because a narrower one implies them: derived from it where it held on this
    batch, else parsed now (an integer column whose batch holds 2.5 needs float's own range)."""
    for _ in range(len(IMPLIES) + 1):
        missing: list[tuple[str, str]] = []
        for name, plan in plans.items():
            for k in plan.keys:
                if k in fails[name]:
                    continue
                sources = [j for j in plan.keys if IMPLIES.get(j, ("",))[0] == k]
                held = [j for j in sources if fails[name].get(j) == 0]
                if not held and any(j not in fails[name] for j in sources):
                    continue  # a source of it is itself derived or parsed first
                if held:
                    source = held[0]
                    derive = IMPLIES[source][1]
                    tag = tags[name]
                    fails[name][k] = 0
                    for edge in ("low", "high"):
                        value = row.get(f"{tag}{edge}:{source}")
                        row[f"{tag}{edge}:{k}"] = None if value is None else derive(value)
                elif k in early[name]:
                    fails[name][k] = 1  # failed on the sample already
                else:
                    missing.append((name, k))
        if not missing:
            return
        extra = frame.select([e for name, k in missing for e in _tried(plans[name], k, tags[name])]).row(0, named=True)
        row.update(extra)
        for name, k in missing:
            fails[name][k] = int(extra[f"{tags[name]}fail:{k}"])


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
            converted[kind] = stored_values(frame, {"c0": ColumnSpec(type=kind)})
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
