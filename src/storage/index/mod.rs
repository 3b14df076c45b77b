//! The index: sled trees that answer queries, all derived from the journal.
//!
//! **Invariant:** every record in every tree except `meta` is written by
//! exactly one journal entry, its value fixed by that entry alone, and is never
//! overwritten or deleted. `apply::entry_records` is that mapping; applying an entry is
//! putting its records, which makes re-applying after a crash harmless, and
//! verifying the index is recomputing them and comparing. Only this module
//! opens sled.

use std::path::Path;

use crate::storage::codec::{self, CodecError};

mod apply;
pub mod keys;
mod postings;
mod read;
mod records;

pub use apply::Applier;
use apply::{entry_records, supersession_records};
pub use keys::{claim_key_hash, claim_key_prefix, merkle_key};
use keys::{drift_key, revision_key};
use postings::{encode_postings, postings_for, Family, Posting};
pub use postings::{Chunker, StoredSubtree, CHUNK_ENTRIES};
pub use read::{ClaimCitationCounts, QuoteRecord};
use records::encode;
pub use records::{
    AmendmentRecord, AppliedMark, CitationPointer, CitationRecord, ClaimRecord,
    ConflictReviewRecord, DriftRecord, LinePlace, MergeRecord, Record, ReviewRecord,
    RevisionRecord,
};

/// The sled cache bound: far below sled's 1 GiB default. With index
/// writes applied 2,000 records at a time, a million-citation batch stays
/// under 100 MB of memory (BENCHMARKS.md).
pub const CACHE_BYTES: u64 = 32 * 1024 * 1024;

/// How many more times a sweep through a whole tree reads each key it
/// passes. sled 0.34.7 queues each access to a page in the page's LRU shard
/// (one of 256) and counts a shard's queue against `cache_capacity` only
/// once 64 accesses have queued there, so up to 16,384 accesses stay
/// uncounted at any time. A sweep that reads each page once makes those
/// 16,384 distinct pages, never evicted: reading every record of a
/// 1,000,000-citation index held 123 MB whether the bound was 256 KiB or 1
/// GiB, and of a 10,000,000 one 578 MB. Reading each key again gives its
/// leaf (4 to 16 records) 17 to 65 accesses, so a shard's uncounted
/// accesses name a few leaves instead of 64, and sled evicts as the sweep
/// goes: 44 MB and 84 MB (`cargo bench --bench sled_reference -- scan`,
/// BENCHMARKS.md).
pub const SWEEP_TOUCHES: usize = 4;

/// A record at least this large (a chunk of postings; citation and claim
/// records are a few hundred bytes) has its key read `SWEEP_TOUCHES` times
/// more where it is read or written once: `verify`'s reads of index
/// records, and the `Applier` once a batch is written. Pages of smaller
/// records are small, so their uncounted accesses hold little.
pub const LARGE_RECORD_BYTES: usize = 1024;

/// Why the index failed.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// sled refused.
    #[error("index: {0}")]
    Sled(#[from] sled::Error),
    /// A record does not decode.
    #[error("index record in tree {tree} is damaged: {source}")]
    Record {
        /// The tree.
        tree: &'static str,
        /// The decoding error.
        source: CodecError,
    },
    /// A citation's journal line could not be read back.
    #[error("{at}: its journal line at byte {start} {why}; run `provdb verify`")]
    Pointer {
        /// What was read: the citation or claim, when the index names it.
        at: String,
        /// Where the index says the line starts.
        start: u64,
        /// What went wrong.
        why: String,
    },
    /// The in-progress marker could not be written.
    #[error("index: cannot write {path}: {error}")]
    Marker {
        /// The marker's path.
        path: String,
        /// The error.
        error: std::io::Error,
    },
    /// sled panicked while opening its files.
    #[error("index files are damaged (sled could not open them)")]
    Unreadable,
    /// A key does not have its tree's layout.
    #[error(
        "index key in tree {tree} is damaged: {why}; run `provdb verify`, then `provdb reindex`"
    )]
    Key {
        /// The tree.
        tree: &'static str,
        /// What is wrong, with the key's bytes.
        why: String,
    },
}

impl IndexError {
    /// True when the index was written by an earlier build, whose records
    /// have an older format version: not damage, since the index is derived
    /// from the journal, and rebuilt from it.
    pub fn is_earlier_format(&self) -> bool {
        self.earlier_format().is_some()
    }

    /// Says which earlier format the index is in, when it is.
    pub fn earlier_format(&self) -> Option<String> {
        match self {
            IndexError::Record {
                source: CodecError::Version { found },
                ..
            } if *found < codec::RECORD_VERSION => Some(format!(
                "the index was written by an earlier provdb (record format {found}; this build's is {})",
                codec::RECORD_VERSION
            )),
            _ => None,
        }
    }
}

