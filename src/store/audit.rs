//! The store's audit operations: the journal's Merkle tree head and the checkpoints taken of
//! it, inclusion and consistency proofs built from stored subtrees, citation receipts (checked
//! before they are handed out), manifests of objects and revisions, and `check`.

use std::path::Path;

use super::field::Field;
use super::{io_error, now_rfc3339, Store, StoreError};
use crate::audit::checkpoints::{self, Checkpoint};
use crate::audit::merkle::{Digest, TreeHash, LOG_TREE};
use crate::audit::note::{Note, SigningKey, VerifierKey};
use crate::audit::proofs::{ConsistencyProof, InclusionProof};
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
        Ok((frontier.size, frontier.root(&LOG_TREE)))
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
            hash: LOG_TREE,
            ..Checkpoint::default()
        };
        let kept = self.checkpoints()?;
        let same = kept.last().is_some_and(|last| {
            last.size == size && last.root == checkpoint.root && last.origin == checkpoint.origin
        });
        if same {
            return Ok(kept.last().cloned().unwrap_or(checkpoint));
        }
        self.writable()?;
        checkpoints::append(&self.root, &checkpoint)
            .map_err(io_error("appending to", &self.root.join(checkpoints::FILE)))?;
        Ok(checkpoint)
    }

    /// Every checkpoint kept, oldest first.
    pub fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        read_checkpoints(&self.root)
    }

    /// Takes a checkpoint signed with `key` (its origin is the key's name),
    /// submits it to each witness in turn (C2SP tlog-witness), and keeps it
    /// with every cosignature obtained. A witness that refuses or does not
    /// answer is reported in the outcomes; the checkpoint is kept all the
    /// same, signed by the log. Re-signing an unchanged log adds to the
    /// checkpoint already kept only cosignatures it lacks.
    pub fn checkpoint_signed(
        &mut self,
        actor: &str,
        key: &SigningKey,
        witnesses: &[WitnessTarget],
        timeout: std::time::Duration,
        tsa: Option<(&str, std::time::Duration)>,
    ) -> Result<Signed, StoreError> {
        let (size, root) = self.tree_head()?;
        let vkey = key.verifier();
        if vkey.is_witness() {
            return Err(StoreError::BadText {
                field: Field::Key,
                why: format!(
                    "{} is a witness's cosignature key; sign checkpoints with a log key (provdb key generate NAME, without --witness)",
                    key.name
                ),
            });
        }
        let mut checkpoint = Checkpoint {
            origin: key.name.clone(),
            size,
            root: checkpoints::encode_root(&root),
            time: now_rfc3339(),
            actor: actor.to_string(),
            hash: LOG_TREE,
            note: None,
            key: Some(vkey.text()),
            timestamp: None,
        };
        let kept = self.checkpoints()?;
        let mine = |other: &Checkpoint| {
            other.origin == checkpoint.origin && other.key.as_deref() == Some(&vkey.text())
        };
        let same = kept.last().filter(|last| {
            mine(last) && last.size == size && last.root == checkpoint.root && last.note.is_some()
        });
        let mut note = match same.and_then(|last| Note::parse(last.note.as_deref()?).ok()) {
            Some(note) => note,
            None => {
                let text = checkpoint.text();
                Note {
                    signatures: vec![key.sign(&text, 0)],
                    text,
                }
            }
        };
        let before = note.signatures.len();
        let mut outcomes = Vec::new();
        for witness in witnesses {
            if note.signatures.iter().any(|line| witness.key.matches(line)) {
                outcomes.push(WitnessOutcome {
                    witness: witness.clone(),
                    result: Ok("had already cosigned this checkpoint".into()),
                });
                continue;
            }
            // The size this witness last cosigned, as far as this store knows.
            let old = kept
                .iter()
                .rev()
                .filter(|other| mine(other))
                .find_map(|other| {
                    let parsed = Note::parse(other.note.as_deref()?).ok()?;
                    parsed
                        .signatures
                        .iter()
                        .any(|line| witness.key.matches(line))
                        .then_some(other.size)
                })
                .unwrap_or(0);
            let result = self.submit(&note, size, old, witness, timeout);
            outcomes.push(WitnessOutcome {
                witness: witness.clone(),
                result: result.map(|lines| {
                    let said = format!(
                        "cosigned ({} signature line{})",
                        lines.len(),
                        if lines.len() == 1 { "" } else { "s" }
                    );
                    note.signatures.extend(lines);
                    said
                }),
            });
        }
        let unchanged = note.signatures.len() == before;
        let text = note.text_with_signatures();
        // A time-stamp token over the note as kept: asked for when wanted
        // and the note has none (a note that gained cosignatures is a new
        // note, and its old token stamps the old one).
        let mut stamped = None;
        if let Some(same) = same.filter(|_| unchanged) {
            if tsa.is_none() || same.timestamp.is_some() {
                return Ok(Signed {
                    checkpoint: same.clone(),
                    witnesses: outcomes,
                    timestamp: None,
                });
            }
        }
        if let Some((url, tsa_timeout)) = tsa {
            match ask_tsa(url, text.as_bytes(), tsa_timeout) {
                Ok((token, what)) => {
                    checkpoint.timestamp = Some(base64::Engine::encode(
                        &base64::engine::general_purpose::STANDARD,
                        token,
                    ));
                    stamped = Some(Ok(what));
                }
                Err(why) => stamped = Some(Err(why)),
            }
        }
        checkpoint.note = Some(text);
        self.writable()?;
        checkpoints::append(&self.root, &checkpoint)
            .map_err(io_error("appending to", &self.root.join(checkpoints::FILE)))?;
        Ok(Signed {
            checkpoint,
            witnesses: outcomes,
            timestamp: stamped,
        })
    }

    /// Submits a signed checkpoint to one witness: from the size it is
    /// believed to hold, and once more from the size it says it holds.
    fn submit(
        &self,
        note: &Note,
        size: u64,
        mut old: u64,
        witness: &WitnessTarget,
        timeout: std::time::Duration,
    ) -> Result<Vec<crate::audit::note::Signature>, String> {
        for attempt in 0..2 {
            let proof = if old == 0 || old >= size {
                Vec::new()
            } else {
                self.consistency_path(old, size)
                    .map_err(|error| error.to_string())?
            };
            let request = crate::witness::AddCheckpoint {
                old,
                proof,
                note: note.text_with_signatures(),
            };
            let reply =
                crate::witness::http::post_add_checkpoint(&witness.url, &request.body(), timeout)?;
            let first_line = reply
                .body
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_string();
            match reply.status {
                200 => {
                    return crate::witness::read_cosignatures(&reply.body, &note.text, &witness.key)
                }
                409 if attempt == 0 => {
                    let held: u64 = first_line
                        .parse()
                        .ok()
                        .filter(|_| reply.content_type.starts_with("text/x.tlog.size"))
                        .ok_or_else(|| {
                            format!("answered 409 without a size (text/x.tlog.size): {first_line:?}")
                        })?;
                    if held > size {
                        return Err(format!(
                            "it has cosigned a checkpoint of size {held}, larger than this log's {size}: it was shown another history of this log"
                        ));
                    }
                    old = held;
                }
                409 => return Err(format!("answered 409 twice (it now holds size {first_line})")),
                404 => return Err(format!("does not know the log {} (404): add its verifier key with --log", note.text.lines().next().unwrap_or_default())),
                403 => return Err(format!("refused the log's signature (403): {first_line}")),
                422 => return Err(format!("found the checkpoint inconsistent with the one of size {old} it cosigned (422): it has seen another history of this log, or this log was rewritten")),
                status => return Err(format!("answered {status}: {first_line}")),
            }
        }
        Err("answered 409 twice".into())
    }

    /// The RFC 6962 consistency path of the log tree from size `old` to `new`.
    pub fn consistency_path(&self, old: u64, new: u64) -> Result<Vec<Digest>, StoreError> {
        let mut blocks = std::collections::HashMap::new();
        let mut source = |range| self.subtree(range, &mut blocks);
        crate::audit::merkle::consistency_proof(&LOG_TREE, old, new, &mut source)
    }
}

