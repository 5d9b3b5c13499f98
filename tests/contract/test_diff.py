"""Contract diff: every change is classified by whom it can break (producers, consumers), both directions.

The model: a change breaks producers when a file that held the old contract can fail the new one,
and consumers when a file can hold the new contract that the old one refused. The oracle for the
property tests is that definition applied to the same change run backwards.
"""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipecheck.changes import Change
from pipecheck.contract.column_diff import COLUMN_KEYS, GATED_KEYS
from pipecheck.contract.diff import CONTRACT_KEYS, CSV_KEYS, PARQUET_KEYS, diff_contracts, locate
from pipecheck.contract.loader import contract_positions, parse_contract
from pipecheck.contract.model import (
    ColumnSpec,
    Compare,
    Contract,
    CsvDialect,
    Expression,
    ParquetOptions,
    RowCount,
    TableChecks,
)
from pipecheck.contract.table_diff import TABLE_KEYS

BASE: dict[str, Any] = {
    "contract": "orders",
    "columns": {
        "id": {"type": "integer"},
        "amount": {"type": "float"},
        "status": {"type": "string"},
        "day": {"type": "date"},
        "at": {"type": "datetime"},
    },
}


def make(columns: dict[str, Any] | None = None, **top: Any) -> Contract:
    data = copy.deepcopy(BASE)
    for name, spec in (columns or {}).items():
        if spec is None:
            del data["columns"][name]
        else:
            data["columns"][name] = spec
    data.update(top)
    return Contract.model_validate(data)


def only(old: Contract, new: Contract) -> Change:
    changes = diff_contracts(old, new)
    assert len(changes) == 1, changes
    return changes[0]


# ---------------------------------------------------------------- one column key at a time, both ways


COLUMN_CASES = [
    # (column, old spec, new spec, kind, breaking_for old->new)
    ("id", {"type": "integer"}, {"type": "float"}, "type", "consumers"),
    ("amount", {"type": "float"}, {"type": "integer"}, "type", "producers"),
    ("id", {"type": "integer"}, {"type": "string"}, "type", "both"),
    ("day", {"type": "date"}, {"type": "datetime"}, "type", "both"),
    ("id", {"type": "integer"}, {"type": "integer", "nullable": True}, "nullable", "consumers"),
    ("id", {"type": "integer", "nullable": True}, {"type": "integer"}, "nullable", "producers"),
    ("id", {"type": "integer"}, {"type": "integer", "unique": True}, "unique", "producers"),
    ("id", {"type": "integer"}, {"type": "integer", "required": False}, "required", "consumers"),
    ("id", {"type": "integer", "min": 0}, {"type": "integer", "min": 1}, "min", "producers"),
    ("id", {"type": "integer"}, {"type": "integer", "min": 1}, "min", "producers"),
    ("id", {"type": "integer", "max": 10}, {"type": "integer", "max": 5}, "max", "producers"),
    ("amount", {"type": "float", "max": 10}, {"type": "float", "max": 10.5}, "max", "consumers"),
    ("day", {"type": "date", "min": "2024-01-01"}, {"type": "date", "min": "2024-02-01"}, "min", "producers"),
    (
        "at",
        {"type": "datetime", "max": "2024-01-01T00:00:00+01:00"},
        {"type": "datetime", "max": "2024-01-01"},
        "max",
        "consumers",
    ),
    ("status", {"type": "string", "allowed": ["a", "b"]}, {"type": "string", "allowed": ["a"]}, "allowed", "producers"),
    ("status", {"type": "string", "allowed": ["a"]}, {"type": "string", "allowed": ["b"]}, "allowed", "both"),
    ("status", {"type": "string"}, {"type": "string", "allowed": ["a"]}, "allowed", "producers"),
    ("status", {"type": "string", "pattern": "a|b"}, {"type": "string", "pattern": "b|a|c"}, "pattern", "consumers"),
    ("status", {"type": "string", "pattern": "[a-z]+"}, {"type": "string", "pattern": "[a-y]+"}, "pattern", "both"),
    ("status", {"type": "string"}, {"type": "string", "pattern": "x+"}, "pattern", "producers"),
    ("status", {"type": "string", "min_length": 1}, {"type": "string", "min_length": 2}, "min_length", "producers"),
    ("status", {"type": "string", "max_length": 9}, {"type": "string", "max_length": 10}, "max_length", "consumers"),
    (
        "amount",
        {"type": "float", "multiple_of": 0.01},
        {"type": "float", "multiple_of": 0.05},
        "multiple_of",
        "producers",
    ),
    ("amount", {"type": "float", "multiple_of": 0.02}, {"type": "float", "multiple_of": 0.03}, "multiple_of", "both"),
    ("day", {"type": "date"}, {"type": "date", "format": "%d/%m/%Y"}, "format", "both"),
    ("at", {"type": "datetime"}, {"type": "datetime", "timezone": "aware"}, "timezone", "producers"),
    ("at", {"type": "datetime", "timezone": "naive"}, {"type": "datetime", "timezone": "aware"}, "timezone", "both"),
    ("id", {"type": "integer"}, {"type": "integer", "severity": "warning"}, "severity", "consumers"),
    ("id", {"type": "integer"}, {"type": "integer", "description": "the key"}, "description", "none"),
    ("id", {"type": "integer", "min": 0}, {"type": "integer", "min": 0, "mostly": 0.99}, "mostly", "consumers"),
    ("id", {"type": "integer", "mostly": 0.9}, {"type": "integer", "mostly": 0.99}, "mostly", "producers"),
    (
        "status",
        {"type": "string", "pattern": "a", "max_length": 3, "mostly": {"pattern": 0.9}},
        {"type": "string", "pattern": "a", "max_length": 3, "mostly": {"pattern": 0.99, "max_length": 0.9}},
        "mostly",
        "both",
    ),
]

