"""Every check pipecheck runs, one definition each.

A rule is one object: the contract keys it comes from, the columns it reads, its polars
expression (True where a row fails), its message, its description (SARIF) and its place in
reports (its position in RULES). Adding a rule is adding one object here and a test.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipecheck.contract.model import TEMPORAL_TYPES, ColumnSpec, parse_temporal_bound
from pipecheck.parsing import expected_text

SMALL_ALLOWED = 8  # up to this many allowed text values, each is compared

if TYPE_CHECKING:
    import polars as pl


@dataclass(frozen=True)
class ColumnRule:
    """A check of one column's values, row by row.

    `failed(value, type_failed, spec)` is True where the row fails: `value` is the typed column,
    `type_failed` the mask of text that did not parse (None for typed input). A rule that
    `ignores_nulls` passes null values, as pandera's checks do by default.
    """

    name: str
    keys: tuple[str, ...]
    description: str
    applies: Callable[[ColumnSpec], bool]
    failed: Callable[[pl.Expr, pl.Expr | None, ColumnSpec], pl.Expr | None]
    message: Callable[[str, ColumnSpec], str]
    ignores_nulls: bool = True


@dataclass(frozen=True)
class TableRule:
    """A check over rows of several columns, or over the whole file (compiled in compile.py)."""

    name: str
    keys: tuple[str, ...]
    description: str


def _show(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value).lower() if isinstance(value, bool) else str(value)


def bound_value(value: Any, spec: ColumnSpec) -> Any:
    """A contract bound in the column's typed domain (aware datetimes normalised to naive UTC)."""
    if spec.type not in TEMPORAL_TYPES:
        return value
    parsed = parse_temporal_bound(value, spec.type)
    if isinstance(parsed, dt.datetime) and parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _literal(value: Any, spec: ColumnSpec) -> pl.Expr:
    import polars as pl

    bound = bound_value(value, spec)
    return pl.lit(float(bound) if spec.type == "float" else bound)


def _allowed_failed(value: pl.Expr, spec: ColumnSpec) -> pl.Expr:
    import polars as pl

    from pipecheck.parsing import POLARS_TYPES

    allowed = [bound_value(v, spec) for v in spec.allowed or []]
    if spec.type == "string" and 0 < len(allowed) <= SMALL_ALLOWED:
        # a few text values: compares are ~3x faster than is_in's hash lookup (bench/README.md)
        return ~functools.reduce(operator.or_, (value == pl.lit(v, dtype=pl.String) for v in allowed))
    values = pl.Series(allowed, dtype=POLARS_TYPES[spec.type])
    return ~value.is_in(values.implode())


def _pattern_failed(value: pl.Expr, spec: ColumnSpec) -> pl.Expr:
    # polars' regex engine (Rust `regex`) runs in linear time: no catastrophic backtracking.
    return ~value.str.contains(f"^(?:{spec.pattern})$")


def _allowed_message(name: str, spec: ColumnSpec) -> str:
    allowed = spec.allowed or []
    shown = ", ".join(_show(v) for v in allowed[:10]) + (", ..." if len(allowed) > 10 else "")
    return f"{name} must be one of: {shown}"


