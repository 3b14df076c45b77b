//! Why a store operation failed: one enum whose variants carry the facts for their messages.

use super::field::Field;
use std::io;
use std::path::{Path, PathBuf};

use crate::model::{CitationId, ClaimId, IdKind, SourceId};
use crate::storage::index::IndexError;
use crate::storage::journal::JournalError;
use crate::storage::objects::ObjectError;
use crate::text::anchor::AnchorError;

use super::FORMAT_FILE;

/// Why a store operation failed. Each variant carries the facts for its message.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No store was found from the starting directory upward.
    #[error("no provdb store found in {start} or any parent")]
    NoStoreFound {
        /// Where the search started.
        start: PathBuf,
    },
    /// The directory is not a store.
    #[error("{path} is not a provdb store (no {FORMAT_FILE} file)")]
    NotAStore {
        /// The directory.
        path: PathBuf,
    },
    /// init on an existing store.
    #[error("{path} is already a provdb store")]
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
    /// The store's lock could not be taken.
    #[error(transparent)]
    Lock(#[from] crate::storage::lock::LockError),
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
    /// A file given for a source that is not one.
    #[error(
        "the file {path} is not a recorded source (BLAKE3 {id}); add it first with `provdb add`"
    )]
    FileNotRecorded {
        /// The path given.
        path: String,
        /// Its bytes' id.
        id: String,
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
    #[error("source {} cannot be quoted: {why}; only text can be cited (UTF-8, another encoding provdb detects, or a web page)", source_id.short())]
    NotText {
        /// The source.
        source_id: SourceId,
        /// Why.
        why: String,
    },
    /// The quote does not state the value.
    #[error("the quote {quote:?} does not state the value {value}")]
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
    /// A correction that changes nothing.
    #[error("nothing to amend: source {} already has these values; give a field with a new value, e.g. --title", id.short())]
    NothingToAmend {
        /// The source.
        id: SourceId,
    },
    /// A claim listed in no conflict was to be marked reviewed.
    #[error("claim {} is in no conflict (values that cannot both hold); `provdb conflicts` lists them", claim.short())]
    NotInConflict {
        /// The claim.
        claim: ClaimId,
    },
    /// A bundle was refused: what is wrong with it.
    #[error("bundle: {why}")]
    BundleRefused {
        /// What is wrong.
        why: String,
    },
    /// A stored object no longer hashes to its id: what it shows is refused.
    #[error("{refusing} {path}: its bytes no longer hash to its id; run `provdb verify`")]
    ObjectDamaged {
        /// What was refused.
        refusing: &'static str,
        /// The object's file.
        path: PathBuf,
    },
    /// A review's rating was refused.
    #[error(transparent)]
    Review(#[from] super::reviews::ReviewError),
    /// A receipt was asked for a retracted citation.
    #[error("citation {citation}: was retracted ({reason}, by {actor} at {time}); a receipt would prove only that it was recorded, not that it was withdrawn")]
    RetractedCitation {
        /// The citation.
        citation: CitationId,
        /// Why it was retracted.
        reason: String,
        /// Who retracted it.
        actor: String,
        /// When.
        time: String,
    },
    /// A file given to a bulk add cannot be a source; it could be left out.
    #[error("{path}: {why}")]
    UnusableFile {
        /// The file, as given.
        path: String,
        /// Why it cannot be a source.
        why: String,
    },
    /// An input file problem.
    #[error("{path}: {why}")]
    Input {
        /// The path given.
        path: String,
        /// What is wrong, with the fix.
        why: String,
    },
    /// A search query cannot be read.
    #[error("{why}")]
    BadQuery {
        /// What is wrong, with the fix.
        why: String,
    },
    /// A text argument is unusable.
    #[error("{field} {why}")]
    BadText {
        /// Which field.
        field: Field,
        /// What is wrong, with the fix.
        why: String,
    },
    /// The source already has different metadata.
    #[error("source {} is already recorded with {field} {stored:?}, not {given:?}; to correct it, use `provdb amend`", source_id.short())]
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
    #[error("no document {doc:?}; {}", match near {
        Some(near) => format!("did you mean {near}? (documents are listed by `provdb sources`)"),
        None => "list documents with `provdb sources`".to_string(),
    })]
    UnknownDocument {
        /// The slug.
        doc: String,
        /// The document whose slug is nearest, if one is near.
        near: Option<String>,
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
    #[error("{what} was recorded at {recorded}, after the time the store is read as of")]
    NotYetRecorded {
        /// What was asked for.
        what: String,
        /// When it was recorded.
        recorded: String,
    },
}

pub(super) fn describe_candidates(candidates: &[(IdKind, String)]) -> String {
    candidates
        .iter()
        .map(|(kind, id)| format!("{} {}", kind.name(), id))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn io_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

impl From<crate::storage::format::FormatError> for StoreError {
    fn from(error: crate::storage::format::FormatError) -> Self {
        use crate::storage::format::FormatError;
        match error {
            FormatError::NotAStore { path } => StoreError::NotAStore { path },
            FormatError::Io { path, source } => StoreError::Io {
                action: "reading",
                path,
                source,
            },
        }
    }
}

impl From<crate::verify::VerifyError> for StoreError {
    fn from(error: crate::verify::VerifyError) -> Self {
        match error {
            crate::verify::VerifyError::Format(error) => error.into(),
            crate::verify::VerifyError::Lock(error) => error.into(),
        }
    }
}

impl From<crate::storage::replay::ReplayError> for StoreError {
    fn from(error: crate::storage::replay::ReplayError) -> Self {
        use crate::storage::replay::ReplayError;
        match error {
            ReplayError::Journal(error) => StoreError::Journal(error),
            ReplayError::Index(error) => StoreError::Index(error),
            ReplayError::ChainBroken { seq, offset } => StoreError::ChainBroken { seq, offset },
            ReplayError::IndexOutOfStep { why } => StoreError::IndexOutOfStep { why },
        }
    }
}
