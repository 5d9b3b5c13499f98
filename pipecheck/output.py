"""Where each requested format goes (stdout or a file) and writing it atomically."""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipecheck.errors import UsageError
from pipecheck.findings import RunReport


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


def emit(report: RunReport, targets: list[Target], *, color: bool, quiet: bool) -> None:
    from pipecheck.reporters import OutputFormat, RenderContext, renderer

    for target in targets:
        to_terminal = target.path is None
        context = RenderContext(color=color and to_terminal, quiet=quiet, width=_width() if to_terminal else 120)
        text = renderer(OutputFormat(target.format))(report, context)
        if target.path is None:
            _write_stdout(text)
        else:
            write_atomically(target.path, text)
        if target.format == OutputFormat.GITHUB:
            append_step_summary(report)


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


def _write_stdout(text: str) -> None:
    # A file name that is not valid UTF-8 arrives as lone surrogates; show them escaped, never crash.
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    sys.stdout.write(text.encode(encoding, errors="backslashreplace").decode(encoding))
    sys.stdout.flush()


def _width() -> int:
    """The terminal's width; COLUMNS (a number) when output is not a terminal; else 120."""
    if sys.stdout.isatty():
        try:
            return max(80, os.get_terminal_size().columns)
        except OSError:
            pass
    columns = os.environ.get("COLUMNS", "")
    return max(80, int(columns)) if columns.isdigit() else 120


def check_writable(targets: list[Target]) -> None:
    """Before any data is read: every report path can be written (a mistake found after a long run wastes it)."""
    for target in targets:
        if target.path is None:
            continue
        path = target.path
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


def check_new_file(path: Path, force: bool) -> None:
    """Before any data is read: a file to be created can be written, and replaces one only with --force."""
    if path.exists() and not path.is_dir() and not force and not _special(path):
        raise UsageError(f"{path}: already exists; pass --force to replace it")
    check_writable([Target("contract", path)])


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
