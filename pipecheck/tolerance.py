"""Whether a rule with a `mostly` holds: one verdict, shared by findings, --fail-fast and quarantine.

A rule with `mostly: m` holds when at least the fraction m of the rows it judged (its non-null
values; for `compare` rows with both sides non-null, for `expression` rows where the condition is
true or false) pass. The counts are the tally's, exact over the whole file or dataset. A rule
that judged nothing failed nothing, so it holds (and has no finding).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from pipecheck.compile import CompiledContract, CompiledRule
from pipecheck.tally import Tally


@dataclass(frozen=True)
class Tolerance:
    """A rule's mostly and how the rows read met it."""

    required: float
    failed: int
    judged: int

    @property
    def passed(self) -> int:
        return self.judged - self.failed

    @property
    def observed(self) -> float:
        """The fraction of judged rows that pass (1.0 when none was judged)."""
        return self.passed / self.judged if self.judged else 1.0

    @property
    def held(self) -> bool:
        # Exact: 0.1 means one tenth as written (Fraction(0.1) would be slightly more).
        return Fraction(self.passed) >= Fraction(repr(self.required)) * self.judged

    def text(self, noun: str) -> str:
        """'97.2% of 1,000 values pass, mostly 99% required' (failed) or '... pass (mostly 99%)' (held)."""
        percent = Decimal(repr(self.required)) * 100
        required = format(percent.normalize(), "f")
        if len(required.partition(".")[2]) > 6:  # 1e-9: not a row of zeros
            required = f"{float(percent):.6g}"
        digits = min(max(1, len(required.partition(".")[2]) + 1), 6)
        # Rounded down, one digit finer than the requirement: a miss never reads as reaching it.
        shown = math.floor(Fraction(self.passed * 100 * 10**digits, max(self.judged, 1))) / 10**digits
        counted = f"{shown:.{digits}f}% of {self.judged:,} {noun}{'' if self.judged == 1 else 's'} pass"
        return f"{counted} (mostly {required}%)" if self.held else f"{counted}, mostly {required}% required"


def tolerance(rule: CompiledRule, tally: Tally) -> Tolerance | None:
    """The rule's mostly against the tally's counts; None for a rule that must hold on every row."""
    if rule.mostly is None:
        return None
    return Tolerance(rule.mostly, tally.counts.get(rule.id, 0), tally.judged.get(rule.id, 0))


def holds(rule: CompiledRule, tally: Tally) -> bool:
    """Whether the rule holds over the tally's rows: none failed, or its mostly was reached."""
    if rule.id in tally.unevaluated:
        return False
    judged = tolerance(rule, tally)
    return judged.held if judged is not None else not tally.counts.get(rule.id, 0)


def held_by_mostly(tally: Tally, compiled: CompiledContract) -> frozenset[int]:
    """Ids of the rules with a mostly that hold at the end of a file: their failing rows are
    tolerated (reported as a warning, not to be quarantined)."""
    return frozenset(rule.id for rule in compiled.rules if rule.mostly is not None and holds(rule, tally))
