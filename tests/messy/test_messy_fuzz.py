"""Property tests: random contracts against random CSV text, and a differential test against a plain csv-module oracle.

Every run: exit in {0, 1, 2}, no traceback, a JSON report. Input generated to satisfy its contract: exit 0 and
the exact row count. Default example counts keep `make test` quick; `-m slow` runs many more.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.messy.conftest import Outcome, run_cli

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DIFF_FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DIFF_SLOW = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NAMES = ["id", "amount", "name with space", "größe", "c4", "Z"]
TRUE_WORDS = ["true", "t", "yes", "y", "1", "TRUE", "Yes"]
FALSE_WORDS = ["false", "f", "no", "n", "0", "False", "NO"]
# Strings that need quoting (delimiters, quotes, line breaks), unicode, and surrounding spaces.
TEXTS = [
    "plain",
    "with,comma",
    "semi;colon",
    "pi|pe",
    "tab\there",
    'say "hi"',
    "two\nlines",
    "cr\r\nlf",
    "ünï",
    " pad ",
    "x",
]
PATTERNS = {  # a small safe set, with a generator of matching text for each
    "[a-z]+": st.text("abcxyz", min_size=1, max_size=8),
    "x.*": st.text('ab,;" \t', max_size=6).map(lambda s: "x" + s),  # `.` does not match a line break
    "[0-9]{1,3}-[A-Z]": st.tuples(st.integers(0, 999), st.sampled_from("ABZ")).map(lambda t: f"{t[0]}-{t[1]}"),
    "(a|b)*c": st.text("ab", max_size=6).map(lambda s: s + "c"),
}


@dataclass
class Column:
    name: str
    spec: dict[str, Any]
    values: st.SearchStrategy[str]  # text of a valid non-null value


@dataclass
class Case:
    contract: dict[str, Any]
    columns: list[Column] = field(default_factory=list)


def skip_if_not_slow(request: pytest.FixtureRequest) -> None:
    expression = request.config.getoption("markexpr") or ""
    if "slow" not in expression or "not slow" in expression:
        pytest.skip("slow: run with -m slow")


# ---------------------------------------------------------------- strategies


def pad(values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Non-string values may carry surrounding spaces (the documented rule strips them)."""
    return st.tuples(st.sampled_from(["", " ", "  "]), values, st.sampled_from(["", " "])).map("".join)


@st.composite
def columns(draw: st.DrawFn, name: str) -> Column:
    kind = draw(st.sampled_from(["integer", "float", "string", "boolean", "date"]))
    spec: dict[str, Any] = {"type": kind, "nullable": draw(st.booleans())}
    if kind == "integer":
        low = draw(st.none() | st.integers(-1000, 1000))
        high = draw(st.none() | st.integers(low if low is not None else -1000, 2000))
        spec |= {k: v for k, v in (("min", low), ("max", high)) if v is not None}
        ints = st.integers(low if low is not None else -(2**63), high if high is not None else 2**63 - 1)
        sign = st.sampled_from(["", "+"])
        text = st.tuples(ints, sign, st.sampled_from(["", "0", "00"])).map(
            lambda t: ("-" if t[0] < 0 else t[1]) + t[2] + str(abs(t[0]))
        )
        if draw(st.booleans()):
            allowed = draw(st.lists(ints, min_size=1, max_size=4, unique=True))
            spec["allowed"] = allowed
            text = st.sampled_from(allowed).map(str)
        return Column(name, spec, pad(text))
    if kind == "float":
        low = draw(st.none() | st.integers(-1000, 1000))
        high = draw(st.none() | st.integers(low if low is not None else -1000, 2000))
        spec |= {k: v for k, v in (("min", low), ("max", high)) if v is not None}
        floats = st.floats(
            float(low) if low is not None else None,
            float(high) if high is not None else None,
            allow_nan=False,
            allow_infinity=False,
        )
        return Column(name, spec, pad(floats.map(repr)))
    if kind == "boolean":
        return Column(name, spec, pad(st.sampled_from(TRUE_WORDS + FALSE_WORDS)))
    if kind == "date":
        dates = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
        return Column(name, spec, pad(dates.map(lambda d: d.strftime("%Y-%m-%d"))))
    rule = draw(st.sampled_from(["none", "allowed", "pattern", "length"]))
    text: st.SearchStrategy[str] = st.sampled_from(TEXTS) | st.text(min_size=1, max_size=12).filter(_plain_text)
    if rule == "allowed":
        allowed = draw(st.lists(st.sampled_from(TEXTS), min_size=1, max_size=4, unique=True))
        spec["allowed"] = allowed
        text = st.sampled_from(allowed)
    elif rule == "pattern":
        pattern = draw(st.sampled_from(sorted(PATTERNS)))
        spec["pattern"] = pattern
        text = PATTERNS[pattern]
    elif rule == "length":
        low = draw(st.integers(1, 5))
        high = draw(st.integers(low, 12))
        spec |= {"min_length": low, "max_length": high}
        text = st.text(min_size=low, max_size=high).filter(_plain_text)
    if rule in ("none", "length") and draw(st.booleans()):
        spec["unique"] = True  # only where the value space is large; strings compare as written
    return Column(name, spec, text)


