"""Peer validators doing the bench contract's checks, one per process.

Runs in the peers' own venv (bench/.peers), never in pipecheck's:
    bench/.peers/bin/python bench/peers.py TOOL FILE
prints one JSON line: {"columns": {column: failing rows}, "checks": n, "failed_checks": n}.

Every peer gets the checks of bench/orders.yaml, written the way a user who knows the
tool would: the type checks become "parses as the type" (text that does not parse is
coerced to null, and the non-null rule then counts it).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen import COLUMNS, DATETIME_FORMAT, EMAIL_PATTERN, STATUSES

INT_COLUMNS = ("order_id", "customer_id", "quantity")
FLOAT_COLUMNS = ("amount", "discount")
NULLABLE = ("discount", "ship_date")


def _read_pandas(path: str) -> tuple[Any, dict[str, Any]]:
    """(typed frame, per-column mask of text that did not parse as its type)."""
    import pandas as pd

    if path.endswith(".parquet"):
        frame = pd.read_parquet(path)
        for name in INT_COLUMNS:
            frame[name] = frame[name].astype("Int64")
        return frame, {}
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], engine="c")
    frame = pd.DataFrame(index=raw.index)
    bad: dict[str, Any] = {}
    for name in raw.columns:
        text = raw[name]
        if name in INT_COLUMNS:
            parsed = pd.to_numeric(text, errors="coerce")
            ok = parsed.isna() | (parsed == parsed.round())
            parsed = parsed.where(ok).astype("Int64")
        elif name in FLOAT_COLUMNS:
            parsed = pd.to_numeric(text, errors="coerce").astype("float64")
        elif name == "created_at":
            parsed = pd.to_datetime(text, format=DATETIME_FORMAT, errors="coerce")
        elif name == "ship_date":
            parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        else:
            parsed = text
        if name in INT_COLUMNS + FLOAT_COLUMNS + ("created_at", "ship_date"):
            bad[name] = parsed.isna() & text.notna()
        frame[name] = parsed
    return frame, bad


# ---------------------------------------------------------------------------------------
def run_pandera(path: str) -> dict[str, Any]:
    import pandera.pandas as pa

    frame, bad = _read_pandas(path)

    def parses(name: str) -> list[Any]:
        # For nullable columns, unparsable text became null: flag it (non-null columns
        # reject the null anyway).
        if name in NULLABLE and name in bad:
            mask = bad[name]
            return [pa.Check(lambda s, m=mask: ~m.loc[s.index], name=f"{name}_parses")]
        return []

    schema = pa.DataFrameSchema(
        {
            "order_id": pa.Column("Int64", pa.Check.ge(1), unique=True),
            "customer_id": pa.Column("Int64", pa.Check.ge(1)),
            "email": pa.Column(str, pa.Check.str_matches(EMAIL_PATTERN)),
            "status": pa.Column(str, pa.Check.isin(STATUSES)),
            "amount": pa.Column(float, pa.Check.in_range(0, 100000)),
            "discount": pa.Column(float, [pa.Check.in_range(0, 1), *parses("discount")], nullable=True),
            "created_at": pa.Column(None),
            "ship_date": pa.Column(None, parses("ship_date"), nullable=True),
            "country": pa.Column(str, pa.Check.str_length(2, 2)),
            "quantity": pa.Column("Int64", pa.Check.in_range(1, 1000)),
        },
        strict=True,
    )
    columns: dict[str, int] = {}
    failed = 0
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        cases = cases[cases["index"].notna()]
        failed = int(cases[["column", "check"]].drop_duplicates().shape[0])
        counts = cases.groupby("column")["index"].nunique()
        columns = {str(k): int(v) for k, v in counts.items()}
    return {"columns": columns, "checks": _count_checks(schema), "failed_checks": failed}


def _count_checks(schema: Any) -> int:
    total = 0
    for column in schema.columns.values():
        total += len(column.checks) + int(column.unique) + int(not column.nullable) + int(column.dtype is not None)
    return total


# ---------------------------------------------------------------------------------------
def run_gx(path: str) -> dict[str, Any]:
    import great_expectations as gx
    import great_expectations.expectations as gxe

    frame, bad = _read_pandas(path)
    for name, mask in bad.items():
        if name in NULLABLE:
            frame[f"{name}__unparsable"] = mask
    context = gx.get_context(mode="ephemeral")
    asset = context.data_sources.add_pandas("pandas").add_dataframe_asset(name="orders")
    batch_definition = asset.add_batch_definition_whole_dataframe("all")
    suite = context.suites.add(gx.ExpectationSuite(name="orders"))
    expectations: list[Any] = [
        gxe.ExpectTableColumnsToMatchSet(
            column_set=[*COLUMNS, *[c for c in frame.columns if c.endswith("__unparsable")]],
            exact_match=True,
        ),
        gxe.ExpectColumnValuesToBeUnique(column="order_id"),
        gxe.ExpectColumnValuesToBeBetween(column="order_id", min_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="customer_id", min_value=1),
        gxe.ExpectColumnValuesToMatchRegex(column="email", regex=EMAIL_PATTERN),
        gxe.ExpectColumnValuesToBeInSet(column="status", value_set=STATUSES),
        gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0, max_value=100000),
        gxe.ExpectColumnValuesToBeBetween(column="discount", min_value=0, max_value=1),
        gxe.ExpectColumnValueLengthsToEqual(column="country", value=2),
        gxe.ExpectColumnValuesToBeBetween(column="quantity", min_value=1, max_value=1000),
    ]
    for name in ("order_id", "customer_id", "email", "status", "amount", "created_at", "country", "quantity"):
        expectations.append(gxe.ExpectColumnValuesToNotBeNull(column=name))
    for name in NULLABLE:
        if f"{name}__unparsable" in frame.columns:
            expectations.append(gxe.ExpectColumnValuesToBeInSet(column=f"{name}__unparsable", value_set=[False]))
    for expectation in expectations:
        suite.add_expectation(expectation)
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, result_format="BASIC")
    columns: dict[str, int] = {}
    failed = 0
    for item in result.results:
        if item.success:
            continue
        failed += 1
        column = item.expectation_config.kwargs.get("column")
        count = (item.result or {}).get("unexpected_count")
        if column is None or count is None:
            continue
        column = column.removesuffix("__unparsable")
        columns[column] = columns.get(column, 0) + int(count)
    return {"columns": columns, "checks": len(expectations), "failed_checks": failed}


# ---------------------------------------------------------------------------------------
SODA_CONTRACT = """\
dataset: bench/main/orders
columns:
  - name: order_id
    checks:
      - missing:
      - duplicate:
      - invalid: {valid_min: 1}
  - name: customer_id
    checks:
      - missing:
      - invalid: {valid_min: 1}
  - name: email
    checks:
      - missing:
      - invalid: {valid_format: {regex: '%(email)s', name: email}}
  - name: status
    checks:
      - missing:
      - invalid: {valid_values: %(statuses)s}
  - name: amount
    checks:
      - missing:
      - invalid: {valid_min: 0, valid_max: 100000}
  - name: discount
    checks:
      - invalid: {valid_min: 0, valid_max: 1}
  - name: created_at
    checks:
      - missing:
  - name: ship_date
  - name: country
    checks:
      - missing:
      - invalid: {valid_min_length: 2, valid_max_length: 2}
  - name: quantity
    checks:
      - missing:
      - invalid: {valid_min: 1, valid_max: 1000}
