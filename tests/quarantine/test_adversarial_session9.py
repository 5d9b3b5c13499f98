"""Adversarial tests of today's quarantine changes: undecodable UTF-8 bytes written back as the file
has them, lone CRs restored beside comment lines, and the CI formats' verdict under --max-invalid.

Every expectation comes from an independent oracle: the input built record by record (so each
record's bytes are known), or split with the csv module on its `surrogateescape` text (undecodable
bytes as lone surrogates) and judged by plain-Python rules on the text as the checks see it.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import json
import lzma
import random
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from junitparser import Failure, JUnitXml

from pipecheck.compile import compile_contract
from pipecheck.contract.loader import parse_contract
from pipecheck.engine import Options, validate_file
from pipecheck.findings import FileReport
from pipecheck.quarantining import QuarantineOptions
from pipecheck.readers import source
from pipecheck.reporters.sarif import artifact_location
from tests.conftest import Result
from tests.quarantine.oracle import MALFORMED, Record, judge, prefix_end, split_invalid, split_records, terminated
from tests.quarantine.test_conservation import ES, NAMES, NS, SS, UNIQUE, WS, contract, field, rules

UNDECODABLE = "_record:encoding"
BOM = b"\xef\xbb\xbf"
# undecodable byte sequences as `surrogateescape` spells them: a lone continuation byte, bytes
# UTF-8 never uses, lead bytes cut short (2, 3 and 4-byte forms), an overlong form, an encoded
# surrogate, a code point past U+10FFFF; none of them a delimiter, quote or line break
BAD = [
    "\udcff",
    "\udcfe",
    "\udc80",
    "\udce9",
    "\udcc3",
    "\udce2\udc82",
    "\udcf0\udc9f\udc98",
    "\udcc0\udcaf",
    "\udced\udca0\udc80",
    "\udcf4\udc90\udc80\udc80",
]
COMPRESS: dict[str | None, Callable[[bytes], bytes]] = {
    None: bytes,
    "gz": gzip.compress,
    "bz2": bz2.compress,
    "xz": lzma.compress,
}
DECOMPRESS: dict[str, Callable[[bytes], bytes]] = {"gz": gzip.decompress, "bz2": bz2.decompress, "xz": lzma.decompress}
GOOD = ["é", "€", "😀", "\ufffd"]  # valid multi-byte characters (a real U+FFFD among them)


def as_checked(text: str) -> str:
    """The text as the checks see it: each undecodable sequence one U+FFFD, as Python decodes."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def undecodable(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def id_rules(values: dict[str, str]) -> list[str]:
    """`test_conservation.rules`, with an id that is no integer (a spoiled one) failing its type."""
    if re.fullmatch(r"-?[0-9]+", values["id"]):
        return rules(values)
    return ["id:type", *rules({**values, "id": "1"})]


def run_quarantine(
    data: bytes,
    contract_text: str,
    *,
    name: str = "in.csv",
    block: int = 8 << 20,
    read_size: int | None = None,
    keep: str = "first",
) -> tuple[FileReport, dict[str, bytes]]:
    """Validate `data` as `name` with quarantine; the report and each output (decompressed)."""
    patch = mock.patch.object(source, "READ_CHUNK", read_size) if read_size else contextlib.nullcontext()
    with tempfile.TemporaryDirectory() as tmp, patch:
        path = Path(tmp) / name
        path.write_bytes(data)
        out = Path(tmp) / "q"
        options = Options(block_size=block, quarantine=QuarantineOptions(out, None, keep))  # type: ignore[arg-type]
        report = validate_file(path, name, compile_contract(parse_contract(contract_text)), "c.yaml", options)
        assert path.read_bytes() == data
        outputs = {}
        for produced in sorted(out.iterdir()) if out.is_dir() else []:
            raw = produced.read_bytes()
            kind = produced.name.rsplit(".", 1)[-1]
            outputs[produced.name.removesuffix(f".{kind}") if kind in DECOMPRESS else produced.name] = (
                DECOMPRESS[kind](raw) if kind in DECOMPRESS else raw
            )
    return report, outputs


# ------------------------------------------------------------------ generated UTF-8 files


def spoil(value: str, rng: random.Random) -> str:
    """`value` with undecodable runs (one byte to a few hundred) and valid multi-byte characters
    beside them, anywhere in it (quoted multi-line values included)."""
    for _ in range(rng.choice([1, 1, 2, 3])):
        at = rng.randrange(len(value) + 1)
        run = rng.choice(BAD) * rng.choice([1, 1, 2, 3, 40, 300])
        if rng.random() < 0.4:  # a truncated sequence right before, or after, a valid one
            run = run + rng.choice(GOOD) if rng.random() < 0.5 else rng.choice(GOOD) + run
        value = value[:at] + run + value[at:]
    return value


