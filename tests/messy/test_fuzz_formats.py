"""Fuzzing Parquet and JSON Lines input: never an exception, rows equal to an independent count,
inputs unchanged. (CSV has its own suites: test_messy_fuzz.py, test_adversarial_engine.py.)"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipecheck.compile import compile_contract
from pipecheck.contract.loader import parse_contract
from pipecheck.engine import Options, validate_file

FAST = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))

INTS = [pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint32(), pa.uint64()]
ARROW = st.sampled_from(
    [
        *INTS,
        pa.float32(),
        pa.float64(),
        pa.bool_(),
        pa.string(),
        pa.large_string(),
        pa.date32(),
        pa.timestamp("s"),
        pa.timestamp("ms", "UTC"),
        pa.timestamp("us", "Europe/Paris"),
        pa.timestamp("ns"),
        pa.decimal128(10, 2),
        pa.list_(pa.int32()),
    ]
)
CONTRACT_TYPES = ["integer", "float", "string", "boolean", "date", "datetime"]


def values_for(kind: pa.DataType, draw: st.DrawFn, rows: int) -> list[Any]:
    if pa.types.is_integer(kind):
        bits = kind.bit_width
        low, high = (
            (0, 2**bits - 1) if pa.types.is_unsigned_integer(kind) else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
        )
        element: st.SearchStrategy[Any] = st.integers(low, high)
    elif pa.types.is_floating(kind):
        element = st.floats(width=kind.bit_width, allow_nan=True, allow_infinity=True)
    elif pa.types.is_boolean(kind):
        element = st.booleans()
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        element = st.text(max_size=5)
    elif pa.types.is_date(kind):
        element = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))
    elif pa.types.is_timestamp(kind):
        low = dt.datetime(1678, 1, 1) if kind.unit == "ns" else dt.datetime(1, 1, 1)
        high = dt.datetime(2261, 12, 31) if kind.unit == "ns" else dt.datetime(9999, 12, 31)
        element = st.datetimes(low, high)
    elif pa.types.is_decimal(kind):
        element = st.decimals(min_value=-9999999, max_value=9999999, places=2, allow_nan=False)
    else:
        element = st.lists(st.integers(-5, 5), max_size=3)
    return draw(st.lists(st.one_of(st.none(), element), min_size=rows, max_size=rows))


@st.composite
def parquet_cases(draw: st.DrawFn) -> tuple[pa.Table, str, int, bool]:
    rows = draw(st.integers(0, 40))
    kinds = draw(st.lists(ARROW, min_size=1, max_size=4))
    columns = {f"k{i}": pa.array(values_for(kind, draw, rows), kind) for i, kind in enumerate(kinds)}
    table = pa.table(columns)
    specs = "".join(
        f"  k{i}: {{type: {draw(st.sampled_from(CONTRACT_TYPES))}, nullable: {str(draw(st.booleans())).lower()}}}\n"
        for i in range(len(kinds))
    )
    return table, f"contract: f\ncolumns:\n{specs}", draw(st.integers(1, 50)), draw(st.booleans())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@given(case=parquet_cases())
@FAST
def test_any_parquet_file_is_findings_with_the_footer_s_row_count(tmp_path_factory: Any, case: Any) -> None:
    table, contract, row_group, truncate = case
    path = tmp_path_factory.mktemp("pq") / "f.parquet"
    pq.write_table(table, path, row_group_size=row_group)
    if truncate:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] + data[-len(data) // 4 :])
    before = digest(path)
    report = validate_file(path, "f", compile_contract(parse_contract(contract)), "c", Options(max_examples=3))
    assert digest(path) == before
    checks = {f.check for f in report.findings}
    if "unreadable" not in checks and not truncate:
        assert report.rows == table.num_rows, report.findings


@st.composite
def jsonl_texts(draw: st.DrawFn) -> tuple[str, int]:
    scalar = st.one_of(
        st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), st.text(max_size=4)
    )
    value = st.recursive(
        scalar,
        lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=2), inner, max_size=2),
        max_leaves=4,
    )
    lines, records = [], 0
    for _ in range(draw(st.integers(0, 30))):
        kind = draw(st.sampled_from(["object", "object", "object", "garbage", "blank", "array"]))
        if kind == "object":
            lines.append(json.dumps(draw(st.dictionaries(st.sampled_from(["a", "b", "c", "*"]), value, max_size=4))))
            records += 1
        elif kind == "garbage":
            lines.append(draw(st.sampled_from(["{", "not json", '{"a": }', "[1,", "{'a': 1}"])))
            records += 1
        elif kind == "array":
            lines.append(json.dumps(draw(st.lists(value, max_size=2))))
            records += 1
        else:
            lines.append(draw(st.sampled_from(["", "  ", "\t"])))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    return ending.join(lines) + (ending if lines and draw(st.booleans()) else ""), records


@given(case=jsonl_texts(), block=st.sampled_from([16, 256, 1 << 20]))
@FAST
def test_any_json_lines_text_is_findings_with_every_line_counted(tmp_path_factory: Any, case: Any, block: int) -> None:
    text, records = case
    path = tmp_path_factory.mktemp("jl") / "f.jsonl"
    path.write_text(text, encoding="utf-8")
    contract = parse_contract(
        "contract: j\nextra_columns: warn\ncolumns:\n  a: {type: integer, required: false, nullable: true}\n"
        "  b: {type: string, required: false, nullable: true}\n"
    )
    report = validate_file(path, "f", compile_contract(contract), "c", Options(max_examples=3, block_size=block))
    if records:
        assert report.rows == records, report.findings
    else:
        assert report.rows in (0, None)