MIRRORED = {"producers": "consumers", "consumers": "producers", "both": "both", "none": "none"}


@pytest.mark.parametrize(("column", "before", "after", "kind", "breaking"), COLUMN_CASES)
def test_each_column_change_is_classified_and_its_reverse_mirrors_it(
    column: str, before: dict[str, Any], after: dict[str, Any], kind: str, breaking: str
) -> None:
    old, new = make({column: before}), make({column: after})
    forward, backward = only(old, new), only(new, old)
    assert (forward.kind, forward.column, forward.breaking_for) == (kind, column, breaking), forward
    assert (backward.kind, backward.breaking_for) == (kind, MIRRORED[breaking]), backward
    assert forward.path[:2] == ("columns", column)


def test_equal_meanings_written_differently_are_no_change() -> None:
    old = make(
        {
            "amount": {"type": "float", "min": 0, "allowed": [1, 2]},
            "day": {"type": "date"},
            "at": {"type": "datetime", "max": "2024-01-01T01:00:00+01:00"},
            "status": {"type": "string", "pattern": "a|b"},
        }
    )
    new = make(
        {
            "amount": {"type": "float", "min": 0.0, "allowed": [2.0, 1.0]},
            "day": {"type": "date", "format": "%Y-%m-%d"},
            "at": {"type": "datetime", "max": "2024-01-01T00:00:00"},
            "status": {"type": "string", "pattern": "b|a"},
        }
    )
    assert diff_contracts(old, new) == []


def test_a_warning_columns_rules_break_no_one_but_its_severity_change_does() -> None:
    old = make({"id": {"type": "integer", "severity": "warning"}})
    new = make({"id": {"type": "integer", "severity": "warning", "min": 5}})
    change = only(old, new)
    assert change.breaking_for == "none" and "severity: warning" in (change.hint or "")
    stricter = make({"id": {"type": "integer", "min": 5}})
    kinds = {c.kind: c.breaking_for for c in diff_contracts(old, stricter)}
    assert kinds == {"severity": "producers", "min": "none"}


def test_required_is_judged_whatever_the_severity() -> None:
    old = make({"id": {"type": "integer", "severity": "warning", "required": False}})
    new = make({"id": {"type": "integer", "severity": "warning"}})
    assert only(old, new).breaking_for == "producers"  # a missing required column is always an error


def test_type_change_names_format_and_timezone_once() -> None:
    old = make({"day": {"type": "date", "format": "%d.%m.%Y"}})
    new = make({"day": {"type": "string"}})
    change = only(old, new)
    assert change.kind == "type" and "format %d.%m.%Y" in change.message
    assert "Parquet" in (change.hint or "")


# ---------------------------------------------------------------- columns added and removed