/// The trees of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TreeName {
    /// bucket ‖ chunk → postings (source id, line place) for the chunk's
    /// `add_source` entries whose source id starts with the bucket byte
    Sources,
    /// slug ‖ 0x00 ‖ revision (u32 BE) → RevisionRecord
    Revisions,
    /// source id ‖ slug ‖ 0x00 ‖ revision (u32 BE) → empty
    SourceRevisions,
    /// bucket ‖ chunk → postings (claim id's first 16 bytes, line place)
    /// for the chunk's `record_claim` entries whose claim id starts with the
    /// bucket byte
    Claims,
    /// bucket ‖ chunk → postings (`claim_key_hash`, line place) for the
    /// chunk's `record_claim` entries, bucketed by the hash's first byte
    ClaimsByKey,
    /// bucket ‖ chunk → postings (citation id's first 16 bytes, line place)
    /// for the chunk's citations whose id starts with the bucket byte
    Citations,
    /// 'c' ‖ bucket ‖ chunk → postings (claim id's first 16 bytes, line
    /// place), and 's' ‖ bucket ‖ chunk → postings (source id, line place)
    Links,
    /// citation id → Retraction
    Retractions,
    /// slug ‖ 0x00 ‖ revision (u32 BE) ‖ citation id of the previous revision → DriftRecord
    Drift,
    /// level (u8) ‖ index (u64 BE) → the hash of a complete Merkle subtree of
    /// 2^level journal lines (level ≥ 8), followed for a block (level 8) by
    /// the journal bytes of its lines (start, end: u64 BE)
    Merkle,
    /// citation id ‖ seq (u64 BE) → Supersession, once under each of the two citations
    Supersessions,
    /// seq (u64 BE) → ReviewRecord
    Reviews,
    /// bundle BLAKE3 hash → MergeRecord
    Merges,
    /// Text layers: source id ‖ seq (big-endian) → `LayerRecord`.
    Layers,
    /// Web captures: source id ‖ seq (big-endian) → `CaptureRecord`.
    Captures,
    /// Corrections of sources' metadata: source id ‖ seq (u64 BE) → `AmendmentRecord`.
    Amendments,
    /// Conflicts marked reviewed: seq (u64 BE) → `ConflictReviewRecord`.
    ConflictReviews,
}

impl TreeName {
    /// Every tree holding derived records.
    pub const ALL: [TreeName; 17] = [
        TreeName::Sources,
        TreeName::Revisions,
        TreeName::SourceRevisions,
        TreeName::Claims,
        TreeName::ClaimsByKey,
        TreeName::Citations,
        TreeName::Links,
        TreeName::Retractions,
        TreeName::Drift,
        TreeName::Supersessions,
        TreeName::Merkle,
        TreeName::Reviews,
        TreeName::Merges,
        TreeName::Layers,
        TreeName::Captures,
        TreeName::Amendments,
        TreeName::ConflictReviews,
    ];

    /// Returns the sled tree name.
    pub fn name(self) -> &'static str {
        match self {
            TreeName::Sources => "sources",
            TreeName::Revisions => "revisions",
            TreeName::SourceRevisions => "source_revisions",
            TreeName::Claims => "claims",
            TreeName::ClaimsByKey => "claims_by_key",
            TreeName::Citations => "citations",
            TreeName::Links => "links",
            TreeName::Retractions => "retractions",
            TreeName::Drift => "drift",
            TreeName::Supersessions => "supersessions",
            TreeName::Merkle => "merkle",
            TreeName::Reviews => "reviews",
            TreeName::Merges => "merges",
            TreeName::Layers => "layers",
            TreeName::Captures => "captures",
            TreeName::Amendments => "amendments",
            TreeName::ConflictReviews => "conflict_reviews",
        }
    }
}

/// The open index.
#[derive(Debug)]
pub struct Index {
    /// True once this session has written, or may have: the marker is on disk.
    dirty: std::sync::atomic::AtomicBool,
    marker: std::path::PathBuf,
    /// The journal beside the index, opened on the first citation read.
    journal: std::sync::OnceLock<Result<std::fs::File, String>>,
    journal_path: std::path::PathBuf,
    /// Where sled's files are, for `reopen`.
    path: std::path::PathBuf,
    db: sled::Db,
    trees: Vec<sled::Tree>,
    meta: sled::Tree,
    /// A scratch directory holding this index, removed when it is dropped:
    /// the index of a store that cannot be written, copied or rebuilt here.
    scratch: Option<Scratch>,
}

