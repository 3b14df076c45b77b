#!/usr/bin/env bash
# Checks provdb's stores and proofs with scripts/provdb_verify.py, which uses
# the blake3 package from PyPI and none of provdb's code; and checks that the
# Python verifier rejects a tampered proof and a rewritten journal. Run from
# .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import blake3' 2>/dev/null \
    || python3 -m pip install --quiet blake3 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages blake3
cargo build --release --quiet
provdb="$PWD/target/release/provdb"
verify="python3 $PWD/scripts/provdb_verify.py"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PROVDB_ACTOR=ci PROVDB_DIR="$work/store"

"$provdb" demo "$work/store" >/dev/null
"$provdb" checkpoint >/dev/null
old=$("$provdb" --json checkpoint | python3 -c 'import json,sys; print(json.load(sys.stdin)["size"])')
source=$("$provdb" --json sources | python3 -c 'import json,sys; print(json.load(sys.stdin)["sources"][0]["id"])')
"$provdb" prove "$source" >"$work/source.json"
"$provdb" prove khojaly-article@2 >"$work/revision.json"
"$provdb" add --doc khojaly-article fixtures/khojaly-article-2024-02.txt >/dev/null
"$provdb" checkpoint >/dev/null
"$provdb" prove --consistency "$old" latest >"$work/consistency.json"
claim=$("$provdb" --json claims | python3 -c 'import json,sys; print(json.load(sys.stdin)["claims"][0]["id"])')
"$provdb" prove "$claim" >"$work/claim.json"

