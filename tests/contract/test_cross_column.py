"""Cross-column rules (checks.compare, checks.expression): loaded, and every defect located at its YAML node."""

from __future__ import annotations

import polars as pl
import pytest

from pipecheck.contract.loader import parse_contract
from pipecheck.contract.model import contract_json_schema, polars_dtypes
from pipecheck.errors import ContractError, ContractProblem

COLUMNS = """\
contract: orders
columns:
  order_id: {type: integer}
  amount: {type: float}
  quantity: {type: integer}
  status: {type: string}
  paid: {type: boolean}
  refunded: {type: boolean}
  created_at: {type: datetime}
  ship_date: {type: date}
  "ship date (local)": {type: date}
checks:
"""
FIRST_CHECK_LINE = COLUMNS.count("\n") + 1  # the line just after "checks:"


def problem(checks: str) -> ContractProblem:
    """The single problem of a contract whose checks: block is ``checks`` (indented by two)."""
    with pytest.raises(ContractError) as caught:
        parse_contract(COLUMNS + checks, "schemas/orders.yaml")
    (found,) = caught.value.problems
    assert "\n" not in found.message
    assert "Traceback" not in found.message
    return found


def position(checks: str, token: str) -> tuple[int, int]:
    """1-based line and column where ``token`` first appears in the checks block."""
    for number, line in enumerate(checks.splitlines()):
        if token in line:
            return FIRST_CHECK_LINE + number, line.index(token) + 1
    raise AssertionError(token)


def test_compare_and_expression_load_with_defaults() -> None:
    contract = parse_contract(
        COLUMNS
        + """\
  compare:
    - {left: ship_date, op: ">=", right: created_at, description: shipped after ordering}
    - {left: amount, op: ">", right: quantity, severity: warning}
    - {left: paid, op: "!=", right: refunded}
  expression:
    - sql: "amount * quantity < 100000 OR status = 'cancelled'"
    - {sql: "amount >= 0", name: non-negative, severity: warning}
"""
    )
    first, second, third = contract.checks.compare
    assert (first.left, first.op, first.right, first.severity) == ("ship_date", ">=", "created_at", "error")
    assert first.description == "shipped after ordering"
    assert second.severity == "warning"
    assert third.op == "!="
    rule, named = contract.checks.expression
    assert rule.name == rule.sql == "amount * quantity < 100000 OR status = 'cancelled'"
    assert rule.severity == "error"
    assert (named.name, named.severity) == ("non-negative", "warning")


def test_checks_default_to_no_cross_column_rules() -> None:
    contract = parse_contract(COLUMNS.removesuffix("checks:\n"))
    assert contract.checks.compare == []
    assert contract.checks.expression == []


def test_compare_unknown_left_column_is_located_at_left() -> None:
    checks = "  compare:\n    - {left: shipdate, op: '>=', right: created_at}\n"
    found = problem(checks)
    assert (found.line, found.column) == position(checks, "shipdate") == (FIRST_CHECK_LINE + 1, 14)
    assert found.path == "checks.compare[0].left"
    assert found.message.startswith("unknown column 'shipdate' (did you mean 'ship_date'?)")
    assert "order_id, amount" in found.message


def test_compare_unknown_right_column_is_located_at_right() -> None:
    checks = "  compare:\n    - left: ship_date\n      op: '>='\n      right: created\n"
    found = problem(checks)
    assert (found.line, found.column) == position(checks, "created") == (FIRST_CHECK_LINE + 3, 14)
    assert found.path == "checks.compare[0].right"
    assert "unknown column 'created' (did you mean 'created_at'?)" in found.message


def test_compare_of_a_column_with_itself_is_rejected() -> None:
    checks = "  compare:\n    - {left: amount, op: '<', right: amount}\n"
    found = problem(checks)
    assert (found.line, found.column) == position(checks, "amount}")
    assert found.path == "checks.compare[0].right"
    assert "same column as left" in found.message


