"""The compiler: every contract rule becomes a pandera check; property tests over generated contracts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandera.polars as pa
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from pipecheck.checking import check_batch, plan_checks
from pipecheck.compile import CompiledContract, compile_contract, pandera_schema
from pipecheck.contract.loader import parse_contract
from pipecheck.contract.model import Contract
from pipecheck.errors import ContractError


def violations(
    compiled: CompiledContract, frame: pl.DataFrame, *, text: bool, max_examples: int = 5
) -> dict[tuple[str, str], list[int]]:
    """(check, column) -> failing row offsets, for a frame whose columns carry the contract's names."""
    present = [name for name in compiled.columns if name in frame.columns]
    internal = frame.select(pl.col(n).alias(compiled.columns[n].internal) for n in present)
    partial = check_batch(plan_checks(compiled, present, text=text, max_examples=max_examples), internal)
    return {
        (compiled.rule(h.rule).check, ",".join(compiled.rule(h.rule).columns)): list(h.offsets) for h in partial.hits
    }


def test_rules_compile_in_report_order_and_to_a_pandera_schema() -> None:
    contract = parse_contract(
        "contract: t\ncolumns:\n  s: {type: string, allowed: [a], pattern: 'a', min_length: 1, max_length: 2}\n"
        "  n: {type: float, min: 0, max: 1, nullable: true}\n"
    )
    compiled = compile_contract(contract)
    assert [(r.check, r.columns) for r in compiled.rules] == [
        ("nullable", ("s",)),
        ("allowed", ("s",)),
        ("pattern", ("s",)),
        ("min_length", ("s",)),
        ("max_length", ("s",)),
        ("type", ("n",)),
        ("min", ("n",)),
        ("max", ("n",)),
    ]
    schema = pandera_schema(compiled)
    assert isinstance(schema, pa.DataFrameSchema)
    assert [c.name for c in schema.columns["s"].checks] == ["allowed", "pattern", "min_length", "max_length"]
    assert schema.columns["n"].nullable is True
    assert schema.columns["s"].nullable is False
    typed = pl.DataFrame({"s": ["a", "b"], "n": [0.5, 2.0]})
    with __import__("pytest").raises(pa.errors.SchemaErrors) as caught:
        schema.validate(typed, lazy=True)
    assert sorted(caught.value.failure_cases["check"].to_list()) == ["allowed", "max", "pattern"]


def test_unique_keys_include_columns_and_groups() -> None:
    contract = parse_contract(
        "contract: t\ncolumns:\n  a: {type: integer, unique: true}\n  b: {type: string}\n"
        "checks:\n  unique_together: [[a, b]]\n"
    )
    assert compile_contract(contract).unique_keys == (("a",), ("a", "b"))


def test_aware_datetime_bound_is_compared_in_utc() -> None:
    contract = parse_contract(
        "contract: t\ncolumns:\n  t: {type: datetime, timezone: aware, min: '2024-01-01T00:00:00+02:00'}\n"
    )
    compiled = compile_contract(contract)
    frame = pl.DataFrame({"t": ["2023-12-31T23:00:00Z", "2023-12-31T21:00:00Z", "2024-01-01T10:00:00"]})
    assert violations(compiled, frame, text=True) == {("min", "t"): [1], ("type", "t"): [2]}


# ---- property tests: any valid contract compiles, and values generated to satisfy it pass

TYPES = ["integer", "float", "string", "boolean", "date", "datetime"]


@st.composite
def column_specs(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(TYPES))
    spec: dict[str, Any] = {"type": kind, "nullable": draw(st.booleans())}
    if kind in ("integer", "float"):
        low = draw(st.integers(-1000, 1000))
        spec.update(min=low, max=low + draw(st.integers(0, 1000)))
    if kind == "string":
        if draw(st.booleans()):
            spec["allowed"] = draw(st.lists(st.text("abcxyz", min_size=1, max_size=4), min_size=1, max_size=4))
        else:
            spec["pattern"] = draw(st.sampled_from(["[a-z]+", "[0-9]{2,4}", "x|y", ".*"]))
    if kind == "date":
        spec["min"] = "2020-01-01"
    return spec


def value_for(spec: dict[str, Any], draw: st.DrawFn) -> str:
    kind = spec["type"]
    if kind == "integer":
        return str(draw(st.integers(spec["min"], spec["max"])))
    if kind == "float":
        return repr(draw(st.floats(spec["min"], spec["max"], allow_nan=False)))
    if kind == "boolean":
        return draw(st.sampled_from(["true", "false", "yes", "no", "1", "0", "T", "F"]))
    if kind == "date":
        return draw(st.dates(dt.date(2020, 1, 1), dt.date(2100, 1, 1))).isoformat()
    if kind == "datetime":
        return draw(st.datetimes(dt.datetime(1970, 1, 1), dt.datetime(2100, 1, 1))).isoformat(timespec="seconds")
    if "allowed" in spec:
        return str(draw(st.sampled_from(spec["allowed"])))
    pattern = spec["pattern"]
    # "" is the default null marker, so a conforming non-null value is never empty.
    text = st.from_regex(f"\\A(?:{pattern})\\Z", alphabet=st.characters(codec="ascii", min_codepoint=32))
    return draw(text.filter(bool))


