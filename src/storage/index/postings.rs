//! Citations, claims and sources indexed per chunk of journal entries as postings lists, and the `Chunker`
//! that cuts a run of entries into chunks and Merkle subtrees.

use crate::model::{Change, Entry};
use crate::storage::codec::{self, CodecError};

#[allow(unused_imports)]
use super::{
    claim_key_hash, claim_key_prefix, copy_dir, drift_key, encode, entry_records, is_lock_busy,
    merkle_key, revision_key, simulated_failure, supersession_records, writing_marker, AppliedMark,
    Applier, CitationPointer, CitationRecord, ClaimRecord, DriftRecord, Index, IndexError,
    LinePlace, MergeRecord, Record, ReviewRecord, RevisionRecord, Scratch, TreeName, APPLIED_KEY,
    CACHE_BYTES, FRONTIER_KEY,
};

/// The most entries one chunk holds. The index groups a command's
/// citations into chunks: a chunk ends at a command's last entry (the one
/// marked `commit`) or after this many entries, counted from the first entry
/// after the previous chunk. The rule depends on the journal alone, so
/// `verify` and `reindex` find the same chunks.
pub const CHUNK_ENTRIES: u64 = 65_536;

/// The bytes of the id part of a posting that names a citation or claim
/// by its own id (families `Citation`, `Claim` and `ClaimEntry`): the
/// id's first 16 bytes. Readers confirm the whole id from the journal line
/// the posting names, so two ids that share these bytes only cost a line
/// read.
pub(super) const ID_PREFIX_BYTES: usize = 16;

/// The bytes a posting adds to its id part: the line's start (u64 BE) and
/// length (u32 BE).
pub const PLACE_BYTES: usize = 12;

/// One posting: an id and the place of the journal line that cites it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Posting {
    pub(super) key: [u8; 32],
    pub(super) start: u64,
    pub(super) len: u32,
}

/// The six lists of postings a chunk writes: three for its citations, two
/// for the claims it records, one for the sources it records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    /// Citations by citation id, in the `citations` tree.
    Citation,
    /// Citations by claim id, in `links` under `c`.
    Claim,
    /// Citations by source id, in `links` under `s`.
    Source,
    /// `record_claim` lines by claim id, in the `claims` tree.
    ClaimEntry,
    /// `record_claim` lines by subject and property (`claim_key_hash`), in
    /// the `claims_by_key` tree.
    ClaimKey,
    /// `add_source` lines by source id, in the `sources` tree.
    SourceEntry,
}

impl Family {
    const ALL: [Family; 6] = [
        Family::Citation,
        Family::Claim,
        Family::Source,
        Family::ClaimEntry,
        Family::ClaimKey,
        Family::SourceEntry,
    ];

    pub(super) fn tree(self) -> TreeName {
        match self {
            Family::Citation => TreeName::Citations,
            Family::Claim | Family::Source => TreeName::Links,
            Family::ClaimEntry => TreeName::Claims,
            Family::ClaimKey => TreeName::ClaimsByKey,
            Family::SourceEntry => TreeName::Sources,
        }
    }

    /// The key prefix of one bucket: the tag, if any, then the bucket byte.
    pub(super) fn prefix(self, bucket: u8) -> Vec<u8> {
        match self {
            Family::Citation | Family::ClaimEntry | Family::ClaimKey | Family::SourceEntry => {
                vec![bucket]
            }
            Family::Claim => vec![b'c', bucket],
            Family::Source => vec![b's', bucket],
        }
    }

    /// Returns how many bytes of its id (or key hash) each posting of this
    /// family keeps: 16 for the three families a reader looks up by a
    /// citation's or claim's own id, all 32 for postings by source id (whose
    /// counts, and whether a source is recorded, are given without reading
    /// lines) and by claim key hash (whose two 16-byte halves are searched
    /// apart).
    pub(super) fn key_bytes(self) -> usize {
        match self {
            Family::Citation | Family::Claim | Family::ClaimEntry => ID_PREFIX_BYTES,
            Family::Source | Family::ClaimKey | Family::SourceEntry => 32,
        }
    }

