//! Bundles: a whole store in one deterministic tar file (schema/bundle.md).
//!
//! A bundle holds `provdb-bundle/FORMAT`, the committed `journal`, the kept
//! `checkpoints` (if any) and every recorded object under `objects/`, as
//! plain ustar entries with fixed metadata (mode 0644, owner 0, time 0) in
//! one fixed order, so exporting the same store twice gives the same bytes.
//! Reading refuses anything else: links, other entry kinds, paths outside
//! the bundle's directory, duplicate or unknown paths, objects whose bytes do
//! not hash to their name, and sizes past the limits. This module does no
//! store logic; `store::import` checks the journal and the rest.

use std::io::{self, Read, Write};

use crate::model::SourceId;

/// The directory every entry sits in.
pub const ROOT: &str = "provdb-bundle";
/// The FORMAT entry's exact contents.
pub const FORMAT_TEXT: &str = "provdb bundle\nformat 1\n";
/// The most entries a bundle may hold.
pub const MAX_ENTRIES: u64 = 50_000_000;

/// Why a bundle was refused.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The bundle breaks a rule; the message says which.
    #[error("the bundle is refused: {0}")]
    Refused(String),
    /// Reading or writing failed.
    #[error("the bundle could not be {action}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The error.
        source: io::Error,
    },
}

fn refused(why: impl Into<String>) -> BundleError {
    BundleError::Refused(why.into())
}

fn header(path: &str, size: u64) -> io::Result<tar::Header> {
    let mut header = tar::Header::new_ustar();
    header.set_path(path)?;
    header.set_size(size);
    header.set_mode(0o644);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    Ok(header)
}

/// What a bundle holds, by reference to where the bytes are.
#[derive(Debug)]
pub struct Contents<'a> {
    /// The committed journal bytes.
    pub journal: &'a [u8],
    /// The checkpoints file, if any.
    pub checkpoints: Option<&'a [u8]>,
    /// The objects, with where each file is.
    pub objects: Vec<(SourceId, std::path::PathBuf)>,
}

/// Writes a bundle: FORMAT, journal, checkpoints, then objects by id.
pub fn write(contents: &mut Contents<'_>, out: &mut dyn Write) -> Result<(), BundleError> {
    let io = |source| BundleError::Io {
        action: "written",
        source,
    };
    let mut builder = tar::Builder::new(out);
    let mut add = |path: String, bytes: &mut dyn Read, size: u64| -> Result<(), BundleError> {
        let header = header(&path, size).map_err(io)?;
        builder.append(&header, bytes).map_err(io)
    };
    add(
        format!("{ROOT}/FORMAT"),
        &mut FORMAT_TEXT.as_bytes(),
        FORMAT_TEXT.len() as u64,
    )?;
    add(
        format!("{ROOT}/journal"),
        &mut &*contents.journal,
        contents.journal.len() as u64,
    )?;
    if let Some(checkpoints) = contents.checkpoints {
        add(
            format!("{ROOT}/checkpoints"),
            &mut &*checkpoints,
            checkpoints.len() as u64,
        )?;
    }
    contents.objects.sort_by_key(|(id, _)| *id);
    for (id, path) in &contents.objects {
        let file = crate::storage::objects::open_regular(path).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        let hex = id.to_hex();
        // Each object is hashed as it is written: a bundle never carries
        // bytes that do not hash to their name (the export is refused).
        let mut hashing = HashingReader {
            inner: file,
            hasher: blake3::Hasher::new(),
        };
        add(
            format!("{ROOT}/objects/{}/{}", &hex[..2], &hex[2..]),
            &mut hashing,
            size,
        )?;
        if hashing.hasher.finalize().as_bytes() != id.as_bytes() {
            return Err(refused(format!(
                "object {hex} is damaged: its bytes no longer hash to its name; run `provdb verify`, and add the source's original bytes again to repair it"
            )));
        }
    }
    builder.into_inner().map_err(io)?.flush().map_err(io)
}

/// A reader that hashes what passes through it.
struct HashingReader<R> {
    inner: R,
    hasher: blake3::Hasher,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.hasher.update(&buffer[..read]);
        Ok(read)
    }
}

/// One entry of a bundle, classified.
#[derive(Debug, PartialEq, Eq)]
pub enum Part {
    /// `FORMAT`.
    Format,
    /// `journal`.
    Journal,
    /// `checkpoints`.
    Checkpoints,
    /// An object, by the id its path names.
    Object(SourceId),
}

