"""The README's sample output is what the tool prints: each `$ pipecheck validate ...` block is run.

A block ending in `...` is the first lines of the output. A command ending in `| cat` runs in a
pipe (the log layout); any other runs on a pseudo-terminal 80 columns wide. Timings differ from
run to run and are compared as `T`.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import textwrap

import pytest

from tests.cli.test_human_output import _env, run_in_terminal
from tests.conftest import ROOT, run_subprocess

# An indented or plain fence whose first line is a pipecheck validate command.
BLOCK = re.compile(r"^( *)```\n\1\$ (pipecheck validate [^\n]*)\n(.*?)^\1```", re.MULTILINE | re.DOTALL)


def _blocks() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [(m.group(2), textwrap.dedent(m.group(3))) for m in BLOCK.finditer(text)]


def _stable(text: str) -> list[str]:
    return [re.sub(r"\b\d+\.\d\ds\b", "T", line) for line in text.splitlines()]


def test_the_readme_has_sample_blocks_of_both_layouts() -> None:
    commands = [command for command, _ in _blocks()]
    assert any(c.endswith("| cat") for c in commands) and any(not c.endswith("| cat") for c in commands)


@pytest.mark.parametrize(("command", "shown"), _blocks(), ids=[c for c, _ in _blocks()])
def test_readme_sample_output_matches_a_real_run(command: str, shown: str) -> None:
    piped = command.endswith("| cat")
    args = shlex.split(command.removesuffix("| cat"))[1:]
    result = run_subprocess(*args, cwd=ROOT, env=_env()) if piped else run_in_terminal(*args, columns=80, cwd=ROOT)
    assert "Traceback" not in result.stderr
    expected = _stable(shown)
    actual = _stable(result.stdout)
    if expected and expected[-1] == "...":
        expected, actual = expected[:-1], actual[: len(expected) - 1]
    assert actual == expected, "\n".join(_stable(result.stdout))


# The "Use from Python" section: a python block, then the block of what it prints.
PYTHON_BLOCK = re.compile(r"^## Use from Python\n.*?^```python\n(.*?)^```\n\n```\n(.*?)^```", re.MULTILINE | re.DOTALL)


def test_the_readme_python_task_runs_and_prints_what_is_shown() -> None:
    found = PYTHON_BLOCK.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found is not None, "README.md has a 'Use from Python' section with a python block and its output"
    code, shown = found.groups()
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout == shown


def test_the_readme_python_task_raises_on_bad_data_and_returns_the_path_of_good_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found = PYTHON_BLOCK.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found is not None
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    exec(found.group(1).split("\n\n\ncheck_orders(")[0], namespace)  # the definitions, not the calls
    task, violation = namespace["check_orders"], namespace["ContractViolation"]
    assert callable(task) and isinstance(violation, type)
    assert task("sample_data/orders.parquet") == "sample_data/orders.parquet"
    with pytest.raises(violation, match=r"^sample_data/orders_bad\.csv: 13 findings fail"):
        task("sample_data/orders_bad.csv")
