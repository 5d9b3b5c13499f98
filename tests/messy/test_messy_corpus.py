"""Every file of the real-world corpus (csv-spectrum, frictionless): never a traceback, and the INDEX.md expectations.

The corpus files are copied unchanged into tests/messy/corpus (see corpus/SOURCES.md); corpus/INDEX.md says what a
correct validator does with each. Contracts are written as JSON (a YAML subset) so values need no YAML quoting.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.messy.conftest import CORPUS, Outcome

SPECTRUM = CORPUS / "csv-spectrum"
FRICTIONLESS = CORPUS / "frictionless"
DATA_FILES = sorted(
    p for p in CORPUS.rglob("*") if p.is_file() and p.suffix not in (".md", ".json") and p.name != "__init__.py"
)
PERMISSIVE = (
    "contract: permissive\nextra_columns: ignore\ncolumns:\n  id: {type: string, required: false, nullable: true}\n"
)


def permissive(**csv: Any) -> str:
    """PERMISSIVE with a csv dialect."""
    return json.dumps(
        {
            "contract": "permissive",
            "csv": csv,
            "extra_columns": "ignore",
            "columns": {"id": {"type": "string", "required": False, "nullable": True}},
        }
    )


Check = Callable[..., Outcome]


def contract(columns: dict[str, dict[str, Any]], **top: Any) -> str:
    return json.dumps({"contract": "corpus", **top, "columns": columns})


def examples(finding: dict[str, Any], *keys: str) -> list[tuple[Any, ...]]:
    return [tuple(e[k] for k in keys) for e in finding["examples"]]


def test_the_corpus_is_all_there() -> None:
    assert len(DATA_FILES) >= 130
    assert all(p.stat().st_size < 300_000 for p in DATA_FILES)


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_corpus_file_gives_findings_or_a_clear_error_never_a_traceback(path: Path, check: Check) -> None:
    before = path.read_bytes()
    outcome = check(PERMISSIVE, path, "--max-examples", "3")
    assert outcome.exit_code in (0, 1, 2)
    assert outcome.report is not None
    file = outcome.file
    if file["rows"] is None:  # not read at all: exactly one clear reason
        assert [f["check"] for f in file["findings"]] in (["unreadable"], ["limit"])
        assert "\n" not in file["findings"][0]["message"]
    for finding in file["findings"]:
        assert finding["message"] and "Traceback" not in finding["message"]
    assert path.read_bytes() == before


# ---------------------------------------------------------------- csv-spectrum: parse equals the json


SPECTRUM_FILES = sorted((SPECTRUM / "csvs").glob("*.csv"))


@pytest.mark.parametrize("path", SPECTRUM_FILES, ids=lambda p: p.name)
def test_csv_spectrum_parse_equals_the_expected_json(path: Path, check: Check) -> None:
    loaded = json.loads((SPECTRUM / "json" / f"{path.stem}.json").read_text(encoding="utf-8"))
    expected: list[dict[str, str]] = loaded if isinstance(loaded, list) else [loaded]
    if b"\r" not in path.read_bytes():  # the *_crlf copies arrived with LF endings; their json still says CRLF
        expected = [{k: v.replace("\r\n", "\n") for k, v in row.items()} for row in expected]
    names = list(expected[0])
    if path.name == "location_coordinates.csv":
        names.remove("Contact Phone Number")  # upstream's json says 1234567890, its csv 2095257564
    # Each column may only hold the values the reference parse has, so any mis-parse is an `allowed` finding.
    columns = {
        name: {"type": "string", "nullable": True, "allowed": sorted({row[name] for row in expected} - {""}) or ["-"]}
        for name in names
    }
    outcome = check(contract(columns, extra_columns="ignore"), path)
    assert outcome.findings == []
    assert outcome.exit_code == 0
    assert outcome.file["rows"] == len(expected)


@pytest.mark.parametrize("name", ["newlines.csv", "newlines_crlf.csv"])
def test_quoted_newlines_a_later_row_reports_its_physical_line(name: str, check: Check) -> None:
    columns = {"a": {"type": "string"}, "b": {"type": "integer", "max": 5}, "c": {"type": "integer"}}
    outcome = check(contract(columns), SPECTRUM / "csvs" / name)
    assert outcome.file["rows"] == 3
    # row 3 (7,8,9) starts on physical line 5: the quoted field of row 2 spans lines 3-4.
    assert examples(outcome.only("max", "b"), "row", "line", "value") == [(3, 5, "8")]


@pytest.mark.parametrize("name", ["empty.csv", "empty_crlf.csv"])
def test_csv_spectrum_empty_values_are_nulls(name: str, check: Check) -> None:
    columns = {"a": {"type": "integer"}, "b": {"type": "string"}, "c": {"type": "string", "nullable": True}}
    outcome = check(contract(columns), SPECTRUM / "csvs" / name)
    assert outcome.checks() == ["nullable"]
    assert examples(outcome.only("nullable", "b"), "row", "line", "value") == [(1, 2, "")]


def test_utf8_values_arrive_intact(check: Check) -> None:
    outcome = check(
        contract({"c": {"type": "string", "allowed": ["3"]}}, extra_columns="ignore"), SPECTRUM / "csvs/utf8.csv"
    )
    assert examples(outcome.only("allowed", "c"), "row", "value") == [(2, "ʤ")]


# ---------------------------------------------------------------- frictionless: structure


def test_invalid_csv_header_findings_and_malformed_lines(check: Check) -> None:
    outcome = check(contract({"id": {"type": "integer"}, "name": {"type": "string"}}), FRICTIONLESS / "invalid.csv")
    assert outcome.exit_code == 1
    assert outcome.only("blank_header")["message"] == "column 3 has a blank header"
    duplicate = outcome.only("duplicate_column")
    assert duplicate["column"] == "name"
    assert "columns 2, 4" in duplicate["message"]
    malformed = outcome.only("malformed_row")
    assert malformed["count"] == 3
    assert examples(malformed, "line") == [(2,), (3,), (5,)]
    notes = [e["note"] for e in malformed["examples"]]
    assert notes == ["2 field(s), expected 4", "2 field(s), expected 4", "5 field(s), expected 4"]


def test_defective_rows_two_malformed_lines(check: Check) -> None:
    columns = {"id": {"type": "integer"}, "name": {"type": "string"}, "age": {"type": "integer"}}
    outcome = check(contract(columns), FRICTIONLESS / "defective-rows.csv")
    assert outcome.exit_code == 1
    assert outcome.checks() == ["malformed_row"]
    assert examples(outcome.only("malformed_row"), "row", "line") == [(1, 2), (2, 3)]


def test_schema_errors_type_at_row_3_and_malformed_line_5(check: Check) -> None:
    columns = {"id": {"type": "integer"}, "name": {"type": "string"}, "age": {"type": "integer"}}
    outcome = check(contract(columns), FRICTIONLESS / "schema-errors.csv")
    assert outcome.exit_code == 1
    assert examples(outcome.only("type", "id"), "row", "line", "value") == [(3, 4, "i_should_be_a_number")]
    assert examples(outcome.only("malformed_row"), "line") == [(5,)]
    # the empty required values of row 3 are nullable findings (the unparseable id is a type finding only)
    assert examples(outcome.only("nullable", "name"), "row") == [(3,)]
    assert examples(outcome.only("nullable", "age"), "row") == [(3,)]
    assert [f for f in outcome.findings if f["check"] == "nullable" and f["column"] == "id"] == []


def test_structure_errors_empty_row_is_nulls_long_row_is_malformed(check: Check) -> None:
    columns = {"id": {"type": "integer"}, "name": {"type": "string"}, "age": {"type": "integer"}}
    outcome = check(contract(columns), FRICTIONLESS / "structure-errors.csv")
    assert examples(outcome.only("malformed_row"), "row", "line") == [(4, 5)]
    for name in columns:
        assert examples(outcome.only("nullable", name), "row", "line") == [(3, 4)]
    assert outcome.file["rows"] == 4


def test_blank_header_names_column_2(check: Check) -> None:
    outcome = check(
        contract({"id": {"type": "integer"}, "age": {"type": "integer"}}), FRICTIONLESS / "blank-headers.csv"
    )
    assert outcome.exit_code == 1
    assert outcome.only("blank_header")["message"] == "column 2 has a blank header"


@pytest.mark.parametrize(
    ("name", "duplicated"),
    [("duplicate-headers.csv", "id"), ("capital-invalid.csv", "name"), ("duplicate-column.csv", "B")],
)
def test_duplicate_headers_are_named_never_renamed(name: str, duplicated: str, check: Check) -> None:
    outcome = check(PERMISSIVE, FRICTIONLESS / name)
    assert outcome.only("duplicate_column")["column"] == duplicated
    assert f'"{duplicated}.1"' not in outcome.stdout and "_duplicated_" not in outcome.stdout


def test_capital_invalid_malformed_lines_10_and_12_and_text_id(check: Check) -> None:
    outcome = check(
        contract({"id": {"type": "integer"}, "name": {"type": "string"}}), FRICTIONLESS / "capital-invalid.csv"
    )
    malformed = outcome.only("malformed_row")
    assert examples(malformed, "row", "line") == [(9, 10), (10, 12)]
    # the row holding `x` has 4 fields, so it is malformed and not parsed: no `type` finding for it
    assert "type" not in outcome.checks()
    assert outcome.file["rows"] == 10


def test_duplicate_rows_unique_together_rows_1_and_3(check: Check) -> None:
    columns = {"id": {"type": "integer"}, "name": {"type": "string"}, "age": {"type": "integer"}}
    text = contract(columns, checks={"unique_together": [["id", "name", "age"]]})
    outcome = check(text, FRICTIONLESS / "duplicate-rows.csv")
    assert examples(outcome.only("unique_together"), "row", "line") == [(1, 2), (3, 4)]


def test_unique_field_rows_1_and_9(check: Check) -> None:
    columns = {"id": {"type": "string", "unique": True}, "name": {"type": "string"}, "slug": {"type": "string"}}
    outcome = check(contract(columns), FRICTIONLESS / "unique-field.csv")
    assert examples(outcome.only("unique", "id"), "row", "line", "value") == [(1, 2, "ao"), (9, 10, "ao")]


def test_bom_is_not_part_of_the_first_column_name(check: Check) -> None:
    assert (FRICTIONLESS / "bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    outcome = check(contract({"id": {"type": "integer"}, "name": {"type": "string"}}), FRICTIONLESS / "bom.csv")
    assert outcome.exit_code == 0, outcome.findings


# ---------------------------------------------------------------- encodings


def test_latin1_valid_when_declared(check: Check) -> None:
    columns = {"id": {"type": "integer"}, "name": {"type": "string", "allowed": ["english", "©"]}}
    outcome = check(contract(columns, csv={"encoding": "latin-1"}), FRICTIONLESS / "latin1.csv")
    assert outcome.exit_code == 0, outcome.findings


def test_latin1_declared_utf8_names_line_and_byte_offset(check: Check) -> None:
    outcome = check(contract({"id": {"type": "integer"}, "name": {"type": "string"}}), FRICTIONLESS / "latin1.csv")
    assert outcome.exit_code == 1
    encoding = outcome.only("encoding")
    assert examples(encoding, "line", "byte_offset", "value") == [(3, 20, "\\xa9")]
    assert (FRICTIONLESS / "latin1.csv").read_bytes()[20] == 0xA9
    assert outcome.file["rows"] == 2  # the rest of the file was still checked


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("table-infer-iso-8859-7.csv", "iso-8859-7"),
        ("table-with-accents.csv", "latin-1"),
    ],
)
def test_non_utf8_files_valid_with_their_encoding_and_located_without(name: str, encoding: str, check: Check) -> None:
    path = FRICTIONLESS / name
    delimiter = ";" if name == "table-with-accents.csv" else ","
    declared = check(permissive(encoding=encoding, delimiter=delimiter), path)
    assert declared.exit_code == 0, declared.findings
    wrong = check(permissive(delimiter=delimiter), path)
    finding = wrong.only("encoding")
    raw = path.read_bytes()
    for example in finding["examples"]:
        offset = example["byte_offset"]
        assert raw[offset] >= 0x80
        assert example["line"] == raw[:offset].count(b"\n") + 1


@pytest.mark.parametrize("name", ["encoding-issue-274.csv", "accent.csv"])
def test_files_index_lists_as_non_utf8_are_in_fact_utf8(name: str, check: Check) -> None:
    (FRICTIONLESS / name).read_bytes().decode("utf-8")
    outcome = check(permissive(delimiter=";" if name == "accent.csv" else ","), FRICTIONLESS / name)
    assert "encoding" not in outcome.checks()


def test_ascii_notvalid_declared_ascii_gives_a_decoding_finding_with_line(check: Check) -> None:
    outcome = check(permissive(encoding="ascii"), FRICTIONLESS / "ascii-notvalid.csv")
    assert outcome.exit_code == 1
    assert {e["line"] for e in outcome.only("encoding")["examples"]} == {2}


# ---------------------------------------------------------------- dialects, values, nulls


def test_semicolon_file_valid_with_its_delimiter(check: Check) -> None:
    columns = {"fieldNameA": {"type": "string"}, "fieldNameB": {"type": "string"}}
    outcome = check(contract(columns, csv={"delimiter": ";"}), FRICTIONLESS / "issue-1009-semicolon.csv")
    assert outcome.exit_code == 0, outcome.findings


def test_semicolon_file_with_comma_is_a_missing_column(check: Check) -> None:
    columns = {"fieldNameA": {"type": "string"}, "fieldNameB": {"type": "string"}}
    outcome = check(contract(columns), FRICTIONLESS / "issue-1009-semicolon.csv")
    assert outcome.exit_code == 1
    (missing,) = [f for f in outcome.findings if f["check"] == "missing_column"]  # one finding, not one per column
    assert "it looks ';'-separated" in missing["message"] and "2 required column(s) not found" in missing["message"]


def test_semicolon_file_with_comma_hints_at_the_delimiter(check: Check) -> None:
    columns = {"fieldNameA": {"type": "string"}, "fieldNameB": {"type": "string"}}
    outcome = check(contract(columns), FRICTIONLESS / "issue-1009-semicolon.csv")
    hints = [f.get("hint") or "" for f in outcome.findings if f["check"] == "missing_column"]
    assert hints == ["set csv.delimiter: ';' in the contract"], hints


def test_timezone_offsets_parse_as_aware_or_are_findings_when_naive_required(check: Check) -> None:
    path = FRICTIONLESS / "issue-1105-timezone.csv"
    any_zone = check(
        contract({"id": {"type": "integer"}, "timestamp": {"type": "datetime"}}, csv={"delimiter": ";"}), path
    )
    assert any_zone.exit_code == 0, any_zone.findings
    aware = contract(
        {"id": {"type": "integer"}, "timestamp": {"type": "datetime", "timezone": "aware"}}, csv={"delimiter": ";"}
    )
    assert check(aware, path).exit_code == 0
    naive = contract(
        {"id": {"type": "integer"}, "timestamp": {"type": "datetime", "timezone": "naive"}}, csv={"delimiter": ";"}
    )
    outcome = check(naive, path)
    assert examples(outcome.only("type", "timestamp"), "row") == [(1,), (2,)]


def test_leading_zeros_integer_parses_string_keeps_them(check: Check) -> None:
    path = FRICTIONLESS / "leading-zeros.csv"
    # documented: an integer is digits with an optional sign, so 01 and 002 are 1 and 2
    assert check(contract({"value": {"type": "integer", "allowed": [1, 2, 3]}}), path).exit_code == 0
    outcome = check(contract({"value": {"type": "string", "allowed": ["1"]}}), path)
    assert examples(outcome.only("allowed", "value"), "value") == [("01",), ("002",), ("00003",)]


def test_number_test_float_rule(check: Check) -> None:
    """`float` is a finite decimal number (parsing.py): NaN and ±INF are `type` findings, as are 95% and $4.00."""
    outcome = check(
        contract({"number": {"type": "float"}}, extra_columns="ignore"), FRICTIONLESS / "number/number-test.csv"
    )
    found = examples(outcome.only("type", "number"), "row", "value")
    assert found == [(1, "NaN"), (2, "INF"), (3, "-INF"), (9, "95%"), (10, "$4.00 ")]
    assert outcome.only("type", "number")["count"] == 5
    # -0, -2.00E-02, 3E+3, 4e4 and 1 are numbers; the empty cell in column `required` is a null, not checked here
    assert outcome.file["rows"] == 13


def test_missing_values_marker_is_a_null_only_when_declared(check: Check) -> None:
    path = FRICTIONLESS / "table-infer-missing-values.csv"
    columns = {"id": {"type": "integer", "nullable": True}, "age": {"type": "integer"}, "name": {"type": "string"}}
    outcome = check(contract(columns), path)
    assert examples(outcome.only("type", "id"), "row", "value") == [(2, "-"), (4, "-"), (6, "-")]
    assert check(contract(columns, csv={"null_values": ["-"]}), path).exit_code == 0


def test_without_rows_is_valid_unless_a_row_is_required(check: Check) -> None:
    columns = {"id": {"type": "integer"}, "name": {"type": "string"}}
    path = FRICTIONLESS / "without-rows.csv"
    assert check(contract(columns), path).exit_code == 0
    outcome = check(contract(columns, checks={"row_count": {"min": 1}}), path)
    assert outcome.exit_code == 1
    assert outcome.checks() == ["row_count"]
    assert outcome.file["rows"] == 0


def test_empty_file_is_unreadable(check: Check) -> None:
    outcome = check(PERMISSIVE, FRICTIONLESS / "empty.csv")
    assert outcome.exit_code == 1
    assert outcome.only("unreadable")["message"] == "file is empty (0 bytes)"


@pytest.mark.parametrize("name", ["blank-rows.csv", "blank-rows-multiple.csv", "skip-blank-at-the-end.csv"])
def test_blank_lines_are_skipped_and_rows_stay_right(name: str, check: Check) -> None:
    """Blank lines are not rows (documented); every reported line is the physical line of the record."""
    path = FRICTIONLESS / name
    header, records = _stdlib_records(path)
    outcome = check(
        contract({header[0]: {"type": "string", "allowed": ["-"]}}, extra_columns="ignore"),
        path,
        "--max-examples",
        "100",
    )
    width = len(header)
    good = [(row, line, rec[0]) for row, (line, rec) in enumerate(records, start=1) if len(rec) == width and rec[0]]
    found = examples(outcome.only("allowed"), "row", "line", "value")
    assert found == good
    assert outcome.file["rows"] == len(records)


def _stdlib_records(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the (start line, fields) of each non-blank record, by the stdlib csv module."""
    import csv

    out: list[tuple[int, list[str]]] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        previous = 0
        for record in reader:
            start, previous = previous + 1, reader.line_num
            if record:
                out.append((start, record))
    return out[0][1], out[1:]


