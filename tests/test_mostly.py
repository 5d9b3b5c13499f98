"""`mostly`: a rule holds when at least that fraction of its non-null values pass; below it the
finding is an error, at or above it a warning carrying the observed fraction."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipecheck.checking import check_batch, plan_checks
from pipecheck.cli import app
from pipecheck.compile import compile_contract
from pipecheck.contract.loader import parse_contract
from pipecheck.contract.model import VALUE_RULES, ColumnSpec
from pipecheck.engine import Options, validate_file
from pipecheck.errors import ContractError
from pipecheck.findings import FileReport, Finding
from pipecheck.readers.base import ReadOptions
from pipecheck.readers.registry import open_reader
from pipecheck.rules import COLUMN_RULES
from pipecheck.tally import Tally
from pipecheck.tolerance import Tolerance, held_by_mostly
from tests.conftest import run_subprocess


def validate(tmp_path: Path, contract: str, data: str | Path, **options: Any) -> FileReport:
    path = data if isinstance(data, Path) else tmp_path / "data.csv"
    if not isinstance(data, Path):
        path.write_text(data, encoding="utf-8")
    return validate_file(path, "data.csv", compile_contract(parse_contract(contract)), "c.yaml", Options(**options))


def only(report: FileReport, check: str) -> Finding:
    (finding,) = [f for f in report.findings if f.check == check]
    return finding


def amounts(passing: int, failing: int, nulls: int = 0) -> str:
    return "amount\n" + "5\n" * passing + "-1\n" * failing + "NA\n" * nulls


AMOUNT = "contract: t\ncsv: {null_values: ['', NA]}\ncolumns:\n  amount: {type: float, min: 0, nullable: true, %s}\n"


# ---------------------------------------------------------------- the contract


def test_value_rules_are_the_column_rules_judged_value_by_value() -> None:
    """VALUE_RULES (the model cannot import rules.py) names every column rule but nullable, and a
    column has one of them exactly when rules.py applies it."""
    assert set(VALUE_RULES) == {rule.name for rule in COLUMN_RULES} - {"nullable"}
    specs = [
        ColumnSpec(type="string"),
        ColumnSpec(type="string", pattern="a", min_length=1, max_length=3, allowed=["a"]),
        ColumnSpec(type="integer", min=0, max=3, multiple_of=2),
        ColumnSpec(type="date"),
    ]
    for spec in specs:
        applied = {rule.name for rule in COLUMN_RULES if rule.applies(spec)} - {"nullable"}
        assert set(spec.value_rules()) == applied


@pytest.mark.parametrize(
    ("column", "where", "message"),
    [
        ("{type: float, mostly: {pattern: 0.9}}", "3:29: columns.a.mostly.pattern", "the column has no pattern rule"),
        ("{type: float, min: 0, mostly: {unique: 0.9}}", "3:37: columns.a.mostly.unique", "not apply to unique"),
        ("{type: float, min: 0, mostly: {nullable: 0.9}}", "3:37: columns.a.mostly.nullable", "nulls are what"),
        ("{type: float, min: 0, mostly: {mni: 0.9}}", "3:37: columns.a.mostly.mni", "did you mean 'min'?"),
        ("{type: string, mostly: {type: 0.9}}", "3:30: columns.a.mostly.type", "a string column has no type rule"),
        ("{type: string, mostly: 0.9}", "3:29: columns.a.mostly", "the column has no rule mostly applies to"),
        ("{type: float, mostly: {}}", "3:20: columns.a.mostly", "must not be empty"),
        ("{type: float, mostly: 0}", "3:28: columns.a.mostly", "must be > 0, got 0"),
        ("{type: float, mostly: 1.01}", "3:28: columns.a.mostly", "must be a fraction <= 1 (0.99 for 99%), got 1.01"),
        ("{type: float, mostly: '99%'}", "3:28: columns.a.mostly", "got '99%' (write 99% as 0.99)"),
        ("{type: float, mostly: {type: '95 %'}}", "3:35: columns.a.mostly.type", "(write 95 % as 0.95)"),
        ("{type: float, mostly: true}", "3:28: columns.a.mostly", "expected a number, got True"),
        ("{type: float, mostly: '0.9'}", "3:28: columns.a.mostly", "got the text '0.9' (write it without quotes)"),
        ("{type: float, mostly: 1e-3}", "3:28: columns.a.mostly", "'1e-3' (YAML needs a point: 1.0e-3)"),
        ("{type: float, mostly: .nan}", "3:28: columns.a.mostly", "got nan"),
    ],
)
def test_a_mostly_the_column_cannot_use_is_a_contract_error_at_its_position(
    column: str, where: str, message: str
) -> None:
    with pytest.raises(ContractError) as raised:
        parse_contract(f"contract: t\ncolumns:\n  a: {column}\n", "c.yaml")
    (problem,) = raised.value.problems
    assert f"{problem.line}:{problem.column}: {problem.path}" == where
    assert message in problem.message


def test_table_checks_take_a_mostly_and_refuse_a_bad_one_at_its_position() -> None:
    head = "contract: t\ncolumns:\n  a: {type: integer}\n  b: {type: integer}\nchecks:\n"
    parse_contract(
        head + "  compare: [{left: a, op: '<', right: b, mostly: 0.9}]\n  expression: [{sql: a > 0, mostly: 1}]"
    )
    with pytest.raises(ContractError) as raised:
        parse_contract(head + "  compare:\n    - {left: a, op: '<', right: b, mostly: 2}\n", "c.yaml")
    (problem,) = raised.value.problems
    assert (problem.line, problem.column, problem.path) == (7, 44, "checks.compare[0].mostly")


def test_the_json_schema_describes_mostly() -> None:
    from pipecheck.contract.model import contract_json_schema

    schema = json.dumps(contract_json_schema())
    assert '"mostly"' in schema and "non-null values that must pass" in schema


# ---------------------------------------------------------------- results


def test_exactly_the_fraction_passing_is_a_warning_with_the_observed_fraction(tmp_path: Path) -> None:
    report = validate(tmp_path, AMOUNT % "mostly: 0.99", amounts(99, 1, nulls=50))
    finding = only(report, "min")
    assert (finding.severity, finding.count) == ("warning", 1)
    assert finding.message == "amount must be >= 0: 99.0% of 100 values pass (mostly 99%)"
    assert finding.to_dict()["mostly"] == {"required": 0.99, "observed": 0.99, "evaluated": 100}
    assert report.ok


def test_one_value_below_the_fraction_is_an_error_saying_both_fractions(tmp_path: Path) -> None:
    report = validate(tmp_path, AMOUNT % "mostly: 0.99", amounts(98, 2))
    finding = only(report, "min")
    assert finding.severity == "error" and not report.ok
    assert finding.message == "amount must be >= 0: 98.0% of 100 values pass, mostly 99% required"
    assert finding.to_dict()["mostly"] == {"required": 0.99, "observed": 0.98, "evaluated": 100}


def test_a_fraction_just_below_is_never_shown_as_reaching_it(tmp_path: Path) -> None:
    """98.96% rounds to 99.0%: shown rounded down, so an error never reads as a pass."""
    report = validate(tmp_path, AMOUNT % "mostly: 0.99", amounts(9896, 104))
    assert only(report, "min").message.endswith(": 98.9% of 10,000 values pass, mostly 99% required")
    finer = validate(tmp_path, AMOUNT % "mostly: 0.995", amounts(9949, 51))
    assert only(finer, "min").message.endswith(": 99.49% of 10,000 values pass, mostly 99.5% required")


def test_mostly_1_is_no_mostly_and_nothing_failing_is_no_finding(tmp_path: Path) -> None:
    strict = validate(tmp_path, AMOUNT % "mostly: 1", amounts(99, 1))
    finding = only(strict, "min")
    assert (finding.severity, finding.message, finding.mostly) == ("error", "amount must be >= 0", None)
    assert validate(tmp_path, AMOUNT % "mostly: 0.5", amounts(10, 0, nulls=3)).findings == []
    assert validate(tmp_path, AMOUNT % "mostly: 0.5", amounts(0, 0, nulls=3)).findings == []  # nothing judged


def test_a_mapping_sets_the_fraction_per_rule_and_leaves_the_others_strict(tmp_path: Path) -> None:
    contract = (
        "contract: t\ncolumns:\n  code: {type: string, pattern: '[A-Z]+', max_length: 3, mostly: {pattern: 0.5}}\n"
    )
    report = validate(tmp_path, contract, "code\nABC\nabc\nABCD\nABC\n")
    pattern, length = only(report, "pattern"), only(report, "max_length")
    assert pattern.severity == "warning" and pattern.message.endswith("75.0% of 4 values pass (mostly 50%)")
    assert (length.severity, length.mostly) == ("error", None)


def test_type_counts_present_non_null_text_and_min_only_what_parsed(tmp_path: Path) -> None:
    contract = AMOUNT % "mostly: {type: 0.75, min: 0.75}"
    report = validate(tmp_path, contract, "amount\n1\nx\n2\nNA\n\n3\n-1\n-2\n")
    kind, low = only(report, "type"), only(report, "min")
    assert kind.severity == "warning" and kind.message.endswith("83.3% of 6 values pass (mostly 75%)")
    assert low.severity == "error" and low.message.endswith("60.0% of 5 values pass, mostly 75% required")


def test_a_warning_column_stays_a_warning_below_its_mostly(tmp_path: Path) -> None:
    report = validate(tmp_path, AMOUNT % "mostly: 0.99, severity: warning", amounts(1, 1))
    finding = only(report, "min")
    assert finding.severity == "warning" and finding.message.endswith("mostly 99% required")


def test_compare_and_expression_count_rows_their_columns_decide(tmp_path: Path) -> None:
    contract = (
        "contract: t\ncolumns:\n  a: {type: integer, nullable: true}\n  b: {type: integer, nullable: true}\n"
        "checks:\n  compare: [{left: a, op: '<', right: b, mostly: 0.6}]\n"
        "  expression: [{sql: 'b - a > 0', name: big, mostly: 0.8}]\n"
    )
    # rows 1-3 pass both; row 4 fails both; row 5 has a null (neither judges it)
    report = validate(tmp_path, contract, "a,b\n1,2\n1,3\n2,4\n5,1\n,1\n")
    compare, expression = only(report, "compare"), only(report, "expression")
    assert compare.severity == "warning" and compare.message == "a must be < b: 75.0% of 4 rows pass (mostly 60%)"
    assert expression.severity == "error"
    assert expression.message == "rows must satisfy big (b - a > 0): 75.0% of 4 rows pass, mostly 80% required"
    assert expression.to_dict()["mostly"]["evaluated"] == 4


def test_counts_are_exact_across_batches(tmp_path: Path) -> None:
    """10,000 failing of 1,000,000: 99.0% across ~60 batches; one more failing row is an error."""
    data = "amount\n" + "-1\n" * 10_000 + "7\n" * 990_000
    held = only(validate(tmp_path, AMOUNT % "mostly: 0.99", data, block_size=32 << 10), "min")
    assert held.severity == "warning" and held.message.endswith("99.0% of 1,000,000 values pass (mostly 99%)")
    data = "amount\n" + "-1\n" * 10_001 + "7\n" * 989_999
    missed = only(validate(tmp_path, AMOUNT % "mostly: 0.99", data, block_size=32 << 10), "min")
    assert missed.severity == "error" and missed.mostly is not None and missed.mostly.evaluated == 1_000_000


def test_parquet_values_are_judged_as_stored_and_converted(tmp_path: Path) -> None:
    """Stored as double for an integer column: 1.5 fails `type`, nulls are not judged."""
    path = tmp_path / "data.parquet"
    values = [1.0, 2.0, 1.5, None, -3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    pq.write_table(pa.table({"n": pa.array(values, pa.float64())}), path)
    contract = "contract: t\ncolumns:\n  n: {type: integer, nullable: true, min: 0, mostly: 0.9}\n"
    report = validate(tmp_path, contract, path)
    kind, low = only(report, "type"), only(report, "min")
    assert kind.severity == "warning" and kind.message.endswith("90.9% of 11 values pass (mostly 90%)")
    assert low.severity == "warning" and low.message.endswith(": 90.0% of 10 values pass (mostly 90%)")
    pq.write_table(pa.table({"n": pa.array([*values, -1.0], pa.float64())}), path)
    assert only(validate(tmp_path, contract, path), "min").severity == "error"  # 9 of 11: 81.8%


def test_a_dataset_directory_is_judged_over_all_its_members(tmp_path: Path) -> None:
    """a.csv alone passes 90%; with b.csv 99 of 100: the dataset holds at 0.99."""
    folder = tmp_path / "ds"
    folder.mkdir()
    (folder / "a.csv").write_text(amounts(9, 1), encoding="utf-8")
    (folder / "b.csv").write_text(amounts(90, 0, nulls=4), encoding="utf-8")
    report = validate(tmp_path, AMOUNT % "mostly: 0.99", folder)
    finding = only(report, "min")
    assert finding.severity == "warning" and finding.message.endswith("99.0% of 100 values pass (mostly 99%)")
    assert [(e.file, e.row) for e in finding.examples] == [("a.csv", 10)]
    (folder / "c.csv").write_text(amounts(0, 1), encoding="utf-8")
    assert only(validate(tmp_path, AMOUNT % "mostly: 0.99", folder), "min").severity == "error"


def test_fail_fast_does_not_stop_at_a_rule_that_may_still_hold(tmp_path: Path) -> None:
    data = "amount\n" + "-1\n" * 50 + "7\n" * 100_000
    report = validate(tmp_path, AMOUNT % "mostly: 0.99", data, block_size=16 << 10, fail_fast=True)
    assert report.rows == 100_050 and only(report, "min").severity == "warning"
    strict = validate(tmp_path, AMOUNT % "mostly: 1", data, block_size=16 << 10, fail_fast=True)
    assert strict.rows is not None and strict.rows < 100_050  # an error without mostly still stops it


def test_held_by_mostly_names_the_rules_whose_failures_are_tolerated(tmp_path: Path) -> None:
    contract = parse_contract(
        "contract: t\ncolumns:\n  a: {type: integer, min: 0, max: 5, mostly: {min: 0.5, max: 0.9}}\n"
        "  b: {type: integer, min: 0}\n"
    )
    compiled = compile_contract(contract)
    path = tmp_path / "d.csv"
    path.write_text("a,b\n-1,1\n6,1\n3,1\n4,1\n", encoding="utf-8")
    reader = open_reader(path, ReadOptions(contract.csv))
    plan = plan_checks(compiled, ["a", "b"], text=True, max_examples=5)
    tally = Tally(5)
    for work in reader.batches({"c0": 0, "c1": 1}):
        tally = tally.merge(Tally.of(check_batch(plan, work.parse()), 0, 5))
    reader.close()
    by_check = {(r.columns[0], r.check): r.id for r in compiled.rules}
    # min: 3 of 4 pass (held at 0.5); max: 3 of 4 (not held at 0.9); b's rules have no mostly
    assert held_by_mostly(tally, compiled) == {by_check[("a", "min")]}


def test_an_expression_that_cannot_run_does_not_hold_whatever_its_mostly(tmp_path: Path) -> None:
    contract = parse_contract(
        "contract: t\ncolumns:\n  s: {type: string}\nchecks:\n"
        "  expression: [{sql: 'CAST(s AS INTEGER) > 0', mostly: 0.5}]\n"
    )
    compiled = compile_contract(contract)
    path = tmp_path / "d.csv"
    path.write_text("s\nabc\n3\n", encoding="utf-8")
    report = validate_file(path, "d.csv", compiled, "c.yaml", Options())
    (finding,) = report.findings
    assert finding.severity == "error" and "could not be evaluated" in finding.message and finding.mostly is None
    plan = plan_checks(compiled, ["s"], text=True, max_examples=5)
    partial = check_batch(plan, pl.DataFrame({"c0": ["abc", "3"]}))
    assert held_by_mostly(Tally.of(partial, 0, 5), compiled) == frozenset()


def test_a_tiny_or_long_fraction_is_shown_briefly() -> None:
    assert Tolerance(1e-300, failed=2, judged=3).text("value") == "33.3% of 3 values pass (mostly 1e-298%)"
    long = Tolerance(0.123456789012345, failed=2, judged=3).text("value")
    assert long == "33.33333% of 3 values pass (mostly 12.3457%)"
    assert Tolerance(0.5, failed=1, judged=1).text("row") == "0.0% of 1 row pass, mostly 50% required"


def test_the_verdict_is_exact_for_fractions_binary_floats_cannot_hold() -> None:
    assert Tolerance(0.1, failed=9, judged=10).held  # Fraction(0.1) is slightly above 1/10
    assert Tolerance(0.7, failed=3, judged=10).held
    assert not Tolerance(0.7, failed=4, judged=10).held
    assert Tolerance(0.5, failed=0, judged=0).held and Tolerance(0.5, 0, 0).observed == 1.0


# ---------------------------------------------------------------- against an oracle


VALUES = st.lists(st.sampled_from(["1", "2", "0", "-1", "-7", "x", "", "NA"]), max_size=120)
FRACTIONS = st.sampled_from([0.01, 0.1, 0.25, 0.5, 0.6, 0.7, 0.75, 0.9, 0.95, 0.99, 0.999]) | st.floats(0.001, 0.999)


@given(values=VALUES, type_mostly=FRACTIONS, min_mostly=FRACTIONS)
@settings(max_examples=60, deadline=None)
def test_the_severity_of_each_finding_is_the_plain_python_verdict(
    tmp_path_factory: pytest.TempPathFactory, values: list[str], type_mostly: float, min_mostly: float
) -> None:
    tmp_path = tmp_path_factory.mktemp("oracle")
    contract = AMOUNT.replace("float", "integer") % f"mostly: {{type: {type_mostly!r}, min: {min_mostly!r}}}"
    report = validate(tmp_path, contract, "amount\n" + "".join(f"{v}\n" for v in values), block_size=64)
    present = [v for v in values if v not in ("", "NA")]
    numbers = [int(v) for v in present if v != "x"]
    expected: dict[str, tuple[str, int, int]] = {}
    for check, judged, failed, mostly in (
        ("type", len(present), present.count("x"), type_mostly),
        ("min", len(numbers), sum(n < 0 for n in numbers), min_mostly),
    ):
        if failed:
            held = Decimal(judged - failed) >= Decimal(repr(mostly)) * judged
            expected[check] = ("warning" if held else "error", failed, judged)
    found = {f.check: (f.severity, f.count, f.mostly.evaluated if f.mostly else -1) for f in report.findings}
    assert found == expected


# ---------------------------------------------------------------- the command line


def test_exit_codes_through_cli_runner_and_a_process(tmp_path: Path) -> None:
    contract = tmp_path / "c.yaml"
    contract.write_text(AMOUNT % "mostly: 0.99", encoding="utf-8")
    holds, fails = tmp_path / "holds.csv", tmp_path / "fails.csv"
    holds.write_text(amounts(99, 1), encoding="utf-8")
    fails.write_text(amounts(98, 2), encoding="utf-8")
    for path, code in ((holds, 0), (fails, 1)):
        args = ["validate", str(path), "-c", str(contract), "--format", "json"]
        runner, process = CliRunner().invoke(app, args), run_subprocess(*args)
        for exit_code, stdout in ((runner.exit_code, runner.stdout), (process.exit_code, process.stdout)):
            assert exit_code == code
            (finding,) = json.loads(stdout)["files"][0]["findings"]
            assert finding["mostly"]["required"] == 0.99 and finding["mostly"]["evaluated"] == 100
    warned = run_subprocess("validate", holds, "-c", contract, "--fail-on", "warning")
    assert warned.exit_code == 1 and "99.0% of 100 values pass (mostly 99%)" in warned.stdout
    contract.write_text(AMOUNT % "mostly: {unique: 0.9}", encoding="utf-8")
    bad = run_subprocess("validate", holds, "-c", contract)
    assert bad.exit_code == 2 and "columns.amount.mostly.unique: mostly does not apply to unique" in bad.stderr
    assert "Traceback" not in bad.stderr
