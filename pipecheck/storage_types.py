"""Parquet columns are typed on disk: which stored types satisfy a contract type, and the cast."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipecheck.compile import CompiledContract
from pipecheck.findings import Finding

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa


@dataclass
class StoragePlan:
    findings: list[Finding] = field(default_factory=list)
    readable: list[str] = field(default_factory=list)


def _target(stored: pa.DataType, contract_type: str) -> pa.DataType | None:
    import pyarrow as pa

    if pa.types.is_dictionary(stored):
        stored = stored.value_type
    if contract_type == "integer" and pa.types.is_integer(stored):
        return pa.int64()
    if contract_type == "float" and (
        pa.types.is_floating(stored) or pa.types.is_integer(stored) or pa.types.is_decimal(stored)
    ):
        return pa.float64()
    if contract_type == "string" and (
        pa.types.is_string(stored) or pa.types.is_large_string(stored) or pa.types.is_string_view(stored)
    ):
        return pa.string()
    if contract_type == "boolean" and pa.types.is_boolean(stored):
        return pa.bool_()
    if contract_type == "date" and pa.types.is_date(stored):
        return pa.date32()
    if contract_type == "datetime" and pa.types.is_timestamp(stored):
        return pa.timestamp("us")
    return None


def declarable_as(stored: pa.DataType) -> tuple[tuple[str, ...], bool | None]:
    """The contract types a column stored as `stored` may be declared as, and (timestamps) whether it is zoned."""
    import pyarrow as pa

    types = tuple(t for t in ("integer", "float", "string", "boolean", "date", "datetime") if _target(stored, t))
    value = stored.value_type if pa.types.is_dictionary(stored) else stored
    return types, (value.tz is not None) if pa.types.is_timestamp(value) else None


def storage_findings(schema: pa.Schema, compiled: CompiledContract, present: dict[str, int]) -> StoragePlan:
    import pyarrow as pa

    plan = StoragePlan()
    for name in compiled.columns:
        if name not in present:
            continue
        spec = compiled.columns[name].spec
        stored = schema.field(present[name]).type
        target = _target(stored, spec.type)
        problem = None
        if target is None:
            problem = f"{name} is stored as {stored}; the contract says {spec.type}"
        elif spec.type == "datetime" and isinstance(stored, pa.TimestampType):
            if spec.timezone == "aware" and stored.tz is None:
                problem = f"{name} is stored as {stored} without a time zone; the contract says timezone: aware"
            elif spec.timezone == "naive" and stored.tz is not None:
                problem = f"{name} is stored as {stored} with time zone {stored.tz}; the contract says timezone: naive"
        if problem:
            plan.findings.append(
                Finding("type", problem, severity=spec.severity, column=name, hint="values were not checked")
            )
            continue
        plan.readable.append(name)
    return plan


# Years 1 to 9999 (Python's datetime range, which contract bounds use) in each unit since 1970.
_CALENDAR_DAYS = (-719_162, 2_932_896)
_PER_DAY = {"ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


def _in_calendar(column: pl.Expr, stored: pl.DataType) -> pl.Expr:
    """Whether a stored date/timestamp lies in years 1-9999; polars cannot even print some beyond."""
    import polars as pl

    low, high = _CALENDAR_DAYS
    physical = column.to_physical().cast(pl.Int64)
    if isinstance(stored, pl.Date):
        return physical.is_between(low, high)
    per_day = _PER_DAY[stored.time_unit] if isinstance(stored, pl.Datetime) else 1
    # ns cannot reach year 1 or 9999 in int64: every ns timestamp is in range
    return physical.is_between(low * per_day, (high + 1) * per_day - 1) if per_day != _PER_DAY["ns"] else pl.lit(True)


def stored_values(frame: pl.DataFrame, types: dict[str, pl.DataType]) -> pl.DataFrame:
    """Stored columns in the contract's canonical types (time zones normalised to UTC), plus for
    each column a type-failure mask named as in `types[name]`'s key with `t` for `c`: a stored
    value that has no value in the contract's type (a uint64 beyond int64, NaN or infinity in a
    float column) is null there and reported as `type`, as CSV text that does not parse is."""
    import polars as pl

    columns: list[pl.Expr] = []
    masks: list[pl.Expr] = []
    for name, stored in frame.schema.items():
        column = pl.col(name)
        if isinstance(stored, pl.Datetime) and stored.time_zone is not None:
            column = column.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        target = types[name]
        if isinstance(stored, pl.Datetime | pl.Date):
            column = pl.when(_in_calendar(column, stored)).then(column)
        value = column.cast(target, strict=False)
        if target == pl.Float64:
            value = pl.when(value.is_finite()).then(value)
        columns.append(value.alias(name))
        masks.append((pl.col(name).is_not_null() & value.is_null()).alias("t" + name.removeprefix("c")))
    return frame.select(columns + masks)
