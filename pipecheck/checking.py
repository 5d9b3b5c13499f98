"""Check one batch of rows against a compiled contract: a pure function, results merged later.

Keeping this pure (compiled contract, batch, offset) -> partial result is what lets a parallel
or Dask engine run it anywhere and merge exactly.

The value checks are the pandera checks of the compiled schema: each check's own polars
expression (its registered builtin function) with pandera's null rule (`ignore_na`).
`DataFrameSchema.validate` would collect every check on its own (about 170 small polars queries
per batch, and a frame of failure cases per check); here all checks of a batch are one polars
query returning just each check's failure count and first failing rows, built once per set of
columns, so polars runs the checks together on all cores and Python does no work per check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import polars as pl

from pipecheck.compile import CompiledContract
from pipecheck.parsing import expected_text, parse_expr

if TYPE_CHECKING:
    import pandera.polars as pa

TYPE_FAIL = "__type_failed__:"
ORDINAL = "__ordinal__"
_COUNT = "__count__:"
_FIRST = "__first__:"
_NO_CSE = pl.QueryOptFlags(comm_subexpr_elim=False)


@dataclass
class Violation:
    """Failures of one check on one column within one batch."""

    check: str
    column: str | None
    count: int
    ordinals: list[int]
    values: list[str | None]


@dataclass
class BatchResult:
    rows: int
    violations: list[Violation] = field(default_factory=list)
    keys: dict[tuple[str, ...], pl.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class _Failure:
    """One failure mask of a batch: where `check` fails on `column`."""

    check: str
    column: str
    failed: pl.Expr  # over the typed batch: True where the check fails


def check_batch(
    compiled: CompiledContract,
    frame: pl.DataFrame,
    *,
    is_text: bool,
    first_ordinal: int,
    max_examples: int,
) -> BatchResult:
    """Type-parse (text input), run the pandera checks, and extract unique-key columns of one batch."""
    present = tuple(name for name in compiled.columns if name in frame.columns)
    result = BatchResult(rows=frame.height)
    if not present or frame.height == 0:
        return result
    typed = _typed(compiled, frame, present) if is_text else frame.select(present)
    failures = _failures(compiled, present, is_text)
    if not failures:
        return _with_keys(result, compiled, typed, present, first_ordinal)
    masks, summaries = _summary_plan(compiled, present, is_text, max_examples)
    # No common-subexpression pass: each mask is computed once by construction, and the pass cost
    # ~2.5 ms a batch (polars plans every collect) for nothing.
    counts = typed.lazy().select(masks).select(summaries).collect(optimizations=_NO_CSE).row(0)
    for i, failure in enumerate(failures):
        count, first = counts[2 * i], counts[2 * i + 1]
        if count:
            source = frame if is_text else typed
            values = source[failure.column].gather(first)
            shown = values.to_list() if is_text else values.cast(pl.String).to_list()
            ordinals = [int(o) + first_ordinal for o in first]
            result.violations.append(Violation(failure.check, failure.column, int(count), ordinals, shown))
    return _with_keys(result, compiled, typed, present, first_ordinal)


def _with_keys(
    result: BatchResult, compiled: CompiledContract, typed: pl.DataFrame, present: tuple[str, ...], first_ordinal: int
) -> BatchResult:
    """The batch's unique-key columns with row ordinals, for the file-wide duplicate search."""
    for key in compiled.unique_keys:
        if all(name in present for name in key):
            part = typed.lazy().select(key).with_row_index(ORDINAL, offset=first_ordinal).drop_nulls(list(key))
            result.keys[key] = part.collect()
    return result


def _summary_plan(
    compiled: CompiledContract, present: tuple[str, ...], is_text: bool, max_examples: int
) -> tuple[list[pl.Expr], list[pl.Expr]]:
    """The batch query's two steps, built once: every failure mask, then each mask's count and first rows.

    Masks first, then their summaries, so that each check runs once.
    """
    key = ("summary", present, is_text, max_examples)
    cached = compiled.plans.get(key)
    if cached is None:
        failures = _failures(compiled, present, is_text)
        masks = [f.failed.alias(f"f{i}") for i, f in enumerate(failures)]
        summaries = [
            expr
            for i in range(len(failures))
            for expr in (
                pl.col(f"f{i}").sum().alias(f"{_COUNT}{i}"),
                pl.col(f"f{i}").arg_true().head(max_examples).implode().alias(f"{_FIRST}{i}"),
            )
        ]
        cached = compiled.plans[key] = (masks, summaries)
    return cast("tuple[list[pl.Expr], list[pl.Expr]]", cached)


def _typed(compiled: CompiledContract, frame: pl.DataFrame, present: tuple[str, ...]) -> pl.DataFrame:
    """Typed columns, plus a TYPE_FAIL mask for each non-text column: present text that did not parse.

    Values are parsed as they are first; only the failures are parsed again with surrounding
    whitespace stripped (stripping every value would cost as much as parsing it).
    """
    typed = frame.lazy().select(_parse_plan(compiled, present)).collect()
    retry = [name for name in present if TYPE_FAIL + name in typed.columns and typed[TYPE_FAIL + name].any()]
    return _retry_stripped(compiled, frame, typed, retry) if retry else typed


