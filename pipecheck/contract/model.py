"""Pydantic models of the contract format; the published JSON Schema is generated from them."""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import json
import math
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    Tag,
    field_validator,
    model_validator,
)

if TYPE_CHECKING:
    import polars as pl

ColumnType = Literal["integer", "float", "string", "boolean", "date", "datetime"]
Number = StrictInt | StrictFloat
Bound = StrictInt | StrictFloat | dt.date | dt.datetime | str
AllowedValue = StrictBool | StrictInt | StrictFloat | dt.datetime | dt.date | str
NonNegativeInt = Annotated[StrictInt, Field(ge=0)]
Severity = Literal["error", "warning"]
CompareOp = Literal["==", "!=", "<", "<=", ">", ">="]
Location = tuple[str | int, ...]

NUMERIC_TYPES = ("integer", "float")
INT64 = (-(2**63), 2**63 - 1)
TEMPORAL_TYPES = ("date", "datetime")
DEFAULT_DATE_FORMAT = "%Y-%m-%d"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _fraction_written_as_fraction(value: Any) -> Any:
    """A percentage written as text or as a number above 1 is refused with the fraction it meant:
    the contract writes fractions as numbers (0.05 for drift's null_rate), so 0.99, not 99%."""
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("%"):
            try:
                meant = float(text[:-1]) / 100
            except ValueError:
                meant = None
            if meant is not None and 0 < meant <= 1:
                raise ValueError(f"expected a fraction such as 0.99, got {value!r} (write {value} as {meant:g})")
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is not None and "e" in text.lower() and "." not in text:  # YAML 1.1 reads 1e-3 as text
            mantissa, _, exponent = text.lower().partition("e")
            raise ValueError(f"expected a number, got the text {value!r} (YAML needs a point: {mantissa}.0e{exponent})")
        if number is not None:
            raise ValueError(f"expected a number, got the text {value!r} (write it without quotes)")
        raise ValueError(f"expected a fraction such as 0.99 (0 < mostly <= 1), got {value!r}")
    if isinstance(value, float) and math.isnan(value):
        raise ValueError("expected a fraction such as 0.99 (0 < mostly <= 1), got nan")
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 < value <= 100:
        raise ValueError(f"must be a fraction <= 1 (0.99 for 99%), got {value}")
    return value


# The fraction of a rule's non-null values that must pass (Great Expectations' `mostly`).
Fraction_ = Annotated[
    StrictInt | StrictFloat, BeforeValidator(_fraction_written_as_fraction), Field(gt=0, le=1, allow_inf_nan=False)
]
# The tags are names the loader's path_is_tag drops from an error's location.
Mostly = Annotated[
    Annotated[Fraction_, Tag("float")] | Annotated[dict[str, Fraction_], Tag("dict[str, float]")],
    Discriminator(lambda value: "dict[str, float]" if isinstance(value, dict) else "float"),
]
# The column rules a `mostly` tolerates: those judged value by value (rules.py; tests/test_mostly.py
# holds this against COLUMN_RULES). Not nullable (nulls are what mostly leaves out), required, unique.
VALUE_RULES = ("type", "min", "max", "allowed", "pattern", "min_length", "max_length", "multiple_of")
MOSTLY_HELP = (
    "the fraction (0 < mostly <= 1) of non-null values that must pass: below it the rule's finding is "
    "an error, at or above it a warning with the observed fraction"
)


DriftMetric = Literal["wasserstein", "psi", "ks", "l_infinity", "jensen_shannon"]
NUMBER_METRICS = ("wasserstein", "psi", "ks")
CATEGORY_METRICS = ("l_infinity", "psi", "jensen_shannon")
Threshold = Annotated[StrictInt | StrictFloat, Field(ge=0, allow_inf_nan=False)]


class Thresholds(_Strict):
    """From `warn` on a change is a warning, from `error` on an error; null turns a level off."""

    warn: Threshold | None = Field(None, description="Smallest value reported as a warning.")
    error: Threshold | None = Field(None, description="Smallest value reported as an error.")

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.warn is not None and self.error is not None and self.warn > self.error:
            raise ValueError(f"warn ({self.warn}) is greater than error ({self.error})")
        return self


