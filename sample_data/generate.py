"""Regenerate the bundled sample data deterministically: python sample_data/generate.py"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).parent
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
    "note",
]


def good_rows(n: int, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    start = dt.datetime(2024, 3, 1, 8, 0, 0)
    rows = []
    for i in range(1, n + 1):
        created = start + dt.timedelta(minutes=17 * i)
        status = rng.choice(["new", "paid", "shipped"])
        rows.append(
            {
                "order_id": str(1000 + i),
                "customer_id": str(rng.randint(1, 60)),
                "email": f"customer{rng.randint(1, 60)}@example.com",
                "status": status,
                "amount": f"{rng.uniform(5, 900):.2f}",
                "discount": rng.choice(["", "0.1", "0.05", "0.25"]),
                "created_at": created.strftime("%Y-%m-%dT%H:%M:%S"),
                "ship_date": (created.date() + dt.timedelta(days=2)).isoformat() if status == "shipped" else "",
                "country": rng.choice(["DE", "FR", "US", "GB", "NL"]),
                "note": rng.choice(["", "gift wrap", "leave at door", 'call first, "urgent"']),
            }
        )
    return rows


def drifted_rows(n: int, seed: int = 13) -> list[dict[str, str]]:
    """Rows that still hold the contract but have drifted from orders.csv (the `make demo` drift case):
    larger amounts, most orders paid, a country never seen before, more rows without a note."""
    rng = random.Random(seed)
    rows = good_rows(n, seed=seed)
    for row in rows:
        row["amount"] = f"{rng.uniform(300, 1400):.2f}"
        row["status"] = rng.choices(["new", "paid", "shipped"], weights=[15, 70, 15])[0]
        if row["status"] != "shipped":
            row["ship_date"] = ""
        row["country"] = rng.choices(["DE", "FR", "US", "GB", "NL", "ES"], weights=[18, 18, 18, 18, 18, 10])[0]
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    rows = good_rows(200)
    write_csv(HERE / "orders.csv", COLUMNS, [[r[c] for c in COLUMNS] for r in rows])
    write_csv(HERE / "orders_drifted.csv", COLUMNS, [[r[c] for c in COLUMNS] for r in drifted_rows(200)])

    bad = [dict(r) for r in good_rows(40, seed=11)]
    bad[2]["order_id"] = "12.5"  # type
    bad[4]["email"] = ""  # nullable
    bad[6]["order_id"] = bad[5]["order_id"]  # unique
    bad[8]["amount"] = "-5.0"  # min
    bad[10]["discount"] = "1.5"  # max
    bad[12]["status"] = "refunded"  # allowed
    bad[14]["email"] = "not-an-email"  # pattern
    bad[16]["country"] = "D"  # min_length
    bad[18]["country"] = "DEU"  # max_length
    bad[20]["note"] = "x" * 120  # max_length, severity warning
    bad[22]["created_at"] = "2024-13-01T10:00:00"  # type (datetime)
    bad[24]["customer_id"], bad[24]["created_at"] = bad[23]["customer_id"], bad[23]["created_at"]  # unique_together
    bad[26]["note"] = "multi-line\nnote"  # a quoted newline: later lines must still be right
    header = [*COLUMNS, "coupon"]  # extra_column
    out = [[r[c] for c in COLUMNS] + [""] for r in bad]
    out[30] = out[30][:5]  # malformed_row: too few fields
    write_csv(HERE / "orders_bad.csv", header, out)

    table = pa.table(
        {
            "order_id": pa.array([int(r["order_id"]) for r in rows], pa.int64()),
            "customer_id": pa.array([int(r["customer_id"]) for r in rows], pa.int32()),
            "email": [r["email"] for r in rows],
            "status": pa.array([r["status"] for r in rows]).dictionary_encode(),
            "amount": pa.array([float(r["amount"]) for r in rows], pa.float64()),
            "discount": pa.array([float(r["discount"]) if r["discount"] else None for r in rows], pa.float32()),
            "created_at": pa.array([dt.datetime.fromisoformat(r["created_at"]) for r in rows], pa.timestamp("ms")),
            "ship_date": pa.array(
                [dt.date.fromisoformat(r["ship_date"]) if r["ship_date"] else None for r in rows], pa.date32()
            ),
            "country": [r["country"] for r in rows],
            "note": [r["note"] or None for r in rows],
        }
    )
    pq.write_table(table, HERE / "orders.parquet", row_group_size=64)


if __name__ == "__main__":
    main()