/// Asks a time-stamping authority (RFC 3161) for a token over `data`;
/// returns the token and what it states (its signature is checked later,
/// against the authority's certificate: `verify --tsa-cert`).
fn ask_tsa(
    url: &str,
    data: &[u8],
    timeout: std::time::Duration,
) -> Result<(Vec<u8>, crate::audit::timestamp::Stamped), String> {
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|error| format!("no random bytes: {error}"))?;
    let request = crate::audit::timestamp::request(data, u64::from_be_bytes(nonce) >> 1);
    let (status, content_type, body) = crate::witness::http::post(
        url,
        "application/timestamp-query",
        &request,
        timeout,
        "--tsa-timeout",
    )?;
    if status != 200 {
        return Err(format!("answered {status}"));
    }
    if !content_type.starts_with("application/timestamp-reply") {
        return Err(format!(
            "answered {content_type:?}, not application/timestamp-reply"
        ));
    }
    let token = crate::audit::timestamp::token_of_response(&body).map_err(|error| error.0)?;
    let what = crate::audit::timestamp::check_token(&token, None, data).map_err(|error| error.0)?;
    Ok((token, what))
}

/// A signed checkpoint as kept, with what each witness and the
/// time-stamping authority did.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The checkpoint kept (or the one already kept, when nothing changed).
    pub checkpoint: Checkpoint,
    /// Each witness's outcome.
    pub witnesses: Vec<WitnessOutcome>,
    /// The time-stamping authority's outcome, when one was asked.
    pub timestamp: Option<Result<crate::audit::timestamp::Stamped, String>>,
}

