"""Adversarial tests of the header found in a prefix of the first block, unlaid first and last
blocks located a prefix at a time, and unique keys searched whole, by partition or spilled.

Every row, line and count is held to the csv module (`oracle_places`) or to a plain count.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipecheck.cli import app
from pipecheck.contract.model import CsvDialect
from pipecheck.readers.base import Place, ReadOptions, settled
from pipecheck.readers.csv import CsvReader
from tests.messy.test_unlaid_blocks import oracle_places


def read(
    path: Path, block_size: int, asks: list[list[int]] | None = None
) -> tuple[list[str], int, dict[int, Place], CsvReader]:
    """The header, the row count, and the places of the rows asked for (all of them by default),
    asked in turn."""
    reader = CsvReader(path, None, ReadOptions(CsvDialect(), block_size=block_size))
    names = reader.columns()
    rows = sum(batch.rows for batch in settled(reader.batches({f"c{i}": i for i in range(len(names))})))
    found: dict[int, Place] = {}
    for ask in asks if asks is not None else [list(range(rows))]:
        found.update(reader.locate([row for row in ask if row < rows]))
    return names, rows, found, reader


def run_cli(path: Path, contract: str, *extra: str) -> dict:
    spec = path.parent / "contract.yaml"
    spec.write_text(contract)
    result = CliRunner().invoke(
        app, ["validate", str(path), "--contract", str(spec), "--format", "json", *extra], catch_exceptions=False
    )
    return json.loads(result.stdout)["files"][0]


# ---------------------------------------------------------------- the header's prefix


def stray_quote_export(lead: int) -> bytes:
    """A header with a stray quote (the csv module lays out the first block's prefix), then rows
    of two- and three-byte characters: one of them straddles the 64 kB prefix's end for some `lead`."""
    header = "z" * lead + 'a,b"c,d\n'
    rows, size, i = [], len(header), 0
    while size < 70_000:
        rows.append(f"{i},é€,x\n")
        size += len(rows[-1].encode())
        i += 1
    return (header + "".join(rows)).encode()


@pytest.mark.parametrize("lead", range(6))
def test_a_character_across_the_end_of_the_headers_prefix_is_not_a_decoding_error(tmp_path: Path, lead: int) -> None:
    """Found: the 64 kB prefix laid out to find the header was cut inside a UTF-8 character and
    the csv module's layout of it raised UnicodeDecodeError: a valid file was `unreadable`."""
    data = stray_quote_export(lead)
    path = tmp_path / "data.csv"
    path.write_bytes(data)
    expected = oracle_places(data.decode(), CsvDialect())
    names, rows, found, _ = read(path, 1 << 16)
    assert names == ["z" * lead + "a", 'b"c', "d"]
    assert rows == len(expected) and [found[i] for i in range(rows)] == expected


def test_a_character_across_the_headers_prefix_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(stray_quote_export(4))
    contract = 'contract: c\ncolumns:\n  zzzza: {type: integer}\n  b"c: {type: string}\n  d: {type: string}\n'
    report = run_cli(path, contract)
    assert [f["check"] for f in report["findings"]] == [] and report["rows"] == len(
        oracle_places(path.read_text(), CsvDialect())
    )
