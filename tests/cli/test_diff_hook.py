"""The `pipecheck-diff` pre-commit hook, run by the real pre-commit on a project's staged contracts.

It uses the session-wide hook environment of tests/cli/test_precommit.py (built once per session).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli import test_precommit
from tests.cli.test_precommit import CONTRACT, PreCommit, _git, _manifest, make_data_repo

# The session fixtures of test_precommit, found by pytest under these names.
hook_repo = test_precommit.hook_repo
precommit = test_precommit.precommit

CONTRACT_PATH = "schemas/orders.yaml"


@pytest.fixture
def hooks(precommit: PreCommit) -> PreCommit:
    return precommit


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_data_repo(tmp_path / "project")


def test_manifest_declares_the_diff_hook_on_contracts() -> None:
    hook = _manifest()["pipecheck-diff"]
    assert hook["entry"].split() == ["pipecheck", "diff", "--git", "HEAD"]
    assert hook["language"] == "python" and hook.get("pass_filenames", True) is True
    for name, selected in (("schemas/orders.yaml", True), ("schemas/a.yml", True), ("data/orders.yaml", False)):
        assert (re.search(hook["files"], name) is not None) is selected


def test_a_tightened_contract_fails_the_hook_naming_the_change(hooks: PreCommit, project: Path) -> None:
    (project / CONTRACT_PATH).write_text(
        CONTRACT.replace("amount:   {type: float, min: 0}", "amount:   {type: float, min: 1}")
    )
    _git("add", CONTRACT_PATH, cwd=project)
    result = hooks.run("pipecheck-diff", cwd=project)
    out = result.stdout
    assert result.exit_code == 1, out + result.stderr
    assert re.search(r"^pipecheck diff\.+Failed$", out, re.MULTILINE), out
    assert "BREAKING schemas/orders.yaml" in out and "amount: min raised from 0 to 1" in out


def test_a_cosmetic_change_and_a_new_contract_pass_the_hook(hooks: PreCommit, project: Path) -> None:
    (project / CONTRACT_PATH).write_text(CONTRACT.replace("version: 1.0.0", "version: 1.0.1"))
    (project / "schemas" / "refunds.yaml").write_text("contract: refunds\ncolumns:\n  id: {type: integer}\n")
    _git("add", "schemas", cwd=project)
    result = hooks.run("pipecheck-diff", cwd=project)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert re.search(r"^pipecheck diff\.+Passed$", result.stdout, re.MULTILINE), result.stdout


def test_a_loosened_contract_passes_when_only_producers_are_guarded(hooks: PreCommit, project: Path) -> None:
    (project / CONTRACT_PATH).write_text(CONTRACT.replace("[new, paid, shipped]", "[new, paid, shipped, refunded]"))
    _git("add", CONTRACT_PATH, cwd=project)
    assert hooks.run("pipecheck-diff", cwd=project).exit_code == 1
    config = hooks.config.read_text(encoding="utf-8")
    producers_only = project.parent / "producers-only.yaml"
    producers_only.write_text(
        config.replace("- id: pipecheck-diff", "- id: pipecheck-diff\n    args: [--breaking-for, producers]")
    )
    guarded = PreCommit(hooks.repo, hooks.home, producers_only, hooks.install_seconds)
    result = guarded.run("pipecheck-diff", cwd=project)
    assert result.exit_code == 0, result.stdout + result.stderr
