"""Classify the changes of one column present in both versions of a contract, key by key.

Judged as in `contract.diff`: a key made stricter breaks producers, one relaxed breaks consumers,
one the classifier cannot order breaks both; the keys whose rules carry the column's severity
break no one while the column is a `warning` on either side (the severity change is the break).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from pipecheck.changes import Change
from pipecheck.contract import pattern_order
from pipecheck.contract.model import (
    DEFAULT_DATE_FORMAT,
    NUMERIC_TYPES,
    TEMPORAL_TYPES,
    ColumnSpec,
    Compare,
    Expression,
    parse_temporal_bound,
)

# Column keys whose rules carry the column's severity (a warning column's values fail nothing).
GATED_KEYS = (
    "type",
    "format",
    "timezone",
    "nullable",
    "unique",
    "min",
    "max",
    "allowed",
    "pattern",
    "min_length",
    "max_length",
    "multiple_of",
    "mostly",
)


def column_changes(name: str, old: ColumnSpec, new: ColumnSpec) -> list[Change]:
    """The changes of one column present on both sides, key by key."""
    gated = old.severity == "error" and new.severity == "error"
    changes: list[Change] = []
    for key in ColumnSpec.model_fields:  # a key without a judge is a KeyError: tests/contract/test_diff.py
        if key in ("format", "timezone") and old.type != new.type:
            continue  # part of the type change, which names them
        judged = _JUDGES[key](old, new)
        if judged is None:
            continue
        producers, consumers, what = judged
        hint = None
        if key in GATED_KEYS and not gated and (producers or consumers):
            side = "old" if old.severity == "warning" else "new"
            producers = consumers = False
            hint = f"no effect: the column has severity: warning in the {side} contract (see the severity change)"
        if key == "description":
            producers = consumers = False
        before, after = plain(getattr(old, key)), plain(getattr(new, key))
        changes.append(
            Change(
                key,
                f"{name}: {what}",
                producers,
                consumers,
                name,
                before,
                after,
                hint or _type_hint(key, old, new),
                path=("columns", name, key),
            )
        )
    return changes


# A judge returns None (no change in meaning) or (breaks producers, breaks consumers, what changed).
Judged = tuple[bool, bool, str] | None


def _type(old: ColumnSpec, new: ColumnSpec) -> Judged:
    before, after = _type_text(old), _type_text(new)
    if before == after:
        return None
    if old.type == new.type:  # the text form only (format, timezone are judged on their own)
        return None
    if (old.type, new.type) == ("integer", "float"):
        return False, True, "type widened from integer to float: consumers may get non-integers"
    if (old.type, new.type) == ("float", "integer"):
        return True, False, "type narrowed from float to integer: files with decimals fail"
    return True, True, f"type changed from {before} to {after}"


def _type_text(spec: ColumnSpec) -> str:
    extras = [f"format {spec.format}"] if spec.format else []
    extras += [f"timezone {spec.timezone}"] if spec.timezone else []
    return spec.type + (f" ({', '.join(extras)})" if extras else "")


def _type_hint(key: str, old: ColumnSpec, new: ColumnSpec) -> str | None:
    if key == "type" and new.type == "string" and old.type != "string":
        return f"CSV text of any {old.type} is a string, but a Parquet file storing {old.type}s fails a string column"
    return None


def _flag(key: str, tight_when: bool) -> Any:
    def judge(old: ColumnSpec, new: ColumnSpec) -> Judged:
        before, after = getattr(old, key), getattr(new, key)
        if before == after:
            return None
        tighter = after == tight_when
        return tighter, not tighter, f"{key}: {show(before)} -> {show(after)}"

    return judge


def _bound(key: str, low: bool) -> Any:
    """min/max and the length bounds: raising a lower bound or lowering an upper one tightens."""

    def judge(old: ColumnSpec, new: ColumnSpec) -> Judged:
        before, after = getattr(old, key), getattr(new, key)
        if before is None and after is None:
            return None
        if before is None or after is None:
            tighter = before is None
            return (
                tighter,
                not tighter,
                f"{key} {'added' if tighter else 'removed'}: {show(after if tighter else before)}",
            )
        a, b = _key(before, old), _key(after, new)
        if a is None or b is None or (type(a) is not type(b) and not _both_numbers(a, b)):
            return True, True, f"{key} changed from {show(before)} to {show(after)}"
        if a == b:
            return None
        tighter = (b > a) if low else (b < a)
        verb = "raised" if b > a else "lowered"
        return tighter, not tighter, f"{key} {verb} from {show(before)} to {show(after)}"

    return judge


def _both_numbers(a: Any, b: Any) -> bool:
    return isinstance(a, int | float | Fraction) and isinstance(b, int | float | Fraction)


def _key(value: Any, spec: ColumnSpec) -> Any:
    """A bound or allowed value in a domain comparable across the column's types (None: not orderable)."""
    if spec.type in TEMPORAL_TYPES:
        parsed = parse_temporal_bound(value, spec.type)
        if not isinstance(parsed, dt.datetime):
            parsed = dt.datetime(parsed.year, parsed.month, parsed.day)  # a date is its midnight
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)  # as the engine compares it
        return parsed
    if spec.type in NUMERIC_TYPES or spec.type in ("string", "boolean"):
        return value
    return None


