"""The I/O floor: one plain whole-file read, no checks.

    python bench/floor.py READER FILE      (prints the row count)

CSV readers get the column types up front (no inference pass). created_at and quantity
are read as text: the benchmark files hold unparsable values there, and a typed read
would stop at them.
"""

from __future__ import annotations

import sys

CSV_READERS = ("pyarrow.csv", "polars.read_csv", "pandas.read_csv")
QUOTED_READERS = ("pyarrow.csv+note", "polars.read_csv+note")  # the quoted export shape: a note column
PARQUET_READERS = ("pyarrow.parquet", "polars.read_parquet")


def read(reader: str, path: str) -> int:
    notes = reader.endswith("+note")
    reader = reader.removesuffix("+note")
    if reader == "pyarrow.csv":
        import pyarrow as pa
        import pyarrow.csv as pacsv

        types = {
            "order_id": pa.int64(),
            "customer_id": pa.int64(),
            "email": pa.string(),
            "status": pa.string(),
            "amount": pa.float64(),
            "discount": pa.float64(),
            "created_at": pa.string(),
            "ship_date": pa.date32(),
            "country": pa.string(),
            "quantity": pa.string(),
            **({"note": pa.string()} if notes else {}),
        }
        return pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(newlines_in_values=notes),
            convert_options=pacsv.ConvertOptions(column_types=types),
        ).num_rows
    if reader == "polars.read_csv":
        import polars as pl

        schema = {
            "order_id": pl.Int64,
            "customer_id": pl.Int64,
            "email": pl.String,
            "status": pl.String,
            "amount": pl.Float64,
            "discount": pl.Float64,
            "created_at": pl.String,
            "ship_date": pl.Date,
            "country": pl.String,
            "quantity": pl.String,
            **({"note": pl.String} if notes else {}),
        }
        return pl.read_csv(path, schema=schema).height
    if reader == "pandas.read_csv":
        import pandas as pd

        dtypes = {
            "order_id": "int64",
            "customer_id": "int64",
            "email": "str",
            "status": "str",
            "amount": "float64",
            "discount": "float64",
            "created_at": "str",
            "ship_date": "str",
            "country": "str",
            "quantity": "str",
        }
        return len(pd.read_csv(path, engine="c", dtype=dtypes))  # type: ignore[arg-type]
    if reader == "pyarrow.parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).num_rows
    if reader == "polars.read_parquet":
        import polars as pl

        return pl.read_parquet(path).height
    raise SystemExit(f"unknown reader {reader!r}")


if __name__ == "__main__":
    print(read(sys.argv[1], sys.argv[2]))
