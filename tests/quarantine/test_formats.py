"""Quarantine keeps the input's encoding, compression and dialect: each record's bytes unchanged."""

from __future__ import annotations

import bz2
import gzip
import lzma
from collections.abc import Callable

import pyarrow as pa
import pytest

from tests.quarantine.conftest import Quarantined

CONTRACT = """
contract: e
csv: {{encoding: {encoding}, delimiter: "{delimiter}", header: {header}{extra}}}
columns:
  a: {{type: string, allowed: [é, x, "x y"]}}
  b: {{type: integer}}
"""


def contract(encoding: str = "utf-8", delimiter: str = ",", header: str = "true", extra: str = "") -> str:
    return CONTRACT.format(encoding=encoding, delimiter=delimiter, header=header, extra=extra)


PREFIX = "_pipecheck_row,_pipecheck_line,_pipecheck_errors,"


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16", "utf-16-le"])
def test_outputs_keep_the_inputs_encoding_record_bytes_identical(
    quarantined: Callable[..., Quarantined], encoding: str
) -> None:
    text = 'a,b\r\né,1\r\nü,2\r\n"é\r\nx",3\r\nx,4\r\n'
    run = quarantined(contract(encoding), text.encode(encoding))
    assert run.exit_code == 1
    assert run.outputs["in.valid.csv"] == "a,b\r\né,1\r\nx,4\r\n".encode(encoding)
    assert run.outputs["in.invalid.csv"] == (
        PREFIX + 'a,b\r\n2,3,a:allowed,ü,2\r\n3,4,a:allowed,"é\r\nx",3\r\n'
    ).encode(encoding)
    assert (run.quarantine["valid"], run.quarantine["invalid"]) == (2, 2)


def _zstd(data: bytes) -> bytes:
    return bytes(pa.compress(data, "zstd", asbytes=True))


def _unzstd(data: bytes) -> bytes:
    with pa.input_stream(pa.py_buffer(data), compression="zstd") as stream:
        return bytes(stream.read())


COMPRESSIONS = [
    (".gz", gzip.compress, gzip.decompress),
    (".bz2", bz2.compress, bz2.decompress),
    (".xz", lzma.compress, lzma.decompress),
    (".zst", _zstd, _unzstd),
]


@pytest.mark.parametrize(("suffix", "compress", "decompress"), COMPRESSIONS, ids=[c[0] for c in COMPRESSIONS])
@pytest.mark.parametrize("bom", [False, True], ids=["plain", "bom"])
def test_compressed_inputs_give_outputs_compressed_alike(
    quarantined: Callable[..., Quarantined],
    suffix: str,
    compress: Callable[[bytes], bytes],
    decompress: Callable[[bytes], bytes],
    bom: bool,
) -> None:
    head = b"\xef\xbb\xbf" if bom else b""
    data = head + 'a,b\né,1\nü,2\n"x y",3'.encode()
    run = quarantined(contract(), compress(data), name=f"in.csv{suffix}")
    assert set(run.outputs) == {f"in.valid.csv{suffix}", f"in.invalid.csv{suffix}"}
    assert decompress(run.outputs[f"in.valid.csv{suffix}"]) == head + 'a,b\né,1\n"x y",3\n'.encode()
    assert decompress(run.outputs[f"in.invalid.csv{suffix}"]) == head + (PREFIX + "a,b\n2,3,a:allowed,ü,2\n").encode()


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_other_delimiters_quote_the_prefix_where_needed(
    quarantined: Callable[..., Quarantined], delimiter: str
) -> None:
    d = delimiter
    data = f'a{d}b\né{d}1\nü{d}"2{d}x"\n"x y"{d}3\n'.encode()
    run = quarantined(contract(delimiter=d.replace("\t", "\\t")), data)
    assert run.outputs["in.valid.csv"] == f'a{d}b\né{d}1\n"x y"{d}3\n'.encode()
    labels = '"a:allowed;b:type"' if d == ";" else "a:allowed;b:type"
    prefix = PREFIX.replace(",", d)
    assert run.outputs["in.invalid.csv"] == f'{prefix}a{d}b\n2{d}3{d}{labels}{d}ü{d}"2{d}x"\n'.encode()