/// A witness to submit checkpoints to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessTarget {
    /// Its name in the policy.
    pub name: String,
    /// Its cosignature key.
    pub key: VerifierKey,
    /// Its submission prefix (`<url>/add-checkpoint` is posted to).
    pub url: String,
}

/// What one witness did with a checkpoint.
#[derive(Debug, Clone)]
pub struct WitnessOutcome {
    /// The witness.
    pub witness: WitnessTarget,
    /// What it did, or why it did not cosign.
    pub result: Result<String, String>,
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
        use crate::audit::merkle::{MemoryTree, BLOCK_LEAVES, BLOCK_LEVEL};
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
        Ok(Some(part.root(&LOG_TREE, (to - from) as u64)))
    }

    /// The latest signed checkpoint kept of the log as it stands, if any.
    pub fn signed_checkpoint_of_head(&self) -> Result<Option<Checkpoint>, StoreError> {
        let (size, root) = self.tree_head()?;
        let root = checkpoints::encode_root(&root);
        Ok(self.checkpoints()?.into_iter().rev().find(|checkpoint| {
            checkpoint.size == size
                && checkpoint.root == root
                && checkpoint.hash == LOG_TREE
                && checkpoint.note.is_some()
        }))
    }

    /// Picks a kept checkpoint by size, or takes one of the log as it stands.
    pub fn checkpoint_for(
        &mut self,
        size: Option<u64>,
        actor: &str,
    ) -> Result<Checkpoint, StoreError> {
        match size {
            // The log as it stands: a kept checkpoint of it if there is one
            // (a signed one first), else a new one.
            None => {
                let (size, root) = self.tree_head()?;
                let root = checkpoints::encode_root(&root);
                let kept = self.checkpoints()?;
                let current = kept.iter().rev().filter(|checkpoint| {
                    checkpoint.size == size
                        && checkpoint.root == root
                        && checkpoint.hash == LOG_TREE
                });
                match current.clone().find(|checkpoint| checkpoint.note.is_some()) {
                    Some(signed) => Ok(signed.clone()),
                    None => match current.clone().next() {
                        Some(plain) => Ok(plain.clone()),
                        None => self.checkpoint(actor),
                    },
                }
            }
            Some(size) => self
                .checkpoints()?
                .into_iter()
                .rev()
                .find(|checkpoint| checkpoint.size == size)
                .ok_or_else(|| StoreError::BadText {
                    field: Field::Checkpoint,
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
                field: Field::Checkpoint,
                why: format!(
                    "entry {seq} is not in the checkpoint of size {}; take a newer one with `provdb checkpoint`",
                    checkpoint.size
                ),
            });
        }
        let path = if checkpoint.hash == LOG_TREE {
            let mut blocks = std::collections::HashMap::new();
            let mut source = |range| self.subtree(range, &mut blocks);
            crate::audit::merkle::inclusion_proof(&LOG_TREE, seq - 1, checkpoint.size, &mut source)?
        } else {
            let tree = self.legacy_tree(checkpoint.hash, checkpoint.size)?;
            let mut source = tree.subtree();
            match crate::audit::merkle::inclusion_proof(
                &checkpoint.hash,
                seq - 1,
                checkpoint.size,
                &mut source,
            ) {
                Ok(path) => path,
                Err(never) => match never {},
            }
        };
        let line = self.line_of(seq)?;
        Ok(InclusionProof {
            kind: "provdb.inclusion".into(),
            v: crate::audit::proofs::proof_version(checkpoint.hash),
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
                field: Field::Consistency,
                why: format!(
                    "the first checkpoint (size {}) is newer than the second (size {}); give the older first",
                    old.size, new.size
                ),
            });
        }
        if old.hash != new.hash {
            return Err(StoreError::BadText {
                field: Field::Consistency,
                why: format!(
                    "the checkpoint of size {} is of the {} tree and the one of size {} of the {} tree; prove from a checkpoint of the same tree (`provdb checkpoints` lists them)",
                    old.size,
                    old.hash.name(),
                    new.size,
                    new.hash.name()
                ),
            });
        }
        let path = if new.hash == LOG_TREE {
            let mut blocks = std::collections::HashMap::new();
            let mut source = |range| self.subtree(range, &mut blocks);
            crate::audit::merkle::consistency_proof(&LOG_TREE, old.size, new.size, &mut source)?
        } else {
            let tree = self.legacy_tree(new.hash, new.size)?;
            let mut source = tree.subtree();
            match crate::audit::merkle::consistency_proof(
                &new.hash,
                old.size,
                new.size,
                &mut source,
            ) {
                Ok(path) => path,
                Err(never) => match never {},
            }
        };
        Ok(ConsistencyProof {
            kind: "provdb.consistency".into(),
            v: crate::audit::proofs::proof_version(new.hash),
            old: old.into(),
            new: new.into(),
            proof: path.iter().map(checkpoints::encode_root).collect(),
        })
    }

    /// The leaves of the first `size` journal lines in a tree of another
    /// hash than the log tree's (checkpoints taken before SHA-256): read
    /// from the journal, since the index keeps subtrees of the log tree
    /// only. O(size) time and 32 bytes a line of memory.
    fn legacy_tree(
        &self,
        hash: TreeHash,
        size: u64,
    ) -> Result<crate::audit::merkle::MemoryTree, StoreError> {
        let mut leaves = Vec::with_capacity(size.min(1 << 24) as usize);
        for line in self.journal.lines_from(0)? {
            if leaves.len() as u64 == size {
                break;
            }
            leaves.push(line?.leaf_in(hash));
        }
        if (leaves.len() as u64) < size {
            return Err(StoreError::IndexOutOfStep {
                why: format!(
                    "the checkpoint holds {size} entries but the journal {}",
                    leaves.len()
                ),
            });
        }
        Ok(crate::audit::merkle::MemoryTree { leaves })
    }

    /// The journal line of entry `seq`, without its newline.
    fn line_of(&self, seq: u64) -> Result<String, StoreError> {
        use crate::audit::merkle::{BLOCK_LEAVES, BLOCK_LEVEL};
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

    /// The seq of the journal entry that recorded a source, revision, claim or citation.
    pub fn entry_of(&self, text: &str) -> Result<u64, StoreError> {
        if let Some(record) = self.resolve_revision(text)? {
            return Ok(record.seq);
        }
        let (kind, id) = self.resolve(text)?;
        let missing = || StoreError::UnknownId { text: text.into() };
        Ok(match kind {
            crate::model::IdKind::Source => {
                let record = self
                    .index
                    .source(&crate::model::SourceId(id))?
                    .ok_or_else(missing)?;
                record.seq
            }
            crate::model::IdKind::Claim => {
                let record = self
                    .index
                    .claim(&crate::model::ClaimId(id))?
                    .ok_or_else(missing)?;
                record.seq
            }
            crate::model::IdKind::Citation => {
                let record = self
                    .index
                    .citation(&crate::model::CitationId(id))?
                    .ok_or_else(missing)?;
                record.seq
            }
        })
    }
}

