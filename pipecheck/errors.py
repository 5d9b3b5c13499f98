"""The exceptions that stop a run, each mapped to its exit code in one place.

Findings about data are never exceptions: they are results (see ``findings``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    VIOLATIONS = 1
    USAGE = 2
    INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C


class PipecheckError(Exception):
    """A failure that stops the run with a one-line, user-facing message."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(PipecheckError):
    """Bad flags, missing paths, files no contract matches."""


class ConfigError(PipecheckError):
    """pipecheck.yaml / [tool.pipecheck] is not valid or is ambiguous."""


@dataclass(frozen=True)
class ContractProblem:
    """One defect of a contract file, located at a YAML node."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ContractError(PipecheckError):
    """A contract that is not valid; carries every problem found in it."""

    def __init__(self, problems: list[ContractProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class UnreadableData(PipecheckError):
    """A data file a command needs whole (snapshot) could not be read to its end."""

    exit_code = ExitCode.VIOLATIONS
