"""validate_frame reads a frame as the same frame written to Parquet is read (the independent oracle):
the same findings, examples and rows, for pandas' and polars' own types."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings

import pipecheck
from pipecheck.readers.parquet import BATCH_ROWS

KINDS = """\
contract: kinds
columns:
  id: {type: integer, min: 1, unique: true}
  qty: {type: integer}
  name: {type: string, min_length: 2}
  n2: {type: integer}
  flag: {type: boolean}
  cat: {type: string, allowed: [a, b]}
  ts: {type: datetime, timezone: aware, min: "2024-01-02T00:00:00+00:00"}
  day: {type: date}
  price: {type: float, min: 0}
  naive: {type: datetime, timezone: naive}
"""


def _findings(report: pipecheck.RunReport) -> list[dict[str, Any]]:
    [file] = report.to_dict()["files"]
    return list(file["findings"])


def _counts(report: pipecheck.RunReport, skip: tuple[str, ...] = ()) -> list[tuple[str, str | None, int]]:
    return [(f.check, f.column, f.count) for f in report.files[0].findings if f.check not in skip]


@pytest.fixture
def kinds(tmp_path: Path) -> pipecheck.LoadedContract:
    (tmp_path / "kinds.yaml").write_text(KINDS, encoding="utf-8")
    return pipecheck.load_contract(tmp_path / "kinds.yaml")


def _pandas_kinds() -> pd.DataFrame:
    """pandas' own dtypes, each column with a failure: nullable Int64, float holding 1.5 for an
    integer, string and str, boolean, categorical, tz-aware and naive datetime64, object dates."""
    return pd.DataFrame(
        {
            "id": pd.array([1, 2, None, 2, 0], dtype="Int64"),
            "qty": [1.0, 1.5, 3.0, float("nan"), 1e300],
            "name": pd.array(["ab", "x", None, "abc", "éé"], dtype="string"),
            "n2": ["1", "x", "3", None, " 4"],
            "flag": pd.array([True, None, False, True, False], dtype="boolean"),
            "cat": pd.Categorical(["a", "c", None, "b", "a"]),
            "ts": pd.to_datetime(
                ["2024-01-01 10:00", "2024-01-02 00:00", None, "2024-01-04 00:00", "2024-01-05 00:00"]
            ).tz_localize("Europe/Paris"),
            "day": [dt.date(2024, 1, 1), None, dt.date(2024, 2, 29), dt.date(2023, 1, 1), dt.date(1, 1, 1)],
            "price": [1.0, -2.0, float("inf"), 3.0, -0.0],
            "naive": pd.to_datetime(["2024-01-01", None, "2024-01-03", "2024-01-04", "2024-01-05"]),
        },
        index=[10, 20, 30, 40, 50],  # an index is not read: rows are positions from 1
    )


def test_a_pandas_frame_gives_the_findings_of_the_same_frame_written_to_parquet(
    tmp_path: Path, kinds: pipecheck.LoadedContract
) -> None:
    frame = _pandas_kinds()
    frame.to_parquet(tmp_path / "kinds.parquet", index=False)
    from_frame = pipecheck.validate_frame(frame, kinds)
    from_file = pipecheck.validate(tmp_path / "kinds.parquet", kinds)
    assert _findings(from_frame) == _findings(from_file)
    counts = _counts(from_frame)
    for expected in [
        ("storage_type", "qty", 1),
        ("type", "qty", 2),  # 1.5, and 1e300 beyond int64
        ("nullable", "id", 1),
        ("unique", "id", 2),
        ("type", "n2", 1),  # 'x' under the CSV text rules (' 4' is 4 there)
        ("allowed", "cat", 1),
        ("min", "ts", 2),  # 10:00 and 00:00 in Paris are before midnight UTC
        ("type", "price", 1),  # inf
    ]:
        assert expected in counts
    duplicate = next(f for f in from_frame.files[0].findings if f.check == "unique")
    assert [e.row for e in duplicate.examples] == [2, 4]
    assert from_frame.files[0].file_format == "pandas" and from_frame.files[0].path == "<frame>"


def test_a_polars_frame_gives_the_findings_of_the_same_frame_written_to_parquet(
    tmp_path: Path, kinds: pipecheck.LoadedContract
) -> None:
    frame = pl.from_pandas(_pandas_kinds()).with_columns(
        pl.col("cat").cast(pl.Enum(["a", "b", "c"])), pl.col("qty").fill_null(float("nan"))
    )
    frame.write_parquet(tmp_path / "kinds.parquet")
    from_frame = pipecheck.validate_frame(frame, kinds, name="kinds")
    assert _findings(from_frame) == _findings(pipecheck.validate(tmp_path / "kinds.parquet", kinds))
    assert ("type", "qty", 3) in _counts(from_frame)  # polars keeps NaN apart from null: NaN is no integer


def test_an_arrow_table_and_zones_polars_cannot_name_read_as_parquet(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        "contract: z\ncolumns:\n  at: {type: datetime, max: '2024-01-01T00:00:00+00:00'}\n"
        "  big: {type: integer, max: 5}\n",
        encoding="utf-8",
    )
    offset = dt.timezone(dt.timedelta(hours=5, minutes=45))
    table = pa.table(
        {
            "at": pa.array([dt.datetime(2024, 1, 1, 5, 45, tzinfo=offset), dt.datetime(2024, 1, 1, 6, tzinfo=offset)]),
            "big": pa.array([1, 7], pa.decimal256(40, 0)),
        }
    )
    assert table.schema.field("at").type.tz == "+05:45"
    import pyarrow.parquet as pq

    pq.write_table(table, tmp_path / "z.parquet")
    contract = pipecheck.load_contract(tmp_path / "c.yaml")
    from_frame = pipecheck.validate_frame(table, contract)
    assert _findings(from_frame) == _findings(pipecheck.validate(tmp_path / "z.parquet", contract))
    assert [(c, n) for c, n, _ in _counts(from_frame, skip=("storage_type",))] == [("max", "at"), ("max", "big")]


def test_object_columns_of_mixed_types_read_as_their_text_as_to_csv_writes_them(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        "contract: m\ncolumns:\n  a: {type: integer, nullable: true, min: 0}\n  b: {type: boolean}\n"
        "  c: {type: string, max_length: 3}\n",
        encoding="utf-8",
    )
    frame = pd.DataFrame(
        {
            "a": pd.Series([1, "two", 3.5, None, -4, 2**70], dtype=object),
            "b": pd.Series([True, 1, "no", 0, False, "True"], dtype=object),
            "c": pd.Series(["abc", 12345, b"by", 1.5, None, dt.date(2024, 1, 1)], dtype=object),
        }
    )
    frame.to_csv(tmp_path / "m.csv", index=False)
    contract = pipecheck.load_contract(tmp_path / "c.yaml")
    from_frame = pipecheck.validate_frame(frame, contract)
    from_csv = pipecheck.validate(tmp_path / "m.csv", contract)
    assert _counts(from_frame, skip=("storage_type",)) == _counts(from_csv)
    type_a = next(f for f in from_frame.files[0].findings if f.check == "type" and f.column == "a")
    assert [(e.row, e.value) for e in type_a.examples] == [(2, "two"), (3, "3.5"), (6, str(2**70))]


def test_rows_are_frame_positions_across_batches(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("contract: r\ncolumns:\n  v: {type: integer, min: 0}\n", encoding="utf-8")
    values = [1] * (BATCH_ROWS + 10)
    values[BATCH_ROWS + 4] = -1
    frame = pd.DataFrame({"v": values}, index=pd.RangeIndex(5, 5 + len(values)))
    report = pipecheck.validate_frame(frame, tmp_path / "c.yaml")
    [finding] = report.files[0].findings
    assert finding.check == "min" and [e.row for e in finding.examples] == [BATCH_ROWS + 5]
    assert report.files[0].rows == len(values)


def test_frames_without_rows_or_columns(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        "contract: e\ncolumns:\n  v: {type: integer}\nchecks:\n  row_count: {min: 1}\n", encoding="utf-8"
    )
    contract = pipecheck.load_contract(tmp_path / "c.yaml")
    empty = pipecheck.validate_frame(pd.DataFrame({"v": pd.Series([], dtype="int64")}), contract)
    assert _counts(empty) == [("row_count", None, 1)] and empty.files[0].rows == 0
    no_columns = pipecheck.validate_frame(pl.DataFrame({"other": [1, 2, 3]}).drop("other"), contract)
    assert no_columns.files[0].rows == 3 and [c for c, _, _ in _counts(no_columns)] == ["missing_column"]
    unnamed = pipecheck.validate_frame(pd.DataFrame(index=range(4)), contract)
    assert unnamed.files[0].rows == 4 and [c for c, _, _ in _counts(unnamed)] == ["missing_column"]


def test_duplicate_and_non_string_labels(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("contract: d\ncolumns:\n  v: {type: integer}\n", encoding="utf-8")
    twice = pd.DataFrame([[1, 2]], columns=["v", "v"])
    twice.to_csv(tmp_path / "d.csv", index=False)
    assert _counts(pipecheck.validate_frame(twice, tmp_path / "c.yaml")) == _counts(
        pipecheck.validate(tmp_path / "d.csv", tmp_path / "c.yaml")
    )
    with pytest.raises(pipecheck.UsageError, match="column 1 is labelled 0 \\(int\\)"):
        pipecheck.validate_frame(pd.DataFrame([[1, 2]], columns=["v", 0]), tmp_path / "c.yaml")


def test_columns_arrow_cannot_type_read_as_their_text(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("contract: u\ncolumns:\n  v: {type: integer}\n  z: {type: float}\n", "utf-8")
    contract = pipecheck.load_contract(tmp_path / "c.yaml")
    values = [1, "x", None, 2.0]
    objects = pl.DataFrame({"v": values, "z": [1, 2, 3, 4]}, schema={"v": pl.Object, "z": pl.Int64})
    frame = pd.DataFrame({"v": pd.Series(values, dtype=object), "z": [1 + 2j, 2, 3, 4]})
    frame.to_csv(tmp_path / "u.csv", index=False)
    expected = _counts(pipecheck.validate(tmp_path / "u.csv", contract))
    assert expected == [("type", "v", 1), ("nullable", "v", 1), ("type", "z", 4)]
    assert _counts(pipecheck.validate_frame(frame, contract), skip=("storage_type",)) == expected
    assert _counts(pipecheck.validate_frame(objects, contract), skip=("storage_type",)) == expected[:2]
    wide = pl.DataFrame({"v": pl.Series([1, 2**70], dtype=pl.Int128), "z": [1.0, 2.0]})  # Arrow has no int128
    [finding] = _counts(pipecheck.validate_frame(wide, contract), skip=("storage_type",))
    assert finding == ("type", "v", 1)


RANDOM_CONTRACT = """\
contract: random
columns:
  k: {type: integer, unique: true, nullable: true}
  n: {type: integer, min: 0, max: 20}
  s: {type: string, allowed: [a, b, ab, é], nullable: true}
  f: {type: float, min: -3, max: 3, nullable: true}