def test_a_new_required_column_breaks_producers_and_consumers_of_a_strict_contract() -> None:
    change = only(make(), make({"sku": {"type": "string"}}))
    assert (change.kind, change.breaking_for) == ("column_added", "both")
    lenient = only(make(extra_columns="ignore"), make({"sku": {"type": "string"}}, extra_columns="ignore"))
    assert lenient.breaking_for == "producers"


def test_a_new_optional_column_breaks_producers_only_where_extra_columns_were_tolerated() -> None:
    optional = {"sku": {"type": "integer", "required": False}}
    assert only(make(), make(optional)).breaking_for == "consumers"
    assert only(make(extra_columns="warn"), make(optional, extra_columns="warn")).breaking_for == "producers"
    anything = {"sku": {"type": "string", "required": False, "nullable": True}}
    assert only(make(extra_columns="ignore"), make(anything, extra_columns="ignore")).breaking_for == "none"


def test_a_removed_column_breaks_consumers_and_producers_whose_files_still_carry_it() -> None:
    change = only(make(), make({"status": None}))
    assert (change.kind, change.breaking_for, change.side) == ("column_removed", "both", "old")
    lenient = only(make(extra_columns="ignore"), make({"status": None}, extra_columns="ignore"))
    assert lenient.breaking_for == "consumers"
    optional = make({"status": {"type": "string", "required": False}})
    assert only(optional, make({"status": None})).breaking_for == "producers"


def test_a_removed_and_an_added_column_with_the_same_rules_hint_a_rename() -> None:
    old = make({"status": {"type": "string", "allowed": ["a"], "description": "old text"}})
    new = make({"status": None, "state": {"type": "string", "allowed": ["a"]}})
    hints = {c.kind: c.hint for c in diff_contracts(old, new)}
    assert hints == {"column_removed": "renamed to 'state'?", "column_added": "renamed from 'status'?"}


def test_a_new_contract_is_all_added_and_breaks_no_one() -> None:
    changes = diff_contracts(None, make())
    assert [c.kind for c in changes] == ["contract_added"] + ["column_added"] * 5
    assert not any(c.breaking for c in changes)


# ---------------------------------------------------------------- the table and the dialect