@st.composite
def utf8_csv(draw: st.DrawFn) -> tuple[str, str, bool, int, int]:
    """(text with lone surrogates for undecodable bytes, delimiter, BOM, block size, read size)."""
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    rng = random.Random(draw(st.integers(0, 2**32)))
    lines = [delimiter.join(NAMES)]
    for row in range(1, draw(st.integers(1, 30)) + 1):
        if rng.random() < 0.05:
            lines.append("")  # a blank line: no record
            continue
        values = [rng.choice(pool) for pool in (["1", "2", "3", "0"], NS, SS, ES, [*WS, *GOOD])]
        for column in (2, 3, 4):
            if rng.random() < 0.2:
                values[column] = spoil(values[column], rng)
        if rng.random() < 0.1 or (row == 1 and rng.random() < 0.3):
            values[0] = rng.choice(BAD) + str(1000 + row)  # a record that starts with undecodable bytes
        if rng.random() < 0.1:
            values = values[:3] if rng.random() < 0.5 else [*values, "extra"]  # malformed, maybe undecodable
        lines.append(delimiter.join(field(v, delimiter, rng) for v in values))
    ending = newline if draw(st.booleans()) else ""
    bom = draw(st.booleans())
    block = draw(st.sampled_from([16, 64, 200, 1 << 20]))
    read_size = draw(st.sampled_from([1, 2, 3, 5, 64, 1 << 20]))
    text = newline.join(lines) + ending
    # adjacent pieces may make a valid sequence (a cut-short lead byte, then a continuation byte):
    # decoded again, the lone surrogates are exactly the bytes that do not decode
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")
    return text, delimiter, bom, block, read_size


def expected_split(text: str, delimiter: str, keep: str) -> tuple[Record, list[Record], dict[int, list[str]]]:
    """The oracle: (header, data records as the file has them, labels of the invalid rows)."""
    raw, seen = split_records(text, delimiter), split_records(as_checked(text), delimiter)
    assert len(raw) == len(seen)  # replacing bytes >= 0x80 moves no record boundary
    verdicts = judge(seen[1:], NAMES, id_rules, UNIQUE, keep)
    labels = {row: list(found) for row, found in verdicts.labels.items()}
    for record in raw[1:]:
        if undecodable(record.text):
            labels[record.row] = [*labels.get(record.row, []), UNDECODABLE]
    return raw[0], raw[1:], labels


def check_outputs(
    valid: bytes,
    invalid: bytes,
    header: Record,
    data: list[Record],
    labels: dict[int, list[str]],
    delimiter: str,
    bom: bool,
) -> None:
    newline = header.text[len(header.text.rstrip("\r\n")) :] or "\n"
    assert valid.startswith(BOM) == bom and invalid.startswith(BOM) == bom
    expected_valid = terminated(header.text, newline) + "".join(
        terminated(r.text, newline) for r in data if r.row not in labels
    )
    assert valid.removeprefix(BOM).decode("utf-8") == expected_valid  # strict: nothing undecodable is valid
    invalid_header, rows = split_invalid(invalid.removeprefix(BOM).decode("utf-8", "surrogateescape"), delimiter)
    assert invalid_header == terminated(header.text, newline)
    expected = [r for r in data if r.row in labels]
    assert [i.text for i in rows] == [terminated(r.text, newline) for r in expected]  # the file's own bytes
    assert [i.row for i in rows] == [r.row for r in expected]
    assert [sorted(i.labels) for i in rows] == [sorted(labels[r.row]) for r in expected]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=utf8_csv(), keep=st.sampled_from(["first", "none"]), compressed=st.booleans())
def test_undecodable_bytes_survive_every_read_size_block_and_rewrite(
    case: tuple[str, str, bool, int, int], keep: str, compressed: bool
) -> None:
    """Runs of undecodable bytes anywhere (record starts, quoted multi-line fields, malformed
    rows, duplicate keys decided at the end, right after a BOM, at the end of the file), split
    across reads of 1 to 5 bytes and tiny blocks, gzip or not: each record in one output, as is."""
    text, delimiter, bom, block, read_size = case
    data = (BOM if bom else b"") + text.encode("utf-8", "surrogateescape")
    header, records, labels = expected_split(text, delimiter, keep)
    name = "in.csv.gz" if compressed else "in.csv"
    report, outputs = run_quarantine(
        gzip.compress(data) if compressed else data,
        contract(delimiter),
        name=name,
        block=block,
        read_size=read_size,
        keep=keep,
    )
    assert report.quarantine is not None and report.quarantine.rejected == []
    check_outputs(outputs["in.valid.csv"], outputs["in.invalid.csv"], header, records, labels, delimiter, bom)
    assert (report.quarantine.valid, report.quarantine.invalid) == (len(records) - len(labels), len(labels))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=utf8_csv(), keep=st.sampled_from(["first", "none"]))