def _allowed(old: ColumnSpec, new: ColumnSpec) -> Judged:
    if old.allowed is None and new.allowed is None:
        return None
    if old.allowed is None or new.allowed is None:
        tighter = old.allowed is None
        return tighter, not tighter, "allowed " + ("added" if tighter else "removed")
    before, after = _value_set(old), _value_set(new)
    if before == after:
        return None
    gone = [v for v in old.allowed if _allowed_key(v, old) not in after]
    new_values = [v for v in new.allowed if _allowed_key(v, new) not in before]
    if after < before:
        return True, False, f"allowed shrunk: {show_list(gone)} no longer allowed"
    if after > before:
        return False, True, f"allowed grown: {show_list(new_values)} now allowed"
    return True, True, f"allowed changed: {show_list(gone)} no longer allowed, {show_list(new_values)} now allowed"


def _value_set(spec: ColumnSpec) -> frozenset[tuple[str, Any]]:
    return frozenset(_allowed_key(value, spec) for value in spec.allowed or [])


def _allowed_key(value: Any, spec: ColumnSpec) -> tuple[str, Any]:
    """An allowed value with its domain, so that 1 (integer) and true (boolean) never compare equal."""
    domain = "number" if spec.type in NUMERIC_TYPES else "time" if spec.type in TEMPORAL_TYPES else spec.type
    return domain, _key(value, spec)


def _pattern(old: ColumnSpec, new: ColumnSpec) -> Judged:
    if old.pattern == new.pattern:
        return None
    if old.pattern is None or new.pattern is None:
        tighter = old.pattern is None
        return tighter, not tighter, f"pattern {'added' if tighter else 'removed'}: {old.pattern or new.pattern}"
    relation = pattern_order.relation(old.pattern, new.pattern)
    if relation == "same":
        return None
    what = f"pattern changed from {old.pattern} to {new.pattern}"
    if relation == "wider":
        return False, True, what + " (it accepts every value the old one did, and more)"
    if relation == "narrower":
        return True, False, what + " (it accepts only values the old one did)"
    return True, True, what


def _multiple_of(old: ColumnSpec, new: ColumnSpec) -> Judged:
    before, after = old.multiple_of, new.multiple_of
    if before is None and after is None:
        return None
    if before is None or after is None:
        tighter = before is None
        return tighter, not tighter, f"multiple_of {'added' if tighter else 'removed'}: {show(after or before)}"
    a, b = Fraction(str(before)), Fraction(str(after))
    if a == b:
        return None
    if (a / b).denominator == 1:  # every multiple of the old step is one of the new step
        return False, True, f"multiple_of {show(before)} -> {show(after)} (a finer step)"
    if (b / a).denominator == 1:
        return True, False, f"multiple_of {show(before)} -> {show(after)} (a coarser step)"
    return True, True, f"multiple_of changed from {show(before)} to {show(after)}"