def _plain_text(value: str) -> bool:
    # no NUL (kept by readers, but an oracle-free value), no lone surrogates, never exactly a null marker
    return "\x00" not in value and value != "" and not any(0xD800 <= ord(c) <= 0xDFFF for c in value)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    cols = [draw(columns(name)) for name in names]
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    contract = {
        "contract": "fuzz",
        "csv": {"delimiter": delimiter},
        "columns": {c.name: c.spec for c in cols},
    }
    return Case(contract, cols)


def quote(value: str, delimiter: str, force: bool) -> str:
    if force or value == "" or any(ch in value for ch in (delimiter, '"', "\r", "\n")):
        return '"' + value.replace('"', '""') + '"'
    return value


@st.composite
def valid_text(draw: st.DrawFn, case: Case) -> tuple[bytes, int]:
    """CSV text satisfying the contract, and its number of data rows."""
    delimiter = case.contract["csv"]["delimiter"]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    n = draw(st.integers(0, 12))
    table: list[list[str]] = []
    for col in case.columns:
        if col.spec.get("unique"):
            values = draw(st.lists(col.values, min_size=n, max_size=n, unique=True))
        else:
            values = [draw(col.values) for _ in range(n)]
        if col.spec["nullable"]:
            values = [v if draw(st.integers(0, 4)) else "" for v in values]
        table.append(values)
    lines = [delimiter.join(quote(c.name, delimiter, draw(st.booleans())) for c in case.columns)]
    for i in range(n):
        cells = [quote(table[j][i], delimiter, draw(st.integers(0, 5)) == 0) for j in range(len(case.columns))]
        if len(cells) == 1 and cells[0] == "":
            cells = ['""']  # a lone empty field must be quoted, or the record is a blank line
        lines.append(delimiter.join(cells))
        if draw(st.integers(0, 6)) == 0:
            lines.append("")  # blank lines are skipped
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig"]))
    return text.encode(encoding), n


GARBAGE_PIECES = st.sampled_from(
    ['"', '""', ",", ";", "\t", "|", "\n", "\r\n", "\r", "a", "1", "-2.5", "NaN", " ", "\x00", "ü", "''", "#"]
)
garbage_bytes = st.one_of(
    st.binary(max_size=300),
    st.lists(GARBAGE_PIECES, max_size=80).map(lambda parts: "".join(parts).encode("utf-8")),
    st.lists(st.one_of(GARBAGE_PIECES.map(str.encode), st.binary(max_size=3)), max_size=80).map(b"".join),
)


# ---------------------------------------------------------------- running


def run_case(contract: dict[str, Any], data: bytes, *extra: str) -> Outcome:
    with tempfile.TemporaryDirectory() as folder:
        contract_path = Path(folder) / "c.yaml"
        contract_path.write_text(json.dumps(contract), encoding="utf-8")
        data_path = Path(folder) / "data.csv"
        data_path.write_bytes(data)
        outcome = run_cli(["validate", str(data_path), "--contract", str(contract_path), "--format", "json", *extra])
        assert data_path.read_bytes() == data
    return outcome


def assert_sane(outcome: Outcome) -> None:
    assert outcome.exit_code in (0, 1, 2)
    if outcome.exit_code == 2:
        assert outcome.report is None
        assert outcome.stderr.startswith("pipecheck: error: ")
        return
    file = outcome.file
    assert file["rows"] is None or file["rows"] >= 0
    for finding in file["findings"]:
        assert finding["count"] >= 1
        for example in finding["examples"]:
            assert example["row"] is None or example["row"] >= 1
            assert example["line"] is None or example["line"] >= 1