/// The private directory a scratch index lives in.
type Scratch = crate::tempdir::PrivateDir;

const APPLIED_KEY: &[u8] = b"applied";

const FRONTIER_KEY: &[u8] = b"frontier";

/// Returns the path of the file that says the index at `path` may be
/// mid-write: it is made durable before sled's first write of a session and
/// removed once the session has flushed and closed. sled 0.34 can be left
/// unreadable by a kill in the middle of a write; with the marker present,
/// that is an interrupted write of a derived index, rebuilt from the journal,
/// not damage.
pub fn writing_marker(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".writing");
    std::path::PathBuf::from(name)
}

/// Fails as a full disk would when a debug build's test switch asks for it
/// (`crash::index_writes_fail`).
fn simulated_failure() -> Result<(), IndexError> {
    if crate::storage::crash::index_writes_fail() {
        return Err(IndexError::Sled(sled::Error::Io(
            std::io::Error::from_raw_os_error(
                28, // ENOSPC
            ),
        )));
    }
    Ok(())
}

/// Copies the files of a directory tree (sled's are plain files).
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// True when sled could not take its file lock because another handle holds it.
/// sled 0.34.7 reports that as an `Other` error carrying the OS error in its
/// message ("could not acquire lock on …: … WouldBlock …"), not as `WouldBlock`.
fn is_lock_busy(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::WouldBlock
        || error.to_string().starts_with("could not acquire lock")
}

impl Index {
    /// Opens (creating if absent) the index at `path` with a bounded cache and
    /// no background flusher: the journal, not sled, makes changes durable.
    pub fn open(path: &Path) -> Result<Index, IndexError> {
        // The store's lock keeps other provdb processes out, so sled's own lock
        // can only be held by this process's previous handle, which sled
        // releases a moment after drop. Retry briefly.
        let mut attempts = 0;
        loop {
            match Self::open_once(path) {
                Err(IndexError::Sled(sled::Error::Io(error)))
                    if is_lock_busy(&error) && attempts < 2000 =>
                {
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                other => return other,
            }
        }
    }

    fn open_once(path: &Path) -> Result<Index, IndexError> {
        let config = sled::Config::new()
            .path(path)
            .cache_capacity(CACHE_BYTES)
            .flush_every_ms(None);
        // sled 0.34 can panic on damaged files instead of returning an error,
        // in its open or in a tree's; a damaged index must be reported, never
        // crash the tool.
        let open = || -> Result<_, sled::Error> {
            let db = config.open()?;
            let trees = TreeName::ALL
                .iter()
                .map(|tree| db.open_tree(tree.name()))
                .collect::<Result<Vec<_>, _>>()?;
            let meta = db.open_tree("meta")?;
            Ok((db, trees, meta))
        };
        let (db, trees, meta) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(open))
            .map_err(|_| IndexError::Unreadable)??;
        Ok(Index {
            // sled's recovery after an interrupted write rewrites its files:
            // that session counts as writing until it closes cleanly.
            dirty: std::sync::atomic::AtomicBool::new(writing_marker(path).exists()),
            marker: writing_marker(path),
            journal: std::sync::OnceLock::new(),
            journal_path: path.with_file_name("journal"),
            path: path.to_path_buf(),
            db,
            trees,
            meta,
            scratch: None,
        })
    }

    /// Opens an index for the store at `root` in a scratch directory outside
    /// it, removed when the index is dropped: a copy of the store's `index/`
    /// when `copy` is true and it opens, else an empty one (which the caller
    /// fills from the journal). For stores that cannot be written (a
    /// read-only mount, no permission) and for `verify` when the store's own
    /// index is missing; the store's files are never touched.
    pub fn open_scratch(root: &Path, copy: bool) -> Result<Index, IndexError> {
        let scratch = Scratch::create("index").map_err(|error| IndexError::Marker {
            path: std::env::temp_dir().display().to_string(),
            error,
        })?;
        let path = scratch.path().join("index");
        let failed = |error| IndexError::Marker {
            path: scratch.path().display().to_string(),
            error,
        };
        let live = root.join("index");
        let copied = copy && live.is_dir() && copy_dir(&live, &path).is_ok();
        let opened = match copied.then(|| Self::open(&path)) {
            Some(Ok(index)) if index.applied().is_ok() => Ok(index),
            // Not copied (not asked, none there, or the copy failed partway),
            // or the copy does not open: start from nothing, to be filled
            // from the journal.
            _ => {
                if path.exists() {
                    std::fs::remove_dir_all(&path).map_err(failed)?;
                }
                Self::open(&path)
            }
        };
        let mut index = opened?;
        index.journal_path = root.join("journal");
        index.scratch = Some(scratch);
        Ok(index)
    }

