//! The index: sled trees that answer queries, all derived from the journal.
//!
//! **Invariant:** every record in every tree except `meta` is written by
//! exactly one journal entry, its value fixed by that entry alone, and is never
//! overwritten or deleted. `records_for` is that mapping; applying an entry is
//! putting its records, which makes re-applying after a crash harmless, and
//! verifying the index is recomputing them and comparing. Only this module
//! opens sled.

use std::path::Path;

use crate::model::{
    Candidate, Carried, Change, Citation, CitationId, Claim, ClaimId, Entry, EntryHash, IdKind,
    Outcome, Retraction, Review, Revision, SourceId, SourceRecord, Supersession, ValueChange,
};
use crate::storage::codec::{self, CodecError};
use crate::text::normalize::identity_key;

/// The sled cache bound: far below sled's 1 GiB default. With index
/// writes applied 2,000 records at a time, a million-citation batch stays
/// under 100 MB of memory (BENCHMARKS.md).
pub const CACHE_BYTES: u64 = 32 * 1024 * 1024;

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
        /// What was read: the citation, when the index names it.
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

/// The trees of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TreeName {
    /// source id → SourceRecord
    Sources,
    /// slug ‖ 0x00 ‖ revision (u32 BE) → RevisionRecord
    Revisions,
    /// source id ‖ slug ‖ 0x00 ‖ revision (u32 BE) → empty
    SourceRevisions,
    /// claim id → ClaimRecord
    Claims,
    /// subject key ‖ 0x00 ‖ property key ‖ 0x00 ‖ claim id → empty
    ClaimsByKey,
    /// bucket ‖ chunk → postings (citation id, line place) for the chunk's
    /// citations whose id starts with the bucket byte
    Citations,
    /// 'c' ‖ bucket ‖ chunk → postings (claim id, line place), and
    /// 's' ‖ bucket ‖ chunk → postings (source id, line place)
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
}

impl TreeName {
    /// Every tree holding derived records.
    pub const ALL: [TreeName; 13] = [
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
        }
    }
}

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

/// The most entries one chunk holds. The index groups a command's
/// citations into chunks: a chunk ends at a command's last entry (the one
/// marked `commit`) or after this many entries, counted from the first entry
/// after the previous chunk. The rule depends on the journal alone, so
/// `verify` and `reindex` find the same chunks.
pub const CHUNK_ENTRIES: u64 = 65_536;

/// The bytes of one posting: a 32-byte id, the line's start (u64 BE) and
/// length (u32 BE).
pub const POSTING_BYTES: usize = 44;

/// One posting: an id and the place of the journal line that cites it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Posting {
    key: [u8; 32],
    start: u64,
    len: u32,
}

/// The three lists of postings a chunk of citations writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// By citation id, in the `citations` tree.
    Citation,
    /// By claim id, in `links` under `c`.
    Claim,
    /// By source id, in `links` under `s`.
    Source,
}

impl Family {
    const ALL: [Family; 3] = [Family::Citation, Family::Claim, Family::Source];

    fn tree(self) -> TreeName {
        match self {
            Family::Citation => TreeName::Citations,
            Family::Claim | Family::Source => TreeName::Links,
        }
    }

    /// The key prefix of one bucket: the tag, if any, then the bucket byte.
    fn prefix(self, bucket: u8) -> Vec<u8> {
        match self {
            Family::Citation => vec![bucket],
            Family::Claim => vec![b'c', bucket],
            Family::Source => vec![b's', bucket],
        }
    }
}

/// Returns the stored bytes of one bucket's postings, which are in (id,
/// start) order: the version byte, then each posting.
fn encode_postings(postings: &[Posting]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + postings.len() * POSTING_BYTES);
    out.push(codec::RECORD_VERSION);
    for posting in postings.iter() {
        out.extend_from_slice(&posting.key);
        out.extend_from_slice(&posting.start.to_be_bytes());
        out.extend_from_slice(&posting.len.to_be_bytes());
    }
    out
}

/// Returns the postings for `key` in one stored bucket, by binary search.
fn postings_for(
    tree: TreeName,
    value: &[u8],
    key: &[u8],
) -> Result<Vec<([u8; 32], CitationPointer)>, IndexError> {
    let damaged = |why: String| IndexError::Record {
        tree: tree.name(),
        source: CodecError::Postings(why),
    };
    let (&version, body) = value
        .split_first()
        .ok_or_else(|| damaged("is empty".into()))?;
    if version != codec::RECORD_VERSION {
        return Err(IndexError::Record {
            tree: tree.name(),
            source: CodecError::Version { found: version },
        });
    }
    if body.len() % POSTING_BYTES != 0 {
        return Err(damaged(format!(
            "is {} bytes, not a whole number of {POSTING_BYTES}-byte postings",
            body.len()
        )));
    }
    let (postings, _) = body.as_chunks::<POSTING_BYTES>();
    let first = postings.partition_point(|posting| &posting[..key.len()] < key);
    let mut out = Vec::new();
    for posting in &postings[first..] {
        if &posting[..key.len()] != key {
            break;
        }
        let id: [u8; 32] = posting[..32].try_into().expect("32 bytes");
        let start = u64::from_be_bytes(posting[32..40].try_into().expect("8 bytes"));
        let len = u32::from_be_bytes(posting[40..44].try_into().expect("4 bytes"));
        out.push((id, CitationPointer { start, len }));
    }
    Ok(out)
}

/// Where an entry's line is in the journal, for the records that point to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinePlace {
    /// Where the line starts.
    pub start: u64,
    /// One past its newline.
    pub end: u64,
    /// Its Merkle leaf hash: BLAKE3(0x00 ‖ the line with its newline).
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

fn encode<T: serde::Serialize>(tree: TreeName, value: &T) -> Result<Vec<u8>, IndexError> {
    codec::encode(value).map_err(|source| IndexError::Record {
        tree: tree.name(),
        source,
    })
}

/// Returns the `claims_by_key` prefix for a subject and property.
pub fn claim_key_prefix(subject: &str, property: &str) -> Vec<u8> {
    let mut key = identity_key(subject).into_bytes();
    key.push(0);
    key.extend(identity_key(property).into_bytes());
    key.push(0);
    key
}

fn revision_key(doc: &str, number: u32) -> Vec<u8> {
    let mut key = doc.as_bytes().to_vec();
    key.push(0);
    key.extend(number.to_be_bytes());
    key
}