TABLE_CASES = [
    ({}, {"extra_columns": "warn"}, "extra_columns", "consumers"),
    ({"extra_columns": "warn"}, {"extra_columns": "ignore"}, "extra_columns", "none"),
    ({}, {"ordered": True}, "ordered", "producers"),
    ({}, {"csv": {"delimiter": ";"}}, "csv.delimiter", "both"),
    ({}, {"csv": {"delimiter": ","}}, "csv.delimiter", "both"),  # a .tsv file was tab-separated before
    ({}, {"csv": {"encoding": "latin-1"}}, "csv.encoding", "both"),
    ({}, {"csv": {"null_values": ["", "NA"]}}, "csv.null_values", "both"),
    ({}, {"csv": {"header": False}}, "csv.header", "both"),
    ({}, {"match": ["data/*.csv"]}, "match", "producers"),
    ({}, {"version": "2"}, "version", "none"),
    ({}, {"description": "x"}, "description", "none"),
    ({}, {"contract": "orders2"}, "contract", "none"),
    ({}, {"checks": {"row_count": {"min": 1}}}, "checks.row_count.min", "producers"),
    (
        {"checks": {"row_count": {"max": 9}}},
        {"checks": {"row_count": {"max": 10}}},
        "checks.row_count.max",
        "consumers",
    ),
    ({}, {"checks": {"unique_together": [["id", "day"]]}}, "checks.unique_together", "producers"),
    ({}, {"checks": {"compare": [{"left": "id", "op": "<", "right": "amount"}]}}, "checks.compare", "producers"),
    (
        {"checks": {"compare": [{"left": "id", "op": "<", "right": "amount"}]}},
        {"checks": {"compare": [{"left": "amount", "op": ">=", "right": "id"}]}},
        "checks.compare",
        "consumers",
    ),
    (
        {"checks": {"compare": [{"left": "id", "op": "<", "right": "amount"}]}},
        {"checks": {"compare": [{"left": "id", "op": ">", "right": "amount"}]}},
        "checks.compare",
        "both",
    ),
    (
        {},
        {"checks": {"compare": [{"left": "id", "op": "<", "right": "amount", "severity": "warning"}]}},
        "checks.compare",
        "none",
    ),
    ({}, {"checks": {"expression": [{"sql": "id > 0"}]}}, "checks.expression", "producers"),
    (
        {"checks": {"expression": [{"sql": "id > 0", "name": "pos"}]}},
        {"checks": {"expression": [{"sql": "id >= 0", "name": "pos"}]}},
        "checks.expression",
        "both",
    ),
    (
        {"checks": {"expression": [{"sql": "id > 0"}]}},
        {"checks": {"expression": [{"sql": "id > 0", "severity": "warning"}]}},
        "checks.expression",
        "consumers",
    ),
    (
        {"checks": {"expression": [{"sql": "id > 0", "mostly": 0.99}]}},
        {"checks": {"expression": [{"sql": "id > 0", "mostly": 0.9}]}},
        "checks.expression",
        "consumers",
    ),
    (
        {"checks": {"expression": [{"sql": "id > 0", "mostly": 0.9}]}},
        {"checks": {"expression": [{"sql": "id > 0"}]}},
        "checks.expression",
        "producers",
    ),
    (
        {"checks": {"expression": [{"sql": "id > 0", "mostly": 0.9, "severity": "warning"}]}},
        {"checks": {"expression": [{"sql": "id > 0", "mostly": 0.5, "severity": "warning"}]}},
        "checks.expression",
        "none",
    ),
    (
        {"checks": {"compare": [{"left": "id", "op": "<", "right": "amount"}]}},
        {"checks": {"compare": [{"left": "id", "op": "<", "right": "amount", "mostly": 0.99}]}},
        "checks.compare",
        "consumers",
    ),
    (
        {"checks": {"compare": [{"left": "id", "op": "<", "right": "amount", "mostly": 0.9}]}},
        {"checks": {"compare": [{"left": "id", "op": "<=", "right": "amount", "mostly": 0.95}]}},
        "checks.compare",
        "both",
    ),
    (
        {"checks": {"compare": [{"left": "id", "op": "<", "right": "amount", "mostly": 0.9}]}},
        {"checks": {"compare": [{"left": "amount", "op": ">=", "right": "id", "mostly": 0.8}]}},
        "checks.compare",
        "consumers",
    ),
    (
        {"checks": {"compare": [{"left": "id", "op": "<", "right": "amount", "mostly": 0.9}]}},
        {"checks": {"compare": [{"left": "id", "op": "<", "right": "amount", "mostly": 1}]}},
        "checks.compare",
        "producers",
    ),
    (
        {"checks": {"compare": [{"left": "id", "op": "<", "right": "amount"}]}},
        {
            "checks": {
                "compare": [
                    {"left": "id", "op": "<", "right": "amount"},
                    {"left": "id", "op": "<", "right": "amount", "mostly": 0.5},
                ]
            }
        },
        "checks.compare",
        "none",
    ),
]


def test_mostly_changes_say_which_rule_moved_and_a_warning_column_breaks_no_one() -> None:
    column = {"type": "integer", "min": 0, "max": 9, "mostly": {"min": 0.9}}
    change = only(make({"id": column}), make({"id": {**column, "mostly": {"min": 0.95, "max": 0.99}}}))
    assert change.message == "id: mostly raised for min 0.9 -> 0.95 and lowered for max 1 -> 0.99"
    assert change.breaking_for == "both"
    warned = {**column, "severity": "warning"}
    change = only(make({"id": warned}), make({"id": {**warned, "mostly": 0.5}}))
    assert change.breaking_for == "none" and "severity: warning" in (change.hint or "")
    assert diff_contracts(make({"id": column}), make({"id": {**column, "mostly": {"min": 0.9, "max": 1}}})) == []
    same = {"type": "integer", "mostly": 0.9}  # the type rule is its only value rule either way
    assert diff_contracts(make({"id": same}), make({"id": {"type": "integer", "mostly": {"type": 0.9}}})) == []


@pytest.mark.parametrize(("before", "after", "kind", "breaking"), TABLE_CASES)
def test_each_table_change_is_classified_and_its_reverse_mirrors_it(
    before: dict[str, Any], after: dict[str, Any], kind: str, breaking: str
) -> None:
    old, new = make(**before), make(**after)
    forward, backward = only(old, new), only(new, old)
    assert (forward.kind, forward.breaking_for) == (kind, breaking), forward
    assert (backward.kind, backward.breaking_for) == (kind, MIRRORED[breaking]), backward


