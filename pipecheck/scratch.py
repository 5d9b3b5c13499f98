"""Temporary files of one run (spilled `unique` keys): one directory, removed on every exit path."""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path
from types import TracebackType


class Scratch:
    """A run's temporary directory, made on first use; `close` (or leaving the `with`) removes it."""

    def __init__(self) -> None:
        self._path: Path | None = None
        self._lock = threading.Lock()

    def directory(self) -> Path:
        with self._lock:
            if self._path is None:
                self._path = Path(tempfile.mkdtemp(prefix="pipecheck-"))
            return self._path

    def close(self) -> None:
        with self._lock:
            if self._path is not None:
                shutil.rmtree(self._path, ignore_errors=True)
                self._path = None

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
