"""Property: a record with bytes that are not UTF-8 goes to the invalid file as the file has it.

The checks see each undecodable sequence as U+FFFD; the invalid file gets the original bytes back,
and a U+FFFD that the file really holds is a character like any other (its record may be valid).
The oracle is `test_conservation`'s: the csv module and plain-Python rules, here on text whose
undecodable bytes are lone surrogates (`surrogateescape`), judged as the checks see it (each
sequence replaced as Python's UTF-8 decoder replaces it).
"""

from __future__ import annotations

import random
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
from tests.quarantine.oracle import judge, split_invalid, split_records, terminated
from tests.quarantine.test_conservation import ES, IDS, NAMES, NS, SS, UNIQUE, WS, contract, field, rules

UNDECODABLE = "_record:encoding"
# bytes that are not UTF-8 (as surrogateescape spells them), none of them a delimiter, quote or
# line break: a lone continuation byte, a lead byte cut short, a byte UTF-8 never uses
BAD = ["\udcff", "\udce9", "\udce2\udc82", "\udcc3", "\udcf0\udc9f\udc98"]
REAL_FFFD = "\ufffd"  # the character itself, valid UTF-8 (EF BF BD)


def spoiled(value: str, rng: random.Random) -> str:
    at = rng.randrange(len(value) + 1)
    return value[:at] + rng.choice(BAD) + value[at:]


@st.composite
def csv_with_bad_bytes(draw: st.DrawFn) -> tuple[str, str, int, int]:
    """(text with lone surrogates for undecodable bytes, delimiter, block size, read size)."""
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    rng = random.Random(draw(st.integers(0, 2**32)))
    lines = [delimiter.join(NAMES)]
    for _ in range(draw(st.integers(1, 40))):
        values = [rng.choice(pool) for pool in (IDS, NS, SS, ES, [*WS, REAL_FFFD])]
        for column in (2, 3, 4):  # text columns only: an integer's failure would be a type failure too
            if rng.random() < 0.15:
                values[column] = spoiled(values[column], rng)
        if rng.random() < 0.1:
            values = values[:3]  # malformed, and maybe undecodable too
        lines.append(delimiter.join(field(v, delimiter, rng) for v in values))
    text = newline.join(lines) + newline
    return text, delimiter, draw(st.sampled_from([16, 64, 200, 1 << 20])), draw(st.sampled_from([3, 7, 64, 1 << 20]))


def as_checked(text: str) -> str:
    """The text as the checks see it: each undecodable sequence one U+FFFD, as Python decodes."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=csv_with_bad_bytes(), keep=st.sampled_from(["first", "none"]))
def test_undecodable_records_go_invalid_with_their_original_bytes(case: tuple[str, str, int, int], keep: str) -> None:
    text, delimiter, block, read_size = case
    data = text.encode("utf-8", "surrogateescape")
    raw_records = split_records(text, delimiter)
    seen_records = split_records(as_checked(text), delimiter)
    assert len(raw_records) == len(seen_records)  # replacing bytes >= 0x80 moves no record boundary
    header, raw_data, seen_data = raw_records[0], raw_records[1:], seen_records[1:]
    verdicts = judge(seen_data, NAMES, rules, UNIQUE, keep)
    labels = {row: list(found) for row, found in verdicts.labels.items()}
    for record in raw_data:
        if record.text != as_checked(record.text):  # it holds undecodable bytes
            labels[record.row] = [*labels.get(record.row, []), UNDECODABLE]
    with tempfile.TemporaryDirectory() as tmp, mock.patch.object(source, "READ_CHUNK", read_size):
        path = Path(tmp) / "in.csv"
        path.write_bytes(data)
        out = Path(tmp) / "q"
        compiled = compile_contract(parse_contract(contract(delimiter)))
        options = Options(block_size=block, quarantine=QuarantineOptions(out, None, keep))  # type: ignore[arg-type]
        report = validate_file(path, "in.csv", compiled, "c.yaml", options)
        assert report.quarantine is not None and report.quarantine.rejected == []
        valid_bytes = (out / "in.valid.csv").read_bytes()
        invalid_bytes = (out / "in.invalid.csv").read_bytes()
        assert path.read_bytes() == data

    newline = header.text[len(header.text.rstrip("\r\n")) :]
    expected_valid = header.text + "".join(terminated(r.text, newline) for r in raw_data if r.row not in labels)
    assert valid_bytes.decode("utf-8") == expected_valid  # strict: nothing undecodable is valid
    invalid_header, invalid = split_invalid(invalid_bytes.decode("utf-8", "surrogateescape"), delimiter)
    assert invalid_header == header.text
    expected = [r for r in raw_data if r.row in labels]
    assert [i.text for i in invalid] == [terminated(r.text, newline) for r in expected]  # the file's own bytes
    assert [i.row for i in invalid] == [r.row for r in expected]
    assert [sorted(i.labels) for i in invalid] == [sorted(labels[r.row]) for r in expected]


def test_a_real_replacement_character_is_valid_and_bad_bytes_come_back(tmp_path: Path) -> None:
    """The CLI end to end: U+FFFD as the file holds it is text; an undecodable byte is restored."""
    from typer.testing import CliRunner

    from pipecheck.cli import app

    data = "id,name\n1,ok \ufffd real\n".encode() + b'2,caf\xe9\n3,"x\xff\nmore"\n4,fine\n'
    (tmp_path / "in.csv").write_bytes(data)
    (tmp_path / "c.yaml").write_text("contract: t\ncolumns:\n  id: {type: integer}\n  name: {type: string}\n")
    result = CliRunner().invoke(
        app, ["validate", str(tmp_path / "in.csv"), "-c", str(tmp_path / "c.yaml"), "--quarantine", str(tmp_path / "q")]
    )
    assert result.exit_code == 1, result.output
    assert (tmp_path / "q" / "in.valid.csv").read_bytes() == "id,name\n1,ok \ufffd real\n4,fine\n".encode()
    assert (tmp_path / "q" / "in.invalid.csv").read_bytes() == (
        b"_pipecheck_row,_pipecheck_line,_pipecheck_errors,id,name\n"
        b"2,3,_record:encoding,2,caf\xe9\n"
        b'3,4,_record:encoding,3,"x\xff\nmore"\n'
    )


def test_a_header_with_undecodable_bytes_is_written_as_the_file_has_it(tmp_path: Path) -> None:
    """The header goes to both outputs: its own bytes, not U+FFFD (the contract names the column
    as pipecheck reads it)."""
    from typer.testing import CliRunner

    from pipecheck.cli import app

    data = b"id,n\xe9me\nx,\xff\n2,ok\n"
    (tmp_path / "in.csv").write_bytes(data)
    contract = 'contract: t\ncolumns:\n  id: {type: integer}\n  "n\ufffdme": {type: string}\n'
    (tmp_path / "c.yaml").write_text(contract, encoding="utf-8")
    result = CliRunner().invoke(
        app, ["validate", str(tmp_path / "in.csv"), "-c", str(tmp_path / "c.yaml"), "--quarantine", str(tmp_path / "q")]
    )
    assert result.exit_code == 1, result.output
    assert (tmp_path / "q" / "in.valid.csv").read_bytes() == b"id,n\xe9me\n2,ok\n"
    assert (tmp_path / "q" / "in.invalid.csv").read_bytes() == (
        b"_pipecheck_row,_pipecheck_line,_pipecheck_errors,id,n\xe9me\n1,2,id:type;_record:encoding,x,\xff\n"
    )
