"""The Python API: the CLI's run (runner.run) without the CLI, for orchestrators and notebooks.

Every function here returns the findings model the reporters read and raises only PipecheckError
subclasses (one line per problem). Nothing prints, exits or installs signal handlers, and every
call owns its state, so calls may run on several threads at once with one shared contract.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pipecheck.errors import UsageError

if TYPE_CHECKING:
    from pipecheck.compile import CompiledContract
    from pipecheck.findings import RunReport

StrPath = str | os.PathLike[str]
# A pandas.DataFrame, polars.DataFrame or pyarrow.Table (pandas and pyarrow ship no type hints).
Frame = Any

# Called as a file is read, after each batch, with (path as reported, bytes done, bytes in all or
# None, rows so far); from worker threads, so it must be quick and thread-safe.
ProgressCallback = Callable[[str, int, int | None, int], None]


class LoadedContract:
    """A contract file, loaded, compiled and tried once (a contract that cannot run fails at load).

    Immutable: reuse one across calls and threads. Get one with `load_contract`.
    """

    __slots__ = ("_compiled", "path")

    def __init__(self, path: Path, compiled: CompiledContract) -> None:
        self.path = path
        self._compiled = compiled

    @property
    def name(self) -> str:
        """The contract's `contract:` name."""
        return self._compiled.name

    @property
    def columns(self) -> tuple[str, ...]:
        """The declared columns, in the contract's order."""
        return tuple(self._compiled.columns)

    def __repr__(self) -> str:
        return f"<LoadedContract {self.name!r} from {os.fspath(self.path)}>"


def load_contract(path: StrPath) -> LoadedContract:
    """Load a contract file (YAML) for `validate` and `validate_frame`.

    Raises UsageError when the file is missing or not a file, ContractError (whose `problems` each
    read `file:line:col: path: message`) when it is not a valid contract or cannot run.
    """
    from pipecheck.runner import load_runnable

    contract = Path(os.fspath(path))
    return LoadedContract(contract, load_runnable(contract))


def validate(
    paths: StrPath | Iterable[StrPath],
    contract: LoadedContract | StrPath | None = None,
    *,
    project: StrPath | None = None,
    schemas: StrPath | None = None,
    max_examples: int | None = None,
    fail_on: Literal["error", "warning"] | None = None,
    fail_fast: bool = False,
    skip_unmatched: bool = False,
    jobs: int = 0,
    baseline: StrPath | None = None,
    max_invalid: str | int | None = None,
    progress: ProgressCallback | None = None,
) -> RunReport:
    """Validate files or dataset directories, as `pipecheck validate` does, into a RunReport.

    `paths`: one path or several (a quoted glob is expanded, a directory is one dataset). With
    `contract` None, each file's contract is found as the CLI finds it: pipecheck.yaml /
    [tool.pipecheck] / schemas/ discovered from `project` (default: the working directory), or
    the `schemas` folder. `max_examples` and `fail_on` default to the config file's, else 5 and
    "error"; `jobs` files are validated at once (0: one per core); `baseline` is a `pipecheck
    snapshot` profile to report drift against; `max_invalid` (100 rows, or "0.5%") is the
    tolerance of invalid rows, as --max-invalid. A file that cannot be read is an `unreadable`
    finding in the report. Raises UsageError (missing paths, a file no contract matches, bad
    arguments), ConfigError or ContractError; `report.to_json()` is the CLI's `--format json`.
    """
    return _run(
        paths,
        contract,
        project=project,
        schemas=schemas,
        max_examples=max_examples,
        fail_on=fail_on,
        fail_fast=fail_fast,
        skip_unmatched=skip_unmatched,
        jobs=jobs,
        baseline=baseline,
        max_invalid=max_invalid,
        progress=progress,
    )


