#!/usr/bin/env bash
# Reproduces the interchange figures in BENCHMARKS.md: exporting a store as a
# bundle, importing it as a new store, merging it into another store, and
# merging it again (nothing new), against `tar cf` of the same store and
# `b3sum` of the bundle in the same sitting (whole processes, warm cache).
#
#   bash scripts/bench_interchange.sh WORKDIR [FILES] [CITATIONS]
#
# FILES defaults to 2000 and CITATIONS to 100000 (scripts/gen_corpus.py).
# Prints one line per measurement: what, seconds, peak KB.
set -euo pipefail

work=${1:?usage: bench_interchange.sh WORKDIR [FILES] [CITATIONS]}
files=${2:-2000}
citations=${3:-100000}
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"
work=$(cd "$work" && pwd)
# shellcheck source=scripts/bench_common.sh
. "$repo/scripts/bench_common.sh"

cd "$work"
rm -rf store copy other corpus citations-*.jsonl store.tar plain.tar times.txt
python3 "$repo/scripts/gen_corpus.py" "$work" --files "$files" --batches "$citations" >/dev/null
"$provdb" --db store init store >/dev/null
"$provdb" --db store add corpus >/dev/null
"$provdb" --db store cite --batch citations-*.jsonl >/dev/null
entries=$(wc -l <store/journal)
echo "store: $files files, $citations citations, $entries journal entries, $(du -sk store | cut -f1) KB"

measure "reference: tar cf of the store directory" tar cf plain.tar -C store .
measure "provdb export --format bundle" "$provdb" --db store export --format bundle -o store.tar
measure "reference: b3sum of the bundle" b3sum store.tar
measure "provdb import (new store, verified whole)" "$provdb" --db copy import store.tar
# A store that shares nothing with the bundle: one source of its own.
"$provdb" --db other init other >/dev/null
printf 'A note of its own.\n' >note.txt
"$provdb" --db other add note.txt >/dev/null
measure "provdb import (merge into another store)" "$provdb" --db other import store.tar
measure "provdb import (merge again: known by its hash)" "$provdb" --db other import store.tar
measure "provdb import (merge into the copy, which holds it all)" "$provdb" --db copy import store.tar
measure "provdb verify (the merged store)" "$provdb" --db other verify
