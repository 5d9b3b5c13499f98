"""The draft as YAML text: a header comment, one line per column (notes as comments above it).

Scalars are written by PyYAML in flow context, so any column name or value (quotes, commas,
`<<`, `true`, unicode, newlines) reads back as itself; tests load every draft with the loader.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import yaml

from pipecheck.infer.decide import ColumnDraft
from pipecheck.version import __version__

_WIDE = 1 << 30  # never fold a line
MAX_LISTED_FILES = 5
LONG_KEY = 1000  # PyYAML reads implicit keys up to 1024 characters: longer ones are explicit (`? key`)


def render(
    name: str,
    sources: Sequence[str],
    csv_section: dict[str, Any] | None,
    columns: Sequence[ColumnDraft],
    notes: Sequence[str],
    extra_columns: str | None = None,
    today: dt.date | None = None,
) -> str:
    day = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    shown = ", ".join(_comment_text(s) for s in sources[:MAX_LISTED_FILES])
    if len(sources) > MAX_LISTED_FILES:
        shown += f" and {len(sources) - MAX_LISTED_FILES} more"
    lines = [f"# inferred by pipecheck {__version__} from {shown} on {day} (UTC); review before use"]
    lines += [f"# {_comment_text(note)}" for note in notes]
    lines.append(f"contract: {scalar(name)}")
    lines.append(f"# match: [{', '.join(scalar(s) for s in sources[:MAX_LISTED_FILES])}]  # globs validate finds it by")
    if csv_section is not None:
        lines.append(f"csv: {_flow(csv_section)}")
    if extra_columns is not None:
        lines.append(f"extra_columns: {scalar(extra_columns)}")
    lines.append("columns:" if columns else "columns: {}")
    for column in columns:
        lines += [f"  # {_comment_text(note)}" for note in column.notes]
        key = scalar(column.name)
        value = _flow(column.spec)
        lines += [f"  ? {key}", f"  : {value}"] if len(key) > LONG_KEY else [f"  {key}: {value}"]
    return "\n".join(lines) + "\n"


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return scalar(value)


def scalar(value: Any) -> str:
    """One scalar as YAML text valid in flow context, on one line; it loads back as the same value."""
    text = yaml.safe_dump([value], default_flow_style=True, allow_unicode=True, width=_WIDE)[1:-2]
    if isinstance(value, str) and ("\n" in text or not all(ch.isprintable() for ch in text)):
        # escaped, ASCII only: control characters, line breaks, BOMs, U+2028 are never raw in the file
        text = yaml.safe_dump([value], default_flow_style=True, default_style='"', width=_WIDE)[1:-2]
    return text


def _comment_text(text: str) -> str:
    """Text safe inside a comment: one line, control characters escaped."""
    if all(ch.isprintable() for ch in text):
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
