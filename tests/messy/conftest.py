"""Running pipecheck in-process on messy input: exit code, parsed JSON report, stderr — never a traceback."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pipecheck.cli import main

CORPUS = Path(__file__).resolve().parent / "corpus"


@dataclass
class Outcome:
    exit_code: int
    report: dict[str, Any] | None
    stdout: str
    stderr: str
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def file(self) -> dict[str, Any]:
        assert self.report is not None, self.stderr
        files: list[dict[str, Any]] = self.report["files"]
        assert len(files) == 1
        return files[0]

    def checks(self) -> list[str]:
        return [f["check"] for f in self.findings]

    def only(self, check: str, column: str | None = None) -> dict[str, Any]:
        hits = [f for f in self.findings if f["check"] == check and (column is None or f["column"] == column)]
        assert len(hits) == 1, (check, column, self.findings)
        return hits[0]


def run_cli(args: list[str], *, report_on_stdout: bool = True) -> Outcome:
    """`pipecheck ARGS` in-process (capturing via redirect, so it works inside hypothesis tests too)."""
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", newline="")  # reporters may write to sys.stdout.buffer
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", newline="")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    out.flush()
    err.flush()
    stdout, stderr = out_bytes.getvalue().decode("utf-8"), err_bytes.getvalue().decode("utf-8")
    assert "Traceback" not in stdout + stderr, stdout + stderr
    assert "internal error" not in stderr, stderr
    assert code in (0, 1, 2), (code, stderr)
    report = json.loads(stdout) if stdout.strip() else None
    if code in (0, 1) and report_on_stdout:
        assert report is not None, stderr
    findings = [f for file in report["files"] for f in file["findings"]] if report else []
    if report is not None:
        assert (code == 0) == report["ok"]
    return Outcome(code, report, stdout, stderr, findings)


def validate(contract: str, data: Path, *extra: str, folder: Path | None = None) -> Outcome:
    """Validate `data` against the contract text with --format json."""
    folder = folder or data.parent
    contract_path = folder / "messy-contract.yaml"
    contract_path.write_text(contract, encoding="utf-8")
    return run_cli(["validate", str(data), "--contract", str(contract_path), "--format", "json", *extra])


@pytest.fixture
def check(tmp_path: Path) -> Callable[..., Outcome]:
    """check(contract_text, data: str | bytes | Path, *flags, name="data.csv") -> Outcome."""

    def _check(contract: str, data: str | bytes | Path, *extra: str, name: str = "data.csv") -> Outcome:
        if isinstance(data, Path):
            path = data
        else:
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return validate(contract, path, *extra, folder=tmp_path)

    return _check
