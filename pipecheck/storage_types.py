"""Parquet columns are typed on disk: which stored types satisfy a contract type, and the cast."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipecheck.compile import CompiledContract
from pipecheck.findings import Finding
from pipecheck.readers import UnreadableFile

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


def convert_frame(frame: pl.DataFrame, types: dict[str, pl.DataType]) -> pl.DataFrame:
    """Cast stored columns to the contract's canonical types (time zones normalised to UTC)."""
    import polars as pl

    columns = []
    for name, stored in frame.schema.items():
        column = pl.col(name)
        if isinstance(stored, pl.Datetime) and stored.time_zone is not None:
            column = column.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        columns.append(column.cast(types[name]))
    try:
        return frame.select(columns)
    except pl.exceptions.PolarsError as exc:  # e.g. a uint64 beyond int64
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnreadableFile(f"stored values do not fit the contract's types: {first}") from None
