"""Parquet columns are typed on disk: which stored types satisfy a contract type, and the conversion.

A stored type is *native* to a contract type (int32 for integer, int or double for float: read
as it is), *converts* value by value (double, decimal or text for integer; a timestamp for date;
text for any type under the CSV text rules; ...), or has no conversion (binary, lists, structs).
A converting column is one `storage_type` finding at the contract's `parquet.storage_mismatch`
severity, and every value is checked: one that does not convert is a `type` failure of its row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pipecheck.compile import CompiledContract
from pipecheck.findings import Finding, Severity

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

    from pipecheck.contract.model import ColumnSpec

Storage = Literal["native", "convert"]

CONVERTED_HINT = "its values were converted and checked: those that do not convert are `type` findings"
UNCHECKED_HINT = "values were not checked"


@dataclass
class StoragePlan:
    findings: list[Finding] = field(default_factory=list)
    readable: list[str] = field(default_factory=list)
    unchecked: dict[str, str] = field(default_factory=dict)  # column -> why its values cannot be checked


def _is_text(stored: pa.DataType) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(stored) or pa.types.is_large_string(stored) or pa.types.is_string_view(stored))


def storage_of(stored: pa.DataType, spec: ColumnSpec) -> Storage | None:
    """How values stored as `stored` become the contract type's values (None: they cannot)."""
    import pyarrow as pa

    if pa.types.is_dictionary(stored):
        stored = stored.value_type
    kind = spec.type
    native = {
        "integer": pa.types.is_integer(stored),
        "float": pa.types.is_floating(stored) or pa.types.is_integer(stored) or pa.types.is_decimal(stored),
        "string": _is_text(stored),
        "boolean": pa.types.is_boolean(stored),
        "date": pa.types.is_date(stored),
        "datetime": pa.types.is_timestamp(stored),
    }[kind]
    if native:
        return "native"
    converts = {
        "integer": pa.types.is_floating(stored) or pa.types.is_decimal(stored),
        "float": False,
        "string": False,
        "boolean": pa.types.is_integer(stored),  # 1 and 0, as in CSV text
        "date": pa.types.is_timestamp(stored),  # midnight only: truncating would lose the time
        "datetime": pa.types.is_date(stored) and spec.timezone != "aware",  # midnight, naive
    }[kind]
    # a column of nulls only (pandas writes an all-missing object column so) has nothing to convert
    nulls = pa.types.is_null(stored)
    return "convert" if converts or nulls or (_is_text(stored) and kind != "string") else None


def declarable_as(stored: pa.DataType) -> tuple[tuple[str, ...], bool | None]:
    """The contract types a column stored as `stored` may be declared as, and (timestamps) whether it is zoned."""
    import pyarrow as pa

    from pipecheck.contract.model import ColumnSpec

    kinds = ("integer", "float", "string", "boolean", "date", "datetime")
    types = tuple(t for t in kinds if storage_of(stored, ColumnSpec(type=t)) == "native")
    value = stored.value_type if pa.types.is_dictionary(stored) else stored
    return types, (value.tz is not None) if pa.types.is_timestamp(value) else None


def storage_findings(schema: pa.Schema, compiled: CompiledContract, present: dict[str, int]) -> StoragePlan:
    import pyarrow as pa

    plan = StoragePlan()
    policy = compiled.contract.parquet.storage_mismatch
    for name in compiled.columns:
        if name not in present:
            continue
        spec = compiled.columns[name].spec
        stored = schema.field(present[name]).type
        storage = storage_of(stored, spec)
        said = f"{name} is stored as {stored}; the contract says {spec.type}"
        problem = None
        if storage is None:
            problem = said if spec.type != "datetime" or not pa.types.is_date(stored) else f"{said}, timezone: aware"
        elif spec.type == "datetime" and isinstance(stored, pa.TimestampType):
            if spec.timezone == "aware" and stored.tz is None:
                problem = f"{name} is stored as {stored} without a time zone; the contract says timezone: aware"
            elif spec.timezone == "naive" and stored.tz is not None:
                problem = f"{name} is stored as {stored} with time zone {stored.tz}; the contract says timezone: naive"
        if problem:
            plan.unchecked[name] = problem
            plan.findings.append(
                Finding("storage_type", problem, severity=spec.severity, column=name, hint=UNCHECKED_HINT)
            )
            continue
        plan.readable.append(name)
        if storage == "convert" and policy != "ignore":
            severity: Severity = "error" if policy == "error" else "warning"
            plan.findings.append(Finding("storage_type", said, severity=severity, column=name, hint=CONVERTED_HINT))
    return plan


