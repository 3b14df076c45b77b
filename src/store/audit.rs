//! Audit: the journal's Merkle tree head and the checkpoints taken of it.

use std::path::Path;

use super::{io_error, now_rfc3339, Store, StoreError};
use crate::checkpoints::{self, Checkpoint};
use crate::merkle::{Blake3, Digest};
use crate::model::Change;
use crate::proofs::{ConsistencyProof, InclusionProof};

impl Store {
    /// The store's id, from its first journal entry.
    pub fn store_id(&self) -> Result<String, StoreError> {
        let first = self.journal.line_at(0)?.parse()?;
        match first.change {
            Change::Init { store, .. } => Ok(store),
            _ => Err(StoreError::ChainBroken {
                seq: first.seq,
                offset: 0,
            }),
        }
    }

    /// The journal's tree head: its size and root.
    pub fn tree_head(&self) -> Result<(u64, Digest), StoreError> {
        let frontier = self
            .index
            .frontier()?
            .ok_or_else(|| StoreError::IndexOutOfStep {
                why: "the index holds no Merkle frontier".into(),
            })?;
        if frontier.size != self.journal.last_seq() {
            return Err(StoreError::IndexOutOfStep {
                why: format!(
                    "the index's Merkle tree has {} entries but the journal {}",
                    frontier.size,
                    self.journal.last_seq()
                ),
            });
        }
        Ok((frontier.size, frontier.root(&Blake3)))
    }

    /// Takes a checkpoint of the journal as it stands and keeps it (unless
    /// the last one kept is of the same tree).
    pub fn checkpoint(&mut self, actor: &str) -> Result<Checkpoint, StoreError> {
        let (size, root) = self.tree_head()?;
        let checkpoint = Checkpoint {
            origin: format!("provdb/{}", self.store_id()?),
            size,
            root: checkpoints::encode_root(&root),
            time: now_rfc3339(),
            actor: actor.to_string(),
        };
        let kept = self.checkpoints()?;
        let same = kept
            .last()
            .is_some_and(|last| last.size == size && last.root == checkpoint.root);
        if same {
            return Ok(kept.last().cloned().unwrap_or(checkpoint));
        }
        checkpoints::append(&self.root, &checkpoint)
            .map_err(io_error("appending to", &self.root.join(checkpoints::FILE)))?;
        Ok(checkpoint)
    }

    /// Every checkpoint kept, oldest first.
    pub fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        checkpoints::read(&self.root)
            .map_err(io_error("reading", &self.root.join(checkpoints::FILE)))
    }
}

/// Reads the checkpoints of the store at `root` without opening it (verify).
pub fn read_checkpoints(root: &Path) -> Result<Vec<Checkpoint>, StoreError> {
    checkpoints::read(root).map_err(io_error("reading", &root.join(checkpoints::FILE)))
}

