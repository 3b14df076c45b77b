//! The index as `verify`'s two threads read it: shared, and closed and
//! opened again every few hundred lookups' worth of reads.
//!
//! sled 0.34.7 keeps the pages a read pulls in until it is closed, whatever
//! its cache bound, so a check that reads every record holds the whole index
//! (670 MB at 10,000,000 citations, 41 MB reopened every 2,000 records;
//! "sled alone, closed and opened again as it goes" in BENCHMARKS.md). The
//! handle can only be let go when neither thread is reading and no iterator
//! is alive (an iterator holds sled's file lock, which the new open waits
//! for), so every read is a unit of work, `SharedIndex::read`, that takes
//! the handle and gives it back before it returns. A unit never starts
//! another (it is given the `Index`, not this), so a reopen waits for at
//! most one unit of the other thread.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use crate::storage::index::{Index, IndexError};

/// What `verify` reads between reopens of its index, counted in records
/// read in key order (`RECORDS_A_LEAF` of them fill one of sled's leaves);
/// a record looked up by its key counts as a whole leaf, `LOOKUP`. sled
/// alone reading every record of the 10,000,000-citation index held 670 MB
/// in one open, 73 MB reopened every 5,000 records and 41 MB every 2,000;
/// looking every record up by its key in a shuffled order, 328 MB in one
/// open and 69 MB reopened every 500 lookups (`cargo bench --bench
/// sled_reference -- scan` and `-- gets`, BENCHMARKS.md). A reopen costs
/// 5–15 ms at 1,000,000 citations and about 21 ms at 10,000,000, and both
/// threads wait for it.
pub(super) const REOPEN_EVERY: u64 = 500 * LOOKUP;

/// What one lookup by key counts toward `REOPEN_EVERY`: a leaf.
pub(super) const LOOKUP: u64 = RECORDS_A_LEAF as u64;

/// A unit of work reads at most this many leaves, so that a reopen comes
/// between units: a tree is read `PART * RECORDS_A_LEAF` records at a time.
pub(super) const PART: usize = 64;

/// Records of a tree read in key order that fill a leaf: sled splits a
/// leaf past 16 records, so a leaf holds 8 to 16.
pub(super) const RECORDS_A_LEAF: usize = 8;

/// The interval `verify` uses: `REOPEN_EVERY`, or in a debug build the
/// value of `PROVDB_INDEX_REOPEN_EVERY`, so that tests can reopen the index
/// after every read.
pub(super) fn reopen_every() -> u64 {
    #[cfg(debug_assertions)]
    if let Some(every) = std::env::var("PROVDB_INDEX_REOPEN_EVERY")
        .ok()
        .and_then(|value| value.trim().parse::<u64>().ok())
    {
        return every.max(1);
    }
    REOPEN_EVERY
}

/// An index read by several threads, reopened every `every` records read.
pub(super) struct SharedIndex {
    state: Mutex<State>,
    turn: Condvar,
    every: u64,
    /// How the handle is closed and opened again: `Index::reopen`, or in a
    /// test one that fails.
    reopener: fn(Index) -> Result<Index, IndexError>,
}

struct State {
    /// None only after a reopen failed.
    index: Option<Arc<Index>>,
    /// Units of work holding the handle now.
    readers: usize,
    /// Records read since the last open.
    read: u64,
    /// True while a thread waits for the readers to finish, to reopen.
    reopening: bool,
    reopens: u64,
    /// Why the index could not be opened again.
    failed: Option<String>,
}

/// Gives the handle back when a unit of work ends, also by a panic: the
/// handle's clone is dropped before the count of readers goes down, so
/// that the reopening thread holds the only one.
struct Lease<'a> {
    shared: &'a SharedIndex,
    index: Option<Arc<Index>>,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        drop(self.index.take());
        let mut state = self.shared.lock();
        state.readers -= 1;
        if state.readers == 0 {
            self.shared.turn.notify_all();
        }
    }
}

