"""The profile file (`pipecheck snapshot` writes it, `validate --baseline` reads it): pydantic models,
the single source of its published JSON Schema, and loading one with one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipecheck.errors import UsageError

FORMAT_VERSION = 1
# Quantiles are kept at these probabilities: 0, 0.005, ..., 1 (a 0.5 % grid; see README).
GRID = 200
PROBABILITIES = tuple(i / GRID for i in range(GRID + 1))
MAX_PROFILE_BYTES = 64 << 20  # a profile is kilobytes; a huge file is not one

Finite = Annotated[float, Field(allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Numbers(_Frozen):
    """Numbers, dates (days since 1970-01-01) and datetimes (microseconds since 1970-01-01, UTC)."""

    unit: Literal["value", "days", "microseconds"] = Field(description="What the numbers below count.")
    min: Finite
    max: Finite
    mean: Finite
    std: Finite = Field(ge=0, description="Population standard deviation.")
    quantiles: list[Finite] = Field(
        min_length=GRID + 1,
        max_length=GRID + 1,
        description=f"Values at probabilities 0, 1/{GRID}, ..., 1 (KLL sketch, rank error about 0.3 %).",
    )


class Categories(_Frozen):
    """The most frequent values (text and booleans) with their counts."""

    values: dict[str, Count] = Field(description="Value -> rows holding it, most frequent first.")
    exact: bool = Field(description="True when `values` holds every distinct value with its exact count.")
    other: Count = Field(description="Non-null rows whose value is not in `values`.")


class Lengths(_Frozen):
    """String lengths in characters."""

    min: Count
    max: Count
    mean: Finite


class ColumnProfile(_Frozen):
    type: str = Field(description="The contract's type of the column.")
    rows: Count = Field(description="Rows profiled.")
    nulls: Count = Field(description="Null values (csv.null_values, or stored nulls).")
    invalid: Count = Field(0, description="Values that did not parse as the type (not nulls).")
    distinct: Count = Field(description="Distinct non-null values: exact with exact categories, else HLL (~1.6 %).")
    numbers: Numbers | None = None
    categories: Categories | None = None
    lengths: Lengths | None = None


class SchemaColumn(_Frozen):
    name: str
    type: str | None = Field(None, description="The contract's type; absent for a column the contract does not name.")
    stored: str = Field(description="How the file stores it: 'text' for CSV/JSON Lines, the Arrow type for Parquet.")


class Source(_Frozen):
    path: str
    rows: Count
    format: str | None = None


class Profile(_Frozen):
    """A profile of one or more data files: their schema and per-column statistics."""

    pipecheck_profile: Literal[1] = Field(description="The profile format's version.")
    pipecheck: str = Field(description="The pipecheck version that wrote it.")
    created: str = Field(description="When it was recorded (UTC, ISO 8601).")
    contract: str = Field(description="The name of the contract the data was read with.")
    rows: Count
    sources: list[Source]
    schema_: list[SchemaColumn] = Field(alias="schema", description="The file's columns, in file order.")
    columns: dict[str, ColumnProfile] = Field(description="Statistics of each contract column that was read.")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def profile_json_schema() -> dict[str, Any]:
    schema = Profile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "pipecheck profile"
    return schema


def dump_profile(profile: Profile) -> str:
    """Indented JSON with each list of numbers on one line (a quantile grid is 201 of them)."""
    text = json.dumps(profile.model_dump(by_alias=True, exclude_none=True), indent=1, ensure_ascii=False)
    return _NUMBER_LIST.sub(lambda found: "[" + ", ".join(found.group(1).split()).replace(",,", ",") + "]", text) + "\n"


_NUMBER_LIST = re.compile(r"\[\s*((?:-?[0-9][0-9.eE+-]*,?\s*)+)\]")


def load_profile(path: Path, shown: str) -> Profile:
    """A baseline profile from disk; anything wrong with it is one usage error naming the file."""
    try:
        if path.is_dir():
            raise UsageError(f"{shown}: is a directory, not a baseline profile")
        with path.open("rb") as handle:
            raw = handle.read(MAX_PROFILE_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(
            f"{shown}: no such baseline", hint="record one with 'pipecheck snapshot DATA -o FILE'"
        ) from None
    except OSError as exc:
        raise UsageError(f"{shown}: cannot read the baseline: {exc.strerror or exc}") from None
    if len(raw) > MAX_PROFILE_BYTES:
        raise UsageError(f"{shown}: larger than {MAX_PROFILE_BYTES >> 20} MB; not a pipecheck profile")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{shown}: not a JSON profile: {exc}") from None
    if not isinstance(data, dict) or "pipecheck_profile" not in data:
        raise UsageError(f"{shown}: not a pipecheck profile (no 'pipecheck_profile' version key)")
    version = data["pipecheck_profile"]
    if version != FORMAT_VERSION:
        raise UsageError(
            f"{shown}: profile format version {version!r}; this pipecheck reads version {FORMAT_VERSION}",
            hint="record the baseline again with this pipecheck's 'pipecheck snapshot'",
        )
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        raise UsageError(f"{shown}: {where}: {error['msg']}") from None
