"""Compare the current file's profile with a baseline profile: `schema_change` and `drift` findings.

Defaults (README, "Catching schema changes and drift", says why): numbers by the Wasserstein
distance over the baseline's standard deviation, categories by the largest change of one
category's share, plus null-rate changes and values the baseline never had; each reported only
when it reaches its threshold *and* its evidence test (drift_metrics) says it is not noise.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass

import numpy as np

from pipecheck import drift_metrics as m
from pipecheck.contract.model import (
    ColumnDrift,
    ColumnSpec,
    Contract,
    Thresholds,
)
from pipecheck.findings import Example, Finding, Severity
from pipecheck.profile_format import ColumnProfile, Profile

# metric -> (warn, error)
DEFAULT_LEVELS: dict[str, tuple[float | None, float | None]] = {
    "wasserstein": (0.08, 0.4),
    "psi": (0.1, 0.25),
    "ks": (0.1, 0.2),
    "l_infinity": (0.04, 0.15),
    "jensen_shannon": (0.1, 0.2),
    "null_rate": (0.02, 0.1),
    "new_category": (0.0, 0.05),
    "dataset": (0.5, None),
}
NUMBER_METRIC = "wasserstein"
CATEGORY_METRIC = "l_infinity"
CATEGORY_LIMIT = 100  # a text column with more distinct values in the baseline is not compared as categories
SHOWN_CATEGORIES = 5


@dataclass(frozen=True)
class Levels:
    warn: float | None
    error: float | None

    def reached(self, value: float) -> tuple[Severity, float] | None:
        """The severity a value reaches, and that level's threshold."""
        if self.error is not None and value >= self.error:
            return "error", self.error
        if self.warn is not None and value >= self.warn:
            return "warning", self.warn
        return None


def levels(name: str, *specs: Thresholds | None) -> Levels:
    """The defaults of `name`, overridden by each spec's explicitly written keys (null turns a level off)."""
    warn, error = DEFAULT_LEVELS[name]
    for spec in specs:
        if spec is None:
            continue
        if "warn" in spec.model_fields_set:
            warn = spec.warn
        if "error" in spec.model_fields_set:
            error = spec.error
    return Levels(warn, error)


@dataclass(frozen=True)
class ColumnSettings:
    metric: str | None  # None: the distribution is not compared (dates, unique columns, unless opted in)
    levels: Levels
    null_rate: Levels
    new_category: Levels


def column_settings(contract: Contract, spec: ColumnSpec) -> ColumnSettings | None:
    """How a column is compared; None when its `drift: false`."""
    if spec.drift is False:
        return None
    own = spec.drift if isinstance(spec.drift, ColumnDrift) else None
    numeric = spec.type in ("integer", "float", "date", "datetime")
    shared = contract.drift.numbers if numeric else contract.drift.categories
    default = NUMBER_METRIC if numeric else CATEGORY_METRIC
    contract_metric = (shared.metric if shared is not None else None) or default
    metric = (own.metric if own is not None else None) or contract_metric
    specs = ([shared] if metric == contract_metric else []) + [own]
    opted_in = spec.drift is True or (own is not None and own.metric is not None)
    compared = opted_in or (spec.type not in ("date", "datetime") and not spec.unique)
    return ColumnSettings(
        metric if compared else None,
        levels(metric, *specs),
        levels("null_rate", contract.drift.null_rate, own.null_rate if own else None),
        levels("new_category", contract.drift.new_category, own.new_category if own else None),
    )


