"""Quarantine helpers: run `validate --quarantine` on bytes and read back its outputs and report."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Result, run_subprocess


@dataclass
class Quarantined:
    exit_code: int
    report: dict[str, Any]  # the file's report (JSON)
    outputs: dict[str, bytes]  # file name in DIR -> bytes
    input: Path
    directory: Path
    stderr: str

    @property
    def quarantine(self) -> dict[str, Any]:
        return dict(self.report["quarantine"])


@pytest.fixture
def quarantined(tmp_path: Path, cli: Callable[..., Result]) -> Callable[..., Quarantined]:
    """Write `data` as `name` and `contract`, validate with --quarantine DIR (in-process, or as a real
    process with subprocess=True), and return the report and every file DIR holds."""

    def _run(contract: str, data: bytes, *extra: str, name: str = "in.csv", subprocess: bool = False) -> Quarantined:
        source = tmp_path / name
        source.write_bytes(data)
        contract_path = tmp_path / "contract.yaml"
        contract_path.write_text(contract, encoding="utf-8")
        directory = tmp_path / "q"
        args = ("validate", source, "-c", contract_path, "--quarantine", directory, "-f", "json", *extra)
        result = run_subprocess(*args) if subprocess else cli(*args)
        assert "Traceback" not in result.stdout + result.stderr, result.stderr
        assert source.read_bytes() == data  # inputs are never modified
        report = json.loads(result.stdout)["files"][0]
        outputs = {p.name: p.read_bytes() for p in sorted(directory.iterdir())} if directory.is_dir() else {}
        return Quarantined(result.exit_code, report, outputs, source, directory, result.stderr)

    return _run
