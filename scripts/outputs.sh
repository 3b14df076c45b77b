#!/usr/bin/env bash
# Runs every reading command, in text and --json, plus the exports, proofs,
# receipts and a set of refusals, on a copy of fixtures/store-2026-11, and
# writes each command's stdout, stderr and exit code into OUTDIR. Two builds'
# OUTDIRs compared with `diff -r` show any change a reshaping made to what
# provdb prints.
#
#   scripts/outputs.sh target/debug/provdb /tmp/outputs-before
#   (change the code, rebuild)
#   scripts/outputs.sh target/debug/provdb /tmp/outputs-after
#   diff -r /tmp/outputs-before /tmp/outputs-after
set -euo pipefail
bin=$(realpath "$1")
out=$2
here=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$out"
mkdir -p "$out"
work=$out.work
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
cp -r "$here/fixtures/store-2026-11" "$work/store"
cp -r "$here/fixtures" "$work/fixtures"
cd "$work"
export PROVDB_DIR="$work/store" PROVDB_ACTOR=outputs PROVDB_LOCK_WAIT=0
n=0
run() {
    n=$((n + 1))
    local name
    name=$(printf '%03d' "$n")
    printf '%s\n' "$*" >"$out/$name.cmd"
    set +e
    "$bin" "$@" >"$out/$name.out" 2>"$out/$name.err"
    echo $? >"$out/$name.rc"
    set -e
}
both() {
    run "$@"
    run --json "$@"
}
# The first command builds the index; say so once, then read.
run sources
ids() { "$bin" --json "$@" | python3 -c "$PYIDS"; }
PYIDS='import json,sys
d=json.load(sys.stdin)
for k in ("sources","claims","entries"):
    for r in d.get(k,[]):
        c=r.get("change",{})
        if c.get("op")=="cite": print(c["citation"])
        elif "id" in r: print(r["id"])'
sources=$(ids sources)
claims=$(ids claims)
citations=$(ids log)
both sources
both claims
both claims --subject 'khojaly, 26 february 1992'
both claims --property 'civilians killed'
both claims --value 613
both claims --as-of 2026-01-01
both conflicts
both log
both log --doc khojaly-article
both checkpoints
both reviews
for id in $sources; do both show "$id"; run cat "$id"; done
for id in $claims; do both trace "$id"; both show "$id"; both reviews "$id"; done
for id in $citations; do both show "$id"; done
both show khojaly-article@1
both show khojaly-article@latest
both diff khojaly-article@1 khojaly-article@2
both drift --doc khojaly-article
both drift --doc khojaly-article --all
both manifest
both manifest --doc khojaly-article
both check fixtures/khojaly-article-2024-02.txt fixtures/bad/empty.txt
checkpoint_sizes=$("$bin" --json checkpoints | python3 -c 'import json,sys; [print(c["size"]) for c in json.load(sys.stdin)["checkpoints"]]')
first=$(echo "$checkpoint_sizes" | head -1)
last=$(echo "$checkpoint_sizes" | tail -1)
for id in $citations; do
    both receipt --checkpoint "$last" "$id"
    "$bin" receipt --checkpoint "$last" "$id" >"$work/r.json" 2>/dev/null && {
        cp "$work/r.json" "$out/receipt-$id.json"
        both verify-receipt "$work/r.json"
    }
done
for id in $claims; do both prove --checkpoint "$last" "$id"; done
both prove --consistency "$first" "$last"
"$bin" prove --consistency "$first" "$last" >"$work/p.json"
both verify-proof "$work/p.json"
for format in bundle jsonl csv csl-json web-annotation prov-json claimreview; do
    run export --format "$format" -o "$work/export.$format"
    cp "$work/export.$format" "$out/export.$format"
done
# Refusals: each prints one line and exits non-zero.
both trace 0000
both show zz
both claims --value 'six hundred'
both claims --as-of yesterday-ish
both diff khojaly-article@1 khojaly-article@9
both receipt --checkpoint 999 "$(echo "$citations" | head -1)"
both cite 0000 --subject s --property p --value 1 --quote q
both cite "$(echo "$sources" | head -1)" --subject ' ' --property p --value 1 --quote q
both export --format csv -o "$work/store/inside.csv"
both verify
# The working directory's name is the only thing that differs between runs.
grep -rlF "$work" "$out" | while read -r file; do
    sed -i "s|$work|WORK|g" "$file"
done
echo "$n commands written to $out"
