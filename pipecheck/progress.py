"""A progress display on stderr for long runs: bytes and rows per file, rate, ETA.

Shown only on a terminal, only with human output, and only once a run has taken more than a
moment, so short runs, pipes, JSON and CI formats stay clean.
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import Any

SHOW_AFTER_SECONDS = 1.0


class ProgressDisplay:
    """Receives engine updates `(path, bytes_done, bytes_total, rows)` from any thread."""

    def __init__(self, enabled: bool, show_after: float = SHOW_AFTER_SECONDS) -> None:
        self.enabled = enabled
        self.show_after = show_after
        self.started = time.monotonic()
        self._lock = threading.Lock()
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

    def __enter__(self) -> ProgressDisplay:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        with self._lock:
            if self._progress is not None:
                self._progress.stop()
                self._progress = None


def _make_progress() -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    return Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=Console(file=sys.stderr),
        transient=True,
    )


def progress_wanted(stdout_formats: list[str], quiet: bool) -> bool:
    """A terminal on stderr, human output on stdout (or none), and not --quiet."""
    return not quiet and sys.stderr.isatty() and all(f == "rich" for f in stdout_formats)