/// What `check` found for one file.
#[derive(Debug, Clone)]
pub struct FileCheck {
    /// The path given.
    pub path: String,
    /// Its BLAKE3 hash: the id it would have as a source.
    pub id: Option<crate::model::SourceId>,
    /// Why it could not be read.
    pub error: Option<String>,
    /// Set when it is a recorded source: its documents and revisions, and
    /// how many citations quote it.
    pub known: Option<(Vec<(String, u32)>, usize)>,
}

impl Store {
    /// The manifest of every recorded object: (id, `objects/xx/yyyy…`), by name.
    pub fn manifest_objects(&self) -> Result<Vec<(crate::model::SourceId, String)>, StoreError> {
        let mut out = Vec::new();
        for id in self.index.source_ids() {
            let id = id?;
            let hex = id.to_hex();
            out.push((id, format!("objects/{}/{}", &hex[..2], &hex[2..])));
        }
        out.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(out)
    }

    /// The manifest of a document's revisions under names from `template`
    /// (`{doc}`, `{rev}` or `{n}`, `{i}`), in revision order; with `export`, each
    /// revision's bytes are written there under its name.
    pub fn manifest_doc(
        &self,
        doc: &str,
        template: &str,
        export: Option<&Path>,
    ) -> Result<Vec<(crate::model::SourceId, String)>, StoreError> {
        let revisions = self.revisions(doc)?;
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for record in &revisions {
            let name =
                crate::interchange::manifest::revision_name(template, doc, record.revision.number);
            crate::interchange::manifest::check_name(&name).map_err(|why| StoreError::BadText {
                field: Field::Name,
                why: format!("{why}; use {{doc}}, {{rev}} or {{i}} in a relative path"),
            })?;
            if !seen.insert(name.clone()) {
                return Err(StoreError::BadText {
                    field: Field::Name,
                    why: format!("gives two revisions the name {name:?}; include {{rev}} or {{i}}"),
                });
            }
            out.push((record.revision.source, name));
        }
        if let Some(dir) = export {
            if crate::store::is_inside(&self.root, dir) {
                return Err(StoreError::BadText {
                    field: Field::Export,
                    why: "is inside the store; export somewhere else".into(),
                });
            }
            for (_, name) in &out {
                let target = dir.join(name);
                if target.exists() {
                    return Err(StoreError::Input {
                        path: target.display().to_string(),
                        why: "already exists; export into an empty directory".into(),
                    });
                }
            }
            for (id, name) in &out {
                let target = dir.join(name);
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(io_error("creating", parent))?;
                }
                let bytes = self.objects.read(id)?;
                crate::storage::files::replace(
                    &target,
                    &crate::storage::files::partial_beside(&target),
                    |out| out.write_all(&bytes),
                )
                .map_err(io_error("writing", &target))?;
            }
        }
        Ok(out)
    }

    /// Says, for each file, whether its bytes are a recorded source.
    pub fn check_files(&self, paths: &[std::path::PathBuf]) -> Result<Vec<FileCheck>, StoreError> {
        let mut out = Vec::new();
        for path in paths {
            let shown = path.display().to_string();
            let hashed = std::fs::File::open(path).and_then(|mut file| {
                let mut hasher = blake3::Hasher::new();
                std::io::copy(&mut file, &mut hasher)?;
                Ok(crate::model::SourceId(*hasher.finalize().as_bytes()))
            });
            match hashed {
                Err(error) => out.push(FileCheck {
                    path: shown,
                    id: None,
                    error: Some(error.to_string()),
                    known: None,
                }),
                Ok(id) => {
                    let known = if self.index.has_source(&id)? {
                        Some((
                            self.index.revisions_of_source(&id)?,
                            self.index.count_citations_of_source(&id)?,
                        ))
                    } else {
                        None
                    };
                    out.push(FileCheck {
                        path: shown,
                        id: Some(id),
                        error: None,
                        known,
                    });
                }
            }
        }
        Ok(out)
    }
}

