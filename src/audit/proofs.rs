//! Proofs that stand alone: an entry's inclusion in a checkpoint's tree, and
//! one checkpoint's consistency with another. Their JSON is the format
//! (schema/audit.md); `verify` here needs no store, only the proof.

use base64::Engine;

use crate::audit::checkpoints::Checkpoint;
use crate::audit::merkle::{self, TreeHash, TreeHasher};
use crate::audit::note::Note;
use crate::audit::policy::Policy;

/// An inclusion proof of one journal entry in a checkpoint's tree.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionProof {
    /// Always `provdb.inclusion`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Format version: 2 (a SHA-256 tree), or 1 (a BLAKE3 tree, made before).
    pub v: u32,
    /// The journal line, without its newline; the leaf is H(0x00 ‖ line ‖ "\n") with the tree's hash.
    pub line: String,
    /// Its leaf index: the entry's seq − 1.
    pub leaf_index: u64,
    /// The checkpoint proved against.
    pub checkpoint: ProvedCheckpoint,
    /// The sibling hashes from the leaf up, standard base64.
    pub proof: Vec<String>,
}

/// A consistency proof between two checkpoints.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyProof {
    /// Always `provdb.consistency`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Format version: 2 (a SHA-256 tree), or 1 (a BLAKE3 tree, made before).
    pub v: u32,
    /// The older checkpoint.
    pub old: ProvedCheckpoint,
    /// The newer checkpoint.
    pub new: ProvedCheckpoint,
    /// The RFC 6962 consistency path, standard base64.
    pub proof: Vec<String>,
}

/// The checkpoint a proof refers to: origin, size, root (base64).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvedCheckpoint {
    /// The log's name.
    pub origin: String,
    /// The tree size.
    pub size: u64,
    /// The root, standard base64.
    pub root: String,
    /// The tree's hash: `sha256`, or absent for a BLAKE3 tree (proofs made
    /// before SHA-256, version 1).
    #[serde(default, skip_serializing_if = "TreeHash::is_blake3")]
    pub hash: TreeHash,
    /// The checkpoint as a C2SP signed note (its body, the log's signature
    /// and witnesses' cosignatures), when it was signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// An RFC 3161 time-stamp token over the signed note (base64 DER).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

impl From<&Checkpoint> for ProvedCheckpoint {
    fn from(checkpoint: &Checkpoint) -> Self {
        ProvedCheckpoint {
            origin: checkpoint.origin.clone(),
            size: checkpoint.size,
            root: checkpoint.root.clone(),
            hash: checkpoint.hash,
            note: checkpoint.note.clone(),
            timestamp: checkpoint.timestamp.clone(),
        }
    }
}

impl ProvedCheckpoint {
    /// The checkpoint body: origin, size, root.
    pub fn body(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, self.root)
    }

    /// A signed note, when present, must be a signed note of exactly this
    /// checkpoint (its signatures are checked against a policy, not here).
    pub fn check_note(&self) -> Result<(), String> {
        let Some(note) = &self.note else {
            return Ok(());
        };
        if self.hash != TreeHash::Sha256 {
            return Err(
                "a signed note on a BLAKE3 checkpoint: only SHA-256 checkpoints are signed".into(),
            );
        }
        let parsed = Note::parse(note).map_err(|error| error.to_string())?;
        if parsed.text != self.body() {
            return Err(format!(
                "the signed note is of another checkpoint than {} size {}",
                self.origin, self.size
            ));
        }
        Ok(())
    }
}