    /// Opens a private copy of the store's index, as it is now, in a
    /// scratch directory removed when the index is dropped. Unlike
    /// `open_scratch`, a copy that does not open is an error: the caller
    /// examines this index, and must not be handed an empty one. The caller
    /// holds the store's lock while it copies.
    pub fn open_copy(root: &Path) -> Result<Index, IndexError> {
        let scratch = Scratch::create("index").map_err(|error| IndexError::Marker {
            path: std::env::temp_dir().display().to_string(),
            error,
        })?;
        let path = scratch.path().join("index");
        copy_dir(&root.join("index"), &path).map_err(|error| IndexError::Marker {
            path: path.display().to_string(),
            error,
        })?;
        let mut index = Self::open(&path)?;
        index.journal_path = root.join("journal");
        index.scratch = Some(scratch);
        Ok(index)
    }

    /// Closes this handle and opens the same index again, keeping its
    /// scratch directory and its journal. sled 0.34.7 lets go of the pages
    /// it has pulled in only when it is closed, whatever its cache bound: a
    /// read of every record of a 10,000,000-citation index held 670 MB in
    /// one open and 41 MB reopened every 2,000 records (BENCHMARKS.md). So a
    /// long read, `verify`'s, reopens it as it goes. What this session wrote
    /// is flushed first. No iterator of this handle may be alive: it holds
    /// sled's file lock, which the new open waits for.
    pub fn reopen(self) -> Result<Index, IndexError> {
        self.flush()?;
        let Index {
            db,
            trees,
            meta,
            path,
            journal_path,
            journal,
            scratch,
            ..
        } = self;
        drop((trees, meta, db));
        let mut index = Index::open(&path)?;
        index.journal_path = journal_path;
        index.journal = journal;
        index.scratch = scratch;
        Ok(index)
    }

    fn tree(&self, name: TreeName) -> &sled::Tree {
        let position = TreeName::ALL
            .iter()
            .position(|tree| *tree == name)
            .expect("every TreeName is in ALL");
        &self.trees[position]
    }

    /// Reads one record of the `meta` tree.
    fn meta_record<T: serde::de::DeserializeOwned>(
        &self,
        key: &[u8],
    ) -> Result<Option<T>, IndexError> {
        match self.meta.get(key)? {
            None => Ok(None),
            Some(bytes) => codec::decode(&bytes)
                .map(Some)
                .map_err(|source| IndexError::Record {
                    tree: "meta",
                    source,
                }),
        }
    }

    /// True when this session has not written to the index (nor marked it
    /// as being written) and it is the store's own, not a scratch copy:
    /// closing it then changes nothing sled has on disk.
    pub fn only_read(&self) -> bool {
        !self.dirty.load(std::sync::atomic::Ordering::Relaxed) && self.scratch.is_none()
    }

    /// Flushes and closes the index. If this session wrote to it, reopens it
    /// once before returning: sled rewrites its snapshot on the first open
    /// after writes, and doing that now, under the store's lock, means a later
    /// command that only reads (or is refused) leaves sled's files untouched.
    pub fn close(self, path: &Path) -> Result<(), IndexError> {
        if self.scratch.is_some() {
            // A scratch index is thrown away; `path` is not where it lives.
            return Ok(());
        }
        let dirty = self.dirty.load(std::sync::atomic::Ordering::Relaxed);
        self.flush()?;
        let marker = self.marker.clone();
        drop(self);
        if dirty {
            // sled releases its file lock only when its threads have let go of
            // the files, a moment after drop; retry briefly. Settling is only
            // for byte-stable files, so giving up is not an error, but then
            // the marker stays: the next open still rewrites sled's files.
            if let Ok(index) = Index::open_once_settled(path) {
                drop(index);
                crate::storage::crash::point(
                    crate::storage::crash::Op::Remove,
                    "the index's writing marker",
                );
                if let Err(error) = std::fs::remove_file(&marker) {
                    if error.kind() != std::io::ErrorKind::NotFound {
                        return Err(IndexError::Marker {
                            path: marker.display().to_string(),
                            error,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Opens the index for the settling reopen, without counting the
    /// marker as a write of this session.
    fn open_once_settled(path: &Path) -> Result<Index, IndexError> {
        let index = Index::open(path)?;
        index
            .dirty
            .store(false, std::sync::atomic::Ordering::Relaxed);
        Ok(index)
    }
}

#[cfg(test)]
mod tests;
