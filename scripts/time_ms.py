#!/usr/bin/env python3
"""Times a short command more finely than /usr/bin/time's 10 ms: runs it
RUNS times (default 7) as a whole process, output discarded, and prints the
fastest, the median and the slowest wall-clock time in milliseconds. (Peak memory comes from
/usr/bin/time: a forked child's maximum resident size counts the Python
process it was forked from.)

    python3 scripts/time_ms.py [--runs N] LABEL COMMAND [ARG...]

A run that exits non-zero is reported and makes the script fail.
"""

import statistics
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    runs = 7
    if args[:1] == ["--runs"]:
        runs = int(args[1])
        args = args[2:]
    if len(args) < 2 or runs < 1:
        raise SystemExit("usage: time_ms.py [--runs N] LABEL COMMAND [ARG...]")
    label, command = args[0], args[1:]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append((time.perf_counter() - started) * 1000)
        if done.returncode != 0:
            raise SystemExit(f"{label}: exit {done.returncode}: {done.stderr.decode()[:200]}")
    print(
        f"{label} min {min(times):.1f} ms median {statistics.median(times):.1f} ms"
        f" max {max(times):.1f} ms"
    )


if __name__ == "__main__":
    main()
