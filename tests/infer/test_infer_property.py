"""The data a contract is inferred from always validates against it: generated tables, messy ones included.

The oracle is `pipecheck validate` itself (exit 0, no error findings) on the very file inferred from,
written by independent writers: the stdlib csv module (any of four delimiters) and polars' Parquet.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pipecheck.cli import main
from pipecheck.contract.loader import parse_contract
from pipecheck.infer import InferRequest, infer_contract

TOKENS = ["", "NA", "null", "-", "N/A", "None", "NaN", "nan", "?"]
NAME = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff") | st.sampled_from(',;"\n |'),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() != "")
FREE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(",;|\"'\n\r\t "), max_size=20)


def _date_text(fmt: str) -> st.SearchStrategy[str]:
    return st.dates(min_value=dt.date(1000, 1, 1)).map(lambda d: d.strftime(fmt))


def _datetime_text(aware: bool | None) -> st.SearchStrategy[str]:
    naive = st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9998, 12, 31))
    if aware is None:
        return st.one_of(naive.map(lambda v: v.isoformat()), naive.map(lambda v: v.isoformat(sep=" ") + "Z"))
    if aware:
        return naive.map(lambda v: v.isoformat(timespec="seconds") + "+02:00")
    return naive.map(lambda v: v.isoformat(sep=" ", timespec="milliseconds"))


KINDS: dict[str, st.SearchStrategy[str]] = {
    "integer": st.integers(-(10**15), 10**15).map(str),
    "padded integer": st.integers(-999, 999).map(lambda i: f" {i:+d} "),
    "huge integer": st.integers(2**63 - 5, 2**80).map(str),
    "float": st.floats(allow_nan=False, allow_infinity=False).map(repr),
    "whole float": st.integers(0, 10**6).map(lambda i: f"{i}.0"),
    "exponent": st.floats(1e-300, 1e300).map(lambda f: f"{f:e}"),
    "boolean": st.sampled_from(["true", "false", "yes", "no", "T", "F", "Y", "n"]),
    "0/1": st.sampled_from(["0", "1"]),
    "iso date": _date_text("%Y-%m-%d"),
    "day first": _date_text("%d/%m/%Y"),
    "month first": _date_text("%m/%d/%Y"),
    "small day": st.dates(min_value=dt.date(1000, 1, 1)).map(lambda d: f"{min(d.day, 12):02d}/{d.month:02d}/{d.year}"),
    "datetime": _datetime_text(None),
    "aware": _datetime_text(True),
    "naive": _datetime_text(False),
    "text": FREE_TEXT,
    "category": st.sampled_from(["new", "paid", "shipped", "café", "1", "true", "Ünïcode ✓"]),
    "constant": st.just("same"),
    "null": st.sampled_from(TOKENS),
}


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    names = draw(st.lists(NAME, min_size=1, max_size=6, unique=True))
    kinds = [draw(st.sampled_from(sorted(KINDS))) for _ in names]
    tokens = [draw(st.sampled_from([None, *TOKENS])) for _ in names]
    rows = draw(st.integers(0, 25))
    body = []
    for _ in range(rows):
        row = []
        for kind, token in zip(kinds, tokens, strict=True):
            null = token is not None and draw(st.integers(0, 4)) == 0
            row.append(token if null and token is not None else draw(KINDS[kind]))
        body.append(row)
    return names, body


def _infer_and_validate(folder: Path, data: Path) -> dict[str, Any]:
    inferred = infer_contract(InferRequest([str(data)]))
    contract = folder / "inferred.yaml"
    contract.write_text(inferred.text, encoding="utf-8")
    parse_contract(inferred.text)  # the loader reads what was written
    out = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out):
        code = main(["validate", str(data), "-c", str(contract), "--format", "json"])
    report = json.loads(out.getvalue())
    findings = [f for f in report["files"][0]["findings"] if f["severity"] == "error"]
    assert code == 0 and not findings, (inferred.text, findings)
    return report


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(table=tables(), delimiter=st.sampled_from([",", ";", "\t", "|"]), crlf=st.booleans())
def test_a_csv_file_validates_against_the_contract_inferred_from_it(
    table: tuple[list[str], list[list[str]]], delimiter: str, crlf: bool
) -> None:
    names, body = table
    # One column and no rows: the dialect cannot be told from a lone name (',' or '"' alone could be
    # a delimiter or a quote); infer says so as a usage error, which is not what is tested here.
    assume(len(names) > 1 or bool(body) or not any(ch in names[0] for ch in ',;\t|"'))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = folder / "data.csv"
        with data.open("w", encoding="utf-8", newline="") as handle:
            terminator = "\r\n" if crlf else "\n"
            writer = csv.writer(handle, delimiter=delimiter, lineterminator=terminator)
            # the csv module leaves a lone CR unquoted under an LF terminator, though a lone CR ends
            # a record for every reader (its own included): such rows are quoted whole
            quoting = csv.writer(handle, delimiter=delimiter, lineterminator=terminator, quoting=csv.QUOTE_ALL)
            for row in [names, *body]:
                (quoting if any("\r" in value for value in row) else writer).writerow(row)
        _infer_and_validate(folder, data)


PARQUET_KINDS: dict[str, tuple[pl.DataType, st.SearchStrategy[Any]]] = {
    "int": (pl.Int64(), st.integers(-(2**63), 2**63 - 1)),
    "uint": (pl.UInt64(), st.integers(0, 2**64 - 1)),
    "float": (pl.Float64(), st.floats(allow_nan=False, allow_infinity=False)),
    "nan": (pl.Float64(), st.floats()),
    "text": (pl.String(), FREE_TEXT),
    "category": (pl.Categorical(), st.sampled_from(["a", "b", "NA"])),
    "bool": (pl.Boolean(), st.booleans()),
    "date": (pl.Date(), st.dates()),
    "naive": (pl.Datetime("us"), st.datetimes(max_value=dt.datetime(9999, 1, 1))),
    "aware": (
        pl.Datetime("ms", "Europe/Berlin"),
        st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)),
    ),
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_a_parquet_file_validates_against_the_contract_inferred_from_it(data: st.DataObject) -> None:
    names = data.draw(st.lists(NAME, min_size=1, max_size=5, unique=True))
    rows = data.draw(st.integers(0, 20))
    columns = {}
    for name in names:
        dtype, values = PARQUET_KINDS[data.draw(st.sampled_from(sorted(PARQUET_KINDS)))]
        cells = data.draw(st.lists(st.none() | values, min_size=rows, max_size=rows))
        columns[name] = pl.Series(name, cells, dtype=pl.String if dtype == pl.Categorical else dtype).cast(dtype)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "data.parquet"
        pl.DataFrame(list(columns.values())).write_parquet(path)
        _infer_and_validate(folder, path)
