#!/usr/bin/env bash
# Builds one store up to ten million citations and measures every command at
# each size, beside SQLite holding the same rows, in the same sitting.
#
#   bash scripts/bench_scale.sh WORKDIR [FILES] [BATCHES]
#
# FILES defaults to 200000 (2.2 GB of text: 50 notes each, so up to
# 10,000,000 citations) and BATCHES to 100000,900000,9000000: the store is
# measured at 100,000, 1,000,000 and 10,000,000 citations. Give smaller
# values for a quick run (e.g. 2000 10000,90000). Each batch also goes, with
# --append, into one SQLite database (scripts/ref_sqlite.py), so both hold
# the same rows when they are looked up. Every row of BENCHMARKS.md's
# three-size table comes from one run: `add` beside `cp -r` + `sync` (two
# rounds), `verify` of the sources beside `b3sum --check` (three rounds),
# then at each size the batch beside SQLite, the lookups beside the sqlite3
# command line (scripts/time_ms.py, seven runs, and one run under
# /usr/bin/time for the peak), `verify` and `reindex`. Prints one line per
# measurement: what, seconds, peak KB (or fastest, median and slowest ms);
# and the sizes of the journal and the index.
set -euo pipefail

work=${1:?usage: bench_scale.sh WORKDIR [FILES] [BATCHES]}
files=${2:-200000}
batches=${3:-100000,900000,9000000}
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
echo "corpus: $(find corpus -type f | wc -l) files, $(du -sb corpus | cut -f1) bytes"
find corpus -type f -print0 | xargs -0 cat >/dev/null # warm the page cache
rm -rf s s-scratch c ref.sqlite && sync
for run in 1 2; do
    measure "cp-sync-$files" sh -c 'cp -r corpus c && sync'
    rm -rf c && sync
    # The first round's store is thrown away; the second's is measured on.
    target=s-scratch
    [ "$run" = 2 ] && target=s
    "$provdb" init "$target" >/dev/null && sync
    measure "provdb-add-$files" "$provdb" --db "$target" add corpus
    rm -rf s-scratch && sync
done
for run in 1 2 3; do
    measure "b3sum-check-$files" b3sum --check manifest.b3
    measure "provdb-verify-sources" "$provdb" --db s verify
done

total=0
n=0
for batch in $(ls citations-*.jsonl | sort -t- -k2 -n); do
    n=$((n + 1))
    lines=$(wc -l <"$batch")
    total=$((total + lines))
    measure "sqlite-python-$lines-to-$total" python3 "$repo/scripts/ref_sqlite.py" "$batch" ref.sqlite --append
    measure "provdb-batch-$lines-to-$total" "$provdb" --db s cite --batch "$batch"
    json=$("$provdb" --db s --json claims --subject "ward 7919")
    claim=$(echo "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["claims"][0]["id"])')
    citation=$("$provdb" --db s --json trace "$claim" | python3 -c 'import json,sys; print(json.load(sys.stdin)["citations"][0]["id"])')
    lookup=(sqlite3 ref.sqlite "select count(*) from citations where subject = 'ward 7919' and property = 'ballots counted'")
    for what in trace claims show sqlite3; do
        case $what in
        trace) command=("$provdb" --db s trace "$claim") ;;
        claims) command=("$provdb" --db s claims --subject "ward 7919") ;;
        show) command=("$provdb" --db s show "$citation") ;;
        sqlite3) command=("${lookup[@]}") ;;
        esac
        measure "$what-at-$total" "${command[@]}"
        python3 "$repo/scripts/time_ms.py" "$what-at-$total" "${command[@]}" | tee -a times.txt
    done
    echo "at $total: index $(du -sb s/index | cut -f1) bytes, journal $(stat -c %s s/journal) bytes" | tee -a times.txt
    measure "provdb-verify-at-$total" "$provdb" --db s verify
    measure "provdb-reindex-at-$total" "$provdb" --db s reindex
    echo "at $total after reindex: index $(du -sb s/index | cut -f1) bytes" | tee -a times.txt
done