def test_a_repaired_invalid_file_keeps_its_undecodable_bytes_without_the_prefix(
    case: tuple[str, str, bool, int, int], keep: str
) -> None:
    """The invalid output validated again: its records lose the _pipecheck_ prefix, keep their
    own (undecodable) bytes, and are judged afresh (a later duplicate may now be alone)."""
    text, delimiter, bom, block, read_size = case
    data = (BOM if bom else b"") + text.encode("utf-8", "surrogateescape")
    header, records, labels = expected_split(text, delimiter, keep)
    _, first = run_quarantine(data, contract(delimiter), block=block, read_size=read_size, keep=keep)
    check_outputs(first["in.valid.csv"], first["in.invalid.csv"], header, records, labels, delimiter, bom)

    repaired = first["in.invalid.csv"]  # checked above against the oracle: its records are the input's
    repaired_text = repaired.removeprefix(BOM).decode("utf-8", "surrogateescape")
    raw, seen = split_records(repaired_text, delimiter), split_records(as_checked(repaired_text), delimiter)

    def stripped(record: Record) -> Record:
        at = prefix_end(record.text, delimiter)
        return Record(record.text[at:], record.fields[3:], record.line, record.row)

    raw_data, seen_data = [stripped(r) for r in raw[1:]], [stripped(r) for r in seen[1:]]
    verdicts = judge(seen_data, NAMES, id_rules, UNIQUE, keep)
    again = {row: list(found) for row, found in verdicts.labels.items()}
    for record in raw_data:
        if undecodable(record.text):
            again[record.row] = [*again.get(record.row, []), UNDECODABLE]
    report, second = run_quarantine(repaired, contract(delimiter), name="in.invalid.csv", block=block, keep=keep)
    assert report.quarantine is not None and report.quarantine.rejected == []
    check_outputs(
        second["in.invalid.valid.csv"],
        second["in.invalid.invalid.csv"],
        stripped(raw[0]),
        raw_data,
        again,
        delimiter,
        bom,
    )


# ------------------------------------------------------------------ targeted UTF-8 cases

SIMPLE = "contract: t\ncolumns:\n  id: {type: integer}\n  name: {type: string}\n"
PREFIX_HEADER = b"_pipecheck_row,_pipecheck_line,_pipecheck_errors,"


def invalid_file(header: bytes, rows: list[tuple[int, int, str, bytes]]) -> bytes:
    return PREFIX_HEADER + header + b"".join(b"%d,%d,%s," % (r, line, label.encode()) + t for r, line, label, t in rows)


@pytest.mark.parametrize("read_size", [None, 4096, 7])
def test_two_hundred_kilobytes_of_ff_in_one_quoted_multi_line_field(read_size: int | None) -> None:
    huge = b'2,"' + b"\xff" * 100_000 + b"\r\n" + b"\xfe\xe2\x82" * 33_000 + b'\nend"\n'
    data = b"id,name\n1,a\n" + huge + b"3,c\n"
    report, outputs = run_quarantine(data, SIMPLE, block=1000, read_size=read_size)
    assert outputs["in.valid.csv"] == b"id,name\n1,a\n3,c\n"
    assert outputs["in.invalid.csv"] == invalid_file(b"id,name\n", [(2, 3, UNDECODABLE, huge)])
    encoding = next(f for f in report.findings if f.check == "encoding")
    assert encoding.count == 100_000 + 2 * 33_000  # each \xff, \xfe and truncated \xe2\x82 is one sequence
    assert encoding.examples[0].byte_offset == len(b'id,name\n1,a\n2,"')


# (bytes, whether they decode) placed so that their first byte is at READ_CHUNK + shift
EDGE_SEQUENCES = [
    (b"\xff", False),
    ("€".encode(), True),
    ("😀".encode(), True),
    (b"\xe2\x82", False),
    (b"\xf0\x9f\x98", False),
    (b"\xef\xbf\xbd", True),  # a real U+FFFD split by the read
]