fn drift_key(doc: &str, number: u32, citation: &CitationId) -> Vec<u8> {
    let mut key = revision_key(doc, number);
    key.extend_from_slice(citation.as_bytes());
    key
}

/// The decoders of the key layouts in schema/store.md: each is the inverse
/// of its encoder above and returns an error naming the damaged bytes, never
/// panics (a 2-byte key in the drift tree used to end the process).
pub mod keys {
    use super::IndexError;

    fn damaged(tree: &'static str, key: &[u8], why: &str) -> IndexError {
        let shown: String = key
            .iter()
            .take(48)
            .map(|byte| format!("{byte:02x}"))
            .collect();
        IndexError::Key {
            tree,
            why: format!(
                "{why} (key {shown}{})",
                if key.len() > 48 { "…" } else { "" }
            ),
        }
    }

    /// Reads a 32-byte id key (sources, claims).
    pub fn decode_id(tree: &'static str, key: &[u8]) -> Result<[u8; 32], IndexError> {
        key.try_into().map_err(|_| {
            damaged(
                tree,
                key,
                &format!("is {} bytes, not a 32-byte id", key.len()),
            )
        })
    }

    /// Reads slug ‖ 0x00 ‖ revision (u32 BE), the revisions layout.
    pub fn decode_revision(tree: &'static str, key: &[u8]) -> Result<(String, u32), IndexError> {
        let Some((rest, number)) = key.split_last_chunk::<4>() else {
            return Err(damaged(tree, key, "is too short for a revision number"));
        };
        let Some((0, slug)) = rest.split_last() else {
            return Err(damaged(tree, key, "has no 0x00 after the document slug"));
        };
        let slug = std::str::from_utf8(slug)
            .map_err(|_| damaged(tree, key, "has a document slug that is not UTF-8"))?;
        Ok((slug.to_string(), u32::from_be_bytes(*number)))
    }

    /// Reads slug ‖ 0x00 ‖ revision (u32 BE) ‖ citation id, the drift layout.
    pub fn decode_drift(key: &[u8]) -> Result<(String, u32, [u8; 32]), IndexError> {
        let Some((head, citation)) = key.split_last_chunk::<32>() else {
            return Err(damaged("drift", key, "is too short for a citation id"));
        };
        let (slug, number) = decode_revision("drift", head)?;
        Ok((slug, number, *citation))
    }

    /// Reads source id ‖ slug ‖ 0x00 ‖ revision (u32 BE), the
    /// source_revisions layout.
    pub fn decode_source_revision(key: &[u8]) -> Result<([u8; 32], String, u32), IndexError> {
        let Some((source, rest)) = key.split_first_chunk::<32>() else {
            return Err(damaged(
                "source_revisions",
                key,
                "is too short for a source id",
            ));
        };
        let (slug, number) = decode_revision("source_revisions", rest)?;
        Ok((*source, slug, number))
    }

    /// Reads subject key ‖ 0x00 ‖ property key ‖ 0x00 ‖ claim id, the
    /// claims_by_key layout: the grouping prefix and the claim id.
    pub fn decode_claim_by_key(key: &[u8]) -> Result<(Vec<u8>, [u8; 32]), IndexError> {
        let Some((prefix, id)) = key.split_last_chunk::<32>() else {
            return Err(damaged("claims_by_key", key, "is too short for a claim id"));
        };
        if prefix.last() != Some(&0) {
            return Err(damaged(
                "claims_by_key",
                key,
                "has no 0x00 before the claim id",
            ));
        }
        Ok((prefix.to_vec(), *id))
    }
}

/// The two records of a supersession: one under each citation it names.
fn supersession_records(value: &Supersession) -> Result<Vec<Record>, IndexError> {
    let bytes = encode(TreeName::Supersessions, value)?;
    Ok([value.citation, value.by]
        .iter()
        .map(|id| {
            let mut key = id.as_bytes().to_vec();
            key.extend_from_slice(&value.seq.to_be_bytes());
            Record {
                tree: TreeName::Supersessions,
                key,
                value: bytes.clone(),
            }
        })
        .collect())
}

