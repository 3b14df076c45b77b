//! Derives the text layer of each file given, as `add` does, and prints the
//! work done: for the extraction throughput figures in BENCHMARKS.md
//! (scripts/bench_layers.sh).
//!
//!     cargo run --release --example extract -- html|pdf|text FILE...

use std::time::Instant;

use provdb::extract::{derive, Kind};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let kind = match args.next().as_deref() {
        Some("html") => Kind::Html,
        Some("pdf") => Kind::Pdf,
        Some("text") => Kind::Text,
        _ => return Err("usage: extract html|pdf|text FILE...".into()),
    };
    let started = Instant::now();
    let (mut files, mut read, mut text) = (0u64, 0u64, 0u64);
    for path in args {
        let bytes = std::fs::read(&path)?;
        read += bytes.len() as u64;
        let layer = derive(&bytes, kind, None).map_err(|error| format!("{path}: {error}"))?;
        text += layer.map_or(0, |layer| layer.text.len() as u64);
        files += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    // The example reports on standard error: its output is for people.
    use std::io::Write;
    writeln!(
        std::io::stderr(),
        "{files} files, {read} bytes in, {text} bytes of text, {seconds:.2} s, {:.1} MB/s",
        read as f64 / seconds / 1e6
    )?;
    Ok(())
}