def test_comment_lines_are_skipped_with_a_comment_dialect(check: Check) -> None:
    path = FRICTIONLESS / "matrix-with-comment.csv"
    without = check(PERMISSIVE, path)
    assert "malformed_row" in without.checks()  # comment lines are rows unless the dialect says otherwise
    with_comment = check(permissive(comment="#"), path)
    assert with_comment.exit_code == 0, with_comment.findings
    assert with_comment.file["rows"] == 4


# ---------------------------------------------------------------- compression, archives, parquet


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("compression/implicit-gz.csv", "csv+gzip"),
        ("compression/explicit.csv.gz", "csv+gzip"),
        ("table.csv.gz", "csv+gzip"),
        ("table.csv.bz2", "csv+bz2"),
        ("table.csv.xz", "csv+xz"),
        ("table.parquet", "parquet"),
    ],
)
def test_compressed_and_parquet_tables_validate_like_the_csv(name: str, fmt: str, check: Check) -> None:
    columns = {"id": {"type": "integer", "max": 1}, "name": {"type": "string"}}
    plain = check(contract(columns), FRICTIONLESS / "table.csv")
    outcome = check(contract(columns), FRICTIONLESS / name)
    assert outcome.file["format"] == fmt
    assert outcome.file["rows"] == plain.file["rows"] == 2
    assert examples(outcome.only("max", "id"), "row", "value") == examples(plain.only("max", "id"), "row", "value")
    assert examples(outcome.only("max", "id"), "row", "value") == [(2, "2")]


