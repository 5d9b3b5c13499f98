"""From merged column profiles to a draft contract: types, null tokens, bounds, allowed values, unique candidates.

Every choice keeps the profiled data valid: a type is chosen only if every value parses as it, a
null token only where it occurs, bounds are rounded outward, never inward.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pipecheck.contract.model import INT64
from pipecheck.infer.candidates import NULL_TOKENS, TYPED_ORDER, by_key
from pipecheck.infer.profile import ALLOWED_MAX_CHARS, DISTINCT_LIMIT, ColumnProfile

# A string is key-like (a `unique` candidate) when it has no whitespace and at most this many characters.
KEY_MAX_CHARS = 64
# `unique` is proposed only from this many values up, every one distinct, and no nulls.
UNIQUE_MIN_VALUES = 10
# At most this many columns are proposed as unique (each is verified with a pass of its own keys).
MAX_UNIQUE_CANDIDATES = 3
_PRECISE = decimal.Context(prec=1200)  # enough for any float's exact decimal expansion


@dataclass
class ColumnDraft:
    name: str
    spec: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    unique_candidate: bool = False


@dataclass
class Decision:
    columns: list[ColumnDraft]
    null_values: list[str]
    temporal_max: bool  # some date/datetime column got a max bound


def decide(profiles: Sequence[ColumnProfile], files: int) -> Decision:
    """The draft of every column, and the null tokens the typed columns need."""
    chosen = {p.name: _choose_type(p) for p in profiles}
    needed = {""}
    for profile in profiles:
        key, _ = chosen[profile.name]
        if by_key()[key].type != "string":
            needed |= {token for token, count in profile.tokens.items() if count}
    null_values = [token for token in NULL_TOKENS if token in needed]
    drafts = [_column(p, chosen[p.name], null_values, files) for p in profiles]
    for draft in [d for d in drafts if d.unique_candidate][MAX_UNIQUE_CANDIDATES:]:
        draft.unique_candidate = False
    temporal_max = any(d.spec.get("type") in ("date", "datetime") and "max" in d.spec for d in drafts)
    return Decision(drafts, null_values, temporal_max)


def _choose_type(profile: ColumnProfile) -> tuple[str, list[str]]:
    """The narrowest candidate every value parses as, and notes on the choice."""
    viable = profile.viable or {}
    storable = profile.storable
    if profile.values == 0:
        key = storable[0] if storable and not profile.text else "string"
        return key, []  # said in _column, once the null tokens are known
    keys = [k for k in TYPED_ORDER if k in viable]
    if keys:
        return keys[0], _ambiguity(keys)
    # stored values no contract type holds (NaN or infinity in a float column, files that disagree)
    key = storable[0] if storable else "string"
    kind = by_key()[key].type
    return key, [f"not every value is a valid {kind} (NaN, infinity, or files that disagree): findings are warnings"]


def _ambiguity(keys: list[str]) -> list[str]:
    """A note when another format of the chosen type also reads every value (day/month order)."""
    chosen = by_key()[keys[0]].spec
    if chosen.format is None:
        return []
    same = chosen.format.replace("%y", "%Y")
    others = [
        spec.format
        for spec in (by_key()[k].spec for k in keys[1:])
        if spec.type == chosen.type and spec.format is not None and spec.format.replace("%y", "%Y") != same
    ]
    if not others:
        return []
    return [f"ambiguous: every value also parses as {', '.join(others)}; check the day/month order"]


def _column(profile: ColumnProfile, choice: tuple[str, list[str]], null_values: list[str], files: int) -> ColumnDraft:
    key, notes = choice
    candidate = by_key()[key]
    spec: dict[str, Any] = {"type": candidate.type}
    if candidate.spec.format is not None:
        spec["format"] = candidate.spec.format
    if candidate.spec.timezone is not None:
        spec["timezone"] = candidate.spec.timezone
    if profile.files < files:
        spec["required"] = False
    text_nulls = sum(count for token, count in profile.tokens.items() if token in null_values)
    if profile.values + sum(profile.tokens.values()) - text_nulls == 0:
        notes = ["no values: the type could not be inferred; set it", *notes]
    if profile.nulls + text_nulls:
        spec["nullable"] = True
    low, high = (profile.viable or {}).get(key, (None, None))
    if low is not None and high is not None and candidate.type in ("integer", "float", "date", "datetime"):
        spec["min"], spec["max"] = _bounds(low, high, candidate.type)
    if candidate.type == "string":
        allowed = _allowed(profile, null_values)
        if allowed is not None:
            spec["allowed"] = allowed
        key_like = not profile.spaced and profile.longest <= KEY_MAX_CHARS and allowed is None
    else:
        key_like = candidate.type == "integer"
    unique_candidate = (
        key_like and not profile.repeats and profile.values >= UNIQUE_MIN_VALUES and "nullable" not in spec
    )
    if notes and notes[0].startswith("not every value"):
        spec["severity"] = "warning"
    return ColumnDraft(profile.name, spec, notes, unique_candidate)


def _allowed(profile: ColumnProfile, null_values: list[str]) -> list[str] | None:
    """The values of a low-cardinality text column: at most DISTINCT_LIMIT, each seen twice on average."""
    if profile.distinct is None or profile.longest > ALLOWED_MAX_CHARS:
        return None
    counts = dict(profile.distinct)
    for token, count in profile.tokens.items():  # a token that is not a null is a value
        if token not in null_values and count:
            counts[token] = counts.get(token, 0) + count
    if not counts or len(counts) > DISTINCT_LIMIT or sum(counts.values()) < 2 * len(counts):
        return None
    return sorted(counts)


def _bounds(low: Any, high: Any, kind: str) -> tuple[Any, Any]:
    if kind == "date":
        return dt.date(low.year, 1, 1), dt.date(high.year, 12, 31)
    if kind == "datetime":
        # ISO text: a datetime object would be written with a YAML !!timestamp tag
        return f"{low.year:04d}-01-01T00:00:00", f"{high.year:04d}-12-31T23:59:59.999999"
    return round_outward(low, high, integer=kind == "integer")


def round_outward(low: float, high: float, *, integer: bool) -> tuple[Any, Any]:
    """min/max rounded outward to two significant digits of the range (of the value, for a constant).

    0.5..99999.99 -> 0..100000; 1990..2024 -> 1990..2024; 1.2..3.14159 -> 1.2..3.2. Never inward.
    """
    # a float's shortest repr is the text it was read from (1.2, not 1.19999...): round that
    lo, hi = (decimal.Decimal(repr(v) if isinstance(v, float) else v) for v in (low, high))
    reference = hi - lo if hi > lo else max(abs(lo), abs(hi))
    if reference == 0:
        return low, high
    step = decimal.Decimal(1).scaleb(reference.adjusted() - 1)
    if integer and step < 1:
        step = decimal.Decimal(1)
    down = lo.quantize(step, rounding=decimal.ROUND_FLOOR, context=_PRECISE)
    up = hi.quantize(step, rounding=decimal.ROUND_CEILING, context=_PRECISE)
    if integer:
        return max(int(down), INT64[0]), min(int(up), INT64[1])
    return _as_number(down, low, -math.inf), _as_number(up, high, math.inf)


def _as_number(rounded: decimal.Decimal, raw: float, outward: float) -> int | float:
    value = float(rounded)
    if not math.isfinite(value):
        return raw
    if (outward < 0 and value > raw) or (outward > 0 and value < raw):
        value = math.nextafter(value, outward)  # a float nearest the decimal can fall inside
    if value == int(value) and abs(value) < 2**53:
        return int(value)
    return value