/// Checks every checkpoint of a proof or receipt against a policy: each must
/// be signed by a log the policy lists, under its origin, and cosigned by the
/// policy's quorum of witnesses. Returns the words, with what the
/// signatures showed.
pub fn bind_by_policy(
    words: String,
    proved: &[&ProvedCheckpoint],
    policy: &Policy,
) -> Result<String, ProofFailure> {
    let mut said = Vec::new();
    for checkpoint in proved {
        let Some(note) = &checkpoint.note else {
            return Err(ProofFailure::Broken(format!(
                "the checkpoint {} size {} is not signed, and the policy requires a log's signature",
                checkpoint.origin, checkpoint.size
            )));
        };
        checkpoint.check_note().map_err(ProofFailure::Broken)?;
        let verdict = policy.check(note).map_err(|error| {
            ProofFailure::Broken(format!(
                "the checkpoint {} size {}: {error}",
                checkpoint.origin, checkpoint.size
            ))
        })?;
        let witnessed = if verdict.witnessed.is_empty() {
            "no witness cosignature (none required)".to_string()
        } else {
            format!(
                "cosigned by {}",
                verdict
                    .witnessed
                    .iter()
                    .map(|(name, time)| format!("{name} at {}", unix_time(*time)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        said.push(format!(
            "{} size {} is signed by the log key {} and {witnessed}; quorum {} met",
            checkpoint.origin, checkpoint.size, verdict.log, verdict.quorum
        ));
    }
    Ok(format!("{words}. Under the policy: {}", said.join("; ")))
}

/// Checks the time-stamp tokens of a proof's or receipt's checkpoints: each
/// must stamp its signed note, and with the authority's key (`tsa_key`,
/// SubjectPublicKeyInfo DER) be signed by it. Returns the words with what
/// the tokens showed; with `require`, a checkpoint without a token fails.
pub fn bind_timestamps(
    words: String,
    proved: &[&ProvedCheckpoint],
    tsa_key: Option<&[u8]>,
    require: bool,
) -> Result<String, ProofFailure> {
    let mut said = Vec::new();
    for checkpoint in proved {
        let Some(token) = &checkpoint.timestamp else {
            if require {
                return Err(ProofFailure::Broken(format!(
                    "the checkpoint {} size {} carries no time-stamp token",
                    checkpoint.origin, checkpoint.size
                )));
            }
            continue;
        };
        let token = base64::engine::general_purpose::STANDARD
            .decode(token)
            .map_err(|_| ProofFailure::Malformed("the time-stamp token is not base64".into()))?;
        let note = checkpoint.note.as_ref().ok_or_else(|| {
            ProofFailure::Broken("a time-stamp token without a signed checkpoint".into())
        })?;
        let stamped = crate::audit::timestamp::check_token(&token, tsa_key, note.as_bytes())
            .map_err(|error| ProofFailure::Broken(format!("the time-stamp token: {error}")))?;
        said.push(if tsa_key.is_some() {
            format!(
                "{} size {} existed by {} (RFC 3161 token signed by the authority's certificate given)",
                checkpoint.origin, checkpoint.size, stamped.time
            )
        } else {
            format!(
                "{} size {} carries a time-stamp token of {} whose signer was not checked (pass --tsa-cert FILE)",
                checkpoint.origin, checkpoint.size, stamped.time
            )
        });
    }
    if said.is_empty() {
        return Ok(words);
    }
    Ok(format!("{words}. Time: {}", said.join("; ")))
}

/// A POSIX time in RFC 3339 (UTC), or the number when out of range.
fn unix_time(seconds: u64) -> String {
    i64::try_from(seconds)
        .ok()
        .and_then(|seconds| time::OffsetDateTime::from_unix_timestamp(seconds).ok())
        .and_then(|when| {
            when.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("{seconds} (POSIX time)"))
}

/// The proof format version of a tree: 1 for BLAKE3, 2 for SHA-256.
pub fn proof_version(hash: TreeHash) -> u32 {
    match hash {
        TreeHash::Blake3 => 1,
        TreeHash::Sha256 => 2,
    }
}

/// Refuses a proof whose version is not the one of its checkpoint's tree.
fn check_version(kind: &str, want: &str, v: u32, hash: TreeHash) -> Result<(), ProofFailure> {
    if kind != want || !matches!(v, 1 | 2) {
        return Err(ProofFailure::Malformed(format!(
            "type {kind:?} version {v} is not {want} version 1 or 2"
        )));
    }
    if v != proof_version(hash) {
        return Err(ProofFailure::Malformed(format!(
            "a version {v} proof is of a {} tree, but its checkpoint says {}",
            if v == 1 { "BLAKE3" } else { "SHA-256" },
            hash.name()
        )));
    }
    Ok(())
}

/// Why a proof file does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofFailure {
    /// A field is not what the format says.
    #[error("{0}")]
    Malformed(String),
    /// The proof does not hold.
    #[error("{0}")]
    Broken(String),
}

fn decode(field: &str, text: &str) -> Result<Vec<u8>, ProofFailure> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| ProofFailure::Malformed(format!("{field} is not standard base64")))
}

fn decode_all(items: &[String]) -> Result<Vec<Vec<u8>>, ProofFailure> {
    items
        .iter()
        .enumerate()
        .map(|(at, item)| decode(&format!("proof[{at}]"), item))
        .collect()
}

impl InclusionProof {
    /// Checks the proof; returns what it proves, in words.
    pub fn verify(&self) -> Result<String, ProofFailure> {
        let hash = self.checkpoint.hash;
        check_version(&self.kind, "provdb.inclusion", self.v, hash)?;
        self.checkpoint.check_note().map_err(ProofFailure::Broken)?;
        if self.line.contains('\n') {
            return Err(ProofFailure::Malformed("line holds a newline".into()));
        }
        let mut bytes = self.line.clone().into_bytes();
        bytes.push(b'\n');
        let leaf = hash.leaf(&bytes);
        let root = decode("checkpoint.root", &self.checkpoint.root)?;
        merkle::verify_inclusion(
            &hash,
            self.leaf_index,
            self.checkpoint.size,
            &leaf,
            &decode_all(&self.proof)?,
            &root,
        )
        .map_err(|error| {
            ProofFailure::Broken(format!(
                "the line is not entry {} of the log {} of size {} with that root: {error}",
                self.leaf_index + 1,
                self.checkpoint.origin,
                self.checkpoint.size
            ))
        })?;
        Ok(format!(
            "journal entry {} (the line given) is in the log {} of {} entries whose root is {}",
            self.leaf_index + 1,
            self.checkpoint.origin,
            self.checkpoint.size,
            self.checkpoint.root
        ))
    }
}

/// The first line of a C2SP tlog-proof.
pub const TLOG_PROOF: &str = "c2sp.org/tlog-proof@v1";

impl InclusionProof {
    /// The proof in the C2SP tlog-proof format: `extra` is the journal line
    /// with its newline (the leaf's data: the leaf is SHA-256(0x00 ‖ extra)),
    /// `index` the leaf index, the inclusion path, a blank line, and the
    /// signed checkpoint. Only a signed checkpoint of the SHA-256 tree fits.
    pub fn to_tlog_proof(&self) -> Option<String> {
        let note = self.checkpoint.note.as_ref()?;
        if self.checkpoint.hash != TreeHash::Sha256 {
            return None;
        }
        let mut out = format!(
            "{TLOG_PROOF}\nextra {}\nindex {}\n",
            base64::engine::general_purpose::STANDARD.encode(format!("{}\n", self.line)),
            self.leaf_index
        );
        for hash in &self.proof {
            out.push_str(hash);
            out.push('\n');
        }
        out.push('\n');
        out.push_str(note);
        Some(out)
    }

    /// Reads a C2SP tlog-proof that provdb wrote (its `extra` a journal line).
    pub fn from_tlog_proof(text: &str) -> Result<InclusionProof, ProofFailure> {
        let bad = |why: &str| ProofFailure::Malformed(format!("not a tlog-proof: {why}"));
        let (head, note) = text
            .split_once("\n\n")
            .ok_or_else(|| bad("no blank line before the checkpoint"))?;
        let mut lines = head.split('\n');
        if lines.next() != Some(TLOG_PROOF) {
            return Err(bad("the first line is not c2sp.org/tlog-proof@v1"));
        }
        let mut line = lines.next().unwrap_or_default();
        let extra = match line.strip_prefix("extra ") {
            Some(extra) => {
                line = lines.next().unwrap_or_default();
                Some(extra)
            }
            None => None,
        };
        let extra = extra.ok_or_else(|| {
            bad("it has no extra line; provdb's extra is the journal line the leaf hashes")
        })?;
        let extra = base64::engine::general_purpose::STANDARD
            .decode(extra)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| bad("extra is not base64 of UTF-8 text"))?;
        let journal_line = extra
            .strip_suffix('\n')
            .filter(|line| !line.contains('\n'))
            .ok_or_else(|| bad("extra is not one journal line ending in a newline"))?;
        let index = line
            .strip_prefix("index ")
            .filter(|n| *n == "0" || !n.starts_with('0'))
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| bad("the index line is not `index N`"))?;
        let proof: Vec<String> = lines.map(str::to_string).collect();
        let parsed =
            Note::parse(note).map_err(|error| ProofFailure::Malformed(error.to_string()))?;
        let (origin, size, root) = crate::audit::checkpoints::parse_text(&parsed.text)
            .map_err(|why| bad(&format!("its checkpoint: {why}")))?;
        Ok(InclusionProof {
            kind: "provdb.inclusion".into(),
            v: 2,
            line: journal_line.to_string(),
            leaf_index: index,
            checkpoint: ProvedCheckpoint {
                origin,
                size,
                root: crate::audit::checkpoints::encode_root(&root),
                hash: TreeHash::Sha256,
                note: Some(note.to_string()),
                timestamp: None,
            },
            proof,
        })
    }
}