impl Store {
    /// The hash of the leaves `range`, from stored subtrees where the range
    /// is one, from one block's journal lines where it lies in one block,
    /// else `None` (split further). `blocks` caches block leaf hashes.
    fn subtree(
        &self,
        range: std::ops::Range<u64>,
        blocks: &mut std::collections::HashMap<u64, Vec<Digest>>,
    ) -> Result<Option<Digest>, StoreError> {
        use crate::merkle::{MemoryTree, BLOCK_LEAVES, BLOCK_LEVEL};
        let width = range.end - range.start;
        if width >= BLOCK_LEAVES && width.is_power_of_two() && range.start.is_multiple_of(width) {
            let level = width.trailing_zeros() as u8;
            return match self.index.merkle_node(level, range.start / width)? {
                Some((hash, _)) => Ok(Some(hash)),
                None => Err(StoreError::IndexOutOfStep {
                    why: format!(
                        "the Merkle subtree of entries {}..{} is not in the index",
                        range.start + 1,
                        range.end
                    ),
                }),
            };
        }
        let block = range.start / BLOCK_LEAVES;
        if block != (range.end - 1) / BLOCK_LEAVES {
            return Ok(None);
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = blocks.entry(block) {
            let leaves = match self.index.merkle_node(BLOCK_LEVEL, block)? {
                Some((_, Some((start, end)))) => {
                    let mut leaves = Vec::new();
                    for line in self.journal.lines_from(start)? {
                        let line = line?;
                        if line.start >= end {
                            break;
                        }
                        leaves.push(line.leaf());
                    }
                    leaves
                }
                _ => {
                    let frontier = self.index.frontier()?.unwrap_or_default();
                    if frontier.size / BLOCK_LEAVES != block {
                        return Err(StoreError::IndexOutOfStep {
                            why: format!("block {block} of the Merkle tree is not in the index"),
                        });
                    }
                    frontier.block
                }
            };
            slot.insert(leaves);
        }
        let leaves = &blocks[&block];
        let offset = block * BLOCK_LEAVES;
        let (from, to) = (
            (range.start - offset) as usize,
            (range.end - offset) as usize,
        );
        if to > leaves.len() {
            return Err(StoreError::IndexOutOfStep {
                why: format!(
                    "block {block} of the Merkle tree holds {} lines",
                    leaves.len()
                ),
            });
        }
        let part = MemoryTree {
            leaves: leaves[from..to].to_vec(),
        };
        Ok(Some(part.root(&Blake3, (to - from) as u64)))
    }

    /// Picks a kept checkpoint by size, or takes one of the log as it stands.
    pub fn checkpoint_for(
        &mut self,
        size: Option<u64>,
        actor: &str,
    ) -> Result<Checkpoint, StoreError> {
        match size {
            None => self.checkpoint(actor),
            Some(size) => self
                .checkpoints()?
                .into_iter()
                .rev()
                .find(|checkpoint| checkpoint.size == size)
                .ok_or_else(|| StoreError::BadText {
                    field: "--checkpoint",
                    why: format!(
                        "no checkpoint of size {size} is kept; list them with `provdb checkpoints`"
                    ),
                }),
        }
    }

    /// Proves that entry `seq` is in `checkpoint`'s tree.
    pub fn prove_entry(
        &self,
        seq: u64,
        checkpoint: &Checkpoint,
    ) -> Result<InclusionProof, StoreError> {
        if seq == 0 || seq > checkpoint.size {
            return Err(StoreError::BadText {
                field: "--checkpoint",
                why: format!(
                    "entry {seq} is not in the checkpoint of size {}; take a newer one with `provdb checkpoint`",
                    checkpoint.size
                ),
            });
        }
        let mut blocks = std::collections::HashMap::new();
        let mut source = |range| self.subtree(range, &mut blocks);
        let path = crate::merkle::inclusion_proof(&Blake3, seq - 1, checkpoint.size, &mut source)?;
        let line = self.line_of(seq)?;
        Ok(InclusionProof {
            kind: "provdb.inclusion".into(),
            v: 1,
            line,
            leaf_index: seq - 1,
            checkpoint: checkpoint.into(),
            proof: path.iter().map(checkpoints::encode_root).collect(),
        })
    }

    /// Proves that checkpoint `new` extends checkpoint `old`.
    pub fn prove_consistency(
        &self,
        old: &Checkpoint,
        new: &Checkpoint,
    ) -> Result<ConsistencyProof, StoreError> {
        if old.size > new.size {
            return Err(StoreError::BadText {
                field: "--consistency",
                why: format!(
                    "the first checkpoint (size {}) is newer than the second (size {}); give the older first",
                    old.size, new.size
                ),
            });
        }
        let mut blocks = std::collections::HashMap::new();
        let mut source = |range| self.subtree(range, &mut blocks);
        let path = crate::merkle::consistency_proof(&Blake3, old.size, new.size, &mut source)?;
        Ok(ConsistencyProof {
            kind: "provdb.consistency".into(),
            v: 1,
            old: old.into(),
            new: new.into(),
            proof: path.iter().map(checkpoints::encode_root).collect(),
        })
    }

    /// The journal line of entry `seq`, without its newline.
    fn line_of(&self, seq: u64) -> Result<String, StoreError> {
        use crate::merkle::{BLOCK_LEAVES, BLOCK_LEVEL};
        // Start from the block's first line when the block is stored, else
        // from the partial block's start.
        let block = (seq - 1) / BLOCK_LEAVES;
        let (start, first_seq) = match self.index.merkle_node(BLOCK_LEVEL, block)? {
            Some((_, Some((start, _)))) => (start, block * BLOCK_LEAVES + 1),
            _ => {
                let frontier = self.index.frontier()?.unwrap_or_default();
                (
                    frontier.block_start,
                    (frontier.size / BLOCK_LEAVES) * BLOCK_LEAVES + 1,
                )
            }
        };
        for (at, line) in self.journal.lines_from(start)?.enumerate() {
            let line = line?;
            if first_seq + at as u64 == seq {
                let text = String::from_utf8_lossy(&line.bytes);
                return Ok(text.trim_end_matches('\n').to_string());
            }
        }
        Err(StoreError::IndexOutOfStep {
            why: format!("journal entry {seq} was not found where the Merkle tree puts it"),
        })
    }

    /// The journal entry that recorded a source, revision, claim or citation.
    pub fn entry_of(&self, text: &str) -> Result<(u64, String), StoreError> {
        if let Some(record) = self.resolve_revision(text)? {
            return Ok((
                record.seq,
                format!(
                    "revision {}@{}",
                    record.revision.doc, record.revision.number
                ),
            ));
        }
        let (kind, id) = self.resolve(text)?;
        let missing = || StoreError::UnknownId { text: text.into() };
        Ok(match kind {
            crate::model::IdKind::Source => {
                let record = self
                    .index
                    .source(&crate::model::SourceId(id))?
                    .ok_or_else(missing)?;
                (record.seq, format!("source {}", record.id.short()))
            }
            crate::model::IdKind::Claim => {
                let record = self
                    .index
                    .claim(&crate::model::ClaimId(id))?
                    .ok_or_else(missing)?;
                (record.seq, format!("claim {}", record.claim.id.short()))
            }
            crate::model::IdKind::Citation => {
                let record = self
                    .index
                    .citation(&crate::model::CitationId(id))?
                    .ok_or_else(missing)?;
                (record.seq, format!("citation {}", record.id.short()))
            }
        })
    }
}