@pytest.mark.parametrize(("sequence", "decodes"), EDGE_SEQUENCES)
@pytest.mark.parametrize("shift", [-2, -1, 0])
def test_sequences_on_the_real_one_megabyte_read_edge(sequence: bytes, decodes: bool, shift: int) -> None:
    """No patched READ_CHUNK: the file's 1 MB read boundary falls inside or beside the sequence."""
    header = b"id,name\n"
    filler = b"1,abcdefghijklmnopqrstuvwxyz\n"  # 29 bytes, all valid
    target = source.READ_CHUNK + shift
    body = bytearray(header)
    while len(body) + len(filler) <= target - 8:
        body += filler
    lead = b"2,v" + b"w" * (target - len(body) - 3)  # the sequence starts exactly at `target`
    record = lead + sequence + b"z\n"
    after = b"3,tail\n"
    data = bytes(body) + record + after
    assert data.index(sequence, len(body)) == target
    report, outputs = run_quarantine(data, SIMPLE)
    rows_before = (len(body) - len(header)) // len(filler)
    if decodes:
        assert outputs["in.valid.csv"] == data
        assert outputs["in.invalid.csv"] == PREFIX_HEADER + header
    else:
        assert outputs["in.valid.csv"] == bytes(body) + after
        row = rows_before + 1
        assert outputs["in.invalid.csv"] == invalid_file(header, [(row, row + 1, UNDECODABLE, record)])
    assert report.quarantine is not None and report.quarantine.invalid == (0 if decodes else 1)


@pytest.mark.parametrize("read_size", [1, 2, 3, 4, None])
def test_undecodable_bytes_right_after_a_bom_and_header(read_size: int | None) -> None:
    """The first data record starts with a bad byte and the BOM's own bytes come through a 1-byte read."""
    data = BOM + b"id,name\n\xff1,a\n\xef\xbb2,b\n3,\xef\xbb\xbf\n4,ok\n"  # a BOM's bytes mid-file are text
    _, outputs = run_quarantine(data, SIMPLE, block=16, read_size=read_size)
    assert outputs["in.valid.csv"] == BOM + b"id,name\n3,\xef\xbb\xbf\n4,ok\n"
    assert outputs["in.invalid.csv"] == BOM + invalid_file(
        b"id,name\n",
        [(1, 2, f"id:type;{UNDECODABLE}", b"\xff1,a\n"), (2, 3, f"id:type;{UNDECODABLE}", b"\xef\xbb2,b\n")],
    )


def test_a_partial_bom_opening_the_file_rejects_it_with_its_bytes() -> None:
    data = b"\xef\xbbid,name\n1,a\n"  # two bytes of a BOM: the header's first column is no 'id'
    report, outputs = run_quarantine(data, SIMPLE, read_size=1)
    assert report.quarantine is not None and report.quarantine.rejected
    assert outputs["in.rejected.csv"] == data


def test_a_truncated_sequence_ends_the_file_without_a_line_break() -> None:
    data = b"id,name\n1,a\n2,b\xf0\x9f\x98"
    _, outputs = run_quarantine(data, SIMPLE, read_size=2)
    assert outputs["in.valid.csv"] == b"id,name\n1,a\n"
    assert outputs["in.invalid.csv"] == invalid_file(b"id,name\n", [(2, 3, UNDECODABLE, b"2,b\xf0\x9f\x98\n")])


@pytest.mark.parametrize("compression", [None, "gz", "bz2", "xz"])
def test_late_duplicates_move_through_the_rewrite_beside_undecodable_records(compression: str | None) -> None:
    """String keys and --keep none are decided at the end: the outputs are rewritten, the invalid
    side in row order, relabelling undecodable records that are duplicates too."""
    contract_text = "contract: t\ncolumns:\n  id: {type: string, unique: true}\n  name: {type: string}\n"
    rows = [b"a,x\n", b"b,\xff\n", b"a,\xe9\xe9\n", b"c,ok\n", b"b,dup\n", b"d,\xf0\x9f\x98\x80\n", b"c,\xc3\n"]
    data = b"id,name\n" + b"".join(rows)
    _, outputs = run_quarantine(
        COMPRESS[compression](data), contract_text, name=f"in.csv.{compression}" if compression else "in.csv",
        block=16, read_size=3, keep="none",
    )  # fmt: skip
    assert outputs["in.valid.csv"] == b"id,name\n" + rows[5]
    labels = {
        1: "id:unique",
        2: f"{UNDECODABLE};id:unique",
        3: f"{UNDECODABLE};id:unique",
        4: "id:unique",
        5: "id:unique",
        7: f"{UNDECODABLE};id:unique",
    }
    _, invalid = split_invalid(outputs["in.invalid.csv"].decode("utf-8", "surrogateescape"))
    assert [(i.row, i.text.encode("utf-8", "surrogateescape")) for i in invalid] == [
        (row, rows[row - 1]) for row in labels
    ]
    assert [sorted(i.labels) for i in invalid] == [sorted(label.split(";")) for label in labels.values()]


