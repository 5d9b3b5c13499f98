"""pipecheck: data contracts for CSV, JSON Lines and Parquet files and in-memory frames.

    import pipecheck
    contract = pipecheck.load_contract("schemas/orders.yaml")
    report = pipecheck.validate("data/orders.csv", contract)
    report.ok, report.files[0].findings

The names below are imported on first use, so `import pipecheck` (and the CLI's start) stays cheap.
"""

from __future__ import annotations

from pipecheck.version import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (7 ms); mypy reads it the same

__all__ = [
    "ConfigError",
    "ContractError",
    "Example",
    "FileReport",
    "Finding",
    "LoadedContract",
    "PipecheckError",
    "Quarantine",
    "RunReport",
    "UsageError",
    "__version__",
    "load_contract",
    "quarantine",
    "validate",
    "validate_frame",
]

# Public name -> the module defining it.
_HOMES = {
    "ConfigError": "pipecheck.errors",
    "ContractError": "pipecheck.errors",
    "PipecheckError": "pipecheck.errors",
    "UsageError": "pipecheck.errors",
    "Example": "pipecheck.findings",
    "FileReport": "pipecheck.findings",
    "Finding": "pipecheck.findings",
    "RunReport": "pipecheck.findings",
    "Quarantine": "pipecheck.findings",
    "LoadedContract": "pipecheck.api",
    "load_contract": "pipecheck.api",
    "quarantine": "pipecheck.api",
    "validate": "pipecheck.api",
    "validate_frame": "pipecheck.api",
}

if TYPE_CHECKING:
    from pipecheck.api import LoadedContract, load_contract, quarantine, validate, validate_frame
    from pipecheck.errors import ConfigError, ContractError, PipecheckError, UsageError
    from pipecheck.findings import Example, FileReport, Finding, Quarantine, RunReport
else:

    def __getattr__(name: str) -> object:
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module 'pipecheck' has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(home), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