# A receipt for a quote in the middle of a 40 KB source: chunks and chaining values.
python3 -c 'import sys; sys.stdout.write("".join(f"Line {i} of the long register counts {1000 + i} people.\n" for i in range(800)))' >"$work/register.txt"
register=$("$provdb" --json add "$work/register.txt" --title "A long register" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
citation=$("$provdb" --json cite "$register" --quote "Line 400 of the long register counts 1400 people" \
    --subject "register line 400" --property "people" --value 1400 | python3 -c 'import json,sys; print(json.load(sys.stdin)["citation"])')
"$provdb" receipt "$citation" >"$work/receipt.json"
"$provdb" verify-receipt "$work/receipt.json" >/dev/null
$verify receipt "$work/receipt.json"
# The receipt has the shape its JSON Schema states.
python3 -c 'import jsonschema' 2>/dev/null \
    || python3 -m pip install --quiet jsonschema 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages jsonschema
python3 -c 'import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))); print("receipt.schema.json: valid")' \
    "$work/receipt.json" schema/receipt.schema.json
# The Python verifier must refuse a receipt with any one of these changed.
for field in slice.bytes slice.cvs slice.tail source.length citation.exact checkpoint.root entry.line claim.subject claim_entry.line; do
    python3 - "$work/receipt.json" "$work/bad-receipt.json" "$field" <<'PY'
import base64, json, sys
receipt = json.load(open(sys.argv[1]))
section, key = sys.argv[3].split(".")
value = receipt[section][key]
if isinstance(value, list):
    value[0] = base64.b64encode(bytes(32)).decode()
elif isinstance(value, int):
    value += 1
elif key in ("bytes", "tail", "root"):
    raw = bytearray(base64.b64decode(value))
    raw[len(raw) // 2] ^= 1
    value = base64.b64encode(bytes(raw)).decode()
elif key == "subject":
    # Same identity key, other wording: only the claim's line catches it.
    value = value.upper() if value != value.upper() else value.lower()
else:
    value = value.replace("400", "401", 1)
receipt[section][key] = value
json.dump(receipt, open(sys.argv[2], "w"))
PY
    if $verify receipt "$work/bad-receipt.json" >/dev/null; then
        echo "the Python verifier accepted a receipt with $field changed" >&2
        exit 1
    fi
done

# A web page: its text layer, a quote across inline tags and entities, a
# version 3 receipt; the Python verifier checks the layer's line, the quote
# in the layer, and (in the store) that the original byte ranges say the quote.
page=$("$provdb" --json add fixtures/khojaly-article-2024-02.html | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
page_citation=$("$provdb" --json cite "$page" --quote "article's account, 613 civilians were killed. Among" \
    --subject "Khojaly, 26 February 1992" --property "civilians killed" --value 613 | python3 -c 'import json,sys; print(json.load(sys.stdin)["citation"])')
"$provdb" receipt "$page_citation" >"$work/page-receipt.json"
$verify receipt "$work/page-receipt.json"
python3 -c 'import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))); print("receipt.schema.json: version 3 valid")' \
    "$work/page-receipt.json" schema/receipt.schema.json
for field in layer.object layer.length layer.original layer.entry layer.original_slice; do
    python3 - "$work/page-receipt.json" "$work/bad-receipt.json" "$field" <<'PY'
import base64, json, sys
receipt = json.load(open(sys.argv[1]))
section, key = sys.argv[3].split(".")
value = receipt[section][key]
if key == "object":
    value = ("0" if value[0] != "0" else "1") + value[1:]
elif key == "length":
    value += 1
elif key == "original":
    value[0][0] += 1
elif key == "original_slice":
    raw = bytearray(base64.b64decode(value["bytes"]))
    raw[len(raw) // 2] ^= 1
    value["bytes"] = base64.b64encode(bytes(raw)).decode()
else:
    value["line"] = value["line"].replace('"provdb-html"', '"provdb-html2"')
receipt[section][key] = value
json.dump(receipt, open(sys.argv[2], "w"))
PY
    if $verify receipt "$work/bad-receipt.json" >/dev/null; then
        echo "the Python verifier accepted a page receipt with $field changed" >&2
        exit 1
    fi
done

# A cite line rewritten to claim other original bytes (chain rebuilt,
# checkpoints dropped): the Python verifier reads the page and refuses it.
cp -r "$work/store" "$work/moved"
rm -f "$work/moved/checkpoints"
python3 - "$work/moved/journal" <<'PY'
import blake3, json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
prev, out = "0" * 64, []
for line in lines:
    entry = json.loads(line)
    layer = entry["change"].get("layer") if entry["change"]["op"] == "cite" else None
    if layer:
        layer["original"][0][0] += 4
    entry["prev"] = prev
    line = json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode()
    out.append(line)
    prev = blake3.blake3(line + b"\n").hexdigest()
open(sys.argv[1], "wb").write(b"".join(line + b"\n" for line in out))
PY
if $verify store "$work/moved" >"$work/moved.log" 2>&1; then
    echo "the Python verifier accepted a quote's original bytes moved" >&2
    exit 1
fi
grep -q "do not say the quote" "$work/moved.log"
$verify store "$work/store"
$verify proof "$work/source.json" "$work/revision.json" "$work/claim.json" "$work/consistency.json"

# The Python verifier must fail on tampering too.
python3 - "$work/claim.json" "$work/bad.json" <<'PY'
import json, sys
proof = json.load(open(sys.argv[1]))
proof["line"] = proof["line"].replace('"seq":', '"seq": ', 1)
json.dump(proof, open(sys.argv[2], "w"))
PY
if $verify proof "$work/bad.json" >/dev/null; then
    echo "the Python verifier accepted a tampered proof" >&2
    exit 1
fi
cp -r "$work/store" "$work/rewritten"
python3 - "$work/rewritten/journal" <<'PY'
import json, sys, blake3
path = sys.argv[1]
lines = open(path, "rb").read().split(b"\n")[:-1]
lines[1] = lines[1].replace(b'"size":', b'"size":1', 1)
prev, out = "0" * 64, []
for line in lines:
    entry = json.loads(line)
    entry["prev"] = prev
    line = json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode()
    out.append(line)
    prev = blake3.blake3(line + b"\n").hexdigest()
open(path, "wb").write(b"\n".join(out) + b"\n")
PY
if $verify store "$work/rewritten" >/dev/null; then
    echo "the Python verifier accepted a journal rewritten after its checkpoints" >&2
    exit 1
fi
# Signed, witnessed checkpoints: two witnesses on 127.0.0.1, a policy that
# needs both; the Python verifier checks the log's Ed25519 signature and the
# cosignatures with the `cryptography` package, and refuses a changed
# signature and an unmet quorum.
python3 -c 'import cryptography' 2>/dev/null \
    || python3 -m pip install --quiet cryptography 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages cryptography
"$provdb" key generate newsroom.example/provdb -o "$work/log.key" >"$work/log.vkey" 2>/dev/null
policy="$work/newsroom.policy"
printf 'log %s\n' "$(cat "$work/log.vkey")" >"$policy"
witness_pids=()
for w in 1 2; do
    "$provdb" key generate "w$w.example" --witness -o "$work/w$w.key" >"$work/w$w.vkey" 2>/dev/null
    "$provdb" witness serve --addr 127.0.0.1:0 --key "$work/w$w.key" --log "$work/log.vkey" \
        --state "$work/w$w-state" >"$work/w$w.out" &
    witness_pids+=($!)
    until [ -s "$work/w$w.out" ]; do sleep 0.1; done
    printf 'witness W%s %s %s\n' "$w" "$(cat "$work/w$w.vkey")" "$(sed 's/.* listening on //' "$work/w$w.out")" >>"$policy"
done
trap 'kill "${witness_pids[@]}" 2>/dev/null; rm -rf "$work"' EXIT
printf 'group both all W1 W2\nquorum both\n' >>"$policy"
# A time-stamping authority: openssl ts -reply behind a few lines of Python.
tsa="$work/tsa"
mkdir -p "$tsa"
(
    cd "$tsa"
    openssl ecparam -genkey -name prime256v1 -noout -out tsa.key
    openssl req -new -x509 -key tsa.key -out tsa.crt -days 30 -subj "/CN=provdb CI TSA" \
        -addext "extendedKeyUsage=critical,timeStamping" -addext "keyUsage=critical,digitalSignature" 2>/dev/null
    echo 01 >serial
    printf '[ tsa ]\ndefault_tsa = c\n[ c ]\nserial = ./serial\nsigner_cert = ./tsa.crt\nsigner_key = ./tsa.key\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\ness_cert_id_alg = sha256\n' >tsa.cnf
)
python3 - "$tsa" >"$tsa/url" <<'PY' &
import http.server, os, subprocess, sys
os.chdir(sys.argv[1])
class Authority(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        open("query.tsq", "wb").write(self.rfile.read(int(self.headers["Content-Length"])))
        subprocess.run(["openssl", "ts", "-reply", "-config", "tsa.cnf", "-queryfile", "query.tsq", "-out", "reply.tsr"], check=True, capture_output=True)
        reply = open("reply.tsr", "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Authority)
print(f"http://127.0.0.1:{server.server_port}/", flush=True)
server.serve_forever()
PY
witness_pids+=($!)
until [ -s "$tsa/url" ]; do sleep 0.1; done
"$provdb" checkpoint --sign "$work/log.key" --policy "$policy" --tsa "$(cat "$tsa/url")" >"$work/signed.txt"
"$provdb" receipt "$citation" >"$work/signed-receipt.json"
"$provdb" prove "$citation" >"$work/signed-proof.json"
"$provdb" verify-receipt "$work/signed-receipt.json" --policy "$policy" >/dev/null
$verify receipt --policy "$policy" --tsa-cert "$tsa/tsa.crt" "$work/signed-receipt.json"
"$provdb" verify-receipt "$work/signed-receipt.json" --policy "$policy" --tsa-cert "$tsa/tsa.crt" | grep -q "existed by"
$verify proof --policy "$policy" "$work/signed-proof.json"
"$provdb" prove "$citation" --format tlog-proof >"$work/entry.tlog-proof"
$verify proof --policy "$policy" "$work/entry.tlog-proof"
$verify store "$work/store"
python3 -c 'import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))); print("receipt.schema.json: signed version 4 valid")' \
    "$work/signed-receipt.json" schema/receipt.schema.json
python3 - "$work/signed-receipt.json" "$work/bad-receipt.json" <<'PY'
import base64, json, sys
receipt = json.load(open(sys.argv[1]))
note = receipt["checkpoint"]["note"]
text, lines = note[:-1].rsplit("\n\n", 1)
first, rest = lines.split("\n", 1)
name, sig = first[2:].split(" ", 1)
raw = bytearray(base64.b64decode(sig))
raw[-1] ^= 1
forged = text + "\n\n" + "\u2014 " + name + " " + base64.b64encode(bytes(raw)).decode() + "\n" + rest + "\n"
receipt["checkpoint"]["note"] = forged
# The tlog-proof holds the same note: changed alike, so that only the
# signature check can catch it.
receipt["tlog_proof"] = receipt["tlog_proof"].replace(note, forged)
# The time-stamp token stamps the note as it was, and would catch the change
# first: without it, the signature check must.
del receipt["checkpoint"]["timestamp"]
json.dump(receipt, open(sys.argv[2], "w"))
PY
if $verify receipt --policy "$policy" "$work/bad-receipt.json" >/dev/null; then
    echo "the Python verifier accepted a receipt whose log signature was changed" >&2
    exit 1
fi
if "$provdb" verify-receipt "$work/bad-receipt.json" --policy "$policy" >"$work/bad.log"; then
    echo "verify-receipt accepted a receipt whose log signature was changed" >&2
    exit 1
fi
grep -q "does not verify" "$work/bad.log"
"$provdb" key generate w3.example --witness -o "$work/w3.key" >"$work/w3.vkey" 2>/dev/null
{ grep -v '^quorum\|^group' "$policy"; printf 'witness W3 %s\ngroup three all W1 W2 W3\nquorum three\n' "$(cat "$work/w3.vkey")"; } >"$work/three.policy"
if $verify receipt --policy "$work/three.policy" "$work/signed-receipt.json" >"$work/three.log"; then
    echo "the Python verifier accepted a receipt short of its quorum" >&2
    exit 1
fi
grep -q "the quorum three is not met" "$work/three.log"

# The reference b3sum accepts provdb's manifests.
if ! command -v b3sum >/dev/null; then
    cargo install b3sum --locked --quiet --root "$PWD/target/tools"
    export PATH="$PWD/target/tools/bin:$PATH"
fi
"$provdb" manifest >"$work/objects.b3"
(cd "$work/store" && b3sum --check --quiet "$work/objects.b3")
"$provdb" manifest --doc khojaly-article --name 'article {n}/revision.txt' --export "$work/export" >"$work/doc.b3"
(cd "$work/export" && b3sum --check --quiet "$work/doc.b3")
[ "$(wc -l <"$work/objects.b3")" -ge 3 ] && [ "$(wc -l <"$work/doc.b3")" -eq 3 ]
# A bundle read with Python's tarfile: the journal is the store's, and each
# object's BLAKE3 is its name.
"$provdb" export --format bundle -o "$work/store.tar" >/dev/null
python3 - "$work/store.tar" "$work/store/journal" <<'PY'
import blake3, sys, tarfile
with tarfile.open(sys.argv[1]) as bundle:
    names = bundle.getnames()
    assert names[:2] == ["provdb-bundle/FORMAT", "provdb-bundle/journal"], names[:3]
    assert bundle.extractfile("provdb-bundle/journal").read() == open(sys.argv[2], "rb").read()
    objects = [name for name in names if name.startswith("provdb-bundle/objects/")]
    for name in objects:
        member = bundle.getmember(name)
        assert member.isreg() and member.mtime == 0 and member.uid == 0
        digest = blake3.blake3(bundle.extractfile(member).read()).hexdigest()
        assert digest == "".join(name.split("/")[-2:]), name
print(f"bundle: {len(objects)} objects, each hashing to its name; the journal is the store's")
PY

# The record exports, each read by an independent tool.
"$provdb" export --format jsonl -o "$work/export.jsonl" >/dev/null
"$provdb" export --format csv -o "$work/export.csv" >/dev/null
"$provdb" export --format csl-json -o "$work/export.csl.json" >/dev/null
python3 - "$work" schema/export-jsonl.schema.json ../shared/vectors/csl/csl-data.json <<'PY'
import csv, json, sys, jsonschema
work, jsonl_schema, csl_schema = sys.argv[1:]
schema = json.load(open(jsonl_schema))
lines = [json.loads(line) for line in open(f"{work}/export.jsonl")]
for line in lines:
    jsonschema.validate(line, schema)
citations = [line for line in lines if line["type"] == "citation"]
rows = list(csv.DictReader(open(f"{work}/export.csv", newline="", encoding="utf-8")))
assert len(rows) == len(citations), (len(rows), len(citations))
by_id = {c["id"]: c for c in citations}
for row in rows:
    c = by_id[row["citation_id"]]
    assert row["quote"] == c["selector"]["exact"] and row["source_id"] == c["source"], row
    assert int(row["start"]) == c["selector"]["start"] and row["claim_id"] == c["claim"], row
items = json.load(open(f"{work}/export.csl.json"))
jsonschema.validate(items, json.load(open(csl_schema)))
sources = [line for line in lines if line["type"] == "source"]
assert sorted(i["id"] for i in items) == sorted(s["id"] for s in sources)
print(f"exports: {len(lines)} JSON Lines valid, {len(rows)} CSV rows agree, {len(items)} CSL-JSON items valid")
PY

"$provdb" export --format web-annotation -o "$work/annotations.json" >/dev/null
python3 scripts/check_web_annotations.py "$work/annotations.json" ../shared/vectors/web-annotation
# ...and the checker itself must refuse a broken export.
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["first"]["items"][0]["target"]["selector"][0]["exact"]; json.dump(d, open(sys.argv[2], "w"))' \
    "$work/annotations.json" "$work/bad-annotations.json"
if python3 scripts/check_web_annotations.py "$work/bad-annotations.json" ../shared/vectors/web-annotation >/dev/null 2>&1; then
    echo "the W3C schemas accepted a TextQuoteSelector without exact" >&2
    exit 1
fi

# PROV-JSON, loaded and round-tripped by the `prov` package and checked
# against the PROV-JSON schema; a broken copy must be refused.
python3 -c 'import prov' 2>/dev/null \
    || python3 -m pip install --quiet prov 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages prov
"$provdb" export --format prov-json -o "$work/prov.json" >/dev/null
cites=$("$provdb" --json log | python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin)["entries"] if e["change"]["op"] == "cite"))')
python3 scripts/check_prov.py "$work/prov.json" ../shared/vectors/prov-json/schemas/prov-json.schema.json "$cites"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); k=next(iter(d["wasDerivedFrom"])); del d["wasDerivedFrom"][k]["prov:usedEntity"]; json.dump(d, open(sys.argv[2], "w"))' \
    "$work/prov.json" "$work/bad-prov.json"
if python3 scripts/check_prov.py "$work/bad-prov.json" ../shared/vectors/prov-json/schemas/prov-json.schema.json "$cites" >/dev/null 2>&1; then
    echo "the PROV-JSON checks accepted a derivation without its used entity" >&2
    exit 1
fi

# ClaimReview: the real markup imported (32 publishers' blocks, a
# DataCommons feed item, a Fact Check Tools API item), one verdict recorded
# with `review`, then the export expanded offline by pyld with schema.org's
# context and compared field by field with the markup it came from.
python3 -c 'import pyld' 2>/dev/null \
    || python3 -m pip install --quiet pyld 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages pyld
markup=../shared/data/claimreview
"$provdb" import --format claimreview "$markup/claimreview_jsonld_32_publishers.json" >/dev/null
"$provdb" import --format claimreview "$markup/meedan-fetch_data_commons_feed_item.json" >/dev/null
"$provdb" import --format claimreview "$markup/meedan-fetch_google_factcheck_api_item.json" >/dev/null
"$provdb" review "$claim" --rating "Sources differ" --rating-value 3 --best 5 --worst 1 \
    --by "CI review desk" --url https://ci.example/review/1 --date 2024-03-01 >/dev/null
"$provdb" --json claims >"$work/claims.json"
"$provdb" --json reviews >"$work/reviews.json"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); n=sum(1 for x in r if x["markup"]); assert n == 34, n' "$work/reviews.json"
"$provdb" export --format claimreview -o "$work/claimreview.json" >/dev/null
check_claimreview() {
    python3 scripts/check_claimreview.py "$1" "$markup/schemaorg/schemaorgcontext-30.0.jsonld" \
        "$work/claims.json" "$work/reviews.json" "$markup/claimreview_jsonld_32_publishers.json" \
        "$markup/meedan-fetch_data_commons_feed_item.json" "$markup/meedan-fetch_google_factcheck_api_item.json"
}
check_claimreview "$work/claimreview.json"
# ...and the check must refuse a changed verdict, a lost author and an invented date.
for change in 'g[3]["reviewRating"]["alternateName"] = "True"' 'del g[5]["author"]' 'g[17]["datePublished"] = "2023-01-01"'; do
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); g=d['@graph']; $change; json.dump(d, open(sys.argv[2], 'w'))" \
        "$work/claimreview.json" "$work/bad-claimreview.json"
    if check_claimreview "$work/bad-claimreview.json" >/dev/null 2>&1; then
        echo "the ClaimReview check accepted an export with: $change" >&2
        exit 1
    fi
done
$verify store "$work/store"

# Merging: a second store's bundle merged into this one; the Python verifier
# checks each merged entry against the other journal, kept as a source, and
# must refuse a merged entry pointed at another line of it.
printf 'A field note of 1994 gives the number of residents taken captive as 1,000.\n' >"$work/note.txt"
(
    export PROVDB_DIR="$work/other" PROVDB_ACTOR=bob
    "$provdb" init "$work/other" >/dev/null
    note=$("$provdb" --json add "$work/note.txt" --title "Field note" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    "$provdb" cite "$note" --quote "1,000" --subject "Khojaly, 26 February 1992" --property "people taken captive" --value 1000 >/dev/null
    "$provdb" cite "$note" --quote "1994" --subject "field note" --property "year" --value 1994 >/dev/null
    "$provdb" export --format bundle -o "$work/other.tar" >/dev/null
)
"$provdb" import "$work/other.tar" >/dev/null
"$provdb" verify >/dev/null
"$provdb" conflicts | grep -q "1000"
$verify store "$work/store"
cp -r "$work/store" "$work/forged"
python3 - "$work/forged/journal" <<'PY'
import blake3, json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
last = json.loads(lines[-1])
last["origin"]["seq"] -= 1
lines[-1] = json.dumps(last, separators=(",", ":")).encode()
prev = "0" * 64
out = []
for line in lines:
    entry = json.loads(line)
    entry["prev"] = prev
    line = json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode()
    out.append(line)
    prev = blake3.blake3(line + b"\n").hexdigest()
open(sys.argv[1], "wb").write(b"".join(line + b"\n" for line in out))
PY
rm -f "$work/forged/checkpoints"
if $verify store "$work/forged" >"$work/forged.log" 2>&1; then
    echo "the Python verifier accepted a merged entry pointed at another line of its origin" >&2
    exit 1
fi
grep -q "does not match entry" "$work/forged.log"
if "$provdb" --db "$work/forged" verify >/dev/null 2>&1; then
    echo "provdb verify accepted a merged entry pointed at another line of its origin" >&2
    exit 1
fi
echo "merge: merged entries match their origin journal; a forged origin is refused by both verifiers"

# PROV-JSON again, now with reviews (attributed to their reviewers) and
# merged entries: still loaded, round-tripped and schema-valid.
"$provdb" export --format prov-json -o "$work/prov-all.json" >/dev/null
cites=$("$provdb" --json log | python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin)["entries"] if e["change"]["op"] == "cite"))')
python3 scripts/check_prov.py "$work/prov-all.json" ../shared/vectors/prov-json/schemas/prov-json.schema.json "$cites"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); n=sum(1 for k in d["entity"] if k.startswith("provdb:review-")); assert n == 35, n; assert len(d["wasAttributedTo"]) >= 35' "$work/prov-all.json"

