"""A progress display on stderr for long runs: one line per file being read, never wider than the terminal.

Shown only on a terminal, only with human output, and only once a run has taken more than a
moment, so short runs, pipes, JSON and CI formats stay clean.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator
from types import TracebackType
from typing import Any

SHOW_AFTER_SECONDS = 1.0
BAR_CHARS = 30  # the bar's width when the line has room; it shrinks first, then the details go


class ProgressDisplay:
    """Receives engine updates `(path, bytes_done, bytes_total, rows)` from any thread."""

    def __init__(self, enabled: bool, show_after: float = SHOW_AFTER_SECONDS) -> None:
        self.enabled = enabled
        self.show_after = show_after
        self.started = time.monotonic()
        self._lock = threading.RLock()  # re-entrant: a file may finish while output is paused
        self._progress: Any = None
        self._tasks: dict[str, Any] = {}

    def __call__(self, path: str, done: int, total: int | None, rows: int) -> None:
        if not self.enabled or time.monotonic() - self.started < self.show_after:
            return
        with self._lock:
            if self._progress is None:
                self._progress = _make_progress()
                self._progress.start()
            task = self._tasks.get(path)
            if task is None:
                task = self._tasks[path] = self._progress.add_task(path, total=total, rows=0)
            self._progress.update(task, completed=done, total=total, rows=rows)

    def finished(self, path: str) -> None:
        """The file is done: its line goes."""
        with self._lock:
            task = self._tasks.pop(path, None)
            if task is not None and self._progress is not None:
                self._progress.remove_task(task)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Clear the display while something else prints to the terminal, then draw it again below."""
        with self._lock:
            if self._progress is None:
                yield
                return
            self._progress.stop()
            try:
                yield
            finally:
                self._progress.start()

    def __enter__(self) -> ProgressDisplay:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        with self._lock:
            if self._progress is not None:
                self._progress.stop()
                self._progress = None


def progress_line(name: str, done: int, total: int | None, rows: int, rate: float | None, width: int) -> str:
    """'orders.csv ━━━━━━╸      42% 40.1/95.3 MB 380,000 rows 21.3 MB/s 0:00:03', cut to `width` whole parts.

    The details go from the right as the width shrinks (ETA, rate, rows), then the bar, and the
    name is cut in the middle: a line never wraps (a wrapped line is drawn again on every refresh).
    """
    from rich.filesize import decimal

    fraction = min(done / total, 1.0) if total else None
    sizes = f"{decimal(done)}/{decimal(total)}" if total else decimal(done)
    details = [f"{fraction:.0%}" if fraction is not None else "", sizes, f"{rows:,} rows"]
    if rate:
        details.append(f"{decimal(int(rate))}/s")
        if total and done < total:
            details.append(_clock((total - done) / rate))
    details = [d for d in details if d]
    width = max(width, 10)
    bar_room = 6 if fraction is not None else 0  # a bar of at least 5 and its space
    while True:
        tail = " ".join(details)
        room = width - len(tail) - (1 if tail else 0)
        if room >= min(len(name), 12) + bar_room or not details:
            break
        details.pop()
    name_chars = max(min(len(name), room - bar_room), 1)
    bar_chars = min(BAR_CHARS, room - name_chars - 1) if fraction is not None else 0
    bar = _bar(fraction, bar_chars) if bar_chars >= 5 else ""
    shown = name if len(name) <= name_chars else _middle(name, name_chars)
    return " ".join(p for p in (shown, bar, tail) if p)[:width]


def _bar(fraction: float | None, chars: int) -> str:
    filled = round((fraction or 0.0) * chars)
    return "━" * filled + "─" * (chars - filled)


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _middle(text: str, chars: int) -> str:
    """Both ends of a path kept (the file name is at the end)."""
    if chars <= 1:
        return text[:chars]
    head = (chars - 1) // 2
    return text[:head] + "…" + text[len(text) - (chars - 1 - head) :]


def _make_progress() -> Any:
    from rich.console import Console
    from rich.progress import Progress, ProgressColumn, Task
    from rich.text import Text

    console = Console(file=sys.stderr)

    class Line(ProgressColumn):
        def render(self, task: Task) -> Text:
            done, total = int(task.completed), int(task.total) if task.total else None
            # One column short of the edge: some terminals wrap a line that fills the last column.
            width = console.width - 1
            name = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in task.description)
            text = Text(progress_line(name, done, total, task.fields["rows"], task.speed, width))
            text.truncate(width)  # in cells: a name of wide characters
            return text

    return Progress(Line(), console=console, transient=True, redirect_stdout=False, redirect_stderr=False)


def progress_wanted(stdout_formats: list[str], quiet: bool) -> bool:
    """A terminal on stderr, human output on stdout (or none), and not --quiet."""
    return not quiet and sys.stderr.isatty() and all(f == "rich" for f in stdout_formats)