def _format(old: ColumnSpec, new: ColumnSpec) -> Judged:
    before = old.format or (DEFAULT_DATE_FORMAT if old.type == "date" else None)
    after = new.format or (DEFAULT_DATE_FORMAT if new.type == "date" else None)
    if before == after:
        return None
    return True, True, f"format changed from {before or 'ISO 8601'} to {after or 'ISO 8601'}"


def _timezone(old: ColumnSpec, new: ColumnSpec) -> Judged:
    before, after = old.timezone, new.timezone
    if before == after:
        return None
    what = f"timezone: {before or 'either'} -> {after or 'either'}"
    if before is None:
        return True, False, what
    if after is None:
        return False, True, what
    return True, True, what


def _mostly(old: ColumnSpec, new: ColumnSpec) -> Judged:
    """Per value rule on both sides: a lower fraction tolerates more failing values (consumers), a
    higher one fewer (producers). A rule on one side only is judged by its own key."""
    raised: list[str] = []
    lowered: list[str] = []
    for rule in (r for r in old.value_rules() if r in new.value_rules()):
        before, after = old.mostly_of(rule) or 1, new.mostly_of(rule) or 1
        if before != after:
            (raised if after > before else lowered).append(f"{rule} {_fraction(before)} -> {_fraction(after)}")
    if not raised and not lowered:
        return None
    parts = ([f"raised for {', '.join(raised)}"] if raised else []) + (
        [f"lowered for {', '.join(lowered)}"] if lowered else []
    )
    return bool(raised), bool(lowered), f"mostly {' and '.join(parts)}"


def _fraction(value: float) -> str:
    return f"{value:g}"


def _severity(old: ColumnSpec, new: ColumnSpec) -> Judged:
    if old.severity == new.severity:
        return None
    if new.severity == "warning":
        return False, True, "severity: error -> warning: its values no longer fail a file"
    return True, False, "severity: warning -> error: its values now fail a file"


def _description(old: ColumnSpec, new: ColumnSpec) -> Judged:
    return None if old.description == new.description else (False, False, "description changed")


def _drift(old: ColumnSpec, new: ColumnSpec) -> Judged:
    # Drift is judged against a recorded baseline, not a file alone: which files hold the contract
    # does not change, only what a run with --baseline reports.
    if old.drift == new.drift:
        return None
    return False, False, "drift settings changed (they judge files against a baseline, not the contract's rules)"


_JUDGES: dict[str, Any] = {
    "type": _type,
    "format": _format,
    "timezone": _timezone,
    "nullable": _flag("nullable", tight_when=False),
    "unique": _flag("unique", tight_when=True),
    "required": _flag("required", tight_when=True),
    "min": _bound("min", low=True),
    "max": _bound("max", low=False),
    "min_length": _bound("min_length", low=True),
    "max_length": _bound("max_length", low=False),
    "allowed": _allowed,
    "pattern": _pattern,
    "multiple_of": _multiple_of,
    "severity": _severity,
    "mostly": _mostly,
    "description": _description,
    "drift": _drift,
}
# Every ColumnSpec key has a judge here (tests/contract/test_diff.py holds this against the model).
COLUMN_KEYS = tuple(_JUDGES)


# ---------------------------------------------------------------- text


def plain(value: Any) -> Any:
    """A value as JSON carries it (dates as ISO text, sets as sorted lists)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted((plain(v) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Compare | Expression):
        return value.model_dump(exclude_defaults=True)
    return value


def show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return repr(value)
    return str(value)


def show_list(values: Sequence[Any]) -> str:
    shown = ", ".join(show(v) for v in values[:5])
    return shown + (f" (+{len(values) - 5} more)" if len(values) > 5 else "")
