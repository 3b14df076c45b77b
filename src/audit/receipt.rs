//! Citation receipts: one self-contained file proving that a quote is part of
//! a document of known BLAKE3 hash, and that the citation was recorded in a
//! log whose checkpoint anyone can compare with a published one.
//!
//! A receipt joins two trees. The source's own BLAKE3 tree proves the slice:
//! the bytes of the chunks around the quote, and the chaining values of every
//! subtree outside them, rebuild the source's hash (as Bao does); its size
//! grows with log(source size), not with the source. The journal's Merkle
//! tree proves the citation's line, the log's first line (which names the
//! store, so the origin) and its last line (whose seq is the tree size).
//! `verify` here needs neither the store nor the document. Format:
//! schema/receipt.md.

use base64::Engine;
use blake3::hazmat::{
    left_subtree_len, merge_subtrees_non_root, merge_subtrees_root, ChainingValue, HasherExt, Mode,
};

use crate::audit::merkle::{self, TreeHash, TreeHasher};
use crate::audit::proofs::ProvedCheckpoint;
use crate::identity;
use crate::model::{
    Change, Citation, CitationId, Claim, Entry, InLayer, Selector, SourceId, Stance,
};

/// BLAKE3's chunk size.
const CHUNK: u64 = blake3::CHUNK_LEN as u64;

/// A receipt.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// Always `provdb.receipt`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Format version: 4 (lines proved in the SHA-256 tree), 3 (a text
    /// layer, BLAKE3 tree), 2 (the claim's own line proved, BLAKE3 tree), or
    /// 1 (older receipts, which prove the claim's identity but not its wording).
    pub v: u32,
    /// The claim, as recorded.
    pub claim: Claim,
    /// The citation.
    pub citation: ReceiptCitation,
    /// The source: its BLAKE3 hash and length.
    pub source: ReceiptSource,
    /// The bytes around the quote and the chaining values of the rest: of
    /// the text layer when there is one (version 3), else of the source.
    pub slice: Slice,
    /// Version 3: the text layer the quote is anchored in, and the journal
    /// line that derived it from the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<ReceiptLayer>,
    /// The journal line that recorded the claim, with its inclusion proof
    /// (version 2): it binds every word of the claim the receipt shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_entry: Option<ProvedLine>,
    /// The journal line that recorded the citation, with its inclusion proof.
    pub entry: ProvedLine,
    /// The log's first line (it names the store), with its inclusion proof.
    pub first: ProvedLine,
    /// The checkpoint's last line (its seq is the tree size), with its proof.
    pub last: ProvedLine,
    /// The checkpoint the lines are proved in.
    pub checkpoint: ProvedCheckpoint,
    /// Version 4 with a signed checkpoint: the citation's line and its
    /// inclusion proof in the C2SP tlog-proof format (`extra` the line with
    /// its newline), for tools that read that format; it must say exactly
    /// what `entry` and `checkpoint` say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tlog_proof: Option<String>,
}

impl Receipt {
    /// The C2SP tlog-proof of the citation's line, when the checkpoint is
    /// a signed one of the SHA-256 tree.
    pub fn entry_tlog_proof(&self) -> Option<String> {
        crate::audit::proofs::InclusionProof {
            kind: "provdb.inclusion".into(),
            v: 2,
            line: self.entry.line.clone(),
            leaf_index: self.entry.leaf_index,
            checkpoint: self.checkpoint.clone(),
            proof: self.entry.proof.clone(),
        }
        .to_tlog_proof()
    }
}

/// The citation in a receipt.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptCitation {
    /// Its id.
    pub id: CitationId,
    /// The quote.
    pub exact: String,
    /// The context before it.
    pub prefix: String,
    /// The context after it.
    pub suffix: String,
    /// The quote's first byte.
    pub start: u64,
    /// One past its last byte.
    pub end: u64,
    /// How the source bears on the claim.
    pub stance: Stance,
    /// Declared: the quote does not state the value.
    pub value_not_in_quote: bool,
}

