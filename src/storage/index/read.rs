//! The queries: records by id, by document and revision, by claim key, citations through their
//! postings, ids by prefix.

use crate::model::{
    CaptureRecord, Change, CitationId, ClaimId, Entry, IdKind, LayerRecord, Retraction, SourceId,
    SourceRecord, Supersession,
};
use crate::storage::codec::{self};

use super::postings::ID_PREFIX_BYTES;
#[allow(unused_imports)]
use super::{
    claim_key_hash, claim_key_prefix, copy_dir, drift_key, encode, encode_postings, entry_records,
    is_lock_busy, keys, merkle_key, postings_for, revision_key, simulated_failure,
    supersession_records, writing_marker, AmendmentRecord, AppliedMark, Applier, Chunker,
    CitationPointer, CitationRecord, ClaimRecord, ConflictReviewRecord, DriftRecord, Family, Index,
    IndexError, LinePlace, MergeRecord, Posting, Record, ReviewRecord, RevisionRecord, Scratch,
    StoredSubtree, TreeName, APPLIED_KEY, CACHE_BYTES, CHUNK_ENTRIES, FRONTIER_KEY,
    LARGE_RECORD_BYTES, SWEEP_TOUCHES,
};

/// How many citations name each claim, by the bytes of its id the postings
/// keep (`Index::claim_citation_counts`).
#[derive(Debug, Default)]
pub struct ClaimCitationCounts {
    /// Each kept prefix with its count, sorted: 20 bytes a claim (and the
    /// room a growing vector keeps spare).
    counts: Vec<([u8; ID_PREFIX_BYTES], u32)>,
    /// Kept bytes more than one line that recorded a claim shares: two
    /// claims, or one recorded twice; only their lines tell them apart.
    shared: Vec<[u8; ID_PREFIX_BYTES]>,
}

impl ClaimCitationCounts {
    /// Returns how many citations name the claim `id`, or None when another
    /// claim may share the bytes of its id the postings keep (then only the
    /// citations' lines tell).
    pub fn of(&self, id: &ClaimId) -> Option<usize> {
        let mut key = [0u8; ID_PREFIX_BYTES];
        key.copy_from_slice(&id.as_bytes()[..ID_PREFIX_BYTES]);
        if self.shared.binary_search(&key).is_ok() {
            return None;
        }
        let at = self.counts.binary_search_by(|(kept, _)| kept.cmp(&key));
        Some(at.map_or(0, |at| self.counts[at].1 as usize))
    }

    /// Adds one bucket: the keys of its claims' postings (one per citation)
    /// and of the lines that recorded claims. Buckets come in order, each
    /// the first byte of its keys, so each one's counts, sorted, follow the
    /// last one's.
    pub(super) fn add_bucket(
        &mut self,
        cited: &[[u8; 32]],
        recorded: &[[u8; 32]],
    ) -> Result<(), IndexError> {
        let kept = |key: &[u8; 32]| -> [u8; ID_PREFIX_BYTES] {
            let mut kept = [0u8; ID_PREFIX_BYTES];
            kept.copy_from_slice(&key[..ID_PREFIX_BYTES]);
            kept
        };
        // A key out of its bucket's place would leave the vectors unsorted
        // and their searches wrong: refused, as damage.
        let out_of_place = || {
            IndexError::Key {
            tree: "postings",
            why: "a claim's posting is not in the bucket of its id's first byte; run `provdb reindex`"
                .into(),
        }
        };
        let mut cited: Vec<[u8; ID_PREFIX_BYTES]> = cited.iter().map(kept).collect();
        cited.sort_unstable();
        for run in cited.chunk_by(|a, b| a == b) {
            let count = u32::try_from(run.len()).map_err(|_| IndexError::Key {
                tree: "postings",
                why: "more than 4,294,967,295 citations of one claim".into(),
            })?;
            if self.counts.last().is_some_and(|(last, _)| *last >= run[0]) {
                return Err(out_of_place());
            }
            self.counts.push((run[0], count));
        }
        let mut recorded: Vec<[u8; ID_PREFIX_BYTES]> = recorded.iter().map(kept).collect();
        recorded.sort_unstable();
        for pair in recorded.windows(2) {
            if pair[0] == pair[1] && self.shared.last() != Some(&pair[0]) {
                if self.shared.last().is_some_and(|last| *last > pair[0]) {
                    return Err(out_of_place());
                }
                self.shared.push(pair[0]);
            }
        }
        Ok(())
    }
}

