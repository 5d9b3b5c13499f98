"""Deterministic "orders" datasets with violations injected at known rows.

Every size gets the same recipe (seeded numpy, vectorised through pyarrow), so the
5M-row file is written in seconds. One in a hundred rows carries exactly one violation,
split evenly over ten kinds; ``expected()`` says how many failing rows each column holds.

CSV can hold any text, so it carries the type violations as text (``abc`` in quantity, a
slash-separated created_at). A typed Parquet column cannot, so there those rows hold a
null instead, which the (non-nullable) contract rejects just the same.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data"
SEED = 20240601
RECIPE = 4  # bump when the data recipe changes: cached files are then rewritten

SIZES = {"100k": 100_000, "1m": 1_000_000, "5m": 5_000_000}
COLUMNS = [
    "order_id",
    "customer_id",
    "email",
    "status",
    "amount",
    "discount",
    "created_at",
    "ship_date",
    "country",
    "quantity",
]
STATUSES = ["new", "paid", "shipped", "cancelled"]
COUNTRIES = ["DE", "FR", "US", "GB", "NL", "ES", "IT", "SE", "PL", "JP"]
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"

# The ten kinds of injected violation, one column each. Each affects size // 1000 rows.
KINDS = [
    ("amount_negative", "amount"),
    ("amount_too_large", "amount"),
    ("status_unknown", "status"),
    ("email_malformed", "email"),
    ("order_id_duplicate", "order_id"),
    ("quantity_not_integer", "quantity"),
    ("quantity_zero", "quantity"),
    ("discount_above_one", "discount"),
    ("country_three_letters", "country"),
    ("created_at_bad_format", "created_at"),
]


def per_kind(rows: int) -> int:
    return rows // 1000


def expected(rows: int) -> dict[str, int]:
    """Failing rows per column; order_id counts the duplicated rows once (tools that
    flag both occurrences of a duplicate report twice that, which is accepted too)."""
    out: dict[str, int] = {}
    for _, column in KINDS:
        out[column] = out.get(column, 0) + per_kind(rows)
    return out


def paths(size: str) -> dict[str, Path]:
    return {"csv": DATA / f"orders_{size}.csv", "parquet": DATA / f"orders_{size}.parquet"}


# The export shape of real tools: the same table plus a free-text `note` column, quoted only where
# needed (as pandas' to_csv and polars' write_csv do), in LF and CRLF variants.
QUOTED_SHAPES = {"quoted": "\n", "quoted-crlf": "\r\n"}
NOTES = [
    'says "hi", twice',  # a doubled quote and a comma
    "line one\nline two",  # a newline inside quotes
    "a, b, c",
    'multi\nline "quoted", with commas\n and three lines',
]
NOTE_SHARE = 0.25
NOTES_CONTRACT = DATA / "orders_notes.yaml"


def quoted_paths(size: str) -> dict[str, Path]:
    return {shape: DATA / f"orders_{size}_{shape.replace('-', '_')}.csv" for shape in QUOTED_SHAPES}


def ensure_quoted(size: str) -> dict[str, Path]:
    """The quoted shapes of one size (from the plain CSV, so the same rows fail), and their contract:
    bench/orders.yaml plus `note`. Rewritten when the recipe changes, like ensure()."""
    import polars as pl

    plain = ensure(size)["csv"]
    out = quoted_paths(size)
    stamp = DATA / f"orders_{size}_quoted.json"
    meta = {"recipe": RECIPE, "seed": SEED, "rows": SIZES[size], "notes": NOTES, "share": NOTE_SHARE}
    _write_notes_contract()
    if _current(stamp, meta, out):
        return out
    table = pl.read_csv(plain, infer_schema=False)
    rng = np.random.default_rng(SEED + 1)
    noted = rng.random(table.height) < NOTE_SHARE
    kinds = rng.integers(0, len(NOTES), table.height)
    note = np.where(noted, np.array(NOTES, dtype=object)[kinds], None)
    for shape, terminator in QUOTED_SHAPES.items():
        text = [n.replace("\n", terminator) if n is not None else None for n in note] if terminator != "\n" else note
        frame = table.with_columns(pl.Series("note", text, dtype=pl.String))
        write = functools.partial(frame.write_csv, quote_style="necessary", line_terminator=terminator)
        _atomic(out[shape], write)
    _atomic(stamp, lambda tmp: Path(tmp).write_text(json.dumps(meta, indent=2)))
    return out


def _write_notes_contract() -> None:
    text = (BENCH / "orders.yaml").read_text()
    text = text.replace("contract: bench-orders", "contract: bench-orders-notes")
    _atomic(NOTES_CONTRACT, lambda tmp: Path(tmp).write_text(text + "  note:        {type: string, nullable: true}\n"))


def _stamp(size: str) -> Path:
    return DATA / f"orders_{size}.json"


def ensure(size: str) -> dict[str, Path]:
    """Write the CSV and Parquet files for one size unless the cached ones are current."""
    rows = SIZES[size]
    out = paths(size)
    stamp = _stamp(size)
    meta = {"recipe": RECIPE, "seed": SEED, "rows": rows, "expected": expected(rows)}
    if _current(stamp, meta, out):
        return out
    DATA.mkdir(parents=True, exist_ok=True)
    csv_table, parquet_table = build(rows)
    _atomic(out["csv"], lambda tmp: pacsv.write_csv(csv_table, tmp, pacsv.WriteOptions(quoting_style="none")))
    _atomic(out["parquet"], lambda tmp: pq.write_table(parquet_table, tmp, compression="snappy"))
    _atomic(stamp, lambda tmp: Path(tmp).write_text(json.dumps(meta, indent=2)))
    return out


def _current(stamp: Path, meta: dict[str, Any], out: dict[str, Path]) -> bool:
    """The cached files exist and were written by this recipe (the stamp says so)."""
    if not (stamp.exists() and all(p.exists() for p in out.values())):
        return False
    try:
        return bool(json.loads(stamp.read_text()) == meta)
    except ValueError:
        return False


def _atomic(path: Path, write: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(str(tmp))
    os.replace(tmp, path)


def build(rows: int) -> tuple[pa.Table, pa.Table]:
    """(table written as CSV, table written as Parquet)."""
    rng = np.random.default_rng(SEED)
    k = per_kind(rows)
    picked = rng.choice(rows, size=k * len(KINDS), replace=False)
    groups = {name: picked[i * k : (i + 1) * k] for i, (name, _) in enumerate(KINDS)}
    dirty = np.zeros(rows, dtype=bool)
    dirty[picked] = True

    order_id = np.arange(1, rows + 1, dtype=np.int64)
    customer_id = rng.integers(1, max(rows // 5, 10), size=rows, dtype=np.int64)
    status_idx = rng.integers(0, len(STATUSES), size=rows)
    amount = np.round(rng.uniform(1.0, 5000.0, size=rows), 2)
    discount = np.round(rng.uniform(0.0, 0.5, size=rows), 3)
    discount_null = rng.random(rows) < 0.10
    created_s = np.datetime64("2024-01-01T00:00:00", "s").astype(np.int64) + rng.integers(
        0, 365 * 86400, size=rows, dtype=np.int64
    )
    ship_days = created_s // 86400 + rng.integers(0, 10, size=rows)
    ship_null = rng.random(rows) < 0.20
    country_idx = rng.integers(0, len(COUNTRIES), size=rows)
    quantity = rng.integers(1, 20, size=rows, dtype=np.int64)
    email_user = rng.integers(0, 10_000_000, size=rows, dtype=np.int64)

    # Injected violations (clean rows never hit any of these).
    amount[groups["amount_negative"]] = -amount[groups["amount_negative"]]
    amount[groups["amount_too_large"]] = 150_000.0
    status_idx_bad = groups["status_unknown"]
    discount[groups["discount_above_one"]] = 1.5
    discount_null[groups["discount_above_one"]] = False
    quantity[groups["quantity_zero"]] = 0
    clean = np.flatnonzero(~dirty)
    order_id[groups["order_id_duplicate"]] = order_id[rng.choice(clean, size=k, replace=False)]

    email = pc.binary_join_element_wise(
        "user", pc.cast(pa.array(email_user), pa.string()), "@example.com", ""
    ).to_numpy(zero_copy_only=False)
    email[groups["email_malformed"]] = "not-an-email"
    status = np.array(STATUSES, dtype=object)[status_idx]
    status[status_idx_bad] = "unknown"
    country = np.array(COUNTRIES, dtype=object)[country_idx]
    country[groups["country_three_letters"]] = "USA"

    created = pa.array(created_s, type=pa.timestamp("s"))
    ship_date = pa.array(ship_days.astype(np.int32), type=pa.date32(), mask=ship_null)
    discount_arr = pa.array(discount, mask=discount_null)
    quantity_bad = np.zeros(rows, dtype=bool)
    quantity_bad[groups["quantity_not_integer"]] = True
    created_bad = np.zeros(rows, dtype=bool)
    created_bad[groups["created_at_bad_format"]] = True

    common = {
        "order_id": pa.array(order_id),
        "customer_id": pa.array(customer_id),
        "email": pa.array(email, type=pa.string()),
        "status": pa.array(status, type=pa.string()),
        "amount": pa.array(amount),
        "discount": discount_arr,
    }
    # CSV: text violations.
    created_text = pc.strftime(created, format=DATETIME_FORMAT).to_numpy(zero_copy_only=False)
    created_text[created_bad] = "2024/01/05 10:00:00"
    quantity_text = pc.cast(pa.array(quantity), pa.string()).to_numpy(zero_copy_only=False)
    quantity_text[quantity_bad] = "abc"
    csv_table = pa.table(
        {
            **common,
            "created_at": pa.array(created_text, type=pa.string()),
            "ship_date": ship_date,
            "country": pa.array(country, type=pa.string()),
            "quantity": pa.array(quantity_text, type=pa.string()),
        }
    )
    # Parquet: typed columns, so the "type" violations are nulls in non-nullable columns.
    parquet_table = pa.table(
        {
            **common,
            "created_at": pa.array(created_s, type=pa.timestamp("s"), mask=created_bad),
            "ship_date": ship_date,
            "country": pa.array(country, type=pa.string()),
            "quantity": pa.array(quantity, mask=quantity_bad),
        }
    )
    return csv_table, parquet_table


# ---------------------------------------------------------------------------------------
# Peer contracts written next to the data (the pipecheck one is bench/orders.yaml).


def frictionless_schema() -> dict[str, Any]:
    """Table Schema with the same rules as bench/orders.yaml."""
    return {
        "missingValues": [""],
        "fields": [
            {"name": "order_id", "type": "integer", "constraints": {"required": True, "unique": True, "minimum": 1}},
            {"name": "customer_id", "type": "integer", "constraints": {"required": True, "minimum": 1}},
            {
                "name": "email",
                "type": "string",
                "constraints": {"required": True, "pattern": EMAIL_PATTERN.strip("^$")},
            },
            {"name": "status", "type": "string", "constraints": {"required": True, "enum": STATUSES}},
            {"name": "amount", "type": "number", "constraints": {"required": True, "minimum": 0, "maximum": 100000}},
            {"name": "discount", "type": "number", "constraints": {"minimum": 0, "maximum": 1}},
            {"name": "created_at", "type": "datetime", "format": DATETIME_FORMAT, "constraints": {"required": True}},
            {"name": "ship_date", "type": "date"},
            {"name": "country", "type": "string", "constraints": {"required": True, "minLength": 2, "maxLength": 2}},
            {"name": "quantity", "type": "integer", "constraints": {"required": True, "minimum": 1, "maximum": 1000}},
        ],
    }


def write_peer_files() -> Path:
    """The frictionless Table Schema, next to the data (cheap; rewritten every run)."""
    DATA.mkdir(parents=True, exist_ok=True)
    schema = DATA / "orders.schema.json"
    _atomic(schema, lambda tmp: Path(tmp).write_text(json.dumps(frictionless_schema(), indent=2)))
    return schema


if __name__ == "__main__":
    import sys
    import time

    for name in sys.argv[1:] or list(SIZES):
        start = time.perf_counter()
        written = {**ensure(name), **ensure_quoted(name)}
        print(name, {k: str(v) for k, v in written.items()}, f"{time.perf_counter() - start:.1f}s")
