#!/usr/bin/env bash
# Signed, witnessed checkpoints (BENCHMARKS.md, "Signed checkpoints"): the
# cost of the SHA-256 log tree against the BLAKE3 tree it replaced (the
# build of BEFORE, a commit, on a copy of the same store), and what signing,
# three witnesses on 127.0.0.1 and checking under a policy add, next to
# sha256sum and b3sum of the journal in the same sitting.
#
#   bash scripts/bench_signing.sh WORKDIR BEFORE [FILES] [CITATIONS]
#
# Defaults: 2100 files (50 notes each), 100000 citations.
set -euo pipefail

work=${1:?usage: bench_signing.sh WORKDIR BEFORE [FILES] [CITATIONS]}
before=${2:?give the commit to compare with}
files=${3:-2100}
citations=${4:-100000}
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"
work=$(cd "$work" && pwd)

rm -rf "$work/before-src"
git -C "$repo" worktree add --force --detach "$work/before-src" "$before" >/dev/null
(cd "$work/before-src" && CARGO_TARGET_DIR="$work/target-before" cargo build --release --quiet)
cp "$work/target-before/release/provdb" "$work/provdb-before"
git -C "$repo" worktree remove --force "$work/before-src"

# shellcheck source=scripts/bench_common.sh
. "$repo/scripts/bench_common.sh"

cd "$work"
rm -rf corpus citations-*.jsonl manifest.b3 s-before s-after keys w*-state ./*.out times.txt
python3 "$repo/scripts/gen_corpus.py" . --files "$files" --batches "$citations"
for build in before after; do
    binary=$provdb
    [ "$build" = before ] && binary=$work/provdb-before
    "$binary" init "s-$build" >/dev/null
    "$binary" --db "s-$build" add corpus >/dev/null
    sync
    measure "$build: cite --batch $citations" "$binary" --db "s-$build" cite --batch citations-1.jsonl
    measure "$build: reindex" "$binary" --db "s-$build" reindex
    measure "$build: verify" "$binary" --db "s-$build" verify
    measure "$build: checkpoint" "$binary" --db "s-$build" checkpoint
done
entries=$(wc -l <s-after/journal)
measure "reference: sha256sum of the journal ($entries lines)" sha256sum s-after/journal
measure "reference: b3sum of the journal" b3sum s-after/journal

# Signing and three witnesses on 127.0.0.1.
mkdir -p keys
"$provdb" key generate bench.example/log -o keys/log.key >keys/log.vkey 2>/dev/null
printf 'log %s\n' "$(cat keys/log.vkey)" >keys/policy
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for w in 1 2 3; do
    "$provdb" key generate "w$w.example" --witness -o "keys/w$w.key" >"keys/w$w.vkey" 2>/dev/null
    "$provdb" witness serve --addr 127.0.0.1:0 --key "keys/w$w.key" --log keys/log.vkey \
        --state "w$w-state" >"w$w.out" &
    pids+=($!)
    until [ -s "w$w.out" ]; do sleep 0.1; done
    printf 'witness W%s %s %s\n' "$w" "$(cat "keys/w$w.vkey")" "$(sed 's/.* listening on //' "w$w.out")" >>keys/policy
done
printf 'group all3 all W1 W2 W3\nquorum all3\n' >>keys/policy
measure "checkpoint --sign" "$provdb" --db s-after checkpoint --sign keys/log.key
"$provdb" --db s-after add "$repo/fixtures/khojaly-article-2024-02.txt" >/dev/null
measure "checkpoint --sign --policy, 3 witnesses, first submission" \
    "$provdb" --db s-after checkpoint --sign keys/log.key --policy keys/policy
"$provdb" --db s-after add "$repo/fixtures/khojaly-article-2024-05.txt" >/dev/null
measure "checkpoint --sign --policy, 3 witnesses, with consistency proofs" \
    "$provdb" --db s-after checkpoint --sign keys/log.key --policy keys/policy
citation=$(grep -o '"op":"cite","citation":"[0-9a-f]*"' s-after/journal | tail -1 | cut -d'"' -f8)
"$provdb" --db s-after receipt "$citation" >receipt.json
measure "verify-receipt" "$provdb" verify-receipt receipt.json
measure "verify-receipt --policy (3 cosignatures)" "$provdb" verify-receipt receipt.json --policy keys/policy
measure "python verifier, receipt --policy" python3 "$repo/scripts/provdb_verify.py" receipt --policy keys/policy receipt.json
measure "verify with 2 signed checkpoints" "$provdb" --db s-after verify