impl ConsistencyProof {
    /// Checks the proof; returns what it proves, in words.
    pub fn verify(&self) -> Result<String, ProofFailure> {
        check_version(&self.kind, "provdb.consistency", self.v, self.new.hash)?;
        self.old.check_note().map_err(ProofFailure::Broken)?;
        self.new.check_note().map_err(ProofFailure::Broken)?;
        if self.old.hash != self.new.hash {
            return Err(ProofFailure::Broken(format!(
                "the old checkpoint is of a {} tree and the new one of a {} tree; a consistency proof joins two heads of one tree",
                self.old.hash.name(),
                self.new.hash.name()
            )));
        }
        if self.old.origin != self.new.origin {
            return Err(ProofFailure::Broken(format!(
                "the checkpoints are of two logs, {} and {}",
                self.old.origin, self.new.origin
            )));
        }
        merkle::verify_consistency(
            &self.new.hash,
            self.old.size,
            self.new.size,
            &decode_all(&self.proof)?,
            &decode("old.root", &self.old.root)?,
            &decode("new.root", &self.new.root)?,
        )
        .map_err(|error| {
            ProofFailure::Broken(format!(
                "the log of size {} does not extend the log of size {}: {error}",
                self.new.size, self.old.size
            ))
        })?;
        Ok(format!(
            "the log {} of {} entries (root {}) extends the same log of {} entries (root {}): nothing recorded before was changed",
            self.new.origin, self.new.size, self.new.root, self.old.size, self.old.root
        ))
    }
}

