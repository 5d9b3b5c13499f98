"""Configuration discovery (pipecheck.yaml / [tool.pipecheck]), precedence, and which contract governs a file."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipecheck.cli import app
from tests.conftest import Result, run_subprocess

Write = Callable[[str, str | bytes], Path]
Cli = Callable[..., Result]

GOOD = "id\n1\n2\n3\n"
BAD = "id\n0\n-1\n-2\n-3\n"  # four values below min: 1


def contract(name: str, *match: str, minimum: int = 1) -> str:
    return (
        f"contract: {name}\nversion: 1.0.0\nmatch: {json.dumps(list(match))}\n"
        f"columns:\n  id: {{type: integer, min: {minimum}}}\n"
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The project root; resolved, because Path.cwd() after chdir is."""
    return tmp_path.resolve()


def config_rows(stdout: str) -> dict[str, tuple[str, str]]:
    """`pipecheck config` output as {setting: (value, source)}."""
    rows = {}
    for line in stdout.splitlines():
        match = re.fullmatch(r"(\S+)\s+(.*?)\s+\[(.*)\]", line)
        assert match, f"unexpected config line: {line!r}"
        rows[match.group(1)] = (match.group(2), match.group(3))
    return rows


def report(result: Result) -> dict[str, Any]:
    assert result.exit_code in (0, 1), result.stderr
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def nested(project: Path, *parts: str) -> Path:
    folder = project.joinpath(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# ---------------------------------------------------------------- discovery


def test_nearest_pyproject_with_section_wins(write: Write, project: Path, cli: Cli) -> None:
    write("pyproject.toml", '[tool.pipecheck]\nmax_examples = 1\nfail_on = "warning"\n')
    write("team/pyproject.toml", '[project]\nname = "team"\n\n[tool.pipecheck]\nmax_examples = 3\n')
    result = cli("config", cwd=nested(project, "team", "src", "deep"))
    assert result.exit_code == 0, result.stderr
    rows = config_rows(result.stdout)
    team = project / "team"
    assert rows["config_file"] == (str(team / "pyproject.toml"), "nearest config file")
    assert rows["root"] == (str(team), "nearest config file")
    assert rows["schemas"] == (str(team / "schemas"), "default")
    assert rows["max_examples"] == ("3", str(team / "pyproject.toml"))
    assert rows["fail_on"] == ("error", "default"), "the outer config is not merged in"


def test_pyproject_without_the_section_is_skipped_upward(write: Write, project: Path, cli: Cli) -> None:
    write("pipecheck.yaml", "max_examples: 2\n")
    write("pkg/pyproject.toml", '[project]\nname = "pkg"\n\n[tool.ruff]\nline-length = 100\n')
    result = cli("config", cwd=nested(project, "pkg", "src"))
    assert result.exit_code == 0, result.stderr
    rows = config_rows(result.stdout)
    assert rows["config_file"][0] == str(project / "pipecheck.yaml")
    assert rows["root"][0] == str(project)
    assert rows["max_examples"] == ("2", str(project / "pipecheck.yaml"))


def test_pipecheck_yaml_wins_over_pyproject_in_the_same_folder(write: Write, project: Path, cli: Cli) -> None:
    write("pipecheck.yaml", "max_examples: 4\n")
    write("pyproject.toml", "[tool.pipecheck]\nmax_examples = 9\n")
    rows = config_rows(cli("config", cwd=project).stdout)
    assert rows["config_file"][0] == str(project / "pipecheck.yaml")
    assert rows["max_examples"][0] == "4"


def test_empty_section_still_marks_the_root(write: Write, project: Path, cli: Cli) -> None:
    write("pipecheck.yaml", "max_examples: 4\n")
    write("sub/pyproject.toml", "[tool.pipecheck]\n")
    rows = config_rows(cli("config", cwd=nested(project, "sub", "x")).stdout)
    assert rows["root"][0] == str(project / "sub")
    assert rows["max_examples"] == ("5", "default")


def test_match_globs_are_relative_to_the_config_root_from_a_nested_cwd(write: Write, project: Path, cli: Cli) -> None:
    write("pipecheck.yaml", "schemas: contracts\n")
    write("contracts/orders.yaml", contract("orders", "data/orders_*.csv"))
    write("data/orders_1.csv", GOOD)
    data = project / "data"
    result = cli("validate", "orders_1.csv", "./orders_1.csv", "--format", "json", cwd=data)
    files = report(result)["files"]
    assert result.exit_code == 0
    assert [Path(f["contract"]).resolve() for f in files] == [project / "contracts" / "orders.yaml"] * 2
    assert cli("lint", cwd=data).stdout.strip() == "1 contract(s) valid"


def test_discovery_from_a_nested_cwd_in_a_real_process(write: Write, project: Path) -> None:
    write("pyproject.toml", '[project]\nname = "shop"\n\n[tool.pipecheck]\nschemas = "contracts"\nmax_examples = 1\n')
    write("contracts/orders.yaml", contract("orders", "exports/**/orders.csv"))
    write("exports/2024/03/orders.csv", BAD)
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"} | {"NO_COLOR": "1"}
    cwd = project / "exports" / "2024"
    result = run_subprocess("validate", "03/orders.csv", "--format", "json", cwd=cwd, env=env)
    assert result.exit_code == 1, result.stderr
    (file,) = json.loads(result.stdout)["files"]
    (finding,) = file["findings"]
    assert finding["check"] == "min" and finding["count"] == 4
    assert len(finding["examples"]) == 1, "max_examples from [tool.pipecheck]"
    shown = run_subprocess("config", cwd=cwd, env=env)
    assert config_rows(shown.stdout)["max_examples"] == ("1", str(project / "pyproject.toml"))


# ---------------------------------------------------------------- files: mappings


def test_files_mapping_assigns_contracts_before_match_globs(write: Write, project: Path, cli: Cli) -> None:
    write("pipecheck.yaml", 'files:\n  "exports/**/*.csv": contracts/exports.yaml\n')
    write("contracts/exports.yaml", contract("exports"))  # no match globs, not in schemas/
    write("schemas/orders.yaml", contract("orders", "exports/legacy/*.csv", minimum=100))
    write("exports/2024/a.csv", GOOD)
    write("exports/legacy/b.csv", GOOD)
    result = cli("validate", "exports/2024/a.csv", "exports/legacy/b.csv", "--format", "json", cwd=project)
    files = report(result)["files"]
    assert result.exit_code == 0, "the mapping wins: no ambiguity with orders.yaml's glob, and its min: 100 unused"
    assert [f["contract"] for f in files] == ["contracts/exports.yaml"] * 2
    rows = config_rows(cli("config", cwd=project).stdout)
    assert rows["files"] == ("exports/**/*.csv -> contracts/exports.yaml", str(project / "pipecheck.yaml"))


def test_files_mapping_from_a_nested_cwd(write: Write, project: Path, cli: Cli) -> None:
    write("pyproject.toml", '[tool.pipecheck.files]\n"exports/*.csv" = "contracts/exports.yaml"\n')
    write("contracts/exports.yaml", contract("exports", minimum=10))
    write("exports/a.csv", GOOD)
    result = cli("validate", "a.csv", "--format", "json", cwd=project / "exports")
    (file,) = report(result)["files"]
    assert result.exit_code == 1
    assert Path(project / "exports" / file["contract"]).resolve() == project / "contracts" / "exports.yaml"


def test_files_mapping_to_a_missing_contract_is_exit_2(write: Write, project: Path, cli: Cli) -> None:
    write("pipecheck.yaml", 'files:\n  "*.csv": contracts/missing.yaml\n')
    write("a.csv", GOOD)
    result = cli("validate", "a.csv", cwd=project)
    assert result.exit_code == 2
    assert "missing.yaml" in result.stderr and "internal error" not in result.stderr


# ---------------------------------------------------------------- precedence: flags over config


def test_flags_override_config(write: Write, project: Path, cli: Cli) -> None:
    write("pipecheck.yaml", "max_examples: 1\nformat: json\n")
    write("schemas/ids.yaml", contract("ids", "data/*.csv"))
    write("strict/ids.yaml", contract("strict", "data/*.csv", minimum=100))
    write("data/bad.csv", BAD)
    write("data/good.csv", GOOD)

    (file,) = report(cli("validate", "data/bad.csv", cwd=project))["files"]
    assert len(file["findings"][0]["examples"]) == 1, "format and max_examples from pipecheck.yaml"

    (file,) = report(cli("validate", "data/bad.csv", "--max-examples", "3"))["files"]
    assert len(file["findings"][0]["examples"]) == 3

    rich = cli("validate", "data/bad.csv", "--format", "rich", "--no-color")
    assert rich.exit_code == 1 and rich.stdout.startswith("FAIL data/bad.csv")

    assert cli("validate", "data/good.csv").exit_code == 0
    strict = cli("validate", "data/good.csv", "--schemas", "strict")
    (file,) = report(strict)["files"]
    assert strict.exit_code == 1 and file["contract"] == "strict/ids.yaml"

    rows = config_rows(cli("config", "--schemas", "strict").stdout)
    assert rows["schemas"] == (str(project / "strict"), "command line")
    assert rows["format"] == ("json", str(project / "pipecheck.yaml"))


def test_schemas_flag_is_relative_to_the_cwd_config_schemas_to_the_root(write: Write, project: Path, cli: Cli) -> None:
    write("pipecheck.yaml", "schemas: contracts\n")
    sub = nested(project, "sub")
    rows = config_rows(cli("config", cwd=sub).stdout)
    assert rows["schemas"][0] == str(project / "contracts")
    rows = config_rows(cli("config", "--schemas", "mine", cwd=sub).stdout)
    assert rows["schemas"] == (str(sub / "mine"), "command line")


def test_config_lists_every_setting_with_its_source(
    write: Write, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pyproject = write(
        "pyproject.toml",
        '[tool.pipecheck]\nschemas = "contracts"\nformat = ["json"]\nfail_on = "warning"\n\n'
        '[tool.pipecheck.files]\n"raw/*.csv" = "contracts/raw.yaml"\n\n'
        '[tool.pipecheck.quarantine]\nmax_invalid = "0.5%"\n',
    )
    monkeypatch.chdir(project)
    result = CliRunner().invoke(app, ["config", "--schemas", "elsewhere"])
    assert result.exit_code == 0, result.output
    assert config_rows(result.output) == {
        "root": (str(project), "nearest config file"),
        "config_file": (str(pyproject), "nearest config file"),
        "schemas": (str(project / "elsewhere"), "command line"),
        "files": ("raw/*.csv -> contracts/raw.yaml", str(pyproject)),
        "format": ("json", str(pyproject)),
        "max_examples": ("5", "default"),
        "fail_on": ("warning", str(pyproject)),
        "baselines": ("(none)", "default"),
        "quarantine.max_invalid": ("0.5%", str(pyproject)),
    }


def test_config_without_any_config_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    result = CliRunner().invoke(app, ["config"])
    rows = config_rows(result.output)
    if rows["config_file"][0] != "(none)":
        pytest.skip(f"a config file above the temp dir: {rows['config_file'][0]}")
    assert rows["config_file"] == ("(none)", "no config file found")
    assert rows["root"] == (str(project), "no project root found")
    assert {rows[k][1] for k in ("schemas", "files", "format", "max_examples", "fail_on")} == {"default"}


# ---------------------------------------------------------------- errors: ambiguity, unknown keys, bad values


def test_two_contracts_matching_one_file_is_exit_2_naming_both(write: Write, project: Path, cli: Cli) -> None:
    write("schemas/orders.yaml", contract("orders", "data/orders_*.csv"))
    write("schemas/everything.yaml", contract("everything", "**/*.csv"))
    write("data/orders_1.csv", GOOD)
    result = cli("validate", "data/orders_1.csv", cwd=project)
    assert result.exit_code == 2 and result.stdout == ""
    assert "data/orders_1.csv" in result.stderr
    assert "schemas/everything.yaml" in result.stderr and "schemas/orders.yaml" in result.stderr
    assert "matched by 2 contracts" in result.stderr
    skipped = cli("validate", "--skip-unmatched", "data/orders_1.csv")
    assert skipped.exit_code == 2, "--skip-unmatched skips unmatched files, not ambiguous ones"


def test_three_contracts_matching_one_file_are_all_named(write: Write, project: Path) -> None:
    for name in ("a", "b", "c"):
        write(f"schemas/{name}.yaml", contract(name, "*.csv"))
    write("x.csv", GOOD)
    result = run_subprocess("validate", "x.csv", cwd=project)
    assert result.exit_code == 2
    assert "matched by 3 contracts, schemas/a.yaml, schemas/b.yaml and schemas/c.yaml" in result.stderr


def test_files_mapping_resolves_an_ambiguity(write: Write, project: Path, cli: Cli) -> None:
    write("schemas/orders.yaml", contract("orders", "data/*.csv"))
    write("schemas/everything.yaml", contract("everything", "**/*.csv"))
    write("data/a.csv", GOOD)
    assert cli("validate", "data/a.csv", cwd=project).exit_code == 2
    write("pipecheck.yaml", "files:\n  data/*.csv: schemas/orders.yaml\n")
    assert cli("validate", "data/a.csv").exit_code == 0


@pytest.mark.parametrize(
    ("name", "text", "unknown"),
    [
        ("pipecheck.yaml", "max_example: 3\n", "max_example"),
        ("pipecheck.yaml", "schemas: s\ncolour: true\nfail-on: warning\n", "colour, fail-on"),
        ("pyproject.toml", "[tool.pipecheck]\nschema = 'contracts'\n", "schema"),
    ],
)
@pytest.mark.parametrize("command", ["validate", "config", "lint"])
def test_unknown_config_keys_are_exit_2(
    write: Write, project: Path, cli: Cli, name: str, text: str, unknown: str, command: str
) -> None:
    config = write(name, text)
    write("schemas/ids.yaml", contract("ids", "*.csv"))
    write("a.csv", GOOD)
    args = ["a.csv"] if command == "validate" else []
    result = cli(command, *args, cwd=project)
    assert result.exit_code == 2
    assert f"{config}: unknown setting(s) {unknown}; known: " in result.stderr
    assert "max_examples" in result.stderr, "the known settings are listed"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max_examples: -1\n", "max_examples must be a whole number >= 0, got -1"),
        ("max_examples: true\n", "max_examples must be a whole number >= 0, got True"),
        ("fail_on: fatal\n", "fail_on must be 'error' or 'warning', got 'fatal'"),
        ("format: 5\n", "format must be a format name or a list of them, got 5"),
        ("format: []\n", "format must be a format name or a list of them, got []"),
        ("format: {json: x}\n", "format must be a format name or a list of them"),
        ("schemas: [a, b]\n", "schemas must be a path"),
        ("files: [a.csv]\n", "files must map globs to contract paths"),
        ("- max_examples\n", "expected a mapping of settings"),
        ("max_examples: [\n", "not valid YAML"),
    ],
)
def test_invalid_config_values_are_exit_2_naming_the_file(
    write: Write, project: Path, cli: Cli, text: str, message: str
) -> None:
    config = write("pipecheck.yaml", text)
    result = cli("config", cwd=project)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"pipecheck: error: {config}: ")
    assert message in result.stderr
    assert "internal error" not in result.stderr


