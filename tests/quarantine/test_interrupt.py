"""An interrupted or failing run leaves no quarantine file half-written, no temp file, and says so
in one line: a real `python -m pipecheck` process, signalled mid-file or out of disk space."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CONTRACT = """
contract: big
columns:
  id: {type: integer}
  s: {type: string, allowed: [x]}
  n: {type: float, min: 0}
"""


def _big_csv(path: Path, copies: int) -> None:
    chunk = "".join(f"{i},{'x' if i % 97 else 'z'},{i / 7:.6f}\n" for i in range(100_000)).encode()
    with path.open("wb") as handle:
        handle.write(b"id,s,n\n")
        for _ in range(copies):
            handle.write(chunk)


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_leaves_no_quarantine_files(tmp_path: Path, sent: signal.Signals) -> None:
    data, contract, q = tmp_path / "big.csv", tmp_path / "c.yaml", tmp_path / "q"
    _big_csv(data, 40)  # ~70 MB: seconds of work, so the signal comes mid-file
    contract.write_text(CONTRACT, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "pipecheck", "validate", data, "-c", contract, "--quarantine", q, "-f", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not any(name.endswith(".pipecheck-tmp") for name in _leftovers(q)):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no temp file appeared"
        time.sleep(0.01)
    process.send_signal(sent)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, (out, err)
    assert err == (
        "pipecheck: error: interrupted; no report was written, nor quarantine files for the files not finished\n"
    )
    assert out == ""
    assert _leftovers(q) == []


def _file_size_limit(limit: int) -> None:
    """In the child: files may grow to `limit` bytes, then a write fails (EFBIG) as on a full disk."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"], ids=["while streaming", "while rewriting at the end"])
def test_a_full_disk_is_one_line_exit_2_and_no_partial_files(tmp_path: Path, encoding: str) -> None:
    data, contract, q = tmp_path / "big.csv", tmp_path / "c.yaml", tmp_path / "q"
    if encoding == "utf-8":
        _big_csv(data, 3)
    else:  # the UTF-8 first pass fits in the limit, its rewrite in UTF-16 (twice the bytes) does not
        rows = "".join(f"{i},{'x' if i % 97 else 'z'},{i / 7:.2f}\n" for i in range(40_000))
        data.write_bytes(("id,s,n\n" + rows).encode("utf-16"))
    contract.write_text(CONTRACT + f"csv: {{encoding: {encoding}}}\n", encoding="utf-8")
    q.mkdir()
    before = data.stat().st_mtime_ns
    process = subprocess.run(
        [sys.executable, "-m", "pipecheck", "validate", data, "-c", contract, "--quarantine", q, "-f", "json"],
        capture_output=True,
        text=True,
        preexec_fn=lambda: _file_size_limit(1 << 20),  # no threads in this test process
        timeout=300,
        check=False,
    )
    assert process.returncode == 2, process.stderr
    lines = process.stderr.splitlines()
    assert lines[0] == f"pipecheck: error: {q}: cannot write quarantine files: File too large", lines
    assert len(lines) == 2 and lines[1].startswith("  hint: ")
    assert _leftovers(q) == []
    assert data.stat().st_mtime_ns == before