# Web capture: a page served by Python's http.server on 127.0.0.1, captured
# with `add URL`, exported as WARC and read back by warcio (PyPI), which
# checks every record's block and payload digests; the response's payload is
# the page's bytes.
python3 -c 'import warcio' 2>/dev/null \
    || python3 -m pip install --quiet warcio 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages warcio
port_file="$work/port"
python3 - "$PWD/fixtures" "$port_file" <<'PY' &
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
open(sys.argv[2], "w").write(str(server.server_address[1]))
server.serve_forever()
PY
server_pid=$!
for _ in $(seq 100); do [ -s "$port_file" ] && break; python3 -c 'import time; time.sleep(0.05)'; done
port=$(cat "$port_file")
"$provdb" --db "$work/web" init "$work/web" >/dev/null
"$provdb" --db "$work/web" add "http://127.0.0.1:$port/khojaly-article-2024-02.html" >/dev/null
"$provdb" --db "$work/web" add "http://127.0.0.1:$port/khojaly-article-2024-05.txt" >/dev/null
"$provdb" --db "$work/web" export --format warc -o "$work/captures.warc" >/dev/null
kill "$server_pid"
python3 - "$work/captures.warc" fixtures <<'PY'
import sys
from warcio.archiveiterator import ArchiveIterator
responses = 0
with open(sys.argv[1], "rb") as stream:
    for record in ArchiveIterator(stream, check_digests="raise"):
        if record.rec_type == "response":
            responses += 1
            name = record.rec_headers.get_header("WARC-Target-URI").rsplit("/", 1)[1]
            payload = record.content_stream().read()
            assert payload == open(f"{sys.argv[2]}/{name}", "rb").read(), name
            assert record.http_headers.get_statuscode() == "200"
