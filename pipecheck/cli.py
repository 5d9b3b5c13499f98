"""The command line: parse flags, call the runner, hand the report to reporters, return an exit code."""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from typer import _click as click

from pipecheck.errors import ExitCode, PipecheckError, UsageError
from pipecheck.version import __version__

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,  # plain help and one-line errors, as ruff and pytest print them
    help="Validate CSV and Parquet files against YAML data contracts.",
)
P = ParamSpec("P")
R = TypeVar("R")


class _PlainHelp(typer.core.TyperCommand):
    """Arguments in help as ruff and pytest show them (`DATA...`, `[CONTRACTS]...`): Typer's own
    usage wraps a required one in braces and adds its Python type (`{DATA}...`, `<list[str]>`)."""

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        return pieces + [_argument_label(p) for p in self.get_params(ctx) if p.param_type_name == "argument"]

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        params = self.get_params(ctx)
        arguments = [
            (_argument_label(p), getattr(p, "help", None) or "") for p in params if p.param_type_name == "argument"
        ]
        options = [record for p in params if p.param_type_name == "option" and (record := p.get_help_record(ctx))]
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def _argument_label(argument: click.Parameter) -> str:
    name = argument.metavar or (argument.name or "").upper()
    if argument.nargs != 1 and not name.endswith("..."):
        name += "..."
    return name if argument.required else f"[{name}]"


def _reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Map every PipecheckError to its message and exit code, the one place that happens."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            _working_directory()
            return command(*args, **kwargs)
        except PipecheckError as exc:
            _error(exc.message, exc.hint)
            raise typer.Exit(int(exc.exit_code)) from None

    return wrapper


def _working_directory() -> None:
    """Refuse to run from a deleted folder: relative paths and the project root start there."""
    try:
        os.getcwd()
    except FileNotFoundError:
        raise UsageError(
            "the working directory no longer exists (it was deleted or moved)",
            hint="cd to an existing folder and run pipecheck again",
        ) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pipecheck {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    traceback: Annotated[
        bool, typer.Option("--traceback", help="On an internal error, show the Python traceback.")
    ] = False,
) -> None:
    """Options for every command (--traceback is read by main, before the app runs)."""


def _color(no_color: bool) -> bool:
    if no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


