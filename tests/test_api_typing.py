"""The API's type hints ship: mypy --strict, finding pipecheck installed in site-packages (where only
a py.typed marker makes it read them), passes a user's script and catches a misuse in one."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import ROOT

USER_SCRIPT = """\
from pathlib import Path

import polars as pl

import pipecheck


def task(path: str, frame: pl.DataFrame) -> list[int]:
    contract: pipecheck.LoadedContract = pipecheck.load_contract(Path("schemas/orders.yaml"))
    report: pipecheck.RunReport = pipecheck.validate([path, Path(path)], contract, fail_on="warning", jobs=2)
    frames = pipecheck.validate_frame(frame, contract, name="frame")
    first: pipecheck.FileReport = frames.files[0]
    finding: pipecheck.Finding = first.findings[0]
    example: pipecheck.Example = finding.examples[0]
    try:
        pipecheck.validate(path, progress=lambda name, done, total, rows: None)
    except pipecheck.ContractError as exc:
        print(exc.problems[0].line)
    except (pipecheck.UsageError, pipecheck.ConfigError) as exc:
        print(exc.message, exc.hint)
    print(report.ok, report.to_json(), pipecheck.__version__, contract.name)
    return [finding.count, example.row or 0]
"""

MISUSE = """\
import pipecheck

report = pipecheck.validate("data.csv", fail_on="fatal")
rows: str = report.files[0].rows
pipecheck.validate_frame
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python whose site-packages holds a copy of this pipecheck (and sees the venv's packages)."""
    base = tmp_path_factory.mktemp("typed")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(base / "venv")], check=True)
    python = base / "venv" / "bin" / "python"
    packages = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    shutil.copytree(ROOT / "pipecheck", packages / "pipecheck", ignore=shutil.ignore_patterns("__pycache__"))
    # the dependencies (polars, pydantic, ...) from the environment running the tests
    (packages / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    (base / "mypy.ini").write_text("[mypy]\n", encoding="utf-8")
    return base


def _mypy(site: Path, code: str) -> subprocess.CompletedProcess[str]:
    script = site / "user.py"
    script.write_text(code, encoding="utf-8")
    python = site / "venv" / "bin" / "python"
    options = ["--strict", "--config-file", str(site / "mypy.ini"), "--cache-dir", str(site / ".mypy_cache")]
    return subprocess.run(
        [sys.executable, "-m", "mypy", *options, "--python-executable", str(python), str(script)],
        capture_output=True,
        text=True,
        cwd=site,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
        timeout=300,
    )


def test_mypy_strict_accepts_a_typed_user_script(site: Path) -> None:
    result = _mypy(site, USER_SCRIPT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_catches_misuse_through_the_shipped_hints(site: Path) -> None:
    result = _mypy(site, MISUSE)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert any("'fatal'" in e and "fail_on" in e for e in errors), result.stdout
    assert any('"int | None", variable has type "str"' in e for e in errors), result.stdout
    assert not any("import-untyped" in e or "import-not-found" in e for e in errors), result.stdout


def test_without_the_marker_mypy_sees_no_hints(site: Path) -> None:
    marker = next(site.glob("venv/lib/python*/site-packages/pipecheck/py.typed"))
    saved = marker.read_bytes()
    marker.unlink()
    try:
        result = _mypy(site, MISUSE)
    finally:
        marker.write_bytes(saved)
    assert "import-untyped" in result.stdout, result.stdout
