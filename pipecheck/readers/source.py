"""Opening input files read-only: format sniffing by magic bytes, streamed decompression, decoding."""

from __future__ import annotations

import array
import bisect
import bz2
import codecs
import gzip
import io
import lzma
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from pipecheck.findings import Example, Finding
from pipecheck.readers import LimitExceeded, UnreadableFile
from pipecheck.readers.base import REPLACEMENT, Replaced

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

COMPRESSIONS = {"gzip", "bz2", "xz", "zstd"}
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"PAR1", "parquet"),
    (b"PK\x03\x04", "zip archive"),
    (b"PK\x05\x06", "zip archive"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"%PDF", "PDF document"),
    (b"\x7fELF", "executable"),
    (b"SQLite format 3\x00", "SQLite database"),
)
# A compressed file may expand this much before pipecheck calls it a decompression bomb.
MAX_EXPANSION_RATIO = 250
MIN_EXPANSION_ALLOWANCE = 1 << 30
READ_CHUNK = 1 << 20
SCAN_SLICE = 1 << 22  # bytes compared at a time by the byte scans: few numpy calls (each drops and retakes the GIL)
_scan_buffers = threading.local()  # each thread's reused mask for the byte scans
DECODE_ERRORS = "pipecheck-decode"
_decoding = threading.local()  # the DecodedStream whose decoder is running on this thread


def _on_decode_error(exc: UnicodeError) -> tuple[str, int]:
    stream: DecodedStream = _decoding.stream
    return stream.on_error(exc)


# One handler for the process (codecs cannot unregister one); it reports to the stream decoding.
codecs.register_error(DECODE_ERRORS, _on_decode_error)


def sniff(path: Path) -> str:
    """'csv', 'parquet', a compression name, or a description of a non-tabular binary file."""
    with path.open("rb") as handle:
        head = handle.read(16)
    if not head:
        raise UnreadableFile("file is empty (0 bytes)")
    return magic_kind(head) or "csv"


class _ExpansionGuard(io.RawIOBase):
    """Counts decompressed bytes and stops a decompression bomb at a documented ratio."""

    def __init__(self, inner: IO[bytes], compressed_size: int | None, raw: IO[bytes]) -> None:
        self.inner = inner
        self.raw = raw
        expansion = MAX_EXPANSION_RATIO * compressed_size if compressed_size is not None else float("inf")
        self.limit = max(MIN_EXPANSION_ALLOWANCE, expansion)
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        self.total += len(data)
        if self.total > self.limit:
            raise LimitExceeded(
                f"decompressed data exceeds {int(self.limit) >> 20} MB "
                f"({MAX_EXPANSION_RATIO}x the compressed size): refusing a possible decompression bomb"
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        # GzipFile, BZ2File and LZMAFile leave a file object they were given open: close it here.
        try:
            self.inner.close()
        finally:
            self.raw.close()
            super().close()


def open_stream(path: Path) -> tuple[io.BufferedReader[io.RawIOBase], bytes]:
    """A pipe, FIFO or device, opened once (it can be read only once), and its first bytes, peeked."""
    raw = io.BufferedReader(cast(io.RawIOBase, path.open("rb", buffering=0)), READ_CHUNK)
    return raw, raw.peek(4096)[:4096]


def magic_kind(head: bytes) -> str | None:
    """What the first bytes say the data is (a compression, parquet, an image...), if anything."""
    return next((kind for magic, kind in MAGIC if head.startswith(magic)), None)


def open_binary(path: Path, compression: str | None, opened: IO[bytes] | None = None) -> IO[bytes]:
    """The file's (decompressed) bytes as a stream; the file itself is opened read-only.

    `opened`: a stream already open for it (a pipe, read once: see open_stream).
    """
    raw: IO[bytes] = opened if opened is not None else path.open("rb")
    if compression is None:
        return raw
    inner: IO[bytes]
    if compression == "gzip":
        inner = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))
    elif compression == "bz2":
        inner = bz2.BZ2File(raw, mode="rb")  # BZ2File and LZMAFile take the file object positionally
    elif compression == "xz":
        inner = lzma.LZMAFile(raw, mode="rb")  # noqa: SIM115 (returned, closed by the caller)
    else:
        import pyarrow as pa

        inner = pa.CompressedInputStream(pa.PythonFile(raw, mode="r"), "zstd")
    # A stream's compressed size is unknown: its expansion is not bounded (the user chose to pipe it).
    size = path.stat().st_size if raw.seekable() else None
    return io.BufferedReader(_ExpansionGuard(inner, size, raw), buffer_size=READ_CHUNK)


