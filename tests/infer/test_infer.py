"""`pipecheck infer` on hand-made and bundled files: what it drafts, and that the draft holds."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from pipecheck.cli import app
from pipecheck.contract.loader import load_contract
from tests.conftest import SHARED, Result, run_subprocess

Cli = Callable[..., Result]


def _infer(cli: Cli, tmp_path: Path, *data: Path, extra: tuple[str, ...] = ()) -> str:
    out = tmp_path / "inferred.yaml"
    result = cli("infer", *data, "-o", out, "--force", *extra)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    return out.read_text(encoding="utf-8")


def _holds(cli: Cli, tmp_path: Path, *data: Path) -> dict[str, object]:
    result = cli("validate", *data, "-c", tmp_path / "inferred.yaml", "--format", "json")
    report = json.loads(result.stdout)
    assert result.exit_code == 0, report
    assert cli("lint", tmp_path / "inferred.yaml", "--schemas", tmp_path).exit_code == 0
    return report  # type: ignore[no-any-return]


def test_the_bundled_orders_file_gets_a_contract_it_holds(cli: Cli, tmp_path: Path, root: Path) -> None:
    text = _infer(cli, tmp_path, root / "sample_data/orders.csv")
    _holds(cli, tmp_path, root / "sample_data/orders.csv")
    assert text.startswith("# inferred by pipecheck ")
    assert "review before use" in text.splitlines()[0]
    contract = load_contract(tmp_path / "inferred.yaml")
    columns = contract.columns
    assert columns["order_id"].type == "integer" and columns["order_id"].unique
    assert columns["status"].allowed == ["new", "paid", "shipped"]
    assert columns["discount"].nullable and columns["discount"].type == "float"
    assert columns["ship_date"].type == "date" and columns["ship_date"].nullable
    assert not columns["email"].unique  # customers order more than once
    assert contract.csv.delimiter == "," and contract.csv.encoding == "utf-8"


def test_the_parquet_twin_gets_the_same_columns(cli: Cli, tmp_path: Path, root: Path) -> None:
    _infer(cli, tmp_path, root / "sample_data/orders.parquet")
    _holds(cli, tmp_path, root / "sample_data/orders.parquet")
    parquet = load_contract(tmp_path / "inferred.yaml").columns
    _infer(cli, tmp_path, root / "sample_data/orders.csv")
    csv = load_contract(tmp_path / "inferred.yaml").columns
    assert {n: c.type for n, c in parquet.items()} == {n: c.type for n, c in csv.items()}


def test_null_tokens_in_typed_columns_become_null_values(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("n,label,x\n1,NA,-\n2,b,3.5\nNA,NA,-\n4,b,1e3\n", encoding="utf-8")
    _infer(cli, tmp_path, data)
    contract = load_contract(tmp_path / "inferred.yaml")
    assert contract.csv.null_values == ["", "NA", "-"]
    assert contract.columns["n"].type == "integer" and contract.columns["n"].nullable
    assert contract.columns["x"].type == "float" and contract.columns["x"].nullable
    assert contract.columns["label"].type == "string" and contract.columns["label"].nullable  # NA is null here too
    _holds(cli, tmp_path, data)


def test_numbers_written_with_a_leading_zero_stay_text(cli: Cli, tmp_path: Path) -> None:
    """Zip codes and account numbers: read as integers, 00501 would be 501 to every consumer."""
    data = tmp_path / "d.csv"
    rows = [f"{10000 + i},{i},{i / 4}" for i in range(2500)]  # the sample's rows are plain numbers
    rows += ["00501,0,-0.5", " 0123 ,-0,0.25", "-07,+0,-0"]
    data.write_text("zip,count,share\n" + "\n".join(rows) + "\n", encoding="utf-8")
    _infer(cli, tmp_path, data)
    contract = load_contract(tmp_path / "inferred.yaml")
    assert contract.columns["zip"].type == "string"
    assert contract.columns["count"].type == "integer" and contract.columns["share"].type == "float"
    _holds(cli, tmp_path, data)
    data.write_text("code\n007\n", encoding="utf-8")  # within the sample
    _infer(cli, tmp_path, data)
    assert load_contract(tmp_path / "inferred.yaml").columns["code"].type == "string"


def test_a_token_in_a_text_column_alone_stays_a_value(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("grade\n-\nA\n-\nA\n", encoding="utf-8")
    _infer(cli, tmp_path, data)
    contract = load_contract(tmp_path / "inferred.yaml")
    assert contract.csv.null_values == [""]
    assert contract.columns["grade"].allowed == ["-", "A"] and not contract.columns["grade"].nullable


def test_day_first_dates_are_detected_and_ambiguity_is_said(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a,b\n01/02/2024,13/02/2024\n03/04/2024,01/12/2023\n", encoding="utf-8")
    text = _infer(cli, tmp_path, data)
    contract = load_contract(tmp_path / "inferred.yaml")
    assert contract.columns["a"].format == "%d/%m/%Y" and contract.columns["b"].format == "%d/%m/%Y"
    assert "# ambiguous: every value also parses as %m/%d/%Y" in text
    assert text.count("ambiguous") == 1  # b has a 13th: day first for sure
    _holds(cli, tmp_path, data)


def test_month_first_dates_and_iso_datetimes(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text(
        "us,at,zoned\n12/31/2024,2024-01-02T03:04:05,2024-01-02T03:04:05Z\n"
        "01/02/2025,2024-06-02T03:04:05,2024-01-02 03:04+02:00\n",
        encoding="utf-8",
    )
    _infer(cli, tmp_path, data)
    columns = load_contract(tmp_path / "inferred.yaml").columns
    assert columns["us"].format == "%m/%d/%Y"
    assert columns["at"].type == "datetime" and columns["at"].format == "%Y-%m-%dT%H:%M:%S"
    assert columns["zoned"].type == "datetime" and columns["zoned"].timezone == "aware"
    assert str(columns["us"].min) == "2024-01-01" and str(columns["us"].max) == "2025-12-31"
    _holds(cli, tmp_path, data)


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_the_delimiter_is_detected(cli: Cli, tmp_path: Path, delimiter: str) -> None:
    data = tmp_path / "d.csv"
    data.write_text(delimiter.join(["a", "b,c", "d"]) + "\n" + delimiter.join(["1", '"x, y"', "z"]) + "\n", "utf-8")
    _infer(cli, tmp_path, data)
    contract = load_contract(tmp_path / "inferred.yaml")
    assert contract.csv.delimiter == delimiter and list(contract.columns) == ["a", "b,c", "d"]
    _holds(cli, tmp_path, data)


def test_latin1_and_utf16_files_get_their_encoding(cli: Cli, tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("city;n\nKöln;1\nZürich;2\n".encode("cp1252"))
    _infer(cli, tmp_path, latin)
    assert load_contract(tmp_path / "inferred.yaml").csv.encoding == "cp1252"
    _holds(cli, tmp_path, latin)
    wide = tmp_path / "wide.csv"
    wide.write_bytes("city,n\nKöln,1\n".encode("utf-16"))
    _infer(cli, tmp_path, wide)
    assert load_contract(tmp_path / "inferred.yaml").csv.encoding == "utf-16"
    _holds(cli, tmp_path, wide)


def test_a_non_utf8_byte_late_in_the_file_moves_the_encoding_on(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_bytes(b"name\n" + b"plain\n" * 60_000 + b"caf\xe9\n")  # beyond the 256 KB sample
    _infer(cli, tmp_path, data)
    assert load_contract(tmp_path / "inferred.yaml").csv.encoding == "cp1252"
    _holds(cli, tmp_path, data)


def test_several_files_a_column_missing_from_one_is_not_required(cli: Cli, tmp_path: Path) -> None:
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    one.write_text("id,extra\n1,x\n", encoding="utf-8")
    two.write_text("id\n2.5\n", encoding="utf-8")
    text = _infer(cli, tmp_path, one, two)
    columns = load_contract(tmp_path / "inferred.yaml").columns
    assert columns["id"].type == "float" and columns["extra"].required is False
    assert "from one.csv, two.csv on" in text or "one.csv" in text.splitlines()[0]
    _holds(cli, tmp_path, one, two)


def test_files_with_different_delimiters_are_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    one.write_text("a,b\n1,2\n", encoding="utf-8")
    two.write_text("a;b\n1;2\n", encoding="utf-8")
    result = cli("infer", one, two)
    assert result.exit_code == 2 and "one contract has one CSV dialect" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2  # the error and its hint


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"a,,b\n1,2,3\n", "column 2 has a blank header"),
        (b"a,a\n1,2\n", "header 'a' appears more than once"),
        (b"\x89PNG\r\n\x1a\n....", "PNG image"),
    ],
)
def test_files_it_cannot_draft_from_are_one_line_errors(cli: Cli, tmp_path: Path, content: bytes, message: str) -> None:
    data = tmp_path / "d.csv"
    data.write_bytes(content)
    result = cli("infer", data)
    assert result.exit_code == 2, result
    first = result.stderr.splitlines()[0]
    assert first.startswith("pipecheck: error: ") and "d.csv" in first and message in first
    assert "Traceback" not in result.stderr


def test_a_header_only_file_gives_strings_that_say_so(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a,b\n", encoding="utf-8")
    text = _infer(cli, tmp_path, data)
    assert text.count("no values: the type could not be inferred") == 2
    _holds(cli, tmp_path, data)


def test_an_existing_output_is_kept_without_force(tmp_path: Path, root: Path) -> None:
    out = tmp_path / "orders.yaml"
    out.write_text("keep me\n", encoding="utf-8")
    result = run_subprocess("infer", root / "sample_data/orders.csv", "-o", out)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"pipecheck: error: {out}: already exists; pass --force to replace it"
    assert out.read_text(encoding="utf-8") == "keep me\n"
    result = run_subprocess("infer", root / "sample_data/orders.csv", "-o", out, "--force")
    assert result.exit_code == 0 and "wrote" in result.stdout
    assert load_contract(out).contract == "orders"  # named after the output file


def test_a_new_output_file_gets_the_umask_mode_and_the_name_option(tmp_path: Path, root: Path) -> None:
    out = tmp_path / "c.yaml"
    umask = os.umask(0o027)
    try:
        result = run_subprocess("infer", root / "sample_data/orders.csv", "-o", out, "--name", "nightly")
    finally:
        os.umask(umask)
    assert result.exit_code == 0, result.stderr
    assert out.stat().st_mode & 0o777 == 0o640
    assert load_contract(out).contract == "nightly"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left


def test_without_output_the_contract_goes_to_stdout(root: Path) -> None:
    result = CliRunner().invoke(app, ["infer", str(root / "sample_data/orders.csv")])
    assert result.exit_code == 0
    assert result.stdout.startswith("# inferred by pipecheck") and "contract: orders" in result.stdout


def test_a_stream_is_refused(cli: Cli) -> None:
    result = cli("infer", "-")
    assert result.exit_code == 2 and "not a regular file" in result.stderr


def test_unique_is_dropped_when_a_value_repeats_in_a_later_batch(cli: Cli, tmp_path: Path) -> None:
    ids = list(range(300_000))
    ids[-1] = 0  # distinct within each 256k-row slice, repeated across them
    data = tmp_path / "d.parquet"
    pl.DataFrame({"id": ids, "code": [f"k{i}" for i in range(300_000)]}).write_parquet(data)
    _infer(cli, tmp_path, data)
    columns = load_contract(tmp_path / "inferred.yaml").columns
    assert not columns["id"].unique and columns["code"].unique
    _holds(cli, tmp_path, data)


def test_nan_in_a_parquet_float_column_makes_its_findings_warnings(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "d.parquet"
    pl.DataFrame({"x": [1.5, float("nan"), 2.0]}).write_parquet(data)
    text = _infer(cli, tmp_path, data)
    assert load_contract(tmp_path / "inferred.yaml").columns["x"].severity == "warning"
    assert "# not every value is a valid float" in text
    _holds(cli, tmp_path, data)


def test_malformed_rows_are_a_warning_naming_the_line(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,2\n3\n4,5\n", encoding="utf-8")
    result = cli("infer", data, "-o", tmp_path / "c.yaml")
    assert result.exit_code == 0
    assert "pipecheck: warning: " in result.stderr and "(line 3)" in result.stderr


@pytest.mark.parametrize(
    "name",
    ["frictionless/issue-1009-semicolon.csv", "frictionless/table-infer-missing-values.csv", "frictionless/bom.csv"],
)
def test_corpus_files_get_contracts_they_hold(cli: Cli, tmp_path: Path, name: str) -> None:
    path = next((SHARED / "corpus").rglob(Path(name).name), None)
    if path is None:
        pytest.skip(f"{name} not in the corpus")
    _infer(cli, tmp_path, path)
    _holds(cli, tmp_path, path)


def test_a_column_of_unchosen_tokens_has_values_and_no_note(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a,b\nNA,\nNA,\n", encoding="utf-8")
    text = _infer(cli, tmp_path, data)
    assert text.count("no values") == 1  # b only: a holds the text NA twice
    assert load_contract(tmp_path / "inferred.yaml").columns["a"].allowed == ["NA"]
    _holds(cli, tmp_path, data)


def test_odd_column_names_and_values_read_back(cli: Cli, tmp_path: Path) -> None:
    import csv

    names = ["<<", "true", "x" * 1500, "a\nb", "null", "#c", "é ü", " pad ", "tab\there", "a\u2028b"]
    row = ["1", "yes", "v", "w\nz", "NA", "1e400", "9223372036854775808", "¤", "[x]", "{y}"]
    data = tmp_path / "d.csv"
    with data.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([names, row, row])
    _infer(cli, tmp_path, data)
    assert list(load_contract(tmp_path / "inferred.yaml").columns) == names
    _holds(cli, tmp_path, data)


def test_a_wide_file_is_profiled_column_group_by_column_group(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    header = ",".join(f"c{i}" for i in range(300))
    rows = [",".join(str(i * r) if i % 2 else f"2024-01-{r + 1:02d}" for i in range(300)) for r in range(20)]
    data.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    _infer(cli, tmp_path, data)
    columns = load_contract(tmp_path / "inferred.yaml").columns
    assert columns["c0"].type == "date" and columns["c1"].type == "integer" and len(columns) == 300
    _holds(cli, tmp_path, data)
