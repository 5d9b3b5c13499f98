"""The sink for each input format, and the rejected copy of a file that cannot be split."""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, cast

from pipecheck.quarantining import Outputs
from pipecheck.quarantining.files import copy_whole, write_whole, writing
from pipecheck.quarantining.ledger import Sink, Taken, label_counts

if TYPE_CHECKING:
    import polars as pl

    from pipecheck.checking import RowFailures
    from pipecheck.readers.base import Checkpoint, Reader, Work


def open_sink(reader: Reader, directory: Path | None, name: str, *, late_possible: bool) -> Sink:
    """The sink of one input file: writing into `directory`, or counting only (None)."""
    from pipecheck.readers.csv import CsvReader

    outputs = Outputs.of(directory, name, reader.format) if directory is not None else None
    if outputs is not None:
        with writing(directory):
            outputs.valid.parent.mkdir(parents=True, exist_ok=True)
    if reader.format.startswith("csv"):
        from pipecheck.quarantining.csv_sink import CsvSink

        return CsvSink(
            cast(CsvReader, reader), (outputs.valid, outputs.invalid) if outputs else None, late_possible=late_possible
        )
    if reader.format == "parquet" and outputs is not None:
        from pipecheck.quarantining.parquet_sink import ParquetSink

        path = getattr(reader, "path", None)
        assert isinstance(path, Path)
        return ParquetSink(path, (outputs.valid, outputs.invalid), late_possible=late_possible)
    return CountSink(reader)


class CountSink:
    """Counts the invalid rows of a file whose rows are not written (count only, JSON Lines)."""

    writes = False

    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    def take(self, work: Work, point: Checkpoint, failures: RowFailures, first: int) -> Taken:
        import numpy as np

        definite = ~failures.deferred
        offsets = failures.offsets.filter(definite).to_numpy().astype(np.int64) + first + point.first_row
        return Taken(offsets, label_counts(failures.labels.filter(definite)), 0)

    def unchecked_at_end(self) -> int:
        return self.reader.unchecked_rows()

    def finish(self, late: pl.DataFrame, strip: Collection[str]) -> tuple[str | None, str | None]:
        return None, None

    def discard(self) -> None:
        return None


def reject(source: Path, directory: Path, file_format: str, reasons: list[str]) -> str | None:
    """The input copied byte for byte to STEM.rejected.EXT, with STEM.rejected.json saying why."""
    with writing(directory):
        return _reject(source, directory, file_format, reasons)


def _reject(source: Path, directory: Path, file_format: str, reasons: list[str]) -> str | None:
    outputs = Outputs.of(directory, source.name, file_format)
    directory.mkdir(parents=True, exist_ok=True)
    copied = outputs.rejected
    if source.is_dir():  # a dataset: its folder copied whole, as DIR/NAME.rejected/
        copied, outputs = directory / f"{source.name}.rejected", Outputs.of(directory, source.name, "dir")
        _copy_tree(source, copied)
    else:
        copy_whole(source, copied)
    why = {"file": str(source), "rejected": copied.name, "reasons": reasons}  # the copy beside this file
    write_whole(outputs.rejected_json, (json.dumps(why, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return str(copied)


def _copy_tree(source: Path, final: Path) -> None:
    """A directory copied beside its final name, then renamed into place (an older copy replaced)."""
    import shutil
    import tempfile

    temp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".pipecheck-tmp", dir=final.parent))
    try:
        shutil.copytree(source, temp / "copy")
        if final.exists():
            shutil.rmtree(final)
        (temp / "copy").rename(final)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def clear_stale(directory: Path, name: str, file_format: str, *, rejected: bool) -> None:
    """An earlier run's outputs of the other kind removed: a file rejected now keeps no valid file
    from before (a pipeline would read it as this run's), a file split now no rejected copy."""
    outputs = Outputs.of(directory, name, file_format)
    stale = (outputs.valid, outputs.invalid) if rejected else (outputs.rejected, outputs.rejected_json)
    with writing(directory):
        for path in stale:
            path.unlink(missing_ok=True)