@dataclass
class DecodeProblem:
    line: int
    byte_offset: int
    preview: str


@dataclass
class DecodeLog:
    """Bytes that did not decode in the declared encoding (shared by the streams of one file)."""

    count: int = 0
    examples: list[DecodeProblem] = field(default_factory=list)
    keep: int = 5
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, problem: DecodeProblem) -> None:
        with self.lock:
            self.count += 1
            if len(self.examples) < self.keep:
                self.examples.append(problem)

    def finding(self, encoding: str) -> Finding:
        """The file's `encoding` finding (call when count > 0)."""
        return Finding(
            "encoding",
            f"{self.count} byte sequence(s) are not valid {encoding}; "
            "shown as U+FFFD, the rest of the file was checked",
            count=self.count,
            examples=[Example(line=p.line, value=p.preview, byte_offset=p.byte_offset) for p in self.examples],
            hint="declare the file's encoding in the contract (csv.encoding: latin-1, cp1252, utf-16, ...)",
        )


class DecodedStream(io.RawIOBase):
    """UTF-8 bytes of a stream in any declared encoding; undecodable bytes become U+FFFD and are logged.

    Optional: physical lines starting with `comment` are emptied (kept as blank lines, so line
    numbers stay true), since pyarrow's CSV parser has no comment option. A line inside a quoted
    field is a value's continuation, never a comment (`quoting` gives the dialect's quote rules).
    """

    def __init__(
        self,
        raw: IO[bytes],
        encoding: str,
        log: DecodeLog | None,
        comment: str | None = None,
        quoting: Quoting | None = None,
    ) -> None:
        self.raw = raw
        name = codecs.lookup(encoding).name
        if name == "utf-8":
            name = "utf-8-sig"  # a BOM in a file declared utf-8 is accepted, never part of a header
        self.decoder = codecs.getincrementaldecoder(name)(errors=DECODE_ERRORS)
        # After ASCII passed through, a BOM is no longer at the start: plain UTF-8 from then on.
        self.plain_decoder = codecs.getincrementaldecoder("utf-8")(errors=DECODE_ERRORS)
        self.passthrough = name == "utf-8-sig" and comment is None
        self.log = log
        self.comment = comment
        self.quoting = quoting or Quoting()
        self.in_quote = False
        self.continued = False  # the last line's break was escaped: the next line continues a field
        self.pending = bytearray()  # appended at the end, consumed from the front: both amortised O(1)
        self.raw_offset = 0
        self.raw_newlines = 0
        self.ends_in_cr = False
        self.text_breaks = 0  # line breaks in the text decoded so far (right for any encoding, utf-16 too)
        self.text_ends_in_cr = False
        # CRs without an LF after them in the text handed out so far (one at its very end counts
        # until the next piece shows an LF); not kept where comment lines are rewritten
        self.lone_crs_out = 0
        self._input_len = 0
        self.partial_line = ""
        self.eof = False
        self._object_base = 0
        # the undecodable bytes each U+FFFD stands for, by its offset in the output (`keep_originals`)
        self.keep_originals = False
        self.keep_lone_crs = False  # and the lone CRs that blanking comment lines writes as LF
        self.out_offset = 0  # output bytes handed out so far
        self._out_shift = 0  # in the piece being decoded: output bytes less input bytes so far
        self._originals_at: array.array[int] = array.array("q")
        self._original_sizes: array.array[int] = array.array("B")  # an undecodable sequence: 1-4 bytes
        self._originals = bytearray()  # the sequences, back to back
        # the LFs that stand for a record's lone CR (`_blank_comments`), by output offset
        self._lone_crs_at: array.array[int] = array.array("q")
        self._lone_cr_lfs: list[int] = []  # in the piece being decoded: which of its LFs they are
        self._originals_lock = threading.Lock()

    def on_error(self, exc: UnicodeError) -> tuple[str, int]:
        assert isinstance(exc, UnicodeDecodeError)
        if self.log is not None:
            bad = exc.object[exc.start : exc.end]
            skipped = self._input_len - len(exc.object)  # a decoder may drop a prefix: utf-8-sig drops the BOM
            line = self._line_of(exc) if len(self.log.examples) < self.log.keep else 0
            preview = "".join(f"\\x{b:02x}" for b in bad[:8])
            self.log.add(DecodeProblem(line, self._object_base + skipped + exc.start, preview))
        if self.keep_originals:
            bad = exc.object[exc.start : exc.end]
            with self._originals_lock:
                self._originals_at.append(self.out_offset + exc.start + self._out_shift)
                self._original_sizes.append(len(bad))
                self._originals += bad
            self._out_shift += len(REPLACEMENT) - len(bad)
        return "\ufffd", exc.end

    def originals(self, start: int, end: int) -> Replaced:
        """The U+FFFDs standing for undecodable bytes in output bytes [start, end) (their offsets
        from `start`), and the bytes each replaced."""
        import numpy as np

        with self._originals_lock:  # slices are copies: the arrays may grow once it is released
            at = self._originals_at
            first = bisect.bisect_left(at, start)
            last = bisect.bisect_left(at, end, first)
            offset = int(np.frombuffer(self._original_sizes[:first], dtype=np.uint8).sum(dtype=np.int64))
            sizes = np.frombuffer(self._original_sizes[first:last], dtype=np.uint8)
            positions = (np.frombuffer(at[first:last], dtype=np.int64) - start).astype(np.int32)
            bounds = np.concatenate(([0], np.cumsum(sizes, dtype=np.int32)), dtype=np.int32)
            data = bytes(self._originals[offset : offset + int(bounds[-1])])
        return Replaced(positions, bounds, data)

    def lone_crs_as_lf(self, start: int, end: int) -> list[int]:
        """The LFs in output bytes [start, end) that stand for a record's lone CR (offsets from
        `start`; `keep_lone_crs`)."""
        with self._originals_lock:
            at = self._lone_crs_at
            first = bisect.bisect_left(at, start)
            return [offset - start for offset in at[first : bisect.bisect_left(at, end, first)]]

    def forget_originals(self, before: int) -> None:
        """Those before output offset `before`: their blocks are done with."""
        import numpy as np

        with self._originals_lock:
            first = bisect.bisect_left(self._originals_at, before)
            size = int(np.frombuffer(self._original_sizes[:first], dtype=np.uint8).sum(dtype=np.int64))
            del self._originals_at[:first], self._original_sizes[:first], self._originals[:size]
            del self._lone_crs_at[: bisect.bisect_left(self._lone_crs_at, before)]

    def _line_of(self, exc: UnicodeDecodeError) -> int:
        """The physical line of an undecodable byte: breaks decoded before this chunk, then in it up to the byte."""
        try:
            before = exc.object[: exc.start].decode(exc.encoding, errors="replace")
        except (LookupError, UnicodeError):
            return self.raw_newlines + _line_breaks(exc.object[: exc.start], self.ends_in_cr) + 1
        return self.text_breaks + _text_breaks(before, self.text_ends_in_cr) + 1

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while len(self.pending) < len(buffer) and not self.eof:
            self.pending += self._next_piece()
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        del self.pending[:size]
        return size

    def read_piece(self, size: int = READ_CHUNK) -> bytes:
        """The next piece of output (from up to `size` raw bytes; b"" at the end): ASCII passes uncopied.

        Shares the position with `readinto`: what one returned the other will not.
        """
        if self.pending:
            piece = bytes(self.pending)
            self.pending.clear()
            return piece
        while not self.eof:
            piece = self._next_piece(min(size, READ_CHUNK))
            if piece:
                return piece
        return b""

    def _next_piece(self, size: int = READ_CHUNK) -> bytes:
        chunk = self.raw.read(size)
        final = not chunk
        self.eof = final
        lone = lone_crs(chunk) if b"\r" in chunk else 0
        breaks = _line_breaks(chunk, self.ends_in_cr, lone)
        if self.passthrough and chunk.isascii() and not self.decoder.getstate()[0]:
            # ASCII is valid UTF-8 as it is: no decode/encode round trip (most of a typical file).
            self.decoder = self.plain_decoder
            self.lone_crs_out += lone - (1 if self.text_ends_in_cr and chunk.startswith(b"\n") else 0)
            self.text_breaks += breaks
            self.text_ends_in_cr = chunk.endswith(b"\r")
            self._advance(chunk, breaks)
            self.out_offset += len(chunk)
            return chunk
        buffered = self.decoder.getstate()[0]
        self._object_base = self.raw_offset - len(buffered)
        self._input_len = len(buffered) + len(chunk)
        _decoding.stream = self
        self._out_shift = 0
        try:
            text = self.decoder.decode(chunk, final=final)
        finally:
            _decoding.stream = None
        self.text_breaks += _text_breaks(text, self.text_ends_in_cr)
        if "\r" in text:
            self.lone_crs_out += text.count("\r") - text.count("\r\n")
        if self.text_ends_in_cr and text.startswith("\n"):
            self.lone_crs_out -= 1
        self.text_ends_in_cr = text.endswith("\r") if text else self.text_ends_in_cr
        self._advance(chunk, breaks)
        if self.comment is not None:
            text = self._blank_comments(text, final)
        piece = text.encode("utf-8", errors="surrogatepass")
        if self._lone_cr_lfs:
            import numpy as np

            feeds = byte_positions(np.frombuffer(piece, dtype=np.uint8), ord("\n"))
            with self._originals_lock:
                self._lone_crs_at.extend((feeds[self._lone_cr_lfs] + self.out_offset).tolist())
            self._lone_cr_lfs = []
        self.out_offset += len(piece)
        return piece

    def lone_cr_seen(self) -> bool:
        """Whether the text handed out so far may hold a CR without an LF after it (a line end
        to pyarrow and the csv module, not to polars); False is exact."""
        return self.comment is not None or self.lone_crs_out > 0

    def _advance(self, chunk: bytes, breaks: int) -> None:
        self.raw_offset += len(chunk)
        self.raw_newlines += breaks
        self.ends_in_cr = chunk.endswith(b"\r") if chunk else self.ends_in_cr

    def _blank_comments(self, text: str, final: bool) -> str:
        text = self.partial_line + text
        if final:
            complete, self.partial_line = text, ""
        else:
            # a CR at the very end may be the first half of a CRLF: keep it for the next chunk
            cut = max(text.rfind("\n"), text.rfind("\r", 0, len(text) - 1)) + 1
            complete, self.partial_line = text[:cut], text[cut:]
        assert self.comment is not None
        out = []
        feeds = 0  # LFs in `out`
        for read in _LINES.findall(complete):  # CSV line breaks only (str.splitlines also splits at \f, \u2028, ...)
            line = read
            if not self.in_quote and not self.continued and line.startswith(self.comment):
                line = _strip_content(line)
            else:
                self.in_quote = self.quoting.ends_in_quote(line, self.in_quote)
                self.continued = not self.in_quote and self.quoting.escapes_break(line)
            if not self.in_quote and not self.continued and line.endswith("\r"):
                # a record's lone CR as LF: an emptied comment line after it must not make them one
                # CRLF (quarantine writes the CR again)
                line = line[:-1] + "\n"
                if self.keep_lone_crs:
                    self._lone_cr_lfs.append(feeds)
            feeds += line.endswith("\n")
            out.append(line)
        return "".join(out)

    def disk_position(self) -> int:
        """Bytes of the file on disk consumed so far (compressed bytes for a compressed file)."""
        if self.closed:
            return int(getattr(self, "_final_position", 0))
        source: Any = self.raw
        guard = getattr(source, "raw", None)
        disk = guard.raw if isinstance(guard, _ExpansionGuard) else source
        try:
            return int(disk.tell())
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        self._final_position = self.disk_position()
        try:
            self.raw.close()
        finally:
            super().close()