def compare(baseline: Profile, current: Profile, contract: Contract, shown: str) -> list[Finding]:
    """Every schema change and drifted column of `current` relative to `baseline` (shown: its path)."""
    hint = (
        f"baseline {shown} ({baseline.rows:,} rows, recorded {baseline.created}); if the change is expected, "
        "record it again with 'pipecheck snapshot'"
    )
    findings = schema_changes(baseline, current, contract.drift.schema_change)
    compared = drifted = 0
    worst: Severity | None = None
    for name, spec in contract.columns.items():
        settings = column_settings(contract, spec)
        before, after = baseline.columns.get(name), current.columns.get(name)
        if settings is None or before is None or after is None or before.type != after.type:
            continue
        column = _null_rate(name, before, after, settings.null_rate)
        column += _distribution(name, before, after, settings)
        column += _new_categories(name, before, after, settings.new_category)
        compared += settings.metric is not None and (
            (before.numbers is not None and after.numbers is not None) or _categorical(before)
        )
        distribution = [f for f in column if f.metric == settings.metric]
        drifted += bool(distribution)
        findings += column
    share_levels = levels("dataset", contract.drift.dataset)
    reached = share_levels.reached(drifted / compared) if compared else None
    if reached is not None and drifted:
        worst, threshold = reached
        share = drifted / compared
        findings.append(
            Finding(
                "drift",
                f"dataset drift: {drifted} of {compared} compared column(s) drifted ({share:.0%} >= {threshold:.0%})",
                severity=worst,
                count=drifted,
                metric="drifted_share",
                value=round(share, 6),
                threshold=threshold,
            )
        )
    drift = [f for f in findings if f.check == "drift"]
    if drift:
        drift[0].hint = hint  # once per file: the same for every drift finding
    return findings


def _null_rate(name: str, before: ColumnProfile, after: ColumnProfile, rule: Levels) -> list[Finding]:
    if not before.rows or not after.rows:
        return []
    rate_b, rate_c = before.nulls / before.rows, after.nulls / after.rows
    change = abs(rate_c - rate_b)
    reached = rule.reached(change)
    if reached is None or not m.proportions_significant(before.nulls, before.rows, after.nulls, after.rows):
        return []
    severity, threshold = reached
    message = (
        f"{name}: null rate {rate_b:.1%} -> {rate_c:.1%} "
        f"({(rate_c - rate_b) * 100:+.1f} points; threshold {threshold * 100:g} points)"
    )
    return [_finding(name, message, severity, "null_rate", change, threshold, after.nulls)]


def _distribution(name: str, before: ColumnProfile, after: ColumnProfile, settings: ColumnSettings) -> list[Finding]:
    metric = settings.metric
    if metric is None:
        return []
    if before.numbers is not None and after.numbers is not None:
        b, c = before.numbers, after.numbers
        n, k = before.rows - before.nulls - before.invalid, after.rows - after.nulls - after.invalid
        statistic = m.ks(b.quantiles, c.quantiles)
        if metric == "wasserstein":
            scale = b.std if b.std > 0 else max(abs(b.mean), 1.0)
            value = m.wasserstein(b.quantiles, c.quantiles, scale)
        elif metric == "psi":
            value = m.psi_numbers(b.quantiles, c.quantiles)
        else:
            value = statistic
        reached = settings.levels.reached(value)
        if reached is None or not m.ks_significant(statistic, n, k):
            return []
        severity, threshold = reached
        message = (
            f"{name}: distribution shifted: {metric} {value:.3g} (threshold {threshold:g}); "
            f"mean {_shown(b.mean, b.unit)} -> {_shown(c.mean, c.unit)}, "
            f"std {_spread(b.std, b.unit)} -> {_spread(c.std, c.unit)}"
        )
        details = _number_details(b.quantiles, c.quantiles, b.unit)
        return [_finding(name, message, severity, metric, value, threshold, k, details)]
    if _categorical(before) and after.categories is not None:
        assert before.categories is not None
        current = dict(after.categories.values)
        if after.categories.other:
            current["\x00other"] = after.categories.other  # values the current profile did not keep
        keys, b_counts, c_counts = m.shares(before.categories.values, current)
        if not b_counts.sum() or not c_counts.sum():
            return []
        if metric == "psi":
            value = m.psi(b_counts / b_counts.sum(), c_counts / c_counts.sum())
        elif metric == "jensen_shannon":
            value = m.jensen_shannon(b_counts, c_counts)
        else:
            value = m.l_infinity(b_counts, c_counts)
        reached = settings.levels.reached(value)
        if reached is None or not m.chi_squared_significant(b_counts, c_counts):
            return []
        severity, threshold = reached
        b_share, c_share = b_counts / b_counts.sum(), c_counts / c_counts.sum()
        moved = int(np.argmax(np.abs(b_share - c_share)))
        label = "other values" if keys[moved] == "\x00other" else repr(keys[moved])
        message = (
            f"{name}: category shares moved: {metric} {value:.3g} (threshold {threshold:g}); "
            f"{label} {b_share[moved]:.1%} -> {c_share[moved]:.1%}"
        )
        order = np.argsort(-np.maximum(b_share, c_share), kind="stable")[:SHOWN_CATEGORIES]
        details = {
            "kind": "categories",
            "values": ["(other)" if keys[i] == "\x00other" else keys[i] for i in order],
            "baseline": [round(float(b_share[i]), 6) for i in order],
            "current": [round(float(c_share[i]), 6) for i in order],
        }
        return [_finding(name, message, severity, metric, value, threshold, int(c_counts.sum()), details)]
    return []


