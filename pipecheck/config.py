"""Find pipecheck.yaml / [tool.pipecheck] and resolve which contract governs which file."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pipecheck.errors import ConfigError, UsageError

CONFIG_FILE = "pipecheck.yaml"
KNOWN_KEYS = {"schemas", "files", "format", "max_examples", "fail_on", "baselines", "quarantine"}
CONTRACT_SUFFIXES = (".yaml", ".yml")
MARKERS = "a pipecheck.yaml, a pyproject.toml with [tool.pipecheck], a schemas/ folder or a git repository"


@dataclass
class Settings:
    """Resolved settings, each remembering where its value came from."""

    root: Path
    schemas: Path
    files: dict[str, str] = field(default_factory=dict)
    format: list[str] = field(default_factory=lambda: ["rich"])
    max_examples: int = 5
    fail_on: str = "error"
    baselines: Path | None = None  # a folder of `pipecheck snapshot` profiles, NAME.json for contract NAME
    max_invalid: str | None = None  # quarantine.max_invalid: the tolerance of every contract without its own
    config_file: Path | None = None
    sources: dict[str, str] = field(default_factory=dict)
    marker: str | None = None  # what marked the root ("schemas/ folder", ...); None: nothing found
    searched_from: Path | None = None  # where discovery started (the working directory)

    def as_rows(self) -> list[tuple[str, str, str]]:
        values = {
            "root": str(self.root),
            "config_file": str(self.config_file) if self.config_file else "(none)",
            "schemas": str(self.schemas),
            "files": ", ".join(f"{k} -> {v}" for k, v in self.files.items()) or "(none)",
            "format": ", ".join(self.format),
            "max_examples": str(self.max_examples),
            "fail_on": self.fail_on,
            "baselines": str(self.baselines) if self.baselines else "(none)",
            "quarantine.max_invalid": self.max_invalid or "(none)",
        }
        # root and config_file are found, not set: say how, rather than calling them defaults.
        found = "nearest config file" if self.config_file else "no config file found"
        root = found if self.config_file else f"nearest {self.marker}" if self.marker else "no project root found"
        where = {"root": root, "config_file": found}
        sources = {**self.sources, "quarantine.max_invalid": self.sources.get("quarantine", "default")}
        return [(key, value, sources.get(key, where.get(key, "default"))) for key, value in values.items()]


@dataclass(frozen=True)
class Root:
    """The project root: the nearest folder holding a marker, and its settings if the marker is a config file."""

    folder: Path
    marker: str
    config_file: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict)


def find_root(start: Path) -> Root | None:
    """The nearest folder, walking up from `start`, with a pipecheck.yaml, a pyproject.toml with
    [tool.pipecheck], a schemas/ folder or a .git (in that order within one folder); None if none."""
    for folder in [start, *start.parents]:
        candidate = folder / CONFIG_FILE
        for named in (candidate, folder / "pyproject.toml"):
            if named.is_dir():  # a config file in name only: going past it would pick another root
                raise ConfigError(f"{named}: is a directory, not a config file", hint="remove or rename it")
        if candidate.is_file():
            return Root(folder, CONFIG_FILE, candidate, _read_yaml_config(candidate))
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            section = _read_pyproject(pyproject)
            if section is not None:
                return Root(folder, "pyproject.toml [tool.pipecheck]", pyproject, section)
        if (folder / "schemas").is_dir():
            return Root(folder, "schemas/ folder")
        if (folder / ".git").exists():  # a directory, or a file in a worktree or submodule
            return Root(folder, "git root")
    return None


def _read_yaml_config(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
        raise ConfigError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings")
    return data


def _read_pyproject(path: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    section = data.get("tool", {}).get("pipecheck")
    if section is not None and not isinstance(section, dict):
        raise ConfigError(f"{path}: [tool.pipecheck] must be a table")
    return section


def load_settings(cwd: Path, overrides: dict[str, Any]) -> Settings:
    """Defaults < config file < command-line flags (non-None overrides)."""
    found = find_root(cwd)
    config_file, raw = (found.config_file, found.raw) if found else (None, {})
    unknown = sorted(set(raw) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"{config_file}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_KEYS))}"
        )
    root = found.folder if found else cwd
    settings = Settings(
        root=root,
        schemas=root / "schemas",
        config_file=config_file,
        marker=found.marker if found else None,
        searched_from=cwd,
    )
    where = str(config_file) if config_file else ""
    for key, value in raw.items():
        _apply(settings, key, value, where, base=root)
    for key, value in overrides.items():
        if value is not None and value != []:
            _apply(settings, key, value, "command line", base=cwd)
    return settings


def _apply(settings: Settings, key: str, value: Any, source: str, base: Path) -> None:
    if key == "schemas":
        if not isinstance(value, str | Path):
            raise ConfigError(f"{source}: schemas must be a path")
        settings.schemas = base / value
    elif key == "baselines":
        if not isinstance(value, str | Path):
            raise ConfigError(f"{source}: baselines must be the path of a folder of profiles, got {value!r}")
        settings.baselines = base / value
    elif key == "files":
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise ConfigError(f"{source}: files must map globs to contract paths")
        settings.files = dict(value)
    elif key == "format":
        formats = [value] if isinstance(value, str) else value
        if not isinstance(formats, list) or not formats or not all(isinstance(f, str) for f in formats):
            raise ConfigError(f"{source}: format must be a format name or a list of them, got {value!r}")
        settings.format = list(formats)
    elif key == "max_examples":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{source}: max_examples must be a whole number >= 0, got {value!r}")
        settings.max_examples = value
    elif key == "quarantine":
        if not isinstance(value, dict) or set(value) - {"max_invalid"}:
            raise ConfigError(f"{source}: quarantine takes max_invalid (say 100 or '0.5%'), got {value!r}")
        limit = value.get("max_invalid")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, str | int)):
            raise ConfigError(
                f"{source}: quarantine.max_invalid must be a number of rows or a percentage, got {limit!r}"
            )
        settings.max_invalid = None if limit is None else str(limit)
    elif key == "fail_on":
        if value not in ("error", "warning"):
            raise ConfigError(f"{source}: fail_on must be 'error' or 'warning', got {value!r}")
        settings.fail_on = value
    settings.sources[key] = source


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """Gitignore-like glob: `**` spans directories, `*` and `?` stay within one path segment."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + r"\Z")