@given(st.data())
@settings(max_examples=150, deadline=None)
def test_generated_contracts_compile_and_conforming_values_pass(data: st.DataObject) -> None:
    specs = data.draw(st.lists(column_specs(), min_size=1, max_size=5))
    contract = Contract.model_validate({"contract": "g", "columns": {f"c{i}": s for i, s in enumerate(specs)}})
    compiled = compile_contract(contract)
    rows = data.draw(st.integers(0, 20))
    columns = {f"c{i}": [value_for(s, data.draw) for _ in range(rows)] for i, s in enumerate(specs)}
    frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))
    found = violations(compiled, frame, text=True)
    assert found == {}, (columns, found)


@given(
    st.dictionaries(
        st.sampled_from(["type", "nullable", "min", "max", "allowed", "nope"]),
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2)),
    )
)
@settings(max_examples=200, deadline=None)
def test_arbitrary_column_specs_are_accepted_or_rejected_cleanly(spec: dict[str, Any]) -> None:
    import yaml

    text = yaml.safe_dump({"contract": "g", "columns": {"c": spec}})
    try:
        contract = parse_contract(text, "g.yaml")
    except ContractError as exc:
        assert exc.problems and all(str(p).startswith("g.yaml:") for p in exc.problems)
        return
    compiled = compile_contract(contract)
    pandera_schema(compiled)
    violations(compiled, pl.DataFrame({"c": ["1", "x", ""]}), text=True)


# ---- the engine's rules count what pandera's own builtin checks find (an independent oracle)


def builtin_schema(contract: Contract) -> pa.DataFrameSchema:
    """The contract written by hand with pandera's builtin checks, as a pandera user would."""
    from pipecheck.parsing import POLARS_TYPES

    columns = {}
    for name, spec in contract.columns.items():
        checks = []
        if spec.min is not None:
            checks.append(pa.Check.ge(spec.min, name="min"))
        if spec.max is not None:
            checks.append(pa.Check.le(spec.max, name="max"))
        if spec.allowed is not None:
            checks.append(pa.Check.isin(spec.allowed, name="allowed"))
        if spec.pattern is not None:
            checks.append(pa.Check.str_matches(f"^(?:{spec.pattern})$", name="pattern"))
        if spec.min_length is not None:
            checks.append(pa.Check.str_length(min_value=spec.min_length, name="min_length"))
        if spec.max_length is not None:
            checks.append(pa.Check.str_length(max_value=spec.max_length, name="max_length"))
        columns[name] = pa.Column(POLARS_TYPES[spec.type], nullable=spec.nullable, checks=checks)
    return pa.DataFrameSchema(columns)


RULED_COLUMNS = {
    "n": ("integer", "{type: integer, nullable: false, min: -5, max: 5, allowed: [-5, 0, 1, 2, 3, 5, 9]}"),
    "x": ("float", "{type: float, nullable: true, min: -1.5, max: 2.5}"),
    "s": (
        "string",
        "{type: string, nullable: true, pattern: '[a-c]+', min_length: 2, max_length: 4,"
        " allowed: [ab, abc, b, cc, zzzzz]}",
    ),
}


@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(-8, 10)),
            st.one_of(st.none(), st.floats(-3, 4, allow_nan=False)),
            st.one_of(st.none(), st.text("abcz", max_size=6)),
        ),
        min_size=1,
        max_size=60,
    )
)
@settings(max_examples=150, deadline=None)
def test_fused_checks_count_what_pandera_validate_finds(
    rows: list[tuple[int | None, float | None, str | None]],
) -> None:
    columns = "".join(f"  {name}: {spec}\n" for name, (_, spec) in RULED_COLUMNS.items())
    compiled = compile_contract(parse_contract(f"contract: t\ncolumns:\n{columns}"))
    frame = pl.DataFrame(rows, schema={"n": pl.Int64, "x": pl.Float64, "s": pl.String}, orient="row")
    ours = {
        (column, check): offsets
        for (check, column), offsets in violations(compiled, frame, text=False, max_examples=1000).items()
    }

    schema = builtin_schema(compiled.contract)
    try:
        schema.validate(frame, lazy=True)
        cases = pl.DataFrame(
            schema={"column": pl.String, "check": pl.String, "check_number": pl.Int32, "index": pl.Int64}
        )
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    theirs: dict[tuple[str, str], list[int]] = {}
    for column, check, number, index in cases.select("column", "check", "check_number", "index").rows():
        rule = "nullable" if check == "not_nullable" else schema.columns[column].checks[number].name
        theirs.setdefault((column, rule), []).append(int(index))
    assert ours == {k: sorted(v) for k, v in theirs.items()}


def test_the_pipecheck_command_imports_neither_pandas_nor_pandera(tmp_path: Path) -> None:
    """The engine runs its rules as polars expressions: start-up pays for neither library."""
    import os
    import re
    import subprocess
    import sys

    contract = tmp_path / "c.yaml"
    contract.write_text("contract: c\ncolumns:\n  n: {type: integer, min: 1}\n", encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text("n\n1\n0\n", encoding="utf-8")
    command = Path(sys.executable).with_name("pipecheck")
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    run = subprocess.run(
        [str(command), "validate", str(data), "--contract", str(contract), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    imported = re.findall(r"\|\s+(\S+)$", run.stderr, flags=re.MULTILINE)
    assert "polars" in imported
    assert not [name for name in imported if name.split(".")[0] in ("pandas", "pandera")]
