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
    // One `verify` writes one time for every object it found sound: each
    // time is read once, and reused while the next line repeats it.
    let mut last: Option<(&str, OffsetDateTime)> = None;
    text.lines()
        .filter_map(|line| {
            let (id, when) = line.split_once(' ')?;
            let id = id.parse().ok()?;
            let when = match last {
                Some((text, time)) if text == when => time,
                _ => {
                    let time = OffsetDateTime::parse(when, &Rfc3339).ok()?;
                    last = Some((when, time));
                    time
                }
            };
            Some((id, when))
        })
        .collect()
}

/// Replaces the file (write to a temporary file, fsync, rename), its
/// lines in the order of their ids, one for each id (the first given).
pub fn write(store: &Path, mut times: Vec<(SourceId, OffsetDateTime)>) -> io::Result<()> {
    // Lowercase hex sorts as the bytes it spells. Stable: of an id given
    // twice, the first stays.
    times.sort_by_key(|(id, _)| *id);
    times.dedup_by_key(|(id, _)| *id);
    let mut text = Vec::with_capacity(times.len() * 96);
    let mut last: Option<(&OffsetDateTime, String)> = None;
    for (id, when) in &times {
        let written = match &last {
            Some((time, written)) if *time == when => written,
            _ => {
                let written = when.format(&Rfc3339).map_err(io::Error::other)?;
                &last.insert((when, written)).1
            }
        };
        text.extend_from_slice(&id.hex_digits());
        text.push(b' ');
        text.extend_from_slice(written.as_bytes());
        text.push(b'\n');
    }
    let temporary = store.join(format!("{FILE}.tmp"));
    crate::storage::files::replace(&store.join(FILE), &temporary, |out| out.write_all(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file is one line per object in the order of the ids, each time
    /// in RFC 3339 (written here by hand), and reads back as written; a
    /// line that does not parse is left out.
    #[test]
    fn the_file_is_written_in_id_order_and_reads_back() {
        let store =
            crate::tempdir::PrivateDir::create("verified-test").expect("temporary directory");
        let early = OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("time");
        let late = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time");
        let times: HashMap<SourceId, OffsetDateTime> = [
            (SourceId([0xbb; 32]), late),
            (SourceId([0x0a; 32]), early),
            (SourceId([0xab; 32]), late),
            (SourceId([0x1f; 32]), late),
        ]
        .into_iter()
        .collect();
        // Given out of order, one id twice: its first time is written.
        let given = [
            (SourceId([0xbb; 32]), late),
            (SourceId([0x0a; 32]), early),
            (SourceId([0xab; 32]), late),
            (SourceId([0x0a; 32]), late),
            (SourceId([0x1f; 32]), late),
        ];
        write(store.path(), given.to_vec()).expect("written");
        let text = std::fs::read_to_string(store.path().join(FILE)).expect("read");
        let expected = [
            ("0a", "2023-11-14T22:13:20Z"),
            ("1f", "2027-01-15T08:00:00Z"),
            ("ab", "2027-01-15T08:00:00Z"),
            ("bb", "2027-01-15T08:00:00Z"),
        ]
        .map(|(byte, time)| format!("{} {time}\n", byte.repeat(32)))
        .concat();
        assert_eq!(text, expected);
        assert_eq!(read(store.path()), times);
        std::fs::write(
            store.path().join(FILE),
            format!(
                "{}\nnot an id 2027-01-15T08:00:00Z\n{} yesterday\n",
                expected.trim_end(),
                "cc".repeat(32)
            ),
        )
        .expect("rewritten");
        assert_eq!(
            read(store.path()),
            times,
            "the lines that do not parse are left out"
        );
    }
}
