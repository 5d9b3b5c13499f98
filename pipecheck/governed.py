"""The data files of a project that given contracts govern (for re-validating after a contract changed)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

from pipecheck.readers.registry import data_suffix

# Names the `pipecheck` pre-commit hook selects (.pre-commit-hooks.yaml), compressed or not.
DATA_SUFFIXES = frozenset({".csv", ".tsv", ".jsonl", ".ndjson", ".parquet"})
# Walked only when git cannot list the tracked files: tool and environment folders hold no project data.
NOT_WALKED = frozenset({"node_modules", "__pycache__", "venv", "site-packages"})


def project_files(root: Path) -> list[Path]:
    """The files git tracks under `root` (what a commit holds), else every file under it but hidden and tool folders."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--", "."], cwd=root, capture_output=True, timeout=120, check=False
        )
    except (OSError, subprocess.SubprocessError):  # no git, or it hung: walk the tree instead
        listed = None
    if listed is not None and listed.returncode == 0:
        return [root / os.fsdecode(name) for name in listed.stdout.split(b"\0") if name]
    found: list[Path] = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d not in NOT_WALKED)
        found += [Path(folder) / name for name in sorted(names)]
    return found


def governed_files(
    contracts: Iterable[Path], candidates: Iterable[Path], governing: Callable[[Path], Path | None]
) -> list[Path]:
    """The data files among `candidates` whose governing contract is one of `contracts`, sorted by path."""
    wanted = {c.resolve() for c in contracts}
    out: list[Path] = []
    for path in candidates:
        if data_suffix(path) not in DATA_SUFFIXES or not path.is_file():
            continue  # a tracked file deleted from the work tree, or not data
        contract = governing(path)
        if contract is not None and contract.resolve() in wanted:
            out.append(Path(os.path.relpath(path)))
    return sorted(out)
