"""The decoded stream knows whether its text so far holds a lone CR (a CR without an LF after it):
the CSV reader then skips the block scans for one. The count is held to a direct count of the
text handed out, over chunk boundaries and encodings."""

from __future__ import annotations

import io

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
