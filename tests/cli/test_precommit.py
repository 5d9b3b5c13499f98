"""pipecheck's pre-commit hooks, run by the real `pre-commit` against a snapshot of this checkout.

pre-commit installs the hook repository (pipecheck and its dependencies) into a virtualenv of its
own, from the package index: that costs about a minute, so it happens once per test session.

* `hook_repo` (session): this checkout's files (tracked plus untracked, minus ignored: what is on
  disk, as the rest of the suite tests it) committed to a throwaway git repository, because
  pre-commit clones hook repositories by git revision.
* `precommit` (session): a PRE_COMMIT_HOME in which the hooks of `hook_repo` are installed once,
  and the config `pre-commit try-repo` would write for them. Tests run `pre-commit run --config`
  with it: the code path of try-repo without rebuilding the environment each time.
* `test_try_repo_end_to_end` runs the real `pre-commit try-repo` once (try-repo always builds in a
  fresh temporary store and ignores PRE_COMMIT_HOME).

Under pytest-xdist both workers share the snapshot and the PRE_COMMIT_HOME (each built under a
file lock of its own; pre-commit locks its store itself), so the environment is built once, not once
per worker, and the try-repo build can run on the other worker at the same time.
Every test works in a git repository of its own under its tmp_path.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, Result, run_subprocess

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="pre-commit hook tests use POSIX file locks"),
    pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git"),
]

CONTRACT = """\
contract: orders
version: 1.0.0
description: Orders export, one file per month
match: ["data/orders_*.csv", "data/orders_*.csv.gz", "data/**/orders-*.parquet"]
extra_columns: error
columns:
  order_id: {type: integer, unique: true, min: 1}
  email:    {type: string, pattern: '^[^@\\s]+@[^@\\s]+$'}
  status:   {type: string, allowed: [new, paid, shipped]}
  amount:   {type: float, min: 0}
"""

BROKEN_CONTRACT = """\
contract: refunds
version: 1.0.0
match: ["data/refunds_*.csv"]
columns:
  refund_id: {type: integr}
"""

HEADER = "order_id,email,status,amount\n"
GOOD_ROWS = "1,ann@example.com,new,10.5\n2,bob@example.com,paid,99\n3,cy@example.com,shipped,0\n"
BAD_ROWS = "1,ann@example.com,new,10.5\n2,bob@example.com,refunded,99\n3,cy@example.com,paid,-7.25\n"

GOOD = "data/orders_2024_01.csv"
GOOD_GZ = "data/orders_2024_02.csv.gz"
GOOD_PARQUET = "data/2024/orders-03.parquet"
BAD = "data/orders_2024_04.csv"
UNMATCHED = "README.csv"
DATA_FILES = [GOOD, GOOD_GZ, GOOD_PARQUET, BAD, UNMATCHED]


# ---------------------------------------------------------------- helpers


def _env(**extra: str) -> dict[str, str]:
    """This environment (pip settings, PATH) without GIT_* (set when run from a git hook) and colour."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.pop("FORCE_COLOR", None)
    env.update(NO_COLOR="1", COLUMNS="200", PRE_COMMIT_COLOR="never", **extra)
    return env


def _git(*args: str, cwd: Path) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=pipecheck tests", "-c", "user.email=tests@pipecheck.invalid", *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return proc.stdout


def _git_init(folder: Path) -> None:
    _git("init", "--quiet", "--initial-branch=main", cwd=folder)
    _git("config", "user.email", "tests@pipecheck.invalid", cwd=folder)
    _git("config", "user.name", "pipecheck tests", cwd=folder)
    _git("config", "commit.gpgsign", "false", cwd=folder)


def _commit_all(folder: Path, message: str) -> str:
    _git("add", "--all", "--force", cwd=folder)
    _git("commit", "--quiet", "--no-verify", "-m", message, cwd=folder)
    return _git("rev-parse", "HEAD", cwd=folder).strip()


def _pre_commit(*args: str | Path, cwd: Path, home: Path, timeout: float = 900) -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", *map(str, args)],
        cwd=cwd,
        env=_env(PRE_COMMIT_HOME=str(home)),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@contextlib.contextmanager
