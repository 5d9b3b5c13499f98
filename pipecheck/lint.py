"""`pipecheck lint`: every problem of a set of contracts, found without reading data."""

from __future__ import annotations

import os
from pathlib import Path

from pipecheck.contract.loader import contract_positions, load_contract
from pipecheck.contract.model import Contract
from pipecheck.errors import ContractError, ContractProblem
from pipecheck.glob_overlap import overlap_witness
from pipecheck.runner import compile_runnable


def lint_contracts(paths: list[Path], schemas: Path) -> list[ContractProblem]:
    """Problems of each contract (loading, then running it once), then `match:` globs that two
    contracts share: a file both govern cannot be validated. The contracts of `schemas` that were
    not named are loaded too, to judge overlaps with them."""
    problems: list[ContractProblem] = []
    named: dict[Path, Contract] = {}
    for path in paths:
        try:
            named[path] = load_contract(path, _display(path))
            compile_runnable(named[path], path)
        except ContractError as exc:
            problems += exc.problems
    return problems + _overlaps(named, _others(schemas, named))


def _others(schemas: Path, named: dict[Path, Contract]) -> dict[Path, Contract]:
    known = {path.resolve() for path in named}
    others: dict[Path, Contract] = {}
    if not schemas.is_dir():
        return others
    for path in sorted(schemas.iterdir()):
        if path.suffix in (".yaml", ".yml") and path.is_file() and path.resolve() not in known:
            try:
                others[path] = load_contract(path, _display(path))
            except ContractError:
                continue  # its own problems are reported when it is linted
    return others


def _overlaps(named: dict[Path, Contract], others: dict[Path, Contract]) -> list[ContractProblem]:
    problems: list[ContractProblem] = []
    order = list(named)
    for index, path in enumerate(order):
        # A pair of named contracts is reported once, at the later one's glob.
        rivals = [(p, named[p]) for p in order[:index]] + list(others.items())
        for g, glob in enumerate(named[path].match):
            for rival_path, rival in rivals:
                for rival_glob in rival.match:
                    witness = overlap_witness(glob, rival_glob)
                    if witness is None:
                        continue
                    line, column = _glob_position(path, g)
                    problems.append(
                        ContractProblem(
                            _display(path),
                            line,
                            column,
                            f"match[{g}]",
                            f"{glob!r} overlaps {rival_glob!r} of {_display(rival_path)} (both match {witness!r}); "
                            "a file two contracts match is not validated: narrow one glob, or map it in files:",
                        )
                    )
    return problems


def _glob_position(path: Path, index: int) -> tuple[int, int]:
    positions = contract_positions(path.read_text(encoding="utf-8-sig"), str(path))
    # `match: "one/*.csv"` is a single glob, not a list
    return positions.values.get(("match", index)) or positions.of_value(("match",))


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
