"""Classify changes of a contract's table checks: row_count, unique_together, compare, expression.

Judged as in `contract.diff`: a check added (or made stricter) breaks producers, one removed (or
relaxed) breaks consumers, a check of severity `warning` fails no file and so breaks no one.
"""

from __future__ import annotations

from typing import Any

from pipecheck.changes import Change
from pipecheck.contract.model import Compare, Contract, Expression

# Every TableChecks key is judged here (tests/contract/test_diff.py holds this against the model).
TABLE_KEYS = ("row_count", "unique_together", "compare", "expression")

# The orderings of (left, right) an operator accepts: comparing the sets orders two rules.
_ORDERINGS: dict[str, frozenset[str]] = {
    "<": frozenset({"lt"}),
    "<=": frozenset({"lt", "eq"}),
    "==": frozenset({"eq"}),
    "!=": frozenset({"lt", "gt"}),
    ">": frozenset({"gt"}),
    ">=": frozenset({"gt", "eq"}),
}
_FLIPPED = {"<": ">", "<=": ">=", "==": "==", "!=": "!=", ">": "<", ">=": "<="}
_ANY_ORDER = frozenset({"lt", "eq", "gt"})


def table_changes(old: Contract, new: Contract) -> list[Change]:
    return _row_count(old, new) + _unique_together(old, new) + _compare(old, new) + _expression(old, new)


def _row_count(old: Contract, new: Contract) -> list[Change]:
    changes: list[Change] = []
    before, after = old.checks.row_count, new.checks.row_count
    for key in ("min", "max"):
        a, b = getattr(before, key, None), getattr(after, key, None)
        if a == b:
            continue
        if a is None or b is None:
            tighter = a is None
            what = f"row_count.{key} {'added' if tighter else 'removed'}: {b if tighter else a}"
        else:
            tighter = b > a if key == "min" else b < a
            what = f"row_count.{key} {'raised' if b > a else 'lowered'} from {a} to {b}"
        changes.append(
            Change(
                f"checks.row_count.{key}",
                what,
                tighter,
                not tighter,
                None,
                a,
                b,
                path=("checks", "row_count", key),
                side="new" if b is not None else "old",
            )
        )
    return changes


def _unique_together(old: Contract, new: Contract) -> list[Change]:
    before = [frozenset(group) for group in old.checks.unique_together]
    after = [frozenset(group) for group in new.checks.unique_together]
    changes: list[Change] = []
    for i, group in enumerate(after):
        if group not in before:
            implied = _implied(group, old)
            what = f"unique_together {_group(new.checks.unique_together[i])} added"
            changes.append(
                Change(
                    "checks.unique_together",
                    what + (f" (already implied by {implied})" if implied else ""),
                    not implied,
                    False,
                    None,
                    None,
                    new.checks.unique_together[i],
                    path=("checks", "unique_together", i),
                )
            )
    for i, group in enumerate(before):
        if group not in after:
            implied = _implied(group, new)
            what = f"unique_together {_group(old.checks.unique_together[i])} removed"
            changes.append(
                Change(
                    "checks.unique_together",
                    what + (f" (still implied by {implied})" if implied else ""),
                    False,
                    not implied,
                    None,
                    old.checks.unique_together[i],
                    None,
                    path=("checks", "unique_together", i),
                    side="old",
                )
            )
    return changes


def _implied(group: frozenset[str], contract: Contract) -> str | None:
    """What in `contract` already makes `group` unique: a unique column in it, or a smaller group."""
    for name in sorted(group):
        spec = contract.columns.get(name)
        if spec is not None and spec.unique and spec.severity == "error":
            return f"unique column {name!r}"
    for other in contract.checks.unique_together:
        if frozenset(other) < group:
            return f"unique_together {_group(other)}"
    return None


def _group(group: list[str]) -> str:
    return "[" + ", ".join(group) + "]"


def _pair(rule: Compare) -> tuple[tuple[str, str], str]:
    """The rule as (columns in name order, operator between them in that order)."""
    if rule.left <= rule.right:
        return (rule.left, rule.right), rule.op
    return (rule.right, rule.left), _FLIPPED[rule.op]


def _compare(old: Contract, new: Contract) -> list[Change]:
    """Rules on the same two columns are judged together: by the orderings their operators accept."""
    pairs: dict[tuple[str, str], tuple[list[int], list[int]]] = {}
    for i, rule in enumerate(old.checks.compare):
        pairs.setdefault(_pair(rule)[0], ([], []))[0].append(i)
    for i, rule in enumerate(new.checks.compare):
        pairs.setdefault(_pair(rule)[0], ([], []))[1].append(i)
    changes: list[Change] = []
    for (left, right), (olds, news) in pairs.items():
        before = [old.checks.compare[i] for i in olds]
        after = [new.checks.compare[i] for i in news]
        if sorted(map(repr, before)) == sorted(map(repr, after)):
            continue  # the same rules in another order
        a, b = _constraints(before), _constraints(after)
        tighter, looser = not _implies(a, b), not _implies(b, a)
        was = " and ".join(map(_compare_text, before)) or "none"
        now = " and ".join(map(_compare_text, after)) or "none"
        moot = "" if tighter or looser else " (no effect on which files hold)"
        what = f"compare {left} / {right}: {was} -> {now}{moot}"
        path: tuple[str | int, ...] = ("checks", "compare", news[0]) if news else ("checks", "compare", olds[0])
        changes.append(
            Change(
                "checks.compare",
                what,
                tighter,
                looser,
                None,
                [_dump(r) for r in before],
                [_dump(r) for r in after],
                path=path,
                side="new" if news else "old",
            )
        )
    return changes