def _locked(lock: Path) -> Iterator[None]:
    """An exclusive lock shared by the pytest-xdist workers of one session."""
    import fcntl

    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _session_dir(factory: pytest.TempPathFactory) -> Path:
    """A directory shared by all xdist workers of this session (or this session's basetemp)."""
    base = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    return base / "pipecheck-precommit"


def _verdicts(output: str) -> dict[str, str]:
    """{path: PASS|FAIL} from pipecheck's human output (in hook mode only failing files are named)."""
    return {m.group(2): m.group(1) for m in re.finditer(r"^(PASS|FAIL) (\S+)", output, re.MULTILINE)}


def _verdict_lines(output: str) -> list[str]:
    """The hook's last line of each call: 'pipecheck: N of M files fail...'."""
    return re.findall(r"^pipecheck: \d+ of \d+ files? fails?.*$", output, re.MULTILINE)


def make_data_repo(folder: Path) -> Path:
    """A project using pipecheck: a contract with match globs, good, bad and unmatched data files."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    _git_init(folder)
    (folder / "schemas").mkdir()
    (folder / "schemas" / "orders.yaml").write_text(CONTRACT, encoding="utf-8")
    (folder / "data" / "2024").mkdir(parents=True)
    (folder / GOOD).write_text(HEADER + GOOD_ROWS, encoding="utf-8")
    (folder / GOOD_GZ).write_bytes(gzip.compress((HEADER + GOOD_ROWS).encode(), mtime=0))
    table = pa.table(
        {
            "order_id": pa.array([1, 2], pa.int64()),
            "email": ["ann@example.com", "bob@example.com"],
            "status": ["new", "shipped"],
            "amount": [1.5, 20.0],
        }
    )
    pq.write_table(table, folder / GOOD_PARQUET)
    (folder / BAD).write_text(HEADER + BAD_ROWS, encoding="utf-8")
    (folder / UNMATCHED).write_text("no contract,covers this\n1\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not a data file\n", encoding="utf-8")
    _commit_all(folder, "data")
    return folder


# ---------------------------------------------------------------- session fixtures


@dataclass(frozen=True)
class HookRepo:
    path: Path
    rev: str


@dataclass(frozen=True)
class PreCommit:
    repo: HookRepo
    home: Path
    config: Path
    install_seconds: float

    def run(self, *args: str | Path, cwd: Path) -> Result:
        return _pre_commit("run", "--config", self.config, "--color", "never", *args, cwd=cwd, home=self.home)


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> HookRepo:
    """This checkout as it is on disk, committed to a throwaway git repository (built once per session)."""
    shared = _session_dir(tmp_path_factory)
    with _locked(shared / "snapshot.lock"):
        repo = shared / "pipecheck-repo"
        if not (repo / ".git").is_dir():
            try:
                listing = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
            except subprocess.CalledProcessError:
                pytest.skip(f"{ROOT} is not a git checkout")
            building = shared / "pipecheck-repo.partial"
            shutil.rmtree(building, ignore_errors=True)
            building.mkdir()
            for name in filter(None, listing.split("\0")):
                source = ROOT / name
                if source.is_file() or source.is_symlink():
                    target = building / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, target, follow_symlinks=False)
            _git_init(building)
            _commit_all(building, "snapshot of the pipecheck checkout under test")
            building.rename(repo)
        return HookRepo(repo, _git("rev-parse", "HEAD", cwd=repo).strip())


@pytest.fixture(scope="session")
def precommit(hook_repo: HookRepo, tmp_path_factory: pytest.TempPathFactory) -> PreCommit:
    """PRE_COMMIT_HOME with pipecheck's hooks installed (once per session), and their config."""
    shared = _session_dir(tmp_path_factory)
    home = shared / "pre-commit-home"
    config = shared / "hooks-config.yaml"
    timing = shared / "install-seconds"
    failure = shared / "install-failed"
    with _locked(shared / "install.lock"):
        if failure.exists():  # another worker tried already: do not spend another minute failing
            pytest.fail(failure.read_text(encoding="utf-8"), pytrace=False)
        if not timing.exists():
            # The config `pre-commit try-repo <hook_repo>` writes: every hook of the manifest, pinned.
            manifest = yaml.safe_load((hook_repo.path / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
            hooks = [{"id": hook["id"]} for hook in manifest]
            repos = [{"repo": str(hook_repo.path), "rev": hook_repo.rev, "hooks": hooks}]
            config.write_text(yaml.safe_dump({"repos": repos}), encoding="utf-8")
            workdir = shared / "install-workdir"
            workdir.mkdir(exist_ok=True)
            _git_init(workdir)
            start = time.monotonic()
            result = _pre_commit("install-hooks", "--config", config, cwd=workdir, home=home)
            seconds = time.monotonic() - start
            if result.exit_code != 0:
                failure.write_text(f"pre-commit install-hooks failed:\n{result.stdout}\n{result.stderr}")
                pytest.fail(failure.read_text(encoding="utf-8"), pytrace=False)
            timing.write_text(f"{seconds:.1f}", encoding="utf-8")
        return PreCommit(hook_repo, home, config, float(timing.read_text(encoding="utf-8")))


@pytest.fixture
def data_repo(tmp_path: Path) -> Path:
    return make_data_repo(tmp_path / "project")


# ---------------------------------------------------------------- the manifest itself (fast)


def _manifest() -> dict[str, dict[str, Any]]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in hooks}


def test_manifest_is_valid_for_pre_commit(tmp_path: Path) -> None:
    result = _pre_commit("validate-manifest", ROOT / ".pre-commit-hooks.yaml", cwd=tmp_path, home=tmp_path)
    assert result.exit_code == 0, result.stdout + result.stderr


def test_manifest_declares_the_three_hooks() -> None:
    hooks = _manifest()
    assert set(hooks) == {"pipecheck", "pipecheck-contracts", "pipecheck-contract-data", "pipecheck-diff"}
    validate, contracts, data = hooks["pipecheck"], hooks["pipecheck-contracts"], hooks["pipecheck-contract-data"]
    assert validate["entry"].split() == ["pipecheck", "validate", "--hook", "--skip-unmatched"]
    assert contracts["entry"].split() == ["pipecheck", "lint"]
    assert data["entry"].split() == ["pipecheck", "validate", "--hook", "--contracts-changed"]
    for hook in (validate, contracts, data):
        assert hook["language"] == "python"
        assert hook.get("pass_filenames", True) is True
        assert hook.get("additional_dependencies", []) == []
    assert validate["require_serial"] is True and data["require_serial"] is True
    assert data["files"] == contracts["files"]


@pytest.mark.parametrize(
    ("name", "selected"),
    [
        ("orders.csv", True),
        ("data/2024/orders.tsv", True),
        ("part-0.parquet", True),
        ("a/b.csv.gz", True),
        ("b.csv.bz2", True),
        ("b.csv.zst", True),
        ("b.csv.xz", True),
        ("b.tsv.gz", True),
        ("events.jsonl", True),
        ("events.ndjson.gz", True),
        ("b.csv.txt", False),
        ("b.json", False),
        ("csv", False),
        ("b.gz", False),
        ("b.parquet.bak", False),
    ],
)
def test_validate_hook_selects_data_files_by_name(name: str, selected: bool) -> None:
    hook = _manifest()["pipecheck"]
    assert (re.search(hook["files"], name) is not None) is selected
    assert re.search(hook.get("exclude", "^$"), name) is None


@pytest.mark.parametrize(
    ("name", "selected"),
    [("schemas/orders.yaml", True), ("schemas/orders.yml", True), ("schemas/x.json", False), ("ci/a.yaml", False)],
)
def test_contracts_hook_selects_contracts(name: str, selected: bool) -> None:
    assert (re.search(_manifest()["pipecheck-contracts"]["files"], name) is not None) is selected


# ---------------------------------------------------------------- batch independence (direct, fast)


def _per_file(report: dict[str, Any]) -> dict[str, tuple[bool, list[tuple[str, str | None, int]]]]:
    return {
        f["path"]: (f["ok"], sorted((x["check"], x["column"], x["count"]) for x in f["findings"]))
        for f in report["files"]
    }


def test_verdicts_do_not_depend_on_the_batch(data_repo: Path, cli: Callable[..., Result]) -> None:
    """pre-commit splits files over batches: one call with all files == one call per file."""
    together = run_subprocess("validate", "--skip-unmatched", "--format", "json", *DATA_FILES, cwd=data_repo)
    assert together.exit_code == 1, together.stderr
    batch = _per_file(json.loads(together.stdout))
    assert set(batch) == {GOOD, GOOD_GZ, GOOD_PARQUET, BAD}, "README.csv is skipped, the rest validated"

    single: dict[str, Any] = {}
    for name in DATA_FILES:
        result = cli("validate", "--skip-unmatched", "--format", "json", "--jobs", "1", name, cwd=data_repo)
        assert result.exit_code == (1 if name == BAD else 0), result.stderr
        single.update(_per_file(json.loads(result.stdout)))
    assert single == batch

    backwards = cli("validate", "--skip-unmatched", "--format", "json", *reversed(DATA_FILES), cwd=data_repo)
    assert _per_file(json.loads(backwards.stdout)) == batch
    assert batch[BAD][0] is False
    assert ("allowed", "status", 1) in batch[BAD][1]
    assert ("min", "amount", 1) in batch[BAD][1]


def test_only_unmatched_files_passes_and_says_what_was_skipped(data_repo: Path, cli: Callable[..., Result]) -> None:
    result = cli("validate", "--skip-unmatched", UNMATCHED, cwd=data_repo)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [f"skipped 1 file no contract matches: {UNMATCHED}", "no file to validate"]


# ---------------------------------------------------------------- the hooks through pre-commit


def test_good_files_pass_the_hook(precommit: PreCommit, data_repo: Path) -> None:
    result = precommit.run("pipecheck", "--files", GOOD, GOOD_GZ, GOOD_PARQUET, "notes.txt", cwd=data_repo)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert re.search(r"^pipecheck validate\.+Passed$", result.stdout, re.MULTILINE), result.stdout


def test_bad_file_fails_the_hook_with_its_findings(precommit: PreCommit, data_repo: Path) -> None:
    result = precommit.run("pipecheck", "--files", BAD, cwd=data_repo)
    assert result.exit_code == 1, result.stdout + result.stderr
    out = result.stdout
    assert re.search(r"^pipecheck validate\.+Failed$", out, re.MULTILINE), out
    assert "- exit code: 1" in out
    assert f"FAIL {BAD}" in out
    assert re.search(rf"^{BAD}:3: error allowed status: .*'refunded'", out, re.MULTILINE), out
    assert re.search(rf"^{BAD}:4: error min amount: amount must be >= 0 .*'-7.25'", out, re.MULTILINE), out
    assert _verdict_lines(out) == ["pipecheck: 1 of 1 file fails"]


def test_unmatched_data_file_is_skipped_by_the_hook(precommit: PreCommit, data_repo: Path) -> None:
    result = precommit.run("pipecheck", "--files", UNMATCHED, cwd=data_repo)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert UNMATCHED not in result.stdout


def test_all_files_prints_failing_files_only_and_one_total(precommit: PreCommit, data_repo: Path) -> None:
    result = precommit.run("pipecheck", "--all-files", "--verbose", cwd=data_repo)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert _verdicts(result.stdout) == {BAD: "FAIL"}
    assert _verdict_lines(result.stdout) == ["pipecheck: 1 of 4 files fails; 1 skipped (no contract matches)"]
    assert UNMATCHED not in result.stdout  # counted, not listed: a hook's output stays short


def test_hook_output_is_sorted_and_short_whatever_order_pre_commit_passes(data_repo: Path) -> None:
    """pre-commit shuffles file names; the hook's output is the same for any order."""
    bad_too = "data/orders_2024_00.csv"
    (data_repo / bad_too).write_text(HEADER + BAD_ROWS, encoding="utf-8")
    outputs = set()
    for names in ([BAD, GOOD, bad_too, UNMATCHED], [UNMATCHED, bad_too, GOOD, BAD]):
        result = run_subprocess("validate", "--hook", "--skip-unmatched", *names, cwd=data_repo)
        assert result.exit_code == 1, result.stderr
        outputs.add(re.sub(r"\d+\.\d\ds", "T", result.stdout))
    (out,) = outputs
    lines = out.splitlines()
    assert [m.group(1) for line in lines if (m := re.match(r"FAIL (\S+)", line))] == [bad_too, BAD]
    assert lines[-1] == "pipecheck: 2 of 3 files fail; 1 skipped (no contract matches)"
    assert len(lines) == 2 * 3 + 1, "a header and one line per finding for each failing file, one verdict"


def test_contracts_hook_reports_file_line_col(precommit: PreCommit, data_repo: Path) -> None:
    (data_repo / "schemas" / "refunds.yaml").write_text(BROKEN_CONTRACT, encoding="utf-8")
    _git("add", "schemas/refunds.yaml", cwd=data_repo)
    result = precommit.run("pipecheck-contracts", "--files", "schemas/refunds.yaml", cwd=data_repo)
    assert result.exit_code != 0, result.stdout + result.stderr
    out = result.stdout
    assert re.search(r"^pipecheck lint\.+Failed$", out, re.MULTILINE), out
    assert re.search(r"^schemas/refunds\.yaml:5:\d+: columns\.refund_id\.type: .*'integr'", out, re.MULTILINE), out


def test_contracts_hook_lints_only_the_changed_contracts(precommit: PreCommit, data_repo: Path) -> None:
    (data_repo / "schemas" / "refunds.yaml").write_text(BROKEN_CONTRACT, encoding="utf-8")
    result = precommit.run("pipecheck-contracts", "--files", "schemas/orders.yaml", GOOD, cwd=data_repo)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert re.search(r"^pipecheck lint\.+Passed$", result.stdout, re.MULTILINE), result.stdout


STRICTER = CONTRACT.replace("amount:   {type: float, min: 0}", "amount:   {type: float, min: 0, max: 50}")


def test_a_contract_change_that_breaks_committed_data_fails_the_contract_data_hook(
    precommit: PreCommit, data_repo: Path
) -> None:
    (data_repo / "schemas" / "orders.yaml").write_text(STRICTER, encoding="utf-8")
    _git("add", "schemas/orders.yaml", cwd=data_repo)
    (data_repo / "data" / "orders_2024_09.csv").write_text(HEADER + "1,a@b.c,new,999\n", encoding="utf-8")  # untracked
    result = precommit.run("pipecheck-contract-data", "--files", "schemas/orders.yaml", cwd=data_repo)
    out = result.stdout
    assert result.exit_code == 1, out + result.stderr
    assert re.search(r"^pipecheck validate \(data of changed contracts\)\.+Failed$", out, re.MULTILINE), out
    # GOOD has amount 99, the gzip file too; BAD fails anyway; the untracked file is not part of the commit
    assert _verdicts(out) == {GOOD: "FAIL", GOOD_GZ: "FAIL", BAD: "FAIL"}
    expected = rf"^{GOOD}:3: error max amount: amount must be <= 50 \(1 row; e.g. row 2, line 3: '99'\)$"
    assert re.search(expected, out, re.MULTILINE), out
    assert _verdict_lines(out) == ["pipecheck: 3 of 4 files fail"]
    assert "orders_2024_09" not in out and UNMATCHED not in out


def test_contract_data_hook_passes_when_the_governed_data_holds(precommit: PreCommit, data_repo: Path) -> None:
    (data_repo / BAD).write_text(HEADER + GOOD_ROWS, encoding="utf-8")
    _commit_all(data_repo, "fix the bad file")
    result = precommit.run("pipecheck-contract-data", "--files", "schemas/orders.yaml", cwd=data_repo)
    assert result.exit_code == 0, result.stdout + result.stderr


def test_contracts_changed_outside_git_walks_the_tree(tmp_path: Path, cli: Callable[..., Result]) -> None:
    project = tmp_path / "plain"
    (project / "schemas").mkdir(parents=True)
    (project / "schemas" / "orders.yaml").write_text(STRICTER, encoding="utf-8")
    (project / "data" / "deep").mkdir(parents=True)
    (project / GOOD).write_text(HEADER + GOOD_ROWS, encoding="utf-8")
    (project / ".hidden").mkdir()
    (project / ".hidden" / "orders_2024_01.csv").write_text("junk\n", encoding="utf-8")
    result = cli("validate", "--contracts-changed", "--format", "json", "schemas/orders.yaml", cwd=project)
    assert result.exit_code == 1, result.stderr
    assert [f["path"] for f in json.loads(result.stdout)["files"]] == [GOOD]


def test_contracts_changed_with_a_contract_that_governs_nothing(data_repo: Path, cli: Callable[..., Result]) -> None:
    (data_repo / "schemas" / "refunds.yaml").write_text(BROKEN_CONTRACT.replace("integr", "integer"), encoding="utf-8")
    result = cli("validate", "--hook", "--contracts-changed", "schemas/refunds.yaml", cwd=data_repo)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "pipecheck: 0 of 0 files fail\n"
    broken = data_repo / "schemas" / "broken.yaml"
    broken.write_text(BROKEN_CONTRACT, encoding="utf-8")
    result = cli("validate", "--hook", "--contracts-changed", broken, cwd=data_repo)
    assert result.exit_code == 2 and "columns.refund_id.type" in result.stderr
    result = cli("validate", "--contracts-changed", "-c", broken, "schemas/orders.yaml", cwd=data_repo)
    assert result.exit_code == 2 and "drop --contract" in result.stderr


def test_hook_environment_was_built_once(precommit: PreCommit) -> None:
    envs = list(precommit.home.glob("repo*/py_env-*"))
    assert len(envs) == 1, envs
    assert (envs[0] / "bin" / "pipecheck").exists()
    print(f"pre-commit built the pipecheck hook environment in {precommit.install_seconds:.1f}s")


def test_try_repo_end_to_end(hook_repo: HookRepo, data_repo: Path, tmp_path: Path) -> None:
    """The documented way to try the hooks: `pre-commit try-repo <repo> pipecheck --all-files`."""
    start = time.monotonic()
    result = _pre_commit(
        "try-repo",
        hook_repo.path,
        "pipecheck",
        "--all-files",
        "--color",
        "never",
        cwd=data_repo,
        home=tmp_path / "home",
    )
    seconds = time.monotonic() - start
    print(f"pre-commit try-repo (environment built from scratch) took {seconds:.1f}s\n{result.stdout}")
    out = result.stdout
    assert result.exit_code == 1, out + result.stderr
    assert f"rev: {hook_repo.rev}" in out
    assert re.search(r"^pipecheck validate\.+Failed$", out, re.MULTILINE), out
    assert _verdicts(out) == {BAD: "FAIL"}
    assert _verdict_lines(out) == ["pipecheck: 1 of 4 files fails; 1 skipped (no contract matches)"]
    assert "status must be one of: new, paid, shipped" in out and "'refunded'" in out
    assert UNMATCHED not in out


# ---------------------------------------------------------------- this repository's own config


def test_repository_config_is_valid(tmp_path: Path) -> None:
    result = _pre_commit("validate-config", ROOT / ".pre-commit-config.yaml", cwd=tmp_path, home=tmp_path)
    assert result.exit_code == 0, result.stdout + result.stderr


@pytest.mark.parametrize("hook", ["pipecheck", "pipecheck-contracts"])
def test_repository_dogfoods_its_hooks(hook: str, hook_repo: HookRepo, tmp_path: Path) -> None:
    """The checkout's contracts lint and its sample data holds (bar the deliberately bad file)."""
    clone = tmp_path / "pipecheck"
    _git("clone", "--quiet", str(hook_repo.path), str(clone), cwd=tmp_path)
    env_path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", hook, "--all-files", "--verbose", "--color", "never"],
        cwd=clone,
        env=_env(PRE_COMMIT_HOME=str(tmp_path / "home"), PATH=env_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    if hook == "pipecheck":
        assert _verdicts(proc.stdout) == {}, proc.stdout
        (verdict,) = _verdict_lines(proc.stdout)
        assert re.fullmatch(r"pipecheck: 0 of [1-9]\d* files fail(; \d+ skipped .*)?", verdict), verdict
        assert "sample_data/orders_bad.csv" not in proc.stdout
    else:
        assert "contract(s) valid" in proc.stdout


def test_example_config_uses_the_published_hooks(tmp_path: Path) -> None:
    example = ROOT / "examples" / "pre-commit-config.yaml"
    result = _pre_commit("validate-config", example, cwd=tmp_path, home=tmp_path)
    assert result.exit_code == 0, result.stdout + result.stderr
    (repo,) = yaml.safe_load(example.read_text(encoding="utf-8"))["repos"]
    assert {hook["id"] for hook in repo["hooks"]} == set(_manifest())
