"""The decoded stream knows whether its text so far holds a lone CR (a CR without an LF after it):
the CSV reader then skips the block scans for one. The count is held to a direct count of the
text handed out, over chunk boundaries and encodings."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipecheck.readers.source import DecodedStream, DecodeLog


def _lone(text: bytes) -> int:
    return text.count(b"\r") - text.count(b"\r\n")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "é", "\r", "\n", "\r\n", ",", '"']), max_size=60),
    st.sampled_from(["utf-8", "utf-16", "cp1252"]),
    st.lists(st.integers(1, 7), min_size=1, max_size=10),
    st.booleans(),
)
def test_a_lone_cr_is_known_as_soon_as_it_is_handed_out(
    pieces: list[str], encoding: str, sizes: list[int], bom: bool
) -> None:
    text = "".join(pieces)
    raw = (("\ufeff" if bom and encoding == "utf-8" else "") + text).encode(encoding)
    stream = DecodedStream(io.BytesIO(raw), encoding, DecodeLog())
    out = b""
    turn = 0
    while piece := stream.read_piece(sizes[turn % len(sizes)]):
        turn += 1
        out += piece
        assert stream.lone_cr_seen() == (_lone(out) > 0), (out, stream.lone_crs_out)
    assert out == text.encode("utf-8")


def test_comment_lines_are_rewritten_so_a_lone_cr_is_always_possible() -> None:
    stream = DecodedStream(io.BytesIO(b"a\r\n#x\r\nb\r\n"), "utf-8", DecodeLog(), comment="#")
    while stream.read_piece(4):
        assert stream.lone_cr_seen()


def _findings(path: Path, block_size: int) -> list[tuple[str, int, list[tuple[int | None, int | None]]]]:
    from pipecheck.compile import compile_contract
    from pipecheck.contract.loader import parse_contract
    from pipecheck.engine import Options, validate_file

    contract = parse_contract("contract: t\ncolumns:\n  a: {type: integer, max: 5}\n  b: {type: string}\n")
    report = validate_file(path, "d", compile_contract(contract), "c", Options(block_size=block_size))
    return [(f.check, f.count, [(e.row, e.line) for e in f.examples]) for f in report.findings]


@pytest.mark.parametrize("where", ["chunk_end", "chunk_start", "crlf_split", "block_edge", "last_byte"])
@pytest.mark.parametrize("quoted", [False, True])
def test_a_first_lone_cr_on_a_boundary_reads_as_the_gzip_copy_and_the_csv_module(
    tmp_path: Path, where: str, quoted: bool
) -> None:
    """Adversarial review: the first lone CR just before/after a 1 MB read chunk, a CRLF split
    over one, a lone CR at a block's edge, a CR as the file's last byte."""
    row = b'%d,"xy"\r\n' if quoted else b"%d,xy\r\n"
    body = b"a,b\r\n" + b"".join(row % (i % 5) for i in range(140_000))  # ~1.1 MB
    chunk = 1 << 20
    if where == "crlf_split":
        crlf = body.find(b"\r\n", chunk - 20)
        data = body[:crlf] + b"z" * (chunk - 1 - crlf) + body[crlf:] + b'7,"q\rq"\r9,x\r\n'
    elif where == "last_byte":
        data = body + b"9,x\r"
    else:
        at = {"chunk_end": chunk - 1, "chunk_start": chunk, "block_edge": 128 << 10}[where]
        data = body[:at] + b'\r7,"q\rq"\r' + body[at:] + b"9,x\r\n8,y\r\n"
    plain, packed = tmp_path / "d.csv", tmp_path / "d.csv.gz"
    plain.write_bytes(data)
    packed.write_bytes(gzip.compress(data, 1))
    found = _findings(plain, 64 << 10)
    assert found == _findings(packed, 64 << 10)
    limit = csv.field_size_limit(1 << 24)  # the padded field of crlf_split
    try:
        records = list(csv.reader(io.StringIO(data.decode(), newline="")))[1:]
    finally:
        csv.field_size_limit(limit)
    wanted = sum(1 for r in records if len(r) == 2 and r[0].isdigit() and int(r[0]) > 5)
    assert {check: count for check, count, _ in found}.get("max") == wanted
    assert {check: count for check, count, _ in found}.get("malformed_row", 0) == sum(
        1 for r in records if r and len(r) != 2
    )
