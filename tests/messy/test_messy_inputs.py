"""The issue's list of messy inputs, generated in tmp_path: each gives precise findings or a one-line error."""

from __future__ import annotations

import bz2
import gzip
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipecheck.findings import FileReport
from tests.messy.conftest import Outcome, run_cli

Check = Callable[..., Outcome]
AB = "contract: t\ncolumns:\n  a: {type: integer}\n  b: {type: string}\n"


def with_csv(contract: str, **dialect: Any) -> str:
    return contract.replace("columns:", f"csv: {json.dumps(dialect)}\ncolumns:", 1)


def rows_of(finding: dict[str, Any], *keys: str) -> list[tuple[Any, ...]]:
    return [tuple(e[k] for k in keys) for e in finding["examples"]]


# ---------------------------------------------------------------- structure


def test_ragged_rows_are_malformed_with_their_lines(check: Check) -> None:
    outcome = check(AB, "a,b\n1,x\n2\n3,y,z\n4,w\n")
    malformed = outcome.only("malformed_row")
    assert malformed["count"] == 2
    assert rows_of(malformed, "row", "line", "note") == [
        (2, 3, "1 field(s), expected 2"),
        (3, 4, "3 field(s), expected 2"),
    ]
    assert outcome.file["rows"] == 4


def test_unterminated_quote_names_where_it_opened_and_that_it_runs_to_the_end(check: Check) -> None:
    outcome = check(AB, 'a,b\n1,x\n2,"oops\n3,y\n4,q\n')
    assert outcome.exit_code == 1
    finding = outcome.only("malformed_row")
    assert "opened at line 3" in finding["message"]
    assert "runs to the end of the file" in finding["message"]
    assert "lines 3-5" in finding["message"]
    assert rows_of(finding, "row", "line") == [(2, 3)]
    assert "line 3" in finding["hint"]


def test_unterminated_quote_on_the_last_line(check: Check) -> None:
    outcome = check(AB, 'a,b\n1,x\n2,y\n3,"oops')
    finding = outcome.only("malformed_row")
    assert "opened at line 4" in finding["message"] and "end of the file" in finding["message"]


def test_unterminated_quote_in_the_header(check: Check) -> None:
    outcome = check(AB, 'a,"b\n1,x\n2,y\n')
    finding = outcome.only("malformed_row")
    assert "opened at line 1" in finding["message"] and "(the header)" in finding["message"]
    assert rows_of(finding, "row", "line") == [(None, 1)]
    assert outcome.file["rows"] == 0


def test_unterminated_quote_in_a_short_record_is_one_finding(check: Check) -> None:
    """The swallowed record is short too, but it is reported once: as the open quote."""
    outcome = check(AB, 'a,b\n1,x\n"2,oops\n3,y\n')
    (malformed,) = [f for f in outcome.findings if f["check"] == "malformed_row"]
    assert rows_of(malformed, "line") == [(3,)]
    assert "runs to the end of the file" in malformed["message"]


def test_closed_quotes_and_stray_quote_characters_are_not_unterminated(check: Check) -> None:
    # 5'11" leaves an odd number of quote characters: checked, and found closed.
    outcome = check(AB, 'a,b\n1,"x, ""y"""\n2,5\'11"\n3,"multi\nline"\n')
    assert outcome.exit_code == 0, outcome.findings


def test_quoted_delimiters_quotes_and_newlines_are_values(check: Check) -> None:
    contract = (
        "contract: t\ncolumns:\n  a: {type: integer}\n"
        "  b: {type: string, allowed: ['x,y', 'he said \"hi\"', \"two\\nlines\"]}\n"
    )
    outcome = check(contract, 'a,b\n1,"x,y"\n2,"he said ""hi"""\n3,"two\nlines"\nbad,"x,y"\n5,nope\n')
    assert rows_of(outcome.only("type", "a"), "row", "line", "value") == [(4, 6, "bad")]
    assert rows_of(outcome.only("allowed", "b"), "row", "line", "value") == [(5, 7, "nope")]


def test_blank_lines_are_skipped_and_lines_stay_physical(check: Check) -> None:
    outcome = check(AB, "a,b\n\n1,x\n\n\n2,y\nq,z\n\n")
    assert outcome.file["rows"] == 3
    assert rows_of(outcome.only("type", "a"), "row", "line") == [(3, 7)]


def test_trailing_delimiters(check: Check) -> None:
    # on the header too: a blank third column; on data only: every row has a field too many
    both = check(AB, "a,b,\n1,x,\n2,y,\n")
    assert both.checks() == ["blank_header"]
    data_only = check(AB, "a,b\n1,x,\n2,y,\n")
    assert data_only.only("malformed_row")["count"] == 2