/// Returns the records a journal entry puts into the index by itself: all
/// but its citation postings, which `Chunker` writes per chunk.
fn entry_records(entry: &Entry) -> Result<Vec<Record>, IndexError> {
    let time = entry.recorded_at().to_string();
    let actor = entry.recorded_by().to_string();
    let record = |tree, key: Vec<u8>, value: Vec<u8>| Record { tree, key, value };
    Ok(match &entry.change {
        Change::Init { .. } => Vec::new(),
        Change::Merge {
            bundle,
            store,
            size,
            merged,
            ..
        } => {
            let value = MergeRecord {
                store: store.clone(),
                size: *size,
                merged: *merged,
                seq: entry.seq,
                recorded: time,
                actor,
            };
            vec![record(
                TreeName::Merges,
                bundle.as_bytes().to_vec(),
                encode(TreeName::Merges, &value)?,
            )]
        }
        Change::AddSource { source, size, meta } => {
            let value = SourceRecord {
                id: *source,
                size: *size,
                meta: meta.clone(),
                seq: entry.seq,
                recorded: time,
                actor,
            };
            vec![record(
                TreeName::Sources,
                source.as_bytes().to_vec(),
                encode(TreeName::Sources, &value)?,
            )]
        }
        Change::AddRevision(revision) => {
            let value = RevisionRecord {
                revision: revision.clone(),
                seq: entry.seq,
                recorded: time,
                actor,
            };
            let mut by_source = revision.source.as_bytes().to_vec();
            by_source.extend(revision_key(&revision.doc, revision.number));
            vec![
                record(
                    TreeName::Revisions,
                    revision_key(&revision.doc, revision.number),
                    encode(TreeName::Revisions, &value)?,
                ),
                record(TreeName::SourceRevisions, by_source, Vec::new()),
            ]
        }
        Change::RecordClaim(claim) => {
            let value = ClaimRecord {
                claim: claim.clone(),
                seq: entry.seq,
                recorded: time,
                actor,
            };
            let mut by_key = claim_key_prefix(&claim.subject, &claim.property);
            by_key.extend_from_slice(claim.id.as_bytes());
            vec![
                record(
                    TreeName::Claims,
                    claim.id.as_bytes().to_vec(),
                    encode(TreeName::Claims, &value)?,
                ),
                record(TreeName::ClaimsByKey, by_key, Vec::new()),
            ]
        }
        // A chunk's citations are indexed together, by `Chunker`; a carried
        // citation also writes what became of the one it came from.
        Change::Cite { carried: None, .. } => Vec::new(),
        Change::Cite {
            citation,
            carried: Some(carried),
            ..
        } => {
            let drift = DriftRecord {
                citation: carried.from,
                outcome: carried.method.outcome(),
                carried_to: Some(*citation),
                occurrences: 1,
                candidate: None,
                value_change: None,
                seq: entry.seq,
            };
            let supersession = Supersession {
                citation: carried.from,
                by: *citation,
                reason: format!(
                    "carried into {}@{} ({})",
                    carried.doc,
                    carried.number,
                    carried.method.name()
                ),
                seq: entry.seq,
                time,
                actor,
            };
            let mut records = vec![record(
                TreeName::Drift,
                drift_key(&carried.doc, carried.number, &carried.from),
                encode(TreeName::Drift, &drift)?,
            )];
            records.extend(supersession_records(&supersession)?);
            records
        }
        Change::Drift(drift) => {
            let value = DriftRecord {
                citation: drift.citation,
                outcome: drift.outcome,
                carried_to: drift.carried_to,
                occurrences: drift.occurrences,
                candidate: drift.candidate.clone(),
                value_change: drift.value_change.clone(),
                seq: entry.seq,
            };
            let mut records = vec![record(
                TreeName::Drift,
                drift_key(&drift.doc, drift.number, &drift.citation),
                encode(TreeName::Drift, &value)?,
            )];
            if let Some(to) = drift.carried_to {
                records.extend(supersession_records(&Supersession {
                    citation: drift.citation,
                    by: to,
                    reason: format!(
                        "carried into {}@{}, where citation {} already anchors the quote",
                        drift.doc,
                        drift.number,
                        to.short()
                    ),
                    seq: entry.seq,
                    time,
                    actor,
                })?);
            }
            records
        }
        Change::Supersede {
            citation,
            by,
            reason,
        } => supersession_records(&Supersession {
            citation: *citation,
            by: *by,
            reason: reason.clone(),
            seq: entry.seq,
            time,
            actor,
        })?,
        Change::Review(review) => {
            let value = ReviewRecord {
                review: (**review).clone(),
                seq: entry.seq,
                recorded: time,
                actor,
            };
            vec![record(
                TreeName::Reviews,
                entry.seq.to_be_bytes().to_vec(),
                encode(TreeName::Reviews, &value)?,
            )]
        }
        Change::Retract { citation, reason } => {
            let value = Retraction {
                reason: reason.clone(),
                seq: entry.seq,
                time,
                actor,
            };
            vec![record(
                TreeName::Retractions,
                citation.as_bytes().to_vec(),
                encode(TreeName::Retractions, &value)?,
            )]
        }
    })
}

/// Turns journal entries, in order from the start of a chunk, into the
/// index records they write: each entry's own records at once, and its
/// chunk's postings when the chunk ends. `apply`, `reindex` and `verify` all
/// use it, so they agree on every record.
#[derive(Debug, Default)]
pub struct Chunker {
    first: Option<u64>,
    entries: u64,
    postings: [Vec<Posting>; 3],
    frontier: crate::audit::merkle::Frontier,
}

/// A stored Merkle subtree: its hash, and for a block the journal bytes of its lines.
pub type StoredSubtree = (crate::audit::merkle::Digest, Option<(u64, u64)>);

/// The key of a Merkle subtree record.
pub fn merkle_key(level: u8, index: u64) -> Vec<u8> {
    let mut key = vec![level];
    key.extend_from_slice(&index.to_be_bytes());
    key
}

impl Chunker {
    /// A chunker at the start of the journal.
    pub fn new() -> Chunker {
        Chunker::default()
    }

    /// A chunker at the start of a chunk, with the Merkle frontier of the
    /// entries before it.
    pub fn resume(frontier: crate::audit::merkle::Frontier) -> Chunker {
        Chunker {
            frontier,
            ..Chunker::default()
        }
    }

    /// The Merkle frontier of the entries pushed so far.
    pub fn frontier(&self) -> &crate::audit::merkle::Frontier {
        &self.frontier
    }

    /// Takes the next entry, whose line is at `place`. Returns its records
    /// and whether it ended a chunk; when it did, the records include every
    /// posting record of the chunk.
    pub fn push(
        &mut self,
        entry: &Entry,
        place: LinePlace,
    ) -> Result<(Vec<Record>, bool), IndexError> {
        let first = *self.first.get_or_insert(entry.seq);
        self.entries += 1;
        let mut records = entry_records(entry)?;
        for finished in self.frontier.push(
            &crate::audit::merkle::Blake3,
            place.leaf,
            place.start,
            place.end,
        ) {
            let mut value = finished.hash.to_vec();
            if let Some((start, end)) = finished.span {
                value.extend_from_slice(&start.to_be_bytes());
                value.extend_from_slice(&end.to_be_bytes());
            }
            records.push(Record {
                tree: TreeName::Merkle,
                key: merkle_key(finished.level, finished.index),
                value,
            });
        }
        if let Change::Cite { citation, body, .. } = &entry.change {
            let start = place.start;
            let len = u32::try_from(place.end - place.start).unwrap_or(u32::MAX);
            // In the order of Family::ALL.
            let keys = [
                citation.as_bytes(),
                body.claim.as_bytes(),
                body.source.as_bytes(),
            ];
            for (postings, key) in self.postings.iter_mut().zip(keys) {
                postings.push(Posting {
                    key: *key,
                    start,
                    len,
                });
            }
        }
        let ends = entry.commit || self.entries >= CHUNK_ENTRIES;
        if ends {
            for (family, postings) in Family::ALL.iter().zip(&mut self.postings) {
                let mut postings = std::mem::take(postings);
                postings.sort_unstable();
                for bucket in postings.chunk_by(|a, b| a.key[0] == b.key[0]) {
                    let mut key = family.prefix(bucket[0].key[0]);
                    key.extend_from_slice(&first.to_be_bytes());
                    records.push(Record {
                        tree: family.tree(),
                        key,
                        value: encode_postings(bucket),
                    });
                }
            }
            self.first = None;
            self.entries = 0;
        }
        Ok((records, ends))
    }
}

