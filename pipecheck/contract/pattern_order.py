"""Whether one column pattern provably accepts everything another does, without running either.

A pattern runs fully anchored, as `^(?:P)$`, so a value matches P exactly when it matches one of
P's top-level alternatives; a pattern whose alternatives include every alternative of another is
at least as wide. Anything this cannot see through (an inline flag group such as `(?i)`, whose
effect crosses alternatives) is "unknown", never a guess.
"""

from __future__ import annotations

import re
from typing import Literal

Relation = Literal["same", "wider", "narrower", "unknown"]

# `(?i)`, `(?x-s)`: flags set up to the end of the enclosing group, across later alternatives.
_FLAG_GROUP = re.compile(r"\(\?[a-zA-Z-]*\)")


def alternatives(pattern: str) -> frozenset[str] | None:
    """The top-level alternatives of `pattern` (split at `|` outside groups, classes and escapes)."""
    if _FLAG_GROUP.search(pattern):
        return None
    parts: list[str] = []
    start, depth, in_class, i = 0, 0, 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            if ch == "[":
                in_class += 1  # Rust regex nests classes: [a[^b]], [[:alpha:]]
                i = _class_body_start(pattern, i)
                continue
            if ch == "]":
                in_class -= 1
        elif ch == "[":
            in_class = 1
            i = _class_body_start(pattern, i)
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return None
        elif ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    if depth or in_class:
        return None
    parts.append(pattern[start:])
    return frozenset(parts)


def _class_body_start(pattern: str, i: int) -> int:
    """The index after a class's `[` (and `^`, and a leading `]`, which is literal there)."""
    i += 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    return i


def relation(old: str, new: str) -> Relation:
    """How the values `new` accepts relate to those `old` accepts."""
    if old == new:
        return "same"
    before, after = alternatives(old), alternatives(new)
    if before is None or after is None:
        return "unknown"
    if before == after:
        return "same"
    if before < after:
        return "wider"
    if after < before:
        return "narrower"
    return "unknown"