def test_pyproject_section_must_be_a_table(write: Write, project: Path, cli: Cli) -> None:
    write("pyproject.toml", "[tool]\npipecheck = 1\n")
    result = cli("config", cwd=project)
    assert result.exit_code == 2 and "[tool.pipecheck] must be a table" in result.stderr


def test_unknown_format_in_config_is_exit_2(write: Write, project: Path, cli: Cli) -> None:
    write("pipecheck.yaml", "format: xml\n")
    write("schemas/ids.yaml", contract("ids", "*.csv"))
    write("a.csv", GOOD)
    result = cli("validate", "a.csv", cwd=project)
    assert result.exit_code == 2 and "unknown format 'xml'" in result.stderr


# ---------------------------------------------------------------- unmatched files


def test_skip_unmatched_validates_only_matched_files(write: Write, project: Path, cli: Cli) -> None:
    write("schemas/orders.yaml", contract("orders", "data/orders_*.csv"))
    write("data/orders_1.csv", BAD)
    write("data/customers.csv", "anything,at all\n")
    write("README.csv", "not,data\n")
    files = ["README.csv", "data/customers.csv", "data/orders_1.csv"]
    result = cli("validate", "--skip-unmatched", "--format", "json", *files, cwd=project)
    assert result.exit_code == 1
    assert [f["path"] for f in report(result)["files"]] == ["data/orders_1.csv"]
    only_unmatched = cli("validate", "--skip-unmatched", "README.csv", "data/customers.csv")
    assert only_unmatched.exit_code == 0, only_unmatched.stderr


def test_unmatched_file_without_the_flag_is_exit_2_with_a_hint(write: Write, project: Path) -> None:
    write("schemas/orders.yaml", contract("orders", "data/orders_*.csv"))
    write("data/orders_1.csv", GOOD)
    write("data/customers.csv", "id\n1\n")
    result = run_subprocess("validate", "data/orders_1.csv", "data/customers.csv", cwd=project)
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "pipecheck: error: data/customers.csv: no contract matches this file"
    assert lines[1].startswith("  hint: ")
    assert "schemas" in lines[1] and "--contract" in lines[1] and "--skip-unmatched" in lines[1]


def test_a_file_outside_the_config_root_is_unmatched(write: Write, project: Path, cli: Cli) -> None:
    write("app/pipecheck.yaml", "{}\n")
    write("app/schemas/orders.yaml", contract("orders", "data/*.csv"))
    write("data/a.csv", GOOD)  # data/a.csv relative to the parent, not to app/
    result = cli("validate", "../data/a.csv", cwd=project / "app")
    assert result.exit_code == 2 and "no contract matches" in result.stderr
    assert cli("validate", "--skip-unmatched", "../data/a.csv").exit_code == 0
