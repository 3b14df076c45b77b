//! A transparency-log witness (c2sp.org/tlog-witness): it cosigns a log's
//! checkpoint only when the checkpoint is consistent with the latest one it
//! cosigned for that log, so two readers shown two different histories
//! cannot both hold a cosignature from it.
//!
//! `add_checkpoint` is the protocol, with no network: parse the request,
//! check it against the state, persist the new state, cosign. The state is
//! one file per log (the latest cosigned checkpoint note), replaced
//! atomically and made durable before the cosignature is returned; one
//! mutex makes the check and the write a single step. `http.rs` serves it
//! and submits to it.

pub mod http;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine;
use sha2::Digest as _;

use crate::audit::merkle::{self, TreeHasher, LOG_TREE};
use crate::audit::note::{Note, Signature, SigningKey, VerifierKey};

/// The most consistency proof lines a request may carry (the protocol's limit).
pub const MAX_PROOF_LINES: usize = 63;

/// An answer: an HTTP status, a content type and a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The content type.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
}

impl Answer {
    fn text(status: u16, body: impl Into<String>) -> Answer {
        let mut body = body.into();
        if !body.ends_with('\n') {
            body.push('\n');
        }
        Answer {
            status,
            content_type: "text/plain; charset=utf-8",
            body,
        }
    }
}

/// A request to add a checkpoint, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the client believes the witness holds.
    pub old: u64,
    /// The consistency proof from `old` to the checkpoint's size.
    pub proof: Vec<[u8; 32]>,
    /// The signed checkpoint.
    pub note: String,
}

impl AddCheckpoint {
    /// The request body: `old N`, the proof lines, a blank line, the note.
    pub fn body(&self) -> String {
        let mut out = format!("old {}\n", self.old);
        for hash in &self.proof {
            out.push_str(&base64::engine::general_purpose::STANDARD.encode(hash));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.note);
        out
    }

    /// Parses a request body; the error is why it is a bad request.
    pub fn parse(body: &[u8]) -> Result<AddCheckpoint, String> {
        let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8")?;
        let (head, note) = text
            .split_once("\n\n")
            .ok_or("no blank line after the old size and proof")?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|line| line.strip_prefix("old "))
            .filter(|n| !n.is_empty() && (n == &"0" || !n.starts_with('0')))
            .and_then(|n| n.bytes().all(|b| b.is_ascii_digit()).then_some(n))
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or("the first line is not `old SIZE`")?;
        let mut proof = Vec::new();
        for line in lines {
            if proof.len() == MAX_PROOF_LINES {
                return Err(format!("more than {MAX_PROOF_LINES} proof lines"));
            }
            let hash: [u8; 32] = base64::engine::general_purpose::STANDARD
                .decode(line)
                .ok()
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or_else(|| format!("proof line {line:?} is not a base64 hash of 32 bytes"))?;
            proof.push(hash);
        }
        Ok(AddCheckpoint {
            old,
            proof,
            note: note.to_string(),
        })
    }
}

/// A checkpoint's body: origin, size, root.
fn body_of(note: &Note) -> Result<(String, u64, [u8; 32]), String> {
    crate::audit::checkpoints::parse_text(&note.text).and_then(|(origin, size, root)| {
        let canonical = format!(
            "{origin}\n{size}\n{}\n",
            crate::audit::checkpoints::encode_root(&root)
        );
        if note.text.starts_with(&canonical) {
            Ok((origin, size, root))
        } else {
            Err("the checkpoint's size or root is not in canonical form".into())
        }
    })
}

/// A witness: its key, the logs it knows (by origin) and its state directory.
#[derive(Debug)]
pub struct Witness {
    key: SigningKey,
    logs: Vec<VerifierKey>,
    state: PathBuf,
    lock: Mutex<()>,
    /// The state directory's lock file, locked while the witness lives.
    _held: std::fs::File,
}

