"""A directory is one dataset: members listed as Spark lists them, each judged against the contract,
hive partition folders as columns, examples naming the member file and the row within it."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipecheck.cli import app
from pipecheck.readers.dataset import HIVE_NULL, partition_of, skipped
from tests.conftest import run_subprocess

CONTRACT = "contract: t\ncolumns:\n  id: {type: integer, unique: true}\n  amount: {type: float, min: 0}\n"


def write_parquet(path: Path, table: pa.Table) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def reports(tmp_path: Path, target: Path, contract: str, *extra: str) -> list[tuple[int, dict[str, Any]]]:
    """(exit code, the file's JSON report) through CliRunner and through a real process."""
    contract_path = tmp_path / "contract.yaml"
    contract_path.write_text(contract, encoding="utf-8")
    args = ["validate", str(target), "-c", str(contract_path), "--format", "json", *extra]
    runner = CliRunner().invoke(app, args)
    process = run_subprocess(*args)
    out = []
    for code, stdout, stderr in (
        (runner.exit_code, runner.stdout, runner.stderr),
        (process.exit_code, process.stdout, process.stderr),
    ):
        assert "Traceback" not in stdout + stderr and code in (0, 1), stderr
        (file,) = json.loads(stdout)["files"]
        out.append((code, file))
    return out


def findings(file: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [f for f in file["findings"] if f["check"] == check]


def places(finding: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(e.get("file"), e["row"], e["line"], e["value"]) for e in finding["examples"]]


def spark_output(folder: Path) -> Path:
    """What Spark's parquet writer leaves: part files, _SUCCESS, .crc checksums, a _temporary folder."""
    for i, (ids, amounts) in enumerate([([1, 2], [1.0, 2.0]), ([3, 4], [3.0, 4.0]), ([5, 6, 7], [5.0, -6.0, -7.0])]):
        name = f"part-0000{i}-8f3c2d1e-c000.snappy.parquet"
        write_parquet(folder / name, pa.table({"id": ids, "amount": amounts}))
        (folder / f".{name}.crc").write_bytes(b"crc\x00\x01")
    (folder / "_SUCCESS").write_bytes(b"")
    (folder / "._SUCCESS.crc").write_bytes(b"crc")
    (folder / "_temporary" / "0").mkdir(parents=True)
    (folder / "_temporary" / "0" / "part-00009.parquet").write_bytes(b"half-written")
    return folder


def test_spark_output_is_one_dataset_and_examples_name_the_member_and_its_row(tmp_path: Path) -> None:
    folder = spark_output(tmp_path / "orders")
    for code, file in reports(tmp_path, folder, CONTRACT):
        assert code == 1 and file["rows"] == 7 and file["members"] == 3 and file["format"] == "parquet"
        (finding,) = file["findings"]
        assert finding["check"] == "min" and finding["count"] == 2
        third = "part-00002-8f3c2d1e-c000.snappy.parquet"
        assert places(finding) == [(third, 2, None, "-6.0"), (third, 3, None, "-7.0")]


def test_unique_across_members_names_both_files(tmp_path: Path) -> None:
    folder = tmp_path / "ids"
    write_parquet(folder / "a.parquet", pa.table({"id": [1, 2], "amount": [1.0, 1.0]}))
    write_parquet(folder / "b" / "c.parquet", pa.table({"id": [3, 1], "amount": [1.0, 1.0]}))
    for code, file in reports(tmp_path, folder, CONTRACT):
        (finding,) = findings(file, "unique")
        assert code == 1 and places(finding) == [("a.parquet", 1, None, "1"), ("b/c.parquet", 2, None, "1")]


def test_csv_members_give_lines_within_their_file_and_tsv_members_their_delimiter(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    (folder / "day=1").mkdir(parents=True)
    (folder / "day=1" / "a.csv").write_text("id,amount\n1,1.0\n2,2.0\n")
    (folder / "day=2").mkdir()
    (folder / "day=2" / "b.tsv.gz").write_bytes(gzip.compress(b"id\tamount\n3\t3.0\n\n4\t-4.0\n"))
    contract = CONTRACT + "  day: {type: integer, max: 1}\n"
    for code, file in reports(tmp_path, folder, contract):
        assert code == 1 and file["rows"] == 4 and file["format"] == "csv"
        (low,) = findings(file, "min")
        assert places(low) == [("day=2/b.tsv.gz", 2, 4, "-4.0")]
        (high,) = findings(file, "max")
        assert high["count"] == 2 and places(high)[0] == ("day=2/b.tsv.gz", 1, 2, "2")


def test_hive_partitions_are_typed_columns_with_null_and_escaped_values(tmp_path: Path) -> None:
    folder = tmp_path / "sales"
    table = pa.table({"id": [1], "amount": [1.0]})
    write_parquet(folder / "year=2024" / "city=New%20York" / "part-0.parquet", table)
    write_parquet(folder / "year=2024" / "city=Paris" / "part-0.parquet", pa.table({"id": [2, 3], "amount": [1.0, 2]}))
    write_parquet(folder / f"year={HIVE_NULL}" / "city=Oslo" / "part-0.parquet", pa.table({"id": [4], "amount": [1.0]}))
    contract = CONTRACT + "  year: {type: integer, min: 2000}\n  city: {type: string, allowed: [New York, Oslo]}\n"
    for code, file in reports(tmp_path, folder, contract):
        assert code == 1 and file["rows"] == 4, file
        (null,) = findings(file, "nullable")
        assert null["column"] == "year" and places(null) == [
            (f"year={HIVE_NULL}/city=Oslo/part-0.parquet", 1, None, None)
        ]
        (city,) = findings(file, "allowed")
        paris = "year=2024/city=Paris/part-0.parquet"
        assert places(city) == [(paris, 1, None, "Paris"), (paris, 2, None, "Paris")]
    relaxed = contract.replace("min: 2000}", "min: 2000, nullable: true}").replace("Oslo]", "Oslo, Paris]")
    for code, file in reports(tmp_path, folder, relaxed):
        assert code == 0, file["findings"]


def test_a_partition_value_that_does_not_parse_is_one_finding_per_folder(tmp_path: Path) -> None:
    folder = tmp_path / "sales"
    write_parquet(folder / "year=20x4" / "a.parquet", pa.table({"id": [1, 2], "amount": [1.0, 1.0]}))
    write_parquet(folder / "year=20x4" / "b.parquet", pa.table({"id": [3], "amount": [1.0]}))
    write_parquet(folder / "year=2025" / "c.parquet", pa.table({"id": [4], "amount": [1.0]}))
    for code, file in reports(tmp_path, folder, CONTRACT + "  year: {type: integer}\n"):
        (finding,) = file["findings"]
        assert code == 1 and finding["check"] == "type" and finding["column"] == "year"
        assert finding["message"] == (
            "partition folder year=20x4: '20x4' is not an integer (digits with an optional sign, or a whole number "
            "such as 181.0; no separators, fractions or exponents); year was not checked (in 2 of 3 files)"
        )
        assert [e["file"] for e in finding["examples"]] == ["year=20x4/a.parquet", "year=20x4/b.parquet"]


def test_an_undeclared_partition_column_is_an_extra_column_saying_where_it_comes_from(tmp_path: Path) -> None:
    folder = tmp_path / "sales"
    for day in (1, 2):
        write_parquet(folder / f"day={day}" / "p.parquet", pa.table({"id": [day], "amount": [1.0]}))
    for code, file in reports(tmp_path, folder, CONTRACT):
        (finding,) = file["findings"]
        assert code == 1 and finding["check"] == "extra_column" and finding["column"] == "day"
        assert finding["message"] == "column 'day' is not in the contract" and "day=... folders" in finding["hint"]


def test_members_with_another_schema_are_each_named_with_the_difference(tmp_path: Path) -> None:
    folder = tmp_path / "orders"
    write_parquet(folder / "1.parquet", pa.table({"id": [1], "amount": [1.0]}))
    write_parquet(folder / "2.parquet", pa.table({"id": [2]}))
    write_parquet(folder / "3.parquet", pa.table({"id": [3], "amount": ["free"]}))
    write_parquet(folder / "4.parquet", pa.table({"id": [4], "amount": [-1.0], "coupon": ["X"]}))
    write_parquet(folder / "5.parquet", pa.table({"id": [5]}))
    for code, file in reports(tmp_path, folder, CONTRACT):
        assert code == 1 and file["rows"] == 5 and file["members"] == 5
        by_check = {f["check"]: f for f in file["findings"]}
        assert set(by_check) == {"missing_column", "storage_type", "type", "extra_column", "min"}
        missing = by_check["missing_column"]
        assert missing["message"] == "required column 'amount' is missing (in 2 of 5 files)" and missing["count"] == 2
        assert [e["file"] for e in missing["examples"]] == ["2.parquet", "5.parquet"]
        assert by_check["storage_type"]["message"] == "3.parquet: amount is stored as string; the contract says float"
        assert places(by_check["type"]) == [("3.parquet", 1, None, "free")]  # text read under the CSV rules
        assert by_check["extra_column"]["message"] == "4.parquet: column 'coupon' is not in the contract"
        assert places(by_check["min"]) == [("4.parquet", 1, None, "-1.0")]


def test_a_column_every_member_lacks_is_reported_once_as_for_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "orders"
    for i in range(3):
        write_parquet(folder / f"{i}.parquet", pa.table({"id": [i]}))
    for _, file in reports(tmp_path, folder, CONTRACT):
        (finding,) = file["findings"]
        assert finding["message"] == "required column 'amount' is missing" and finding["examples"] == []


def test_a_mixed_format_directory_reads_one_format_and_reports_the_others(tmp_path: Path) -> None:
    folder = tmp_path / "orders"
    for i in range(2):
        write_parquet(folder / f"part-{i}.parquet", pa.table({"id": [i + 1], "amount": [1.0]}))
    (folder / "README.md").write_text("# orders\n")
    (folder / "extra.csv").write_text("id,amount\n1,-5\n")
    for code, file in reports(tmp_path, folder, CONTRACT):
        assert code == 1 and file["rows"] == 2 and file["members"] == 2
        (finding,) = file["findings"]
        assert finding["check"] == "mixed_formats" and finding["count"] == 2
        assert finding["message"] == (
            "2 file(s) of the directory are csv, not parquet like the other 2: README.md, extra.csv; they were not read"
        )
        assert [e["file"] for e in finding["examples"]] == ["README.md", "extra.csv"]


def test_an_empty_directory_is_unreadable(tmp_path: Path) -> None:
    folder = tmp_path / "nothing"
    (folder / ".hidden").mkdir(parents=True)
    (folder / ".hidden" / "a.parquet").write_bytes(b"x")
    for code, file in reports(tmp_path, folder, CONTRACT):
        (finding,) = file["findings"]
        assert code == 1 and finding["check"] == "unreadable" and file["rows"] is None
        assert finding["message"].startswith("the directory holds no data files")


def test_reporters_point_at_the_member_file(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    (folder / "b").mkdir(parents=True)
    (folder / "a.csv").write_text("id,amount\n1,1\n")
    (folder / "b" / "c.csv").write_text("id,amount\n2,2\n3,-3\n")
    contract = tmp_path / "c.yaml"
    contract.write_text(CONTRACT)
    args = ["validate", str(folder), "-c", str(contract), "--max-examples", "1"]
    sarif = json.loads(run_subprocess(*args, "--format", "sarif").stdout)
    (result,) = sarif["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": (folder / "b" / "c.csv").as_uri()},
        "region": {"startLine": 3},
    }
    github = run_subprocess(*args, "--format", "github").stdout.splitlines()[0]
    assert github.startswith(f"::error file={folder}/b/c.csv,line=3,title=pipecheck min (amount)::")
    assert "b/c.csv row 2, line 3: '-3'" in github
    junit = run_subprocess(*args, "--format", "junit").stdout
    assert f'file="{folder}/b/c.csv" line="3"' in junit and "b/c.csv row 2, line 3: '-3'" in junit
    markdown = run_subprocess(*args, "--format", "markdown").stdout
    assert "b/c.csv row 2, line 3: `'-3'`" in markdown
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"} | {"NO_COLOR": "1"}
    rich = run_subprocess(*args, env=env).stdout
    assert "b/c.csv row 2, line 3: '-3'" in " ".join(rich.replace("│", " ").split())  # cells wrap


@pytest.mark.parametrize(
    ("name", "skip"),
    [
        ("_SUCCESS", True),
        ("_metadata", True),
        ("_temporary", True),
        (".part-0.parquet.crc", True),
        ("part-0.parquet.crc", True),
        ("part-0.parquet._COPYING_", True),
        (".hidden", True),
        ("_year=2024", False),
        ("part-0.parquet", False),
        ("year=2024", False),
    ],
)
def test_names_spark_skips(name: str, skip: bool) -> None:
    assert skipped(name) is skip


@given(st.text(min_size=1), st.text())
def test_partition_folder_names_round_trip_through_uri_escaping(key: str, value: str) -> None:
    """Hive and pyarrow escape partition values URI-style; the folder name decodes to what was written."""
    folder = f"{quote(key, safe='')}={quote(value, safe='')}"
    assert partition_of(folder) == (key, None if value == HIVE_NULL else value)


def test_partition_folder_names_that_are_not_partitions() -> None:
    assert partition_of("2024") is None and partition_of("=2024") is None
    assert partition_of("a=b=c") == ("a", "b=c") and partition_of("a=") == ("a", "")


def test_header_less_csv_members_take_partition_columns_from_their_folders(tmp_path: Path) -> None:
    folder = tmp_path / "raw"
    (folder / "k=1").mkdir(parents=True)
    (folder / "k=1" / "a.csv").write_text("1,2\n3,-4\n")
    (folder / "k=x").mkdir()
    (folder / "k=x" / "b.csv").write_text("5,6\n")
    contract = "contract: t\ncsv: {header: false}\ncolumns:\n  id: {type: integer}\n  amount: {type: float, min: 0}\n"
    for code, file in reports(tmp_path, folder, contract + "  k: {type: integer}\n"):
        assert code == 1 and file["rows"] == 3
        assert [f["check"] for f in file["findings"]] == ["type", "min"]
        assert places(file["findings"][1]) == [("k=1/a.csv", 2, 2, "-4")]


def test_special_and_dangling_members_are_reported_not_waited_on(tmp_path: Path) -> None:
    folder = tmp_path / "orders"
    write_parquet(folder / "a.parquet", pa.table({"id": [1], "amount": [1.0]}))
    os.mkfifo(folder / "b.parquet")  # opening it would wait for a writer
    (folder / "c.parquet").symlink_to(folder / "gone.parquet")
    for code, file in reports(tmp_path, folder, CONTRACT):
        assert code == 1 and file["rows"] == 1
        messages = [f["message"] for f in file["findings"]]
        assert messages[0] == "b.parquet: not a regular file (a FIFO, socket or device); not read"
        assert messages[1].startswith("c.parquet: cannot read the file: FileNotFoundError")


def test_a_partition_folder_naming_a_column_the_files_hold_says_so_and_checks_the_files_values(
    tmp_path: Path,
) -> None:
    data = tmp_path / "ds"
    write_parquet(data / "id=5" / "p.parquet", pa.table({"id": [1, 2], "amount": [1.0, -1.0]}))
    write_parquet(data / "id=abc" / "p.parquet", pa.table({"id": [2, 3], "amount": [1.0, 2.0]}))
    for code, file in reports(tmp_path, data, CONTRACT):
        assert code == 1
        by_check = {f["check"]: f for f in file["findings"]}
        assert set(by_check) == {"duplicate_column", "unique", "min"}, by_check
        assert by_check["duplicate_column"]["message"].startswith("the partition folders id=... name the column 'id'")
        assert "header 'id' appears" not in json.dumps(file), "not a header problem"
        assert [(e["file"], e["row"]) for e in by_check["unique"]["examples"]] == [
            ("id=5/p.parquet", 2),
            ("id=abc/p.parquet", 1),
        ], "the files' own ids are checked, the folder's value (abc) is not"