def test_zip_archive_is_a_clear_unreadable_finding(check: Check) -> None:
    outcome = check(PERMISSIVE, FRICTIONLESS / "compression/implicit-zip.csv")
    assert outcome.exit_code == 1
    assert outcome.only("unreadable")["message"] == "this is a zip archive, not a CSV, JSON Lines or Parquet file"


def test_wide_and_large_cell_files_validate(check: Check) -> None:
    for name in ["wide.csv", "issue-1066-largecellsize.csv", "issue-305.csv", "issue-811.csv"]:
        path = FRICTIONLESS / name
        if path.exists():
            assert check(PERMISSIVE, path).exit_code == 0


@pytest.mark.parametrize(("name", "line"), [("skip-rows.csv", 5), ("skip-rows-before-headers.csv", 4)])
def test_comment_rows_skipped_with_the_comment_option_and_lines_stay_physical(
    name: str, line: int, check: Check
) -> None:
    columns = {"id": {"type": "integer", "max": 1}, "name": {"type": "string"}}
    outcome = check(contract(columns, csv={"comment": "#"}), FRICTIONLESS / name)
    assert outcome.file["rows"] == 2
    assert examples(outcome.only("max", "id"), "row", "line", "value") == [(2, line, "2")]
    without = check(contract(columns), FRICTIONLESS / name)
    assert without.exit_code == 1  # the comment line is read as data (a header or a malformed row)
