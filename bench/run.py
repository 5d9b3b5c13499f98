"""pipecheck against the I/O floor and its peers: `make bench` or `python bench/run.py`.

    python bench/run.py [--sizes 100k,1m,5m] [--formats csv,parquet,quoted,quoted-crlf] [--runs 3]
                        [--tools floor,pipecheck,pandera,gx,frictionless,soda]

Each measurement is its own process tree, run under bench/measure.py (wall time, CPU
time, peak RSS). Tools take turns within each repetition, so load from elsewhere on the
machine falls on all of them alike. Results: a table on stdout and bench/results.json.
Only the standard library here: the data generator and the readers run in pipecheck's
venv (.venv), the peers in their own (bench/.peers, created on first use).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
OUT = DATA / "out"
CONTRACT = BENCH / "orders.yaml"
NOTES_CONTRACT = DATA / "orders_notes.yaml"  # orders.yaml plus the free-text note (bench/gen.py)
FORMATS = ("csv", "parquet", "quoted", "quoted-crlf")
QUOTED = ("quoted", "quoted-crlf")
# The quoted export shapes are measured against the pyarrow floor and Soda Core (issue #14's
# yardsticks); the other peers read them as they read the plain CSV.
QUOTED_PEERS = ("soda",)
RESULTS = BENCH / "results.json"
PEERS_VENV = BENCH / ".peers"
PEER_PACKAGES = [
    "pandera[pandas]",
    "great-expectations",
    "frictionless",
    "soda-core",
    "soda-duckdb",
    "duckdb",
    "polars",
    "pyarrow",
    "pandas",
]
PEER_DISTS = ["pandera", "great-expectations", "frictionless", "soda-core", "soda-duckdb", "duckdb", "pandas"]
SIZES = ("100k", "1m", "5m")
ROWS = {"100k": 100_000, "1m": 1_000_000, "5m": 5_000_000}
CSV_READERS = ("pyarrow.csv", "polars.read_csv", "pandas.read_csv")
QUOTED_READERS = ("pyarrow.csv+note", "polars.read_csv+note")
PARQUET_READERS = ("pyarrow.parquet", "polars.read_parquet")
ALL_TOOLS = ("floor", "pipecheck", "pandera", "gx", "frictionless", "soda")
PEERS = ("pandera", "gx", "frictionless", "soda")
# Peers that take minutes at 5M rows: measured once there (the output says so).
SLOW_PEERS = ("gx", "frictionless")
TIMEOUT_S = 1800.0
# frictionless reads Parquet row by row through pandas: 70-170 s for 100k rows on this machine
# (CSV: 10-18 s), and it turns nulls into NaN (so it flags every null discount). Larger Parquet
# files are skipped for it.
FRICTIONLESS_PARQUET_MAX_ROWS = 100_000
PEER_ENV = {
    "SODA_CORE_TELEMETRY_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "NO_COLOR": "1",
    "TQDM_DISABLE": "1",
}


def main_python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def pipecheck_bin() -> str:
    venv = ROOT / ".venv" / "bin" / "pipecheck"
    return str(venv) if venv.exists() else (shutil.which("pipecheck") or "pipecheck")


def peers_python() -> Path:
    return PEERS_VENV / "bin" / "python"


# ---------------------------------------------------------------------------------------
# Setup


def generate(sizes: list[str], quoted: bool) -> dict[str, Any]:
    """Write (or reuse) the data files; returns {size: {rows, expected}}."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import gen\n"
        "quoted = sys.argv[2] == 'quoted'\n"
        "out = {}\n"
        "for s in sys.argv[3:]:\n"
        "    gen.ensure(s); gen.write_peer_files()\n"
        "    if quoted: gen.ensure_quoted(s)\n"
        "    n = gen.SIZES[s]\n"
        "    out[s] = {'rows': n, 'expected': gen.expected(n), 'per_kind': gen.per_kind(n)}\n"
        "print(json.dumps(out))\n"
    )
    start = time.perf_counter()
    done = subprocess.run(
        [main_python(), "-c", code, str(BENCH), "quoted" if quoted else "plain", *sizes],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    print(f"data ready in {time.perf_counter() - start:.1f}s ({', '.join(sizes)})", flush=True)
    return dict(json.loads(done.stdout))


def ensure_peers() -> str | None:
    """Create bench/.peers on first use. Returns None when ready, else why not."""
    python = peers_python()
    marker = PEERS_VENV / ".installed"
    if python.exists() and marker.exists():
        return None
    print("creating the peers' venv bench/.peers (first run only) ...", flush=True)
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *PEER_PACKAGES],
            check=True,
            timeout=1800,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        return f"peers venv could not be created: {exc}"
    marker.write_text("\n".join(PEER_PACKAGES) + "\n")
    return None


