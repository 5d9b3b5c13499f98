"""Find pipecheck.yaml / [tool.pipecheck] and resolve which contract governs which file."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pipecheck.errors import ConfigError

CONFIG_FILE = "pipecheck.yaml"
KNOWN_KEYS = {"schemas", "files", "format", "max_examples", "fail_on"}


@dataclass
class Settings:
    """Resolved settings, each remembering where its value came from."""

    root: Path
    schemas: Path
    files: dict[str, str] = field(default_factory=dict)
    format: list[str] = field(default_factory=lambda: ["rich"])
    max_examples: int = 5
    fail_on: str = "error"
    config_file: Path | None = None
    sources: dict[str, str] = field(default_factory=dict)

    def as_rows(self) -> list[tuple[str, str, str]]:
        values = {
            "root": str(self.root),
            "config_file": str(self.config_file) if self.config_file else "(none)",
            "schemas": str(self.schemas),
            "files": ", ".join(f"{k} -> {v}" for k, v in self.files.items()) or "(none)",
            "format": ", ".join(self.format),
            "max_examples": str(self.max_examples),
            "fail_on": self.fail_on,
        }
        # root and config_file are found, not set: say how, rather than calling them defaults.
        found = "nearest config file" if self.config_file else "no config file found"
        where = {"root": found, "config_file": found}
        return [(key, value, self.sources.get(key, where.get(key, "default"))) for key, value in values.items()]


def find_config(start: Path) -> tuple[Path | None, dict[str, Any]]:
    """The nearest pipecheck.yaml or pyproject.toml with [tool.pipecheck], walking up from `start`."""
    for folder in [start, *start.parents]:
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate, _read_yaml_config(candidate)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            section = _read_pyproject(pyproject)
            if section is not None:
                return pyproject, section
    return None, {}


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
    config_file, raw = find_config(cwd)
    unknown = sorted(set(raw) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"{config_file}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_KEYS))}"
        )
    root = config_file.parent if config_file else cwd
    settings = Settings(root=root, schemas=root / "schemas", config_file=config_file)
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


def relative_to_root(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
