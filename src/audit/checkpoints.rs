//! Checkpoints: tree heads of the journal's Merkle tree, kept in the
//! append-only `checkpoints` file of the store (JSON lines) and printed in
//! the body format of C2SP tlog-checkpoint: origin, size, base64 root.
//!
//! The file is outside the journal on purpose: a checkpoint is a statement
//! about the log, and keeping it apart means a journal rewritten after the
//! fact is caught by `verify` against the checkpoints already taken (and by
//! anyone holding a published copy), even when its hash chain was rebuilt.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use base64::Engine;

use crate::audit::merkle::{Digest, TreeHash};
use crate::storage::crash::Op;

/// The file name inside the store.
pub const FILE: &str = "checkpoints";

/// One checkpoint: a tree head.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// The log's name: `provdb/` and the store id.
    pub origin: String,
    /// How many journal entries the tree holds.
    pub size: u64,
    /// The tree's root, standard base64.
    pub root: String,
    /// When it was taken (RFC 3339, UTC).
    pub time: String,
    /// Who took it.
    pub actor: String,
    /// The tree's hash: SHA-256 (the RFC 6962 tree) since checkpoints could
    /// be signed; a line without it was taken before, of the BLAKE3 tree.
    #[serde(default, skip_serializing_if = "TreeHash::is_blake3")]
    pub hash: TreeHash,
    /// The signed note (C2SP signed-note): the body, a blank line, the
    /// log's signature and any witnesses' cosignatures. Absent when unsigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The verifier key of the log key that signed it (its name is the origin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// An RFC 3161 time-stamp token over the signed note (base64 DER).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

impl Checkpoint {
    /// The C2SP tlog-checkpoint body: origin, size and root, one per line.
    pub fn text(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, self.root)
    }

    /// The note when signed, else the body: what `checkpoint` prints.
    pub fn published(&self) -> String {
        self.note.clone().unwrap_or_else(|| self.text())
    }

    /// The root's bytes, when the base64 is sound and 32 bytes long.
    pub fn root_bytes(&self) -> Option<Digest> {
        base64::engine::general_purpose::STANDARD
            .decode(&self.root)
            .ok()?
            .try_into()
            .ok()
    }
}

/// Returns the standard base64 of a root.
pub fn encode_root(root: &Digest) -> String {
    base64::engine::general_purpose::STANDARD.encode(root)
}

/// Parses a checkpoint body (origin, size, base64 root; extra lines such as
/// a signature after a blank line are ignored).
pub fn parse_text(text: &str) -> Result<(String, u64, Digest), String> {
    let mut lines = text.lines();
    let origin = lines
        .next()
        .filter(|line| !line.is_empty())
        .ok_or("the first line (the origin) is missing")?;
    let size = lines
        .next()
        .ok_or("the second line (the tree size) is missing")?;
    let size: u64 = size
        .parse()
        .map_err(|_| format!("the tree size {size:?} is not a whole number"))?;
    let root = lines
        .next()
        .ok_or("the third line (the base64 root) is missing")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(root)
        .map_err(|_| format!("the root {root:?} is not standard base64"))?;
    let root: Digest = bytes
        .try_into()
        .map_err(|bytes: Vec<u8>| format!("the root is {} bytes, not 32", bytes.len()))?;
    Ok((origin.to_string(), size, root))
}

/// The `checkpoints` file of the store at `root`.
pub fn path(root: &Path) -> PathBuf {
    root.join(FILE)
}

/// Reads every checkpoint kept, oldest first. A torn last line (a crash
/// while appending) is left out; any other bad line is an error naming it.
pub fn read(store: &Path) -> io::Result<Vec<Checkpoint>> {
    let text = match fs::read_to_string(path(store)) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let complete = match text.rfind('\n') {
        Some(at) => &text[..=at],
        None => "",
    };
    complete
        .lines()
        .enumerate()
        .map(|(number, line)| {
            serde_json::from_str(line).map_err(|error| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("line {} of the checkpoints file: {error}", number + 1),
                )
            })
        })
        .collect()
}