"""

halves = st.integers(-60, 60).map(lambda k: k / 2)
random_frames = st.integers(0, 12).flatmap(
    lambda rows: st.fixed_dictionaries(
        {
            "k": st.lists(st.one_of(st.none(), st.integers(-3, 3)), min_size=rows, max_size=rows),
            "n": st.lists(st.one_of(st.none(), halves), min_size=rows, max_size=rows),
            "s": st.lists(
                st.one_of(st.none(), st.sampled_from(["a", "b", "ab", "é", "c", "A b"])), min_size=rows, max_size=rows
            ),
            "f": st.lists(st.one_of(st.none(), halves), min_size=rows, max_size=rows),
        }
    )
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(columns=random_frames, use_polars=st.booleans())
def test_random_frames_give_the_findings_of_their_parquet_and_csv_files(
    tmp_path: Path, columns: dict[str, list[Any]], use_polars: bool
) -> None:
    (tmp_path / "c.yaml").write_text(RANDOM_CONTRACT, encoding="utf-8")
    contract = pipecheck.load_contract(tmp_path / "c.yaml")
    frame = pd.DataFrame(
        {
            "k": pd.array(columns["k"], dtype="Int64"),
            "n": pd.Series(columns["n"], dtype="float64"),
            "s": pd.Series(columns["s"], dtype="str"),
            "f": pd.Series(columns["f"], dtype="float64"),
        }
    )
    given_frame: Any = pl.from_pandas(frame) if use_polars else frame
    if use_polars:
        given_frame.write_parquet(tmp_path / "r.parquet")
    else:
        frame.to_parquet(tmp_path / "r.parquet", index=False)
    frame.to_csv(tmp_path / "r.csv", index=False)
    from_frame = pipecheck.validate_frame(given_frame, contract)
    assert _findings(from_frame) == _findings(pipecheck.validate(tmp_path / "r.parquet", contract))
    from_csv = pipecheck.validate(tmp_path / "r.csv", contract)
    assert _counts(from_frame, skip=("storage_type",)) == _counts(from_csv)


@pytest.mark.parametrize("tolerance", ["'50%'", "1", "0"])
def test_a_frame_has_the_tolerance_of_its_contract_as_its_parquet_file_has(tmp_path: Path, tolerance: str) -> None:
    (tmp_path / "c.yaml").write_text(
        f"contract: t\nquarantine: {{max_invalid: {tolerance}}}\ncolumns:\n  v: {{type: integer, min: 0}}\n", "utf-8"
    )
    contract = pipecheck.load_contract(tmp_path / "c.yaml")
    frame = pl.DataFrame({"v": [1, -1, 2, 3]})
    frame.write_parquet(tmp_path / "t.parquet")
    from_frame = pipecheck.validate_frame(frame, contract)
    from_file = pipecheck.validate(tmp_path / "t.parquet", contract)
    assert _findings(from_frame) == _findings(from_file)
    assert from_frame.ok == from_file.ok == (tolerance != "0")
    assert not pipecheck.validate_frame(frame, contract, max_invalid=0).ok