def peer_status() -> dict[str, str]:
    """tool -> "" when importable here, else "unavailable: <reason>"."""
    probe = {
        "pandera": "import pandera.pandas",
        "gx": "import great_expectations",
        "frictionless": "import frictionless",
        "soda": "import soda_core, soda_duckdb, duckdb",
    }
    status: dict[str, str] = {}
    for tool, statement in probe.items():
        try:
            done = subprocess.run(
                [str(peers_python()), "-c", statement],
                check=False,
                capture_output=True,
                text=True,
                timeout=300,
                env={**os.environ, **PEER_ENV},
            )
        except (subprocess.SubprocessError, OSError) as exc:
            status[tool] = f"unavailable: {exc}"
            continue
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        status[tool] = "" if done.returncode == 0 else f"unavailable: {last}"
    return status


def versions() -> dict[str, str]:
    out: dict[str, str] = {"python": platform.python_version()}
    try:
        # pipecheck as measured: the working tree (other work in progress shows as -dirty)
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=ROOT, check=False, capture_output=True, text=True
        )
        out["pipecheck-tree"] = described.stdout.strip()
    except OSError:
        pass
    code = (
        "import json, sys\nfrom importlib.metadata import version, PackageNotFoundError\nd = {}\n"
        "for n in sys.argv[1:]:\n    try: d[n] = version(n)\n    except PackageNotFoundError: pass\n"
        "print(json.dumps(d))\n"
    )
    for python, names in (
        (main_python(), ["pipecheck", "pandera", "polars", "pyarrow", "pandas", "numpy"]),
        (str(peers_python()), PEER_DISTS),
    ):
        if not Path(python).exists():
            continue
        try:
            done = subprocess.run(
                [python, "-c", code, *names], check=False, capture_output=True, text=True, timeout=120
            )
            found = json.loads(done.stdout)
        except (subprocess.SubprocessError, ValueError, OSError):
            continue
        prefix = "" if python == main_python() else "peers:"
        out.update({prefix + k: v for k, v in found.items()})
    return out


# ---------------------------------------------------------------------------------------
# Output parsers: stdout text -> {column: failing rows}


def parse_pipecheck(text: str) -> dict[str, int]:
    report = json.loads(text)
    value_checks = {"type", "nullable", "unique", "min", "max", "allowed", "pattern", "min_length", "max_length"}
    columns: dict[str, int] = {}
    for file in report["files"]:
        for finding in file["findings"]:
            if finding["check"] in value_checks and finding.get("column"):
                columns[finding["column"]] = columns.get(finding["column"], 0) + int(finding["count"])
            elif finding.get("severity") == "error":
                columns["<other>"] = columns.get("<other>", 0) + int(finding["count"])
    return columns


def parse_peer(text: str) -> dict[str, int]:
    lines = [line for line in text.splitlines() if line.startswith("{")]
    return {str(k): int(v) for k, v in json.loads(lines[-1])["columns"].items()}


