//! `verify`: re-hash every object, walk the journal's hash chain, recompute
//! every id, check every index record against the journal entry that wrote
//! it, and check every quote against its source's bytes.
//!
//! It errs on the side of failing: anything it cannot check is a problem, not
//! a pass. It changes nothing in the journal or the objects, and it does not
//! repair the index (that is `reindex`).
//!
//! It holds the store's lock only to take a snapshot: the journal's
//! committed length, the kept checkpoints, the list of object files and a
//! private copy of the index, all as of one moment. Everything it checks is
//! that snapshot, which writers cannot change afterwards (the journal is
//! append-only, objects are immutable and named by their hash), so the long
//! part runs without the lock and writers go on meanwhile.

use std::collections::HashSet;
use std::path::Path;

use crate::audit::checkpoints::Checkpoint;

use crate::model::SourceId;
use crate::storage::format::{FormatError, FORMAT_FILE, FORMAT_TEXT};
use crate::storage::index::{AppliedMark, Index};
use crate::storage::lock::{LockError, OpenOptions};
use crate::storage::objects::Objects;

mod journal;
mod lineage;
mod objects;
mod records;
mod shared;

use journal::check_journal;
use lineage::{Lineage, MergeCheck};
use objects::{check_captures, check_objects, check_quotes, hash_listed, ListedDir};
use shared::SharedIndex;

/// Why `verify` could not start. Once it has the store's lock, whatever it
/// finds wrong is a problem in the report, never an error.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The directory is not a store.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// The store's lock could not be taken.
    #[error(transparent)]
    Lock(#[from] LockError),
}

/// One thing found wrong, with the damaged item named.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The damaged item, e.g. "object 6437b3ac38465133…" or "journal entry 7".
    pub item: String,
    /// What is wrong.
    pub what: String,
}

/// What `verify` checked and found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Report {
    /// Object files checked (rehashed, or skipped as verified recently).
    pub objects: u64,
    /// Of those, not rehashed: found sound within `--max-age`.
    pub skipped: u64,
    /// Journal entries whose chain link was checked.
    pub entries: u64,
    /// Sources recorded.
    pub sources: u64,
    /// Claims recorded.
    pub claims: u64,
    /// Citations whose quote was checked against the bytes.
    pub citations: u64,
    /// Text layers derived again from their sources and found identical.
    pub layers: u64,
    /// Index records compared with the journal.
    pub index_records: u64,
    /// Signed checkpoints whose log signature verified with the key kept beside it.
    pub signed_checkpoints: u64,
    /// Time-stamp tokens found to stamp their checkpoint's note.
    pub timestamps: u64,
    /// Of those, tokens whose signature verified with the authority's certificate.
    pub timestamps_verified: u64,
    /// Things that are not damage but worth knowing (a crash-torn tail, an unreferenced object).
    pub notices: Vec<String>,
    /// Damage found.
    pub problems: Vec<Problem>,
    /// Object files no journal entry records (left by interrupted adds):
    /// harmless, summarised in one notice, removed by `reindex`.
    #[serde(skip)]
    pub unrecorded: Vec<SourceId>,
}

impl Report {
    /// Returns true when nothing is wrong.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// Adds what another part of the check found, after what this one holds.
    fn absorb(&mut self, other: Report) {
        // Taken apart whole, so that a field added later cannot be left out.
        let Report {
            objects,
            skipped,
            entries,
            sources,
            claims,
            citations,
            layers,
            index_records,
            signed_checkpoints,
            timestamps,
            timestamps_verified,
            notices,
            problems,
            unrecorded,
        } = other;
        self.objects += objects;
        self.skipped += skipped;
        self.entries += entries;
        self.sources += sources;
        self.claims += claims;
        self.citations += citations;
        self.layers += layers;
        self.index_records += index_records;
        self.signed_checkpoints += signed_checkpoints;
        self.timestamps += timestamps;
        self.timestamps_verified += timestamps_verified;
        self.notices.extend(notices);
        self.problems.extend(problems);
        self.unrecorded.extend(unrecorded);
    }

    fn problem(&mut self, item: impl Into<String>, what: impl Into<String>) {
        self.problems.push(Problem {
            item: item.into(),
            what: what.into(),
        });
    }
}

/// Verifies the store at `root` and returns what it found. Errors are only for
/// a store that cannot be examined at all (not a store, locked).
pub fn verify(root: &Path, options: &mut OpenOptions<'_>) -> Result<Report, VerifyError> {
    verify_with_progress(root, options, None, None, &|_, _| {})
}