/// The source in a receipt.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptSource {
    /// Its BLAKE3 hash.
    pub id: SourceId,
    /// Its length in bytes.
    pub length: u64,
}

/// The text layer of a version 3 receipt.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptLayer {
    /// The layer's BLAKE3 hash.
    pub object: SourceId,
    /// Its length in bytes.
    pub length: u64,
    /// The source's bytes the quote was read from, as the citation records them.
    pub original: Vec<[u64; 2]>,
    /// For a PDF: the pages the quote lies on, as the citation records them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pages: Vec<u32>,
    /// For a PDF: the quote's word boxes, as the citation records them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub boxes: Vec<[u32; 5]>,
    /// For a web page: a slice of the source's own bytes holding `original`,
    /// proved part of the source as the quote's slice is of the layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_slice: Option<Slice>,
    /// The `derive_text` line that derived the layer from the source, with
    /// its inclusion proof.
    pub entry: ProvedLine,
}

/// A slice of a source with what proves it part of the source.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slice {
    /// The first byte of the slice (a multiple of 1,024).
    pub start: u64,
    /// The slice's bytes, standard base64: whole 1,024-byte chunks (the last
    /// may be short) covering the quote with its prefix and suffix.
    pub bytes: String,
    /// The source's last chunk, standard base64, when the slice does not
    /// reach it (else empty): it binds the source's length, which the
    /// chaining values of whole subtrees alone would not.
    pub tail: String,
    /// The chaining values of the subtrees outside the slice, left to right,
    /// standard base64.
    pub cvs: Vec<String>,
}

/// A journal line with its inclusion proof.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvedLine {
    /// The line, without its newline.
    pub line: String,
    /// Its leaf index (seq − 1).
    pub leaf_index: u64,
    /// Its RFC 9162 inclusion path, standard base64.
    pub proof: Vec<String>,
}

/// Which link of a receipt broke, and how.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{link}: {why}")]
pub struct Broken {
    /// The link: format, claim, entry, citation id, slice, quote, log entry, origin, size.
    pub link: &'static str,
    /// What is wrong.
    pub why: String,
}

