"""Merging partial results: exact counts and the lowest rows as examples, in any order.

`Tally.merge` is associative and commutative (counts add; examples are the `max_examples`
lowest rows of both), so batches may finish in any order, on any worker.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from pipecheck.checking import Partial
from pipecheck.profile import ProfilePart


@dataclass(frozen=True, order=True)
class Sample:
    row: int  # ordinal of the checked row in the file
    values: tuple[str | None, ...] = field(compare=False)


@dataclass(frozen=True)
class Tally:
    max_examples: int
    rows: int = 0
    counts: dict[int, int] = field(default_factory=dict)  # rule id -> failing rows
    samples: dict[int, tuple[Sample, ...]] = field(default_factory=dict)  # rule id -> lowest failing rows
    unevaluated: dict[int, str] = field(default_factory=dict)  # rule id -> why it could not run (first batch's)
    judged: dict[int, int] = field(default_factory=dict)  # rule id -> rows it judged (rules with a mostly)
    profile: ProfilePart | None = None  # column statistics, when the plan gathers them

    @classmethod
    def of(cls, partial: Partial, first_row: int, max_examples: int) -> Tally:
        """The tally of one batch whose first row is the file's `first_row`-th checked row."""
        counts = {h.rule: h.count for h in partial.hits}
        samples = {
            h.rule: tuple(Sample(first_row + o, v) for o, v in zip(h.offsets, h.values, strict=True))[:max_examples]
            for h in partial.hits
        }
        judged = dict(partial.judged)
        return cls(max_examples, partial.rows, counts, samples, dict(partial.unevaluated), judged, partial.profile)

    def merge(self, other: Tally) -> Tally:
        counts = dict(self.counts)
        for rule, count in other.counts.items():
            counts[rule] = counts.get(rule, 0) + count
        samples = dict(self.samples)
        for rule, theirs in other.samples.items():
            mine = samples.get(rule, ())
            samples[rule] = tuple(heapq.merge(mine, theirs))[: self.max_examples] if mine else theirs
        unevaluated = other.unevaluated | self.unevaluated if other.unevaluated else self.unevaluated
        judged = dict(self.judged)
        for rule, rows in other.judged.items():
            judged[rule] = judged.get(rule, 0) + rows
        profile = self.profile.merge(other.profile) if self.profile and other.profile else self.profile or other.profile
        return Tally(self.max_examples, self.rows + other.rows, counts, samples, unevaluated, judged, profile)

    def wanted_rows(self) -> set[int]:
        return {s.row for samples in self.samples.values() for s in samples}
