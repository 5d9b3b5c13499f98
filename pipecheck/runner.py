"""One validation run: resolve each file's contract, validate files (in parallel), build the RunReport."""

from __future__ import annotations

import dataclasses
import glob as globlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipecheck.compile import CompiledContract, compile_contract
from pipecheck.config import Settings, contract_paths, glob_matches, relative_to_root
from pipecheck.contract.loader import load_contract
from pipecheck.contract.model import Contract
from pipecheck.errors import ConfigError, ContractError, ContractProblem, UsageError
from pipecheck.findings import FileReport, Finding, RunReport, Severity
from pipecheck.version import __version__

if TYPE_CHECKING:
    from pipecheck.engine import Options, ProgressSink
    from pipecheck.profile_format import Profile
    from pipecheck.quarantining import Keep, MaxInvalid
    from pipecheck.readers.base import Reader
    from pipecheck.scratch import Scratch


@dataclass(frozen=True)
class Request:
    paths: list[str]
    settings: Settings
    contract: Path | None = None
    skip_unmatched: bool = False
    fail_fast: bool = False
    jobs: int = 0
    progress: ProgressSink | None = None
    on_file: Callable[[FileReport], None] | None = None  # each file's report as it is known, in input order
    contracts_changed: bool = False  # paths are contracts: validate the project's data files they govern
    baseline: Path | None = None  # a profile to compare every file with (else the contract's drift.baseline)
    loaded: CompiledContract | None = None  # `contract`, already compiled (the Python API's load_contract)
    quarantine: Path | None = None  # write each file's valid and invalid rows into this directory
    max_invalid: str | None = None  # the tolerance of invalid rows (else the contract's, else the config's)
    keep: str = "first"  # of rows sharing a unique key: the first is valid, or none
    reports: tuple[Path, ...] = ()  # the files the run's reports go to (no quarantine output may replace one)


def expand_paths(raw: list[str]) -> list[Path]:
    """Paths as given (a directory is one dataset); a quoted glob is expanded here. Missing paths are usage errors."""
    out: list[Path] = []
    for item in raw:
        if item == "-":  # standard input: read once, as a stream (give --contract)
            if Path("/dev/stdin") in out:
                raise UsageError("-: standard input can be read only once; give it once")
            out.append(Path("/dev/stdin"))
            continue
        path = Path(item)
        if path.exists() or path.is_symlink():
            out.append(path)
            continue
        if any(ch in item for ch in "*?["):
            matched = sorted(globlib.glob(item, recursive=True))
            if not matched:
                raise UsageError(f"{item}: the pattern matches no file")
            out += [Path(m) for m in matched]
            continue
        raise UsageError(f"{item}: no such file")
    return out


