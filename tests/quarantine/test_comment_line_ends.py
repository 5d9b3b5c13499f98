"""Property: with comment lines, quarantine still writes each record's own line ends.

Blanking a comment line turns a record's lone CR into an LF in the text the parsers read (an
emptied comment line after it must not make a CRLF of them); the outputs get the CR back. The
oracle builds the file from its records, so each record's exact bytes are known.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipecheck.compile import compile_contract
from pipecheck.contract.loader import parse_contract
from pipecheck.engine import Options, validate_file
from pipecheck.quarantining import QuarantineOptions
from pipecheck.readers import source
from tests.quarantine.oracle import split_invalid, terminated

CONTRACT = 'contract: c\ncsv: {comment: "#"}\ncolumns:\n  id: {type: integer}\n  note: {type: string, nullable: true}\n'
NOTES = ["a", "", '"x, y"', '"two\nlines"', '"cr\rinside"', '"crlf\r\ninside"', "é"]
ENDS = ["\n", "\r\n", "\r"]


@st.composite
def commented_csv(draw: st.DrawFn) -> tuple[str, list[tuple[str, bool]], str, int, int]:
    """(file text, its records with whether each is valid, the header, block size, read size)."""
    header = "id,note" + draw(st.sampled_from(ENDS))
    parts = [header]
    records: list[tuple[str, bool]] = []
    for _ in range(draw(st.integers(1, 25))):
        if draw(st.integers(0, 3)) == 0:
            parts.append("# a comment" + draw(st.sampled_from(ENDS)))
        valid = draw(st.booleans())
        record = ("7" if valid else "x") + "," + draw(st.sampled_from(NOTES)) + draw(st.sampled_from(ENDS))
        records.append((record, valid))
        parts.append(record)
    if draw(st.booleans()):  # the last record without a line break
        last, valid = records[-1]
        stripped = last.rstrip("\r\n")
        records[-1] = (stripped, valid)
        parts[-1] = stripped
    return "".join(parts), records, header, draw(st.sampled_from([16, 64, 1 << 20])), draw(st.sampled_from([5, 64]))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=commented_csv())
def test_records_keep_their_own_line_ends_beside_comment_lines(
    case: tuple[str, list[tuple[str, bool]], str, int, int],
) -> None:
    text, records, header, block, read_size = case
    with tempfile.TemporaryDirectory() as tmp, mock.patch.object(source, "READ_CHUNK", read_size):
        path = Path(tmp) / "in.csv"
        path.write_bytes(text.encode())
        out = Path(tmp) / "q"
        options = Options(block_size=block, quarantine=QuarantineOptions(out, None, "first"))
        report = validate_file(path, "in.csv", compile_contract(parse_contract(CONTRACT)), "c.yaml", options)
        assert report.quarantine is not None and report.quarantine.rejected == []
        valid_bytes = (out / "in.valid.csv").read_bytes()
        invalid_bytes = (out / "in.invalid.csv").read_bytes()
    newline = header[len("id,note") :]
    assert valid_bytes.decode() == header + "".join(terminated(r, newline) for r, ok in records if ok)
    invalid_header, invalid = split_invalid(invalid_bytes.decode())
    assert invalid_header == header
    assert [i.text for i in invalid] == [terminated(r, newline) for r, ok in records if not ok]
