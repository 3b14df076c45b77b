//! The sled reference for BENCHMARKS.md: sled 0.34.7 alone, with the store's
//! cache bound, inserting records into 3 trees (as the index writes one
//! citation) and then opening the database and doing one lookup.
//!
//! cargo bench --bench sled_reference -- RECORDS DIR [VALUE_BYTES] [REOPEN]
//!
//! Prints records/s for the inserts and the peak resident memory when they
//! are written, the milliseconds of the first open + 1 lookup (sled replays
//! its log), and of a second open + 1 lookup + close (what every later
//! command pays), so that provdb's own figures can be given as ratios to
//! sled's in the same sitting. It measures sled, not provdb. With REOPEN
//! (default 0: never), sled is flushed, closed and opened again after every
//! REOPEN records.
//!
//! cargo bench --bench sled_reference -- open DIR [TIMES]
//!
//! Opens an existing sled directory (give it a copy of a store's `index/`:
//! sled writes to what it opens) TIMES times (default 7) with the store's
//! settings, opening every tree and closing, and prints the first open's
//! milliseconds (the one a command pays: sled starts its threads and reads
//! its file cold in this process) and the fastest, median and slowest of
//! all: what sled alone costs each provdb command that reads that index.
//! With TIMES 1, the whole process, timed from outside
//! (`scripts/time_ms.py`), is sled's share of a lookup command. It also
//! prints what each open and close wrote (the process's `wchar` in
//! /proc/self/io): sled 0.34.7 rewrites every free segment of its file on
//! each open, whether or not anything is then written.
//!
//! cargo bench --bench sled_reference -- scan DIR [CACHE_BYTES] [TOUCHES] [REOPEN]
//!
//! Opens an existing sled directory (a copy of a store's `index/`) with the
//! given cache bound (the store's by default) and reads every record of
//! every tree once, as `verify` does, printing each tree's records and
//! value bytes and the process's peak resident memory after it (`VmHWM` in
//! /proc/self/status): what sled alone holds for a full read, to set beside
//! `cache_capacity`. With TOUCHES (default 0), each key is read that many
//! times more, as `verify`'s sweeps do (`SWEEP_TOUCHES`). With REOPEN
//! (default 0: never), sled is closed and opened again after every REOPEN
//! records, the read going on from the next key: what sled keeps of a read
//! goes with each close.

use std::time::Instant;

/// Opens sled with `config`, waiting while its file lock is still held:
/// sled lets go of it a moment after a close, when its threads have, as
/// `Index::open` allows for.
fn open_waiting(config: impl Fn() -> sled::Config) -> sled::Result<sled::Db> {
    loop {
        match config().open() {
            Err(sled::Error::Io(error))
                if error.to_string().starts_with("could not acquire lock") =>
            {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            other => return other,
        }
    }
}

/// Returns the bytes this process has passed to write calls so far (the
/// `wchar` line of /proc/self/io, which counts every thread's).
fn written() -> Result<u64, Box<dyn std::error::Error>> {
    let io = std::fs::read_to_string("/proc/self/io")?;
    let line = io
        .lines()
        .find_map(|line| line.strip_prefix("wchar: "))
        .ok_or("/proc/self/io has no wchar line")?;
    Ok(line.trim().parse()?)
}

/// `open DIR [TIMES]`: sled's open and close of an existing index, alone.
fn open_only(dir: &str, opens: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut times = Vec::new();
    let mut wrote = Vec::new();
    for _ in 0..opens {
        let before = written()?;
        let started = Instant::now();
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(provdb::storage::index::CACHE_BYTES)
            .flush_every_ms(None)
            .open()?;
        let trees = db
            .tree_names()
            .into_iter()
            .map(|name| db.open_tree(name))
            .collect::<Result<Vec<_>, _>>()?;
        drop(trees);
        drop(db);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        wrote.push(written()? - before);
    }
    let first = times[0];
    times.sort_by(f64::total_cmp);
    use std::io::Write;
    writeln!(
        std::io::stdout().lock(),
        "sled open of {dir}, every tree, close, {opens} times: first {first:.1} ms; min {:.1} ms median {:.1} ms max {:.1} ms; wrote {} bytes per open (min), {} (max)",
        times[0],
        times[opens / 2],
        times[opens - 1],
        wrote.iter().min().copied().unwrap_or(0),
        wrote.iter().max().copied().unwrap_or(0)
    )?;
    Ok(())
}

/// Returns the process's peak resident memory in KiB (the `VmHWM` line of
/// /proc/self/status).
fn peak_kib() -> Result<u64, Box<dyn std::error::Error>> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .ok_or("/proc/self/status has no VmHWM line")?;
    Ok(line.trim().trim_end_matches("kB").trim().parse()?)
}

