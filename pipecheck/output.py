"""Where each requested format goes (stdout or a file) and writing it atomically."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipecheck.changes import DiffReport
from pipecheck.errors import UsageError
from pipecheck.findings import FileReport, RunReport

if TYPE_CHECKING:
    from pipecheck.reporters import RenderContext


@dataclass(frozen=True)
class Target:
    format: str
    path: Path | None  # None: stdout


def parse_targets(formats: list[str], output: Path | None, source: str = "--format") -> list[Target]:
    """Where each format goes; `source` names where the formats were set, for the error message."""
    from pipecheck.reporters import OutputFormat

    known = [f.value for f in OutputFormat]
    targets: list[Target] = []
    for item in formats:
        name, _, path = item.partition(":")
        if name not in known:
            raise UsageError(f"{source}: unknown format {name!r}; choose from {', '.join(known)}")
        targets.append(Target(name, Path(path) if path else None))
    if output is not None:
        unrouted = [i for i, t in enumerate(targets) if t.path is None and t.format != "rich"]
        if not unrouted and len(targets) == 1:
            unrouted = [0]
        if not unrouted:
            raise UsageError("--output: no format left to write there; use --format FORMAT:PATH")
        first = unrouted[0]
        targets[first] = Target(targets[first].format, output)
    to_stdout = [t.format for t in targets if t.path is None]
    if len(to_stdout) > 1:
        raise UsageError(
            f"formats {', '.join(to_stdout)} would all print to stdout; give all but one a file (FORMAT:PATH)"
        )
    return targets


def emit(
    report: RunReport, targets: list[Target], *, color: bool, quiet: bool, hook: bool = False, streamed: bool = False
) -> None:
    """Write every format; human output on stdout only its end when its files were already `streamed`."""
    from pipecheck.reporters import OutputFormat, renderer

    for target in targets:
        if target.path is None and target.format == OutputFormat.RICH:
            from pipecheck.reporters.rich_text import render_end  # rich is imported only for human output

            context = human_context(color=color, quiet=quiet, hook=hook)
            write_stdout(render_end(report, context) if streamed else renderer(OutputFormat.RICH)(report, context))
        else:
            from pipecheck.reporters import RenderContext

            text = renderer(OutputFormat(target.format))(report, RenderContext(quiet=quiet, hook=hook))
            if target.path is None:
                write_stdout(text)
            else:
                write_atomically(target.path, text)
        if target.format == OutputFormat.GITHUB:
            append_step_summary(report)


def human_context(*, color: bool, quiet: bool, hook: bool) -> RenderContext:
    """The layout for human output on stdout: fitted to a terminal, else one line per finding (pipes, CI, hooks)."""
    from pipecheck.reporters import RenderContext

    # pre-commit runs hooks on a pseudo-terminal when it colours its own output: hook mode is always a log.
    terminal = sys.stdout.isatty() and not hook
    return RenderContext(color=color, quiet=quiet, hook=hook, layout="terminal" if terminal else "log", width=_width())


def streams_files(targets: list[Target], hook: bool) -> bool:
    """Human output on stdout is printed file by file as results arrive (hook mode sorts, so it waits)."""
    return not hook and any(t.path is None and t.format == "rich" for t in targets)


def print_file(file: FileReport, context: RenderContext) -> None:
    """One file's human result on stdout, as soon as it is known."""
    from pipecheck.reporters.rich_text import render_file

    text = render_file(file, context)
    if text:
        write_stdout(text)


STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


def append_step_summary(report: RunReport) -> None:
    """In GitHub Actions, append the markdown report to the job summary file named by $GITHUB_STEP_SUMMARY.

    Append, never replace: every step of the job writes to the same file. A summary that cannot
    be written is a warning on stderr, not a failure: the annotations are already out.
    """
    from pipecheck.reporters import OutputFormat, RenderContext, renderer

    path = os.environ.get(STEP_SUMMARY_ENV)
    if not path:
        return
    text = renderer(OutputFormat.MARKDOWN)(report, RenderContext())
    try:
        with open(path, "a", encoding="utf-8", errors="backslashreplace") as handle:
            if handle.tell() > 0:
                text = "\n" + text
            handle.write(text)
    except OSError as exc:
        sys.stderr.write(f"pipecheck: warning: cannot append to ${STEP_SUMMARY_ENV} ({path}): {exc.strerror or exc}\n")