    /// Returns the bytes of one posting of this family.
    pub(super) fn posting_bytes(self) -> usize {
        self.key_bytes() + PLACE_BYTES
    }
}

/// Returns the stored bytes of one bucket's postings of `family`, which
/// are in (id, start) order: the version byte, then each posting.
pub(super) fn encode_postings(family: Family, postings: &[Posting]) -> Vec<u8> {
    let width = family.key_bytes();
    let mut out = Vec::with_capacity(1 + postings.len() * family.posting_bytes());
    out.push(codec::RECORD_VERSION);
    for posting in postings.iter() {
        out.extend_from_slice(&posting.key[..width]);
        out.extend_from_slice(&posting.start.to_be_bytes());
        out.extend_from_slice(&posting.len.to_be_bytes());
    }
    out
}

/// Returns the postings that start with `key` (all of it, or as much of it
/// as the family keeps) in one stored bucket of `family`, by binary search:
/// each posting's id part, zero-padded to 32 bytes, and its line.
pub(super) fn postings_for(
    family: Family,
    value: &[u8],
    key: &[u8],
) -> Result<Vec<([u8; 32], CitationPointer)>, IndexError> {
    let tree = family.tree();
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
    let width = family.key_bytes();
    let size = family.posting_bytes();
    if body.len() % size != 0 {
        return Err(damaged(format!(
            "is {} bytes, not a whole number of {size}-byte postings",
            body.len()
        )));
    }
    let key = &key[..key.len().min(width)];
    let count = body.len() / size;
    let posting = |at: usize| &body[at * size..(at + 1) * size];
    // The first posting whose id part is not below the key.
    let (mut low, mut high) = (0, count);
    while low < high {
        let middle = (low + high) / 2;
        if &posting(middle)[..key.len()] < key {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    let mut out = Vec::new();
    for at in low..count {
        let posting = posting(at);
        if &posting[..key.len()] != key {
            break;
        }
        let mut id = [0; 32];
        id[..width].copy_from_slice(&posting[..width]);
        let start = u64::from_be_bytes(posting[width..width + 8].try_into().expect("8 bytes"));
        let len = u32::from_be_bytes(posting[width + 8..size].try_into().expect("4 bytes"));
        out.push((id, CitationPointer { start, len }));
    }
    Ok(out)
}

/// Turns journal entries, in order from the start of a chunk, into the
/// index records they write: each entry's own records at once, and its
/// chunk's postings when the chunk ends. `apply`, `reindex` and `verify` all
/// use it, so they agree on every record.
#[derive(Debug, Default)]
pub struct Chunker {
    first: Option<u64>,
    entries: u64,
    postings: [Vec<Posting>; 6],
    frontier: crate::audit::merkle::Frontier,
}

/// A stored Merkle subtree: its hash, and for a block the journal bytes of its lines.
pub type StoredSubtree = (crate::audit::merkle::Digest, Option<(u64, u64)>);

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
            &crate::audit::merkle::LOG_TREE,
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
        let start = place.start;
        let len = u32::try_from(place.end - place.start).unwrap_or(u32::MAX);
        // Keys in the order of Family::ALL: a citation's three, a claim's
        // two, a source's one.
        let keyed: Vec<(usize, [u8; 32])> = match &entry.change {
            Change::Cite { citation, body, .. } => vec![
                (0, *citation.as_bytes()),
                (1, *body.claim.as_bytes()),
                (2, *body.source.as_bytes()),
            ],
            Change::RecordClaim(claim) => vec![
                (3, *claim.id.as_bytes()),
                (4, claim_key_hash(&claim.subject, Some(&claim.property))),
            ],
            Change::AddSource { source, .. } => vec![(5, *source.as_bytes())],
            _ => Vec::new(),
        };
        for (family, key) in keyed {
            self.postings[family].push(Posting { key, start, len });
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
                        value: encode_postings(*family, bucket),
                    });
                }
            }
            self.first = None;
            self.entries = 0;
        }
        Ok((records, ends))
    }
}