def parse_frictionless(text: str) -> dict[str, int]:
    report = json.loads(text)
    columns: dict[str, int] = {}
    for task in report["tasks"]:
        for error in task["errors"]:
            name = error.get("fieldName") or "<other>"
            columns[name] = columns.get(name, 0) + 1
    return columns


def score(found: dict[str, int], expected: dict[str, int]) -> dict[str, Any]:
    """Compare per-column failing rows with the injected ones. A duplicate flagged in both
    of its rows counts as the one injected duplicate."""
    matched = 0
    normalised = 0
    for column, want in expected.items():
        got = found.get(column, 0)
        if column == "order_id" and got == 2 * want:
            got = want
        matched += int(got == want)
        normalised += got
    extra = {k: v for k, v in found.items() if k not in expected}
    normalised += sum(extra.values())
    return {
        "found_rows": normalised,
        "expected_rows": sum(expected.values()),
        "columns_matched": matched,
        "columns": len(expected),
        "per_column": found,
        "ok": matched == len(expected) and not extra,
    }


# ---------------------------------------------------------------------------------------
# Measurements


class Job:
    def __init__(
        self,
        tool: str,
        label: str,
        cmd: list[str],
        parse: Callable[[str], dict[str, int]] | None,
        runs: int,
        env: dict[str, str] | None = None,
        note: str = "",
    ) -> None:
        self.tool, self.label, self.cmd, self.parse, self.runs = tool, label, cmd, parse, runs
        self.env = env or {}
        self.note = note
        self.samples: list[dict[str, Any]] = []
        self.found: dict[str, int] | None = None
        self.error: str | None = None