def quarantine(
    paths: StrPath | Iterable[StrPath],
    contract: LoadedContract | StrPath | None = None,
    *,
    out_dir: StrPath,
    max_invalid: str | int | None = None,
    keep: Literal["first", "none"] = "first",
    project: StrPath | None = None,
    schemas: StrPath | None = None,
    max_examples: int | None = None,
    skip_unmatched: bool = False,
    jobs: int = 0,
    progress: ProgressCallback | None = None,
) -> RunReport:
    """Validate files as `validate` does and split each into `out_dir`: X.valid.ext (the rows that
    hold every error rule, as the input has them) and X.invalid.ext (the others, with their row,
    line and failed rules), or X.rejected.ext when the file as a whole fails (see the README's
    "Quarantining bad rows"). Each file report's `quarantine` has the paths and counts;
    `report.ok` says every file is within `max_invalid` (100 rows, or "0.5%"; else the contract's
    or the config's; without one, that no row is invalid) and none was rejected. `keep`: of rows
    sharing a unique key, the first is valid, or none. Outputs appear whole or not at all.
    """
    if keep not in ("first", "none"):
        raise UsageError(f"keep: expected 'first' or 'none', got {keep!r}")
    if not isinstance(out_dir, str | os.PathLike):
        raise UsageError(f"out_dir: expected a path, got {type(out_dir).__name__}")
    return _run(
        paths,
        contract,
        project=project,
        schemas=schemas,
        max_examples=max_examples,
        skip_unmatched=skip_unmatched,
        jobs=jobs,
        max_invalid=max_invalid,
        progress=progress,
        out_dir=Path(os.fspath(out_dir)).absolute(),
        keep=keep,
    )


def _run(
    paths: StrPath | Iterable[StrPath],
    contract: LoadedContract | StrPath | None,
    *,
    project: StrPath | None = None,
    schemas: StrPath | None = None,
    max_examples: int | None = None,
    fail_on: Literal["error", "warning"] | None = None,
    fail_fast: bool = False,
    skip_unmatched: bool = False,
    jobs: int = 0,
    baseline: StrPath | None = None,
    max_invalid: str | int | None = None,
    progress: ProgressCallback | None = None,
    out_dir: Path | None = None,
    keep: str = "first",
) -> RunReport:
    from pipecheck.runner import Request, run

    given = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    if not given:
        raise UsageError("validate: no paths given")
    if not all(isinstance(p, str | os.PathLike) for p in given):
        bad = next(p for p in given if not isinstance(p, str | os.PathLike))
        raise UsageError(f"validate: paths must be str or os.PathLike, got {type(bad).__name__}")
    _check_options(max_examples, fail_on, jobs)
    start = _folder(project)  # first: relative paths below need the working directory
    overrides: dict[str, Any] = {
        "schemas": Path(os.fspath(schemas)).absolute() if schemas is not None else None,
        "max_examples": max_examples,
        "fail_on": fail_on,
    }
    from pipecheck.config import load_settings

    settings = load_settings(start, overrides)
    if contract is not None and not isinstance(contract, LoadedContract | str | os.PathLike):
        raise UsageError(_not_a_contract(contract))
    loaded = contract if isinstance(contract, LoadedContract) else None
    contract_path = contract.path if isinstance(contract, LoadedContract) else _path_or_none(contract)
    return run(
        Request(
            paths=[os.fspath(p) for p in given],
            settings=settings,
            contract=contract_path,
            skip_unmatched=skip_unmatched,
            fail_fast=fail_fast,
            jobs=jobs,
            progress=progress,
            baseline=_path_or_none(baseline),
            max_invalid=_tolerance_text(max_invalid),
            loaded=loaded._compiled if loaded is not None else None,
            quarantine=out_dir,
            keep=keep,
        )
    )