def write_stdout(text: str) -> None:
    """Print text; a full disk or a closed stdout is a one-line usage error (a reader gone, `| head`, is not)."""
    # A file name that is not valid UTF-8 arrives as lone surrogates; show them escaped, never crash.
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        sys.stdout.write(text.encode(encoding, errors="backslashreplace").decode(encoding))
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left (`| head`): nothing more to print; the run and its exit code go on
        _stdout_to_devnull()
    except OSError as exc:  # /dev/full: what is buffered can never be written, not even at exit
        _stdout_to_devnull()
        raise UsageError(f"cannot write to standard output: {exc.strerror or exc}") from None


def _stdout_to_devnull() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _width() -> int | None:
    """COLUMNS when it is a number (a user's choice wins), else the terminal's width; None: not a terminal."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return max(20, min(int(columns), 10_000))
    if sys.stdout.isatty():
        try:
            size = os.get_terminal_size(sys.stdout.fileno()).columns
        except OSError:
            return 80
        return max(20, size) if size > 0 else 80  # a pseudo-terminal of size 0 (some CI runners)
    return None


def check_writable(targets: list[Target], inputs: Sequence[Path] = ()) -> None:
    """Before any data is read: every report path can be written (a mistake found after a long run wastes it),
    and none is one of the run's `inputs`, which are only ever read."""
    for target in targets:
        if target.path is None:
            continue
        path = target.path
        if any(_same_file(path, given) for given in inputs):
            raise UsageError(
                f"{path}: is an input of this run; writing the {_what(target.format)} there would replace it",
                hint="write it to another file",
            )
        if path.is_dir():
            raise UsageError(f"{path}: is a directory; give a file name for the {_what(target.format)}")
        if _special(path):
            if not os.access(path, os.W_OK):
                raise UsageError(f"{path}: cannot write the {_what(target.format)} here: permission denied")
            continue
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            raise UsageError(f"{path}: directory {folder} does not exist")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise UsageError(f"{path}: cannot write the {_what(target.format)}: directory {folder} is not writable")


def _what(format_name: str) -> str:
    return "contract" if format_name == "contract" else f"{format_name} report"


def _special(path: Path) -> bool:
    """A device, pipe or socket (/dev/stdout, a FIFO): written directly, never replaced by a file."""
    import stat

    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _same_file(path: Path, other: Path) -> bool:
    try:
        return not _special(path) and os.path.samefile(path, other)
    except OSError:  # either does not exist (yet)
        return False


def check_new_file(path: Path, force: bool, inputs: Sequence[Path] = ()) -> None:
    """Before any data is read: a file to be created can be written, is not an input, and replaces one only with
    --force."""
    check_writable([Target("contract", path)], inputs)
    if path.exists() and not path.is_dir() and not force and not _special(path):
        raise UsageError(f"{path}: already exists; pass --force to replace it")


def write_atomically(path: Path, text: str, what: str = "report") -> None:
    """Write via a temp file in the same directory and rename, so readers never see half a report.

    The file gets the mode a plain `open` would give it (the umask's; an existing file keeps its
    own), not the temp file's 600. A special file (/dev/stdout) is written directly.
    """
    try:
        if _special(path):
            with open(path, "w", encoding="utf-8", errors="backslashreplace") as handle:
                handle.write(text)
            return
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            raise UsageError(f"{path}: directory {folder} does not exist")
        mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
                handle.write(text)
                handle.flush()
                os.fchmod(handle.fileno(), mode)
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the {what}: {exc.strerror or exc}") from None


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def diff_target(fmt: str, output: Path | None, contracts: Sequence[Path] = ()) -> Target:
    """Where `pipecheck diff`'s one report goes, checked before anything is read (never over a contract)."""
    from pipecheck.reporters import DiffFormat

    known = [f.value for f in DiffFormat]
    if fmt not in known:
        raise UsageError(f"--format: unknown format {fmt!r} for diff; choose from {', '.join(known)}")
    target = Target(fmt, output)
    check_writable([target], contracts)
    return target


def emit_diff(report: DiffReport, target: Target, *, color: bool) -> None:
    from pipecheck.reporters import DiffFormat, RenderContext, diff_renderer

    to_terminal = target.path is None
    context = RenderContext(color=color and to_terminal, width=_width() if to_terminal else 120)
    text = diff_renderer(DiffFormat(target.format))(report, context)
    if target.path is None:
        write_stdout(text)
    else:
        write_atomically(target.path, text)
