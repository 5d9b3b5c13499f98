"""One file's (or dataset's) row verdicts: counts and reasons as batches arrive, and the rows that
only the end of the file decides (later duplicates of a unique key, rules with `mostly`).

Rows decided at the end are held back by ordinal: they are written where they seem to belong
while streaming (a later duplicate to the valid side), and each sink moves the few that turn out
invalid in one pass over its own output at the end, never over the input (see the README).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from pipecheck.findings import Quarantine
from pipecheck.quarantining.files import writing

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import polars as pl

    from pipecheck.checking import RowFailures
    from pipecheck.quarantining import QuarantineOptions
    from pipecheck.quarantining.seen import SeenKeys
    from pipecheck.readers.base import Checkpoint, Work

    Ordinals = npt.NDArray[np.int64]


MALFORMED = "_record:malformed"  # the label of a record too malformed to check (wrong fields, not JSON)


def label_counts(labels: pl.Series) -> Counter[str]:
    """Rows per rule label, from rows' ';'-joined labels."""
    if not labels.len():
        return Counter()
    counts = labels.str.split(";").explode().value_counts()
    return Counter(dict(zip(counts[:, 0].to_list(), counts[:, 1].to_list(), strict=True)))


@dataclass(frozen=True)
class Taken:
    """What a sink made of one batch: the checked rows it set aside (ordinals in the file) and
    the labels of every record it set aside, checked or not (malformed, undecodable)."""

    invalid: Ordinals
    reasons: Counter[str]  # rows per rule label among the records set aside
    unchecked: int  # records set aside that no frame holds (malformed, an unterminated quote)


class Sink(Protocol):
    """Where one member file's records go: valid and invalid outputs, or nowhere (count only)."""

    @property
    def writes(self) -> bool:
        """Whether it writes files (False: it only counts)."""
        ...

    def take(self, work: Work, point: Checkpoint, failures: RowFailures, first: int) -> Taken: ...

    def finish(self, late: pl.DataFrame, strip: Collection[str]) -> tuple[str | None, str | None]:
        """Move the rows decided invalid at the end (`late`: ordinal, labels) to the invalid side,
        drop labels of rules that held (`strip`) and commit; the (valid, invalid) paths written."""
        ...

    def discard(self) -> None: ...

    def unchecked_at_end(self) -> int:
        """Records set aside that the batches did not show (a reader's malformed lines)."""
        ...


