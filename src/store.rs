//! The store: a directory holding `objects/`, the `journal` and the `index/`,
//! and every operation that reads or changes them.
//!
//! Each change follows one order: validate everything, write any object
//! durably, append the journal entries and fsync, then apply them to the index.
//! A failure before the journal append undoes the object, so a refused command
//! leaves the store as it was. The index is only a cache of the journal: a
//! failure after the append is reported and repaired on the next open.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::anchor::{self, AnchorCheck, AnchorError};
use crate::crash::{self, Op};
use crate::identity;
use crate::index::{
    self, AppliedMark, CitationRecord, ClaimRecord, Index, IndexError, RevisionRecord,
};
use crate::journal::{Appended, Journal, JournalError, Recovery};
use crate::model::{
    Change, Citation, CitationId, Claim, ClaimId, Entry, EntryHash, IdKind, Qualifiers, Retraction,
    Revision, Selector, SourceId, SourceMeta, SourceRecord, Stance, Value, When,
};
use crate::normalize::{identity_key, tidy};
use crate::objects::{self, ObjectError, Objects};
use crate::values;

mod audit;
mod batch;
mod bulk;
mod interchange;
mod reviews;
mod revise;
pub use audit::{read_checkpoints, FileCheck};
pub use batch::{parse_batch_line, BadLine, BatchError, BatchLine, BatchOutcome, BatchProgress};
pub use bulk::{collect_files, AddedFile, BulkAddOutcome, FoundFile, Progress, Skipped};
pub use interchange::{import_bundle, ImportOutcome, MergeOutcome};
pub use reviews::{ReviewImport, ReviewRequest};
pub use revise::{
    outcome_counts, summary_line, CarryReport, DiffReport, Followed, Rank, RevisionEntry,
};

/// The file that marks a directory as a provdb store.
pub const FORMAT_FILE: &str = "FORMAT";
/// Its contents for this version.
pub const FORMAT_TEXT: &str = "provdb store\nformat 1\n";
/// The store format version.
pub const FORMAT_VERSION: u32 = 1;
/// The default store directory name.
pub const DEFAULT_DIR: &str = ".provdb";

/// Why a store operation failed. Each variant carries the facts for its message.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No store was found from the starting directory upward.
    #[error("no provdb store found in {start} or any parent; run `provdb init` or pass --db PATH")]
    NoStoreFound {
        /// Where the search started.
        start: PathBuf,
    },
    /// The directory is not a store.
    #[error("{path} is not a provdb store (no {FORMAT_FILE} file); run `provdb init {path}` or pass the right --db")]
    NotAStore {
        /// The directory.
        path: PathBuf,
    },
    /// init on an existing store.
    #[error("{path} is already a provdb store; use it with --db {path}")]
    AlreadyAStore {
        /// The directory.
        path: PathBuf,
    },
    /// init on a directory with files in it.
    #[error("{path} exists and is not empty; choose a new or empty directory for the store")]
    NotEmpty {
        /// The directory.
        path: PathBuf,
    },
    /// The store cannot be written, and the command would change it.
    #[error("the store {path} cannot be written (a read-only mount, or no write permission); every command that only reads works on it: copy it somewhere writable to record changes")]
    ReadOnly {
        /// The store.
        path: PathBuf,
    },
    /// The store stayed locked past the wait.
    #[error("store {path} is locked by another provdb process; waited {waited_secs} s; try again when it finishes, or wait longer with --lock-wait SECONDS")]
    Locked {
        /// The store.
        path: PathBuf,
        /// How long we waited, in seconds.
        waited_secs: f64,
    },
    /// An I/O call on the store failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The journal failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The index failed.
    #[error(
        "{0}; run `provdb verify`, then `provdb reindex` to rebuild the index from the journal"
    )]
    Index(#[from] IndexError),
    /// An object failed.
    #[error(transparent)]
    Objects(#[from] ObjectError),
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
    /// What a command would show or hand out does not check: the store was
    /// altered since it was recorded.
    #[error("{what}; nothing was written: run `provdb verify` to see the damage")]
    Damaged {
        /// What does not check, and why.
        what: String,
    },
    /// An id prefix matched nothing.
    #[error("no source, claim or citation has an id starting with {text:?}; list them with `provdb sources` or `provdb claims`")]
    UnknownId {
        /// The text given.
        text: String,
    },
    /// An id prefix matched several records.
    #[error(
        "id prefix {text:?} is ambiguous: it matches {}; give more characters",
        describe_candidates(candidates)
    )]
    AmbiguousId {
        /// The text given.
        text: String,
        /// What it matched.
        candidates: Vec<(IdKind, String)>,
    },
    /// An id is malformed.
    #[error("{text:?} is not an id: give 4 to 64 hex characters (0-9, a-f)")]
    BadId {
        /// The text given.
        text: String,
    },
    /// An id names the wrong kind of record.
    #[error("{text:?} is a {found}, not a {expected}")]
    WrongKind {
        /// The text given.
        text: String,
        /// The kind wanted.
        expected: &'static str,
        /// The kind found.
        found: &'static str,
    },
    /// A quote could not be anchored.
    #[error("in source {}: {error}", source_id.short())]
    Anchor {
        /// The source.
        source_id: SourceId,
        /// What went wrong.
        error: AnchorError,
    },
    /// A source cannot be quoted.
    #[error("source {} cannot be quoted: {why}; only UTF-8 text can be cited", source_id.short())]
    NotText {
        /// The source.
        source_id: SourceId,
        /// Why.
        why: String,
    },
    /// The quote does not state the value.
    #[error("the quote {quote:?} does not state the value {value}; fix the value or the quote, or pass --value-not-in-quote to record it anyway")]
    ValueNotInQuote {
        /// The value.
        value: String,
        /// The quote.
        quote: String,
    },
    /// The citation was already retracted.
    #[error("citation {} was already retracted at {time} ({reason})", citation.short())]
    AlreadyRetracted {
        /// The citation.
        citation: CitationId,
        /// When.
        time: String,
        /// Why.
        reason: String,
    },
    /// An input file problem.
    #[error("{path}: {why}")]
    Input {
        /// The path given.
        path: String,
        /// What is wrong, with the fix.
        why: String,
    },
    /// A text argument is unusable.
    #[error("{field} {why}")]
    BadText {
        /// Which argument.
        field: &'static str,
        /// What is wrong, with the fix.
        why: String,
    },
    /// The source already has different metadata.
    #[error("source {} is already recorded with {field} {stored:?}, not {given:?}; metadata stays as first recorded", source_id.short())]
    MetadataDiffers {
        /// The source.
        source_id: SourceId,
        /// The field.
        field: &'static str,
        /// The stored value.
        stored: String,
        /// The value given.
        given: String,
    },
    /// No such document.
    #[error("no document {doc:?}; list documents with `provdb sources`")]
    UnknownDocument {
        /// The slug.
        doc: String,
    },
    /// A revision name that does not name a revision.
    #[error("{text:?} names no revision: {why}")]
    BadRevisionName {
        /// The name given.
        text: String,
        /// Why.
        why: String,
    },
    /// A record asked for with --as-of that was recorded later.
    #[error("{what} was recorded at {recorded}, after the --as-of time; choose a later time or drop --as-of")]
    NotYetRecorded {
        /// What was asked for.
        what: String,
        /// When it was recorded.
        recorded: String,
    },
}

fn describe_candidates(candidates: &[(IdKind, String)]) -> String {
    candidates
        .iter()
        .map(|(kind, id)| format!("{} {}", kind.name(), id))
        .collect::<Vec<_>>()
        .join(", ")
}

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// How to open a store.
pub struct OpenOptions<'a> {
    /// How long to wait for another process's lock.
    pub lock_wait: Duration,
    /// Called once if the store is locked and we start waiting.
    pub on_wait: Option<&'a mut dyn FnMut(&Path)>,
}

impl std::fmt::Debug for OpenOptions<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("OpenOptions")
            .field("lock_wait", &self.lock_wait)
            .finish()
    }
}

impl Default for OpenOptions<'_> {
    fn default() -> Self {
        OpenOptions {
            lock_wait: Duration::from_secs(10),
            on_wait: None,
        }
    }
}