def test_undecodable_bytes_in_a_malformed_record_are_restored() -> None:
    data = b'id,name\n1,\xff,extra\n2,"open\xfe\n'  # too many fields; then a quote never closed
    _, outputs = run_quarantine(data, SIMPLE, read_size=5)
    _, invalid = split_invalid(outputs["in.invalid.csv"].decode("utf-8", "surrogateescape"))
    assert [i.text.encode("utf-8", "surrogateescape") for i in invalid] == [b"1,\xff,extra\n", b'2,"open\xfe\n']
    assert sorted(invalid[0].labels) == sorted([MALFORMED, UNDECODABLE])
    assert UNDECODABLE in invalid[1].labels and "_record:open_quote" in invalid[1].labels


def test_a_dataset_directory_splits_each_member_with_its_own_bytes(tmp_path: Path) -> None:
    members = {
        "a.csv": (b"id,name\n1,a\n2,\xff\n", [b"1,a\n"], [(2, 3, b"2,\xff\n")]),
        "sub/b.csv": (BOM + b"id,name\n\xfe3,b\n4,\xe2\x82\xac\n", [b"4,\xe2\x82\xac\n"], [(1, 2, b"\xfe3,b\n")]),
    }
    for name, (data, _, _) in members.items():
        (tmp_path / "ds" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "ds" / name).write_bytes(data)
    out = tmp_path / "q"
    with mock.patch.object(source, "READ_CHUNK", 3):
        options = Options(block_size=16, quarantine=QuarantineOptions(out, None, "first"))
        report = validate_file(tmp_path / "ds", "ds", compile_contract(parse_contract(SIMPLE)), "c.yaml", options)
    assert report.quarantine is not None and (report.quarantine.valid, report.quarantine.invalid) == (2, 2)
    for name, (data, valid, invalid) in members.items():
        stem = name.removesuffix(".csv")
        bom = BOM if data.startswith(BOM) else b""
        assert (out / "ds" / f"{stem}.valid.csv").read_bytes() == bom + b"id,name\n" + b"".join(valid)
        _, rows = split_invalid(
            (out / "ds" / f"{stem}.invalid.csv").read_bytes().removeprefix(BOM).decode("utf-8", "surrogateescape")
        )
        assert [(i.row, int(i.line), i.text.encode("utf-8", "surrogateescape")) for i in rows] == invalid
        assert all(UNDECODABLE in i.labels for i in rows)


def test_undecodable_bytes_in_the_header_come_back_in_both_outputs() -> None:
    contract_text = SIMPLE + "extra_columns: ignore\n"
    data = b"id,name,x\xff\n1,a,b\n2,c,\xfe\n"
    _, outputs = run_quarantine(data, contract_text)
    assert outputs["in.valid.csv"] == b"id,name,x\xff\n1,a,b\n"
    assert outputs["in.invalid.csv"] == invalid_file(b"id,name,x\xff\n", [(2, 3, UNDECODABLE, b"2,c,\xfe\n")])


# ------------------------------------------------------------------ other encodings


def test_latin_1_records_keep_their_bytes() -> None:
    rows = [b"1,caf\xe9\n", b"x,\xff\xfe\x81\n", b"3,\x80\n"]
    data = b"id,name\n" + b"".join(rows)
    report, outputs = run_quarantine(data, SIMPLE + "csv: {encoding: latin-1}\n", read_size=2)
    assert not [f for f in report.findings if f.check == "encoding"]  # every byte is latin-1
    assert outputs["in.valid.csv"] == b"id,name\n" + rows[0] + rows[2]
    assert outputs["in.invalid.csv"] == invalid_file(b"id,name\n", [(2, 3, "id:type", rows[1])])


def test_utf_16_with_a_lone_surrogate_writes_it_as_replacement_character() -> None:
    """Not UTF-8: as documented, the undecodable unit is written as U+FFFD (in UTF-16)."""
    good = "id,name\n1,a\n".encode("utf-16-le")
    bad = "2,b".encode("utf-16-le") + b"\x00\xd8" + "\n".encode("utf-16-le")  # a high surrogate alone
    data = b"\xff\xfe" + good + bad + "3,c\n".encode("utf-16-le")
    report, outputs = run_quarantine(data, SIMPLE + "csv: {encoding: utf-16}\n", read_size=3)
    assert report.quarantine is not None and report.quarantine.rejected == []
    assert outputs["in.valid.csv"].decode("utf-16") == "id,name\n1,a\n3,c\n"
    assert outputs["in.invalid.csv"].decode("utf-16") == (
        f"{PREFIX_HEADER.decode()}id,name\n2,3,{UNDECODABLE},2,b\ufffd\n"
    )


