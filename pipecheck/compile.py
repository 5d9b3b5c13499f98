"""Compile a contract into rules: polars expressions over internally named columns. Reads no data.

Inside the engine, contract column i is the frame column `c{i}` (and its type-failure mask
`t{i}`): a user's column name is data, never a polars expression (`pl.col("*")` would select
every column).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipecheck.contract.model import ColumnSpec, Compare, Contract, Expression
from pipecheck.findings import Severity
from pipecheck.rules import COLUMN_RULES, ColumnRule

if TYPE_CHECKING:
    import pandera.polars as pa
    import polars as pl


@dataclass(frozen=True)
class CompiledColumn:
    name: str
    spec: ColumnSpec
    index: int

    @property
    def internal(self) -> str:
        """The column's name inside the engine's frames."""
        return f"c{self.index}"

    @property
    def type_failed(self) -> str:
        """The name of its type-failure mask (text input)."""
        return f"t{self.index}"

    @property
    def severity(self) -> Severity:
        return self.spec.severity


@dataclass(frozen=True)
class CompiledRule:
    """One rule applied to one column (or several): what the checking step evaluates per batch."""

    id: int
    check: str
    columns: tuple[str, ...]
    message: str
    severity: Severity
    order: tuple[int, int]  # (column position, rule position): the report order
    on_text: pl.Expr | None  # True where a row fails, for text input (None: not checked there)
    on_typed: pl.Expr | None  # the same for typed (stored) input
    # An `expression` rule's condition over columns under their contract names; its mask column.
    condition: pl.Expr | None = None
    mask: str | None = None
    subject: str | None = None  # what `label` names when not the columns: 'end>=start', an expression's name
    # The fraction of judged rows that must pass (None: every one), and True on the rows the rule
    # judges (non-null ones); the latter built only for a rule with a mostly, counted per batch.
    mostly: float | None = None
    judged: pl.Expr | None = None

    def failed(self, text: bool) -> pl.Expr | None:
        return self.on_text if text else self.on_typed

    @property
    def label(self) -> str:
        """How a quarantined row names the rule it fails: 'amount:min', 'end>=start:compare'."""
        return f"{self.subject or '+'.join(self.columns)}:{self.check}"


@dataclass(frozen=True)
class CompiledContract:
    contract: Contract
    columns: dict[str, CompiledColumn]
    rules: tuple[CompiledRule, ...]
    unique_keys: tuple[tuple[str, ...], ...] = ()

    @property
    def name(self) -> str:
        return self.contract.contract

    def rule(self, rule_id: int) -> CompiledRule:
        return self.rules[rule_id]


def compile_contract(contract: Contract) -> CompiledContract:
    columns = {name: CompiledColumn(name, spec, i) for i, (name, spec) in enumerate(contract.columns.items())}
    rules: list[CompiledRule] = []
    for column in columns.values():
        for position, kind in enumerate(COLUMN_RULES):
            if kind.applies(column.spec):
                rules.append(_column_rule(len(rules), kind, column, position))
    for i, compare in enumerate(contract.checks.compare):
        rules.append(_compare_rule(len(rules), compare, columns, (len(columns) + i, 0)))
    for i, expression in enumerate(contract.checks.expression):
        order = (len(columns) + len(contract.checks.compare) + i, 0)
        rules.append(_expression_rule(len(rules), expression, columns, order))
    after = len(columns) + len(contract.checks.compare) + len(contract.checks.expression)
    for i, group in enumerate(contract.checks.unique_together):
        typed = [columns[name] for name in dict.fromkeys(group) if columns[name].spec.type != "string"]
        if typed:
            rules.append(_left_out_rule(len(rules), tuple(group), typed, (after + i, 0)))
    keys: list[tuple[str, ...]] = [(name,) for name, spec in contract.columns.items() if spec.unique]
    keys += [tuple(group) for group in contract.checks.unique_together]
    return CompiledContract(contract, columns, tuple(rules), tuple(keys))


def _column_rule(rule_id: int, kind: ColumnRule, column: CompiledColumn, position: int) -> CompiledRule:
    import polars as pl

    value = pl.col(column.internal)

    def build(type_failed: pl.Expr | None) -> pl.Expr | None:
        failed = kind.failed(value, type_failed, column.spec)
        if failed is None:
            return None
        return failed.fill_null(False) if kind.ignores_nulls else failed

    # Text that does not parse, or a stored value with no value in the type, fails `type`.
    type_failed = pl.col(column.type_failed) if column.spec.type != "string" else None
    failed = build(type_failed)
    message = kind.message(column.name, column.spec)
    mostly = column.spec.mostly_of(kind.name)
    judged = None
    if mostly is not None:  # present non-null values; for `type`, also text that did not parse
        judged = (
            value.is_not_null() | type_failed
            if kind.name == "type" and type_failed is not None
            else value.is_not_null()
        )
    return CompiledRule(
        rule_id,
        kind.name,
        (column.name,),
        message,
        column.severity,
        (column.index, position),
        failed,
        failed,
        mostly=mostly,
        judged=judged,
    )


_COMPARISONS: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compare_rule(
    rule_id: int, compare: Compare, columns: dict[str, CompiledColumn], order: tuple[int, int]
) -> CompiledRule:
    """`left op right` on every row; a row with a null on either side passes (as value rules do)."""
    import polars as pl

    sides = []
    for name in (compare.left, compare.right):
        column = columns[name]
        value = pl.col(column.internal)
        other = columns[compare.right if name == compare.left else compare.left]
        if column.spec.type == "date" and other.spec.type == "datetime":
            value = value.cast(pl.Datetime("us"))  # a date is midnight of its day
        sides.append(value)
    compared = _COMPARISONS[compare.op](sides[0], sides[1])
    failed = (~compared).fill_null(False)
    message = f"{compare.left} must be {compare.op} {compare.right}"
    mostly = _mostly(compare.mostly)
    return CompiledRule(
        rule_id,
        "compare",
        (compare.left, compare.right),
        message,
        compare.severity,
        order,
        failed,
        failed,
        subject=f"{compare.left}{compare.op}{compare.right}",
        mostly=mostly,
        judged=compared.is_not_null() if mostly is not None else None,  # both sides non-null
    )


def _mostly(fraction: float | None) -> float | None:
    """A table check's mostly as compiled: 1 is every row, as no mostly is."""
    return None if fraction is None or fraction >= 1 else float(fraction)