# The error rules on one pair of columns: the orderings every row must have, and the orderings
# (with the fraction of rows that must have them) of the rules with a mostly.
Constraints = tuple[frozenset[str], tuple[tuple[frozenset[str], float], ...]]


def _constraints(rules: list[Compare]) -> Constraints:
    accepted = _ANY_ORDER
    tolerant: list[tuple[frozenset[str], float]] = []
    for rule in rules:
        if rule.severity != "error":
            continue
        if rule.mostly is not None and rule.mostly < 1:
            tolerant.append((_ORDERINGS[_pair(rule)[1]], rule.mostly))
        else:
            accepted = accepted & _ORDERINGS[_pair(rule)[1]]
    return accepted, tuple(tolerant)


def _implies(a: Constraints, b: Constraints) -> bool:
    """Whether every file holding `a` holds `b` (judged rule by rule, so conservatively): each row
    ordering `a` allows is one `b` allows, and each rule of `b` with a mostly is met by every row
    of `a`, or by a rule of `a` whose rows it accepts with at least that fraction."""
    strict, tolerant = a
    if not strict <= b[0]:
        return False
    return all(
        strict <= accepted or any(theirs & strict <= accepted and m >= mostly for theirs, m in tolerant)
        for accepted, mostly in b[1]
    )


def _compare_text(rule: Compare) -> str:
    notes = [f"mostly {rule.mostly:g}"] if rule.mostly is not None and rule.mostly < 1 else []
    notes += ["warning"] if rule.severity == "warning" else []
    return f"{rule.left} {rule.op} {rule.right}" + (f" ({', '.join(notes)})" if notes else "")


def _expression(old: Contract, new: Contract) -> list[Change]:
    before = {e.sql: (i, e) for i, e in enumerate(old.checks.expression)}
    after = {e.sql: (i, e) for i, e in enumerate(new.checks.expression)}
    gone = [sql for sql in before if sql not in after]
    came = [sql for sql in after if sql not in before]
    changes: list[Change] = []
    for sql, (i, rule) in after.items():
        if sql in before and before[sql][1] != rule:
            was = before[sql][1]
            tighter, looser = _strength(rule) > _strength(was), _strength(rule) < _strength(was)
            if was.severity != rule.severity:
                what = f"expression {rule.name!r}: severity {was.severity} -> {rule.severity}"
            elif tighter or looser:
                what = f"expression {rule.name!r}: mostly {_strength(was):g} -> {_strength(rule):g}"
            else:
                renamed = (was.name, was.description) != (rule.name, rule.description)
                changed = "name or description" if renamed else "mostly"
                what = f"expression {rule.name!r}: {changed} changed (no effect on which files hold)"
            changes.append(
                Change(
                    "checks.expression",
                    what,
                    tighter,
                    looser,
                    None,
                    _dump(was),
                    _dump(rule),
                    path=("checks", "expression", i),
                )
            )
    for sql in came:
        i, rule = after[sql]
        was_sql = next((s for s in gone if before[s][1].name == rule.name and rule.name != s), None)
        if was_sql is not None:
            gone.remove(was_sql)
            was = before[was_sql][1]
            changes.append(
                Change(
                    "checks.expression",
                    f"expression {rule.name!r} rewritten: {was_sql} -> {sql}",
                    rule.severity == "error",
                    was.severity == "error",
                    None,
                    _dump(was),
                    _dump(rule),
                    path=("checks", "expression", i),
                )
            )
            continue
        changes.append(
            Change(
                "checks.expression",
                f"expression added: {sql}",
                rule.severity == "error",
                False,
                None,
                None,
                _dump(rule),
                path=("checks", "expression", i),
            )
        )
    for sql in gone:
        i, rule = before[sql]
        changes.append(
            Change(
                "checks.expression",
                f"expression removed: {sql}",
                False,
                rule.severity == "error",
                None,
                _dump(rule),
                None,
                path=("checks", "expression", i),
                side="old",
            )
        )
    return changes


def _strength(rule: Expression) -> float:
    """The fraction of rows an expression fails a file below: 0 for a warning (it fails none)."""
    if rule.severity == "warning":
        return 0
    return 1 if rule.mostly is None else rule.mostly


def _dump(rule: Compare | Expression) -> dict[str, Any]:
    return rule.model_dump(exclude_defaults=True)