def test_unique_together_implied_by_a_unique_column_breaks_no_one() -> None:
    old = make({"id": {"type": "integer", "unique": True}})
    new = make({"id": {"type": "integer", "unique": True}}, checks={"unique_together": [["day", "id"]]})
    change = only(old, new)
    assert change.breaking_for == "none" and "implied by unique column 'id'" in change.message
    assert only(new, old).breaking_for == "none"


def test_reordered_columns_matter_only_when_order_is_part_of_the_contract() -> None:
    reordered = {**BASE, "columns": dict(reversed(list(BASE["columns"].items())))}
    assert diff_contracts(make(), Contract.model_validate(reordered)) == []
    change = only(make(ordered=True), Contract.model_validate({**reordered, "ordered": True}))
    assert (change.kind, change.breaking_for) == ("column_order", "both")


# ---------------------------------------------------------------- every key of the model is judged


def test_every_model_key_has_a_judge() -> None:
    """A key added to the contract model later fails here until the diff judges it."""
    assert set(ColumnSpec.model_fields) == set(COLUMN_KEYS)
    assert set(GATED_KEYS) <= set(COLUMN_KEYS)
    assert set(Contract.model_fields) == set(CONTRACT_KEYS)
    assert set(CsvDialect.model_fields) == set(CSV_KEYS)
    assert set(ParquetOptions.model_fields) == set(PARQUET_KEYS)
    assert set(TableChecks.model_fields) == set(TABLE_KEYS)


# One changed value per key of every model: each must give at least one change naming it.
ALTERED_COLUMN = {
    "type": {"type": "float"},
    "required": {"required": False},
    "nullable": {"nullable": True},
    "unique": {"unique": True},
    "min": {"min": 1},
    "max": {"max": 1},
    "allowed": {"allowed": [1]},
    "multiple_of": {"multiple_of": 2},
    "severity": {"severity": "warning"},
    "mostly": {"mostly": 0.9},
    "description": {"description": "d"},
    "drift": {"drift": False},
}
ALTERED_STRING = {"pattern": {"pattern": "a"}, "min_length": {"min_length": 1}, "max_length": {"max_length": 1}}
ALTERED_DATETIME = {"format": {"format": "%Y"}, "timezone": {"timezone": "aware"}}
ALTERED_CSV = {
    "delimiter": ";",
    "quotechar": "'",
    "escapechar": "\\",
    "doublequote": False,
    "encoding": "latin-1",
    "header": False,
    "null_values": ["NA"],
    "comment": "#",
}
ALTERED_TOP = {
    "contract": "x",
    "version": "9",
    "description": "d",
    "match": ["*.csv"],
    "extra_columns": "ignore",
    "ordered": True,
    "drift": {"schema_change": "error"},
    "quarantine": {"max_invalid": "1%"},
}
ALTERED_PARQUET = {"storage_mismatch": "error"}
ALTERED_COMPARE = {
    "left": "amount",
    "op": ">",
    "right": "amount",
    "severity": "warning",
    "mostly": 0.9,
    "description": "d",
}
ALTERED_EXPRESSION = {"sql": "id > 1", "name": "n", "severity": "warning", "mostly": 0.9, "description": "d"}