def _new_categories(name: str, before: ColumnProfile, after: ColumnProfile, rule: Levels) -> list[Finding]:
    if not _categorical(before) or after.categories is None:
        return []
    assert before.categories is not None
    known = before.categories.values
    new = {v: n for v, n in after.categories.values.items() if v not in known}
    unseen = sum(new.values()) + (after.categories.other if not after.categories.exact else 0)
    present = after.rows - after.nulls - after.invalid
    baseline_rows = before.rows - before.nulls - before.invalid
    if not unseen or not present:
        return []
    share = unseen / present
    reached = rule.reached(share)
    if reached is None or not m.unseen_significant(unseen, baseline_rows, present):
        return []
    severity, threshold = reached
    listed = sorted(new.items(), key=lambda item: (-item[1], item[0]))
    message = (
        f"{name}: {len(new) if after.categories.exact else 'at least ' + str(len(new))} value(s) the baseline "
        f"never had, in {unseen:,} row(s) ({share:.1%}; threshold {threshold:.1%})"
    )
    examples = [Example(value=v, note=f"{n:,} row(s)") for v, n in listed[:SHOWN_CATEGORIES]]
    finding = _finding(name, message, severity, "new_category", share, threshold, unseen)
    finding.examples = examples
    return [finding]


def _categorical(profile: ColumnProfile) -> bool:
    """Compared as categories: every value counted exactly, and few of them."""
    c = profile.categories
    return c is not None and c.exact and len(c.values) <= CATEGORY_LIMIT


def _finding(
    name: str,
    message: str,
    severity: Severity,
    metric: str,
    value: float,
    threshold: float,
    count: int,
    details: dict[str, object] | None = None,
) -> Finding:
    return Finding(
        "drift",
        message,
        severity=severity,
        column=name,
        count=count,
        metric=metric,
        value=round(value, 6),
        threshold=threshold,
        details=details,
    )


def _number_details(baseline: list[float], current: list[float], unit: str) -> dict[str, object]:
    """Ten equal-width bins over both sides' 1st-99th percentiles, each side's share in each."""
    low = min(baseline[2], current[2])
    high = max(baseline[-3], current[-3])
    if not high > low:
        low, high = min(baseline[0], current[0]), max(baseline[-1], current[-1])
    if not high > low:
        high = low + 1
    edges = np.linspace(low, high, 11)
    edges[0], edges[-1] = min(baseline[0], current[0]), max(baseline[-1], current[-1])
    return {
        "kind": "numbers",
        "edges": [_shown(float(e), unit) for e in edges],
        "baseline": [round(x, 6) for x in m.histogram(baseline, edges)],
        "current": [round(x, 6) for x in m.histogram(current, edges)],
    }


def _shown(value: float, unit: str) -> str:
    """A number as written in a message; dates and datetimes as ISO text."""
    epoch = dt.datetime(1970, 1, 1)
    try:
        if unit == "days":
            return (epoch + dt.timedelta(days=round(value))).date().isoformat()
        if unit == "microseconds":
            return (epoch + dt.timedelta(microseconds=round(value))).isoformat(timespec="seconds")
    except (OverflowError, ValueError):
        pass
    return f"{value:.4g}"


def _spread(value: float, unit: str) -> str:
    if unit == "days":
        return f"{value:.3g} days"
    if unit == "microseconds":
        return f"{value / 86_400e6:.3g} days"
    return f"{value:.4g}"