/// Applies journal entries, in order, to the index: records go to sled
/// 2,000 at a time, and the applied mark moves only to the end of a chunk,
/// so a command that stops early leaves the mark where the next run resumes.
/// Records written past the mark are rewritten with the same bytes then.
#[derive(Debug)]
pub struct Applier<'i> {
    index: &'i Index,
    chunker: Chunker,
    batches: Vec<sled::Batch>,
    pending: usize,
    pending_bytes: usize,
    mark: Option<(AppliedMark, crate::audit::merkle::Frontier)>,
}

impl Applier<'_> {
    /// Takes the next entry, the mark it leaves and its line's Merkle leaf hash.
    pub fn push(
        &mut self,
        entry: &Entry,
        mark: AppliedMark,
        leaf: crate::audit::merkle::Digest,
    ) -> Result<(), IndexError> {
        let place = LinePlace {
            start: mark.start,
            end: mark.end,
            leaf,
        };
        let (records, ends) = self.chunker.push(entry, place)?;
        for record in records {
            let position = TreeName::ALL
                .iter()
                .position(|tree| *tree == record.tree)
                .expect("tree in ALL");
            self.pending += 1;
            self.pending_bytes += record.key.len() + record.value.len();
            self.batches[position].insert(record.key, record.value);
            if self.full() {
                // Mid-chunk: the records go, the mark waits for the chunk's end.
                self.index.flush_batches(&mut self.batches, None)?;
                self.pending = 0;
                self.pending_bytes = 0;
            }
        }
        if ends {
            self.mark = Some((mark, self.chunker.frontier().clone()));
        }
        if self.full() || (ends && self.pending == 0) {
            self.index
                .flush_batches(&mut self.batches, self.mark.take())?;
            self.pending = 0;
            self.pending_bytes = 0;
        }
        Ok(())
    }

    /// True when the records held should go to sled: sled keeps every node
    /// a batch replaces until the batch ends, so batches stay small.
    fn full(&self) -> bool {
        self.pending >= 2_000 || self.pending_bytes >= 1 << 20
    }

    /// Writes what is left and the last chunk's mark.
    pub fn finish(mut self) -> Result<(), IndexError> {
        if self.pending > 0 || self.mark.is_some() {
            self.index
                .flush_batches(&mut self.batches, self.mark.take())?;
        }
        Ok(())
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
    db: sled::Db,
    trees: Vec<sled::Tree>,
    meta: sled::Tree,
    /// A scratch directory holding this index, removed when it is dropped:
    /// the index of a store that cannot be written, copied or rebuilt here.
    scratch: Option<Scratch>,
}

/// A directory removed when dropped.
#[derive(Debug)]
struct Scratch(std::path::PathBuf);

