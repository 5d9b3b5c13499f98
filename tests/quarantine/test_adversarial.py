"""Quarantine misused as an adversarial user would: each case here was a bug once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result

CONTRACT = """
contract: s
columns:
  id: {type: integer, unique: true}
  a: {type: integer, min: 0}
"""


@pytest.fixture
def dataset(tmp_path: Path) -> tuple[Path, Path]:
    directory = tmp_path / "ds"
    directory.mkdir()
    (directory / "p1.csv").write_bytes(b"id,a\n1,2\n2,-1\n")
    (directory / "p2.csv").write_bytes(b"id,a\n3,5\n")
    contract = tmp_path / "c.yaml"
    contract.write_text(CONTRACT, encoding="utf-8")
    return directory, contract


@pytest.mark.parametrize("inside", [".", "q", "x/q"])
def test_a_quarantine_dir_inside_the_dataset_it_splits_is_refused(
    dataset: tuple[Path, Path], inside: str, cli: Callable[..., Result]
) -> None:
    # Its outputs would be members of the dataset on the next run: records counted twice.
    directory, contract = dataset
    q = directory / inside
    result = cli("validate", directory, "-c", contract, "--quarantine", q)
    assert result.exit_code == 2, result
    assert result.stderr.splitlines()[0] == (
        f"pipecheck: error: {q}: the quarantine directory is inside the dataset directory {directory}, "
        "whose next run would read its outputs as members"
    )
    assert sorted(p.name for p in directory.rglob("*")) == ["p1.csv", "p2.csv"]


def test_a_skipped_folder_of_the_dataset_may_hold_its_quarantine(
    dataset: tuple[Path, Path], cli: Callable[..., Result]
) -> None:
    directory, contract = dataset
    q = directory / "_quarantine"  # a name the dataset listing skips, as Spark does
    for _ in range(2):
        result = cli("validate", directory, "-c", contract, "--quarantine", q, "--max-invalid", "1")
        assert result.exit_code == 0, result
        assert "2 valid" in result.stdout and "1 invalid" in result.stdout
