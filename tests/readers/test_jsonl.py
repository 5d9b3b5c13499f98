"""The JSON Lines reader: texts, rows, lines, checkpoints and locate() on real files."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipecheck.contract.model import CsvDialect
from pipecheck.readers import LimitExceeded, UnreadableFile
from pipecheck.readers import jsonl as jsonl_module
from pipecheck.readers.base import Batch, Place, ReadOptions
from pipecheck.readers.jsonl import JsonLinesReader, sniff_text_format


def _reader(path: Path, compression: str | None = None, block_size: int = 8 << 20, **dialect: Any) -> JsonLinesReader:
    return JsonLinesReader(path, compression, ReadOptions(CsvDialect(**dialect), block_size=block_size))


def _read(reader: JsonLinesReader, wanted: dict[str, int] | None = None) -> tuple[pl.DataFrame, list[Batch]]:
    if wanted is None:
        wanted = {name: i for i, name in enumerate(reader.columns())}
    batches = list(reader.batches(wanted))
    frame = pl.concat([b.frame for b in batches]) if batches else pl.DataFrame()
    return frame, batches


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_values_are_text_exactly_as_written(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "a.jsonl",
        b'{"s":"x","n":1.0,"e":1e3,"big":12345678901234567890,"neg":-3.5,"z":-0,"E":1E+3,"t":true,"f":false}\n'
        b'{"s":"","n":12,"e":0.10,"big":-98765432109876543210.000,"neg":null,"z":0,"E":2.5e-7,"t":false,"f":true}\n',
    )
    reader = _reader(path)
    assert reader.columns() == ["s", "n", "e", "big", "neg", "z", "E", "t", "f"]
    assert reader.format == "jsonl"
    assert reader.text is True
    assert reader.schema() is None
    frame, _ = _read(reader)
    assert frame.schema == dict.fromkeys(reader.columns(), pl.String)
    assert frame.rows() == [
        ("x", "1.0", "1e3", "12345678901234567890", "-3.5", "-0", "1E+3", "true", "false"),
        ("", "12", "0.10", "-98765432109876543210.000", None, "0", "2.5e-7", "false", "true"),
    ]
    assert reader.file_findings() == []
    assert reader.unchecked_rows() == 0


def test_nested_values_are_compact_json_with_numbers_as_written(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "n.jsonl",
        b'{"a": [1.0, 2, {"k": 1e3, "s": "\\u00e9\\"q"}], "b": {}, "c": [], "d": {"x": [null, true, false]}}\n',
    )
    frame, _ = _read(_reader(path))
    assert frame.row(0) == ('[1.0,2,{"k":1e3,"s":"é\\"q"}]', "{}", "[]", '{"x":[null,true,false]}')


def test_missing_keys_and_null_are_null(tmp_path: Path) -> None:
    path = _write(tmp_path, "m.jsonl", b'{"a":1,"b":"x"}\n{"b":null}\n{}\n{"a":"2"}\n')
    frame, _ = _read(_reader(path))
    assert frame.rows() == [("1", "x"), (None, None), (None, None), ("2", None)]


def test_unicode_and_escapes(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "u.jsonl",
        '{"naïve":"Grüße 日本 🎉","e":"\\u65e5\\ud83c\\udf89\\n\\t","bad":"\\ud800"}\n{"bad":true}\n'.encode(),
    )
    reader = _reader(path)
    assert reader.columns() == ["naïve", "e", "bad"]
    frame, _ = _read(reader)
    assert frame.rows() == [("Grüße 日本 🎉", "日🎉\n\t", "\ufffd"), (None, None, "true")]


def test_bom_crlf_blank_lines_and_unterminated_last_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "c.jsonl", b'\xef\xbb\xbf{"a":1}\r\n\r\n   \r\n{"a":2}\r\n\n\t\n{"a":3.0}')
    reader = _reader(path)
    frame, batches = _read(reader)
    assert frame["a"].to_list() == ["1", "2", "3.0"]
    assert reader.locate([0, 1, 2]) == {0: Place(1, 1), 1: Place(2, 4), 2: Place(3, 7)}
    (batch,) = batches
    assert batch.checkpoint.first_record == 1
    assert batch.checkpoint.first_line == 1
    assert batch.checkpoint.rows == 3
    assert batch.checkpoint.byte_range == (0, path.stat().st_size - 3)  # decoded: without the BOM
    assert reader.file_findings() == []


def test_malformed_lines_are_counted_not_checked(tmp_path: Path) -> None:
    long = '{"a": "' + "x" * 200
    lines = ['{"a":"ok1"}', "[1,2]", "3", '"s"', "null", "true", '{"a":1', long, '{"a":NaN}', '{"a":"ok2"}']
    path = _write(tmp_path, "bad.jsonl", ("\n".join(lines) + "\n").encode())
    reader = JsonLinesReader(path, None, ReadOptions(CsvDialect(), max_examples=8))
    frame, _ = _read(reader)
    assert frame["a"].to_list() == ["ok1", "ok2"]
    assert reader.unchecked_rows() == 8
    assert reader.locate([0, 1]) == {0: Place(1, 1), 1: Place(10, 10)}
    (finding,) = reader.file_findings()
    assert finding.check == "malformed_row"
    assert finding.count == 8
    assert finding.message == "8 line(s) are not JSON objects; they were not checked"
    assert [(e.row, e.line) for e in finding.examples] == [(r, r) for r in range(2, 10)]
    notes = [e.note for e in finding.examples]
    assert notes[:5] == [
        "not a JSON object: a JSON array",
        "not a JSON object: a JSON number",
        "not a JSON object: a JSON string",
        "not a JSON object: null",
        "not a JSON object: a JSON boolean",
    ]
    assert all(n is not None and n.startswith("not a JSON object: invalid JSON") for n in notes[5:])
    preview = finding.examples[6].value
    assert preview is not None
    assert len(preview) == 80
    assert preview == long[:79] + "…"


def test_max_examples_limits_malformed_examples(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.jsonl", b"x\n" * 20 + b'{"a":1}\n')
    reader = JsonLinesReader(path, None, ReadOptions(CsvDialect(), max_examples=3))
    frame, _ = _read(reader)
    assert frame.height == 1
    (finding,) = reader.file_findings()
    assert finding.count == 20
    assert [e.row for e in finding.examples] == [1, 2, 3]
    assert reader.locate([0]) == {0: Place(21, 21)}


def test_a_key_first_seen_after_the_first_block_is_reported_not_checked(tmp_path: Path) -> None:
    first = b'{"a":1,"b":2}\n' * 50
    later = b'{"a":3,"late":"x"}\n{"a":4,"late":"y","b":5}\n'
    path = _write(tmp_path, "late.jsonl", first + later)
    reader = _reader(path, block_size=100)
    assert reader.columns() == ["a", "b"]
    frame, batches = _read(reader)
    assert len(batches) > 3
    assert frame.height == 52
    assert frame.columns == ["a", "b"]
    assert frame.row(51) == ("4", "5")
    (finding,) = reader.file_findings()
    assert finding.check == "extra_column"
    assert finding.severity == "warning"
    assert finding.column == "late"
    assert "line 51" in finding.message
    assert "not checked" in finding.message


def test_keys_of_the_first_block_in_order_of_first_appearance(tmp_path: Path) -> None:
    path = _write(tmp_path, "o.jsonl", b'{"b":1}\n{"a":1,"b":2}\n{"c":1,"a":2}\n')
    assert _reader(path).columns() == ["b", "a", "c"]


def test_wanted_subset_in_another_order_and_empty(tmp_path: Path) -> None:
    content = b"".join(b'{"a":%d,"b":"b%d","c":[%d]}\n' % (i, i, i) for i in range(30))
    path = _write(tmp_path, "w.jsonl", content)
    frame, _ = _read(_reader(path, block_size=64), {"C": 2, "A": 0})
    assert frame.columns == ["C", "A"]
    assert frame.row(7) == ("[7]", "7")
    empty, batches = _read(_reader(path, block_size=64), {})
    assert empty.columns == ["__row__"]
    assert empty.height == 30
    assert sum(b.rows for b in batches) == 30
    assert all(b.frame.height == b.rows for b in batches)
    with pytest.raises(ValueError, match="position 3"):
        _read(_reader(path), {"x": 3})


def test_tiny_blocks_many_batches_checkpoints_and_locate(tmp_path: Path) -> None:
    rng = random.Random(7)
    lines: list[bytes] = []
    expected: list[tuple[int, int, str]] = []  # (row, line, value) of checked rows
    record = 0
    for line_number in range(1, 401):
        kind = rng.random()
        if kind < 0.1:
            lines.append(b"  ")
            continue
        record += 1
        if kind < 0.2:
            lines.append(b"{broken")
            continue
        value = f"v{line_number}"
        lines.append(json.dumps({"k": value}).encode())
        expected.append((record, line_number, value))
    path = _write(tmp_path, "t.jsonl", b"\n".join(lines) + b"\n")
    size = path.stat().st_size
    reader = _reader(path, block_size=37)
    frame, batches = _read(reader)
    assert len(batches) > 50
    assert frame["k"].to_list() == [v for _, _, v in expected]
    ordinal = 0
    end = 0
    for index, batch in enumerate(batches):
        point = batch.checkpoint
        assert point.index == index
        assert point.first_row == ordinal
        assert point.rows == batch.frame.height > 0
        assert (point.first_record, point.first_line) == expected[ordinal][:2]
        assert point.byte_range is not None
        start, stop = point.byte_range
        assert start >= end  # blocks without checked rows make no batch
        assert content_lines_hold(path.read_bytes()[start:stop], batch.frame["k"].to_list())
        end = stop
        ordinal += point.rows
    assert end == size
    assert ordinal == len(expected)
    places = reader.locate(range(len(expected)))
    assert places == {i: Place(row, line) for i, (row, line, _) in enumerate(expected)}
    assert reader.locate([len(expected), -1]) == {}
    assert reader.unchecked_rows() == sum(1 for line in lines if line == b"{broken")
    assert reader.progress() == (size, size)


def content_lines_hold(data: bytes, values: list[str]) -> bool:
    return all(f'"{v}"'.encode() in data for v in values)


def test_gzip_reads_like_plain(tmp_path: Path) -> None:
    content = b"".join(b'{"i":%d,"f":%d.50}\n' % (i, i) for i in range(2000))
    plain = _write(tmp_path, "p.jsonl", content)
    packed = _write(tmp_path, "p.jsonl.gz", gzip.compress(content))
    one, _ = _read(_reader(plain, block_size=1000))
    reader = _reader(packed, "gzip", block_size=1000)
    assert reader.format == "jsonl+gzip"
    two, batches = _read(reader)
    assert len(batches) > 10
    assert one.equals(two)
    assert two.row(1999) == ("1999", "1999.50")
    assert reader.locate([1999]) == {1999: Place(2000, 2000)}
    done, total = reader.progress()
    assert total == packed.stat().st_size
    assert 0 < done <= total


def test_truncated_gzip_is_unreadable(tmp_path: Path) -> None:
    rng = random.Random(1)
    content = b"".join(b'{"i":%d,"r":"%x"}\n' % (i, rng.getrandbits(64)) for i in range(80_000))
    packed = gzip.compress(content)
    assert len(packed) > 1 << 20
    path = _write(tmp_path, "t.jsonl.gz", packed[: len(packed) // 2])
    reader = _reader(path, "gzip", block_size=1 << 16)
    with pytest.raises(UnreadableFile) as caught:
        _read(reader)
    assert "\n" not in caught.value.message
    assert caught.value.message.startswith("cannot read jsonl+gzip data")
    reader.close()


def test_a_line_over_the_limit_raises_limit_exceeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl_module, "MAX_LINE_BYTES", 1000)
    path = _write(tmp_path, "l.jsonl", b'{"a":1}\n{"a":"' + b"x" * 5000 + b'"}\n')
    reader = _reader(path, block_size=16)
    with pytest.raises(LimitExceeded, match="line 2 is longer than"):
        _read(reader)


def test_undecodable_bytes_are_an_encoding_finding(tmp_path: Path) -> None:
    path = _write(tmp_path, "e.jsonl", b'{"a":"ok"}\n{"a":"caf\xe9"}\n')
    reader = _reader(path)
    frame, _ = _read(reader)
    assert frame["a"].to_list() == ["ok", "caf\ufffd"]
    (finding,) = reader.file_findings()
    assert finding.check == "encoding"
    assert finding.count == 1
    assert finding.examples[0].line == 2
    assert finding.examples[0].value == "\\xe9"
    latin = _reader(path, encoding="latin-1")
    frame, _ = _read(latin)
    assert frame["a"].to_list() == ["ok", "café"]
    assert latin.file_findings() == []


def test_empty_and_blank_files(tmp_path: Path) -> None:
    for content in (b"", b"\n\n  \n"):
        reader = _reader(_write(tmp_path, "x.jsonl", content))
        assert reader.columns() == []
        assert _read(reader)[1] == []
        assert reader.file_findings() == []
        assert reader.locate([0]) == {}


@pytest.mark.parametrize(
    ("head", "suffix", "expected"),
    [
        (b"a,b\n", ".jsonl", "jsonl"),
        (b"", ".NDJSON", "jsonl"),
        (b"\x1f\x8b", ".jsonl.gz", "jsonl"),
        (b"", ".ndjson.zst", "jsonl"),
        (b"", ".jsonl.xz", "jsonl"),
        (b"", ".jsonl.bz2", "jsonl"),
        (b'\xef\xbb\xbf \r\n\t{"a":1}', ".txt", "jsonl"),
        (b'{"a":1}', "", "jsonl"),
        (b"a,b\n1,2\n", ".csv", "csv"),
        (b"[1,2]\n", ".json", "csv"),
        (b"", ".gz", "csv"),
        (b"  ", ".csv.gz", "csv"),
    ],
)
def test_sniff_text_format(head: bytes, suffix: str, expected: str) -> None:
    assert sniff_text_format(head, suffix) == expected


# -- property: the reader against a plain json-module loop ------------------------------------------


class _Num(str):
    pass


def _oracle_text(value: Any, top: bool = True) -> str | None:
    if isinstance(value, _Num):
        return str(value)
    if isinstance(value, str):
        return value if top else json.dumps(value, ensure_ascii=False)
    if value is None:
        return None if top else "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ",".join(str(_oracle_text(v, False)) for v in value) + "]"
    return (
        "{"
        + ",".join(json.dumps(k, ensure_ascii=False) + ":" + str(_oracle_text(v, False)) for k, v in value.items())
        + "}"
    )


def _oracle(content: bytes) -> tuple[list[str], list[tuple[int, int, dict[str, Any]]], int]:
    """(columns, [(row, line, record)], malformed) by a plain loop over the lines."""
    columns: list[str] = []
    records: list[tuple[int, int, dict[str, Any]]] = []
    malformed = 0
    row = 0
    for line_number, raw in enumerate(content.split(b"\n"), 1):
        text = raw.decode("utf-8")
        if text.strip(" \t\r") == "":
            continue
        row += 1
        try:
            value = json.loads(text, parse_int=_Num, parse_float=_Num, parse_constant=_bad)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            malformed += 1
            continue
        for key in value:
            if key not in columns:
                columns.append(key)
        records.append((row, line_number, value))
    return columns, records, malformed


def _bad(name: str) -> Any:
    raise ValueError(name)


_numbers = st.sampled_from(["0", "-0", "1.0", "1e3", "-3.5", "12345678901234567890", "2.50E-3", "7"])
_leaf = st.one_of(
    _numbers.map(lambda s: ("raw", s)),
    st.text(max_size=5).map(lambda s: ("raw", json.dumps(s, ensure_ascii=bool(len(s) % 2)))),
    st.sampled_from(["true", "false", "null"]).map(lambda s: ("raw", s)),
)


def _render(node: Any) -> str:
    kind, body = node
    if kind == "raw":
        return str(body)
    if kind == "list":
        return "[" + ", ".join(_render(v) for v in body) + "]"
    return "{" + ",".join(f"{json.dumps(k)}: {_render(v)}" for k, v in body) + "}"


_value = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda v: ("list", v)),
        st.lists(st.tuples(st.sampled_from("xyz"), inner), max_size=3).map(lambda v: ("obj", v)),
    ),
    max_leaves=6,
)
_record = st.lists(st.tuples(st.sampled_from(["a", "b", "c", "dé"]), _value), max_size=4).map(
    lambda pairs: _render(("obj", pairs))
)
_line = st.one_of(
    _record,
    _record,
    _record,
    st.sampled_from(["", "  ", "\t", "[1,2]", "3", "{", '{"a":1}x', "nope", '{"a":NaN}', "\r"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(_line, max_size=40),
    crlf=st.booleans(),
    final_break=st.booleans(),
    block_size=st.sampled_from([1, 7, 50, 1 << 20]),
)
def test_property_matches_a_plain_json_loop(
    tmp_path: Path, lines: list[str], crlf: bool, final_break: bool, block_size: int
) -> None:
    content = ("\r\n" if crlf else "\n").join(lines) + ("\n" if final_break and lines else "")
    data = content.encode()
    path = tmp_path / "p.jsonl"
    path.write_bytes(data)
    columns, records, malformed = _oracle(data)
    reader = _reader(path, block_size=block_size)
    first_block_columns = reader.columns()
    assert first_block_columns == columns[: len(first_block_columns)]
    if block_size >= len(data):
        assert first_block_columns == columns
    wanted = {f"out{i}": i for i in reversed(range(len(first_block_columns)))}
    frame, batches = _read(reader, wanted)
    expected = [
        tuple(_oracle_text(record.get(first_block_columns[i])) for i in wanted.values()) for _, _, record in records
    ]
    assert sum(b.rows for b in batches) == len(records)
    if wanted:
        assert frame.rows() == expected
    assert reader.unchecked_rows() == malformed
    assert reader.locate(range(len(records))) == {i: Place(row, line) for i, (row, line, _) in enumerate(records)}
    extras = {f.column for f in reader.file_findings() if f.check == "extra_column"}
    assert extras == set(columns) - set(first_block_columns)
    malformed_findings = [f for f in reader.file_findings() if f.check == "malformed_row"]
    assert [f.count for f in malformed_findings] == ([malformed] if malformed else [])
