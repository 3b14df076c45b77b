//! Journal entries and the changes they record.

use super::claim::Claim;
use super::ids::{CitationId, EntryHash, SourceId};
use super::review::{ConflictReview, Review};
use super::source::{Capture, Carried, Citation, Drift, Revision, SourceMeta, TextLayer};

mod fast;

/// One change to the store. Its JSON form (tagged by `op`) is part of the journal format.
///
/// serde derives how it is written and read (`remote = "Self"` makes those
/// plain functions, `Change::serialize` and `Change::deserialize`); the
/// trait implementations below call them, and reading takes a faster road
/// for the changes a journal is mostly made of (see `fast`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", remote = "Self")]
pub enum Change {
    /// The store was created.
    Init {
        /// A random identity for the store, 32 hex characters.
        store: String,
        /// The store format version.
        format: u32,
    },
    /// A source's bytes were stored.
    AddSource {
        /// The BLAKE3 hash of the bytes.
        source: SourceId,
        /// The number of bytes.
        size: u64,
        /// The metadata.
        meta: SourceMeta,
        /// The name of the file it was read from: for `add DIR`, its path
        /// under the folder given; else the file's name. None for standard
        /// input, a web capture, or a source recorded before names were.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// A text layer was derived from a source's bytes and stored as an object.
    DeriveText(TextLayer),
    /// A source was captured from the web; the exchange is kept as WARC records.
    Capture(Capture),
    /// A revision of a document was logged.
    AddRevision(Revision),
    /// A claim was recorded.
    RecordClaim(Claim),
    /// A citation was added.
    Cite {
        /// The citation's id, computed by `identity::citation_id`.
        citation: CitationId,
        /// Set when the citation was carried from the previous revision of a document.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        carried: Option<Carried>,
        /// The citation itself.
        #[serde(flatten)]
        body: Citation,
    },
    /// A new revision did not carry a citation of the previous one.
    Drift(Drift),
    /// A citation was superseded by a newer one; the older is kept as history.
    Supersede {
        /// The citation superseded.
        citation: CitationId,
        /// The citation preferred from now on.
        by: CitationId,
        /// Why.
        reason: String,
    },
    /// A review of a claim was recorded, or imported from ClaimReview markup.
    Review(Box<Review>),
    /// Entries of another store were merged from a bundle; the merged
    /// entries follow, each with its `origin`.
    Merge {
        /// The BLAKE3 hash of the bundle file, hex.
        bundle: String,
        /// The other store's id.
        store: String,
        /// The source holding the other store's journal, as the bundle held it.
        journal: SourceId,
        /// How many entries that journal holds.
        size: u64,
        /// The Merkle tree head of that journal at `size` (base64, as checkpoints write it).
        root: String,
        /// How many of its entries were merged (the rest were here already).
        merged: u64,
    },
    /// A source's metadata was corrected. `meta` is all of it as corrected
    /// (what was not corrected is copied); the bytes and id are unchanged.
    Amend {
        /// The source.
        source: SourceId,
        /// The metadata from now on.
        meta: SourceMeta,
        /// Why.
        reason: String,
    },
    /// A conflict was marked reviewed.
    ReviewConflict(ConflictReview),
    /// A citation was retracted.
    Retract {
        /// The citation retracted.
        citation: CitationId,
        /// Why.
        reason: String,
    },
}

impl serde::Serialize for Change {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Change::serialize(self, serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Change {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(fast::ChangeVisitor)
    }
}

/// One journal line, parsed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The entry's position in the journal, from 1.
    pub seq: u64,
    /// When it was recorded: RFC 3339, UTC.
    pub time: String,
    /// Who recorded it.
    pub actor: String,
    /// The BLAKE3 hash of the previous line's bytes; 32 zero bytes for the first.
    pub prev: EntryHash,
    /// True on the last entry of the command that wrote it.
    pub commit: bool,
    /// For an entry merged from another store's bundle: where it was first
    /// recorded. Absent on every other entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    /// The change recorded.
    pub change: Change,
}

/// Where a merged entry was first recorded: its store, its place in that
/// store's journal, and who recorded it when. Ids that hash the recorder
/// and time (citations) hash these.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Origin {
    /// The other store's id.
    pub store: String,
    /// The entry's sequence number in the other store's journal.
    pub seq: u64,
    /// When it was recorded there.
    pub time: String,
    /// Who recorded it there.
    pub actor: String,
}

impl Entry {
    /// Who first recorded this entry's change: the origin's actor for a
    /// merged entry, else the entry's own.
    pub fn recorded_by(&self) -> &str {
        self.origin
            .as_ref()
            .map_or(&self.actor, |origin| &origin.actor)
    }

    /// When this entry's change was first recorded.
    pub fn recorded_at(&self) -> &str {
        self.origin
            .as_ref()
            .map_or(&self.time, |origin| &origin.time)
    }
}

/// A retraction as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Retraction {
    /// Why it was retracted.
    pub reason: String,
    /// The journal entry that retracted it.
    pub seq: u64,
    /// When.
    pub time: String,
    /// Who.
    pub actor: String,
}

/// A supersession as the index holds it, once under each citation it names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Supersession {
    /// The citation superseded.
    pub citation: CitationId,
    /// The citation preferred instead.
    pub by: CitationId,
    /// Why.
    pub reason: String,
    /// The journal entry that recorded it.
    pub seq: u64,
    /// When.
    pub time: String,
    /// Who.
    pub actor: String,
}
