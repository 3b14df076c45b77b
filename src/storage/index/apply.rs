//! The applier: each journal entry's records (`entry_records`), written to sled in bounded batches,
//! with the applied mark and Merkle frontier kept in `meta`.

use crate::model::{CaptureRecord, Change, Entry, LayerRecord, Retraction, Supersession};
use crate::storage::codec::{self, CodecError};

#[allow(unused_imports)]
use super::{
    claim_key_prefix, copy_dir, drift_key, encode, encode_postings, is_lock_busy, merkle_key,
    postings_for, revision_key, simulated_failure, writing_marker, AmendmentRecord, AppliedMark,
    Chunker, CitationPointer, CitationRecord, ClaimRecord, ConflictReviewRecord, DriftRecord,
    Family, Index, IndexError, LinePlace, MergeRecord, Posting, Record, ReviewRecord,
    RevisionRecord, Scratch, StoredSubtree, TreeName, APPLIED_KEY, CACHE_BYTES, CHUNK_ENTRIES,
    FRONTIER_KEY, LARGE_RECORD_BYTES, SWEEP_TOUCHES,
};

/// The two records of a supersession: one under each citation it names.
pub(super) fn supersession_records(value: &Supersession) -> Result<Vec<Record>, IndexError> {
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
pub(super) fn entry_records(entry: &Entry) -> Result<Vec<Record>, IndexError> {
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
        // A chunk's sources are indexed together, as its claims are, by
        // `Chunker`; a source's record is read back from its line.
        Change::AddSource { .. } => Vec::new(),
        Change::DeriveText(layer) => {
            let value = LayerRecord {
                layer: layer.clone(),
                seq: entry.seq,
                recorded: time,
                actor,
            };
            let mut key = layer.source.as_bytes().to_vec();
            key.extend_from_slice(&entry.seq.to_be_bytes());
            vec![record(
                TreeName::Layers,
                key,
                encode(TreeName::Layers, &value)?,
            )]
        }
        Change::Capture(capture) => {
            let value = CaptureRecord {
                capture: capture.clone(),
                seq: entry.seq,
                recorded: time,
                actor,
            };
            let mut key = capture.source.as_bytes().to_vec();
            key.extend_from_slice(&entry.seq.to_be_bytes());
            vec![record(
                TreeName::Captures,
                key,
                encode(TreeName::Captures, &value)?,
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
        // A chunk's claims are indexed together, as its citations are, by
        // `Chunker`.
        Change::RecordClaim(_) => Vec::new(),
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
        Change::Amend {
            source,
            meta,
            reason,
        } => {
            let value = AmendmentRecord {
                source: *source,
                meta: meta.clone(),
                reason: reason.clone(),
                seq: entry.seq,
                recorded: time,
                actor,
            };
            let mut key = source.as_bytes().to_vec();
            key.extend_from_slice(&entry.seq.to_be_bytes());
            vec![record(
                TreeName::Amendments,
                key,
                encode(TreeName::Amendments, &value)?,
            )]
        }
        Change::ReviewConflict(review) => {
            let value = ConflictReviewRecord {
                review: review.clone(),
                seq: entry.seq,
                recorded: time,
                actor,
            };
            vec![record(
                TreeName::ConflictReviews,
                entry.seq.to_be_bytes().to_vec(),
                encode(TreeName::ConflictReviews, &value)?,
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
    /// The tree and key of each large record in the batches, read again
    /// once they are written (`SWEEP_TOUCHES`).
    large: Vec<(usize, Vec<u8>)>,
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
            if record.value.len() >= LARGE_RECORD_BYTES {
                self.large.push((position, record.key.clone()));
            }
            self.batches[position].insert(record.key, record.value);
            if self.full() {
                // Mid-chunk: the records go, the mark waits for the chunk's end.
                self.flush(None)?;
            }
        }
        if ends {
            self.mark = Some((mark, self.chunker.frontier().clone()));
        }
        if self.full() || (ends && self.pending == 0) {
            let mark = self.mark.take();
            self.flush(mark)?;
        }
        Ok(())
    }

    /// Writes the batches (and `mark`, if any), then reads each large
    /// record's key `SWEEP_TOUCHES` times: a chunk is written once, and the
    /// pages of chunks written once each would stay uncounted against sled's
    /// cache bound (`SWEEP_TOUCHES`).
    fn flush(
        &mut self,
        mark: Option<(AppliedMark, crate::audit::merkle::Frontier)>,
    ) -> Result<(), IndexError> {
        self.index.flush_batches(&mut self.batches, mark)?;
        self.pending = 0;
        self.pending_bytes = 0;
        for (position, key) in self.large.drain(..) {
            for _ in 0..SWEEP_TOUCHES {
                self.index.trees[position].get(&key)?;
            }
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
            let mark = self.mark.take();
            self.flush(mark)?;
        }
        Ok(())
    }
}

impl Index {
    /// Returns the last entry applied, if any.
    pub fn applied(&self) -> Result<Option<AppliedMark>, IndexError> {
        self.meta_record(APPLIED_KEY)
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
            large: Vec::new(),
        })
    }

    pub(super) fn flush_batches(
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

    /// Makes the in-progress marker durable before this session's first write.
    pub(super) fn begin_writing(&self) -> Result<(), IndexError> {
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
}
