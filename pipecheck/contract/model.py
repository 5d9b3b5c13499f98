"""Pydantic models of the contract format; the published JSON Schema is generated from them."""

from __future__ import annotations

import codecs
import datetime as dt
from typing import Annotated, Any, Literal

import re2
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, field_validator, model_validator

ColumnType = Literal["integer", "float", "string", "boolean", "date", "datetime"]
Number = StrictInt | StrictFloat
Bound = StrictInt | StrictFloat | dt.date | dt.datetime | str
AllowedValue = StrictBool | StrictInt | StrictFloat | str
NonNegativeInt = Annotated[StrictInt, Field(ge=0)]

NUMERIC_TYPES = ("integer", "float")
TEMPORAL_TYPES = ("date", "datetime")
DEFAULT_DATE_FORMAT = "%Y-%m-%d"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnSpec(_Strict):
    """The rules one column must satisfy."""

    type: ColumnType = Field(description="Declared type; CSV text must parse as it.")
    required: StrictBool = Field(True, description="The column must be present in the file.")
    nullable: StrictBool = Field(False, description="Null values (see csv.null_values) are allowed.")
    unique: StrictBool = Field(False, description="No value occurs twice in the whole file.")
    min: Bound | None = Field(None, description="Smallest allowed value (numbers, dates).")
    max: Bound | None = Field(None, description="Largest allowed value (numbers, dates).")
    allowed: list[AllowedValue] | None = Field(None, description="The only values allowed.")
    pattern: str | None = Field(None, description="RE2 regular expression every value must fully match.")
    min_length: NonNegativeInt | None = Field(None, description="Shortest allowed string length.")
    max_length: NonNegativeInt | None = Field(None, description="Longest allowed string length.")
    format: str | None = Field(None, description="strftime format for date/datetime columns.")
    timezone: Literal["aware", "naive"] | None = Field(
        None, description="datetime only: values must (aware) or must not (naive) carry an offset."
    )
    severity: Literal["error", "warning"] = Field("error", description="warning: reported, does not fail.")
    description: str | None = None

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re2.compile(value)
            except re2.error as exc:
                raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
        return value

    @model_validator(mode="after")
    def _rules_fit_type(self) -> ColumnSpec:
        for key in ("min", "max"):
            bound = getattr(self, key)
            if bound is None:
                continue
            if self.type in NUMERIC_TYPES and (isinstance(bound, bool) or not isinstance(bound, int | float)):
                raise ValueError(f"{key}: expected a number, got {bound!r}")
            if self.type in TEMPORAL_TYPES:
                parse_temporal_bound(bound, self.type)
            if self.type in ("string", "boolean"):
                raise ValueError(f"{key}: not supported for {self.type} columns (use min_length/max_length)")
        if self.min is not None and self.max is not None:
            low, high = (
                (parse_temporal_bound(self.min, self.type), parse_temporal_bound(self.max, self.type))
                if self.type in TEMPORAL_TYPES
                else (self.min, self.max)
            )
            if low > high:  # type: ignore[operator]
                raise ValueError(f"min ({self.min!r}) is greater than max ({self.max!r})")
        if self.min_length is not None and self.max_length is not None and self.min_length > self.max_length:
            raise ValueError(f"min_length ({self.min_length}) is greater than max_length ({self.max_length})")
        for key in ("pattern", "min_length", "max_length"):
            if getattr(self, key) is not None and self.type != "string":
                raise ValueError(f"{key}: only for string columns, not {self.type}")
        if self.format is not None and self.type not in TEMPORAL_TYPES:
            raise ValueError(f"format: only for date/datetime columns, not {self.type}")
        if self.timezone == "naive" and self.format and "z" in self.format:
            raise ValueError(f"timezone: naive contradicts format {self.format!r}, which has an offset")
        if self.timezone is not None and self.type != "datetime":
            raise ValueError(f"timezone: only for datetime columns, not {self.type}")
        if self.allowed is not None:
            for value in self.allowed:
                _check_allowed_value(value, self.type)
        return self


def _check_allowed_value(value: Any, column_type: str) -> None:
    ok = {
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, int | float) and not isinstance(value, bool),
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "date": isinstance(value, str | dt.date),
        "datetime": isinstance(value, str | dt.datetime),
    }[column_type]
    if not ok:
        raise ValueError(f"allowed: value {value!r} is not a {column_type}")


def parse_temporal_bound(bound: Any, column_type: str) -> dt.date | dt.datetime:
    """A date/datetime bound written in YAML as a date or an ISO string."""
    if column_type == "date":
        if isinstance(bound, dt.datetime):
            return bound.date()
        if isinstance(bound, dt.date):
            return bound
    elif isinstance(bound, dt.datetime):
        return bound
    elif isinstance(bound, dt.date):
        return dt.datetime(bound.year, bound.month, bound.day)
    if isinstance(bound, str):
        try:
            parsed = dt.datetime.fromisoformat(bound)
        except ValueError:
            pass
        else:
            return parsed.date() if column_type == "date" else parsed
    raise ValueError(f"expected an ISO {column_type} such as 2024-01-31, got {bound!r}")


class CsvDialect(_Strict):
    """How the CSV files governed by the contract are written."""

    delimiter: str = Field(",", min_length=1, max_length=1)
    quotechar: str = Field('"', min_length=1, max_length=1)
    escapechar: str | None = Field(None, min_length=1, max_length=1)
    doublequote: StrictBool = True
    encoding: str = "utf-8"
    header: StrictBool = True
    null_values: list[str] = Field(default_factory=lambda: [""])
    comment: str | None = Field(None, min_length=1, max_length=1, description="Lines starting with it are skipped.")

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}") from None
        return value

    @model_validator(mode="after")
    def _distinct_characters(self) -> CsvDialect:
        if self.delimiter in ("\n", "\r") or self.delimiter == self.quotechar:
            raise ValueError(f"delimiter {self.delimiter!r} cannot be a line break or the quote character")
        return self


class RowCount(_Strict):
    min: NonNegativeInt | None = None
    max: NonNegativeInt | None = None

    @model_validator(mode="after")
    def _ordered(self) -> RowCount:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


class TableChecks(_Strict):
    row_count: RowCount | None = None
    unique_together: list[Annotated[list[str], Field(min_length=1)]] = Field(default_factory=list)


class Contract(_Strict):
    """A data contract: which columns a file has and what their values must satisfy."""

    contract: str = Field(min_length=1, description="The contract's name.")
    version: str | None = None
    description: str | None = None
    match: list[str] = Field(default_factory=list, description="Globs (relative to the repo root) of governed files.")
    csv: CsvDialect = Field(default_factory=CsvDialect)
    extra_columns: Literal["error", "warn", "ignore"] = "error"
    ordered: StrictBool = False
    columns: dict[str, ColumnSpec]
    checks: TableChecks = Field(default_factory=TableChecks)

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @field_validator("match", mode="before")
    @classmethod
    def _single_glob(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _known_columns(self) -> Contract:
        for group in self.checks.unique_together:
            unknown = [name for name in group if name not in self.columns]
            if unknown:
                raise ValueError(f"checks.unique_together names unknown column(s): {', '.join(unknown)}")
        return self


def contract_json_schema() -> dict[str, Any]:
    schema = Contract.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "pipecheck data contract"
    return schema