class ContractCatalog:
    """The contracts in the schemas directory, loaded once, and which of them governs a file."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._loaded: dict[Path, Contract] = {}

    def load(self, path: Path) -> Contract:
        key = path.resolve()
        if key not in self._loaded:
            self._loaded[key] = load_contract(path, _display(path))
        return self._loaded[key]

    def all_contracts(self) -> list[Path]:
        return contract_paths(self.settings)

    def governing(self, data: Path) -> Path | None:
        relative = relative_to_root(data, self.settings.root)
        if relative is None:
            return None
        for pattern, contract in self.settings.files.items():
            if glob_matches(pattern, relative):
                return self.settings.root / contract
        hits = [p for p in self.all_contracts() if any(glob_matches(g, relative) for g in self.load(p).match)]
        if len(hits) > 1:
            names = ", ".join(_display(h) for h in hits[:-1]) + f" and {_display(hits[-1])}"
            raise ConfigError(f"{data}: matched by {len(hits)} contracts, {names}; narrow their match globs")
        return hits[0] if hits else None


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except (ValueError, OSError):  # another drive (Windows); a working directory that was removed
        return str(path)


def compile_runnable(contract: Contract, path: Path) -> CompiledContract:
    """The contract compiled, once it has run on a tiny frame; one that cannot run is a contract error."""
    from pipecheck.checking import run_once

    try:
        compiled = compile_contract(contract)
        run_once(compiled)
    except Exception as exc:  # a rule the model let through but the engine cannot evaluate
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        problem = ContractProblem(_display(path), 1, 1, "", f"the contract cannot run: {type(exc).__name__}: {reason}")
        raise ContractError([problem]) from None
    return compiled


def load_runnable(path: Path) -> CompiledContract:
    """A contract file loaded and compiled, once it has run (what the Python API's load_contract hands out)."""
    return compile_runnable(load_contract(path, _display(path)), path)


def run_reader(
    reader: Reader,
    name: str,
    compiled: CompiledContract,
    contract_path: Path,
    *,
    max_examples: int,
    fail_on: Severity,
    fail_fast: bool = False,
    progress: ProgressSink | None = None,
    max_invalid: str | None = None,
) -> RunReport:
    """Validate data the caller opened (the Python API's in-memory frame), reported as `run` reports a
    file: with its tolerance (`max_invalid`, else the contract's), its rows counted, never written."""
    from pipecheck.engine import Options, validate_reader
    from pipecheck.quarantining import QuarantineOptions
    from pipecheck.rules import descriptions

    tolerance = _tolerance(max_invalid, compiled, contract_path, None)
    options = Options(
        max_examples=max_examples,
        fail_fast=fail_fast,
        fail_on=fail_on,
        progress=progress,
        quarantine=QuarantineOptions(None, tolerance) if tolerance is not None else None,
    )
    report = validate_reader(reader, name, compiled, _display(contract_path), options)
    return RunReport(files=[report], version=__version__, fail_on=fail_on, descriptions=descriptions())


def run(request: Request) -> RunReport:
    """Validate every file of the request; a file that fails never stops the others."""
    from pipecheck.engine import Options, validate_file
    from pipecheck.rules import descriptions
    from pipecheck.scratch import Scratch

    settings = request.settings
    catalog = ContractCatalog(settings)
    paths = _governed(request, catalog) if request.contracts_changed else expand_paths(request.paths)
    fail_on: Severity = "warning" if settings.fail_on == "warning" else "error"
    plan: list[tuple[Path, Path]] = []
    skipped: list[str] = []
    for path in paths:
        contract_path = request.contract or catalog.governing(path)
        if contract_path is None:
            if request.skip_unmatched:
                skipped.append(str(path))
                continue
            if relative_to_root(path, settings.root) is None:
                raise UsageError(
                    f"{path}: no contract matches this file: it is outside the project root {settings.root}, "
                    "which match: globs are relative to",
                    hint="pass --contract, run pipecheck in the file's own project, or use --skip-unmatched",
                )
            raise UsageError(
                f"{path}: no contract matches this file",
                hint=f"add its path to a contract's match: globs in {_display(settings.schemas)}, "
                "pass --contract, or use --skip-unmatched",
            )
        plan.append((path, contract_path))
    compiled: dict[Path, CompiledContract] = {}
    if request.loaded is not None and request.contract is not None:
        compiled[request.contract] = request.loaded
    for _, contract_path in plan:
        if contract_path not in compiled:
            compiled[contract_path] = compile_runnable(catalog.load(contract_path), contract_path)

    options = Options(
        max_examples=settings.max_examples, fail_fast=request.fail_fast, fail_on=fail_on, progress=request.progress
    )
    tolerances = _tolerances(request, settings, compiled)
    if request.quarantine is not None:
        _check_quarantine_outputs(request.quarantine, [path for path, _ in plan], request.reports)
    baselines = _baselines(request, settings, {c: compiled[c] for _, c in plan})

    with Scratch() as scratch:

        def one(item: tuple[Path, Path]) -> FileReport:
            path, contract_path = item
            own = options
            if request.quarantine is not None or contract_path in tolerances:
                from pipecheck.quarantining import QuarantineOptions

                keep: Keep = "none" if request.keep == "none" else "first"
                settled = QuarantineOptions(request.quarantine, tolerances.get(contract_path), keep)
                own = dataclasses.replace(options, quarantine=settled)
            if contract_path not in baselines:
                return validate_file(path, str(path), compiled[contract_path], _display(contract_path), own, scratch)
            return _against_baseline(
                path, compiled[contract_path], contract_path, baselines[contract_path], own, scratch
            )

        jobs = request.jobs or os.cpu_count() or 1
        files: list[FileReport] = []

        def done(report: FileReport) -> None:
            files.append(report)
            if request.on_file is not None:
                request.on_file(report)

        if jobs == 1 or len(plan) <= 1:
            for item in plan:
                done(one(item))
        else:
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                # A report is handed on once it and every file before it are done: input order, early output.
                for future in [pool.submit(one, item) for item in plan]:
                    done(future.result())
    return RunReport(files=files, version=__version__, fail_on=fail_on, descriptions=descriptions(), skipped=skipped)


def _tolerances(request: Request, settings: Settings, compiled: dict[Path, CompiledContract]) -> dict[Path, MaxInvalid]:
    """Each contract's --max-invalid: the command line's, else the contract's, else the config's."""

    out: dict[Path, MaxInvalid] = {}
    for path, contract in compiled.items():
        tolerance = _tolerance(request.max_invalid, contract, path, settings)
        if tolerance is not None:
            out[path] = tolerance
    return out


def _tolerance(
    given: str | None, compiled: CompiledContract, path: Path, settings: Settings | None
) -> MaxInvalid | None:
    """One contract's tolerance: the given one, else the contract's, else the config's."""
    from pipecheck.quarantining import MaxInvalid

    own = compiled.contract.quarantine.max_invalid
    if given is not None:
        return MaxInvalid.parse(given)
    if own is not None:
        return MaxInvalid.parse(str(own), f"{_display(path)}: quarantine.max_invalid")
    if settings is not None and settings.max_invalid is not None:
        return MaxInvalid.parse(settings.max_invalid, f"{settings.sources.get('quarantine')}: quarantine.max_invalid")
    return None


def _check_quarantine_outputs(directory: Path, inputs: list[Path], reports: tuple[Path, ...] = ()) -> None:
    """Before anything is read: the directory can hold the outputs, no two inputs share a name
    there, and no output would replace an input or a report of the run."""
    from pipecheck.quarantining import Outputs, split_name

    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory}: --quarantine needs a directory; this is a file")
    seen: dict[str, Path] = {}
    for path in inputs:
        if str(path) == "/dev/stdin" or not (path.is_file() or path.is_dir()):
            raise UsageError(
                f"{path}: --quarantine reads files and directories, not a stream",
                hint="save the stream to a file first, or validate it without --quarantine",
            )
        stem = split_name(path.name, "csv")[0]
        if stem in seen and seen[stem] != path:
            raise UsageError(
                f"{path}: its quarantine files would overwrite those of {seen[stem]} in {directory}",
                hint="quarantine files with the same name in separate runs, into separate directories",
            )
        seen[stem] = path
        if path.is_dir() and _listed_below(directory, path):
            raise UsageError(
                f"{directory}: the quarantine directory is inside the dataset directory {path}, "
                "whose next run would read its outputs as members",
                hint="give --quarantine a directory outside it, or one the listing skips (a name starting with _)",
            )
    given = {path.resolve() for path in inputs}
    written = {path.resolve() for path in reports}
    for path in inputs:
        outputs = Outputs.of(directory, path.name, "csv")
        every = (
            outputs.valid,
            outputs.invalid,
            outputs.rejected,
            outputs.rejected.with_suffix(""),
            outputs.rejected_json,
        )
        for output in every:
            if output.resolve() in given | written:
                what = "this input" if output.resolve() in given else "this report"
                raise UsageError(
                    f"{output}: the quarantine files of {path} would replace {what}",
                    hint="give --quarantine a directory of its own",
                )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{directory}: cannot create the quarantine directory: {exc.strerror or exc}") from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UsageError(f"{directory}: the quarantine directory is not writable")