/// Writes `bytes`, the checkpoints a bundle carries, as the `checkpoints`
/// file of a store being built from it (the file must not exist), and
/// syncs it. The caller reads them back with [`read`] to check them.
pub fn write_imported(store: &Path, bytes: &[u8]) -> io::Result<()> {
    crate::storage::files::write_new(&path(store), bytes)
}

/// Appends a checkpoint durably (cutting back a torn last line first).
pub fn append(store: &Path, checkpoint: &Checkpoint) -> io::Result<()> {
    let file_path = path(store);
    let created = !file_path.exists();
    let mut file = OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(&file_path)?;
    let mut text = Vec::new();
    file.read_to_end(&mut text)?;
    if let Some(last) = text.last() {
        if *last != b'\n' {
            let keep = text
                .iter()
                .rposition(|byte| *byte == b'\n')
                .map_or(0, |at| at + 1);
            crate::storage::crash::point(Op::Truncate, "checkpoints: cutting a torn line");
            file.set_len(keep as u64)?;
            file.seek(SeekFrom::End(0))?;
        }
    }
    let mut line = serde_json::to_string(checkpoint).map_err(io::Error::other)?;
    line.push('\n');
    crate::storage::crash::write_all(&mut file, line.as_bytes(), "checkpoints")?;
    crate::storage::crash::point(Op::Sync, "checkpoints");
    file.sync_all()?;
    if created {
        crate::storage::crash::point(Op::Sync, "the store directory");
        File::open(store)?.sync_all()?;
    }
    Ok(())
}

/// The BLAKE3 Merkle tree head (size, base64 root) of a journal's lines:
/// what a merge entry records of the journal it merged (an identity, and
/// identities are BLAKE3).
pub fn journal_head(journal: &[u8]) -> (u64, String) {
    let mut tree = crate::audit::merkle::Frontier::default();
    let mut start = 0u64;
    for line in journal.split_inclusive(|byte| *byte == b'\n') {
        let leaf = crate::audit::merkle::TreeHasher::leaf(&crate::audit::merkle::Blake3, line);
        let end = start + line.len() as u64;
        tree.push(&crate::audit::merkle::Blake3, leaf, start, end);
        start = end;
    }
    (
        tree.size,
        crate::audit::checkpoints::encode_root(&tree.root(&crate::audit::merkle::Blake3)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn the_text_round_trips_and_bad_text_is_named() {
        let checkpoint = Checkpoint {
            origin: "provdb/0123".into(),
            size: 7,
            root: encode_root(&[7; 32]),
            time: "2026-11-24T00:00:00Z".into(),
            actor: "a".into(),
            ..Checkpoint::default()
        };
        let text = checkpoint.text();
        assert_eq!(
            text,
            "provdb/0123\n7\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n"
        );
        assert_eq!(
            parse_text(&text),
            Ok(("provdb/0123".to_string(), 7, [7; 32]))
        );
        assert!(parse_text("o\nseven\nAA==\n")
            .expect_err("refused")
            .contains("not a whole number"));
        assert!(parse_text("o\n7\nAA==\n")
            .expect_err("refused")
            .contains("1 bytes"));
        assert!(parse_text("").expect_err("refused").contains("origin"));
    }

    #[test]
    fn a_torn_last_line_is_ignored_and_cut_on_append() {
        let dir = tempfile::tempdir().expect("tempdir");
        let checkpoint = Checkpoint {
            origin: "provdb/x".into(),
            size: 1,
            root: encode_root(&[1; 32]),
            time: "t".into(),
            actor: "a".into(),
            ..Checkpoint::default()
        };
        append(dir.path(), &checkpoint).expect("append");
        let mut file = OpenOptions::new()
            .append(true)
            .open(dir.path().join(FILE))
            .expect("open");
        file.write_all(b"{\"origin\":\"torn").expect("write");
        assert_eq!(read(dir.path()).expect("read"), vec![checkpoint.clone()]);
        append(dir.path(), &checkpoint).expect("append");
        assert_eq!(read(dir.path()).expect("read").len(), 2);
    }
}
