"""What a column may be inferred as: candidate types (with formats) in order of preference, and null tokens.

"Parses as" means exactly what `validate` means: every candidate is a ColumnSpec whose values are
read by `parsing.parse_expr`, so a change to a parsing rule changes inference with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pipecheck.contract.model import ColumnSpec

# Text that commonly stands for "no value"; one that occurs in an otherwise typed column becomes
# a csv.null_values entry ("" is one by default).
NULL_TOKENS = (
    *("", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "Null", "None", "none"),
    *("-", "--", "?", "#N/A", "nil"),
)

# Dates in these formats are recognised (ISO first; day/month order only where the data decides).
DATE_FORMATS = (
    None,  # ISO %Y-%m-%d, the contract's default
    "%Y/%m/%d",
    "%d/%m/%y",
    "%m/%d/%y",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
)
# ISO 8601 datetimes written one way: a format is narrower (and faster to check) than ISO's variants.
ISO_DATETIME_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f")
DATETIME_FORMATS = (
    "%d/%m/%Y %H:%M:%S%.f",
    "%m/%d/%Y %H:%M:%S%.f",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
    "%Y/%m/%d %H:%M:%S%.f",
    "%Y/%m/%d %H:%M",
    "%d.%m.%Y %H:%M:%S%.f",
    "%d.%m.%Y %H:%M",
)


@dataclass(frozen=True)
class Candidate:
    """One way a column could be declared; `key` names it in profiles."""

    key: str
    spec: ColumnSpec

    @property
    def type(self) -> str:
        return self.spec.type


@cache
def candidates() -> tuple[Candidate, ...]:
    """Every candidate, narrowest first; `string` (always possible for text) is last.

    Integer comes before boolean, so a 0/1 column is an integer: boolean needs words (true, no...).
    A date comes before a datetime (an ISO date also reads as a datetime at midnight).
    """
    found = [Candidate("integer", ColumnSpec(type="integer")), Candidate("boolean", ColumnSpec(type="boolean"))]
    found.append(Candidate("float", ColumnSpec(type="float")))
    found += [Candidate(f"date:{f or 'iso'}", ColumnSpec(type="date", format=f)) for f in DATE_FORMATS]
    found += [Candidate(f"datetime:{f}", ColumnSpec(type="datetime", format=f)) for f in ISO_DATETIME_FORMATS]
    found += [
        Candidate("datetime:iso:naive", ColumnSpec(type="datetime", timezone="naive")),
        Candidate("datetime:iso:aware", ColumnSpec(type="datetime", timezone="aware")),
        Candidate("datetime:iso", ColumnSpec(type="datetime")),
    ]
    found += [Candidate(f"datetime:{f}", ColumnSpec(type="datetime", format=f)) for f in DATETIME_FORMATS]
    found.append(Candidate("string", ColumnSpec(type="string")))
    return tuple(found)


@cache
def by_key() -> dict[str, Candidate]:
    return {c.key: c for c in candidates()}


TYPED_ORDER = tuple(c.key for c in candidates())


def stored_candidates(contract_type: str, time_zone: bool | None) -> tuple[str, ...]:
    """The candidates a column stored (Parquet) as `contract_type` satisfies: any format of that type;
    a zoned timestamp is aware, a naive one naive (storage_types' rule)."""
    keys = [c.key for c in candidates() if c.type == contract_type]
    if contract_type == "integer":
        keys.append("float")  # an integer column may be declared float
    if contract_type == "datetime" and time_zone is not None:
        keys = [k for k in keys if k != ("datetime:iso:naive" if time_zone else "datetime:iso:aware")]
        if time_zone:
            keys = [k for k in keys if k in ("datetime:iso:aware", "datetime:iso")]
    return tuple(k for k in TYPED_ORDER if k in keys)
