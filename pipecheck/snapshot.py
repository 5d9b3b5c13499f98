"""`pipecheck snapshot`: one profile of data files read with their contract, in validate's own pass."""

from __future__ import annotations

from pipecheck.errors import UnreadableData, UsageError
from pipecheck.findings import FileReport
from pipecheck.profile import FileProfile, build_profile
from pipecheck.profile_format import Profile
from pipecheck.runner import ContractCatalog, Request, compile_runnable, expand_paths
from pipecheck.version import __version__

# A file whose read ended early has no whole profile: these findings say it did.
_INCOMPLETE = ("unreadable", "limit")


def snapshot(request: Request) -> tuple[Profile, list[FileReport]]:
    """The profile of every file of the request (one contract governs them all), and their reports."""
    from pipecheck.engine import Options, validate_file
    from pipecheck.scratch import Scratch

    catalog = ContractCatalog(request.settings)
    paths = expand_paths(request.paths)
    contracts = {path: request.contract or catalog.governing(path) for path in paths}
    unmatched = [p for p, c in contracts.items() if c is None]
    if unmatched:
        raise UsageError(f"{unmatched[0]}: no contract matches this file", hint="pass --contract")
    distinct = sorted({c for c in contracts.values() if c is not None})
    if len(distinct) > 1:
        raise UsageError(
            f"the files are governed by {len(distinct)} contracts ({', '.join(map(str, distinct))}); "
            "a profile is of one contract's data",
            hint="snapshot each contract's files separately",
        )
    contract_path = distinct[0]
    compiled = compile_runnable(catalog.load(contract_path), contract_path)
    read: list[FileProfile] = []
    options = Options(max_examples=request.settings.max_examples, progress=request.progress, profile=read.append)
    reports: list[FileReport] = []
    with Scratch() as scratch:
        for path in paths:
            report = validate_file(path, str(path), compiled, str(contract_path), options, scratch)
            incomplete = next((f for f in report.findings if f.check in _INCOMPLETE), None)
            if incomplete is not None or len(read) < len(reports) + 1:
                reason = incomplete.message if incomplete is not None else "it was not read to its end"
                raise UnreadableData(f"{path}: {reason}; no profile was written")
            reports.append(report)
    first = [c.name for c in read[0].schema]
    for file in read[1:]:
        names = [c.name for c in file.schema]
        if names != first:
            raise UsageError(
                f"{file.path}: its columns differ from {read[0].path}'s ({_difference(first, names)}); "
                "a profile has one schema",
                hint="snapshot files with different columns separately",
            )
    return build_profile(read, compiled.name, __version__), reports


def _difference(first: list[str], other: list[str]) -> str:
    missing = [n for n in first if n not in other]
    extra = [n for n in other if n not in first]
    parts = [
        f"lacks {', '.join(map(repr, missing))}" if missing else "",
        f"adds {', '.join(map(repr, extra))}" if extra else "",
    ]
    return "; ".join(p for p in parts if p) or "same columns in another order"