class MetricThresholds(Thresholds):
    metric: DriftMetric | None = Field(None, description="The drift statistic (see the README).")


class ColumnDrift(MetricThresholds):
    """A column's drift settings (over the contract's `drift:` defaults)."""

    null_rate: Thresholds | None = Field(None, description="Change of the null fraction (0.05: 5 points).")
    new_category: Thresholds | None = Field(None, description="Share of rows in values the baseline never had.")


class QuarantineSettings(_Strict):
    """How many invalid rows a file may have and still pass (see --max-invalid)."""

    max_invalid: Annotated[str, Field(pattern=r"^\s*\d+(\.\d+)?\s*%\s*$|^\s*\d+\s*$")] | NonNegativeInt | None = Field(
        None, description="Rows (100) or a share of the file's rows ('0.5%')."
    )

    @field_validator("max_invalid")
    @classmethod
    def _at_most_all(cls, value: str | int | None) -> str | int | None:
        if isinstance(value, str) and value.strip().endswith("%") and float(value.strip()[:-1]) > 100:
            raise ValueError("a percentage of the file's rows is at most 100%")
        return value


class ContractDrift(_Strict):
    """Drift against a baseline profile (`pipecheck snapshot`): defaults for every column."""

    baseline: str | None = Field(None, description="Baseline profile, relative to the config root.")
    numbers: MetricThresholds | None = Field(None, description="Integer and float columns (and dates that opt in).")
    categories: MetricThresholds | None = Field(None, description="String and boolean columns with few values.")
    null_rate: Thresholds | None = None
    new_category: Thresholds | None = None
    dataset: Thresholds | None = Field(None, description="Share of compared columns that drifted.")
    schema_change: Severity = Field("warning", description="Severity of columns added, removed, retyped, moved.")