/// Checks each kept checkpoint's time-stamp token: it must stamp the
/// checkpoint's signed note, and with the authority's key its signature must
/// verify.
fn check_timestamps(kept: &[Checkpoint], tsa_key: Option<&[u8]>, report: &mut Report) {
    for checkpoint in kept {
        let Some(token) = &checkpoint.timestamp else {
            continue;
        };
        let item = format!(
            "checkpoint of size {} taken {}",
            checkpoint.size, checkpoint.time
        );
        let checked = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, token)
            .map_err(|_| "its time-stamp token is not base64".to_string())
            .and_then(|token| {
                let note = checkpoint
                    .note
                    .as_ref()
                    .ok_or("it has a time-stamp token but no signed note")?;
                crate::audit::timestamp::check_token(&token, tsa_key, note.as_bytes())
                    .map_err(|error| error.0)
            });
        match checked {
            Ok(_) => {
                report.timestamps += 1;
                if tsa_key.is_some() {
                    report.timestamps_verified += 1;
                }
            }
            Err(why) => report.problem(&item, format!("its time-stamp token does not hold: {why}")),
        }
    }
}

/// `verify`, rehashing only objects not verified within `max_age` (all when
/// None), and calling `progress(journal bytes walked, journal bytes)` every
/// 4,096 entries (for a progress bar; objects are hashed alongside). When
/// each object was last found sound is kept in the store's `verified` file.
/// Time-stamp tokens are checked against the note they stamp, and with
/// `tsa_key` (the authority's SubjectPublicKeyInfo) their signatures too.
pub fn verify_with_progress(
    root: &Path,
    options: &mut OpenOptions<'_>,
    max_age: Option<time::Duration>,
    tsa_key: Option<&[u8]>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Report, VerifyError> {
    match std::fs::read_to_string(root.join(FORMAT_FILE)) {
        Ok(text) if text == FORMAT_TEXT => {}
        _ => {
            return Err(VerifyError::Format(FormatError::NotAStore {
                path: root.to_path_buf(),
            }))
        }
    }
    let lock = crate::storage::lock::acquire(root, options)?;
    let mut report = Report::default();
    let objects = Objects::new(root.join("objects"));

    // The snapshot, under the lock. Objects verified recently enough are
    // not rehashed; the others are rehashed on other threads as they are
    // listed, while the rest of the snapshot is taken and the journal walked.
    // Without `--max-age` every object is rehashed and the file is written
    // afresh, so it is not read.
    let last_verified = match max_age {
        None => std::collections::HashMap::new(),
        Some(_) => crate::storage::verified::read(root),
    };
    let now = time::OffsetDateTime::now_utc();
    let skip: HashSet<SourceId> = match max_age {
        None => HashSet::new(),
        Some(age) => last_verified
            .iter()
            .filter(|(_, when)| now - **when <= age)
            .map(|(id, _)| *id)
            .collect(),
    };
    let (listing, to_hash) = std::sync::mpsc::channel::<ListedDir>();
    let hashing_objects = Objects::new(root.join("objects"));
    let hashing = std::thread::spawn(move || {
        let hashed = hash_listed(&hashing_objects, to_hash, &skip);
        (hashed, skip)
    });
    let listed = objects
        .list_each(&mut |listed| {
            // Sent to the pool; if it has failed, that is reported below.
            let _ = listing.send(ListedDir::of(&objects, listed));
        })
        .map_err(|error| error.to_string());
    drop(listing);
    // The index: a damaged one is a problem, and the other checks go on.
    let (index, applied) = open_index_for_verify(root, &mut report);
    let journal_end = journal::committed_end(root, &mut report);
    let kept = journal::kept_checkpoints(root, &mut report);
    check_timestamps(&kept, tsa_key, &mut report);
    drop(lock);
    crate::storage::crash::pause("verify: snapshot taken, lock released");
    let index = index.map(|index| SharedIndex::new(index, shared::reopen_every()));

    // Quotes are checked against their objects source by source on another
    // thread while this one walks the journal. The quotes are read through
    // the index; the walk checks each index record against the journal line
    // it points to.
    let (sources, quoted) = std::thread::scope(|scope| {
        let quoting = index.as_ref().map(|index| {
            let objects = &objects;
            scope.spawn(move || {
                let mut quoted = Report::default();
                check_quotes(index, objects, &mut quoted);
                check_captures(index, objects, &mut quoted);
                quoted
            })
        });
        let sources = match journal_end {
            Some(end) => check_journal(
                root,
                end,
                kept,
                index.as_ref(),
                applied,
                &mut report,
                progress,
            ),
            None => journal::Recorded::default(),
        };
        (sources, quoting.map(|quoting| quoting.join()))
    });
    let hashed = hashing
        .join()
        .map(|(hashed, skip)| (listed.map(|()| hashed), skip));
    match hashed {
        Ok((hashed, skip)) => {
            let sound = check_objects(&objects, hashed, sources, index.as_ref(), &mut report);
            // Keep the times of objects still present and not rehashed;
            // damaged ones lose theirs.
            let times: Vec<_> = last_verified
                .into_iter()
                .filter(|(id, _)| skip.contains(id))
                .chain(sound.into_iter().map(|id| (id, now)))
                .collect();
            if let Err(error) = crate::storage::verified::write(root, times) {
                report.notices.push(format!("could not record when objects were verified ({error}); the next `verify --max-age` rehashes them"));
            }
        }
        Err(_) => report.problem("objects", "hashing them failed unexpectedly"),
    }
    match quoted {
        Some(Ok(quoted)) => report.absorb(quoted),
        Some(Err(_)) => report.problem("quotes", "checking them failed unexpectedly"),
        None => {}
    }
    // A debug build's tests that set the interval are told it was used.
    #[cfg(debug_assertions)]
    if let Some(index) = &index {
        if std::env::var_os("PROVDB_INDEX_REOPEN_EVERY").is_some() {
            report.notices.push(format!(
                "the index was opened again {} times (PROVDB_INDEX_REOPEN_EVERY)",
                index.reopens()
            ));
        }
    }
    if let Some(why) = index.as_ref().and_then(SharedIndex::failure) {
        report.problem(
            "index",
            format!("could not be opened again partway through the check ({why}), so what needed the index after that point (its records, quotes, citations' claims, the journal's tree) was not checked; run verify again"),
        );
    }
    Ok(report)
}

/// Opens the index `verify` checks: the store's own, a copy of it when the
/// store cannot be written (sled opens its files for writing), or, when it is
/// missing, one built from the journal outside the store. A missing index or
/// one a command was stopped while writing is not damage: it is derived, and
/// the next command rebuilds it; each gets a notice.
fn open_index_for_verify(root: &Path, report: &mut Report) -> (Option<Index>, Option<AppliedMark>) {
    let index_path = root.join("index");
    let opened = if !index_path.exists() {
        // A reindex stopped between removing the old index and renaming the
        // new one, or a person removed it.
        match crate::storage::replay::scratch_index(root, false) {
            Ok(index) => {
                report.notices.push("the index is missing; it is derived from the journal and the next command rebuilds it; verify checked the journal against one built from it outside the store".into());
                Ok(index)
            }
            Err(error) => {
                report.problem(
                    "index",
                    format!("is missing and cannot be built from the journal: {error}"),
                );
                return (None, None);
            }
        }
    } else if crate::storage::replay::is_read_only(root) {
        Index::open_scratch(root, true)
    } else {
        // A private copy: the checks run after the lock is released, while
        // writers change the store's own index.
        Index::open_copy(root)
    };
    match opened.and_then(|index| index.applied().map(|applied| (index, applied))) {
        Ok((index, applied)) => (Some(index), applied),
        Err(error)
            if error.is_earlier_format()
                || crate::storage::index::writing_marker(&index_path).exists() =>
        {
            match crate::storage::replay::scratch_index(root, false) {
                Ok(index) => {
                    report.notices.push(if let Some(earlier) = error.earlier_format() {
                        format!("{earlier}; it is derived and the next command rebuilds it; verify checked the journal against one built from it outside the store")
                    } else {
                        format!("a command was stopped while writing the index, which does not open ({error}); the index is derived and the next command rebuilds it; verify checked the journal against one built from it outside the store")
                    });
                    let applied = index.applied().ok().flatten();
                    (Some(index), applied)
                }
                Err(rebuild) => {
                    report.problem("index", format!("does not open ({error}) and cannot be built from the journal: {rebuild}"));
                    (None, None)
                }
            }
        }
        Err(error) => {
            report.problem(
                "index",
                format!("cannot be opened: {error}; run `provdb reindex`"),
            );
            (None, None)
        }
    }
}
