//! Replaying the journal into the index: from where the index's applied
//! mark says it stopped, checking the hash chain as it goes. Opening a store
//! does it, a reindex does it from the start, and readers of a read-only
//! store do it into a scratch copy. The messages are the ones a store
//! command ends with (`StoreError` maps each variant to its own).

use std::fs;
use std::io;
use std::path::Path;

use crate::model::{Entry, EntryHash};
use crate::storage::index::{AppliedMark, Index, IndexError};
use crate::storage::journal::{Journal, JournalError, Line};

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

/// A journal line read, hashed and parsed, ready to apply.
struct Parsed {
    start: u64,
    end: u64,
    hash: EntryHash,
    leaf: crate::audit::merkle::Digest,
    entry: Result<Entry, JournalError>,
}

impl Parsed {
    /// Returns the line's place, hashes and entry (or why it does not parse).
    fn of(line: &Line) -> Parsed {
        Parsed {
            start: line.start,
            end: line.end(),
            hash: line.hash(),
            leaf: line.leaf(),
            entry: line.parse(),
        }
    }
}

/// Lines parsed ahead of the index writes in one block, and the most line
/// bytes one block holds: at most four blocks are alive at once (two waiting
/// in the channel, one being filled, one being applied), so a journal of
/// long lines is read ahead within about eight megabytes too.
const BLOCK_LINES: usize = 512;
const BLOCK_BYTES: usize = 1 << 20;

/// Journal bytes from which a catch-up reads and parses lines on a thread of
/// its own, a block ahead of the index writes (a bulk citation, a reindex);
/// fewer are applied on the calling thread alone.
const AHEAD_BYTES: u64 = 1 << 20;

/// Applies journal lines from `start` to the journal's end, checking the chain.
pub fn catch_up(
    journal: &Journal,
    index: &Index,
    start: u64,
    prev: EntryHash,
    next_seq: u64,
) -> Result<u64, ReplayError> {
    catch_up_with(journal, index, start, prev, next_seq, AHEAD_BYTES)
}

/// [`catch_up`], reading ahead on a thread of its own from `ahead` bytes.
fn catch_up_with(
    journal: &Journal,
    index: &Index,
    start: u64,
    prev: EntryHash,
    next_seq: u64,
    ahead: u64,
) -> Result<u64, ReplayError> {
    let mut applying = Applying {
        prev,
        expected_seq: next_seq,
        applier: index.applier()?,
        applied: 0,
    };
    let lines = journal.lines_from(start)?;
    if journal.len().saturating_sub(start) < ahead {
        for line in lines {
            applying.apply(Parsed::of(&line?))?;
        }
    } else {
        std::thread::scope(|scope| -> Result<(), ReplayError> {
            let (sender, receiver) = std::sync::mpsc::sync_channel(2);
            // The entries applied go back to the reading thread to be freed
            // there: a free from another thread takes the allocator's lock
            // for the arena the memory came from.
            let (done, finished) = std::sync::mpsc::channel::<Vec<Entry>>();
            scope.spawn(move || {
                let mut block = Vec::with_capacity(BLOCK_LINES);
                let mut bytes = 0;
                for line in lines {
                    let failed = line.is_err();
                    bytes += line.as_ref().map_or(0, |line| line.bytes.len());
                    block.push(line.map(|line| Parsed::of(&line)));
                    if block.len() == BLOCK_LINES || bytes >= BLOCK_BYTES || failed {
                        bytes = 0;
                        // The applier stopped: nothing more is wanted.
                        if sender.send(std::mem::take(&mut block)).is_err() || failed {
                            return;
                        }
                        finished.try_iter().for_each(drop);
                    }
                }
                let _ = sender.send(block);
            });
            for block in receiver {
                let mut applied = Vec::with_capacity(block.len());
                for parsed in block {
                    applied.push(applying.apply(parsed?)?);
                }
                // Once the reading thread has ended, the last are freed here.
                let _ = done.send(applied);
            }
            Ok(())
        })?;
    }
    let Applying {
        applier, applied, ..
    } = applying;
    applier.finish()?;
    Ok(applied)
}

/// A catch-up under way: the chain so far and the index writes.
struct Applying<'i> {
    prev: EntryHash,
    expected_seq: u64,
    applier: crate::storage::index::Applier<'i>,
    applied: u64,
}