def test_without_a_header_the_outputs_have_none(quarantined: Callable[..., Quarantined]) -> None:
    run = quarantined(contract(header="false"), "é,1\nü,2\nx,3".encode())
    assert run.outputs["in.valid.csv"] == "é,1\nx,3\n".encode()
    assert run.outputs["in.invalid.csv"] == "2,2,a:allowed,ü,2\n".encode()


def test_comment_lines_are_no_records_and_lines_stay_true(quarantined: Callable[..., Quarantined]) -> None:
    data = "# exported\na,b\r\n# a note\r\né,1\r\n#\r\nü,2\r\nx,3\r\n".encode()
    run = quarantined(contract(extra=', comment: "#"'), data)
    assert run.outputs["in.valid.csv"] == "a,b\r\né,1\r\nx,3\r\n".encode()
    assert run.outputs["in.invalid.csv"] == (PREFIX + "a,b\r\n2,6,a:allowed,ü,2\r\n").encode()


def test_a_record_with_undecodable_bytes_goes_invalid_as_an_encoding_failure(
    quarantined: Callable[..., Quarantined],
) -> None:
    data = b"a,b\n\xc3\xa9,1\nx\xff,2\nx,3\n"
    run = quarantined(contract(), data)
    assert run.outputs["in.valid.csv"] == "a,b\né,1\nx,3\n".encode()
    invalid = run.outputs["in.invalid.csv"].decode("utf-8", "surrogateescape").splitlines()
    assert invalid[1].startswith("2,3,")
    assert invalid[1].endswith(",x\udcff,2"), "the record as the file has it, its undecodable byte too"
    assert set(invalid[1].split(",")[2].split(";")) == {"a:allowed", "_record:encoding"}
    assert run.quarantine["reasons"]["_record:encoding"] == 1
    assert run.quarantine["invalid"] == 1


def test_malformed_records_keep_their_raw_text(quarantined: Callable[..., Quarantined]) -> None:
    data = 'a,b\né,1\n"x y",3,extra\nx\nx,4'.encode()
    run = quarantined(contract(), data)
    assert run.outputs["in.valid.csv"] == "a,b\né,1\nx,4\n".encode()
    assert (
        run.outputs["in.invalid.csv"]
        == (PREFIX + 'a,b\n2,3,_record:malformed,"x y",3,extra\n3,4,_record:malformed,x\n').encode()
    )
    assert run.quarantine["reasons"] == {"_record:malformed": 2}


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_a_repaired_invalid_file_quarantines_again_without_a_second_prefix(
    quarantined: Callable[..., Quarantined], delimiter: str
) -> None:
    d = delimiter
    first = quarantined(contract(delimiter=d), f"a{d}b\né{d}1\nü{d}2\nx{d}q\n".encode())
    repaired = first.outputs["in.invalid.csv"].replace("ü".encode(), b"x")
    again = quarantined(contract(delimiter=d), repaired, name="in.invalid.csv")
    assert again.outputs["in.invalid.valid.csv"] == f"a{d}b\nx{d}2\n".encode()
    prefix = PREFIX.replace(",", d)
    assert again.outputs["in.invalid.invalid.csv"] == f"{prefix}a{d}b\n2{d}3{d}b:type{d}x{d}q\n".encode()


def test_an_undefined_cp1252_byte_is_written_as_a_question_mark(quarantined: Callable[..., Quarantined]) -> None:
    """cp1252 leaves 0x81 undefined: read as U+FFFD, which cp1252 cannot write (it was an internal error)."""
    run = quarantined(contract("cp1252"), b"a,b\r\nx,1\r\ncaf\x81,2\r\n\x80,3\r\n")
    assert run.exit_code == 1
    assert run.outputs["in.valid.csv"] == b"a,b\r\nx,1\r\n"
    assert run.outputs["in.invalid.csv"].endswith(b"caf?,2\r\n3,4,a:allowed,\x80,3\r\n")