/// What the witness last cosigned for one log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Latest {
    /// Its size.
    pub size: u64,
    /// Its root.
    pub root: [u8; 32],
    /// The note, with the log's signature and the witness's cosignature.
    pub note: String,
}

impl Witness {
    /// A witness with its key (type 0x04), the logs it accepts, and the
    /// directory where it keeps what it cosigned.
    pub fn new(key: SigningKey, logs: Vec<VerifierKey>, state: &Path) -> Result<Witness, String> {
        if !key.verifier().is_witness() {
            return Err(format!(
                "the key {} is a log's key; a witness needs a cosignature key: provdb key generate NAME --witness",
                key.name
            ));
        }
        if let Some(log) = logs.iter().find(|log| log.is_witness()) {
            return Err(format!(
                "--log {} is a witness's key; give the log's verifier key (the one `provdb key generate` printed for it)",
                log.name
            ));
        }
        let shown = |error: std::io::Error| format!("{}: {error}", state.display());
        std::fs::create_dir_all(state.join("logs")).map_err(shown)?;
        // The directories made durable, so a power loss cannot take the
        // state back to nothing (and the witness back to accepting old 0).
        for dir in [
            state.join("logs"),
            state.to_path_buf(),
            state
                .parent()
                .filter(|parent| !parent.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        ] {
            std::fs::File::open(&dir)
                .and_then(|dir| dir.sync_all())
                .map_err(shown)?;
        }
        // One witness process per state directory: the mutex orders
        // requests within this process, the lock keeps others out.
        let held = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(state.join("lock"))
            .map_err(shown)?;
        rustix::fs::flock(&held, rustix::fs::FlockOperation::NonBlockingLockExclusive).map_err(
            |_| {
                format!(
                    "another witness serves the state directory {}; one process per directory",
                    state.display()
                )
            },
        )?;
        Ok(Witness {
            key,
            logs,
            state: state.to_path_buf(),
            lock: Mutex::new(()),
            _held: held,
        })
    }

    /// The witness's verifier key.
    pub fn verifier(&self) -> VerifierKey {
        self.key.verifier()
    }

    /// The lowercase hex SHA-256 of an origin: its state file's name and the
    /// path segment of the monitoring URL.
    pub fn origin_hash(origin: &str) -> String {
        sha2::Sha256::digest(origin.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    fn state_file(&self, origin: &str) -> PathBuf {
        self.state.join("logs").join(Self::origin_hash(origin))
    }

    /// What the witness last cosigned for a log, if anything.
    pub fn latest(&self, origin: &str) -> Result<Option<Latest>, String> {
        let path = self.state_file(origin);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(format!("{}: {error}", path.display())),
        };
        let note = Note::parse(&text).map_err(|error| format!("{}: {error}", path.display()))?;
        let (_, size, root) =
            body_of(&note).map_err(|error| format!("{}: {error}", path.display()))?;
        Ok(Some(Latest {
            size,
            root,
            note: text,
        }))
    }

    /// Handles `POST /add-checkpoint`.
    pub fn add_checkpoint(&self, body: &[u8]) -> Answer {
        let request = match AddCheckpoint::parse(body) {
            Ok(request) => request,
            Err(why) => return Answer::text(400, format!("bad request: {why}")),
        };
        let note = match Note::parse(&request.note) {
            Ok(note) => note,
            Err(error) => return Answer::text(400, format!("bad request: {error}")),
        };
        let origin = note.text.split('\n').next().unwrap_or_default().to_string();
        let keys: Vec<VerifierKey> = self
            .logs
            .iter()
            .filter(|log| log.name == origin)
            .cloned()
            .collect();
        if keys.is_empty() {
            return Answer::text(404, format!("unknown log {origin:?}"));
        }
        if let Err(error) = note.verify(&keys) {
            return Answer::text(
                403,
                format!("the checkpoint is not signed by the log: {error}"),
            );
        }
        let (_, size, root) = match body_of(&note) {
            Ok(body) => body,
            Err(why) => return Answer::text(400, format!("bad request: {why}")),
        };
        if request.old > size {
            return Answer::text(
                400,
                format!(
                    "the old size {} is larger than the checkpoint's {size}",
                    request.old
                ),
            );
        }
        // One request at a time from the check to the durable write.
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let latest = match self.latest(&origin) {
            Ok(latest) => latest,
            Err(error) => return Answer::text(500, format!("the witness's state: {error}")),
        };
        let held = latest.as_ref().map_or(0, |latest| latest.size);
        if request.old != held {
            return Answer {
                status: 409,
                content_type: "text/x.tlog.size",
                body: format!("{held}\n"),
            };
        }
        if size == 0 && root != LOG_TREE.empty() {
            return Answer::text(
                422,
                "a checkpoint of size 0 must have the empty tree's root",
            );
        }
        let consistent = match &latest {
            // Nothing cosigned, or the empty tree: consistent with any tree,
            // and no proof is needed (or allowed).
            None => request.proof.is_empty(),
            Some(latest) if latest.size == 0 && size > 0 => request.proof.is_empty(),
            Some(latest) if latest.size == size => request.proof.is_empty() && latest.root == root,
            Some(latest) => {
                let proof: Vec<Vec<u8>> = request.proof.iter().map(|hash| hash.to_vec()).collect();
                merkle::verify_consistency(
                    &LOG_TREE,
                    latest.size,
                    size,
                    &proof,
                    &latest.root,
                    &root,
                )
                .is_ok()
            }
        };
        if !consistent {
            return Answer::text(
                422,
                format!(
                    "the checkpoint of size {size} is not consistent with the one of size {held} this witness cosigned"
                ),
            );
        }
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp().max(1) as u64;
        let cosignature = self.key.sign(&note.text, timestamp);
        let mut kept = note.clone();
        kept.signatures
            .retain(|signature| keys.iter().any(|key| key.matches(signature)));
        kept.signatures.push(cosignature.clone());
        let path = self.state_file(&origin);
        let text = kept.text_with_signatures();
        let written = crate::storage::files::replace(
            &path,
            &crate::storage::files::partial_beside(&path),
            |out| std::io::Write::write_all(out, text.as_bytes()),
        );
        if let Err(error) = written {
            return Answer::text(
                500,
                format!("the witness could not keep its state: {error}"),
            );
        }
        Answer {
            status: 200,
            content_type: "text/plain; charset=utf-8",
            body: format!("{}\n", cosignature.line()),
        }
    }

    /// Handles `GET /ORIGIN-HASH/checkpoint`.
    pub fn get_checkpoint(&self, origin_hash: &str) -> Answer {
        let Some(origin) = self
            .logs
            .iter()
            .map(|log| log.name.as_str())
            .find(|origin| Self::origin_hash(origin) == origin_hash)
        else {
            return Answer::text(404, "unknown log");
        };
        match self.latest(origin) {
            Ok(Some(latest)) => Answer {
                status: 200,
                content_type: "text/plain; charset=utf-8",
                body: latest.note,
            },
            Ok(None) => Answer::text(404, "no checkpoint of this log was cosigned yet"),
            Err(error) => Answer::text(500, error),
        }
    }
}

/// Reads a witness's answer to add-checkpoint: the cosignature lines, each
/// checked against the witness's key over the checkpoint's text.
pub fn read_cosignatures(
    body: &str,
    note_text: &str,
    witness: &VerifierKey,
) -> Result<Vec<Signature>, String> {
    let mut found = Vec::new();
    for line in body.lines().filter(|line| !line.is_empty()) {
        let signature = Signature::parse(line).map_err(|error| error.to_string())?;
        if witness.matches(&signature) {
            witness
                .check(note_text, &signature)
                .map_err(|error| error.to_string())?;
            found.push(signature);
        }
    }
    if found.is_empty() {
        return Err(format!(
            "its answer holds no cosignature by the key {}",
            witness.text()
        ));
    }
    Ok(found)
}
