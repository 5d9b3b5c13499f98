"""Which reader reads a path: the format sniffed from its bytes (and suffix), then a registry lookup."""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path

from pipecheck.readers import UnreadableFile
from pipecheck.readers.base import Reader, ReadOptions
from pipecheck.readers.source import COMPRESSIONS, magic_kind, open_binary, open_stream, sniff

# format -> "module:class"; every class takes (path, compression, options). Imported on use.
READERS: dict[str, str] = {
    "csv": "pipecheck.readers.csv:CsvReader",
    "jsonl": "pipecheck.readers.jsonl:JsonLinesReader",
    "parquet": "pipecheck.readers.parquet:ParquetReader",
}


def open_reader(path: Path, options: ReadOptions) -> Reader:
    """The reader for the file (a directory is a dataset: readers/dataset.py); UnreadableFile when there is none."""
    if not _regular(path):
        opened, head = open_stream(path)  # read once: the reader gets this very stream
        kind, compression = _stream_format(path, head)
        options = dataclasses.replace(options, opened=opened)
    else:
        kind, compression = sniff_format(path)
    module, _, name = READERS[kind].partition(":")
    reader: Reader = getattr(importlib.import_module(module), name)(path, compression, options)
    return reader


def sniff_format(path: Path) -> tuple[str, str | None]:
    """(format, compression) from the first bytes; text is JSON Lines by suffix or a leading '{', else CSV."""
    kind = sniff(path)
    if kind == "parquet":
        return kind, None
    compression = kind if kind in COMPRESSIONS else None
    if compression is None:
        if kind != "csv":
            raise UnreadableFile(f"this is a {kind}, not a CSV, JSON Lines or Parquet file", file_format=kind)
        with path.open("rb") as handle:
            head = handle.read(4096)
    else:
        head = _decompressed_head(path, compression)
    if head.startswith(b"PAR1"):
        raise UnreadableFile("a compressed Parquet file: Parquet compresses internally, store it uncompressed")
    if _binary(head) and not _utf16_or_32(head):
        raise UnreadableFile("this is a binary file (it holds NUL bytes), not CSV or JSON Lines text")
    return _text_format(path, head), compression


def _regular(path: Path) -> bool:
    import stat

    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return True  # let the open report it


_SUFFIX_COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zst": "zstd"}


def data_suffix(path: Path) -> str:
    """The name's suffix after any compression suffix, lower-cased: ".tsv" for data.tsv.gz."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _SUFFIX_COMPRESSIONS:
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _stream_format(path: Path, head: bytes) -> tuple[str, str | None]:
    """(format, compression) of a pipe or FIFO from its first bytes (peeked) and its name."""
    kind = magic_kind(head)
    if kind == "parquet" or data_suffix(path) == ".parquet":
        return "parquet", None
    if kind is not None and kind not in COMPRESSIONS:
        raise UnreadableFile(f"this is a {kind}, not a CSV, JSON Lines or Parquet file", file_format=kind)
    compression = kind
    # compressed text is not peeked into: its name decides (CSV unless it says JSON Lines)
    return _text_format(path, b"" if compression else head), compression


def _decompressed_head(path: Path, compression: str) -> bytes:
    try:
        with open_binary(path, compression) as stream:
            head = stream.read(4096)
    except Exception as exc:  # OSError/EOFError from gzip/bz2/lzma, ArrowException from zstd
        raise UnreadableFile(f"corrupt {compression} data: {exc}") from None
    if not head:
        raise UnreadableFile(f"the {compression} archive is empty")
    return head


def _text_format(path: Path, head: bytes) -> str:
    from pipecheck.readers.jsonl import sniff_text_format

    return sniff_text_format(head, "".join(path.suffixes))


def _binary(head: bytes) -> bool:
    """A quarter of the bytes are control bytes (NUL and the like): not text in any encoding read here."""
    control = sum(head.count(bytes([b])) for b in (*range(0, 9), *range(14, 27), *range(28, 32)))
    return control > len(head) // 4


def _utf16_or_32(head: bytes) -> bool:
    """Text in UTF-16/32 holds NUL bytes too: a BOM, or NULs at every other (or fourth) byte."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    pairs = head[: len(head) - len(head) % 2]
    return bool(pairs) and (pairs[0::2].count(0) == len(pairs) // 2 or pairs[1::2].count(0) == len(pairs) // 2)