@app.command(cls=_PlainHelp)
@_reports_errors
def validate(
    data: Annotated[
        list[str],
        typer.Argument(
            help="CSV, TSV, JSON Lines or Parquet files, dataset directories, or - for standard input.",
            show_default=False,
            metavar="DATA",
        ),
    ],
    contract: Annotated[
        Path | None, typer.Option("--contract", "-c", metavar="FILE", help="Contract to apply to every file.")
    ] = None,
    schemas: Annotated[
        Path | None, typer.Option("--schemas", metavar="DIR", help="Directory of contracts (default: schemas/).")
    ] = None,
    formats: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT[:PATH]",
            help="Output format, repeatable; FORMAT or FORMAT:PATH (e.g. junit:report.xml).",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write the (machine) report to this file.")
    ] = None,
    max_examples: Annotated[
        int | None, typer.Option("--max-examples", min=0, metavar="N", help="Examples per finding.")
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option("--fail-on", metavar="error|warning", help="Lowest severity that fails: error|warning."),
    ] = None,
    fail_fast: Annotated[bool, typer.Option("--fail-fast", help="Stop a file at its first error.")] = False,
    skip_unmatched: Annotated[bool, typer.Option("--skip-unmatched", help="Ignore files no contract matches.")] = False,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=0, metavar="N", help="Files validated in parallel (0 = cores).")
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only failing files in rich output.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour (also: NO_COLOR).")] = False,
    hook: Annotated[
        bool,
        typer.Option("--hook", help="For pre-commit: failing files only, sorted, a line per finding, one verdict."),
    ] = False,
    contracts_changed: Annotated[
        bool,
        typer.Option(
            "--contracts-changed",
            help="DATA are contracts that changed: validate the project's tracked data files they govern.",
        ),
    ] = False,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline", metavar="PROFILE", help="Also report drift and schema changes against this profile."
        ),
    ] = None,
    quarantine: Annotated[
        Path | None,
        typer.Option(
            "--quarantine", metavar="DIR", help="Write each file's valid and invalid rows to DIR (X.valid.csv, ...)."
        ),
    ] = None,
    max_invalid: Annotated[
        str | None,
        typer.Option(
            "--max-invalid",
            metavar="N|P%",
            help="Pass when each file has at most N (or P%) invalid rows and none is rejected.",
        ),
    ] = None,
    keep: Annotated[
        str, typer.Option("--keep", metavar="first|none", help="Of rows sharing a unique key, which is valid.")
    ] = "first",
) -> None:
    """Validate data files against their contracts. Exit 0: all hold; 1: violations; 2: usage error."""
    from pipecheck.config import load_settings
    from pipecheck.findings import FileReport
    from pipecheck.output import check_writable, emit, human_context, parse_targets, print_file, streams_files
    from pipecheck.progress import ProgressDisplay, progress_wanted
    from pipecheck.runner import Request, run

    if fail_on is not None and fail_on not in ("error", "warning"):
        raise UsageError(f"--fail-on: expected 'error' or 'warning', got {fail_on!r}")
    if keep not in ("first", "none"):
        raise UsageError(f"--keep: expected 'first' or 'none', got {keep!r}")
    if quarantine is not None and (fail_fast or contracts_changed):
        raise UsageError(
            f"--quarantine cannot be combined with {'--fail-fast' if fail_fast else '--contracts-changed'}"
        )
    settings = load_settings(
        Path.cwd(),
        {"schemas": schemas, "format": formats, "max_examples": max_examples, "fail_on": fail_on},
    )
    format_source = settings.sources.get("format", "default")
    targets = parse_targets(settings.format, output, "--format" if format_source == "command line" else format_source)
    check_writable(targets, [*(Path(d) for d in data), *([contract] if contract is not None else [])])
    to_stdout = [t.format for t in targets if t.path is None]
    streamed = streams_files(targets, hook)
    context = human_context(color=_color(no_color), quiet=quiet, hook=hook)
    with ProgressDisplay(enabled=progress_wanted(to_stdout, quiet or hook)) as progress:

        def file_done(file: FileReport) -> None:
            progress.finished(file.path)
            if streamed:
                with progress.paused():
                    print_file(file, context)

        report = run(
            Request(
                paths=data,
                settings=settings,
                contract=contract,
                skip_unmatched=skip_unmatched or contracts_changed,
                fail_fast=fail_fast,
                jobs=jobs,
                progress=progress,
                on_file=file_done,
                contracts_changed=contracts_changed,
                baseline=baseline,
                quarantine=quarantine,
                max_invalid=max_invalid,
                keep=keep,
                reports=tuple(t.path for t in targets if t.path is not None),
            )
        )
    emit(report, targets, color=_color(no_color), quiet=quiet, hook=hook, streamed=streamed)
    raise typer.Exit(ExitCode.OK if report.ok else ExitCode.VIOLATIONS)


