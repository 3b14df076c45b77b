//! Deterministic crash points, for tests of what a crash leaves behind.
//!
//! Every write, fsync, rename, removal and truncation that changes a store
//! passes through [`point`] first. In a debug build (the one `cargo test`
//! runs), `PROVDB_CRASH_AT=N` makes the process abort at the Nth point it
//! reaches, before that operation happens; with `PROVDB_CRASH_TORN=1` a write
//! chosen as the crash point first writes half of its bytes, as a kill in the
//! middle of a `write(2)` would. Release builds compile every point to nothing
//! and never read either variable, so a user's process cannot be made to
//! abort by its environment.
//!
//! `PROVDB_FAIL_INDEX=1`, also honoured only in debug builds, makes every
//! write to the index fail as a full disk would, after the journal has been
//! written: the command's change is durable, and only the derived index lags.
//!
//! Tests sweep N from 1 until the command finishes, so every point of a
//! command is crashed at once, whatever the machine's speed (ARCHITECTURE.md,
//! "Where each promise is tested"). This module must not do any I/O of its own
//! but the one line it writes to standard error before aborting.

use std::io::{self, Write};

/// What kind of operation a crash point comes before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Writing bytes to a file.
    Write,
    /// fsync, fdatasync or syncfs.
    Sync,
    /// Renaming a file or directory.
    Rename,
    /// Removing a file or directory.
    Remove,
    /// Creating a file or directory.
    Create,
    /// Cutting a file back.
    Truncate,
    /// Writing a batch of records to the index (sled's own I/O follows).
    Index,
}

#[cfg(debug_assertions)]
mod armed {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;

    static COUNT: AtomicU64 = AtomicU64::new(0);
    static SETTINGS: OnceLock<Option<(u64, bool)>> = OnceLock::new();

    /// Returns (N, torn) when a crash point is set.
    fn settings() -> Option<(u64, bool)> {
        *SETTINGS.get_or_init(|| {
            let at = std::env::var("PROVDB_CRASH_AT").ok()?.trim().parse().ok()?;
            let torn = std::env::var("PROVDB_CRASH_TORN").is_ok_and(|value| value == "1");
            Some((at, torn))
        })
    }

    /// Counts one point; returns whether this is the one to crash at, and
    /// whether writes tear.
    pub(super) fn reached() -> Option<(u64, bool)> {
        let (at, torn) = settings()?;
        let number = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
        (number == at).then_some((number, torn))
    }
}

/// Aborts the process, saying where, with no destructor run and no buffer
/// flushed: what a kill -9 at this moment would leave.
#[cfg_attr(not(debug_assertions), allow(dead_code))]
fn abort_at(number: u64, op: Op, what: &str) -> ! {
    let _ = writeln!(
        io::stderr(),
        "provdb: crash point {number} ({op:?} {what}) reached: aborting"
    );
    std::process::abort()
}

/// Marks a point before an operation that changes the store; in a debug
/// build with `PROVDB_CRASH_AT` set, aborts when it is the Nth.
#[inline]
pub fn point(op: Op, what: &str) {
    #[cfg(debug_assertions)]
    if let Some((number, _)) = armed::reached() {
        abort_at(number, op, what);
    }
    #[cfg(not(debug_assertions))]
    let _ = (op, what);
}

/// Writes all of `bytes` after a crash point; a torn crash writes the first
/// half and flushes it before aborting.
pub fn write_all(writer: &mut impl Write, bytes: &[u8], what: &str) -> io::Result<()> {
    #[cfg(debug_assertions)]
    if let Some((number, torn)) = armed::reached() {
        if torn && bytes.len() > 1 {
            let _ = writer.write_all(&bytes[..bytes.len() / 2]);
            let _ = writer.flush();
        }
        abort_at(number, Op::Write, what);
    }
    #[cfg(not(debug_assertions))]
    let _ = what;
    writer.write_all(bytes)
}

/// True when, in a debug build, `PROVDB_FAIL_INDEX=1` asks every index
/// write to fail.
pub fn index_writes_fail() -> bool {
    #[cfg(debug_assertions)]
    {
        std::env::var("PROVDB_FAIL_INDEX").is_ok_and(|value| value == "1")
    }
    #[cfg(not(debug_assertions))]
    {
        false
    }
}

/// A pause point for tests of what other processes can do meanwhile. In a
/// debug build with `PROVDB_PAUSE_DIR=DIR` (two FIFOs, `DIR/reached` and
/// `DIR/resume`, made by the test), the process writes the point's name to
/// `reached` and then waits until a line is written to `resume`. Both
/// opens block until the test opens the other end, so neither side waits
/// for a length of time. Release builds compile it to nothing.
pub fn pause(name: &str) {
    #[cfg(debug_assertions)]
    if let Some(dir) = std::env::var_os("PROVDB_PAUSE_DIR") {
        let dir = std::path::PathBuf::from(dir);
        if let Ok(mut reached) = std::fs::OpenOptions::new()
            .write(true)
            .open(dir.join("reached"))
        {
            let _ = writeln!(reached, "{name}");
        }
        if let Ok(resume) = std::fs::File::open(dir.join("resume")) {
            let mut line = String::new();
            let _ = io::BufRead::read_line(&mut io::BufReader::new(resume), &mut line);
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = name;
}