/// `scan DIR [CACHE_BYTES] [TOUCHES] [REOPEN]`: every record of every tree
/// read, each key `touches` more times; with `reopen` above 0, sled is
/// closed and opened again after every `reopen` records, the read going on
/// from the key after the last one read.
/// Reads every record of every tree once by key, in a shuffled order (as
/// `verify` compares each record with the journal entry that wrote it,
/// in journal order), closing and opening sled again every `reopen` reads.
fn gets(dir: &str, reopen: u64) -> Result<(), Box<dyn std::error::Error>> {
    let open = || {
        open_waiting(|| {
            sled::Config::new()
                .path(dir)
                .cache_capacity(provdb::storage::index::CACHE_BYTES)
                .flush_every_ms(None)
        })
    };
    // Listed 2,000 at a time, sled reopened between (a whole listing in
    // one open holds the whole index, "sled alone, closed and opened again").
    let mut db = open()?;
    let mut keys: Vec<(sled::IVec, sled::IVec)> = Vec::new();
    for name in db.tree_names() {
        loop {
            let tree = db.open_tree(&name)?;
            let from = match keys.last() {
                Some((last_tree, key)) if *last_tree == name => {
                    std::ops::Bound::Excluded(key.to_vec())
                }
                _ => std::ops::Bound::Unbounded,
            };
            let part: Vec<sled::IVec> = tree
                .range::<Vec<u8>, _>((from, std::ops::Bound::Unbounded))
                .keys()
                .take(2_000)
                .collect::<Result<_, _>>()?;
            drop(tree);
            let full = part.len() == 2_000;
            keys.extend(part.into_iter().map(|key| (name.clone(), key)));
            drop(db);
            db = open()?;
            if !full {
                break;
            }
        }
    }
    drop(db);
    // A fixed shuffle (Fisher-Yates driven by a 64-bit LCG).
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for at in (1..keys.len()).rev() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let other = (state >> 33) as usize % (at + 1);
        keys.swap(at, other);
    }
    let listed_peak = peak_kib()?;
    let started = Instant::now();
    db = open()?;
    let (mut read, mut bytes, mut opens) = (0u64, 0u64, 1u64);
    for (name, key) in &keys {
        if reopen > 0 && read > 0 && read % reopen == 0 {
            drop(db);
            db = open()?;
            opens += 1;
        }
        bytes += db
            .open_tree(name)?
            .get(key)?
            .map_or(0, |value| value.len() as u64);
        read += 1;
    }
    use std::io::Write;
    writeln!(
        std::io::stdout().lock(),
        "sled gets of {dir}: {read} records, {bytes} bytes of values, in a shuffled order, reopened every {reopen} ({opens} opens): {:.2} s, peak {} KiB (keys listed: {listed_peak} KiB)",
        started.elapsed().as_secs_f64(),
        peak_kib()?
    )?;
    Ok(())
}