def test_every_model_key_changed_alone_is_reported() -> None:
    assert set(ALTERED_COLUMN) | set(ALTERED_STRING) | set(ALTERED_DATETIME) == set(ColumnSpec.model_fields)
    assert set(ALTERED_CSV) == set(CsvDialect.model_fields)
    assert set(ALTERED_TOP) | {"csv", "parquet", "columns", "checks"} == set(Contract.model_fields)
    assert set(ALTERED_PARQUET) == set(ParquetOptions.model_fields)
    assert set(ALTERED_COMPARE) == set(Compare.model_fields)
    assert set(ALTERED_EXPRESSION) == set(Expression.model_fields)
    assert set(RowCount.model_fields) == {"min", "max"}
    cases: list[tuple[Contract, Contract, str]] = []
    for key, spec in ALTERED_COLUMN.items():
        cases.append((make(), make({"id": {"type": "integer", **spec}}), key))
    for key, spec in ALTERED_STRING.items():
        cases.append((make(), make({"status": {"type": "string", **spec}}), key))
    for key, spec in ALTERED_DATETIME.items():
        cases.append((make(), make({"at": {"type": "datetime", **spec}}), key))
    for key, value in ALTERED_CSV.items():
        cases.append((make(), make(csv={key: value}), f"csv.{key}"))
    for key, value in ALTERED_TOP.items():
        cases.append((make(), make(**{key: value}), key))
    for key, value in ALTERED_PARQUET.items():
        cases.append((make(), make(parquet={key: value}), f"parquet.{key}"))
    compare = {"left": "id", "op": "<", "right": "amount"}
    for key, value in ALTERED_COMPARE.items():
        if key == "right":
            value = "day"  # noqa: PLW2901 - a comparable other column
            compare_new = {**compare, "left": "at", "right": "day"}
        else:
            compare_new = {**compare, key: value} if key != "left" else {**compare, "left": "amount", "right": "id"}
        old, new = make(checks={"compare": [compare]}), make(checks={"compare": [compare_new]})
        cases.append((old, new, "checks.compare"))
    for key, value in ALTERED_EXPRESSION.items():
        old = make(checks={"expression": [{"sql": "id > 0"}]})
        cases.append((old, make(checks={"expression": [{"sql": "id > 0", key: value}]}), "checks.expression"))
    for key in ("min", "max"):
        cases.append(
            (
                make(checks={"row_count": {"min": 1, "max": 9}}),
                make(checks={"row_count": {"min": 1, "max": 9, key: 5}}),
                f"checks.row_count.{key}",
            )
        )
    cases.append((make(), make(checks={"unique_together": [["id", "day"]]}), "checks.unique_together"))
    cases.append((make(), make(parquet={"storage_mismatch": "error"}), "parquet.storage_mismatch"))
    for old, new, kind in cases:
        assert kind in {c.kind for c in diff_contracts(old, new)}, kind


def test_renaming_every_column_of_a_wide_contract_is_paired_in_linear_time() -> None:
    """20,000 columns renamed: looking each pair up in a list took 400M steps (minutes); a dict takes a blink."""
    wide = 20_000
    old = Contract.model_validate(
        {"contract": "w", "columns": {f"a{i}": {"type": "integer", "min": i} for i in range(wide)}}
    )
    new = Contract.model_validate(
        {"contract": "w", "columns": {f"b{i}": {"type": "integer", "min": i} for i in range(wide)}}
    )
    started = time.perf_counter()
    changes = diff_contracts(old, new)
    assert time.perf_counter() - started < 10
    assert changes[0].hint == "renamed to 'b0'?" and changes[-1].hint == f"renamed from 'a{wide - 1}'?"


@pytest.mark.parametrize(
    "globs",
    [["./data/*.csv"], "data/*.csv", ["data/*.csv", "data/*.csv"], ["data/*.csv", "./data/*.csv"]],
)
def test_match_globs_written_differently_that_match_the_same_files_are_no_change(globs: Any) -> None:
    """A leading ./ means nothing to config.glob_matches, a repeated glob adds nothing, a string is a list of one."""
    assert diff_contracts(make(match=["data/*.csv"]), make(match=globs)) == []
    assert diff_contracts(make(match=globs), make(match=["data/*.csv"])) == []


@pytest.mark.parametrize(
    ("before", "after", "breaking_for"),
    [("warn", "error", "producers"), ("error", "ignore", "consumers"), ("warn", "ignore", "none")],
)
def test_parquet_storage_mismatch_breaks_whom_its_severity_fails(before: str, after: str, breaking_for: str) -> None:
    change = only(make(parquet={"storage_mismatch": before}), make(parquet={"storage_mismatch": after}))
    assert (change.kind, change.breaking_for) == ("parquet.storage_mismatch", breaking_for)
    assert change.path == ("parquet", "storage_mismatch")


# ---------------------------------------------------------------- positions


def test_changes_point_at_their_key_in_new_or_old_for_removals() -> None:
    old_text = "contract: c\ncolumns:\n  a: {type: integer}\n  b: {type: string}\n"
    new_text = "contract: c\ncolumns:\n  a: {type: integer, min: 1}\n"
    old, new = parse_contract(old_text), parse_contract(new_text)
    located = locate(
        diff_contracts(old, new), ("old.yaml", contract_positions(old_text)), ("new.yaml", contract_positions(new_text))
    )
    where = {c.kind: str(c.position) for c in located}
    assert where == {"column_removed": "old.yaml:4:3", "min": "new.yaml:3:22"}


