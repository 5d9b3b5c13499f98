"""Classify the changes between two versions of a contract (pure: two models in, changes out).

Each change is judged by itself, with the rest of the contract as it is on the side that decides:
it *breaks producers* when a file that held the old contract can fail the new one (a tightening),
and *breaks consumers* when a file can hold the new contract that the old one refused (a
loosening). A rule of severity `warning` never fails a file, so changing it breaks no one;
changing the severity is the break. A change the classifier cannot order (a pattern rewritten, a
type replaced) breaks both.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from pipecheck.changes import Change, Position
from pipecheck.contract.column_diff import column_changes, plain, show
from pipecheck.contract.loader import Positions
from pipecheck.contract.model import ColumnSpec, Contract, CsvDialect, ParquetOptions
from pipecheck.contract.table_diff import table_changes

# Every CsvDialect key is judged (tests/contract/test_diff.py holds the judged keys against the model).
CSV_KEYS = tuple(CsvDialect.model_fields)
# The Contract keys judged below; `columns` and `checks` by their own modules.
CONTRACT_KEYS = (
    *(
        "contract",
        "version",
        "description",
        "match",
        "csv",
        "parquet",
        "drift",
        "quarantine",
        "extra_columns",
        "ordered",
        "columns",
        "checks",
    ),
)
# Every ParquetOptions key is judged (a severity each: only `error` fails a file).
PARQUET_KEYS = tuple(ParquetOptions.model_fields)
_FAILS = {"error": 1, "warn": 0, "ignore": 0}  # a warning fails no file


def diff_contracts(old: Contract | None, new: Contract) -> list[Change]:
    """Every change from `old` to `new` (None: the contract is new, so all of it is added and breaks no one)."""
    if old is None:
        added = [Change("contract_added", f"new contract {new.contract!r}", False, False, path=())]
        return added + [
            Change(
                "column_added",
                f"column {name!r} (new contract)",
                False,
                False,
                name,
                None,
                spec.type,
                path=("columns", name),
            )
            for name, spec in new.columns.items()
        ]
    changes = _contract_keys(old, new)
    changes += _dialect(old.csv, new.csv)
    changes += _parquet(old.parquet, new.parquet)
    changes += _table_shape(old, new)
    changes += _columns(old, new)
    changes += table_changes(old, new)
    return changes


def locate(changes: Iterable[Change], old: tuple[str, Positions] | None, new: tuple[str, Positions]) -> list[Change]:
    """The changes with their YAML positions: (display name, positions) of each side."""
    located: list[Change] = []
    for change in changes:
        side = old if change.side == "old" and old is not None else new
        name, positions = side
        located.append(replace(change, position=Position(name, *_position(positions, change.path))))
    return located


def _position(positions: Positions, path: tuple[str | int, ...]) -> tuple[int, int]:
    """The key's position where one is written (a mapping's key), else its value's, else its parent's."""
    while path:
        if path in positions.keys:
            return positions.keys[path]
        if path in positions.values:
            return positions.values[path]
        path = path[:-1]
    return (1, 1)


# ---------------------------------------------------------------- the contract and its table


def _tolerance_change(old: str | int | None, new: str | int | None) -> list[Change]:
    """quarantine.max_invalid: a lower tolerance can fail files that passed (producers); a higher one
    lets more invalid rows through to consumers; rows against a share cannot be ordered (either)."""
    if str(old) == str(new):
        return []

    def parsed(value: str | int | None) -> tuple[str, float] | None:
        if value is None:
            return None
        text = str(value).strip()
        return ("%", float(text[:-1])) if text.endswith("%") else ("rows", float(text))

    before, after = parsed(old), parsed(new)
    if before is None:
        producers, consumers, what = False, True, f"added ({new}): files within it now pass with invalid rows"
    elif after is None:
        producers, consumers, what = True, False, f"removed (was {old}): any invalid row fails a file again"
    elif before[0] != after[0]:
        producers, consumers, what = True, True, f"{old} -> {new}: rows and shares do not compare"
    else:
        tighter = after[1] < before[1]
        producers, consumers = tighter, not tighter
        what = f"{'lowered' if tighter else 'raised'} from {old} to {new}"
    return [
        Change(
            "quarantine",
            f"quarantine.max_invalid {what}",
            producers,
            consumers,
            None,
            old,
            new,
            path=("quarantine", "max_invalid"),
            side="old" if new is None else "new",
        )
    ]


def _contract_keys(old: Contract, new: Contract) -> list[Change]:
    changes = [
        Change(
            key,
            f"{key} changed (no effect on which files hold)",
            False,
            False,
            None,
            getattr(old, key),
            getattr(new, key),
            path=(key,),
        )
        for key in ("contract", "version", "description")
        if getattr(old, key) != getattr(new, key)
    ]
    if old.drift != new.drift:
        changes.append(
            Change(
                "drift",
                "drift settings changed (they judge files against a baseline, not the contract's rules)",
                False,
                False,
                None,
                old.drift.model_dump(exclude_defaults=True),
                new.drift.model_dump(exclude_defaults=True),
                path=("drift",),
            )
        )
    changes += _tolerance_change(old.quarantine.max_invalid, new.quarantine.max_invalid)
    before, after = _globs(old), _globs(new)
    for i, glob in enumerate(new.match):
        if _glob(glob) not in before and _glob(glob) not in {_glob(g) for g in new.match[:i]}:
            changes.append(
                Change(
                    "match",
                    f"match: glob {glob!r} added: the files it matches must now hold this contract",
                    True,
                    False,
                    None,
                    None,
                    glob,
                    path=("match", i),
                )
            )
    for i, glob in enumerate(old.match):
        if _glob(glob) not in after and _glob(glob) not in {_glob(g) for g in old.match[:i]}:
            changes.append(
                Change(
                    "match",
                    f"match: glob {glob!r} removed: files only it matched are no longer checked",
                    False,
                    True,
                    None,
                    glob,
                    None,
                    path=("match", i),
                    side="old",
                )
            )
    return changes


def _glob(glob: str) -> str:
    """A match glob as config.glob_matches applies it (a leading `./` means nothing)."""
    return glob.removeprefix("./")


def _globs(contract: Contract) -> set[str]:
    return {_glob(g) for g in contract.match}


def _dialect(old: CsvDialect, new: CsvDialect) -> list[Change]:
    """Any change of how the bytes are read means the same file reads differently: both sides break."""
    changes: list[Change] = []
    for key in CSV_KEYS:
        before, after = _dialect_value(old, key), _dialect_value(new, key)
        if before == after:
            explicit = "delimiter" in new.model_fields_set
            if key == "delimiter" and ("delimiter" in old.model_fields_set) != explicit:
                changes.append(
                    Change(
                        "csv.delimiter",
                        f"csv.delimiter {'set to' if explicit else 'no longer set, was'} {new.delimiter!r}",
                        True,
                        True,
                        None,
                        old.delimiter,
                        new.delimiter,
                        "a .tsv file is tab-separated unless the contract sets a delimiter",
                        path=("csv", "delimiter"),
                    )
                )
            continue
        changes.append(
            Change(
                f"csv.{key}",
                f"csv.{key} changed from {show(getattr(old, key))} to {show(getattr(new, key))}: "
                "files written as before are read differently",
                True,
                True,
                None,
                plain(getattr(old, key)),
                plain(getattr(new, key)),
                path=("csv", key),
            )
        )
    return changes


def _dialect_value(dialect: CsvDialect, key: str) -> Any:
    value = getattr(dialect, key)
    if key == "encoding":
        name = codecs.lookup(value).name
        return "utf-8" if name == "utf-8-sig" else name  # a UTF-8 BOM is accepted either way
    if key == "null_values":
        return frozenset(value)
    return value


def _parquet(old: ParquetOptions, new: ParquetOptions) -> list[Change]:
    """A Parquet option is the severity of a finding: made `error` it breaks producers, no longer `error` consumers."""
    changes: list[Change] = []
    for key in PARQUET_KEYS:
        before, after = getattr(old, key), getattr(new, key)
        if before == after:
            continue
        tighter, looser = _FAILS[after] > _FAILS[before], _FAILS[after] < _FAILS[before]
        effect = (
            ": files storing a column as another convertible type now fail"
            if tighter
            else ": files storing a column as another convertible type no longer fail"
            if looser
            else ""
        )
        changes.append(
            Change(
                f"parquet.{key}",
                f"parquet.{key}: {before} -> {after}{effect}",
                tighter,
                looser,
                None,
                before,
                after,
                path=("parquet", key),
            )
        )
    return changes


def _table_shape(old: Contract, new: Contract) -> list[Change]:
    changes: list[Change] = []
    rank = _FAILS
    if old.extra_columns != new.extra_columns:
        tighter, looser = (
            rank[new.extra_columns] > rank[old.extra_columns],
            rank[new.extra_columns] < rank[old.extra_columns],
        )
        changes.append(
            Change(
                "extra_columns",
                f"extra_columns: {old.extra_columns} -> {new.extra_columns}"
                + (
                    ": files with a column the contract does not name now fail"
                    if tighter
                    else ": files may now carry columns the contract does not name"
                    if looser
                    else ""
                ),
                tighter,
                looser,
                None,
                old.extra_columns,
                new.extra_columns,
                path=("extra_columns",),
            )
        )
    if old.ordered != new.ordered:
        changes.append(
            Change(
                "ordered",
                f"ordered: {show(old.ordered)} -> {show(new.ordered)}"
                + (
                    ": files with the columns in another order now fail"
                    if new.ordered
                    else ": columns may now come in any order"
                ),
                new.ordered,
                old.ordered,
                None,
                old.ordered,
                new.ordered,
                path=("ordered",),
            )
        )
    positional = not old.csv.header or not new.csv.header
    if (old.ordered and new.ordered) or positional:
        before = [name for name in old.columns if name in new.columns]
        after = [name for name in new.columns if name in old.columns]
        if before != after:
            why = "header: false reads columns by position" if positional else "ordered: true"
            changes.append(
                Change(
                    "column_order",
                    f"columns reordered ({why}): {', '.join(before)} -> {', '.join(after)}",
                    True,
                    True,
                    None,
                    before,
                    after,
                    path=("columns",),
                )
            )
    return changes


# ---------------------------------------------------------------- columns


def _columns(old: Contract, new: Contract) -> list[Change]:
    removed = [name for name in old.columns if name not in new.columns]
    added = [name for name in new.columns if name not in old.columns]
    renamed = _rename_pairs(old, new, removed, added)
    renamed_to, renamed_from = dict(renamed), {b: a for a, b in renamed}
    changes: list[Change] = []
    for name in removed:
        spec = old.columns[name]
        producers = new.extra_columns == "error" or not new.csv.header
        consumers = spec.required or (new.extra_columns != "error" and not _accepts_anything(spec))
        effects = []
        if consumers:
            effects.append("files may lack it" if spec.required else "its values are no longer checked")
        if producers:
            effects.append("files that still carry it fail" + (" (extra_columns: error)" if new.csv.header else ""))
        to = renamed_to.get(name)
        changes.append(
            Change(
                "column_removed",
                f"column {name!r} removed" + (f": {'; '.join(effects)}" if effects else ""),
                producers,
                consumers,
                name,
                spec.type,
                None,
                f"renamed to {to!r}?" if to else None,
                path=("columns", name),
                side="old",
            )
        )
    for name in added:
        spec = new.columns[name]
        consumers = old.extra_columns == "error" or not old.csv.header
        producers = spec.required or (old.extra_columns != "error" and not _accepts_anything(spec))
        effects = []
        if producers:
            effects.append("files without it fail" if spec.required else "its values are now checked")
        if consumers:
            effects.append("files may now carry a column the old contract refused")
        frm = renamed_from.get(name)
        changes.append(
            Change(
                "column_added",
                f"{'required' if spec.required else 'optional'} column {name!r} added"
                + (f": {'; '.join(effects)}" if effects else ""),
                producers,
                consumers,
                name,
                None,
                spec.type,
                f"renamed from {frm!r}?" if frm else None,
                path=("columns", name),
            )
        )
    for name, spec in new.columns.items():
        if name in old.columns and old.columns[name] != spec:
            changes += column_changes(name, old.columns[name], spec)
    return changes


def _rename_pairs(old: Contract, new: Contract, removed: list[str], added: list[str]) -> list[tuple[str, str]]:
    """A removed and an added column with the same rules (descriptions aside): likely a rename."""
    free: dict[str, list[str]] = {}
    for name in added:
        free.setdefault(_rules(new.columns[name]), []).append(name)
    pairs: list[tuple[str, str]] = []
    for name in removed:
        same = free.get(_rules(old.columns[name]))
        if same:
            pairs.append((name, same.pop(0)))
    return pairs


def _rules(spec: ColumnSpec) -> str:
    """A column's rules as one comparable text (hashed, so a 10,000-column rename stays linear)."""
    return spec.model_dump_json(exclude={"description"})


def _accepts_anything(spec: ColumnSpec) -> bool:
    """Whether every value (null included) holds the column's rules: then checking it refuses nothing."""
    if spec.severity == "warning":
        return True
    return (
        spec.type == "string"
        and spec.nullable
        and not spec.unique
        and spec.allowed is None
        and (spec.pattern is None and spec.min_length is None and spec.max_length is None)
    )
