"""A contract that loads runs; one that cannot run is a contract error with its YAML position."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipecheck.compile import compile_contract
from pipecheck.contract.loader import parse_contract
from pipecheck.engine import Options, validate_file
from pipecheck.errors import ContractError


def run(tmp_path: Path, contract: str, data: str) -> dict[str, list[Any]]:
    path = tmp_path / "d.csv"
    path.write_text(data, encoding="utf-8")
    report = validate_file(path, "d", compile_contract(parse_contract(contract)), "c", Options())
    return {f.check: [e.value for e in f.examples] for f in report.findings}


@pytest.mark.parametrize(
    ("spec", "data", "found"),
    [
        ("{type: float, allowed: [1, 2.5]}", "x\n1.0\n2.5\n3\n", {"allowed": ["3"]}),
        ("{type: float, allowed: [1, 2]}", "x\n1.0\n2\n2.5\n", {"allowed": ["2.5"]}),
        ("{type: string, pattern: '(?i)abc'}", "x\nABC\nabd\n", {"pattern": ["abd"]}),
        ("{type: string, pattern: '\\pL+'}", "x\nabcé\na1\n", {"pattern": ["a1"]}),
        (
            "{type: datetime, min: '2024-01-01T00:00:00+02:00', max: '2025-01-01T00:00:00'}",
            "x\n2023-12-31T21:00:00\n2023-12-31T23:00:00\n",
            {"min": ["2023-12-31T21:00:00"]},
        ),
    ],
)
def test_contracts_the_model_accepts_run(spec: str, data: str, found: dict[str, list[Any]], tmp_path: Path) -> None:
    assert run(tmp_path, f"contract: c\ncolumns:\n  x: {spec}\n", data) == found


@pytest.mark.parametrize(
    ("spec", "where", "message"),
    [
        ("{type: string, pattern: 'a{,3}'}", (3, 30), "invalid regular expression 'a{,3}'"),
        ("{type: date, allowed: ['not a date']}", (3, 28), "expected an ISO date"),
        ("{type: datetime, format: '%Y-%m-%d %H'}", (3, 31), "is not one the parser accepts"),
        ("{type: float, min: .nan}", (3, 25), "expected a finite number"),
        ("{type: float, allowed: [1, .inf]}", (3, 29), "expected a finite number"),
        ("{type: integer, allowed: [9223372036854775808]}", (3, 31), "beyond the 64-bit integers"),
        ("{type: integer, max: 9223372036854775808}", (3, 27), "beyond the 64-bit integers"),
    ],
)
def test_contracts_that_cannot_run_are_refused_at_their_position(
    spec: str, where: tuple[int, int], message: str
) -> None:
    with pytest.raises(ContractError) as caught:
        parse_contract(f"contract: c\ncolumns:\n  x: {spec}\n", "c.yaml")
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == where
    assert message in problem.message and "\n" not in problem.message


def test_case_folded_header_with_two_contract_columns_of_one_spelling(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("Id,iD\n1,2\n", encoding="utf-8")
    contract = parse_contract("contract: c\ncolumns:\n  ID: {type: string}\n  id: {type: string}\n")
    report = validate_file(path, "d", compile_contract(contract), "c", Options())
    assert [(f.check, f.column, f.hint) for f in report.findings] == [
        ("missing_column", "ID", "rename 'Id' to 'ID' in the file, or in the contract"),
        ("missing_column", "id", "rename 'iD' to 'id' in the file, or in the contract"),
    ]


# ---- generated contracts: load (or a contract error), then run on messy text: never an internal error

PATTERNS = ["[a-z]+", "(?i)abc", r"\pL+", r"\d{2,}", "a{,3}", "(a+)+$", "[a&&b]", "x|", "(?P<n>a)", "[[:alpha:]]", ""]
FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H", "%Y-%m-%dT%H:%M:%S%z", "%s", "%Y", "%%", "%Q"]
BOUNDS = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["2024-01-01", "2024-01-01T00:00:00+02:00", "2024-13-01", "x", "10:00"]),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    st.booleans(),
)


@st.composite
def contracts(draw: st.DrawFn) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["integer", "float", "string", "boolean", "date", "datetime"]))
        spec: dict[str, Any] = {"type": kind, "nullable": draw(st.booleans())}
        for key in draw(
            st.sets(st.sampled_from(["min", "max", "allowed", "pattern", "format", "multiple_of", "unique"]))
        ):
            if key in ("min", "max"):
                spec[key] = draw(BOUNDS)
            elif key == "allowed":
                spec[key] = draw(st.lists(BOUNDS, max_size=3))
            elif key == "pattern":
                spec[key] = draw(st.sampled_from(PATTERNS))
            elif key == "format":
                spec[key] = draw(st.sampled_from(FORMATS))
            elif key == "multiple_of":
                spec[key] = draw(st.sampled_from([0.01, 3, 0, -1, 1e-300]))
            else:
                spec[key] = True
        name = draw(st.sampled_from(["a", "*", "^a.*$", "c0", "t0", "x0", "__row__", "A", f"col {i}"]))
        columns[name] = spec
    contract: dict[str, Any] = {"contract": "g", "columns": columns}
    names = list(columns)
    if len(names) > 1 and draw(st.booleans()):
        contract["checks"] = {
            "compare": [{"left": names[0], "op": draw(st.sampled_from(["<", "==", ">="])), "right": names[1]}]
        }
    if draw(st.booleans()):
        quoted = '"' + names[0].replace('"', '""') + '"'
        contract.setdefault("checks", {})["expression"] = [
            {"sql": draw(st.sampled_from([f"{quoted} IS NOT NULL", f"{quoted} > 0", "1 = 1"]))}
        ]
    return contract


CELLS = st.sampled_from(
    ["", "1", "-1.5", "x", "2024-01-31", "2024-02-30", "true", "NaN", "1e400", "9" * 30, "2024-01-31T10:00:00Z"]
)


ROWS = st.lists(st.lists(CELLS, min_size=1, max_size=5), max_size=8)


@given(contract=contracts(), rows=ROWS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_generated_contracts_load_and_run_or_are_contract_errors(
    contract: dict[str, Any], rows: list[list[str]], tmp_path: Path
) -> None:
    load_and_run(contract, rows, tmp_path)


@pytest.mark.slow
@given(contract=contracts(), rows=ROWS)
@settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_many_generated_contracts_load_and_run_or_are_contract_errors(
    contract: dict[str, Any], rows: list[list[str]], tmp_path: Path
) -> None:
    load_and_run(contract, rows, tmp_path)


def load_and_run(contract: dict[str, Any], rows: list[list[str]], tmp_path: Path) -> None:
    from pipecheck.runner import compile_runnable

    text = yaml.safe_dump(contract, allow_unicode=True)
    try:
        loaded = parse_contract(text, "g.yaml")
    except ContractError as exc:
        assert exc.problems and all(str(p).startswith("g.yaml:") for p in exc.problems)
        return
    compiled = compile_runnable(loaded, Path("g.yaml"))
    header = ",".join('"' + n.replace('"', '""') + '"' for n in loaded.columns)
    path = tmp_path / "g.csv"
    path.write_text(header + "\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    validate_file(path, "g", compiled, "g.yaml", Options())


def test_yaml_merge_keys_may_be_overridden_by_the_mapping_s_own_keys() -> None:
    contract = parse_contract(
        "contract: c\ncolumns:\n  n:\n    <<: {type: integer, min: 0}\n    min: 5\n"
        "  m: {<<: {type: string}, nullable: true}\n"
    )
    assert (contract.columns["n"].type, contract.columns["n"].min) == ("integer", 5)
    assert contract.columns["m"].nullable is True
    with pytest.raises(ContractError, match="duplicate key 'min'"):
        parse_contract("contract: c\ncolumns:\n  n: {type: integer, min: 0, min: 1}\n")


def test_unquoted_yaml_dates_in_allowed_are_dates(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "contract: c\ncolumns:\n  d: {type: date, allowed: [2024-01-01, 2024-02-01]}\n",
        "d\n2024-01-01\n2024-03-01\n",
    )
    assert found == {"allowed": ["2024-03-01"]}


def test_a_contract_of_100k_columns_is_not_an_alias_bomb() -> None:
    text = "contract: c\ncolumns:\n" + "".join(f"  c{i}: {{type: string}}\n" for i in range(100_000))
    assert len(parse_contract(text).columns) == 100_000
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcde", "bcdef", strict=True)
    )
    with pytest.raises(ContractError, match="too many nodes"):
        parse_contract(bomb + "contract: c\ncolumns: {}\n")


@pytest.mark.parametrize(
    ("value", "parses"),
    [
        ("1970-01-01", True),
        ("2024-01-01T10:00Z", True),
        ("2024-01-01 10:00+02:00", True),
        ("2024-01-01T10:00:60", False),
    ],
)
def test_iso_datetime_text_rules(value: str, parses: bool, tmp_path: Path) -> None:
    found = run(tmp_path, "contract: c\ncolumns:\n  t: {type: datetime}\n", f"t\n{value}\n")
    assert found == ({} if parses else {"type": [value]})
