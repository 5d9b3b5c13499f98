"""Output files that appear whole or not at all: written as hidden temp files beside their final
name, renamed when the file is done, removed on every other exit (Ctrl-C, SIGTERM, a full disk)."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, cast


def umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


class PendingFile:
    """A temp file in the final file's directory, with the mode a plain `open` would give it."""

    def __init__(self, final: Path) -> None:
        self.final = final
        fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".pipecheck-tmp", dir=final.parent)
        os.fchmod(fd, 0o666 & ~umask())
        self.temp = Path(name)
        self.handle: IO[bytes] = os.fdopen(fd, "wb", buffering=1 << 20)

    def commit(self) -> None:
        """The file under its final name (replacing an older one in one step)."""
        if not self.handle.closed:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
        else:  # written by another handle (pyarrow's, a zstd stream that closed this one)
            with self.temp.open("rb") as written:
                os.fsync(written.fileno())
        os.replace(self.temp, self.final)

    def discard(self) -> None:
        if not self.handle.closed:
            self.handle.close()
        self.temp.unlink(missing_ok=True)


def compressed_writer(raw: IO[bytes], compression: str | None) -> IO[bytes]:
    """A stream compressing into `raw` as the input was compressed (its outputs keep its format)."""
    if compression is None:
        return raw
    if compression == "gzip":
        return cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="wb", mtime=0))
    if compression == "bz2":
        return bz2.BZ2File(raw, mode="wb")
    if compression == "xz":
        return lzma.LZMAFile(raw, mode="wb")
    import pyarrow as pa

    return cast(IO[bytes], pa.CompressedOutputStream(pa.PythonFile(raw, mode="w"), "zstd"))


def copy_whole(source: Path, final: Path) -> None:
    """The input byte for byte under a new name (a rejected file), atomically."""
    pending = PendingFile(final)
    try:
        with source.open("rb") as handle:
            shutil.copyfileobj(handle, pending.handle, 1 << 20)
        pending.commit()
    except BaseException:
        pending.discard()
        raise


def write_whole(final: Path, data: bytes) -> None:
    pending = PendingFile(final)
    try:
        pending.handle.write(data)
        pending.commit()
    except BaseException:
        pending.discard()
        raise