fn scan(
    dir: &str,
    cache: u64,
    touches: usize,
    reopen: u64,
) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let started = Instant::now();
    let open = || {
        open_waiting(|| {
            sled::Config::new()
                .path(dir)
                .cache_capacity(cache)
                .flush_every_ms(None)
        })
    };
    let mut db = open()?;
    writeln!(
        out,
        "sled scan of {dir}, cache_capacity {cache} bytes, each key read {touches} more times, reopened every {reopen} records; opened: peak {} KiB",
        peak_kib()?
    )?;
    let (mut records, mut bytes, mut opens) = (0u64, 0u64, 1u64);
    for name in db.tree_names() {
        let (mut tree_records, mut tree_bytes) = (0u64, 0u64);
        let mut after: Option<sled::IVec> = None;
        loop {
            let tree = db.open_tree(&name)?;
            let pairs = match &after {
                None => tree.iter(),
                Some(key) => tree.range::<&[u8], _>((
                    std::ops::Bound::Excluded(key.as_ref()),
                    std::ops::Bound::Unbounded,
                )),
            };
            let mut read = 0u64;
            for pair in pairs {
                let (key, value) = pair?;
                for _ in 0..touches {
                    tree.get(&key)?;
                }
                tree_records += 1;
                tree_bytes += (key.len() + value.len()) as u64;
                read += 1;
                if reopen > 0 && read == reopen {
                    after = Some(key);
                    break;
                }
            }
            if reopen == 0 || read < reopen {
                break;
            }
            // The iterator and the tree are gone (they hold sled open).
            drop(tree);
            drop(db);
            db = open()?;
            opens += 1;
        }
        if tree_records > 0 {
            writeln!(
                out,
                "  {}: {tree_records} records, {:.1} MB of keys and values; peak {} KiB",
                String::from_utf8_lossy(&name),
                tree_bytes as f64 / 1e6,
                peak_kib()?
            )?;
        }
        records += tree_records;
        bytes += tree_bytes;
    }
    writeln!(
        out,
        "read {records} records, {:.1} MB of keys and values, in {:.2} s, {opens} opens; peak {} KiB",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        peak_kib()?
    )?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).filter(|arg| arg != "--bench");
    let mut args = args.by_ref().peekable();
    if args.peek().map(String::as_str) == Some("open") {
        args.next();
        let usage = "usage: sled_reference open DIR [TIMES]";
        let dir = args.next().ok_or(usage)?;
        let opens: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(7);
        if opens == 0 {
            return Err(format!("TIMES must be at least 1; {usage}").into());
        }
        return open_only(&dir, opens);
    }
    if args.peek().map(String::as_str) == Some("gets") {
        args.next();
        let usage = "usage: sled_reference gets DIR [REOPEN]";
        let dir = args.next().ok_or(usage)?;
        let reopen = args.next().map(|n| n.parse()).transpose()?.unwrap_or(0);
        return gets(&dir, reopen);
    }
    if args.peek().map(String::as_str) == Some("scan") {
        args.next();
        let usage = "usage: sled_reference scan DIR [CACHE_BYTES] [TOUCHES] [REOPEN]";
        let dir = args.next().ok_or(usage)?;
        let cache = args
            .next()
            .map(|n| n.parse())
            .transpose()?
            .unwrap_or(provdb::storage::index::CACHE_BYTES);
        let touches = args.next().map(|n| n.parse()).transpose()?.unwrap_or(0);
        let reopen = args.next().map(|n| n.parse()).transpose()?.unwrap_or(0);
        return scan(&dir, cache, touches, reopen);
    }
    let records: u64 = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(100_000);
    let dir = args
        .next()
        .unwrap_or_else(|| "target/sled-reference".into());
    let value_bytes: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(300);
    let reopen: u64 = args.next().map(|n| n.parse()).transpose()?.unwrap_or(0);
    let _ = std::fs::remove_dir_all(&dir);
    let config = || {
        sled::Config::new()
            .path(&dir)
            .cache_capacity(provdb::storage::index::CACHE_BYTES)
            .flush_every_ms(None)
    };
    let mut db = config().open()?;
    let mut trees = [db.open_tree("a")?, db.open_tree("b")?, db.open_tree("c")?];
    let mut opens = 1u64;
    // A value the size of a citation record (about 300 bytes by default) in
    // the first tree, empty values under 65-byte link keys in the other two.
    let value = vec![7u8; value_bytes];
    let started = Instant::now();
    let mut batches: Vec<sled::Batch> = (0..3).map(|_| sled::Batch::default()).collect();
    for record in 0..records {
        let key = *blake3::hash(&record.to_le_bytes()).as_bytes();
        batches[0].insert(&key[..], value.clone());
        let mut link = vec![b'c'];
        link.extend_from_slice(&key);
        link.extend_from_slice(&key);
        batches[1].insert(link.clone(), Vec::new());
        link[0] = b's';
        batches[2].insert(link, Vec::new());
        if (record + 1) % 2_000 == 0 {
            for (tree, batch) in trees.iter().zip(batches.iter_mut()) {
                tree.apply_batch(std::mem::take(batch))?;
            }
        }
        if reopen > 0 && (record + 1) % reopen == 0 && record + 1 < records {
            for (tree, batch) in trees.iter().zip(batches.iter_mut()) {
                tree.apply_batch(std::mem::take(batch))?;
            }
            db.flush()?;
            drop(trees);
            drop(db);
            db = open_waiting(config)?;
            trees = [db.open_tree("a")?, db.open_tree("b")?, db.open_tree("c")?];
            opens += 1;
        }
    }
    for (tree, batch) in trees.iter().zip(batches.iter_mut()) {
        tree.apply_batch(std::mem::take(batch))?;
    }
    db.flush()?;
    let seconds = started.elapsed().as_secs_f64();
    let written_peak = peak_kib()?;
    drop(trees);
    drop(db);
    std::thread::sleep(std::time::Duration::from_millis(200));
    let started = Instant::now();
    let db = config().open()?;
    let tree = db.open_tree("a")?;
    let key = *blake3::hash(&(records / 2).to_le_bytes()).as_bytes();
    let found = tree.get(key)?.is_some();
    let open_ms = started.elapsed().as_secs_f64() * 1000.0;
    drop(tree);
    drop(db);
    std::thread::sleep(std::time::Duration::from_millis(200));
    // The open every later command pays: sled's files settled by the open
    // above (as provdb's close reopens them once after writing), so this
    // is reading the snapshot's page table and accounting its segments.
    let started = Instant::now();
    let db = config().open()?;
    let tree = db.open_tree("a")?;
    let again = tree.get(key)?.is_some();
    drop(tree);
    drop(db);
    let settled_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut out = std::io::stdout().lock();
    use std::io::Write;
    writeln!(
        out,
        "sled 3 trees: {records} records in {seconds:.2} s = {:.0} records/s, {opens} opens, peak {written_peak} KiB when written; open + 1 lookup: {open_ms:.1} ms (found: {found}); settled open + 1 lookup + close: {settled_ms:.1} ms (found: {again})",
        records as f64 / seconds
    )?;
    Ok(())
}
