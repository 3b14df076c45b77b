#!/usr/bin/env bash
# Reproduces the text-layer figures in BENCHMARKS.md: extracting 1,000 web
# pages (the 121 real pages of ../shared/data/html-articles, cycled) against
# Python's html.parser, and 100 PDFs (the readable ones of
# ../shared/data/pdfs, cycled) against pdftotext alone; then what `add` and
# `verify` pay for text layers: the 121 pages added as pages and as plain
# text. Whole processes, warm cache, one sitting.
#
#   bash scripts/bench_layers.sh WORKDIR
set -euo pipefail

work=${1:?usage: bench_layers.sh WORKDIR}
repo=$(cd "$(dirname "$0")/.." && pwd)
shared="$repo/../shared/data"
mkdir -p "$work"
work=$(cd "$work" && pwd)
# shellcheck source=scripts/bench_common.sh
. "$repo/scripts/bench_common.sh"
(cd "$repo" && cargo build --release --quiet --example extract)
extract="$repo/target/release/examples/extract"

cd "$work"
rm -rf pages pdfs layered plain times.txt
mkdir -p pages pdfs
for page in "$shared"/html-articles/html/*.html.gz; do
    name=$(basename "$page" .gz)
    gunzip -c "$page" >"pages/$name"
done
mapfile -t one < <(ls pages/*.html)
html=()
while [ "${#html[@]}" -lt 1000 ]; do html+=("${one[@]}"); done
html=("${html[@]:0:1000}")
echo "pages: ${#one[@]} real pages, $(du -ck pages/*.html | tail -1 | cut -f1) KB; 1,000 extractions"
measure "html.parser (Python), 1,000 pages" python3 "$repo/scripts/ref_html_text.py" "${html[@]}"
measure "provdb-html, 1,000 pages" "$extract" html "${html[@]}"

readable=()
for pdf in "$shared"/pdfs/*/*.pdf; do
    # Whole output read (no early close of the pipe), then tested.
    text=$(pdftotext -q "$pdf" - 2>/dev/null | tr -d '[:space:]' || true)
    if [ -n "$text" ]; then readable+=("$pdf"); fi
done
pdfs=()
while [ "${#pdfs[@]}" -lt 100 ]; do pdfs+=("${readable[@]}"); done
pdfs=("${pdfs[@]:0:100}")
echo "pdfs: ${#readable[@]} readable files; 100 extractions"
measure "pdftotext alone, 100 PDFs" bash -c 'for f; do pdftotext -q -enc UTF-8 "$f" - >/dev/null; done' _ "${pdfs[@]}"
measure "pdftotext, pdftotext -bbox-layout and qpdf's labels, 100 PDFs" bash -c 'for f; do pdftotext -q -enc UTF-8 "$f" - >/dev/null; pdftotext -q -bbox-layout -enc UTF-8 "$f" - >/dev/null; qpdf --json=2 --json-key=pagelabels "$f" >/dev/null; done' _ "${pdfs[@]}"
measure "poppler-pdftotext layer (text, word boxes, labels), 100 PDFs" "$extract" pdf "${pdfs[@]}"

"$provdb" --db layered init layered >/dev/null
"$provdb" --db plain init plain >/dev/null
measure "add 121 pages as plain text" "$provdb" --db plain add --media-type text/plain pages
measure "add 121 pages as pages (text layers)" "$provdb" --db layered add pages
measure "verify, pages as plain text" "$provdb" --db plain verify
measure "verify, pages with text layers" "$provdb" --db layered verify