/// A citation as `Index::quotes_of_source` reads it: its id as its line
/// states it, and what it quotes.
#[derive(Debug, Clone)]
pub struct QuoteRecord {
    /// The id the line states (`verify` checks it against the content).
    pub id: CitationId,
    /// What the citation quotes, and where.
    pub citation: crate::model::Citation,
}

impl Index {
    /// Returns the stored value for a key, raw; for tests that compare or
    /// damage an index (`verify` reads every tree in key order instead).
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

    /// Returns how many records a tree holds, reading every one (sled keeps
    /// no count); for tests.
    pub fn tree_len(&self, tree: TreeName) -> Result<usize, IndexError> {
        let mut count = 0;
        for key in self.tree(tree).iter().keys() {
            key?;
            count += 1;
        }
        Ok(count)
    }

    /// Reads up to `limit` records of a tree in key order, after the key
    /// `after` (from the first when None), giving each key and value to
    /// `each`; returns the last key read, None when there was none. A tree
    /// read in parts lets the reader close and reopen the index between
    /// them (`Index::reopen`).
    pub fn visit_records_after(
        &self,
        tree: TreeName,
        after: Option<&[u8]>,
        limit: usize,
        each: &mut dyn FnMut(&[u8], &[u8]),
    ) -> Result<Option<Vec<u8>>, IndexError> {
        use std::ops::Bound;
        let from = match after {
            Some(key) => Bound::Excluded(key),
            None => Bound::Unbounded,
        };
        let mut last = None;
        for pair in self
            .tree(tree)
            .range::<&[u8], _>((from, Bound::Unbounded))
            .take(limit)
        {
            let (key, value) = pair?;
            each(&key, &value);
            last = Some(key);
        }
        Ok(last.map(|key| key.to_vec()))
    }