impl SharedIndex {
    pub(super) fn new(index: Index, every: u64) -> SharedIndex {
        SharedIndex::with_reopener(index, every, Index::reopen)
    }

    fn with_reopener(
        index: Index,
        every: u64,
        reopener: fn(Index) -> Result<Index, IndexError>,
    ) -> SharedIndex {
        SharedIndex {
            state: Mutex::new(State {
                index: Some(Arc::new(index)),
                readers: 0,
                read: 0,
                reopening: false,
                reopens: 0,
                failed: None,
            }),
            turn: Condvar::new(),
            every: every.max(1),
            reopener,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere leaves the counts whole (they change only under
        // the lock, in a few lines that do not panic; a reopen's panic is
        // caught).
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(&self, state: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        self.turn
            .wait(state)
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs one unit of work that reads about `records` records, reopening
    /// the index first when enough have been read since it was opened.
    /// Returns None when the index could not be opened again (see
    /// `failure`): the unit is not run, and what it would have checked is
    /// not checked.
    pub(super) fn read<R>(&self, records: u64, unit: impl FnOnce(&Index) -> R) -> Option<R> {
        let lease = self.lease(records)?;
        let index = lease.index.as_ref()?;
        Some(unit(index))
    }

    fn lease(&self, records: u64) -> Option<Lease<'_>> {
        let mut state = self.lock();
        loop {
            if state.failed.is_some() {
                return None;
            }
            if state.reopening {
                state = self.wait(state);
                continue;
            }
            if state.read >= self.every {
                state.reopening = true;
                while state.readers > 0 {
                    state = self.wait(state);
                }
                self.reopen(&mut state);
                state.reopening = false;
                self.turn.notify_all();
                continue;
            }
            state.read += records;
            state.readers += 1;
            return Some(Lease {
                shared: self,
                index: state.index.clone(),
            });
        }
    }

    /// Closes the index and opens it again; no unit holds it.
    fn reopen(&self, state: &mut State) {
        state.read = 0;
        let Some(index) = state.index.take() else {
            return;
        };
        let reopened = match Arc::try_unwrap(index) {
            // A panic here must not leave `reopening` set: the other thread
            // would wait for it forever. sled 0.34 can panic in a flush, a
            // drop or an open; the failure is reported instead.
            Ok(index) => match catch_unwind(AssertUnwindSafe(|| (self.reopener)(index))) {
                Ok(reopened) => reopened.map_err(|error| error.to_string()),
                Err(_) => Err("sled stopped with an internal error while reopening it".to_string()),
            },
            // Every lease gives its clone back before it counts itself out.
            Err(_) => Err("it was still held".to_string()),
        };
        match reopened {
            Ok(index) => {
                state.index = Some(Arc::new(index));
                state.reopens += 1;
            }
            Err(why) => state.failed = Some(why),
        }
    }

    /// Why the index could not be opened again partway, if it could not:
    /// what it would have checked from then on was not checked.
    pub(super) fn failure(&self) -> Option<String> {
        self.lock().failed.clone()
    }

    /// How many times the index was closed and opened again: told in a
    /// debug build, for tests.
    #[cfg_attr(not(debug_assertions), allow(dead_code))]
    pub(super) fn reopens(&self) -> u64 {
        self.lock().reopens
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::index::TreeName;

    /// An index holding `count` records in one tree, key i → value i.
    fn filled(dir: &std::path::Path, count: u32) -> Index {
        let index = Index::open(&dir.join("index")).expect("a new index opens");
        for i in 0..count {
            index
                .put_raw(TreeName::ALL[0], &i.to_be_bytes(), &(i * 7).to_be_bytes())
                .expect("a record is written");
        }
        index
    }

    #[test]
    fn two_threads_reading_at_once_see_every_record_across_reopens() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let shared = SharedIndex::new(filled(dir.path(), 300), 10);
        let read_all = |from: u32| {
            let mut found = 0u32;
            for i in (from..300).chain(0..from) {
                let value = shared
                    .read(1, |index| index.get_raw(TreeName::ALL[0], &i.to_be_bytes()))
                    .expect("the index reopens")
                    .expect("the record reads");
                assert_eq!(value, Some((i * 7).to_be_bytes().to_vec()));
                found += 1;
            }
            found
        };
        let (a, b) = std::thread::scope(|scope| {
            let a = scope.spawn(|| read_all(0));
            let b = scope.spawn(|| read_all(150));
            (a.join().expect("thread a"), b.join().expect("thread b"))
        });
        assert_eq!((a, b), (300, 300));
        // 600 reads of one record each, a reopen before the read that
        // finds 10 read since the last open: before reads 11, 21, …, 591,
        // which is 59 reopens, whatever the order the threads took turns in.
        assert_eq!(shared.reopens(), 59);
        assert_eq!(shared.failure(), None);
    }

    #[test]
    fn a_unit_that_reads_many_records_counts_them_all() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let shared = SharedIndex::new(filled(dir.path(), 50), 100);
        // The tree read in parts of 20: 20 + 20 + 10 records, then an
        // empty part. Each part counts 20 toward the reopen, whatever it
        // found: 80 after the four, short of 100, so nothing was reopened.
        let mut after: Option<Vec<u8>> = None;
        let mut keys = Vec::new();
        loop {
            let last = shared
                .read(20, |index| {
                    index.visit_records_after(
                        TreeName::ALL[0],
                        after.as_deref(),
                        20,
                        &mut |key, _| keys.push(key.to_vec()),
                    )
                })
                .expect("the index reopens")
                .expect("the records read");
            match last {
                Some(last) => after = Some(last),
                None => break,
            }
        }
        let expected: Vec<Vec<u8>> = (0..50u32).map(|i| i.to_be_bytes().to_vec()).collect();
        assert_eq!(keys, expected);
        assert_eq!(shared.reopens(), 0);
        for _ in 0..2 {
            shared.read(20, |_| ()).expect("the index reopens");
        }
        // The fifth unit brings the count to 100; the sixth finds 100
        // reached and reopens first.
        assert_eq!(shared.reopens(), 1);
    }

    fn panics(_: Index) -> Result<Index, IndexError> {
        panic!("a reopen that fails as sled 0.34 can")
    }

    #[test]
    fn a_reopen_that_panics_is_a_failure_and_no_thread_waits_for_it() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let shared = SharedIndex::with_reopener(filled(dir.path(), 10), 5, panics);
        // Five units of one record each reach the interval; the sixth
        // reopens first, which panics: the unit is refused, not run, and
        // the panic does not reach the caller.
        for _ in 0..5 {
            assert!(shared.read(1, |_| ()).is_some());
        }
        assert!(shared.read(1, |_| ()).is_none());
        {
            // Nothing is left for another thread to wait on: no reopen
            // under way, no unit holding the handle.
            let state = shared.lock();
            assert!(!state.reopening);
            assert_eq!(state.readers, 0);
            assert!(state.index.is_none());
        }
        // So another thread is refused at once.
        let refused = std::thread::scope(|scope| {
            scope
                .spawn(|| shared.read(1, |_| ()).is_none())
                .join()
                .expect("the other thread")
        });
        assert!(refused);
        assert_eq!(shared.reopens(), 0);
        let failure = shared.failure().expect("the failure is kept");
        assert!(failure.contains("internal error"), "{failure}");
    }

    #[test]
    fn a_scratch_index_keeps_its_directory_across_a_reopen() {
        let store = tempfile::tempdir().expect("a temporary directory");
        std::fs::create_dir(store.path().join("index")).expect("an index directory");
        let index = Index::open_scratch(store.path(), false).expect("a scratch index opens");
        index
            .put_raw(TreeName::ALL[0], b"key", b"value")
            .expect("a record is written");
        let reopened = index.reopen().expect("the index reopens");
        assert_eq!(
            reopened
                .get_raw(TreeName::ALL[0], b"key")
                .expect("the record reads"),
            Some(b"value".to_vec())
        );
    }
}
