"""The contract loader: every problem located as file:line:col: path: message, nothing accepted silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipecheck.contract.loader import load_contract, parse_contract
from pipecheck.errors import ContractError, UsageError

VALID = """\
contract: orders
version: 1.2.0
match: ["data/orders*.csv"]
csv: {delimiter: ";", encoding: latin-1, header: true, null_values: ["", "NA"]}
columns:
  order_id: {type: integer, unique: true}
  amount: {type: float, min: 0, max: 100000}
  created_at: {type: datetime, format: "%Y-%m-%dT%H:%M:%S"}
  day: {type: date, min: 2020-01-01, max: "2030-12-31"}
checks:
  row_count: {min: 1}
  unique_together: [[order_id, created_at]]
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ContractError) as caught:
        parse_contract(text, "schemas/orders.yaml")
    return [str(p) for p in caught.value.problems]


def test_valid_contract_loads_with_defaults() -> None:
    contract = parse_contract(VALID)
    assert contract.contract == "orders"
    assert contract.version == "1.2.0"
    assert contract.csv.delimiter == ";"
    assert contract.extra_columns == "error"
    assert contract.columns["order_id"].required is True
    assert contract.columns["order_id"].nullable is False
    assert contract.checks.unique_together == [["order_id", "created_at"]]


def test_wrong_value_type_is_located_at_its_node() -> None:
    text = VALID.replace("min: 0, max: 100000", "min: zero, max: 100000")
    assert problems(text) == ["schemas/orders.yaml:7:30: columns.amount.min: expected a number, got 'zero'"]


def test_misspelled_key_is_rejected_with_a_suggestion() -> None:
    text = VALID.replace("{type: integer, unique: true}", "{type: integer, nulable: true}")
    assert problems(text) == [
        "schemas/orders.yaml:6:29: columns.order_id.nulable: unknown key 'nulable' (did you mean 'nullable'?)"
    ]


def test_unknown_type_name_suggests_the_close_one() -> None:
    text = VALID.replace("type: integer", "type: integr")
    (message,) = problems(text)
    assert message.startswith("schemas/orders.yaml:6:20: columns.order_id.type: expected one of")
    assert "(did you mean 'integer'?)" in message


def test_min_greater_than_max_is_rejected() -> None:
    text = VALID.replace("min: 0, max: 100000", "min: 10, max: 1")
    (message,) = problems(text)
    assert "columns.amount: min (10) is greater than max (1)" in message


def test_invalid_regex_is_rejected() -> None:
    text = VALID.replace("{type: integer, unique: true}", "{type: string, pattern: '(('}")
    (message,) = problems(text)
    assert "columns.order_id.pattern: invalid regular expression" in message


def test_every_problem_is_reported_not_just_the_first() -> None:
    text = VALID.replace("type: integer", "type: integr").replace("min: 0,", "min: x,")
    assert len(problems(text)) == 2


def test_missing_required_key() -> None:
    (message,) = problems("contract: x\n")
    assert message == "schemas/orders.yaml:1:1: columns: missing required key 'columns'"


def test_duplicate_keys_are_an_error() -> None:
    (message,) = problems("contract: x\ncolumns:\n  a: {type: string}\n  a: {type: integer}\n")
    assert message == "schemas/orders.yaml:4:3: columns.a: duplicate key 'a'"


def test_yaml_syntax_error_is_located() -> None:
    (message,) = problems("contract: x\ncolumns: [\n")
    assert message.startswith("schemas/orders.yaml:3:1: invalid YAML")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "- a\n- b\n",
        "!!python/object/apply:os.system ['echo pwned']\n",
        "contract: x\ncolumns: !!python/name:os.system {}\n",
    ],
)
def test_unsafe_or_non_mapping_yaml_is_a_contract_error(text: str) -> None:
    assert problems(text)


def test_alias_bomb_is_refused() -> None:
    text = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    for i in range(1, 9):
        text += f"{chr(97 + i)}: &{chr(97 + i)} [*{chr(96 + i)},*{chr(96 + i)},*{chr(96 + i)},*{chr(96 + i)}]\n"
    assert any("too many nodes" in p for p in problems(text))


def test_rules_that_do_not_fit_the_type_are_rejected() -> None:
    text = VALID.replace("{type: integer, unique: true}", "{type: integer, pattern: '[0-9]+'}")
    assert any("pattern: only for string columns" in p for p in problems(text))
    text = VALID.replace("{type: integer, unique: true}", "{type: string, format: '%Y'}")
    assert any("format: only for date/datetime" in p for p in problems(text))


def test_unique_together_must_name_declared_columns_at_their_position() -> None:
    text = VALID.replace("[[order_id, created_at]]", "[[order_id, nope]]")
    (problem,) = [p for p in problems(text) if "unknown column 'nope'" in p]
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "nope" in row)
    assert problem.split(":")[1] == str(line) and ".unique_together[0][1]:" in problem


def test_a_unique_together_key_naming_a_column_twice_is_refused_at_its_position() -> None:
    text = VALID.replace("[[order_id, created_at]]", "[[order_id, order_id]]")
    (problem,) = [p for p in problems(text) if "named twice" in p]
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "[[order_id, order_id]]" in row)
    assert problem.split(":")[1] == str(line) and problem.endswith(
        ".unique_together[0][1]: column 'order_id' is named twice"
    )


def test_an_empty_allowed_list_and_bounds_read_as_sentences() -> None:
    text = "contract: c\ncolumns:\n  a: {type: string, allowed: []}\n  b: {type: string, max_length: -1}\n"
    found = problems(text)
    assert any(p.endswith("columns.a.allowed: must not be empty") for p in found), found
    assert any(p.endswith("columns.b.max_length: must be >= 0, got -1") for p in found), found


def test_unknown_encoding_is_rejected() -> None:
    assert any("unknown encoding 'utf-99'" in p for p in problems(VALID.replace("latin-1", "utf-99")))


def test_load_contract_reports_missing_and_directory_paths(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="contract file not found"):
        load_contract(tmp_path / "nope.yaml")
    with pytest.raises(UsageError, match="is a directory"):
        load_contract(tmp_path)
