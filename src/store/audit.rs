//! Audit: the journal's Merkle tree head and the checkpoints taken of it.

use std::path::Path;

use super::{io_error, now_rfc3339, Store, StoreError};
use crate::checkpoints::{self, Checkpoint};
use crate::merkle::{Blake3, Digest};
use crate::model::Change;

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
