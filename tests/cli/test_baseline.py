"""pipecheck snapshot and validate --baseline, through the CLI in-process and as a real process."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import jsonschema

from tests.cli.test_human_output import run_in_terminal
from tests.conftest import ROOT, Result, run_subprocess

CONTRACT = ROOT / "schemas" / "orders.yaml"
SAMPLE = ROOT / "sample_data"


def _snapshot(cli: Callable[..., Result], tmp_path: Path, data: Path = SAMPLE / "orders.csv") -> Path:
    out = tmp_path / "base.json"
    result = cli("snapshot", data, "-c", CONTRACT, "-o", out)
    assert result.exit_code == 0, result.stderr
    return out


def test_snapshot_writes_a_small_profile_that_its_published_schema_accepts(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    old = os.umask(0o027)
    try:
        out = _snapshot(cli, tmp_path)
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o640
    profile = json.loads(out.read_text())
    schema = json.loads(cli("snapshot", "--schema").stdout)
    jsonschema.validate(profile, schema)
    assert profile["pipecheck_profile"] == 1 and profile["rows"] == 200
    assert [c["name"] for c in profile["schema"]][:2] == ["order_id", "customer_id"]
    assert profile["columns"]["status"]["categories"]["exact"] is True
    assert out.stat().st_size < 64 * 1024


def test_the_drifted_sample_fails_with_drift_findings_carrying_metric_value_and_threshold(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    base = _snapshot(cli, tmp_path)
    result = cli("validate", SAMPLE / "orders_drifted.csv", "-c", CONTRACT, "--baseline", base, "-f", "json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["files"][0]["findings"]
    drift = {(f["column"], f["metric"]): f for f in findings if f["check"] == "drift"}
    assert drift[("amount", "wasserstein")]["value"] >= drift[("amount", "wasserstein")]["threshold"]
    assert drift[("country", "new_category")]["examples"][0]["value"] == "ES"
    assert ("status", "l_infinity") in drift
    plain = cli("validate", SAMPLE / "orders_drifted.csv", "-c", CONTRACT)
    assert plain.exit_code == 0  # the contract alone holds: only the baseline sees the drift


def test_the_same_data_against_its_own_baseline_has_no_findings(cli: Callable[..., Result], tmp_path: Path) -> None:
    base = _snapshot(cli, tmp_path)
    result = cli("validate", SAMPLE / "orders.csv", SAMPLE / "orders.parquet", "-c", CONTRACT, "--baseline", base)
    assert result.exit_code == 0, result.stdout
    # a file without findings shows no counts at all (the report lists none)
    assert result.stdout.count("PASS ") == 2 and "error" not in result.stdout and "warning" not in result.stdout


def test_columns_added_removed_and_moved_are_schema_changes_even_when_the_contract_allows_them(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    contract = tmp_path / "c.yaml"
    contract.write_text(
        "contract: t\nextra_columns: ignore\ncolumns:\n  a: {type: integer}\n  b: {type: string, required: false}\n"
    )
    (tmp_path / "old.csv").write_text("a,b,amount_total\n1,x,3\n2,y,4\n")
    (tmp_path / "new.csv").write_text("b,a,amount_totals,extra\nx,1,3,z\ny,2,4,z\n")
    base = tmp_path / "base.json"
    assert cli("snapshot", tmp_path / "old.csv", "-c", contract, "-o", base).exit_code == 0
    result = cli("validate", tmp_path / "new.csv", "-c", contract, "--baseline", base, "-f", "json")
    changes = [f for f in json.loads(result.stdout)["files"][0]["findings"] if f["check"] == "schema_change"]
    messages = " | ".join(f["message"] for f in changes)
    assert "'amount_total' seems renamed to 'amount_totals'" in messages
    assert "'extra' was added" in messages and "column order changed" in messages
    assert all(f["severity"] == "warning" for f in changes) and result.exit_code == 0


def test_a_bad_baseline_is_one_line_and_exit_2(cli: Callable[..., Result], tmp_path: Path) -> None:
    data = SAMPLE / "orders.csv"
    (tmp_path / "junk.json").write_text("{not json")
    (tmp_path / "v9.json").write_text('{"pipecheck_profile": 9}')
    other = _snapshot(cli, tmp_path)
    (tmp_path / "other.json").write_text(other.read_text().replace('"contract": "orders"', '"contract": "refunds"'))
    for name, said in [
        ("missing.json", "no such baseline"),
        ("junk.json", "not a JSON profile"),
        ("v9.json", "profile format version 9"),
        ("other.json", "a baseline of contract 'refunds'"),
    ]:
        result = cli("validate", data, "-c", CONTRACT, "--baseline", tmp_path / name)
        assert result.exit_code == 2 and said in result.stderr, (name, result.stderr)
        assert "Traceback" not in result.stderr and result.stderr.count("error:") == 1


def test_snapshot_refuses_an_unreadable_file_and_writes_nothing(cli: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    result = cli("snapshot", tmp_path / "empty.csv", "-c", CONTRACT, "-o", tmp_path / "p.json")
    assert result.exit_code == 1 and "no profile was written" in result.stderr
    assert not (tmp_path / "p.json").exists()


def test_drift_settings_in_the_contract_are_checked_with_positions(cli: Callable[..., Result], tmp_path: Path) -> None:
    contract = tmp_path / "c.yaml"
    contract.write_text(
        "contract: t\ncolumns:\n  a: {type: string, drift: {metric: wasserstein}}\n"
        "  b: {type: float, drift: {warn: 0.5, error: 0.1}}\n"
    )
    (tmp_path / "d.csv").write_text("a,b\nx,1\n")
    result = cli("validate", tmp_path / "d.csv", "-c", contract)
    assert result.exit_code == 2
    assert "c.yaml:4:" in result.stderr and "warn (0.5) is greater than error (0.1)" in result.stderr
    fixed = contract.read_text().replace("warn: 0.5, error: 0.1", "warn: 0.1")
    contract.write_text(fixed)
    result = cli("validate", tmp_path / "d.csv", "-c", contract)
    assert "c.yaml:3:" in result.stderr and "wasserstein does not apply to string columns" in result.stderr


def test_a_real_process_snapshots_and_compares(tmp_path: Path) -> None:
    base = tmp_path / "b.json"
    made = run_subprocess("snapshot", SAMPLE / "orders.csv", "-c", CONTRACT, "-o", base)
    assert made.exit_code == 0, made.stderr
    args = ("validate", str(SAMPLE / "orders_drifted.csv"), "-c", str(CONTRACT), "--baseline", str(base))
    logged = run_subprocess(*args)  # a pipe: one line per finding, with its metric, value and threshold
    assert logged.exit_code == 1 and "drift, baseline against current:" not in logged.stdout
    assert "threshold 5.0%" in logged.stdout
    shown = run_in_terminal(*args, columns=100, cwd=tmp_path)  # a terminal: the distributions side by side
    assert shown.exit_code == 1 and "drift, baseline against current:" in shown.stdout
    assert "wasserstein" in shown.stdout and "Traceback" not in shown.stderr + logged.stderr


def test_values_near_the_float_limit_and_constant_columns_profile_and_compare(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    contract = tmp_path / "u.yaml"
    contract.write_text('contract: u\ncolumns:\n  "é x": {type: float, nullable: true}\n  k: {type: string}\n')
    (tmp_path / "huge.csv").write_text('"é x",k\n1e308,b\n-1e308,b\n7,c\n')
    (tmp_path / "const.csv").write_text('"é x",k\n5,a\n5,a\n5,a\n')
    for name in ("huge", "const"):
        made = cli("snapshot", tmp_path / f"{name}.csv", "-c", contract, "-o", tmp_path / f"{name}.json")
        assert made.exit_code == 0, made.stderr
    for base, data in [("huge", "const"), ("const", "huge"), ("huge", "huge")]:
        result = cli("validate", tmp_path / f"{data}.csv", "-c", contract, "--baseline", tmp_path / f"{base}.json")
        assert result.exit_code == 0 and not result.stderr, (base, data, result.stderr)


def test_a_baselines_folder_in_the_config_gives_each_contract_its_profile(tmp_path: Path) -> None:
    """`baselines: DIR` in pipecheck.yaml: NAME.json is contract NAME's baseline; a contract without one
    is validated alone, and --baseline still wins."""
    import shutil

    (tmp_path / "schemas").mkdir()
    shutil.copy(CONTRACT, tmp_path / "schemas" / "orders.yaml")
    shutil.copy(SAMPLE / "orders_drifted.csv", tmp_path / "drifted.csv")
    shutil.copy(SAMPLE / "orders.csv", tmp_path / "orders.csv")
    (tmp_path / "schemas" / "other.yaml").write_text(
        "contract: other\nmatch: [other.csv]\ncolumns: {a: {type: integer}}\n"
    )
    (tmp_path / "other.csv").write_text("a\n1\n")
    (tmp_path / "pipecheck.yaml").write_text("baselines: profiles\n")
    (tmp_path / "profiles").mkdir()
    made = run_subprocess(
        "snapshot", "orders.csv", "-c", "schemas/orders.yaml", "-o", "profiles/orders.json", cwd=tmp_path
    )
    assert made.exit_code == 0, made.stderr
    drifted = run_subprocess("validate", "drifted.csv", "-c", "schemas/orders.yaml", "--format", "json", cwd=tmp_path)
    assert drifted.exit_code == 1 and '"drift"' in drifted.stdout
    alone = run_subprocess("validate", "other.csv", cwd=tmp_path)  # no profiles/other.json
    assert alone.exit_code == 0, alone.stdout + alone.stderr
    shown = run_subprocess("config", cwd=tmp_path)
    assert "baselines" in shown.stdout and "profiles" in shown.stdout
