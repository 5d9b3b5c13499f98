"""The engine across batch boundaries: exact file-wide counts, global row and line numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pipecheck import uniqueness
from pipecheck.compile import compile_contract
from pipecheck.contract.loader import parse_contract
from pipecheck.engine import Options, validate_file
from pipecheck.scratch import Scratch

CONTRACT = parse_contract(
    """\
contract: t
columns:
  id: {type: integer, unique: true}
  amount: {type: float, min: 0}
  note: {type: string}
"""
)


def write_rows(path: Path, rows: int, *, duplicate_at: int, negative_every: int) -> None:
    with path.open("w") as handle:
        handle.write("id,amount,note\n")
        for i in range(1, rows + 1):
            ident = 2 if i == duplicate_at else i
            amount = -1 if i % negative_every == 0 else i
            note = '"two\nlines"' if i % 1000 == 0 else "n"
            handle.write(f"{ident},{amount},{note}\n")


def test_duplicate_far_apart_is_found_across_batches_with_both_rows(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    write_rows(path, 60_000, duplicate_at=59_990, negative_every=7_000)
    report = validate_file(path, "big.csv", compile_contract(CONTRACT), "c.yaml", Options(block_size=64 << 10))
    by_check = {f.check: f for f in report.findings}
    assert report.rows == 60_000
    unique = by_check["unique"]
    assert unique.count == 2
    # Each row before 59,990 holds one extra line for every 1000th row (a quoted newline).
    assert [(e.row, e.line, e.value) for e in unique.examples] == [(2, 3, "2"), (59_990, 59_990 + 1 + 59, "2")]
    low = by_check["min"]
    assert low.count == 60_000 // 7_000
    assert [e.row for e in low.examples] == [7_000, 14_000, 21_000, 28_000, 35_000]
    assert [e.line for e in low.examples] == [
        7_000 + 1 + 6,
        14_000 + 1 + 13,
        21_000 + 1 + 20,
        28_000 + 1 + 27,
        35_000 + 1 + 34,
    ]


def test_batch_size_does_not_change_the_result(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    write_rows(path, 20_000, duplicate_at=15_000, negative_every=3_001)
    compiled = compile_contract(CONTRACT)
    small = validate_file(path, "d", compiled, "c", Options(block_size=16 << 10, max_examples=100))
    large = validate_file(path, "d", compiled, "c", Options(max_examples=100))
    assert [f.to_dict() for f in small.findings] == [f.to_dict() for f in large.findings]


def test_fail_fast_stops_after_the_first_failing_batch(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    write_rows(path, 50_000, duplicate_at=0, negative_every=10)
    compiled = compile_contract(CONTRACT)
    report = validate_file(path, "d", compiled, "c", Options(block_size=16 << 10, fail_fast=True))
    assert not report.ok
    assert report.rows is not None and report.rows < 50_000


def test_record_longer_than_a_block_is_read_by_growing_the_block(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("id,amount,note\n1,1," + "x" * 300_000 + "\n2,-1,y\n")
    report = validate_file(path, "d", compile_contract(CONTRACT), "c", Options(block_size=64 << 10))
    assert [(f.check, f.examples[0].row, f.examples[0].line) for f in report.findings] == [("min", 2, 3)]


def test_unique_keys_spilled_to_disk_give_the_same_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "data.csv"
    write_rows(path, 30_000, duplicate_at=29_000, negative_every=100_000)
    compiled = compile_contract(CONTRACT)
    in_memory = validate_file(path, "d", compiled, "c", Options(block_size=32 << 10))
    monkeypatch.setattr(uniqueness, "SPILL_BYTES", 10_000)
    spilled_to: set[Path] = set()
    add = uniqueness.KeyStore.add

    def recording_add(self: uniqueness.KeyStore, frame: pl.DataFrame, first_row: int = 0, parts: Any = None) -> None:
        add(self, frame, first_row, parts)
        if self.spill_dir is not None and list(self.spill_dir.iterdir()):
            spilled_to.add(self.spill_dir)

    monkeypatch.setattr(uniqueness.KeyStore, "add", recording_add)
    with Scratch() as scratch:
        spilled = validate_file(path, "d", compiled, "c", Options(block_size=32 << 10), scratch)
        assert spilled_to, "the key store never spilled"
        assert not any(d.exists() for d in spilled_to), "spill directory left behind"
        assert not list(scratch.directory().iterdir())
    assert [f.to_dict() for f in spilled.findings] == [f.to_dict() for f in in_memory.findings]
    (unique,) = [f for f in spilled.findings if f.check == "unique"]
    assert [e.row for e in unique.examples] == [2, 29_000]


def test_unique_keys_searched_by_partition_give_what_one_whole_search_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "data.csv"
    write_rows(path, 30_000, duplicate_at=29_000, negative_every=100_000)
    with path.open("a") as handle:  # a second pair, and a triple, in other hash partitions
        handle.write("7,1,n\n7,2,n\n12345,1,n\n12345,1,n\n12345,1,n\n")
    compiled = compile_contract(CONTRACT)
    searched: list[int] = []
    original = uniqueness._duplicated_rows

    def recording(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
        searched.append(frame.height)
        return original(frame, columns)

    monkeypatch.setattr(uniqueness, "_duplicated_rows", recording)
    whole = validate_file(path, "d", compiled, "c", Options(block_size=32 << 10, max_examples=100))
    assert searched == [30_005], "keys held in memory are searched at once"
    searched.clear()
    monkeypatch.setattr(uniqueness, "WHOLE_SEARCH_ROWS", 10_000)
    partitioned = validate_file(path, "d", compiled, "c", Options(block_size=32 << 10, max_examples=100))
    assert len(searched) == uniqueness.PARTITIONS and sum(searched) == 30_005
    assert [f.to_dict() for f in partitioned.findings] == [f.to_dict() for f in whole.findings]
    (unique,) = [f for f in partitioned.findings if f.check == "unique"]
    assert unique.count == 2 + 3 + 4  # keys 2, 7 and 12345 (7 and 12345 are also rows of the data)
    assert [e.row for e in unique.examples] == [2, 29_000, 7, 30_001, 30_002, 12_345, 30_003, 30_004, 30_005]


def test_progress_reports_bytes_and_rows_up_to_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    write_rows(path, 20_000, duplicate_at=0, negative_every=100_000)
    updates: list[tuple[str, int, int | None, int]] = []
    options = Options(block_size=32 << 10, progress=lambda *update: updates.append(update))
    validate_file(path, "data.csv", compile_contract(CONTRACT), "c", options)
    assert len(updates) > 3
    done = [u[1] for u in updates]
    assert done == sorted(done) and done[-1] == path.stat().st_size
    assert {u[2] for u in updates} == {path.stat().st_size}
    assert updates[-1][3] == 20_000 and updates[0][0] == "data.csv"


def test_reader_reads_one_block_ahead_of_the_batches_consumed(tmp_path: Path) -> None:
    from pipecheck.contract.model import CsvDialect
    from pipecheck.readers.base import ReadOptions, settled
    from pipecheck.readers.csv import PLAIN_BLOCKS, CsvReader

    path = tmp_path / "data.csv"
    write_rows(path, 200_000, duplicate_at=0, negative_every=100_000)
    block = 256 << 10
    reader = CsvReader(path, None, ReadOptions(CsvDialect(), block_size=block))
    names = reader.columns()
    consumed = 0
    most_ahead = 0
    for batch in settled(reader.batches({name: i for i, name in enumerate(names)})):
        assert batch.checkpoint.byte_range is not None
        consumed = batch.checkpoint.byte_range[1]
        most_ahead = max(most_ahead, reader.progress()[0] - consumed)
    assert batch.checkpoint.first_row + batch.rows == 200_000
    assert most_ahead <= 2 * block * PLAIN_BLOCKS, "the reader read far ahead of the batches consumed"


SIMPLE_FILES = {
    "plain": "id,amount,note\n1,-1,a\n2,5,b\n3,-2,c\n",
    "no final newline": "id,amount,note\n1,-1,a\n2,5,b\n3,-2,c",
    "crlf": "id,amount,note\r\n1,-1,a\r\n2,5,b\r\n3,-2,c\r\n",
    "blank line": "id,amount,note\n1,-1,a\n\n2,5,b\n3,-2,c\n",
    "leading blank line": "\nid,amount,note\n1,-1,a\n2,5,b\n3,-2,c\n",
    "quoted newline": 'id,amount,note\n1,-1,"a\nb"\n2,5,b\n3,-2,c\n',
    "short row": "id,amount,note\n1,-1,a\n2,5\n3,-2,c\n",
    "lone cr": "id,amount,note\r1,-1,a\r2,5,b\r3,-2,c\r",
    "quoted crlf and blank lines": 'id,amount,note\r\n\r\n1,-1,"x\r\ny"\r\n\r\n2,5,b\r\n3,-2,"c"\r\n',
    "stray quote": 'id,amount,note\n1,-1,a"b\n2,5,b\n3,-2,"c\nd"\n',
}


def oracle_rows(text: str) -> list[tuple[int, int, list[str]]]:
    """(row, line, record) of every data record, by the stdlib csv module's line count."""
    import csv
    import io

    reader = csv.reader(io.StringIO(text, newline=""))
    out, row, previous, header = [], 0, 0, True
    for record in reader:
        first, previous = previous + 1, reader.line_num
        if not record:
            continue
        if header:
            header = False
            continue
        row += 1
        out.append((row, first, record))
    return out