# The generated input was not valid after all; these are the findings that would explain it.
def check_valid(case: Case, data: bytes, rows: int) -> None:
    outcome = run_case(case.contract, data)
    assert_sane(outcome)
    assert outcome.exit_code == 0, (data, outcome.findings)
    assert outcome.file["rows"] == rows


@FAST
@given(st.data())
def test_valid_input_passes_and_counts_every_row(data: st.DataObject) -> None:
    case = data.draw(cases())
    text, rows = data.draw(valid_text(case))
    check_valid(case, text, rows)


@pytest.mark.slow
@pytest.mark.timeout(3600)
@SLOW
@given(st.data())
def test_valid_input_passes_many(request: pytest.FixtureRequest, data: st.DataObject) -> None:
    skip_if_not_slow(request)
    case = data.draw(cases())
    text, rows = data.draw(valid_text(case))
    check_valid(case, text, rows)


def _garbage(case: Case, data: st.DataObject) -> bytes:
    text, _ = data.draw(valid_text(case))
    junk = data.draw(garbage_bytes)
    where = data.draw(st.sampled_from(["replace", "append", "insert", "header-only-junk"]))
    if where == "replace":
        return junk
    if where == "append":
        return text + junk
    if where == "insert":
        cut = data.draw(st.integers(0, len(text)))
        return text[:cut] + junk + text[cut:]
    return junk.split(b"\n", 1)[0] + b"\n" + text


@FAST
@given(st.data())
def test_garbage_never_crashes(data: st.DataObject) -> None:
    case = data.draw(cases())
    assert_sane(run_case(case.contract, _garbage(case, data), "--max-examples", "3"))


@st.composite
def other_dialects(draw: st.DrawFn) -> dict[str, Any]:
    """Dialect options beyond the delimiter: quote and escape characters, comments, no header, encodings."""
    dialect: dict[str, Any] = {"delimiter": draw(st.sampled_from([",", ";", "\t"]))}
    if draw(st.booleans()):
        dialect["quotechar"] = "'"
    if draw(st.booleans()):
        dialect["escapechar"] = "\\"
        dialect["doublequote"] = draw(st.booleans())
    if draw(st.booleans()):
        dialect["comment"] = "#"
    if draw(st.integers(0, 3)) == 0:
        dialect["header"] = False
    if draw(st.booleans()):
        dialect["null_values"] = draw(st.lists(st.sampled_from(["", "NA", "-", "null"]), max_size=3))
    dialect["encoding"] = draw(st.sampled_from(["utf-8", "latin-1", "cp1252", "utf-16", "ascii"]))
    return dialect


@FAST
@given(st.data())
def test_garbage_in_other_dialects_never_crashes(data: st.DataObject) -> None:
    case = data.draw(cases())
    case.contract["csv"] = data.draw(other_dialects())
    text = _garbage(case, data)
    if case.contract["csv"]["encoding"] == "utf-16" and data.draw(st.booleans()):
        text = text.decode("utf-8", errors="replace").encode("utf-16")
    assert_sane(run_case(case.contract, text, "--max-examples", "3"))


@pytest.mark.slow
@pytest.mark.timeout(3600)
@SLOW
@given(st.data())
def test_garbage_never_crashes_many(request: pytest.FixtureRequest, data: st.DataObject) -> None:
    skip_if_not_slow(request)
    case = data.draw(cases())
    assert_sane(run_case(case.contract, _garbage(case, data), "--max-examples", "3"))


# ---------------------------------------------------------------- differential: pipecheck vs the csv module


DIFF_CONTRACT = {
    "contract": "diff",
    "columns": {
        "id": {"type": "integer", "nullable": True},
        "amount": {"type": "integer", "min": 0, "nullable": True},
        "cat": {"type": "string", "allowed": ["a", "b", "c,d", 'q"uote', "multi\nline"], "nullable": True},
    },
}
INTEGER_TEXT = re.compile(r"([+-]?[0-9]+)(\.0*)?")  # 181.0 is a whole number
id_texts = st.one_of(
    st.integers(-(2**64), 2**64).map(str),
    st.sampled_from(["", " 7 ", "1e3", "1,000", "x", "+5", "-0", "1.0", "-3.", "1.50", "9223372036854775808", "NaN"]),
)
cat_texts = st.sampled_from(["a", "b", "c,d", 'q"uote', "multi\nline", "", "A", "e", "two\r\nlines", " a", "b "])


