#!/usr/bin/env python3
"""Concurrent clients on one store: how long writers wait for the lock.

    python3 scripts/bench_locks.py PROVDB STORE WRITES.jsonl [--clients 10] [--ops 40]

One client runs `verify` over and over; three write, each `cite --batch -`
of one line of WRITES.jsonl at a time; the others read (`trace`, `claims`,
`conflicts`, `sources`). Every command has --lock-wait 10. A writer's time is
its whole command, lock wait included (a single cite itself takes a small
part of it: see the `alone` figure, the same writes with no other client).
Prints one JSON object: per kind, the count, the timeouts (exit 4), other
failures, and the median, 99th percentile and largest seconds.
"""
import argparse
import json
import subprocess
import threading
import time


def run(provdb, store, args, stdin=None):
    started = time.monotonic()
    done = subprocess.run(
        [provdb, "--db", store, "--lock-wait", "10", *args],
        input=stdin,
        capture_output=True,
    )
    return time.monotonic() - started, done.returncode


def summary(samples):
    times = sorted(t for t, _ in samples)
    if not times:
        return {"count": 0}
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    return {
        "count": len(samples),
        "timeouts": sum(1 for _, code in samples if code == 4),
        "failures": sum(1 for _, code in samples if code not in (0, 4)),
        "median_s": round(pick(0.5), 3),
        "p99_s": round(pick(0.99), 3),
        "max_s": round(times[-1], 3),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("provdb")
    parser.add_argument("store")
    parser.add_argument("writes")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--ops", type=int, default=40)
    args = parser.parse_args()
    lines = open(args.writes, "rb").read().splitlines()
    writers = 3
    readers = args.clients - 1 - writers
    need = writers * args.ops * 2
    if len(lines) < need:
        raise SystemExit(f"{args.writes} has {len(lines)} lines; {need} are needed")
    claim = json.loads(
        subprocess.run(
            [args.provdb, "--db", args.store, "--json", "claims", "--subject", "ward 7919"],
            capture_output=True,
            check=True,
        ).stdout
    )["claims"][0]["id"]

    # The same kind of write with no other client, for scale.
    alone = [
        run(args.provdb, args.store, ["cite", "--batch", "-"], lines[i] + b"\n")
        for i in range(args.ops)
    ]
    results = {"writer": [], "reader": [], "verify": []}
    lock = threading.Lock()
    writing = threading.Event()

    def writer(number):
        base = args.ops + number * args.ops
        for i in range(args.ops):
            sample = run(args.provdb, args.store, ["cite", "--batch", "-"], lines[base + i] + b"\n")
            with lock:
                results["writer"].append(sample)

    def reader(number):
        kinds = [["trace", claim], ["claims", "--subject", "ward 7919"], ["conflicts"], ["sources"]]
        for i in range(args.ops):
            sample = run(args.provdb, args.store, kinds[(number + i) % len(kinds)])
            with lock:
                results["reader"].append(sample)

    def verifier():
        while not writing.is_set():
            sample = run(args.provdb, args.store, ["verify"])
            with lock:
                results["verify"].append(sample)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    threads += [threading.Thread(target=reader, args=(n,)) for n in range(readers)]
    checking = threading.Thread(target=verifier)
    checking.start()
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writing.set()
    checking.join()
    out = {kind: summary(samples) for kind, samples in results.items()}
    out["alone"] = summary(alone)
    out["wall_s"] = round(time.monotonic() - started, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
