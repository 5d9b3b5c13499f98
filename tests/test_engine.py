"""The engine across batch boundaries: exact file-wide counts, global row and line numbers."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipecheck import uniqueness
from pipecheck.compile import compile_contract
from pipecheck.contract.loader import parse_contract
from pipecheck.engine import Options, validate_file

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
    spill_dirs: list[Path] = []
    original = uniqueness.tempfile.mkdtemp

    def recording_mkdtemp(prefix: str) -> str:
        made = original(prefix=prefix)
        spill_dirs.append(Path(made))
        return made

    monkeypatch.setattr(uniqueness, "SPILL_BYTES", 10_000)
    monkeypatch.setattr(uniqueness.tempfile, "mkdtemp", recording_mkdtemp)
    spilled = validate_file(path, "d", compiled, "c", Options(block_size=32 << 10))
    assert spill_dirs, "the key store never spilled"
    assert not any(d.exists() for d in spill_dirs), "spill directory left behind"
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
    partitioned = validate_file(path, "d", compiled, "c", Options(block_size=32 << 10, max_examples=100))
    assert len(searched) == uniqueness.PARTITIONS and sum(searched) == 30_005
    searched.clear()
    monkeypatch.setattr(uniqueness, "PARTITIONS", 1)
    whole = validate_file(path, "d", compiled, "c", Options(block_size=32 << 10, max_examples=100))
    assert searched == [30_005]
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


def test_reader_stays_a_few_blocks_ahead_of_the_consumer(tmp_path: Path) -> None:
    from pipecheck.contract.model import CsvDialect
    from pipecheck.readers.csv import CsvReader
    from pipecheck.readers.source import DecodeLog

    path = tmp_path / "data.csv"
    write_rows(path, 200_000, duplicate_at=0, negative_every=100_000)
    block = 256 << 10
    reader = CsvReader(path, CsvDialect(), None, DecodeLog(), block_size=block)
    names = reader.header()
    bytes_per_row = path.stat().st_size / 200_000
    consumed_rows = 0
    most_ahead = 0.0
    # Quoted values from row 1000 on: pyarrow's streaming reader parses this file.
    for batch in reader.batches(len(names), {name: i for i, name in enumerate(names)}):
        consumed_rows += batch.height
        most_ahead = max(most_ahead, reader.bytes_done() - consumed_rows * bytes_per_row)
    assert consumed_rows == 200_000
    assert most_ahead < 8 * block, "pyarrow read far ahead of the batches consumed"


SIMPLE_FILES = {
    "plain": "id,amount,note\n1,-1,a\n2,5,b\n3,-2,c\n",
    "no final newline": "id,amount,note\n1,-1,a\n2,5,b\n3,-2,c",
    "crlf": "id,amount,note\r\n1,-1,a\r\n2,5,b\r\n3,-2,c\r\n",
    "blank line": "id,amount,note\n1,-1,a\n\n2,5,b\n3,-2,c\n",
    "leading blank line": "\nid,amount,note\n1,-1,a\n2,5,b\n3,-2,c\n",
    "quoted newline": 'id,amount,note\n1,-1,"a\nb"\n2,5,b\n3,-2,c\n',
    "short row": "id,amount,note\n1,-1,a\n2,5\n3,-2,c\n",
}


@pytest.mark.parametrize("name", SIMPLE_FILES)
def test_line_numbers_without_a_second_pass_equal_the_located_ones(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipecheck.readers.csv import CsvReader

    path = tmp_path / "data.csv"
    path.write_bytes(SIMPLE_FILES[name].encode())
    compiled = compile_contract(CONTRACT)
    fast = validate_file(path, "d", compiled, "c", Options())
    monkeypatch.setattr(CsvReader, "one_line_per_record", lambda self, records: False)
    located = validate_file(path, "d", compiled, "c", Options())
    assert [f.to_dict() for f in fast.findings] == [f.to_dict() for f in located.findings]
    (low,) = [f for f in fast.findings if f.check == "min"]
    assert low.examples[-1].row == 3


def test_one_line_per_record_is_recognised_only_when_true(tmp_path: Path) -> None:
    from pipecheck.contract.model import CsvDialect
    from pipecheck.readers.csv import CsvReader
    from pipecheck.readers.source import DecodeLog

    verdicts = {}
    for name, text in SIMPLE_FILES.items():
        path = tmp_path / "f.csv"
        path.write_bytes(text.encode())
        reader = CsvReader(path, CsvDialect(), None, DecodeLog())
        names = reader.header()
        rows = sum(b.height for b in reader.batches(len(names), {"id": 0})) + reader.malformed.count
        verdicts[name] = reader.one_line_per_record(rows)
    assert verdicts == {
        "plain": True,
        "no final newline": True,
        "crlf": True,
        "blank line": False,
        "leading blank line": False,
        "quoted newline": False,
        "short row": True,
    }


def test_duplicates_found_across_narrow_and_wide_stored_keys() -> None:
    """Integer keys that fit in 32 bits are stored narrow; a batch with a larger key stays wide.
    A key repeated across the two kinds of batch is still one key."""
    compiled = compile_contract(CONTRACT)
    store = uniqueness.KeyStore()
    narrow = pl.DataFrame({"id": [5, 6, 7]}).with_row_index(uniqueness.ORDINAL)
    wide = pl.DataFrame({"id": [2**40, 5, 7, None]}).with_row_index(uniqueness.ORDINAL, offset=3)
    store.add(narrow)
    store.add(wide)
    assert {piece["id"].dtype for pieces in store.held.values() for piece in pieces} == {pl.Int32, pl.Int64}
    (found,) = uniqueness.find_duplicates({("id",): store}, compiled, max_examples=10)
    assert (found.count, found.ordinals, found.values) == (4, [0, 4, 2, 5], ["5", "5", "7", "7"])
