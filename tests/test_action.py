"""The composite GitHub Action (action.yml) and the example workflow that uses it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

ACTION = ROOT / "action.yml"
EXAMPLE = ROOT / "examples" / "github-actions.yml"

CONTRACT = """\
contract: orders
match: ["data/**/orders_*.csv"]
columns:
  order_id: {type: integer, min: 1}
  status:   {type: string, allowed: [new, paid]}
"""


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    return load(ACTION)


def step(action: dict[str, Any], step_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in action["runs"]["steps"] if s.get("id") == step_id)
    return found


def test_action_metadata(action: dict[str, Any]) -> None:
    assert action["name"] == "pipecheck"
    assert isinstance(action["description"], str) and 0 < len(action["description"]) <= 125
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"files", "args", "python-version", "version"}
    for name, spec in action["inputs"].items():
        assert spec.get("description"), name
        assert "default" in spec or spec.get("required") is True, name
    assert action["inputs"]["files"]["required"] is True
    assert action["inputs"]["python-version"]["default"] >= "3.11"
    assert set(action["branding"]) == {"icon", "color"}


def test_every_run_step_declares_its_shell(action: dict[str, Any]) -> None:
    steps = action["runs"]["steps"]
    assert steps
    for item in steps:
        assert ("run" in item) != ("uses" in item), item
        if "run" in item:
            assert item["shell"] == "bash", item.get("name")
        assert item.get("name"), item


def test_inputs_never_reach_a_script_unquoted(action: dict[str, Any]) -> None:
    """Expressions go through env: a file name or argument cannot inject shell code."""
    for item in action["runs"]["steps"]:
        if "run" in item:
            assert "${{" not in item["run"], item["name"]


def test_action_sets_up_python_and_installs_itself(action: dict[str, Any]) -> None:
    setup = next(s for s in action["runs"]["steps"] if "uses" in s)
    assert re.fullmatch(r"actions/setup-python@v\d+", setup["uses"])
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    install = step(action, "install")
    assert install["env"]["PIPECHECK_SOURCE"] == "${{ github.action_path }}"
    assert install["env"]["PIPECHECK_VERSION"] == "${{ inputs.version }}"
    assert 'pip install --quiet "$PIPECHECK_SOURCE"' in install["run"]
    assert 'pip install --quiet "pipecheck==$PIPECHECK_VERSION"' in install["run"]
    assert "executable=" in install["run"] and "$GITHUB_OUTPUT" in install["run"]


def test_action_validates_with_github_annotations(action: dict[str, Any]) -> None:
    validate = step(action, "validate")
    assert validate["env"]["PIPECHECK"] == "${{ steps.install.outputs.executable }}"
    assert validate["env"]["PIPECHECK_FILES"] == "${{ inputs.files }}"
    assert validate["env"]["PIPECHECK_ARGS"] == "${{ inputs.args }}"
    assert '"$PIPECHECK" validate --format github' in validate["run"]
    assert action["outputs"]["exit-code"]["value"] == "${{ steps.validate.outputs.exit-code }}"


def test_action_is_installable_from_its_own_path() -> None:
    """`pip install ${{ github.action_path }}` needs the package metadata at the action's root."""
    assert (ROOT / "pyproject.toml").is_file() and ACTION.parent == ROOT
    assert "pipecheck = " in (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # the console script


# ---------------------------------------------------------------- the validate step's script, run for real


@pytest.fixture
def run_validate_step(action: dict[str, Any], tmp_path: Path) -> Any:
    """Run the action's validate script with bash, pipecheck from this environment, in a small project."""
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    project = tmp_path / "project"
    (project / "schemas").mkdir(parents=True)
    (project / "schemas" / "orders.yaml").write_text(CONTRACT, encoding="utf-8")
    (project / "data" / "2024").mkdir(parents=True)
    (project / "data" / "2024" / "orders_01.csv").write_text("order_id,status\n1,new\n2,paid\n", encoding="utf-8")
    (project / "data" / "2024" / "orders_02.csv").write_text("order_id,status\n1,lost\n", encoding="utf-8")
    (project / "data" / "README.csv").write_text("x\n", encoding="utf-8")
    wrapper = tmp_path / "bin" / "pipecheck"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m pipecheck "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    script = step(action, "validate")["run"]

    def _run(files: str, args: str = "") -> tuple[int, str, dict[str, str]]:
        output = tmp_path / "github-output"
        output.write_text("", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "FORCE_COLOR"))}
        env |= {"PIPECHECK": str(wrapper), "PIPECHECK_FILES": files, "PIPECHECK_ARGS": args}
        env |= {"GITHUB_OUTPUT": str(output), "NO_COLOR": "1"}
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", script],  # GitHub's `shell: bash`
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        outputs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())
        return proc.returncode, proc.stdout + proc.stderr, outputs

    return _run


