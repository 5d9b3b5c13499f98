"""Cross-column rules (checks.compare, checks.expression) through the engine: counts, rows, lines, values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from pipecheck.cli import app
from pipecheck.compile import compile_contract, pandera_schema
from pipecheck.contract.loader import parse_contract
from pipecheck.engine import Options, validate_file

HEADER = "id,created_at,ship_date,amount,qty,odd name\n"
ROWS = [
    "1,2024-01-02T10:00:00,2024-01-01,5,3,a",  # shipped before created
    "2,2024-01-01T00:00:00,2024-01-01,50,3,b",  # 150: too large a total; ship = created (midnight)
    "3,2024-01-05T00:00:00,,1,-1,c",  # null ship_date passes the compare; qty -1
    "4,2024-01-05T00:00:00,2024-01-06,,2,",  # null amount: the expression is null, the row passes
]
CONTRACT = """\
contract: x
columns:
  id: {type: integer}
  created_at: {type: datetime}
  ship_date: {type: date, nullable: true}
  amount: {type: float, nullable: true}
  qty: {type: integer}
  odd name: {type: string, nullable: true}
checks:
  compare:
    - {left: ship_date, op: ">=", right: created_at}
  expression:
    - {sql: "amount * qty < 100", name: small_total}
    - {sql: "qty > 0 AND \\"odd name\\" <> 'zzz'", severity: warning}
"""


def findings(tmp_path: Path, rows: list[str] = ROWS, contract: str = CONTRACT) -> dict[str, list[dict[str, Any]]]:
    path = tmp_path / "x.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    report = validate_file(path, "x.csv", compile_contract(parse_contract(contract)), "x.yaml", Options())
    out: dict[str, list[dict[str, Any]]] = {}
    for finding in report.findings:
        out.setdefault(finding.check, []).append(finding.to_dict())
    return out


def test_compare_names_both_columns_and_shows_each_value(tmp_path: Path) -> None:
    (compare,) = findings(tmp_path)["compare"]
    assert compare["column"] == "ship_date,created_at"
    assert compare["message"] == "ship_date must be >= created_at"
    assert compare["count"] == 1
    assert [(e["row"], e["line"], e["value"]) for e in compare["examples"]] == [
        (1, 2, "ship_date=2024-01-01, created_at=2024-01-02T10:00:00")
    ]


def test_expressions_are_evaluated_per_row_with_their_own_severity(tmp_path: Path) -> None:
    total, positive = findings(tmp_path)["expression"]
    assert (total["column"], total["count"], total["severity"]) == ("amount,qty", 1, "error")
    assert total["message"] == "rows must satisfy small_total (amount * qty < 100)"
    assert [(e["row"], e["value"]) for e in total["examples"]] == [(2, "amount=50, qty=3")]
    assert (positive["column"], positive["severity"]) == ("qty,odd name", "warning")
    assert [(e["row"], e["value"]) for e in positive["examples"]] == [(3, "qty=-1, odd name=c")]


# rows: 1<2, 1<2.0, 5==5, 3>1.5; the rows where `a op b` is false
FAILING_ROWS = {"==": [1, 2, 4], "!=": [3], "<": [3, 4], "<=": [4], ">": [1, 2, 3], ">=": [1, 2]}


@pytest.mark.parametrize("op", FAILING_ROWS)
def test_every_operator_compares_numbers_row_by_row(op: str, tmp_path: Path) -> None:
    contract = (
        "contract: c\ncolumns:\n  a: {type: integer}\n  b: {type: float}\n"
        f"checks:\n  compare: [{{left: a, op: '{op}', right: b}}]\n"
    )
    path = tmp_path / "c.csv"
    path.write_text("a,b\n1,2\n1,2.0\n5,5\n3,1.5\n", encoding="utf-8")
    report = validate_file(path, "c", compile_contract(parse_contract(contract)), "c", Options())
    rows = [e.row for f in report.findings if f.check == "compare" for e in f.examples]
    assert rows == FAILING_ROWS[op]


def test_a_type_failure_in_an_operand_is_reported_as_type_not_compare(tmp_path: Path) -> None:
    rows = ["1,2024-01-02T10:00:00,not a date,5,3,a"]
    found = findings(tmp_path, rows)
    assert "compare" not in found
    assert [f["column"] for f in found["type"]] == ["ship_date"]


def test_cross_column_rules_agree_with_pandera_validate_on_typed_frames() -> None:
    compiled = compile_contract(parse_contract(CONTRACT))
    import datetime as dt

    import pandera.polars as pa

    frame = pl.DataFrame(
        {
            "id": [1, 2, 3],
            "created_at": [dt.datetime(2024, 1, 2, 10), dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 5)],
            "ship_date": [dt.date(2024, 1, 1), dt.date(2024, 1, 1), None],
            "amount": [5.0, 50.0, 1.0],
            "qty": [3, 3, -1],
            "odd name": ["a", "b", "c"],
        }
    )
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        pandera_schema(compiled).validate(frame, lazy=True)
    cases = caught.value.failure_cases.filter(pl.col("column").is_null() | (pl.col("column") == "x"))
    by_check = sorted(zip(cases["check"].to_list(), cases["index"].to_list(), strict=True))
    assert by_check == [("compare", 0), ("expression", 1), ("expression", 2)]


def test_json_report_and_sarif_describe_the_new_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.csv").write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    (tmp_path / "x.yaml").write_text(CONTRACT, encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", "x.csv", "-c", "x.yaml", "--format", "sarif"])
    assert result.exit_code == 1, result.output
    rules = {
        r["id"]: r["shortDescription"]["text"] for r in json.loads(result.stdout)["runs"][0]["tool"]["driver"]["rules"]
    }
    assert rules["compare"].startswith("Two columns of a row")
    assert rules["expression"].startswith("Rows do not satisfy")
