"""Reader internals behind the CLI behaviour: the quote-state scanner, line-break counting, closing handles."""

from __future__ import annotations

import bz2
import gzip
import lzma
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipecheck.readers.source import Quoting, _line_breaks, open_binary


@pytest.mark.parametrize(
    ("text", "open_at_end"),
    [
        ('1,"x"\n', False),
        ('1,"x\n', True),
        ('1,"x""y"\n', False),
        ('1,"x""\n', True),
        ("1,5'11\"\n", False),  # a quote inside an unquoted field is literal
        ('1, "x\n', False),  # not at a field start: literal
        ('"', True),
        ('""', False),
        ('1,"a\n\n2,b', True),
        ('1,"a\r\n"\r\n', False),
        ('1,"a"b"c\n', False),  # after a closing quote, text is appended literally
    ],
)
def test_quote_state(text: str, open_at_end: bool) -> None:
    assert Quoting().ends_in_quote(text) is open_at_end


def test_quote_state_with_escape_character_and_other_dialect() -> None:
    backslash = Quoting(quote="'", delimiter=";", escape="\\", doublequote=False)
    assert backslash.ends_in_quote("1;'it\\'s'\n") is False
    assert backslash.ends_in_quote("1;'it\\'s\n") is True
    assert backslash.ends_in_quote("1;'it''s'\n") is False  # closes at the second quote, reopens never
    assert Quoting().ends_in_quote("continued\n", in_quote=True) is True
    assert Quoting().ends_in_quote('end"\n', in_quote=True) is False


@pytest.mark.parametrize(
    ("data", "after_cr", "breaks"),
    [
        (b"a\nb\n", False, 2),
        (b"a\r\nb\r\n", False, 2),
        (b"a\rb\r", False, 2),
        (b"\nx", True, 0),
        (b"\r\n\n\r", False, 3),
    ],
)
def test_line_breaks_count_lf_crlf_and_lone_cr(data: bytes, after_cr: bool, breaks: int) -> None:
    assert _line_breaks(data, after_cr) == breaks


@pytest.mark.parametrize(("kind", "compress"), [("gzip", gzip.compress), ("bz2", bz2.compress), ("xz", lzma.compress)])
def test_compressed_streams_close_the_file_they_opened(kind: str, compress: object, tmp_path: Path) -> None:
    path = tmp_path / "t.csv.z"
    path.write_bytes(compress(b"a,b\n1,x\n"))  # type: ignore[operator]
    stream = open_binary(path, kind)
    assert stream.read() == b"a,b\n1,x\n"
    guard = stream.raw  # type: ignore[attr-defined]
    stream.close()
    assert guard.raw.closed  # the on-disk file handle, which GzipFile/BZ2File/LZMAFile leave open


def _stdlib_ends_in_quote(text: str) -> bool:
    """Oracle: text that ends inside quotes swallows an appended line break and Z into its last field."""
    import csv
    import io

    records = list(csv.reader(io.StringIO(text + "\nZ", newline=""), strict=False))
    return bool(records) and records[-1] != ["Z"] and records[-1][-1].endswith("\nZ")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='",;\n\r a', max_size=30))
def test_quote_state_agrees_with_the_csv_module(text: str) -> None:
    assert Quoting().ends_in_quote(text) is _stdlib_ends_in_quote(text)


@pytest.mark.parametrize("size", [1, 7, 4096, 3 << 20])
def test_decoded_stream_returns_every_byte_whatever_the_read_size(size: int, tmp_path: Path) -> None:
    from pipecheck.readers.source import DecodedStream

    rows = 5_000 if size < 100 else 200_000  # the large reads span several 1 MB decoding chunks
    text = "".join(f'{i},é\u2028x,"q"\r\n' for i in range(rows))
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("cp1252", errors="replace"))
    expected = text.encode("cp1252", errors="replace").decode("cp1252").encode("utf-8")
    with DecodedStream(path.open("rb"), "cp1252", None) as stream:
        chunks = []
        buffer = bytearray(size)
        while n := stream.readinto(buffer):
            chunks.append(bytes(buffer[:n]))
    assert b"".join(chunks) == expected
