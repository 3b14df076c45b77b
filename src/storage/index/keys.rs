//! Key layouts: one encoder per tree's key, and one decoder per layout that returns an error naming
//! the damaged bytes and never panics (a 2-byte key in the drift tree used to end the process).

use crate::model::CitationId;
use crate::text::normalize::identity_key;

#[allow(unused_imports)]
use super::{
    copy_dir, encode, encode_postings, entry_records, is_lock_busy, postings_for,
    simulated_failure, supersession_records, writing_marker, AppliedMark, Applier, Chunker,
    CitationPointer, CitationRecord, ClaimRecord, DriftRecord, Family, Index, IndexError,
    LinePlace, MergeRecord, Posting, Record, ReviewRecord, RevisionRecord, Scratch, StoredSubtree,
    TreeName, APPLIED_KEY, CACHE_BYTES, CHUNK_ENTRIES, FRONTIER_KEY,
};

/// The 32 bytes claims are found by in `claims_by_key`: the first 16 bytes
/// of the BLAKE3 hash of the subject's identity key, then the first 16 of the
/// property's. Without a property, the 16 bytes of the subject: the prefix
/// of every claim about it.
pub fn claim_key_hash(subject: &str, property: Option<&str>) -> [u8; 32] {
    let mut key = [0u8; 32];
    key[..16].copy_from_slice(&blake3::hash(identity_key(subject).as_bytes()).as_bytes()[..16]);
    if let Some(property) = property {
        key[16..]
            .copy_from_slice(&blake3::hash(identity_key(property).as_bytes()).as_bytes()[..16]);
    }
    key
}

/// Returns the grouping key of a subject and property: subject key ‖ 0x00
/// ‖ property key ‖ 0x00, the order `claims` and `conflicts` list them in.
pub fn claim_key_prefix(subject: &str, property: &str) -> Vec<u8> {
    let mut key = identity_key(subject).into_bytes();
    key.push(0);
    key.extend(identity_key(property).into_bytes());
    key.push(0);
    key
}

pub(super) fn revision_key(doc: &str, number: u32) -> Vec<u8> {
    let mut key = doc.as_bytes().to_vec();
    key.push(0);
    key.extend(number.to_be_bytes());
    key
}

pub(super) fn drift_key(doc: &str, number: u32, citation: &CitationId) -> Vec<u8> {
    let mut key = revision_key(doc, number);
    key.extend_from_slice(citation.as_bytes());
    key
}

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

/// The key of a Merkle subtree record.
pub fn merkle_key(level: u8, index: u64) -> Vec<u8> {
    let mut key = vec![level];
    key.extend_from_slice(&index.to_be_bytes());
    key
}