impl Scratch {
    /// Creates a new directory in the system's temporary directory, readable
    /// by this user only (it holds a store's index), under a name no one
    /// could have made beforehand: it is created exclusively, with a random
    /// part, and a name already taken is never reused.
    fn create() -> Result<Scratch, IndexError> {
        use std::os::unix::fs::DirBuilderExt;
        let mut last = None;
        for _ in 0..16 {
            let mut random = [0u8; 12];
            if let Ok(mut urandom) = std::fs::File::open("/dev/urandom") {
                let _ = std::io::Read::read_exact(&mut urandom, &mut random);
            }
            let name: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
            let dir = std::env::temp_dir().join(format!(
                "provdb-index-{}-{}-{name}",
                std::process::id(),
                SCRATCH_COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ));
            match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => return Ok(Scratch(dir)),
                Err(error) => last = Some((dir, error)),
            }
        }
        let (dir, error) = last.expect("the loop ran at least once");
        Err(IndexError::Marker {
            path: dir.display().to_string(),
            error,
        })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

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

/// Numbers scratch directories within a process.
static SCRATCH_COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

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
        // sled 0.34 can panic on damaged files instead of returning an error;
        // a damaged index must be reported, never crash the tool.
        let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| config.open()))
            .map_err(|_| IndexError::Unreadable)?;
        let db = opened?;
        let mut trees = Vec::new();
        for tree in TreeName::ALL {
            trees.push(db.open_tree(tree.name())?);
        }
        let meta = db.open_tree("meta")?;
        Ok(Index {
            // sled's recovery after an interrupted write rewrites its files:
            // that session counts as writing until it closes cleanly.
            dirty: std::sync::atomic::AtomicBool::new(writing_marker(path).exists()),
            marker: writing_marker(path),
            journal: std::sync::OnceLock::new(),
            journal_path: path.with_file_name("journal"),
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
        let scratch = Scratch::create()?;
        let path = scratch.0.join("index");
        let failed = |error| IndexError::Marker {
            path: scratch.0.display().to_string(),
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

    fn tree(&self, name: TreeName) -> &sled::Tree {
        let position = TreeName::ALL
            .iter()
            .position(|tree| *tree == name)
            .expect("every TreeName is in ALL");
        &self.trees[position]
    }

    /// Returns the last entry applied, if any.
    pub fn applied(&self) -> Result<Option<AppliedMark>, IndexError> {
        self.meta_record(APPLIED_KEY)
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

    /// Puts the records of `entries`, which start right after the applied
    /// mark, and advances the mark to the last chunk they complete.
    pub fn apply<'a>(
        &self,
        entries: impl IntoIterator<Item = (&'a Entry, AppliedMark, crate::audit::merkle::Digest)>,
    ) -> Result<(), IndexError> {
        let mut applier = self.applier()?;
        for (entry, mark, leaf) in entries {
            applier.push(entry, mark, leaf)?;
        }
        applier.finish()
    }

    /// Returns a stored Merkle subtree: its hash and, for a block, the
    /// journal bytes of its lines.
    pub fn merkle_node(&self, level: u8, index: u64) -> Result<Option<StoredSubtree>, IndexError> {
        let Some(value) = self.tree(TreeName::Merkle).get(merkle_key(level, index))? else {
            return Ok(None);
        };
        let damaged = || IndexError::Record {
            tree: "merkle",
            source: CodecError::Empty,
        };
        let hash: crate::audit::merkle::Digest = value
            .get(..32)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(damaged)?;
        let span = match value.len() {
            32 => None,
            48 => {
                let start = u64::from_be_bytes(value[32..40].try_into().map_err(|_| damaged())?);
                let end = u64::from_be_bytes(value[40..48].try_into().map_err(|_| damaged())?);
                Some((start, end))
            }
            _ => return Err(damaged()),
        };
        Ok(Some((hash, span)))
    }

    /// Returns the Merkle frontier stored with the applied mark.
    pub fn frontier(&self) -> Result<Option<crate::audit::merkle::Frontier>, IndexError> {
        self.meta_record(FRONTIER_KEY)
    }

    /// Returns an applier for the entries after the applied mark.
    pub fn applier(&self) -> Result<Applier<'_>, IndexError> {
        let frontier = match (self.applied()?, self.frontier()?) {
            (None, _) => crate::audit::merkle::Frontier::default(),
            (Some(_), Some(frontier)) => frontier,
            (Some(_), None) => {
                return Err(IndexError::Record {
                    tree: "meta",
                    source: CodecError::Empty,
                })
            }
        };
        Ok(Applier {
            index: self,
            chunker: Chunker::resume(frontier),
            batches: TreeName::ALL
                .iter()
                .map(|_| sled::Batch::default())
                .collect(),
            pending: 0,
            pending_bytes: 0,
            mark: None,
        })
    }

    fn flush_batches(
        &self,
        batches: &mut [sled::Batch],
        mark: Option<(AppliedMark, crate::audit::merkle::Frontier)>,
    ) -> Result<(), IndexError> {
        self.begin_writing()?;
        simulated_failure()?;
        for (position, batch) in batches.iter_mut().enumerate() {
            crate::storage::crash::point(
                crate::storage::crash::Op::Index,
                "a batch of index records",
            );
            self.trees[position].apply_batch(std::mem::take(batch))?;
        }
        if let Some((mark, frontier)) = mark {
            let meta_error = |source| IndexError::Record {
                tree: "meta",
                source,
            };
            // The mark and the frontier at it change together or not at all.
            let mut batch = sled::Batch::default();
            batch.insert(APPLIED_KEY, codec::encode(&mark).map_err(meta_error)?);
            batch.insert(FRONTIER_KEY, codec::encode(&frontier).map_err(meta_error)?);
            crate::storage::crash::point(
                crate::storage::crash::Op::Index,
                "the index's applied mark",
            );
            self.meta.apply_batch(batch)?;
        }
        Ok(())
    }

    /// Writes sled's buffers to its files, if anything was written. A
    /// command that only read leaves sled's files as they were.
    pub fn flush(&self) -> Result<(), IndexError> {
        if self.dirty.load(std::sync::atomic::Ordering::Relaxed) {
            simulated_failure()?;
            crate::storage::crash::point(crate::storage::crash::Op::Sync, "the index");
            self.db.flush()?;
        }
        Ok(())
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

    /// Makes the in-progress marker durable before this session's first write.
    fn begin_writing(&self) -> Result<(), IndexError> {
        if self.dirty.swap(true, std::sync::atomic::Ordering::Relaxed) {
            return Ok(());
        }
        let failed = |error| IndexError::Marker {
            path: self.marker.display().to_string(),
            error,
        };
        crate::storage::crash::point(
            crate::storage::crash::Op::Create,
            "the index's writing marker",
        );
        let file = std::fs::File::create(&self.marker).map_err(failed)?;
        crate::storage::crash::point(
            crate::storage::crash::Op::Sync,
            "the index's writing marker",
        );
        file.sync_all().map_err(failed)?;
        if let Some(parent) = self.marker.parent() {
            crate::storage::crash::point(crate::storage::crash::Op::Sync, "the store directory");
            std::fs::File::open(parent)
                .and_then(|dir| dir.sync_all())
                .map_err(failed)?;
        }
        Ok(())
    }

    /// Returns the stored value for a key, raw.
    pub fn get_raw(&self, tree: TreeName, key: &[u8]) -> Result<Option<Vec<u8>>, IndexError> {
        Ok(self.tree(tree).get(key)?.map(|value| value.to_vec()))
    }

    /// Puts a raw value; for tests that simulate a damaged index.
    #[doc(hidden)]
    pub fn put_raw(&self, tree: TreeName, key: &[u8], value: &[u8]) -> Result<(), IndexError> {
        self.begin_writing()?;
        self.tree(tree).insert(key, value)?;
        Ok(())
    }

    /// Removes a raw record; for tests and fuzzing that damage an index.
    #[doc(hidden)]
    pub fn remove_raw(&self, tree: TreeName, key: &[u8]) -> Result<(), IndexError> {
        self.begin_writing()?;
        self.tree(tree).remove(key)?;
        Ok(())
    }

    /// Returns how many records a tree holds.
    pub fn tree_len(&self, tree: TreeName) -> usize {
        self.tree(tree).len()
    }

    /// Returns every key in a tree that is not the key of an expected record; for verification.
    pub fn keys(&self, tree: TreeName) -> impl Iterator<Item = Result<Vec<u8>, IndexError>> + '_ {
        self.tree(tree)
            .iter()
            .keys()
            .map(|key| key.map(|key| key.to_vec()).map_err(IndexError::from))
    }

    fn decode<T: serde::de::DeserializeOwned>(
        tree: TreeName,
        bytes: &[u8],
    ) -> Result<T, IndexError> {
        codec::decode(bytes).map_err(|source| IndexError::Record {
            tree: tree.name(),
            source,
        })
    }

    fn get<T: serde::de::DeserializeOwned>(
        &self,
        tree: TreeName,
        key: &[u8],
    ) -> Result<Option<T>, IndexError> {
        match self.tree(tree).get(key)? {
            None => Ok(None),
            Some(bytes) => Self::decode(tree, &bytes).map(Some),
        }
    }

    /// Returns a source.
    pub fn source(&self, id: &SourceId) -> Result<Option<SourceRecord>, IndexError> {
        self.get(TreeName::Sources, id.as_bytes())
    }

    /// Returns a claim.
    pub fn claim(&self, id: &ClaimId) -> Result<Option<ClaimRecord>, IndexError> {
        self.get(TreeName::Claims, id.as_bytes())
    }

    /// Returns the postings for `key` in every chunk of one family, in chunk order.
    fn postings(
        &self,
        family: Family,
        key: &[u8; 32],
    ) -> Result<Vec<([u8; 32], CitationPointer)>, IndexError> {
        let tree = family.tree();
        let mut out = Vec::new();
        for value in self.tree(tree).scan_prefix(family.prefix(key[0])).values() {
            out.extend(postings_for(tree, &value?, key)?);
        }
        Ok(out)
    }

    /// Returns the citation recorded by the journal line at `pointer`; `id`,
    /// if given, is the citation the index says the line records.
    fn read_citation(
        &self,
        pointer: CitationPointer,
        id: Option<&CitationId>,
    ) -> Result<CitationRecord, IndexError> {
        let failed = |why: String| IndexError::Pointer {
            at: id.map_or_else(|| "a citation".to_string(), |id| format!("citation {id}")),
            start: pointer.start,
            why,
        };
        let file = self
            .journal
            .get_or_init(|| {
                std::fs::File::open(&self.journal_path)
                    .map_err(|error| format!("cannot be read: the journal does not open ({error})"))
            })
            .as_ref()
            .map_err(|why| failed(why.clone()))?;
        let mut line = vec![0u8; pointer.len as usize];
        std::os::unix::fs::FileExt::read_exact_at(file, &mut line, pointer.start)
            .map_err(|error| failed(format!("cannot be read ({error})")))?;
        let entry = crate::storage::journal::parse_entry(&line)
            .map_err(|why| failed(format!("is not an entry: {why}")))?;
        let recorded = entry.recorded_at().to_string();
        let actor = entry.recorded_by().to_string();
        match entry.change {
            // What a reader shows of a citation is bound by its id: a line
            // whose quote, claim, recorder or time was rewritten is refused
            // here, not shown (only `verify` walks the whole chain).
            Change::Cite { citation, ref body, .. }
                if crate::identity::citation_id(body, &actor, &recorded) != citation =>
            {
                Err(failed(format!(
                    "was altered: its quote, claim, recorder or time no longer hash to citation id {citation}"
                )))
            }
            Change::Cite {
                citation,
                carried,
                body,
            } if id.is_none_or(|id| citation == *id) => Ok(CitationRecord {
                id: citation,
                citation: body,
                seq: entry.seq,
                recorded,
                actor,
                carried,
            }),
            _ => Err(failed("does not record this citation".into())),
        }
    }

    /// Returns a citation, read from the journal line the index points to.
    pub fn citation(&self, id: &CitationId) -> Result<Option<CitationRecord>, IndexError> {
        match self.postings(Family::Citation, id.as_bytes())?.first() {
            None => Ok(None),
            Some((_, pointer)) => self.read_citation(*pointer, Some(id)).map(Some),
        }
    }

    /// Returns a citation's retraction, if it was retracted.
    pub fn retraction(&self, id: &CitationId) -> Result<Option<Retraction>, IndexError> {
        self.get(TreeName::Retractions, id.as_bytes())
    }

    /// Returns what became of the citations of revision `number - 1` when
    /// revision `number` of `doc` was logged, in citation id order; with
    /// `number` None, of every revision.
    pub fn drift(
        &self,
        doc: &str,
        number: Option<u32>,
    ) -> Result<Vec<(u32, DriftRecord)>, IndexError> {
        let prefix = match number {
            Some(number) => revision_key(doc, number),
            None => {
                let mut prefix = doc.as_bytes().to_vec();
                prefix.push(0);
                prefix
            }
        };
        let mut out = Vec::new();
        for item in self.tree(TreeName::Drift).scan_prefix(&prefix) {
            let (key, value) = item?;
            let (_, number, _) = keys::decode_drift(&key)?;
            out.push((number, Self::decode(TreeName::Drift, &value)?));
        }
        Ok(out)
    }

    /// Returns every drift record: document, revision and record.
    pub fn all_drift(
        &self,
    ) -> impl Iterator<Item = Result<(String, u32, DriftRecord), IndexError>> + '_ {
        self.tree(TreeName::Drift).iter().map(|item| {
            let (key, value) = item?;
            let (doc, number, _) = keys::decode_drift(&key)?;
            Ok((doc, number, Self::decode(TreeName::Drift, &value)?))
        })
    }

    /// Returns what revision `number` of `doc` did to one citation of the revision before.
    pub fn drift_of(
        &self,
        doc: &str,
        number: u32,
        citation: &CitationId,
    ) -> Result<Option<DriftRecord>, IndexError> {
        self.get(TreeName::Drift, &drift_key(doc, number, citation))
    }

    /// Returns the merge of a bundle, by the bundle's BLAKE3 hash (hex).
    pub fn merge_of(&self, bundle: &str) -> Result<Option<MergeRecord>, IndexError> {
        self.get(TreeName::Merges, bundle.as_bytes())
    }

    /// Returns every review, in journal order.
    pub fn reviews(&self) -> Result<Vec<ReviewRecord>, IndexError> {
        self.tree(TreeName::Reviews)
            .iter()
            .values()
            .map(|value| Self::decode(TreeName::Reviews, &value?))
            .collect()
    }

    /// Returns the supersessions that name a citation, oldest first.
    pub fn supersessions(&self, id: &CitationId) -> Result<Vec<Supersession>, IndexError> {
        self.tree(TreeName::Supersessions)
            .scan_prefix(id.as_bytes())
            .values()
            .map(|value| Self::decode(TreeName::Supersessions, &value?))
            .collect()
    }

    /// Returns one revision of a document.
    pub fn revision(&self, doc: &str, number: u32) -> Result<Option<RevisionRecord>, IndexError> {
        self.get(TreeName::Revisions, &revision_key(doc, number))
    }

    /// Returns the revisions of a document in order.
    pub fn revisions(&self, doc: &str) -> Result<Vec<RevisionRecord>, IndexError> {
        let mut prefix = doc.as_bytes().to_vec();
        prefix.push(0);
        self.tree(TreeName::Revisions)
            .scan_prefix(prefix)
            .values()
            .map(|value| Self::decode(TreeName::Revisions, &value?))
            .collect()
    }

    /// Returns the highest revision number of a document, or 0.
    pub fn last_revision(&self, doc: &str) -> Result<u32, IndexError> {
        let mut prefix = doc.as_bytes().to_vec();
        prefix.push(0);
        match self
            .tree(TreeName::Revisions)
            .scan_prefix(prefix)
            .keys()
            .next_back()
        {
            None => Ok(0),
            Some(key) => Ok(keys::decode_revision("revisions", &key?)?.1),
        }
    }

    /// Returns the documents and revision numbers a source belongs to.
    pub fn revisions_of_source(&self, id: &SourceId) -> Result<Vec<(String, u32)>, IndexError> {
        let mut out = Vec::new();
        for key in self
            .tree(TreeName::SourceRevisions)
            .scan_prefix(id.as_bytes())
            .keys()
        {
            let (_, doc, number) = keys::decode_source_revision(&key?)?;
            out.push((doc, number));
        }
        Ok(out)
    }

    /// Returns every source, in id order.
    pub fn sources(&self) -> impl Iterator<Item = Result<SourceRecord, IndexError>> + '_ {
        self.tree(TreeName::Sources)
            .iter()
            .values()
            .map(|value| Self::decode(TreeName::Sources, &value?))
    }

    /// Returns every claim, in id order.
    pub fn claims(&self) -> impl Iterator<Item = Result<ClaimRecord, IndexError>> + '_ {
        self.tree(TreeName::Claims)
            .iter()
            .values()
            .map(|value| Self::decode(TreeName::Claims, &value?))
    }

    /// Returns the ids of claims, grouped by subject and property key, in key order.
    pub fn claims_by_key(
        &self,
        prefix: &[u8],
    ) -> impl Iterator<Item = Result<(Vec<u8>, ClaimId), IndexError>> + '_ {
        self.tree(TreeName::ClaimsByKey)
            .scan_prefix(prefix)
            .keys()
            .map(|key| {
                let (prefix, id) = keys::decode_claim_by_key(&key?)?;
                Ok((prefix, ClaimId(id)))
            })
    }

    /// Returns the citations of a claim, in the order they were recorded.
    pub fn citations_of_claim(&self, id: &ClaimId) -> Result<Vec<CitationRecord>, IndexError> {
        self.cited(Family::Claim, id.as_bytes())
    }

    /// Returns the citations in a source, in the order they were recorded.
    pub fn citations_of_source(&self, id: &SourceId) -> Result<Vec<CitationRecord>, IndexError> {
        self.cited(Family::Source, id.as_bytes())
    }

    /// Returns how many citations a source holds, without reading them.
    pub fn count_citations_of_source(&self, id: &SourceId) -> Result<usize, IndexError> {
        Ok(self.postings(Family::Source, id.as_bytes())?.len())
    }

    fn cited(&self, family: Family, key: &[u8; 32]) -> Result<Vec<CitationRecord>, IndexError> {
        let mut pointers: Vec<CitationPointer> = self
            .postings(family, key)?
            .into_iter()
            .map(|(_, pointer)| pointer)
            .collect();
        pointers.sort_unstable_by_key(|pointer| pointer.start);
        pointers
            .into_iter()
            .map(|pointer| self.read_citation(pointer, None))
            .collect()
    }

    /// Returns every id of any kind that starts with the hex `prefix` (at most `limit`).
    pub fn ids_with_prefix(
        &self,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<(IdKind, [u8; 32])>, IndexError> {
        let nibbles: Vec<u8> = prefix
            .bytes()
            .filter_map(crate::model::ids_hex_value)
            .collect();
        let mut byte_prefix = Vec::new();
        for pair in nibbles.chunks(2) {
            if pair.len() == 2 {
                byte_prefix.push((pair[0] << 4) | pair[1]);
            }
        }
        let odd = (nibbles.len() % 2 == 1).then(|| nibbles[nibbles.len() - 1]);
        let mut out = Vec::new();
        for (kind, tree) in [
            (IdKind::Source, TreeName::Sources),
            (IdKind::Claim, TreeName::Claims),
        ] {
            for key in self.tree(tree).scan_prefix(&byte_prefix).keys() {
                let key = key?;
                if let Some(nibble) = odd {
                    if key.get(byte_prefix.len()).map(|byte| byte >> 4) != Some(nibble) {
                        continue;
                    }
                }
                let id = keys::decode_id(tree.name(), &key)?;
                out.push((kind, id));
                if out.len() >= limit {
                    return Ok(out);
                }
            }
        }
        // Citation ids are inside the postings of the buckets the prefix allows.
        let buckets: Vec<u8> = match (byte_prefix.first(), odd) {
            (Some(&first), _) => vec![first],
            (None, Some(nibble)) => (0..16).map(|low| (nibble << 4) | low).collect(),
            (None, None) => (0..=255).collect(),
        };
        let mut citations = std::collections::BTreeSet::new();
        for bucket in buckets {
            for value in self
                .tree(TreeName::Citations)
                .scan_prefix([bucket])
                .values()
            {
                for (id, _) in postings_for(TreeName::Citations, &value?, &byte_prefix)? {
                    if odd.is_none_or(|nibble| id[byte_prefix.len()] >> 4 == nibble) {
                        citations.insert(id);
                    }
                }
            }
        }
        for id in citations {
            if out.len() >= limit {
                break;
            }
            out.push((IdKind::Citation, id));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Selector, Stance};

    /// A cite entry at `seq` of `claim` in `source`; `commit` ends its command.
    fn cite(seq: u64, claim: u8, source: u8, commit: bool) -> Entry {
        // The citation id's first byte, its bucket, is the low byte of seq.
        let mut id = [0u8; 32];
        id[..8].copy_from_slice(&seq.to_le_bytes());
        Entry {
            seq,
            time: "2026-11-24T00:00:00Z".into(),
            actor: "test".into(),
            prev: EntryHash::genesis(),
            commit,
            origin: None,
            change: Change::Cite {
                carried: None,
                citation: CitationId(id),
                body: Citation {
                    claim: ClaimId([claim; 32]),
                    source: SourceId([source; 32]),
                    selector: Selector {
                        exact: "613".into(),
                        prefix: String::new(),
                        suffix: String::new(),
                        start: 0,
                        end: 3,
                    },
                    stance: Stance::Supports,
                    value_not_in_quote: false,
                },
            },
        }
    }

    /// Line n (from 1) sits at byte 100·n and is 100 bytes long; its leaf
    /// hash stands in for the line's.
    fn place(seq: u64) -> LinePlace {
        LinePlace {
            start: seq * 100,
            end: seq * 100 + 100,
            leaf: crate::audit::merkle::TreeHasher::leaf(
                &crate::audit::merkle::Blake3,
                &seq.to_be_bytes(),
            ),
        }
    }

    fn pointer(seq: u64) -> CitationPointer {
        CitationPointer {
            start: seq * 100,
            len: 100,
        }
    }

    #[test]
    fn a_chunk_ends_at_commit_and_its_postings_find_every_citation() {
        // Entries 1–5: claims 0x10, 0x10, 0x20, 0x10, 0x30 in sources 0xaa,
        // 0xbb, 0xaa, 0xaa, 0xbb; only entry 5 commits.
        let claims = [0x10, 0x10, 0x20, 0x10, 0x30];
        let sources = [0xaa, 0xbb, 0xaa, 0xaa, 0xbb];
        let mut chunker = Chunker::new();
        let mut records = Vec::new();
        for seq in 1..=5u64 {
            let at = (seq - 1) as usize;
            let entry = cite(seq, claims[at], sources[at], seq == 5);
            let (mut out, ends) = chunker.push(&entry, place(seq)).expect("records");
            assert_eq!(ends, seq == 5, "only the commit ends the chunk");
            assert!(
                seq == 5 || out.is_empty(),
                "postings wait for the chunk's end"
            );
            records.append(&mut out);
        }
        let lookup = |tag: Option<u8>, key: [u8; 32]| -> Vec<CitationPointer> {
            let mut prefix = tag.map(|tag| vec![tag]).unwrap_or_default();
            prefix.push(key[0]);
            prefix.extend(1u64.to_be_bytes()); // the chunk starts at entry 1
            let record = records
                .iter()
                .find(|record| record.key == prefix)
                .expect("the bucket's record");
            postings_for(record.tree, &record.value, &key)
                .expect("well formed")
                .into_iter()
                .map(|(_, pointer)| pointer)
                .collect()
        };
        assert_eq!(
            lookup(Some(b'c'), [0x10; 32]),
            vec![pointer(1), pointer(2), pointer(4)]
        );
        assert_eq!(lookup(Some(b'c'), [0x20; 32]), vec![pointer(3)]);
        assert_eq!(lookup(Some(b's'), [0xbb; 32]), vec![pointer(2), pointer(5)]);
        assert!(lookup(Some(b'c'), [0x10; 32])
            .iter()
            .all(|found| !lookup(Some(b'c'), [0x20; 32]).contains(found)));
        // Claims 0x10, 0x20, 0x30 fall in three buckets, sources in two, and
        // the five citation ids (first byte 1..5) in five: ten records.
        assert_eq!(records.len(), 3 + 2 + 5);
        let third = cite(3, 0, 0, false);
        let Change::Cite { citation, .. } = third.change else {
            unreachable!()
        };
        assert_eq!(lookup(None, *citation.as_bytes()), vec![pointer(3)]);
    }

    #[test]
    fn a_long_command_is_cut_every_chunk_entries() {
        // One command of CHUNK_ENTRIES + 2 cites of one claim: the first chunk
        // ends at entry CHUNK_ENTRIES, the second (entries CHUNK_ENTRIES + 1
        // and + 2) at the commit, keyed by its first entry.
        let total = CHUNK_ENTRIES + 2;
        let mut chunker = Chunker::new();
        let mut ends_at = Vec::new();
        let mut claim_records = Vec::new();
        for seq in 1..=total {
            let (records, ends) = chunker
                .push(&cite(seq, 0x10, 0xaa, seq == total), place(seq))
                .expect("records");
            if ends {
                ends_at.push(seq);
            }
            claim_records.extend(
                records
                    .into_iter()
                    .filter(|record| record.tree == TreeName::Links && record.key[0] == b'c'),
            );
        }
        assert_eq!(ends_at, vec![CHUNK_ENTRIES, total]);
        assert_eq!(claim_records.len(), 2);
        let mut second_key = vec![b'c', 0x10];
        second_key.extend((CHUNK_ENTRIES + 1).to_be_bytes());
        assert_eq!(claim_records[1].key, second_key);
        // 1 version byte and two postings of 44 bytes.
        assert_eq!(claim_records[1].value.len(), 1 + 2 * POSTING_BYTES);
        assert_eq!(
            claim_records[0].value.len(),
            1 + CHUNK_ENTRIES as usize * POSTING_BYTES
        );
    }

    #[test]
    fn damaged_postings_are_refused() {
        let postings = [Posting {
            key: [7; 32],
            start: 1,
            len: 2,
        }];
        let value = encode_postings(&postings);
        assert!(postings_for(TreeName::Links, &value, &[7; 32]).is_ok());
        assert!(postings_for(TreeName::Links, &value[..value.len() - 1], &[7; 32]).is_err());
        let mut old = value.clone();
        old[0] = 2;
        assert!(postings_for(TreeName::Links, &old, &[7; 32]).is_err());
        assert!(postings_for(TreeName::Links, &[], &[7; 32]).is_err());
    }

    #[test]
    fn an_applier_stopped_mid_command_resumes_to_the_same_records() {
        // Apply CHUNK_ENTRIES + 3 entries of one command, but stop before its
        // last entry: the mark stands at the first chunk's end. Resuming from
        // there must give the same trees as applying everything at once.
        let total = CHUNK_ENTRIES + 3;
        let entries: Vec<Entry> = (1..=total)
            .map(|seq| cite(seq, (seq % 3) as u8, (seq % 5) as u8, seq == total))
            .collect();
        let mark = |entry: &Entry| AppliedMark {
            seq: entry.seq,
            hash: EntryHash([entry.seq as u8; 32]),
            start: place(entry.seq).start,
            end: place(entry.seq).end,
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let whole = Index::open(&dir.path().join("whole")).expect("open");
        whole
            .apply(
                entries
                    .iter()
                    .map(|entry| (entry, mark(entry), place(entry.seq).leaf)),
            )
            .expect("apply");
        let parts = Index::open(&dir.path().join("parts")).expect("open");
        parts
            .apply(
                entries[..total as usize - 1]
                    .iter()
                    .map(|entry| (entry, mark(entry), place(entry.seq).leaf)),
            )
            .expect("apply");
        assert_eq!(
            parts.applied().expect("mark").map(|mark| mark.seq),
            Some(CHUNK_ENTRIES)
        );
        parts
            .apply(
                entries[CHUNK_ENTRIES as usize..]
                    .iter()
                    .map(|entry| (entry, mark(entry), place(entry.seq).leaf)),
            )
            .expect("resume");
        assert_eq!(
            parts.applied().expect("mark"),
            whole.applied().expect("mark")
        );
        for tree in TreeName::ALL {
            let all = |index: &Index| -> Vec<(Vec<u8>, Vec<u8>)> {
                index
                    .tree(tree)
                    .iter()
                    .map(|item| item.expect("read"))
                    .map(|(key, value)| (key.to_vec(), value.to_vec()))
                    .collect()
            };
            assert_eq!(all(&parts), all(&whole), "tree {}", tree.name());
        }
        // Chunk 1 holds all three claims (seq mod 3) and five sources (seq
        // mod 5); chunk 2, entries 65,537–65,539, three of each: 6 + 8.
        assert_eq!(whole.tree_len(TreeName::Links), (3 + 5) + (3 + 3));
    }
}
