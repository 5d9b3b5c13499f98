"""How CSV text becomes typed values: one documented rule per contract type.

Each rule is a polars expression over a text column (nulls already applied) that yields the
typed value, or null where the text does not parse; the engine reports those as `type`.
"""

from __future__ import annotations

import polars as pl

from pipecheck.contract.model import DEFAULT_DATE_FORMAT, ColumnSpec, polars_dtypes

INTEGER_TEXT = r"^[+-]?[0-9]+(\.0*)?$"
# A whole number written as a float (pandas writes an integer column with nulls so: 181.0).
WHOLE_SUFFIX = r"\.0*$"
FLOAT_TEXT = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")
# A date alone is midnight; minutes without seconds may carry an offset too (10:00Z).
ISO_NAIVE_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d")
ISO_AWARE_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M%#z", "%Y-%m-%d %H:%M%#z")
# chrono reads second 60 (a leap second) as the next minute: refused, as Python's datetime does.
LEAP_SECOND = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:6"

POLARS_TYPES: dict[str, pl.DataType] = polars_dtypes()

TYPE_EXPECTATIONS = {
    "integer": (
        "an integer (digits with an optional sign, or a whole number such as 181.0; "
        "no separators, fractions or exponents)"
    ),
    "float": "a finite number (e.g. 12.5, -3, 1e3)",
    "string": "text",
    "boolean": "a boolean (true/false, yes/no, t/f, y/n, 1/0)",
    "date": "a date",
    "datetime": "a datetime",
}


def expected_text(spec: ColumnSpec) -> str:
    if spec.type == "date":
        return f"a date in format {spec.format or DEFAULT_DATE_FORMAT}"
    if spec.type == "datetime":
        zone = {"aware": " with a UTC offset", "naive": " without a UTC offset", None: ""}[spec.timezone]
        return f"a datetime in format {spec.format}{zone}" if spec.format else f"an ISO 8601 datetime{zone}"
    return TYPE_EXPECTATIONS[spec.type]


def parse_expr(text: pl.Expr, spec: ColumnSpec, *, strip: bool = True) -> pl.Expr:
    """The typed value of `text` under the column's type, null where it does not parse.

    Whitespace around a value is allowed. `strip=False` is the quick pass over the common spelling:
    the text as it is, and an integer without a `.0` suffix. The engine parses with it first and
    retries only the failures with the full rule, since stripping (or a regex over) every value
    costs as much as parsing it (checking.py `_typed`).
    """
    stripped = text.str.strip_chars() if strip else text
    kind = spec.type
    if kind == "string":
        return text
    if kind == "integer":
        # polars' cast accepts exactly sign and digits within int64, the suffix stripped it accepts
        # exactly INTEGER_TEXT (tests/test_parsing.py pins both): no regex pass over every value.
        number = stripped.cast(pl.Int64, strict=False)
        if not strip:
            return number
        return pl.coalesce(number, stripped.str.replace(WHOLE_SUFFIX, "").cast(pl.Int64, strict=False))
    if kind == "float":
        # The cast accepts exactly FLOAT_TEXT plus NaN/inf spellings; finite numbers only, so NaN,
        # inf and overflowing digits (1e400 reads as inf) are type findings.
        number = stripped.cast(pl.Float64, strict=False)
        return pl.when(number.is_finite()).then(number)
    if kind == "boolean":
        lowered = stripped.str.to_lowercase()
        return pl.when(lowered.is_in(TRUE_WORDS)).then(True).when(lowered.is_in(FALSE_WORDS)).then(False)
    if kind == "date":
        # cache=False: polars' parse cache costs more than it saves on mostly distinct values.
        return stripped.str.strptime(pl.Date, spec.format or DEFAULT_DATE_FORMAT, strict=False, cache=False)
    return _datetime_expr(stripped, spec)


def _datetime_expr(text: pl.Expr, spec: ColumnSpec) -> pl.Expr:
    if spec.format:
        aware_format = "%z" in spec.format or "%#z" in spec.format or "%:z" in spec.format
        if aware_format:
            parsed = text.str.strptime(pl.Datetime("us", "UTC"), spec.format, strict=False, cache=False)
            parsed = parsed.dt.replace_time_zone(None)
            return parsed if spec.timezone != "naive" else pl.lit(None, dtype=pl.Datetime("us"))
        parsed = text.str.strptime(pl.Datetime("us"), spec.format, strict=False, cache=False)
        return parsed if spec.timezone != "aware" else pl.lit(None, dtype=pl.Datetime("us"))
    naive = pl.coalesce([text.str.strptime(pl.Datetime("us"), f, strict=False, cache=False) for f in ISO_NAIVE_FORMATS])
    aware = pl.coalesce(
        [
            text.str.strptime(pl.Datetime("us", "UTC"), f, strict=False, cache=False).dt.replace_time_zone(None)
            for f in ISO_AWARE_FORMATS
        ]
    )
    parsed = aware if spec.timezone == "aware" else naive if spec.timezone == "naive" else pl.coalesce([naive, aware])
    return pl.when(~text.str.contains(LEAP_SECOND)).then(parsed)
