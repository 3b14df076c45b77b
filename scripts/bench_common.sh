# Sourced by the bench scripts after they set `work` (an absolute directory)
# and `repo`: installs the blake3 package and b3sum if missing, builds provdb
# in release mode (copied into $work), and defines `measure`.
python3 -c 'import blake3' 2>/dev/null \
    || python3 -m pip install --quiet blake3 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages blake3
if ! command -v b3sum >/dev/null; then
    cargo install b3sum --locked --quiet --root "$work/tools"
    export PATH="$work/tools/bin:$PATH"
fi
(cd "$repo" && cargo build --release --quiet)
# A copy, so that a build during a long run cannot swap the binary under it.
cp "$repo/target/release/provdb" "$work/provdb-under-test"
provdb="$work/provdb-under-test"
export PROVDB_ACTOR=bench

measure() { # LABEL COMMAND...: seconds and peak resident KB of one run
    local label=$1
    shift
    /usr/bin/time -f "$label %e s %M KB" "$@" >/dev/null 2>>"$work/times.txt" || {
        echo "$label FAILED" >>"$work/times.txt"
    }
    tail -1 "$work/times.txt"
}
