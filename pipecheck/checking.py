"""Check one batch of rows against a compiled contract: a pure function, results merged later.

Keeping this pure (compiled contract, batch, offset) -> partial result is what lets a parallel
or Dask engine run it anywhere and merge exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from pipecheck.compile import CompiledContract
from pipecheck.parsing import expected_text, parse_expr

TYPE_FAIL = "__type_failed__:"
ORDINAL = "__ordinal__"


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


def check_batch(
    compiled: CompiledContract,
    frame: pl.DataFrame,
    *,
    is_text: bool,
    first_ordinal: int,
    max_examples: int,
) -> BatchResult:
    """Type-parse (text input), run the pandera schema, and extract unique-key columns of one batch."""
    present = tuple(name for name in compiled.columns if name in frame.columns)
    result = BatchResult(rows=frame.height)
    if not present or frame.height == 0:
        return result
    typed, type_failures = _typed(compiled, frame, present) if is_text else (frame, {})
    display = frame if is_text else frame.select(pl.col(n).cast(pl.String) for n in present)

    for name, mask in type_failures.items():
        count = int(mask.sum())
        if count:
            idx = mask.arg_true().head(max_examples)
            result.violations.append(_violation("type", name, count, idx, display, first_ordinal))

    _run_pandera(compiled, typed.select(present), present, type_failures, display, first_ordinal, max_examples, result)

    for key in compiled.unique_keys:
        if all(name in present for name in key):
            part = typed.select(key).with_row_index(ORDINAL, offset=first_ordinal)
            result.keys[key] = part.drop_nulls(list(key))
    return result


def _typed(
    compiled: CompiledContract, frame: pl.DataFrame, present: tuple[str, ...]
) -> tuple[pl.DataFrame, dict[str, pl.Series]]:
    nulls = compiled.contract.csv.null_values
    non_text = [n for n in present if compiled.columns[n].spec.type != "string"]
    # Staged so each column is null-mapped once and parsed once; the failure mask reuses both.
    text = frame.lazy().select(
        (pl.when(~pl.col(n).is_in(nulls)).then(pl.col(n)) if nulls else pl.col(n)).alias(n) for n in present
    )
    parsed = text.with_columns(parse_expr(pl.col(n), compiled.columns[n].spec).alias(TYPE_FAIL + n) for n in non_text)
    out = parsed.select(
        *[pl.col(TYPE_FAIL + n).alias(n) if n in non_text else pl.col(n) for n in present],
        *[(pl.col(n).is_not_null() & pl.col(TYPE_FAIL + n).is_null()).alias(TYPE_FAIL + n) for n in non_text],
    ).collect()
    failures = {n: out[TYPE_FAIL + n] for n in non_text}
    return out.select(present), failures


def _run_pandera(
    compiled: CompiledContract,
    typed: pl.DataFrame,
    present: tuple[str, ...],
    type_failures: dict[str, pl.Series],
    display: pl.DataFrame,
    first_ordinal: int,
    max_examples: int,
    result: BatchResult,
) -> None:
    import pandera.polars as pa

    schema = compiled.schema_for(present)
    try:
        schema.validate(typed, lazy=True)
        return
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    cases = cases.filter(pl.col("index").is_not_null() & pl.col("column").is_not_null())
    for name, mask in type_failures.items():
        # A value that failed to parse is null in the typed frame; it was reported as `type` already.
        failed_rows = mask.arg_true()
        if failed_rows.len():
            cases = cases.filter(
                ~(
                    (pl.col("column") == name)
                    & (pl.col("check") == "not_nullable")
                    & pl.col("index").is_in(failed_rows.implode())
                )
            )
    if cases.height == 0:
        return
    grouped = (
        cases.group_by("column", "check", "check_number", maintain_order=True)
        .agg(pl.len().alias("n"), pl.col("index").sort().head(max_examples).alias("idx"))
        .rows(named=True)
    )
    for group in grouped:
        column = group["column"]
        compiled_column = compiled.columns[column]
        if group["check"] == "not_nullable":
            check = "nullable"
        elif group["check_number"] is not None and group["check_number"] < len(compiled_column.rules):
            check = compiled_column.rules[group["check_number"]].check
        else:
            check = "type"
        idx = pl.Series(group["idx"], dtype=pl.UInt32)
        result.violations.append(_violation(check, column, int(group["n"]), idx, display, first_ordinal))


def _violation(
    check: str, column: str, count: int, idx: pl.Series, display: pl.DataFrame, first_ordinal: int
) -> Violation:
    values = display[column].gather(idx).to_list()
    return Violation(check, column, count, [int(i) + first_ordinal for i in idx.to_list()], values)


def type_message(compiled: CompiledContract, column: str) -> str:
    return f"{column} must be {expected_text(compiled.columns[column].spec)}"