def validate_frame(
    frame: Frame,
    contract: LoadedContract | StrPath,
    *,
    name: str = "<frame>",
    max_examples: int = 5,
    fail_on: Literal["error", "warning"] = "error",
    fail_fast: bool = False,
    max_invalid: str | int | None = None,
    progress: ProgressCallback | None = None,
) -> RunReport:
    """Validate an in-memory pandas or polars DataFrame (or pyarrow Table) into a RunReport of one file.

    The frame is judged as typed data, exactly as the same frame written to Parquet would be: a
    column stored with another type that converts (floats holding whole numbers for an integer
    column, text for any type) is a `storage_type` warning and each value that does not convert a
    `type` finding. Rows are the frame's positions from 1; a pandas index is ignored (reset it into
    a column to check it). NaN and None in a pandas column are nulls, as pandas' to_parquet writes
    them; an object column of mixed Python types (1 and "a") is read as the text of each value, as
    to_csv writes it. The file in the report is `name`; `max_invalid` (else the contract's
    quarantine.max_invalid) is its tolerance of invalid rows. Raises UsageError for anything but a
    frame or for column labels that are not strings.
    """
    from pipecheck.readers.frame import FrameReader, frame_kind
    from pipecheck.runner import run_reader

    kind = frame_kind(frame)
    if kind is None:
        raise UsageError(_not_a_frame(frame), hint="pass a pandas.DataFrame, polars.DataFrame or pyarrow.Table")
    if kind == "pandas":
        labels = [(i, label) for i, label in enumerate(frame.columns) if not isinstance(label, str)]
        if labels:
            at, label = labels[0]
            raise UsageError(
                f"validate_frame: column {at} is labelled {label!r} ({type(label).__name__}); "
                "contract columns are named by strings",
                hint="rename the columns, e.g. df.columns = df.columns.astype(str)",
            )
    _check_options(max_examples, fail_on, 0)
    if not isinstance(name, str):
        raise UsageError(f"name: expected the frame's name as a str, got {type(name).__name__}")
    if not isinstance(contract, LoadedContract | str | os.PathLike):
        raise UsageError(_not_a_contract(contract))
    loaded = contract if isinstance(contract, LoadedContract) else load_contract(contract)
    return run_reader(
        FrameReader(frame, kind),
        name,
        loaded._compiled,
        loaded.path,
        max_examples=max_examples,
        fail_on=fail_on,
        fail_fast=fail_fast,
        progress=progress,
        max_invalid=_tolerance_text(max_invalid),
    )


def _check_options(max_examples: int | None, fail_on: str | None, jobs: int) -> None:
    """The arguments the CLI's flags would have refused, refused here with their parameter's name."""
    if max_examples is not None and (not isinstance(max_examples, int) or isinstance(max_examples, bool)):
        raise UsageError(f"max_examples: expected a whole number, got {max_examples!r}")
    if max_examples is not None and max_examples < 0:
        raise UsageError(f"max_examples: expected a number >= 0, got {max_examples}")
    if fail_on is not None and fail_on not in ("error", "warning"):
        raise UsageError(f"fail_on: expected 'error' or 'warning', got {fail_on!r}")
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 0:
        raise UsageError(f"jobs: expected a whole number >= 0 (0: one per core), got {jobs!r}")


def _tolerance_text(max_invalid: str | int | None) -> str | None:
    """max_invalid as --max-invalid's text: 100 (rows) or '0.5%'."""
    if max_invalid is None or isinstance(max_invalid, str):
        return max_invalid
    if isinstance(max_invalid, bool) or not isinstance(max_invalid, int):
        raise UsageError(f"max_invalid: expected a number of rows or a percentage such as '0.5%', got {max_invalid!r}")
    return str(max_invalid)


def _folder(project: StrPath | None) -> Path:
    """Where project discovery starts: `project`, else the working directory (which must exist)."""
    if project is not None:
        folder = Path(os.fspath(project)).absolute()
        if not folder.is_dir():
            raise UsageError(f"project: {os.fspath(project)}: not a folder")
        return folder
    try:
        return Path.cwd()
    except FileNotFoundError:
        raise UsageError("the working directory no longer exists (it was deleted or moved)") from None


def _path_or_none(path: StrPath | None) -> Path | None:
    return None if path is None else Path(os.fspath(path))


def _not_a_frame(frame: object) -> str:
    kind = f"{type(frame).__module__}.{type(frame).__qualname__}"
    if kind.startswith("polars.") and type(frame).__name__ == "LazyFrame":
        return "validate_frame: a polars LazyFrame; collect() it first"
    return f"validate_frame: expected a pandas or polars DataFrame or a pyarrow Table, got {kind}"


def _not_a_contract(contract: object) -> str:
    return f"contract: expected load_contract()'s result or a contract file's path, got {type(contract).__name__}"
