//! The index: sled trees that answer queries, all derived from the journal.
//!
//! **Invariant:** every record in every tree except `meta` is written by
//! exactly one journal entry, its value fixed by that entry alone, and is never
//! overwritten or deleted. `records_for` is that mapping; applying an entry is
//! putting its records, which makes re-applying after a crash harmless, and
//! verifying the index is recomputing them and comparing. Only this module
//! opens sled.

use std::path::Path;

use crate::codec::{self, CodecError};
use crate::model::{
    Change, Citation, CitationId, Claim, ClaimId, Entry, EntryHash, IdKind, Retraction, Revision,
    SourceId, SourceRecord,
};
use crate::normalize::identity_key;

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
    #[error("citation {citation}: its journal line at byte {start} {why}; run `provdb verify`")]
    Pointer {
        /// The citation.
        citation: CitationId,
        /// Where the index says the line starts.
        start: u64,
        /// What went wrong.
        why: String,
    },
    /// sled panicked while opening its files.
    #[error("index files are damaged (sled could not open them)")]
    Unreadable,
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
    /// citation id → CitationPointer: where the citing journal line is
    Citations,
    /// 'c' ‖ claim id ‖ citation id, and 's' ‖ source id ‖ citation id → empty
    Links,
    /// citation id → Retraction
    Retractions,
}

