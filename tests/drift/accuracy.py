"""The drift accuracy harness: known shifts and no-shift pairs on generated data, judged by the
defaults (python -m tests.drift.accuracy prints the README's detection table)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from pipecheck.contract.model import Contract
from pipecheck.drift import compare
from pipecheck.findings import Finding
from pipecheck.profile import FileProfile, ProfiledColumn, build_profile, profile_batch
from pipecheck.profile_format import Profile, SchemaColumn

BATCH = 256_000
CATEGORIES = ["a", "b", "c", "d"]
SHARES = [0.4, 0.3, 0.2, 0.1]
CONTRACT = Contract.model_validate(
    {"contract": "t", "columns": {"x": {"type": "float", "nullable": True}, "s": {"type": "string"}}}
)


def profile_of(x: np.ndarray, s: np.ndarray) -> Profile:
    """The profile the engine gathers for a two-column file (x float with NaN as null, s text), in batches."""
    columns = (ProfiledColumn("x", "c0", "float"), ProfiledColumn("s", "c1", "string"))
    part = None
    for start in range(0, len(x), BATCH):
        frame = pl.DataFrame({"c0": x[start : start + BATCH], "c1": s[start : start + BATCH]}, nan_to_null=True)
        piece = profile_batch(columns, frame)
        part = piece if part is None else part.merge(piece)
    assert part is not None
    schema = (SchemaColumn(name="x", type="float", stored="text"), SchemaColumn(name="s", type="string", stored="text"))
    return build_profile([FileProfile("data", "csv", len(x), schema, columns, part)], "t", "test")


@dataclass(frozen=True)
class Case:
    name: str
    column: str  # the column whose drift must be flagged ("" for a no-shift pair)
    make: Callable[[np.random.Generator, int], tuple[np.ndarray, np.ndarray]]


def _base(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(0, 1, n), rng.choice(CATEGORIES, n, p=SHARES)


def _mean(shift: float) -> Callable[[np.random.Generator, int], tuple[np.ndarray, np.ndarray]]:
    return lambda rng, n: (rng.normal(shift, 1, n), rng.choice(CATEGORIES, n, p=SHARES))


def _moved(points: float) -> Callable[[np.random.Generator, int], tuple[np.ndarray, np.ndarray]]:
    shares = [SHARES[0] - points, SHARES[1] + points, *SHARES[2:]]
    return lambda rng, n: (rng.normal(0, 1, n), rng.choice(CATEGORIES, n, p=shares))


def _variance(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(0, np.sqrt(1.5), n), rng.choice(CATEGORIES, n, p=SHARES)


def _new_category(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    shares = [s * 0.98 for s in SHARES] + [0.02]
    return rng.normal(0, 1, n), rng.choice([*CATEGORIES, "e"], n, p=shares)


def _nulls(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(0, 1, n)
    x[rng.random(n) < 0.05] = np.nan
    return x, rng.choice(CATEGORIES, n, p=SHARES)


CASES = [
    Case("mean +0.1 SD", "x", _mean(0.1)),
    Case("mean +0.25 SD", "x", _mean(0.25)),
    Case("mean +0.5 SD", "x", _mean(0.5)),
    Case("variance x1.5", "x", _variance),
    Case("share moves 5 points", "s", _moved(0.05)),
    Case("share moves 10 points", "s", _moved(0.10)),
    Case("share moves 20 points", "s", _moved(0.20)),
    Case("new category (2 % of rows)", "s", _new_category),
    Case("nulls 0 % -> 5 %", "x", _nulls),
]
NO_SHIFT = Case("no shift", "", _base)

# The smallest size from which the defaults flag each case every time (README: minimum detectable effect).
MINIMUM_ROWS = {
    "mean +0.1 SD": 100_000,
    "mean +0.25 SD": 10_000,
    "mean +0.5 SD": 1_000,
    "variance x1.5": 10_000,
    "share moves 5 points": 10_000,
    "share moves 10 points": 10_000,
    "share moves 20 points": 1_000,
    "new category (2 % of rows)": 10_000,
    "nulls 0 % -> 5 %": 1_000,
}


def drift_findings(case: Case, rows: int, seed: int) -> list[Finding]:
    rng = np.random.default_rng(seed)
    baseline = profile_of(*_base(rng, rows))
    current = profile_of(*case.make(rng, rows))
    return [f for f in compare(baseline, current, CONTRACT, "baseline.json") if f.check == "drift"]


def detected(case: Case, rows: int, seed: int) -> bool:
    return any(f.column == case.column for f in drift_findings(case, rows, seed))


def false_alarm(rows: int, seed: int) -> bool:
    return bool(drift_findings(NO_SHIFT, rows, seed))


def table(sizes: list[int], seeds: dict[int, int], pairs: dict[int, int]) -> str:
    head = "| shift | " + " | ".join(f"{n:,} rows" for n in sizes) + " |"
    lines = [head, "| --- |" + " ---: |" * len(sizes)]
    for case in CASES:
        cells = [f"{sum(detected(case, n, s) for s in range(seeds[n]))}/{seeds[n]}" for n in sizes]
        lines.append(f"| {case.name} | " + " | ".join(cells) + " |")
    alarms = [f"{sum(false_alarm(n, 10_000 + s) for s in range(pairs[n]))}/{pairs[n]}" for n in sizes]
    lines.append("| false alarms, no-shift pairs | " + " | ".join(alarms) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sizes = [1_000, 10_000, 100_000, 1_000_000]
    seeds = {1_000: 50, 10_000: 20, 100_000: 10, 1_000_000: 3}
    pairs = {1_000: 200, 10_000: 100, 100_000: 30, 1_000_000: 10}
    sys.stdout.write(table(sizes, seeds, pairs) + "\n")
