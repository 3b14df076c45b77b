#!/usr/bin/env bash
# Writers' waits under concurrent clients (BENCHMARKS.md, "Readers and
# writers"): the build of BEFORE (a commit) and this build, on copies of one
# store, in the same sitting.
#
#   bash scripts/bench_locks.sh WORKDIR BEFORE [FILES] [CITATIONS] [OPS]
#
# Defaults: 2100 files (50 notes each), 100000 citations, 40 operations per client.
set -euo pipefail

work=${1:?usage: bench_locks.sh WORKDIR BEFORE [FILES] [CITATIONS] [OPS]}
before=${2:?give the commit to compare with}
files=${3:-2100}
citations=${4:-100000}
ops=${5:-40}
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"
work=$(cd "$work" && pwd)

# The earlier build, from a worktree, in its own target directory (kept in
# WORKDIR for the next run), so that this build's binary stays this build's.
rm -rf "$work/before-src"
git -C "$repo" worktree add --force --detach "$work/before-src" "$before" >/dev/null
(cd "$work/before-src" && CARGO_TARGET_DIR="$work/target-before" cargo build --release --quiet)
cp "$work/target-before/release/provdb" "$work/provdb-before"
git -C "$repo" worktree remove --force "$work/before-src"

# shellcheck source=scripts/bench_common.sh
. "$repo/scripts/bench_common.sh"

cd "$work"
rm -rf corpus citations-*.jsonl manifest.b3 base
python3 "$repo/scripts/gen_corpus.py" . --files "$files" --batches "$citations,$((6 * ops))"
"$provdb" init base >/dev/null
"$provdb" --db base add corpus >/dev/null
"$provdb" --db base cite --batch citations-1.jsonl >/dev/null
for build in before after; do
    binary=$provdb
    [ "$build" = before ] && binary=$work/provdb-before
    rm -rf "s-$build" && cp -r base "s-$build" && sync
    # Each build opens its copy once first (an index of an older record format is rebuilt).
    "$binary" --db "s-$build" sources >/dev/null
    echo "$build $(python3 "$repo/scripts/bench_locks.py" "$binary" "s-$build" citations-2.jsonl --ops "$ops")"
done