def _parse_plan(compiled: CompiledContract, present: tuple[str, ...]) -> list[pl.Expr]:
    """The expressions turning a text batch with these columns into `_typed`'s frame; built once.

    A null token is mapped to null only where it could be read as a value: in text columns, and in
    typed columns whose parse accepts one of the tokens (say "n" as boolean false). Elsewhere the
    parse already gives null, and the token only has to be told apart from a type failure.
    """
    key = ("parse", present)
    cached = compiled.plans.get(key)
    if cached is not None:
        return cast("list[pl.Expr]", cached)
    nulls = compiled.contract.csv.null_values
    columns: list[pl.Expr] = []
    masks: list[pl.Expr] = []
    for name in present:
        text = pl.col(name)
        null_token = (text == nulls[0]) if len(nulls) == 1 else text.is_in(nulls) if nulls else pl.lit(False)
        spec = compiled.columns[name].spec
        if spec.type == "string":
            columns.append(pl.when(null_token).then(None).otherwise(text).alias(name) if nulls else text)
            continue
        parsed = parse_expr(text, spec, strip=False)
        tokens = pl.DataFrame({name: nulls}, schema={name: pl.String})
        tokens_parse = bool(nulls) and tokens.select(parsed.is_not_null().any()).item()
        value = pl.when(null_token).then(None).otherwise(parsed) if tokens_parse else parsed
        columns.append(value.alias(name))
        masks.append((parsed.is_null() & ~null_token & text.is_not_null()).alias(TYPE_FAIL + name))
    plan = columns + masks
    compiled.plans[key] = plan
    return plan


def _retry_stripped(
    compiled: CompiledContract, frame: pl.DataFrame, typed: pl.DataFrame, names: list[str]
) -> pl.DataFrame:
    """Parse the failed values of `names` again with surrounding whitespace stripped; patch those that parse."""
    patched = []
    for name in names:
        failed = typed[TYPE_FAIL + name].arg_true()
        again = frame[name].gather(failed).to_frame().select(parse_expr(pl.col(name), compiled.columns[name].spec))
        parsed = again.to_series()
        if parsed.null_count() == parsed.len():
            continue
        rows = failed.filter(parsed.is_not_null())
        values = typed[name].scatter(rows, parsed.drop_nulls())
        mask = typed[TYPE_FAIL + name].scatter(rows, False)
        patched += [values, mask]
    return typed.with_columns(patched) if patched else typed


def _failures(compiled: CompiledContract, present: tuple[str, ...], is_text: bool) -> list[_Failure]:
    """Every failure mask for batches with these columns, in report order per column: type (text
    input), nullable, then the pandera checks. Built once per set of columns."""
    cached = compiled.plans.get((present, is_text))
    if cached is not None:
        return cast("list[_Failure]", cached)
    schema = compiled.schema_for(present)
    failures: list[_Failure] = []
    for name in present:
        column = schema.columns[name]
        parsed = is_text and compiled.columns[name].spec.type != "string"
        if parsed:
            failures.append(_Failure("type", name, pl.col(TYPE_FAIL + name)))
        if not column.nullable:
            # A value that failed to parse is null in the typed frame; it is reported as `type` only.
            null = pl.col(name).is_null()
            failures.append(_Failure("nullable", name, null & ~pl.col(TYPE_FAIL + name) if parsed else null))
        rules = compiled.columns[name].rules
        for rule, check in zip(rules, column.checks, strict=True):
            failures.append(_Failure(rule.check, name, _failed(check, name)))
    compiled.plans[(present, is_text)] = failures
    return failures


class _ExpressionOf:
    """Stands in for the LazyFrame handed to a pandera builtin check, which selects one expression
    from it (`data.lazyframe.select(expr)`): that expression is the check."""

    def select(self, *exprs: object) -> tuple[object, ...]:
        return exprs


def _failed(check: pa.Check, column: str) -> pl.Expr:
    """Where one pandera check fails: its polars expression, nulls passing when ignore_na (pandera's rule)."""
    from pandera.api.polars.types import PolarsData

    selected = check._check_fn(PolarsData(_ExpressionOf(), column), **check._check_kwargs)  # type: ignore[arg-type]
    if not (isinstance(selected, tuple) and len(selected) == 1 and isinstance(selected[0], pl.Expr)):
        raise TypeError(f"pandera check {check.name!r} is not a single polars expression")
    passed: pl.Expr = selected[0]
    return ~passed.fill_null(True) if check.ignore_na else ~passed.fill_null(False)


def type_message(compiled: CompiledContract, column: str) -> str:
    return f"{column} must be {expected_text(compiled.columns[column].spec)}"