# ---------------------------------------------------------------- properties


def _spec(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["integer", "float", "string", "date"]))
    spec: dict[str, Any] = {"type": kind}
    for key, value in (
        ("nullable", st.booleans()),
        ("unique", st.booleans()),
        ("required", st.booleans()),
        ("severity", st.sampled_from(["error", "warning"])),
    ):
        if draw(st.booleans()):
            spec[key] = draw(value)
    if kind in ("integer", "float"):
        low = draw(st.none() | st.integers(-5, 5))
        high = draw(st.none() | st.integers(5, 10))
        spec.update({k: v for k, v in (("min", low), ("max", high)) if v is not None})
        if draw(st.booleans()):
            spec["allowed"] = draw(st.lists(st.integers(5, 8), min_size=1, max_size=3))
        if draw(st.booleans()):
            spec["multiple_of"] = draw(st.sampled_from([1, 2, 3, 0.5, 0.25]))
    elif kind == "string":
        if draw(st.booleans()):
            spec["allowed"] = draw(st.lists(st.sampled_from("abcd"), min_size=1, max_size=3))
        if draw(st.booleans()):
            spec["pattern"] = "|".join(draw(st.lists(st.sampled_from(["a", "b+", "[cd]", "x?"]), min_size=1)))
        if draw(st.booleans()):
            spec["max_length"] = draw(st.integers(0, 4))
    elif draw(st.booleans()):
        spec["min"] = draw(st.sampled_from(["2024-01-01", "2024-06-30"]))
    rules = ColumnSpec.model_validate(spec).value_rules()
    if rules and draw(st.booleans()):
        fractions = st.sampled_from([0.5, 0.9, 0.99, 1])
        spec["mostly"] = draw(fractions | st.dictionaries(st.sampled_from(rules), fractions, min_size=1))
    return spec


@st.composite
def contracts(draw: st.DrawFn) -> Contract:
    names = draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=4, unique=True))
    data: dict[str, Any] = {"contract": "c", "columns": {name: _spec(draw) for name in names}}
    data["extra_columns"] = draw(st.sampled_from(["error", "warn", "ignore"]))
    data["ordered"] = draw(st.booleans())
    if draw(st.booleans()):
        data["csv"] = {"delimiter": draw(st.sampled_from([",", ";"]))}
    if draw(st.booleans()):
        data["checks"] = {"row_count": {"min": draw(st.integers(0, 3))}}
    if len(names) > 1 and draw(st.booleans()):
        data.setdefault("checks", {})["unique_together"] = [names[:2]]
    return Contract.model_validate(data)


@settings(max_examples=300, deadline=None)
@given(contracts())
def test_a_contract_against_itself_has_no_changes(contract: Contract) -> None:
    assert diff_contracts(contract, contract) == []
    assert diff_contracts(contract, Contract.model_validate(contract.model_dump(exclude_unset=True))) == []


@settings(max_examples=300, deadline=None)
@given(contracts(), contracts())
def test_breaking_producers_one_way_is_breaking_consumers_the_other(old: Contract, new: Contract) -> None:
    """The definitions mirror: a file old accepts and new refuses is, run backwards, one the new side
    (there: old) accepts and the old side refused. A column added one way is removed the other."""
    forward = {_key(c): c for c in diff_contracts(old, new)}
    backward = {_key(c, reverse=True): c for c in diff_contracts(new, old)}
    assert set(forward) == set(backward)
    for key, change in forward.items():
        twin = backward[key]
        assert (change.producers, change.consumers) == (twin.consumers, twin.producers), (change, twin)


def _key(change: Change, *, reverse: bool = False) -> tuple[str, str | None, str, str]:
    kind, before, after = change.kind, repr(change.before), repr(change.after)
    if reverse:
        kind = {"column_added": "column_removed", "column_removed": "column_added"}.get(kind, kind)
        before, after = after, before
    return kind, change.column, before, after


def test_drift_settings_change_breaks_no_one_they_judge_against_a_baseline() -> None:
    column = only(make(), make({"id": {"type": "integer", "drift": False}}))
    table = only(make(), make(drift={"schema_change": "error"}))
    assert (column.kind, column.producers, column.consumers) == ("drift", False, False)
    assert (table.kind, table.producers, table.consumers) == ("drift", False, False)