TYPE = ColumnRule(
    "type",
    ("type",),
    "Values do not parse as the column's declared type.",
    applies=lambda spec: spec.type != "string",
    failed=lambda value, type_failed, spec: type_failed,
    message=lambda name, spec: f"{name} must be {expected_text(spec)}",
    ignores_nulls=False,
)
NULLABLE = ColumnRule(
    "nullable",
    ("nullable",),
    "A column that must not be null has null or empty values.",
    applies=lambda spec: not spec.nullable,
    # A value that failed to parse is null in the typed frame; it is reported as `type` only.
    failed=lambda value, type_failed, spec: (
        value.is_null() & ~type_failed if type_failed is not None else value.is_null()
    ),
    message=lambda name, spec: f"{name} must not be null",
    ignores_nulls=False,
)
MIN = ColumnRule(
    "min",
    ("min",),
    "Values are below the column's minimum.",
    applies=lambda spec: spec.min is not None,
    failed=lambda value, type_failed, spec: value < _literal(spec.min, spec),
    message=lambda name, spec: f"{name} must be >= {_show(spec.min)}",
)
MAX = ColumnRule(
    "max",
    ("max",),
    "Values are above the column's maximum.",
    applies=lambda spec: spec.max is not None,
    failed=lambda value, type_failed, spec: value > _literal(spec.max, spec),
    message=lambda name, spec: f"{name} must be <= {_show(spec.max)}",
)
ALLOWED = ColumnRule(
    "allowed",
    ("allowed",),
    "Values are not in the column's allowed set.",
    applies=lambda spec: spec.allowed is not None,
    failed=lambda value, type_failed, spec: _allowed_failed(value, spec),
    message=_allowed_message,
)
PATTERN = ColumnRule(
    "pattern",
    ("pattern",),
    "Values do not fully match the column's pattern.",
    applies=lambda spec: spec.pattern is not None,
    failed=lambda value, type_failed, spec: _pattern_failed(value, spec),
    message=lambda name, spec: f"{name} must fully match {spec.pattern}",
)
MIN_LENGTH = ColumnRule(
    "min_length",
    ("min_length",),
    "Values are shorter than the column's minimum length.",
    applies=lambda spec: spec.min_length is not None,
    failed=lambda value, type_failed, spec: value.str.len_chars() < (spec.min_length or 0),
    message=lambda name, spec: f"{name} must have at least {spec.min_length} characters",
)
MAX_LENGTH = ColumnRule(
    "max_length",
    ("max_length",),
    "Values are longer than the column's maximum length.",
    applies=lambda spec: spec.max_length is not None,
    failed=lambda value, type_failed, spec: value.str.len_chars() > (spec.max_length or 0),
    message=lambda name, spec: f"{name} must have at most {spec.max_length} characters",
)
MULTIPLE_OF = ColumnRule(
    "multiple_of",
    ("multiple_of",),
    "Values are not whole multiples of the column's step.",
    applies=lambda spec: spec.multiple_of is not None,
    # within a millionth of a step, so that 0.07 counts as 7 cents despite binary floats
    failed=lambda value, type_failed, spec: (
        ((value / spec.multiple_of) - (value / spec.multiple_of).round(0)).abs() > 1e-6
    ),
    message=lambda name, spec: f"{name} must be a multiple of {_show(spec.multiple_of)}",
)

# Report order within a column is this order.
COLUMN_RULES: tuple[ColumnRule, ...] = (
    TYPE,
    NULLABLE,
    MIN,
    MAX,
    ALLOWED,
    PATTERN,
    MIN_LENGTH,
    MAX_LENGTH,
    MULTIPLE_OF,
)

COMPARE = TableRule("compare", ("checks.compare",), "Two columns of a row do not compare as the contract requires.")
EXPRESSION = TableRule("expression", ("checks.expression",), "Rows do not satisfy a contract expression.")
UNIQUE = TableRule("unique", ("unique",), "A column that must be unique has duplicate values.")
UNIQUE_TOGETHER = TableRule(
    "unique_together", ("checks.unique_together",), "Columns that must be unique together have duplicate combinations."
)
UNIQUE_TOGETHER_INCOMPLETE = TableRule(
    "unique_together_incomplete",
    ("checks.unique_together",),
    "A unique_together check left rows out (a key value did not parse) or could not run (a key column is missing).",
)
ROW_COUNT = TableRule(
    "row_count", ("checks.row_count",), "The file's number of data rows is outside the contract's bounds."
)
TABLE_RULES: tuple[TableRule, ...] = (
    COMPARE,
    EXPRESSION,
    UNIQUE,
    UNIQUE_TOGETHER,
    UNIQUE_TOGETHER_INCOMPLETE,
    ROW_COUNT,
)

# Findings that are not rules of a contract: the file and its header.
FILE_CHECKS: dict[str, str] = {
    "missing_column": "A column the contract requires is missing from the file.",
    "extra_column": "The file has a column the contract does not declare.",
    "column_order": "The columns are not in the order the contract requires.",
    "duplicate_column": "The header names a column more than once.",
    "blank_header": "A header cell is empty.",
    "storage_type": "A Parquet column is stored with another type than the contract's.",
    "malformed_row": "Rows do not have the header's number of fields.",
    "unreadable": "The file cannot be read.",
    "encoding": "Bytes do not decode in the file's encoding.",
    "limit": "A limit was reached before the file was fully checked.",
    "mixed_formats": "A dataset directory holds files in another format than the rest.",
}


def descriptions() -> dict[str, str]:
    """Every check name pipecheck reports, with its one-sentence description."""
    named: list[ColumnRule | TableRule] = [*COLUMN_RULES, *TABLE_RULES]
    return {rule.name: rule.description for rule in named} | FILE_CHECKS