/// Either kind of proof, read from JSON by its `type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyProof {
    /// An inclusion proof.
    Inclusion(InclusionProof),
    /// A consistency proof.
    Consistency(ConsistencyProof),
}

impl AnyProof {
    /// Reads a proof file's text.
    pub fn parse(text: &str) -> Result<AnyProof, ProofFailure> {
        if text.starts_with(TLOG_PROOF) {
            return InclusionProof::from_tlog_proof(text).map(AnyProof::Inclusion);
        }
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|error| ProofFailure::Malformed(format!("not JSON: {error}")))?;
        let kind = value["type"].as_str().unwrap_or_default().to_string();
        let shape = |error: serde_json::Error| {
            ProofFailure::Malformed(format!("not a {kind} proof: {error}"))
        };
        match kind.as_str() {
            "provdb.inclusion" => serde_json::from_value(value)
                .map(AnyProof::Inclusion)
                .map_err(shape),
            "provdb.consistency" => serde_json::from_value(value)
                .map(AnyProof::Consistency)
                .map_err(shape),
            other => Err(ProofFailure::Malformed(format!(
                "type {other:?} is not provdb.inclusion or provdb.consistency"
            ))),
        }
    }

    /// Checks it; returns what it proves, in words.
    pub fn verify(&self) -> Result<String, ProofFailure> {
        match self {
            AnyProof::Inclusion(proof) => proof.verify(),
            AnyProof::Consistency(proof) => proof.verify(),
        }
    }

    /// The checkpoints the proof is for.
    pub fn checkpoints(&self) -> Vec<&ProvedCheckpoint> {
        match self {
            AnyProof::Inclusion(proof) => vec![&proof.checkpoint],
            AnyProof::Consistency(proof) => vec![&proof.old, &proof.new],
        }
    }
}