class ColumnSpec(_Strict):
    """The rules one column must satisfy."""

    type: ColumnType = Field(description="Declared type; CSV text must parse as it.")
    required: StrictBool = Field(True, description="The column must be present in the file.")
    nullable: StrictBool = Field(False, description="Null values (see csv.null_values) are allowed.")
    unique: StrictBool = Field(False, description="No value occurs twice in the whole file.")
    min: Bound | None = Field(None, description="Smallest allowed value (numbers, dates).")
    max: Bound | None = Field(None, description="Largest allowed value (numbers, dates).")
    allowed: Annotated[list[AllowedValue], Field(min_length=1)] | None = Field(
        None, description="The only values allowed (at least one)."
    )
    pattern: str | None = Field(
        None, description="Regular expression (Rust regex syntax, as polars runs it) every value must fully match."
    )
    min_length: NonNegativeInt | None = Field(None, description="Shortest allowed string length.")
    max_length: NonNegativeInt | None = Field(None, description="Longest allowed string length.")
    multiple_of: Annotated[StrictInt | StrictFloat, Field(gt=0)] | None = Field(
        None, description="Numbers only: every value is a whole multiple of it (e.g. 0.01 for cents)."
    )
    format: str | None = Field(None, description="strftime format for date/datetime columns.")
    timezone: Literal["aware", "naive"] | None = Field(
        None, description="datetime only: values must (aware) or must not (naive) carry an offset."
    )
    severity: Literal["error", "warning"] = Field("error", description="warning: reported, does not fail.")
    mostly: Mostly | None = Field(
        None,
        description=(
            f"For each value rule of the column ({', '.join(VALUE_RULES)}), or per rule name as a mapping: "
            f"{MOSTLY_HELP}."
        ),
    )
    drift: ColumnDrift | StrictBool | None = Field(
        None, description="Drift against a baseline: settings, false (off) or true (on for dates and unique columns)."
    )
    description: str | None = None

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        """Compiled by the engine that runs it (polars: Rust `regex` syntax), anchored as it runs."""
        if value is not None:
            import polars as pl

            try:
                pl.Series([""], dtype=pl.String).str.contains(f"^(?:{value})$")
            except pl.exceptions.PolarsError as exc:
                raise ValueError(f"invalid regular expression {value!r}: {_regex_reason(exc)}") from None
        return value

    @field_validator("format")
    @classmethod
    def _format_parses(cls, value: str | None) -> str | None:
        """A strftime format the engine's parser accepts (polars refuses, say, an hour without minutes)."""
        if value is not None:
            import polars as pl

            try:
                pl.Series(["2024-01-31"], dtype=pl.String).str.strptime(pl.Datetime("us"), value, strict=False)
            except pl.exceptions.PolarsError as exc:
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise ValueError(f"format {value!r} is not one the parser accepts: {reason}") from None
        return value

    @model_validator(mode="after")
    def _rules_fit_type(self) -> ColumnSpec:
        for key in ("min", "max"):
            bound = getattr(self, key)
            if bound is None:
                continue
            if self.type in NUMERIC_TYPES and (isinstance(bound, bool) or not isinstance(bound, int | float)):
                raise ValueError(f"{key}: expected a number, got {bound!r}")
            if isinstance(bound, float) and not math.isfinite(bound):
                raise ValueError(f"{key}: expected a finite number, got {bound!r}")
            if self.type == "integer" and isinstance(bound, int) and not INT64[0] <= bound <= INT64[1]:
                raise ValueError(f"{key}: {bound} is beyond the 64-bit integers an integer column holds")
            if self.type in TEMPORAL_TYPES:
                parse_temporal_bound(bound, self.type)
            if self.type in ("string", "boolean"):
                raise ValueError(f"{key}: not supported for {self.type} columns (use min_length/max_length)")
        if self.min is not None and self.max is not None:
            low, high = (
                (
                    _comparable(parse_temporal_bound(self.min, self.type)),
                    _comparable(parse_temporal_bound(self.max, self.type)),
                )
                if self.type in TEMPORAL_TYPES
                else (self.min, self.max)
            )
            if low > high:  # type: ignore[operator]
                raise ValueError(f"min ({self.min!r}) is greater than max ({self.max!r})")
        if self.min_length is not None and self.max_length is not None and self.min_length > self.max_length:
            raise ValueError(f"min_length ({self.min_length}) is greater than max_length ({self.max_length})")
        if self.multiple_of is not None and self.type not in NUMERIC_TYPES:
            raise ValueError(f"multiple_of: only for integer and float columns, not {self.type}")
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

    def value_rules(self) -> tuple[str, ...]:
        """The rules of this column a `mostly` applies to (rules.py's `applies`, for VALUE_RULES)."""
        return tuple(
            name
            for name in VALUE_RULES
            if (self.type != "string" if name == "type" else getattr(self, name) is not None)
        )

    def mostly_of(self, rule: str) -> float | None:
        """The fraction a rule of this column must reach; None when it must hold on every value (1 means that too)."""
        mostly = self.mostly
        fraction = mostly.get(rule) if isinstance(mostly, dict) else mostly if rule in VALUE_RULES else None
        return None if fraction is None or fraction >= 1 else float(fraction)

    @model_validator(mode="after")
    def _mostly_names_own_rules(self) -> ColumnSpec:
        if self.mostly is None:
            return self
        own = self.value_rules()
        applies = f"mostly can apply to this column's {', '.join(own)}" if own else "no rule here takes mostly"
        if not isinstance(self.mostly, dict):
            if not own:
                typed = " (a string column has no type rule)" if self.type == "string" else ""
                message = f"the column has no rule mostly applies to{typed}; it tolerates {', '.join(VALUE_RULES)}"
                raise CheckProblems([(("mostly",), message)])
            return self
        problems: list[tuple[Location, str]] = []
        if not self.mostly:
            problems.append((("mostly",), "must not be empty: name the rules it applies to, or write one fraction"))
        for key in self.mostly:
            if key in own:
                continue
            if key in ("nullable", "required", "unique"):
                why = {
                    "nullable": "nulls are what mostly leaves out of its fraction",
                    "required": "it is about the column, not its values",
                    "unique": "duplicates are judged over the whole file, not value by value",
                }[key]
                message = f"mostly does not apply to {key} ({why}); {applies}"
            elif key == "type":
                message = f"a string column has no type rule (any text is a string); {applies}"
            elif key in VALUE_RULES:
                message = f"the column has no {key} rule; {applies}"
            else:
                close = difflib.get_close_matches(key, [*own, *VALUE_RULES], n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                message = f"unknown rule {key!r}{hint}; {applies}"
            problems.append((("mostly", key), message))
        if problems:
            raise CheckProblems(problems, at_keys=True)
        return self


def _regex_reason(exc: Exception) -> str:
    """The line of polars' regex error that says what is wrong (it quotes the pattern first)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    said = [line for line in lines if line.startswith("error:")]
    return said[0].removeprefix("error:").strip() if said else (lines[0] if lines else type(exc).__name__)


def _comparable(value: dt.date | dt.datetime) -> dt.date | dt.datetime:
    """An aware datetime as naive UTC, as the engine compares it: aware and naive bounds compare."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


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
        raise ValueError(f"allowed: value {value!r} is not {'an' if column_type == 'integer' else 'a'} {column_type}")
    if column_type in TEMPORAL_TYPES:
        try:
            parse_temporal_bound(value, column_type)
        except ValueError as exc:
            raise ValueError(f"allowed: {exc}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"allowed: expected a finite number, got {value!r}")
    if column_type == "integer" and not INT64[0] <= value <= INT64[1]:
        raise ValueError(f"allowed: {value} is beyond the 64-bit integers an integer column holds")


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


class ParquetOptions(_Strict):
    """How Parquet files governed by the contract are judged."""

    storage_mismatch: Literal["error", "warn", "ignore"] = Field(
        "warn",
        description=(
            "Severity of the finding that a column is stored with another type whose values convert "
            "(double holding whole numbers for an integer column, text for any type): its values are "
            "checked either way. A stored type with no conversion is always reported at the column's severity."
        ),
    )


class RowCount(_Strict):
    min: NonNegativeInt | None = None
    max: NonNegativeInt | None = None

    @model_validator(mode="after")
    def _ordered(self) -> RowCount:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


class Compare(_Strict):
    """Cross-column rule: on every row, ``left op right`` must hold.

    Comparable column types: integer with float (numbers); date with datetime (a date counts as
    midnight, 00:00:00, of that day); string with string (by code point) and boolean with boolean
    (only ``==`` and ``!=``).
    """

    left: str = Field(min_length=1, description="Column on the left of the comparison.")
    op: CompareOp = Field(description="Comparison operator.")
    right: str = Field(min_length=1, description="Column on the right of the comparison.")
    severity: Severity = Field("error", description="warning: reported, does not fail.")
    mostly: Fraction_ | None = Field(None, description=f"Of the rows where both sides are non-null, {MOSTLY_HELP}.")
    description: str | None = None

    @model_validator(mode="after")
    def _two_columns(self) -> Compare:
        if self.left == self.right:
            raise ValueError(f"right: is the same column as left ({self.left!r}); compare two different columns")
        return self


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class Expression(_Strict):
    """Cross-column rule written as a row-level polars SQL condition that must be true on every row.

    The SQL is parsed by polars' own SQL expression parser (``polars.sql_expr``) into a polars
    expression; polars SQL has no user-defined functions and runs no user code. Columns whose names
    are not plain identifiers are written as double-quoted identifiers: ``"ship date" >= created_at``.
    """

    sql: str = Field(
        min_length=1,
        description=(
            "Row-level polars SQL boolean condition over the contract's columns, e.g. "
            '"amount * quantity < 100000 OR status = \'cancelled\'"; quote odd column names as "like this".'
        ),
    )
    name: str = Field(
        "",  # replaced by the SQL text when absent (see _name_defaults_to_sql); not in the schema
        min_length=1,
        description="Short rule name used in reports; default: the SQL text.",
        json_schema_extra=_without_default,
    )
    severity: Severity = Field("error", description="warning: reported, does not fail.")
    mostly: Fraction_ | None = Field(
        None, description=f"Of the rows where the condition is true or false, {MOSTLY_HELP}."
    )
    description: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _name_defaults_to_sql(cls, data: Any) -> Any:
        if isinstance(data, dict) and "name" not in data and isinstance(data.get("sql"), str) and data["sql"]:
            return {**data, "name": data["sql"]}
        return data


class TableChecks(_Strict):
    row_count: RowCount | None = None
    unique_together: list[Annotated[list[str], Field(min_length=1)]] = Field(default_factory=list)
    compare: list[Compare] = Field(
        default_factory=list, description="Column-against-column comparisons every row must satisfy."
    )
    expression: list[Expression] = Field(
        default_factory=list, description="Row-level polars SQL conditions every row must satisfy."
    )


class CheckProblems(ValueError):
    """Problems of the table checks found against the columns, each at its path from the contract root.

    The loader reports each one at its own YAML node; outside the loader the text lists them all.
    """

    def __init__(self, problems: list[tuple[Location, str]], *, at_keys: bool = False) -> None:
        self.problems = problems
        self.at_keys = at_keys  # the problem is the key itself (a name), not its value
        super().__init__("; ".join(f"{_dotted(loc)}: {message}" for loc, message in problems))


def _dotted(loc: Location) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")


def polars_dtypes() -> dict[str, pl.DataType]:
    """The polars type each contract column type is checked as (polars imported only when called)."""
    import polars as pl

    return {
        "integer": pl.Int64(),
        "float": pl.Float64(),
        "string": pl.String(),
        "boolean": pl.Boolean(),
        "date": pl.Date(),
        "datetime": pl.Datetime("us"),
    }


def _unknown_column(name: str, columns: dict[str, ColumnSpec]) -> str:
    known = list(columns)
    close = [c for c in known if c.casefold() == name.casefold()] or difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown column {name!r}{hint}; the contract's columns are: {', '.join(known)}"


def _compare_problems(rule: Compare, columns: dict[str, ColumnSpec]) -> list[tuple[Location, str]]:
    missing = [(side, name) for side, name in (("left", rule.left), ("right", rule.right)) if name not in columns]
    if missing:
        return [((side,), _unknown_column(name, columns)) for side, name in missing]
    left, right = columns[rule.left].type, columns[rule.right].type
    comparable = (
        (left in NUMERIC_TYPES and right in NUMERIC_TYPES)
        or (left in TEMPORAL_TYPES and right in TEMPORAL_TYPES)
        or left == right
    )
    if not comparable:
        return [((), f"{rule.left} is {_a(left)} and {rule.right} is {_a(right)}; they cannot be compared")]
    if left == "boolean" and rule.op not in ("==", "!="):
        return [(("op",), f"booleans are compared only with == or !=, not {rule.op!r}")]
    return []


def _a(column_type: str) -> str:
    return f"an {column_type}" if column_type[0] in "aeiou" else f"a {column_type}"


# Nodes of a serialized polars expression that look at more than the current row.
_NOT_ROW_LEVEL = {"Agg": "an aggregate", "Over": "a window function", "SubPlan": "a subquery", "Len": "a row count"}


def _expression_problem(sql: str, columns: dict[str, ColumnSpec]) -> str | None:
    """Why ``sql`` is not a row-level true/false condition over ``columns`` (None when it is one).

    Polars SQL is parsed into a polars expression, never executed as a query, and has no way to run
    user code; the expression is evaluated once on an empty frame typed as the contract says.
    """
    import polars as pl

    shown = _show_sql(sql)
    try:
        expr = pl.sql_expr(sql)
    except (Exception, pl.exceptions.PanicException) as exc:
        return f"{shown} is not a valid SQL expression: {_first_line(exc)}"
    try:
        roots = expr.meta.root_names()
        many = expr.meta.has_multiple_outputs()
        tree = expr.meta.serialize(format="json")
    except (Exception, pl.exceptions.PanicException) as exc:
        return f"{shown} is not a true/false condition: {_first_line(exc)}"
    if any(root.startswith("_POLARS_TMP_SQL") for root in roots) or '"SubPlan"' in tree:
        return f"{shown} is not a row-level condition: it contains a subquery"
    unknown = next((root for root in roots if root not in columns), None)
    if unknown is not None:
        return f"{shown}: {_unknown_column(unknown, columns)}"
    if many:
        return f"{shown} is not a single condition: it expands to several columns"
    if not roots:
        return f"{shown} is not a row-level condition: it references no column"
    kind = _not_row_level(json.loads(tree))
    if kind is not None:
        return f"{shown} is not a row-level condition: it uses {kind}, which looks at more than one row"
    types = polars_dtypes()
    empty = pl.DataFrame(schema={name: types[spec.type] for name, spec in columns.items()})
    try:
        result = empty.select(expr)
    except (Exception, pl.exceptions.PanicException) as exc:
        return f"{shown} is not a true/false condition: {_first_line(exc)}"
    if result.width != 1 or result.height != 0:
        return f"{shown} is not a row-level condition: it yields {result.height} value(s) for an empty table"
    dtype = result.dtypes[0]
    if dtype != pl.Boolean:
        return f"{shown} is not a true/false condition: it yields {dtype} values"
    return None


def _not_row_level(node: Any) -> str | None:
    if isinstance(node, str):
        return _NOT_ROW_LEVEL.get(node)
    if isinstance(node, list):
        return next((kind for kind in map(_not_row_level, node) if kind is not None), None)
    if isinstance(node, dict):
        for key, value in node.items():
            kind = _NOT_ROW_LEVEL.get(key) or _not_row_level(value)
            if kind is not None:
                return kind
    return None


def _show_sql(sql: str) -> str:
    text = repr(sql)
    return text if len(text) <= 60 else text[:57] + "..."


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


class Contract(_Strict):
    """A data contract: which columns a file has and what their values must satisfy."""

    contract: str = Field(min_length=1, description="The contract's name.")
    version: str | None = None
    description: str | None = None
    match: list[str] = Field(default_factory=list, description="Globs (relative to the repo root) of governed files.")
    csv: CsvDialect = Field(default_factory=CsvDialect)
    parquet: ParquetOptions = Field(default_factory=ParquetOptions)
    extra_columns: Literal["error", "warn", "ignore"] = "error"
    ordered: StrictBool = False
    columns: dict[str, ColumnSpec]
    checks: TableChecks = Field(default_factory=TableChecks)
    drift: ContractDrift = Field(default_factory=ContractDrift, description="Drift against a baseline profile.")
    quarantine: QuarantineSettings = Field(default_factory=QuarantineSettings, description="Tolerance of invalid rows.")

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
        problems: list[tuple[Location, str]] = []
        for g, group in enumerate(self.checks.unique_together):
            for c, name in enumerate(group):
                if name in group[:c]:
                    problems.append((("checks", "unique_together", g, c), f"column {name!r} is named twice"))
                elif name not in self.columns:
                    close = difflib.get_close_matches(name, list(self.columns), n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    problems.append((("checks", "unique_together", g, c), f"unknown column {name!r}{hint}"))
        for i, rule in enumerate(self.checks.compare):
            problems += [(("checks", "compare", i, *loc), msg) for loc, msg in _compare_problems(rule, self.columns)]
        for i, expression in enumerate(self.checks.expression):
            message = _expression_problem(expression.sql, self.columns)
            if message is not None:
                problems.append((("checks", "expression", i, "sql"), message))
        problems += _drift_problems(self)
        if problems:
            raise CheckProblems(problems)
        return self


def _drift_problems(contract: Contract) -> list[tuple[Location, str]]:
    """Drift metrics that do not fit the columns they would measure, each at its `metric:` key."""
    problems: list[tuple[Location, str]] = []
    for key, fits, other in (("numbers", NUMBER_METRICS, "categories"), ("categories", CATEGORY_METRICS, "numbers")):
        spec = getattr(contract.drift, key)
        if spec is not None and spec.metric not in (None, *fits):
            problems.append((("drift", key, "metric"), f"{spec.metric} is for {other}; use one of {', '.join(fits)}"))
    for name, column in contract.columns.items():
        drift = column.drift
        if isinstance(drift, ColumnDrift) and drift.metric is not None:
            fits = NUMBER_METRICS if column.type in (*NUMERIC_TYPES, *TEMPORAL_TYPES) else CATEGORY_METRICS
            if drift.metric not in fits:
                message = f"{drift.metric} does not apply to {column.type} columns; use one of {', '.join(fits)}"
                problems.append((("columns", name, "drift", "metric"), message))
    return problems


def contract_json_schema() -> dict[str, Any]:
    schema = Contract.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "pipecheck data contract"
    return schema
