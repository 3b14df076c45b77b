#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 30); any crash fails.
#
#   bash scripts/fuzz.sh [SECONDS]
#
# cargo fuzz needs nightly compiler flags only for its sanitizers; with
# `--sanitizer none` the one stable toolchain builds the libFuzzer targets when
# RUSTC_BOOTSTRAP=1 lets it accept cargo-fuzz's -Z flags. Crashes are kept
# under fuzz/artifacts/ for reproduction with `cargo fuzz run TARGET FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
if ! command -v cargo-fuzz >/dev/null; then
    cargo install cargo-fuzz --locked --quiet
fi
export RUSTC_BOOTSTRAP=1
log=$(mktemp)
for target in $(cargo fuzz list); do
    echo "-- fuzz $target for ${seconds}s"
    if ! cargo fuzz run --sanitizer none "$target" -- \
        -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 >"$log" 2>&1; then
        tail -40 "$log"
        echo "fuzz target $target failed; the input is under fuzz/artifacts/$target/" >&2
        exit 1
    fi
    grep -E "^stat::(number_of_executed_units|peak_rss_mb)" "$log" || true
done