/// Binds what a proof or receipt proved to checkpoints given as text, exactly
/// as `provdb checkpoint` prints them (origin, size, base64 root; a C2SP
/// checkpoint body). A root hash does not bind a tree's size, nor a log's
/// name: only a checkpoint published with them does. Each given checkpoint
/// must be one of `proved` (origin, size and root alike), and the words say
/// which are bound; with none given, the words say what is not bound.
pub fn bind_to_checkpoints(
    words: String,
    proved: &[&ProvedCheckpoint],
    given: &[(String, String)],
) -> Result<String, ProofFailure> {
    if given.is_empty() {
        return Ok(format!(
            "{words}. Not bound: the log's name and tree size{} are as the file states them; a root does not bind a size, so compare with the published checkpoint (pass --checkpoint FILE with its text)",
            if proved.len() > 1 { "s" } else { "" }
        ));
    }
    let mut bound = Vec::new();
    let mut matched_at = Vec::new();
    for (name, text) in given {
        let (origin, size, root) = crate::audit::checkpoints::parse_text(text)
            .map_err(|why| ProofFailure::Malformed(format!("{name} is not a checkpoint: {why}")))?;
        let root = base64::engine::general_purpose::STANDARD.encode(root);
        let matched = proved.iter().position(|checkpoint| {
            checkpoint.size == size && checkpoint.origin == origin && checkpoint.root == root
        });
        match matched {
            // The same checkpoint given twice binds it once.
            Some(at) if matched_at.contains(&at) => {}
            Some(at) => {
                matched_at.push(at);
                bound.push(format!("{origin} size {size} ({name})"));
            }
            None => {
                return Err(ProofFailure::Broken(format!(
                    "the checkpoint in {name} ({origin}, size {size}, root {root}) is not the one the proof is for ({})",
                    proved
                        .iter()
                        .map(|checkpoint| format!("{}, size {}, root {}", checkpoint.origin, checkpoint.size, checkpoint.root))
                        .collect::<Vec<_>>()
                        .join("; ")
                )))
            }
        }
    }
    let unbound = proved.len().saturating_sub(bound.len());
    Ok(format!(
        "{words}. Bound to the checkpoint{} {}{}",
        if bound.len() > 1 { "s" } else { "" },
        bound.join(" and "),
        if unbound > 0 {
            "; the other checkpoint's name and size are as the file states them"
        } else {
            ""
        }
    ))
}

/// The checkpoint text a proof's checkpoint would print.
pub fn checkpoint_text(checkpoint: &ProvedCheckpoint) -> String {
    Checkpoint {
        origin: checkpoint.origin.clone(),
        size: checkpoint.size,
        root: checkpoint.root.clone(),
        time: String::new(),
        actor: String::new(),
        hash: checkpoint.hash,
        ..Checkpoint::default()
    }
    .text()
}
