"""multiple_of: the rule added to show that a rule is one definition (rules.py) and one test."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipecheck.compile import compile_contract
from pipecheck.contract.loader import parse_contract
from pipecheck.engine import Options, validate_file
from pipecheck.errors import ContractError


def test_values_off_the_step_are_reported_with_rows_and_nulls_pass(tmp_path: Path) -> None:
    contract = parse_contract(
        "contract: c\ncolumns:\n  price: {type: float, nullable: true, multiple_of: 0.01}\n  id: {type: integer}\n"
    )
    path = tmp_path / "p.csv"
    path.write_text("price,id\n0.07,1\n1.005,2\n,3\n19.99,4\n-3.333,5\n100,6\n", encoding="utf-8")
    report = validate_file(path, "p", compile_contract(contract), "c", Options())
    (finding,) = report.findings
    assert (finding.check, finding.column, finding.count) == ("multiple_of", "price", 2)
    assert finding.message == "price must be a multiple of 0.01"
    assert [(e.row, e.line, e.value) for e in finding.examples] == [(2, 3, "1.005"), (5, 6, "-3.333")]


def test_multiple_of_is_for_numbers_only() -> None:
    with pytest.raises(ContractError, match="multiple_of: only for integer and float columns"):
        parse_contract("contract: c\ncolumns:\n  s: {type: string, multiple_of: 2}\n")