def _listed_below(directory: Path, dataset: Path) -> bool:
    """Whether files in `directory` would be members of the dataset (it is inside it, unskipped)."""
    from pipecheck.readers.dataset import skipped

    try:
        relative = directory.resolve().relative_to(dataset.resolve())
    except ValueError:
        return False
    return not any(skipped(part) for part in relative.parts)


def _governed(request: Request, catalog: ContractCatalog) -> list[Path]:
    """The request's paths are changed contracts: the project's data files they govern."""
    from pipecheck.governed import governed_files, project_files

    if request.contract is not None:
        raise UsageError("--contracts-changed takes the contracts as arguments; drop --contract")
    contracts = expand_paths(request.paths)
    for contract in contracts:
        catalog.load(contract)  # a broken contract is a contract error here, as in `pipecheck lint`
    return governed_files(contracts, project_files(request.settings.root), catalog.governing)


def _baselines(
    request: Request, settings: Settings, compiled: dict[Path, CompiledContract]
) -> dict[Path, tuple[Profile, str]]:
    """The baseline profile of each contract's files: --baseline, else the contract's
    drift.baseline, else NAME.json in the config's `baselines` folder where it exists. Loaded
    before any data is read; a baseline of another contract is a usage error."""
    from pipecheck.profile_format import load_profile

    out: dict[Path, tuple[Profile, str]] = {}
    loaded: dict[Path, Profile] = {}
    for contract_path, contract in compiled.items():
        written = contract.contract.drift.baseline
        path = request.baseline or (settings.root / written if written else None)
        if path is None and settings.baselines is not None:
            recorded = settings.baselines / f"{contract.name}.json"
            path = recorded if recorded.is_file() else None  # a contract without one is validated alone
        if path is None:
            continue
        shown = _display(path)
        if path not in loaded:
            loaded[path] = load_profile(path, shown)
        profile = loaded[path]
        if profile.contract != contract.name:
            raise UsageError(
                f"{shown}: a baseline of contract {profile.contract!r}; "
                f"{_display(contract_path)} is contract {contract.name!r}",
                hint="record a baseline of this contract's data with 'pipecheck snapshot'",
            )
        out[contract_path] = (profile, shown)
    return out


def _against_baseline(
    path: Path,
    compiled: CompiledContract,
    contract_path: Path,
    baseline: tuple[Profile, str],
    options: Options,
    scratch: Scratch,
) -> FileReport:
    """Validate a file gathering its profile in the same pass, then add its drift and schema changes."""
    from pipecheck.drift import compare
    from pipecheck.engine import validate_file
    from pipecheck.profile import FileProfile, build_profile

    def drift(read: FileProfile) -> list[Finding]:
        """Judged inside the pass, so that drift, a failure of the file as a whole, rejects it from quarantine."""
        current = build_profile([read], compiled.name, __version__)
        return compare(baseline[0], current, compiled.contract, baseline[1])

    with_profile = dataclasses.replace(options, profile=drift)
    return validate_file(path, str(path), compiled, _display(contract_path), with_profile, scratch)