def test_duplicate_and_blank_header_names(check: Check) -> None:
    outcome = check(AB, "a,b,a, ,b\n1,x,2,3,y\n")
    assert {f["column"] for f in outcome.findings if f["check"] == "duplicate_column"} == {"a", "b"}
    assert outcome.only("blank_header")["message"] == "column 4 has a blank header"


@pytest.mark.parametrize("text", ["a,b\n", "a,b", "a,b\r\n\r\n\n"])
def test_header_only_is_zero_rows(text: str, check: Check) -> None:
    outcome = check(AB, text)
    assert outcome.exit_code == 0
    assert outcome.file["rows"] == 0
    assert check(AB + "checks:\n  row_count: {min: 1}\n", text).checks() == ["row_count"]


@pytest.mark.parametrize("name", ["empty.csv", "empty.parquet", "empty"])
def test_zero_byte_files_are_unreadable(name: str, check: Check) -> None:
    outcome = check(AB, b"", name=name)
    assert outcome.exit_code == 1
    assert outcome.only("unreadable")["message"] == "file is empty (0 bytes)"


def test_blank_lines_only_is_unreadable(check: Check) -> None:
    outcome = check(AB, "\n\n\r\n")
    assert outcome.only("unreadable")["message"] == "file has no header row (only blank lines)"


def test_header_differing_only_by_case_or_whitespace_gets_a_hint(check: Check) -> None:
    outcome = check(AB, "A, b \n1,x\n")
    missing = {f["column"]: f for f in outcome.findings if f["check"] == "missing_column"}
    assert set(missing) == {"a", "b"}
    assert "differs only by case or whitespace" in missing["a"]["message"]
    assert missing["b"]["hint"] == "rename ' b ' to 'b' in the file, or in the contract"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters(delimiter: str, check: Check) -> None:
    text = f'a{delimiter}b\n1{delimiter}x\nq{delimiter}y\n3{delimiter}"z{delimiter}w"\n'
    outcome = check(with_csv(AB, delimiter=delimiter), text)
    assert rows_of(outcome.only("type", "a"), "row", "line", "value") == [(2, 3, "q")]
    assert outcome.file["rows"] == 3


def test_quote_char(check: Check) -> None:
    contract = with_csv(
        AB.replace("{type: string}", "{type: string, allowed: ['x,y', \"two\\nlines\"]}"), quotechar="'"
    )
    outcome = check(contract, "a,b\n1,'x,y'\n2,'two\nlines'\nq,'x,y'\n")
    assert rows_of(outcome.only("type", "a"), "row", "line") == [(3, 5)]
    assert outcome.checks() == ["type"]


# ---------------------------------------------------------------- encodings and line endings


ACCENTED = "a,b\n1,café\n2,€uro\nq,naïve\n"
ENCODED = {
    "utf-8": ACCENTED.encode("utf-8"),
    "utf-8-sig": ACCENTED.encode("utf-8-sig"),
    "latin-1": ACCENTED.replace("€", "E").encode("latin-1"),
    "cp1252": ACCENTED.encode("cp1252"),
    "utf-16": ACCENTED.encode("utf-16"),
}


@pytest.mark.parametrize("encoding", list(ENCODED))
def test_declared_encodings_decode_and_values_are_intact(encoding: str, check: Check) -> None:
    allowed = ["café", "E" + "uro" if encoding == "latin-1" else "€uro", "naïve"]
    contract = with_csv(
        f"contract: t\ncolumns:\n  a: {{type: integer}}\n  b: {{type: string, allowed: {json.dumps(allowed)}}}\n",
        encoding=encoding,
    )
    outcome = check(contract, ENCODED[encoding])
    assert outcome.checks() == ["type"], outcome.findings
    assert rows_of(outcome.only("type", "a"), "row", "line", "value") == [(3, 4, "q")]


def test_bom_in_a_file_declared_utf8_is_not_part_of_the_header(check: Check) -> None:
    outcome = check(AB, "\ufeffa,b\n1,x\n".encode())
    assert outcome.exit_code == 0, outcome.findings


def test_utf16_read_as_utf8_is_reported_not_crashed(check: Check) -> None:
    outcome = check(AB, ACCENTED.encode("utf-16"))
    assert outcome.exit_code == 1
    assert "encoding" in outcome.checks()


@pytest.mark.parametrize("newline", ["\r\n", "\r", "mixed"])
def test_line_endings(newline: str, check: Check) -> None:
    lines = ["a,b", "1,x", '2,"two' + ("\r\n" if newline == "mixed" else newline) + 'lines"', "q,y", "4,z"]
    if newline == "mixed":
        text = lines[0] + "\r\n" + lines[1] + "\n" + lines[2] + "\r" + lines[3] + "\r\n" + lines[4] + "\n"
    else:
        text = newline.join(lines) + newline
    outcome = check(AB, text.encode())
    assert rows_of(outcome.only("type", "a"), "row", "line") == [(3, 5)]
    assert outcome.file["rows"] == 4


