#!/usr/bin/env python3
"""Times commands taken in turn, so that a noisy machine slows each of them
alike: runs every command once, then again, ROUNDS times (a whole process
each, through `sh -c`, output discarded), and prints each command's
median, fastest and slowest wall-clock time in seconds, then each one's
throughput against the first command's (its median over theirs).

    python3 scripts/alternate.py ROUNDS LABEL=COMMAND [LABEL=COMMAND...]

e.g. python3 scripts/alternate.py 30 'b3sum=b3sum --check --quiet manifest.b3' \\
         'provdb=provdb --db s verify'

A run that exits non-zero is reported and makes the script fail.
"""

import statistics
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    if len(args) < 2 or not args[0].isdigit() or int(args[0]) < 1:
        raise SystemExit("usage: alternate.py ROUNDS LABEL=COMMAND [LABEL=COMMAND...]")
    rounds = int(args[0])
    commands = []
    for arg in args[1:]:
        label, sep, command = arg.partition("=")
        if not sep or not label or not command:
            raise SystemExit(f"{arg!r}: give each command as LABEL=COMMAND")
        commands.append((label, command))
    times = {label: [] for label, _ in commands}
    for _ in range(rounds):
        for label, command in commands:
            started = time.perf_counter()
            run = subprocess.run(
                command, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            times[label].append(time.perf_counter() - started)
            if run.returncode != 0:
                raise SystemExit(f"{label}: {command!r} exited with {run.returncode}")
    first = statistics.median(times[commands[0][0]])
    for label, _ in commands:
        median = statistics.median(times[label])
        print(
            f"{label}: median {median:.3f} s, fastest {min(times[label]):.3f} s, "
            f"slowest {max(times[label]):.3f} s, {rounds} runs; "
            f"throughput {first / median:.2f}x the first's"
        )


if __name__ == "__main__":
    main()
