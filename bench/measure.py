"""Run one command and report its wall time, CPU time and peak RSS as a JSON line.

    python bench/measure.py STDOUT_FILE TIMEOUT_S CMD [ARG...]

A process of its own per measurement, so RUSAGE_CHILDREN holds exactly that command's
processes (ru_maxrss: the largest resident set among them, in KiB on Linux).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main() -> None:
    stdout_path, timeout, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    with open(stdout_path, "wb") as out, open(stdout_path + ".err", "wb") as err:
        start = time.perf_counter()
        try:
            rc: int | str = subprocess.run(cmd, stdout=out, stderr=err, timeout=timeout, check=False).returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
        wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "rc": rc,
                "wall_s": wall,
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "peak_rss_mb": usage.ru_maxrss / 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