fn broken(link: &'static str, why: impl Into<String>) -> Broken {
    Broken {
        link,
        why: why.into(),
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(link: &'static str, text: &str) -> Result<Vec<u8>, Broken> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| broken(link, "a field is not standard base64"))
}

/// The chunk-aligned byte range covering `range` in a source of `length` bytes.
pub fn cover(range: std::ops::Range<u64>, length: u64) -> std::ops::Range<u64> {
    let start = range.start / CHUNK * CHUNK;
    let end = range.end.div_ceil(CHUNK).saturating_mul(CHUNK).min(length);
    start..end.max(start)
}

fn chaining_value(data: &[u8], offset: u64) -> ChainingValue {
    let mut hasher = blake3::Hasher::new();
    hasher.set_input_offset(offset);
    hasher.update(data);
    hasher.finalize_non_root()
}

/// The chaining values of the subtrees of `data[offset..offset + len]` that
/// lie wholly outside `cover`, left to right.
fn outside(
    data: &[u8],
    offset: u64,
    len: u64,
    covered: &[std::ops::Range<u64>],
    out: &mut Vec<ChainingValue>,
) {
    if !touches(covered, offset, len) {
        out.push(chaining_value(
            &data[offset as usize..(offset + len) as usize],
            offset,
        ));
        return;
    }
    if len <= CHUNK {
        return;
    }
    let left = left_subtree_len(len);
    outside(data, offset, left, covered, out);
    outside(data, offset + left, len - left, covered, out);
}

/// True when `offset..offset + len` meets any of the covered ranges.
fn touches(covered: &[std::ops::Range<u64>], offset: u64, len: u64) -> bool {
    covered
        .iter()
        .any(|range| offset < range.end && range.start < offset + len)
}

/// The byte range of a source's last chunk.
fn last_chunk(length: u64) -> std::ops::Range<u64> {
    (length.saturating_sub(1) / CHUNK * CHUNK)..length
}

/// Builds the slice proving `range` (quote with context) part of `data`.
pub fn slice(data: &[u8], range: std::ops::Range<u64>) -> Slice {
    let length = data.len() as u64;
    let covered = cover(range, length);
    let tail = last_chunk(length);
    let with_tail = covered.end < length;
    let ranges = if with_tail {
        vec![covered.clone(), tail.clone()]
    } else {
        vec![covered.clone()]
    };
    let mut cvs = Vec::new();
    if length > CHUNK {
        outside(data, 0, length, &ranges, &mut cvs);
    }
    Slice {
        start: covered.start,
        bytes: b64(&data[covered.start as usize..covered.end as usize]),
        tail: if with_tail {
            b64(&data[tail.start as usize..tail.end as usize])
        } else {
            String::new()
        },
        cvs: cvs.iter().map(|cv| b64(cv)).collect(),
    }
}

/// Rebuilds a source's BLAKE3 hash from a slice; errors say why not.
pub fn slice_root(slice: &Slice, length: u64) -> Result<(Vec<u8>, blake3::Hash), Broken> {
    let bytes = unb64("slice", &slice.bytes)?;
    let covered = slice.start..slice.start + bytes.len() as u64;
    if !slice.start.is_multiple_of(CHUNK) || covered.end > length || bytes.is_empty() {
        return Err(broken(
            "slice",
            "its start is not a chunk boundary, or it is empty or runs past the source's length",
        ));
    }
    if !covered.end.is_multiple_of(CHUNK) && covered.end != length {
        return Err(broken(
            "slice",
            "it does not end at a chunk boundary or the source's end",
        ));
    }
    if length <= CHUNK {
        if !slice.cvs.is_empty() || !slice.tail.is_empty() || covered != (0..length) {
            return Err(broken(
                "slice",
                "a one-chunk source is proved by all its bytes alone",
            ));
        }
        return Ok((bytes.clone(), blake3::hash(&bytes)));
    }
    let tail_bytes = unb64("slice", &slice.tail)?;
    let tail = last_chunk(length);
    if tail_bytes.is_empty() {
        if covered.end != length {
            return Err(broken(
                "slice",
                "it neither reaches the source's end nor carries its last chunk",
            ));
        }
    } else if tail_bytes.len() as u64 != tail.end - tail.start || covered.end > tail.start {
        return Err(broken(
            "slice",
            "its last chunk does not have the length the source's length gives it",
        ));
    }
    let mut cvs = Vec::new();
    for cv in &slice.cvs {
        let cv: ChainingValue = unb64("slice", cv)?
            .try_into()
            .map_err(|_| broken("slice", "a chaining value is not 32 bytes"))?;
        cvs.push(cv);
    }
    // Each covered range with its bytes.
    let mut parts = vec![(covered.clone(), bytes.as_slice())];
    if !tail_bytes.is_empty() {
        parts.push((tail, tail_bytes.as_slice()));
    }
    let mut next = cvs.into_iter();
    // Rebuilds the chaining value of data[offset..offset + len].
    fn rebuild(
        offset: u64,
        len: u64,
        parts: &[(std::ops::Range<u64>, &[u8])],
        next: &mut std::vec::IntoIter<ChainingValue>,
    ) -> Result<ChainingValue, Broken> {
        let ranges: Vec<_> = parts.iter().map(|(range, _)| range.clone()).collect();
        if !touches(&ranges, offset, len) {
            return next
                .next()
                .ok_or_else(|| broken("slice", "too few chaining values"));
        }
        if len <= CHUNK {
            let (range, bytes) = parts
                .iter()
                .find(|(range, _)| range.start <= offset && offset + len <= range.end)
                .ok_or_else(|| broken("slice", "a chunk is only partly covered"))?;
            let at = (offset - range.start) as usize;
            return Ok(chaining_value(&bytes[at..at + len as usize], offset));
        }
        let left = left_subtree_len(len);
        let l = rebuild(offset, left, parts, next)?;
        let r = rebuild(offset + left, len - left, parts, next)?;
        Ok(merge_subtrees_non_root(&l, &r, Mode::Hash))
    }
    let left = left_subtree_len(length);
    let l = rebuild(0, left, &parts, &mut next)?;
    let r = rebuild(left, length - left, &parts, &mut next)?;
    if next.next().is_some() {
        return Err(broken("slice", "too many chaining values"));
    }
    Ok((bytes, merge_subtrees_root(&l, &r, Mode::Hash)))
}

fn parse_line(link: &'static str, line: &ProvedLine) -> Result<Entry, Broken> {
    crate::storage::journal::parse_entry(format!("{}\n", line.line).as_bytes())
        .map_err(|why| broken(link, format!("the line is not a journal entry: {why}")))
}

fn check_included(
    link: &'static str,
    line: &ProvedLine,
    checkpoint: &ProvedCheckpoint,
) -> Result<Entry, Broken> {
    let entry = parse_line(link, line)?;
    if entry.seq != line.leaf_index + 1 {
        return Err(broken(
            link,
            format!(
                "the line is entry {} but is proved as leaf {}",
                entry.seq, line.leaf_index
            ),
        ));
    }
    let proof: Vec<Vec<u8>> = line
        .proof
        .iter()
        .map(|item| unb64(link, item))
        .collect::<Result<_, _>>()?;
    let root = unb64("checkpoint", &checkpoint.root)?;
    let hash = checkpoint.hash;
    let leaf = hash.leaf(format!("{}\n", line.line).as_bytes());
    merkle::verify_inclusion(
        &hash,
        line.leaf_index,
        checkpoint.size,
        &leaf,
        &proof,
        &root,
    )
    .map_err(|error| {
        broken(
            link,
            format!(
                "entry {} is not in the checkpoint's tree: {error}",
                entry.seq
            ),
        )
    })?;
    Ok(entry)
}

/// Checks a receipt's slice of a page's own bytes: it rebuilds the source's
/// hash, holds every original range, and those bytes, decoded in the
/// layer's encoding with character references decoded, say the quote (white
/// space aside: the layer collapses it and breaks paragraphs).
fn check_original(
    original: &Slice,
    layer: &ReceiptLayer,
    derived: &crate::model::TextLayer,
    source: SourceId,
    length: u64,
    exact: &str,
) -> Result<(), Broken> {
    let (bytes, root) =
        slice_root(original, length).map_err(|error| broken("original", error.why))?;
    if root.as_bytes() != source.as_bytes() {
        return Err(broken(
            "original",
            format!(
                "the slice of the page hashes to {}, not to the source {source}",
                root.to_hex()
            ),
        ));
    }
    let encoding = derived
        .params
        .get("encoding")
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    // The ranges in order, each non-empty, none overlapping the one before.
    let mut after = 0;
    for [start, end] in &layer.original {
        if start >= end || *start < after {
            return Err(broken(
                "original",
                "the original ranges are not in order, or one is empty",
            ));
        }
        after = *end;
    }
    let mut said = String::new();
    for [start, end] in &layer.original {
        let (Some(from), Some(to)) = (
            start.checked_sub(original.start),
            end.checked_sub(original.start),
        ) else {
            return Err(broken(
                "original",
                format!("bytes {start}–{end} are not in the slice of the page"),
            ));
        };
        let Some(piece) = bytes.get(from as usize..to as usize) else {
            return Err(broken(
                "original",
                format!("bytes {start}–{end} are not in the slice of the page"),
            ));
        };
        said.push_str(&encoding.decode_without_bom_handling(piece).0);
    }
    let no_space = |text: &str| -> String { text.chars().filter(|c| !c.is_whitespace()).collect() };
    if no_space(&crate::text::html::decode_references(&said)) != no_space(exact) {
        return Err(broken(
            "original",
            "the page's bytes at the original ranges do not say the quote",
        ));
    }
    Ok(())
}

impl Receipt {
    /// Checks every link; returns what the receipt proves, in plain words,
    /// or the first link that broke.
    pub fn verify(&self) -> Result<String, Broken> {
        // Versions 1–3 prove lines in a BLAKE3 tree, version 4 in the
        // SHA-256 tree (and may carry a text layer or not).
        let tree = if self.v == 4 {
            TreeHash::Sha256
        } else {
            TreeHash::Blake3
        };
        if self.checkpoint.hash != tree {
            return Err(broken(
                "checkpoint",
                format!(
                    "a version {} receipt proves lines in a {} tree, but its checkpoint says {}",
                    self.v,
                    if tree == TreeHash::Sha256 {
                        "SHA-256"
                    } else {
                        "BLAKE3"
                    },
                    self.checkpoint.hash.name()
                ),
            ));
        }
        match (self.kind.as_str(), self.v, &self.claim_entry, &self.layer) {
            ("provdb.receipt", 1, None, None)
            | ("provdb.receipt", 2, Some(_), None)
            | ("provdb.receipt", 3, Some(_), Some(_))
            | ("provdb.receipt", 4, Some(_), _) => {}
            ("provdb.receipt", 2..=4, None, _) => {
                return Err(broken(
                    "claim entry",
                    "a version 2, 3 or 4 receipt must prove the claim's line",
                ))
            }
            ("provdb.receipt", 3, Some(_), None) => {
                return Err(broken(
                    "layer",
                    "a version 3 receipt must prove the text layer's line",
                ))
            }
            _ => {
                return Err(broken(
                    "format",
                    "not a provdb.receipt of version 1, 2, 3 or 4 (a text layer only in versions 3 and 4)",
                ))
            }
        }
        // The claim is what its id says.
        if identity::expected_claim_id(&self.claim) != self.claim.id {
            return Err(broken("claim", "the claim's fields do not hash to its id"));
        }
        // The log: the citation's line, the first line (the store), the last (the size).
        let entry = check_included("log entry", &self.entry, &self.checkpoint)?;
        if let Some(tlog_proof) = &self.tlog_proof {
            if self.entry_tlog_proof().as_ref() != Some(tlog_proof) {
                return Err(broken(
                    "tlog proof",
                    "the tlog-proof does not say what the entry and the signed checkpoint say",
                ));
            }
        }
        let first = check_included("origin", &self.first, &self.checkpoint)?;
        let last = check_included("size", &self.last, &self.checkpoint)?;
        // An unsigned checkpoint names the store as its origin; a signed one
        // names the log key, whose signature (checked against a policy)
        // binds it, and the first line still names the store.
        self.checkpoint
            .check_note()
            .map_err(|why| broken("checkpoint", why))?;
        match &first.change {
            Change::Init { store, .. }
                if first.seq == 1
                    && (self.checkpoint.note.is_some()
                        || self.checkpoint.origin == format!("provdb/{store}")) => {}
            _ => {
                return Err(broken(
                    "origin",
                    "the checkpoint's origin is not the store named by the log's first entry",
                ))
            }
        }
        if last.seq != self.checkpoint.size {
            return Err(broken(
                "size",
                format!(
                    "the checkpoint says {} entries but its last line is entry {}",
                    self.checkpoint.size, last.seq
                ),
            ));
        }
        // The line records exactly this citation.
        let Change::Cite { citation, body, .. } = &entry.change else {
            return Err(broken(
                "entry",
                "the proved line does not record a citation",
            ));
        };
        let c = &self.citation;
        let expected = Citation {
            claim: self.claim.id,
            source: self.source.id,
            selector: Selector {
                exact: c.exact.clone(),
                prefix: c.prefix.clone(),
                suffix: c.suffix.clone(),
                start: c.start,
                end: c.end,
            },
            stance: c.stance,
            value_not_in_quote: c.value_not_in_quote,
            layer: self.layer.as_ref().map(|layer| InLayer {
                object: layer.object,
                original: layer.original.clone(),
                pages: layer.pages.clone(),
                boxes: layer.boxes.clone(),
            }),
        };
        if *citation != c.id || *body != expected {
            return Err(broken(
                "entry",
                "the proved line records another citation than the one the receipt states",
            ));
        }
        if identity::citation_id(body, entry.recorded_by(), entry.recorded_at()) != c.id {
            return Err(broken(
                "citation id",
                "the citation's fields, actor and time do not hash to its id",
            ));
        }
        // The text layer was derived from the source by a line of the log.
        let derived = match &self.layer {
            Some(layer) => {
                let line = check_included("layer", &layer.entry, &self.checkpoint)?;
                match &line.change {
                    Change::DeriveText(derived)
                        if derived.source == self.source.id
                            && derived.layer == layer.object
                            && derived.size == layer.length
                            && line.seq < entry.seq =>
                    {
                        Some(derived.clone())
                    }
                    _ => {
                        return Err(broken(
                            "layer",
                            "the proved line does not derive this text layer from this source before the citation",
                        ))
                    }
                }
            }
            None => None,
        };
        // The slice is part of the quoted object (the layer, or the
        // source), and holds the quote.
        let (quoted, quoted_length, what) = match &self.layer {
            Some(layer) => (layer.object, layer.length, "text layer"),
            None => (self.source.id, self.source.length, "source"),
        };
        let (bytes, root) = slice_root(&self.slice, quoted_length)?;
        if root.as_bytes() != quoted.as_bytes() {
            return Err(broken(
                "slice",
                format!(
                    "the slice and chaining values hash to {}, not to the {what} {quoted}",
                    root.to_hex(),
                ),
            ));
        }
        let at = |offset: u64| offset.checked_sub(self.slice.start).map(|at| at as usize);
        let quote_ok = match (
            at(c.start.saturating_sub(c.prefix.len() as u64)),
            at(c.start),
            at(c.end),
        ) {
            (Some(before), Some(start), Some(end))
                if c.start >= c.prefix.len() as u64
                    && end + c.suffix.len() <= bytes.len()
                    && start <= end =>
            {
                bytes[start..end] == *c.exact.as_bytes()
                    && bytes[before..start] == *c.prefix.as_bytes()
                    && bytes[end..end + c.suffix.len()] == *c.suffix.as_bytes()
            }
            _ => false,
        };
        if !quote_ok {
            return Err(broken(
                "quote",
                format!(
                    "the source's bytes {}..{} are not the quote with its context",
                    c.start, c.end
                ),
            ));
        }
        // A page's own bytes: the original ranges are in the source, and,
        // decoded, they say the quote.
        if let (Some(layer), Some(derived)) = (&self.layer, &derived) {
            if let Some(original) = &layer.original_slice {
                check_original(
                    original,
                    layer,
                    derived,
                    self.source.id,
                    self.source.length,
                    &c.exact,
                )?;
            } else if !layer.original.is_empty() {
                return Err(broken(
                    "original",
                    "the citation records original bytes, but the receipt has no slice of them",
                ));
            }
        }
        // The claim's words: proved by its own line (version 2), or, in a
        // version 1 receipt, not proved at all (its id hashes the identity
        // keys, case-folded and normalised, so other wording passes).
        let claim =
            match &self.claim_entry {
                Some(line) => {
                    let recorded = check_included("claim entry", line, &self.checkpoint)?;
                    match &recorded.change {
                        Change::RecordClaim(claim) if *claim == self.claim => {}
                        _ => return Err(broken(
                            "claim entry",
                            "the proved line does not record the claim as the receipt states it",
                        )),
                    }
                    format!("the claim {} (claim {})", self.claim.line(), self.claim.id)
                }
                None => format!(
                    "claim {} (a version 1 receipt proves the claim's identity, not its wording)",
                    self.claim.id
                ),
            };
        let stance = match c.stance {
            Stance::Supports => "supporting",
            Stance::Disputes => "disputing",
            Stance::Mentions => "mentioning",
        };
        let stated = if c.value_not_in_quote {
            ", the quote not stating the value (recorded as such)"
        } else {
            ""
        };
        let place = match (&derived, &self.layer) {
            (Some(derived), Some(layer)) => format!(
                "of the text layer with BLAKE3 hash {} ({} bytes) that, as log entry {} states, {} {} derived from the document with BLAKE3 hash {}{}{}",
                layer.object,
                layer.length,
                layer.entry.leaf_index + 1,
                derived.extractor,
                derived.version,
                self.source.id,
                // The document's length is proved only by a slice of it.
                if layer.original_slice.is_some() {
                    format!(" ({} bytes)", self.source.length)
                } else {
                    String::new()
                },
                if layer.original.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", read from its bytes {}{}",
                        layer
                            .original
                            .iter()
                            .map(|[start, end]| format!("{start}–{end}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        if layer.original_slice.is_some() {
                            ", which say these words (proved by a slice of the document)"
                        } else {
                            " as the citation records them"
                        }
                    )
                }
            ),
            _ => format!(
                "of the document with BLAKE3 hash {} ({} bytes)",
                self.source.id, self.source.length
            ),
        };
        Ok(format!(
            "the words {:?} appear at bytes {}–{} {place}, cited as {stance} {claim}{stated}, recorded by {} at {} in log entry {} of a log of {} entries whose tree head is {} {}; a receipt shows what was recorded by that size, not what came after it: a later retraction or supersession does not appear in it",
            c.exact,
            c.start,
            c.end,
            entry.recorded_by(),
            entry.recorded_at(),
            entry.seq,
            self.checkpoint.size,
            self.checkpoint.origin,
            self.checkpoint.root
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every slice of sources from 1 byte to past 17 chunks rebuilds the
    /// standard BLAKE3 hash (the official vectors' input pattern), and a
    /// changed byte does not.
    #[test]
    fn slices_rebuild_the_blake3_hash() {
        for length in [1usize, 1023, 1024, 1025, 2048, 3000, 8192, 17 * 1024 + 5] {
            let data: Vec<u8> = (0..length).map(|i| (i % 251) as u8).collect();
            let whole = blake3::hash(&data);
            for (start, end) in [(0, 1), (length / 2, length / 2 + 1), (length - 1, length)] {
                let proof = slice(&data, start as u64..end as u64);
                let (_, root) = slice_root(&proof, length as u64).expect("rebuilds");
                assert_eq!(root, whole, "length {length} range {start}..{end}");
                let mut bytes = unb64("slice", &proof.bytes).expect("b64");
                bytes[0] ^= 1;
                let bad = Slice {
                    bytes: b64(&bytes),
                    ..proof.clone()
                };
                assert_ne!(
                    slice_root(&bad, length as u64).map(|(_, root)| root).ok(),
                    Some(whole)
                );
            }
        }
    }

    #[test]
    fn a_slice_of_a_large_source_stays_small() {
        // 8 MiB: 8,192 chunks; the slice is one or two chunks and ~13 chaining values.
        let data: Vec<u8> = (0..8usize << 20).map(|i| (i % 251) as u8).collect();
        let proof = slice(&data, 4_000_000..4_000_040);
        assert!(proof.cvs.len() <= 2 * 13, "{}", proof.cvs.len());
        let size = serde_json::to_string(&proof).expect("json").len();
        assert!(size < 4_500, "{size} bytes");
        let (_, root) = slice_root(&proof, data.len() as u64).expect("rebuilds");
        assert_eq!(root, blake3::hash(&data));
    }
}
