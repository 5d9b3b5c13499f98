"""Safety: inputs are never modified, reports are written atomically, adversarial input stays bounded."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipecheck.readers import source
from tests.messy.conftest import Outcome, run_cli

Check = Callable[..., Outcome]
AB = "contract: t\ncolumns:\n  a: {type: integer, unique: true}\n  b: {type: string}\n"


def fingerprint(folder: Path) -> dict[str, tuple[str, int, int]]:
    """sha256, mtime (ns) and mode of every file under folder."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            stat = path.stat()
            out[str(path.relative_to(folder))] = (
                hashlib.sha256(path.read_bytes()).hexdigest(),
                stat.st_mtime_ns,
                stat.st_mode,
            )
    return out


def make_inputs(folder: Path) -> list[Path]:
    folder.mkdir()
    csv = folder / "bad.csv"
    csv.write_bytes(b'a,b\n1,x\n1,y\nq,\xff\n4,"open\n5,z\n')
    gz = folder / "bad.csv.gz"
    gz.write_bytes(gzip.compress(csv.read_bytes()))
    parquet = folder / "t.parquet"
    pq.write_table(pa.table({"a": [1, 1, -1], "b": ["x", "y", None]}), parquet)
    dataset = folder / "ds"
    dataset.mkdir()
    pq.write_table(pa.table({"a": [7, 7], "b": ["x", "y"]}), dataset / "p.parquet")
    empty = folder / "empty.csv"
    empty.write_bytes(b"")
    return [csv, gz, parquet, dataset, empty]


def test_inputs_are_never_modified(tmp_path: Path) -> None:
    data = tmp_path / "data"
    inputs = make_inputs(data)
    contract = tmp_path / "c.yaml"
    contract.write_text(AB)
    before = fingerprint(data)
    contract_before = fingerprint(tmp_path)["c.yaml"]
    outcome = run_cli(["validate", *map(str, inputs), "--contract", str(contract), "--format", "json"])
    assert outcome.exit_code == 1
    assert len(outcome.report["files"]) == len(inputs)  # type: ignore[index]
    assert fingerprint(data) == before  # same bytes, mtimes and modes; no file added
    assert fingerprint(tmp_path)["c.yaml"] == contract_before


def test_output_is_written_atomically_and_replaces_the_old_report_whole(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,x\n")
    contract = tmp_path / "c.yaml"
    contract.write_text(AB)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    report = out_dir / "report.json"
    report.write_text("{" + "x" * 1_000_000)  # a longer, broken old report
    old_inode = report.stat().st_ino
    args = ["validate", str(data), "--contract", str(contract), "--format", "json", "--output", str(report)]
    outcome = run_cli(args, report_on_stdout=False)
    assert outcome.exit_code == 0
    parsed = json.loads(report.read_text(encoding="utf-8"))
    assert parsed["ok"] is True and parsed["files"][0]["rows"] == 1
    assert sorted(p.name for p in out_dir.iterdir()) == ["report.json"]  # no temp file left behind
    assert report.stat().st_ino != old_inode  # renamed into place, not rewritten in place


def test_output_write_failure_leaves_the_old_report_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipecheck import cli

    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,x\n")
    contract = tmp_path / "c.yaml"
    contract.write_text(AB)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    report = out_dir / "report.json"
    report.write_text("old report")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    code = cli.main(["validate", str(data), "--contract", str(contract), "--format", "json", "--output", str(report)])
    assert code != 0
    assert report.read_text() == "old report"
    assert sorted(p.name for p in out_dir.iterdir()) == ["report.json"]


def test_adversarial_pattern_completes(check: Check) -> None:
    # catastrophic for a backtracking engine; polars' regex engine is linear-time
    contract = "contract: t\ncolumns:\n  a: {type: string, pattern: '(a+)+$'}\n  b: {type: string, pattern: '(x|x)*y'}"
    outcome = check(contract, "a,b\n" + "a" * 50_000 + "!," + "x" * 50_000 + "\n")
    assert outcome.exit_code == 1
    assert {(f["check"], f["column"]) for f in outcome.findings} == {("pattern", "a"), ("pattern", "b")}


def test_decompression_bomb_is_a_limit_finding(check: Check, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "MIN_EXPANSION_ALLOWANCE", 1 << 20)
    data = gzip.compress(b"a,b\n" + b"1,x\n" * (8 << 20), compresslevel=9)  # 32 MB of text, ~30 KB compressed
    outcome = check(AB, data, name="bomb.csv.gz")
    assert outcome.exit_code == 1
    finding = outcome.only("limit")
    assert "decompression bomb" in finding["message"]
    assert outcome.checks() == ["limit"]


def _slow_enabled(config: pytest.Config) -> bool:
    expression = config.getoption("markexpr") or ""
    return "slow" in expression and "not slow" not in expression


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_real_two_gigabyte_gzip_bomb(tmp_path: Path, request: pytest.FixtureRequest, check: Check) -> None:
    if not _slow_enabled(request.config):
        pytest.skip("slow: run with -m slow")
    path = tmp_path / "bomb.csv.gz"
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(b"a,b\n")
        block = b"1,0\n" * (1 << 20)
        for _ in range(512):  # 2 GiB
            out.write(block)
    outcome = check(AB, path)
    assert "decompression bomb" in outcome.only("limit")["message"]


@pytest.mark.parametrize(
    "yaml_text",
    [
        "contract: !!python/object:os.system {}\ncolumns:\n  a: {type: integer}\n",
        "contract: x\ncolumns:\n  a: !!python/object/apply:os.system ['echo pwned']\n",
        "!!python/object/new:collections.OrderedDict\ncontract: x\n",
        "contract: !!python/name:os.system\ncolumns:\n  a: {type: integer}\n",
    ],
)
def test_python_yaml_tags_are_contract_errors(yaml_text: str, tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a\n1\n")
    contract = tmp_path / "evil.yaml"
    contract.write_text(yaml_text)
    outcome = run_cli(["validate", str(data), "--contract", str(contract), "--format", "json"])
    assert outcome.exit_code == 2
    assert outcome.stdout == ""
    assert "evil.yaml:" in outcome.stderr and "invalid YAML" in outcome.stderr and "python/" in outcome.stderr
    assert "pwned" not in outcome.stderr
