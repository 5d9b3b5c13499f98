"""Output files that appear whole or not at all: written as hidden temp files beside their final
name, renamed when the file is done, removed on every other exit (Ctrl-C, SIGTERM, a full disk)."""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

from pipecheck.errors import UsageError


class PendingFile:
    """A temp file in the final file's directory, with the mode a plain `open` would give it.

    `live`: the owner's list of its temp files, which the file joins before it exists, so that an
    interrupt arriving while it is created still leaves the owner able to remove it.
    """

    def __init__(self, final: Path, live: list[PendingFile] | None = None) -> None:
        self.final = final
        self.temp = final.parent / f".{final.name}.{secrets.token_hex(6)}.pipecheck-tmp"
        if live is not None:
            live.append(self)
        # O_EXCL: a fresh file; mode 0o666 less the umask, as a plain `open` gives (no umask race)
        fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        self.handle: IO[bytes] = os.fdopen(fd, "wb", buffering=1 << 20)

    def ready(self) -> None:
        """Everything written on disk (where a full disk shows), not yet under its final name."""
        if not self.handle.closed:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
        else:  # written by another handle (a zstd stream closes the file it wrote into)
            with self.temp.open("rb") as written:
                os.fsync(written.fileno())

    def commit(self) -> None:
        """The file under its final name (replacing an older one in one step)."""
        self.ready()
        os.replace(self.temp, self.final)

    def discard(self) -> None:
        try:
            handle = getattr(self, "handle", None)  # None: interrupted while being created
            if handle is not None and not handle.closed:
                with contextlib.suppress(OSError):  # closing flushes: a full disk fails again, and again
                    handle.close()
        finally:
            self.temp.unlink(missing_ok=True)


def commit_together(*files: PendingFile) -> None:
    """Both outputs of a file renamed only once each is whole on disk: never a valid one alone."""
    for pending in files:
        pending.ready()
    for pending in files:
        os.replace(pending.temp, pending.final)


@contextlib.contextmanager
def writing(directory: Path | None) -> Iterator[None]:
    """A failure to write quarantine files (a full disk, a directory made read-only) as one line."""
    try:
        yield
    except OSError as exc:
        where = exc.filename or directory or "quarantine"
        raise UsageError(
            f"{where}: cannot write quarantine files: {exc.strerror or exc}",
            hint="free some space, or give --quarantine a directory on another disk",
        ) from None


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


class OrderedWrites:
    """A sink's writes on one thread of their own, in the order given: the thread settling blocks
    goes on meanwhile (a write waits only for the one before it, so at most two are held)."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._last: Future[None] | None = None

    def submit(self, write: Callable[[], None]) -> None:
        from concurrent.futures import ThreadPoolExecutor

        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pipecheck-quarantine")
        if self._last is not None:
            self._last.result()  # a failed write (a full disk) surfaces here
        self._last = self._pool.submit(write)

    def drain(self) -> None:
        """Every write done (its failure raised); the thread stopped."""
        last, self._last = self._last, None
        try:
            if last is not None:
                last.result()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