/// Returns the nearest `.provdb` directory from `start` upward.
pub fn find_store(start: &Path) -> Result<PathBuf, StoreError> {
    let mut dir = Some(start);
    while let Some(current) = dir {
        let candidate = current.join(DEFAULT_DIR);
        if candidate.is_dir() {
            return Ok(candidate);
        }
        dir = current.parent();
    }
    Err(StoreError::NoStoreFound {
        start: start.to_path_buf(),
    })
}

/// Returns the current time as the journal writes it: RFC 3339, UTC, with nanoseconds.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(&time::format_description::well_known::Rfc3339)
        .expect("formatting the current UTC time as RFC 3339 cannot fail for years 0-9999")
}

fn random_store_id() -> String {
    let mut bytes = [0u8; 16];
    let filled = File::open("/dev/urandom")
        .and_then(|mut file| file.read_exact(&mut bytes))
        .is_ok();
    if !filled {
        let seed = format!(
            "{}-{}-{:?}",
            now_rfc3339(),
            std::process::id(),
            std::thread::current().id()
        );
        bytes.copy_from_slice(&blake3::hash(seed.as_bytes()).as_bytes()[..16]);
    }
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Takes the store's lock file, waiting up to `wait` and calling `on_wait` once if it must wait.
///
/// The lock is an exclusive `flock` on the store directory itself, opened
/// read-only: a person does not casually delete the directory they are
/// using (a lock file can be deleted under a running writer, and then a
/// second writer locks a fresh file and both append), and a store on a
/// read-only mount or without write permission can still be locked for
/// reading. The `lock` file older versions created is left alone.
fn acquire_lock(root: &Path, options: &mut OpenOptions<'_>) -> Result<StoreLock, StoreError> {
    let path = root.to_path_buf();
    let dir = File::open(&path).map_err(io_error("opening the store directory to lock", &path))?;
    let started = Instant::now();
    let mut told = false;
    wait_for_lock(&dir, root, &path, options, started, &mut told)?;
    // Older versions of provdb lock the `lock` file instead: while one may
    // still run beside this one, take that lock too when the file is there
    // and can be opened for writing (not on a read-only store).
    let legacy_path = root.join("lock");
    let legacy = match fs::OpenOptions::new().write(true).open(&legacy_path) {
        Ok(file) => {
            wait_for_lock(&file, root, &legacy_path, options, started, &mut told)?;
            Some(file)
        }
        Err(_) => None,
    };
    Ok(StoreLock {
        _dir: dir,
        _legacy: legacy,
    })
}

/// The locks a command holds on a store until it ends.
#[derive(Debug)]
pub struct StoreLock {
    _dir: File,
    _legacy: Option<File>,
}

/// Takes an exclusive flock on `file`, waiting up to the options' wait
/// (counted from `started`) and calling `on_wait` once if it must wait.
fn wait_for_lock(
    file: &File,
    root: &Path,
    path: &Path,
    options: &mut OpenOptions<'_>,
    started: Instant,
    told: &mut bool,
) -> Result<(), StoreError> {
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(fs::TryLockError::WouldBlock) => {
                if started.elapsed() >= options.lock_wait {
                    return Err(StoreError::Locked {
                        path: root.to_path_buf(),
                        waited_secs: options.lock_wait.as_secs_f64(),
                    });
                }
                if !*told {
                    if let Some(callback) = options.on_wait.as_mut() {
                        callback(root);
                    }
                    *told = true;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(fs::TryLockError::Error(source)) => {
                return Err(StoreError::Io {
                    action: "locking",
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
    }
}

/// Takes the store's lock for `verify`, which reads the files itself.
pub fn lock_for_verify(
    root: &Path,
    options: &mut OpenOptions<'_>,
) -> Result<StoreLock, StoreError> {
    acquire_lock(root, options)
}

/// Checks the FORMAT file.
fn check_format(root: &Path) -> Result<(), StoreError> {
    match fs::read_to_string(root.join(FORMAT_FILE)) {
        Ok(text) if text == FORMAT_TEXT => Ok(()),
        Ok(_) => Err(StoreError::NotAStore {
            path: root.to_path_buf(),
        }),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Err(StoreError::NotAStore {
            path: root.to_path_buf(),
        }),
        Err(source) => Err(StoreError::Io {
            action: "reading",
            path: root.join(FORMAT_FILE),
            source,
        }),
    }
}

/// A locked store with its journal positioned and its index caught up.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    objects: Objects,
    journal: Journal,
    index: Index,
    notices: Vec<String>,
    /// With --as-of: the last journal entry queries may see.
    as_of: Option<u64>,
    /// True when the store cannot be written: every change is refused.
    read_only: bool,
    _lock: StoreLock,
}

/// The journal entries of a command, with the index marks they produce.
fn marks(appended: &[Appended]) -> Vec<(&Entry, AppliedMark, crate::merkle::Digest)> {
    appended
        .iter()
        .map(|item| {
            let mark = AppliedMark {
                seq: item.entry.seq,
                hash: item.line.hash(),
                start: item.line.start,
                end: item.line.end(),
            };
            (&item.entry, mark, item.line.leaf())
        })
        .collect()
}

/// Applies journal lines from `start` to the journal's end, checking the chain.
fn catch_up(
    journal: &Journal,
    index: &Index,
    start: u64,
    prev: EntryHash,
    next_seq: u64,
) -> Result<u64, StoreError> {
    let mut prev = prev;
    let mut expected_seq = next_seq;
    let mut applier = index.applier()?;
    let mut applied = 0;
    for line in journal.lines_from(start)? {
        let line = line?;
        let entry = line.parse()?;
        if entry.prev != prev || entry.seq != expected_seq {
            return Err(StoreError::ChainBroken {
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
fn sync_index(journal: &Journal, index: &Index) -> Result<u64, StoreError> {
    match index.applied()? {
        None => catch_up(journal, index, 0, EntryHash::genesis(), 1),
        Some(mark) => {
            if mark.end > journal.len() {
                return Err(StoreError::IndexOutOfStep {
                    why: format!(
                        "the index has applied entry {} but the journal ends at entry {}: the journal was cut or replaced",
                        mark.seq,
                        journal.last_seq()
                    ),
                });
            }
            let line = journal.line_at(mark.start)?;
            if line.end() != mark.end || line.hash() != mark.hash {
                return Err(StoreError::IndexOutOfStep {
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

/// What `retract` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retracted {
    /// The citation retracted.
    pub citation: CitationId,
    /// The copies carried from it into later revisions, retracted with it.
    pub carried: Vec<CitationId>,
}

/// What `add` did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AddOutcome {
    /// The source id.
    pub id: SourceId,
    /// Its size in bytes.
    pub size: u64,
    /// False when identical bytes were already recorded.
    pub new_source: bool,
    /// The document and revision logged, with `--doc`.
    pub revision: Option<(String, u32)>,
    /// What the new revision did to the previous revision's citations.
    #[serde(skip)]
    pub carry: Option<CarryReport>,
}

/// Where `add` reads from.
pub enum AddInput<'a> {
    /// A file path.
    Path(&'a Path),
    /// A reader (standard input), with a label for messages.
    Reader(&'a mut dyn Read, &'a str),
}

impl std::fmt::Debug for AddInput<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AddInput::Path(path) => write!(formatter, "AddInput::Path({})", path.display()),
            AddInput::Reader(_, label) => write!(formatter, "AddInput::Reader({label})"),
        }
    }
}

/// What `cite` is asked to record.
#[derive(Debug, Clone)]
pub struct CiteRequest {
    /// The source id or prefix.
    pub source: String,
    /// The exact quote.
    pub quote: String,
    /// Context before the quote, to pick one of several matches.
    pub prefix: Option<String>,
    /// Context after the quote.
    pub suffix: Option<String>,
    /// Which match, from 1.
    pub occurrence: Option<usize>,
    /// The subject.
    pub subject: String,
    /// The property.
    pub property: String,
    /// The value.
    pub value: Value,
    /// The qualifiers.
    pub qualifiers: Qualifiers,
    /// The stance.
    pub stance: Stance,
    /// Record even though the quote does not state the value.
    pub value_not_in_quote: bool,
}

/// What `cite` did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CiteOutcome {
    /// The claim id.
    pub claim: ClaimId,
    /// True when the claim was first recorded by this citation.
    pub new_claim: bool,
    /// The citation id.
    pub citation: CitationId,
    /// False when an identical live citation already existed.
    pub new_citation: bool,
    /// The anchor.
    pub selector: Selector,
}

/// A citation with everything `trace` shows about it.
#[derive(Debug, Clone)]
pub struct TracedCitation {
    /// The citation.
    pub record: CitationRecord,
    /// Its retraction, if any.
    pub retraction: Option<Retraction>,
    /// The source's record.
    pub source: Option<SourceRecord>,
    /// The documents and revisions the source belongs to.
    pub revisions: Vec<(String, u32)>,
    /// Whether the source's bytes still hash to its id (None: object missing).
    pub source_intact: Option<bool>,
    /// Whether the quote still sits at its range.
    pub anchor: AnchorCheck,
    /// The quote in a line of surrounding text.
    pub context: Option<String>,
    /// Preferred, or kept as history after a newer citation superseded it.
    pub rank: Rank,
    /// What the next revision of its document did to it.
    pub drift: Vec<(String, u32, index::DriftRecord)>,
}

/// Everything `trace` reports about a claim.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The claim.
    pub claim: ClaimRecord,
    /// Its citations, oldest first.
    pub citations: Vec<TracedCitation>,
    /// Other claims on the same subject and property with a different value.
    pub others: Vec<ClaimRecord>,
    /// Reviews of the claim, in journal order.
    pub reviews: Vec<crate::index::ReviewRecord>,
}

/// A claim with its citation counts.
#[derive(Debug, Clone)]
pub struct ClaimSummary {
    /// The claim.
    pub record: ClaimRecord,
    /// Citations not retracted.
    pub live: usize,
    /// Citations retracted.
    pub retracted: usize,
}

/// Filters for `claims`.
#[derive(Debug, Clone, Default)]
pub struct ClaimFilter {
    /// Subject, compared by identity key.
    pub subject: Option<String>,
    /// Property, compared by identity key.
    pub property: Option<String>,
    /// Only claims cited in this source (id or prefix).
    pub source: Option<String>,
    /// Only claims with this value.
    pub value: Option<String>,
}

/// One side of a conflict: a claim and the sources whose live citations support it.
#[derive(Debug, Clone)]
pub struct ConflictSide {
    /// The claim.
    pub claim: ClaimRecord,
    /// The supporting sources.
    pub sources: Vec<SourceRecord>,
    /// The document revisions those sources are.
    pub revisions: Vec<(String, u32)>,
    /// Values that later revisions state in place of this claim's, found
    /// when they were logged (not cited, not recorded as claims).
    pub reported: Vec<ReportedValue>,
}

/// A value a revision states where an earlier revision's quote stated a
/// cited claim's value.
#[derive(Debug, Clone)]
pub struct ReportedValue {
    /// The value now stated.
    pub value: String,
    /// The document.
    pub doc: String,
    /// The revision that states it.
    pub number: u32,
    /// That revision's source.
    pub source: SourceId,
    /// The passage that states it.
    pub passage: String,
    /// The citation of the previous revision it replaced.
    pub citation: CitationId,
}

/// A subject and property with more than one supported value at the same `as_of`.
#[derive(Debug, Clone)]
pub struct Conflict {
    /// The subject, as first written.
    pub subject: String,
    /// The property, as first written.
    pub property: String,
    /// The `as_of` shared by the sides.
    pub as_of: Option<When>,
    /// The sides.
    pub sides: Vec<ConflictSide>,
}

/// A source with the documents and revisions it belongs to and its citation count.
pub type SourceListing = (SourceRecord, Vec<(String, u32)>, usize);

/// A record `show` can display.
#[derive(Debug, Clone)]
pub enum Shown {
    /// A source, with its revisions and citation count.
    Source(SourceRecord, Vec<(String, u32)>, usize),
    /// A claim, traced.
    Claim(Box<Trace>),
    /// A citation.
    Citation(Box<TracedCitation>, Option<ClaimRecord>),
}

fn check_text(field: &'static str, text: &str, max: usize) -> Result<(), StoreError> {
    if text
        .chars()
        .any(|ch| ch.is_control() && ch != '\n' && ch != '\t')
    {
        return Err(StoreError::BadText {
            field,
            why: "contains control characters; remove them".into(),
        });
    }
    if text.len() > max {
        return Err(StoreError::BadText {
            field,
            why: format!(
                "is {} bytes, over the {max}-byte limit; shorten it",
                text.len()
            ),
        });
    }
    Ok(())
}

fn check_name(field: &'static str, text: &str) -> Result<String, StoreError> {
    let tidied = tidy(text);
    if tidied.is_empty() {
        return Err(StoreError::BadText {
            field,
            why: "is empty; give a non-empty value".into(),
        });
    }
    if tidied.chars().any(char::is_control) {
        return Err(StoreError::BadText {
            field,
            why: "contains control characters; remove them".into(),
        });
    }
    check_text(field, &tidied, 1000)?;
    Ok(tidied)
}

/// Checks a document slug: 1-100 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit.
pub fn check_slug(slug: &str) -> Result<(), StoreError> {
    let ok = !slug.is_empty()
        && slug.len() <= 100
        && slug.as_bytes()[0].is_ascii_alphanumeric()
        && slug.bytes().all(|byte| {
            byte.is_ascii_lowercase() || byte.is_ascii_digit() || b"._-".contains(&byte)
        });
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadText {
            field: "--doc",
            why: format!("{slug:?} is not a slug: use 1-100 of a-z, 0-9, '.', '_', '-', starting with a letter or digit"),
        })
    }
}

/// Checks a one-line field: no control character at all (a newline in a
/// title would forge a row in `sources`), within `max` bytes.
fn check_line(field: &'static str, text: &str, max: usize) -> Result<(), StoreError> {
    if text.chars().any(char::is_control) {
        return Err(StoreError::BadText {
            field,
            why: "contains a line break or another control character; give it on one line".into(),
        });
    }
    check_text(field, text, max)
}

/// Checks that a web address is absolute http(s) with a host and no spaces.
pub(crate) fn check_url(field: &'static str, url: &str) -> Result<(), StoreError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(""));
    if host.is_none_or(str::is_empty) || url.chars().any(char::is_whitespace) {
        return Err(StoreError::BadText {
            field,
            why: format!("{url:?} is not an absolute http(s) address; give the full address, e.g. https://example.org/report"),
        });
    }
    check_line(field, url, 8 * 1024)
}

fn check_meta(meta: &SourceMeta) -> Result<(), StoreError> {
    for (field, value) in [
        ("--title", &meta.title),
        ("--publisher", &meta.publisher),
        ("--media-type", &meta.media_type),
        ("--language", &meta.language),
    ] {
        if let Some(value) = value {
            check_line(field, value, 4096)?;
        }
    }
    if let Some(url) = &meta.url {
        check_url("--url", url)?;
    }
    for author in &meta.authors {
        check_line("--author", author, 1000)?;
    }
    if let Some(note) = &meta.note {
        check_text("--note", note, 64 * 1024)?;
    }
    Ok(())
}

/// Returns the first metadata field given that differs from what is stored.
fn meta_conflict(
    stored: &SourceMeta,
    given: &SourceMeta,
    with_doc: bool,
) -> Option<(&'static str, String, String)> {
    let show = |value: &Option<String>| value.clone().unwrap_or_default();
    let show_when =
        |value: &Option<When>| value.as_ref().map(ToString::to_string).unwrap_or_default();
    let text_fields = [
        ("title", &stored.title, &given.title),
        ("url", &stored.url, &given.url),
        ("publisher", &stored.publisher, &given.publisher),
        ("media type", &stored.media_type, &given.media_type),
        ("language", &stored.language, &given.language),
    ];
    for (field, stored_value, given_value) in text_fields {
        if given_value.is_some() && given_value != stored_value {
            return Some((field, show(stored_value), show(given_value)));
        }
    }
    if !given.authors.is_empty() && given.authors != stored.authors {
        return Some((
            "authors",
            stored.authors.join("; "),
            given.authors.join("; "),
        ));
    }
    if given.retrieved.is_some() && given.retrieved != stored.retrieved {
        return Some((
            "retrieval time",
            show_when(&stored.retrieved),
            show_when(&given.retrieved),
        ));
    }
    if !with_doc {
        // With --doc these belong to the new revision instead.
        for (field, stored_value, given_value) in [
            ("publication time", &stored.published, &given.published),
            ("update time", &stored.updated, &given.updated),
        ] {
            if given_value.is_some() && given_value != stored_value {
                return Some((field, show_when(stored_value), show_when(given_value)));
            }
        }
        if given.note.is_some() && given.note != stored.note {
            return Some(("note", show(&stored.note), show(&given.note)));
        }
    }
    None
}

/// Resolves an id or unique prefix of 4 or more hex characters in `index`.
fn resolve_in(index: &Index, text: &str) -> Result<(IdKind, [u8; 32]), StoreError> {
    let lower = text.trim().to_ascii_lowercase();
    if lower.len() < 4 || lower.len() > 64 || !lower.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(StoreError::BadId {
            text: text.to_string(),
        });
    }
    let found = index.ids_with_prefix(&lower, 11)?;
    match found.len() {
        0 => Err(StoreError::UnknownId {
            text: text.to_string(),
        }),
        1 => Ok(found[0]),
        _ => Err(StoreError::AmbiguousId {
            text: text.to_string(),
            candidates: found
                .iter()
                .map(|(kind, id)| {
                    (
                        *kind,
                        SourceId(*id).to_hex()[..16.max(lower.len() + 2).min(64)].to_string(),
                    )
                })
                .collect(),
        }),
    }
}

/// Resolves an id or prefix that must name a record of kind `expected`.
fn resolve_kind_in(index: &Index, text: &str, expected: IdKind) -> Result<[u8; 32], StoreError> {
    let (kind, id) = resolve_in(index, text)?;
    if kind != expected {
        return Err(StoreError::WrongKind {
            text: text.to_string(),
            expected: expected.name(),
            found: kind.name(),
        });
    }
    Ok(id)
}

/// Returns the live citation identical to `body` (same claim, source,
/// range, stance and flag), if one is recorded: it is not recorded twice.
fn live_duplicate_in(index: &Index, body: &Citation) -> Result<Option<CitationId>, StoreError> {
    for record in index.citations_of_claim(&body.claim)? {
        if same_citation(&record.citation, body) && index.retraction(&record.id)?.is_none() {
            return Ok(Some(record.id));
        }
    }
    Ok(None)
}

/// A citation checked and ready to record, with the claim it supports.
#[derive(Debug, Clone)]
pub struct PreparedCitation {
    /// The claim, with its id.
    pub claim: Claim,
    /// The citation's body.
    pub body: Citation,
}

/// True when two citations are the same evidence: claim, source, range, stance and flag.
fn same_citation(a: &Citation, b: &Citation) -> bool {
    a.claim == b.claim
        && a.source == b.source
        && a.selector.start == b.selector.start
        && a.selector.end == b.selector.end
        && a.stance == b.stance
        && a.value_not_in_quote == b.value_not_in_quote
}

/// Checks a cite request's text arguments before any lookup.
fn check_request(request: &CiteRequest) -> Result<(), StoreError> {
    check_name("--subject", &request.subject)?;
    check_name("--property", &request.property)?;
    if let Some(unit) = &request.qualifiers.unit {
        check_name("--unit", unit)?;
    }
    check_text("--quote", &request.quote, 64 * 1024)
}

/// Anchors a request's quote in a source's text, checks that the quote states
/// the value, and builds the claim and citation. Every citation, single or in
/// a batch, passes through here.
pub fn prepare_citation(
    request: CiteRequest,
    source_id: SourceId,
    text: &str,
) -> Result<PreparedCitation, StoreError> {
    let subject = check_name("--subject", &request.subject)?;
    let property = check_name("--property", &request.property)?;
    let mut qualifiers = request.qualifiers;
    if let Some(unit) = &qualifiers.unit {
        qualifiers.unit = Some(check_name("--unit", unit)?);
    }
    check_text("--quote", &request.quote, 64 * 1024)?;
    let found = anchor::anchor_quote(
        text,
        &request.quote,
        request.prefix.as_deref(),
        request.suffix.as_deref(),
        request.occurrence,
    )
    .map_err(|error| StoreError::Anchor { source_id, error })?;
    if !request.value_not_in_quote && !values::value_in_text(&request.value, &found.exact) {
        return Err(StoreError::ValueNotInQuote {
            value: request.value.to_string(),
            quote: found.exact,
        });
    }
    let claim_id = identity::claim_id(&subject, &property, &request.value, &qualifiers);
    let body = Citation {
        claim: claim_id,
        source: source_id,
        selector: Selector {
            exact: found.exact,
            prefix: found.prefix,
            suffix: found.suffix,
            start: found.range.start as u64,
            end: found.range.end as u64,
        },
        stance: request.stance,
        value_not_in_quote: request.value_not_in_quote,
    };
    Ok(PreparedCitation {
        claim: Claim {
            id: claim_id,
            subject,
            property,
            value: request.value,
            qualifiers,
        },
        body,
    })
}

/// Returns the text of a source, or why it cannot be quoted.
fn source_text(id: SourceId, bytes: &[u8]) -> Result<&str, StoreError> {
    if bytes.contains(&0) {
        return Err(StoreError::NotText {
            source_id: id,
            why: "it is binary (it contains NUL bytes)".into(),
        });
    }
    std::str::from_utf8(bytes).map_err(|error| StoreError::NotText {
        source_id: id,
        why: format!(
            "it is not valid UTF-8 (bad byte at offset {})",
            error.valid_up_to()
        ),
    })
}

impl Store {
    /// Creates a store at `path`, which must not exist or be an empty directory.
    pub fn init(path: &Path, actor: &str) -> Result<String, StoreError> {
        if path.join(FORMAT_FILE).exists() {
            return Err(StoreError::AlreadyAStore {
                path: path.to_path_buf(),
            });
        }
        if path.exists() {
            let mut entries = fs::read_dir(path).map_err(|error| match error.kind() {
                io::ErrorKind::NotADirectory => StoreError::NotEmpty {
                    path: path.to_path_buf(),
                },
                _ => StoreError::Io {
                    action: "reading",
                    path: path.to_path_buf(),
                    source: error,
                },
            })?;
            if entries.next().is_some() {
                return Err(StoreError::NotEmpty {
                    path: path.to_path_buf(),
                });
            }
        }
        // Build beside the target, then rename into place: a crash leaves no half store.
        let parent = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(io_error("creating", &parent))?;
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "store".into());
        let building = parent.join(format!(".{name}.init-{}", std::process::id()));
        interchange::remove_stale(&parent, &building);
        let _ = fs::remove_dir_all(&building);
        let result = Self::build_new(&building, actor).and_then(|store_id| {
            crash::point(Op::Rename, "a new store into place");
            fs::rename(&building, path).map_err(io_error("moving new store into", path))?;
            objects::sync_dir(&parent)?;
            Ok(store_id)
        });
        if result.is_err() {
            let _ = fs::remove_dir_all(&building);
        }
        result
    }

    fn build_new(root: &Path, actor: &str) -> Result<String, StoreError> {
        fs::create_dir_all(root.join("objects").join("tmp")).map_err(io_error("creating", root))?;
        let store_id = random_store_id();
        let change = Change::Init {
            store: store_id.clone(),
            format: FORMAT_VERSION,
        };
        let journal = Journal::create(&root.join("journal"), actor, &now_rfc3339(), change)?;
        let index = Index::open(&root.join("index"))?;
        sync_index(&journal, &index)?;
        index.close(&root.join("index"))?;
        let format_path = root.join(FORMAT_FILE);
        crash::point(Op::Create, "FORMAT");
        let mut file = File::create(&format_path).map_err(io_error("creating", &format_path))?;
        crash::write_all(&mut file, FORMAT_TEXT.as_bytes(), "FORMAT")
            .map_err(io_error("writing", &format_path))?;
        crash::point(Op::Sync, "FORMAT");
        file.sync_all().map_err(io_error("syncing", &format_path))?;
        objects::sync_dir(&root.join("objects"))?;
        objects::sync_dir(root)?;
        Ok(store_id)
    }

    /// Opens the store at `root`: takes the lock, repairs a crash-torn journal
    /// tail, and brings the index up to date.
    pub fn open(root: &Path, options: &mut OpenOptions<'_>) -> Result<Store, StoreError> {
        if !root.is_dir() {
            return Err(StoreError::NotAStore {
                path: root.to_path_buf(),
            });
        }
        check_format(root)?;
        let lock = acquire_lock(root, options)?;
        let journal_path = root.join("journal");
        let (journal, recovery) = match Journal::open(&journal_path) {
            Err(JournalError::Io { source, .. }) if cannot_write(&source) => {
                return Self::open_read_only(root, lock);
            }
            opened => opened?,
        };
        let mut notices = Vec::new();
        if recovery.repaired() {
            notices.push(recovery_notice(&recovery));
        }
        let objects = Objects::new(root.join("objects"));
        // Under the lock no other command is writing: whatever is in
        // objects/tmp/ was left by one that was killed, and so was an
        // index.new or index.old of a killed reindex.
        objects.remove_incoming();
        remove_any(&root.join("index.new"))?;
        remove_any(&root.join("index.old"))?;
        let index_path = root.join("index");
        if !index_path.exists() {
            notices.push("the index was missing; rebuilding it from the journal".into());
        }
        let opened = Index::open(&index_path).and_then(|index| index.applied().map(|_| index));
        let index = match opened {
            Ok(index) => index,
            Err(error) if index::writing_marker(&index_path).exists() => {
                notices.push(format!("a command was stopped while writing the index, which no longer opens ({error}); rebuilding it from the journal"));
                fs::remove_dir_all(&index_path).map_err(io_error("removing", &index_path))?;
                Index::open(&index_path)?
            }
            Err(error) => return Err(error.into()),
        };
        sync_index(&journal, &index)?;
        Ok(Store {
            root: root.to_path_buf(),
            objects,
            journal,
            index,
            notices,
            as_of: None,
            read_only: false,
            _lock: lock,
        })
    }

    /// Opens a store that cannot be written (a read-only mount, or no write
    /// permission), changing nothing in it: the journal is read as far as its
    /// last committed entry, and the index is a copy in a scratch directory
    /// (rebuilt from the journal there if the store's own is missing or does
    /// not open), brought up to date and thrown away at the end. Every
    /// command that only reads works; one that would record is refused.
    fn open_read_only(root: &Path, lock: StoreLock) -> Result<Store, StoreError> {
        let (journal, recovery) = Journal::open_read_only(&root.join("journal"))?;
        let mut notices = Vec::new();
        if recovery.repaired() {
            notices.push(format!(
                "the journal ends with an unfinished write from an interrupted command ({} bytes), which was never acknowledged; the store cannot be written, so it was left in place and ignored",
                recovery.cut_bytes
            ));
        }
        let copied = Index::open_scratch(root, true)?;
        let index = match sync_index(&journal, &copied) {
            Ok(_) => copied,
            Err(error) => {
                drop(copied);
                notices.push(format!("the store's index does not fit its journal ({error}); this command rebuilt one from the journal outside the store"));
                let rebuilt = Index::open_scratch(root, false)?;
                sync_index(&journal, &rebuilt)?;
                rebuilt
            }
        };
        Ok(Store {
            root: root.to_path_buf(),
            objects: Objects::new(root.join("objects")),
            journal,
            index,
            notices,
            as_of: None,
            read_only: true,
            _lock: lock,
        })
    }

    /// Returns and clears the notices gathered so far (crash repairs, index lag).
    pub fn take_notices(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notices)
    }

    /// Returns the store directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Flushes the index and releases the lock.
    ///
    /// Returns notices, never an error: everything a command changed is in
    /// the journal before it returns, and the index is derived from it, so
    /// a failure to write the index (a full disk) is said, and the next
    /// command catches up. The exit status stays the command's own.
    pub fn close(self) -> Vec<String> {
        match self.index.close(&self.root.join("index")) {
            Ok(()) => Vec::new(),
            Err(error) => vec![format!("the index could not be written ({error}); it is derived from the journal, which holds every change, and the next command catches it up")],
        }
    }

    /// Appends changes and applies them to the index. An index failure after
    /// the journal is durable becomes a notice: the next open catches up.
    fn commit(
        &mut self,
        actor: &str,
        time: &str,
        changes: Vec<Change>,
    ) -> Result<Vec<Appended>, StoreError> {
        self.writable()?;
        let appended = self.journal.append(actor, time, changes)?;
        if let Err(error) = self.index.apply(marks(&appended)) {
            self.notices.push(format!("recorded in the journal, but the index update failed ({error}); it catches up on the next command"));
        }
        Ok(appended)
    }

    /// Refuses a change to a store that cannot be written, before anything
    /// is attempted.
    pub(crate) fn writable(&self) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly {
                path: self.root.clone(),
            });
        }
        Ok(())
    }

    /// Removes an object this command wrote when the command fails before
    /// recording it, unless the store already records it (then the command
    /// replaced a damaged copy, and the repair stays).
    fn discard_created(&self, id: &SourceId) {
        // Only when the index answers that it is not recorded: an index
        // that cannot answer must not cost a recorded object.
        if matches!(self.index.source(id), Ok(None)) {
            self.objects.remove_created(id);
        }
    }

    /// Records a source's bytes and metadata, and with `doc` a new revision of that document.
    pub fn add_source(
        &mut self,
        input: AddInput<'_>,
        meta: SourceMeta,
        doc: Option<&str>,
        actor: &str,
    ) -> Result<AddOutcome, StoreError> {
        self.writable()?;
        check_meta(&meta)?;
        if let Some(doc) = doc {
            check_slug(doc)?;
        }
        let stored = match input {
            AddInput::Path(path) => {
                let shown = path.display().to_string();
                let metadata = fs::metadata(path).map_err(|error| StoreError::Input {
                    path: shown.clone(),
                    why: match error.kind() {
                        io::ErrorKind::NotFound => "no such file; check the path".into(),
                        io::ErrorKind::PermissionDenied => {
                            "permission denied; make the file readable".into()
                        }
                        _ => format!("cannot read it ({error})"),
                    },
                })?;
                if metadata.is_dir() {
                    return Err(StoreError::Input {
                        path: shown,
                        why: "is a directory; give a file".into(),
                    });
                }
                if metadata.len() == 0 {
                    return Err(StoreError::Input {
                        path: shown,
                        why: "is empty; there is nothing to record".into(),
                    });
                }
                let mut file = File::open(path).map_err(|error| StoreError::Input {
                    path: shown.clone(),
                    why: format!("cannot open it ({error}); make the file readable"),
                })?;
                self.objects.put_reader(&mut file)?
            }
            AddInput::Reader(reader, label) => {
                let stored = self.objects.put_reader(reader)?;
                if stored.size == 0 {
                    if stored.created {
                        self.discard_created(&stored.id);
                    }
                    return Err(StoreError::Input {
                        path: label.to_string(),
                        why: "is empty; there is nothing to record".into(),
                    });
                }
                stored
            }
        };
        let recorded = self.index.source(&stored.id)?.is_some();
        if recorded && stored.created {
            // The store's copy did not hash to its id (or was not a regular
            // file); these bytes do, and replaced it.
            self.notices.push(format!("the stored copy of source {} was damaged; the bytes given hash to its id and have replaced it", stored.id));
        }
        let result = self.record_source(stored, meta, doc, actor);
        if result.is_err() && stored.created {
            self.discard_created(&stored.id);
        }
        result
    }

    fn record_source(
        &mut self,
        stored: objects::Stored,
        meta: SourceMeta,
        doc: Option<&str>,
        actor: &str,
    ) -> Result<AddOutcome, StoreError> {
        let existing = self.index.source(&stored.id)?;
        if let Some(existing) = &existing {
            if let Some((field, stored_value, given)) =
                meta_conflict(&existing.meta, &meta, doc.is_some())
            {
                return Err(StoreError::MetadataDiffers {
                    source_id: stored.id,
                    field,
                    stored: stored_value,
                    given,
                });
            }
        }
        let mut changes = Vec::new();
        let revision = match doc {
            Some(doc) => Some((doc.to_string(), self.index.last_revision(doc)? + 1)),
            None => None,
        };
        if existing.is_none() {
            changes.push(Change::AddSource {
                source: stored.id,
                size: stored.size,
                meta: meta.clone(),
            });
        }
        let time = now_rfc3339();
        let mut carry = None;
        if let Some((doc, number)) = &revision {
            changes.push(Change::AddRevision(Revision {
                doc: doc.clone(),
                number: *number,
                source: stored.id,
                published: meta.published.clone(),
                updated: meta.updated.clone(),
                note: meta.note.clone(),
            }));
            let (carried, report) = self.carry_changes(doc, *number, stored.id, actor, &time)?;
            changes.extend(carried);
            carry = report;
        }
        if !changes.is_empty() {
            self.commit(actor, &time, changes)?;
        }
        Ok(AddOutcome {
            id: stored.id,
            size: stored.size,
            new_source: existing.is_none(),
            revision,
            carry,
        })
    }

    /// Resolves an id or unique prefix of 4 or more hex characters.
    pub fn resolve(&self, text: &str) -> Result<(IdKind, [u8; 32]), StoreError> {
        resolve_in(&self.index, text)
    }

    fn resolve_kind(&self, text: &str, expected: IdKind) -> Result<[u8; 32], StoreError> {
        resolve_kind_in(&self.index, text, expected)
    }

    /// Resolves a source id or prefix.
    /// A revision name (`SLUG@N`, `SLUG@latest`, `SLUG@-K`, `SLUG@DATE`) names its source.
    pub fn resolve_source(&self, text: &str) -> Result<SourceId, StoreError> {
        if let Some(record) = self.resolve_revision(text)? {
            return Ok(record.revision.source);
        }
        self.resolve_kind(text, IdKind::Source).map(SourceId)
    }

    /// Resolves a claim id or prefix.
    pub fn resolve_claim(&self, text: &str) -> Result<ClaimId, StoreError> {
        self.resolve_kind(text, IdKind::Claim).map(ClaimId)
    }

    /// Resolves a citation id or prefix.
    pub fn resolve_citation(&self, text: &str) -> Result<CitationId, StoreError> {
        self.resolve_kind(text, IdKind::Citation).map(CitationId)
    }

    /// Anchors a quote in a source, checks that it states the value, and records the claim and citation.
    pub fn cite(&mut self, request: CiteRequest, actor: &str) -> Result<CiteOutcome, StoreError> {
        self.writable()?;
        check_request(&request)?;
        let source_id = self.resolve_source(&request.source)?;
        let bytes = self.objects.read(&source_id)?;
        let text = source_text(source_id, &bytes)?;
        let prepared = prepare_citation(request, source_id, text)?;
        if let Some(existing) = self.live_duplicate(&prepared.body)? {
            return Ok(CiteOutcome {
                claim: prepared.claim.id,
                new_claim: false,
                citation: existing,
                new_citation: false,
                selector: prepared.body.selector,
            });
        }
        let claim_id = prepared.claim.id;
        let new_claim = self.index.claim(&claim_id)?.is_none();
        let time = now_rfc3339();
        let citation_id = identity::citation_id(&prepared.body, actor, &time);
        let selector = prepared.body.selector.clone();
        let mut changes = Vec::new();
        if new_claim {
            changes.push(Change::RecordClaim(prepared.claim));
        }
        changes.push(Change::Cite {
            carried: None,
            citation: citation_id,
            body: prepared.body,
        });
        self.commit(actor, &time, changes)?;
        Ok(CiteOutcome {
            claim: claim_id,
            new_claim,
            citation: citation_id,
            new_citation: true,
            selector,
        })
    }

    /// Returns the live citation identical to `body`, if one is recorded.
    fn live_duplicate(&self, body: &Citation) -> Result<Option<CitationId>, StoreError> {
        live_duplicate_in(&self.index, body)
    }

    /// Retracts a citation with a reason. Nothing is deleted.
    pub fn retract(
        &mut self,
        citation: &str,
        reason: &str,
        actor: &str,
    ) -> Result<Retracted, StoreError> {
        self.writable()?;
        let reason = tidy(reason);
        if reason.is_empty() {
            return Err(StoreError::BadText {
                field: "--reason",
                why: "is empty; say why the citation is retracted".into(),
            });
        }
        check_text("--reason", &reason, 64 * 1024)?;
        let id = self.resolve_citation(citation)?;
        if let Some(existing) = self.index.retraction(&id)? {
            return Err(StoreError::AlreadyRetracted {
                citation: id,
                time: existing.time,
                reason: existing.reason,
            });
        }
        // The retraction covers the citation's carried lineage: every copy
        // carried from it into later revisions (and carried on from those)
        // is retracted in the same command, so no revision carries it again.
        let mut changes = vec![Change::Retract {
            citation: id,
            reason: reason.clone(),
        }];
        let mut carried = Vec::new();
        let mut walked = Vec::new();
        let mut pending = vec![id];
        while let Some(from) = pending.pop() {
            for supersession in self.index.supersessions(&from)? {
                if supersession.citation != from {
                    continue;
                }
                let copy = supersession.by;
                let is_copy = self
                    .index
                    .citation(&copy)?
                    .and_then(|record| record.carried)
                    .is_some_and(|carry| carry.from == from);
                if !is_copy || walked.contains(&copy) {
                    continue;
                }
                walked.push(copy);
                // A copy retracted already is passed through, not retracted
                // again: copies carried on from it may still be live.
                pending.push(copy);
                if self.index.retraction(&copy)?.is_some() {
                    continue;
                }
                carried.push(copy);
                changes.push(Change::Retract {
                    citation: copy,
                    reason: format!("{reason} (with citation {id}, which it was carried from)"),
                });
            }
        }
        self.commit(actor, &now_rfc3339(), changes)?;
        Ok(Retracted {
            citation: id,
            carried,
        })
    }

    fn traced(
        &self,
        record: CitationRecord,
        cache: &mut HashMap<SourceId, Option<(bool, Vec<u8>)>>,
    ) -> Result<TracedCitation, StoreError> {
        let source_id = record.citation.source;
        if let std::collections::hash_map::Entry::Vacant(slot) = cache.entry(source_id) {
            let loaded = match self.objects.read(&source_id) {
                Ok(bytes) => Some((identity::source_id(&bytes) == source_id, bytes)),
                Err(ObjectError::Missing { .. }) => None,
                Err(error) => return Err(error.into()),
            };
            slot.insert(loaded);
        }
        let loaded = cache.get(&source_id).and_then(Option::as_ref);
        let selector = &record.citation.selector;
        let (source_intact, anchor_check, context) = match loaded {
            None => (None, AnchorCheck::OutOfRange, None),
            Some((intact, bytes)) => {
                let check = anchor::check_anchor(
                    bytes,
                    &selector.exact,
                    &selector.prefix,
                    &selector.suffix,
                    selector.start,
                    selector.end,
                );
                let context = std::str::from_utf8(bytes).ok().and_then(|text| {
                    let range = usize::try_from(selector.start).ok()?
                        ..usize::try_from(selector.end).ok()?;
                    (range.end <= text.len()
                        && text.is_char_boundary(range.start)
                        && text.is_char_boundary(range.end))
                    .then(|| anchor::context_line(text, range, 60))
                });
                (Some(*intact), check, context)
            }
        };
        let revisions = self.visible_revisions_of(&source_id)?;
        Ok(TracedCitation {
            retraction: self
                .index
                .retraction(&record.id)?
                .filter(|retraction| self.visible(retraction.seq)),
            source: self.index.source(&source_id)?,
            rank: self.rank(&record.id)?,
            drift: self.drift_of(&record, &revisions)?,
            revisions,
            source_intact,
            anchor: anchor_check,
            context,
            record,
        })
    }

    /// Returns a claim's citations with their sources, checks and context, and the rival values.
    pub fn trace(&self, claim_text: &str) -> Result<Trace, StoreError> {
        let claim_id = self.resolve_claim(claim_text)?;
        self.trace_id(claim_id)
    }

    fn trace_id(&self, claim_id: ClaimId) -> Result<Trace, StoreError> {
        let claim = self
            .index
            .claim(&claim_id)?
            .ok_or_else(|| StoreError::UnknownId {
                text: claim_id.to_hex(),
            })?;
        if !self.visible(claim.seq) {
            return Err(StoreError::NotYetRecorded {
                what: format!("claim {}", claim_id.short()),
                recorded: claim.recorded,
            });
        }
        let mut cache = HashMap::new();
        let mut citations = Vec::new();
        for record in self.index.citations_of_claim(&claim_id)? {
            if self.visible(record.seq) {
                citations.push(self.traced(record, &mut cache)?);
            }
        }
        citations.sort_by_key(|item| item.record.seq);
        let mut others = Vec::new();
        let prefix = index::claim_key_prefix(&claim.claim.subject, &claim.claim.property);
        for item in self.index.claims_by_key(&prefix) {
            let (_, other_id) = item?;
            if other_id == claim_id {
                continue;
            }
            if let Some(other) = self.index.claim(&other_id)? {
                if other.claim.value != claim.claim.value && self.visible(other.seq) {
                    others.push(other);
                }
            }
        }
        Ok(Trace {
            reviews: self.reviews(Some(&claim_id))?,
            claim,
            citations,
            others,
        })
    }

    /// Returns claims matching the filter, with citation counts.
    pub fn claims(&self, filter: &ClaimFilter) -> Result<Vec<ClaimSummary>, StoreError> {
        let mut ids: Vec<ClaimId> = Vec::new();
        if let Some(subject) = &filter.subject {
            let mut prefix = identity_key(subject).into_bytes();
            prefix.push(0);
            if let Some(property) = &filter.property {
                prefix.extend(identity_key(property).into_bytes());
                prefix.push(0);
            }
            for item in self.index.claims_by_key(&prefix) {
                ids.push(item?.1);
            }
        } else if let Some(source) = &filter.source {
            let source_id = self.resolve_source(source)?;
            for record in self.index.citations_of_source(&source_id)? {
                ids.push(record.citation.claim);
            }
            ids.sort();
            ids.dedup();
        } else {
            for item in self.index.claims_by_key(&[]) {
                ids.push(item?.1);
            }
        }
        let source_filter = match (&filter.source, &filter.subject) {
            (Some(source), Some(_)) => Some(self.resolve_source(source)?),
            _ => None,
        };
        let property_key = filter.property.as_deref().map(identity_key);
        let mut out = Vec::new();
        for id in ids {
            let Some(record) = self.index.claim(&id)? else {
                continue;
            };
            if !self.visible(record.seq) {
                continue;
            }
            if let Some(key) = &property_key {
                if identity_key(&record.claim.property) != *key {
                    continue;
                }
            }
            if let Some(wanted) = &filter.value {
                if !value_matches(&record.claim.value, wanted) {
                    continue;
                }
            }
            let mut live = 0;
            let mut retracted = 0;
            let mut in_source = source_filter.is_none();
            for record in self.index.citations_of_claim(&id)? {
                if !self.visible(record.seq) {
                    continue;
                }
                if let Some(source) = source_filter {
                    in_source |= record.citation.source == source;
                }
                if self.is_retracted(&record.id)? {
                    retracted += 1;
                } else {
                    live += 1;
                }
            }
            if in_source {
                out.push(ClaimSummary {
                    record,
                    live,
                    retracted,
                });
            }
        }
        Ok(out)
    }

    /// Returns every subject and property with more than one value among live supporting citations.
    pub fn conflicts(&self) -> Result<Vec<Conflict>, StoreError> {
        let reported = self.reported_values()?;
        let mut out = Vec::new();
        let mut group_key: Option<Vec<u8>> = None;
        let mut group: Vec<ClaimId> = Vec::new();
        let finish =
            |group: &mut Vec<ClaimId>, out: &mut Vec<Conflict>| -> Result<(), StoreError> {
                if group.len() >= 2 || group.iter().any(|id| reported.contains_key(id)) {
                    self.conflicts_in(group, &reported, out)?;
                }
                group.clear();
                Ok(())
            };
        for item in self.index.claims_by_key(&[]) {
            let (key, id) = item?;
            if group_key.as_deref() != Some(key.as_slice()) {
                finish(&mut group, &mut out)?;
                group_key = Some(key);
            }
            group.push(id);
        }
        finish(&mut group, &mut out)?;
        Ok(out)
    }

    /// The values later revisions state instead of a cited claim's, by claim:
    /// drift findings whose closest passage states another value.
    fn reported_values(&self) -> Result<HashMap<ClaimId, Vec<ReportedValue>>, StoreError> {
        let mut out: HashMap<ClaimId, Vec<ReportedValue>> = HashMap::new();
        for item in self.index.all_drift() {
            let (doc, number, record) = item?;
            if !self.visible(record.seq) {
                continue;
            }
            let (Some(change), Some(candidate)) = (&record.value_change, &record.candidate) else {
                continue;
            };
            let Some(value) = &change.to else { continue };
            let Some(cited) = self.index.citation(&record.citation)? else {
                continue;
            };
            let Some(revision) = self.index.revision(&doc, number)? else {
                continue;
            };
            out.entry(cited.citation.claim)
                .or_default()
                .push(ReportedValue {
                    value: value.clone(),
                    doc,
                    number,
                    source: revision.revision.source,
                    passage: candidate.exact.clone(),
                    citation: record.citation,
                });
        }
        Ok(out)
    }

    fn conflicts_in(
        &self,
        group: &[ClaimId],
        reported: &HashMap<ClaimId, Vec<ReportedValue>>,
        out: &mut Vec<Conflict>,
    ) -> Result<(), StoreError> {
        let mut by_as_of: BTreeMap<String, Vec<ConflictSide>> = BTreeMap::new();
        for id in group {
            let Some(claim) = self.index.claim(id)? else {
                continue;
            };
            if !self.visible(claim.seq) {
                continue;
            }
            let mut sources: Vec<SourceRecord> = Vec::new();
            for record in self.index.citations_of_claim(id)? {
                if !self.visible(record.seq)
                    || record.citation.stance != Stance::Supports
                    || self.is_retracted(&record.id)?
                {
                    continue;
                }
                if sources
                    .iter()
                    .any(|source| source.id == record.citation.source)
                {
                    continue;
                }
                if let Some(source) = self.index.source(&record.citation.source)? {
                    sources.push(source);
                }
            }
            if !sources.is_empty() {
                let as_of = claim
                    .claim
                    .qualifiers
                    .as_of
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let mut revisions = Vec::new();
                for source in &sources {
                    revisions.extend(self.visible_revisions_of(&source.id)?);
                }
                revisions.sort();
                let reported = reported.get(id).cloned().unwrap_or_default();
                by_as_of.entry(as_of).or_default().push(ConflictSide {
                    claim,
                    sources,
                    revisions,
                    reported,
                });
            }
        }
        for (_, sides) in by_as_of {
            if sides.len() >= 2 || sides.iter().any(|side| !side.reported.is_empty()) {
                let first = &sides[0].claim.claim;
                out.push(Conflict {
                    subject: first.subject.clone(),
                    property: first.property.clone(),
                    as_of: first.qualifiers.as_of.clone(),
                    sides,
                });
            }
        }
        Ok(())
    }

    /// Returns every source with its revisions and citation count.
    pub fn sources(&self) -> Result<Vec<SourceListing>, StoreError> {
        let mut out = Vec::new();
        for source in self.index.sources() {
            let source = source?;
            let revisions = self.index.revisions_of_source(&source.id)?;
            let citations = self.index.count_citations_of_source(&source.id)?;
            out.push((source, revisions, citations));
        }
        out.sort_by_key(|(source, _, _)| source.seq);
        Ok(out)
    }

    /// Returns the revisions of a document.
    pub fn revisions(&self, doc: &str) -> Result<Vec<RevisionRecord>, StoreError> {
        let revisions = self.index.revisions(doc)?;
        if revisions.is_empty() {
            return Err(StoreError::UnknownDocument {
                doc: doc.to_string(),
            });
        }
        Ok(revisions)
    }

    /// Calls `visit` with every journal entry in order.
    pub fn for_each_entry(
        &self,
        visit: &mut dyn FnMut(&Entry) -> io::Result<()>,
    ) -> Result<(), StoreError> {
        for line in self.journal.lines_from(0)? {
            let entry = line?.parse()?;
            visit(&entry).map_err(io_error("writing", Path::new("output")))?;
        }
        Ok(())
    }

    /// Returns a recorded source's bytes (unchecked; `cat` and `verify` check them).
    pub fn source_bytes(&self, id: &SourceId) -> Result<Vec<u8>, StoreError> {
        Ok(self.objects.read(id)?)
    }

    /// Streams a source's raw bytes to `out`, checking they still hash to the id.
    pub fn cat(&self, source: &str, out: &mut dyn Write) -> Result<SourceId, StoreError> {
        let id = self.resolve_source(source)?;
        let bytes = self.objects.read(&id)?;
        if identity::source_id(&bytes) != id {
            return Err(StoreError::Objects(ObjectError::Io {
                action: "refusing to print damaged object",
                path: self.objects.path_for(&id),
                source: io::Error::new(
                    io::ErrorKind::InvalidData,
                    "its bytes no longer hash to its id; run `provdb verify`",
                ),
            }));
        }
        out.write_all(&bytes)
            .map_err(io_error("writing", Path::new("standard output")))?;
        Ok(id)
    }

    /// Returns whatever record an id or prefix names.
    pub fn show(&self, text: &str) -> Result<Shown, StoreError> {
        let shown = self.show_any(text)?;
        let (what, seq, recorded) = match &shown {
            Shown::Source(record, ..) => ("source", record.seq, &record.recorded),
            Shown::Claim(trace) => ("claim", trace.claim.seq, &trace.claim.recorded),
            Shown::Citation(traced, _) => ("citation", traced.record.seq, &traced.record.recorded),
        };
        if !self.visible(seq) {
            return Err(StoreError::NotYetRecorded {
                what: format!("{what} {text}"),
                recorded: recorded.clone(),
            });
        }
        Ok(shown)
    }

    fn show_any(&self, text: &str) -> Result<Shown, StoreError> {
        let (kind, id) = match self.resolve_revision(text)? {
            Some(record) => (IdKind::Source, record.revision.source.0),
            None => self.resolve(text)?,
        };
        match kind {
            IdKind::Source => {
                let source_id = SourceId(id);
                let record = self
                    .index
                    .source(&source_id)?
                    .ok_or_else(|| StoreError::UnknownId { text: text.into() })?;
                let revisions = self.index.revisions_of_source(&source_id)?;
                let citations = self.index.count_citations_of_source(&source_id)?;
                Ok(Shown::Source(record, revisions, citations))
            }
            IdKind::Claim => Ok(Shown::Claim(Box::new(self.trace_id(ClaimId(id))?))),
            IdKind::Citation => {
                let record = self
                    .index
                    .citation(&CitationId(id))?
                    .ok_or_else(|| StoreError::UnknownId { text: text.into() })?;
                let claim = self.index.claim(&record.citation.claim)?;
                let mut cache = HashMap::new();
                Ok(Shown::Citation(
                    Box::new(self.traced(record, &mut cache)?),
                    claim,
                ))
            }
        }
    }
}