def test_incomparable_types_are_located_at_the_rule() -> None:
    checks = (
        "  compare:\n    - {left: amount, op: '<', right: quantity}\n    - {left: ship_date, op: '<', right: amount}\n"
    )
    found = problem(checks)
    assert (found.line, found.column) == position(checks, "{left: ship_date") == (FIRST_CHECK_LINE + 2, 7)
    assert found.path == "checks.compare[1]"
    assert found.message == "ship_date is a date and amount is a float; they cannot be compared"


def test_booleans_are_compared_only_for_equality() -> None:
    checks = "  compare:\n    - {left: paid, op: '<', right: refunded}\n"
    found = problem(checks)
    assert (found.line, found.column) == position(checks, "'<'")
    assert found.path == "checks.compare[0].op"
    assert "only with == or !=" in found.message


def test_unknown_compare_operator_is_a_choice_error() -> None:
    found = problem("  compare:\n    - {left: amount, op: '=<', right: quantity}\n")
    assert found.path == "checks.compare[0].op"
    assert found.message.startswith("expected one of")


def test_unknown_key_in_a_rule_suggests_the_close_one() -> None:
    found = problem("  expression:\n    - {sql: 'amount > 0', severty: warning}\n")
    assert found.path == "checks.expression[0].severty"
    assert "(did you mean 'severity'?)" in found.message


def test_expression_unknown_column_names_the_known_ones() -> None:
    checks = '  expression:\n    - sql: "amout > 0 AND quantity > 0"\n'
    found = problem(checks)
    assert (found.line, found.column) == position(checks, '"amout') == (FIRST_CHECK_LINE + 1, 12)
    assert found.path == "checks.expression[0].sql"
    assert "unknown column 'amout' (did you mean 'amount'?)" in found.message
    assert "the contract's columns are: order_id, amount, quantity" in found.message


def test_expression_column_names_are_case_sensitive_with_a_hint() -> None:
    found = problem("  expression:\n    - sql: AMOUNT > 0\n")
    assert "unknown column 'AMOUNT' (did you mean 'amount'?)" in found.message


def test_non_boolean_expression_is_rejected() -> None:
    checks = "  expression:\n    - {name: total, sql: amount + 1}\n"
    found = problem(checks)
    assert (found.line, found.column) == position(checks, "amount + 1")
    assert found.message == "'amount + 1' is not a true/false condition: it yields Float64 values"


def test_type_error_in_expression_is_one_line() -> None:
    found = problem("  expression:\n    - sql: status > 1\n")
    assert found.message == "'status > 1' is not a true/false condition: cannot compare string with numeric type (i32)"
    found = problem("  expression:\n    - sql: ship_date < 'soon'\n")
    assert found.message.startswith("\"ship_date < 'soon'\" is not a true/false condition: cannot compare")


def test_sql_syntax_error_is_rejected() -> None:
    checks = "  expression:\n    - sql: 'amount > (1 +'\n"
    found = problem(checks)
    assert (found.line, found.column) == position(checks, "'amount")
    assert "is not a valid SQL expression" in found.message


@pytest.mark.parametrize(
    "sql",
    [
        "1; DROP TABLE x",
        "amount > 0; DROP TABLE orders",
        "SELECT amount FROM orders",
        "DROP TABLE orders",
        "amount > 0 LIMIT 1",
    ],
)
def test_statements_are_not_expressions(sql: str) -> None:
    found = problem(f'  expression:\n    - sql: "{sql}"\n')
    assert found.path == "checks.expression[0].sql"
    assert "is not a valid SQL expression" in found.message


@pytest.mark.parametrize("sql", ["amount IN (SELECT 1)", "(SELECT amount FROM orders) > 1"])
def test_subqueries_are_rejected(sql: str) -> None:
    found = problem(f'  expression:\n    - sql: "{sql}"\n')
    assert found.path == "checks.expression[0].sql"
    assert "not a" in found.message


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("SUM(amount) > 0", "an aggregate"),
        ("amount > AVG(amount)", "an aggregate"),
        ("amount > LAG(amount) OVER (ORDER BY order_id)", "a window function"),
        ("ROW_NUMBER() OVER () > 1 AND amount > 0", "a row count"),
    ],
)
def test_conditions_over_more_than_one_row_are_rejected(sql: str, kind: str) -> None:
    found = problem(f'  expression:\n    - sql: "{sql}"\n')
    assert f"is not a row-level condition: it uses {kind}" in found.message


