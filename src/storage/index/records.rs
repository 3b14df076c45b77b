//! The records the index holds: one type per tree, each written by exactly one journal entry.

use crate::model::{
    Candidate, Carried, Citation, CitationId, Claim, ConflictReview, EntryHash, Outcome, Review,
    Revision, SourceId, SourceMeta, ValueChange,
};
use crate::storage::codec::{self};

#[allow(unused_imports)]
use super::{
    claim_key_prefix, copy_dir, drift_key, encode_postings, entry_records, is_lock_busy,
    merkle_key, postings_for, revision_key, simulated_failure, supersession_records,
    writing_marker, Applier, Chunker, Family, Index, IndexError, Posting, Scratch, StoredSubtree,
    TreeName, APPLIED_KEY, CACHE_BYTES, CHUNK_ENTRIES, FRONTIER_KEY,
};

/// One index record: which tree, which key, which value bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The tree.
    pub tree: TreeName,
    /// The key.
    pub key: Vec<u8>,
    /// The value.
    pub value: Vec<u8>,
}

/// A revision as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RevisionRecord {
    /// The revision.
    pub revision: Revision,
    /// The journal entry.
    pub seq: u64,
    /// When it was recorded.
    pub recorded: String,
    /// Who recorded it.
    pub actor: String,
}

/// A claim as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClaimRecord {
    /// The claim.
    pub claim: Claim,
    /// The journal entry.
    pub seq: u64,
    /// When it was recorded.
    pub recorded: String,
    /// Who recorded it.
    pub actor: String,
}

/// A merge as the index holds it, under the bundle's hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MergeRecord {
    /// The other store's id.
    pub store: String,
    /// Entries in the other store's journal.
    pub size: u64,
    /// Entries merged.
    pub merged: u64,
    /// The journal entry of the merge.
    pub seq: u64,
    /// When.
    pub recorded: String,
    /// Who.
    pub actor: String,
}

/// A review as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReviewRecord {
    /// The review.
    pub review: Review,
    /// The journal entry.
    pub seq: u64,
    /// When it was recorded.
    pub recorded: String,
    /// Who recorded it.
    pub actor: String,
}

/// A correction of a source's metadata as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AmendmentRecord {
    /// The source.
    pub source: SourceId,
    /// Its metadata from this entry on.
    pub meta: SourceMeta,
    /// Why.
    pub reason: String,
    /// The journal entry.
    pub seq: u64,
    /// When it was recorded.
    pub recorded: String,
    /// Who recorded it.
    pub actor: String,
}

/// A conflict marked reviewed, as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConflictReviewRecord {
    /// The mark.
    pub review: ConflictReview,
    /// The journal entry.
    pub seq: u64,
    /// When it was recorded.
    pub recorded: String,
    /// Who recorded it.
    pub actor: String,
}

/// A citation as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CitationRecord {
    /// Its id.
    pub id: CitationId,
    /// The citation.
    pub citation: Citation,
    /// The journal entry.
    pub seq: u64,
    /// When it was recorded.
    pub recorded: String,
    /// Who recorded it.
    pub actor: String,
    /// Where it was carried from, when a new revision carried it.
    pub carried: Option<Carried>,
}

/// What became of one citation of a revision when the next revision was
/// logged: carried (unchanged or moved) into a new citation, or not.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DriftRecord {
    /// The citation in the previous revision.
    pub citation: CitationId,
    /// What became of it.
    pub outcome: Outcome,
    /// The citation it was carried into.
    pub carried_to: Option<CitationId>,
    /// How many times the exact quote occurs in the new text.
    pub occurrences: u32,
    /// The closest passage, for a citation not carried.
    pub candidate: Option<Candidate>,
    /// Set when the closest passage no longer states the claim's value.
    pub value_change: Option<ValueChange>,
    /// The journal entry.
    pub seq: u64,
}

/// Where a citation's journal line is: the journal already holds the
/// citation, so the index keeps only its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CitationPointer {
    /// Where the line starts.
    pub start: u64,
    /// Its length, newline included.
    pub len: u32,
}

/// Where an entry's line is in the journal, for the records that point to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinePlace {
    /// Where the line starts.
    pub start: u64,
    /// One past its newline.
    pub end: u64,
    /// Its leaf hash in the log tree: SHA-256(0x00 ‖ the line with its newline).
    pub leaf: crate::audit::merkle::Digest,
}

/// The last journal entry applied to the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AppliedMark {
    /// Its sequence number.
    pub seq: u64,
    /// The hash of its line.
    pub hash: EntryHash,
    /// Where its line starts.
    pub start: u64,
    /// Where its line ends (after the newline).
    pub end: u64,
}

pub(super) fn encode<T: serde::Serialize>(
    tree: TreeName,
    value: &T,
) -> Result<Vec<u8>, IndexError> {
    codec::encode(value).map_err(|source| IndexError::Record {
        tree: tree.name(),
        source,
    })
}