@dataclass(frozen=True)
class Quoting:
    """A CSV dialect's quoting rules, as pyarrow's parser applies them."""

    quote: str = '"'
    delimiter: str = ","
    escape: str | None = None
    doublequote: bool = True

    def escapes_break(self, line: str) -> bool:
        """Whether a line (outside quotes at its end) ends in an escaped line break: the record goes on."""
        if self.escape is None:
            return False
        body = line.rstrip("\r\n")
        if len(body) == len(line):
            return False
        return (len(body) - len(body.rstrip(self.escape))) % 2 == 1

    def ends_in_quote(self, text: str, in_quote: bool = False) -> bool:
        """Whether `text` (starting at a field start, inside a quoted field if `in_quote`) ends inside quotes.

        A quote opens a field only as its first character (text start, or after a delimiter or line
        break); elsewhere it is literal. Inside quotes, a doubled quote (doublequote) or an escaped
        character does not close the field. Cost grows with the quote characters, not the text.
        """
        quote, escape = self.quote, self.escape
        starts = (self.delimiter, "\n", "\r")
        escaped = -1
        i = 0
        while True:
            found = text.find(quote, i)
            if not in_quote:
                if found < 0:
                    return False
                in_quote = found == 0 or text[found - 1] in starts
                i = found + 1
                continue
            if escape is not None and escaped < i:
                escaped = text.find(escape, i)
                if escaped < 0:
                    escape = None  # none left in the text
            if escape is not None and (found < 0 or escaped < found):
                i = escaped + 2
                continue
            if found < 0:
                return True
            if self.doublequote and text.startswith(quote, found + 1):
                i = found + 2
                continue
            in_quote = False
            i = found + 1