@app.command(cls=_PlainHelp)
@_reports_errors
def snapshot(
    data: Annotated[
        list[str] | None,
        typer.Argument(help="CSV, JSON Lines or Parquet files of one contract.", show_default=False, metavar="DATA"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Where to write the profile (JSON).")
    ] = None,
    contract: Annotated[
        Path | None, typer.Option("--contract", "-c", metavar="FILE", help="Contract to read the files with.")
    ] = None,
    schemas: Annotated[Path | None, typer.Option("--schemas", metavar="DIR", help="Directory of contracts.")] = None,
    print_schema: Annotated[bool, typer.Option("--schema", help="Print the profile's JSON Schema and exit.")] = False,
) -> None:
    """Record a profile of data files (schema and column statistics) for validate --baseline."""
    from pipecheck.output import Target, check_writable, write_atomically
    from pipecheck.profile_format import dump_profile, profile_json_schema

    if print_schema:
        typer.echo(json.dumps(profile_json_schema(), indent=2))
        return
    if not data:
        raise UsageError("snapshot: give the data files to profile", hint="pipecheck snapshot DATA... -o FILE")
    if output is None:
        raise UsageError("snapshot: give the profile's path with --output/-o", hint="e.g. -o baselines/orders.json")
    from pipecheck.config import load_settings
    from pipecheck.runner import Request
    from pipecheck.snapshot import snapshot as record

    check_writable([Target("profile", output)])
    settings = load_settings(Path.cwd(), {"schemas": schemas})
    profile, reports = record(Request(paths=data, settings=settings, contract=contract))
    text = dump_profile(profile)
    write_atomically(output, text)
    failing = sum(1 for r in reports if not r.ok)
    note = f"; {failing} file(s) violate the contract (see 'pipecheck validate')" if failing else ""
    typer.echo(
        f"{output}: profile of {len(reports)} file(s), {profile.rows:,} rows, "
        f"{len(profile.columns)} column(s), {len(text.encode()) / 1024:.1f} KB{note}"
    )


@app.command(cls=_PlainHelp)
@_reports_errors
def lint(
    contracts: Annotated[
        list[Path] | None, typer.Argument(help="Contract files (default: every contract in schemas/).")
    ] = None,
    schemas: Annotated[Path | None, typer.Option("--schemas", metavar="DIR", help="Directory of contracts.")] = None,
) -> None:
    """Check contracts without reading data. Exit 0: valid; 2: problems (file:line:col messages)."""
    from pipecheck.config import contract_paths, load_settings
    from pipecheck.lint import lint_contracts

    settings = load_settings(Path.cwd(), {"schemas": schemas})
    paths = contracts or [Path(os.path.relpath(p)) for p in contract_paths(settings)]
    if not paths:
        raise UsageError(f"{settings.schemas}: no contracts found", hint="a contract is a .yaml or .yml file there")
    problems = lint_contracts(paths, settings.schemas)
    for problem in problems:
        typer.echo(str(problem), err=True)
    if problems:
        raise typer.Exit(ExitCode.USAGE)
    typer.echo(f"{len(paths)} contract(s) valid")


@app.command(cls=_PlainHelp)
@_reports_errors
def diff(
    contracts: Annotated[
        list[Path],
        typer.Argument(help="OLD NEW contract files, or with --git the contract file(s).", metavar="CONTRACT..."),
    ],
    git: Annotated[
        str | None, typer.Option("--git", metavar="REF", help="Compare each contract with its version at REF.")
    ] = None,
    breaking_for: Annotated[
        str,
        typer.Option("--breaking-for", metavar="producers|consumers|any", help="Which breaking changes exit 1."),
    ] = "any",
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="rich, json or markdown.")] = "rich",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write the report here.")
    ] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour (also: NO_COLOR).")] = False,
) -> None:
    """Classify contract changes as breaking producers or consumers. Exit 0: none breaks; 1: one does; 2: error."""
    from pipecheck.contract_diff import run_diff
    from pipecheck.output import diff_target, emit_diff

    target = diff_target(fmt, output, contracts)
    report = run_diff(contracts, git, breaking_for)
    emit_diff(report, target, color=_color(no_color))
    raise typer.Exit(ExitCode.OK if report.ok else ExitCode.VIOLATIONS)


@app.command(cls=_PlainHelp)
@_reports_errors
def infer(
    data: Annotated[
        list[str],
        typer.Argument(help="CSV, JSON Lines or Parquet files to draft a contract from.", show_default=False),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write the contract here (default: stdout).")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", metavar="NAME", help="Contract name (default: the file's name).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --output file.")] = False,
) -> None:
    """Draft a contract the files satisfy, for review. Exit 0: drafted; 2: usage error."""
    from pipecheck.infer import InferRequest, infer_contract
    from pipecheck.output import check_new_file, write_atomically, write_stdout
    from pipecheck.runner import expand_paths

    if output is not None:
        check_new_file(output, force, expand_paths(data))
    inferred = infer_contract(InferRequest(data, name or (output.stem if output is not None else None)))
    for warning in inferred.warnings:
        sys.stderr.write(f"pipecheck: warning: {warning}\n")
    if output is None:
        write_stdout(inferred.text)
        return
    write_atomically(output, inferred.text, what="contract")
    columns = len(inferred.contract.columns)
    typer.echo(f"wrote {output}: {columns} column(s) from {inferred.files} file(s), {inferred.rows:,} rows; review it")


@app.command(cls=_PlainHelp)
@_reports_errors
def schema() -> None:
    """Print the JSON Schema of the contract format (for editor autocompletion)."""
    from pipecheck.contract.model import contract_json_schema

    typer.echo(json.dumps(contract_json_schema(), indent=2))


