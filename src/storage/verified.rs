//! The store's `verified` file: when `verify` last found each object's bytes
//! sound, so that `verify --max-age` can skip recent ones. It is a cache of
//! check results, not a record of facts: deleting it only makes the next
//! `verify --max-age` rehash everything. One line per object: the 64-hex id,
//! a space, an RFC 3339 time.

use std::collections::HashMap;
use std::io;
use std::path::Path;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::model::SourceId;

/// The file name inside the store.
pub const FILE: &str = "verified";

/// Reads the file; lines that do not parse are ignored (their objects are rehashed).
pub fn read(store: &Path) -> HashMap<SourceId, OffsetDateTime> {
    let Ok(text) = std::fs::read_to_string(store.join(FILE)) else {
        return HashMap::new();
    };
    text.lines()
        .filter_map(|line| {
            let (id, when) = line.split_once(' ')?;
            Some((
                id.parse().ok()?,
                OffsetDateTime::parse(when, &Rfc3339).ok()?,
            ))
        })
        .collect()
}

/// Replaces the file (write to a temporary file, fsync, rename).
pub fn write(store: &Path, times: &HashMap<SourceId, OffsetDateTime>) -> io::Result<()> {
    let mut lines: Vec<String> = times
        .iter()
        .map(|(id, when)| {
            Ok(format!(
                "{} {}\n",
                id.to_hex(),
                when.format(&Rfc3339).map_err(io::Error::other)?
            ))
        })
        .collect::<io::Result<_>>()?;
    lines.sort();
    let temporary = store.join(format!("{FILE}.tmp"));
    crate::storage::files::replace(&store.join(FILE), &temporary, |out| {
        out.write_all(lines.concat().as_bytes())
    })
}