@dataclass
class Ledger:
    options: QuarantineOptions
    definite: list[Ordinals] = field(default_factory=list)
    deferred: list[pl.DataFrame] = field(default_factory=list)  # ordinal, labels: rows failing only mostly rules
    reasons: Counter[str] = field(default_factory=Counter)
    unchecked: int = 0
    sinks: list[tuple[int, Sink]] = field(default_factory=list)  # (first ordinal, sink) per member
    watched: dict[tuple[str, ...], tuple[str, str]] = field(default_factory=dict)  # see watch()
    seen: dict[tuple[str, ...], SeenKeys] = field(default_factory=dict)
    early: list[pl.DataFrame] = field(default_factory=list)  # (ordinal, labels) of duplicates set aside as they came

    def watch(self, keys: dict[tuple[str, ...], tuple[str, str]]) -> None:
        """Unique keys (contract names -> internal column, label) whose later duplicates are set aside
        as their batch comes (one column of an integer-like type; `keep: first`), not at the end."""
        if self.options.keep == "first":
            self.watched = keys

    def take(
        self,
        sink: Sink,
        work: Work,
        point: Checkpoint,
        failures: RowFailures,
        first: int,
        keys: tuple[tuple[tuple[str, ...], pl.DataFrame], ...] = (),
    ) -> None:
        import polars as pl

        failures = self._with_early_duplicates(failures, keys, first + point.first_row)
        with writing(self.options.directory):
            taken = sink.take(work, point, failures, first)
        self.definite.append(taken.invalid)
        self.reasons.update(taken.reasons)
        self.unchecked += taken.unchecked
        if failures.count and failures.deferred.any():
            rows = pl.DataFrame({"offset": failures.offsets, "labels": failures.labels}).filter(failures.deferred)
            base = first + point.first_row
            self.deferred.append(rows.select((pl.col("offset").cast(pl.Int64) + base).alias("ordinal"), "labels"))

    def _with_early_duplicates(
        self, failures: RowFailures, keys: tuple[tuple[tuple[str, ...], pl.DataFrame], ...], base: int
    ) -> RowFailures:
        """The batch's failures plus the rows repeating a watched key's value from earlier rows."""
        import polars as pl

        from pipecheck.checking import ORDINAL, RowFailures
        from pipecheck.quarantining.seen import SeenKeys, exact_int_values

        found: list[pl.DataFrame] = []
        for key, frame in keys:
            watched = self.watched.get(key)
            if watched is None:
                continue
            values = exact_int_values(frame[watched[0]])
            if values is None:
                continue  # this batch's repeats are found at the end, with the others
            repeated = self.seen.setdefault(key, SeenKeys()).repeated(values)
            if repeated is None:  # values too spread out: this key's repeats are all found at the end
                del self.watched[key]
                continue
            offsets = frame[ORDINAL].filter(pl.Series(repeated)).cast(pl.UInt32)
            if offsets.len():
                found.append(
                    pl.DataFrame({"offset": offsets, "labels": pl.repeat(watched[1], offsets.len(), eager=True)})
                )
                self.early.append(pl.DataFrame({"ordinal": offsets.cast(pl.Int64) + base, "labels": watched[1]}))
        if not found:
            return failures
        rows = pl.concat(
            [
                pl.DataFrame(
                    {
                        "offset": failures.offsets,
                        "labels": failures.labels,
                        "deferred": failures.deferred,
                        "touched": failures.touched,
                    }
                ),
                *(f.with_columns(deferred=pl.lit(False), touched=pl.lit(False)) for f in found),
            ]
        )
        merged = (
            rows.group_by("offset")
            .agg(pl.col("labels").str.join(";"), pl.col("deferred").all(), pl.col("touched").any())
            .sort("offset")
        )
        return RowFailures(merged["offset"], merged["labels"], merged["deferred"], merged["touched"])

    def resolve(self, failed_rules: Collection[str], duplicates: pl.DataFrame) -> pl.DataFrame:
        """The rows invalid only now (ordinal, labels), sorted: rows of failed `mostly` rules
        and later duplicates (`duplicates`: ordinal, labels)."""
        import polars as pl

        failed = pl.lit(list(failed_rules), dtype=pl.List(pl.String))
        duplicates = duplicates.select(pl.col("ordinal").cast(pl.Int64), "labels")
        if self.early:  # set aside as they came: not moved again
            duplicates = duplicates.join(pl.concat(self.early), on=["ordinal", "labels"], how="anti")
        parts = [duplicates]
        if self.deferred:
            deferred = pl.concat(self.deferred).with_columns(
                pl.col("labels").str.split(";").list.set_intersection(failed).list.join(";")
            )
            parts.append(deferred.filter(pl.col("labels") != ""))
        late = pl.concat(parts)
        if late.is_empty():
            return late
        return late.group_by("ordinal").agg(pl.col("labels").str.join(";")).sort("ordinal")

    def finish(self, late: pl.DataFrame, strip: Collection[str], rows: int, rejected: list[str]) -> Quarantine:
        import numpy as np

        definite = np.concatenate(self.definite) if self.definite else np.zeros(0, dtype=np.int64)
        reasons = Counter({label: n for label, n in self.reasons.items() if label not in strip})
        new = late.filter(~late["ordinal"].is_in(definite)) if late.height else late
        reasons.update(label_counts(late["labels"]))
        at_end = sum(sink.unchecked_at_end() for _, sink in self.sinks)
        if at_end:  # a reader's malformed lines, which no batch showed a sink: a reason all the same
            reasons[MALFORMED] += at_end
        unchecked = self.unchecked + at_end
        invalid = int(definite.size) + new.height + unchecked
        paths: list[tuple[str | None, str | None]] = []
        if rejected:
            self.discard()
        else:
            for index, (start, sink) in enumerate(self.sinks):
                end = self.sinks[index + 1][0] if index + 1 < len(self.sinks) else None
                mine = late.filter(late["ordinal"] >= start)
                if end is not None:
                    mine = mine.filter(mine["ordinal"] < end)
                with writing(self.options.directory):
                    paths.append(sink.finish(mine, strip))
        tolerance = self.options.max_invalid
        written = [p for p in paths if p != (None, None)]
        return Quarantine(
            rows=rows,
            invalid=invalid,
            reasons=sorted(reasons.items(), key=lambda item: (-item[1], item[0])),
            max_invalid=tolerance.text if tolerance is not None else None,
            allowed=tolerance.allowed(rows) if tolerance is not None else None,
            rejected=rejected,
            valid_path=written[0][0] if len(written) == 1 else None,
            invalid_path=written[0][1] if len(written) == 1 else None,
        )

    def discard(self) -> None:
        """Every sink's temp files removed, whatever removing one of them raises."""
        errors = []
        for _, sink in self.sinks:
            try:
                sink.discard()
            except OSError as exc:
                errors.append(exc)
        if errors:
            raise errors[0]