impl Store {
    /// A slice of a page's own bytes holding a quote's original ranges, for
    /// its receipt (None when there are none).
    fn original_slice(
        &self,
        source: crate::model::SourceId,
        original: &[[u64; 2]],
    ) -> Result<Option<crate::audit::receipt::Slice>, StoreError> {
        let (Some(first), Some(last)) = (original.first(), original.last()) else {
            return Ok(None);
        };
        let bytes = self.objects.read(&source)?;
        if crate::identity::source_id(&bytes) != source {
            return Err(StoreError::ObjectDamaged {
                refusing: "refusing a receipt for a damaged object",
                path: self.objects.path_for(&source),
            });
        }
        // A line whose ranges are out of order or past the page's end (a
        // merged or altered line) gets no receipt: there is nothing to prove.
        let mut after = 0;
        for [start, end] in original {
            if start >= end || *start < after || *end > bytes.len() as u64 {
                return Err(StoreError::Damaged {
                    what: format!(
                        "the citation's original ranges {original:?} are not in order within source {} ({} bytes); run `provdb verify`",
                        source.short(),
                        bytes.len()
                    ),
                });
            }
            after = *end;
        }
        Ok(Some(crate::audit::receipt::slice(
            &bytes,
            first[0]..last[1],
        )))
    }

