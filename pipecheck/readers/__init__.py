"""Turn a path into batches of columns with row bookkeeping. Readers know nothing of contracts."""

from __future__ import annotations


class UnreadableFile(Exception):
    """The file cannot be read as data at all (reported as an `unreadable` finding)."""

    def __init__(self, message: str, line: int | None = None, file_format: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.file_format = file_format  # what the file is, where that is known (say "zip archive")


class LimitExceeded(UnreadableFile):
    """A documented reading limit was hit (reported as a `limit` finding)."""
