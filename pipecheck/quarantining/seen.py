"""Key values seen so far in a file, exactly, for `unique` keys of one integer-like column: a later
duplicate is known as its batch arrives, so it goes straight to the invalid file instead of being
moved out of the valid one at the end (a second pass over that output).

The values seen are flags in an array indexed by value (one byte a value of the range seen: IDs
are dense), as long as the range stays under MAX_SPAN; a key whose values spread wider is left to
the end, where every duplicate is found anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

MAX_SPAN = 64 << 20  # values: the flags' size in bytes at most


def exact_int_values(column: pl.Series) -> Any | None:
    """The column's values as int64s where they compare as the column's own values do (integers,
    dates, datetimes, durations); None for other types (their later duplicates are found at the end)."""
    import numpy as np
    import polars as pl

    dtype = column.dtype
    if not (dtype.is_integer() or isinstance(dtype, pl.Date | pl.Datetime | pl.Duration | pl.Time)):
        return None
    if dtype == pl.UInt64 and column.len() and int(column.max()) > np.iinfo(np.int64).max:  # type: ignore[arg-type]
        return None
    return column.to_physical().cast(pl.Int64).to_numpy()


class SeenKeys:
    def __init__(self) -> None:
        self.low = 0  # the value of flags[0]
        self.flags: Any = None
        self.seen_low = self.seen_high = 0  # the smallest and largest value seen (the flags hold room beyond)

    def repeated(self, values: Any) -> Any | None:
        """True for each value seen before, in an earlier call or earlier in `values`; None once the
        values span more than MAX_SPAN (from then on the caller finds repeats another way)."""
        import numpy as np
        import polars as pl

        if not values.size:
            return np.zeros(0, dtype=bool)
        low, high = int(values.min()), int(values.max())
        if self.flags is None:
            self.low, self.flags = low, np.zeros(0, dtype=bool)
            self.seen_low, self.seen_high = low, high
        # the span of the values seen, not of the flags' room to spare
        start, end = min(low, self.seen_low), max(high, self.seen_high) + 1
        if end - start > MAX_SPAN:
            return None
        self.seen_low, self.seen_high = start, end - 1
        if start < self.low or end > self.low + self.flags.size:  # grow, with room to spare above
            grown = np.zeros(min(MAX_SPAN, max(end - start, 2 * self.flags.size)), dtype=bool)
            kept = min(self.flags.size, grown.size - (self.low - start))  # past it, no value was seen
            grown[self.low - start : self.low - start + kept] = self.flags[:kept]
            self.low, self.flags = start, grown
        at = values - self.low
        repeated = self.flags[at] | ~pl.Series(values).is_first_distinct().to_numpy()
        self.flags[at] = True
        return repeated
