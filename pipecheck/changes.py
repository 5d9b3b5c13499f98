"""The result model of `pipecheck diff`: classified contract changes, frozen and JSON-serialisable.

A contract is the producer's promise to its consumers. A change *breaks producers* when a file
that held the old contract can fail the new one, and *breaks consumers* when a file can hold the
new contract that the old one refused (they may get what they were promised they would not).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Breaking = Literal["producers", "consumers", "both", "none"]
BreakingPolicy = Literal["producers", "consumers", "any"]
BREAKING_POLICIES: tuple[BreakingPolicy, ...] = ("producers", "consumers", "any")


@dataclass(frozen=True)
class Position:
    """Where a change is written: 1-based line and column in one side's YAML."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Change:
    """One difference between two versions of a contract, and whom it can break.

    `kind` is the contract key that changed (`min`, `csv.delimiter`, `checks.compare`) or an
    event (`column_added`, `column_removed`, `column_order`, `contract_added`); `path` is its place
    in the contract, on the `side` where it is written (the old one for what was removed).
    """

    kind: str
    message: str
    producers: bool
    consumers: bool
    column: str | None = None
    before: Any = None
    after: Any = None
    hint: str | None = None
    path: tuple[str | int, ...] = ()
    side: Literal["old", "new"] = "new"
    position: Position | None = None

    @property
    def breaking_for(self) -> Breaking:
        if self.producers and self.consumers:
            return "both"
        return "producers" if self.producers else "consumers" if self.consumers else "none"

    def breaks(self, policy: BreakingPolicy) -> bool:
        return self.producers if policy == "producers" else self.consumers if policy == "consumers" else self.breaking

    @property
    def breaking(self) -> bool:
        return self.producers or self.consumers

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "column": self.column,
            "breaking_for": self.breaking_for,
            "before": self.before,
            "after": self.after,
            "message": self.message,
            "position": None,
        }
        if self.position is not None:
            out["position"] = {"file": self.position.file, "line": self.position.line, "column": self.position.column}
        if self.hint:
            out["hint"] = self.hint
        return out


@dataclass(frozen=True)
class ContractDiff:
    """The changes from one version of a contract (`old`, None when it is new) to another."""

    old: str | None
    new: str
    changes: tuple[Change, ...]

    def breaks(self, policy: BreakingPolicy) -> bool:
        return any(change.breaks(policy) for change in self.changes)

    def to_dict(self, policy: BreakingPolicy) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "breaking": self.breaks(policy),
            "changes": [change.to_dict() for change in self.changes],
        }


@dataclass(frozen=True)
class DiffReport:
    diffs: tuple[ContractDiff, ...]
    breaking_for: BreakingPolicy = "any"
    version: str = ""

    @property
    def ok(self) -> bool:
        """No change breaks the side(s) the policy guards."""
        return not any(diff.breaks(self.breaking_for) for diff in self.diffs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pipecheck": self.version,
            "ok": self.ok,
            "breaking_for": self.breaking_for,
            "contracts": [diff.to_dict(self.breaking_for) for diff in self.diffs],
        }
