"""A directory as one dataset: its member files (as Spark and pyarrow.dataset list them), their hive
partition folders, and a reader wrapper that adds the partition columns to a member's batches."""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from pipecheck.readers import UnreadableFile
from pipecheck.readers.base import Checkpoint, Place, RawRecords, Reader, Work

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

    from pipecheck.findings import Finding

# Hive's (and Spark's, pyarrow's) folder name for a null partition value: year=__HIVE_DEFAULT_PARTITION__
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"


@dataclass(frozen=True)
class Member:
    """One data file of a dataset directory."""

    path: Path
    source: str  # its path below the dataset directory, with forward slashes
    partitions: tuple[tuple[str, str | None], ...]  # (key, value) of its key=value folders; None: null


def skipped(name: str) -> bool:
    """Names Spark's file index leaves out: hidden (.x, which covers Hadoop's .x.crc), _x unless a
    partition folder (_SUCCESS, _metadata, _temporary), checksums and files still being copied."""
    return name.startswith(".") or (name.startswith("_") and "=" not in name) or name.endswith((".crc", "._COPYING_"))


def partition_of(folder: str) -> tuple[str, str | None] | None:
    """(key, value) of a hive folder name `key=value`, both URI-decoded; None for another folder."""
    key, equals, value = folder.partition("=")
    if not equals or not key:
        return None
    value = unquote(value)
    return unquote(key), None if value == HIVE_NULL else value


def list_members(directory: Path) -> list[Member]:
    """The data files below `directory`, sorted by path; skipped names are left out, folders and all.

    Symbolic links to folders are not followed (no loops); a link to a file is a member. A folder
    that cannot be listed makes the dataset unreadable: its rows would be missing unseen.
    """

    def unlisted(error: OSError) -> None:
        where = Path(error.filename).relative_to(directory).as_posix() if error.filename else "."
        raise UnreadableFile(f"cannot list the folder {where}: {error.strerror or error}")

    members: list[Member] = []
    for folder, subfolders, files in os.walk(directory, onerror=unlisted, followlinks=False):
        subfolders[:] = sorted(d for d in subfolders if not skipped(d))
        relative = Path(folder).relative_to(directory)
        partitions = tuple(p for p in (partition_of(part) for part in relative.parts) if p is not None)
        for name in sorted(files):
            if not skipped(name):
                path = Path(folder) / name
                members.append(Member(path, (relative / name).as_posix(), partitions))
    return sorted(members, key=lambda m: m.source.split("/"))


class _WithPartitions:
    """A member's work with the partition columns added to its frame, wherever it is parsed."""

    def __init__(self, inner: Work, constant: Mapping[str, pl.Series]) -> None:
        self.inner = inner
        self.constant = constant

    def parse(self) -> pl.DataFrame:
        import polars as pl

        frame = self.inner.parse()
        height = frame.height
        columns = [pl.repeat(v[0], height, dtype=v.dtype, eager=True).alias(out) for out, v in self.constant.items()]
        return frame.with_columns(columns)

    def settle(self) -> Checkpoint:
        return self.inner.settle()

    def raw_records(self) -> RawRecords:
        """The member's own records (quarantine writes them; the partition columns are its folders)."""
        records: RawRecords = self.inner.raw_records()  # type: ignore[attr-defined]
        return records


class PartitionedReader:
    """A member's reader with its partition columns after its own: one value each, for every row."""

    def __init__(self, inner: Reader, values: Mapping[str, pl.Series]) -> None:
        self.inner = inner
        self.values = dict(values)  # name -> one value, typed as the engine wants it
        self.header_line = inner.header_line
        self._width: int | None = None

    @property
    def format(self) -> str:
        return self.inner.format

    @property
    def text(self) -> bool:
        return self.inner.text

    def columns(self) -> list[str]:
        own = self.inner.columns()
        self._width = len(own)
        return own + list(self.values)

    def schema(self) -> pa.Schema | None:
        import pyarrow as pa

        own = self.inner.schema()
        if own is None:
            return None
        return pa.schema([*own, *(pa.field(name, value.to_arrow().type) for name, value in self.values.items())])

    def batches(self, wanted: Mapping[str, int]) -> Iterator[Work]:
        width = len(self.inner.columns()) if self._width is None else self._width
        own = {out: position for out, position in wanted.items() if position < width}
        added = list(self.values.values())
        constant = {out: added[position - width] for out, position in wanted.items() if position >= width}
        for work in self.inner.batches(own):
            yield _WithPartitions(work, constant) if constant else work

    def locate(self, ordinals: Collection[int]) -> dict[int, Place]:
        return self.inner.locate(ordinals)

    def file_findings(self) -> list[Finding]:
        return self.inner.file_findings()

    def unchecked_rows(self) -> int:
        return self.inner.unchecked_rows()

    def progress(self) -> tuple[int, int | None]:
        return self.inner.progress()

    def close(self) -> None:
        self.inner.close()
