//! Sources, revisions and citations.

use super::ids::{ClaimId, SourceId};
use super::when::When;

/// Metadata about a source, kept apart from its content hash.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct SourceMeta {
    /// The title.
    pub title: Option<String>,
    /// Where it was found.
    pub url: Option<String>,
    /// Its authors, in the order given.
    pub authors: Vec<String>,
    /// Its publisher.
    pub publisher: Option<String>,
    /// The publication time the publisher stated.
    pub published: Option<When>,
    /// The update time the publisher stated.
    pub updated: Option<When>,
    /// When it was retrieved.
    pub retrieved: Option<When>,
    /// Its media type, e.g. `text/plain`.
    pub media_type: Option<String>,
    /// Its language, e.g. `en`.
    pub language: Option<String>,
    /// A free note.
    pub note: Option<String>,
}

/// A source as the index holds it: its id, size, metadata and who recorded it when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceRecord {
    /// The BLAKE3 hash of the bytes.
    pub id: SourceId,
    /// The number of bytes.
    pub size: u64,
    /// The metadata.
    pub meta: SourceMeta,
    /// The journal entry that recorded it.
    pub seq: u64,
    /// When it was recorded (RFC 3339, UTC).
    pub recorded: String,
    /// Who recorded it.
    pub actor: String,
}

/// One revision of a document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Revision {
    /// The document's slug.
    pub doc: String,
    /// The revision number, from 1.
    pub number: u32,
    /// The source holding this revision's bytes.
    pub source: SourceId,
    /// The publication time the publisher stated.
    pub published: Option<When>,
    /// The update time the publisher stated.
    pub updated: Option<When>,
    /// The editor's note.
    pub note: Option<String>,
}

/// How a citation bears on its claim.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Stance {
    /// The source states the claim.
    #[default]
    Supports,
    /// The source contradicts the claim.
    Disputes,
    /// The source mentions the claim without taking a side.
    Mentions,
}

impl Stance {
    /// Returns the word used in JSON and messages.
    pub fn name(self) -> &'static str {
        match self {
            Stance::Supports => "supports",
            Stance::Disputes => "disputes",
            Stance::Mentions => "mentions",
        }
    }
}

/// The W3C Web Annotation anchor pair: a TextQuoteSelector and a byte-position selector.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Selector {
    /// The quoted text, exactly as it stands in the source.
    pub exact: String,
    /// The context before the quote that makes it unique.
    pub prefix: String,
    /// The context after the quote that makes it unique.
    pub suffix: String,
    /// The first byte of the quote.
    pub start: u64,
    /// One past the last byte of the quote.
    pub end: u64,
}

/// A citation: a claim anchored in a source.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Citation {
    /// The claim cited.
    pub claim: ClaimId,
    /// The source quoted.
    pub source: SourceId,
    /// Where in the source.
    pub selector: Selector,
    /// How the source bears on the claim.
    pub stance: Stance,
    /// True when the citer declared that the quote does not state the value.
    pub value_not_in_quote: bool,
}
