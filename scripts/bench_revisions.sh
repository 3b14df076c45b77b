#!/usr/bin/env bash
# Reproduces the revision figures in BENCHMARKS.md: carrying citations into a
# new revision, and diffing two revisions, against b3sum and cp over the same
# file in the same sitting (whole processes, warm page cache).
#
#   bash scripts/bench_revisions.sh WORKDIR [CITATIONS] [SIZES_KB]
#
# CITATIONS defaults to 10000 and SIZES_KB to 1000,2000,4000 (the 1 MB case
# the issue names, and two larger ones to show how time grows with size).
# Prints one line per measurement: what, seconds, peak KB.
set -euo pipefail

work=${1:?usage: bench_revisions.sh WORKDIR [CITATIONS] [SIZES_KB]}
citations=${2:-10000}
sizes=${3:-1000,2000,4000}
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"
work=$(cd "$work" && pwd)
# shellcheck source=scripts/bench_common.sh
. "$repo/scripts/bench_common.sh"

cd "$work"
for kb in ${sizes//,/ }; do
    rm -rf "store-$kb" "plain-$kb" "rev-$kb-"*
    # Revision 1: numbered sentences; revision 2 edits about 1 in 100 of them
    # (a figure changed, a sentence dropped, a sentence added), as ordinary
    # edits do. The first CITATIONS sentences spread over the text are cited.
    python3 - "$kb" "$citations" <<'PY'
import json, random, sys
kb, wanted = int(sys.argv[1]), int(sys.argv[2])
random.seed(kb)
sentences = []
size = 0
while size < kb * 1000:
    n = len(sentences)
    s = f"Entry {n} of the register records {random.randint(10, 99999)} people in district {n % 977}."
    sentences.append(s)
    size += len(s) + 1
step = max(1, len(sentences) // wanted)
cited = list(range(0, len(sentences), step))[:wanted]
with open(f"rev-{kb}-1.txt", "w") as out:
    out.write("\n".join(sentences) + "\n")
new = []
for i, s in enumerate(sentences):
    roll = random.random()
    if roll < 0.004:
        continue                                   # dropped
    if roll < 0.008:
        s = s.replace(" records ", " records about ")  # context changed
    elif roll < 0.012:
        s = s.replace("people", "residents")       # quote changed
    new.append(s)
    if random.random() < 0.004:
        new.append(f"An added note follows entry {i}.")
with open(f"rev-{kb}-2.txt", "w") as out:
    out.write("\n".join(new) + "\n")
with open(f"cite-{kb}.jsonl", "w") as out:
    for i in cited:
        s = sentences[i]
        quote = s[s.index("Entry"):s.index(" people") + len(" people")]
        number = quote.split(" records ")[1].split(" ")[0]
        out.write(json.dumps({"source": "SOURCE", "quote": quote, "subject": f"entry {i}",
                              "property": "people", "value": int(number)}) + "\n")
PY
    "$provdb" init "store-$kb" >/dev/null
    source=$("$provdb" --db "store-$kb" --json add "rev-$kb-1.txt" --doc register | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    sed -i "s/SOURCE/$source/" "cite-$kb.jsonl"
    "$provdb" --db "store-$kb" cite --batch "cite-$kb.jsonl" >/dev/null
    echo "== $kb KB, $(wc -l <"cite-$kb.jsonl") citations"
    measure "b3sum-$kb" b3sum "rev-$kb-2.txt"
    measure "cp+sync-$kb" sh -c "cp rev-$kb-2.txt copy-$kb.txt && sync copy-$kb.txt"
    rm -rf "plain-$kb" && "$provdb" init "plain-$kb" >/dev/null
    measure "add-plain-$kb" "$provdb" --db "plain-$kb" add "rev-$kb-2.txt"
    measure "add-doc-carry-$kb" "$provdb" --db "store-$kb" add "rev-$kb-2.txt" --doc register
    "$provdb" --db "store-$kb" drift --doc register | head -1
    measure "diff-$kb" "$provdb" --db "store-$kb" diff register@1 register@2
    measure "diff-json-$kb" "$provdb" --db "store-$kb" --json diff register@1 register@2
    measure "verify-$kb" "$provdb" --db "store-$kb" verify
done