@pytest.mark.parametrize("name", SIMPLE_FILES)
@pytest.mark.parametrize("block_size", [8, 64, 8 << 20])
def test_rows_and_lines_of_examples_are_those_of_the_csv_module(name: str, block_size: int, tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    text = SIMPLE_FILES[name]
    path.write_bytes(text.encode())
    report = validate_file(path, "d", compile_contract(CONTRACT), "c", Options(block_size=block_size))
    expected = [
        (row, line) for row, line, record in oracle_rows(text) if len(record) == 3 and record[1].startswith("-")
    ]
    (low,) = [f for f in report.findings if f.check == "min"]
    assert [(e.row, e.line) for e in low.examples] == expected
    assert report.rows == len(oracle_rows(text))


@pytest.mark.parametrize("searched", ["whole", "by partition", "spilled"])
def test_duplicates_found_across_narrow_and_wide_stored_keys(searched: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Integer keys that fit in 32 bits are stored narrow; a batch with a larger key stays wide.
    A key repeated across the two kinds of batch is still one key, searched at once, by hash
    partition, or spilled by partition (a narrow key hashes as it does wide)."""
    if searched != "whole":
        monkeypatch.setattr(uniqueness, "WHOLE_SEARCH_ROWS", 0)
    if searched == "spilled":
        monkeypatch.setattr(uniqueness, "SPILL_BYTES", 0)
    compiled = compile_contract(CONTRACT)
    store = uniqueness.KeyStore()
    narrow = pl.DataFrame({"c0": [5, 6, 7]}).with_row_index(uniqueness.ORDINAL)
    wide = pl.DataFrame({"c0": [2**40, 5, 7, None]}).with_row_index(uniqueness.ORDINAL)
    store.add(narrow)
    store.add(wide, first_row=3)
    if searched != "spilled":
        assert {piece["c0"].dtype for pieces in store.held.values() for _, piece in pieces} == {pl.Int32, pl.Int64}
    else:
        assert store.spill_dir is not None and len(list(store.spill_dir.iterdir())) > 2
    (found,) = uniqueness.find_duplicates({("id",): store}, compiled, max_examples=10)
    assert (found.count, found.ordinals, found.values) == (4, [0, 4, 2, 5], ["5", "5", "7", "7"])