_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _text_breaks(text: str, after_cr: bool) -> int:
    """Physical line breaks (LF, CRLF or a lone CR) in decoded text."""
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    return breaks - 1 if after_cr and text.startswith("\n") else breaks


def _line_breaks(data: bytes, after_cr: bool, lone: int | None = None) -> int:
    """Physical line breaks (LF, CRLF or a lone CR, as the csv module counts lines) in raw bytes
    (`lone`: its lone CRs, if counted already)."""
    breaks = line_breaks(data) if lone is None else count_byte(data, ord("\n")) + lone
    return breaks - 1 if after_cr and data.startswith(b"\n") else breaks


def line_breaks(data: bytes) -> int:
    """LFs, plus CRs not followed by an LF (in `data`: a CR at its end counts)."""
    breaks = count_byte(data, ord("\n"))
    return breaks + lone_crs(data) if b"\r" in data else breaks  # `in` is a fast scan


def lone_crs(data: bytes) -> int:
    """CRs not followed by an LF in `data` (one at its very end counts); numpy's compares are
    several times faster than bytes.count."""
    import numpy as np

    codes = np.frombuffer(data, dtype=np.uint8)
    crs = int(np.count_nonzero(codes == 13))
    return crs - int(np.count_nonzero((codes[:-1] == 13) & (codes[1:] == 10))) if crs else 0