impl TreeName {
    /// Every tree holding derived records.
    pub const ALL: [TreeName; 8] = [
        TreeName::Sources,
        TreeName::Revisions,
        TreeName::SourceRevisions,
        TreeName::Claims,
        TreeName::ClaimsByKey,
        TreeName::Citations,
        TreeName::Links,
        TreeName::Retractions,
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
}

/// Where a citation's journal line is. The journal already holds the
/// citation; the index keeps only its place (12 bytes before encoding), so
/// an index write per citation stays small.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

fn link_key(tag: u8, first: &[u8; 32], citation: &CitationId) -> Vec<u8> {
    let mut key = Vec::with_capacity(65);
    key.push(tag);
    key.extend_from_slice(first);
    key.extend_from_slice(citation.as_bytes());
    key
}

/// Returns the records a journal entry, whose line is at `place`, puts into the index.
pub fn records_for(entry: &Entry, place: LinePlace) -> Result<Vec<Record>, IndexError> {
    let time = entry.time.clone();
    let actor = entry.actor.clone();
    let record = |tree, key: Vec<u8>, value: Vec<u8>| Record { tree, key, value };
    Ok(match &entry.change {
        Change::Init { .. } => Vec::new(),
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
        Change::Cite { citation, body } => {
            let pointer = CitationPointer {
                start: place.start,
                len: u32::try_from(place.end - place.start).unwrap_or(u32::MAX),
            };
            vec![
                record(
                    TreeName::Citations,
                    citation.as_bytes().to_vec(),
                    encode(TreeName::Citations, &pointer)?,
                ),
                record(
                    TreeName::Links,
                    link_key(b'c', body.claim.as_bytes(), citation),
                    Vec::new(),
                ),
                record(
                    TreeName::Links,
                    link_key(b's', body.source.as_bytes(), citation),
                    Vec::new(),
                ),
            ]
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

/// The open index.
#[derive(Debug)]
pub struct Index {
    dirty: std::sync::atomic::AtomicBool,
    /// The journal beside the index, opened on the first citation read.
    journal: std::sync::OnceLock<Result<std::fs::File, String>>,
    journal_path: std::path::PathBuf,
    db: sled::Db,
    trees: Vec<sled::Tree>,
    meta: sled::Tree,
}

const APPLIED_KEY: &[u8] = b"applied";

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
            dirty: std::sync::atomic::AtomicBool::new(false),
            journal: std::sync::OnceLock::new(),
            journal_path: path.with_file_name("journal"),
            db,
            trees,
            meta,
        })
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
        match self.meta.get(APPLIED_KEY)? {
            None => Ok(None),
            Some(bytes) => codec::decode(&bytes)
                .map(Some)
                .map_err(|source| IndexError::Record {
                    tree: "meta",
                    source,
                }),
        }
    }

    /// Puts the records of `entries` and then advances the applied mark.
    pub fn apply<'a>(
        &self,
        entries: impl IntoIterator<Item = (&'a Entry, AppliedMark)>,
    ) -> Result<(), IndexError> {
        let mut batches: Vec<sled::Batch> = TreeName::ALL
            .iter()
            .map(|_| sled::Batch::default())
            .collect();
        let mut last = None;
        let mut pending = 0usize;
        for (entry, mark) in entries {
            let place = LinePlace {
                start: mark.start,
                end: mark.end,
            };
            for record in records_for(entry, place)? {
                let position = TreeName::ALL
                    .iter()
                    .position(|tree| *tree == record.tree)
                    .expect("tree in ALL");
                batches[position].insert(record.key, record.value);
                pending += 1;
            }
            last = Some(mark);
            if pending >= 2_000 {
                self.flush_batches(&mut batches, last)?;
                pending = 0;
            }
        }
        self.flush_batches(&mut batches, last)
    }

    fn flush_batches(
        &self,
        batches: &mut [sled::Batch],
        mark: Option<AppliedMark>,
    ) -> Result<(), IndexError> {
        if mark.is_none() {
            return Ok(());
        }
        self.dirty.store(true, std::sync::atomic::Ordering::Relaxed);
        for (position, batch) in batches.iter_mut().enumerate() {
            self.trees[position].apply_batch(std::mem::take(batch))?;
        }
        if let Some(mark) = mark {
            let bytes = codec::encode(&mark).map_err(|source| IndexError::Record {
                tree: "meta",
                source,
            })?;
            self.meta.insert(APPLIED_KEY, bytes)?;
        }
        Ok(())
    }

    /// Writes sled's buffers to its files, if anything was written. A
    /// command that only read leaves sled's files as they were.
    pub fn flush(&self) -> Result<(), IndexError> {
        if self.dirty.load(std::sync::atomic::Ordering::Relaxed) {
            self.db.flush()?;
        }
        Ok(())
    }

    /// Flushes and closes the index. If this session wrote to it, reopens it
    /// once before returning: sled rewrites its snapshot on the first open
    /// after writes, and doing that now, under the store's lock, means a later
    /// command that only reads (or is refused) leaves sled's files untouched.
    pub fn close(self, path: &Path) -> Result<(), IndexError> {
        let dirty = self.dirty.load(std::sync::atomic::Ordering::Relaxed);
        self.flush()?;
        drop(self);
        if dirty {
            // sled releases its file lock only when its threads have let go of
            // the files, a moment after drop; retry briefly. Settling is only
            // for byte-stable files, so giving up is not an error.
            if let Ok(index) = Index::open(path) {
                drop(index);
            }
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
        self.dirty.store(true, std::sync::atomic::Ordering::Relaxed);
        self.tree(tree).insert(key, value)?;
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

    /// Returns a citation, read from the journal line its pointer names.
    pub fn citation(&self, id: &CitationId) -> Result<Option<CitationRecord>, IndexError> {
        let Some(pointer) = self.get::<CitationPointer>(TreeName::Citations, id.as_bytes())? else {
            return Ok(None);
        };
        let failed = |why: String| IndexError::Pointer {
            citation: *id,
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
        let entry = crate::journal::parse_entry(&line)
            .map_err(|why| failed(format!("is not an entry: {why}")))?;
        match entry.change {
            Change::Cite { citation, body } if citation == *id => Ok(Some(CitationRecord {
                id: citation,
                citation: body,
                seq: entry.seq,
                recorded: entry.time,
                actor: entry.actor,
            })),
            _ => Err(failed("does not record this citation".into())),
        }
    }

    /// Returns a citation's retraction, if it was retracted.
    pub fn retraction(&self, id: &CitationId) -> Result<Option<Retraction>, IndexError> {
        self.get(TreeName::Retractions, id.as_bytes())
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
            Some(key) => {
                let key = key?;
                let tail: [u8; 4] = key[key.len() - 4..]
                    .try_into()
                    .expect("revision keys end with 4 bytes");
                Ok(u32::from_be_bytes(tail))
            }
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
            let key = key?;
            let rest = &key[32..];
            let split = rest.len().saturating_sub(5);
            let doc = String::from_utf8_lossy(&rest[..split]).into_owned();
            let number: [u8; 4] = rest[split + 1..]
                .try_into()
                .expect("source_revisions keys end with 0x00 and 4 bytes");
            out.push((doc, u32::from_be_bytes(number)));
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
                let key = key?;
                let split = key.len() - 32;
                let id: [u8; 32] = key[split..]
                    .try_into()
                    .expect("claims_by_key keys end with a claim id");
                Ok((key[..split].to_vec(), ClaimId(id)))
            })
    }

    /// Returns the ids of the citations of a claim.
    pub fn citations_of_claim(&self, id: &ClaimId) -> Result<Vec<CitationId>, IndexError> {
        self.linked(b'c', id.as_bytes())
    }

    /// Returns the ids of the citations in a source.
    pub fn citations_of_source(&self, id: &SourceId) -> Result<Vec<CitationId>, IndexError> {
        self.linked(b's', id.as_bytes())
    }

    fn linked(&self, tag: u8, first: &[u8; 32]) -> Result<Vec<CitationId>, IndexError> {
        let mut prefix = vec![tag];
        prefix.extend_from_slice(first);
        self.tree(TreeName::Links)
            .scan_prefix(prefix)
            .keys()
            .map(|key| {
                let key = key?;
                let id: [u8; 32] = key[33..]
                    .try_into()
                    .expect("link keys are tag ‖ id ‖ citation id");
                Ok(CitationId(id))
            })
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
            (IdKind::Citation, TreeName::Citations),
        ] {
            for key in self.tree(tree).scan_prefix(&byte_prefix).keys() {
                let key = key?;
                if let Some(nibble) = odd {
                    if key.get(byte_prefix.len()).map(|byte| byte >> 4) != Some(nibble) {
                        continue;
                    }
                }
                let id: [u8; 32] = key
                    .as_ref()
                    .try_into()
                    .expect("primary keys are 32-byte ids");
                out.push((kind, id));
                if out.len() >= limit {
                    return Ok(out);
                }
            }
        }
        Ok(out)
    }
}
