"""The CSV dialect of a file, from a sample of its first bytes: encoding, delimiter, quote character.

The delimiter is the stdlib csv.Sniffer's guess when the sample's records then all have the same
number of fields, else the candidate that gives the most records one width. The encoding is a
BOM's, else UTF-8 if the sample decodes, else cp1252, else latin-1 (which decodes any byte); the
whole file is decoded while profiling, and a later byte that does not decode moves down that list.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from pipecheck.readers import UnreadableFile
from pipecheck.readers.source import open_binary

SAMPLE_BYTES = 256 << 10
DELIMITERS = (",", ";", "\t", "|")
# Encodings tried in this order; each later one decodes more byte sequences.
ENCODING_LADDER = ("utf-8", "cp1252", "latin-1")
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def sample(path: Path, compression: str | None) -> bytes:
    try:
        with open_binary(path, compression) as stream:
            return stream.read(SAMPLE_BYTES)
    except UnreadableFile:
        raise
    except Exception as exc:  # OSError/EOFError from the decompressors
        raise UnreadableFile(f"cannot read the file: {type(exc).__name__}: {exc}") from None


def detect_encoding(head: bytes, whole: bool) -> str:
    """The encoding of text starting with `head` (`whole`: head is the entire file)."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    pairs = head[: len(head) - len(head) % 2]
    if pairs and pairs[1::2].count(0) == len(pairs) // 2:
        return "utf-16-le"
    if pairs and pairs[0::2].count(0) == len(pairs) // 2:
        return "utf-16-be"
    for name in ENCODING_LADDER:
        try:
            head.decode(name)
        except UnicodeDecodeError as exc:
            if not whole and exc.start >= len(head) - 3 and name == "utf-8":
                return name  # a character cut by the end of the sample
            continue
        return name
    return ENCODING_LADDER[-1]


def detect_delimiter(text: str, whole: bool) -> tuple[str, str]:
    """(delimiter, quotechar) of the sample text."""
    records_of = {}
    for quote in ('"', "'"):
        for delimiter in DELIMITERS:
            records_of[(delimiter, quote)] = _widths(text, delimiter, quote, whole)
    try:
        sniffed = csv.Sniffer().sniff(text[:65536], delimiters="".join(DELIMITERS))
        hint: tuple[str, str] | None = (sniffed.delimiter, sniffed.quotechar or '"')
    except csv.Error:
        hint = None
    if hint is not None and hint[1] not in ('"', "'"):
        hint = (hint[0], '"')

    def score(option: tuple[str, str]) -> tuple[float, bool, int, bool, bool]:  # best first: max()
        widths = records_of[option]
        if not widths:
            return (0.0, False, 0, False, False)
        width, count = Counter(widths).most_common(1)[0]
        # most records as wide as the header, with more than one field; else (one column) every record
        # as wide as the others; then most fields; ties: the double quote, then the sniffer's guess
        several = count / len(widths) if width > 1 and widths[0] == width else 0.0
        return (several, count == len(widths), width, option[1] == '"', option == hint)

    best = max(records_of, key=score)
    return best


def _widths(text: str, delimiter: str, quote: str, whole: bool) -> list[int]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quote)
    widths: list[int] = []
    try:
        widths = [len(record) for record in reader if record]
    except csv.Error:
        return []
    return widths if whole or len(widths) < 2 else widths[:-1]  # the sample may cut its last record