    /// Builds the receipt of a citation against a checkpoint (a kept one of
    /// size `checkpoint`, or one of the log as it stands).
    ///
    /// A retracted citation gets no receipt unless `retracted` is true: a
    /// receipt proves the citation was recorded, and cannot show the
    /// retraction that came after it.
    pub fn receipt(
        &mut self,
        citation: &str,
        checkpoint: Option<u64>,
        retracted: bool,
        actor: &str,
    ) -> Result<crate::audit::receipt::Receipt, StoreError> {
        use crate::audit::receipt::{
            ProvedLine, Receipt, ReceiptCitation, ReceiptLayer, ReceiptSource,
        };
        let id = self.resolve_citation(citation)?;
        if let Some(retraction) = self.index.retraction(&id)? {
            if !retracted {
                return Err(StoreError::RetractedCitation {
                    citation: id,
                    reason: retraction.reason,
                    actor: retraction.actor,
                    time: retraction.time,
                });
            }
        }
        let record = self
            .index
            .citation(&id)?
            .ok_or_else(|| StoreError::UnknownId {
                text: citation.into(),
            })?;
        let claim = self
            .index
            .claim(&record.citation.claim)?
            .ok_or_else(|| StoreError::UnknownId {
                text: record.citation.claim.to_hex(),
            })?
            .claim;
        let source = record.citation.source;
        // The bytes the quote's range indexes: the text layer's, or the source's.
        let quoted = record.citation.quoted_object();
        let bytes = self.objects.read(&quoted)?;
        if crate::identity::source_id(&bytes) != quoted {
            return Err(StoreError::ObjectDamaged {
                refusing: "refusing a receipt for a damaged object",
                path: self.objects.path_for(&quoted),
            });
        }
        let source_length = match &record.citation.layer {
            None => bytes.len() as u64,
            Some(_) => {
                self.index
                    .source(&source)?
                    .ok_or_else(|| StoreError::UnknownId {
                        text: source.to_hex(),
                    })?
                    .size
            }
        };
        let layer_seq = match &record.citation.layer {
            None => None,
            Some(layer) => Some(
                self.index
                    .layers_of(&source)?
                    .into_iter()
                    .find(|known| known.layer.layer == layer.object)
                    .map(|known| known.seq)
                    .ok_or_else(|| StoreError::UnknownId {
                        text: layer.object.to_hex(),
                    })?,
            ),
        };
        let selector = &record.citation.selector;
        let range = selector.start.saturating_sub(selector.prefix.len() as u64)
            ..(selector.end + selector.suffix.len() as u64).min(bytes.len() as u64);
        let slice = crate::audit::receipt::slice(&bytes, range);
        let checkpoint = self.checkpoint_for(checkpoint, actor)?;
        let proved = |store: &Self, seq: u64| -> Result<ProvedLine, StoreError> {
            let proof = store.prove_entry(seq, &checkpoint)?;
            Ok(ProvedLine {
                line: proof.line,
                leaf_index: proof.leaf_index,
                proof: proof.proof,
            })
        };
        let claim_seq = self
            .index
            .claim(&record.citation.claim)?
            .map(|claim| claim.seq)
            .ok_or_else(|| StoreError::UnknownId {
                text: record.citation.claim.to_hex(),
            })?;
        let layer = match (&record.citation.layer, layer_seq) {
            (Some(layer), Some(seq)) => Some(ReceiptLayer {
                object: layer.object,
                length: bytes.len() as u64,
                original: layer.original.clone(),
                pages: layer.pages.clone(),
                boxes: layer.boxes.clone(),
                original_slice: self.original_slice(source, &layer.original)?,
                entry: proved(self, seq)?,
            }),
            _ => None,
        };
        let mut receipt = Receipt {
            kind: "provdb.receipt".into(),
            v: match (checkpoint.hash, layer.is_some()) {
                (crate::audit::merkle::TreeHash::Sha256, _) => 4,
                (_, true) => 3,
                (_, false) => 2,
            },
            layer,
            claim_entry: Some(proved(self, claim_seq)?),
            claim,
            citation: ReceiptCitation {
                id: record.id,
                exact: selector.exact.clone(),
                prefix: selector.prefix.clone(),
                suffix: selector.suffix.clone(),
                start: selector.start,
                end: selector.end,
                stance: record.citation.stance,
                value_not_in_quote: record.citation.value_not_in_quote,
            },
            source: ReceiptSource {
                id: source,
                length: source_length,
            },
            slice,
            entry: proved(self, record.seq)?,
            first: proved(self, 1)?,
            last: proved(self, checkpoint.size)?,
            checkpoint: (&checkpoint).into(),
            tlog_proof: None,
        };
        receipt.tlog_proof = receipt.entry_tlog_proof();
        // A receipt is checked before it is handed out: a journal line
        // changed since the index recorded it breaks a link here, and no
        // receipt that `verify-receipt` would reject is ever written.
        if let Err(broken) = receipt.verify() {
            return Err(StoreError::Damaged {
                what: format!(
                    "the receipt of citation {} does not hold (the {} link: {}): the journal or an object changed since it was recorded",
                    record.id, broken.link, broken.why
                ),
            });
        }
        Ok(receipt)
    }
}
