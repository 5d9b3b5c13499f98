"""Safe YAML loading with node positions, so every contract problem reads file:line:col."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from pipecheck.contract.model import CheckProblems, Contract
from pipecheck.errors import ContractError, ContractProblem, UsageError

# Aliases let a tiny YAML file expand exponentially ("billion laughs"): a contract may have as many
# nodes as characters (each written node takes at least one), and at least MAX_NODES.
MAX_NODES = 200_000
MAX_CONTRACT_BYTES = 5 * 1024 * 1024

Path_ = tuple[str | int, ...]
PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap"}


@dataclass
class Positions:
    """Where each value (and each mapping key) starts in the YAML text, 1-based."""

    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def of_value(self, path: Path_) -> tuple[int, int]:
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, (1, 1))


class _Builder:
    def __init__(self, loader: yaml.SafeLoader, source: str, max_nodes: int = MAX_NODES) -> None:
        self.loader = loader
        self.source = source
        self.max_nodes = max_nodes
        self.positions = Positions()
        self.problems: list[ContractProblem] = []
        self.nodes = 0

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise _TooLarge(node)
        self.positions.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in PLAIN_TAGS:
            raise yaml.constructor.ConstructorError(None, None, f"tag {node.tag!r} is not allowed", node.start_mark)
        if isinstance(node, yaml.MappingNode):
            own = sum(1 for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge")
            self.loader.flatten_mapping(node)
            merged = len(node.value) - own  # `<<: *base` pairs come first; the node's own keys override them
            result: dict[Any, Any] = {}
            from_merge: set[str] = set()
            for index, (key_node, value_node) in enumerate(node.value):
                key = self.build(key_node, (*path, "<key>"))
                if not isinstance(key, str | int | float | bool) or key is None:
                    self._problem(key_node, path, f"mapping keys must be text, got {key!r}")
                    continue
                key = str(key) if not isinstance(key, str) else key
                if key in result and key not in from_merge:
                    self._problem(key_node, (*path, key), f"duplicate key {key!r}")
                    continue
                if index < merged:
                    from_merge.add(key)
                else:
                    from_merge.discard(key)
                self.positions.keys[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                result[key] = self.build(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)

    def _problem(self, node: yaml.Node, path: Path_, message: str) -> None:
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        self.problems.append(ContractProblem(self.source, line, col, _dotted(path), message))


class _TooLarge(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_contract(path: Path, display: str | None = None) -> Contract:
    """Read, parse and validate one contract file; raise ContractError listing every problem."""
    return load_located(path, display)[0]


def load_located(path: Path, display: str | None = None) -> tuple[Contract, Positions]:
    """As load_contract, with where each value is written (the file read and parsed once)."""
    source = display or str(path)
    if path.is_dir():
        raise UsageError(f"{source}: is a directory, expected a contract file (.yaml)")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{source}: contract file not found") from None
    except OSError as exc:
        raise UsageError(f"{source}: cannot read contract: {exc.strerror or exc}") from None
    return parse_located(contract_text(raw, source), source)


def contract_text(raw: bytes, source: str) -> str:
    """A contract file's bytes as text (UTF-8, a BOM allowed), refusing one too large to be a contract."""
    if len(raw) > MAX_CONTRACT_BYTES:
        raise ContractError([ContractProblem(source, 1, 1, "", "contract file is larger than 5 MB")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ContractError(
            [ContractProblem(source, 1, 1, "", f"contract is not UTF-8 (byte offset {exc.start})")]
        ) from None


def parse_contract(text: str, source: str = "<contract>") -> Contract:
    return parse_located(text, source)[0]


def parse_located(text: str, source: str = "<contract>") -> tuple[Contract, Positions]:
    """As parse_contract, with where each value is written (one YAML parse for both)."""
    data, positions, duplicates = _load_yaml(text, source)
    try:
        contract = Contract.model_validate(data)
    except ValidationError as exc:
        # A duplicate key keeps its first value, so the rest of the file is still judged.
        raise ContractError(_sorted([*duplicates, *_problems_from(exc, data, positions, source)])) from None
    if duplicates:
        raise ContractError(duplicates)
    return contract, positions


def contract_positions(text: str, source: str = "<contract>") -> Positions:
    """Where each value of a contract's YAML starts; for problems found beyond the contract itself."""
    return _load_yaml(text, source)[1]


def _sorted(problems: list[ContractProblem]) -> list[ContractProblem]:
    return sorted(problems, key=lambda p: (p.line, p.column))


def _load_yaml(text: str, source: str) -> tuple[Any, Positions, list[ContractProblem]]:
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # a control character: refused before parsing starts
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise ContractError(
            [
                ContractProblem(
                    source, line, column, "", f"invalid YAML: control character U+{exc.character:04X} is not allowed"
                )
            ]
        ) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise ContractError([ContractProblem(source, 1, 1, "", "contract is empty")])
        builder = _Builder(loader, source, max(MAX_NODES, len(text)))
        data = builder.build(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or exc.context or "invalid YAML"
        raise ContractError([ContractProblem(source, line, col, "", f"invalid YAML: {reason}")]) from None
    except yaml.YAMLError as exc:
        raise ContractError([ContractProblem(source, 1, 1, "", f"invalid YAML: {exc}")]) from None
    except _TooLarge as big:
        mark = big.node.start_mark
        raise ContractError(
            [
                ContractProblem(
                    source, mark.line + 1, mark.column + 1, "", "contract expands to too many nodes (aliases?)"
                )
            ]
        ) from None
    except RecursionError:
        raise ContractError([ContractProblem(source, 1, 1, "", "contract is nested too deeply")]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ContractError(
            [ContractProblem(source, 1, 1, "", "a contract is a mapping with keys contract, columns, ...")]
        )
    return data, builder.positions, builder.problems


def _problems_from(exc: ValidationError, data: Any, positions: Positions, source: str) -> list[ContractProblem]:
    problems: dict[str, ContractProblem] = {}
    for error in exc.errors():
        located = (error.get("ctx") or {}).get("error")
        if isinstance(located, CheckProblems):
            # Checks judged against the columns: each problem names its own place in the contract.
            for loc, message in located.problems:
                path = _real_path((*error["loc"], *loc), data)
                line, col = (
                    positions.keys.get(path, positions.of_value(path)) if located.at_keys else positions.of_value(path)
                )
                problems.setdefault(_dotted(path), ContractProblem(source, line, col, _dotted(path), message))
            continue
        path = _real_path(error["loc"], data)
        message = _message(error)
        path, message = _descend_into_named_key(path, message, data)
        if error["type"] == "extra_forbidden":
            line, col = positions.keys.get(path, positions.of_value(path))
            message = _unknown_key_message(path, data)
        elif error["type"] == "missing":
            line, col = positions.of_value(path[:-1])
        else:
            line, col = positions.of_value(path)
        dotted = _dotted(path)
        # A union reports once per member; the first reason per location is the useful one.
        problems.setdefault(dotted, ContractProblem(source, line, col, dotted, message))
    return _sorted(list(problems.values()))


def _real_path(loc: tuple[int | str, ...], data: Any) -> Path_:
    """Drop pydantic's union-member tags from a location, keeping the keys that exist in the data."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            path.append(part)
            node = node[part]  # type: ignore[index]
        elif isinstance(node, dict) and isinstance(part, str) and not path_is_tag(part):
            path.append(part)  # a missing or unknown key still names its place
            break
        else:
            continue
    return tuple(path)


def path_is_tag(part: str) -> bool:
    return part in {"int", "float", "str", "bool", "date", "datetime", "list[str]"} or "[" in part or "-" in part


def _descend_into_named_key(path: Path_, message: str, data: Any) -> tuple[Path_, str]:
    """Model validators phrase their errors as 'key: reason'; locate them at that key."""
    node = data
    for part in path:
        node = node[part] if isinstance(node, dict | list) and _has(node, part) else None  # type: ignore[index]
    head, sep, rest = message.partition(": ")
    if sep and isinstance(node, dict) and head in node:
        return (*path, head), rest
    return path, message


def _has(node: dict[Any, Any] | list[Any], part: str | int) -> bool:
    return part in node if isinstance(node, dict) else isinstance(part, int) and 0 <= part < len(node)


def _message(error: Any) -> str:
    kind = error["type"]
    given = error.get("input")
    shown = _show(given)
    ctx = error.get("ctx") or {}
    if kind in ("int_type", "float_type", "int_parsing", "float_parsing", "int_from_float"):
        return f"expected a number, got {shown}"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, got {shown}"
    if kind in ("string_type",):
        return f"expected text, got {shown}"
    if kind in ("list_type",):
        return f"expected a list, got {shown}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping, got {shown}"
    if kind == "missing":
        return f"missing required key {error['loc'][-1]!r}"
    bounds = {"greater_than_equal": ("ge", ">="), "greater_than": ("gt", ">"), "less_than_equal": ("le", "<=")}
    if kind in bounds:
        key, sign = bounds[kind]
        return f"must be {sign} {ctx.get(key)}, got {shown}"
    if kind in ("too_short", "too_long") and ctx.get("min_length") == 1 and isinstance(given, list | str):
        return "must not be empty"
    if kind == "string_too_short":
        return (
            "must not be empty"
            if ctx.get("min_length") == 1
            else f"must have at least {ctx.get('min_length')} characters"
        )
    if kind == "string_too_long":
        return f"must have at most {ctx.get('max_length')} characters, got {shown}"
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        hint = ""
        if isinstance(given, str):
            choices = [c.strip(" '") for c in str(expected).replace(" or ", ",").split(",")]
            close = difflib.get_close_matches(given, choices, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"expected one of {expected}, got {shown}{hint}"
    text = str(error.get("msg", "invalid value"))
    return text.removeprefix("Value error, ")


def _show(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return repr(value.isoformat())
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unknown_key_message(path: Path_, data: Any) -> str:
    key = path[-1]
    model = _model_at(path[:-1])
    hint = ""
    if model is not None:
        close = difflib.get_close_matches(str(key), list(model.model_fields), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(model.model_fields)})"
    return f"unknown key {key!r}{hint}"


def _model_at(path: Path_) -> type[BaseModel] | None:
    from pipecheck.contract.model import (
        ColumnSpec,
        Compare,
        CsvDialect,
        Expression,
        ParquetOptions,
        RowCount,
        TableChecks,
    )

    if path == ():
        return Contract
    if path == ("csv",):
        return CsvDialect
    if path == ("parquet",):
        return ParquetOptions
    if len(path) == 2 and path[0] == "columns":
        return ColumnSpec
    if path == ("checks",):
        return TableChecks
    if path == ("checks", "row_count"):
        return RowCount
    if len(path) == 3 and path[:2] == ("checks", "compare"):
        return Compare
    if len(path) == 3 and path[:2] == ("checks", "expression"):
        return Expression
    return None