def _expression_rule(
    rule_id: int, expression: Expression, columns: dict[str, CompiledColumn], order: tuple[int, int]
) -> CompiledRule:
    """A polars SQL condition (checked at load: it compiles to a boolean over contract columns);
    a row where it is null (a null operand) passes."""
    import polars as pl

    condition = pl.sql_expr(expression.sql)
    roots = set(condition.meta.root_names())
    used = tuple(name for name in columns if name in roots)
    mask = f"x{rule_id}"
    failed = (~pl.col(mask)).fill_null(False)
    sql = expression.sql if len(expression.sql) <= 80 else expression.sql[:79] + "…"
    label = sql if expression.name == expression.sql else f"{expression.name} ({sql})"
    message = f"rows must satisfy {label}"
    mostly = _mostly(expression.mostly)
    # judged: rows where the condition is true or false (a null operand leaves it null: it passes)
    judged = pl.col(mask).is_not_null() if mostly is not None else None
    return CompiledRule(
        rule_id,
        "expression",
        used,
        message,
        expression.severity,
        order,
        failed,
        failed,
        condition,
        mask,
        subject=expression.name,
        mostly=mostly,
        judged=judged,
    )


def _left_out_rule(
    rule_id: int, key: tuple[str, ...], typed: list[CompiledColumn], order: tuple[int, int]
) -> CompiledRule:
    """Rows where a key value did not parse: unique_together cannot compare them, so it checks the
    other rows, and this warning counts and shows the ones left out (one finding per key)."""
    import polars as pl

    failed = pl.any_horizontal([pl.col(c.type_failed) for c in typed])
    which = " or ".join(c.name for c in typed)
    message = (
        f"rows left out of unique_together ({', '.join(key)}) because their {which} did not parse; "
        "the other rows were checked"
    )
    return CompiledRule(rule_id, "unique_together_incomplete", key, message, "warning", order, failed, failed)


def pandera_schema(compiled: CompiledContract, present: tuple[str, ...] | None = None) -> pa.DataFrameSchema:
    """The contract as a pandera schema over typed columns (named as in the contract), built with
    pandera's public API from the same rule expressions the engine runs; for library use and as
    the engine's test oracle. Type rules are not in it: pandera checks typed frames."""
    import pandera.polars as pa

    from pipecheck.parsing import POLARS_TYPES

    names = present if present is not None else tuple(compiled.columns)
    checks: dict[str, list[pa.Check]] = {name: [] for name in names}
    table_checks: list[pa.Check] = []
    skipped = ("type", "nullable", "unique_together_incomplete")  # over type-failure masks: not typed values
    for rule in compiled.rules:
        failed = rule.on_typed
        if failed is None or rule.check in skipped or not all(c in checks for c in rule.columns):
            continue
        if len(rule.columns) == 1 and rule.condition is None:
            column = compiled.columns[rule.columns[0]]
            checks[column.name].append(pa.Check(_passes(failed, column.internal), name=rule.check))
        else:
            table_checks.append(pa.Check(_rows_pass(compiled, rule), name=rule.check))
    return pa.DataFrameSchema(
        {
            name: pa.Column(
                POLARS_TYPES[compiled.columns[name].spec.type],
                nullable=compiled.columns[name].spec.nullable,
                checks=checks[name],
            )
            for name in names
        },
        checks=table_checks,
        strict=False,
    )


def _passes(failed: pl.Expr, internal: str) -> Callable[[Any], pl.LazyFrame]:
    """A pandera custom check (public API: a function of PolarsData) passing where `failed` is not True."""

    def check(data: Any) -> pl.LazyFrame:
        import polars as pl

        renamed: pl.LazyFrame = data.lazyframe.select(pl.col(data.key).alias(internal))
        return renamed.select((~failed).alias(data.key))

    return check


def _rows_pass(compiled: CompiledContract, rule: CompiledRule) -> Callable[[Any], pl.LazyFrame]:
    """A pandera frame-level check for a rule over several columns (compare, expression)."""

    def check(data: Any) -> pl.LazyFrame:
        import polars as pl

        frame: pl.LazyFrame = data.lazyframe
        if rule.condition is not None:
            return frame.select(rule.condition.fill_null(True).alias("passed"))
        internal = frame.select(pl.col(n).alias(compiled.columns[n].internal) for n in rule.columns)
        assert rule.on_typed is not None
        return internal.select((~rule.on_typed).alias("passed"))

    return check