def test_constant_condition_is_rejected() -> None:
    found = problem("  expression:\n    - sql: 'TRUE'\n")
    assert "references no column" in found.message


def test_quoted_odd_column_name_works() -> None:
    contract = parse_contract(COLUMNS + """  expression:\n    - sql: '"ship date (local)" >= created_at'\n""")
    assert contract.checks.expression[0].sql == '"ship date (local)" >= created_at'


def test_unquoted_odd_column_name_is_an_error() -> None:
    found = problem("  expression:\n    - sql: 'ship date (local) >= created_at'\n")
    assert found.path == "checks.expression[0].sql"


@pytest.mark.parametrize(
    "sql",
    [
        "status LIKE 'can%' OR status IN ('open', 'paid')",
        "status ~ '^[a-z]+$' AND LENGTH(status) <= 20",
        "amount BETWEEN 0 AND 1000 AND quantity % 2 = 0",
        "COALESCE(amount, 0) >= 0 AND amount IS NOT NULL",
        "CASE WHEN paid THEN amount > 0 ELSE TRUE END",
        "CAST(quantity AS DOUBLE) <= amount",
        "EXTRACT(YEAR FROM created_at) >= 2000 AND ship_date >= created_at",
        "NOT paid OR NOT refunded",
    ],
)
def test_common_sql_forms_are_accepted(sql: str) -> None:
    contract = parse_contract(COLUMNS + f'  expression:\n    - sql: "{sql}"\n')
    assert contract.checks.expression[0].name == sql


def test_every_bad_rule_is_reported_at_its_own_node() -> None:
    with pytest.raises(ContractError) as caught:
        parse_contract(
            COLUMNS
            + "  compare:\n    - {left: nope, op: '<', right: amount}\n"
            + "  expression:\n    - sql: amount + 1\n    - sql: amount > 0\n    - sql: 'amount >'\n",
            "c.yaml",
        )
    where = [(p.path, p.line) for p in caught.value.problems]
    assert where == [
        ("checks.compare[0].left", FIRST_CHECK_LINE + 1),
        ("checks.expression[0].sql", FIRST_CHECK_LINE + 3),
        ("checks.expression[2].sql", FIRST_CHECK_LINE + 5),
    ]


def test_polars_dtypes_cover_every_column_type() -> None:
    assert polars_dtypes() == {
        "integer": pl.Int64(),
        "float": pl.Float64(),
        "string": pl.String(),
        "boolean": pl.Boolean(),
        "date": pl.Date(),
        "datetime": pl.Datetime("us"),
    }


def test_json_schema_describes_the_new_keys() -> None:
    schema = contract_json_schema()
    checks = schema["$defs"]["TableChecks"]["properties"]
    assert "description" in checks["compare"] and "description" in checks["expression"]
    assert schema["$defs"]["Compare"]["properties"]["op"]["enum"] == ["==", "!=", "<", "<=", ">", ">="]
    expression = schema["$defs"]["Expression"]
    assert expression["required"] == ["sql"]
    assert "default" not in expression["properties"]["name"]


@pytest.mark.parametrize("item", ["{}", "{sql: 123}", "{sql: ''}", "{name: x}"])
def test_a_bad_or_missing_sql_is_one_problem_at_sql(item: str) -> None:
    found = problem(f"  expression:\n    - {item}\n")
    assert found.path == "checks.expression[0].sql"


def test_an_empty_name_is_rejected() -> None:
    found = problem("  expression:\n    - {sql: amount > 0, name: ''}\n")
    assert found.path == "checks.expression[0].name"
