"""Golden cases: tests/cases/{pass,fail}/<case>/ hold contract.yaml, data.* and expected.json.

Adding a regression is adding a folder. PIPECHECK_UPDATE_GOLDEN=1 rewrites expected.json from
the current output (review the diff before committing it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Result

CASES = Path(__file__).parent / "cases"
ALL = sorted(p for p in CASES.glob("*/*") if p.is_dir())


def stable(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what changes from run to run (version, timings)."""
    report = {k: v for k, v in report.items() if k != "pipecheck"}
    report["files"] = [{k: v for k, v in f.items() if k != "seconds"} for f in report["files"]]
    return report


@pytest.mark.parametrize("case", ALL, ids=[f"{p.parent.name}/{p.name}" for p in ALL])
def test_golden_case(case: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    (data,) = sorted(case.glob("data.*"))
    result = cli("validate", data.name, "--contract", "contract.yaml", "--format", "json", cwd=case)
    assert result.exit_code == (0 if case.parent.name == "pass" else 1), result.stderr
    report = stable(json.loads(result.stdout))
    expected = case / "expected.json"
    if os.environ.get("PIPECHECK_UPDATE_GOLDEN"):
        expected.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert report == json.loads(expected.read_text(encoding="utf-8"))
