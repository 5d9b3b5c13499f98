"""Compile a contract into pandera checks plus the few file-wide rules that span chunks.

Nothing here reads data. The engine applies the result batch by batch.
"""

from __future__ import annotations

import datetime as dt
import importlib.abc
import sys
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipecheck.contract.model import TEMPORAL_TYPES, ColumnSpec, Contract, parse_temporal_bound
from pipecheck.findings import Severity

if TYPE_CHECKING:
    import pandera.polars as pa


@dataclass(frozen=True)
class Rule:
    """One value-level check of a column, in the order pandera numbers them (check_number)."""

    check: str
    message: str


@dataclass(frozen=True)
class CompiledColumn:
    name: str
    spec: ColumnSpec
    rules: tuple[Rule, ...]

    @property
    def severity(self) -> Severity:
        return self.spec.severity

    @property
    def nullable_message(self) -> str:
        return f"{self.name} must not be null"

    @property
    def unique_message(self) -> str:
        return f"{self.name} values must be unique"


@dataclass(frozen=True)
class CompiledContract:
    contract: Contract
    columns: dict[str, CompiledColumn]
    unique_keys: tuple[tuple[str, ...], ...] = field(default=())
    # Built on first use (pandera imports lazily); files with the same columns share one schema.
    _schemas: dict[tuple[str, ...], pa.DataFrameSchema] = field(default_factory=dict, compare=False, repr=False)
    # The checking module's per-batch polars expressions, built once per set of present columns.
    plans: dict[tuple[object, ...], object] = field(default_factory=dict, compare=False, repr=False)

    @property
    def name(self) -> str:
        return self.contract.contract

    def schema_for(self, present: tuple[str, ...]) -> pa.DataFrameSchema:
        """The pandera schema over the contract columns a file actually has."""
        if present not in self._schemas:
            import_pandera_polars()
            import pandera.polars as pa
            from pandera.backends.polars.register import register_polars_backends

            from pipecheck.parsing import POLARS_TYPES

            # Binds the builtin checks to polars data; validate() would do it, but the engine
            # evaluates the checks through pandera's check backend directly (checking.py).
            register_polars_backends()

            columns = {name: self.columns[name] for name in present}
            self._schemas[present] = pa.DataFrameSchema(
                {
                    name: pa.Column(
                        POLARS_TYPES[column.spec.type],
                        nullable=column.spec.nullable,
                        checks=[_pandera_check(rule, column.spec) for rule in column.rules],
                    )
                    for name, column in columns.items()
                },
                strict=False,
            )
        return self._schemas[present]


def load_pandera_in_background() -> None:
    """Start importing pandera while the first batch is read.

    `schema_for` imports it too; Python's import lock makes that wait for this import to finish.
    Not a daemon: an interpreter shutting down under a half-done import can fail noisily.
    """
    threading.Thread(target=import_pandera_polars, name="pipecheck-import-pandera").start()


_pandas_free_pandera = False  # see use_pandera_without_pandas


def use_pandera_without_pandas() -> None:
    """Import pandera through its polars-only route, without pandas: for a process that is
    pipecheck's own (the console entry), since pandera imported so has no pandas API for the
    rest of the process (`import pandera.pandas` fails: `pandera.typing` was set up without it).

    pandera's top-level package imports pandas (0.75 s) and registers its pandas dtypes (0.2 s)
    for its pandas API only; on an ImportError for pandas it takes the polars-only route pandera
    supports (pandera GH #2387). That cut pipecheck's start-up from about 1.5 s of CPU to 0.4 s.
    A Dask engine (ROADMAP) validating pandas partitions would have to leave this off.
    """
    global _pandas_free_pandera
    _pandas_free_pandera = True


def import_pandera_polars() -> None:
    """`pandera.polars`; with `use_pandera_without_pandas`, imported with pandas hidden from this
    thread for the length of the import (other threads, and this one afterwards, see it)."""
    if "pandera.polars" in sys.modules:
        return
    if not _pandas_free_pandera:
        import pandera.polars

        return
    hidden = _PandasHidden(threading.get_ident())
    sys.meta_path.insert(0, hidden)
    try:
        import pandera.polars  # noqa: F401
    finally:
        sys.meta_path.remove(hidden)


class _PandasHidden(importlib.abc.MetaPathFinder):
    """Makes `import pandas` fail in one thread as it does where pandas is not installed."""

    def __init__(self, thread: int) -> None:
        self.thread = thread

    def find_spec(self, fullname: str, path: object, target: object = None) -> None:
        if threading.get_ident() == self.thread and fullname.partition(".")[0] == "pandas":
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)


def compile_contract(contract: Contract) -> CompiledContract:
    columns = {name: CompiledColumn(name, spec, tuple(_rules(name, spec))) for name, spec in contract.columns.items()}
    keys: list[tuple[str, ...]] = [(name,) for name, spec in contract.columns.items() if spec.unique]
    keys += [tuple(group) for group in contract.checks.unique_together]
    return CompiledContract(contract, columns, tuple(keys))


def _rules(name: str, spec: ColumnSpec) -> list[Rule]:
    rules = []
    if spec.min is not None:
        rules.append(Rule("min", f"{name} must be >= {_show(spec.min)}"))
    if spec.max is not None:
        rules.append(Rule("max", f"{name} must be <= {_show(spec.max)}"))
    if spec.allowed is not None:
        shown = ", ".join(_show(v) for v in spec.allowed[:10]) + (", ..." if len(spec.allowed) > 10 else "")
        rules.append(Rule("allowed", f"{name} must be one of: {shown}"))
    if spec.pattern is not None:
        rules.append(Rule("pattern", f"{name} must fully match {spec.pattern}"))
    if spec.min_length is not None:
        rules.append(Rule("min_length", f"{name} must have at least {spec.min_length} characters"))
    if spec.max_length is not None:
        rules.append(Rule("max_length", f"{name} must have at most {spec.max_length} characters"))
    return rules


def _show(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value).lower() if isinstance(value, bool) else str(value)


def bound_value(value: Any, spec: ColumnSpec) -> Any:
    """A contract bound in the column's typed domain (aware datetimes normalised to naive UTC)."""
    if spec.type not in TEMPORAL_TYPES:
        return value
    parsed = parse_temporal_bound(value, spec.type)
    if isinstance(parsed, dt.datetime) and parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _pandera_check(rule: Rule, spec: ColumnSpec) -> pa.Check:
    import_pandera_polars()
    import pandera.polars as pa

    if rule.check == "min":
        return pa.Check.ge(bound_value(spec.min, spec), name="min")
    if rule.check == "max":
        return pa.Check.le(bound_value(spec.max, spec), name="max")
    if rule.check == "allowed":
        values = [bound_value(v, spec) for v in spec.allowed or []]
        return pa.Check.isin(values, name="allowed")
    if rule.check == "pattern":
        # polars' regex engine (Rust `regex`) runs in linear time: no catastrophic backtracking.
        return pa.Check.str_matches(f"^(?:{spec.pattern})$", name="pattern")
    if rule.check == "min_length":
        return pa.Check.str_length(min_value=spec.min_length, name="min_length")
    if rule.check == "max_length":
        return pa.Check.str_length(max_value=spec.max_length, name="max_length")
    raise AssertionError(f"no pandera check for rule {rule.check}")