def test_null_values(check: Check) -> None:
    contract = with_csv(
        "contract: t\ncolumns:\n  a: {type: integer, nullable: true}\n  b: {type: string}\n", null_values=["NA", "-"]
    )
    outcome = check(contract, "a,b\nNA,x\n-,y\n,z\n1,NA\n")
    # "" is no longer a null once null_values is set: an empty integer is a type finding
    assert rows_of(outcome.only("type", "a"), "row", "value") == [(3, "")]
    assert rows_of(outcome.only("nullable", "b"), "row", "value") == [(4, "NA")]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_undecodable_bytes_give_line_and_byte_offset_and_the_rest_is_checked(newline: bytes, check: Check) -> None:
    data = newline.join([b"a,b", b"1,x\xff", b"q,y", b"3,\xfe\xfez", b"r,w", b""])
    outcome = check(AB, data)
    encoding = outcome.only("encoding")
    assert encoding["count"] == 3
    found = rows_of(encoding, "line", "byte_offset", "value")
    assert found == [
        (2, data.index(b"\xff"), "\\xff"),
        (4, data.index(b"\xfe"), "\\xfe"),
        (4, data.index(b"\xfe") + 1, "\\xfe"),
    ]
    assert rows_of(outcome.only("type", "a"), "row", "line") == [(2, 3), (4, 5)]
    assert outcome.file["rows"] == 4


def test_undecodable_bytes_deep_into_a_large_file_are_located(check: Check) -> None:
    head = b"a,b\n" + b"".join(b"%d,x\n" % i for i in range(1, 300_000))
    data = head + b"300000,\xe9t\xe9\n"
    outcome = check(AB, data)
    assert rows_of(outcome.only("encoding"), "line", "byte_offset") == [
        (300_001, len(head) + 7),
        (300_001, len(head) + 9),
    ]


def test_nul_bytes_are_text_not_a_crash(check: Check) -> None:
    outcome = check(AB, b'a,b\n1,x\x00y\nq,\x00\n3,"z\x00"\nr,w\n')
    assert rows_of(outcome.only("type", "a"), "row", "line") == [(2, 3), (4, 5)]


# ---------------------------------------------------------------- binary files and compression


def test_png_is_unreadable(check: Check) -> None:
    outcome = check(AB, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, name="image.csv")
    assert outcome.only("unreadable")["message"] == "this is a PNG image, not a CSV, JSON Lines or Parquet file"


def test_zip_is_unreadable(check: Check, tmp_path: Path) -> None:
    path = tmp_path / "data.csv.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,x\n")
    outcome = check(AB, path)
    assert outcome.only("unreadable")["message"] == "this is a zip archive, not a CSV, JSON Lines or Parquet file"


COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "bz2": bz2.compress,
    "zstd": lambda data: pa.compress(data, "zstd", asbytes=True),
}


@pytest.mark.parametrize("kind", list(COMPRESSORS))
@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".txt"])
def test_compressed_csv_is_recognised_by_magic_bytes(kind: str, suffix: str, check: Check) -> None:
    outcome = check(AB, COMPRESSORS[kind](b'a,b\n1,x\nq,y\n3,"z\nw"\nr,v\n'), name=f"data{suffix}")
    assert outcome.file["format"] == f"csv+{kind}"
    assert rows_of(outcome.only("type", "a"), "row", "line") == [(2, 3), (4, 6)]


def test_zstd_written_by_a_stream_is_read(check: Check, tmp_path: Path) -> None:
    path = tmp_path / "stream.csv.zst"
    with pa.CompressedOutputStream(str(path), "zstd") as out:
        out.write(b"a,b\n" + b"".join(b"%d,x\n" % i for i in range(10_000)))
    outcome = check(AB.replace("integer}", "integer, max: 9998}"), path)
    assert rows_of(outcome.only("max", "a"), "row", "line") == [(10_000, 10_001)]


