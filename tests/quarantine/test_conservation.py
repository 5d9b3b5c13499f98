"""Property: quarantine loses nothing. Generated messy CSVs are split by an independent oracle (the
csv module on the raw text, plain-Python rules); the valid file must be exactly the header and the
passing records, byte for byte and in order, and the invalid file exactly the others with their
true row, line and labels; so every input record is in exactly one output, unchanged."""

from __future__ import annotations

import json
import random
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipecheck.compile import compile_contract
from pipecheck.contract.loader import parse_contract
from pipecheck.engine import Options, validate_file
from pipecheck.quarantining import QuarantineOptions
from tests.quarantine.oracle import judge, split_invalid, split_records, terminated

NAMES = ["id", "n", "s", "e", "w"]
ALLOWED = ["x", "y,z", 'q"t', "m\nl", "é"]
IDS = ["1", "2", "3", "0"]
NS = ["7", "-3", "abc", "", "12"]
SS = [*ALLOWED, "w", "Ünï", "a\r\nb", "c\rd"]
ES = ["abc", "zz", "ab1", "ü", "a;b", "t\tb"]
WS = ["", "k", "long", "ĳ"]
UNIQUE = [("id",), ("s", "e")]


def contract(delimiter: str) -> str:
    spec = {
        "contract": "q",
        "csv": {"delimiter": delimiter, "header": True},
        "columns": {
            "id": {"type": "integer", "unique": True, "min": 1},
            "n": {"type": "integer"},
            "s": {"type": "string", "allowed": ALLOWED},
            "e": {"type": "string", "pattern": "^[a-z]+$"},
            "w": {"type": "string", "max_length": 1, "severity": "warning"},
        },
        "checks": {"unique_together": [["s", "e"]]},
    }
    return json.dumps(spec)  # JSON is YAML


def rules(values: dict[str, str]) -> list[str]:
    """The error rules of `contract`, in plain Python."""
    out = []
    if values["id"] == "0":
        out.append("id:min")
    if values["n"] == "":
        out.append("n:nullable")
    elif values["n"] == "abc":
        out.append("n:type")
    if values["s"] not in ALLOWED:
        out.append("s:allowed")
    if not re.fullmatch("[a-z]+", values["e"]):
        out.append("e:pattern")
    return out


def field(value: str, delimiter: str, rng: random.Random) -> str:
    if any(ch in value for ch in (delimiter, '"', "\r", "\n")) or rng.random() < 0.2:
        return '"' + value.replace('"', '""') + '"'
    return value


@st.composite
def messy_csv(draw: st.DrawFn) -> tuple[str, str, int]:
    """(text, delimiter, block size)."""
    delimiter = draw(st.sampled_from([",", ",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    rng = random.Random(draw(st.integers(0, 2**32)))
    lines = [delimiter.join(NAMES)]
    for _ in range(draw(st.integers(0, 40))):
        kind = rng.random()
        if kind < 0.08:
            lines.append("")  # a blank line
            continue
        values = [rng.choice(pool) for pool in (IDS, NS, SS, ES, WS)]
        if kind < 0.18:  # too few or too many fields
            width = rng.choice([2, 3, 4, 6])
            values = [*values, rng.choice(ES)][:width] if width > 5 else values[:width]
        lines.append(delimiter.join(field(v, delimiter, rng) for v in values))
    bom = "\ufeff" if draw(st.booleans()) else ""
    text = bom + newline.join(lines) + (newline if draw(st.booleans()) else "")
    block = draw(st.sampled_from([16, 64, 200, 1 << 20]))
    return text, delimiter, block


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=messy_csv(), keep=st.sampled_from(["first", "first", "none"]))
def test_every_record_is_in_exactly_one_output_unchanged(case: tuple[str, str, int], keep: str) -> None:
    text, delimiter, block = case
    bom = text.startswith("\ufeff")
    records = split_records(text.removeprefix("\ufeff"), delimiter)
    header, data = records[0], records[1:]
    newline = header.text[len(header.text.rstrip("\r\n")) :] or "\n"
    verdicts = judge(data, NAMES, rules, UNIQUE, keep)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.csv"
        path.write_bytes(text.encode("utf-8"))
        out = Path(tmp) / "q"
        compiled = compile_contract(parse_contract(contract(delimiter)))
        options = Options(block_size=block, quarantine=QuarantineOptions(out, None, keep))  # type: ignore[arg-type]
        report = validate_file(path, "in.csv", compiled, "c.yaml", options)
        assert report.quarantine is not None
        assert report.quarantine.rejected == []
        valid_bytes = (out / "in.valid.csv").read_bytes()
        invalid_bytes = (out / "in.invalid.csv").read_bytes()
        assert path.read_bytes() == text.encode("utf-8")

    expected_valid = terminated(header.text, newline) + "".join(
        terminated(r.text, newline) for r in data if r.row not in verdicts.labels
    )
    assert valid_bytes.startswith(b"\xef\xbb\xbf") == bom
    assert invalid_bytes.startswith(b"\xef\xbb\xbf") == bom
    assert valid_bytes.decode("utf-8").removeprefix("\ufeff") == expected_valid

    invalid_header, invalid = split_invalid(invalid_bytes.decode("utf-8").removeprefix("\ufeff"), delimiter)
    assert invalid_header == terminated(header.text, newline)
    expected = [r for r in data if r.row in verdicts.labels]
    assert [i.text for i in invalid] == [terminated(r.text, newline) for r in expected]
    assert [i.row for i in invalid] == [r.row for r in expected]
    assert [i.line for i in invalid] == [str(r.line) for r in expected]
    assert [sorted(i.labels) for i in invalid] == [sorted(verdicts.labels[r.row]) for r in expected]

    summary = report.quarantine.to_dict()
    assert (summary["rows"], summary["valid"], summary["invalid"]) == (
        len(data),
        len(data) - len(expected),
        len(expected),
    )
    assert summary["reasons"] == dict(verdicts.reasons)