@st.composite
def differential_files(draw: st.DrawFn) -> bytes:
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines = ["id,amount,cat"]
    for _ in range(draw(st.integers(0, 40))):
        cells = [draw(id_texts), draw(id_texts), draw(cat_texts)]
        if draw(st.integers(0, 9)) == 0:  # now and then a record with too few or too many fields
            cells = cells[:2] if draw(st.booleans()) else [*cells, draw(cat_texts)]
        lines.append(",".join(quote(c, ",", draw(st.integers(0, 4)) == 0) for c in cells))
        while draw(st.integers(0, 5)) == 0:
            lines.append("")
    return (newline.join(lines) + newline).encode()


def oracle(data: bytes) -> dict[tuple[str, str], list[tuple[int, int, str]]]:
    """The (row, line, value) of every failure, by the stdlib csv module and plain loops (rows of the wrong width
    are malformed: counted as rows, not checked)."""
    failures: dict[tuple[str, str], list[tuple[int, int, str]]] = {}
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    previous_line = 0
    row = 0
    header: list[str] | None = None
    for record in reader:
        start, previous_line = previous_line + 1, reader.line_num
        if not record:
            continue
        if header is None:
            header = record
            continue
        row += 1
        if len(record) != len(header):
            failures.setdefault(("malformed_row", ""), []).append((row, start, ""))
            continue
        values = dict(zip(header, record, strict=True))
        for name in ("id", "amount"):
            text = values[name]
            if text == "":
                continue
            whole = INTEGER_TEXT.fullmatch(text.strip())
            parsed = int(whole.group(1)) if whole else None
            if parsed is None or not -(2**63) <= parsed < 2**63:
                failures.setdefault(("type", name), []).append((row, start, text))
            elif name == "amount" and parsed < 0:
                failures.setdefault(("min", name), []).append((row, start, text))
        cat = values["cat"]
        if cat != "" and cat not in DIFF_CONTRACT["columns"]["cat"]["allowed"]:
            failures.setdefault(("allowed", "cat"), []).append((row, start, cat))
    return failures


def check_differential(data: bytes) -> None:
    outcome = run_case(DIFF_CONTRACT, data, "--max-examples", "100000")
    assert_sane(outcome)
    expected = oracle(data)
    found = {
        (f["check"], f["column"] or ""): [
            (e["row"], e["line"], "" if f["check"] == "malformed_row" else e["value"]) for e in f["examples"]
        ]
        for f in outcome.findings
    }
    counts = {(f["check"], f["column"] or ""): f["count"] for f in outcome.findings}
    assert found == expected
    assert counts == {key: len(rows) for key, rows in expected.items()}
    assert outcome.exit_code == (1 if expected else 0)


@DIFF_FAST
@given(differential_files())
def test_reported_rows_and_lines_equal_a_csv_module_oracle(data: bytes) -> None:
    check_differential(data)


@pytest.mark.slow
@pytest.mark.timeout(3600)
@DIFF_SLOW
@given(differential_files())
def test_reported_rows_and_lines_equal_a_csv_module_oracle_many(request: pytest.FixtureRequest, data: bytes) -> None:
    skip_if_not_slow(request)
    check_differential(data)


def test_differential_across_many_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """One file read in many small pyarrow blocks, quoted newlines, blank lines and malformed rows throughout."""
    import functools
    import random

    from pipecheck import engine

    small_blocks = functools.partialmethod(engine.Options.__init__, block_size=64 << 10)
    monkeypatch.setattr(engine.Options, "__init__", small_blocks)
    assert engine.Options().block_size == 64 << 10

    rng = random.Random(7)
    lines = ["id,amount,cat"]
    for i in range(60_000):
        amount = str(-i) if rng.random() < 0.0005 else str(i)
        ident = "x" if rng.random() < 0.0005 else str(i)
        cat = rng.choice(["a", "b", '"c,d"', '"multi\nline"', "e" if rng.random() < 0.01 else "a"])
        lines.append(f"{ident},{amount},{cat}" + (",extra" if rng.random() < 0.0005 else ""))
        if rng.random() < 0.01:
            lines.append("")
    check_differential(("\n".join(lines) + "\n").encode())