@pytest.mark.parametrize("kind", list(COMPRESSORS))
def test_truncated_or_corrupt_compressed_data_is_unreadable(kind: str, check: Check) -> None:
    body = os.urandom(200_000).hex().encode()
    packed = COMPRESSORS[kind](b"a,b\n" + b"".join(b"1,%s\n" % body[i : i + 40] for i in range(0, len(body), 40)))
    outcome = check(AB, packed[: len(packed) // 2], name="cut.csv")
    assert outcome.exit_code == 1
    finding = outcome.only("unreadable")
    assert finding["message"].startswith(f"corrupt {kind} data") or "cannot parse" in finding["message"]


def test_bz2_and_xz_tables_are_read(check: Check, tmp_path: Path) -> None:
    import lzma

    for name, data in [("t.csv.bz2", bz2.compress(b"a,b\n1,x\n")), ("t.csv.xz", lzma.compress(b"a,b\n1,x\n"))]:
        path = tmp_path / name
        path.write_bytes(data)
        assert check(AB, path).exit_code == 0


# ---------------------------------------------------------------- Parquet


def write_parquet(path: Path, table: pa.Table) -> Path:
    pq.write_table(table, path)
    return path


def test_parquet_corrupt_and_truncated(check: Check, tmp_path: Path) -> None:
    good = write_parquet(tmp_path / "good.parquet", pa.table({"a": list(range(1000)), "b": ["x"] * 1000}))
    data = good.read_bytes()
    (tmp_path / "cut.parquet").write_bytes(data[: len(data) // 2])
    (tmp_path / "noise.parquet").write_bytes(data[:4] + bytes(len(data) - 12) + data[-8:])
    for name in ["cut.parquet", "noise.parquet"]:
        outcome = check(AB, tmp_path / name)
        finding = outcome.only("unreadable")
        assert "Parquet" in finding["message"] and "\n" not in finding["message"]


def test_parquet_directory_with_a_corrupt_file_names_it(check: Check, tmp_path: Path) -> None:
    """A good first file, then a corrupt one: an `unreadable` finding naming the file; the others are read."""
    dataset = tmp_path / "orders"
    dataset.mkdir()
    write_parquet(dataset / "a.parquet", pa.table({"a": [1, 2], "b": ["x", "y"]}))
    (dataset / "b.parquet").write_bytes(b"PAR1" + bytes(20) + b"PAR1")
    outcome = check(AB, dataset)
    assert outcome.exit_code == 1 and outcome.file["rows"] == 2
    finding = outcome.only("unreadable")
    assert finding["message"].startswith("b.parquet: not a readable Parquet file: ")
    assert [e["file"] for e in finding["examples"]] == ["b.parquet"]


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (pa.table({"b": ["z"]}), "b.parquet: required column 'a' is missing"),
        (pa.table({"a": [b"7"], "b": ["z"]}), "b.parquet: a is stored as binary; the contract says integer"),
        (pa.table({"a": pa.array([7], pa.int32()), "b": pa.array(["z"]).dictionary_encode()}), None),
    ],
)
def test_parquet_directory_each_file_is_judged_against_the_contract(
    check: Check, tmp_path: Path, second: pa.Table, message: str | None
) -> None:
    """Widths and encodings may differ between the files of a directory; a file lacking a column or
    storing it in another kind is its own finding, naming it, and its other columns are still checked."""
    dataset = tmp_path / "orders"
    dataset.mkdir()
    write_parquet(dataset / "a.parquet", pa.table({"a": [1, 2], "b": ["x", "y"]}))
    write_parquet(dataset / "b.parquet", second)
    outcome = check(AB, dataset)
    if message is None:
        assert outcome.exit_code == 0 and outcome.file["rows"] == 3
        return
    assert outcome.exit_code == 1 and outcome.file["rows"] == 3
    (finding,) = outcome.findings
    assert finding["message"] == message and finding["count"] == 1
    assert [e["file"] for e in finding["examples"]] == ["b.parquet"]


def test_parquet_directory_a_later_file_with_an_extra_column_reports_it(check: Check, tmp_path: Path) -> None:
    dataset = tmp_path / "orders"
    dataset.mkdir()
    write_parquet(dataset / "a.parquet", pa.table({"a": [1, 2], "b": ["x", "y"]}))
    write_parquet(dataset / "b.parquet", pa.table({"a": [3], "b": ["z"], "extra": [1.5]}))
    outcome = check(AB, dataset)
    assert outcome.exit_code == 1 and outcome.file["rows"] == 3
    finding = outcome.only("extra_column")
    assert finding["column"] == "extra" and finding["message"] == "b.parquet: column 'extra' is not in the contract"


def test_parquet_directory_float_column_stored_as_int_in_one_file_and_double_in_another(
    check: Check, tmp_path: Path
) -> None:
    """Each file's storage is judged by the contract's rule (integers are read as floats), not by equality."""
    dataset = tmp_path / "prices"
    dataset.mkdir()
    write_parquet(dataset / "a.parquet", pa.table({"p": [1, 2]}))
    write_parquet(dataset / "b.parquet", pa.table({"p": [2.5, -1.0]}))
    outcome = check("contract: t\ncolumns:\n  p: {type: float, min: 0}\n", dataset)
    assert outcome.file["rows"] == 4
    assert outcome.only("min", "p")["count"] == 1


def test_parquet_binary_column_where_integer_expected_is_one_schema_finding(check: Check, tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "s.parquet", pa.table({"a": [b"1", b"2", b"x"], "b": ["x", "y", "z"]}))
    outcome = check(AB, path)
    finding = outcome.only("storage_type", "a")
    assert finding["message"] == "a is stored as binary; the contract says integer"
    assert finding["count"] == 1 and finding["examples"] == [] and finding["hint"] == "values were not checked"
    assert finding["severity"] == "error" and "type" not in outcome.checks()
    assert outcome.file["rows"] == 3


def test_parquet_row_count_without_readable_columns(check: Check, tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "s.parquet", pa.table({"a": [b"1", b"2", b"x"]}))
    outcome = check("contract: t\ncolumns:\n  a: {type: integer}\nchecks:\n  row_count: {max: 2}\n", path)
    assert outcome.file["rows"] == 3
    assert "row_count" in outcome.checks()


def test_parquet_nested_columns(check: Check, tmp_path: Path) -> None:
    table = pa.table({"a": [1, 2], "b": ["x", "y"], "l": [[1], [2, 3]], "s": [{"p": 1}, {"p": 2}]})
    path = write_parquet(tmp_path / "n.parquet", table)
    assert check(AB + "extra_columns: ignore\n", path).exit_code == 0
    outcome = check(AB + "  l: {type: string}\n  s: {type: integer}\n", path)
    said = {f["column"]: f["message"] for f in outcome.findings if f["check"] == "storage_type"}
    assert said["l"] == "l is stored as list<element: int64>; the contract says string"
    assert said["s"] == "s is stored as struct<p: int64>; the contract says integer"


def test_parquet_dictionary_encoded(check: Check, tmp_path: Path) -> None:
    table = pa.table({"a": [1, 2, 3], "b": pa.array(["x", "y", "x"]).dictionary_encode()})
    path = write_parquet(tmp_path / "d.parquet", table)
    outcome = check("contract: t\ncolumns:\n  a: {type: integer}\n  b: {type: string, allowed: [x]}\n", path)
    assert rows_of(outcome.only("allowed", "b"), "row", "value") == [(2, "y")]


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize("zone", [None, "UTC", "Asia/Tokyo"])
def test_parquet_timestamp_units_and_zones(unit: str, zone: str | None, check: Check, tmp_path: Path) -> None:
    import datetime as dt

    # pyarrow takes naive datetimes as UTC instants: in Tokyo these are 12:00 local, 03:00 UTC.
    hour = 3 if zone == "Asia/Tokyo" else 12
    values = [dt.datetime(2024, 1, 1, hour), dt.datetime(2024, 6, 1, hour)]
    table = pa.table({"a": [1, 2], "t": pa.array(values, pa.timestamp(unit, zone))})
    path = write_parquet(tmp_path / "t.parquet", table)
    # Zoned values are compared as UTC instants (2024-06-01 12:00 in Tokyo is 03:00 UTC, below the max).
    outcome = check(
        "contract: t\ncolumns:\n  a: {type: integer}\n  t: {type: datetime, max: '2024-06-01T06:00:00'}\n", path
    )
    if zone == "Asia/Tokyo":
        assert outcome.exit_code == 0, outcome.findings
    else:
        assert rows_of(outcome.only("max", "t"), "row") == [(2,)]
    naive = check("contract: t\ncolumns:\n  a: {type: integer}\n  t: {type: datetime, timezone: naive}\n", path)
    assert naive.exit_code == (0 if zone is None else 1)
    aware = check("contract: t\ncolumns:\n  a: {type: integer}\n  t: {type: datetime, timezone: aware}\n", path)
    assert aware.exit_code == (1 if zone is None else 0)


def test_parquet_zero_row_groups(check: Check, tmp_path: Path) -> None:
    path = tmp_path / "none.parquet"
    schema = pa.schema([("a", pa.int64()), ("b", pa.string())])
    pq.ParquetWriter(path, schema).close()
    assert pq.ParquetFile(path).metadata.num_row_groups == 0
    outcome = check(AB, path)
    assert outcome.exit_code == 0 and outcome.file["rows"] == 0
    assert check(AB + "checks:\n  row_count: {min: 1}\n", path).checks() == ["row_count"]


def test_parquet_directory_is_one_dataset(check: Check, tmp_path: Path) -> None:
    folder = tmp_path / "dataset"
    (folder / "part=2").mkdir(parents=True)
    write_parquet(folder / "p1.parquet", pa.table({"a": [1, 2, 3], "b": ["x", "y", "z"]}))
    write_parquet(folder / "part=2" / "p2.parquet", pa.table({"a": [4, -5], "b": ["q", "r"]}))
    contract = AB.replace("integer}", "integer, min: 0}") + "  part: {type: integer, required: false}\n"
    outcome = check(contract, folder)
    assert outcome.file["rows"] == 5 and outcome.file["members"] == 2
    assert rows_of(outcome.only("min", "a"), "file", "row", "value") == [("part=2/p2.parquet", 2, "-5")]


# ---------------------------------------------------------------- size


def test_ten_thousand_columns(check: Check) -> None:
    header = ",".join(f"c{i}" for i in range(10_000))
    row = ",".join(str(i) for i in range(10_000))
    contract = "contract: t\nextra_columns: ignore\ncolumns:\n  c9999: {type: integer, max: 5}\n  c0: {type: integer}\n"
    outcome = check(contract, f"{header}\n{row}\n{row}\n")
    assert rows_of(outcome.only("max", "c9999"), "row", "value") == [(1, "9999"), (2, "9999")]


def test_a_50_mb_single_field(check: Check, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.write(b'a,b\n1,"')
        handle.write(b"x" * (50 << 20))
        handle.write(b'"\n2,y\nq,z\n')
    outcome = check("contract: t\ncolumns:\n  a: {type: integer}\n  b: {type: string, max_length: 10}\n", path)
    assert outcome.file["rows"] == 3
    assert rows_of(outcome.only("type", "a"), "row", "line") == [(3, 4)]
    long = outcome.only("max_length", "b")["examples"][0]
    assert (long["row"], long["line"]) == (1, 2)
    assert long["value"].endswith(f"... ({50 << 20:,} characters)") and len(long["value"]) < 1100


# ---------------------------------------------------------------- numbers


def test_integer_rule_on_messy_numbers(check: Check) -> None:
    """`integer` is digits with an optional sign (or a whole 1.0); whitespace around is ignored; it must fit int64."""
    values = [
        '"1,000"',
        "1e3",
        '" 7 "',
        "NaN",
        "inf",
        "+5",
        "-0",
        "99999999999999999999",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "1.0",
        "1.5",
    ]
    outcome = check(
        "contract: t\ncolumns:\n  a: {type: integer}\n", "a\n" + "\n".join(values) + "\n", "--max-examples", "20"
    )
    assert rows_of(outcome.only("type", "a"), "value") == [
        ("1,000",),
        ("1e3",),
        ("NaN",),
        ("inf",),
        ("99999999999999999999",),
        ("9223372036854775808",),
        ("1.5",),
    ]


def test_float_rule_on_messy_numbers(check: Check) -> None:
    """`float` is a finite decimal number: no NaN/inf, no separators, and nothing that overflows a double."""
    values = [
        '"1,000"',
        "1e3",
        '" 7 "',
        "NaN",
        "inf",
        "-Infinity",
        "1e400",
        "-1e400",
        "1e-400",
        ".5",
        "5.",
        "1_000",
        "0x10",
        "-0",
    ]
    contract = "contract: t\ncolumns:\n  a: {type: float, min: -1.0e+300}\n"
    outcome = check(contract, "a\n" + "\n".join(values) + "\n", "--max-examples", "20")
    assert rows_of(outcome.only("type", "a"), "value") == [
        ("1,000",),
        ("NaN",),
        ("inf",),
        ("-Infinity",),
        ("1e400",),
        ("-1e400",),
        ("1_000",),
        ("0x10",),
    ]
    assert "min" not in outcome.checks()


# ---------------------------------------------------------------- usage errors


def usage_error(args: list[str]) -> str:
    outcome = run_cli(args)
    assert outcome.exit_code == 2
    assert outcome.stdout == ""
    lines = outcome.stderr.splitlines()
    assert lines[0].startswith("pipecheck: error: ") or lines[0].startswith("Error:") or "Usage" in lines[0]
    assert len(lines) <= 2 and (len(lines) == 1 or lines[1].startswith("  hint: ")), outcome.stderr
    return lines[0]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,x\n")
    contract = tmp_path / "c.yaml"
    contract.write_text(AB)
    return data, contract


def test_usage_missing_file(files: tuple[Path, Path], tmp_path: Path) -> None:
    _, contract = files
    line = usage_error(["validate", str(tmp_path / "nope.csv"), "--contract", str(contract), "--format", "json"])
    assert line.endswith("nope.csv: no such file")


def test_directory_without_data_files_is_unreadable(files: tuple[Path, Path], tmp_path: Path) -> None:
    """Like a 0-byte file: the data is missing (exit 1), not the command wrong."""
    _, contract = files
    (tmp_path / "folder" / "_temporary").mkdir(parents=True)
    (tmp_path / "folder" / "_SUCCESS").write_text("")
    outcome = run_cli(["validate", str(tmp_path / "folder"), "--contract", str(contract), "--format", "json"])
    assert outcome.exit_code == 1
    assert outcome.only("unreadable")["message"].startswith("the directory holds no data files (hidden files, ")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_permission(files: tuple[Path, Path]) -> None:
    data, contract = files
    data.chmod(0)
    try:
        outcome = run_cli(["validate", str(data), "--contract", str(contract), "--format", "json"])
    finally:
        data.chmod(0o644)
    assert outcome.exit_code in (1, 2)
    assert "permission denied" in (outcome.stdout + outcome.stderr)


def test_usage_contract_path_is_a_directory(files: tuple[Path, Path], tmp_path: Path) -> None:
    data, _ = files
    line = usage_error(["validate", str(data), "--contract", str(tmp_path), "--format", "json"])
    assert "is a directory" in line


def test_usage_glob_matching_nothing(files: tuple[Path, Path], tmp_path: Path) -> None:
    _, contract = files
    line = usage_error(["validate", str(tmp_path / "*.nothing"), "--contract", str(contract), "--format", "json"])
    assert line.endswith("the pattern matches no file")


def test_usage_unknown_format(files: tuple[Path, Path]) -> None:
    data, contract = files
    line = usage_error(["validate", str(data), "--contract", str(contract), "--format", "xml"])
    assert "unknown format 'xml'" in line


def test_usage_missing_contract_file(files: tuple[Path, Path], tmp_path: Path) -> None:
    data, _ = files
    line = usage_error(["validate", str(data), "--contract", str(tmp_path / "none.yaml"), "--format", "json"])
    assert "contract file not found" in line


# ---------------------------------------------------------------- comment lines


COMMENTED = "contract: t\ncsv: {comment: '#'}\ncolumns:\n  a: {type: integer}\n  b: {type: string, allowed: [x]}\n"


def test_a_comment_marker_inside_a_quoted_field_is_data_not_a_comment(check: Check) -> None:
    outcome = check(COMMENTED, '# about\na,b\n1,"note\n# not a comment"\n# a comment\nq,x\n')
    assert rows_of(outcome.only("allowed", "b"), "row", "line", "value") == [(1, 3, "note\n# not a comment")]
    assert rows_of(outcome.only("type", "a"), "row", "line") == [(2, 6)]
    assert "malformed_row" not in outcome.checks()


@pytest.mark.parametrize("separator", ["\u2028", "\x0c", "\x1e", "\x85"])
def test_comment_lines_split_at_csv_line_breaks_only(separator: str, check: Check) -> None:
    outcome = check(COMMENTED, f"a,b\n1,x{separator}#kept\nq,x\n")
    assert rows_of(outcome.only("allowed", "b"), "row", "value") == [(1, f"x{separator}#kept")]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_comment_lines_with_any_line_ending(newline: str, check: Check) -> None:
    text = newline.join(["# head", "a,b", "1,x", "# mid", "q,x", "#", "3,x", ""])
    outcome = check(COMMENTED, text.encode())
    assert outcome.file["rows"] == 3
    assert rows_of(outcome.only("type", "a"), "row", "line") == [(2, 5)]


def test_undecodable_utf16_is_located_by_decoded_lines(check: Check) -> None:
    # U+0A0A holds a 0x0a byte in UTF-16: counting raw newline bytes would misplace the second problem
    data = "a,b\n1,x\n2,".encode("utf-16") + b"\x00\xd8" + "\n3,\u0a0a\n4,".encode("utf-16-le") + b"\x00\xdc"
    data += "\n".encode("utf-16-le")
    outcome = check(with_csv(AB.replace("string}", "string, nullable: true}"), encoding="utf-16"), data)
    encoding = outcome.only("encoding")
    assert rows_of(encoding, "line", "byte_offset", "value") == [
        (3, data.index(b"\x00\xd8"), "\\x00\\xd8"),
        (5, data.index(b"\x00\xdc"), "\\x00\\xdc"),
    ]
    assert outcome.file["rows"] == 4


def test_byte_offsets_count_the_bom(check: Check) -> None:
    data = b"\xef\xbb\xbfa,b\n1,\xff\n"
    outcome = check(AB, data)
    assert rows_of(outcome.only("encoding"), "line", "byte_offset") == [(2, 9)]


# ---------------------------------------------------------------- found by trying to break it (issue 12)
def report_of(tmp_path: Path, contract: str, text: str, **options: Any) -> FileReport:
    """The engine's report on `text` (written as d.csv) under `contract`."""
    from pipecheck.compile import compile_contract
    from pipecheck.contract.loader import parse_contract
    from pipecheck.engine import Options, validate_file

    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    return validate_file(path, "d", compile_contract(parse_contract(contract)), "c", Options(**options))


def test_header_false_takes_the_width_from_the_contract_not_the_first_record(tmp_path: Path) -> None:
    report = report_of(
        tmp_path,
        "contract: c\ncsv: {header: false}\ncolumns:\n  a: {type: integer}\n  b: {type: string}\n",
        "1,x,extra\n2,y\n3,z\n",
    )
    assert report.rows == 3
    (malformed,) = report.findings
    assert (malformed.check, malformed.count, [(e.row, e.line) for e in malformed.examples]) == (
        "malformed_row",
        1,
        [(1, 1)],
    )


def test_a_blank_header_cell_is_reported_at_the_header_line_after_blank_lines(tmp_path: Path) -> None:
    report = report_of(
        tmp_path, "contract: c\nextra_columns: ignore\ncolumns:\n  a: {type: integer}\n", "\n\na,,b\n1,2,3\n"
    )
    (blank,) = report.findings
    assert (blank.check, [e.line for e in blank.examples]) == ("blank_header", [3])


@pytest.mark.parametrize("max_examples", [0, 5])
def test_an_unterminated_quote_is_counted_once_and_obeys_max_examples(tmp_path: Path, max_examples: int) -> None:
    report = report_of(
        tmp_path,
        "contract: c\ncolumns:\n  a: {type: integer}\n  b: {type: string}\n  c: {type: string}\n",
        'a,b,c\n1,x,y\n2,"open\n3,y\n',
        max_examples=max_examples,
    )
    assert report.rows == 2
    (finding,) = report.findings
    assert finding.check == "malformed_row" and finding.count == 1
    assert "opened at line 3 is never closed" in finding.message
    assert len(finding.examples) == min(max_examples, 1)


def test_an_escapechar_dialect_with_an_unterminated_quote_is_not_silently_short(tmp_path: Path) -> None:
    report = report_of(
        tmp_path,
        'contract: c\ncsv: {escapechar: "\\\\", doublequote: false}\n'
        "columns:\n  a: {type: integer}\n  b: {type: string}\n",
        'a,b\n1,x\n2,"open\n3,y\n4,z\n5,w\n6,v\n',
    )
    assert [f.check for f in report.findings] == ["malformed_row"]
    assert "lines 3-7 were read as one record (row 2)" in report.findings[0].message


def test_a_multibyte_delimiter_and_quote_character_are_read_by_the_csv_module(tmp_path: Path) -> None:
    report = report_of(
        tmp_path,
        'contract: c\ncsv: {delimiter: "¦", quotechar: "«"}\ncolumns:\n  x: {type: integer}\n  y: {type: string}\n',
        "x¦y\n1¦«a¦b«\nbad¦c\n1¦2¦3\n",
    )
    assert report.rows == 3
    found = {f.check: [(e.row, e.line, e.value) for e in f.examples] for f in report.findings}
    assert found == {"malformed_row": [(3, 4, "1¦2¦3")], "type": [(2, 3, "bad")]}


def test_a_control_character_in_a_contract_is_a_contract_error_with_its_position() -> None:
    from pipecheck.contract.loader import parse_contract
    from pipecheck.errors import ContractError

    with pytest.raises(ContractError) as caught:
        parse_contract("contract: c\ncolumns:\n  x: {type: str\x07ing}\n", "c.yaml")
    (problem,) = caught.value.problems
    assert (problem.line, problem.column, problem.message) == (
        3,
        16,
        "invalid YAML: control character U+0007 is not allowed",
    )


@pytest.mark.parametrize("kind", ["dangling", "loop"])
def test_a_broken_symlink_is_that_file_s_finding_and_the_others_are_validated(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from pipecheck.cli import app

    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.yaml").write_text("contract: c\ncolumns:\n  a: {type: integer}\n", encoding="utf-8")
    (tmp_path / "good.csv").write_text("a\n1\n", encoding="utf-8")
    if kind == "dangling":
        (tmp_path / "bad.csv").symlink_to(tmp_path / "nowhere.csv")
    else:
        (tmp_path / "bad.csv").symlink_to(tmp_path / "other.csv")
        (tmp_path / "other.csv").symlink_to(tmp_path / "bad.csv")
    result = CliRunner().invoke(app, ["validate", "bad.csv", "good.csv", "-c", "c.yaml", "--format", "json"])
    assert result.exit_code == 1, result.output
    files = {f["path"]: f for f in json.loads(result.stdout)["files"]}
    assert files["good.csv"]["ok"]
    assert [f["check"] for f in files["bad.csv"]["findings"]] == ["unreadable"]