def test_cp1252_undefined_byte_does_not_crash_the_rewrite() -> None:
    data = b"id,name\n1,caf\x81\n2,\x80ok\n"
    report, outputs = run_quarantine(data, SIMPLE + "csv: {encoding: cp1252}\n")
    assert report.quarantine is not None and report.quarantine.invalid == 1
    assert outputs["in.valid.csv"] == b"id,name\n2,\x80ok\n"  # the euro sign, as cp1252 has it


# ------------------------------------------------------------------ comment lines

COMMENTED = (
    'contract: c\ncsv: {comment: "#"}\ncolumns:\n  id: {type: integer}\n  note: {type: string, nullable: true}\n'
)
NOTES = [
    "a",
    "",
    '"x, y"',
    '"two\nlines"',
    '"cr\rinside"',
    '"crlf\r\ninside"',
    '"two\n# not a comment"',
    "é",
    "b\udcffad",
    '"q\udce9\rl"',
    '"m\udce2\udc82\r\n# still text"',
    "\udcf0\udc9f",
]
ENDS = ["\n", "\r\n", "\r"]


@st.composite
def commented_csv(draw: st.DrawFn) -> tuple[str, list[tuple[str, bool]], str, int, int]:
    """(file text with lone surrogates for undecodable bytes, its records with whether each is
    valid, the header, block size, read size)."""
    header = "id,note" + draw(st.sampled_from(ENDS))
    parts = [header]
    records: list[tuple[str, bool]] = []
    for _ in range(draw(st.integers(1, 20))):
        if draw(st.integers(0, 3)) == 0:
            parts.append(
                draw(st.sampled_from(["# plain", "# bad \udcff\udcfe", "#\udce2\udc82"])) + draw(st.sampled_from(ENDS))
            )
        good_id = draw(st.booleans())
        note = draw(st.sampled_from(NOTES))
        record = ("7" if good_id else "x") + "," + note + draw(st.sampled_from(ENDS))
        records.append((record, good_id and not undecodable(note)))
        parts.append(record)
    if draw(st.booleans()):
        last, valid = records[-1]
        records[-1] = (last.rstrip("\r\n"), valid)
        parts[-1] = records[-1][0]
    return "".join(parts), records, header, draw(st.sampled_from([16, 64, 1 << 20])), draw(st.sampled_from([1, 3, 64]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=commented_csv())
def test_comment_dialect_with_undecodable_bytes_and_mixed_line_ends(
    case: tuple[str, list[tuple[str, bool]], str, int, int],
) -> None:
    """Comment lines (some undecodable), LF/CRLF/CR mixes and quoted CRs: valid records are the
    file's bytes; invalid ones have their line ends, their undecodable bytes as U+FFFD (README:
    with `comment:` set they are written so) and the right labels."""
    text, records, header, block, read_size = case
    report, outputs = run_quarantine(
        text.encode("utf-8", "surrogateescape"), COMMENTED, block=block, read_size=read_size
    )
    assert report.quarantine is not None and report.quarantine.rejected == []
    newline = header[len("id,note") :]
    assert outputs["in.valid.csv"].decode() == header + "".join(terminated(r, newline) for r, ok in records if ok)
    invalid_header, invalid = split_invalid(outputs["in.invalid.csv"].decode())
    assert invalid_header == header
    bad = [r for r, ok in records if not ok]
    assert [i.text for i in invalid] == [terminated(as_checked(r), newline) for r in bad]
    expected_labels = [
        sorted((["id:type"] if r.startswith("x") else []) + ([UNDECODABLE] if undecodable(r) else [])) for r in bad
    ]
    assert [sorted(i.labels) for i in invalid] == expected_labels


@pytest.mark.xfail(
    strict=True,
    reason="with comment: set the stream keeps no originals (keep_originals needs passthrough), so every "
    "U+FFFD counts as undecodable once any byte anywhere failed, even one in a comment line",
)
def test_a_real_replacement_character_beside_comment_lines_is_text() -> None:
    data = b"id,note\n# a comment with \xff\n1,ok \xef\xbf\xbd\n2,plain\n"
    _, outputs = run_quarantine(data, COMMENTED)
    assert outputs["in.valid.csv"] == b"id,note\n1,ok \xef\xbf\xbd\n2,plain\n"


def test_comment_dialect_keep_none_duplicates_keep_their_line_ends() -> None:
    contract_text = COMMENTED.replace("id: {type: integer}", "id: {type: string, unique: true}")
    rows = ["a,1\r", "b,2\r\n", "a,3\r", "c,\udcff\n", "b,4\r"]
    text = "id,note\r" + "# c\r" + rows[0] + rows[1] + "#\r\n" + rows[2] + rows[3] + "# x\r" + rows[4]
    _, outputs = run_quarantine(text.encode("utf-8", "surrogateescape"), contract_text, read_size=2, keep="none")
    assert outputs["in.valid.csv"] == b"id,note\r"
    _, invalid = split_invalid(outputs["in.invalid.csv"].decode())
    assert [i.text for i in invalid] == [as_checked(r) for r in rows]
    assert [i.row for i in invalid] == [1, 2, 3, 4, 5]


# ------------------------------------------------------------------ JUnit / SARIF verdicts

Cli = Callable[..., Result]
WARNED = "contract: t\ncolumns:\n  id: {type: integer}\n  name: {type: string, max_length: 2, severity: warning}\n"
UNIQUE_ID = "contract: t\ncolumns:\n  id: {type: integer, unique: true}\n  name: {type: string}\n"
TWO_BAD = b"id,name\n1,a\nx,b\n3,c\n4,\xff\n"  # rows 2 and 4 invalid (a type, an undecodable byte)
ONE_BAD = b"id,name\n1,a\nx,b\n3,c\n4,d\n"


# (case name, contract, {file name: bytes} or a dataset {dir/name: bytes}, flags, expected exit)
VERDICTS: list[tuple[str, str, dict[str, bytes], tuple[str, ...], int | None]] = [
    ("within", SIMPLE, {"a.csv": TWO_BAD}, ("--max-invalid", "2"), 0),
    ("over", SIMPLE, {"a.csv": TWO_BAD}, ("--max-invalid", "1"), 1),
    ("within-percent", SIMPLE, {"a.csv": TWO_BAD}, ("--max-invalid", "50%"), 0),
    ("over-percent", SIMPLE, {"a.csv": TWO_BAD}, ("--max-invalid", "49%"), 1),
    ("zero-clean", SIMPLE, {"a.csv": b"id,name\n1,a\n"}, ("--max-invalid", "0"), 0),
    ("rejected", SIMPLE, {"a.csv": b"id\n1\n2\n"}, ("--max-invalid", "100%"), 1),
    (
        "fail-on-warning",
        WARNED,
        {"a.csv": b"id,name\n1,long\nx,b\n"},
        ("--max-invalid", "5", "--fail-on", "warning"),
        1,
    ),
    ("warning-tolerated", WARNED, {"a.csv": b"id,name\n1,long\nx,b\n"}, ("--max-invalid", "5"), 0),
    ("fail-on-warning-none", WARNED, {"a.csv": ONE_BAD}, ("--max-invalid", "1", "--fail-on", "warning"), 0),
    ("two-files", SIMPLE, {"a.csv": ONE_BAD, "b.csv": TWO_BAD}, ("--max-invalid", "1"), 1),
    ("two-files-within", SIMPLE, {"a.csv": ONE_BAD, "b.csv": TWO_BAD}, ("--max-invalid", "2"), 0),
    (
        "keep-none-within",
        UNIQUE_ID,
        {"a.csv": b"id,name\n1,a\n1,b\n2,c\n"},
        ("--max-invalid", "2", "--keep", "none"),
        0,
    ),
    ("keep-none-over", UNIQUE_ID, {"a.csv": b"id,name\n1,a\n1,b\n2,c\n"}, ("--max-invalid", "1", "--keep", "none"), 1),
    ("dataset-within", SIMPLE, {"ds/a.csv": ONE_BAD, "ds/b.csv": TWO_BAD}, ("--max-invalid", "3"), 0),
    ("dataset-over", SIMPLE, {"ds/a.csv": ONE_BAD, "ds/b.csv": TWO_BAD}, ("--max-invalid", "2"), 1),
    ("comment-only-bad", COMMENTED, {"a.csv": b"id,note\n# \xff\n1,a\n"}, ("--max-invalid", "0"), None),
    ("dataset-member-lacks", SIMPLE, {"ds/a.csv": ONE_BAD, "ds/b.csv": b"id\n5\n"}, ("--max-invalid", "100%"), None),
    ("empty", SIMPLE, {"a.csv": b""}, ("--max-invalid", "100%"), 1),
    ("corrupt-gzip", SIMPLE, {"a.csv.gz": b"\x1f\x8b\x08\x00garbage"}, ("--max-invalid", "100%"), 1),
    ("header-only", SIMPLE, {"a.csv": b"id,name\n"}, ("--max-invalid", "0%"), 0),
    ("no-tolerance", SIMPLE, {"a.csv": TWO_BAD}, (), 1),
]


@pytest.mark.parametrize("quarantine", [False, True])
@pytest.mark.parametrize(
    ("case", "contract_text", "files", "flags", "exit_code"), VERDICTS, ids=[v[0] for v in VERDICTS]
)
def test_junit_and_sarif_verdicts_match_the_exit_code(
    cli: Cli,
    tmp_path: Path,
    case: str,
    contract_text: str,
    files: dict[str, bytes],
    flags: tuple[str, ...],
    exit_code: int | None,
    quarantine: bool,
) -> None:
    inputs: list[Path] = []
    for name, data in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        top = tmp_path / Path(name).parts[0]
        if top not in inputs:
            inputs.append(top)
    (tmp_path / "c.yaml").write_text(contract_text, encoding="utf-8")
    junit, sarif = tmp_path / "r.xml", tmp_path / "r.sarif"
    extra = ("--quarantine", str(tmp_path / "q")) if quarantine else ()
    result = cli(
        "validate", *inputs, "-c", tmp_path / "c.yaml", "-f", "json", "-f", f"junit:{junit}", "-f", f"sarif:{sarif}",
        *flags, *extra,
    )  # fmt: skip
    assert "Traceback" not in result.stdout + result.stderr and "internal error" not in result.stderr, result.stderr
    if exit_code is not None:
        assert result.exit_code == exit_code, (case, result.stdout)
    assert result.exit_code in (0, 1)
    report = json.loads(result.stdout)
    ok = {entry["path"]: entry["ok"] for entry in report["files"]}
    assert all(ok.values()) == (result.exit_code == 0)

    xml = JUnitXml.fromfile(str(junit))
    assert isinstance(xml, JUnitXml)
    assert (xml.failures > 0) == (result.exit_code == 1)  # the rule: failures iff exit 1
    suites = list(xml)
    assert len(suites) == len(report["files"])
    tolerance = "--max-invalid" in flags
    for suite, entry in zip(suites, report["files"], strict=True):
        cases = list(suite)
        failed = [c for c in cases if any(isinstance(r, Failure) for r in c.result)]
        assert bool(failed) == (not entry["ok"]), (suite.name, entry)
        quarantine_cases = [c for c in cases if c.name == "quarantine"]
        assert len(quarantine_cases) == (1 if tolerance else 0)
        if tolerance:
            within = entry["quarantine"]["within"]
            assert any(isinstance(r, Failure) for r in quarantine_cases[0].result) == (not within)

    log = json.loads(sarif.read_text(encoding="utf-8"))
    (run,) = log["runs"]
    by_uri = {artifact_location(path)["uri"]: passed for path, passed in ok.items()}
    assert {s["uri"]: s["ok"] for s in run["properties"]["files"]} == by_uri
    for found in run["results"]:
        uri = found["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        (owner,) = [u for u in by_uri if uri == u or uri.startswith(u + "/")]  # a dataset's member is under it
        if "suppressions" in found:
            assert tolerance and by_uri[owner], found
        elif tolerance and by_uri[owner] and found["level"] == "error":
            raise AssertionError(f"an error result of a passing file is not suppressed: {found}")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=commented_csv())
def test_a_repaired_invalid_file_of_the_comment_dialect_keeps_its_line_ends(
    case: tuple[str, list[tuple[str, bool]], str, int, int],
) -> None:
    """The invalid output of a commented file validated again: its records lose the prefix and
    keep their own line ends (lone CRs too); written as U+FFFD, their characters are text now."""
    text, records, header, block, read_size = case
    _, first = run_quarantine(text.encode("utf-8", "surrogateescape"), COMMENTED, block=block, read_size=read_size)
    newline = header[len("id,note") :]
    bad = [terminated(as_checked(r), newline) for r, ok in records if not ok]
    report, second = run_quarantine(
        first["in.invalid.csv"], COMMENTED, name="in.invalid.csv", block=block, read_size=read_size
    )
    assert report.quarantine is not None and report.quarantine.rejected == []
    assert second["in.invalid.valid.csv"].decode() == header + "".join(r for r in bad if r.startswith("7"))
    invalid_header, invalid = split_invalid(second["in.invalid.invalid.csv"].decode())
    assert invalid_header == header
    assert [(i.row, i.text, i.labels) for i in invalid] == [
        (n, r, ["id:type"]) for n, r in enumerate(bad, 1) if r.startswith("x")
    ]