def measure(job: Job, tag: str) -> dict[str, Any]:
    OUT.mkdir(parents=True, exist_ok=True)
    stdout_file = OUT / (re.sub(r"[^A-Za-z0-9_.-]+", "-", tag) + ".out")
    env = {**os.environ, **PEER_ENV, **job.env}
    done = subprocess.run(
        [sys.executable, str(BENCH / "measure.py"), str(stdout_file), str(TIMEOUT_S), *job.cmd],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    sample: dict[str, Any] = json.loads(done.stdout)
    sample["loadavg_1m"] = os.getloadavg()[0]
    ok_codes = (0, 1) if job.tool in ("pipecheck", "frictionless") else (0,)
    if sample["rc"] not in ok_codes:
        err = Path(str(stdout_file) + ".err").read_text(errors="replace").strip().splitlines()
        job.error = f"exit {sample['rc']}: {err[-1] if err else ''}"[:300]
    elif job.parse is not None and job.found is None:
        try:
            job.found = job.parse(stdout_file.read_text())
        except (ValueError, KeyError, IndexError) as exc:
            job.error = f"output not understood: {exc}"
    return sample


def data_path(size: str, fmt: str) -> Path:
    if fmt in QUOTED:
        return DATA / f"orders_{size}_{fmt.replace('-', '_')}.csv"  # bench/gen.py quoted_paths
    return DATA / f"orders_{size}.{fmt}"


def jobs_for(size: str, fmt: str, path: Path, tools: list[str], runs: int, status: dict[str, str]) -> list[Job]:
    jobs: list[Job] = []
    py = main_python()
    if "floor" in tools:
        readers = {"csv": CSV_READERS, "parquet": PARQUET_READERS}.get(fmt, QUOTED_READERS)
        for reader in readers:
            jobs.append(Job("floor", reader, [py, str(BENCH / "floor.py"), reader, str(path)], None, runs))
    if "pipecheck" in tools:
        contract = NOTES_CONTRACT if fmt in QUOTED else CONTRACT
        cmd = [pipecheck_bin(), "validate", str(path), "--contract", str(contract), "--format", "json"]
        jobs.append(Job("pipecheck", "pipecheck validate", cmd, parse_pipecheck, runs))
        # the same run splitting the rows into valid and invalid files (issue #16: within 1.5x)
        split = OUT / f"quarantine-{size}-{fmt}"
        quarantined = [*cmd, "--quarantine", str(split)]
        jobs.append(Job("pipecheck", "pipecheck --quarantine", quarantined, parse_pipecheck, runs))
    peer_py = str(peers_python())
    for tool in PEERS:
        if tool not in tools or (fmt in QUOTED and tool not in QUOTED_PEERS):
            continue
        slow = (tool in SLOW_PEERS and ROWS[size] >= 5_000_000) or (tool == "frictionless" and fmt == "parquet")
        peer_runs = 1 if slow else runs
        note = "1 run (slow)" if peer_runs < runs else ""
        if tool == "frictionless":
            cmd = [
                str(PEERS_VENV / "bin" / "frictionless"),
                "validate",
                # frictionless refuses absolute paths ("not safe"): relative to the repo root
                str(path.relative_to(ROOT)),
                "--schema",
                str((DATA / "orders.schema.json").relative_to(ROOT)),
                "--limit-errors",
                "1000000000",
                "--json",
            ]
            job = Job(tool, "frictionless validate", cmd, parse_frictionless, peer_runs, note=note)
        else:
            labels = {"pandera": "pandera (pandas)", "gx": "great-expectations", "soda": "soda-core + duckdb"}
            cmd = [peer_py, str(BENCH / "peers.py"), tool, str(path)]
            job = Job(tool, labels[tool], cmd, parse_peer, peer_runs, note=note)
        if status.get(tool):
            job.error = status[tool]
        elif tool == "frictionless" and fmt == "parquet" and ROWS[size] > FRICTIONLESS_PARQUET_MAX_ROWS:
            job.error = "skipped: frictionless takes 70-170 s per 100k Parquet rows here (see README)"
        jobs.append(job)
    return jobs


def summarise(job: Job, size: str, fmt: str, floor_wall: float | None, expected: dict[str, int]) -> dict[str, Any]:
    row: dict[str, Any] = {"tool": job.tool, "label": job.label, "format": fmt, "size": size}
    if job.error and not job.samples:
        row["status"] = job.error
        return row
    walls = [s["wall_s"] for s in job.samples]
    row.update(
        {
            "runs": len(job.samples),
            "wall_s": statistics.median(walls),
            "wall_s_all": [round(w, 3) for w in walls],
            "cpu_s": statistics.median(s["cpu_s"] for s in job.samples),
            "peak_rss_mb": statistics.median(s["peak_rss_mb"] for s in job.samples),
            "loadavg_1m": [round(s["loadavg_1m"], 2) for s in job.samples],
        }
    )
    if floor_wall:
        row["ratio_to_floor"] = row["wall_s"] / floor_wall
    if job.note:
        row["note"] = job.note
    if job.error:
        row["status"] = job.error
    elif job.found is not None:
        row["violations"] = score(job.found, expected)
    return row


def startup(runs: int) -> dict[str, Any]:
    job = Job("pipecheck", "pipecheck --version", [pipecheck_bin(), "--version"], None, runs)
    for i in range(runs):
        job.samples.append(measure(job, f"version_{i}"))
    walls = [s["wall_s"] for s in job.samples]
    return {
        "command": "pipecheck --version",
        "runs": runs,
        "wall_s": statistics.median(walls),
        "wall_s_all": [round(w, 3) for w in walls],
        "peak_rss_mb": statistics.median(s["peak_rss_mb"] for s in job.samples),
        "status": job.error or "ok",
    }


# ---------------------------------------------------------------------------------------
# Output


def row_key(row: dict[str, Any]) -> tuple[str, str, str]:
    """Identity of a result row for --merge (the best floor's label names its reader)."""
    return (row["size"], row["format"], "floor" if row.get("best") else row["label"])


def write_results(payload: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=BENCH, prefix=".results-", suffix=".json")
    with os.fdopen(fd, "w") as handle:
        json.dump(payload, handle, indent=2)
        handle.write("\n")
    os.replace(tmp, RESULTS)


def violations_text(row: dict[str, Any]) -> str:
    v = row.get("violations")
    if not v:
        return "-"
    mark = "" if v["ok"] else " MISMATCH"
    return f"{v['found_rows']}/{v['expected_rows']} ({v['columns_matched']}/{v['columns']} cols){mark}"


def add_cpu_ratios(rows: list[dict[str, Any]]) -> None:
    """cpu x floor: a tool's CPU seconds over those of the best floor reader (same size and
    format). Less sensitive than wall time to other load on the machine."""
    floors = {(r["size"], r["format"]): r["cpu_s"] for r in rows if r.get("best") and "cpu_s" in r}
    for row in rows:
        floor = floors.get((row["size"], row["format"]))
        if floor and "cpu_s" in row:
            row["cpu_ratio_to_floor"] = row["cpu_s"] / floor


HEAD = (
    "tool",
    "format",
    "size",
    "wall s",
    "x floor",
    "cpu s",
    "cpu x floor",
    "peak RSS MB",
    "violations found",
    "note",
)


def table_lines(rows: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    add_cpu_ratios(rows)
    lines: list[tuple[str, ...]] = []
    for row in rows:
        if "wall_s" not in row:
            lines.append((row["label"], row["format"], row["size"], *["-"] * 6, row.get("status", "")))
            continue
        runs = f"{row['runs']} run" + ("s" if row["runs"] != 1 else "")
        note = "; ".join(x for x in (runs, row.get("note", ""), row.get("status", "")) if x)
        ratio = f"{row['ratio_to_floor']:.1f}" if "ratio_to_floor" in row else "-"
        cpu_ratio = f"{row['cpu_ratio_to_floor']:.1f}" if "cpu_ratio_to_floor" in row else "-"
        lines.append(
            (
                row["label"],
                row["format"],
                row["size"],
                f"{row['wall_s']:.2f}",
                ratio,
                f"{row['cpu_s']:.2f}",
                cpu_ratio,
                f"{row['peak_rss_mb']:.0f}",
                violations_text(row),
                note,
            )
        )
    return lines


def table(rows: list[dict[str, Any]]) -> str:
    lines = [HEAD, *table_lines(rows)]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(HEAD))]
    out = []
    for n, line in enumerate(lines):
        out.append("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def markdown(rows: list[dict[str, Any]]) -> str:
    out = ["| " + " | ".join(HEAD) + " |", "|" + "|".join(" --- " for _ in HEAD) + "|"]
    out += ["| " + " | ".join(line) + " |" for line in table_lines(rows)]
    return "\n".join(out)


def report(as_markdown: bool) -> int:
    """Print the table of an existing bench/results.json (no measuring)."""
    payload = json.loads(RESULTS.read_text())
    order = {s: i for i, s in enumerate(SIZES)}
    rows = sorted(payload["results"], key=lambda r: (order.get(r["size"], 9), FORMATS.index(r["format"])))
    print(markdown(rows) if as_markdown else table(rows))
    if payload.get("startup"):
        s = payload["startup"]
        print(f"\npipecheck --version: {s['wall_s']:.3f}s wall (median of {s['runs']}), {s['peak_rss_mb']:.0f} MB")
    return 0


# ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated: 100k,1m,5m")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated: " + ",".join(FORMATS))
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement; the median is reported")
    parser.add_argument("--tools", default=",".join(ALL_TOOLS), help="comma-separated: " + ",".join(ALL_TOOLS))
    parser.add_argument(
        "--peer-sizes", default=None, help="sizes at which peers run (default: all of --sizes); e.g. 100k,1m"
    )
    parser.add_argument("--merge", action="store_true", help="keep rows of bench/results.json not re-measured")
    parser.add_argument("--report", action="store_true", help="only print the table of bench/results.json")
    parser.add_argument("--markdown", action="store_true", help="with --report: as a Markdown table")
    args = parser.parse_args(argv)
    args.sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    args.formats = [f.strip().lower() for f in args.formats.split(",") if f.strip()]
    args.tools = [t.strip().lower() for t in args.tools.split(",") if t.strip()]
    args.peer_sizes = (
        args.sizes if args.peer_sizes is None else [s.strip().lower() for s in args.peer_sizes.split(",") if s]
    )
    for name, allowed, values in (
        ("size", SIZES, args.sizes),
        ("format", FORMATS, args.formats),
        ("tool", ALL_TOOLS, args.tools),
    ):
        bad = [v for v in values if v not in allowed]
        if bad:
            parser.error(f"unknown {name}(s): {', '.join(bad)} (choose from {', '.join(allowed)})")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report:
        return report(args.markdown)
    started = dt.datetime.now(dt.UTC)
    meta = generate(args.sizes, quoted=any(f in QUOTED for f in args.formats))
    status: dict[str, str] = {}
    wanted_peers = [t for t in args.tools if t in PEERS]
    if wanted_peers:
        problem = ensure_peers()
        status = dict.fromkeys(PEERS, problem) if problem else peer_status()
        for tool in wanted_peers:
            print(f"peer {tool}: {status[tool] or 'ready'}", flush=True)

    previous: list[dict[str, Any]] = []
    if args.merge and RESULTS.exists():
        try:
            earlier = json.loads(RESULTS.read_text())
        except ValueError:
            earlier = {}
        previous = earlier.get("results", [])
        meta = {**earlier.get("expected", {}), **meta}
    payload: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "versions": versions(),
        "args": dict(vars(args)),
        "expected": meta,
        "peer_status": {t: (s or "ok") for t, s in status.items()},
        "startup": startup(args.runs) if "pipecheck" in args.tools else None,
        "results": [],
    }
    if payload["startup"]:
        s = payload["startup"]
        print(f"pipecheck --version: {s['wall_s']:.3f}s median of {s['runs']} ({s['status']})", flush=True)

    rows: list[dict[str, Any]] = []
    for size in args.sizes:
        for fmt in args.formats:
            path = data_path(size, fmt)
            tools = [t for t in args.tools if t not in PEERS or size in args.peer_sizes]
            jobs = jobs_for(size, fmt, path, tools, args.runs, status)
            for rep in range(args.runs):
                for job in jobs:
                    if rep >= job.runs or (job.error and not job.samples):
                        continue
                    sample = measure(job, f"{job.tool}_{job.label.replace(' ', '_')}_{size}_{fmt}_{rep}")
                    job.samples.append(sample)
                    print(
                        f"  {size:>4} {fmt:<7} {job.label:<22} run {rep + 1}: {sample['wall_s']:7.2f}s "
                        f"{sample['peak_rss_mb']:7.0f} MB rc={sample['rc']} load={sample['loadavg_1m']:.1f}",
                        flush=True,
                    )
            floors = [
                statistics.median(s["wall_s"] for s in j.samples) for j in jobs if j.tool == "floor" and j.samples
            ]
            floor_wall = min(floors) if floors else None
            expected = meta[size]["expected"]
            block = [summarise(j, size, fmt, floor_wall, expected) for j in jobs]
            floor_rows = [r for r in block if r["tool"] == "floor" and "wall_s" in r]
            if floor_rows:
                best = min(floor_rows, key=lambda r: r["wall_s"])
                block.insert(0, {**best, "tool": "floor", "label": f"floor (= {best['label']})", "best": True})
                for r in floor_rows:
                    r["tool"] = "floor-reader"
            rows.extend(block)
            print()
            print(table(block), flush=True)
            print()
            fresh = {row_key(x) for x in rows}
            payload["results"] = [r for r in previous if row_key(r) not in fresh] + rows
            payload["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            write_results(payload)

    print("== all results ==")
    print(table(rows))
    if payload["startup"]:
        s = payload["startup"]
        print(f"\npipecheck --version: {s['wall_s']:.3f}s wall (median of {s['runs']}), {s['peak_rss_mb']:.0f} MB")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
