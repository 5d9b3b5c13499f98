"""Quarantine: a file's rows split into those that hold the contract and those that do not, each
written as the input has it, nothing lost; and tolerances (how many invalid rows a file may have).

    engine -> Ledger (per file: counts, reasons, rows decided at the end) -> a sink per member
    (csv_sink, parquet_sink) writing temp files, renamed only when the file is done.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

from pipecheck.errors import UsageError

Keep = Literal["first", "none"]


_TOLERANCE = re.compile(r"[0-9]+|([0-9]+(\.[0-9]*)?|\.[0-9]+) *%")


@dataclass(frozen=True)
class MaxInvalid:
    """--max-invalid: a number of rows ('100') or a share of the file's rows ('0.5%')."""

    text: str
    rows: int | None = None
    percent: Decimal | None = None

    @classmethod
    def parse(cls, text: str, where: str = "--max-invalid") -> MaxInvalid:
        raw = str(text).strip()
        try:
            # ASCII digits and a point only: int() and Decimal() also take '1_000', '1e3%' and '١٢'
            if not _TOLERANCE.fullmatch(raw):
                raise ValueError
            if raw.endswith("%"):
                percent = Decimal(raw[:-1].strip())
                if not percent.is_finite() or not 0 <= percent <= 100:
                    raise InvalidOperation
                return cls(raw, percent=percent)
            rows = int(raw)
            if rows < 0:
                raise ValueError
            return cls(raw, rows=rows)
        except (InvalidOperation, ValueError):
            raise UsageError(f"{where}: expected a number of rows (100) or a percentage (0.5%), got {text!r}") from None

    def allowed(self, rows: int) -> int:
        """The invalid rows a file of `rows` rows may have."""
        if self.rows is not None:
            return self.rows
        assert self.percent is not None
        return int(self.percent * rows / 100)  # Decimal: 0.5% of 1,000 rows is exactly 5


@dataclass(frozen=True)
class QuarantineOptions:
    directory: Path | None = None  # None: count only (--max-invalid without --quarantine)
    max_invalid: MaxInvalid | None = None
    keep: Keep = "first"  # which occurrence of a duplicate key is valid: the first, or none


_COMPRESSED = (".gz", ".gzip", ".bz2", ".xz", ".zst", ".zstd")


def split_name(name: str, file_format: str) -> tuple[str, str]:
    """('orders', '.csv.gz') of 'orders.csv.gz': the outputs are STEM.valid.EXT and so on; a name
    without a data suffix gets its format's ('stdin' -> 'stdin', '.csv')."""
    path = Path(name)
    suffixes = [s for s in path.suffixes if s.lower() != "." and len(s) <= 9]
    ext = ""
    if suffixes and suffixes[-1].lower() in _COMPRESSED:
        ext = suffixes.pop()
    if suffixes and suffixes[-1].lower() in (".csv", ".tsv", ".txt", ".parquet", ".pq", ".jsonl", ".ndjson"):
        ext = suffixes.pop() + ext
    stem = name[: len(name) - len(ext)] if ext else name
    if not ext or ext.lower() in _COMPRESSED:
        base = "." + file_format.split("+", maxsplit=1)[0]
        ext = base + ext
    return stem, ext


@dataclass(frozen=True)
class Outputs:
    """Where one input's quarantine files go."""

    valid: Path
    invalid: Path
    rejected: Path
    rejected_json: Path

    @classmethod
    def of(cls, directory: Path, name: str, file_format: str) -> Outputs:
        stem, ext = split_name(name, file_format)
        return cls(
            directory / f"{stem}.valid{ext}",
            directory / f"{stem}.invalid{ext}",
            directory / f"{stem}.rejected{ext}",
            directory / f"{stem}.rejected.json",
        )