@app.command(cls=_PlainHelp, name="config")
@_reports_errors
def show_config(
    schemas: Annotated[Path | None, typer.Option("--schemas", metavar="DIR", help="Directory of contracts.")] = None,
    formats: Annotated[
        list[str] | None, typer.Option("--format", "-f", metavar="FORMAT[:PATH]", help="As for validate.")
    ] = None,
    max_examples: Annotated[
        int | None, typer.Option("--max-examples", min=0, metavar="N", help="As for validate.")
    ] = None,
    fail_on: Annotated[str | None, typer.Option("--fail-on", metavar="error|warning", help="As for validate.")] = None,
) -> None:
    """Print the resolved settings (config file < flags) and where each came from."""
    from pipecheck.config import load_settings

    overrides = {"schemas": schemas, "format": formats, "max_examples": max_examples, "fail_on": fail_on}
    settings = load_settings(Path.cwd(), overrides)
    for key, value, source in settings.as_rows():
        typer.echo(f"{key:<13} {value}    [{source}]")


def main(argv: list[str] | None = None) -> int:
    """Console entry point; returns the exit code (0 holds, 1 violations, 2 usage/contract/internal error)."""
    # Most objects of a run live to its end: a rarer cyclic GC (bench/README.md).
    gc.set_threshold(100000, 50, 100)
    args = sys.argv[1:] if argv is None else argv
    show_traceback = "--traceback" in args
    interrupted = "interrupted; no report was written"
    if any(a == "--quarantine" or a.startswith("--quarantine=") for a in args):
        interrupted += ", nor quarantine files for the files not finished"  # their temp files are removed
    try:
        code = app(args=argv, prog_name="pipecheck", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:  # `pipecheck` alone: the help
        sys.stdout.write(exc.format_message() + "\n")
        return int(exc.exit_code)
    except click.exceptions.ClickException as exc:  # bad flags or arguments: one line, exit 2
        command = " ".join(a for a in (sys.argv[1:] if argv is None else argv)[:1] if not a.startswith("-"))
        _error(exc.format_message(), f"see 'pipecheck {command + ' ' if command else ''}--help'")
        return int(exc.exit_code)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else ExitCode.USAGE
        if code == ExitCode.INTERRUPTED:  # typer's answer to Ctrl-C, or SIGTERM (see entry)
            _error(interrupted)
        return code
    except KeyboardInterrupt:  # outside typer's command call; temporary files are already removed
        _error(interrupted)
        return ExitCode.INTERRUPTED
    except BaseException as exc:  # also a Rust panic in polars or pyarrow (pyo3's PanicException)
        if show_traceback or isinstance(exc, GeneratorExit):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        _error(
            f"internal error: {type(exc).__name__}: {first}",
            "this is a pipecheck bug; rerun with --traceback and report it",
        )
        return ExitCode.USAGE
    if code == ExitCode.INTERRUPTED:  # typer's answer to Ctrl-C, or SIGTERM (see entry)
        _error(interrupted)
    return int(code) if isinstance(code, int) else ExitCode.OK


def _error(message: str, hint: str | None = None) -> None:
    sys.stderr.write(f"pipecheck: error: {message}\n")
    if hint:
        sys.stderr.write(f"  hint: {hint}\n")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def entry() -> None:
    """The `pipecheck` command."""
    # One jemalloc arena for polars' threads: less memory kept, as fast (bench/README.md); read
    # when polars loads, which nothing imported so far does; a user's own setting wins.
    os.environ.setdefault("_RJEM_MALLOC_CONF", "narenas:1")
    # numpy's BLAS is never called here, yet its threads, started with numpy, spin for a while
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if sys.platform == "linux":  # pyarrow's Linux wheels have jemalloc (elsewhere the name may not exist)
        # pyarrow's jemalloc returns what a streamed Parquet copy frees; its default, mimalloc, keeps
        # it (`--quarantine` of a 5M-row Parquet file: ~50 MB less at its peak, bench/README.md)
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")
    # SIGTERM (a CI job cancelled, `timeout`) ends the run as Ctrl-C does: cleanup runs, exit 130.
    signal.signal(signal.SIGTERM, _interrupt)
    code = main()
    # No interpreter teardown (a last GC over every object: bench/README.md); all output is closed.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):  # a closed pipe (`pipecheck ... | head`): nothing more to write
            stream.flush()
    os._exit(code)
