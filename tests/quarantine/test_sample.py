"""The 40-row sample (tests/cases/fail/orders_bad) quarantined, byte for byte; and several files
quarantined at once with --jobs 2 give what each gives alone."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from tests.conftest import ROOT, Result

CASE = ROOT / "tests" / "cases" / "fail" / "orders_bad"

# Each row the sample breaks, with its true row, physical line and labels (hand-checked: row 21's long
# note is a warning and stays valid; row 27's quoted newline moves later lines down by one).
INVALID = Path(__file__).parent / "data" / "orders_bad.invalid.csv"
INVALID_LINES = {4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 26, 33}


def _sample(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "orders_bad.csv"
    shutil.copyfile(CASE / "data.csv", data)
    contract = tmp_path / "c.yaml"
    text = (CASE / "contract.yaml").read_text(encoding="utf-8")
    assert "extra_columns: error" in text
    contract.write_text(text.replace("extra_columns: error", "extra_columns: warn"), encoding="utf-8")
    return data, contract


def test_the_sample_quarantined_byte_for_byte(tmp_path: Path, cli: Callable[..., Result]) -> None:
    data, contract = _sample(tmp_path)
    q = tmp_path / "q"
    result = cli("validate", data, "-c", contract, "--quarantine", q, "-f", "json")
    assert result.exit_code == 1
    lines = data.read_bytes().splitlines(keepends=True)
    valid = b"".join(line for number, line in enumerate(lines, 1) if number not in INVALID_LINES)
    assert (q / "orders_bad.valid.csv").read_bytes() == valid
    assert (q / "orders_bad.invalid.csv").read_bytes() == INVALID.read_bytes()
    summary = json.loads(result.stdout)["files"][0]["quarantine"]
    assert (summary["rows"], summary["valid"], summary["invalid"]) == (40, 28, 12)
    assert summary["valid_path"] == str(q / "orders_bad.valid.csv")


def test_files_quarantined_in_parallel_give_what_each_gives_alone(tmp_path: Path, cli: Callable[..., Result]) -> None:
    data, contract = _sample(tmp_path)
    others = []
    for name, copy in (("orders.csv", "a.csv"), ("orders.parquet", "b.parquet"), ("orders_drifted.csv", "c.csv")):
        shutil.copyfile(ROOT / "sample_data" / name, tmp_path / copy)
        others.append(tmp_path / copy)
    inputs = [data, *others]
    alone: dict[str, bytes] = {}
    for path in inputs:
        q = tmp_path / f"alone-{path.name}"
        cli("validate", path, "-c", contract, "--quarantine", q)
        alone.update({p.name: p.read_bytes() for p in q.iterdir()})
    together = tmp_path / "together"
    result = cli("validate", *inputs, "-c", contract, "--quarantine", together, "--jobs", "2", "-f", "json")
    assert "Traceback" not in result.stderr
    assert {p.name: p.read_bytes() for p in together.iterdir()} == alone
    assert len(alone) == 8
    reports = json.loads(result.stdout)["files"]
    names = [Path(f["quarantine"]["valid_path"]).name for f in reports]
    assert names == ["orders_bad.valid.csv", "a.valid.csv", "b.valid.parquet", "c.valid.csv"]
