"""Later duplicates of an integer key are set aside as they come (quarantining/seen.py); the result
must be what finding them at the end gives (a string key takes that path)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipecheck.cli import app
from pipecheck.quarantining import seen
from pipecheck.quarantining.seen import SeenKeys

batches = st.lists(st.lists(st.integers(-(2**40), 2**40) | st.integers(-50, 50), max_size=40), max_size=8)


@settings(max_examples=300, deadline=None)
@given(batches=batches)
def test_repeated_values_are_those_a_set_has_seen(batches: list[list[int]]) -> None:
    keys, oracle, given_up = SeenKeys(), set(), False
    for batch in batches:
        found = keys.repeated(np.array(batch, dtype=np.int64))
        expected = []
        for value in batch:
            expected.append(value in oracle)
            oracle.add(value)
        if found is None:  # values spread too wide: the caller stops asking
            given_up = True
            assert max(oracle) - min(oracle) + 1 > seen.MAX_SPAN
            break
        assert found.tolist() == expected
    assert given_up or not batches or all(not b for b in batches) or keys.flags is not None


def test_the_flags_room_to_spare_does_not_count_as_values_seen() -> None:
    """Grown with room above, the flags span more than the values; only the values' span may
    make the set give up (found by the property test above)."""
    keys = SeenKeys()
    for batch in ([0], [10_000_000], [15_000_000], [-48_000_000], [15_000_000, -48_000_000, 7]):
        found = keys.repeated(np.array(batch, dtype=np.int64))
        assert found is not None, "63M values apart, under MAX_SPAN (64 Mi)"
    assert found.tolist() == [True, True, False]


def _quarantine(tmp_path: Path, kind: str, rows: list[str], name: str) -> tuple[dict[str, object], bytes, bytes]:
    contract = tmp_path / f"{name}.yaml"
    contract.write_text(
        f"contract: k\ncolumns:\n  id: {{type: {kind}, unique: true}}\n  v: {{type: integer, min: 0}}\n"
    )
    data = tmp_path / f"{name}.csv"
    data.write_text("id,v\n" + "".join(rows), encoding="utf-8")
    out = tmp_path / f"q-{name}"
    result = CliRunner().invoke(
        app, ["validate", str(data), "-c", str(contract), "--quarantine", str(out), "-f", "json"]
    )
    split = json.loads(result.output)["files"][0]["quarantine"]
    return split, (out / f"{name}.valid.csv").read_bytes(), (out / f"{name}.invalid.csv").read_bytes()


@settings(max_examples=40, deadline=None)
@given(ids=st.lists(st.integers(0, 30) | st.integers(-(2**62), 2**62), max_size=60), bad=st.sets(st.integers(0, 59)))
def test_an_integer_key_set_aside_as_it_comes_splits_as_a_string_key_found_at_the_end(
    ids: list[int], bad: set[int]
) -> None:
    import tempfile

    rows = [f"{i},{-1 if n in bad else 1}\n" for n, i in enumerate(ids)]
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        as_int = _quarantine(tmp, "integer", rows, "ints")
        as_text = _quarantine(tmp, "string", rows, "texts")
    for key in ("valid_path", "invalid_path"):
        as_int[0][key] = as_text[0][key] = None
    assert as_int[0] == as_text[0]
    assert as_int[1:] == as_text[1:]


def test_pieces_are_written_whole_in_order_however_short_each_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from pipecheck.quarantining import csv_sink

    real = os.writev

    def short(fd: int, buffers: list[memoryview]) -> int:  # at most 7 bytes a call, as a full pipe might
        taken, left = [], 7
        for buffer in buffers:
            if left <= 0:
                break
            taken.append(buffer[:left])
            left -= len(taken[-1])
        return real(fd, taken)

    monkeypatch.setattr(csv_sink.os, "writev", short)
    monkeypatch.setattr(csv_sink, "IOV_MAX", 3)
    out = csv_sink._Scratch(tmp_path / "x.csv", [])
    out.write(b"head\n")
    pieces = [memoryview(f"record {i}\n".encode() * (i % 4)) for i in range(20)]
    out.write_pieces(list(pieces))
    out.pending.commit()
    assert (tmp_path / "x.csv").read_bytes() == b"head\n" + b"".join(bytes(p) for p in pieces)
    assert out.size == len((tmp_path / "x.csv").read_bytes())
