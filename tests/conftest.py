"""Shared fixtures: the repo root, a contract writer, and a CLI runner that returns exit code and output."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipecheck.cli import main

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write a file under tmp_path (text or bytes) and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run pipecheck in-process through the real entry point (the place exit codes are decided)."""

    def _run(*args: str | Path, cwd: Path | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return _run


def run_subprocess(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> Result:
    """Run the installed console entry point as a real process."""
    proc = subprocess.run(
        [sys.executable, "-m", "pipecheck", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def validate_json(tmp_path: Path, cli: Callable[..., Result]) -> Callable[..., tuple[int, dict[str, Any]]]:
    """Validate data (CSV text/bytes or an existing path) against a contract text; return (exit, JSON report)."""

    def _validate(contract: str, data: str | bytes | Path, *extra: str, name: str = "data.csv") -> tuple[int, Any]:
        contract_path = tmp_path / "contract.yaml"
        contract_path.write_text(contract, encoding="utf-8")
        if isinstance(data, Path):
            data_path = data
        else:
            data_path = tmp_path / name
            data_path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        result = cli("validate", data_path, "--contract", contract_path, "--format", "json", *extra)
        assert "Traceback" not in result.stdout + result.stderr
        return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else None

    return _validate


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `slow` run only when asked for (`pytest -m slow`); `make test` stays quick."""
    expression = config.getoption("markexpr") or ""
    if "slow" in expression and "not slow" not in expression:
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
