"""An integer column exported by pandas with missing values reads `181.0`: a whole number is an integer."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from pipecheck.cli import app
from tests.conftest import run_subprocess

Validate = Callable[..., tuple[int, Any]]

PENGUINS = """\
contract: penguins
columns:
  species: {type: string}
  flipper_length_mm: {type: integer, nullable: true, min: 180, unique: true}
"""
DATA = "species,flipper_length_mm\nA,181.0\nA,186.\nA,\nG,-3.00\nG,186.5\nG,186\nC,1e3\n"


def rows(report: Any, check: str) -> list[tuple[int, str | None]]:
    (finding,) = [f for f in report["files"][0]["findings"] if f["check"] == check]
    return [(e["row"], e["value"]) for e in finding["examples"]]


def test_whole_floats_are_integers_and_rules_see_their_value(validate_json: Validate) -> None:
    code, report = validate_json(PENGUINS, DATA)
    assert code == 1
    assert rows(report, "type") == [(5, "186.5"), (7, "1e3")]  # reported verbatim
    assert rows(report, "min") == [(4, "-3.00")]
    assert rows(report, "unique") == [(2, "186"), (6, "186")]  # 186. and 186 are the same integer


def test_json_lines_numbers_follow_the_same_rule(validate_json: Validate) -> None:
    lines = [{"species": "A", "flipper_length_mm": v} for v in (181.0, 190, None, 186.5, "200.00")]
    text = "".join(json.dumps(line) + "\n" for line in lines).replace("181.0", "181.000")
    code, report = validate_json(PENGUINS, text, name="p.jsonl")
    assert code == 1
    assert rows(report, "type") == [(4, "186.5")]


def test_whole_floats_through_typer_and_a_real_process(tmp_path: Path) -> None:
    contract = tmp_path / "c.yaml"
    contract.write_text(PENGUINS, encoding="utf-8")
    data = tmp_path / "p.csv"
    data.write_text("species,flipper_length_mm\nA,181.0\nB,\nC,190.00\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(data), "-c", str(contract), "--format", "json"])
    assert result.exit_code == 0, result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("species,flipper_length_mm\nA,181.5\n", encoding="utf-8")
    process = run_subprocess("validate", data, bad, "-c", contract, "--format", "json")
    assert process.exit_code == 1
    good, failed = json.loads(process.stdout)["files"]
    assert good["ok"] and not failed["ok"]
    assert failed["findings"][0]["examples"][0]["value"] == "181.5"