def schema_changes(baseline: Profile, current: Profile, severity: Severity) -> list[Finding]:
    """Columns added, removed, renamed, retyped or moved relative to the baseline's schema."""
    before = {c.name: (i, c) for i, c in enumerate(baseline.schema_)}
    after = {c.name: (i, c) for i, c in enumerate(current.schema_)}
    removed = [n for n in before if n not in after]
    added = [n for n in after if n not in before]
    findings: list[Finding] = []

    def change(column: str, message: str, hint: str | None = None) -> None:
        findings.append(Finding("schema_change", message, severity=severity, column=column, hint=hint, scope="header"))

    for old, new, reasons in _renames(baseline, current, removed, added):
        removed.remove(old)
        added.remove(new)
        change(new, f"column {old!r} seems renamed to {new!r}", f"{', '.join(reasons)}; update the contract too")
    for name in removed:
        change(name, f"column {name!r} was removed (the baseline has it at position {before[name][0] + 1})")
    for name in added:
        change(name, f"column {name!r} was added at position {after[name][0] + 1} (not in the baseline)")
    for name, (_, old_column) in before.items():
        if name not in after:
            continue
        new_column = after[name][1]
        stored = {_storage(old_column.stored), _storage(new_column.stored)}
        if "text" not in stored and len(stored) > 1:  # CSV against Parquet: the contract's type decides
            change(name, f"column {name!r} is stored as {new_column.stored}; the baseline stored {old_column.stored}")
        elif old_column.type != new_column.type:
            change(name, f"column {name!r} is read as {new_column.type}; the baseline read {old_column.type}")
    common_before = [n for n in before if n in after]
    common_after = [n for n in after if n in before]
    if common_before != common_after:
        moved = next(a for a, b in zip(common_after, common_before, strict=True) if a != b)
        change(
            moved,
            f"column order changed: {moved!r} is at position {after[moved][0] + 1}, "
            f"the baseline had it at {before[moved][0] + 1}",
        )
    return findings


def _storage(stored: str) -> str:
    """A stored type as compared: a dictionary-encoded column is stored as its values' type."""
    if stored.startswith("dictionary<values="):
        return stored.removeprefix("dictionary<values=").split(",")[0]
    return stored


def _renames(
    baseline: Profile, current: Profile, removed: list[str], added: list[str]
) -> list[tuple[str, str, list[str]]]:
    """Pairs (removed, added) that look like one column renamed: by name, position, storage and statistics."""
    positions_b = {c.name: i for i, c in enumerate(baseline.schema_)}
    positions_c = {c.name: i for i, c in enumerate(current.schema_)}
    stored_b = {c.name: c.stored for c in baseline.schema_}
    stored_c = {c.name: c.stored for c in current.schema_}
    scored: list[tuple[float, str, str, list[str]]] = []
    for old in removed:
        for new in added:
            reasons: list[str] = []
            ratio = difflib.SequenceMatcher(None, old.casefold(), new.casefold()).ratio()
            score = ratio
            if ratio >= 0.6:
                reasons.append("similar name")
            if positions_b[old] == positions_c[new]:
                score += 0.2
                reasons.append("same position")
            if stored_b[old] == stored_c[new] and stored_b[old] != "text":
                score += 0.1
                reasons.append(f"both stored as {stored_b[old]}")
            if _similar(baseline.columns.get(old), current.columns.get(new)):
                score += 0.3
                reasons.append("similar values")
            if score >= 0.7:
                scored.append((score, old, new, reasons))
    pairs: list[tuple[str, str, list[str]]] = []
    used: set[str] = set()
    for _, old, new, reasons in sorted(scored, key=lambda s: -s[0]):
        if old not in used and new not in used:
            used |= {old, new}
            pairs.append((old, new, reasons))
    return pairs


def _similar(before: ColumnProfile | None, after: ColumnProfile | None) -> bool:
    if before is None or after is None or before.type != after.type:
        return False
    if before.numbers is not None and after.numbers is not None:
        b, c = before.numbers, after.numbers
        scale = b.std or 1.0
        return abs(b.mean - c.mean) <= 0.25 * scale and (
            c.std <= 1.25 * b.std + 1e-12 and b.std <= 1.25 * c.std + 1e-12
        )
    if before.categories is not None and after.categories is not None:
        mine, theirs = set(before.categories.values), set(after.categories.values)
        return bool(mine | theirs) and len(mine & theirs) / len(mine | theirs) >= 0.5
    return False