/// Returns true when a claim's value matches a filter string.
fn value_matches(value: &Value, wanted: &str) -> bool {
    match value {
        Value::Count { count } => values::parse_count(wanted)
            .map(|wanted| wanted == *count)
            .unwrap_or(false),
        Value::Quantity { amount } => values::parse_quantity(wanted)
            .map(|wanted| wanted == *amount)
            .unwrap_or(false),
        Value::Date { date } => crate::dates::parse_when(wanted)
            .map(|wanted| wanted == *date)
            .unwrap_or(false),
        Value::Text { text } => identity_key(text) == identity_key(wanted),
    }
}

/// Returns the notice shown when opening cut back a crash-torn journal tail.
pub fn recovery_notice(recovery: &Recovery) -> String {
    format!(
        "the journal ended with an unfinished write from an interrupted command ({} bytes, {} complete entries of it); it was never acknowledged and has been cut back",
        recovery.cut_bytes, recovery.dropped_entries
    )
}

/// Rebuilds the index from the journal: builds `index.new`, then swaps it
/// in; then removes the object files no journal entry records (bytes an
/// interrupted add stored but never recorded). Returns how many entries
/// were applied and how many objects removed.
pub fn reindex(root: &Path, options: &mut OpenOptions<'_>) -> Result<(u64, usize), StoreError> {
    if !root.is_dir() {
        return Err(StoreError::NotAStore {
            path: root.to_path_buf(),
        });
    }
    check_format(root)?;
    let _lock = acquire_lock(root, options)?;
    if is_read_only(root) {
        return Err(StoreError::ReadOnly {
            path: root.to_path_buf(),
        });
    }
    let (journal, _) = Journal::open(&root.join("journal"))?;
    let building = root.join("index.new");
    remove_any(&building)?;
    let built = (|| -> Result<u64, StoreError> {
        let index = Index::open(&building)?;
        let applied = sync_index(&journal, &index);
        let closed = index.close(&building);
        let applied = applied?;
        closed?;
        Ok(applied)
    })();
    let applied = match built {
        Ok(applied) => applied,
        Err(error) => {
            // A failed rebuild leaves nothing behind; the old index stays.
            let _ = remove_any(&building);
            return Err(error);
        }
    };
    // The old index is renamed aside whole, the new one renamed into place,
    // then the old one removed: a kill never leaves a half-removed index/.
    // Between the two renames there is no index: the next command rebuilds
    // it from the journal, and `verify` checks the journal against one built
    // outside the store, with a notice.
    let live = root.join("index");
    let old = root.join("index.old");
    remove_any(&old)?;
    if fs::symlink_metadata(&live).is_ok() {
        crash::point(Op::Rename, "index aside");
        fs::rename(&live, &old).map_err(io_error("renaming aside", &live))?;
    }
    crash::point(Op::Rename, "index.new into place");
    fs::rename(&building, &live).map_err(io_error("renaming into", &live))?;
    objects::sync_dir(root)?;
    // A marker left by an interrupted write belonged to the index just replaced.
    remove_any(&index::writing_marker(&live))?;
    remove_any(&old)?;
    objects::sync_dir(root)?;
    // Under the lock no command is between storing an object and recording
    // it: an object no entry records was left by one that was killed.
    let index = Index::open(&live)?;
    let objects = Objects::new(root.join("objects"));
    let mut removed = 0;
    for (_, id) in objects.list()? {
        let Some(id) = id else { continue };
        if index.source(&id)?.is_none() {
            objects.remove_created(&id);
            removed += 1;
        }
    }
    index.close(&live)?;
    objects.remove_incoming();
    Ok((applied, removed))
}