/// Classifies an entry's path, refusing anything outside the layout.
pub fn classify(path: &[u8]) -> Result<Part, BundleError> {
    let shown = String::from_utf8_lossy(path).into_owned();
    let text = std::str::from_utf8(path)
        .map_err(|_| refused(format!("the path {shown:?} is not UTF-8")))?;
    if text.starts_with('/')
        || text
            .split('/')
            .any(|part| part == ".." || part == "." || part.is_empty())
    {
        return Err(refused(format!(
            "the path {shown:?} escapes {ROOT}/ (absolute, or with . or .. parts)"
        )));
    }
    let Some(rest) = text.strip_prefix(&format!("{ROOT}/")) else {
        return Err(refused(format!("the path {shown:?} is outside {ROOT}/")));
    };
    match rest {
        "FORMAT" => return Ok(Part::Format),
        "journal" => return Ok(Part::Journal),
        "checkpoints" => return Ok(Part::Checkpoints),
        _ => {}
    }
    let parts: Vec<&str> = rest.split('/').collect();
    if let ["objects", dir, name] = parts.as_slice() {
        if dir.len() == 2 && name.len() == 62 {
            if let Ok(id) = format!("{dir}{name}").parse::<SourceId>() {
                if id.to_hex() == format!("{dir}{name}") {
                    return Ok(Part::Object(id));
                }
            }
        }
    }
    Err(refused(format!(
        "the path {shown:?} is not part of a bundle (FORMAT, journal, checkpoints, objects/xx/…)"
    )))
}

/// Receives each object of a bundle as it streams: its id, a reader of its
/// bytes, and its size.
pub type ObjectSink<'a> = dyn FnMut(SourceId, &mut dyn Read, u64) -> Result<(), BundleError> + 'a;

/// Reads a bundle, handing each object to `object` as it streams (with its
/// id and a reader of its bytes) and returning the journal and checkpoints.
/// `limit` bounds the sum of the entries' sizes (the bundle file's size).
pub fn read(
    input: &mut dyn Read,
    limit: u64,
    object: &mut ObjectSink<'_>,
) -> Result<(Vec<u8>, Option<Vec<u8>>), BundleError> {
    let io = |source| BundleError::Io {
        action: "read",
        source,
    };
    let mut archive = tar::Archive::new(input);
    let mut seen = std::collections::HashSet::new();
    let mut journal = None;
    let mut checkpoints = None;
    let mut format = false;
    let mut total: u64 = 0;
    let mut count: u64 = 0;
    for entry in archive.entries().map_err(io)? {
        let mut entry = entry
            .map_err(|error| refused(format!("it is truncated or not a tar file ({error})")))?;
        count += 1;
        if count > MAX_ENTRIES {
            return Err(refused(format!("it holds more than {MAX_ENTRIES} entries")));
        }
        let kind = entry.header().entry_type();
        let path = entry.path_bytes().into_owned();
        let shown = String::from_utf8_lossy(&path).into_owned();
        if kind != tar::EntryType::Regular {
            return Err(refused(format!(
                "{shown:?} is a {kind:?} entry; a bundle holds only regular files (no links, no directories)"
            )));
        }
        let size = entry.size();
        total = total.saturating_add(size);
        if total > limit {
            return Err(refused(format!(
                "its entries claim {total} bytes, more than the {limit}-byte bundle holds (a size bomb or a truncated file)"
            )));
        }
        let part = classify(&path)?;
        if !seen.insert(path.clone()) {
            return Err(refused(format!("{shown:?} appears twice")));
        }
        if !format && part != Part::Format {
            return Err(refused("its first entry is not provdb-bundle/FORMAT"));
        }
        match part {
            Part::Format => {
                let mut text = Vec::new();
                entry.by_ref().take(64).read_to_end(&mut text).map_err(io)?;
                if text != FORMAT_TEXT.as_bytes() {
                    return Err(refused("its FORMAT entry is not provdb bundle format 1"));
                }
                format = true;
            }
            Part::Journal => {
                let mut bytes = Vec::with_capacity(size.min(1 << 30) as usize);
                entry.read_to_end(&mut bytes).map_err(io)?;
                journal = Some(bytes);
            }
            Part::Checkpoints => {
                let mut bytes = Vec::new();
                entry.read_to_end(&mut bytes).map_err(io)?;
                checkpoints = Some(bytes);
            }
            Part::Object(id) => object(id, &mut entry, size)?,
        }
    }
    let journal = journal.ok_or_else(|| refused("it holds no journal"))?;
    Ok((journal, checkpoints))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_layout_are_refused() {
        let hex = "ab".repeat(32);
        assert_eq!(
            classify(format!("{ROOT}/objects/{}/{}", &hex[..2], &hex[2..]).as_bytes())
                .expect("object"),
            Part::Object(hex.parse().expect("id"))
        );
        for bad in [
            "/etc/passwd".to_string(),
            format!("{ROOT}/../x"),
            format!("{ROOT}/objects/../../x"),
            format!("../{ROOT}/journal"),
            format!("{ROOT}/objects/ab/cd"),
            format!("{ROOT}/objects/AB/{}", "AB".repeat(31)),
            format!("{ROOT}/index/db"),
            "journal".to_string(),
        ] {
            assert!(classify(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