assert responses == 2, responses
print(f"warc: {responses} captures read by warcio, every digest checked, payloads are the pages")
PY
"$provdb" --db "$work/web" verify >/dev/null
$verify store "$work/web"

# WACZ: py-wacz (Webrecorder's packager, PyPI) packs the exported WARC; a
# new store imports the package and holds the same sources with the same
# retrieval times. A package whose WARC file has one bit changed is refused.
command -v wacz >/dev/null \
    || python3 -m pip install --quiet wacz 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages wacz
# warcio recompresses the export one gzip member per record, as WACZ tools
# index it.
warcio recompress "$work/captures.warc" "$work/captures.warc.gz" >/dev/null
(cd "$work" && wacz create -o captures.wacz captures.warc.gz >/dev/null)
"$provdb" --db "$work/from-wacz" init "$work/from-wacz" >/dev/null
"$provdb" --db "$work/from-wacz" --json import --format wacz "$work/captures.wacz" > "$work/wacz.json"
"$provdb" --db "$work/web" --json sources > "$work/web-sources.json"
python3 - "$work/wacz.json" "$work/web-sources.json" <<'PY'
import json, sys
imported = json.load(open(sys.argv[1]))
sources = json.load(open(sys.argv[2]))
got = sorted((c["id"], c["capture"]["retrieved"]) for c in imported["captures"])
want = sorted((s["id"], s["meta"]["retrieved"]) for s in sources["sources"])
assert got == want, (got, want)
print(f"wacz: py-wacz's package of {len(got)} captures imported, same sources and retrieval times")
PY
"$provdb" --db "$work/from-wacz" verify >/dev/null
python3 - "$work/captures.wacz" "$work/altered.wacz" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as src, zipfile.ZipFile(sys.argv[2], "w") as out:
    for info in src.infolist():
        data = src.read(info)
        if info.filename.startswith("archive/"):
            middle = len(data) // 2
            data = data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1:]
        out.writestr(info, data)
PY
if "$provdb" --db "$work/from-wacz" import --format wacz "$work/altered.wacz" 2> "$work/wacz.err"; then
  echo "an altered WACZ was imported" >&2; exit 1
fi
grep -q "does not match the SHA-256 its package states" "$work/wacz.err" \
    || { cat "$work/wacz.err" >&2; exit 1; }
echo "wacz: a package whose WARC file was changed is refused"

echo "independent verifier: provdb's store and proofs hold, tampering is caught, b3sum --check accepts the manifests"