    /// Returns every key in a tree, in key order; for tests that compare two indexes.
    pub fn keys(&self, tree: TreeName) -> impl Iterator<Item = Result<Vec<u8>, IndexError>> + '_ {
        self.tree(tree)
            .iter()
            .keys()
            .map(|key| key.map(|key| key.to_vec()).map_err(IndexError::from))
    }

    pub(super) fn decode<T: serde::de::DeserializeOwned>(
        tree: TreeName,
        bytes: &[u8],
    ) -> Result<T, IndexError> {
        codec::decode(bytes).map_err(|source| IndexError::Record {
            tree: tree.name(),
            source,
        })
    }

    pub(super) fn get<T: serde::de::DeserializeOwned>(
        &self,
        tree: TreeName,
        key: &[u8],
    ) -> Result<Option<T>, IndexError> {
        match self.tree(tree).get(key)? {
            None => Ok(None),
            Some(bytes) => Self::decode(tree, &bytes).map(Some),
        }
    }

    /// Returns a source, read from the journal line that recorded it.
    pub fn source(&self, id: &SourceId) -> Result<Option<SourceRecord>, IndexError> {
        match self
            .pointers_in_order(Family::SourceEntry, id.as_bytes())?
            .first()
        {
            None => Ok(None),
            Some(&pointer) => self.read_source(pointer, id).map(Some),
        }
    }

    /// True when a source is recorded: its postings keep the whole id, so
    /// no line is read.
    pub fn has_source(&self, id: &SourceId) -> Result<bool, IndexError> {
        Ok(!self
            .postings(Family::SourceEntry, id.as_bytes())?
            .is_empty())
    }

    /// Returns the source recorded by the journal line at `pointer`, which
    /// its posting says records `id`.
    fn read_source(
        &self,
        pointer: CitationPointer,
        id: &SourceId,
    ) -> Result<SourceRecord, IndexError> {
        let at = || format!("source {id}");
        let (entry, recorded, actor) = self.entry_for(pointer, &at)?;
        match entry.change {
            Change::AddSource {
                source,
                size,
                meta,
                name,
            } if source == *id => Ok(SourceRecord {
                id: source,
                size,
                meta,
                name,
                seq: entry.seq,
                recorded,
                actor,
            }),
            _ => Err(not_named(pointer, &at())),
        }
    }

    /// Returns the postings of one bucket of a family, in every chunk.
    fn bucket_postings(
        &self,
        family: Family,
        bucket: u8,
        key: &[u8],
    ) -> Result<Vec<([u8; 32], CitationPointer)>, IndexError> {
        self.bucket_postings_read(family, bucket, key, 0)
    }

    /// Returns the postings of one bucket of a family, in every chunk,
    /// reading the key of each large chunk `touches` more times: for a read
    /// of every bucket, which passes each chunk once (`SWEEP_TOUCHES`).
    fn bucket_postings_read(
        &self,
        family: Family,
        bucket: u8,
        key: &[u8],
        touches: usize,
    ) -> Result<Vec<([u8; 32], CitationPointer)>, IndexError> {
        let tree = self.tree(family.tree());
        let mut out = Vec::new();
        for item in tree.scan_prefix(family.prefix(bucket)) {
            let (chunk, value) = item?;
            if value.len() >= LARGE_RECORD_BYTES {
                for _ in 0..touches {
                    tree.get(&chunk)?;
                }
            }
            out.extend(postings_for(family, &value, key)?);
        }
        Ok(out)
    }

    /// Returns every source id, in id order, with the line that first
    /// recorded it: from the postings alone, a bucket at a time.
    fn source_places(
        &self,
    ) -> impl Iterator<Item = Result<(SourceId, CitationPointer), IndexError>> + '_ {
        (0..=255u8).flat_map(move |bucket| match self.source_places_in_bucket(bucket) {
            Ok(places) => places.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(error) => vec![Err(error)],
        })
    }

    /// The sources whose id starts with the byte `bucket`, each with the
    /// first line that records it, in id order.
    fn source_places_in_bucket(
        &self,
        bucket: u8,
    ) -> Result<Vec<(SourceId, CitationPointer)>, IndexError> {
        let mut postings =
            self.bucket_postings_read(Family::SourceEntry, bucket, &[], SWEEP_TOUCHES)?;
        postings.sort_unstable_by_key(|(id, pointer)| (*id, pointer.start));
        postings.dedup_by_key(|(id, _)| *id);
        Ok(postings
            .into_iter()
            .map(|(id, pointer)| (SourceId(id), pointer))
            .collect())
    }

    /// Returns every source's id, the line that recorded it and how many
    /// citations it holds, in journal order (the order sources were
    /// recorded), without reading a line: each bucket's postings of sources
    /// and of their citations read once, about 56 bytes kept a source.
    pub fn source_places_counted(
        &self,
    ) -> Result<Vec<(SourceId, CitationPointer, usize)>, IndexError> {
        let mut out = Vec::new();
        let mut counts: std::collections::HashMap<[u8; 32], usize> =
            std::collections::HashMap::new();
        for bucket in 0..=255u8 {
            counts.clear();
            for (id, _) in self.bucket_postings_read(Family::Source, bucket, &[], SWEEP_TOUCHES)? {
                *counts.entry(id).or_default() += 1;
            }
            let mut places =
                self.bucket_postings_read(Family::SourceEntry, bucket, &[], SWEEP_TOUCHES)?;
            places.sort_unstable_by_key(|(id, pointer)| (*id, pointer.start));
            places.dedup_by_key(|(id, _)| *id);
            out.extend(places.into_iter().map(|(id, pointer)| {
                (SourceId(id), pointer, counts.get(&id).copied().unwrap_or(0))
            }));
        }
        out.sort_unstable_by_key(|(_, pointer, _)| pointer.start);
        Ok(out)
    }

    /// Returns the source a journal line records, read from that line
    /// (`pointer`, from `source_places_counted`).
    pub fn source_at(
        &self,
        pointer: CitationPointer,
        id: &SourceId,
    ) -> Result<SourceRecord, IndexError> {
        self.read_source(pointer, id)
    }

    /// Returns every source id, in id order, without reading a line.
    pub fn source_ids(&self) -> impl Iterator<Item = Result<SourceId, IndexError>> + '_ {
        self.source_places().map(|item| item.map(|(id, _)| id))
    }

    /// Returns the ids of the sources whose id starts with the byte
    /// `bucket`, in id order, without reading a line: `source_ids` one
    /// bucket at a time, so that a reader can close and reopen the index
    /// between buckets (`Index::reopen`).
    pub fn source_ids_in_bucket(&self, bucket: u8) -> Result<Vec<SourceId>, IndexError> {
        Ok(self
            .source_places_in_bucket(bucket)?
            .into_iter()
            .map(|(id, _)| id)
            .collect())
    }

    /// Returns a claim, read from the journal line that first recorded it.
    pub fn claim(&self, id: &ClaimId) -> Result<Option<ClaimRecord>, IndexError> {
        for (_, pointer) in self.postings(Family::ClaimEntry, id.as_bytes())? {
            let record = self.read_claim(pointer, Some(id))?;
            match named(
                Family::ClaimEntry,
                record.claim.id.as_bytes(),
                id.as_bytes(),
            ) {
                Named::Same => return Ok(Some(record)),
                Named::SharesPrefix => continue,
                Named::Other => return Err(not_named(pointer, &format!("claim {id}"))),
            }
        }
        Ok(None)
    }

    /// True when a claim is recorded. Its postings keep the first 16 bytes
    /// of its id, so a match is confirmed from the journal line it names.
    pub fn has_claim(&self, id: &ClaimId) -> Result<bool, IndexError> {
        Ok(self.claim(id)?.is_some())
    }

    /// Opens the journal beside the index once, for reading lines the
    /// postings name.
    fn journal_file(&self) -> Result<&std::fs::File, String> {
        self.journal
            .get_or_init(|| {
                std::fs::File::open(&self.journal_path)
                    .map_err(|error| format!("cannot be read: the journal does not open ({error})"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Returns the entry at `pointer` with when and by whom it was
    /// recorded; `at` names what was looked up, for the error.
    fn entry_for(
        &self,
        pointer: CitationPointer,
        at: &dyn Fn() -> String,
    ) -> Result<(Entry, String, String), IndexError> {
        let entry = self
            .entry_at(pointer)
            .map_err(|why| pointer_error(at(), pointer, why))?;
        let recorded = entry.recorded_at().to_string();
        let actor = entry.recorded_by().to_string();
        Ok((entry, recorded, actor))
    }

    /// Reads and parses the journal line at `pointer`, or says why it could not.
    fn entry_at(&self, pointer: CitationPointer) -> Result<Entry, String> {
        let mut line = Vec::new();
        self.line_at(pointer, &mut line)?;
        crate::storage::journal::parse_entry(&line).map_err(|why| format!("is not an entry: {why}"))
    }

    /// Reads the journal line at `pointer` into `line`, or says why it could not.
    fn line_at(&self, pointer: CitationPointer, line: &mut Vec<u8>) -> Result<(), String> {
        let file = self.journal_file()?;
        line.resize(pointer.len as usize, 0);
        std::os::unix::fs::FileExt::read_exact_at(file, line, pointer.start)
            .map_err(|error| format!("cannot be read ({error})"))
    }

    /// The journal places a family's postings list under `key` points to, in journal order.
    fn pointers_in_order(
        &self,
        family: Family,
        key: &[u8; 32],
    ) -> Result<Vec<CitationPointer>, IndexError> {
        let mut pointers: Vec<CitationPointer> = self
            .postings(family, key)?
            .into_iter()
            .map(|(_, pointer)| pointer)
            .collect();
        pointers.sort_unstable_by_key(|pointer| pointer.start);
        Ok(pointers)
    }

    /// Returns the claim recorded by the journal line at `pointer`; `id`, if
    /// given, is the claim looked up, named in any error (the caller compares
    /// it with the line's, `named`). A line whose claim no longer hashes to
    /// its id is refused, as a citation's is.
    pub(super) fn read_claim(
        &self,
        pointer: CitationPointer,
        id: Option<&ClaimId>,
    ) -> Result<ClaimRecord, IndexError> {
        let at = || id.map_or_else(|| "a claim".to_string(), |id| format!("claim {id}"));
        let failed = |why: String| pointer_error(at(), pointer, why);
        let (entry, recorded, actor) = self.entry_for(pointer, &at)?;
        match entry.change {
            Change::RecordClaim(claim)
                if crate::identity::expected_claim_id(&claim) != claim.id =>
            {
                Err(failed(format!(
                    "was altered: its subject, property, value or qualifiers no longer hash to claim id {}",
                    claim.id
                )))
            }
            Change::RecordClaim(claim) => Ok(ClaimRecord {
                claim,
                seq: entry.seq,
                recorded,
                actor,
            }),
            _ => Err(failed("does not record a claim".into())),
        }
    }

    /// Returns the postings for `key` in every chunk of one family, in chunk order.
    pub(super) fn postings(
        &self,
        family: Family,
        key: &[u8; 32],
    ) -> Result<Vec<([u8; 32], CitationPointer)>, IndexError> {
        self.bucket_postings(family, key[0], key)
    }

    /// Returns the citation recorded by the journal line at `pointer`; `id`,
    /// if given, is the citation looked up, named in any error (the caller
    /// compares it with the line's, `named`).
    pub(super) fn read_citation(
        &self,
        pointer: CitationPointer,
        id: Option<&CitationId>,
    ) -> Result<CitationRecord, IndexError> {
        let at = || id.map_or_else(|| "a citation".to_string(), |id| format!("citation {id}"));
        let failed = |why: String| pointer_error(at(), pointer, why);
        let (entry, recorded, actor) = self.entry_for(pointer, &at)?;
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
            } => Ok(CitationRecord {
                id: citation,
                citation: body,
                seq: entry.seq,
                recorded,
                actor,
                carried,
            }),
            _ => Err(failed("does not record a citation".into())),
        }
    }

    /// Returns a citation, read from the journal line the index points to.
    pub fn citation(&self, id: &CitationId) -> Result<Option<CitationRecord>, IndexError> {
        for (_, pointer) in self.postings(Family::Citation, id.as_bytes())? {
            let record = self.read_citation(pointer, Some(id))?;
            match named(Family::Citation, record.id.as_bytes(), id.as_bytes()) {
                Named::Same => return Ok(Some(record)),
                Named::SharesPrefix => continue,
                Named::Other => return Err(not_named(pointer, &format!("citation {id}"))),
            }
        }
        Ok(None)
    }

    /// Returns a citation's retraction, if it was retracted.
    pub fn retraction(&self, id: &CitationId) -> Result<Option<Retraction>, IndexError> {
        self.get(TreeName::Retractions, id.as_bytes())
    }

    /// Returns every retracted citation's id, in id order, with its
    /// retraction.
    pub fn retractions(
        &self,
    ) -> impl Iterator<Item = Result<(CitationId, Retraction), IndexError>> + '_ {
        self.tree(TreeName::Retractions).iter().map(|item| {
            let (key, value) = item?;
            let id: [u8; 32] = key.as_ref().try_into().map_err(|_| IndexError::Key {
                tree: "retractions",
                why: format!("a key of {} bytes is not a citation id", key.len()),
            })?;
            Ok((CitationId(id), Self::decode(TreeName::Retractions, &value)?))
        })
    }

    /// Returns how many citations name each claim, from the postings alone,
    /// without reading a line: each bucket of claims' postings, and of the
    /// lines that recorded them, read once; 20 bytes kept a claim, and the
    /// room a growing vector keeps spare.
    pub fn claim_citation_counts(&self) -> Result<ClaimCitationCounts, IndexError> {
        let mut counts = ClaimCitationCounts::default();
        for bucket in 0..=255u8 {
            let keys = |family| -> Result<Vec<[u8; 32]>, IndexError> {
                Ok(self
                    .bucket_postings_read(family, bucket, &[], SWEEP_TOUCHES)?
                    .into_iter()
                    .map(|(key, _)| key)
                    .collect())
            };
            counts.add_bucket(&keys(Family::Claim)?, &keys(Family::ClaimEntry)?)?;
        }
        Ok(counts)
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

    /// Returns the corrections of a source's metadata, oldest first.
    pub fn amendments_of(&self, source: &SourceId) -> Result<Vec<AmendmentRecord>, IndexError> {
        self.tree(TreeName::Amendments)
            .scan_prefix(source.as_bytes())
            .values()
            .map(|value| Self::decode(TreeName::Amendments, &value?))
            .collect()
    }

    /// Returns every conflict marked reviewed, in journal order.
    pub fn conflict_reviews(&self) -> Result<Vec<ConflictReviewRecord>, IndexError> {
        self.tree(TreeName::ConflictReviews)
            .iter()
            .values()
            .map(|value| Self::decode(TreeName::ConflictReviews, &value?))
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

    /// Returns the text layers derived from a source, oldest first.
    pub fn layers_of(&self, source: &SourceId) -> Result<Vec<LayerRecord>, IndexError> {
        self.tree(TreeName::Layers)
            .scan_prefix(source.as_bytes())
            .values()
            .map(|value| Self::decode(TreeName::Layers, &value?))
            .collect()
    }

    /// Returns every capture, in source order, then journal order.
    pub fn captures(&self) -> Result<Vec<CaptureRecord>, IndexError> {
        self.tree(TreeName::Captures)
            .iter()
            .values()
            .map(|value| Self::decode(TreeName::Captures, &value?))
            .collect()
    }

    /// Returns the captures of a source, oldest first.
    pub fn captures_of(&self, source: &SourceId) -> Result<Vec<CaptureRecord>, IndexError> {
        self.tree(TreeName::Captures)
            .scan_prefix(source.as_bytes())
            .values()
            .map(|value| Self::decode(TreeName::Captures, &value?))
            .collect()
    }

    /// Returns every text layer's object: objects the journal records
    /// besides the sources.
    pub fn layer_objects(&self) -> Result<std::collections::HashSet<SourceId>, IndexError> {
        self.tree(TreeName::Layers)
            .iter()
            .values()
            .map(|value| {
                Self::decode::<LayerRecord>(TreeName::Layers, &value?)
                    .map(|record| record.layer.layer)
            })
            .collect()
    }

    /// Returns the text layer quotes in a source are anchored in: the last
    /// derived, or None when the source is quoted as it is.
    pub fn layer_of(&self, source: &SourceId) -> Result<Option<LayerRecord>, IndexError> {
        Ok(self.layers_of(source)?.pop())
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

    /// Returns the slug of every document, in order.
    pub fn documents(&self) -> Result<Vec<String>, IndexError> {
        let mut docs: Vec<String> = Vec::new();
        for key in self.tree(TreeName::Revisions).iter().keys() {
            let (doc, _) = keys::decode_revision("revisions", &key?)?;
            if docs.last() != Some(&doc) {
                docs.push(doc);
            }
        }
        Ok(docs)
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

    /// Returns every source, in id order, each read from the journal line
    /// that recorded it.
    pub fn sources(&self) -> impl Iterator<Item = Result<SourceRecord, IndexError>> + '_ {
        self.source_places().map(|item| {
            let (id, pointer) = item?;
            self.read_source(pointer, &id)
        })
    }

    /// Returns the claims about a subject (and, if given, a property), in
    /// the order of their grouping key (`claim_key_prefix`), then id. Found by
    /// `claim_key_hash`, each read from its journal line and kept only if its
    /// keys are the ones asked for.
    pub fn claims_about(
        &self,
        subject: &str,
        property: Option<&str>,
    ) -> Result<Vec<(Vec<u8>, ClaimRecord)>, IndexError> {
        let hash = claim_key_hash(subject, property);
        let wanted = match property {
            Some(_) => &hash[..],
            None => &hash[..16],
        };
        let mut prefix = crate::text::normalize::identity_key(subject).into_bytes();
        prefix.push(0);
        if let Some(property) = property {
            prefix.extend(crate::text::normalize::identity_key(property).into_bytes());
            prefix.push(0);
        }
        let mut out = Vec::new();
        for (_, pointer) in self.bucket_postings(Family::ClaimKey, hash[0], wanted)? {
            let record = self.read_claim(pointer, None)?;
            let key = claim_key_prefix(&record.claim.subject, &record.claim.property);
            if key.starts_with(&prefix) {
                out.push((key, record));
            }
        }
        out.sort_by(|a, b| (&a.0, a.1.claim.id).cmp(&(&b.0, b.1.claim.id)));
        out.dedup_by(|a, b| a.1.claim.id == b.1.claim.id);
        Ok(out)
    }

    /// Returns every claim whose subject-and-property hash starts with the
    /// byte `bucket`, with its grouping key, in key order, then id: calling it
    /// for buckets 0 to 255 visits every claim once, a 256th at a time, and
    /// claims with the same subject and property always fall in one bucket.
    pub fn claims_in_bucket(&self, bucket: u8) -> Result<Vec<(Vec<u8>, ClaimRecord)>, IndexError> {
        let mut out = Vec::new();
        // A whole bucket: each chunk is passed once (`SWEEP_TOUCHES`).
        for (_, pointer) in
            self.bucket_postings_read(Family::ClaimKey, bucket, &[], SWEEP_TOUCHES)?
        {
            let record = self.read_claim(pointer, None)?;
            out.push((
                claim_key_prefix(&record.claim.subject, &record.claim.property),
                record,
            ));
        }
        out.sort_by(|a, b| (&a.0, a.1.claim.id).cmp(&(&b.0, b.1.claim.id)));
        out.dedup_by(|a, b| a.1.claim.id == b.1.claim.id);
        Ok(out)
    }

    /// Returns what `claims_in_bucket` does, each claim as its grouping key,
    /// its id and the line that records it (for `claim_at`) instead of its
    /// record: for a list of every claim in key order, sorted a bucket at a
    /// time and merged, that holds one bucket's records at once.
    pub fn claim_places_in_bucket(
        &self,
        bucket: u8,
    ) -> Result<Vec<(Vec<u8>, ClaimId, CitationPointer)>, IndexError> {
        let mut out = Vec::new();
        for (_, pointer) in
            self.bucket_postings_read(Family::ClaimKey, bucket, &[], SWEEP_TOUCHES)?
        {
            let record = self.read_claim(pointer, None)?;
            out.push((
                claim_key_prefix(&record.claim.subject, &record.claim.property),
                record.claim.id,
                pointer,
            ));
        }
        out.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        out.dedup_by(|a, b| a.1 == b.1);
        Ok(out)
    }

    /// Returns the claim the line at `pointer` records, checked to be claim
    /// `id` (a place `claim_places_in_bucket` gave).
    pub fn claim_at(
        &self,
        pointer: CitationPointer,
        id: &ClaimId,
    ) -> Result<ClaimRecord, IndexError> {
        let record = self.read_claim(pointer, Some(id))?;
        if record.claim.id != *id {
            return Err(pointer_error(
                format!("claim {id}"),
                pointer,
                format!("records claim {} instead", record.claim.id),
            ));
        }
        Ok(record)
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

    /// The citations of a source in journal order, each read only for what
    /// checking its quote needs: the line's citation fields, read straight
    /// into them, without parsing the whole entry or hashing its id again.
    /// For `verify`, which as it walks the journal checks every line in
    /// full (its form and its id) and every posting against the line it
    /// points to; every other reader goes through `citations_of_source`.
    pub fn quotes_of_source(&self, id: &SourceId) -> Result<Vec<QuoteRecord>, IndexError> {
        /// The fields of a `cite` entry's change that a quote check reads;
        /// the others are skipped.
        #[derive(serde::Deserialize)]
        struct QuoteLine {
            change: QuoteChange,
        }
        #[derive(serde::Deserialize)]
        struct QuoteChange {
            op: String,
            citation: CitationId,
            claim: ClaimId,
            source: SourceId,
            selector: crate::model::Selector,
            stance: crate::model::Stance,
            value_not_in_quote: bool,
            #[serde(default)]
            layer: Option<crate::model::InLayer>,
        }
        let mut line = Vec::new();
        self.pointers_in_order(Family::Source, id.as_bytes())?
            .into_iter()
            .map(|pointer| {
                let failed = |why: String| pointer_error("a citation".into(), pointer, why);
                self.line_at(pointer, &mut line).map_err(failed)?;
                let QuoteLine { change } = serde_json::from_slice(&line)
                    .map_err(|error| failed(format!("is not a citation entry: {error}")))?;
                if change.op != "cite" {
                    return Err(failed("does not record a citation".into()));
                }
                Ok(QuoteRecord {
                    id: change.citation,
                    citation: crate::model::Citation {
                        claim: change.claim,
                        source: change.source,
                        selector: change.selector,
                        stance: change.stance,
                        value_not_in_quote: change.value_not_in_quote,
                        layer: change.layer,
                    },
                })
            })
            .collect()
    }

    /// Returns the citations a family's postings list under `key` (a
    /// claim's or a source's id), read from their lines: each line must cite
    /// that claim or source, except a line of another claim whose id shares
    /// the bytes the postings keep, which is passed over.
    pub(super) fn cited(
        &self,
        family: Family,
        key: &[u8; 32],
    ) -> Result<Vec<CitationRecord>, IndexError> {
        let mut out = Vec::new();
        for pointer in self.pointers_in_order(family, key)? {
            let record = self.read_citation(pointer, None)?;
            let named_by = match family {
                Family::Source => record.citation.source.as_bytes(),
                _ => record.citation.claim.as_bytes(),
            };
            match named(family, named_by, key) {
                Named::Same => out.push(record),
                Named::SharesPrefix => {}
                Named::Other => {
                    let named_id = crate::model::SourceId(*key).to_hex();
                    return Err(not_named(pointer, &format!("a citation of {named_id}")));
                }
            }
        }
        Ok(out)
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
        // Every id is inside the postings of the buckets the prefix allows.
        let buckets: Vec<u8> = match (byte_prefix.first(), odd) {
            (Some(&first), _) => vec![first],
            (None, Some(nibble)) => (0..16).map(|low| (nibble << 4) | low).collect(),
            (None, None) => (0..=255).collect(),
        };
        let nibble_at = byte_prefix.len();
        // Source postings keep the whole id: no line is read.
        let mut sources = std::collections::BTreeSet::new();
        for &bucket in &buckets {
            for (id, _) in self.bucket_postings(Family::SourceEntry, bucket, &byte_prefix)? {
                if odd
                    .is_none_or(|nibble| id.get(nibble_at).is_some_and(|byte| byte >> 4 == nibble))
                {
                    sources.insert(id);
                }
            }
        }
        for id in sources {
            if out.len() >= limit {
                return Ok(out);
            }
            out.push((IdKind::Source, id));
        }
        for (kind, family) in [
            (IdKind::Claim, Family::ClaimEntry),
            (IdKind::Citation, Family::Citation),
        ] {
            // The postings keep an id's first bytes; each whole id is read
            // from the line a matching posting names, so a prefix longer
            // than the postings keep is checked against whole ids.
            let kept = family.key_bytes();
            let mut ids = std::collections::BTreeSet::new();
            for &bucket in &buckets {
                for (part, pointer) in self.bucket_postings(family, bucket, &byte_prefix)? {
                    if nibble_at < kept && odd.is_some_and(|nibble| part[nibble_at] >> 4 != nibble)
                    {
                        continue;
                    }
                    let id = match family {
                        Family::ClaimEntry => *self.read_claim(pointer, None)?.claim.id.as_bytes(),
                        _ => *self.read_citation(pointer, None)?.id.as_bytes(),
                    };
                    if id[..kept] != part[..kept] {
                        let named_id = crate::model::SourceId(part).to_hex();
                        return Err(not_named(
                            pointer,
                            &format!("the id starting {}", &named_id[..2 * kept]),
                        ));
                    }
                    let odd_matches = odd.is_none_or(|nibble| {
                        id.get(nibble_at).is_some_and(|byte| byte >> 4 == nibble)
                    });
                    if id.starts_with(&byte_prefix) && odd_matches {
                        ids.insert(id);
                    }
                }
            }
            for id in ids {
                if out.len() >= limit {
                    return Ok(out);
                }
                out.push((kind, id));
            }
        }
        Ok(out)
    }
}

/// How the id a journal line names stands to the id a posting was looked up by.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Named {
    /// The same id.
    Same,
    /// Another id that shares the bytes the family's postings keep: the
    /// posting is another record's, and the reader passes over it.
    SharesPrefix,
    /// An id the posting could not have been found by: the index is damaged.
    Other,
}

/// Returns how the id a line names (`found`) stands to `wanted`, for a
/// posting of `family`.
pub(super) fn named(family: Family, found: &[u8; 32], wanted: &[u8; 32]) -> Named {
    let kept = family.key_bytes();
    if found == wanted {
        Named::Same
    } else if found[..kept] == wanted[..kept] {
        Named::SharesPrefix
    } else {
        Named::Other
    }
}

/// Returns the error for a posting whose line names neither `what` nor an
/// id that shares the bytes the postings keep.
fn not_named(pointer: CitationPointer, what: &str) -> IndexError {
    pointer_error(what.to_string(), pointer, "does not record it".into())
}

/// Returns the error for the journal line at `pointer`, read for `at`.
fn pointer_error(at: String, pointer: CitationPointer, why: String) -> IndexError {
    IndexError::Pointer {
        at,
        start: pointer.start,
        why,
    }
}
