//! Replaying the journal into the index: from where the index's applied
//! mark says it stopped, checking the hash chain as it goes. Opening a store
//! does it, a reindex does it from the start, and readers of a read-only
//! store do it into a scratch copy. The messages are the ones a store
//! command ends with (`StoreError` maps each variant to its own).

use std::fs;
use std::io;
use std::path::Path;

use crate::model::EntryHash;
use crate::storage::index::{AppliedMark, Index, IndexError};
use crate::storage::journal::{Journal, JournalError};

/// Why the index could not be brought up to the journal.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The journal failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The index failed.
    #[error(
        "{0}; run `provdb verify`, then `provdb reindex` to rebuild the index from the journal"
    )]
    Index(#[from] IndexError),
    /// The journal's hash chain is broken: tampering, not a crash.
    #[error("journal entry {seq} (byte {offset}) does not link to the entry before it: the journal was altered; provdb will not write to it; run `provdb verify`")]
    ChainBroken {
        /// The entry's sequence number.
        seq: u64,
        /// Where its line starts.
        offset: u64,
    },
    /// The index does not match the journal.
    #[error(
        "the index does not match the journal ({why}); run `provdb verify`, then `provdb reindex`"
    )]
    IndexOutOfStep {
        /// What differs.
        why: String,
    },
}

/// Applies journal lines from `start` to the journal's end, checking the chain.
pub fn catch_up(
    journal: &Journal,
    index: &Index,
    start: u64,
    prev: EntryHash,
    next_seq: u64,
) -> Result<u64, ReplayError> {
    let mut prev = prev;
    let mut expected_seq = next_seq;
    let mut applier = index.applier()?;
    let mut applied = 0;
    for line in journal.lines_from(start)? {
        let line = line?;
        let entry = line.parse()?;
        if entry.prev != prev || entry.seq != expected_seq {
            return Err(ReplayError::ChainBroken {
                seq: entry.seq,
                offset: line.start,
            });
        }
        prev = line.hash();
        expected_seq += 1;
        let mark = AppliedMark {
            seq: entry.seq,
            hash: prev,
            start: line.start,
            end: line.end(),
        };
        applier.push(&entry, mark, line.leaf())?;
        applied += 1;
    }
    applier.finish()?;
    Ok(applied)
}

/// Brings `index` up to date with `journal`, or says why it cannot.
pub fn sync_index(journal: &Journal, index: &Index) -> Result<u64, ReplayError> {
    match index.applied()? {
        None => catch_up(journal, index, 0, EntryHash::genesis(), 1),
        Some(mark) => {
            if mark.end > journal.len() {
                return Err(ReplayError::IndexOutOfStep {
                    why: format!(
                        "the index has applied entry {} but the journal ends at entry {}: the journal was cut or replaced",
                        mark.seq,
                        journal.last_seq()
                    ),
                });
            }
            let line = journal.line_at(mark.start)?;
            if line.end() != mark.end || line.hash() != mark.hash {
                return Err(ReplayError::IndexOutOfStep {
                    why: format!(
                        "journal entry {} is not the entry the index applied",
                        mark.seq
                    ),
                });
            }
            catch_up(journal, index, mark.end, mark.hash, mark.seq + 1)
        }
    }
}

/// Returns an index for the store at `root` in a scratch directory outside
/// it: a copy of the store's own (`copy`), or one built from the journal. The
/// store's files are not changed.
pub fn scratch_index(root: &Path, copy: bool) -> Result<Index, ReplayError> {
    let index = Index::open_scratch(root, copy)?;
    if !copy {
        let (journal, _) = Journal::open_read_only(&root.join("journal"))?;
        sync_index(&journal, &index)?;
    }
    Ok(index)
}

/// True when the store's journal cannot be opened for writing.
pub fn is_read_only(root: &Path) -> bool {
    match fs::OpenOptions::new()
        .append(true)
        .open(root.join("journal"))
    {
        Ok(_) => false,
        Err(error) => cannot_write(&error),
    }
}

/// True when an I/O error says the file cannot be opened for writing.
pub fn cannot_write(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
    )
}