%(note)schecks:
  - schema:
"""


def _duckdb_source(path: str) -> str:
    """The relation a DuckDB user would point Soda at: the file, typed; text that does
    not parse as its type becomes NULL (TRY_CAST), which the missing checks count."""
    if path.endswith(".parquet"):
        return f"SELECT * FROM read_parquet('{path}')"
    columns = COLUMNS + (["note"] if _has_notes(path) else [])
    text_columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in columns) + "}"
    return f"""
        SELECT TRY_CAST(order_id AS BIGINT) AS order_id,
               TRY_CAST(customer_id AS BIGINT) AS customer_id,
               email, status,
               TRY_CAST(amount AS DOUBLE) AS amount,
               TRY_CAST(discount AS DOUBLE) AS discount,
               TRY_STRPTIME(created_at, '{DATETIME_FORMAT}') AS created_at,
               TRY_CAST(ship_date AS DATE) AS ship_date,
               country,
               TRY_CAST(quantity AS BIGINT) AS quantity{", note" if _has_notes(path) else ""}
        FROM read_csv('{path}', header=true, columns={text_columns}, nullstr='')"""


def _has_notes(path: str) -> bool:
    """The quoted export shape (bench/gen.py ensure_quoted): the orders table plus a free-text note."""
    if path.endswith(".parquet"):
        return False
    with open(path, encoding="utf-8") as file:
        return "note" in file.readline().rstrip("\r\n").split(",")


def run_soda(path: str) -> dict[str, Any]:
    os.environ.setdefault("SODA_CORE_TELEMETRY_ENABLED", "false")
    import duckdb
    from soda_core.contracts.api.verify_api import verify_contract_locally

    with tempfile.TemporaryDirectory(prefix="bench-soda-") as tmp:
        database = Path(tmp) / "bench.duckdb"
        connection = duckdb.connect(str(database))
        connection.execute(f"CREATE VIEW orders AS {_duckdb_source(path)}")
        connection.close()
        data_source = Path(tmp) / "ds.yml"
        data_source.write_text(f"type: duckdb\nname: bench\nconnection:\n  database: '{database}'\n  schema: main\n")
        contract = Path(tmp) / "contract.yml"
        note = "  - name: note\n" if _has_notes(path) else ""
        contract.write_text(SODA_CONTRACT % {"email": EMAIL_PATTERN, "statuses": json.dumps(STATUSES), "note": note})
        session = verify_contract_locally(data_source_file_path=str(data_source), contract_file_path=str(contract))
    columns: dict[str, int] = {}
    checks = failed = 0
    errors = session.get_errors()
    for result in session.results:
        for check_result in result.check_results:
            checks += 1
            if not check_result.is_failed:
                continue
            failed += 1
            column = check_result.check.column_name
            values = check_result.diagnostic_metric_values or {}
            count = next(
                (v for k, v in values.items() if k in ("missing_count", "invalid_count", "duplicate_count")),
                None,
            )
            if column and isinstance(count, int | float):
                columns[column] = columns.get(column, 0) + int(count)
    out: dict[str, Any] = {"columns": columns, "checks": checks, "failed_checks": failed}
    if errors:
        out["errors"] = [str(e)[:300] for e in errors[:5]]
    return out


RUNNERS = {"pandera": run_pandera, "gx": run_gx, "soda": run_soda}

if __name__ == "__main__":
    tool, file_path = sys.argv[1], sys.argv[2]
    print(json.dumps(RUNNERS[tool](str(Path(file_path).resolve()))))