def glob_matches(pattern: str, relative_path: str) -> bool:
    return glob_regex(pattern.removeprefix("./")).match(relative_path) is not None


def relative_to_root(path: Path, root: Path) -> str | None:
    """The path relative to the root, with forward slashes; None for a path outside the root
    (globs describe the project's files, so none matches it)."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def contract_paths(settings: Settings) -> list[Path]:
    """The contract files of the schemas directory; a missing directory is a usage error saying
    where the root was looked for and what to create."""
    folder = settings.schemas
    if folder.is_dir():
        return sorted(p for p in folder.iterdir() if p.suffix in CONTRACT_SUFFIXES and p.is_file())
    if settings.sources.get("schemas") == "command line":
        raise UsageError(f"{folder}: schemas directory not found", hint="pass an existing directory to --schemas")
    if settings.marker is None:
        raise UsageError(
            f"no project root found: no folder from {settings.searched_from or settings.root} up holds {MARKERS}",
            hint="create schemas/ with your contracts (or a pipecheck.yaml) in the project's top folder, "
            "or pass --contract FILE or --schemas DIR",
        )
    how = f"found by its {settings.config_file.name}" if settings.config_file else f"the nearest {settings.marker}"
    raise UsageError(
        f"{folder}: schemas directory not found (project root {settings.root}, {how})",
        hint=f"create {folder} with your contracts, set schemas in pipecheck.yaml / [tool.pipecheck], "
        "or pass --contract FILE or --schemas DIR",
    )
