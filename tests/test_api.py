"""The Python API: the CLI's run without the CLI. Its reports are the CLI's JSON, its failures
PipecheckError subclasses, it prints nothing, and calls on several threads agree with serial ones."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import pipecheck
from tests.conftest import ROOT, run_subprocess

CONTRACT = """\
contract: orders
match: ["data/orders*.csv", "data/*.parquet"]
columns:
  order_id: {type: integer, unique: true, min: 1}
  email: {type: string, pattern: '^[^@]+@[^@]+$'}
  amount: {type: float, min: 0}
  note: {type: string, required: false, nullable: true, max_length: 5, severity: warning}
checks:
  row_count: {min: 1}
"""


def _without_seconds(report: dict[str, Any]) -> dict[str, Any]:
    for file in report["files"]:
        file["seconds"] = 0
    return report


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project: schemas/orders.yaml and data files that pass, fail, warn and cannot be read."""
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "orders.yaml").write_text(CONTRACT, encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders_ok.csv").write_text("order_id,email,amount\n1,a@x.com,1.5\n2,b@x.com,0\n", encoding="utf-8")
    (data / "orders_bad.csv").write_text(
        'order_id,email,amount,note\n1,a@x.com,-1,fine\n1,nope,2,far too long\nx,b@x.com,3,\n4,"unterminated,5,\n',
        encoding="utf-8",
    )
    (data / "orders_warn.csv").write_text("order_id,email,amount,note\n7,a@x.com,1,toolong\n", encoding="utf-8")
    (data / "orders_gz.csv").write_bytes(gzip.compress(b"order_id,email,amount\n1,a@x.com,1\n")[:-6])  # truncated
    pl.DataFrame({"order_id": [1.0, 2.5], "email": ["a@x", "b"], "amount": [1.0, None]}).write_parquet(
        data / "typed.parquet"
    )
    return tmp_path


FILES = [
    "data/orders_ok.csv",
    "data/orders_bad.csv",
    "data/orders_warn.csv",
    "data/orders_gz.csv",
    "data/typed.parquet",
]


@pytest.mark.parametrize("fail_on", ["error", "warning"])
def test_to_json_is_what_the_cli_prints_for_the_same_files(
    project: Path, monkeypatch: pytest.MonkeyPatch, fail_on: str
) -> None:
    cli = run_subprocess(
        "validate", *FILES, "-c", "schemas/orders.yaml", "-f", "json", "--fail-on", fail_on, cwd=project
    )
    assert cli.exit_code == 1, cli.stderr
    monkeypatch.chdir(project)
    contract = pipecheck.load_contract("schemas/orders.yaml")
    report = pipecheck.validate(FILES, contract, fail_on=fail_on)  # type: ignore[arg-type]
    assert _without_seconds(json.loads(report.to_json())) == _without_seconds(json.loads(cli.stdout))
    assert not report.ok
    checks = {f.check for file in report.files for f in file.findings}
    assert {"unreadable", "type", "unique", "storage_type", "min", "pattern", "max_length"} <= checks


def test_contracts_are_found_as_the_cli_finds_them(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli = run_subprocess("validate", "data/orders_ok.csv", "data/orders_warn.csv", "-f", "json", cwd=project)
    assert cli.exit_code == 0, cli.stderr
    # data paths are the caller's (relative to the working directory); `project` is where discovery starts
    report = pipecheck.validate([project / "data/orders_ok.csv", project / "data/orders_warn.csv"], project=project)
    monkeypatch.chdir(project)  # the CLI shows paths as given and the contract relative to the working directory
    here = pipecheck.validate([Path("data/orders_ok.csv"), Path("data/orders_warn.csv")])
    assert _without_seconds(json.loads(here.to_json())) == _without_seconds(json.loads(cli.stdout))
    assert report.ok and [f.contract_name for f in report.files] == ["orders", "orders"]
    assert report.files[1].findings[0].check == "max_length"
    assert report.files[1].findings[0].severity == "warning"


def test_one_path_is_a_run_of_one_file(project: Path) -> None:
    report = pipecheck.validate(project / "data/orders_bad.csv", project / "schemas/orders.yaml", max_examples=1)
    [file] = report.files
    assert file.rows == 4 and not file.ok
    assert all(len(f.examples) <= 1 for f in file.findings)
    duplicate = next(f for f in file.findings if f.check == "unique")
    assert duplicate.count == 2 and duplicate.examples[0].row == 1


def test_progress_is_reported_to_the_callback(project: Path) -> None:
    seen: list[tuple[str, int, int | None, int]] = []
    lock = threading.Lock()

    def progress(path: str, done: int, total: int | None, rows: int) -> None:
        with lock:
            seen.append((path, done, total, rows))

    path = project / "data/orders_ok.csv"
    pipecheck.validate(path, project / "schemas/orders.yaml", progress=progress)
    assert seen and seen[-1][0] == str(path) and seen[-1][3] == 2
    assert seen[-1][1] == seen[-1][2] == path.stat().st_size


def _big_files(folder: Path, count: int) -> list[Path]:
    """Files of several batches' worth of rows, each with its own failures."""
    paths = []
    for i in range(count):
        rows = [f"{n},u{n}@x.com,{(n % (i + 3)) - 1}" for n in range(1, 60_000)]
        rows[i * 7 + 1] = f"{i},bad,{i}"  # a duplicate id, a bad email
        path = folder / f"orders_{i}.csv"
        path.write_text("order_id,email,amount\n" + "\n".join(rows) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def test_eight_threads_on_one_contract_agree_with_serial_runs(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(CONTRACT, encoding="utf-8")
    contract = pipecheck.load_contract(tmp_path / "c.yaml")
    paths = _big_files(tmp_path, 8)
    frames = [pl.read_csv(p) for p in paths]
    serial = [pipecheck.validate(p, contract, jobs=1).to_dict() for p in paths]
    serial_frames = [pipecheck.validate_frame(f, contract).to_dict() for f in frames]
    start = threading.Barrier(8)

    def both(i: int) -> tuple[dict[str, Any], dict[str, Any]]:
        start.wait()
        return pipecheck.validate(paths[i], contract).to_dict(), pipecheck.validate_frame(frames[i], contract).to_dict()

    with ThreadPoolExecutor(8) as pool:
        threaded = list(pool.map(both, range(8)))
    assert [_without_seconds(a) for a, _ in threaded] == [_without_seconds(s) for s in serial]
    assert [_without_seconds(b) for _, b in threaded] == [_without_seconds(s) for s in serial_frames]
    assert all(not s["ok"] for s in serial)


def _errors() -> list[tuple[str, Callable[[Path], object], type[pipecheck.PipecheckError], str]]:
    return [
        ("missing contract", lambda d: pipecheck.load_contract(d / "nope.yaml"), pipecheck.UsageError, "not found"),
        ("contract folder", pipecheck.load_contract, pipecheck.UsageError, "is a directory"),
        (
            "misspelled key",
            lambda d: pipecheck.load_contract(d / "broken.yaml"),
            pipecheck.ContractError,
            "broken.yaml:3:23: columns.id.typ: unknown key",
        ),
        (
            "missing data",
            lambda d: pipecheck.validate(d / "x.csv", d / "schemas/orders.yaml"),
            pipecheck.UsageError,
            "no such file",
        ),
        ("no paths", lambda d: pipecheck.validate([], d / "schemas/orders.yaml"), pipecheck.UsageError, "no paths"),
        (
            "unmatched",
            lambda d: pipecheck.validate(d / "other.csv", project=d),
            pipecheck.UsageError,
            "no contract matches",
        ),
        (
            "bad config",
            lambda d: pipecheck.validate(d / "other.csv", project=d / "cfg"),
            pipecheck.ConfigError,
            "unknown setting",
        ),
        ("fail_on", lambda d: pipecheck.validate(d / "other.csv", fail_on="bad"), pipecheck.UsageError, "fail_on"),  # type: ignore[arg-type]
        ("max_examples", lambda d: pipecheck.validate(d / "other.csv", max_examples=-1), pipecheck.UsageError, ">= 0"),
        ("jobs", lambda d: pipecheck.validate(d / "other.csv", jobs=-2), pipecheck.UsageError, "jobs"),
        ("contract type", lambda d: pipecheck.validate(d / "other.csv", 3), pipecheck.UsageError, "got int"),  # type: ignore[arg-type]
        (
            "project",
            lambda d: pipecheck.validate(d / "other.csv", project=d / "none"),
            pipecheck.UsageError,
            "not a folder",
        ),
        (
            "broken contract by path",
            lambda d: pipecheck.validate(d / "other.csv", d / "broken.yaml"),
            pipecheck.ContractError,
            "typ",
        ),
        (
            "frame type",
            lambda d: pipecheck.validate_frame([1], d / "schemas/orders.yaml"),
            pipecheck.UsageError,
            "got builtins.list",
        ),
        (
            "lazy frame",
            lambda d: pipecheck.validate_frame(pl.LazyFrame({"a": [1]}), d / "schemas/orders.yaml"),
            pipecheck.UsageError,
            "collect() it first",
        ),
        ("frame name", lambda d: pipecheck.validate_frame(pl.DataFrame(), d, name=1), pipecheck.UsageError, "got int"),  # type: ignore[arg-type]
        ("frame contract", lambda d: pipecheck.validate_frame(pl.DataFrame(), None), pipecheck.UsageError, "NoneType"),  # type: ignore[arg-type]
    ]


@pytest.mark.parametrize(("case", "call", "kind", "says"), _errors(), ids=[e[0] for e in _errors()])
def test_failures_are_pipecheck_errors_with_one_line_messages_and_nothing_printed(
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    case: str,
    call: Callable[[Path], object],
    kind: type[pipecheck.PipecheckError],
    says: str,
) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas/orders.yaml").write_text(CONTRACT.replace("data/orders*.csv", "nothing"), encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("contract: b\ncolumns:\n  id: {type: integer, typ: integer}\n", "utf-8")
    (tmp_path / "other.csv").write_text("order_id\n1\n", encoding="utf-8")
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg/pipecheck.yaml").write_text("schemaz: s\n", encoding="utf-8")
    capfd.readouterr()
    with pytest.raises(kind) as raised:
        call(tmp_path)
    assert says in str(raised.value)
    assert "\n" not in raised.value.message
    assert capfd.readouterr() == ("", "")


def test_a_removed_working_directory_is_a_usage_error_and_a_frame_needs_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "c.yaml").write_text(CONTRACT, encoding="utf-8")
    (tmp_path / "gone").mkdir()
    monkeypatch.chdir(tmp_path)
    contract = pipecheck.load_contract("c.yaml")  # relative: shown relative to where the caller is
    monkeypatch.chdir(tmp_path / "gone")
    (tmp_path / "gone").rmdir()
    with pytest.raises(pipecheck.UsageError, match="working directory no longer exists"):
        pipecheck.validate(tmp_path / "data.csv", contract, schemas="schemas")
    report = pipecheck.validate_frame(pl.DataFrame({"order_id": [1], "email": ["a@b"], "amount": [1.0]}), contract)
    assert report.ok and report.files[0].contract == "c.yaml"


def test_a_broken_contract_names_every_problem_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("contract: c\ncolumns:\n  id: {type: integr}\n  b: {type: string, nulable: true}\n", "utf-8")
    with pytest.raises(pipecheck.ContractError) as raised:
        pipecheck.load_contract(path)
    problems = raised.value.problems
    assert [(p.line, p.column) for p in problems] == [(3, 14), (4, 21)]
    assert "did you mean" in problems[1].message


def test_an_unreadable_file_is_a_finding_not_an_exception(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(CONTRACT, encoding="utf-8")
    (tmp_path / "data.parquet").write_bytes(b"PAR1 not really")
    report = pipecheck.validate(tmp_path / "data.parquet", tmp_path / "c.yaml")
    [finding] = report.files[0].findings
    assert finding.check == "unreadable" and not report.ok


def test_public_names_are_listed_and_resolve() -> None:
    expected = {
        "load_contract",
        "validate",
        "validate_frame",
        "quarantine",
        "Quarantine",
        "LoadedContract",
        "RunReport",
        "FileReport",
        "Finding",
        "Example",
        "PipecheckError",
        "UsageError",
        "ConfigError",
        "ContractError",
        "__version__",
    }
    assert set(pipecheck.__all__) == expected
    assert all(getattr(pipecheck, name) is not None for name in pipecheck.__all__)
    assert issubclass(pipecheck.ContractError, pipecheck.PipecheckError)
    assert (ROOT / "pipecheck" / "py.typed").is_file()
    with pytest.raises(AttributeError, match="no attribute 'valdate'"):
        pipecheck.valdate  # type: ignore[attr-defined]  # noqa: B018


def test_importing_pipecheck_loads_no_data_library() -> None:
    """The CLI starts by importing pipecheck: its public names come on first use."""
    code = (
        "import sys, pipecheck; heavy = ('pandas', 'polars', 'pyarrow', 'pydantic', 'yaml', 'typing', "
        "'pipecheck.api', 'pipecheck.findings'); print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("max_invalid", ["75%", 3, "1"])
def test_a_tolerance_is_the_cli_s_max_invalid(
    project: Path, monkeypatch: pytest.MonkeyPatch, max_invalid: str | int
) -> None:
    args = ["data/orders_bad.csv", "data/orders_ok.csv", "-c", "schemas/orders.yaml", "-f", "json"]
    cli = run_subprocess("validate", *args, "--max-invalid", str(max_invalid), cwd=project)
    monkeypatch.chdir(project)
    report = pipecheck.validate(
        ["data/orders_bad.csv", "data/orders_ok.csv"], "schemas/orders.yaml", max_invalid=max_invalid
    )
    assert _without_seconds(json.loads(report.to_json())) == _without_seconds(json.loads(cli.stdout))
    assert report.ok == (cli.exit_code == 0)


def _quarantine_files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_quarantine_from_python_writes_what_the_cli_writes_and_reports_the_same(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    files = ["data/orders_bad.csv", "data/orders_ok.csv", "data/typed.parquet", "data/orders_gz.csv"]
    cli = run_subprocess("validate", *files, "--quarantine", tmp_path / "cli", "--max-invalid", "50%", "-f", "json")
    report = pipecheck.quarantine(files, out_dir=tmp_path / "api", max_invalid="50%")
    assert cli.exit_code == (0 if report.ok else 1), cli.stderr
    shown = json.loads(cli.stdout)
    ours = json.loads(report.to_json())
    for file in ours["files"] + shown["files"]:
        file["seconds"] = 0
        split = file["quarantine"]
        for key in ("valid_path", "invalid_path", "rejected_path"):
            split[key] = Path(split[key]).name if split[key] else None
    assert ours == shown
    assert _quarantine_files(tmp_path / "api") == _quarantine_files(tmp_path / "cli")
    bad = report.files[0].quarantine
    assert bad is not None and (bad.rows, bad.invalid) == (4, 4)  # a duplicate, a pattern, a type, an open quote
    gz = report.files[3].quarantine
    assert gz is not None and gz.rejected and gz.rejected_path is not None
    assert Path(gz.rejected_path).read_bytes() == (project / "data/orders_gz.csv").read_bytes()


def test_the_quarantine_function_is_not_shadowed_by_the_package_doing_the_work(project: Path, tmp_path: Path) -> None:
    pipecheck.validate(project / "data/orders_ok.csv", project / "schemas/orders.yaml", max_invalid=1)
    assert callable(pipecheck.quarantine)
    report = pipecheck.quarantine(project / "data/orders_ok.csv", project / "schemas/orders.yaml", out_dir=tmp_path)
    assert report.ok and report.files[0].quarantine is not None
    assert (tmp_path / "orders_ok.valid.csv").read_bytes() == (project / "data/orders_ok.csv").read_bytes()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"keep": "last"}, "keep: expected 'first' or 'none'"),
        ({"max_invalid": "lots"}, "expected a number of rows"),
        ({"out_dir": 3}, "out_dir: expected a path"),
    ],
)
def test_quarantine_arguments_are_usage_errors(project: Path, arguments: dict[str, Any], message: str) -> None:
    call: dict[str, Any] = {"out_dir": project / "q", **arguments}
    with pytest.raises(pipecheck.UsageError, match=message):
        pipecheck.quarantine(project / "data/orders_ok.csv", project / "schemas/orders.yaml", **call)
