#!/usr/bin/env bash
# `provdb search` against ripgrep over the same texts, in one sitting:
# BENCHMARKS.md "Search". Whole processes, warm page cache, three runs each.
#
#   bash scripts/bench_search.sh WORKDIR [FILES]
#
# FILES defaults to 20000 (the corpus of scripts/gen_corpus.py, 2-20 KB
# each). Installs ripgrep with cargo when it is missing. Prints one line per
# measurement: what, seconds, peak KB; and the number of files each finds.
set -euo pipefail

work=${1:?usage: bench_search.sh WORKDIR [FILES]}
files=${2:-20000}
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"
work=$(cd "$work" && pwd)

# shellcheck source=scripts/bench_common.sh
. "$repo/scripts/bench_common.sh"
if ! command -v rg >/dev/null; then
    cargo install ripgrep --locked --quiet --root "$work/tools"
    export PATH="$work/tools/bin:$PATH"
fi

cd "$work"
if [ ! -f manifest.b3 ] || [ "$(wc -l <manifest.b3)" -ne "$files" ]; then
    rm -rf corpus citations-*.jsonl manifest.b3
    python3 "$repo/scripts/gen_corpus.py" . --files "$files" --batches 1000
fi
: >times.txt
echo "corpus: $(find corpus -type f | wc -l) files, $(du -sb corpus | cut -f1) bytes"
cat corpus/*/* >/dev/null # warm the page cache

rm -rf ss && "$provdb" init ss >/dev/null
"$provdb" --db ss add corpus >/dev/null
# The first search builds the index from the journal: every source's text.
measure "provdb-search-build" "$provdb" --db ss search recount
echo "index: $(du -sb ss/search | cut -f1) bytes"

# A figure the corpus writes with grouping ("Note 1: 48,213 ballots"),
# searched as its digits: ripgrep needs a pattern for both spellings.
figure=$(grep -o -m1 'Note 1: [0-9,]*' corpus/000/doc-00000.txt | sed 's/Note 1: //')
digits=${figure//,/}
ward=$(grep -o -m1 'ward [0-9]*' corpus/000/doc-00000.txt)
echo "figure $figure ($digits), phrase \"$ward\""

count() { # what provdb finds, and what ripgrep finds, as file counts
    local label=$1 query=$2
    shift 2
    local ours theirs
    ours=$("$provdb" --db ss --json search --limit 1 "$query" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
    theirs=$(rg -l "$@" corpus | wc -l)
    echo "$label: provdb $ours, ripgrep $theirs"
}
count word recount -w -i recount
count phrase "\"$ward\"" -w -i -F "$ward"
count figure "$digits" -w "${figure//,/,?}"

for run in 1 2 3; do
    measure "provdb-search-word" "$provdb" --db ss search recount
    measure "rg-word" rg -l -w -i recount corpus
    measure "provdb-search-phrase" "$provdb" --db ss search "\"$ward\""
    measure "rg-phrase" rg -l -w -i -F "$ward" corpus
    measure "provdb-search-figure" "$provdb" --db ss search "$digits"
    measure "rg-figure" rg -l -w "${figure//,/,?}" corpus
done
