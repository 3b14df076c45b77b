#!/usr/bin/env bash
# Reproduces every figure in BENCHMARKS.md: provdb and its references, in the
# same sitting, whole processes, warm page cache.
#
#   bash scripts/bench.sh WORKDIR [FILES] [BATCHES]
#
# FILES defaults to 20000 and BATCHES to 100000,900000 (the issue's sizes);
# smaller values give a quick run (e.g. 2000 10000,90000). Needs python3 with
# the blake3 package, git, sqlite3 and GNU time; installs b3sum with cargo if
# it is missing. Prints one line per measurement: what, seconds, peak KB.
set -euo pipefail

work=${1:?usage: bench.sh WORKDIR [FILES] [BATCHES]}
files=${2:-20000}
batches=${3:-100000,900000}
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"
work=$(cd "$work" && pwd)

# shellcheck source=scripts/bench_common.sh
. "$repo/scripts/bench_common.sh"

cd "$work"
if [ ! -f manifest.b3 ] || [ "$(wc -l <manifest.b3)" -ne "$files" ]; then
    rm -rf corpus citations-*.jsonl manifest.b3
    python3 "$repo/scripts/gen_corpus.py" . --files "$files" --batches "$batches"
fi
: >times.txt
find corpus -type f | sort >files.txt
echo "corpus: $(wc -l <files.txt) files, $(du -sb corpus | cut -f1) bytes"
cat corpus/*/* >/dev/null # warm the page cache

for run in 1 2 3; do
    measure "b3sum" sh -c 'xargs -a files.txt b3sum'
    measure "b3sum-check" b3sum --check manifest.b3
    rm -rf s && "$provdb" init s >/dev/null && sync
    measure "provdb-add" "$provdb" --db s add corpus
    sync
    measure "provdb-readd" "$provdb" --db s add corpus
    rm -rf g && git init -q g && cp -r corpus g/ && sync
    measure "git-add" git -C g add -A
    rm -rf c && sync
    measure "cp-sync" sh -c 'cp -r corpus c && sync'
done
for run in 1 2 3; do
    measure "provdb-verify-sources" "$provdb" --db s verify
done

n=0
total=0
for batch in citations-*.jsonl; do
    n=$((n + 1))
    lines=$(wc -l <"$batch")
    total=$((total + lines))
    measure "sqlite-python-$lines" python3 "$repo/scripts/ref_sqlite.py" "$batch" "ref-$n.sqlite"
    python3 "$repo/scripts/ref_sqlite.py" "$batch" "ref-$n.sqlite"
    (cd "$repo" && cargo bench --quiet --bench sled_reference -- "$lines" "$work/sled-ref")
    measure "provdb-batch-$lines" "$provdb" --db s cite --batch "$batch"
    claim=$("$provdb" --db s --json claims --subject "ward 7919" | python3 -c 'import json,sys; print(json.load(sys.stdin)["claims"][0]["id"])')
    for run in 1 2 3; do
        measure "provdb-trace-at-$total" "$provdb" --db s trace "$claim"
    done
    for run in 1 2 3; do
        measure "sqlite3-lookup-at-$lines" sqlite3 "ref-$n.sqlite" "select count(*) from citations where subject = 'ward 7919' and property = 'ballots counted'"
    done
done
measure "provdb-verify-all" "$provdb" --db s verify
echo "store: index $(du -sb s/index | cut -f1) bytes, journal $(stat -c %s s/journal) bytes, objects $(du -sb s/objects | cut -f1) bytes"