/// Returns an index for the store at `root` in a scratch directory outside
/// it: a copy of the store's own (`copy`), or one built from the journal. The
/// store's files are not changed.
pub fn scratch_index(root: &Path, copy: bool) -> Result<Index, StoreError> {
    let index = Index::open_scratch(root, copy)?;
    if !copy {
        let (journal, _) = Journal::open_read_only(&root.join("journal"))?;
        sync_index(&journal, &index)?;
    }
    Ok(index)
}

/// True when `path` is the store directory or anything in it, once links
/// and `..` are resolved: for a path that does not exist yet, its parent is
/// resolved and its name joined (`STORE/objects/..` and a link to the store
/// both count).
pub fn is_inside(root: &Path, path: &Path) -> bool {
    let Ok(root) = root.canonicalize() else {
        return false;
    };
    let resolved = path.canonicalize().or_else(|_| {
        let parent = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::other("no name"))?;
        parent.canonicalize().map(|parent| parent.join(name))
    });
    resolved.is_ok_and(|resolved| resolved.starts_with(&root))
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
fn cannot_write(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
    )
}

/// Removes whatever is at `path`, a directory, a file or a link, if anything is.
pub(crate) fn remove_any(path: &Path) -> Result<(), StoreError> {
    let removed = match fs::symlink_metadata(path) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(error) => Err(error),
        Ok(meta) => {
            crash::point(Op::Remove, "a derived or leftover file");
            if meta.is_dir() {
                fs::remove_dir_all(path)
            } else {
                fs::remove_file(path)
            }
        }
    };
    removed.map_err(io_error("removing", path))
}
