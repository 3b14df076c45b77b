#!/usr/bin/env python3
"""The SQLite reference for BENCHMARKS.md: insert the rows of a cite --batch
file into a table with 2 indexes, in transactions of 10,000, and print rows/s.

    python3 scripts/ref_sqlite.py citations-1.jsonl ref.sqlite [--append]

With --append the rows go into the database as it is (the tables made if
missing), as provdb's batches go into one store; without it the database is
made anew. It measures Python's sqlite3, not provdb. The database it leaves is used for
the one-lookup reference with the sqlite3 command line.
"""

import json
import os
import sqlite3
import sys
import time


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[3:] not in ([], ["--append"]):
        raise SystemExit("usage: ref_sqlite.py BATCH.jsonl OUT.sqlite [--append]")
    source, target = sys.argv[1], sys.argv[2]
    if os.path.exists(target) and sys.argv[3:] != ["--append"]:
        os.remove(target)
    db = sqlite3.connect(target)
    db.execute(
        "create table if not exists citations (id integer primary key, source text,"
        " quote text, subject text, property text, value text)"
    )
    db.execute("create index if not exists by_claim on citations (subject, property, value)")
    db.execute("create index if not exists by_source on citations (source)")
    def insert(rows):
        with db:
            db.executemany(
                "insert into citations (source, quote, subject, property, value)"
                " values (?, ?, ?, ?, ?)",
                rows,
            )

    started = time.perf_counter()
    rows = 0
    batch = []
    with open(source) as lines:
        for line in lines:
            item = json.loads(line)
            batch.append(
                (item["source"], item["quote"], item["subject"], item["property"], str(item["value"]))
            )
            if len(batch) == 10_000:
                insert(batch)
                rows += len(batch)
                batch = []
    if batch:
        insert(batch)
        rows += len(batch)
    seconds = time.perf_counter() - started
    print(f"sqlite3: {rows} rows in {seconds:.2f} s = {rows / seconds:.0f} rows/s")


if __name__ == "__main__":
    main()