def count_byte(data: bytes, byte: int) -> int:
    """How often `byte` occurs in `data`: numpy's vectorised compare is ~5x faster than bytes.count."""
    import numpy as np

    return sum(int(np.count_nonzero(mask)) for _, mask in _byte_masks(np.frombuffer(data, dtype=np.uint8), byte))


def byte_positions(codes: Any, byte: int) -> npt.NDArray[np.int64]:
    """The offsets (int64) where `byte` occurs in an array of byte codes."""
    import numpy as np

    found = [np.flatnonzero(mask).astype(np.int64, copy=False) + at for at, mask in _byte_masks(codes, byte)]
    return np.concatenate(found) if len(found) > 1 else found[0]


def _byte_masks(codes: Any, byte: int) -> Iterator[tuple[int, Any]]:
    """`codes == byte` a slice at a time, in one reused buffer: a whole block's mask would be a
    fresh allocation, its pages zeroed by the kernel, for every scan (bench/README.md)."""
    import numpy as np

    if codes.size <= SCAN_SLICE:
        yield 0, codes == byte
        return
    buffer = getattr(_scan_buffers, "mask", None)
    if buffer is None:
        buffer = _scan_buffers.mask = np.empty(SCAN_SLICE, dtype=bool)
    for at in range(0, codes.size, SCAN_SLICE):
        part = codes[at : at + SCAN_SLICE]
        mask = buffer[: part.size]
        np.equal(part, byte, out=mask)
        yield at, mask


def _strip_content(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :]


def open_text_bytes(
    path: Path,
    compression: str | None,
    encoding: str,
    log: DecodeLog | None,
    comment: str | None,
    quoting: Quoting | None = None,
    opened: IO[bytes] | None = None,
) -> DecodedStream:
    return DecodedStream(open_binary(path, compression, opened), encoding, log, comment, quoting)