# Years 1 to 9999 (Python's datetime range, which contract bounds use) in each unit since 1970.
_CALENDAR_DAYS = (-719_162, 2_932_896)
_PER_DAY = {"ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}
_INT64_FLOATS = (-(2.0**63), 2.0**63)  # both exact in a double; 2**63 itself is beyond int64


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


def _converted(column: pl.Expr, stored: pl.DataType, spec: ColumnSpec) -> pl.Expr:
    """The stored column as the contract type's values; null where a value has none there."""
    import polars as pl

    from pipecheck.parsing import POLARS_TYPES, parse_expr

    kind = spec.type
    if kind != "string" and isinstance(stored, pl.String | pl.Categorical | pl.Enum):
        return parse_expr(column.cast(pl.String), spec)  # exactly the CSV text rules
    if kind == "integer" and stored.is_float():
        number = column.cast(pl.Float64)
        whole = number.is_finite() & (number == number.floor()) & number.is_between(*_INT64_FLOATS, closed="left")
        return pl.when(whole).then(number.cast(pl.Int64, strict=False))
    if kind == "integer" and stored.is_decimal():
        return parse_expr(column.cast(pl.String), spec)  # "181.00" is whole, "181.50" is not
    if kind == "boolean" and stored.is_integer():
        return pl.when(column == 1).then(True).when(column == 0).then(False)
    if kind == "date" and isinstance(stored, pl.Datetime):
        # a zoned timestamp is judged in its own zone: the date its writer meant
        local = column.dt.replace_time_zone(None) if stored.time_zone is not None else column
        day = local.dt.date()
        return pl.when(day.cast(pl.Datetime(stored.time_unit)) == local).then(day)
    if isinstance(stored, pl.Datetime) and stored.time_zone is not None:
        column = column.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    value = column.cast(POLARS_TYPES[kind], strict=False)
    return pl.when(value.is_finite()).then(value) if kind == "float" else value


def stored_values(frame: pl.DataFrame, specs: dict[str, ColumnSpec]) -> pl.DataFrame:
    """Stored columns in the contract's canonical types (time zones normalised to UTC), plus for
    each column a type-failure mask named as in `specs[name]`'s key with `t` for `c`: a stored
    value that has no value in the contract's type (a uint64 beyond int64, NaN or infinity in a
    float column, 181.5 for an integer) is null there and reported as `type`, as CSV text that
    does not parse is."""
    import polars as pl

    columns: list[pl.Expr] = []
    masks: list[pl.Expr] = []
    for name, stored in frame.schema.items():
        column = pl.col(name)
        if isinstance(stored, pl.Datetime | pl.Date):
            column = pl.when(_in_calendar(column, stored)).then(column)
        value = _converted(column, stored, specs[name])
        columns.append(value.alias(name))
        masks.append((pl.col(name).is_not_null() & value.is_null()).alias("t" + name.removeprefix("c")))
    return frame.select(columns + masks)


def shown_stored(stored: pl.Series) -> list[str | None]:
    """Stored values as text for a report; a date or timestamp beyond years 1-9999 (which polars
    may not print) as its stored number and unit."""
    import polars as pl

    if not stored.dtype.is_temporal() or isinstance(stored.dtype, pl.Time | pl.Duration):
        return list(stored.cast(pl.String).to_list())
    frame = stored.to_frame("v")
    inside = frame.with_columns(ok=_in_calendar(pl.col("v"), stored.dtype) & pl.col("v").is_not_null())["ok"]
    unit = getattr(stored.dtype, "time_unit", None) or "days"
    numbers = stored.to_physical().cast(pl.String).to_list()
    texts = iter(stored.filter(inside).cast(pl.String).to_list())
    return [
        None if number is None else next(texts) if ok else f"{number} {unit} since 1970-01-01"
        for number, ok in zip(numbers, inside.to_list(), strict=True)
    ]