impl Applying<'_> {
    /// Checks that a line links to the one before and hands it to the
    /// index. Returns the entry, to be freed by the caller.
    fn apply(&mut self, parsed: Parsed) -> Result<Entry, ReplayError> {
        let entry = parsed.entry?;
        if entry.prev != self.prev || entry.seq != self.expected_seq {
            return Err(ReplayError::ChainBroken {
                seq: entry.seq,
                offset: parsed.start,
            });
        }
        self.prev = parsed.hash;
        self.expected_seq += 1;
        let mark = AppliedMark {
            seq: entry.seq,
            hash: parsed.hash,
            start: parsed.start,
            end: parsed.end,
        };
        self.applier.push(&entry, mark, parsed.leaf)?;
        self.applied += 1;
        Ok(entry)
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Change, CitationId};

    /// A journal of `lines` retractions after its first entry, each line
    /// over a kilobyte, so that the read-ahead sends several blocks.
    fn journal(dir: &Path, lines: usize) -> Journal {
        let init = Change::Init {
            store: "00".repeat(16),
            format: 1,
        };
        let mut journal = Journal::create(&dir.join("journal"), "a", "2026-12-01T00:00:00Z", init)
            .expect("create");
        let changes = (0..lines)
            .map(|n| Change::Retract {
                citation: CitationId([(n % 251) as u8; 32]),
                reason: format!("reason {n} {}", "x".repeat(1000)),
            })
            .collect();
        journal
            .append("a", "2026-12-01T00:00:01Z", changes)
            .expect("append");
        journal
    }

    /// Catches `journal` up into a new index, reading ahead on a thread or
    /// not, and returns what it said and the index's applied mark and
    /// Merkle frontier.
    fn caught_up(
        dir: &Path,
        journal: &Journal,
        ahead: u64,
    ) -> (
        Result<u64, String>,
        Option<AppliedMark>,
        Option<crate::audit::merkle::Frontier>,
    ) {
        let index = Index::open(&dir.join(format!("index-{ahead}"))).expect("index");
        let result = catch_up_with(journal, &index, 0, EntryHash::genesis(), 1, ahead)
            .map_err(|error| error.to_string());
        let mark = index.applied().expect("mark");
        let frontier = index.frontier().expect("frontier");
        (result, mark, frontier)
    }

    /// Asserts that catching `journal` up, as its file now reads, fails the
    /// same way reading ahead and reading in line, with a message that
    /// starts `expected`.
    fn refused_alike(journal: &Journal, expected: &str) {
        for ahead in [u64::MAX, 0] {
            let dir = tempfile::tempdir().expect("tempdir");
            let (result, _, _) = caught_up(dir.path(), journal, ahead);
            let said = result.expect_err(expected);
            assert!(said.starts_with(expected), "{said}");
        }
    }

    /// Reading ahead on a thread applies exactly what reading on the
    /// calling thread applies, and stops at the same broken link and the
    /// same damaged line.
    #[test]
    fn reading_ahead_applies_and_refuses_what_reading_in_line_does() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = journal(dir.path(), 1500);
        assert!(journal.len() > 1_500_000, "{}", journal.len());
        let inline = caught_up(dir.path(), &journal, u64::MAX);
        let ahead = caught_up(dir.path(), &journal, 0);
        // The first entry and 1,500 retractions; the mark on the last line.
        assert_eq!(inline.0, Ok(1501));
        let mark = inline.1.as_ref().expect("a mark");
        assert_eq!((mark.seq, mark.end), (1501, journal.len()));
        assert_eq!(ahead.0, inline.0);
        assert_eq!(ahead.1, inline.1);
        assert_eq!(ahead.2, inline.2);

        // A letter of entry 1001's reason changed: entry 1002 no longer
        // links to it. Every line keeps its length, so offsets stay put.
        let path = dir.path().join("journal");
        let text = std::fs::read(&path).expect("read");
        let starts: Vec<usize> = std::iter::once(0)
            .chain(
                text.iter()
                    .enumerate()
                    .filter(|(_, byte)| **byte == b'\n')
                    .map(|(at, _)| at + 1),
            )
            .collect();
        let mut altered = text.clone();
        let x = starts[1000]
            + altered[starts[1000]..]
                .iter()
                .position(|byte| *byte == b'x')
                .expect("an x");
        altered[x] = b'y';
        std::fs::write(&path, &altered).expect("write");
        let broken = format!(
            "journal entry 1002 (byte {}) does not link to the entry before it",
            starts[1001]
        );
        refused_alike(&journal, &broken);

        // Line 1201's closing brace blanked: it does not parse, and is
        // reported as damaged at its own offset.
        let mut damaged = text.clone();
        assert_eq!(damaged[starts[1201] - 2], b'}');
        damaged[starts[1201] - 2] = b' ';
        std::fs::write(&path, &damaged).expect("write");
        let at = format!("journal line at byte {} is damaged: ", starts[1200]);
        refused_alike(&journal, &at);

        // The journal cut in the middle of line 1025 (the first of the third
        // block of 512) after it was opened: the line reader itself fails
        // there, and both ways say so alike.
        let cut = starts[1024] + 10;
        std::fs::write(&path, &text[..cut]).expect("write");
        let torn = format!(
            "journal line at byte {} is damaged: line has no end",
            starts[1024]
        );
        refused_alike(&journal, &torn);
    }
}
