//! Sources, revisions and citations.

use super::ids::{CitationId, ClaimId, SourceId};
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
    /// The name of the file it was read from (see `Change::AddSource`).
    pub name: Option<String>,
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
    /// Set when the quote is anchored in the source's text layer: the
    /// selector's bytes are then the layer's, not the source's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<InLayer>,
}

impl Citation {
    /// The object whose bytes the selector indexes: the text layer, or the
    /// source itself.
    pub fn quoted_object(&self) -> SourceId {
        self.layer
            .as_ref()
            .map_or(self.source, |layer| layer.object)
    }
}

/// Where a quote anchored in a text layer is: the layer, and the original
/// bytes it was read from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InLayer {
    /// The text layer's object: the BLAKE3 hash of its UTF-8 bytes.
    pub object: SourceId,
    /// The byte ranges of the source's own bytes that the quote was read
    /// from (start, end exclusive), in order, leaving out the markup between
    /// them; empty when the extractor does not keep them.
    pub original: Vec<[u64; 2]>,
    /// For a PDF: the pages (from 1) the quote lies on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pages: Vec<u32>,
    /// For a PDF: where the quote is printed, a box per line, `[page, x0,
    /// y0, x1, y1]` in hundredths of a point from the page's top left
    /// corner; empty when the extractor did not give them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub boxes: Vec<[u32; 5]>,
}

/// A text layer derived from a source's bytes by a named, versioned
/// extractor with its parameters (schema/text-layers.md).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextLayer {
    /// The source it was derived from.
    pub source: SourceId,
    /// The layer's object: the BLAKE3 hash of its UTF-8 bytes.
    pub layer: SourceId,
    /// Its size in bytes.
    pub size: u64,
    /// The extractor's name.
    pub extractor: String,
    /// The extractor's version.
    pub version: String,
    /// The parameters that, with the source's bytes, determine the text.
    pub params: std::collections::BTreeMap<String, String>,
}

/// A text layer as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LayerRecord {
    /// The layer.
    pub layer: TextLayer,
    /// The journal entry that derived it.
    pub seq: u64,
    /// When (RFC 3339, UTC).
    pub recorded: String,
    /// Who.
    pub actor: String,
}

/// How a citation was found again in a new revision of its document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CarryMethod {
    /// The exact quote with its prefix and suffix occurs once in the new text.
    ExactWithContext,
    /// The exact quote occurs once in the new text; its context changed.
    ExactUnique,
}

impl CarryMethod {
    /// Returns the word used in the journal and in messages.
    pub fn name(self) -> &'static str {
        match self {
            CarryMethod::ExactWithContext => "exact_with_context",
            CarryMethod::ExactUnique => "exact_unique",
        }
    }

    /// Returns the outcome a carry by this method reports.
    pub fn outcome(self) -> Outcome {
        match self {
            CarryMethod::ExactWithContext => Outcome::Unchanged,
            CarryMethod::ExactUnique => Outcome::Moved,
        }
    }
}

/// Where a carried citation came from: the citation in the previous revision,
/// the revision it was carried into, and how it was found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Carried {
    /// The citation in the previous revision.
    pub from: CitationId,
    /// The document.
    pub doc: String,
    /// The revision the citation was carried into.
    pub number: u32,
    /// How the quote was found.
    pub method: CarryMethod,
}

/// What became of a citation when its revision was followed by another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The same quote and context, at the same or a moved byte range: carried.
    Unchanged,
    /// The quote is intact and occurs once, but its context changed: carried.
    Moved,
    /// The quote occurs more than once and its context singles none out: not carried.
    Ambiguous,
    /// The quote's text now differs; the closest passage is the candidate: not carried.
    Changed,
    /// Nothing close to the quote is left: not carried.
    Lost,
}

impl Outcome {
    /// Every outcome, in the order reports list them.
    pub const ALL: [Outcome; 5] = [
        Outcome::Unchanged,
        Outcome::Moved,
        Outcome::Ambiguous,
        Outcome::Changed,
        Outcome::Lost,
    ];

    /// Returns the word used in the journal and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Unchanged => "unchanged",
            Outcome::Moved => "moved",
            Outcome::Ambiguous => "ambiguous",
            Outcome::Changed => "changed",
            Outcome::Lost => "lost",
        }
    }

    /// True for the outcomes that carry a citation forward.
    pub fn carries(self) -> bool {
        matches!(self, Outcome::Unchanged | Outcome::Moved)
    }
}

/// The passage most like a quote that is no longer in the text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Candidate {
    /// The passage's text.
    pub exact: String,
    /// Its first byte in the new text.
    pub start: u64,
    /// One past its last byte.
    pub end: u64,
    /// How well it matches quote, prefix, suffix and position, in thousandths (1000 = exact).
    pub score: u32,
}

/// A claim's value as the old quote stated it, and what the passage now states.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ValueChange {
    /// The claim's value.
    pub from: String,
    /// The value the passage states instead, when one can be read.
    pub to: Option<String>,
}

/// A citation that a new revision did not carry, and why; or carried onto a
/// citation already recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Drift {
    /// The document.
    pub doc: String,
    /// The new revision.
    pub number: u32,
    /// The citation in the previous revision.
    pub citation: CitationId,
    /// `ambiguous`, `changed` or `lost`; or `unchanged`/`moved` when the
    /// citation it would be carried into is already recorded (`carried_to`).
    pub outcome: Outcome,
    /// The citation already recorded that anchors the same quote in the new
    /// revision (a revert to earlier bytes): the carry lands on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried_to: Option<CitationId>,
    /// How many times the exact quote occurs in the new text.
    pub occurrences: u32,
    /// The closest passage, if any is close enough to report.
    pub candidate: Option<Candidate>,
    /// Set when the closest passage no longer states the claim's value.
    pub value_change: Option<ValueChange>,
}

/// A web capture: a page fetched by `add URL`, the exchange kept as WARC
/// records in an object of its own.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capture {
    /// The source: the final response's body, content coding undone.
    pub source: SourceId,
    /// The WARC records of every request and response, an object.
    pub warc: SourceId,
    /// Their size in bytes.
    pub size: u64,
    /// The address asked for.
    pub url: String,
    /// The address the page came from, after redirects.
    pub final_url: String,
    /// The final response's status.
    pub status: u16,
    /// Each redirect followed, in order.
    pub redirects: Vec<Redirect>,
    /// When the final response was received (RFC 3339, UTC).
    pub retrieved: String,
}

/// One redirect a capture followed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Redirect {
    /// The address that redirected.
    pub url: String,
    /// Its status (301, 302, 303, 307, 308).
    pub status: u16,
}

/// A capture as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CaptureRecord {
    /// The capture.
    pub capture: Capture,
    /// The journal entry that recorded it.
    pub seq: u64,
    /// When (RFC 3339, UTC).
    pub recorded: String,
    /// Who.
    pub actor: String,
}