def test_validate_step_passes_globs_to_pipecheck_and_reports_annotations(run_validate_step: Any) -> None:
    """`**` reaches pipecheck unexpanded (bash would need globstar), newlines separate files too."""
    code, out, outputs = run_validate_step("data/**/orders_*.csv\ndata/README.csv", "--skip-unmatched")
    assert code == 1, out
    assert outputs == {"exit-code": "1"}
    annotations = [line for line in out.splitlines() if line.startswith("::")]
    assert len(annotations) == 1, out
    assert annotations[0].startswith("::error file=data/2024/orders_02.csv,line=2,title=pipecheck allowed (status)::")
    assert "'lost'" in annotations[0]
    assert "pipecheck: 1 of 2 file(s) violate their contract" in out, "README.csv skipped, both orders files read"


def test_validate_step_exit_codes(run_validate_step: Any) -> None:
    code, out, outputs = run_validate_step("data/2024/orders_01.csv", "--quiet")
    assert (code, outputs) == (0, {"exit-code": "0"}), out
    code, out, outputs = run_validate_step("data/README.csv")
    assert (code, outputs) == (2, {"exit-code": "2"}), out
    assert "no contract matches" in out
    code, out, outputs = run_validate_step("  \n ")
    assert (code, outputs) == (2, {"exit-code": "2"}), out
    assert "::error title=pipecheck::the 'files' input is empty" in out


def test_validate_step_writes_extra_formats_to_files(run_validate_step: Any, tmp_path: Path) -> None:
    code, out, _ = run_validate_step("data/2024/orders_02.csv", "--format junit:pipecheck-junit.xml")
    assert code == 1, out
    report = tmp_path / "project" / "pipecheck-junit.xml"
    assert report.is_file() and "<testsuite" in report.read_text(encoding="utf-8")


# ---------------------------------------------------------------- the example workflow


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    return load(EXAMPLE)


def test_example_workflow_parses(workflow: dict[Any, Any]) -> None:
    assert workflow["name"]
    # YAML 1.1 reads the bare key `on` as the boolean True.
    triggers = workflow.get("on", workflow.get(True))
    assert "pull_request" in triggers
    assert workflow["permissions"] == {"contents": "read"}
    (job,) = workflow["jobs"].values()
    assert job["runs-on"] and job["steps"]
    for item in job["steps"]:
        assert ("run" in item) != ("uses" in item), item


def test_example_workflow_uses_the_action_and_uploads_the_junit_report(workflow: dict[Any, Any]) -> None:
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    uses = [i for i, s in enumerate(steps) if re.fullmatch(r"[\w.-]+/pipecheck@[\w.-]+|\./?", s.get("uses", ""))]
    assert len(uses) == 1, [s.get("uses") for s in steps]
    pipecheck = steps[uses[0]]
    action_inputs = set(load(ACTION)["inputs"])
    assert set(pipecheck["with"]) <= action_inputs
    assert pipecheck["with"]["files"].split()
    junit = re.search(r"--format junit:(\S+)", pipecheck["with"]["args"])
    assert junit, pipecheck["with"]["args"]
    upload = next(s for s in steps[uses[0] + 1 :] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == junit.group(1)
    assert upload["if"] == "${{ !cancelled() }}", "the report is uploaded when validation fails too"
